"""Benchmark of the ICML 2024 reproduction (``sage-conslaw reproduce --paper momentum``).

Run from the repository root:

    python benchmarks/bench_momentum.py [--workers 2] [--released 20] [--ours 20] [--kernel]

Prints the wall time of each check (sum of its rows), the total with the
given number of processes, start-up included, and the released notebooks'
times on 64 threads for comparison.  ``--kernel`` solves the exact kernel of
the polynomial laws on every row instead of concluding by inclusion (see
:func:`sage_conslaw.reproduction.momentum.run_check`).

Measured (2 cores shared with other jobs, Nov 2026): see the report of issue 11
and doc/momentum.rst.
"""
import argparse
import collections
import os
import sys
import time

T_START = time.perf_counter()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import sage_conslaw  # noqa: E402,F401
from sage_conslaw.reproduction import momentum  # noqa: E402

#: The released notebooks' times (64 threads), by check.
NOTEBOOKS = {'linear-momentum': 139, 'relu-momentum': 63, 'nmf-gf': 448, 'nmf-momentum': 105,
             'icnn-gf': 756, 'icnn-momentum': 729}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--released", type=int, default=20)
    parser.add_argument("--ours", type=int, default=20)
    parser.add_argument("--kernel", action="store_true", help="always solve the polynomial-law kernel")
    args = parser.parse_args(argv)
    t_import = time.perf_counter() - T_START
    if args.kernel:
        rows = [momentum.run_check(t, kernel=True) for t in momentum.planned_tasks(args.released, args.ours)]
        report = momentum.MomentumReport(rows, sum(r['seconds'] for r in rows), 1)
    else:
        report = momentum.reproduce_tables(args.released, args.ours, workers=args.workers, progress=False)
    per = collections.defaultdict(float)
    for r in report.rows:
        per[r['sample'], r['check']] += r['seconds']
    print("check                      rows  seconds (sum over rows)  notebooks (64 threads)")
    for (sample, check), sec in per.items():
        n = sum(1 for r in report.rows if (r['sample'], r['check']) == (sample, check))
        ref = "%d s" % NOTEBOOKS[check] if sample == 'released' else "-"
        print("%-8s %-17s %4d  %8.2f                 %s" % (sample, check, n, sec, ref))
    print(report.summary())
    print("import %.1f s, run %.1f s (%s workers), total %.1f s"
          % (t_import, report.seconds, report.workers, time.perf_counter() - T_START))
    return 0 if report.all_match else 1


if __name__ == "__main__":
    sys.exit(main())
