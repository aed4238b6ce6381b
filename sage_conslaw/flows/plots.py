r"""
Figures (matplotlib, Agg-safe): each function returns a ``Figure``, shown inline
in a worksheet, saved with ``fig.savefig(...)``.

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows import train, plot_trajectory
    sage: traj = train(LinearNetwork([1, 2, 1]), method='gd', eta=0.05, steps=20)
    sage: fig = plot_trajectory(traj)
    sage: [ax.get_xlabel() for ax in fig.axes]
    ['time', 'time']
"""
import numpy as np


def _figure(**kwds):
    """
    A pyplot-free ``Figure``: works without a display and needs no backend switch.

    TESTS::

        sage: from sage_conslaw.flows.plots import _figure
        sage: type(_figure(figsize=(2, 2))).__name__
        'Figure'
    """
    from matplotlib.figure import Figure
    return Figure(**kwds)


def plot_trajectory(traj, max_laws=10, relative=False, figsize=(10, 4)):
    r"""
    Plot the loss and the laws `h(\theta(t)) - h(\theta_{init})` versus time.

    INPUT:

    - ``traj`` -- a :class:`~sage_conslaw.flows.train.Trajectory`
    - ``max_laws`` -- plot at most this many laws (those of largest drift)
    - ``relative`` -- plot the drift divided by `\max(1, |h(\theta_{init})|)`
    - ``figsize`` -- the figure size in inches

    OUTPUT: a matplotlib ``Figure`` with two axes

    EXAMPLES::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.flows import train, plot_trajectory
        sage: traj = train(MatrixFactorization(2, 2, 1), method='gd', eta=0.05, steps=20)
        sage: fig = plot_trajectory(traj)
        sage: import tempfile, os
        sage: f = os.path.join(tempfile.mkdtemp(), 'traj.png'); fig.savefig(f); os.path.exists(f)
        True
    """
    fig = _figure(figsize=figsize)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(traj.times, traj.loss)
    ax1.set_yscale("log" if np.all(traj.loss > 0) else "linear")
    ax1.set_xlabel("time")
    ax1.set_ylabel("loss")
    ax1.set_title("loss (%s)" % traj.method)
    H = traj.laws - traj.laws[0]
    if relative:
        H = H / np.maximum(1.0, np.abs(traj.laws[0]))
    order = np.argsort(-np.max(np.abs(H), axis=0))[:max_laws] if H.shape[1] else []
    for k in order:
        ax2.plot(traj.times, H[:, k], label=str(traj.law_polynomials[k])[:30])
    ax2.set_xlabel("time")
    ax2.set_ylabel("h(theta(t)) - h(theta_init)")
    ax2.set_title("conservation laws")
    if len(order) and len(order) <= 6:
        ax2.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_drift_vs_eta(result, figsize=(5, 4)):
    r"""
    Plot the GD drift versus `\eta` on log-log axes, with the fitted slopes.

    INPUT:

    - ``result`` -- the dict of :func:`~sage_conslaw.flows.train.gd_drift_vs_eta`

    OUTPUT: a matplotlib ``Figure``

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import gd_drift_vs_eta, plot_drift_vs_eta
        sage: res = gd_drift_vs_eta(LinearNetwork([1, 2, 1]), etas=[0.01, 0.02, 0.04], horizon=0.2)
        sage: ax = plot_drift_vs_eta(res).axes[0]
        sage: ax.get_xscale(), ax.get_yscale()
        ('log', 'log')
    """
    fig = _figure(figsize=figsize)
    ax = fig.subplots()
    e = result["etas"]
    ax.loglog(e, result["run_drift"], "o-", label="run drift (fixed horizon), slope %.2f" % result["run_slope"])
    ax.loglog(e, result["step_drift"], "s-", label="one-step drift, slope %.2f" % result["step_slope"])
    ax.set_xlabel("step size eta")
    ax.set_ylabel("max |h(theta_k) - h(theta_ref)|")
    ax.set_title("GD breaks the laws")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_drift_vs_batch_size(result, figsize=(5, 4)):
    r"""
    Plot the SGD drift versus the batch size on log-log axes.

    INPUT:

    - ``result`` -- the dict of :func:`~sage_conslaw.flows.train.sgd_drift_vs_batch_size`

    OUTPUT: a matplotlib ``Figure``

    EXAMPLES::

        sage: from sage_conslaw.flows import plot_drift_vs_batch_size
        sage: import numpy as np
        sage: fig = plot_drift_vs_batch_size({'batch_sizes': np.array([1, 10]), 'drift': np.array([1e-2, 1e-3])})
        sage: fig.axes[0].get_xlabel()
        'batch size'
    """
    fig = _figure(figsize=figsize)
    ax = fig.subplots()
    ax.loglog(result["batch_sizes"], result["drift"], "o-")
    ax.set_xlabel("batch size")
    ax.set_ylabel("mean run drift")
    ax.set_title("SGD drift vs batch size")
    fig.tight_layout()
    return fig


def plot_example_3_8(result, figsize=(5, 4)):
    r"""
    Plot `z(t) = u(t)v(t)` from the parameter flow and from the intrinsic flow.

    INPUT:

    - ``result`` -- the dict of :func:`~sage_conslaw.flows.intrinsic.example_3_8`

    OUTPUT: a matplotlib ``Figure``

    EXAMPLES::

        sage: from sage_conslaw.flows import example_3_8, plot_example_3_8
        sage: len(plot_example_3_8(example_3_8(d=2, horizon=0.5)).axes)
        1
    """
    fig = _figure(figsize=figsize)
    ax = fig.subplots()
    t = result["times"]
    for k in range(result["z_flow"].shape[1]):
        ax.plot(t, result["z_flow"][:, k], "-", label="z_%s: phi(theta(t))" % k)
        ax.plot(t[::3], result["z_intrinsic"][::3, k], "x", label="z_%s: intrinsic flow" % k)
    ax.set_xlabel("time")
    ax.set_title("Example 3.8 (max deviation %.1e)" % result["max_deviation"])
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
