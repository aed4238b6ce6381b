"""
Benchmark: the certified counts of the tiny GPT block, of its phi
(``tinygpt_phi_count``) and of the network itself (``tinygpt_network_count``,
at its special point), end to end, against one exact rank modulo p of a dense
D x D matrix (LinBox) of the same size, in the same process.

    python benchmarks/bench_modern.py [--shape 16,32,4,8,8,64] [--seeds 0] [--counts phi,network]
                                      [--no-yardstick] [--out FILE.json]

- ``--shape``: vocab, d, heads, d_k, d_v, hidden of ``TinyGPT`` (default: the
  11,360-parameter block of worksheet 10 and doc/modern.rst);
- ``--seeds``: the seeds of the points (comma separated);
- ``--counts``: which counts to time (``phi``, ``network``, comma separated);
- the yardsticks: the LinBox rank of a random dense D x D matrix modulo each
  prime of ``--yardstick-primes`` (default 251, the first prime of the network
  count, held in single precision, and 131071, the prime of the count of phi,
  in double precision); every count's wall time is given as a ratio to each.

Reported per run: wall seconds and CPU seconds of the count, the peak resident
memory of the process so far (ru_maxrss, MB), the load average of the machine
at the start (the machine is shared: say under which load a time was taken).
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


def one_rank(n, p):
    from sage_conslaw.core.modular import linbox_matrix_of_blocks
    M = linbox_matrix_of_blocks([np.random.default_rng(0).integers(0, p, size=(n, n), dtype=np.uint32)], n, p)
    t0, c0 = time.time(), time.process_time()
    r = M.rank()
    return time.time() - t0, time.process_time() - c0, int(r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", default="16,32,4,8,8,64", help="vocab,d,heads,d_k,d_v,hidden")
    ap.add_argument("--seeds", default="0", help="seeds of the points (comma separated)")
    ap.add_argument("--counts", default="phi,network", help="phi, network (comma separated)")
    ap.add_argument("--no-yardstick", action="store_true", help="skip the dense ranks")
    ap.add_argument("--yardstick-primes", default="251,131071", help="primes of the dense ranks (comma separated)")
    ap.add_argument("--out", default=None, help="write the rows as JSON (atomically)")
    args = ap.parse_args()
    import sage.all__sagemath_singular  # noqa: F401
    from sage_conslaw.architectures.gpt import TinyGPT
    from sage_conslaw.torch.modern import tinygpt_network_count, tinygpt_phi_count
    counts = {"phi": ("phi count", tinygpt_phi_count),
              "network": ("network count (special point)", lambda g, seed: tinygpt_network_count(g, seed, progress=False))}
    chosen = [c.strip() for c in args.counts.split(",") if c.strip()]
    for c in chosen:
        if c not in counts:
            ap.error("unknown count %r (phi, network)" % c)
    gpt = TinyGPT(*[int(v) for v in args.shape.split(",")])
    rows = []
    print(gpt)
    for c in chosen:
        what, count = counts[c]
        for seed in [int(s) for s in args.seeds.split(",")]:
            load = os.getloadavg()[0]
            t0, c0 = time.time(), time.process_time()
            res = count(gpt, seed=seed)
            row = dict(what=what, D=gpt.D, seed=seed, laws=res["laws"], rank=res["rank"],
                       certified=res["certified"], wall=round(time.time() - t0, 2),
                       cpu=round(time.process_time() - c0, 2), peak_mb=round(peak_mb()), load=round(load, 2))
            if "rows" in res:
                row["rows"] = res["rows"]
            print(row, flush=True)
            rows.append(row)
    if not args.no_yardstick:
        counted = list(rows)
        for p in [int(q) for q in args.yardstick_primes.split(",")]:
            load = os.getloadavg()[0]
            wall, cpu, r = one_rank(gpt.D, p)
            row = dict(what="one dense rank mod %s (LinBox)" % p, D=gpt.D, rank=r, wall=round(wall, 2),
                       cpu=round(cpu, 2), peak_mb=round(peak_mb()), load=round(load, 2))
            print(row, flush=True)
            rows.append(row)
            for r in counted:
                print("ratio %s / dense rank mod %s (wall): %.2f" % (r["what"], p, r["wall"] / wall))
    if args.out:
        d = os.path.dirname(os.path.abspath(args.out))
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".bench_modern.", suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(rows, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
