"""Bad input gets a ValueError/TypeError whose message names the problem.

A bug found here is first pinned with ``xfail(strict=True, reason="BUG: ...")``
(an input accepted silently, or an unclear error); the marker goes with the fix.
"""
from fractions import Fraction

import numpy as np
import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw import PolynomialVectorFields, Reparametrization, lie_trace, polynomial_laws
from sage_conslaw.architectures import (LinearNetwork, MatrixFactorization, ReLUNetwork, product,
                                        ScalarTimesVector, random_vector_fields)

from sage.rings.rational_field import QQ
from sage.rings.real_mpfr import RR
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.matrix.constructor import matrix


@pytest.fixture
def R():
    return PolynomialRing(QQ, ['u', 'v'])


@pytest.fixture
def S():
    return PolynomialRing(QQ, ['a', 'b'])


@pytest.fixture
def phi(R):
    u, v = R.gens()
    return Reparametrization([u * v])


# ---------------------------------------------------------------------------
# phi itself
# ---------------------------------------------------------------------------

def test_float_coefficient_phi(R):
    x = RR['x,y'].gen(0)
    with pytest.raises(TypeError, match="inexact coefficients"):
        Reparametrization([0.5 * x])
    with pytest.raises(TypeError, match="inexact coefficients"):
        Reparametrization(R, [0.5 * RR['u,v'].gen(0)])


def test_python_float_component(R):
    u, v = R.gens()
    with pytest.raises(TypeError, match="float"):
        Reparametrization([u * v, 0.5])
    with pytest.raises(TypeError, match="float"):
        Reparametrization(R, [u * v, 0.5])
    with pytest.raises(TypeError, match="float"):
        Reparametrization([1.5])


def test_non_polynomial_phi(R):
    u, v = R.gens()
    with pytest.raises(TypeError, match="not a polynomial"):
        Reparametrization([u / v])
    with pytest.raises(TypeError, match="not a polynomial"):
        Reparametrization(R, [u / v])
    with pytest.raises(TypeError, match="not a polynomial"):
        Reparametrization(["u*v"])
    with pytest.raises(TypeError, match="not a polynomial"):
        Reparametrization([None])


def test_univariate_ring_phi():
    x = QQ['x'].gen()
    with pytest.raises(TypeError, match="univariate"):
        Reparametrization([x ** 2])
    with pytest.raises(TypeError, match="multivariate polynomial ring"):
        PolynomialVectorFields(QQ['x'])


def test_empty_phi(R):
    with pytest.raises(ValueError, match="at least one component"):
        Reparametrization([])
    with pytest.raises(ValueError, match="at least one component"):
        Reparametrization(R, [])


def test_phi_without_a_ring(R, S):
    with pytest.raises(TypeError, match="cannot guess the polynomial ring"):
        Reparametrization([1, 2])
    with pytest.raises(TypeError, match="different rings"):
        Reparametrization([R.gen(0), S.gen(0)])


def test_inexact_ring():
    with pytest.raises(TypeError, match="inexact coefficients"):
        Reparametrization(RR['x,y'], [1])
    with pytest.raises(TypeError, match="inexact coefficients"):
        PolynomialVectorFields(RR['x,y'])


def test_wrong_number_of_arguments(R):
    with pytest.raises(TypeError, match="Reparametrization\\(phis\\) or Reparametrization\\(ring, phis\\)"):
        Reparametrization(R, [R.gen(0)], 3)
    with pytest.raises(TypeError, match="multivariate polynomial ring"):
        Reparametrization(QQ, [R.gen(0)])


# ---------------------------------------------------------------------------
# points
# ---------------------------------------------------------------------------

POINT_CALLS = [
    ("jacobian", lambda phi, pt: phi.jacobian(pt)),
    ("jacobian_rank", lambda phi, pt: phi.jacobian_rank(pt)),
    ("lie_trace", lambda phi, pt: phi.lie_trace(point=pt)),
    ("lie_trace_rigorous", lambda phi, pt: phi.lie_trace(point=pt, method='rigorous')),
    ("number_of_conservation_laws", lambda phi, pt: phi.number_of_conservation_laws(pt)),
    ("satisfies_frobenius", lambda phi, pt: phi.satisfies_frobenius(pt)),
    ("number_of_independent_laws",
     lambda phi, pt: phi.number_of_independent_laws([phi.polynomial_ring().gen(0) ** 2 - phi.polynomial_ring().gen(1) ** 2], pt)),
    ("field_call", lambda phi, pt: phi.gradient_fields()[0](pt)),
    ("lie_trace_fields", lambda phi, pt: lie_trace(phi.gradient_fields(), point=pt)),
]


@pytest.mark.parametrize("name,call", POINT_CALLS, ids=[n for n, _ in POINT_CALLS])
def test_point_of_wrong_length(phi, name, call):
    for pt in ([1], [1, 2, 3], []):
        with pytest.raises(ValueError, match="the point has %s coordinates, but the parametrization has D = 2"
                           % len(pt)):
            call(phi, pt)


@pytest.mark.parametrize("name,call", POINT_CALLS, ids=[n for n, _ in POINT_CALLS])
def test_point_with_float_entries(phi, name, call):
    with pytest.raises(TypeError, match="float entry 1.5"):
        call(phi, [1.5, 2])
    with pytest.raises(TypeError, match="inexact entry"):
        call(phi, [RR(1.5), 2])
    with pytest.raises(TypeError, match="float entry"):
        call(phi, np.array([0.25, 2.0]))


@pytest.mark.parametrize("name,call", POINT_CALLS, ids=[n for n, _ in POINT_CALLS])
def test_point_with_other_bad_entries(phi, name, call):
    with pytest.raises(TypeError, match="entry True"):
        call(phi, [True, 2])
    with pytest.raises(TypeError, match="not an exact element"):
        call(phi, ["a", 2])
    if name == "field_call":
        # X(3) reads as X(*[3]): one coordinate out of two
        with pytest.raises(ValueError, match="the point has 1 coordinates"):
            call(phi, 3)
    else:
        with pytest.raises(TypeError, match="must be a list, tuple or vector"):
            call(phi, 3)


def test_exact_points_are_accepted(phi):
    assert phi.jacobian([Fraction(1, 3), 2]) == matrix(QQ, [[2, QQ((1, 3))]])
    assert phi.jacobian(np.array([1, 2])) == matrix(QQ, [[2, 1]])
    assert phi.jacobian((QQ((1, 2)), 3)) == matrix(QQ, [[3, QQ((1, 2))]])


def test_point_with_none_entry(phi):
    with pytest.raises(TypeError, match="None"):
        phi.jacobian([None, 2])


def test_dict_point_with_bad_index(phi):
    with pytest.raises(ValueError, match="index|coordinate"):
        phi.jacobian({5: 1})


def test_dict_point_with_negative_index(phi):
    with pytest.raises(ValueError, match="index|coordinate"):
        phi.jacobian({-1: 3})


# ---------------------------------------------------------------------------
# degrees
# ---------------------------------------------------------------------------

def test_negative_or_fractional_degree(phi, R):
    for deg in (-1, -5):
        with pytest.raises(ValueError, match="the degree must be an integer >= 0"):
            phi.polynomial_conservation_laws(deg)
    for deg in (1.5, QQ((1, 2)), "2"):
        with pytest.raises(TypeError, match="the degree must be an integer"):
            phi.polynomial_conservation_laws(deg)
    u, v = R.gens()
    V = PolynomialVectorFields(R)
    with pytest.raises(ValueError, match="the degree must be an integer >= 0"):
        polynomial_laws([V.gradient(u * v)], -2)
    with pytest.raises(ValueError, match="the degree must be an integer >= 0"):
        phi.polynomial_conservation_laws(-1, homogeneous=False)


def test_none_degree(phi):
    with pytest.raises((ValueError, TypeError), match="degree"):
        phi.polynomial_conservation_laws(None)


def test_too_many_monomials():
    # the limit moves with the memory (degree 5, 169,911 candidates, now runs): degree 40 cannot fit anywhere
    with pytest.raises(ValueError, match="candidate monomials, whose law search would take about .* GB"):
        LinearNetwork([3, 3, 3, 3]).polynomial_conservation_laws(40)


# ---------------------------------------------------------------------------
# laws h: ring mismatch, inexact, not a law
# ---------------------------------------------------------------------------

def test_is_conservation_law_ring_mismatch(phi, S):
    with pytest.raises(TypeError, match="lives in"):
        phi.is_conservation_law(S.gen(0))
    with pytest.raises(TypeError, match="lives in"):
        phi.is_conservation_law(PolynomialRing(QQ, ['u', 'v', 'w']).gen(0))


def test_is_conservation_law_inexact_or_non_polynomial(phi, R):
    u, v = R.gens()
    with pytest.raises(TypeError, match="inexact coefficients"):
        phi.is_conservation_law(1.5 * u)
    with pytest.raises(TypeError, match="float"):
        phi.is_conservation_law(1.5)
    with pytest.raises(TypeError, match="not a polynomial"):
        phi.is_conservation_law(u / v)


def test_is_conservation_law_none(phi):
    with pytest.raises(TypeError):
        phi.is_conservation_law(None)


def test_lie_trace_with_non_law(phi, R):
    u, v = R.gens()
    with pytest.raises(ValueError, match="is not a conservation law"):
        phi.lie_trace(laws=[u ** 2 + v ** 2])
    with pytest.raises(ValueError, match="is not a conservation law"):
        lie_trace(phi.gradient_fields(), laws=[u])


def test_lie_trace_with_inexact_law(phi, R):
    with pytest.raises(TypeError, match="inexact coefficients|Real"):
        phi.lie_trace(laws=[1.5 * R.gen(0)])


def test_lie_trace_law_from_a_ring_of_other_dimension(phi):
    x = PolynomialRing(QQ, ['x', 'y', 'z']).gen(0)
    with pytest.raises(TypeError, match="not a polynomial|lives in"):
        phi.lie_trace(laws=[x ** 2])


def test_lie_trace_law_ring_mismatch(phi, S):
    a, b = S.gens()
    with pytest.raises(TypeError, match="ring|lives in"):
        phi.lie_trace(laws=[a ** 2 - b ** 2])


def test_number_of_independent_laws_ring_mismatch(phi, S):
    a, b = S.gens()
    with pytest.raises(TypeError, match="ring|lives in"):
        phi.number_of_independent_laws([a ** 2 - b ** 2, a * b])


def test_number_of_independent_laws_ring_of_other_dimension(phi):
    x = PolynomialRing(QQ, ['x', 'y', 'z']).gen(0)
    with pytest.raises(TypeError, match="ring|lives in"):
        phi.number_of_independent_laws([x ** 2])


def test_reparametrization_ring_mismatch(R, S):
    u, v = R.gens()
    with pytest.raises(TypeError, match="ring|not a polynomial"):
        Reparametrization(S, [u * v])


# ---------------------------------------------------------------------------
# vector fields
# ---------------------------------------------------------------------------

def test_vector_field_bad_components(R):
    u, v = R.gens()
    V = PolynomialVectorFields(R)
    with pytest.raises(ValueError, match="needs 2 components, got 1"):
        V([u])
    with pytest.raises(ValueError, match="needs 2 components, got 3"):
        V([u, v, u])
    with pytest.raises(TypeError, match="float"):
        V([u, 1.5])
    with pytest.raises(TypeError, match="inexact coefficients"):
        V([u, RR['u,v'].gen(0) * 0.5])
    with pytest.raises(TypeError, match="not a polynomial"):
        V([u, u / v])
    with pytest.raises(TypeError, match="inexact coefficients"):
        V.gradient(1.5 * u)
    with pytest.raises(ValueError, match="needs a 2 x 2 matrix, got 1 x 3"):
        V.linear_field([[1, 2, 3]])


def test_vector_field_component_of_another_ring(R, S):
    V = PolynomialVectorFields(R)
    with pytest.raises(TypeError, match="ring|not a polynomial"):
        V([R.gen(0), S.gen(0)])


def test_lie_trace_fields_of_two_rings(R, S):
    X = PolynomialVectorFields(R)([R.gen(1), R.gen(0)])
    Y = PolynomialVectorFields(S)([S.gen(1), S.gen(0)])
    with pytest.raises(TypeError, match="ring"):
        lie_trace([X, Y])


def test_lie_trace_bad_fields(R, S):
    u, v = R.gens()
    a, b = S.gens()
    with pytest.raises(ValueError, match="at least one vector field"):
        lie_trace([])
    with pytest.raises(TypeError, match="one multivariate ring"):
        lie_trace([[v, u], [b, a]])
    with pytest.raises(TypeError, match="one multivariate ring"):
        lie_trace([[1, 0]])
    with pytest.raises(ValueError, match="needs 2 components, got 3"):
        lie_trace([[v, u, u]])


def test_polynomial_laws_empty():
    with pytest.raises(ValueError, match="at least one vector field"):
        polynomial_laws([], 2)


def test_polynomial_laws_on_lists(R):
    u, v = R.gens()
    try:
        laws = polynomial_laws([[v, u]], 2)
    except TypeError as e:
        assert "vector field" in str(e)
        return
    assert laws == [u ** 2 - v ** 2]


# ---------------------------------------------------------------------------
# methods and options
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ['quick', 'exact', None, 'FAST', 1])
def test_unknown_method(phi, method):
    with pytest.raises(ValueError, match="method must be one of 'auto', 'fast', 'rigorous'"):
        phi.lie_trace(method=method)
    with pytest.raises(ValueError, match="method must be one of"):
        lie_trace(phi.gradient_fields(), method=method)
    with pytest.raises(ValueError, match="method must be one of"):
        phi.number_of_conservation_laws(method=method)


def test_fast_method_needs_QQ():
    from sage.rings.number_field.number_field import QuadraticField
    Rp = PolynomialRing(QuadraticField(2), ['p', 'q'])
    V = PolynomialVectorFields(Rp)
    with pytest.raises(ValueError, match="fast method works over QQ"):
        lie_trace([V([1, 0])], method='fast')


@pytest.mark.parametrize("p", [2 ** 31 - 1, 2 ** 20 + 7, -7])
def test_prime_out_of_range(phi, p):
    with pytest.raises(ValueError, match="prime.*below 2\\^20"):
        phi.lie_trace(prime=p, method='fast')


@pytest.mark.parametrize("p", [4, 6, 9, 1, 0])
def test_prime_that_is_not_prime(R, p):
    u, v = R.gens()
    with pytest.raises(ValueError, match="prime"):
        lie_trace([[v, u], [u, 0]], prime=p, method='fast')


@pytest.mark.parametrize("steps", [-1, 'a'])
def test_bad_max_steps(steps):
    T = PolynomialRing(QQ, ['x', 'y', 'z'])
    y = T.gen(1)
    W = [[T(1), T(0), y], [T(0), T(1), T(0)]]   # needs one bracket step
    for method in ('fast', 'rigorous'):
        with pytest.raises((ValueError, TypeError), match="max_steps"):
            lie_trace(W, max_steps=steps, method=method)


# ---------------------------------------------------------------------------
# architectures: constructors and model.point
# ---------------------------------------------------------------------------

def test_architecture_constructor_errors():
    with pytest.raises(ValueError, match="at least two widths"):
        LinearNetwork([2])
    with pytest.raises(ValueError, match="at least two widths"):
        LinearNetwork([])
    with pytest.raises(ValueError, match="at least two widths"):
        ReLUNetwork([3], bias=True)
    for dims in ([0, 1], [1.5, 1], [-1, 2], [2, 0, 2]):
        with pytest.raises(ValueError, match="must be positive integers"):
            LinearNetwork(dims)
        with pytest.raises(ValueError, match="must be positive integers"):
            ReLUNetwork(dims)
    for args in ((0, 1, 1), (1.5, 1, 1), (1, 1, -2)):
        with pytest.raises(ValueError, match="n, m, r must be positive integers"):
            MatrixFactorization(*args)
    with pytest.raises(ValueError, match="D >= 1"):
        product(0)
    with pytest.raises(ValueError, match="d >= 1"):
        ScalarTimesVector(0)
    with pytest.raises(ValueError, match="D must be a positive integer"):
        random_vector_fields(0, 1, 1)
    with pytest.raises(ValueError, match="degree must be a positive integer"):
        random_vector_fields(2, 1, 0)
    with pytest.raises(ValueError, match="too large"):
        random_vector_fields(30, 30, 5)


@pytest.mark.parametrize("make", [lambda: LinearNetwork(3), lambda: ReLUNetwork(2),
                                  lambda: MatrixFactorization("a", 1, 1)])
def test_architecture_constructor_wrong_types(make):
    with pytest.raises((ValueError, TypeError), match="width|n, m, r"):
        make()


def test_point_of_rank_out_of_range():
    mf = MatrixFactorization(2, 1, 1)
    for rk in (2, -1):
        with pytest.raises(ValueError, match="at most min\\(n \\+ m, r\\) = 1"):
            mf.point_of_rank(rk)


def test_model_point_wrong_parameters():
    mf = MatrixFactorization(2, 1, 1)
    with pytest.raises(ValueError, match="missing parameter V"):
        mf.point(U=[[1], [2]])
    with pytest.raises(ValueError, match="parameter U must be a 2 x 1 matrix, got shape 1 x 2"):
        mf.point(U=[[1, 2]], V=[[3]])
    with pytest.raises(ValueError, match="parameter U must be a 2 x 1 matrix, got shape 3 x 1"):
        mf.point(U=[[1], [2], [3]], V=[[3]])
    with pytest.raises(ValueError, match="unknown parameter W"):
        mf.point(U=[[1], [2]], V=[[3]], W=[[1]])
    with pytest.raises(TypeError, match="float entry"):
        mf.point(U=[[1.5], [2]], V=[[3]])
    net = LinearNetwork([1, 2, 1])
    with pytest.raises(ValueError, match="expected 2 weight matrices"):
        net.point([[[1, 2]]])
    with pytest.raises(ValueError, match="parameter U2 must be a 2 x 1 matrix, got shape 1 x 2"):
        net.point([[[1, 2]], [[3, 4]]])
    with pytest.raises(TypeError, match="as one list"):
        net.point([[1, 2]], [[3], [4]])
    with pytest.raises(ValueError, match="the point has 2 coordinates, but the parametrization has D = 4"):
        net.unflatten([1, 2])
    relu = ReLUNetwork([1, 2, 1], bias=True)
    with pytest.raises(ValueError, match="missing parameter b1"):
        relu.point([[[1, 2]], [[3], [4]]])
    with pytest.raises(ValueError, match="parameter b1 must be a 2 x 1 matrix"):
        relu.point([[[1, 2]], [[3], [4]]], b1=[1], c=[7])
    with pytest.raises(ValueError, match="unknown parameter b2"):
        relu.point([[[1, 2]], [[3], [4]]], b1=[5, 6], c=[7], b2=[1])


@pytest.mark.parametrize("case", ["ragged", "bias_row"])
def test_model_point_shape_message_is_accurate(case):
    if case == "ragged":
        with pytest.raises(ValueError) as err:
            MatrixFactorization(2, 1, 1).point(U=[[1], [2, 3]], V=[[3]])
        assert "got shape 2 x 1" not in str(err.value)
    else:
        with pytest.raises(ValueError) as err:
            ReLUNetwork([1, 2, 1], bias=True).point([[[1, 2]], [[3], [4]]], b1=[[5, 6]], c=[7])
        assert "got shape 1 x 2" in str(err.value)


@pytest.mark.parametrize("name,call", POINT_CALLS, ids=[n for n, _ in POINT_CALLS])
def test_points_keyed_by_variables_or_names(phi, name, call):
    u, v = phi.polynomial_ring().gens()
    expected = call(phi, [3, 5])
    expected = getattr(expected, "number_of_laws", expected)
    for pt in ({u: 3, v: 5}, {'u': 3, 'v': 5}, {'v': 5, u: 3}):
        got = call(phi, pt)
        assert getattr(got, "number_of_laws", got) == expected
    with pytest.raises(ValueError, match="no value to the variable v"):
        call(phi, {'u': 3})
    with pytest.raises(ValueError, match="not a variable among u, v"):
        call(phi, {'u': 3, 'v': 5, 'x': 1})
    with pytest.raises(TypeError, match="neither a coordinate index"):
        call(phi, {0.5: 2})
    with pytest.raises(TypeError, match="got the string"):
        call(phi, "35")


@pytest.mark.parametrize("p,error", [(100, ValueError), (2 ** 31 - 1, ValueError), (1, ValueError),
                                     (1.5, TypeError), ("101", TypeError), (True, TypeError)])
def test_polynomial_laws_prime_is_checked(R, p, error):
    u, v = R.gens()
    with pytest.raises(error, match="the prime must be"):
        polynomial_laws([[v, u]], 2, prime=p)
    assert polynomial_laws([[v, u]], 2, prime=101) == [u ** 2 - v ** 2]
