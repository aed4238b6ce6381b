r"""
Command line: ``python -m sage_conslaw reproduce`` (the paper's tables) and
``python -m sage_conslaw demo`` (the laws of two small networks).

EXAMPLES::

    sage: from sage_conslaw.__main__ import main
    sage: main(["reproduce", "--linear", "1", "--relu", "1", "--poly", "0", "--no-progress", "--workers", "1"])
    family check dims ...
    2/2 architectures: no conservation law beyond the known ones (all certified)
    0
    sage: main(["reproduce", "--list", "--linear", "2", "--relu", "0", "--poly", "0"])
    lie  linear [5, 3, 2]
    lie  linear [5, 3, 4, 2]
    0
"""
import argparse
import sys


def demo():
    r"""
    Print the conservation laws of a two-layer linear and a two-layer ReLU network.

    EXAMPLES::

        sage: from sage_conslaw.__main__ import demo
        sage: demo()
        Two-layer linear network [2, 2, 2] (phi = U1*U2):
        ...
          number of independent laws: 3 (certified)
        ...
    """
    from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
    for title, net in (("Two-layer linear network [2, 2, 2] (phi = U1*U2)", LinearNetwork([2, 2, 2])),
                       ("Two-layer ReLU network [2, 2, 2] without biases (path products)", ReLUNetwork([2, 2, 2]))):
        print(title + ":")
        laws = net.polynomial_conservation_laws(2)
        print("  degree-2 polynomial laws (exact basis over QQ):")
        for h in laws:
            print("    " + str(h))
        res = net.lie_trace()
        print("  number of independent laws: %s (%s)" % (res.number_of_laws,
                                                       "certified" if res.certified else "not certified"))
        print("  dim W_k(theta) for k = 0, 1, ...: %s" % res.dimensions)
        print()


def main(argv=None):
    r"""
    Run the command line; return the exit status (non-zero on a mismatch).

    EXAMPLES::

        sage: from sage_conslaw.__main__ import main
        sage: main(["demo"])  # long time
        Two-layer linear network ...
        0
    """
    parser = argparse.ArgumentParser(prog="python -m sage_conslaw",
                                     description="Exact conservation laws of gradient flows (NeurIPS 2023).")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="print the laws of a two-layer linear and a two-layer ReLU network")
    rep = sub.add_parser("reproduce", help="recompute the paper's tables exactly")
    rep.add_argument("--linear", type=int, default=50, help="deep linear networks, Lie check (default 50)")
    rep.add_argument("--relu", type=int, default=50, help="deep ReLU networks, Lie check (default 50)")
    rep.add_argument("--poly", type=int, default=10,
                     help="networks of each family for the degree-2 check (default 10)")
    rep.add_argument("--seed", type=int, default=0, help="numpy seed of the sampling (default 0)")
    rep.add_argument("--quick", action="store_true", help="a small sample (5 + 5 + 2 + 2) that runs in seconds")
    rep.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    rep.add_argument("--out", default=None, help="directory for tables.csv, tables.json, tables.txt")
    rep.add_argument("--list", action="store_true", help="only print the sampled architectures")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    if args.command == "demo":
        demo()
        return 0
    if args.quick:
        args.linear, args.relu, args.poly = 5, 5, 2
    from sage_conslaw.reproduction.tables import planned_tasks, reproduce_tables
    if args.list:
        for kind, arch in planned_tasks(args.linear, args.relu, args.poly, args.seed):
            print("%-4s %-6s %s%s" % (kind, arch['family'], arch['dims'], " bias" if arch['bias'] else ""))
        return 0
    report = reproduce_tables(args.linear, args.relu, args.poly, seed=args.seed, workers=args.workers,
                              progress=not args.no_progress)
    print(report.table())
    if args.out:
        paths = report.save(args.out)
        print("written: " + ", ".join(paths))
    print("total %.1f s with %s worker%s" % (report.seconds, report.workers, "" if report.workers == 1 else "s"))
    print(report.summary())
    return 0 if report.all_match else 1


if __name__ == "__main__":
    sys.exit(main())
