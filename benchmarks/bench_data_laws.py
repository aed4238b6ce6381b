"""Benchmark of the laws of a data set (sage_conslaw.datalaws) on load_digits.

Run from the repository root (needs the torch extra and scikit-learn):

    python benchmarks/bench_data_laws.py [--sizes 8:200,32:500,100:400] [--oracle]

For each ``hidden:N``, a PyTorch MLP 64 -> hidden -> 10 with biases (seed 0)
on the first N images (pixels / 16): the certified count of the laws of the
gradient flows on those images at the initial weights, its time and the peak
memory of the process; with ``--oracle``, the count of the independent numeric
oracle of tests/test_data_laws.py (autograd, SVD) for comparison.
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
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = load_digits().data / 16.0
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


if __name__ == "__main__":
    main()
