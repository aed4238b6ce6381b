"""The engine under hostile input, large sizes and budgets (the reproducers of the faults issue).

Each reproducer is written as a new user would try it.  Where a failure would
kill the process (Singular halting on "no more memory", numpy asking for tens
of GB) or hang it, the case runs in a subprocess under ``timeout`` and a memory
cap (``ulimit -v``), and the test checks that it answered or refused clearly
within its budget.
"""
import os
import subprocess
import sys
import textwrap
import time

import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw import Reparametrization, lie_trace
from sage_conslaw.architectures import LinearNetwork

from sage.rings.finite_rings.finite_field_constructor import GF
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ
from sage.matrix.constructor import matrix

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Memory cap (kB) of a subprocess: the machine is shared, and a refusal must come
#: long before this.
MEMORY_KB = 4_000_000


def run_capped(code, seconds, memory_kb=MEMORY_KB):
    """Run ``code`` in a fresh Python under ``timeout`` and ``ulimit -v``; return
    (returncode, stdout, stderr, wall seconds)."""
    script = "import sage_conslaw\n" + textwrap.dedent(code)
    env = dict(os.environ, PYTHONPATH=ROOT)
    cmd = "ulimit -v %d; exec timeout %d %s -" % (memory_kb, seconds, sys.executable)
    t0 = time.time()
    out = subprocess.run(["bash", "-c", cmd], input=script, capture_output=True, text=True, env=env)
    return out.returncode, out.stdout, out.stderr, time.time() - t0


# ---------------------------------------------------------------------------
# Strings are parsed, never evaluated
# ---------------------------------------------------------------------------

def _payload(path):
    return "__import__('pathlib').Path(%r).touch()" % str(path)


def test_reparametrization_string_is_not_evaluated(tmp_path):
    R = PolynomialRing(QQ, ['x', 'y'])
    marker = tmp_path / "ran"
    with pytest.raises(ValueError, match="is not a polynomial in x, y"):
        Reparametrization(R, [_payload(marker)])
    assert not marker.exists()
    # a harmless formula is still accepted, and read exactly
    phi = Reparametrization(R, ["x*y - 1/2*x^2"])
    x, y = R.gens()
    assert list(phi.components()) == [x * y - x ** 2 / 2]


def test_laws_given_as_strings_are_not_evaluated(tmp_path):
    net = LinearNetwork([2, 2, 2])
    marker = tmp_path / "ran"
    payload = _payload(marker)
    with pytest.raises(ValueError, match="is not a polynomial"):
        net.is_conservation_law(payload)
    with pytest.raises(ValueError, match="is not a polynomial"):
        net.lie_trace(laws=[payload])
    with pytest.raises(ValueError, match="is not a polynomial"):
        net.number_of_independent_laws([payload])
    with pytest.raises(ValueError, match="is not a polynomial"):
        lie_trace(net, laws=[payload])
    assert not marker.exists()
    # the string of a true law is that law
    h = net.known_conservation_laws()[0]
    assert net.is_conservation_law(str(h))
    assert not net.is_conservation_law(str(h + net.polynomial_ring().gen(0)))


def test_train_laws_given_as_strings_are_not_evaluated(tmp_path):
    from sage_conslaw.flows.train import train
    net = LinearNetwork([1, 1, 1])
    marker = tmp_path / "ran"
    with pytest.raises(ValueError, match="is not a polynomial"):
        train(net, method='flow', horizon=0.1, laws=[_payload(marker)])
    assert not marker.exists()


@pytest.mark.parametrize("text", ["10^10^10", "x^(10^9)", "(x + y)^100000", "x" + "*x" * 5000,
                                  "(" * 100000 + "x" + ")" * 100000])
def test_string_sizes_are_checked_before_computing(text):
    R = PolynomialRing(QQ, ['x', 'y'])
    code = """
        from sage.all__sagemath_singular import QQ, PolynomialRing
        from sage_conslaw.core.points import parse_polynomial
        R = PolynomialRing(QQ, ['x', 'y'])
        try:
            f = parse_polynomial(%r, R)
            print("ANSWER", f.total_degree())
        except (ValueError, RecursionError) as e:
            print("REFUSED", type(e).__name__, str(e)[:200])
    """ % text
    rc, out, err, secs = run_capped(code, 60)
    assert rc == 0, err[-2000:]
    assert ("REFUSED" in out) or ("ANSWER" in out), out
    assert secs < 60


# ---------------------------------------------------------------------------
# Values of positive characteristic are refused, never converted
# ---------------------------------------------------------------------------

def test_gf7_law_is_refused_not_false():
    net = LinearNetwork([2, 2, 2])
    h = net.known_conservation_laws()[0]
    S = net.polynomial_ring().change_ring(GF(7))
    with pytest.raises(TypeError, match="characteristic 7"):
        net.is_conservation_law(S(h))
    with pytest.raises(TypeError, match="characteristic 7"):
        net.lie_trace(laws=[S(h)])


def test_gf7_friction_rate_and_metric_are_refused():
    from sage_conslaw import HeavyBall, Preconditioned
    from sage_conslaw.dynamics.weight_decay import WeightDecay
    net = LinearNetwork([1, 1, 1])
    with pytest.raises(TypeError, match="characteristic 7"):
        HeavyBall(net, GF(7)(3))
    with pytest.raises(TypeError, match="characteristic 7"):
        WeightDecay(net, GF(7)(3))
    with pytest.raises(TypeError, match="characteristic 7"):
        Preconditioned(net, [GF(7)(2), 1])
    with pytest.raises(TypeError, match="characteristic 7"):
        Preconditioned(net, matrix(GF(7), [[2, 0], [0, 1]]))


# ---------------------------------------------------------------------------
# Sizes: refused with a clear error before Singular or numpy run out of memory
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("call, error", [
    ("MatrixFactorization(100, 100, 160).lie_trace()", "MemoryError"),
    ("ICNN(100, 100, 100, bias=True).lie_trace()", "MemoryError"),
    ("Attention(60, 60, 60, 60, bias=True).lie_trace(method='rigorous')", "MemoryError"),   # lie_trace(): answered
    ("Attention(60, 60, 60, 60).lie_trace(laws=[])", "MemoryError"),
    ("ConvNetwork(1, 1, 1, 16000, 16000).lie_trace(method='rigorous')", "MemoryError"),
    ("NMF(100, 100, 100).lie_trace()", "MemoryError"),
    ("uv().polynomial_conservation_laws(10**4)", "ValueError"),
    ("__import__('sage_conslaw').HeavyBall(LinearNetwork([1, 8200, 1])).lie_trace()", "ValueError"),
    ("__import__('sage_conslaw').Nesterov(LinearNetwork([1, 8200, 1])).lie_trace()", "ValueError"),
])
def test_too_large_is_refused_not_killed(call, error):
    code = """
        from sage_conslaw.architectures import *
        try:
            %s
            print("ANSWER")
        except (MemoryError, ValueError) as e:
            print("REFUSED", type(e).__name__, str(e)[:300])
    """ % call
    rc, out, err, secs = run_capped(code, 120)
    assert rc == 0, (rc, out, err[-2000:])          # 14 was Singular's "no more memory" halt
    assert "REFUSED " + error in out, out
    assert "memory" in out or "limit" in out, out
    assert secs < 60, secs


def test_declared_terms_are_the_expanded_terms():
    """The sizes refused above are counted before expanding: the counts agree with the expansion."""
    from sage_conslaw.architectures import ICNN, NMF, MultiHeadAttention, Attention, ConvNetwork
    for m in [ICNN(2, 3, 4), ICNN(2, 3, 4, bias=True), NMF(2, 3, 4), MultiHeadAttention(2, 3, 2, 3, 4),
              MultiHeadAttention(3, 2, 2, 1, 2, bias=True), Attention(2, 3, 4, 5, bias=True),
              ConvNetwork(2, 3, 2, 2, 3, bias=True), ConvNetwork(1, 2, 3, 4, 5)]:
        assert m._family._terms == sum(len(f.monomials()) for f in m.components()), m


# ---------------------------------------------------------------------------
# Budgets: the time budget covers all the work; a given special point is answered
# ---------------------------------------------------------------------------

BUDGET_CASES = [
    # (call, what the issue measured before)
    ("LinearNetwork([20, 20, 20]).lie_trace(method='rigorous')", "> 420 s in _exact_rank_at"),
    # was: a rank over QQ(theta) in C code the alarm could not stop (31.5 s idle, > 150 s in CI);
    # now 0.3 s: no rank over QQ(theta) at a singular point (see test_momentum_singular_points)
    ("HeavyBall(LinearNetwork([2, 3, 2]), 1).lie_trace(point=[1] + [0] * 24)", "> 180 s"),
    ("Preconditioned(LinearNetwork([2, 3, 2]), [1 + x**2 for x in "
     "LinearNetwork([2, 3, 2]).polynomial_ring().gens()]).lie_trace()", "> 120 s"),
]


@pytest.mark.slow
@pytest.mark.parametrize("call, before", BUDGET_CASES)
def test_budget_covers_all_the_work(call, before):
    code = """
        from sage_conslaw.architectures import *
        from sage_conslaw import HeavyBall, Preconditioned
        r = %s
        print("ANSWER", r.number_of_laws, r.certified)
        print("REASON", r.reason)
    """ % call
    rc, out, err, secs = run_capped(code, 150)
    assert rc == 0, (rc, out, err[-2000:])
    assert "ANSWER" in out, out
    # the default budget is 30 s; a few seconds of set-up (imports, the ring) come on top
    assert secs < 110, (secs, before)          # wall time on a shared machine: the budget is wall time too
    answer = out.split("ANSWER")[1].split()
    if answer[1] == "False":
        assert "budget" in out or "lower bound" in out or "singular" in out, out


def test_budget_is_kept_by_a_small_budget():
    """A budget of 2 s is kept by the rigorous method on a family whose closure takes long."""
    net = LinearNetwork([3, 3, 3])
    t0 = time.time()
    res = net.lie_trace(method='rigorous', max_seconds=2)
    assert time.time() - t0 < 20
    assert res.certified or "time budget of 2 s ran out" in res.reason
    # never a wrong certified count: the known count is 6 (balancedness of a hidden layer of 3)
    if res.certified:
        assert res.number_of_laws == 6
    else:
        assert res.number_of_laws >= 6


def test_rigorous_method_beyond_memory_is_refused_not_killed():
    """LinearNetwork([60, 60, 60]) by the rigorous method: its 3,600 gradient fields in 7,200
    variables (about 31 GB as a basis) once ran 900 s past a 30 s budget, or halted Singular
    on memory; now refused before they are formed, or stopped by the budget between two fields."""
    code = """
        from sage_conslaw.architectures import LinearNetwork
        try:
            r = LinearNetwork([60, 60, 60]).lie_trace(method='rigorous')
        except (ValueError, MemoryError) as e:
            print("REFUSED", e)
        else:
            print("ANSWER", r.number_of_laws, r.certified)
            print("REASON", r.reason)
    """
    rc, out, err, secs = run_capped(code, 150, memory_kb=8_000_000)
    assert rc == 0, (rc, out, err[-2000:])
    assert secs < 110, secs
    if "ANSWER" in out:
        assert out.split("ANSWER")[1].split()[1] == "False", out
        assert "refused before allocating" in out or "time budget" in out, out
    else:
        assert "REFUSED" in out and "GB" in out, out


@pytest.mark.parametrize("model, D, point, laws", [
    # (1, 0, ..., 0): s = 1, theta = v = 0: every field but the drift is linear in (theta, v)
    ("HeavyBall(LinearNetwork([2, 3, 2]), 1)", 25, [1] + [0] * 24, 3),
    ("HeavyBall(LinearNetwork([2, 3, 2]))", 25, [1] + [0] * 24, 3),
    ("HeavyBall(LinearNetwork([2, 3, 2]), 1)", 25, [1] + [1] * 12 + [0] * 12, 3),
    ("HeavyBall(LinearNetwork([1, 2, 1]), 1)", 9, [1] + [0] * 8, 2),
    ("HeavyBall(MatrixFactorization(2, 2, 2), 1)", 17, [1] + [0] * 16, 1),
])
def test_momentum_singular_points(model, D, point, laws):
    """At a singular point of a momentum flow the answer is exact and fast: W_k closes over QQ,
    its rank at the point is exact, and the generic rank is proven by two bounds that meet (its rank
    at a random point, D minus the known laws independent there) instead of a rank over QQ(theta)."""
    from sage_conslaw import HeavyBall
    from sage_conslaw.architectures import MatrixFactorization  # noqa: F401 (in the model strings)
    flow = eval(model)
    t0 = time.time()
    res = flow.lie_trace(point=point)
    assert time.time() - t0 < 20
    assert res.D == D and res.singular and not res.certified and res.lie_algebra_closed
    assert res.generic_dimension == D - laws and res.number_of_laws == laws
    assert "theta is a singular point" in res.reason and "at most D - N" in res.reason
    # the generic count agrees with the certified trace at a random point
    generic = flow.lie_trace()
    assert generic.certified and generic.number_of_laws == laws
    # at theta = v = 0 every field of Lie(W) but the drift's s d/ds part is linear in (theta, v), so it
    # vanishes there: dim Lie(W)(theta) = 1 exactly (the drift's value)
    if not any(point[1:]):
        assert res.dimensions == [1] * len(res.dimensions)
    assert res.dimension < res.generic_dimension


def test_nesterov_singular_point_answers_within_its_budget():
    """Nesterov's Lie algebra does not close over QQ (powers of t): an honest lower bound, fast."""
    from sage_conslaw import Nesterov
    t0 = time.time()
    res = Nesterov(LinearNetwork([2, 3, 2])).lie_trace(point=[1] + [0] * 24)
    assert time.time() - t0 < 20
    assert not res.certified and res.dimension >= 1 and res.number_of_laws == 25 - res.dimension
    assert "lower bound" in res.reason


def test_a_special_point_is_an_answer():
    from sage_conslaw.architectures import MatrixFactorization
    M = MatrixFactorization(2, 2, 2)
    res = M.lie_trace(point=[0] * 8)
    assert res.dimension == 0 and not res.certified and res.singular
    res = M.lie_trace(point=[1] + [0] * 7)
    assert res.number_of_laws >= 3


# ---------------------------------------------------------------------------
# Metrics: mirror coordinates are declared, never guessed
# ---------------------------------------------------------------------------

def test_mirror_coordinates_are_declared_not_guessed():
    from sage_conslaw import Preconditioned
    from sage_conslaw.architectures import uv, ICNN, NMF
    from sage_conslaw.flows.second_order import _mirror_mask
    rescaled = Preconditioned(uv(), [2, 1])          # diag(2, 1): a constant rescaling, not a mirror metric
    assert rescaled.metric().mirror_coordinates() == []
    assert _mirror_mask(rescaled, 2, None, [])[0] == []
    assert Preconditioned(uv(), 'mirror').metric().mirror_coordinates() == [0, 1]
    assert ICNN(1, 2, 1).metric().mirror_coordinates() == [0, 1]
    assert NMF(1, 1, 1).metric().mirror_coordinates() == [0, 1]
    assert uv().metric() is None
    # the fields are M grad phi, as before
    R = rescaled.polynomial_ring()
    u, v = R.gens()
    assert [tuple(X.components()) for X in rescaled.generators().fields()] == [(2 * v, u)]


def test_lie_trace_options_have_one_signature():
    from sage_conslaw.architectures import Attention, uv
    from sage_conslaw import HeavyBall
    for model in (uv(), Attention(2, 1, 1, 2), HeavyBall(uv())):
        with pytest.raises(TypeError, match="max_step"):
            model.lie_trace(max_step=3)
        with pytest.raises(ValueError, match="method must be one of"):
            model.lie_trace(method='quick')
