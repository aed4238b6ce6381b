"""Reproducers of issue 14 (and of the points and new-laws items of issue 9), each as it is
written in the issue, for the core of polynomial laws, points and fields (core/laws.py,
core/points.py).  Every one of them failed or misbehaved before its fix; none is xfail.
"""
import resource
import time

import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw import Reparametrization, lie_trace

from sage.rings.rational_field import QQ
from sage.rings.finite_rings.finite_field_constructor import GF
from sage.rings.number_field.number_field import QuadraticField
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing


@pytest.fixture
def R():
    return PolynomialRing(QQ, ['u', 'v'])


@pytest.fixture
def phi(R):
    u, v = R.gens()
    return Reparametrization([u * v])


# ---------------------------------------------------------------------------
# Fields where the theory does not hold
# ---------------------------------------------------------------------------

def test_gf5_x2y_z_is_refused():
    # "Over GF(5), Reparametrization([x^2*y, z]) reports 2 laws (truth 1)"
    x, y, z = PolynomialRing(GF(5), ['x', 'y', 'z']).gens()
    with pytest.raises(TypeError, match="characteristic 5.*real flows"):
        Reparametrization([x ** 2 * y, z])


def test_gf5_laws_of_x5y_are_refused():
    # "polynomial_conservation_laws(5) of x^5 y returns [x^5, y^5]"
    x, y = PolynomialRing(GF(5), ['x', 'y']).gens()
    with pytest.raises(TypeError, match="characteristic 5"):
        Reparametrization([x ** 5 * y]).polynomial_conservation_laws(5)


def test_gaussian_rationals_are_refused():
    # "Over QQ(i), phi = u + i v is returned as a law of itself"
    K = QuadraticField(-1, 'i')
    i = K.gen()
    u, v = PolynomialRing(K, ['u', 'v']).gens()
    with pytest.raises(TypeError, match="not embedded in the real numbers"):
        Reparametrization([u + i * v])


def test_real_number_field_is_accepted():
    K = QuadraticField(2, 'a')
    a = K.gen()
    u, v, w = PolynomialRing(K, ['u', 'v', 'w']).gens()
    phi = Reparametrization([a * u * v, w])
    assert phi.polynomial_conservation_laws(2) == [u ** 2 - v ** 2]
    assert phi.number_of_conservation_laws() == 1


# ---------------------------------------------------------------------------
# Guards that come too late: count first and refuse at once
# ---------------------------------------------------------------------------

def test_degree_1e5_in_two_variables_refused_at_once(phi):
    t = time.time()
    with pytest.raises(ValueError, match="100001 candidate monomials, whose law search would take about .* GB.*refused before any monomial"):
        phi.polynomial_conservation_laws(10 ** 5)
    assert time.time() - t < 1


def test_degree_20_in_ten_variables_refused_at_once():
    R = PolynomialRing(QQ, 'x', 10)
    phi = Reparametrization([R.prod(R.gens())])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.time()
    with pytest.raises(ValueError, match="degree 20 in D = 10 variables gives 10015005 candidate monomials"):
        phi.polynomial_conservation_laws(20)
    assert time.time() - t < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024   # KiB


# ---------------------------------------------------------------------------
# Input that is silently misread
# ---------------------------------------------------------------------------

def test_homogeneous_no_is_a_type_error(phi):
    with pytest.raises(TypeError, match="homogeneous must be True or False, got 'no'"):
        phi.polynomial_conservation_laws(2, homogeneous='no')


def test_point_string_is_a_type_error(phi):
    with pytest.raises(TypeError, match="got the string '12'"):
        phi.lie_trace(point="12")
    with pytest.raises(TypeError, match="got the string '12'"):
        lie_trace(phi.gradient_fields(), point="12")


def test_point_with_fractional_key_is_an_error(phi):
    with pytest.raises(TypeError, match="key 0.5 .*neither a coordinate index"):
        phi.lie_trace(point={0.5: 2})
    with pytest.raises(TypeError, match="neither a coordinate index"):
        lie_trace(phi.gradient_fields(), point={QQ((1, 2)): 2})


def test_fractional_seed_is_a_type_error(phi):
    with pytest.raises(TypeError, match="the seed must be an integer, got 1.5"):
        phi.lie_trace(seed=1.5)
    with pytest.raises(TypeError, match="the seed must be an integer, got 1.5"):
        phi.random_point(seed=1.5)


# ---------------------------------------------------------------------------
# Issue 9: points the way users write them
# ---------------------------------------------------------------------------

def test_point_by_variables_and_by_names(R, phi):
    u, v = R.gens()
    expected = phi.lie_trace(point=[1, 2])
    for pt in ({u: 1, v: 2}, {'u': 1, 'v': 2}, {v: 2, 'u': 1}):
        res = lie_trace(phi.gradient_fields(), point=pt)
        assert list(res.point) == [1, 2]
        assert res.number_of_laws == expected.number_of_laws
    with pytest.raises(ValueError, match="no value to the variable v"):
        lie_trace(phi.gradient_fields(), point={'u': 1})
    with pytest.raises(ValueError, match="w, which is not a variable among u, v"):
        lie_trace(phi.gradient_fields(), point={'u': 1, 'v': 2, 'w': 3})


# ---------------------------------------------------------------------------
# Processes killed for memory: polynomial laws of large networks
# ---------------------------------------------------------------------------

def _run_measured(code):
    """Run ``code`` in a fresh interpreter; return its last printed line and its max RSS in MB."""
    import subprocess
    import sys
    prog = ("import resource, sage_conslaw\n" + code +
            "\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.split()
    return lines[-2], int(lines[-1])


def test_relu_6666_degree_two_laws_fit_in_memory():
    # "ReLUNetwork([6,6,6,6]).polynomial_conservation_laws(2) (D = 108) is killed at 24 GB"
    count, mb = _run_measured("from sage_conslaw.architectures import ReLUNetwork\n"
                              "print(len(ReLUNetwork([6, 6, 6, 6]).polynomial_conservation_laws(2)))")
    assert count == "12"        # one law per hidden neuron, and no other
    assert mb < 2000


def test_linear_888_degree_two_laws_fit_in_memory():
    # "LinearNetwork([8,8,8]) takes 102 s and 15.9 GB"
    count, mb = _run_measured("from sage_conslaw.architectures import LinearNetwork\n"
                              "print(len(LinearNetwork([8, 8, 8]).polynomial_conservation_laws(2)))")
    assert count == "36"        # r(r+1)/2 balancedness laws, r = 8
    assert mb < 2000
