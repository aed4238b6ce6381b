r"""
Figures (matplotlib, Agg-safe): each function returns an :class:`InlineFigure`,
a Matplotlib ``Figure`` that a notebook cell shows as a picture when it is the
cell's value (on the SageMath kernel as on a plain Python one, without
``%matplotlib inline``), saved with ``fig.savefig(...)``.  The layout is
constrained (no clipped labels); a law in a legend is named by its index in
``traj.law_polynomials`` and cut with an ellipsis (:func:`law_label`).

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows import train, plot_trajectory
    sage: traj = train(LinearNetwork([1, 2, 1]), method='gd', eta=0.05, steps=20)
    sage: fig = plot_trajectory(traj)
    sage: [ax.get_xlabel() for ax in fig.axes]
    ['time', 'time']
"""
import io

import numpy as np
from matplotlib.figure import Figure

#: The longest law written in a legend (longer ones end with an ellipsis).
LEGEND_WIDTH = 40


class InlineFigure(Figure):
    r"""
    A Matplotlib ``Figure`` that shows itself as a PNG picture in a notebook.

    It is pyplot-free (no display, no backend switch); Jupyter calls
    :meth:`_repr_png_` when the figure is the value of a cell, on the SageMath
    kernel (whose formatter hands objects that are not Sage's to IPython's) as
    on a plain Python kernel.

    EXAMPLES::

        sage: from sage_conslaw.flows.plots import InlineFigure
        sage: fig = InlineFigure(figsize=(2, 2)); ax = fig.subplots(); _ = ax.plot([0, 1], [1, 0])
        sage: fig._repr_png_()[:8]
        b'\x89PNG\r\n\x1a\n'
    """

    def __init__(self, *args, **kwds):
        r"""
        The arguments of Matplotlib's ``Figure`` (``figsize``, ``layout``, ...).

        TESTS::

            sage: from sage_conslaw.flows.plots import InlineFigure
            sage: InlineFigure(figsize=(3, 2)).get_size_inches().tolist()
            [3.0, 2.0]
        """
        super().__init__(*args, **kwds)

    def _repr_png_(self):
        r"""
        The figure as PNG bytes (what a notebook displays).

        TESTS::

            sage: from sage_conslaw.flows.plots import InlineFigure
            sage: len(InlineFigure(figsize=(1, 1))._repr_png_()) > 100
            True
        """
        buf = io.BytesIO()
        self.savefig(buf, format="png")
        return buf.getvalue()


def new_figure(**kwds):
    """
    A pyplot-free :class:`InlineFigure` with a constrained layout (labels never
    clipped): the figure of every plot of the package.

    EXAMPLES::

        sage: from sage_conslaw.flows.plots import new_figure
        sage: fig = new_figure(figsize=(2, 2)); type(fig).__name__, fig.get_layout_engine().__class__.__name__
        ('InlineFigure', 'ConstrainedLayoutEngine')
    """
    kwds.setdefault("layout", "constrained")
    return InlineFigure(**kwds)


def law_label(k, law, width=LEGEND_WIDTH):
    r"""
    The legend of law number ``k``: ``h_k: `` and the law, cut with an ellipsis
    beyond ``width`` characters (two laws never share a label: ``k`` differs).

    EXAMPLES::

        sage: from sage_conslaw.flows.plots import law_label
        sage: law_label(3, 'u^2 - v^2')
        'h_3: u^2 - v^2'
        sage: law_label(0, 'x' * 50)
        'h_0: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'
    """
    text = " ".join(str(law).split())
    if len(text) > width:
        text = text[:width - 1] + "\u2026"
    return "h_%s: %s" % (k, text)


def plot_trajectory(traj, max_laws=10, relative=False, figsize=(10, 4)):
    r"""
    Plot the loss and the laws `h(\theta(t)) - h(\theta_{init})` versus time.

    INPUT:

    - ``traj`` -- a :class:`~sage_conslaw.flows.train.Trajectory`
    - ``max_laws`` -- plot at most this many laws (those of largest drift)
    - ``relative`` -- plot the drift divided by `\max(1, |h(\theta_{init})|)`
    - ``figsize`` -- the figure size in inches

    OUTPUT: an :class:`InlineFigure` with two axes (the value of a notebook
    cell, it is shown as a picture); the laws of the legend are ``h_k``,
    ``k`` their index in ``traj.law_polynomials``

    EXAMPLES::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.flows import train, plot_trajectory
        sage: traj = train(MatrixFactorization(2, 2, 1), method='gd', eta=0.05, steps=20)
        sage: fig = plot_trajectory(traj)
        sage: fig.axes[1].get_legend_handles_labels()[1]
        ['h_0: U_0_0^2 + U_1_0^2 - V_0_0^2 - V_1_0^2']
        sage: fig._repr_png_()[:4]
        b'\x89PNG'
        sage: import os
        sage: f = os.path.join(tmp_dir(), 'traj.png'); fig.savefig(f); os.path.exists(f)
        True
    """
    fig = new_figure(figsize=figsize)
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
        ax2.plot(traj.times, H[:, k], label=law_label(k, traj.law_polynomials[k]))
    ax2.set_xlabel("time")
    ax2.set_ylabel("h(theta(t)) - h(theta_init)")
    ax2.set_title("conservation laws")
    if len(order) and len(order) <= 6:
        ax2.legend(fontsize="small")
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
    fig = new_figure(figsize=figsize)
    ax = fig.subplots()
    e = result["etas"]
    ax.loglog(e, result["run_drift"], "o-", label="run drift (fixed horizon), slope %.2f" % result["run_slope"])
    ax.loglog(e, result["step_drift"], "s-", label="one-step drift, slope %.2f" % result["step_slope"])
    ax.set_xlabel("step size eta")
    ax.set_ylabel("max |h(theta_k) - h(theta_ref)|")
    ax.set_title("GD breaks the laws")
    ax.legend(fontsize="small")
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
    fig = new_figure(figsize=figsize)
    ax = fig.subplots()
    ax.loglog(result["batch_sizes"], result["drift"], "o-")
    ax.set_xlabel("batch size")
    ax.set_ylabel("mean run drift")
    ax.set_title("SGD drift vs batch size")
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
    fig = new_figure(figsize=figsize)
    ax = fig.subplots()
    t = result["times"]
    for k in range(result["z_flow"].shape[1]):
        ax.plot(t, result["z_flow"][:, k], "-", label="z_%s: phi(theta(t))" % k)
        ax.plot(t[::3], result["z_intrinsic"][::3, k], "x", label="z_%s: intrinsic flow" % k)
    ax.set_xlabel("time")
    ax.set_title("Example 3.8 (max deviation %.1e)" % result["max_deviation"])
    ax.legend(fontsize="small")
    return fig


# Matplotlib writes a ``set`` method with its own cross-references into every
# subclass of an artist; the documentation of this package only says what it is.
InlineFigure.set.__doc__ = "Set several properties of the figure at once (Matplotlib's ``Artist.set``)."
