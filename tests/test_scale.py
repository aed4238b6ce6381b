"""The structured trace (sage_conslaw.core.jets) against the generic engine.

Properties over many shapes: the random elements of W_0 evaluated by matrix
products are the gradients of the same combination of the components of phi;
nested brackets on jets equal the brackets of the symbolic fields; the
counts of network_trace equal those of the generic engine, certified.
"""
import itertools
import random

import numpy as np
import pytest

from sage.rings.integer_ring import ZZ

from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
from sage_conslaw.core.jets import Jet, NetworkFamily, jet_trace, network_trace, triangular_minor_rank
from sage_conslaw.core.modular import DEFAULT_PRIME, linbox_matrix, rank_mod_p

P = DEFAULT_PRIME


def _shapes(n, seed, max_width=3, max_depth=3):
    rng = random.Random(seed)
    return [[rng.randint(1, max_width) for _ in range(rng.randint(2, max_depth) + 1)] for _ in range(n)]


def _combination(net, family, coefs):
    """The polynomial <C, phi> of the coefficients drawn by NetworkFamily."""
    if family.family == 'linear':
        C = coefs[0]
        phi = net.components()
        n0, nq = family.dims[0], family.dims[-1]
        return sum(ZZ(int(C[a, b])) * phi[a * nq + b] for a in range(n0) for b in range(nq))
    c, alpha = coefs
    c = [[ZZ(int(t)) for t in v[0]] for v in c]
    alpha = [ZZ(int(t)) for t in alpha[0]]
    U = net.weights()
    q = len(family.dims) - 1
    f = 0
    for j in itertools.product(*[range(n) for n in family.dims]):
        term = 1
        for i in range(q + 1):
            term *= c[i][j[i]]
        for i in range(1, q + 1):
            term *= U[i - 1][j[i - 1], j[i]]
        f += term
    if family.bias:
        for i in range(1, q):
            b = net.parameters()["b%s" % i]
            for j in itertools.product(*[range(n) for n in family.dims[:i + 1]]):
                term = alpha[i] * b[j[i], 0]
                for l in range(i + 1):
                    term *= c[l][j[l]]
                for l in range(1, i + 1):
                    term *= U[l - 1][j[l - 1], j[l]]
                f += term
        f += sum(alpha[0] * c[0][j0] * net.parameters()["c"][j0, 0] for j0 in range(family.dims[0]))
    return f


@pytest.mark.parametrize("kind", ["linear", "relu", "relu-bias"])
def test_fields_are_gradients_of_combinations(kind):
    for dims in _shapes(6, hash(kind) % 1000):
        bias = kind == "relu-bias"
        net = LinearNetwork(dims) if kind == "linear" else ReLUNetwork(dims, bias=bias)
        W = NetworkFamily(kind.split('-')[0], dims, bias)
        assert W.D == net.D and W.d == net.d
        rng = np.random.default_rng(len(dims))
        coefs = W.random_coefficients(1, rng, P)
        x = [int(t) for t in net.random_point(3)]
        got = W.field(coefs if kind != "linear" else coefs, Jet(np.array([[x]], dtype=float) % P, P)).coefs[0, 0]
        f = _combination(net, W, coefs if kind != "linear" else (coefs[0],))
        R = net.polynomial_ring()
        expected = [ZZ(f.derivative(v)(*x)) % P for v in R.gens()]
        assert expected == [int(t) for t in got], dims


def test_brackets_on_jets_are_symbolic_brackets():
    net = LinearNetwork([2, 2, 3])
    W = NetworkFamily('linear', [2, 2, 3])
    x = [int(t) for t in net.random_point(1)]
    for depth in (1, 2):
        rng = np.random.default_rng(depth)
        vals = W.bracket_values(x, depth, 1, rng, P)[0]
        rng = np.random.default_rng(depth)
        coefs = [W.random_coefficients(1, rng, P) for _ in range(depth + 1)]
        V = net.vector_fields()
        fields = [V.gradient(_combination(net, W, (C[0],))) for C in coefs]
        Z = fields[-1]
        for X in reversed(fields[:-1]):
            Z = X._bracket_(Z)
        assert [int(t) for t in vals] == [ZZ(c(*x)) % P for c in Z.components()]


@pytest.mark.parametrize("kind", ["linear", "relu", "relu-bias"])
def test_counts_agree_with_the_generic_engine(kind):
    for dims in _shapes(8, 7 + len(kind), max_width=4, max_depth=4):
        bias = kind == "relu-bias"
        net = LinearNetwork(dims) if kind == "linear" else ReLUNetwork(dims, bias=bias)
        res = net.lie_trace(method='fast')
        r = network_trace(NetworkFamily(kind.split('-')[0], dims, bias), point=res.point)
        assert r['number_of_laws'] >= res.number_of_laws - 0 or not r['certified']
        if res.certified and r['certified']:
            assert r['number_of_laws'] == res.number_of_laws, dims
        if res.certified and res.known_laws == r['known_laws']:
            assert r['certified'], dims


def test_linbox_matrix_from_one_buffer():
    A = np.floor(np.random.default_rng(0).random((30, 40)) * P)
    A[10] = (A[3] + 2 * A[4]) % P
    M = linbox_matrix(A, P)
    assert M.nrows() == 30 and int(M[7, 9]) == int(A[7, 9])
    assert M.rank() == rank_mod_p(A, P) == 29


def _jacobian_rows(net, monomials, x):
    """The gradients at x of the monomials (coordinates listed, padded with -1), from the ring."""
    g = net.polynomial_ring().gens()
    rows = []
    for row in monomials:
        m = 1
        for c in row:
            if c >= 0:
                m *= g[c]
        rows.append([ZZ(m.derivative(v)(*x)) % P for v in g])
    return np.array(rows, dtype=float)


@pytest.mark.parametrize("bias", [False, True])
def test_triangular_certificate_is_a_nonsingular_minor_of_path_gradients(bias):
    rng = random.Random(11 + bias)
    for dims in _shapes(10, 3 + bias, max_width=4, max_depth=4):
        net = ReLUNetwork(dims, bias=bias)
        W = NetworkFamily('relu', dims, bias)
        H = sum(dims[1:-1])
        x = [int(t) for t in net.random_point(len(dims))]
        paths = set(net.components())
        g = net.polynomial_ring().gens()
        for reference in (None, [rng.randrange(n) for n in dims]):
            monomials, pivots = W.triangular_certificate(reference)
            assert len(pivots) == W.D - H, dims
            assert all(np.prod([g[c] for c in row if c >= 0]) in paths for row in monomials)
            rank, why = triangular_minor_rank(monomials, pivots, x, P)
            assert (rank, why) == (W.D - H, None), (dims, reference, why)
            J = _jacobian_rows(net, monomials, x)
            # the minor itself, from the symbolic gradients: lower triangular, nonzero diagonal
            minor = J[:, pivots]
            assert not np.triu(minor, 1).any() and np.all(np.diag(minor) != 0), (dims, reference)
            assert rank_mod_p(J, P) == rank


def test_triangular_certificate_counts_equal_the_jacobian_rank_of_phi():
    """Independent of the structured engine: the rank of all the path gradients at x."""
    for bias in (False, True):
        for dims in _shapes(6, 21 + bias, max_width=3, max_depth=3):
            net = ReLUNetwork(dims, bias=bias)
            x = [int(t) for t in net.random_point(2)]
            R = net.polynomial_ring()
            J = np.array([[ZZ(f.derivative(v)(*x)) % P for v in R.gens()] for f in net.components()], dtype=float)
            W = NetworkFamily('relu', dims, bias)
            dims_found, level, reached = jet_trace(W, x, W.D - sum(dims[1:-1]))
            assert reached and level == 0 and dims_found == [rank_mod_p(J, P)], dims


def test_triangular_certificate_survives_vanishing_coordinates():
    dims = [3, 4, 3, 2]
    net = ReLUNetwork(dims, bias=True)
    W = NetworkFamily('relu', dims, True)
    monomials, pivots = W.triangular_certificate()
    x = [int(t) for t in net.random_point(5)]
    # zero the weights of the reference paths (node 0 everywhere) that some diagonal uses
    x[W._column(0, 0, 0)] = 0
    x[W._column(2, 0, 0)] = P             # zero modulo p, not over the integers
    assert triangular_minor_rank(monomials, pivots, x, P)[0] == 0
    target = W.D - sum(dims[1:-1])
    assert jet_trace(W, x, target) == ([target], 0, True)
    r = network_trace(W, point=x)
    assert r['certified'] and r['number_of_laws'] == 7


def test_broken_certificates_are_refused():
    W = NetworkFamily('relu', [2, 3, 2], bias=True)
    monomials, pivots = W.triangular_certificate()
    x = list(range(2, 2 + W.D))
    assert triangular_minor_rank(monomials, pivots, x, P) == (W.D - 3, None)
    # reversed order: no longer lower triangular
    assert "not triangular" in triangular_minor_rank(monomials[::-1], pivots[::-1], x, P)[1]
    # one pivot moved to a column its row does not have
    bad = pivots.copy()
    bad[0] = pivots[-1]
    assert triangular_minor_rank(monomials, bad, x, P)[0] == 0
    # the linear family has its certificate at the identity of square networks only: elsewhere the trace eliminates
    assert NetworkFamily('linear', [2, 3, 2]).rank_certificate(list(range(12)), 6)[0] == []


def test_a_point_that_the_prime_divides_is_certified_with_another_prime():
    """Review: coordinates multiples of p reduced to a zero point; the count is the same up to scale."""
    import random as _random
    rng = _random.Random(0)
    for dims, bias in (([3, 4, 4, 3], True), ([2, 3, 2], False), ([3, 4, 2, 3], False)):
        net = ReLUNetwork(dims, bias=bias) if len(dims) != 4 or bias else LinearNetwork(dims)
        y = [rng.randint(1, 9) for _ in range(net.D)]
        plain = net.lie_trace(point=y)
        scaled = net.lie_trace(point=[P * t for t in y])
        assert plain.certified and scaled.certified, dims
        assert scaled.number_of_laws == plain.number_of_laws and scaled.prime != P, dims


def test_given_laws_unchecked_on_a_model():
    net = LinearNetwork([2, 3, 2])
    res = net.lie_trace(laws=net.known_conservation_laws(), check=False)
    assert res.certified and res.number_of_laws == net.lie_trace().number_of_laws


def test_out_of_memory_in_elimination_is_a_clear_error(monkeypatch):
    """Review: a dead hidden neuron defeats the certificate; at scale the elimination may not fit."""
    import sage_conslaw.core.jets as jets
    W = NetworkFamily('relu', [2, 3, 2], bias=True)
    x = list(range(2, 2 + W.D))
    for a in range(2):
        x[W._column(0, a, 1)] = 0          # hidden neuron 1: no incoming weight ...
    x[W._column(2, 1)] = 0                 # ... and no bias
    assert triangular_minor_rank(*W.triangular_certificate(), x, P)[0] == 0

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate")
    monkeypatch.setattr(jets, "_eliminate", no_memory)
    with pytest.raises(MemoryError, match="ran out of memory; the triangular certificate, which needs none, "
                                          "does not apply at this point: the diagonal entry"):
        jets.jet_trace(W, x, W.D - 3)


# ---------------------------------------------------------------------------
# Issue 22: certificates that scale, elimination that reduces only new rows
# ---------------------------------------------------------------------------

from sage_conslaw.core.jets import LinearPathFamily, ReLUPathFamily, StructuredFamily  # noqa: E402
from sage_conslaw.core.modular import EchelonModP  # noqa: E402
from sage_conslaw.core.points import random_point  # noqa: E402


@pytest.mark.parametrize("q", [1, 2, 3, 4, 5])
def test_pair_ranks_reach_q_plus_one_at_depth_q_minus_one(q):
    """The identity certificate needs rho = q + 1 on a pair of entries of [2]^(q+1)."""
    ranks = LinearPathFamily([4] * (q + 1)).pair_ranks()
    assert ranks[-1] == q + 1 and len(ranks) == max(q, 1), ranks
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("n,q", [(n, q) for n in (2, 3, 4, 5) for q in (1, 2, 3, 4)])
def test_identity_certificate_agrees_with_elimination_at_random_points(n, q):
    """The count at the identity (no elimination) = the known laws = the count by elimination at a random point."""
    W = LinearPathFamily([n] * (q + 1))
    at_identity = network_trace(W, point='certificate')
    N = (q - 1) * n * (n + 1) // 2
    assert at_identity['certified'] and at_identity['number_of_laws'] == N == at_identity['known_laws']
    x = W.certificate_point()
    assert at_identity['dimensions'] == W.rank_certificate(x, W.D - N)[0]
    assert at_identity['dimensions'][0] == n * n            # W_0(I) = {(C, ..., C)}
    r = network_trace(W, point=random_point(W.D, seed=n + q))
    assert r['certified'] and r['number_of_laws'] == N, (n, q, r)


@pytest.mark.parametrize("n", [3, 4])
def test_identity_dimensions_are_exact_against_dense_elimination_at_the_identity(n):
    """Every level W_k(I): the certificate's lower bound equals the rank of many random brackets there."""
    W = LinearPathFamily([n] * 4)
    x = W.certificate_point()
    proven, _ = W.rank_certificate(x, W.D - W.number_of_known_laws)
    rng = np.random.default_rng(1)
    rows = []
    for depth, bound in enumerate(proven):
        rows.append(W.bracket_values(x, depth, 3 * W.D, rng))
        assert rank_mod_p(np.vstack(rows)) == bound, (n, depth)


def test_square_networks_through_the_model_use_the_identity_above_the_threshold():
    from sage_conslaw.core import thresholds
    net = LinearNetwork([30, 30, 30, 30])          # D = 2700 > RANDOM_POINT_MAX_D
    assert net.D > thresholds.RANDOM_POINT_MAX_D
    res = net.lie_trace()
    assert res.certified and res.number_of_laws == 2 * 30 * 31 // 2 and not res.random_point
    assert res.dimensions == [900, 1335, 1770]
    small = LinearNetwork([3, 3, 3]).lie_trace()
    assert small.random_point and small.number_of_laws == 6


@pytest.mark.parametrize("seed", range(3))
def test_echelon_reduces_only_new_rows_and_agrees_with_one_echelon_form(seed):
    rng = np.random.default_rng(seed)
    p = 1009
    D = int(rng.integers(5, 40))
    low = np.floor(rng.random((60, 4)) * p) @ np.floor(rng.random((4, D)) * p)      # rank 4
    A = np.vstack([low, np.floor(rng.random((30, D)) * p) * (rng.random((30, 1)) < 0.5)])
    A = A[rng.permutation(len(A))]
    E, kept, start = EchelonModP(D, p), [], 0
    while start < len(A):
        size = int(rng.integers(1, 12))
        kept += [start + i for i in E.add_rows(A[start:start + size])]
        start += size
    M = linbox_matrix(A, p)
    assert E.rank == M.rank() and kept == list(M.pivot_rows())
    # every row reduces to zero against the span
    assert not E.reduce(A).any()


def test_echelon_exact_beyond_one_exact_dot_block():
    """More kept rows than MAX_EXACT_DOT: the reduction runs in chunks whose float64 sums stay exact."""
    from sage_conslaw.core.thresholds import MAX_EXACT_DOT
    r, extra = MAX_EXACT_DOT + 100, 5
    rng = np.random.default_rng(0)
    tail = np.floor(rng.random((r, extra)) * P)
    B = np.hstack([np.eye(r), tail]).astype(np.float32)      # reduced echelon form on the first r columns
    E = EchelonModP(r + extra, P)
    E._blocks, E._rank = [(np.arange(r), B)], r
    v = np.floor(rng.random((1, r + extra)) * P)
    got = E.reduce(v)[0]
    assert not got[:r].any()
    exact = [(int(v[0, r + j]) - sum(int(v[0, i]) * int(tail[i, j]) for i in range(r))) % P for j in range(extra)]
    assert got[r:].tolist() == exact


@pytest.mark.parametrize("seed", range(4))
def test_known_law_certificates_against_dense_ranks(seed):
    rng = random.Random(seed)
    for dims in _shapes(8, 50 + seed, max_width=4, max_depth=4):
        for W in (LinearPathFamily(dims), ReLUPathFamily(dims, bias=bool(rng.getrandbits(1)))):
            x = [rng.randint(-5, 5) for _ in range(W.D)]
            n = W.number_of_known_laws
            dense = rank_mod_p(W.law_gradients(x, n + 8, np.random.default_rng(seed))) if n else 0
            got = W.known_law_rank(x)[0]
            assert got <= dense, (dims, got, dense)           # a proven lower bound
            if isinstance(W, ReLUPathFamily) or got < dense:
                continue
            assert got == dense


def test_relu_certificates_at_scale_are_linear_in_D():
    import time
    times = []
    for w in (100, 200, 400):
        W = ReLUPathFamily([w, 2 * w, w], bias=True)
        t0 = time.perf_counter()
        r = network_trace(W)
        times.append((W.D, time.perf_counter() - t0))
        assert r['certified'] and r['number_of_laws'] == 2 * w
    # 16x the parameters: well under 16^1.5 = 64x the time (linear, with start-up noise)
    assert times[-1][1] < 40 * max(times[0][1], 0.02), times


def test_relu_model_above_the_singular_limit_counts_without_its_ring():
    net = ReLUNetwork([64, 256, 64], bias=True)           # D = 33,088 > 32,767
    res = net.lie_trace()
    assert net.D == 33088 and res.certified and res.number_of_laws == 256
    assert net.generators()._V is None                      # no ring of D variables was built


def test_a_structured_family_by_subclassing():
    """A new architecture gets a trace at scale by subclassing StructuredFamily."""
    class Product(StructuredFamily):
        D, d = 2, 1

        def random_coefficients(self, B, rng, p):
            return np.floor(rng.random((B, 1)) * p)

        def field(self, c, theta):
            u, v = Jet(theta.coefs[..., :1], theta.p), Jet(theta.coefs[..., 1:], theta.p)
            return Jet(np.concatenate([(v * c).coefs, (u * c).coefs], axis=-1), theta.p)
    assert jet_trace(Product(), [3, 5], 1) == ([1], 0, True)
    assert jet_trace(Product(), [3, 5], 2)[2] is False


def test_memory_is_refused_before_allocating():
    W = LinearPathFamily([1000, 1000, 1000, 1000])            # D = 3e6 at a random point: elimination
    with pytest.raises(MemoryError, match="refused before allocating"):
        jet_trace(W, np.arange(W.D) % 7 + 1, W.D - W.number_of_known_laws)
    # at the identity, the same network is certified without elimination
    r = network_trace(LinearPathFamily([300, 300, 300]))
    assert r['certified'] and r['number_of_laws'] == 300 * 301 // 2
