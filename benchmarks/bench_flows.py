"""Benchmark of sage_conslaw.flows: 10^4 gradient-descent steps on mid-size networks.

Run from the repository root:

    python benchmarks/bench_flows.py [--steps 10000] [--N 100]

Prints steps/second for GD on the linear and ReLU networks [10, 20, 20, 10]
(D = 800 parameters), laws recorded (about 100 records), plus the raw
gradient evaluation rate and one gradient-flow run for reference.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import sage_conslaw  # noqa: E402,F401
from sage_conslaw.architectures import LinearNetwork, ReLUNetwork  # noqa: E402
from sage_conslaw.flows import make_dataset, numeric_model, relu_region_start, train  # noqa: E402


def bench(arch, steps, N, eta):
    m = numeric_model(arch)
    if getattr(m, "relu", False):
        # a start inside one activation region (the flow through kinks is non-smooth
        # and an adaptive solver crawls there); the flow also stops at a first switch
        X, Y, theta0 = relu_region_start(m, N, seed=0)
    else:
        X, Y = make_dataset(m, N, seed=0)
        theta0 = None
    t0 = time.perf_counter()
    traj = train(m, X, Y, method="gd", eta=eta, steps=steps, theta0=theta0)     # laws compiled inside
    dt = time.perf_counter() - t0
    th = traj.thetas[0]
    t1 = time.perf_counter()
    for _ in range(1000):
        m.loss_and_grad(th, X, Y)
    dg = (time.perf_counter() - t1) / 1000
    t2 = time.perf_counter()
    tf = train(m, X, Y, method="flow", horizon=1.0, theta0=th, rtol=1e-8, atol=1e-10,
               stop_on_switch=True)
    df = time.perf_counter() - t2
    print("%-40s D=%4d N=%d: GD %6d steps in %6.2f s = %8.0f steps/s (loss %.3g -> %.3g, drift %.2e)"
          % (repr(m), m.D, N, steps, dt, steps / dt, traj.loss[0], traj.loss[-1], traj.drift().max()))
    print("%-40s   one loss_and_grad: %.1f us;  flow to T=%.3g (rtol 1e-8): %.2f s, %d rhs evals, "
          "drift %.2e, activation switch: %s"
          % ("", dg * 1e6, tf.times[-1], df, tf.info["nfev"], tf.drift().max(), tf.activation_changed))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=10 ** 4)
    p.add_argument("--N", type=int, default=100)
    p.add_argument("--eta", type=float, default=0.01)
    a = p.parse_args()
    for arch in (LinearNetwork([10, 20, 20, 10]), ReLUNetwork([10, 20, 20, 10])):
        bench(arch, a.steps, a.N, a.eta)


if __name__ == "__main__":
    main()
