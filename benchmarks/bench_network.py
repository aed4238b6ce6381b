"""
Benchmark: the laws of PyTorch MLPs with Dropout, counted and certified as
laws of the network, against one exact rank modulo p of a dense D x D matrix
(LinBox) of the same size, in the same run.

    python benchmarks/bench_network.py [--sizes 16] [--big 100,500,100] [--yardstick 6000] [--out FILE.json]

- ``--sizes``: MLPs 64 -> h -> 10 (biases, ReLU, Dropout(0.2)), counted twice: by
  the route of Theorem 2.14 (sage_conslaw.network.theorems: the structured rank of
  W_phi at theta) and by the rank of the network's own gradient fields
  (``network_trace(..., theorem=False)``), with one LinBox rank of a random D x D
  matrix modulo p.
- ``--big``: one MLP in -> h -> out, ``nn.Sequential(Linear, ReLU, Dropout(0.5),
  Linear)`` (default 100 -> 500 -> 100: D = 100,600), counted by the theorem route
  at a random integer point and at the module's own (float, exact) parameters.  A
  dense D x D matrix modulo p (8 bytes an entry in Sage/LinBox, plus 12 bytes an
  entry of copies on the way in) is allocated only if it fits in the memory budget;
  else the row says how many GB it would take, and the yardstick is the LinBox rank
  of the largest size that fits, capped by ``--yardstick``.

Time in seconds (wall), peak memory: the resident-set maximum of this process so
far (ru_maxrss, MB) after each step.
"""
import argparse
import json
import os
import resource
import tempfile
import time

import numpy as np

#: Bytes an entry of a dense matrix modulo p takes at its peak (the matrix and the copies on the way in).
BYTES_PER_ENTRY = 20


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one_rank(n, p):
    from sage_conslaw.core.modular import linbox_matrix
    A = np.random.default_rng(0).integers(0, p, size=(n, n)).astype(float)
    t0 = time.time()
    r = linbox_matrix(A, p).rank()
    return time.time() - t0, int(r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="16", help="hidden widths h of the small MLPs (comma separated; '' for none)")
    ap.add_argument("--big", default="100,500,100", help="in,h,out of the big MLP ('' for none)")
    ap.add_argument("--yardstick", type=int, default=6000, help="the largest dense rank tried as yardstick")
    ap.add_argument("--out", default=None, help="write the rows as JSON (atomically)")
    args = ap.parse_args()
    import sage_conslaw  # noqa: F401
    import torch
    from torch import nn
    import torch.nn.functional as F
    from sage_conslaw.torch import from_torch
    from sage_conslaw.core.modular import DEFAULT_PRIME
    from sage_conslaw.core.thresholds import memory_budget
    from sage_conslaw.network.certificate import network_trace

    class MLP(nn.Module):
        def __init__(self, h):
            super().__init__()
            self.hidden, self.drop, self.out = nn.Linear(64, h), nn.Dropout(0.2), nn.Linear(h, 10)

        def forward(self, x):
            return self.out(self.drop(F.relu(self.hidden(x))))

    rows = []
    for h in [int(s) for s in args.sizes.split(",") if s]:
        torch.manual_seed(0)
        tm = from_torch(MLP(h))
        t0 = time.time()
        res = tm.model.lie_trace()
        t_thm = time.time() - t0
        t0 = time.time()
        old = network_trace(tm.model.network, theorem=False)
        t_grad = time.time() - t0
        t_rank, r = one_rank(tm.model.D, DEFAULT_PRIME)
        row = dict(mlp="64-%s-10" % h, D=tm.model.D, laws=res.number_of_laws, certified=res.certified,
                   theorem_route=res.reason.startswith("Theorem 2.14"), seconds_theorem=round(t_thm, 2),
                   laws_gradient_route=old.number_of_laws, certified_gradient_route=old.certified,
                   seconds_gradient_route=round(t_grad, 2), one_rank_seconds=round(t_rank, 2), one_rank_value=r,
                   peak_MB=round(peak_mb(), 1))
        print(row, flush=True)
        rows.append(row)
    if args.big:
        m, h, n = [int(s) for s in args.big.split(",")]
        torch.manual_seed(0)
        module = nn.Sequential(nn.Linear(m, h), nn.ReLU(), nn.Dropout(0.5), nn.Linear(h, n))
        before = peak_mb()
        t0 = time.time()
        tm = from_torch(module)
        t_read = time.time() - t0
        D = tm.model.D
        t0 = time.time()
        res = tm.model.lie_trace()
        t_random = time.time() - t0
        theta = tm.exact_theta()
        t0 = time.time()
        own = tm.model.lie_trace(point=theta)
        t_own = time.time() - t0
        row = dict(mlp="Sequential(Linear(%s,%s), ReLU, Dropout(0.5), Linear(%s,%s))" % (m, h, h, n), D=D,
                   laws=res.number_of_laws, certified=res.certified, certificate_scope=res.certificate.scope,
                   theorem_route=res.reason.startswith("Theorem 2.14"), seconds_from_torch=round(t_read, 2),
                   seconds_random_point=round(t_random, 2), laws_at_own_theta=own.number_of_laws,
                   certified_at_own_theta=own.certified, seconds_own_theta=round(t_own, 2),
                   peak_MB_before=round(before, 1), peak_MB=round(peak_mb(), 1))
        need = BYTES_PER_ENTRY * D * D
        budget = memory_budget()
        if need <= budget:
            t_rank, r = one_rank(D, DEFAULT_PRIME)
            row.update(one_rank_seconds=round(t_rank, 2), one_rank_value=r)
        else:
            row.update(one_rank="does not fit: %.0f GB for the %s x %s matrix modulo p (8 bytes an entry; %.0f GB "
                                "with the copies on the way in), %.1f GB available" % (
                                    8 * D * D / 1e9, D, D, need / 1e9, budget / 1e9))
            fits = int((budget / BYTES_PER_ENTRY) ** 0.5)
            k = min(fits, args.yardstick)
            t_rank, r = one_rank(k, DEFAULT_PRIME)
            row.update(yardstick_size=k, largest_size_that_fits=fits, yardstick_rank_seconds=round(t_rank, 2),
                       yardstick_rank_value=r, extrapolated_dense_rank_seconds_at_D=round(t_rank * (D / k) ** 3))
        row.update(peak_MB_after_rank=round(peak_mb(), 1))
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
