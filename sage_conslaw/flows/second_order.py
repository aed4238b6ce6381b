r"""
Continuous momentum and mirror flows, integrated numerically, with the
conservation laws of :mod:`sage_conslaw.dynamics` recorded along the way.

- ``'heavy_ball'``: `\ddot\theta + \tau\dot\theta = -\nabla L(\theta)` from
  `(\theta_0, v_0)` at `t = 0` (``friction`` `= \tau \ge 0`);
- ``'nesterov'``: `\ddot\theta + \frac{3}{t}\dot\theta = -\nabla L(\theta)` from
  ``start`` `= t_0 > 0` (default `1`; the friction is singular at `t = 0`);
- ``'mirror'``: `\dot\theta = -M(\theta)\nabla L(\theta)`, `M = \mathrm{diag}(\theta)`
  on the model's mirror coordinates (all of them for NMF, `U` for ICNN);
- ``'weight_decay'``: `\dot\theta = -\nabla L(\theta) - \lambda\theta`.

The first two integrate the state `(\theta, v)` with ``scipy.integrate.solve_ivp``
and record two families of laws: the gradient-flow laws of the model (e.g.
balancedness `U_1^\top U_1 - U_2U_2^\top`), which momentum does *not*
conserve, and the momentum laws of :class:`~sage_conslaw.dynamics.HeavyBall`
or :class:`~sage_conslaw.dynamics.Nesterov` (e.g. `e^{\tau t}(A + B)`),
evaluated at `(T(t), \theta(t), v(t))` with `T = t`, `e^{\tau t}` or `t`: they
stay constant to the solver's tolerance while the others drift -- the
"conservation loss" of the paper, plotted by :func:`plot_conservation_loss`.

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows.second_order import momentum_flow
    sage: net = LinearNetwork([2, 3, 2])
    sage: traj = momentum_flow(net, friction=1, horizon=2.0, seed=1, velocity0='random')
    sage: gf, mom = traj.info['gradient_flow_laws'], traj.info['momentum_laws']
    sage: len(gf), len(mom)
    (6, 3)
    sage: rel = traj.relative_drift()
    sage: bool(rel[mom].max() < 1e-8), bool(rel[gf].max() > 1e-3)
    (True, True)
"""
from fractions import Fraction

import numpy as np
from sage.misc.lazy_import import lazy_import
from sage.rings.rational_field import QQ

from sage_conslaw.core.checks import boolean, nonnegative_integer, one_of, positive_integer
from sage_conslaw.core.model import ConservationModel
from sage_conslaw.dynamics import HeavyBall, Nesterov, WeightDecay
from sage_conslaw.flows.data import as_theta, check_data, initial_point, make_dataset
from sage_conslaw.flows.descents import ode_solver, positive_coordinates, positive_real, register_method
from sage_conslaw.flows.models import CompiledPolynomials, numeric_model
from sage_conslaw.flows.trajectory import Trajectory, law_evaluator

lazy_import("matplotlib.figure", "Figure")      # matplotlib takes ~2 s to import: only for a plot
lazy_import("scipy.integrate", "solve_ivp")     # scipy.integrate takes ~1 s to import: only for a flow

#: The methods of this module, by name.
SECOND_ORDER_METHODS = ('heavy_ball', 'nesterov', 'mirror', 'weight_decay')


def _friction(friction):
    r"""
    Return the friction as a float, refusing negative values (a float is fine for numerics).

    TESTS::

        sage: from sage_conslaw.flows.second_order import _friction
        sage: _friction(1/2), _friction(0)
        (0.5, 0.0)
        sage: _friction(-1)
        Traceback (most recent call last):
        ...
        ValueError: the friction must be a nonnegative number, got -1.0
    """
    try:
        tau = float(friction)
    except (TypeError, ValueError):
        raise TypeError("the friction must be a nonnegative number, got %r" % (friction,)) from None
    if not (np.isfinite(tau) and tau >= 0):
        raise ValueError("the friction must be a nonnegative number, got %r" % (tau,))
    return tau


def _velocity(velocity0, D, seed):
    r"""
    Return the initial velocity: zeros (``None``), a reproducible random one
    (``'random'``, entries of size about `0.5`), or the given ``D`` numbers.

    TESTS::

        sage: from sage_conslaw.flows.second_order import _velocity
        sage: _velocity(None, 2, 0).tolist(), _velocity([1, 2], 2, 0).tolist()
        ([0.0, 0.0], [1.0, 2.0])
        sage: _velocity('random', 3, 1).shape
        (3,)
        sage: _velocity([1], 2, 0)
        Traceback (most recent call last):
        ...
        ValueError: velocity0 has 1 coordinates, but the model has D = 2 parameters
    """
    if velocity0 is None:
        return np.zeros(D)
    if isinstance(velocity0, str):
        one_of(velocity0, ('random',), "velocity0")
        return 0.5 * np.random.default_rng([int(seed), 11]).standard_normal(D)
    v = np.asarray([float(x) for x in velocity0], dtype=float)
    if v.shape != (D,):
        raise ValueError("velocity0 has %s coordinates, but the model has D = %s parameters" % (len(v), D))
    if not np.all(np.isfinite(v)):
        raise ValueError("velocity0 has non-finite coordinates")
    return v


def _trajectory(m, evaluated, method, times, losses, thetas, extra, extra_polys, info):
    r"""
    Return a :class:`~sage_conslaw.flows.trajectory.Trajectory` recording the
    laws ``evaluated = (polys, H)`` on ``thetas`` (the model's laws), then the
    columns ``extra`` (laws of the lifted state).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.trajectory import law_evaluator
        sage: from sage_conslaw.flows.second_order import _trajectory
        sage: m = LinearNetwork([1, 1, 1]).numeric_model()
        sage: t = _trajectory(m, law_evaluator(m), 'x', [0.], [1.], np.array([[1., 2.]]), np.zeros((1, 0)), [], {})
        sage: t.laws.tolist(), t.info['gradient_flow_laws'], t.info['momentum_laws']
        ([[-3.0]], [0], [])
    """
    polys, H = evaluated
    thetas = np.asarray(thetas)
    base = np.asarray(H(thetas)).reshape(len(times), -1)
    extra = np.asarray(extra).reshape(len(times), -1)
    info = dict(info, gradient_flow_laws=list(range(base.shape[1])),
                momentum_laws=list(range(base.shape[1], base.shape[1] + extra.shape[1])))
    return Trajectory(times, losses, np.hstack([base, extra]), thetas, list(polys) + list(extra_polys), method, m,
                      info=info)


class _Run:
    r"""
    What an integrator needs: the numeric model, the data, the loss, the
    starting point, the recorded laws ``(polys, evaluator)`` and the seed --
    built from a model (:meth:`from_model`) or from a training problem of
    :func:`~sage_conslaw.flows.train.train` (:meth:`from_problem`).

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import _Run
        sage: run = _Run.from_model(LinearNetwork([1, 1, 1]), None, None, None, 0, 'square', None, 5)
        sage: run.X.shape, run.theta.shape, run.laws[0]
        ((5, 1), (2,), [U1_0_0^2 - U2_0_0^2])
    """

    def __init__(self, m, X, Y, loss, theta, laws, seed):
        r"""
        TESTS::

            sage: from sage_conslaw.flows.second_order import _Run
            sage: _Run(None, None, None, 'square', None, ([], None), 3).seed
            3
        """
        self.m, self.X, self.Y, self.loss, self.theta, self.laws, self.seed = m, X, Y, loss, theta, laws, seed

    @classmethod
    def from_model(cls, model, X, Y, theta0, seed, loss, laws, N, method=None, options=None):
        r"""
        Check the inputs as :func:`~sage_conslaw.flows.train.train` does and return the run.

        Without ``theta0``, the start is drawn as ``train(..., method=method)``
        draws it: positive on the coordinates of
        :func:`~sage_conslaw.flows.descents.positive_coordinates` (those of the
        model and, for ``method``, with its ``options``, those of the method).

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.second_order import _Run
            sage: _Run.from_model(LinearNetwork([1, 1, 1]), None, None, [1, 2], 0, 'square', None, 5).theta.tolist()
            [1.0, 2.0]
            sage: run = _Run.from_model(LinearNetwork([1, 1, 1]), None, None, None, 0, 'square', None, 5, 'mirror', {'mirror': [1]})
            sage: bool(run.theta[1] > 0)
            True
        """
        m = numeric_model(model)
        if (X is None) != (Y is None):
            raise ValueError("give both X and Y, or neither (synthetic data)")
        if X is None:
            X, Y = make_dataset(m, N, seed=seed)
        X, Y = check_data(m, X, Y, loss)
        if theta0 is None:
            positive = positive_coordinates(m, method, options) if method is not None else ()
            theta = initial_point(m, seed, positive=positive)
        else:
            theta = as_theta(theta0, m.D)
        return cls(m, X, Y, loss, theta, law_evaluator(m, laws), seed)

    @classmethod
    def from_problem(cls, problem):
        r"""
        Return the run of a :class:`~sage_conslaw.flows.descents.Problem`.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.descents import Problem
            sage: from sage_conslaw.flows.second_order import _Run
            sage: pb = Problem(LinearNetwork([1, 1]).numeric_model(), np.ones((1, 1)), np.zeros((1, 1)), 'square', np.ones(1))
            sage: _Run.from_problem(pb).theta.tolist()
            [1.0]
        """
        return cls(problem.model, problem.X, problem.Y, problem.loss, np.array(problem.theta0, dtype=float),
                   (problem.law_polynomials, problem.laws), problem.seed)

    def grad(self, theta):
        r"""
        Return `\nabla L(\theta)`.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.second_order import _Run
            sage: run = _Run.from_model(LinearNetwork([1, 1]), [[1.]], [[0.]], [2.], 0, 'square', None, 5)
            sage: run.grad(run.theta).tolist()
            [2.0]
        """
        return self.m.loss_and_grad(theta, self.X, self.Y, self.loss)[1]

    def losses(self, thetas):
        r"""
        Return the loss at each row of ``thetas``.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.second_order import _Run
            sage: run = _Run.from_model(LinearNetwork([1, 1]), [[1.]], [[0.]], [2.], 0, 'square', None, 5)
            sage: [float(x) for x in run.losses([run.theta])]
            [2.0]
        """
        return [self.m.loss_and_grad(th, self.X, self.Y, self.loss)[0] for th in thetas]

    def sage_model(self):
        r"""
        Return the Sage model of the numeric twin.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.second_order import _Run
            sage: _Run.from_model(LinearNetwork([1, 1]), None, None, None, 0, 'square', None, 5).sage_model()
            Linear network [1, 1]: ...
        """
        return getattr(self.m, "reparametrization", None)


def _lifted_laws(model, method, friction):
    r"""
    Return the lifted model and its known laws (the momentum laws), or ``(None, [])``.

    TESTS::

        sage: from sage_conslaw.flows.second_order import _lifted_laws
        sage: from sage_conslaw.architectures import LinearNetwork, uv
        sage: lifted, laws = _lifted_laws(LinearNetwork([1, 2, 1]), 'nesterov', 0); len(laws)
        2
        sage: _lifted_laws(uv(), 'heavy_ball', 1)[1]
        []
    """
    if not isinstance(model, ConservationModel):
        return None, []
    lifted = Nesterov(model) if method == 'nesterov' else HeavyBall(model, _exact_friction(friction))
    return lifted, list(lifted.known_conservation_laws())


def _exact_friction(friction):
    r"""
    Return the friction as an exact rational (a float is converted by its nearest small fraction).

    TESTS::

        sage: from sage_conslaw.flows.second_order import _exact_friction
        sage: _exact_friction(0.5), _exact_friction(2)
        (1/2, 2)
    """
    if isinstance(friction, float):
        f = Fraction(friction).limit_denominator(10 ** 6)
        return QQ((f.numerator, f.denominator))
    return QQ(friction)


def _solve(rhs, t0, horizon, y0, records, rtol, atol, solver):
    r"""
    Integrate ``rhs`` from ``t0`` to ``t0 + horizon`` with ``solve_ivp``, recording
    ``records + 1`` equally spaced times; raise ``RuntimeError`` on failure.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.flows.second_order import _solve
        sage: sol = _solve(lambda t, y: -y, 0., 1., np.ones(1), 2, 1e-10, 1e-12, 'DOP853')
        sage: [round(float(x), 6) for x in sol.y[0]]
        [1.0, 0.606531, 0.367879]
        sage: _solve(lambda t, y: -y, 0., 1., np.ones(1), 2, 1e-10, 1e-12, 'foo')
        Traceback (most recent call last):
        ...
        ValueError: solver must be one of 'RK45', ... or a subclass of scipy.integrate.OdeSolver, got 'foo'
    """
    sol = solve_ivp(rhs, (t0, t0 + horizon), y0, method=ode_solver(solver), t_eval=np.linspace(t0, t0 + horizon, records + 1),
                    rtol=float(rtol), atol=float(atol))
    if not sol.success:
        raise RuntimeError("the ODE solver failed: %s" % sol.message)
    return sol


def _momentum(run, friction=0, nesterov=False, velocity0=None, horizon=None, start=None, records=100,
              rtol=1e-10, atol=1e-12, solver='DOP853'):
    r"""
    Integrate the heavy-ball or Nesterov flow of a :class:`_Run` (see :func:`momentum_flow`).

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import _Run, _momentum
        sage: run = _Run.from_model(LinearNetwork([1, 1, 1]), None, None, None, 0, 'square', None, 5)
        sage: _momentum(run, friction=1, records=4).times.tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    nesterov = boolean(nesterov, "nesterov")
    tau = 0.0 if nesterov else _friction(friction)
    horizon = positive_real(1.0 if horizon is None else horizon, "horizon")
    records = positive_integer(records, "records")
    if not nesterov and start is not None:
        raise ValueError("start is the initial time of the Nesterov flow; the heavy ball starts at t = 0")
    t0 = positive_real(1.0 if start is None else start, "start") if nesterov else 0.0
    D = run.m.D
    v = _velocity(velocity0, D, run.seed)

    def rhs(t, y):
        gamma = 3.0 / t if nesterov else tau
        return np.concatenate([y[D:], -gamma * y[D:] - run.grad(y[:D])])

    sol = _solve(rhs, t0, horizon, np.concatenate([run.theta, v]), records, rtol, atol, solver)
    thetas, vels = sol.y[:D].T, sol.y[D:].T
    method = 'nesterov' if nesterov else 'heavy_ball'
    lifted, mom = _lifted_laws(run.sage_model(), method, tau)
    if mom:
        T = sol.t if (nesterov or tau == 0) else np.exp(tau * sol.t)
        extra = CompiledPolynomials(mom, lifted.polynomial_ring())(np.column_stack([T, thetas, vels]))
    else:
        extra = np.zeros((len(sol.t), 0))
    info = {"friction": "3/t" if nesterov else tau, "rtol": rtol, "atol": atol, "solver": solver,
            "nfev": int(sol.nfev), "horizon": horizon, "start": t0, "loss": run.loss, "velocity": vels[-1],
            "velocities": vels}
    return _trajectory(run.m, run.laws, method, sol.t, run.losses(thetas), thetas, extra, mom, info)


def momentum_flow(model, X=None, Y=None, friction=0, nesterov=False, theta0=None, velocity0=None, seed=0,
                  loss='square', laws=None, horizon=1.0, start=None, records=100, rtol=1e-10, atol=1e-12,
                  solver='DOP853', N=50):
    r"""
    Integrate the heavy-ball (or Nesterov) flow of ``model`` and record its laws.

    Same as ``train(model, X, Y, method='heavy_ball', friction=...)`` (or
    ``method='nesterov'``).

    INPUT:

    - ``model`` -- an architecture of the package (as for :func:`~sage_conslaw.flows.train.train`)
    - ``X``, ``Y`` -- the data (default: a synthetic dataset of ``N`` samples)
    - ``friction`` -- `\tau \ge 0` (heavy ball)
    - ``nesterov`` -- use the friction `3/t` instead, from `t_0 =` ``start`` (default `1`)
    - ``theta0`` -- the initial parameters (default: the random initialization of ``seed``)
    - ``velocity0`` -- the initial velocity: ``None`` (zero), ``'random'``, or `D` numbers
    - ``laws`` -- extra polynomials of the model's ring to record
    - ``horizon`` -- the integration time; ``records`` -- recorded intervals
    - ``rtol``, ``atol``, ``solver`` -- those of ``solve_ivp``

    OUTPUT: a :class:`~sage_conslaw.flows.trajectory.Trajectory`; its ``info`` has the
    column indices ``'gradient_flow_laws'`` (the model's laws and ``laws``) and
    ``'momentum_laws'`` (the known laws of the lifted flow, evaluated at
    `(T(t), \theta(t), v(t))`), the final velocity and the solver statistics

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import momentum_flow
        sage: traj = momentum_flow(LinearNetwork([1, 2, 1]), nesterov=True, seed=2, velocity0='random')
        sage: traj.method, float(traj.times[0]), len(traj.info['momentum_laws'])
        ('nesterov', 1.0, 2)
        sage: bool(traj.relative_drift()[traj.info['momentum_laws']].max() < 1e-8)
        True
        sage: momentum_flow(LinearNetwork([1, 2, 1]), friction=-1)
        Traceback (most recent call last):
        ...
        ValueError: the friction must be a nonnegative number, got -1.0
        sage: momentum_flow(LinearNetwork([1, 2, 1]), nesterov=True, start=0)
        Traceback (most recent call last):
        ...
        ValueError: start must be a positive number, got 0.0
    """
    seed = nonnegative_integer(seed, "seed")
    run = _Run.from_model(model, X, Y, theta0, seed, loss, laws, N, 'nesterov' if nesterov is True else 'heavy_ball')
    return _momentum(run, friction, nesterov, velocity0, horizon, start, records, rtol, atol, solver)


def _mirror_mask(model, D, mirror, default):
    r"""
    Return the sorted mirror coordinates and their boolean mask: ``mirror`` if
    given, else the mirror coordinates its ``metric()`` declares
    (:meth:`~sage_conslaw.core.metric.Metric.mirror_coordinates`, never guessed
    from the entries), else ``default``.

    TESTS::

        sage: from sage_conslaw.flows.second_order import _mirror_mask
        sage: from sage_conslaw.architectures import ICNN, uv
        sage: _mirror_mask(ICNN(1, 2, 1), 4, None, [])[0], _mirror_mask(uv(), 2, None, [])[0]
        ([0, 1], [])
        sage: _mirror_mask(uv(), 2, [3], [])
        Traceback (most recent call last):
        ...
        ValueError: mirror coordinates must lie in 0..1
        sage: _mirror_mask(uv(), 2, 1, [])
        Traceback (most recent call last):
        ...
        TypeError: mirror must be a list of coordinate indices, got 1
    """
    if mirror is None:
        metric = model.metric() if callable(getattr(model, "metric", None)) else None
        mirror = default if metric is None else metric.mirror_coordinates()
    if isinstance(mirror, (str, bytes)) or not hasattr(mirror, "__iter__"):
        raise TypeError("mirror must be a list of coordinate indices, got %r" % (mirror,))
    mirror = sorted({nonnegative_integer(i, "a mirror coordinate") for i in mirror})
    if any(i >= D for i in mirror):
        raise ValueError("mirror coordinates must lie in 0..%s" % (D - 1))
    mask = np.zeros(D, dtype=bool)
    mask[mirror] = True
    return mirror, mask


def _mirror_positive(m, mirror=None, **ignored):
    r"""
    Return the mirror coordinates of the numeric model ``m`` (those of
    :func:`_mirror_mask`, all by default): where the mirror flow lives, they
    are positive (registered with ``'mirror'``, see
    :func:`~sage_conslaw.flows.descents.positive_coordinates`).

    TESTS::

        sage: from sage_conslaw.architectures import ICNN, LinearNetwork
        sage: from sage_conslaw.flows.second_order import _mirror_positive
        sage: _mirror_positive(ICNN(1, 2, 1).numeric_model()), _mirror_positive(LinearNetwork([1, 2]).numeric_model())
        ([0, 1], [0, 1])
        sage: _mirror_positive(LinearNetwork([1, 2]).numeric_model(), mirror=[1])
        [1]
    """
    return _mirror_mask(getattr(m, "reparametrization", None), m.D, mirror, list(range(m.D)))[0]


def _mirror(run, mirror=None, horizon=None, records=100, rtol=1e-10, atol=1e-12, solver='DOP853'):
    r"""
    Integrate the mirror flow of a :class:`_Run` (see :func:`mirror_flow`); its
    start must be positive on the mirror coordinates.

    TESTS::

        sage: from sage_conslaw.architectures import NMF
        sage: from sage_conslaw.flows.second_order import _Run, _mirror
        sage: run = _Run.from_model(NMF(1, 1, 1), None, None, [1, 2], 0, 'square', None, 5)
        sage: _mirror(run, records=2).info['mirror_coordinates']
        [0, 1]
    """
    horizon = positive_real(1.0 if horizon is None else horizon, "horizon")
    records = positive_integer(records, "records")
    D = run.m.D
    mirror, mask = _mirror_mask(run.sage_model(), D, mirror, list(range(D)))
    theta = run.theta.copy()
    if np.any(theta[mask] <= 0):
        raise ValueError("the mirror flow lives in the positive orthant: theta0 must be positive on the mirror "
                         "coordinates %s" % mirror)

    def rhs(t, th):
        return -np.where(mask, th, 1.0) * run.grad(th)

    sol = _solve(rhs, 0.0, horizon, theta, records, rtol, atol, solver)
    thetas = sol.y.T
    info = {"rtol": rtol, "atol": atol, "solver": solver, "nfev": int(sol.nfev), "horizon": horizon,
            "loss": run.loss, "mirror_coordinates": mirror}
    return _trajectory(run.m, run.laws, 'mirror', sol.t, run.losses(thetas), thetas, np.zeros((len(sol.t), 0)), [],
                       info)


def mirror_flow(model, X=None, Y=None, theta0=None, seed=0, loss='square', laws=None, horizon=1.0, records=100,
                rtol=1e-10, atol=1e-12, solver='DOP853', mirror=None, N=50):
    r"""
    Integrate the mirror flow `\dot\theta = -M(\theta)\nabla L(\theta)`,
    `M = \mathrm{diag}(\theta)` on the mirror coordinates, and record the laws.

    Same as ``train(model, X, Y, method='mirror')``.

    INPUT:

    - ``model`` -- an architecture of the package; its ``metric()`` (NMF, ICNN)
      says which coordinates are under the mirror metric, else all are
    - ``mirror`` -- the indices of the mirror coordinates, to override that
    - ``theta0`` -- the initial parameters, positive on the mirror coordinates
      (default: the random initialization of ``seed``, drawn positive -- its
      absolute value plus `0.1` -- on the mirror coordinates and on the
      coordinates the model wants positive, see
      :func:`~sage_conslaw.flows.descents.positive_coordinates`)
    - the other options as for :func:`momentum_flow`

    OUTPUT: a :class:`~sage_conslaw.flows.trajectory.Trajectory` whose laws are the
    model's known laws (for NMF and ICNN, their mirror laws) and ``laws``

    EXAMPLES::

        sage: from sage_conslaw.architectures import NMF
        sage: from sage_conslaw.flows.second_order import mirror_flow
        sage: traj = mirror_flow(NMF(3, 2, 2), horizon=1.0, seed=0)
        sage: traj.method, bool(traj.relative_drift().max() < 1e-8), bool(traj.loss[-1] < traj.loss[0])
        ('mirror', True, True)
        sage: bool((traj.thetas > 0).all())
        True
        sage: mirror_flow(NMF(1, 1, 1), theta0=[1, -1])
        Traceback (most recent call last):
        ...
        ValueError: the mirror flow lives in the positive orthant: theta0 must be positive on the mirror coordinates [0, 1]
    """
    seed = nonnegative_integer(seed, "seed")
    run = _Run.from_model(model, X, Y, theta0, seed, loss, laws, N, 'mirror', {'mirror': mirror})
    return _mirror(run, mirror, horizon, records, rtol, atol, solver)


def _weight_decay(run, rate, horizon=None, records=100, rtol=1e-10, atol=1e-12, solver='DOP853'):
    r"""
    Integrate the weight-decay flow of a :class:`_Run` (see :func:`weight_decay_flow`).

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import _Run, _weight_decay
        sage: run = _Run.from_model(LinearNetwork([1, 1, 1]), None, None, [1, 2], 0, 'square', None, 5)
        sage: _weight_decay(run, 1, records=2).info['rate']
        1.0
    """
    lam = positive_real(rate, "rate")
    horizon = positive_real(1.0 if horizon is None else horizon, "horizon")
    records = positive_integer(records, "records")
    sage_model = run.sage_model()
    mirror, mask = _mirror_mask(sage_model, run.m.D, None, [])

    def rhs(t, th):
        return -np.where(mask, th, 1.0) * run.grad(th) - lam * th

    sol = _solve(rhs, 0.0, horizon, run.theta, records, rtol, atol, solver)
    thetas = sol.y.T
    wd = []
    if sage_model is not None:
        lifted = WeightDecay(sage_model, _exact_friction(lam))
        wd = list(lifted.known_conservation_laws())
    if wd:
        extra = CompiledPolynomials(wd, lifted.polynomial_ring())(np.column_stack([np.exp(lam * sol.t), thetas]))
    else:
        extra = np.zeros((len(sol.t), 0))
    info = {"rate": lam, "rtol": rtol, "atol": atol, "solver": solver, "nfev": int(sol.nfev), "horizon": horizon,
            "loss": run.loss}
    return _trajectory(run.m, run.laws, 'weight_decay', sol.t, run.losses(thetas), thetas, extra, wd, info)


def weight_decay_flow(model, rate, X=None, Y=None, theta0=None, seed=0, loss='square', laws=None, horizon=1.0,
                      records=100, rtol=1e-10, atol=1e-12, solver='DOP853', N=50):
    r"""
    Integrate `\dot\theta = -\nabla L(\theta) - \lambda\theta` (`-M(\theta)\nabla L`
    for a model with a mirror metric, NMF or ICNN) and record the model's laws
    (which drift) and those of :class:`~sage_conslaw.dynamics.WeightDecay`
    (`e^{k\lambda t} h` for a homogeneous law `h` of degree `k`), evaluated at
    `(e^{\lambda t}, \theta(t))`, as the ``'momentum_laws'`` columns.

    Same as ``train(model, X, Y, method='weight_decay', rate=...)``.

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import weight_decay_flow, conservation_loss
        sage: traj = weight_decay_flow(LinearNetwork([2, 2, 2]), 1/2, horizon=2.0, seed=0)
        sage: bool(conservation_loss(traj, traj.info['momentum_laws']).max() < 1e-8)
        True
        sage: bool(conservation_loss(traj, traj.info['gradient_flow_laws']).max() > 1e-3)
        True
        sage: weight_decay_flow(LinearNetwork([2, 2]), 0)
        Traceback (most recent call last):
        ...
        ValueError: rate must be a positive number, got 0.0
    """
    seed = nonnegative_integer(seed, "seed")
    run = _Run.from_model(model, X, Y, theta0, seed, loss, laws, N, 'weight_decay')
    return _weight_decay(run, rate, horizon, records, rtol, atol, solver)


# ---------------------------------------------------------------------------
# the methods of train(..., method=...)
# ---------------------------------------------------------------------------

@register_method("heavy_ball")
def heavy_ball(problem, friction=0, velocity0=None, horizon=None, records=100, rtol=1e-10, atol=1e-12,
               solver="DOP853"):
    r"""
    ``train(..., method='heavy_ball', friction=tau, velocity0=...)``: the flow
    `\ddot\theta + \tau\dot\theta = -\nabla L` (see :func:`momentum_flow`).

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import train
        sage: traj = train(LinearNetwork([2, 2, 2]), method='heavy_ball', friction=2, velocity0='random', seed=4)
        sage: bool(traj.relative_drift()[traj.info['momentum_laws']].max() < 1e-8), traj.info['friction']
        (True, 2.0)
    """
    return _momentum(_Run.from_problem(problem), friction, False, velocity0, horizon, None, records, rtol, atol, solver)


@register_method("nesterov")
def nesterov(problem, velocity0=None, horizon=None, start=None, records=100, rtol=1e-10, atol=1e-12,
             solver="DOP853"):
    r"""
    ``train(..., method='nesterov', start=t0)``: the flow `\ddot\theta + \frac3t\dot\theta = -\nabla L`
    from `t_0 > 0` (default `1`; see :func:`momentum_flow`).

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import train
        sage: traj = train(LinearNetwork([2, 2, 2]), method='nesterov', start=1/2, velocity0='random')
        sage: float(traj.times[0]), bool(traj.relative_drift()[traj.info['momentum_laws']].max() < 1e-8)
        (0.5, True)
    """
    return _momentum(_Run.from_problem(problem), 0, True, velocity0, horizon, start, records, rtol, atol, solver)


@register_method("mirror", positive=_mirror_positive)
def mirror(problem, mirror=None, horizon=None, records=100, rtol=1e-10, atol=1e-12, solver="DOP853"):
    r"""
    ``train(..., method='mirror')``: the flow `\dot\theta = -\mathrm{diag}(\theta)\nabla L`
    on the mirror coordinates (see :func:`mirror_flow`).  The start must be
    positive on them: a given ``theta0`` is checked, the default one is drawn
    positive there (see :func:`~sage_conslaw.flows.descents.positive_coordinates`).

    EXAMPLES::

        sage: from sage_conslaw.architectures import NMF
        sage: from sage_conslaw.flows import train
        sage: nmf = NMF(2, 2, 2)
        sage: traj = train(nmf, method='mirror', theta0=[1, 2, 1, 1, 2, 1, 1, 3])
        sage: bool(traj.relative_drift().max() < 1e-8)
        True
        sage: traj = train(nmf, method='mirror', horizon=0.1)
        sage: bool((traj.thetas > 0).all()), bool(traj.relative_drift().max() < 1e-8)
        (True, True)
    """
    return _mirror(_Run.from_problem(problem), mirror, horizon, records, rtol, atol, solver)


@register_method("weight_decay")
def weight_decay(problem, rate=None, horizon=None, records=100, rtol=1e-10, atol=1e-12, solver="DOP853"):
    r"""
    ``train(..., method='weight_decay', rate=lambda)``: the flow `\dot\theta = -\nabla L - \lambda\theta`
    (see :func:`weight_decay_flow`).

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import train
        sage: traj = train(LinearNetwork([2, 2, 2]), method='weight_decay', rate=1)
        sage: bool(traj.relative_drift()[traj.info['momentum_laws']].max() < 1e-8)
        True
        sage: train(LinearNetwork([2, 2, 2]), method='weight_decay')
        Traceback (most recent call last):
        ...
        TypeError: rate must be a real number, got None
    """
    return _weight_decay(_Run.from_problem(problem), rate, horizon, records, rtol, atol, solver)


def conservation_loss(traj, columns=None):
    r"""
    Return `\max_{h} |h(t) - h(t_0)| / \max(1, |h(t_0)|)` over the given law columns,
    at every recorded time (a numpy array): the "conservation loss".

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import momentum_flow, conservation_loss
        sage: traj = momentum_flow(LinearNetwork([2, 2, 2]), friction=1, seed=0, velocity0='random')
        sage: c = conservation_loss(traj, traj.info['momentum_laws']); c.shape, bool(c.max() < 1e-8)
        ((101,), True)
        sage: bool(conservation_loss(traj, traj.info['gradient_flow_laws'])[-1] > 1e-3)
        True
    """
    L = traj.laws if columns is None else traj.laws[:, list(columns)]
    if L.shape[1] == 0:
        return np.zeros(len(traj.times))
    return np.max(np.abs(L - L[0]) / np.maximum(1.0, np.abs(L[0])), axis=1)


def plot_conservation_loss(traj, figsize=(6, 4)):
    r"""
    Plot the conservation loss of the momentum laws and of the gradient-flow
    laws versus time (log scale), as in the paper's figures.

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.second_order import momentum_flow, plot_conservation_loss
        sage: traj = momentum_flow(LinearNetwork([2, 2, 2]), friction=1, seed=0, velocity0='random')
        sage: fig = plot_conservation_loss(traj)
        sage: [line.get_label() for line in fig.axes[0].get_lines()]
        ['momentum laws (heavy_ball)', 'gradient-flow laws']
    """
    fig = Figure(figsize=figsize)       # no pyplot: no global figure to close, any backend
    ax = fig.subplots()
    tiny = 1e-17
    for key, label in (('momentum_laws', 'momentum laws (%s)' % traj.method),
                       ('gradient_flow_laws', 'gradient-flow laws')):
        cols = traj.info.get(key, [])
        if cols:
            ax.semilogy(traj.times, conservation_loss(traj, cols) + tiny, label=label)
    ax.set_xlabel("t")
    ax.set_ylabel("max relative |h(t) - h(t0)|")
    ax.set_title("conservation loss, %s" % traj.method)
    ax.legend()
    fig.tight_layout()
    return fig
