r"""
Drift experiments: how the discrete methods break the conservation laws that
the gradient flow keeps, versus the step size and the mini-batch size.

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows.experiments import gd_drift_vs_eta
    sage: res = gd_drift_vs_eta(LinearNetwork([1, 2, 1]), etas=[0.01, 0.02], horizon=0.2)
    sage: bool(res['run_drift'][0] < res['run_drift'][1])
    True
"""
import numpy as np

from sage_conslaw.core import checks
from sage_conslaw.flows.data import initial_point, make_dataset, spawn
from sage_conslaw.flows.descents import progress_bar
from sage_conslaw.flows.models import numeric_model
from sage_conslaw.flows.train import train


def _start(m, X, Y, theta0, seed):
    """
    The data (default: 50 synthetic samples) and the start (default: random) shared by the runs.

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.experiments import _start
        sage: X, Y, th = _start(LinearNetwork([1, 2]).numeric_model(), None, None, None, 0)
        sage: X.shape, Y.shape, th.shape
        ((50, 2), (50, 1), (2,))
    """
    if X is None and Y is None:
        X, Y = make_dataset(m, 50, seed=seed)
    if theta0 is None:
        theta0 = initial_point(m, seed)
    return X, Y, theta0


def gd_drift_vs_eta(model, X=None, Y=None, etas=None, horizon=1.0, theta0=None, seed=0, loss="square",
                    laws=None, progress=False):
    r"""
    Measure how gradient descent breaks the laws, versus the step size.

    For each `\eta`, run GD to the fixed horizon `T` (``round(T/eta)`` steps)
    and record (a) the *run drift* `\max_k \max_h |h(\theta_k) - h(\theta_0)|`
    and (b) the *one-step drift* `\max_k \max_h |h(\theta_{k+1}) - h(\theta_k)|`.
    Then fit the log-log slopes.  Theory: a step changes `h` by
    `\frac{\eta^2}{2} \nabla L^\top \nabla^2 h \nabla L + O(\eta^3)` (since
    `\langle\nabla h, \nabla L\rangle = 0`), so the one-step slope is `2`, and
    the `T/\eta` steps add up to a run drift of slope `1`.

    INPUT:

    - ``model``, ``X``, ``Y``, ``theta0``, ``seed``, ``loss``, ``laws`` -- as in :func:`train`
    - ``etas`` -- the step sizes (default ``np.logspace(-3, -1.5, 5)``)
    - ``horizon`` -- the fixed final time `T`

    OUTPUT: a dict with keys ``etas``, ``run_drift``, ``step_drift``,
    ``run_slope``, ``step_slope``

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import gd_drift_vs_eta
        sage: res = gd_drift_vs_eta(LinearNetwork([2, 3, 2]), etas=[0.004, 0.008, 0.016, 0.032], horizon=0.5)
        sage: round(res['run_slope'], 1), round(res['step_slope'], 1)
        (1.0, 2.0)
    """
    m = numeric_model(model)
    horizon = float(horizon)
    X, Y, theta0 = _start(m, X, Y, theta0, seed)
    etas = np.logspace(-3, -1.5, 5) if etas is None else np.asarray(etas, dtype=float)
    run, step = [], []
    bar = progress_bar(len(etas), progress, "eta")
    for eta in etas:
        steps = int(round(horizon / eta))
        tr = train(m, X, Y, method="gd", eta=float(eta), steps=steps, theta0=theta0, loss=loss, laws=laws,
                   record_every=1)
        run.append(float(tr.drift().max()))
        step.append(float(np.max(np.abs(np.diff(tr.laws, axis=0)))))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    run, step = np.array(run), np.array(step)
    return {"etas": etas, "run_drift": run, "step_drift": step,
            "run_slope": float(np.polyfit(np.log(etas), np.log(run), 1)[0]),
            "step_slope": float(np.polyfit(np.log(etas), np.log(step), 1)[0])}


def sgd_drift_vs_batch_size(model, X=None, Y=None, batch_sizes=None, eta=0.02, horizon=1.0, theta0=None,
                            seed=0, loss="square", laws=None, repeats=3):
    r"""
    Measure the drift of the laws under SGD, versus the mini-batch size.

    For each batch size, SGD runs ``round(horizon/eta)`` steps (``repeats``
    runs with independent batch streams, spawned from ``seed``); the reported drift is the mean over the
    runs of the run drift `\max_k \max_h |h(\theta_k) - h(\theta_0)|`.  The
    full batch is plain GD.  Each SGD step is a gradient step of a sub-loss
    that also factors through `\phi`, so the first-order change of `h`
    still vanishes; the drift comes from `\eta^2 \|\nabla L_B\|^2` terms, which
    are larger for noisier (smaller) batches.

    OUTPUT: a dict with keys ``batch_sizes``, ``drift``

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import sgd_drift_vs_batch_size
        sage: res = sgd_drift_vs_batch_size(LinearNetwork([2, 3, 2]), batch_sizes=[1, 50], horizon=0.5)
        sage: bool(res['drift'][0] > res['drift'][1])
        True
    """
    m = numeric_model(model)
    horizon, eta = float(horizon), float(eta)
    X, Y, theta0 = _start(m, X, Y, theta0, seed)
    if batch_sizes is None:
        batch_sizes = [b for b in (1, 2, 5, 10, 25, 50, 100) if b <= len(X)]
    steps = int(round(horizon / eta))
    runs = spawn(seed, checks.positive_integer(repeats, "repeats"))
    out = []
    for b in batch_sizes:
        ds = [train(m, X, Y, method="sgd", eta=eta, steps=steps, batch_size=int(b), theta0=theta0, loss=loss,
                    laws=laws, seed=run).drift().max() for run in runs]
        out.append(float(np.mean(ds)))
    return {"batch_sizes": np.array(batch_sizes), "drift": np.array(out)}
