"""
Honesty of the counts (issue 14): a parametrization built to be degenerate
exactly at the default random point must never get a wrong certified count,
nor a probability that is not one.

The truth is computed independently of the default point: the exact rank,
over QQ, of the gradients and their brackets at a point drawn by Python's own
generator with rational coordinates (never the package's sampler), checked
against a closed form where there is one.
"""
import random

import pytest

from sage.all__sagemath_singular import PolynomialRing, QQ, matrix

from sage_conslaw import Reparametrization, lie_trace
from sage_conslaw.core.families import GradientFamily


def independent_generic_rank(fields, rng):
    """Rank at a rational point of our own drawing: a lower bound of the generic rank of the fields."""
    R = fields[0].parent().polynomial_ring()
    pt = [QQ((rng.randint(-10 ** 6, 10 ** 6), rng.randint(1, 10 ** 6))) for _ in range(R.ngens())]
    return matrix(QQ, [[c(*pt) for c in X.components()] for X in fields]).rank()


def brackets_up_to(fields, depth):
    """The fields and their iterated brackets up to ``depth`` (a spanning set of W_depth)."""
    out, layer = list(fields), list(fields)
    for _ in range(depth):
        layer = [X._bracket_(Y) for X in fields for Y in layer]
        out += [Z for Z in layer if Z]
    return out


def degenerate_phis(D, seed, kind):
    """phi of D variables that degenerates at the package's default random point of ``seed``."""
    R = PolynomialRing(QQ, 'x', D)
    x = R.gens()
    a = Reparametrization([x[0]]).random_point(seed)   # the package's default point, whatever it is
    if kind == "square":
        phis = [(x[0] - a[0]) ** 2 * x[1]] + [x[i] for i in range(2, D)]
    elif kind == "product":
        phis = [(x[0] - a[0]) * (x[1] - a[1]) * x[-1]]
    else:   # two degenerate components sharing a factor
        phis = [(x[0] - a[0]) ** 2 * x[1], (x[0] - a[0]) ** 3 * x[-1]]
    return R, phis, a


@pytest.mark.parametrize("D", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("kind", ["square", "product", "shared"])
def test_degenerate_default_point_is_never_a_wrong_claim(D, seed, kind):
    R, phis, a = degenerate_phis(D, seed, kind)
    phi = Reparametrization(R, phis)
    res = phi.lie_trace(seed=seed)
    # The truth: generic rank of W_2 at a point of our own (this family closes by step 2).
    rng = random.Random(1000 * D + seed)
    G = GradientFamily(R, phis).fields()
    truth = D - max(independent_generic_rank(brackets_up_to(G, 2), rng) for _ in range(3))
    assert res.probability_bound is None          # no count rests on a probability
    if res.certified:
        assert res.number_of_laws == truth, res
    else:
        # an uncertified count must say why, and may only be an upper bound of the laws
        assert "not" in res.reason or "singular" in res.reason or "lower bound" in res.reason
        assert res.number_of_laws >= truth
    # The package's answer is the generic one, certified, for these small families.
    assert res.certified and res.number_of_laws == truth
    assert phi.number_of_conservation_laws(seed=seed) == truth


@pytest.mark.parametrize("D", [2, 3, 4])
def test_a_given_singular_point_is_answered_as_such(D):
    R, phis, a = degenerate_phis(D, 0, "square")
    res = Reparametrization(R, phis).lie_trace(point=a, method='rigorous')
    assert not res.random_point and res.point == a
    assert res.lie_algebra_closed and res.generic_dimension is not None
    assert res.dimension < res.generic_dimension and res.regular_point is False
    assert not res.certified and "singular" in res.reason
    assert res.generic_number_of_laws == D - res.generic_dimension


def test_point_where_everything_vanishes_is_answered_at_once():
    # issue 14: this phi at the zero point took 327 s in the rigorous fallback
    R = PolynomialRing(QQ, 'x0,x1,x2,x3')
    x0, x1, x2, x3 = R.gens()
    phi = Reparametrization([x0 ** 2 * x1 * x3 - x1 * x2 ** 2 + 3 * x0 ** 2 + x0 * x3, -2 * x1 * x2 * x3,
                             -2 * x1 ** 2 * x3 + 3 * x1 ** 2 - 2 * x1 * x2])
    res = phi.lie_trace(point=[0] * 4)
    assert res.dimension == 0 and not res.certified
    assert "every generator vanishes at theta" in res.reason and "singular" in res.reason
    assert res.seconds < 20


def test_rigorous_budget_says_what_was_proven():
    R = PolynomialRing(QQ, 'x0,x1,x2,x3')
    x0, x1, x2, x3 = R.gens()
    phi = Reparametrization([x0 ** 2 * x1 * x3 - x1 * x2 ** 2 + 3 * x0 ** 2 + x0 * x3, -2 * x1 * x2 * x3,
                             -2 * x1 ** 2 * x3 + 3 * x1 ** 2 - 2 * x1 * x2])
    res = lie_trace(phi, point=[0] * 4, method='rigorous', max_seconds=1)
    assert not res.certified and "time budget of 1 s ran out" in res.reason
    assert "lower bound" in res.reason


# -- issue 14 reproducers of the engine's entry points, each as the issue writes it ------------

def _uv():
    R = PolynomialRing(QQ, 'u,v')
    return R, R.gens()


def test_reparametrization_arguments_reversed():
    R, (u, v) = _uv()
    with pytest.raises(TypeError, match="the ring comes first"):
        Reparametrization([u * v], R)


def test_reparametrization_of_a_ring_alone():
    R, (u, v) = _uv()
    with pytest.raises(TypeError, match="needs the components of phi"):
        Reparametrization(R)


def test_lie_trace_of_polynomials_instead_of_fields():
    R, (u, v) = _uv()
    with pytest.raises(TypeError, match="got the polynomial u\\*v; for the gradients of polynomials phi use"):
        lie_trace([u * v])


def test_laws_not_in_a_list():
    R, (u, v) = _uv()
    with pytest.raises(TypeError, match=r"write laws=\[u\^2 - v\^2\]"):
        Reparametrization([u * v]).lie_trace(laws=u ** 2 - v ** 2)
    with pytest.raises(TypeError, match="laws must be a list"):
        lie_trace([[v, u]], laws=u ** 2 - v ** 2)


def test_certify_with_degree_as_a_string():
    R, (u, v) = _uv()
    with pytest.raises(TypeError, match="certify_with_degree must be an integer, got '2'"):
        Reparametrization([u * v]).lie_trace(certify_with_degree="2")


def test_the_issue_examples_at_the_default_point():
    # (x - a)^2 y with (a, b) the default point of D = 2: the generic count is 1, certified
    from sage_conslaw.core.points import random_point
    R = PolynomialRing(QQ, 'x,y')
    x, y = R.gens()
    a, b = random_point(2)
    res = Reparametrization([(x - a) ** 2 * y]).lie_trace()
    assert res.number_of_laws == 1 and res.certified and res.probability_bound is None
    assert Reparametrization([(x - a) ** 2 * y]).number_of_conservation_laws() == 1
    S = PolynomialRing(QQ, 'x,y,z')
    x, y, z = S.gens()
    a, b, c = random_point(3)
    res = Reparametrization([(x - a) ** 2 * y, z]).lie_trace()
    assert res.number_of_laws == 1 and res.certified


# -- found by the review: singular points, unchecked arguments, points outside the flow ---------

@pytest.mark.parametrize("n,m,r", [(2, 2, 2), (1, 2, 3), (2, 1, 2)])
def test_singular_point_counts_at_most_the_generic_laws(n, m, r):
    from sage_conslaw import MatrixFactorization
    M = MatrixFactorization(n, m, r)
    generic = M.number_of_conservation_laws()
    res = M.lie_trace(point=[0] * M.D)
    assert res.dimension == 0 and res.singular and not res.certified
    assert res.number_of_laws == generic == M.number_of_conservation_laws(point=[0] * M.D)
    assert "at most %s near theta, a singular point" % generic in repr(res)


@pytest.mark.parametrize("option,value,error", [("check", "x", TypeError), ("progress", "x", TypeError),
                                                ("max_seconds", -1, ValueError), ("max_seconds", "1", TypeError)])
def test_lie_trace_options_are_checked(option, value, error):
    R, (u, v) = _uv()
    with pytest.raises(error, match=option):
        lie_trace([[v, u]], **{option: value})


def test_point_over_a_finite_field_is_refused():
    from sage.all__sagemath_singular import GF, vector
    R, (u, v) = _uv()
    with pytest.raises(TypeError, match="characteristic 7"):
        Reparametrization([u * v]).lie_trace(point=vector(GF(7), [6, 6]))


def test_point_outside_the_domain_of_the_flow_is_refused():
    from sage_conslaw import HeavyBall, LinearNetwork
    hb = HeavyBall(LinearNetwork([1, 2, 1]), friction=1)
    pt = list(hb.random_point(0))
    assert hb.lie_trace(point=pt).certified
    s = hb.time_variable()
    i = hb.polynomial_ring().gens().index(s)
    for bad in (0, -1):
        pt[i] = bad
        with pytest.raises(ValueError, match="outside the domain of the flow: the coordinate %s must be positive" % s):
            hb.lie_trace(point=pt)
