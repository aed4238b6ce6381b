"""The engine at scale: D from 10^3 to 10^6 against seconds and peak memory.

Each measurement runs in its own process (peak memory = its maximum resident
set size; an address-space limit, ``--memory``), all in one run of this script
so that the ratios are measured on the same loaded machine:

- ``after`` -- the structured trace, :func:`sage_conslaw.core.jets.network_trace`:
  for a square linear network its certificate at the identity point, for
  other linear networks the sign decomposition at a sparse point (no
  elimination, the count proven on a dense open set), for a ReLU network the
  triangular minors of the path lifting and of the known laws at a random point;
- ``random`` -- the same at a random point, where a linear network needs
  random nested brackets and exact elimination (:class:`~sage_conslaw.core.modular.EchelonModP`);
  its count is the *dense* count the ``after`` count must agree with;
- ``before`` -- ``network_trace`` of the package at the commit ``--before-ref``
  (default: the commit before this benchmark's changes), at its default point;
- ``model`` -- what a user types: ``LinearNetwork(dims).lie_trace()`` /
  ``ReLUNetwork(dims, bias=True).lie_trace()``, construction included;
- ``rank`` -- the yardstick: one exact rank modulo p of a random D x D matrix
  (LinBox), where it fits (``--rank-max-D``).

Attention layers and convolutions (``attention``: ``[d_in, heads, d_k, d_v, d_out]``,
``conv``: ``[C_in, C_h, C_out, K1, K2]``):

- ``after`` -- ``model.lie_trace()``: every product of a head traced as the
  two-layer linear network it is, the kernel products of a convolution as the
  ReLU network they are (:func:`sage_conslaw.core.subsets.equivalent_parts_trace`),
  construction included;
- ``before`` -- the generic route of the same tree,
  ``Block.lie_trace(model)``: the direct sum of the symbolic parts of `\phi`,
  each traced on its expanded polynomials (what ``model.lie_trace()`` did
  before the structured route; the count ``after`` must agree with);
- ``rank`` -- as above.

Every count is checked against the known-law count (:func:`known_laws`: the
independent balancedness laws of a linear network, one per hidden neuron for
ReLU) and against the ``random`` count
where it was measured.  The log-log plot (``bench_scale.png``) shows the fitted
exponents of time in D.

Usage::

    python benchmarks/bench_scale.py                          # the table and the plot
    python benchmarks/bench_scale.py --quick                  # small sizes only (a minute)
    python benchmarks/bench_scale.py --from-json benchmarks/bench_scale.json --rst doc/scale_table.inc
    python benchmarks/bench_scale.py --only 'LinearNetwork [50, 40, 60, 30]'   # re-measure rows, keep the rest
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: the commit before the scale work of this benchmark: EchelonModP re-echelonizing everything,
#: dense known-law gradients, no certificate for linear networks
BEFORE_REF = "bb53548"

CASES = [  # (family, dims, bias)
    ("linear", [20, 20, 20, 20], False),
    ("linear", [50, 50, 50, 50], False),
    ("linear", [70, 70, 70, 70], False),
    ("linear", [100, 100, 100, 100], False),
    ("linear", [300, 300, 300], False),
    ("linear", [300, 300, 300, 300], False),
    ("linear", [577, 577, 577, 577], False),
    ("linear", [2, 7, 3, 5], False),          # not square: certified at a sparse point (sign decomposition)
    ("linear", [50, 40, 60, 30], False),
    ("linear", [100, 50, 100, 50], False),
    ("linear", [30, 100, 100, 30], False),
    ("relu", [16, 32, 16], True),
    ("relu", [50, 100, 50], True),
    ("relu", [30, 100, 100, 30], True),
    ("relu", [160, 320, 160], True),
    ("relu", [500, 1000, 500], True),
    # attention [d_in, heads, d_k, d_v, d_out] and convolutions [C_in, C_h, C_out, K1, K2]
    ("attention", [20, 1, 20, 20, 20], False),
    ("attention", [32, 1, 32, 32, 32], False),
    ("attention", [64, 8, 16, 16, 64], False),
    ("attention", [100, 1, 100, 100, 100], False),
    ("attention", [256, 4, 64, 64, 256], False),
    ("attention", [512, 1, 512, 512, 512], False),
    ("attention", [16, 2, 8, 8, 16], True),
    ("conv", [1, 8, 8, 64, 16], False),
    ("conv", [4, 32, 4, 16, 8], True),
    ("conv", [4, 64, 4, 64, 16], True),
    ("conv", [16, 128, 16, 64, 16], False),
    ("conv", [64, 512, 64, 16, 16], False),
]
QUICK = [CASES[0], CASES[7], CASES[11], CASES[12], CASES[16], CASES[23]]

#: the families traced through equivalent models (their "before" is the generic route of the same tree)
BLOCKS = ("attention", "conv")


_CHILD = r"""
import json, resource, sys, time
kind, family, dims, bias = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "1"
t0 = time.time()
import numpy as np
import sage_conslaw
from sage_conslaw.core.jets import NetworkFamily, network_trace
from sage_conslaw.core.modular import linbox_matrix, DEFAULT_PRIME
# warm up: Sage loads lazily what a first trace uses (LinBox, matrix spaces); not counted
network_trace(NetworkFamily("relu", [1, 2, 1], True)); network_trace(NetworkFamily("linear", [2, 2, 2]))
linbox_matrix(np.eye(3), 7).rank()
imports = time.time() - t0
t0 = time.time()
if family in ("attention", "conv"):
    from sage_conslaw.architectures import Attention, MultiHeadAttention, ConvNetwork
    from sage_conslaw.architectures.compose import Block
    Attention(2, 1, 1, 2).lie_trace(); ConvNetwork(1, 2, 1, 2, 2).lie_trace()       # warm up, not counted
    imports += time.time() - t0
    t0 = time.time()
    if family == "attention":
        d_in, heads, d_k, d_v, d_out = dims
        net = (Attention(d_in, d_k, d_v, d_out, bias=bias) if heads == 1
               else MultiHeadAttention(d_in, heads, d_k, d_v, d_out, bias=bias))
    else:
        net = ConvNetwork(*dims, bias=bias)
    res = net.lie_trace() if kind == "after" else Block.lie_trace(net)
    out = dict(D=int(net.D), laws=int(res.number_of_laws), certified=bool(res.certified), dims=res.dimensions)
elif kind in ("after", "before"):
    r = network_trace(NetworkFamily(family, dims, bias))
    out = dict(D=r["D"], laws=r["number_of_laws"], certified=r["certified"], dims=r["dimensions"],
               point=r.get("point", "random"))
elif kind == "random":
    from sage_conslaw.core.points import random_point
    W = NetworkFamily(family, dims, bias)
    r = network_trace(W, point=random_point(W.D, seed=0))
    out = dict(D=r["D"], laws=r["number_of_laws"], certified=r["certified"], dims=r["dimensions"])
elif kind == "model":
    from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
    net = LinearNetwork(dims) if family == "linear" else ReLUNetwork(dims, bias=bias)
    res = net.lie_trace()
    out = dict(D=int(net.D), laws=int(res.number_of_laws), certified=bool(res.certified), dims=res.dimensions)
else:
    D = int(dims[0])
    A = np.floor(np.random.default_rng(0).random((D, D)) * DEFAULT_PRIME)
    t0 = time.time()
    out = dict(D=D, rank=int(linbox_matrix(A, DEFAULT_PRIME).rank()))
out["seconds"] = time.time() - t0
out["imports"] = imports
out["MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
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
        proc = subprocess.run([sys.executable, "-c", _CHILD, kind, family, json.dumps(dims), "1" if bias else "0"],
                              capture_output=True, text=True, timeout=timeout, env=env, cwd=tree or ROOT,
                              preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"failed": "> %d s" % timeout}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    err = proc.stderr.strip().splitlines()
    refused = "refused before allocating" in proc.stderr
    oom = "MemoryError" in proc.stderr or "Unable to allocate" in proc.stderr or proc.returncode in (-9, 137)
    ring = "above the limit 32767" in proc.stderr
    why = ("refused before allocating" if refused else "out of memory (%g GB)" % memory_gb if oom else
           "refused: D above the ring limit 32767" if ring else (err[-1][:70] if err else "exit %s" % proc.returncode))
    return {"failed": "%s after %.0f s" % (why, time.time() - t0)}


def known_laws(family, dims, bias=False):
    """The known-law count: for a linear network, on every hidden layer of width n between widths a and b,
    rk (2 n + 1 - rk) / 2 independent balancedness laws, rk = min(n, a + b) (Proposition 4.2 of the paper,
    layer by layer; n (n + 1) / 2 when n <= a + b); for ReLU, one per hidden neuron."""
    if family == "linear":
        return sum(min(n, a + b) * (2 * n + 1 - min(n, a + b)) // 2 for a, n, b in zip(dims, dims[1:], dims[2:]))
    if family == "attention":
        return _attention_known_laws(dims, bias)
    if family == "conv":
        return dims[1]                       # one rescaling law per hidden channel
    return sum(dims[1:-1])


def _attention_known_laws(dims, bias):
    """Per head, Proposition 4.2 for Q~^T K ((d_in + b) x d_in, r = d_k) and V~^T O ((d_in + b) x d_out,
    r = d_v): rk (2 r + 1 - rk) / 2 with rk = min(n + m, r); with biases, the d_k entries of b_k."""
    d_in, heads, d_k, d_v, d_out = dims
    b = 1 if bias else 0

    def prop42(n, m, r):
        rk = min(n + m, r)
        return rk * (2 * r + 1 - rk) // 2
    return heads * (prop42(d_in + b, d_in, d_k) + prop42(d_in + b, d_out, d_v) + (d_k if bias else 0))


def _class_name(family, dims):
    """The class a row measures."""
    if family == "attention":
        return "Attention" if dims[1] == 1 else "MultiHeadAttention"
    return {"linear": "LinearNetwork", "relu": "ReLUNetwork", "conv": "ConvNetwork"}[family]


def _series(family, dims):
    """The series a row is fitted and drawn in: square and other linear networks apart (other certificates)."""
    return "linear, not square" if family == "linear" and len(set(dims)) > 1 else family


def _D(family, dims, bias):
    """The number of parameters."""
    if family == "attention":
        d_in, heads, d_k, d_v, d_out = dims
        b = 1 if bias else 0
        return heads * (d_in * (2 * d_k + d_v) + d_v * d_out + b * (2 * d_k + d_v)) + b * d_out
    if family == "conv":
        C_in, C_h, C_out, K1, K2 = dims
        return C_h * C_in * K1 + C_out * C_h * K2 + ((C_h + C_out) if bias else 0)
    D = sum(a * b for a, b in zip(dims, dims[1:]))
    return D + (sum(dims[1:-1]) + dims[0] if bias else 0)


def _cell(r, key="seconds"):
    """A table cell: seconds, or MB, or why it failed."""
    if r is None:
        return "not run"
    if "failed" in r:
        return r["failed"] if key == "seconds" else ""
    return "%.2f" % r[key] if key == "seconds" else "%.0f" % r[key]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per measurement (default 300)")
    parser.add_argument("--memory", type=float, default=8, help="GB of address space per measurement (default 8)")
    parser.add_argument("--random-max-D", type=int, default=15000,
                        help="the random point (elimination) up to this D (default 15000)")
    parser.add_argument("--before-max-D", type=int, default=16500, help="the package before up to this D")
    parser.add_argument("--generic-max-D", type=int, default=5000,
                        help="attention, convolutions: the generic route up to this D (default 5000)")
    parser.add_argument("--rank-max-D", type=int, default=11000, help="one dense rank up to this D")
    parser.add_argument("--model-max-D", type=int, default=1100000, help="model.lie_trace() up to this D")
    parser.add_argument("--before-ref", default=BEFORE_REF, help="a git commit: the package before")
    parser.add_argument("--plot", default=os.path.join(ROOT, "benchmarks", "bench_scale.png"))
    parser.add_argument("--json", default=os.path.join(ROOT, "benchmarks", "bench_scale.json"))
    parser.add_argument("--rst", default=None, help="also write the table here (reStructuredText, for doc/)")
    parser.add_argument("--from-json", default=None, help="only print the tables of a saved run")
    parser.add_argument("--only", nargs="*", default=None,
                        help="measure only these networks (e.g. 'LinearNetwork [50, 40, 60, 30]') and replace "
                             "their rows in --json, keeping the others")
    args = parser.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            rows = json.load(f)["rows"]
        _report(rows, args)
        return 0
    tree = checkout(args.before_ref) if args.before_ref else None
    rows, kept = [], {}
    if args.only is not None and os.path.exists(args.json):
        with open(args.json) as f:
            kept = {r["name"]: r for r in json.load(f)["rows"]}
    for family, dims, bias in (QUICK if args.quick else CASES):
        D = _D(family, dims, bias)
        name = "%s %s%s" % (_class_name(family, dims), dims, " bias" if bias else "")
        if args.only is not None and name not in args.only:
            if name in kept:
                rows.append(kept[name])
            continue
        run = lambda kind, cap, tree=None: (measure(kind, family, dims, bias, args.timeout, args.memory, tree)
                                            if D <= cap else None)
        block = family in BLOCKS
        row = dict(name=name, family=family, series=_series(family, dims), D=D, known=known_laws(family, dims, bias),
                   after=run("after", 10 ** 9), model=run("model", 0 if block else args.model_max_D),
                   random=run("random", args.random_max_D if family == "linear" else 0),
                   before=(run("before", args.generic_max_D) if block else
                           run("before", args.before_max_D, tree) if tree else None),
                   rank=measure("rank", "linear", [D], False, args.timeout, args.memory)
                   if D <= args.rank_max_D else None)
        rows.append(row)
        print(json.dumps(row), flush=True)
    tmp = args.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"rows": rows}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, args.json)
    _report(rows, args)
    return 0


def agreement(r):
    """Whether the count agrees with the known-law count and with the random-point count (where measured)."""
    a = r["after"]
    if a is None or "failed" in a:
        return "-"
    ok = [a["laws"] == r["known"] and a["certified"]]
    for key in ("random", "model") + (("before",) if r["family"] in BLOCKS else ()):
        o = r.get(key)
        if o and "failed" not in o:
            ok.append(o["laws"] == a["laws"])
    return "yes" if all(ok) else "NO"


def exponents(rows, key):
    """Least-squares slopes of log(seconds) against log(D), per family, over the measured rows."""
    import numpy as np
    out = {}
    for family in ("linear", "linear, not square", "relu") + BLOCKS:
        if key == "before" and family in BLOCKS:
            continue                    # a few rows of different shapes, not a series in D
        pts = [(r["D"], r[key]["seconds"]) for r in rows
               if r.get("series", r["family"]) == family and r.get(key) and "failed" not in r[key]
               and r[key]["seconds"] > 0.02]
        if len(pts) >= 2:
            x, y = np.log([d for d, _ in pts]), np.log([t for _, t in pts])
            out[family] = float(np.polyfit(x, y, 1)[0])
    return out


def _report(rows, args):
    """Print the table (and write the reStructuredText one), draw the plot."""
    head = ["network", "D", "known laws", "after: s", "after: MB", "model.lie_trace(): s", "model: MB",
            "random point: s", "random: MB", "before: s", "before: MB", "one D x D rank: s", "rank: MB",
            "count (certified)", "agrees"]
    table = []
    for r in rows:
        a = r["after"]
        table.append([r["name"], r["D"], r["known"], _cell(a), _cell(a, "MB"), _cell(r.get("model")),
                      _cell(r.get("model"), "MB"), _cell(r.get("random")), _cell(r.get("random"), "MB"),
                      _cell(r.get("before")), _cell(r.get("before"), "MB"), _cell(r.get("rank")),
                      _cell(r.get("rank"), "MB"),
                      "" if a is None or "failed" in a else "%s (%s)" % (a["laws"], "yes" if a["certified"] else "no"),
                      agreement(r)])
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for t in table:
        print("| " + " | ".join(str(c) for c in t) + " |")
    fits = {key: exponents(rows, key) for key in ("after", "random", "before", "rank")}
    print("fitted exponents of seconds in D:", json.dumps(fits))
    if args.rst:
        lines = [".. list-table:: one run of ``benchmarks/bench_scale.py`` (2 cores shared with other jobs; "
                 "seconds after the imports, peak resident memory of the whole process)", "   :header-rows: 1", ""]
        for t in [head] + table:
            lines.append("   * - %s" % t[0])
            lines += ["     - %s" % (c if str(c) else " ") for c in t[1:]]
        lines += ["", "Fitted exponents of the time in `D` (least squares on the log-log points, per family): "
                  + "; ".join("%s %s" % (key, ", ".join("%s %.2f" % kv for kv in sorted(f.items())))
                              for key, f in fits.items() if f) + "."]
        tmp = args.rst + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, args.rst)
    _plot(rows, fits, args.plot)


def _plot(rows, fits, path):
    """Log-log plot of seconds and peak memory against D, with the fitted exponents."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 6.2))
    series = (("after", "structured trace", "s", "C1"), ("random", "random point (elimination)", "o", "C0"),
              ("before", "before", "v", "C4"), ("rank", "one D x D rank mod p", "^", "C3"))
    for key, label, marker, color in series:
        for family, style in (("linear", "-"), ("linear, not square", ":"), ("relu", "--"), ("attention", "-."),
                              ("conv", (0, (1, 3)))):      # line styles (a tuple: dash pattern)
            pts = sorted((r["D"], r[key]) for r in rows
                         if r.get("series", r["family"]) == family and r.get(key) and "failed" not in r[key])
            if not pts or (key == "rank" and family != "linear"):
                continue
            slope = fits.get(key, {}).get(family)
            name = "%s (%s)%s" % (label, family if key != "rank" else "any", "" if slope is None else
                                  ", D^%.2f" % slope)
            for ax, what in zip(axes, ("seconds", "MB")):
                ax.loglog([d for d, _ in pts], [max(m[what], 1e-3) for _, m in pts], linestyle=style, marker=marker,
                          color=color, label=name)
    for ax, what in zip(axes, ("seconds", "peak memory (MB)")):
        ax.set_xlabel("D (parameters)")
        ax.set_ylabel(what)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()       # one legend below both panels
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7)
    fig.suptitle("Lie trace of linear and ReLU networks, attention, convolutions: growth with D (one run, same machine)")
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)
    print("plot: %s" % path)


if __name__ == "__main__":
    sys.exit(main())
