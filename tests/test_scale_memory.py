"""Limits that move with the memory (core/thresholds.py): the law search and the
rigorous basis are sized against the memory available (resource limits and
MemAvailable) and refused before allocating, naming the size and the memory;
cases above the former constants (50,000 candidates, 400 fields) run."""
import os
import subprocess
import sys

from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw import PolynomialVectorFields
from sage_conslaw.core import thresholds
from sage_conslaw.core.laws import check_size, number_of_candidates, polynomial_laws


def _run(code, ulimit_kb=None):
    shell = "" if ulimit_kb is None else "ulimit -v %d; " % ulimit_kb
    out = subprocess.run(["bash", "-c", shell + '"$0" -c "$1"', sys.executable, code], capture_output=True,
                         text=True, timeout=600, env=dict(os.environ))
    return out.stdout + out.stderr


def test_degree_2_laws_refused_under_a_low_address_space_limit():
    # about 1.8 GB of address space go to the imports; 2.3 GB leave well under the 1.7 GB the search needs
    out = _run("from sage.all__sagemath_singular import *\n"
               "from sage_conslaw.architectures import LinearNetwork\n"
               "try:\n"
               "    LinearNetwork([10] * 4).polynomial_conservation_laws(2)\n"
               "except ValueError as e:\n"
               "    print('REFUSED', e)\n", ulimit_kb=2300000)
    assert "REFUSED degree 2 in D = 300 variables gives 45150 candidate monomials" in out, out
    assert "would take about 1.7 GB" in out and "GB available now" in out and "before any monomial" in out


def test_the_rigorous_basis_is_refused_before_it_outgrows_the_memory():
    out = _run("from sage.all__sagemath_singular import *\n"
               "import resource\n"
               "from sage_conslaw.architectures import LinearNetwork\n"
               "net = LinearNetwork([6] * 4); net.components()\n"
               "used = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()\n"
               "resource.setrlimit(resource.RLIMIT_AS, (used + 40 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))\n"
               "r = net.lie_trace(method='rigorous')\n"
               "print('CERTIFIED', r.certified, r.reason)\n")
    assert "CERTIFIED False" in out, out
    assert "fields (" in out and "GB available" in out and "refused before allocating" in out


def test_a_law_search_above_the_former_constant_runs():
    # 50403 candidates (the former limit: 50,000); the radial field has no homogeneous law
    D = 317
    assert number_of_candidates(D, 2) > 50000 and check_size(D, 2) == 50403
    V = PolynomialVectorFields(PolynomialRing(QQ, 'x', D))
    assert polynomial_laws([V(list(V.polynomial_ring().gens()))], 2) == []


def test_estimates_follow_the_sizes():
    assert thresholds.law_search_bytes(93528, 432, 2) == 128 * 93528 * 434
    assert thresholds.rigorous_basis_bytes(2, 10, 5) == 2 * thresholds.rigorous_basis_bytes(1, 10, 5)
    assert 0 < thresholds.memory_budget()
