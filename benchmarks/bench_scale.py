"""The engine at scale: D against seconds and peak memory, before and after.

Each measurement runs in its own process (peak memory = its maximum resident
set size), all in one run of this script so that the ratios are measured on
the same loaded machine:

- ``before`` -- the generic engine (today's before this change): build
  ``LinearNetwork(dims)`` / ``ReLUNetwork(dims, bias)`` (phi as expanded
  polynomials) and run its ``lie_trace()`` without the structured evaluator
  (Hessians of phi, symbolic brackets); the time includes the build, shown
  apart; skipped above ``--before-max-D`` or stopped at ``--timeout`` / ``--memory``;
- ``after`` -- the structured trace, :func:`sage_conslaw.core.jets.network_trace`
  (matrix products on jets, random nested brackets, LinBox ranks; for ReLU
  networks a triangular minor of path gradients);
- ``model`` -- what a user types: ``LinearNetwork(dims).lie_trace()`` /
  ``ReLUNetwork(dims, bias).lie_trace()``, construction included (shown apart);
- ``rank`` -- the physical limit: one exact rank modulo p of a random D x D
  matrix (LinBox), the last step of any trace at this size;
- ``rigorous`` -- the rigorous method (exact function spaces over QQ) on
  small networks, to show where it stops being feasible.

With ``--before-ref REF`` (a git commit), ``before`` is instead the package
as it was at that commit (``git archive``, imported from a temporary
directory), running ``model.lie_trace()`` as it did then: the baseline of the
same run, on the same machine.

Usage::

    python benchmarks/bench_scale.py                 # the issue's table, plot in bench_scale.png
    python benchmarks/bench_scale.py --quick         # small sizes only (a minute)
    python benchmarks/bench_scale.py --before-ref 3bdb620   # before = the engine when issue 13 was filed
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CASES = [  # (family, dims, bias)
    ("linear", [10, 10, 10, 10], False),
    ("linear", [16, 16, 16], False),
    ("linear", [20, 20, 20, 20], False),
    ("relu", [10, 32, 32, 10], True),
    ("relu", [20, 64, 20], True),
    ("linear", [30, 30, 30, 30], False),
    ("linear", [50, 50, 50, 50], False),
    ("relu", [30, 100, 100, 30], True),
]
QUICK = CASES[:3]
RIGOROUS = [("linear", [2, 2, 2, 2], False), ("linear", [3, 3, 3, 3], False), ("linear", [4, 4, 4, 4], False),
            ("linear", [5, 5, 5, 5], False), ("linear", [6, 6, 6, 6], False)]

_CHILD = r"""
import json, resource, sys, time
import sage_conslaw
kind, family, dims, bias = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "1"
# warm up: Sage imports lazily; load what every path uses before the clock starts
import numpy as np
from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
from sage_conslaw.core.jets import NetworkFamily, network_trace
from sage_conslaw.core.modular import linbox_matrix
LinearNetwork([1, 2, 1]).lie_trace(); ReLUNetwork([1, 2, 1], bias=True).lie_trace()
network_trace(NetworkFamily("relu", [1, 2, 1], True)); linbox_matrix(np.eye(3), 7).rank()
t0 = time.time()
if kind == "after":
    from sage_conslaw.core.jets import NetworkFamily, network_trace
    r = network_trace(NetworkFamily(family, dims, bias))
    out = dict(D=r["D"], laws=r["number_of_laws"], certified=r["certified"], dims=r["dimensions"])
elif kind == "model":
    net = LinearNetwork(dims) if family == "linear" else ReLUNetwork(dims, bias=bias)
    build = time.time() - t0
    res = net.lie_trace()
    out = dict(D=int(net.D), laws=int(res.number_of_laws), certified=bool(res.certified), dims=res.dimensions,
               build=build)
elif kind == "rank":
    import numpy as np
    from sage_conslaw.core.modular import linbox_matrix
    from sage_conslaw.core.modular import DEFAULT_PRIME
    D = int(dims[0])
    A = np.floor(np.random.default_rng(0).random((D, D)) * DEFAULT_PRIME)
    t0 = time.time()
    out = dict(D=D, rank=int(linbox_matrix(A, DEFAULT_PRIME).rank()))
else:
    net = LinearNetwork(dims) if family == "linear" else ReLUNetwork(dims, bias=bias)
    build = time.time() - t0
    net.generators().structured = None     # the generic engine: expanded phi, Hessians, symbolic brackets
    res = net.lie_trace(method="rigorous" if kind == "rigorous" else "auto")
    out = dict(D=int(net.D), laws=int(res.number_of_laws), certified=bool(res.certified), dims=res.dimensions,
               build=build)
out["seconds"] = time.time() - t0
out["MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print("RESULT " + json.dumps(out), flush=True)
"""


_CHILD_REF = r"""
import json, resource, sys, time
import sage_conslaw
family, dims, bias = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "1"
from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
LinearNetwork([1, 2, 1]).lie_trace(); ReLUNetwork([1, 2, 1], bias=True).lie_trace()
t0 = time.time()
net = LinearNetwork(dims) if family == "linear" else ReLUNetwork(dims, bias=bias)
build = time.time() - t0
res = net.lie_trace()
out = dict(D=int(net.D), laws=int(res.number_of_laws), certified=bool(res.certified), dims=res.dimensions,
           build=build, seconds=time.time() - t0,
           MB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
print("RESULT " + json.dumps(out), flush=True)
"""


def checkout(ref):
    """The tree of the commit ``ref`` in a temporary directory (``git archive``): its path."""
    import io
    import tarfile
    import tempfile
    where = tempfile.mkdtemp(prefix="bench_scale_%s_" % ref)
    tar = subprocess.run(["git", "archive", ref, "sage_conslaw"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(where)
    return where


def measure(kind, family, dims, bias, timeout, memory_gb, tree=None):
    """Run one measurement in a fresh process (on the package of ``tree``, default
    this checkout); return its dict, or a dict with 'failed'."""
    def limit():
        import resource
        b = int(memory_gb * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (b, b))
    env = dict(os.environ, PYTHONPATH=(tree or ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.time()
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD_REF if tree else _CHILD, kind, family, json.dumps(dims),
                               "1" if bias else "0"],
                              capture_output=True, text=True, timeout=timeout, env=env, cwd=tree or ROOT,
                              preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"failed": "> %d s" % timeout}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    err = proc.stderr.strip().splitlines()
    oom = ("MemoryError" in proc.stderr or "Malloc" in proc.stderr or "no more memory" in proc.stderr
           or proc.returncode in (-9, 137))            # Python's, Singular's messages, or killed
    refused = "too large to expand" in proc.stderr or "above the limit" in proc.stderr
    why = ("out of memory (%g GB)" % memory_gb if oom else
           "refused (phi too large to expand)" if refused else (err[-1][:60] if err else "exit %s" % proc.returncode))
    return {"failed": "%s after %.0f s" % (why, time.time() - t0)}


def _D(family, dims, bias):
    """The number of parameters."""
    D = sum(a * b for a, b in zip(dims, dims[1:]))
    return D + (sum(dims[1:-1]) + dims[0] if bias else 0)


def _cell(r, key="seconds"):
    """A table cell: seconds (with the build time if any), or MB, or why it failed."""
    if "failed" in r:
        msg = r["failed"]
        if "Malloc" in msg:                 # Singular's out-of-memory message, in older runs
            msg = "out of memory (8 GB) after %s" % msg.split(" after ")[-1]
        return msg if key == "seconds" else ""
    if key == "seconds":
        return "%.2f" % r[key] + (" (build %.1f)" % r["build"] if "build" in r else "")
    return "%.0f" % r[key]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per measurement (default 300)")
    parser.add_argument("--memory", type=float, default=8, help="GB of address space per measurement (default 8)")
    parser.add_argument("--before-max-D", type=int, default=3000,
                        help="skip the generic engine above this D (default 3000: it expands phi)")
    parser.add_argument("--plot", default=os.path.join(ROOT, "benchmarks", "bench_scale.png"))
    parser.add_argument("--json", default=None, help="also write the measurements here")
    parser.add_argument("--rst", default=None, help="also write the table here (reStructuredText, for doc/)")
    parser.add_argument("--from-json", default=None, help="only print the tables of a saved run")
    parser.add_argument("--before-ref", default=None,
                        help="a git commit: 'before' is the package at that commit (default: the generic engine now)")
    args = parser.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        _report(saved["rows"], saved["rigorous"], args)
        return 0
    cases = QUICK if args.quick else CASES
    tree = checkout(args.before_ref) if args.before_ref else None
    rows = []
    for family, dims, bias in cases:
        D = _D(family, dims, bias)
        name = "%s %s%s" % ("LinearNetwork" if family == "linear" else "ReLUNetwork", dims, " bias" if bias else "")
        before = (measure("before", family, dims, bias, args.timeout, args.memory, tree) if D <= args.before_max_D
                  else {"failed": "not run (D > %d)" % args.before_max_D})
        after = measure("after", family, dims, bias, args.timeout, args.memory)
        model = measure("model", family, dims, bias, args.timeout, args.memory)
        rank = measure("rank", "linear", [D], False, args.timeout, args.memory)
        rows.append(dict(name=name, D=D, before=before, after=after, model=model, rank=rank))
        print(json.dumps(rows[-1]), flush=True)
    rig = []
    if not args.quick:
        for family, dims, bias in RIGOROUS:
            r = measure("rigorous", family, dims, bias, 120, args.memory)
            rig.append(dict(name="LinearNetwork %s" % dims, D=_D(family, dims, bias), rigorous=r))
            print(json.dumps(rig[-1]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "rigorous": rig}, f, indent=1)
    _report(rows, rig, args)
    return 0


def _report(rows, rig, args):
    """Print the tables (and write the reStructuredText one), draw the plot."""
    print()
    head = ("| network | D | before s | before MB | after s | after MB | model.lie_trace() s | MB | ratio "
            "| laws (certified) | rank D x D s |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        b, a, m = r["before"], r["after"], r.get("model", {"failed": "not measured"})
        ratio = "%.0fx" % (b["seconds"] / m["seconds"]) if "failed" not in b and "failed" not in m else ""
        laws = "" if "failed" in a else "%s (%s)" % (a["laws"], "yes" if a["certified"] else "no")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], r["D"], _cell(b), _cell(b, "MB"), _cell(a), _cell(a, "MB"), _cell(m), _cell(m, "MB"), ratio,
            laws, _cell(r["rank"])))
    if rig:
        print()
        print("| rigorous method | D | seconds | MB |")
        print("|---|---|---|---|")
        for r in rig:
            print("| %s | %s | %s | %s |" % (r["name"], r["D"], _cell(r["rigorous"]), _cell(r["rigorous"], "MB")))
    if args.rst:
        lines = [".. list-table:: one run of ``benchmarks/bench_scale.py`` (2 cores shared with other jobs)",
                 "   :header-rows: 1", ""]
        table = [["network", "D", "before: s (build)", "before: MB", "after: s", "after: MB",
                  "model.lie_trace(): s (build)", "model: MB", "laws (certified)", "one D x D rank: s"]]
        for r in rows:
            a, m = r["after"], r.get("model", {"failed": "not measured"})
            table.append([r["name"], r["D"], _cell(r["before"]), _cell(r["before"], "MB"), _cell(a), _cell(a, "MB"),
                          _cell(m), _cell(m, "MB"),
                          "" if "failed" in a else "%s (%s)" % (a["laws"], "yes" if a["certified"] else "no"),
                          _cell(r["rank"])])
        for t in table:
            lines.append("   * - %s" % t[0])
            lines += ["     - %s" % (c if str(c) else " ") for c in t[1:]]
        if rig:
            lines += ["", ".. list-table:: the rigorous method (exact function spaces over QQ)", "   :header-rows: 1", "",
                      "   * - network", "     - D", "     - seconds", "     - MB"]
            for r in rig:
                lines += ["   * - %s" % r["name"], "     - %s" % r["D"], "     - %s" % _cell(r["rigorous"]),
                          "     - %s" % _cell(r["rigorous"], "MB")]
        with open(args.rst, "w") as f:
            f.write("\n".join(lines) + "\n")
    _plot(rows, args.plot)


def _plot(rows, path):
    """Log-log plot of seconds and peak memory against D."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    series = (("before", "before", "o", "C0"), ("after", "structured trace", "s", "C1"),
              ("model", "model.lie_trace()", "x", "C2"), ("rank", "one D x D rank mod p", "^", "C3"))
    for key, label, marker, color in series:
        # one line per family (linear solid, ReLU dashed): their costs grow differently
        for family, style in (("Linear", "-"), ("ReLU", "--")):
            pts = sorted((r["D"], r[key]) for r in rows
                         if r["name"].startswith(family) and key in r and "failed" not in r[key])
            if not pts:
                continue
            for ax, what in zip(axes, ("seconds", "MB")):
                ax.loglog([d for d, _ in pts], [m[what] for _, m in pts], style, marker=marker, color=color,
                          label="%s (%s)" % (label, family))
    axes[0].set_xlabel("D (parameters)")
    axes[0].set_ylabel("seconds")
    axes[1].set_xlabel("D (parameters)")
    axes[1].set_ylabel("peak memory (MB)")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Lie trace of linear and ReLU networks: growth with D (one run, same machine)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print("plot: %s" % path)


if __name__ == "__main__":
    sys.exit(main())
