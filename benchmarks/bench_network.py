"""
Benchmark: the laws of a PyTorch MLP with Dropout, counted and certified as
laws of the network (sage_conslaw.network.certificate), against one exact rank
modulo p of a dense D x D matrix (LinBox) of the same size, in the same run.

    python benchmarks/bench_network.py [--sizes 16,32] [--out benchmarks/bench_network.json]

Each size is an MLP 64 -> h -> 10 (biases, ReLU, Dropout(0.2)); time and peak
memory (resident set, this process, ru_maxrss growth is reported per step as
the process maximum so far).
"""
import argparse
import json
import os
import resource
import tempfile
import time

import numpy as np


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="16,48", help="hidden widths h (comma separated)")
    ap.add_argument("--out", default=None, help="write the rows as JSON (atomically)")
    args = ap.parse_args()
    import sage_conslaw  # noqa: F401
    import torch
    from torch import nn
    import torch.nn.functional as F
    from sage_conslaw.torch import from_torch
    from sage_conslaw.core.modular import linbox_matrix, DEFAULT_PRIME

    class MLP(nn.Module):
        def __init__(self, h):
            super().__init__()
            self.hidden, self.drop, self.out = nn.Linear(64, h), nn.Dropout(0.2), nn.Linear(h, 10)

        def forward(self, x):
            return self.out(self.drop(F.relu(self.hidden(x))))

    rows = []
    for h in [int(s) for s in args.sizes.split(",")]:
        torch.manual_seed(0)
        net = MLP(h)
        t0 = time.time()
        tm = from_torch(net)
        res = tm.model.lie_trace()
        t_cert = time.time() - t0
        m_cert = peak_mb()
        D = tm.model.D
        rng = np.random.default_rng(0)
        A = rng.integers(0, DEFAULT_PRIME, size=(D, D)).astype(float)
        t0 = time.time()
        r = linbox_matrix(A, DEFAULT_PRIME).rank()
        t_rank = time.time() - t0
        del A
        row = dict(hidden=h, D=D, laws=res.number_of_laws, certified=res.certified, dimensions=res.dimensions,
                   seconds=round(t_cert, 2), peak_MB_after=round(m_cert, 1), one_rank_seconds=round(t_rank, 2),
                   one_rank_value=int(r), peak_MB_after_rank=round(peak_mb(), 1),
                   ratio=round(t_cert / max(t_rank, 1e-9), 1))
        print(row, flush=True)
        rows.append(row)
    if args.out:
        d = os.path.dirname(os.path.abspath(args.out))
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(rows, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
