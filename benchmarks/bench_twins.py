"""Benchmark of the numeric twins of the sequence blocks (attention, convolution, residual, sequences).

Run from the repository root:

    python benchmarks/bench_twins.py [--steps 2000] [--N 64]

Prints, for each block, the time of one ``loss_and_grad`` (forward and backward
pass on N samples), the steps/second of gradient descent through ``train`` and
one short gradient flow (its number of gradient evaluations and time).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import sage_conslaw  # noqa: E402,F401
from sage_conslaw.architectures import (Attention, ConvNetwork, MultiHeadAttention, ReLUNetwork,  # noqa: E402
                                        Residual, Sequential)
from sage_conslaw.flows import make_dataset, train  # noqa: E402


def blocks():
    """The blocks benchmarked, by name."""
    return [
        ("Attention(8, 4, 4, 8), L = 8", Attention(8, 4, 4, 8), 8),
        ("MultiHeadAttention(2, 8, 4, 4, 8, bias), L = 8", MultiHeadAttention(2, 8, 4, 4, 8, bias=True), 8),
        ("ConvNetwork(2, 8, 2, 3, 3), T = 16", ConvNetwork(2, 8, 2, 3, 3), 16),
        ("Residual(Attention(8, 4, 4, 8)), L = 8", Residual(Attention(8, 4, 4, 8)), 8),
        ("Sequential([Attention(8,4,4,8), ReLU [8,16,8]]), L = 8",
         Sequential([Attention(8, 4, 4, 8), ReLUNetwork([8, 16, 8])]), 8),
    ]


def bench(name, arch, length, steps, N):
    m = arch.numeric_model(length=length)
    X, Y = make_dataset(m, N, seed=0)
    rng = np.random.default_rng(0)
    theta = rng.normal(size=m.D) * m.initial_scales()
    m.loss_and_grad(theta, X, Y)
    reps = 200
    t0 = time.perf_counter()
    for _ in range(reps):
        m.loss_and_grad(theta, X, Y)
    dg = (time.perf_counter() - t0) / reps
    t1 = time.perf_counter()
    traj = train(m, X, Y, method="gd", eta=0.01, steps=steps, theta0=theta)
    dt = time.perf_counter() - t1
    t2 = time.perf_counter()
    tf = train(m, X, Y, method="flow", horizon=0.5, theta0=theta, rtol=1e-8, atol=1e-10, stop_on_switch=True)
    df = time.perf_counter() - t2
    print("%-55s D=%4d: loss_and_grad %7.1f us; GD %5d steps %6.2f s = %7.0f steps/s; flow T=0.5 %.2f s "
          "(%d evals, drift %.1e)" % (name, m.D, dg * 1e6, steps, dt, steps / dt, df, tf.info["nfev"],
                                      tf.relative_drift().max()))
    return traj


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--N", type=int, default=64)
    a = p.parse_args()
    for name, arch, length in blocks():
        bench(name, arch, length, a.steps, a.N)


if __name__ == "__main__":
    main()
