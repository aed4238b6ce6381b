"""Property tests of the architectures over many shapes: deep linear networks,
matrix factorization, ReLU networks with and without biases, toy examples.

Checked against facts independent of the engine: the parametrization itself
(phi at a point = the product of the weight matrices / the path products),
the counting formulas of Prop. 4.1/4.2, the paper's completeness results
(Cor. 4.4 for q = 2 linear, Ex. 3.5 for two-layer ReLU, App. J numerically for
deeper ones), generic Jacobian ranks, and Frobenius' condition.
"""
import itertools

import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw.architectures import (LinearNetwork, MatrixFactorization, ReLUNetwork, uv, product,
                                        ScalarTimesVector)

from sage.rings.rational_field import QQ
from sage.matrix.constructor import matrix
from sage.misc.misc_c import prod

from oracles import coefficient_rank, span_contains


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def rational_point(model, seed):
    """A point with distinct nonzero rational entries (not from the library's sampler)."""
    return [QQ((((7 * i + 3 * seed) % 11) - 5 or 6, 1 + (i % 3))) for i in range(model.D)]


def extra_quadratic_linear_laws(dims):
    """Extra degree-2 laws of a linear network beyond the balancedness ones: a hidden layer
    i with n_{i-1} = n_{i+1} = 1 sees the flow u' = -c v, v' = -c u of a scalar product
    u.v (u = U_i, v = U_{i+1} vectors), which conserves every u^T B v with B skew:
    C(n_i, 2) more quadratic laws."""
    return sum(dims[i] * (dims[i] - 1) // 2 for i in range(1, len(dims) - 1)
               if dims[i - 1] == 1 and dims[i + 1] == 1)


LINEAR_SHAPES = [
    [2, 3], [1, 4], [3, 1],                                         # depth 1
    [1, 1, 1], [1, 2, 1], [2, 1, 2], [2, 3, 2], [3, 2, 4], [1, 5, 1], [4, 2, 1], [5, 1, 5], [2, 5, 3],
    [2, 2, 2, 2], [1, 2, 3, 1], [2, 3, 2, 2], [1, 1, 1, 1], [2, 1, 1, 2], [1, 3, 1, 2], [3, 1, 2, 1],
    [1, 2, 2, 2, 1], [2, 2, 2, 2, 2], [2, 1, 3, 1, 2], [1, 1, 1, 1, 1],
]
RELU_SHAPES = [
    [2, 3], [1, 1], [3, 1],
    [1, 1, 1], [1, 2, 1], [2, 1, 2], [2, 3, 2], [3, 2, 4], [1, 5, 1], [4, 3, 1], [2, 5, 2],
    [2, 2, 2, 2], [1, 2, 3, 1], [2, 3, 2, 2], [1, 1, 1, 1], [2, 1, 1, 2], [1, 3, 1, 2],
    [1, 2, 2, 2, 1], [2, 2, 2, 2, 2], [1, 1, 1, 1, 1],
]


def ids(shapes):
    return ["-".join(map(str, s)) for s in shapes]


# ---------------------------------------------------------------------------
# the parametrizations themselves
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dims", LINEAR_SHAPES, ids=ids(LINEAR_SHAPES))
def test_linear_network_structure(dims):
    net = LinearNetwork(dims)
    q = len(dims) - 1
    assert net.depth == q
    assert net.D == sum(dims[i - 1] * dims[i] for i in range(1, q + 1))
    assert net.d == dims[0] * dims[-1]
    for i in range(1, q + 1):
        assert getattr(net, "U%s" % i).dimensions() == (dims[i - 1], dims[i])
    theta = rational_point(net, 1)
    mats = net.unflatten(theta)
    assert [mats["U%s" % i].dimensions() for i in range(1, q + 1)] == [(dims[i - 1], dims[i]) for i in range(1, q + 1)]
    # phi(theta) = U1 ... Uq, row by row
    P = prod(mats["U%s" % i] for i in range(1, q + 1))
    assert [f(*theta) for f in net.components()] == P.list()
    # round trips
    assert list(net.point(**mats)) == theta
    assert list(net.point([mats["U%s" % i] for i in range(1, q + 1)])) == theta
    assert net.flatten(mats) == theta
    # known laws: n_i (n_i + 1) / 2 balancedness entries per hidden layer
    laws = net.known_conservation_laws()
    assert len(laws) == sum(n * (n + 1) // 2 for n in dims[1:-1])
    for h in laws:
        assert net.is_conservation_law(h)


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dims", RELU_SHAPES, ids=ids(RELU_SHAPES))
def test_relu_network_structure(dims, bias):
    net = ReLUNetwork(dims, bias=bias)
    q = len(dims) - 1
    n_paths = prod(dims)
    n_bias_paths = sum(prod(dims[:i + 1]) for i in range(1, q)) + dims[0] if bias else 0
    assert net.d == n_paths + n_bias_paths
    assert net.D == sum(dims[i - 1] * dims[i] for i in range(1, q + 1)) + (sum(dims[1:-1]) + dims[0] if bias else 0)
    theta = rational_point(net, 2)
    M = net.unflatten(theta)
    U = [None] + [M["U%s" % i] for i in range(1, q + 1)]
    expected = [prod(U[i][j[i - 1], j[i]] for i in range(1, q + 1))
                for j in itertools.product(*[range(n) for n in dims])]
    values = [f(*theta) for f in net.components()]
    # every path product appears (as a multiset, whatever the order)
    assert sorted(values[:n_paths]) == sorted(expected)
    if bias:
        assert values[-dims[0]:] == list(M["c"].column(0))
        # b_i[j_i] starts the paths b_i[j_i] U_i[j_{i-1}, j_i] ... U_1[j_0, j_1] to the outputs
        bias_paths = [M["b%s" % i][j[i], 0] * prod(U[l][j[l - 1], j[l]] for l in range(1, i + 1))
                      for i in range(1, q) for j in itertools.product(*[range(n) for n in dims[:i + 1]])]
        assert sorted(values[n_paths:net.d - dims[0]]) == sorted(bias_paths)
        assert list(net.point([U[i] for i in range(1, q + 1)],
                              **{k: v for k, v in M.items() if not k.startswith("U")})) == theta
    else:
        assert list(net.point([U[i] for i in range(1, q + 1)])) == theta
    laws = net.known_conservation_laws()
    assert len(laws) == sum(dims[1:-1])   # one per hidden neuron
    for h in laws:
        assert net.is_conservation_law(h)


@pytest.mark.parametrize("n,m,r", [(1, 1, 1), (2, 1, 1), (1, 1, 3), (2, 2, 2), (3, 2, 2), (2, 3, 4),
                                   (1, 2, 5), (3, 3, 1), (2, 2, 5)])
def test_matrix_factorization_structure(n, m, r):
    mf = MatrixFactorization(n, m, r)
    assert (mf.D, mf.d) == ((n + m) * r, n * m)
    assert mf.U.dimensions() == (n, r) and mf.V.dimensions() == (m, r)
    theta = rational_point(mf, 3)
    P = mf.unflatten(theta)
    assert [f(*theta) for f in mf.components()] == (P["U"] * P["V"].transpose()).list()
    assert list(mf.point(U=P["U"], V=P["V"])) == theta
    laws = mf.known_conservation_laws()
    assert len(laws) == r * (r + 1) // 2
    assert all(mf.is_conservation_law(h) for h in laws)
    # the same phi as the linear network [n, r, m] with U2 = V^T
    net = LinearNetwork([n, r, m])
    th_net = net.point([P["U"], P["V"].transpose()])
    assert [f(*th_net) for f in net.components()] == [f(*theta) for f in mf.components()]
    for rk in range(min(n + m, r) + 1):
        th = mf.point_of_rank(rk, seed=rk)
        Q = mf.unflatten(th)
        assert Q["U"].stack(Q["V"]).rank() == rk


# ---------------------------------------------------------------------------
# number of laws = known independent laws where the paper says they are complete
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dims", LINEAR_SHAPES, ids=ids(LINEAR_SHAPES))
def test_linear_network_number_of_laws(dims):
    net = LinearNetwork(dims)
    res = net.lie_trace()
    assert res.number_of_laws + res.dimension == net.D
    if len(dims) == 2:
        # a single matrix: phi is a coordinate projection, no law
        assert res.number_of_laws == 0 and res.certified
    elif net.d == 1:
        # scalar output and input: W_phi = span(grad phi) is a Lie algebra, D - 1 laws
        assert res.number_of_laws == net.D - 1
        assert res.number_of_laws >= net.number_of_known_laws()
    else:
        # Cor. 4.4 (q = 2) and App. J (deeper): the balancedness laws are complete
        assert res.certified
        assert res.number_of_laws == net.number_of_known_laws()
    if len(dims) == 3:
        mf_rank_formula = MatrixFactorization(dims[0], dims[2], dims[1]).known_independent_laws_formula()
        assert net.number_of_known_laws() == mf_rank_formula


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dims", RELU_SHAPES, ids=ids(RELU_SHAPES))
def test_relu_network_number_of_laws(dims, bias):
    net = ReLUNetwork(dims, bias=bias)
    res = net.lie_trace()
    # one independent law per hidden neuron (Prop. 4.1), and no other (Ex. 3.5, App. J)
    assert net.number_of_known_laws() == sum(dims[1:-1])
    assert res.certified
    assert res.number_of_laws == sum(dims[1:-1])
    assert res.dimension == net.D - sum(dims[1:-1])


@pytest.mark.parametrize("n,m,r", [(1, 1, 1), (2, 1, 1), (1, 1, 2), (1, 1, 4), (2, 2, 1), (2, 2, 2), (3, 2, 2),
                                   (2, 1, 3), (1, 2, 4), (2, 2, 3), (2, 3, 6), (3, 3, 2), (2, 2, 5)])
def test_matrix_factorization_number_of_laws(n, m, r):
    # r below, equal to and above n + m
    mf = MatrixFactorization(n, m, r)
    res = mf.lie_trace()
    rk = min(n + m, r)
    assert res.certified
    assert res.number_of_laws == mf.known_independent_laws_formula() == rk * (2 * r + 1 - rk) // 2
    assert res.dimension == mf.lie_dimension_formula() == (n + m) * r - rk * (2 * r + 1 - rk) // 2
    assert mf.number_of_known_laws() == res.number_of_laws


@pytest.mark.parametrize("n,m,r", [(2, 2, 2), (1, 2, 3), (3, 1, 2), (2, 3, 6), (1, 1, 3)])
def test_matrix_factorization_user_points_of_full_rank(n, m, r):
    mf = MatrixFactorization(n, m, r)
    rk = min(n + m, r)
    for seed in (0, 1):
        theta = mf.point_of_rank(rk, seed=seed)
        res = mf.lie_trace(point=theta)
        assert not res.random_point and res.point == theta
        assert res.certified
        assert res.number_of_laws == mf.known_independent_laws_formula(rk)
        assert res.dimension == mf.lie_dimension_formula(rk)


@pytest.mark.parametrize("n,m,r", [(2, 2, 2), (1, 2, 3), (2, 3, 6), (1, 1, 3)])
def test_matrix_factorization_user_points_of_lower_rank(n, m, r):
    mf = MatrixFactorization(n, m, r)
    N = n + m
    for rk in range(min(N, r)):
        theta = mf.point_of_rank(rk, seed=5)
        res = mf.lie_trace(point=theta)
        # trace = tangent of the SO(n, m)-orbit of an rk-frame
        assert res.dimension == rk * N - rk * (rk + 1) // 2
        if res.dimension < mf.lie_dimension_formula():
            # the trace jumps up near theta: Theorem 3.3 does not apply, no certificate
            assert not res.certified
        assert mf.number_of_independent_laws(mf.known_conservation_laws(), point=theta) \
            == mf.known_independent_laws_formula(rk)


# ---------------------------------------------------------------------------
# degree-2 polynomial laws span the known laws
# ---------------------------------------------------------------------------

DEG2_LINEAR = [s for s in LINEAR_SHAPES if sum(a * b for a, b in zip(s, s[1:])) <= 18]


@pytest.mark.parametrize("dims", DEG2_LINEAR, ids=ids(DEG2_LINEAR))
def test_linear_degree_two_laws_span_known(dims):
    net = LinearNetwork(dims)
    poly = net.polynomial_conservation_laws(2)
    known = net.known_conservation_laws()
    assert all(net.is_conservation_law(h) for h in poly)
    assert span_contains(poly, known)
    assert len(poly) == coefficient_rank(poly)
    assert len(poly) == coefficient_rank(known) + extra_quadratic_linear_laws(dims)


DEG2_RELU = [s for s in RELU_SHAPES if len(s) <= 4 and max(s) <= 3]


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dims", DEG2_RELU, ids=ids(DEG2_RELU))
def test_relu_degree_two_laws_span_exactly_known(dims, bias):
    net = ReLUNetwork(dims, bias=bias)
    poly = net.polynomial_conservation_laws(2)
    known = net.known_conservation_laws()
    assert coefficient_rank(poly) == len(poly) == coefficient_rank(known) == len(known)
    assert span_contains(poly, known)


@pytest.mark.parametrize("n,m,r", [(2, 1, 1), (2, 2, 2), (1, 2, 3), (3, 2, 2), (2, 2, 3), (1, 3, 2)])
def test_matrix_factorization_degree_two_laws_span_exactly_known(n, m, r):
    # n + m >= 3: so(n, m) is irreducible on R^(n+m): only the form U^T U - V^T V
    mf = MatrixFactorization(n, m, r)
    poly = mf.polynomial_conservation_laws(2)
    known = mf.known_conservation_laws()
    assert len(poly) == r * (r + 1) // 2 == coefficient_rank(known)
    assert span_contains(poly, known) and span_contains(known, poly)


@pytest.mark.parametrize("r", [1, 2, 3, 4])
def test_scalar_product_factorization_has_skew_quadratic_laws(r):
    # n = m = 1: phi = u . v, and u^T B v (B skew) is conserved too: r^2 quadratic laws
    mf = MatrixFactorization(1, 1, r)
    poly = mf.polynomial_conservation_laws(2)
    assert len(poly) == r * r
    assert span_contains(poly, mf.known_conservation_laws())
    U, V = mf.U, mf.V
    for a in range(r):
        for b in range(a + 1, r):
            h = U[0, a] * V[0, b] - U[0, b] * V[0, a]
            assert mf.is_conservation_law(h)
            assert span_contains(poly, [h])


# ---------------------------------------------------------------------------
# Frobenius, Jacobian ranks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n,r,m", [(1, 1, 1), (2, 3, 2), (3, 2, 4), (1, 4, 1), (2, 1, 3), (4, 3, 2)])
def test_two_layer_relu_frobenius_and_rank(n, r, m):
    net = ReLUNetwork([n, r, m])
    assert net.satisfies_frobenius()
    assert net.satisfies_frobenius(point=rational_point(net, 0))
    # r rank-one n x m matrices
    assert net.jacobian_rank() == (n + m - 1) * r
    res = net.lie_trace()
    assert res.dimensions == [(n + m - 1) * r] and res.certified


@pytest.mark.parametrize("n,r,m", [(2, 2, 2), (1, 2, 2), (3, 2, 1), (2, 3, 2), (3, 2, 4), (1, 3, 2)])
def test_two_layer_linear_not_frobenius(n, r, m):
    # r > 1 and max(n, m) > 1
    net = LinearNetwork([n, r, m])
    assert not net.satisfies_frobenius()
    res = net.lie_trace()
    assert len(res.dimensions) >= 2 and res.dimensions[1] > res.dimensions[0]


@pytest.mark.parametrize("n,r,m", [(1, 1, 1), (3, 1, 2), (1, 4, 1), (1, 2, 1)])
def test_two_layer_linear_frobenius_when_r_is_one_or_scalar(n, r, m):
    assert LinearNetwork([n, r, m]).satisfies_frobenius()


@pytest.mark.parametrize("n,m,r", [(2, 2, 1), (3, 2, 2), (2, 3, 1), (3, 3, 2), (2, 2, 3), (1, 3, 4), (2, 2, 2)])
def test_matrix_factorization_jacobian_rank(n, m, r):
    # tangent space of the n x m matrices of rank <= r
    mf = MatrixFactorization(n, m, r)
    s = min(r, n, m)
    assert mf.jacobian_rank() == s * (n + m - s)


@pytest.mark.parametrize("dv", [1, 2, 3, 4])
def test_scalar_times_vector(dv):
    phi = ScalarTimesVector(dv)
    assert phi.satisfies_frobenius()
    assert phi.check_metric()
    assert phi.number_of_conservation_laws() == 1
    assert phi.jacobian_rank() == dv
    assert all(phi.is_conservation_law(h) for h in phi.known_conservation_laws())


# ---------------------------------------------------------------------------
# edge cases
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,laws", [
    (lambda: LinearNetwork([1, 1]), 0), (lambda: LinearNetwork([3, 2]), 0),
    (lambda: ReLUNetwork([1, 1]), 0), (lambda: ReLUNetwork([1, 1], bias=True), 0),
    (lambda: ReLUNetwork([2, 2], bias=True), 0), (lambda: product(1), 0), (lambda: product(2), 1),
    (lambda: MatrixFactorization(1, 1, 1), 1), (lambda: uv(), 1), (lambda: LinearNetwork([1, 1, 1]), 1),
])
def test_small_edge_cases(make, laws):
    phi = make()
    res = phi.lie_trace()
    assert res.number_of_laws == laws
    assert res.certified
    assert phi.number_of_conservation_laws() == laws
    assert all(phi.is_conservation_law(h) for h in phi.known_conservation_laws())


def test_depth_one_has_no_known_laws():
    for net in (LinearNetwork([2, 3]), ReLUNetwork([2, 3]), ReLUNetwork([2, 3], bias=True)):
        assert net.known_conservation_laws() == []
        assert net.polynomial_conservation_laws(2) == []
        assert net.jacobian_rank() == net.D


@pytest.mark.slow
@pytest.mark.parametrize("dims,bias", [([3, 4, 3], True), ([2, 3, 3, 2], True), ([3, 3, 3, 3], False)])
def test_bigger_shapes(dims, bias):
    net = ReLUNetwork(dims, bias=bias) if bias is not None else LinearNetwork(dims)
    res = net.lie_trace()
    assert res.certified and res.number_of_laws == sum(dims[1:-1])
    lin = LinearNetwork(dims)
    assert lin.D <= 60
    rl = lin.lie_trace()
    assert rl.certified and rl.number_of_laws == lin.number_of_known_laws()


@pytest.mark.parametrize("dims", [[2, 3, 2], [1, 2, 3, 1], [2, 2, 2, 2], [3, 1, 2]])
def test_balancedness_matrices_are_conserved_entrywise(dims):
    from sage_conslaw.architectures.linear import number_of_balancedness_laws
    net = LinearNetwork(dims)
    Bs = net.balancedness_matrices()
    assert len(Bs) == len(dims) - 2
    U = net.weights()
    for i, B in enumerate(Bs):
        assert B == U[i].transpose() * U[i] - U[i + 1] * U[i + 1].transpose()
        assert B == B.transpose()
        assert all(net.is_conservation_law(h) for h in B.list())
    assert number_of_balancedness_laws(dims) == len(net.known_conservation_laws())


@pytest.mark.parametrize("n,m,r", [(2, 2, 2), (1, 3, 4), (3, 3, 1)])
def test_module_level_formulas_match_methods(n, m, r):
    from sage_conslaw.architectures.linear import known_independent_laws_formula, lie_dimension_formula
    mf = MatrixFactorization(n, m, r)
    for rk in range(min(n + m, r) + 1):
        assert known_independent_laws_formula(n, m, r, rk) == mf.known_independent_laws_formula(rk) \
            == rk * (2 * r + 1 - rk) // 2
    assert lie_dimension_formula(n, m, r) == mf.lie_dimension_formula() == mf.D - mf.known_independent_laws_formula()


# ---------------------------------------------------------------------------
# the parameter layout: one description read by the ring, the points and the numeric twin
# ---------------------------------------------------------------------------

def _all_architectures():
    out = [LinearNetwork(d) for d in ([2, 3], [1, 2, 1], [2, 3, 2, 2])]
    out += [ReLUNetwork(d, bias=b) for d in ([1, 2, 1], [2, 3, 2], [1, 2, 2, 1]) for b in (False, True)]
    out += [MatrixFactorization(*a) for a in ((2, 2, 1), (1, 3, 2), (3, 2, 4))]
    out += [ScalarTimesVector(d) for d in (1, 3)]
    return out


@pytest.mark.parametrize("arch", _all_architectures(), ids=repr)
def test_layout_is_the_one_description(arch):
    import numpy as np
    from sage_conslaw.flows import numeric_model
    L = arch.layout()
    # offsets are contiguous, in order, and cover the D coordinates
    k = 0
    for P in L:
        assert P.offset == k and P.slice == slice(k, k + P.size)
        k += P.size
    assert k == L.D == arch.D
    # the ring variables are named and ordered by the layout
    assert L.variable_names() == list(arch.polynomial_ring().variable_names())
    gens = arch.polynomial_ring().gens()
    for P in L:
        assert arch.parameters()[P.name].list() == list(gens[P.slice])
    # flatten / unflatten / split agree
    theta = list(range(1, arch.D + 1))
    mats = arch.unflatten(theta)
    assert arch.flatten(mats) == theta
    parts = L.split(np.array(theta, dtype=float))
    for P in L:
        assert parts[P.name].tolist() == [[float(x) for x in row] for row in mats[P.name].rows()]
    # point(...) from the weights (by role and layer) and the other parameters by name
    weights = [mats[P.name] for P in L.weights()]
    others = {P.name: mats[P.name] for P in L if P.role != "weight"}
    assert list(arch.point(weights, **others)) == theta
    # the numeric twin is built by the architecture on the same layout, and agrees with phi
    m = numeric_model(arch)
    assert m.D == arch.D
    if hasattr(m, "layout"):
        assert m.layout == L
    th = np.array(theta, dtype=float) / arch.D
    phi_exact = [float(f(*[QQ(x) / arch.D for x in theta])) for f in arch.components()]
    assert np.allclose(m.phi(th), phi_exact)


def test_layout_weights_by_role_not_by_name():
    """point() finds the weights by role: a weight named 'W' works, a matrix named 'U' that is no weight
    is not taken as one."""
    from sage_conslaw.architectures.base import Architecture, Parameter
    A = Architecture([Parameter("W", (1, 2), "weight", 1), Parameter("U", (2, 1), "parameter"),
                      Parameter("Z", (2, 1), "weight", 2)],
                     lambda M: (M["W"] * M["Z"]).list() + M["U"].list())
    assert [P.name for P in A.layout().weights()] == ["W", "Z"]
    assert list(A.point([[[1, 2]], [[3], [4]]], U=[5, 6])) == [1, 2, 5, 6, 3, 4]
    with pytest.raises(ValueError, match="expected 2 weight matrices W, ..., Z"):
        A.point([[[1, 2]]], U=[5, 6])


def test_layout_twin_of_a_generic_architecture_needs_f():
    import numpy as np
    from sage_conslaw.architectures.base import Architecture
    A = Architecture([("a", (2, 1))], lambda M: [M["a"][0, 0] * M["a"][1, 0]])
    with pytest.raises(TypeError, match="needs a model f"):
        A.numeric_model()
    m = A.numeric_model(lambda z, X: X * z[0], lambda z, X: X[:, :, None])
    L, g = m.loss_and_grad(np.array([2., 3.]), np.ones((1, 1)), np.zeros((1, 1)))
    assert L == 18.0 and g.tolist() == [18.0, 12.0]


def test_relu_paths_and_orientation():
    net = ReLUNetwork([3, 4, 2])
    assert str(net).startswith("ReLU network [3, 4, 2] (inputs 2 -> hidden 4 -> outputs 3)")
    comps = net.components()
    for k, j in enumerate(net.paths()):
        assert net.path_index(j) == k
        assert comps[k] == net.U1[j[0], j[1]] * net.U2[j[1], j[2]]


# ---------------------------------------------------------------------------
# issue 14 reproducers: input that was silently misread, sizes refused too late
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("bias", ["no", "False", "True", 1, 0, None])
def test_issue14_relu_bias_must_be_a_boolean(bias):
    # before: ReLUNetwork(dims, bias='no') and bias='False' built networks WITH biases
    with pytest.raises(TypeError, match="bias must be True or False"):
        ReLUNetwork([2, 2, 2], bias=bias)


def test_issue14_relu_bias_booleans_still_work():
    import numpy as np
    assert ReLUNetwork([2, 2, 2], bias=True).bias is True
    assert ReLUNetwork([2, 2, 2], bias=np.bool_(False)).bias is False


@pytest.mark.parametrize("make", [LinearNetwork, ReLUNetwork])
@pytest.mark.parametrize("width", [True, None, "3", [2]])
def test_issue14_width_true_or_none_is_a_type_error(make, width):
    # before: a width True became 1; a width None gave an unclear error
    with pytest.raises(TypeError, match="widths of a .* must be positive integers"):
        make([2, width, 2])


@pytest.mark.parametrize("rk", [5, -1, 4])
def test_issue14_known_independent_laws_formula_rank_range(rk):
    # before: rk=5 returned 0 and rk=-1 returned -3
    mf = MatrixFactorization(2, 2, 3)
    with pytest.raises(ValueError, match=r"must be an integer in \[0, min\(n \+ m, r\)\] = \[0, 3\], got %s" % rk):
        mf.known_independent_laws_formula(rk=rk)
    with pytest.raises(TypeError):
        mf.known_independent_laws_formula(rk=1.5)
    assert [mf.known_independent_laws_formula(rk=k) for k in range(4)] == [0, 3, 5, 6]


def test_issue14_random_vector_fields_negative_bound():
    from sage_conslaw.architectures import random_vector_fields
    with pytest.raises(ValueError, match="the coefficient bound must be an integer >= 0, got -1"):
        random_vector_fields(2, 1, 1, bound=-1)
    assert random_vector_fields(2, 1, 1, bound=0)[0].is_zero()


@pytest.mark.parametrize("make", [lambda: LinearNetwork([2, 10 ** 20]), lambda: ReLUNetwork([2, 10 ** 20]),
                                  lambda: ScalarTimesVector(10 ** 20), lambda: MatrixFactorization(10 ** 10, 1, 1)])
def test_issue14_huge_networks_refused_at_once(make):
    # before: LinearNetwork([2, 10**20]) took 33 s and 6.4 GB before a MemoryError
    import resource
    import time
    t0 = time.perf_counter()
    mem0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="above the limit"):
        make()
    assert time.perf_counter() - t0 < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - mem0 < 100 * 1024    # KiB: under 100 MB


@pytest.mark.parametrize("make", [lambda: ReLUNetwork([30, 100, 100, 30], bias=True),
                                  lambda: LinearNetwork([50, 50, 50, 50]), lambda: ReLUNetwork([100] * 4)])
def test_huge_networks_build_at_once_and_refuse_only_the_expansion(make):
    # before: ReLUNetwork([30, 100, 100, 30], bias=True) was refused at construction (MAX_COMPONENTS),
    # LinearNetwork([50, 50, 50, 50]) ran out of memory building phi (12 GB in 100 s)
    import resource
    import time
    t0 = time.perf_counter()
    mem0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    net = make()
    text = repr(net)
    assert "D = %s" % net.D in text and net.d > 10 ** 6 or net.d == 2500
    assert not net.generators().is_expanded()
    net.polynomial_ring()                      # built on first need now (never to count): 0.5 s for D = 16230
    assert time.perf_counter() - t0 < 5.0
    t0 = time.perf_counter()
    for call in (net.components, net.gradient_fields, lambda: net.polynomial_conservation_laws(2),
                 lambda: net.lie_trace(method='rigorous'), lambda: net.jacobian_rank(),
                 lambda: net.is_conservation_law(net.polynomial_ring().gen(0))):
        with pytest.raises(ValueError, match="above the limit 1000000 of expanded terms.*lie_trace\\(\\) "
                                             "\\(the structured fast trace"):
            call()
    assert time.perf_counter() - t0 < 1.0
    assert not net.generators().is_expanded()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - mem0 < 300 * 1024    # KiB: under 300 MB


def test_counting_needs_no_ring_above_the_singular_limit():
    # before: LinearNetwork([200, 200]) (D = 40000) was refused at construction: a ring of D variables
    net = LinearNetwork([200, 200])
    res = net.lie_trace()
    assert res.certified and res.number_of_laws == 0 and net.generators()._V is None
    with pytest.raises(ValueError, match="above the limit 32767 of ring variables"):
        net.polynomial_ring()


def test_issue14_size_limit_is_exact():
    from sage_conslaw.architectures.base import check_size
    from sage_conslaw.core.thresholds import MAX_VARIABLES
    check_size(MAX_VARIABLES, "D")
    with pytest.raises(ValueError, match="above the limit %s" % MAX_VARIABLES):
        check_size(MAX_VARIABLES + 1, "D")
    assert LinearNetwork([1, 2000]).D == 2000


# review finding 2: clear errors
def test_rank_arguments_of_matrix_factorization():
    from sage_conslaw import Reparametrization
    mf = MatrixFactorization(2, 2, 2)
    point = mf.point_of_rank(1)
    for f in (mf.lie_dimension_formula, mf.known_independent_laws_formula, mf.point_of_rank):
        with pytest.raises(TypeError, match=r"rk is a rank \(an integer in \[0, min\(n \+ m, r\)\] = \[0, 2\]\), "
                                            r"but a point was given"):
            f(point)
    with pytest.raises(ValueError, match=r"rank rk of \(U; V\) must be >= 0 .*got -1"):
        mf.point_of_rank(-1)
    with pytest.raises(ValueError, match=r"an integer in \[0, min\(n \+ m, r\)\] = \[0, 2\], got 3"):
        mf.point_of_rank(3)
    with pytest.raises(TypeError, match="rk is a rank"):
        mf.point_of_rank("1")
    assert mf.lie_dimension_formula(2) == mf.lie_dimension_formula()
    from sage.rings.integer_ring import ZZ
    for three in (3, ZZ(3)):
        with pytest.raises(TypeError, match=r"^phi must be a list \(or vector, or matrix\) of polynomials, got 3 \("):
            Reparametrization(three)


# review finding 5: the README writes the names that sage_conslaw.all leaves to Sage (SHADOWED) with their prefix
def test_readme_writes_shadowed_names_with_the_package_prefix():
    import pathlib
    import re
    from sage_conslaw.all import SHADOWED
    assert "product" in SHADOWED
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = [line for line in readme.splitlines() if line.startswith("| toy examples |")]
    assert len(table) == 1 and "`sage_conslaw.product(D)`" in table[0]
    for name in SHADOWED:
        assert not re.search(r"`%s\(" % re.escape(name), readme), name
        import sage_conslaw
        assert callable(getattr(sage_conslaw, name))


# lazy phi: what is announced before expanding is what the expansion gives
@pytest.mark.parametrize("seed", range(5))
def test_announced_size_and_terms_are_those_of_the_expansion(seed):
    import random
    rng = random.Random(seed)
    for _ in range(10):
        dims = [rng.randint(1, 4) for _ in range(rng.randint(2, 5))]
        for net in (LinearNetwork(dims), ReLUNetwork(dims), ReLUNetwork(dims, bias=True),
                    MatrixFactorization(*dims[:3]) if len(dims) >= 3 else LinearNetwork(dims)):
            W = net.generators()
            text, d, terms = repr(net), net.d, W._terms
            assert not W.is_expanded() and W.symbolic_obstacle() is None
            phis = net.components()
            assert W.is_expanded() and len(phis) == d and repr(net) == text
            assert sum(len(f.monomials()) for f in phis) == terms, net


def test_expansion_limits_are_those_of_the_thresholds():
    from sage_conslaw.core.thresholds import MAX_COMPONENTS, MAX_EXPANDED_BYTES
    for dims, bias in [([9, 100, 100, 9], True), ([10, 100, 100, 10], True), ([50, 50, 50], False),
                       ([30, 100, 100, 30], True), ([5, 5000], False), ([100, 100, 100], False)]:
        net = ReLUNetwork(dims, bias=bias)
        terms = net.generators()._terms
        refused = terms > MAX_COMPONENTS or 2 * net.D * terms > MAX_EXPANDED_BYTES
        assert (net.generators().symbolic_obstacle() is not None) == refused, dims
    assert ReLUNetwork([9, 100, 100, 9], bias=True).generators().symbolic_obstacle() is not None   # by memory
    assert LinearNetwork([50, 50, 50]).generators().symbolic_obstacle() is None                  # 1.25 GB
