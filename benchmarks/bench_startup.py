"""Start-up: the wall time of one count in a fresh process, and its import time.

Run from the repository root:

    python benchmarks/bench_startup.py [--repeat 5] [--other TREE]

Each case runs in a new Python process (the way a user runs one count): the
command line ``sage-conslaw count linear 2 3 2`` (``python -m sage_conslaw``),
``sage-conslaw --help``, and ``from sage_conslaw.all import *;
LinearNetwork([2, 3, 2]).lie_trace()``; the median wall time of ``--repeat``
runs, and the import time of the package (``python -X importtime``, the
cumulative time of the top-level imports).  With ``--other TREE`` (another
checkout of the package, e.g. the previous version) the same cases run there
too, interleaved with this tree's runs so that both see the same load, and
the ratios other / this are printed.  A case a tree does not have (an unknown
subcommand: exit status 2) is shown as ``-``.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

CASES = [
    ("sage-conslaw count linear 2 3 2", ["-m", "sage_conslaw", "count", "linear", "2", "3", "2"]),
    ("sage-conslaw --help", ["-m", "sage_conslaw", "--help"]),
    ("sage-conslaw reproduce --linear 1 (one count)",
     ["-m", "sage_conslaw", "reproduce", "--linear", "1", "--relu", "0", "--poly", "0", "--workers", "1"]),
    ("all import *; LinearNetwork([2,3,2]).lie_trace()",
     ["-c", "from sage_conslaw.all import *; LinearNetwork([2, 3, 2]).lie_trace()"]),
    ("import sage_conslaw.all only", ["-c", "import sage_conslaw.all"]),
]


def run(tree, argv, importtime=False):
    """Return ``(wall seconds, import seconds or None, exit status)`` of ``python ARGV`` on ``tree``."""
    env = dict(os.environ, PYTHONPATH=tree)
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + argv
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tree, timeout=600)
    wall = time.perf_counter() - t0
    imports = None
    if importtime:
        # top-level imports have no indentation after the second '|'
        imports = sum(int(line.split("|")[1]) for line in proc.stderr.splitlines()
                      if line.startswith("import time:") and line.split("|")[2].startswith(" ") and
                      not line.split("|")[2].startswith("  ") and "cumulative" not in line) / 1e6
    return wall, imports, proc.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case per tree (median)")
    parser.add_argument("--other", default=None, metavar="TREE", help="another checkout to compare with")
    args = parser.parse_args()
    trees = [ROOT] + ([os.path.abspath(args.other)] if args.other else [])
    print("%-50s %10s %10s %10s %10s %8s" % ("case", "this s", "imports s", "other s", "imports s", "ratio"))
    for name, argv in CASES:
        walls = {t: [] for t in trees}
        imports = {t: None for t in trees}
        failed = {t: False for t in trees}
        for t in trees:
            _, imports[t], status = run(t, argv, importtime=True)
            failed[t] = status == 2
        for _ in range(args.repeat):
            for t in trees:            # interleaved: both trees see the same load
                if not failed[t]:
                    walls[t].append(run(t, argv)[0])
        cells = []
        for t in trees:
            cells += ["-", "-"] if failed[t] else ["%.2f" % statistics.median(walls[t]), "%.2f" % imports[t]]
        ratio = "-"
        if len(trees) == 2 and not any(failed.values()):
            ratio = "%.2f" % (statistics.median(walls[trees[1]]) / statistics.median(walls[trees[0]]))
        print("%-50s %10s %10s %10s %10s %8s" % ((name,) + tuple(cells + ["", ""] * (2 - len(trees))) + (ratio,)))


if __name__ == "__main__":
    main()
