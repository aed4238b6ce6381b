"""
Benchmark of the exact engine: phases of the reproduction, a baseline
comparison in the same process, and how time grows with D.

Run:  python benchmarks/bench_trace.py [--quick]

Prints
1. per architecture of the paper's sample: build phi, known laws, Lie trace,
   degree-2 laws (poly rows only), and the totals;
2. the fast method against the rigorous one (function spaces over QQ) on small
   networks, as ratios measured in this process;
3. the scale check: deep linear and ReLU networks [w, w, w, w] up to D ~ 300;
4. the known laws of linear networks and matrix factorizations derived from
   their declared GL symmetries (what known_conservation_laws does) against
   the balancedness matrices formed by hand (sums of products of the weight
   matrices' entries, what it did before), best of 3; a case whose ring has
   more than FRESH_PROCESS_D variables runs once, in a fresh process (see there).
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

import sage_conslaw  # noqa: E402,F401  (bootstraps Sage's import order)
from sage_conslaw.architectures import LinearNetwork, MatrixFactorization, ReLUNetwork  # noqa: E402
from sage_conslaw.architectures.linear import balancedness  # noqa: E402
from sage_conslaw.reproduction.tables import build_network, planned_tasks  # noqa: E402


def timed(f, *args, **kwds):
    t = time.perf_counter()
    out = f(*args, **kwds)
    return out, time.perf_counter() - t


def phases(quick):
    counts = (5, 5, 2) if quick else (50, 50, 10)
    tasks = planned_tasks(*counts)
    totals = {"build": 0.0, "laws": 0.0, "trace": 0.0, "poly": 0.0}
    print("== phases per architecture (seconds) ==")
    print("%-5s %-6s %-18s %5s %6s %7s %7s %7s %7s" % ("check", "family", "dims", "bias", "D", "build",
                                                        "laws", "trace", "poly"))
    for kind, arch in tasks:
        net, tb = timed(build_network, arch)
        _, tl = timed(net.known_conservation_laws)
        tt = tp = 0.0
        if kind == "lie":
            res, tt = timed(net.lie_trace)
            assert res.certified
        else:
            _, tp = timed(net.polynomial_conservation_laws, 2)
        for k, v in zip(totals, (tb, tl, tt, tp)):
            totals[k] += v
        print("%-5s %-6s %-18s %5s %6d %7.3f %7.3f %7.3f %7.3f" % (kind, arch["family"], arch["dims"],
                                                                 "yes" if arch["bias"] else "no", net.D,
                                                                 tb, tl, tt, tp))
    print("totals: " + ", ".join("%s %.2f s" % kv for kv in totals.items())
          + "; all phases %.2f s (one process)" % sum(totals.values()))


def baseline():
    print("\n== fast (mod p, pruned, certificate) vs rigorous (function spaces over QQ), same process ==")
    for net in (LinearNetwork([2, 2, 2]), LinearNetwork([3, 3, 3]), LinearNetwork([2, 2, 2, 2]),
                ReLUNetwork([3, 3, 3]), ReLUNetwork([2, 2, 2, 2], bias=True)):
        fast, tf = timed(net.lie_trace, method="fast")
        rig, tr = timed(net.lie_trace, method="rigorous")
        assert fast.number_of_laws == rig.number_of_laws
        print("%-45s D=%3d  fast %.3f s  rigorous %.3f s  ratio %.1fx" % (net, net.D, tf, tr, tr / tf))


def scale(quick):
    print("\n== scale: time of lie_trace versus D ==")
    widths = (3, 5, 7) if quick else (3, 5, 7, 9, 10)
    for cls in (LinearNetwork, ReLUNetwork):
        for w in widths:
            net, tb = timed(cls, [w] * 4)
            res, tt = timed(net.lie_trace)
            print("%-12s [%d]*4  D=%4d  d=%6d  build %.2f s  trace %.2f s  steps %s  certified %s"
                  % (cls.__name__, w, net.D, net.d, tb, tt, res.dimensions, res.certified))


#: Rings of more than this many variables get a fresh process per case in section 4.  Singular's
#: allocator (omalloc) gives a monomial of such a ring several consecutive pages (its exponent vector
#: takes about a byte per variable), and searches its free-page list for them: after other rings' laws
#: were made and freed in the same process, that search ran over a fragmented list for every monomial
#: (gdb: omTakeOutConsecutivePages).  LinearNetwork([50] * 3) (D = 5000): 12 s alone, no end in 15
#: minutes after the [20] * 4 case, RSS 3.4 GB.
FRESH_PROCESS_D = 2000


def symmetry_case(name, dims, repeats):
    """One case of section 4 (its result line), in this process: best of ``repeats``, the two sets
    of laws compared once (never more than two sets alive: a set of [50] * 3 takes ~1.5 GB)."""
    make = (lambda: LinearNetwork(dims)) if name == "LinearNetwork" else (lambda: MatrixFactorization(*dims))

    def by_hand(net):
        if isinstance(net, MatrixFactorization):
            return balancedness(net.U, net.V.transpose())
        U = net.weights()
        return [h for i in range(len(U) - 1) for h in balancedness(U[i], U[i + 1])]
    best = {"symmetries": float("inf"), "hand": float("inf")}
    for r in range(repeats):
        found = {}
        for how, f in (("symmetries", lambda n: n.known_conservation_laws()), ("hand", by_hand)):
            net = make()
            net.polynomial_ring()          # the ring is built before either (not timed)
            found[how], t = timed(f, net)
            best[how] = min(best[how], t)
        if r == 0:
            assert found["symmetries"] == found["hand"]
            count = len(found["hand"])
        del found
    return ("%-20s %-14s D=%5d  laws %5d  symmetries %.3f s  by hand %.3f s  ratio %.2f  (%s)"
            % (name, dims, net.layout().D, count, best["symmetries"], best["hand"],
               best["symmetries"] / best["hand"],
               "best of %d" % repeats if repeats > 1 else "one run"))


def symmetry_laws(quick):
    print("\n== known laws: from the declared symmetries vs formed by hand (best of 3; one run and a fresh "
          "process above D = %d) ==" % FRESH_PROCESS_D)
    cases = [("LinearNetwork", [10] * 4), ("LinearNetwork", [30] * 3), ("MatrixFactorization", [12, 12, 10])]
    if not quick:
        cases += [("LinearNetwork", [20] * 4), ("LinearNetwork", [50] * 3), ("MatrixFactorization", [40, 40, 30])]
    for name, dims in cases:
        D = sum(a * b for a, b in zip(dims, dims[1:])) if name == "LinearNetwork" else (dims[0] + dims[1]) * dims[2]
        if D <= FRESH_PROCESS_D:
            print(symmetry_case(name, dims, 3), flush=True)
        else:
            out = subprocess.run([sys.executable, __file__, "--symmetry-case", name] + [str(n) for n in dims],
                                 check=True, stdout=subprocess.PIPE, text=True).stdout
            print(out.strip(), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--symmetry-case", nargs="+", metavar=("NAME", "DIMS"),
                        help="run one case of section 4 in this process (what the section runs in a fresh process)")
    args = parser.parse_args()
    if args.symmetry_case:
        print(symmetry_case(args.symmetry_case[0], [int(n) for n in args.symmetry_case[1:]], 1))
        sys.exit(0)
    phases(args.quick)
    baseline()
    scale(args.quick)
    symmetry_laws(args.quick)
