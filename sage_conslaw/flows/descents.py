r"""
The training methods: the gradient flow and the discrete descents, one small
function each, in one registry.

Every method is a function ``method(problem, **options)`` returning a
:class:`~sage_conslaw.flows.trajectory.Trajectory`, where ``problem`` is a
:class:`Problem` (the numeric model, the checked data, the loss, the starting
point, the recorded laws, the seed and the progress flag) and the options are
the method's own keywords, with defaults.  :data:`METHODS` maps each name of
``train(..., method=name)`` to its function.

Adding a method is one registered function::

    @register_method("my_method")
    def my_method(problem, eta=0.01, horizon=None, steps=None, records=100, record_every=None):
        ...
        return Trajectory(...)

:func:`~sage_conslaw.flows.train.train` then accepts ``method='my_method'``
and passes it, among its keyword arguments, those that the function's
signature names.  A discrete method usually needs only a *direction*: the
update `\theta_{k+1} = \theta_k + \mathrm{step}(\theta_k, \nabla L(\theta_k))`,
given to :func:`descend`, which records the loss, the laws and the
activation pattern; a continuous one integrates its ODE like
:func:`gradient_flow`.

EXAMPLES::

    sage: from sage_conslaw.flows.descents import METHODS
    sage: print(sorted(METHODS))     # with those of sage_conslaw.flows.second_order
    ['flow', 'gd', 'heavy_ball', 'mirror', 'momentum', 'nesterov', 'sgd', 'weight_decay']
"""
import inspect

import numpy as np
from sage.misc.lazy_import import lazy_import

from sage_conslaw.core import checks
from sage_conslaw.flows.data import random_generator
from sage_conslaw.flows.trajectory import Trajectory, law_evaluator

lazy_import("tqdm.auto", "tqdm")        # the progress bar, only when asked for
# scipy.integrate takes ~1 s to import (scipy.special, optimize, linalg) and serves only the flows
lazy_import("scipy.integrate", ["OdeSolver", "solve_ivp"])

#: The training methods by name: ``name -> function(problem, **options)``.
METHODS = {}


def register_method(name, positive=None):
    r"""
    Register a training method under ``name`` (a decorator; see the module documentation).

    INPUT:

    - ``name`` -- the name of ``train(..., method=name)``
    - ``positive`` -- (optional) for a method that lives in a positive orthant
      (the mirror flow): a function ``positive(m, **options)`` of the numeric
      model and the method's options, returning the coordinates that must be
      positive; the default start of :func:`~sage_conslaw.flows.train.train`
      is then drawn positive on them (see :func:`positive_coordinates`)

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import register_method, METHODS, gradient_descent
        sage: @register_method("gd_again", positive=lambda m: [0])
        ....: def gd_again(problem, eta=0.01, steps=None):
        ....:     return gradient_descent(problem, eta=eta, steps=steps)
        sage: METHODS["gd_again"] is gd_again, gd_again.positive_coordinates(None)
        (True, [0])
        sage: del METHODS["gd_again"]
        sage: register_method("bad", positive=3)
        Traceback (most recent call last):
        ...
        TypeError: positive must be None or a function positive(m, **options), got 3
    """
    if positive is not None and not callable(positive):
        raise TypeError("positive must be None or a function positive(m, **options), got %r" % (positive,))

    def register(function):
        function.positive_coordinates = positive
        METHODS[name] = function
        return function
    return register


def positive_coordinates(m, method, options=None):
    r"""
    Return the sorted coordinates that must be positive where ``method`` runs
    on the numeric model ``m``: those of the model (its generators'
    ``positive_coordinates()``, e.g. all of NMF's, the output layer `U` of
    ICNN, or the time variable of a lifted flow) and those of the method (the
    mirror coordinates of ``'mirror'``).

    :func:`~sage_conslaw.flows.train.train` draws its default start positive
    on them (:func:`~sage_conslaw.flows.data.initial_point`), so that the
    default initialization lies in the domain of the method.

    INPUT:

    - ``m`` -- a numeric model (:func:`~sage_conslaw.flows.models.numeric_model`)
    - ``method`` -- a name of :data:`METHODS`
    - ``options`` -- the method's own options (e.g. ``mirror=[...]``)

    EXAMPLES::

        sage: from sage_conslaw.architectures import NMF, ICNN, LinearNetwork
        sage: from sage_conslaw.flows.descents import positive_coordinates
        sage: positive_coordinates(NMF(1, 1, 2).numeric_model(), 'gd')
        [0, 1, 2]
        sage: positive_coordinates(ICNN(1, 2, 1).numeric_model(), 'flow')
        [0, 1]
        sage: net = LinearNetwork([1, 2, 1]).numeric_model()
        sage: positive_coordinates(net, 'flow'), positive_coordinates(net, 'mirror')
        ([], [0, 1, 2, 3])
        sage: positive_coordinates(net, 'mirror', {'mirror': [3]})
        [3]
    """
    model = getattr(m, "reparametrization", None)
    generators = getattr(model, "generators", None)
    coordinates = set(generators().positive_coordinates()) if callable(generators) else set()
    own = getattr(METHODS[method], "positive_coordinates", None)
    if own is not None:
        coordinates.update(own(m, **(options or {})))
    return sorted(int(i) for i in coordinates)


def method_options(function, options):
    r"""
    Return the entries of ``options`` that ``function``'s signature names.

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import method_options, gradient_descent
        sage: sorted(method_options(gradient_descent, {'eta': 0.1, 'rtol': 1e-8}))
        ['eta']
    """
    names = inspect.signature(function).parameters
    return {k: v for k, v in options.items() if k in names}


class Problem:
    r"""
    What every training method is given: the numeric model, the data, the loss,
    the starting point, the laws to record, the seed and the progress flag
    (all checked by :func:`~sage_conslaw.flows.train.train`).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.descents import Problem
        sage: m = LinearNetwork([1, 1, 1]).numeric_model()
        sage: pb = Problem(m, np.ones((1, 1)), np.zeros((1, 1)), 'square', np.array([2., 3.]))
        sage: pb
        training problem on numeric linear network [1, 1, 1] (D = 2): N = 1, loss square, 1 laws
        sage: L, g = pb.loss_and_grad(pb.theta0); float(L), g.tolist()
        (18.0, [18.0, 12.0])
    """

    def __init__(self, m, X, Y, loss, theta0, laws=None, seed=0, progress=False):
        """
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.descents import Problem
            sage: pb = Problem(LinearNetwork([1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.ones(1))
            sage: pb.law_polynomials, pb.N
            ([], 1)
        """
        self.model, self.X, self.Y, self.loss, self.theta0 = m, X, Y, loss, theta0
        self.law_polynomials, self.laws = law_evaluator(m, laws)
        self.seed = seed
        self.progress = progress
        self.N = X.shape[0]

    def __repr__(self):
        """
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.descents import Problem
            sage: Problem(LinearNetwork([1, 1]).numeric_model(), np.ones((2, 1)), np.zeros((2, 1)), 'logistic', np.ones(1))
            training problem on numeric linear network [1, 1] (D = 1): N = 2, loss logistic, 0 laws
        """
        return "training problem on %r: N = %s, loss %s, %s laws" % (self.model, self.N, self.loss,
                                                                     len(self.law_polynomials))

    def loss_and_grad(self, theta, rows=None):
        r"""
        Return the loss and its exact gradient at ``theta``, on all samples or on the given ``rows``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.descents import Problem
            sage: pb = Problem(LinearNetwork([1, 1]).numeric_model(), np.array([[1.], [2.]]), np.zeros((2, 1)), 'square', np.ones(1))
            sage: float(pb.loss_and_grad(np.ones(1))[0]), float(pb.loss_and_grad(np.ones(1), [0])[0])
            (1.25, 0.5)
        """
        if rows is None:
            return self.model.loss_and_grad(theta, self.X, self.Y, self.loss)
        return self.model.loss_and_grad(theta, self.X[rows], self.Y[rows], self.loss)

    def trajectory(self, method, times, losses, thetas, record_thetas=True, activation_changed=None, info=None):
        r"""
        Return the :class:`~sage_conslaw.flows.trajectory.Trajectory` of recorded
        parameters (the laws are evaluated on them at once).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.descents import Problem
            sage: pb = Problem(LinearNetwork([1, 1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.ones(2))
            sage: pb.trajectory('gd', [0], [1.], np.array([[2., 3.]])).laws.tolist()
            [[-5.0]]
        """
        thetas = np.asarray(thetas)
        return Trajectory(times, losses, self.laws(thetas), thetas if record_thetas else None,
                          self.law_polynomials, method, self.model, activation_changed=activation_changed,
                          info=info)


def positive_real(x, name):
    r"""
    Return ``x`` as a finite positive float, or raise a clear error.

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import positive_real
        sage: positive_real(1/2, "eta")
        0.5
        sage: positive_real(0, "eta")
        Traceback (most recent call last):
        ...
        ValueError: eta must be a positive number, got 0.0
        sage: positive_real("a", "eta")
        Traceback (most recent call last):
        ...
        TypeError: eta must be a real number, got 'a'
    """
    x = real(x, name)
    if not (np.isfinite(x) and x > 0):
        raise ValueError("%s must be a positive number, got %r" % (name, x))
    return x


def real(x, name):
    r"""
    Return ``x`` as a float, or raise ``TypeError`` naming it.

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import real
        sage: real(3, "rtol")
        3.0
        sage: real(None, "rtol")
        Traceback (most recent call last):
        ...
        TypeError: rtol must be a real number, got None
    """
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError("%s must be a real number, got %r" % (name, x)) from None


#: The integrators of ``scipy.integrate.solve_ivp`` by name (its ``method``
#: argument), offered as ``train(..., solver=...)``.
ODE_SOLVERS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


def ode_solver(solver):
    r"""
    Return ``solver`` checked: a name of :data:`ODE_SOLVERS` or a subclass of
    ``scipy.integrate.OdeSolver`` (what ``solve_ivp`` takes as its ``method``);
    else a clear error naming ``solver`` (``train`` has its own ``method``).

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import ode_solver
        sage: ode_solver('Radau')
        'Radau'
        sage: from scipy.integrate import RK45
        sage: ode_solver(RK45) is RK45
        True
        sage: ode_solver('foo')
        Traceback (most recent call last):
        ...
        ValueError: solver must be one of 'RK45', 'RK23', 'DOP853', 'Radau', 'BDF', 'LSODA' (the integrators of scipy's solve_ivp) or a subclass of scipy.integrate.OdeSolver, got 'foo'
        sage: ode_solver(3)
        Traceback (most recent call last):
        ...
        TypeError: solver must be one of 'RK45', 'RK23', 'DOP853', 'Radau', 'BDF', 'LSODA' (the integrators of scipy's solve_ivp) or a subclass of scipy.integrate.OdeSolver, got 3
    """
    if isinstance(solver, str) and solver in ODE_SOLVERS:
        return solver
    if isinstance(solver, type) and issubclass(solver, OdeSolver):
        return solver
    error = ValueError if isinstance(solver, str) else TypeError
    raise error("solver must be one of %s (the integrators of scipy's solve_ivp) or a subclass of "
                "scipy.integrate.OdeSolver, got %r" % (", ".join(map(repr, ODE_SOLVERS)), solver))


def progress_bar(total, progress, desc):
    r"""
    Return a ``tqdm`` bar when ``progress`` is asked for and the output is a
    terminal (``tqdm``'s ``disable=None``), else ``None``.

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import progress_bar
        sage: progress_bar(10, False, 'gd') is None
        True
        sage: bar = progress_bar(10, True, 'gd'); bar.update(1); bar.close()
    """
    if not progress:
        return None
    return tqdm(total=total, desc=desc, disable=None)


def step_count(eta, steps, horizon, default=100):
    r"""
    Return the number of steps of a discrete method: ``steps``, else
    ``round(horizon / eta)``, else ``default``.

    EXAMPLES::

        sage: from sage_conslaw.flows.descents import step_count
        sage: step_count(0.1, None, 2.0), step_count(0.1, 7, 2.0), step_count(0.1, None, None)
        (20, 7, 100)
        sage: step_count(0.1, -1, None)
        Traceback (most recent call last):
        ...
        ValueError: steps must be an integer >= 0, got -1
    """
    if steps is None:
        return int(round(real(horizon, "horizon") / real(eta, "eta"))) if horizon is not None else default
    return checks.nonnegative_integer(steps, "steps")


def _crossing_event(problem, stop_on_switch):
    r"""
    Return the event function of ``solve_ivp`` that detects a change of sign of
    a hidden pre-activation that starts nonzero, and the mask of those that start at 0.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows.descents import Problem, _crossing_event
        sage: pb = Problem(ReLUNetwork([1, 2, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.array([1., 1., 1., 0.]))
        sage: ev, zero = _crossing_event(pb, True)
        sage: ev(0, np.array([1., 1., 1., 0.])), zero.tolist(), ev.terminal
        (1.0, [[False, True]], True)
    """
    m, X = problem.model, problem.X
    s0 = np.sign(m.preactivations(problem.theta0, X))
    live = s0 != 0

    def crossing(t, th):
        a = m.preactivations(th, X)
        return float(np.min((s0 * a)[live])) if live.any() else 1.0
    crossing.terminal = stop_on_switch
    crossing.direction = -1
    return crossing, ~live


#: The flow checks its pace every that many gradient evaluations (about a
#: second on small networks): when the time gained in the last window, kept
#: up, would need more than ``max_nfev`` evaluations to reach the horizon, it
#: stops at once with the reason (an adaptive solver at a ReLU kink where the
#: dynamics slide crawls: measured, ReLU [2, 5, 3] on 40 random points needed
#: 10^6 evaluations and 75 s to fail at t = 0.95).
PACE_WINDOW = 20000


@register_method("flow")
def gradient_flow(problem, horizon=None, records=100, rtol=1e-10, atol=1e-12, solver="DOP853",
                  record_thetas=True, stop_on_switch=False, max_nfev=10 ** 6):
    r"""
    The gradient flow `\dot\theta = -\nabla L(\theta)` by ``scipy.integrate.solve_ivp``
    (adaptive ``solver``, tolerances ``rtol``, ``atol``) up to time ``horizon``
    (default 1), recorded at ``records + 1`` equally spaced times.

    For a ReLU network, an event function detects any sign change of a hidden
    pre-activation between the recorded times (``stop_on_switch`` ends the
    integration there); pre-activations that start at exactly 0 must stay 0.
    More than ``max_nfev`` gradient evaluations raise ``RuntimeError``.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.descents import Problem, gradient_flow
        sage: pb = Problem(LinearNetwork([1, 1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.array([1., 2.]))
        sage: t = gradient_flow(pb, horizon=0.5, records=10)
        sage: len(t.times), bool(t.drift().max() < 1e-9)
        (11, True)
        sage: gradient_flow(pb, max_nfev=3)
        Traceback (most recent call last):
        ...
        RuntimeError: the flow needed more than max_nfev = 3 gradient evaluations before t = ...
    """
    horizon = positive_real(1.0 if horizon is None else horizon, "horizon")
    records = checks.positive_integer(records, "records")
    rtol, atol = real(rtol, "rtol"), real(atol, "atol")
    solver = ode_solver(solver)
    max_nfev = checks.positive_integer(max_nfev, "max_nfev")
    m, X, theta = problem.model, problem.X, problem.theta0
    bar = progress_bar(100, problem.progress, "flow")
    # the pace watch: the least time evaluated in each window of evaluations (steps tried and
    # rejected reach later times; the least one is where the solver really is)
    state = {"last": 0, "nfev": 0, "t": np.inf, "previous_t": None}
    kinks = getattr(m, "has_activations", False)

    def rhs(t, th):
        state["nfev"] += 1
        state["t"] = min(state["t"], t)
        if state["nfev"] % PACE_WINDOW == 0 and state["previous_t"] is None:
            state["previous_t"], state["t"] = state["t"], np.inf       # the least time of the first window
        elif state["nfev"] % PACE_WINDOW == 0:
            pace = max(state["t"] - state["previous_t"], 0.0) / PACE_WINDOW
            needed = np.inf if pace == 0 else (horizon - state["t"]) / pace
            if state["nfev"] + needed > max_nfev:
                raise RuntimeError(
                    "the flow crawls at t = %.6g: %s gradient evaluations advanced time by %.1e, so reaching t = %g "
                    "would take about %.3g more, above max_nfev = %s.  %s"
                    % (state["t"], PACE_WINDOW, pace * PACE_WINDOW, horizon, needed, max_nfev,
                       "A ReLU pre-activation is sliding along a kink: it reaches 0 and the gradient on both "
                       "sides pushes it back, where the flow of the network is a Filippov flow that an ODE "
                       "solver does not follow (the laws still hold along it).  Use stop_on_switch=True (the "
                       "trajectory ends at the first kink), a start inside one activation region "
                       "(relu_region_start), or a discrete method (method='gd')" if kinks else
                       "The flow is stiff here: try solver='Radau' or 'LSODA', looser rtol/atol, or a "
                       "shorter horizon"))
            state["previous_t"], state["t"] = state["t"], np.inf
        if state["nfev"] > max_nfev:
            raise RuntimeError("the flow needed more than max_nfev = %s gradient evaluations before t = %g "
                               "(stiff or non-smooth: a ReLU activation may be sliding along a kink; "
                               "try stop_on_switch=True, looser rtol/atol, or a shorter horizon)"
                               % (max_nfev, t))
        if bar is not None and int(100 * t / horizon) > state["last"]:
            bar.update(int(100 * t / horizon) - state["last"])
            state["last"] = int(100 * t / horizon)
        return -problem.loss_and_grad(th)[1]

    events = zero_entries = None
    if getattr(m, "has_activations", False):
        crossing, zero_entries = _crossing_event(problem, bool(stop_on_switch))
        events = [crossing]
    try:
        sol = solve_ivp(rhs, (0.0, horizon), theta, method=solver, t_eval=np.linspace(0.0, horizon, records + 1),
                        rtol=rtol, atol=atol, events=events)
    finally:
        if bar is not None:
            bar.close()
    if not sol.success:
        raise RuntimeError("the ODE solver failed: %s" % sol.message)
    times, thetas = sol.t, sol.y.T
    if events is not None and stop_on_switch and len(sol.t_events[0]):
        times = np.append(times, sol.t_events[0][0])
        thetas = np.vstack([thetas, sol.y_events[0][0]])
    losses = [problem.loss_and_grad(th)[0] for th in thetas]
    changed = None
    if events is not None:
        changed = bool(len(sol.t_events[0]) > 0)
        if zero_entries.any():
            changed = changed or any(np.any(m.preactivations(th, X)[zero_entries] != 0) for th in thetas)
        changed = changed or bool(np.any(m.activation_pattern(thetas[-1], X)
                                         != np.sign(m.preactivations(theta, X))))
    info = {"rtol": rtol, "atol": atol, "solver": solver, "nfev": int(sol.nfev), "horizon": horizon,
            "loss": problem.loss, "message": sol.message}
    if changed:
        info["first_switch_time"] = float(sol.t_events[0][0]) if len(sol.t_events[0]) else None
    return problem.trajectory("flow", times, losses, thetas, record_thetas, changed, info)


def descend(problem, method, direction, eta, steps, records=100, record_every=None, record_thetas=True,
            info=None):
    r"""
    The loop of every discrete method: `\theta_{k+1} = \theta_k +
    \mathrm{direction}(\theta_k, \nabla L(\theta_k))`, recording the loss and
    the parameters every ``record_every`` steps (time `k\eta`), watching the
    activation pattern and stopping with ``FloatingPointError`` on divergence.

    INPUT:

    - ``problem`` -- a :class:`Problem`
    - ``method`` -- its name, recorded in the trajectory
    - ``direction`` -- a function ``(theta, grad) -> step`` (it may keep a state)
    - ``eta`` -- the step size (for the times)
    - ``steps`` -- the number of steps
    - ``records``, ``record_every`` -- record every ``record_every`` steps
      (default: about ``records`` records)
    - ``info`` -- a dict of the method's parameters, stored in the trajectory

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.descents import Problem, descend
        sage: pb = Problem(LinearNetwork([1, 1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.array([1., 1.]))
        sage: t = descend(pb, 'gd', lambda th, g: -0.1 * g, 0.1, 10, record_every=5)
        sage: t.times.tolist(), bool(t.loss[-1] < t.loss[0])
        ([0.0, 0.5, 1.0], True)
        sage: descend(pb, 'gd', lambda th, g: -10 * g, 10, 100)
        Traceback (most recent call last):
        ...
        FloatingPointError: the loss diverged at step ... (eta = 10 too large?)
    """
    if record_every is None:
        record_every = max(1, steps // max(1, records))
    record_every = checks.positive_integer(record_every, "record_every")
    m, X = problem.model, problem.X
    theta = problem.theta0
    pattern0 = m.activation_pattern(theta, X)
    changed = False if pattern0 is not None else None
    times, losses, thetas = [], [], []
    bar = progress_bar(steps, problem.progress, method)
    L, g = problem.loss_and_grad(theta)
    for k in range(steps + 1):
        if k % record_every == 0 or k == steps:
            times.append(k * eta)
            losses.append(L)
            thetas.append(theta.copy())
        if k == steps:
            break
        theta = theta + direction(theta, g)
        with np.errstate(over="ignore", invalid="ignore"):
            L, g = problem.loss_and_grad(theta)
        if not np.isfinite(L):
            raise FloatingPointError("the loss diverged at step %s (eta = %g too large?)" % (k + 1, eta))
        if pattern0 is not None and not changed:
            changed = bool(np.any(m.activation_pattern(theta, X) != pattern0))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    info = dict(info or {}, eta=eta, steps=steps, record_every=record_every, loss=problem.loss)
    return problem.trajectory(method, times, losses, thetas, record_thetas, changed, info)


@register_method("gd")
def gradient_descent(problem, eta=0.01, steps=None, horizon=None, records=100, record_every=None,
                     record_thetas=True):
    r"""
    Gradient descent `\theta_{k+1} = \theta_k - \eta\nabla L(\theta_k)`.

    ``steps`` (default ``round(horizon / eta)``, else 100) steps; see :func:`descend`.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.descents import Problem, gradient_descent
        sage: pb = Problem(LinearNetwork([1, 1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.array([1., 1.]))
        sage: gradient_descent(pb, eta=0.1, horizon=1.0).info['steps']
        10
        sage: gradient_descent(pb, eta=-1)
        Traceback (most recent call last):
        ...
        ValueError: eta must be a positive number, got -1.0
    """
    eta = positive_real(eta, "eta")
    steps = step_count(eta, steps, horizon)
    return descend(problem, "gd", lambda theta, g: -eta * g, eta, steps, records, record_every, record_thetas)


@register_method("sgd")
def stochastic_gradient_descent(problem, eta=0.01, steps=None, horizon=None, batch_size=None, records=100,
                                record_every=None, record_thetas=True):
    r"""
    Stochastic gradient descent: each step is a gradient step on a mini-batch of
    ``batch_size`` samples (default ``max(1, N // 10)``) drawn without
    replacement from the ``'batches'`` stream of the problem's seed.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.descents import Problem, stochastic_gradient_descent
        sage: pb = Problem(LinearNetwork([1, 1, 1]).numeric_model(), np.ones((10, 1)), np.zeros((10, 1)), 'square', np.array([1., 1.]))
        sage: stochastic_gradient_descent(pb, eta=0.1, steps=5).info['batch_size']
        1
        sage: stochastic_gradient_descent(pb, batch_size=11)
        Traceback (most recent call last):
        ...
        ValueError: batch_size must be an integer in [1, N = 10], got 11
    """
    eta = positive_real(eta, "eta")
    steps = step_count(eta, steps, horizon)
    N = problem.N
    if batch_size is None:
        batch_size = max(1, N // 10)
    try:
        batch_size = checks.positive_integer(batch_size, "batch_size")
        if batch_size > N:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError("batch_size must be an integer in [1, N = %s], got %r" % (N, batch_size)) from None
    rng = random_generator(problem.seed, "batches")

    def direction(theta, g):
        return -eta * problem.loss_and_grad(theta, rng.choice(N, size=batch_size, replace=False))[1]
    return descend(problem, "sgd", direction, eta, steps, records, record_every, record_thetas,
                   info={"batch_size": batch_size})


@register_method("momentum")
def heavy_ball_descent(problem, eta=0.01, steps=None, horizon=None, momentum=0.9, records=100,
                       record_every=None, record_thetas=True):
    r"""
    Heavy-ball momentum: `v \leftarrow \beta v - \eta\nabla L(\theta)`,
    `\theta \leftarrow \theta + v`, with `\beta` = ``momentum`` in `[0, 1)`.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.descents import Problem, heavy_ball_descent
        sage: pb = Problem(LinearNetwork([1, 1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.array([1., 1.]))
        sage: heavy_ball_descent(pb, eta=0.05, steps=5).info['momentum']
        0.9
        sage: heavy_ball_descent(pb, momentum=1)
        Traceback (most recent call last):
        ...
        ValueError: momentum must be in [0, 1), got 1.0
    """
    eta = positive_real(eta, "eta")
    steps = step_count(eta, steps, horizon)
    beta = real(momentum, "momentum")
    if not 0 <= beta < 1:
        raise ValueError("momentum must be in [0, 1), got %r" % (beta,))
    velocity = [np.zeros_like(problem.theta0)]

    def direction(theta, g):
        velocity[0] = beta * velocity[0] - eta * g
        return velocity[0]
    return descend(problem, "momentum", direction, eta, steps, records, record_every, record_thetas,
                   info={"momentum": beta})
