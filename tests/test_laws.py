"""Property tests of polynomial conservation laws (core/laws.py, Algorithm 1)
and of Reparametrization.is_conservation_law.

Laws are checked independently: <grad h, grad phi_j> is computed here from
plain derivatives, and the dimension of the space of laws of a given degree
is recomputed by a from-scratch dense kernel over QQ.
"""
import itertools
import random

import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw import PolynomialVectorFields, Reparametrization, polynomial_laws
from sage_conslaw.architectures import (LinearNetwork, MatrixFactorization, ReLUNetwork, uv, product,
                                        ScalarTimesVector, random_vector_fields)

from sage.rings.rational_field import QQ
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.matrix.constructor import matrix


# ---------------------------------------------------------------------------
# independent helpers
# ---------------------------------------------------------------------------

def annihilates(h, phis):
    """<grad h, grad phi_j> == 0 identically for every j, from scratch."""
    R = h.parent()
    g = R.gens()
    return all(sum(h.derivative(x) * f.derivative(x) for x in g) == 0 for f in phis)


def coefficient_matrix(polys):
    monos = sorted({m for p in polys for m in p.monomials()})
    index = {m: i for i, m in enumerate(monos)}
    M = matrix(QQ, len(polys), max(1, len(monos)))
    for r, p in enumerate(polys):
        for c, m in zip(p.coefficients(), p.monomials()):
            M[r, index[m]] = c
    return M


def span_dim(polys):
    polys = [p for p in polys if p]
    return coefficient_matrix(polys).rank() if polys else 0


def spans_equal(A, B):
    a, b = span_dim(A), span_dim(B)
    return a == b == span_dim(list(A) + list(B))


def contains(big, small):
    return span_dim(list(big) + list(small)) == span_dim(big)


def brute_force_law_dimension(R, phis, degree, homogeneous=True):
    """dim of {h of the given degree(s), no constant : <grad h, grad phi_j> = 0}, dense over QQ."""
    g = R.gens()
    degs = [degree] if homogeneous else range(1, degree + 1)
    monos = [R.prod(c) for k in degs for c in itertools.combinations_with_replacement(g, k)]
    if not monos:
        return 0
    images = []
    for m in monos:
        images.append([sum(m.derivative(x) * f.derivative(x) for x in g) for f in phis])
    keys = sorted({(j, mono) for im in images for j, p in enumerate(im) for mono in p.monomials()},
                  key=str)
    index = {k: i for i, k in enumerate(keys)}
    A = matrix(QQ, max(1, len(keys)), len(monos))
    for col, im in enumerate(images):
        for j, p in enumerate(im):
            for c, mono in zip(p.coefficients(), p.monomials()):
                A[index[j, mono], col] += c
    return len(monos) - A.rank()


def random_phi(D, d, degree, seed):
    R = PolynomialRing(QQ, 't', D)
    rng = random.Random(seed)
    g = R.gens()
    phis = []
    for _ in range(d):
        f = R.zero()
        for _ in range(3):
            m = R.prod(rng.choice(g) for _ in range(degree))
            f += rng.randint(-3, 3) * m
        phis.append(f if f else R.prod(g[:degree]))
    return R, phis


def models():
    return [
        ("uv", uv()), ("product3", product(3)), ("product4", product(4)),
        ("stv2", ScalarTimesVector(2)), ("mf221", MatrixFactorization(2, 2, 1)),
        ("mf212", MatrixFactorization(2, 1, 2)), ("mf112", MatrixFactorization(1, 1, 2)),
        ("lin232", LinearNetwork([2, 3, 2])), ("lin1221", LinearNetwork([1, 2, 2, 1])),
        ("lin2122", LinearNetwork([2, 1, 2, 2])), ("relu232", ReLUNetwork([2, 3, 2])),
        ("relu121b", ReLUNetwork([1, 2, 1], bias=True)), ("relu1111", ReLUNetwork([1, 1, 1, 1])),
    ]


MODELS = models()


# ---------------------------------------------------------------------------
# returned laws are laws, and all of them
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,phi", MODELS, ids=[n for n, _ in MODELS])
@pytest.mark.parametrize("degree", [1, 2, 3])
def test_returned_laws_are_laws(name, phi, degree):
    laws = phi.polynomial_conservation_laws(degree)
    R = phi.polynomial_ring()
    for h in laws:
        assert h.parent() is R
        assert h != 0 and h.is_homogeneous() and h.degree() == degree
        assert phi.is_conservation_law(h)
        assert annihilates(h, phi.components())
    # a basis: linearly independent
    assert span_dim(laws) == len(laws)


@pytest.mark.parametrize("name,phi", MODELS[:9], ids=[n for n, _ in MODELS[:9]])
@pytest.mark.parametrize("degree", [1, 2, 3])
def test_law_space_dimension_matches_brute_force(name, phi, degree):
    laws = phi.polynomial_conservation_laws(degree)
    assert len(laws) == brute_force_law_dimension(phi.polynomial_ring(), phi.components(), degree)


@pytest.mark.parametrize("D,d,degree,seed", [(2, 1, 2, 0), (3, 1, 3, 1), (3, 2, 2, 2), (4, 1, 2, 3),
                                             (4, 2, 2, 4), (3, 1, 2, 5), (2, 1, 3, 6)])
@pytest.mark.parametrize("law_degree", [2, 3, 4])
def test_random_phi_laws_match_brute_force(D, d, degree, seed, law_degree):
    R, phis = random_phi(D, d, degree, seed)
    phi = Reparametrization(R, phis)
    laws = phi.polynomial_conservation_laws(law_degree)
    assert len(laws) == brute_force_law_dimension(R, phis, law_degree)
    assert all(annihilates(h, phis) for h in laws)


SMALL = [(n, p) for n, p in MODELS if p.D <= 8]


@pytest.mark.parametrize("name,phi", SMALL, ids=[n for n, _ in SMALL])
def test_non_homogeneous_laws(name, phi):
    R = phi.polynomial_ring()
    full = phi.polynomial_conservation_laws(3, homogeneous=False)
    assert all(annihilates(h, phi.components()) for h in full)
    assert all(h.constant_coefficient() == 0 and h != 0 for h in full)
    assert span_dim(full) == len(full)
    homog = [h for k in (1, 2, 3) for h in phi.polynomial_conservation_laws(k)]
    # phi homogeneous: the space of laws of degree <= 3 is graded
    if all(f.is_homogeneous() for f in phi.components()):
        assert spans_equal(full, homog)
    assert len(full) == brute_force_law_dimension(R, phi.components(), 3, homogeneous=False)


def test_uv_laws_by_degree():
    phi = uv()
    u, v = phi.polynomial_ring().gens()
    assert spans_equal(phi.polynomial_conservation_laws(2), [u ** 2 - v ** 2])
    assert spans_equal(phi.polynomial_conservation_laws(4), [(u ** 2 - v ** 2) ** 2])
    assert spans_equal(phi.polynomial_conservation_laws(6), [(u ** 2 - v ** 2) ** 3])
    for odd in (1, 3, 5):
        assert phi.polynomial_conservation_laws(odd) == []
    assert phi.polynomial_conservation_laws(0) == []


@pytest.mark.parametrize("D", [2, 3, 4, 5])
def test_product_degree_two_laws(D):
    phi = product(D)
    laws = phi.polynomial_conservation_laws(2)
    x = phi.polynomial_ring().gens()
    assert len(laws) == D - 1
    assert spans_equal(laws, [x[i] ** 2 - x[i + 1] ** 2 for i in range(D - 1)])
    assert spans_equal(laws, phi.known_conservation_laws())


def test_polynomial_laws_on_non_gradient_fields():
    # rotations of R^3: the laws of degree 2 are the multiples of x^2 + y^2 + z^2
    R = PolynomialRing(QQ, ['x', 'y', 'z'])
    x, y, z = R.gens()
    V = PolynomialVectorFields(R)
    W = [V([y, -x, 0]), V([0, z, -y])]
    assert spans_equal(polynomial_laws(W, 2), [x ** 2 + y ** 2 + z ** 2])
    assert polynomial_laws(W, 1) == []
    assert spans_equal(polynomial_laws(W, 4), [(x ** 2 + y ** 2 + z ** 2) ** 2])


def test_random_fields_have_no_polynomial_law():
    W = random_vector_fields(3, 2, 2, seed=1)
    for k in (1, 2, 3):
        assert polynomial_laws(W, k) == []


# ---------------------------------------------------------------------------
# is_conservation_law: accepts laws, functions of laws; rejects non-laws
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,phi", MODELS, ids=[n for n, _ in MODELS])
def test_functions_of_laws_are_laws_and_perturbations_are_not(name, phi):
    R = phi.polynomial_ring()
    laws = phi.known_conservation_laws() or phi.polynomial_conservation_laws(2)
    assert laws
    h1, h2 = laws[0], laws[-1]
    for h in (h1 * h2, h1 ** 2 - 3 * h2, h1 + QQ((5, 7)), R(3), R.zero()):
        assert phi.is_conservation_law(h)
        assert annihilates(h, phi.components())
    # each phi_j is never a law of a nonconstant phi (<grad phi_j, grad phi_j> != 0)
    for f in phi.components():
        if not f.is_constant():
            assert not phi.is_conservation_law(f)
            assert not phi.is_conservation_law(h1 + f)
    # a single coordinate is a law iff no phi_j depends on it
    for x in R.gens():
        expected = all(f.derivative(x) == 0 for f in phi.components())
        assert phi.is_conservation_law(x) == expected
        assert phi.is_conservation_law(h1 + x) == expected


@pytest.mark.parametrize("seed", range(6))
def test_random_polynomials_are_rejected_unless_annihilating(seed):
    phi = MatrixFactorization(2, 1, 2)
    R = phi.polynomial_ring()
    rng = random.Random(seed)
    g = R.gens()
    h = sum(rng.randint(-3, 3) * rng.choice(g) * rng.choice(g) for _ in range(4)) + rng.choice(g)
    assert phi.is_conservation_law(h) == annihilates(h, phi.components())
    h2 = h + g[0] * g[2]
    assert phi.is_conservation_law(h2) == annihilates(h2, phi.components())
    # U_0_0 * V_0_0 has <grad, grad phi_00> = U_0_0^2 + V_0_0^2 + ...: never a law
    assert not phi.is_conservation_law(g[0] * g[4])


def test_is_conservation_law_accepts_exact_constants_and_integers():
    phi = uv()
    u, v = phi.polynomial_ring().gens()
    assert phi.is_conservation_law(1)
    assert phi.is_conservation_law(QQ((2, 3)))
    assert not phi.is_conservation_law(u + v)
    assert not phi.is_conservation_law(u ** 2 + v ** 2)
    assert phi.is_conservation_law(u ** 2 - v ** 2)


# ---------------------------------------------------------------------------
# independent counting of laws
# ---------------------------------------------------------------------------

def test_number_of_independent_laws():
    phi = product(3)
    laws = phi.polynomial_conservation_laws(2) + phi.polynomial_conservation_laws(4)
    assert len(laws) == 5
    assert phi.number_of_independent_laws(laws) == 2
    assert phi.number_of_independent_laws(laws, point=[0, 0, 0]) == 0
    assert phi.number_of_independent_laws(laws, point=[1, 0, 0]) == 1
    assert phi.number_of_independent_laws([]) == 0


@pytest.mark.parametrize("name,phi", MODELS, ids=[n for n, _ in MODELS])
def test_number_of_known_laws_is_rank_of_gradients(name, phi):
    laws = phi.known_conservation_laws()
    pt = phi.random_point(seed=2)
    R = phi.polynomial_ring()
    if laws:
        J = matrix(QQ, [[h.derivative(x)(*pt) for x in R.gens()] for h in laws])
        assert phi.number_of_known_laws(point=pt) == J.rank()
    else:
        assert phi.number_of_known_laws() == 0


def test_laws_of_phi_with_denominator_equal_to_default_prime():
    R = PolynomialRing(QQ, ['u', 'v'])
    u, v = R.gens()
    laws = Reparametrization([u * v / 1048573]).polynomial_conservation_laws(2)
    assert len(laws) == 1 and annihilates(laws[0], [u * v])


@pytest.mark.parametrize("c1,c2", [(10 ** 12 + 39, 10 ** 9 + 7), (3 ** 40, 7 ** 30),
                                   (QQ((10 ** 15 + 37, 10 ** 13 + 7)), QQ((123456789123, 987654321)))])
def test_laws_with_huge_coefficients(c1, c2):
    # phi = (c1 u + c2 v)(c2 u - c1 v) is a traceless quadratic form: one quadratic law,
    # with coefficients far beyond the prime (rational reconstruction must not be fooled)
    R = PolynomialRing(QQ, ['u', 'v'])
    u, v = R.gens()
    f = (c1 * u + c2 * v) * (c2 * u - c1 * v)
    phi = Reparametrization([f])
    laws = phi.polynomial_conservation_laws(2)
    assert len(laws) == 1 == brute_force_law_dimension(R, [f], 2)
    assert annihilates(laws[0], [f])
    laws4 = phi.polynomial_conservation_laws(4)
    assert len(laws4) == 1 and annihilates(laws4[0], [f])
    assert phi.lie_trace(laws=laws).certified


# ---------------------------------------------------------------------------
# the sparse kernel: peeling, blocks, modular lift, compression, refusals
# ---------------------------------------------------------------------------

from sage_conslaw.core import laws as L  # noqa: E402


def random_system(seed, nrows, ncols, density, big=False):
    rng = random.Random(seed)
    entries = {}
    for r in range(nrows):
        for c in range(ncols):
            if rng.random() < density:
                a = rng.randint(-5, 5)
                if big:
                    a = a * 10 ** 30 + rng.randint(1, 10 ** 6)
                if rng.random() < 0.3:
                    a = QQ((a, rng.randint(1, 9)))
                entries[r, c] = a
    return L.SparseSystem.from_dict(entries, nrows, ncols)


def system_with_planted_law(seed, nrows, ncols):
    """Rows a x_i + b x_j - (a + b) x_k: no row has a single entry (nothing to peel), the
    all-ones vector is in the kernel, and the other columns are coupled."""
    rng = random.Random(seed)
    entries = {}
    for r in range(nrows):
        i, j, k = rng.sample(range(ncols), 3)
        a, b = rng.choice([1, 2, 3, -4, QQ((1, 2))]), rng.choice([1, 5, -2, QQ((3, 7))])
        if a + b == 0:
            b += 1
        entries[r, i], entries[r, j], entries[r, k] = a, b, -(a + b)
    return L.SparseSystem.from_dict(entries, nrows, ncols)


def echelon_kernel_rows(A):
    """The reduced echelon basis of the right kernel, from scratch (dense over QQ)."""
    M = matrix(QQ, max(A.nrows, 1), A.ncols, A.as_dict())
    return [dict(k.dict()) for k in M.right_kernel_matrix().rows()]


@pytest.fixture
def no_direct(monkeypatch):
    """Send every system through peeling, blocks and the modular route (no direct elimination)."""
    monkeypatch.setattr(L, "MAX_DIRECT_ENTRIES", 0)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("shape,density", [((6, 9), 0.2), ((30, 12), 0.1), ((5, 20), 0.3), ((40, 40), 0.04)])
@pytest.mark.parametrize("direct", [True, False])
def test_law_kernel_is_the_echelon_kernel(monkeypatch, seed, shape, density, direct):
    if not direct:
        monkeypatch.setattr(L, "MAX_DIRECT_ENTRIES", 0)
    A = random_system(seed, shape[0], shape[1], density)
    assert L.law_kernel(A) == echelon_kernel_rows(A)


@pytest.mark.parametrize("seed", range(4))
def test_law_kernel_with_huge_coefficients(no_direct, seed):
    # the kernel of a system with 10^30 entries has huge entries: several primes are combined
    A = random_system(seed, 4, 7, 0.5, big=True)
    assert L.law_kernel(A) == echelon_kernel_rows(A)


@pytest.mark.parametrize("name,phi", MODELS, ids=[n for n, _ in MODELS])
@pytest.mark.parametrize("degree", [2, 3])
@pytest.mark.parametrize("homogeneous", [True, False])
def test_block_route_gives_the_direct_answer(monkeypatch, name, phi, degree, homogeneous):
    direct = phi.polynomial_conservation_laws(degree, homogeneous)
    monkeypatch.setattr(L, "MAX_DIRECT_ENTRIES", 0)
    assert phi.polynomial_conservation_laws(degree, homogeneous) == direct


@pytest.mark.parametrize("seed", range(6))
def test_compressed_blocks_give_the_same_kernel(no_direct, monkeypatch, seed):
    A = system_with_planted_law(seed, 200, 12)
    expected = echelon_kernel_rows(A)
    assert len(expected) >= 1 and not L.forced_zero_columns(A).any()
    monkeypatch.setattr(L, "MAX_DENSE_BLOCK_ENTRIES", 300)   # blocks of 200 x 12 are compressed
    assert L.law_kernel(A) == expected


def test_peeling_forces_only_true_zeros():
    for seed in range(20):
        A = random_system(seed, 15, 15, 0.12)
        dead = L.forced_zero_columns(A)
        for k in echelon_kernel_rows(A):
            assert not any(dead[c] for c in k)


def test_blocks_partition_the_columns():
    A = random_system(3, 20, 30, 0.05)
    dead = L.forced_zero_columns(A)
    blocks, free = L.independent_blocks(A, dead)
    cols = sorted([int(c) for _, cs in blocks for c in cs] + [int(c) for c in free])
    assert cols == [c for c in range(30) if not dead[c]]
    # no entry links two blocks
    label = {int(c): b for b, (_, cs) in enumerate(blocks) for c in cs}
    by_row = {}
    for r, c in zip(A.rows, A.cols):
        if not dead[c]:
            by_row.setdefault(int(r), set()).add(label[int(c)])
    assert all(len(s) == 1 for s in by_row.values())


def test_refusals_name_the_limit(no_direct, monkeypatch):
    A = system_with_planted_law(1, 200, 12)
    monkeypatch.setattr(L, "MAX_DENSE_BLOCK_ENTRIES", 100)
    with pytest.raises(ValueError, match="MAX_DENSE_BLOCK_ENTRIES"):
        L.law_kernel(A)
    monkeypatch.setattr(L, "MAX_DENSE_BLOCK_ENTRIES", 2 ** 24)
    monkeypatch.setattr(L, "KERNEL_PRIMES", 0)
    monkeypatch.setattr(L, "MAX_EXACT_BLOCK_ENTRIES", 10)
    with pytest.raises(ValueError, match="MAX_EXACT_BLOCK_ENTRIES"):
        L.law_kernel(A)
    monkeypatch.setattr(L, "MAX_EXACT_BLOCK_ENTRIES", 2 ** 20)
    assert L.law_kernel(A) == echelon_kernel_rows(A)    # the exact fallback
    phi = product(4)
    monkeypatch.setattr(L, "LAW_SYSTEM_BYTES_PER_TERM", 10 ** 15)
    with pytest.raises(ValueError, match="LAW_SYSTEM_BYTES_PER_TERM.*refused before it is formed"):
        phi.polynomial_conservation_laws(2)


def test_law_system_rows_are_the_coefficients():
    # each row of the system is the coefficient of one monomial in one <grad h, X_j>
    R, phis = random_phi(4, 2, 3, 7)
    V = PolynomialVectorFields(R)
    fields = [V.gradient(f) for f in phis]
    exps = L.candidate_exponents(4, 2)
    A = L.law_system(fields, exps)
    g = R.gens()
    images = [[sum(R.monomial(*e).derivative(x) * f.derivative(x) for x in g) for f in phis] for e in exps]
    expected = sorted(sorted((c, str(v)) for c, v in
                             ((col, im[j].monomial_coefficient(m)) for col, im in enumerate(images)) if v)
                      for j in range(len(phis)) for m in {m for im in images for m in im[j].monomials()})
    got = {}
    for r, c, v in zip(A.rows, A.cols, A.vals):
        got.setdefault(int(r), []).append((int(c), str(v)))
    assert sorted(sorted(x) for x in got.values()) == expected


def test_laws_over_a_real_number_field():
    from sage.rings.number_field.number_field import QuadraticField
    K = QuadraticField(2, 'a')
    a = K.gen()
    R = PolynomialRing(K, ['x', 'y', 'z'])
    x, y, z = R.gens()
    phi = Reparametrization([a * x * y * z])
    laws = phi.polynomial_conservation_laws(2)
    assert len(laws) == 2 and all(annihilates(h, phi.components()) for h in laws)


# ---------------------------------------------------------------------------
# new laws: a complement of the products of lower laws
# ---------------------------------------------------------------------------

def products_of_lower(phi, k, homogeneous=True):
    lower = {d: phi.polynomial_conservation_laws(d, homogeneous) for d in range(1, k)}
    out = [f * g for d in range(1, k) for f in lower[d] for g in lower[k - d]]
    if not homogeneous:
        out += lower.get(k - 1, [])
    return out


NEW = [(n, p) for n, p in MODELS if p.D <= 7]


@pytest.mark.parametrize("name,phi", NEW, ids=[n for n, _ in NEW])
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("homogeneous", [True, False])
def test_new_laws_complement_the_products(name, phi, k, homogeneous):
    laws = phi.polynomial_conservation_laws(k, homogeneous)
    new = phi.polynomial_conservation_laws(k, homogeneous, new_only=True)
    old = products_of_lower(phi, k, homogeneous)
    assert contains(laws, new) and contains(laws, old)
    assert spans_equal(laws, list(new) + old)
    assert len(new) == span_dim(laws) - span_dim(old)


def test_square_activation_degree_four_laws_are_products():
    # issue 9: sum_j v_j (u_j . x)^2 with two hidden neurons and two inputs
    R = PolynomialRing(QQ, ['a1', 'b1', 'a2', 'b2', 'v1', 'v2'])
    a1, b1, a2, b2, v1, v2 = R.gens()
    phi = Reparametrization([v1 * a1 ** 2 + v2 * a2 ** 2, v1 * a1 * b1 + v2 * a2 * b2, v1 * b1 ** 2 + v2 * b2 ** 2])
    two = phi.polynomial_conservation_laws(2)
    assert spans_equal(two, [a1 ** 2 + b1 ** 2 - 2 * v1 ** 2, a2 ** 2 + b2 ** 2 - 2 * v2 ** 2])
    assert len(phi.polynomial_conservation_laws(4)) == 3
    assert phi.polynomial_conservation_laws(4, new_only=True) == []
    assert spans_equal(phi.polynomial_conservation_laws(2, new_only=True), two)


def test_new_only_must_be_boolean():
    with pytest.raises(TypeError, match="new_only must be True or False"):
        uv().polynomial_conservation_laws(2, new_only='yes')


# ---------------------------------------------------------------------------
# the rank of the gradients of laws, exact and modulo p
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,phi", MODELS, ids=[n for n, _ in MODELS])
def test_modular_gradient_rank_agrees_with_exact(name, phi):
    laws = phi.known_conservation_laws() or phi.polynomial_conservation_laws(2)
    for seed in range(3):
        pt = phi.random_point(seed=seed)
        exact = L.number_of_independent_functions(laws, pt)
        assert L.number_of_independent_functions(laws, pt, p=1048573) <= exact
        assert L.number_of_independent_functions(laws, pt, p=1048573) == exact   # generic prime


# ---------------------------------------------------------------------------
# Symmetries as objects: the declared symmetries give exactly the known laws
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).LinearNetwork([2, 3, 2]),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).LinearNetwork([3, 2, 4, 2]),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).LinearNetwork([1, 4, 1]),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).MatrixFactorization(2, 3, 2),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).MatrixFactorization(3, 1, 4),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).ReLUNetwork([2, 3, 2]),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).ReLUNetwork([2, 3, 4, 2], bias=True),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).MultiHeadAttention(2, 2, 1, 2, 3, bias=True),
    lambda: __import__("sage_conslaw.architectures", fromlist=["x"]).Attention(3, 2, 2, 2),
])
def test_symmetries_give_the_known_laws(make):
    model = make()
    S = model.symmetries()
    assert S and all(A.is_symmetric() for A in S if hasattr(A, "is_symmetric"))     # translations: always a law
    # checked exactly: each generator leaves phi invariant, each law is annihilated by W
    laws = model.symmetry_laws(check=True)
    assert laws == model.known_conservation_laws()


@pytest.mark.parametrize("dims", [[2, 3, 2], [3, 2, 4, 2], [1, 4, 1], [4, 1, 3], [2, 2, 2, 2, 2]])
def test_linear_laws_from_symmetries_are_the_balancedness_matrices(dims):
    # the laws derived from the GL symmetries (ProductSymmetry) against the matrix products
    # U_i^T U_i - U_{i+1} U_{i+1}^T, and against the generic theta^T A theta of the same entries
    from sage_conslaw.architectures import LinearNetwork, MatrixFactorization
    from sage_conslaw.core.symmetry import LinearSymmetry
    net = LinearNetwork(dims)
    R, U = net.polynomial_ring(), net.weights()
    expected = []
    for i in range(len(U) - 1):
        M = U[i].transpose() * U[i] - U[i + 1] * U[i + 1].transpose()
        expected += [M[a, b] for a in range(M.nrows()) for b in range(a, M.ncols())]
    assert net.known_conservation_laws() == expected
    assert [LinearSymmetry(net.D, A.entries()).law(R) for A in net.symmetries()] == expected
    mf = MatrixFactorization(dims[0], dims[-1], dims[1])
    M = mf.U.transpose() * mf.U - mf.V.transpose() * mf.V
    assert mf.known_conservation_laws() == [M[a, b] for a in range(mf.r) for b in range(a, mf.r)]


def test_a_non_symmetry_is_refused():
    from sage_conslaw.core.symmetry import LinearSymmetry, Translation, check_symmetries
    from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
    from sage.rings.rational_field import QQ
    R = PolynomialRing(QQ, ['u', 'v', 'w'])
    u, v, w = R.gens()
    phis = [u * v, w]
    check_symmetries([LinearSymmetry(3, {(0, 0): 1, (1, 1): -1})], phis)
    with pytest.raises(ValueError, match="is not a symmetry of phi"):
        check_symmetries([LinearSymmetry(3, {(0, 0): 1, (1, 1): 1})], phis)
    with pytest.raises(ValueError, match="is not a symmetry of phi"):
        check_symmetries([Translation(3, {2: 1})], phis)
    # a translation of a difference: u - v invariant under (1, 1, 0)
    check_symmetries([Translation(3, {0: 1, 1: 1})], [u - v])
