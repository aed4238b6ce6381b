"""Time and peak memory of the large cases of the faults report, each in a fresh process.

Run from the repository root:

    python benchmarks/bench_faults.py [--only SUBSTRING] [--memory-gb 8] [--timeout 300]

Each case runs in its own Python under a memory cap (``ulimit -v``) and a
timeout, as a new user would type it; the table gives what the report measured
before the fixes, the wall time of the whole process (start-up included), the
peak resident memory of the process and its children (forked ranks), and the
first words of the answer or of the refusal.  The tests of ``tests/test_faults_*.py``
hold the answers; this script only measures.
"""
import argparse
import os
import subprocess
import sys
import textwrap
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

#: (what the user typed, what the faults report measured before the fixes)
CASES = [
    ("HeavyBall(LinearNetwork([1, 8200, 1])).lie_trace()", "Singular halt 'no more memory' (exit 14), 7.5 s"),
    ("Nesterov(LinearNetwork([1, 8200, 1])).lie_trace()", "Singular halt 'no more memory' (exit 14)"),
    ("MatrixFactorization(100, 100, 160).lie_trace()", "Singular halt 'no more memory' (exit 14)"),
    ("ICNN(100, 100, 100, bias=True).lie_trace()", "Singular halt 'no more memory' (exit 14)"),
    ("Attention(60, 60, 60, 60).lie_trace()", "Singular halt 'no more memory' (exit 14)"),
    ("ConvNetwork(1, 1, 1, 16000, 16000).lie_trace()", "Singular halt 'no more memory' (exit 14)"),
    ("NMF(100, 100, 100).lie_trace()", "7 min ignoring Ctrl-C, then Singular halt"),
    ("HeavyBall(LinearNetwork([30, 30, 30]), 1).lie_trace()", "numpy asks 87 GiB"),
    ("Sequential([LinearNetwork([20, 20])] * 3).lie_trace()", "numpy asks 4.3 GiB"),
    ("LinearNetwork([20, 20, 20]).lie_trace(method='rigorous')", "> 420 s (in _exact_rank_at)"),
    ("HeavyBall(LinearNetwork([2, 3, 2]), 1).lie_trace(point=[1] + [0] * 24)",
     "> 180 s; 31.5 s idle and > 150 s in CI after the first fixes"),
    ("Nesterov(LinearNetwork([2, 3, 2])).lie_trace(point=[1] + [0] * 24)", "30.4 s (the budget) before this fix"),
    ("Preconditioned(LinearNetwork([2, 3, 2]), [1 + x**2 for x in "
     "LinearNetwork([2, 3, 2]).polynomial_ring().gens()]).lie_trace()", "> 120 s"),
    ("LinearNetwork([2] * 10**7)", "hang before any refusal"),
    ("MultiHeadAttention(4, 10**12, 2, 2, 4)", "6.5 GB before a MemoryError"),
    ("uv().polynomial_conservation_laws(10**4)", "5.5 GB before a MemoryError"),
]

CHILD = """
import resource, sys, time
t0 = time.time()
import sage_conslaw
from sage_conslaw import HeavyBall, Nesterov, Preconditioned
from sage_conslaw.architectures import *
try:
    r = {call}
    if hasattr(r, 'number_of_laws'):
        out = "%s laws, %s" % (r.number_of_laws, "certified" if r.certified else "not certified: " + r.reason)
    else:
        out = "answered: %r" % (r,)
except (MemoryError, ValueError, TypeError) as e:
    out = "refused: %s: %s" % (type(e).__name__, e)
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("RESULT", peak // 1024, out.replace(chr(10), " "))
"""


def measure(call, memory_gb, timeout):
    """Run one case; return (wall seconds, peak MB or None, outcome)."""
    code = textwrap.dedent(CHILD).format(call=call)
    cmd = "ulimit -v %d; exec timeout %d %s -" % (memory_gb * 1024 * 1024, timeout, sys.executable)
    env = dict(os.environ, PYTHONPATH=ROOT)
    t0 = time.time()
    proc = subprocess.run(["bash", "-c", cmd], input=code, capture_output=True, text=True, env=env)
    seconds = time.time() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            _, peak, outcome = line.split(" ", 2)
            return seconds, int(peak), outcome
    return seconds, None, "exit %s: %s" % (proc.returncode, proc.stderr.strip()[-200:])


def main():
    """Measure the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only the cases containing this text")
    parser.add_argument("--memory-gb", type=int, default=8, help="memory cap of each case (default 8)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds before a case is killed (default 300)")
    args = parser.parse_args()
    print("| case | before | after: wall s | peak MB | outcome |")
    print("|---|---|---|---|---|")
    for call, before in CASES:
        if args.only not in call:
            continue
        seconds, peak, outcome = measure(call, args.memory_gb, args.timeout)
        print("| `%s` | %s | %.1f | %s | %s |" % (call, before, seconds, "-" if peak is None else peak,
                                                 outcome[:160]), flush=True)


if __name__ == "__main__":
    main()
