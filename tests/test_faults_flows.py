"""
Reproducers of the faults found in the architectures, the lifted flows and training
(each as it was written in the report): every one answers or refuses within its
budget, never a wrong answer, a hang or a killed process.  The cases that used to
kill the process (libSingular's exit 14, numpy's giant allocations) run in a child
process under ``ulimit -v`` and ``timeout``.
"""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw.architectures import ICNN, NMF, LinearNetwork, ReLUNetwork, Residual, Sequential
from sage_conslaw.dynamics import HeavyBall, Preconditioned
from sage_conslaw.flows import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: memory cap of a child (KiB, as ulimit -v): the faults asked 6.5 GB to 87 GiB
MEMORY_KB = 6000000


def run_capped(code, seconds):
    """Run ``code`` in a child Python under ``ulimit -v`` and ``timeout``: (return code, stdout, stderr, seconds)."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = "ulimit -v %s; exec timeout %s %s -c \"$0\"" % (MEMORY_KB, seconds, sys.executable)
    start = time.time()
    r = subprocess.run(["bash", "-c", script, code], capture_output=True, text=True, env=env, cwd=ROOT)
    return r.returncode, r.stdout, r.stderr, time.time() - start


def refuses(code, error, message, seconds=120):
    """``code`` raises ``error`` with ``message`` (a substring) in a capped child, within ``seconds``."""
    wrapped = ("import sage_conslaw\n"
               "try:\n" + "".join("    %s\n" % line for line in code.splitlines()) +
               "except %s as e:\n    print('REFUSED:', e)\n" % error)
    rc, out, err, dt = run_capped(wrapped, seconds)
    assert rc == 0, "exit %s after %.0f s (124: timeout; 14: Singular; -9: killed)\n%s" % (rc, dt, err[-2000:])
    assert "REFUSED:" in out and message in out, out + err[-2000:]
    return dt


# -- sizes refused before anything is allocated ------------------------------------------

def test_linear_network_of_ten_million_widths_is_refused_at_once():
    dt = refuses("from sage_conslaw.architectures import LinearNetwork\nLinearNetwork([2]*10**7)",
                 "ValueError", "of 9999999 layers is refused", seconds=60)
    assert dt < 30


def test_attention_with_a_trillion_heads_is_refused_at_construction():
    dt = refuses("from sage_conslaw.architectures import MultiHeadAttention\nMultiHeadAttention(4, 10**12, 2, 2, 4)",
                 "ValueError", "the number D of parameters is 32000000000000", seconds=60)
    assert dt < 30


@pytest.mark.parametrize("lift", ["HeavyBall", "Nesterov"])
def test_momentum_of_more_than_16383_parameters_is_refused_not_killed(lift):
    # D = 20000: the state (t, theta, theta') has 40001 variables (libSingular halted the process with exit 14)
    dt = refuses("from sage_conslaw import %s, LinearNetwork\n%s(LinearNetwork([100, 100, 100]))" % (lift, lift),
                 "ValueError", "40001 ring variables, above the limit 32767", seconds=120)
    assert dt < 60


def test_heavy_ball_of_a_30_30_30_network_refuses_its_87_gib_trace():
    dt = refuses("from sage_conslaw import HeavyBall, LinearNetwork\nHeavyBall(LinearNetwork([30,30,30]), 1).lie_trace()",
                 "MemoryError", "needs the Jacobians of up to 901 fields on a state of dimension 3601", seconds=120)
    assert dt < 60


def test_a_sequence_of_linear_blocks_reaches_the_structured_path():
    code = ("from sage_conslaw.architectures import Sequential, LinearNetwork\n"
            "res = Sequential([LinearNetwork([20,20])]*3).lie_trace()\n"
            "ref = LinearNetwork([20]*4).lie_trace()\n"
            "print('RESULT', res.number_of_laws, res.certified, ref.number_of_laws)\n")
    rc, out, err, dt = run_capped(code, 120)
    assert rc == 0, err[-2000:]
    assert "RESULT 420 True 420" in out
    assert dt < 60


def test_a_sequence_of_linear_blocks_keeps_its_coordinates():
    seq = Sequential([LinearNetwork([2, 3]), LinearNetwork([4, 2])])
    net, order = seq.linear_network()
    assert net.dims == [4, 2, 3] and sorted(order) == list(range(seq.D))
    x = list(range(1, seq.D + 1))
    res = seq.lie_trace(point=x)
    assert list(res.point) == x and res.certified
    assert res.number_of_laws == seq.number_of_independent_laws(seq.known_conservation_laws(), point=x)
    # the count agrees with the sequence's own generic trace (merge off: the same phi, traced by expansion)
    laws = seq.known_conservation_laws()
    assert all(seq.is_conservation_law(h) for h in laws)


# -- compositions keep the metric of their blocks -----------------------------------------

@pytest.mark.parametrize("model", [Sequential([NMF(2, 2, 2), NMF(2, 2, 2)]), Residual(NMF(2, 2, 2)),
                                   Sequential([ICNN(2, 2, 2), ICNN(2, 2, 2)]),
                                   Sequential([NMF(1, 2, 2), LinearNetwork([2, 2])])], ids=repr)
def test_compositions_of_blocks_with_a_metric_agree_on_count_laws_and_check(model):
    laws = model.known_conservation_laws()
    assert laws and all(model.is_conservation_law(h) for h in laws)
    res = model.lie_trace()
    assert res.certified
    independent = model.number_of_independent_laws(laws, point=res.point)
    assert res.number_of_laws == independent
    found = model.polynomial_conservation_laws(2)
    assert all(model.is_conservation_law(h) for h in found)
    assert model.number_of_independent_laws(found, point=res.point) <= res.number_of_laws
    assert model.metric() is not None


def test_residual_nmf_count_matches_its_polynomial_laws():
    model = Residual(NMF(2, 2, 2))
    res = model.lie_trace()
    assert (res.number_of_laws, res.certified) == (2, True)
    assert model.number_of_independent_laws(model.polynomial_conservation_laws(2)) == 2


def test_heavy_ball_of_a_preconditioned_flow_is_the_documented_lifting():
    # theta' = M(theta) v, v' = -tau v - grad L: the velocity is driven by grad phi, the metric acts on the position
    P = Preconditioned(LinearNetwork([2, 2, 2]), 'mirror')
    hb = HeavyBall(P)
    forcing = hb._forcing()
    assert [tuple(X.components()) if hasattr(X, "components") else tuple(X) for X in forcing] == \
        [tuple(X.components()) for X in P.model().gradient_fields()]
    res = hb.lie_trace()
    assert (res.number_of_laws, res.certified) == (0, True)
    # as the NMF's mirror flow with momentum (the module documentation: no law)
    assert HeavyBall(NMF(2, 2, 2)).lie_trace().number_of_laws == 0


# -- the ReLU gradient flow never crawls for minutes ------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_relu_flow_on_random_points_answers_within_seconds(seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    start = time.time()
    try:
        traj = train(ReLUNetwork([2, 5, 3]), X, Y, method='flow', seed=seed)
        assert traj.times[-1] == 1.0
    except RuntimeError as e:
        assert "sliding along a kink" in str(e) and "stop_on_switch=True" in str(e)
        # and the advice works: the trajectory stops at the first kink
        traj = train(ReLUNetwork([2, 5, 3]), X, Y, method='flow', seed=seed, stop_on_switch=True)
        assert traj.activation_changed
    assert time.time() - start < 60     # it was 75 s to fail (10^6 evaluations)
