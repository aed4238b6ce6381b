"""Property tests of the flows beyond the Euclidean gradient flow (ICML 2024):
heavy ball (friction 0, 1, 2), Nesterov, mirror and other metrics, weight decay,
NMF and ICNN.

Checked against facts derived independently of the engine (see the docstrings
of sage_conslaw.dynamics): the closed form of the momentum laws of two-layer
linear networks, the Noether laws e^{tau t}(A + B) and the sign convention, the
Euler argument of weight decay, the linear laws of NMF and the laws of ICNN,
and the degree-2 polynomial laws found by an exact kernel.
"""
import itertools

import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw import HeavyBall, Nesterov, Preconditioned, WeightDecay, Reparametrization
from sage_conslaw.architectures import (ICNN, NMF, LinearNetwork, MatrixFactorization, ReLUNetwork, uv,
                                        ScalarTimesVector)
from sage_conslaw.core.model import ConservationModel
from sage_conslaw.dynamics.momentum import linear_momentum_laws_formula

from sage.matrix.constructor import matrix
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from oracles import same_span  # noqa: E402

FLOWS = [0, 1, 2, 'nesterov']


def momentum(model, tau):
    return Nesterov(model) if tau == 'nesterov' else HeavyBall(model, tau)


def annihilated(model, laws):
    """Each law exactly annihilated by every generator, checked from the fields themselves."""
    for h in laws:
        R = h.parent()
        grad = [h.derivative(x) for x in R.gens()]
        for X in model.generators().fields():
            if sum((g * c for g, c in zip(grad, X.components())), R.zero()):
                return False
    return True


# ---------------------------------------------------------------------------
# two-layer linear networks: the closed form, for every friction and Nesterov
# ---------------------------------------------------------------------------

SHAPES = [(n, r, m) for n in range(1, 4) for r in range(1, 5) for m in range(1, 4) if n <= m]


@pytest.mark.parametrize("n,r,m", SHAPES)
def test_two_layer_linear_closed_form(n, r, m):
    net = LinearNetwork([n, r, m])
    expected = linear_momentum_laws_formula(n, r, m)
    for tau in FLOWS:
        res = momentum(net, tau).lie_trace()
        assert res.certified, (n, r, m, tau)
        assert res.number_of_laws == expected, (n, r, m, tau)


@pytest.mark.parametrize("n,r,m", [(1, 5, 1), (1, 6, 1), (1, 7, 2), (2, 9, 1), (1, 9, 2), (2, 6, 2)])
def test_over_parameterized_closed_form(n, r, m):
    net = LinearNetwork([n, r, m])
    for tau in (0, 2, 'nesterov'):
        res = momentum(net, tau).lie_trace()
        assert res.certified and res.number_of_laws == linear_momentum_laws_formula(n, r, m)


def test_momentum_has_fewer_laws_except_over_parameterized():
    for n, r, m in SHAPES:
        gf = LinearNetwork([n, r, m]).number_of_conservation_laws()
        mom = linear_momentum_laws_formula(n, r, m)
        if n == m == 1 and r >= 3:
            assert mom > gf
        else:
            assert mom < gf


def test_formula_values():
    assert [linear_momentum_laws_formula(1, r, 1) for r in range(1, 6)] == [0, 2, 6, 10, 14]
    assert linear_momentum_laws_formula(2, 3, 2) == 3
    assert linear_momentum_laws_formula(1, 8, 2) == 27   # 28 - binom(2, 2)


# ---------------------------------------------------------------------------
# the Noether laws, their sign, and the known laws of deep networks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("tau", FLOWS)
@pytest.mark.parametrize("dims", [[2, 3, 2], [1, 2, 3], [3, 2, 2]])
def test_sign_convention(dims, tau):
    M = momentum(LinearNetwork(dims), tau)
    P, V = M.parameters(), M.velocities()
    A = P['U1'].T * V['U1'] - V['U1'].T * P['U1']
    B = P['U2'] * V['U2'].T - V['U2'] * P['U2'].T
    factor = M.time_factor()
    r = dims[1]
    for k, l in itertools.combinations(range(r), 2):
        assert M.is_conservation_law(factor * (A + B)[k, l])
        assert not M.is_conservation_law(factor * (A - B)[k, l])
        assert not M.is_conservation_law((A + B)[k, l]) or tau == 0


def test_sign_in_U_V_transpose_orientation():
    # MatrixFactorization stores V = U2^T (phi = U V^T): the second bracket is
    # V^T V' - V'^T V, the same form as the first one, still with a plus.
    mf = MatrixFactorization(2, 3, 2)
    hb = HeavyBall(mf, 1)
    P, V, s = hb.parameters(), hb.velocities(), hb.time_variable()
    A = P['U'].T * V['U'] - V['U'].T * P['U']
    B = P['V'].T * V['V'] - V['V'].T * P['V']
    assert hb.is_conservation_law(s * (A + B)[0, 1])
    assert not hb.is_conservation_law(s * (A - B)[0, 1])


@pytest.mark.parametrize("dims", [[2, 2], [2, 3, 2], [1, 3, 1], [2, 2, 3, 1], [1, 3, 1, 2], [3, 1, 3, 1],
                                  [1, 2, 1, 1], [2, 3, 2, 2], [1, 2, 2, 2, 1]])
@pytest.mark.parametrize("tau", FLOWS)
def test_known_linear_laws_are_laws_and_complete(dims, tau):
    M = momentum(LinearNetwork(dims), tau)
    laws = M.known_conservation_laws()
    assert annihilated(M, laws)
    res = M.lie_trace()
    assert res.certified and (res.known_laws or 0) == res.number_of_laws


@pytest.mark.parametrize("dims", [[1, 1, 2], [2, 2, 2], [1, 3, 1], [2, 3, 1], [1, 2, 1, 2]])
def test_momentum_laws_are_the_degree_2_laws(dims):
    # the released check: laws = polynomial laws of degree <= 2 in (t, theta, v) at tau = 0
    hb = HeavyBall(LinearNetwork(dims))
    poly = hb.polynomial_conservation_laws(2, homogeneous=False)
    assert same_span(poly, hb.known_conservation_laws())
    assert hb.number_of_independent_laws(poly) == hb.number_of_conservation_laws()


@pytest.mark.parametrize("tau", [1, 2, 'nesterov'])
@pytest.mark.parametrize("dims", [[2, 2, 2], [1, 3, 1], [2, 3, 1]])
def test_momentum_laws_are_time_factored_quadratics(dims, tau):
    M = momentum(LinearNetwork(dims), tau)
    found = M.structured_laws(2, time_degree=3 if tau == 'nesterov' else 2)
    assert same_span(found, M.known_conservation_laws())


def test_momentum_laws_depend_on_time():
    hb = HeavyBall(LinearNetwork([2, 2, 2]), 1)
    s = hb.time_variable()
    (h,) = hb.known_conservation_laws()
    assert h.degree(s) == 1 and not hb.is_conservation_law(h.subs({s: 1}))


# ---------------------------------------------------------------------------
# no law: ReLU networks, NMF and ICNN under momentum
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dims,bias", [([2, 2, 2], False), ([2, 2, 2], True), ([1, 3, 2], True), ([2, 1, 2, 1], False),
                                       ([3, 2, 2], True)])
@pytest.mark.parametrize("tau", FLOWS)
def test_relu_momentum_has_no_law(dims, bias, tau):
    res = momentum(ReLUNetwork(dims, bias=bias), tau).lie_trace()
    assert res.certified and res.number_of_laws == 0


@pytest.mark.parametrize("sizes", [(1, 1, 1), (2, 2, 2), (1, 3, 2), (3, 2, 1), (2, 3, 3)])
@pytest.mark.parametrize("tau", FLOWS)
def test_nmf_and_icnn_momentum_have_no_law(sizes, tau):
    for model in (NMF(*sizes), ICNN(*sizes), ICNN(*sizes, bias=True)):
        res = momentum(model, tau).lie_trace()
        assert res.certified and res.number_of_laws == 0


class _VelocityForcedOnly(ConservationModel):
    """NMF's mirror fields as a model without metric: HeavyBall then gives theta' = v, v' = -M grad L."""

    def __init__(self, nmf):
        self._W = nmf.generators()

    def generators(self):
        return self._W


@pytest.mark.parametrize("sizes", [(2, 2, 2), (1, 3, 2), (3, 2, 1)])
def test_other_momentum_liftings_of_nmf_keep_laws(sizes):
    n2 = sizes[1]
    nmf = NMF(*sizes)
    # theta' = v, v' = -tau v - diag(theta) grad L: 2 n2 laws
    res = HeavyBall(_VelocityForcedOnly(nmf)).lie_trace()
    assert res.number_of_laws == 2 * n2
    # the Euclidean heavy ball of phi = UV is the linear network's
    res = HeavyBall(Reparametrization(nmf.components())).lie_trace()
    assert res.number_of_laws == linear_momentum_laws_formula(sizes[0], n2, sizes[2])


# ---------------------------------------------------------------------------
# NMF and ICNN under their mirror flows
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [s for s in itertools.product(range(1, 4), repeat=3)])
def test_nmf_gradient_flow(sizes):
    n1, n2, n3 = sizes
    nmf = NMF(*sizes)
    laws = nmf.known_conservation_laws()
    assert len(laws) == n2 and annihilated(nmf, laws)
    res = nmf.lie_trace()
    assert res.certified
    if n1 == n3 == 1:
        # phi is one number: a single field, D - 1 = 2 n2 - 1 laws
        assert res.number_of_laws == 2 * n2 - 1
    else:
        assert res.number_of_laws == n2 == res.known_laws


@pytest.mark.parametrize("sizes", [(2, 2, 2), (1, 2, 3), (3, 1, 2), (2, 3, 1)])
def test_nmf_laws_are_the_polynomial_laws(sizes):
    nmf = NMF(*sizes)
    poly = nmf.polynomial_conservation_laws(2, homogeneous=False)
    assert nmf.number_of_independent_laws(poly) == nmf.number_of_conservation_laws()


def test_nmf_polynomial_laws_are_not_all_laws_when_phi_is_a_number():
    # A counterexample to "all gradient-flow laws of NMF are polynomial of degree <= 2":
    # NMF(1, 2, 1) has 3 laws (one field on R^4), only 2 independent polynomial ones of
    # degree <= 2 (the third is log U_00 - log V_00 - log U_01 + log V_10).
    nmf = NMF(1, 2, 1)
    poly = nmf.polynomial_conservation_laws(2, homogeneous=False)
    assert nmf.number_of_conservation_laws() == 3
    assert nmf.number_of_independent_laws(poly) == 2


@pytest.mark.parametrize("sizes", [s for s in itertools.product(range(1, 4), repeat=3)])
@pytest.mark.parametrize("bias", [False, True])
def test_icnn_gradient_flow(sizes, bias):
    net = ICNN(*sizes, bias=bias)
    laws = net.known_conservation_laws()
    assert len(laws) == sizes[1] and annihilated(net, laws)
    res = net.lie_trace()
    assert res.certified and res.number_of_laws == sizes[1]


@pytest.mark.parametrize("sizes,bias", [((2, 2, 2), False), ((1, 2, 3), True), ((3, 1, 2), True)])
def test_icnn_laws_are_the_polynomial_laws(sizes, bias):
    net = ICNN(*sizes, bias=bias)
    poly = net.polynomial_conservation_laws(2, homogeneous=False)
    assert same_span(poly, net.known_conservation_laws())


def test_mirror_points_are_positive():
    for model in (NMF(2, 2, 2), Preconditioned(uv(), 'mirror')):
        for seed in range(10):
            assert all(c > 0 for c in model.random_point(seed))
    icnn = ICNN(2, 2, 2)
    for seed in range(10):
        pt = icnn.random_point(seed)
        assert all(pt[i] > 0 for i in icnn.mirror_coordinates())
    for M in (HeavyBall(uv(), 1), Nesterov(uv()), WeightDecay(uv(), 1), HeavyBall(NMF(1, 1, 2))):
        for seed in range(10):
            pt = M.random_point(seed)
            assert pt[0] > 0
    pt = HeavyBall(NMF(1, 1, 2)).random_point(3)
    assert all(c > 0 for c in pt[1:4])


# ---------------------------------------------------------------------------
# other metrics, weight decay
# ---------------------------------------------------------------------------

def test_mirror_uv():
    md = Preconditioned(uv(), 'mirror')
    u, v = md.polynomial_ring().gens()
    assert md.polynomial_conservation_laws(1) == [u - v]
    assert md.is_conservation_law(u - v) and not md.is_conservation_law(u ** 2 - v ** 2)


@pytest.mark.parametrize("c", [1, 2, QQ(1) / 3, 5])
def test_constant_diagonal_metric(c):
    # theta' = -diag(1, c) grad L on phi = ab: a^2 - b^2 / c is conserved
    net = LinearNetwork([1, 1, 1])
    a, b = net.polynomial_ring().gens()
    P = Preconditioned(net, [1, c])
    assert P.is_conservation_law(a ** 2 - b ** 2 / c)
    assert P.number_of_conservation_laws() == 1


def test_full_metric_matches_diagonal_one():
    net = LinearNetwork([2, 2, 2])
    R = net.polynomial_ring()
    diag = [1 + x ** 2 for x in R.gens()]
    from sage.matrix.special import diagonal_matrix
    P1, P2 = Preconditioned(net, diag), Preconditioned(net, diagonal_matrix(R, diag))
    assert P1.generators().fields() == P2.generators().fields()


def test_preconditioned_of_nmf_with_its_own_metric_knows_its_laws():
    P = Preconditioned(NMF(2, 2, 2), 'mirror')
    assert P.known_conservation_laws() == NMF(2, 2, 2).known_conservation_laws()
    assert P.lie_trace().certified


@pytest.mark.parametrize("model", [uv(), LinearNetwork([2, 2, 2]), LinearNetwork([2, 3, 2, 1]), ReLUNetwork([2, 2, 2]),
                                   ReLUNetwork([2, 3, 2], bias=True), NMF(2, 2, 2), ScalarTimesVector(2)],
                         ids=repr)
@pytest.mark.parametrize("rate", [1, 2, QQ(1) / 10])
def test_weight_decay(model, rate):
    wd = WeightDecay(model, rate)
    laws = wd.known_conservation_laws()
    assert annihilated(wd, laws)
    res = wd.lie_trace()
    assert res.certified
    # the homogeneous gradient-flow laws all survive, multiplied by s^degree
    assert res.number_of_laws == model.number_of_conservation_laws()


def test_weight_decay_uv_law():
    wd = WeightDecay(uv(), 3)
    s, u, v = wd.polynomial_ring().gens()
    assert wd.is_conservation_law(s ** 2 * (u ** 2 - v ** 2))
    assert not wd.is_conservation_law(s * (u ** 2 - v ** 2))
    assert not wd.is_conservation_law(u ** 2 - v ** 2)


def test_nesterov_and_heavy_ball_agree_on_counts():
    for model in (uv(), ReLUNetwork([1, 2, 1]), LinearNetwork([2, 2, 3]), NMF(1, 2, 2), ScalarTimesVector(3)):
        counts = {momentum(model, tau).number_of_conservation_laws() for tau in FLOWS}
        assert len(counts) == 1, model


def test_nesterov_drift_is_t_times_the_rational_one():
    nes = Nesterov(LinearNetwork([1, 1, 1]))
    t = nes.time_variable()
    F = nes.polynomial_ring().fraction_field()
    chi0 = [F(c) for c in nes.generators().fields()[0].components()]
    v = nes.velocities()
    rational = [F(1)] + [F(v['U1'][0, 0]), F(v['U2'][0, 0])] + [-3 * F(v['U1'][0, 0]) / t, -3 * F(v['U2'][0, 0]) / t]
    assert chi0 == [t * c for c in rational]


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

def test_bad_input():
    with pytest.raises(ValueError, match="nonnegative"):
        HeavyBall(uv(), -1)
    with pytest.raises(TypeError, match="exact rational"):
        HeavyBall(uv(), 0.5)
    with pytest.raises(TypeError, match="exact rational"):
        HeavyBall(uv(), "1")
    with pytest.raises(ValueError, match="positive"):
        WeightDecay(uv(), 0)
    with pytest.raises(ValueError, match="positive"):
        WeightDecay(uv(), -QQ(1) / 2)
    for bad in (42, None, "uv", [1, 2]):
        for cls in (HeavyBall, Nesterov):
            with pytest.raises(TypeError, match="no polynomial ring"):
                cls(bad)
        with pytest.raises(TypeError, match="gradients of phi"):
            Preconditioned(bad, 'mirror')
    with pytest.raises(TypeError, match="already lifted"):
        HeavyBall(Nesterov(uv()))
    with pytest.raises(TypeError, match="already lifted"):
        WeightDecay(HeavyBall(uv()), 1)
    net = LinearNetwork([2, 2, 2])
    R = net.polynomial_ring()
    with pytest.raises(ValueError, match="D = 8 entries"):
        Preconditioned(net, [1, 2])
    with pytest.raises(ValueError, match="8 x 8"):
        Preconditioned(net, matrix(QQ, 3, 3, 1))
    S = PolynomialRing(QQ, 'a', 8)
    with pytest.raises(TypeError, match="not among those of the ring"):
        Preconditioned(net, matrix(S, 8, 8, S.gens() * 8))
    with pytest.raises(TypeError, match="not among those of the ring"):
        Preconditioned(net, list(S.gens()))
    with pytest.raises(ValueError, match="symmetric"):
        Preconditioned(net, matrix(R, 8, 8, lambda i, j: R.gen(i) if i < j else 0) + 1)
    with pytest.raises(ValueError, match="'mirror'"):
        Preconditioned(net, 'entropy')
    import numpy as np
    with pytest.raises(TypeError, match="numpy arrays are inexact"):
        Preconditioned(net, np.eye(8))
    with pytest.raises(ValueError, match="no velocities"):
        WeightDecay(uv(), 1).velocities()


def test_reproduction_quick():
    from sage_conslaw.reproduction.momentum import reproduce_tables
    report = reproduce_tables(released=2, ours=2, progress=False)
    assert report.all_match and report.all_certified
    assert len(report.rows) == 6 * 2 + 4 * 2


@pytest.mark.parametrize("n,m,r", [(1, 1, 3), (2, 2, 2), (1, 3, 2), (3, 2, 4)])
@pytest.mark.parametrize("tau", FLOWS)
def test_matrix_factorization_momentum(n, m, r, tau):
    # phi = U V^T is the linear network [n, r, m]; the same laws, with V = U2^T
    M = momentum(MatrixFactorization(n, m, r), tau)
    laws = M.known_conservation_laws()
    assert annihilated(M, laws)
    res = M.lie_trace()
    assert res.certified and res.number_of_laws == res.known_laws == linear_momentum_laws_formula(n, r, m)


# review finding 4: a metric must be a metric somewhere
def test_metric_that_is_a_metric_nowhere_is_refused():
    from sage.matrix.special import diagonal_matrix
    net = LinearNetwork([2, 2])        # D = 4
    R = net.polynomial_ring()
    x = R.gens()
    for bad in ([1, 2, 3, 0], [-1, 1, 1, 1], [x[0], 1, -QQ(1) / 2, x[1]], [0, x[1], x[2], x[3]]):
        with pytest.raises(ValueError, match="metric"):
            Preconditioned(net, bad)
    for bad in (matrix(R, 4, 4, 0), diagonal_matrix(R, [1, 2, 3, 0]), diagonal_matrix(R, [-1, 1, 1, 1]),
                matrix(QQ, 4, 4, [1, 2, 0, 0, 2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),      # indefinite, invertible
                matrix(R, 4, 4, lambda i, j: x[0] * x[1] if i < 2 and j < 2 else (1 if i == j else 0)),  # rank 3
                diagonal_matrix(R, [x[0], 1, -2, 1])):
        with pytest.raises(ValueError, match="metric"):
            Preconditioned(net, bad)
    with pytest.raises(ValueError, match="singular everywhere"):
        Preconditioned(net, matrix(R, 4, 4, 0))
    with pytest.raises(ValueError, match="constant entry -1 <= 0"):
        Preconditioned(net, [-1, 1, 1, 1])
    with pytest.raises(ValueError, match="not positive definite"):
        Preconditioned(net, matrix(QQ, 4, 4, [1, 2, 0, 0, 2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]))
    # accepted: constant positive definite, the mirror metric, non-constant entries
    # (a metric where the flow runs; not checked there), singular only on a hypersurface
    for good in ([1, 2, 3, QQ(1) / 5], 'mirror', [1 + x[0] ** 2, 1, 1, 1], [x[0], x[1], 1, 1],
                 matrix(QQ, 4, 4, [2, 1, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
                 matrix(R, 4, 4, lambda i, j: x[0] if i != j and i + j == 1 else (1 if i == j else 0))):
        P = Preconditioned(net, good)
        assert P.number_of_conservation_laws() >= 0
