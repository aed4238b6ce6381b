r"""
Training: gradient flow, gradient descent, SGD and heavy-ball momentum, with the
conservation laws recorded along the way.

The gradient flow `\dot\theta = -\nabla L(\theta)` is integrated by
``scipy.integrate.solve_ivp`` (adaptive, ``DOP853`` by default, with the
stated ``rtol``/``atol``); the laws `h` then hold up to the solver's error.
Discrete methods break them: one GD step changes a quadratic law by
`O(\eta^2)` (the first-order term `\langle\nabla h, \nabla L\rangle` vanishes),
so at a fixed horizon `T` (`T/\eta` steps) the drift is `O(\eta)`; see
:func:`gd_drift_vs_eta`.

ReLU networks: the path-product `\phi` describes the network on a region where
no hidden pre-activation changes sign.  The trajectory records whether it
stayed in its initial region: for the flow, an event function of
``solve_ivp`` (the smallest pre-activation times its initial sign, over the
entries that start nonzero) detects any sign change *between* the recorded
times, and entries that start at exactly `0` (a zero neuron) must stay at
exactly `0`; for the discrete methods, the pattern is compared at every
iterate.  The flag is ``Trajectory.activation_changed``.  To *stay* in a
region, start with a margin: e.g. :func:`make_dataset` data with a short
horizon, or positive inputs and positive incoming weights (all neurons
active), as the tests do.

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows import train, make_dataset
    sage: net = LinearNetwork([2, 3, 2])
    sage: X, Y = make_dataset(net, 20, seed=1)
    sage: traj = train(net, X, Y, method='flow', horizon=1.0, rtol=1e-10, atol=1e-12)
    sage: traj
    Trajectory of flow on numeric linear network [2, 3, 2] (D = 12): 101 records, t in [0, 1], loss ... -> ..., 6 laws, max drift ...
    sage: bool(traj.drift().max() < 1e-8)
    True
    sage: bool(traj.loss[-1] < traj.loss[0])
    True
"""
import numpy as np

from sage_conslaw.flows.models import LOSSES, CompiledPolynomials, numeric_model

METHODS = ("flow", "gd", "sgd", "momentum")


class Trajectory:
    r"""
    A recorded training run.

    Attributes: ``times`` (``T``), ``loss`` (``T``), ``laws`` (``T x n_laws``),
    ``thetas`` (``T x D`` or ``None``), ``law_polynomials`` (the Sage
    polynomials, one per column), ``method``, ``activation_changed``
    (``True``/``False`` for ReLU networks, ``None`` otherwise) and ``info``
    (a dict: solver statistics, parameters).

    EXAMPLES::

        sage: from sage_conslaw.architectures import ScalarTimesVector
        sage: from sage_conslaw.flows import train, make_dataset
        sage: m = ScalarTimesVector(2)
        sage: X, Y = make_dataset(m, 10, seed=0)
        sage: traj = train(m, X, Y, method='gd', eta=0.01, steps=50, theta0=[1, 1/2, -1])
        sage: traj.times.shape, traj.laws.shape, traj.thetas.shape
        ((51,), (51, 1), (51, 3))
        sage: traj.law_polynomials
        [u_0^2 - v_0^2 - v_1^2]
        sage: float(traj.laws[0, 0])
        -0.25
    """

    def __init__(self, times, loss, laws, thetas, law_polynomials, method, model,
                 activation_changed=None, info=None):
        self.times = np.asarray(times, dtype=float)
        self.loss = np.asarray(loss, dtype=float)
        self.laws = np.asarray(laws, dtype=float).reshape(len(self.times), -1)
        self.thetas = None if thetas is None else np.asarray(thetas, dtype=float)
        self.law_polynomials = list(law_polynomials)
        self.method = method
        self.model = model
        self.activation_changed = activation_changed
        self.info = dict(info or {})

    def __repr__(self):
        dr = self.drift()
        return ("Trajectory of %s on %r: %s records, t in [%g, %g], loss %.4g -> %.4g, %s laws, max drift %s"
                % (self.method, self.model, len(self.times), self.times[0], self.times[-1],
                   self.loss[0], self.loss[-1], self.laws.shape[1],
                   "%.3g" % dr.max() if dr.size else "-"))

    def drift(self):
        r"""
        Return `\max_t |h(\theta(t)) - h(\theta_{init})|` for each law (a numpy array).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows import train, make_dataset
            sage: mf = MatrixFactorization(2, 2, 1)
            sage: X, Y = make_dataset(mf, 10, seed=0)
            sage: d = train(mf, X, Y, method='gd', eta=0.1, steps=20).drift()
            sage: d.shape, bool(0 < d[0] < 0.1)
            ((1,), True)
        """
        if self.laws.shape[1] == 0:
            return np.zeros(0)
        return np.max(np.abs(self.laws - self.laws[0]), axis=0)

    def relative_drift(self):
        r"""
        Return the drift of each law divided by `\max(1, |h(\theta_{init})|)`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows import train, make_dataset
            sage: mf = MatrixFactorization(2, 2, 1)
            sage: X, Y = make_dataset(mf, 10, seed=0)
            sage: t = train(mf, X, Y, method='gd', eta=0.1, steps=5)
            sage: bool((t.relative_drift() <= t.drift()).all())
            True
        """
        return self.drift() / np.maximum(1.0, np.abs(self.laws[0]))

    def phi(self):
        r"""
        Return `z(t) = \phi(\theta(t))` at the recorded times (``T x d``).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: from sage_conslaw.flows import train, make_dataset
            sage: m = ScalarTimesVector(1)
            sage: X, Y = make_dataset(m, 5, seed=0)
            sage: train(m, X, Y, method='gd', eta=0.1, steps=3, theta0=[2, 3]).phi()[0].tolist()
            [6.0]
        """
        if self.thetas is None:
            raise ValueError("this trajectory did not record the parameters (record_thetas=False)")
        return self.model.phi(self.thetas)

    def plot(self, **kwds):
        r"""
        Plot the loss and the laws versus time; see :func:`~sage_conslaw.flows.plots.plot_trajectory`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows import train, make_dataset
            sage: mf = MatrixFactorization(2, 2, 1)
            sage: X, Y = make_dataset(mf, 10, seed=0)
            sage: fig = train(mf, X, Y, method='gd', eta=0.1, steps=5).plot()
            sage: len(fig.axes)
            2
        """
        from sage_conslaw.flows.plots import plot_trajectory
        return plot_trajectory(self, **kwds)


# ---------------------------------------------------------------------------
# input checking
# ---------------------------------------------------------------------------

def _as_theta(theta0, D):
    if hasattr(theta0, "list") and callable(theta0.list):
        theta0 = theta0.list()
    try:
        vals = [float(x) for x in theta0]
    except TypeError:
        raise TypeError("theta0 must be a sequence of %s numbers (e.g. model.point(...)), got %r" % (D, theta0))
    if len(vals) != D:
        raise ValueError("theta0 has %s coordinates, but the model has D = %s parameters" % (len(vals), D))
    theta = np.array(vals, dtype=float)
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite coordinates")
    return theta


def _real(x, name):
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError("%s must be a real number, got %r" % (name, x))


def _check_data(m, X, Y, loss):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2:
        raise ValueError("X must have shape (N, input dim), got shape %s" % (X.shape,))
    if Y.ndim == 1 and Y.shape[0] == X.shape[0] and getattr(m, "output_dim", None) in (1, None):
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError("Y must have shape (N, output dim), got shape %s" % (Y.shape,))
    if X.shape[0] != Y.shape[0]:
        raise ValueError("X and Y must have the same number N of rows, got %s and %s" % (X.shape[0], Y.shape[0]))
    if X.shape[0] == 0:
        raise ValueError("the dataset is empty")
    if getattr(m, "input_dim", None) is not None and X.shape[1] != m.input_dim:
        raise ValueError("X must have shape (N, %s) for this model (input dim %s), got %s"
                         % (m.input_dim, m.input_dim, X.shape))
    if getattr(m, "output_dim", None) is not None and Y.shape[1] != m.output_dim:
        raise ValueError("Y must have shape (N, %s) for this model (output dim %s), got %s"
                         % (m.output_dim, m.output_dim, Y.shape))
    if loss not in LOSSES:
        raise ValueError("unknown loss %r; use one of %s" % (loss, ", ".join(map(repr, LOSSES))))
    if loss == "logistic" and not np.all(np.isin(Y, (-1.0, 1.0))):
        raise ValueError("the logistic loss needs labels Y in {-1, +1}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        raise ValueError("X and Y must be finite")
    return X, Y


def initial_point(model, seed=0, scale=None):
    r"""
    Return a random float initialization `\theta_0` (Gaussian, reproducible from ``seed``).

    INPUT:

    - ``model`` -- a model as accepted by :func:`train`
    - ``seed`` -- an integer
    - ``scale`` -- the standard deviation of every coordinate; by default, for
      layered networks, `1/\sqrt{n_i}` for the entries of `U_i` (fan-in; `U_i`
      is `n_{i-1} \times n_i`) and for the biases of layer `i`, and `1/2` otherwise

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import initial_point
        sage: th = initial_point(LinearNetwork([2, 4, 2]), seed=3)
        sage: th.shape, bool((th == initial_point(LinearNetwork([2, 4, 2]), seed=3)).all())
        ((16,), True)
    """
    m = numeric_model(model)
    g = np.random.default_rng(int(seed)).standard_normal(m.D)
    if scale is not None:
        return g * float(scale)
    return g * m.initial_scales()


def make_dataset(model, N, seed=0, task="regression", noise=0.0, input_dim=None):
    r"""
    Return a synthetic dataset ``(X, Y)`` for ``model``, reproducibly.

    `X` is standard Gaussian; `Y` is the output of a random *teacher* of the
    same architecture (its parameters drawn from ``seed``), plus Gaussian noise
    of standard deviation ``noise`` for regression, or its sign (labels
    `\pm 1`) for classification.

    INPUT:

    - ``model`` -- a model as accepted by :func:`train`
    - ``N`` -- the number of samples
    - ``seed`` -- an integer
    - ``task`` -- ``'regression'`` or ``'classification'``
    - ``noise`` -- label noise (regression)
    - ``input_dim`` -- needed for a model ``(phi, f, grad_f)`` only

    OUTPUT: ``(X, Y)`` of shapes ``(N, input dim)``, ``(N, output dim)``

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows import make_dataset
        sage: X, Y = make_dataset(ReLUNetwork([2, 3, 4]), 7, seed=1)
        sage: X.shape, Y.shape
        ((7, 4), (7, 2))
        sage: X, Y = make_dataset(ReLUNetwork([1, 3, 4]), 7, seed=1, task='classification')
        sage: sorted(set(Y.ravel().tolist())) in ([-1.0, 1.0], [-1.0], [1.0])
        True
        sage: make_dataset(ReLUNetwork([1, 3, 4]), 7, task='ranking')
        Traceback (most recent call last):
        ...
        ValueError: task must be 'regression' or 'classification', got 'ranking'
    """
    if task not in ("regression", "classification"):
        raise ValueError("task must be 'regression' or 'classification', got %r" % (task,))
    if int(N) != N or N < 1:
        raise ValueError("N must be a positive integer, got %s" % (N,))
    m = numeric_model(model)
    n_in = m.input_dim if getattr(m, "input_dim", None) is not None else input_dim
    if n_in is None:
        raise ValueError("give input_dim for a model (phi, f, grad_f)")
    rng = np.random.default_rng(int(seed))
    X = rng.standard_normal((int(N), int(n_in)))
    teacher = initial_point(m, seed=int(seed) + 10 ** 6)
    Y = m.forward(teacher, X)
    if task == "classification":
        Y = np.where(Y >= 0, 1.0, -1.0)
    elif noise:
        Y = Y + noise * rng.standard_normal(Y.shape)
    return X, Y


def relu_region_start(model, N=50, seed=0, task="regression", margin=0.5):
    r"""
    Return ``(X, Y, theta0)`` for a ReLU network, with every hidden pre-activation
    at least ``margin``-ish away from `0` at the start.

    The inputs are positive (`|g| + 1/2` with `g` Gaussian) and all the weights
    *into* hidden layers (`U_2, \dots, U_q`, and the biases `b_i`) are positive,
    (entries `(|g| + margin)/n_i` for `U_i`, `n_i` its fan-in), so every hidden
    neuron is active on every sample with a margin; the output
    weights `U_1` (and `c`) are Gaussian.  The labels come from a generic ReLU
    teacher, so the student must move.  Staying in the region along a finite
    horizon is then checked by :func:`train` (``activation_changed``), not assumed.

    INPUT:

    - ``model`` -- a :class:`~sage_conslaw.architectures.ReLUNetwork` (or its numeric model)
    - ``N``, ``seed``, ``task`` -- as in :func:`make_dataset`
    - ``margin`` -- the offset of the inputs and incoming weights

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows import relu_region_start, numeric_model
        sage: net = ReLUNetwork([2, 3, 3, 2], bias=True)
        sage: X, Y, th = relu_region_start(net, 10, seed=1)
        sage: bool((numeric_model(net).preactivations(th, X) > 0.1).all())
        True
    """
    m = numeric_model(model)
    if not getattr(m, "relu", False):
        raise ValueError("relu_region_start needs a ReLU network, got %r" % (m,))
    seed, N, margin = int(seed), int(N), float(margin)
    rng = np.random.default_rng(seed + 7)
    X = np.abs(rng.standard_normal((N, m.input_dim))) + margin
    teacher = initial_point(m, seed=seed + 10 ** 6)
    Y = m.forward(teacher, X)      # a generic teacher on the same inputs
    Y = Y - Y.mean(axis=0)
    if task == "classification":
        Y = np.where(Y >= 0, 1.0, -1.0)
    theta = initial_point(m, seed=seed)
    for P in m.incoming():
        s = P.slice
        if P.role == "weight":
            n = m.dims[P.layer]
            theta[s] = (np.abs(theta[s]) * np.sqrt(n) + margin) / n
        else:
            theta[s] = np.abs(theta[s]) + margin
    return X, Y, theta


# ---------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------

def _law_evaluator(m, laws):
    rp = m.reparametrization
    polys = list(rp.known_conservation_laws()) if rp is not None else []
    R = rp.polynomial_ring() if rp is not None else None
    for h in (laws or []):
        if R is not None and hasattr(h, "parent") and h.parent() is not R:
            try:
                h = R(h)
            except (TypeError, ValueError):
                raise TypeError("the law %s is not a polynomial of %s" % (h, R))
        polys.append(h)
    if not polys:
        return [], (lambda T: np.zeros((np.atleast_2d(T).shape[0], 0)))
    return polys, CompiledPolynomials(polys, R if R is not None else polys[0].parent())


def _progress(total, progress, desc):
    if not progress:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc)


def train(model, X=None, Y=None, method="flow", eta=0.01, horizon=None, steps=None, batch_size=None,
          momentum=0.9, theta0=None, seed=0, loss="square", laws=None, rtol=1e-10, atol=1e-12,
          solver="DOP853", record_every=None, records=100, record_thetas=True, N=50,
          task="regression", progress=False, stop_on_switch=False, max_nfev=10 ** 6):
    r"""
    Train ``model`` and record its loss and conservation laws along the way.

    INPUT:

    - ``model`` -- a :class:`~sage_conslaw.architectures.LinearNetwork`,
      :class:`~sage_conslaw.architectures.ReLUNetwork`,
      :class:`~sage_conslaw.architectures.MatrixFactorization`,
      :class:`~sage_conslaw.architectures.ScalarTimesVector`, or
      ``(phi, f, grad_f)``: a Reparametrization ``phi``, a callable ``f(z, X)``
      (predictions ``(N, output dim)``) and its Jacobian ``grad_f(z, X)``
      (shape ``(N, output dim, d)``)
    - ``X``, ``Y`` -- arrays ``(N, input dim)``, ``(N, output dim)``; if both are
      ``None``, a synthetic dataset ``make_dataset(model, N, seed, task)``
    - ``method`` -- ``'flow'`` (``solve_ivp``), ``'gd'``, ``'sgd'`` or ``'momentum'`` (heavy ball)
    - ``eta`` -- the step size of the discrete methods
    - ``horizon`` -- the final time `T` (flow; discrete methods: ``steps = round(T/eta)``);
      default ``1.0`` for the flow
    - ``steps`` -- the number of steps of the discrete methods (default 100); for
      the flow, the number of recorded intervals (default ``records``)
    - ``batch_size`` -- the mini-batch size of SGD (default ``max(1, N // 10)``);
      each step draws a batch without replacement
    - ``momentum`` -- `\beta` of the heavy ball `v \leftarrow \beta v - \eta\nabla L`, `\theta \leftarrow \theta + v`
    - ``theta0`` -- the initialization: ``model.point(...)`` or any length-`D`
      sequence (floats allowed); default :func:`initial_point` ``(model, seed)``
    - ``seed`` -- seeds the initialization, the synthetic data and the SGD batches
    - ``loss`` -- ``'square'`` (regression) or ``'logistic'`` (labels `\pm 1`)
    - ``laws`` -- extra Sage polynomials to record (after the known laws of the model)
    - ``rtol``, ``atol`` -- tolerances of the flow's adaptive solver
    - ``solver`` -- the ``solve_ivp`` method (default ``'DOP853'``)
    - ``record_every`` -- discrete methods: record every so many steps
      (default: about ``records`` records)
    - ``record_thetas`` -- keep the parameters of every record
    - ``progress`` -- show a ``tqdm`` progress bar
    - ``stop_on_switch`` -- flow of a ReLU network: stop the integration at the
      first change of activation pattern (the trajectory then ends there)
    - ``max_nfev`` -- flow: give up (``RuntimeError``) after that many gradient
      evaluations; a ReLU flow that reaches a kink where the dynamics slide along
      `\{a = 0\}` makes an adaptive solver crawl (use ``stop_on_switch=True``)

    OUTPUT: a :class:`Trajectory` (time of step `k` is `k\eta`)

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows import train, make_dataset
        sage: from sage_conslaw.flows import relu_region_start
        sage: net = ReLUNetwork([1, 3, 2])
        sage: X, Y, theta0 = relu_region_start(net, 30, seed=2)
        sage: traj = train(net, X, Y, method='flow', horizon=0.5, theta0=theta0)
        sage: traj.activation_changed, bool(traj.drift().max() < 1e-8)
        (False, True)

    Generic data and initialization: activations may switch (and are reported)::

        sage: X, Y = make_dataset(net, 30, seed=2)
        sage: traj = train(net, X, Y, method='flow', horizon=5.0, seed=1)
        sage: traj.activation_changed
        True
        sage: t2 = train(net, X, Y, method='flow', horizon=5.0, seed=1, stop_on_switch=True)
        sage: t2.activation_changed, bool(t2.times[-1] < 5), bool(t2.times[-1] == t2.info['first_switch_time'])
        (True, True, True)
        sage: t2 = train(net, X, Y, method='sgd', eta=0.05, steps=40, batch_size=5, seed=1)
        sage: len(t2.times), bool(t2.drift().max() > 0)
        (41, True)
        sage: t3 = train(net, X, Y, method='momentum', eta=0.05, steps=40, seed=1)
        sage: bool(t3.loss[-1] < t3.loss[0])
        True

    With extra laws, e.g. found by Algorithm 1::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: net = LinearNetwork([1, 2, 1])
        sage: extra = net.polynomial_conservation_laws(2)
        sage: traj = train(net, method='flow', horizon=0.5, laws=extra)
        sage: traj.laws.shape[1] == 3 + len(extra)
        True

    Bad input::

        sage: train(net, method='adam')
        Traceback (most recent call last):
        ...
        ValueError: unknown method 'adam'; use one of 'flow', 'gd', 'sgd', 'momentum'
        sage: train(net, theta0=[1, 2, 3])
        Traceback (most recent call last):
        ...
        ValueError: theta0 has 3 coordinates, but the model has D = 4 parameters
        sage: import numpy as np
        sage: train(net, np.zeros((5, 2)), np.zeros((5, 1)))
        Traceback (most recent call last):
        ...
        ValueError: X must have shape (N, 1) for this model (input dim 1), got (5, 2)
    """
    if method not in METHODS:
        raise ValueError("unknown method %r; use one of %s" % (method, ", ".join(map(repr, METHODS))))
    m = numeric_model(model)
    eta, momentum, rtol, atol = _real(eta, "eta"), _real(momentum, "momentum"), _real(rtol, "rtol"), _real(atol, "atol")
    horizon = None if horizon is None else _real(horizon, "horizon")
    seed = int(seed)
    if (X is None) != (Y is None):
        raise ValueError("give both X and Y, or neither (synthetic data)")
    if X is None:
        X, Y = make_dataset(m, N, seed=seed, task=task)
    X, Y = _check_data(m, X, Y, loss)
    theta = initial_point(m, seed) if theta0 is None else _as_theta(theta0, m.D)
    law_polys, H = _law_evaluator(m, laws)
    if method == "flow":
        return _train_flow(m, X, Y, theta, loss, law_polys, H, horizon, steps or records, rtol, atol,
                           solver, record_thetas, progress, bool(stop_on_switch), int(max_nfev))
    for name, val in (("eta", eta),):
        if not (np.isfinite(val) and val > 0):
            raise ValueError("%s must be a positive number, got %r" % (name, val))
    if steps is None:
        steps = int(round(horizon / eta)) if horizon is not None else 100
    if int(steps) != steps or steps < 0:
        raise ValueError("steps must be a nonnegative integer, got %r" % (steps,))
    steps = int(steps)
    if record_every is None:
        record_every = max(1, steps // max(1, records))
    Nn = X.shape[0]
    if method == "sgd":
        if batch_size is None:
            batch_size = max(1, Nn // 10)
        if int(batch_size) != batch_size or not 1 <= batch_size <= Nn:
            raise ValueError("batch_size must be an integer in [1, N = %s], got %r" % (Nn, batch_size))
        batch_size = int(batch_size)
    if method == "momentum" and not 0 <= momentum < 1:
        raise ValueError("momentum must be in [0, 1), got %r" % (momentum,))
    rng = np.random.default_rng(int(seed) + 1)
    pattern0 = m.activation_pattern(theta, X)
    changed = False if pattern0 is not None else None
    times, losses, thetas = [], [], []
    vel = np.zeros_like(theta)
    bar = _progress(steps, progress, method)
    L, g = m.loss_and_grad(theta, X, Y, loss)
    for k in range(steps + 1):
        if k % record_every == 0 or k == steps:
            times.append(k * eta)
            losses.append(L)
            thetas.append(theta.copy())
        if k == steps:
            break
        if method == "sgd":
            idx = rng.choice(Nn, size=batch_size, replace=False)
            _, g = m.loss_and_grad(theta, X[idx], Y[idx], loss)
        if method == "momentum":
            vel = momentum * vel - eta * g
            theta = theta + vel
        else:
            theta = theta - eta * g
        with np.errstate(over="ignore", invalid="ignore"):
            L, g = m.loss_and_grad(theta, X, Y, loss)
        if not np.isfinite(L):
            raise FloatingPointError("the loss diverged at step %s (eta = %g too large?)" % (k + 1, eta))
        if pattern0 is not None and not changed:
            changed = bool(np.any(m.activation_pattern(theta, X) != pattern0))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    thetas = np.array(thetas)
    info = {"eta": eta, "steps": steps, "record_every": record_every, "loss": loss}
    if method == "sgd":
        info["batch_size"] = batch_size
    if method == "momentum":
        info["momentum"] = momentum
    return Trajectory(times, losses, H(thetas), thetas if record_thetas else None, law_polys, method, m,
                      activation_changed=changed, info=info)


def _train_flow(m, X, Y, theta, loss, law_polys, H, horizon, records, rtol, atol, solver,
                record_thetas, progress, stop_on_switch=False, max_nfev=10 ** 6):
    from scipy.integrate import solve_ivp
    if horizon is None:
        horizon = 1.0
    if not (np.isfinite(horizon) and horizon > 0):
        raise ValueError("horizon must be a positive number, got %r" % (horizon,))
    t_eval = np.linspace(0.0, float(horizon), int(records) + 1)
    bar = _progress(100, progress, "flow")
    state = {"last": 0, "nfev": 0}

    def rhs(t, th):
        state["nfev"] += 1
        if state["nfev"] > max_nfev:
            raise RuntimeError("the flow needed more than max_nfev = %s gradient evaluations before t = %g "
                               "(stiff or non-smooth: a ReLU activation may be sliding along a kink; "
                               "try stop_on_switch=True, looser rtol/atol, or a shorter horizon)"
                               % (max_nfev, t))
        if bar is not None:
            p = int(100 * t / horizon)
            if p > state["last"]:
                bar.update(p - state["last"])
                state["last"] = p
        return -m.loss_and_grad(th, X, Y, loss)[1]

    events = None
    zero_entries = None
    if getattr(m, "has_activations", False):
        a0 = m.preactivations(theta, X)
        s0 = np.sign(a0)
        live = s0 != 0
        zero_entries = ~live

        def crossing(t, th):
            a = m.preactivations(th, X)
            return float(np.min((s0 * a)[live])) if live.any() else 1.0
        crossing.terminal = stop_on_switch
        crossing.direction = -1
        events = [crossing]
    try:
        sol = solve_ivp(rhs, (0.0, float(horizon)), theta, method=solver, t_eval=t_eval, rtol=rtol,
                        atol=atol, events=events)
    finally:
        if bar is not None:
            bar.close()
            bar = None
    if not sol.success:
        raise RuntimeError("the ODE solver failed: %s" % sol.message)
    times, thetas = sol.t, sol.y.T
    if events is not None and stop_on_switch and len(sol.t_events[0]):
        times = np.append(times, sol.t_events[0][0])
        thetas = np.vstack([thetas, sol.y_events[0][0]])
    losses = [m.loss_and_grad(th, X, Y, loss)[0] for th in thetas]
    changed = None
    if events is not None:
        changed = bool(len(sol.t_events[0]) > 0)
        if zero_entries.any():
            for th in thetas:
                if np.any(m.preactivations(th, X)[zero_entries] != 0):
                    changed = True
                    break
        changed = changed or bool(np.any(m.activation_pattern(thetas[-1], X) != np.sign(m.preactivations(theta, X))))
    info = {"rtol": rtol, "atol": atol, "solver": solver, "nfev": int(sol.nfev), "horizon": float(horizon),
            "loss": loss, "message": sol.message}
    if changed:
        info["first_switch_time"] = float(sol.t_events[0][0]) if len(sol.t_events[0]) else None
    return Trajectory(times, losses, H(thetas), thetas if record_thetas else None, law_polys, "flow", m,
                      activation_changed=changed, info=info)


# ---------------------------------------------------------------------------
# drift studies
# ---------------------------------------------------------------------------

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
    seed, horizon = int(seed), float(horizon)
    if X is None and Y is None:
        X, Y = make_dataset(m, 50, seed=seed)
    if theta0 is None:
        theta0 = initial_point(m, seed)
    etas = np.logspace(-3, -1.5, 5) if etas is None else np.asarray(etas, dtype=float)
    run, step = [], []
    it = etas
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(etas, desc="eta")
    for eta in it:
        steps = int(round(horizon / eta))
        tr = train(m, X, Y, method="gd", eta=float(eta), steps=steps, theta0=theta0, loss=loss, laws=laws,
                   record_every=1)
        run.append(float(tr.drift().max()))
        step.append(float(np.max(np.abs(np.diff(tr.laws, axis=0)))))
    run, step = np.array(run), np.array(step)
    return {"etas": etas, "run_drift": run, "step_drift": step,
            "run_slope": float(np.polyfit(np.log(etas), np.log(run), 1)[0]),
            "step_slope": float(np.polyfit(np.log(etas), np.log(step), 1)[0])}


def sgd_drift_vs_batch_size(model, X=None, Y=None, batch_sizes=None, eta=0.02, horizon=1.0, theta0=None,
                            seed=0, loss="square", laws=None, repeats=3):
    r"""
    Measure the drift of the laws under SGD, versus the mini-batch size.

    For each batch size, SGD runs ``round(horizon/eta)`` steps (``repeats``
    runs with different batch seeds); the reported drift is the mean over the
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
    seed, horizon, eta = int(seed), float(horizon), float(eta)
    if X is None and Y is None:
        X, Y = make_dataset(m, 50, seed=seed)
    if theta0 is None:
        theta0 = initial_point(m, seed)
    if batch_sizes is None:
        batch_sizes = [b for b in (1, 2, 5, 10, 25, 50, 100) if b <= len(X)]
    steps = int(round(horizon / eta))
    out = []
    for b in batch_sizes:
        ds = [train(m, X, Y, method="sgd", eta=eta, steps=steps, batch_size=int(b), theta0=theta0, loss=loss,
                    laws=laws, seed=seed + r).drift().max() for r in range(repeats)]
        out.append(float(np.mean(ds)))
    return {"batch_sizes": np.array(batch_sizes), "drift": np.array(out)}
