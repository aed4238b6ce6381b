"""Benchmark of the laws of a data set (sage_conslaw.datalaws) on load_digits.

Run from the repository root (needs the torch extra and scikit-learn):

    python benchmarks/bench_data_laws.py [--sizes 8:200,32:500,100:400] [--oracle] [--graph]

For each ``hidden:N``, a PyTorch MLP 64 -> hidden -> 10 with biases (seed 0)
on the first N images (pixels / 16): the certified count of the laws of the
gradient flows on those images at the initial weights, its time and the peak
memory of the process; with ``--oracle``, the count of the independent numeric
oracle of tests/test_data_laws.py (autograd, SVD) for comparison.

With ``--graph``, the networks of the graph route (sage_conslaw.datalaws.graph)
on the digits instead: the MLP through its network graph (against the layered
route), a Conv1d(1, 4, 5)-ReLU-Flatten-Linear network on the images read as
sequences of 64 pixels, and the MLP with Dropout and a ReLU on its outputs
(every mask: sampled, hence the honest bounds).
"""
import argparse
import os
import resource
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from torch import nn  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import sage_conslaw  # noqa: E402,F401
from sage_conslaw.datalaws import data_lie_trace  # noqa: E402
from sage_conslaw.torch import from_torch  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="8:200,32:500,100:400", help="hidden:N pairs, comma-separated")
    parser.add_argument("--oracle", action="store_true", help="also run the numeric autograd oracle")
    parser.add_argument("--graph", action="store_true", help="the networks of the graph route instead")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = load_digits().data / 16.0
    if args.graph:
        return graph_cases(X)
    print("%8s %6s %6s %6s %9s %9s %9s %s" % ("hidden", "N", "D", "laws", "certified", "seconds", "peak GB",
                                             "oracle"))
    for pair in args.sizes.split(","):
        hidden, N = (int(t) for t in pair.split(":"))
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10)).double()
        tm = from_torch(net)
        start = time.time()
        res = data_lie_trace(tm, X[:N])
        seconds = time.time() - start
        oracle = ""
        if args.oracle:
            sys.path.insert(0, os.path.join(ROOT, "tests"))
            from test_data_laws import oracle_data_laws
            laws, gap = oracle_data_laws(net, X[:N], depth=2)
            oracle = "%s (gap %.1e)" % (laws, gap)
        print("%8s %6s %6s %6s %9s %9.1f %9.2f %s" % (hidden, N, tm.model.D, res.number_of_laws, res.certified,
                                                     seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
                                                     oracle), flush=True)


def graph_cases(X):
    """The graph route on the digits (see the module documentation)."""
    from sage_conslaw.datalaws.graph import graph_data_trace
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 10)).double()
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv1d(1, 4, 5), nn.ReLU(), nn.Flatten(), nn.Linear(240, 10)).double()
    torch.manual_seed(0)
    drop = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 10), nn.ReLU()).double()
    print("%-28s %5s %6s %6s %10s %9s %9s %9s" % ("network", "N", "pairs", "D", "laws", "certified", "seconds",
                                                  "peak GB"))
    for name, net, N, shape in (("MLP 64-8-10 (graph)", mlp, 200, (64,)), ("Conv1d(1,4,5)-Linear", conv, 100, (1, 64)),
                                ("MLP + Dropout + output ReLU", drop, 200, (64,))):
        tm = from_torch(net)
        start = time.time()
        res = graph_data_trace(tm.model, X[:N].reshape((N,) + shape), point=tm.exact_theta())
        laws = res.number_of_laws if res.certified else "%s-%s" % (res.lower, res.upper)
        print("%-28s %5s %6s %6s %10s %9s %9.1f %9.2f" % (name, N, res.data_model.pairs, tm.model.D, laws,
                                                          res.certified, time.time() - start,
                                                          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6),
              flush=True)


if __name__ == "__main__":
    main()
