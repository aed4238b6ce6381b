r"""
Training: gradient flow, gradient descent, SGD and heavy-ball momentum, with the
conservation laws recorded along the way.

:func:`train` is the one entry point: it checks the model, the data and the
starting point, then runs the method of :data:`~sage_conslaw.flows.descents.METHODS`
by name.  The pieces live in their own modules:
:mod:`~sage_conslaw.flows.data` (datasets, initialization, seeds),
:mod:`~sage_conslaw.flows.descents` (the methods, one function each; adding
one is one registered function), :mod:`~sage_conslaw.flows.trajectory`
(:class:`Trajectory`) and :mod:`~sage_conslaw.flows.experiments` (drift
studies, which call :func:`train`).  Their public names are importable from
:mod:`sage_conslaw.flows`; the data and trajectory names also from here.

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
import warnings

from sage_conslaw.architectures.base import Architecture
from sage_conslaw.core import checks
from sage_conslaw.flows import second_order  # noqa: F401  (registers heavy_ball, nesterov, mirror, weight_decay)
from sage_conslaw.flows.data import (as_theta, check_data, initial_point, make_dataset,  # noqa: F401
                                     relu_region_start)
from sage_conslaw.flows.descents import METHODS, Problem, method_options, positive_coordinates
from sage_conslaw.flows.models import numeric_model
from sage_conslaw.flows.trajectory import Trajectory  # noqa: F401


def train(model, X=None, Y=None, *, method="flow", eta=0.01, horizon=None, steps=None, batch_size=None,
          momentum=0.9, theta0=None, seed=0, loss="square", laws=None, rtol=1e-10, atol=1e-12,
          solver="DOP853", record_every=None, records=100, record_thetas=True, N=50,
          task="regression", progress=False, stop_on_switch=False, max_nfev=10 ** 6, **method_keywords):
    r"""
    Train ``model`` and record its loss and conservation laws along the way.

    INPUT:

    - ``model`` -- an architecture with a numeric twin (those of
      :func:`~sage_conslaw.flows.models.trainable_architectures`: linear and
      ReLU networks, matrix factorization, ``ScalarTimesVector``, NMF, ICNN,
      attention, convolution, residual blocks and sequences of blocks -- whose
      samples are flattened sequences, see :mod:`~sage_conslaw.flows.twins`), or
      ``(phi, f, grad_f)``: a Reparametrization ``phi``, a callable ``f(z, X)``
      (predictions ``(N, output dim)``) and its Jacobian ``grad_f(z, X)``
      (shape ``(N, output dim, d)``)
    - ``X``, ``Y`` -- arrays ``(N, input dim)``, ``(N, output dim)``; if both are
      ``None``, a synthetic dataset ``make_dataset(model, N, seed, task)``
    - ``method`` -- ``'flow'`` (``solve_ivp``), ``'gd'``, ``'sgd'``, ``'momentum'`` (heavy ball),
      or any other name of :data:`~sage_conslaw.flows.descents.METHODS`
    - ``eta`` -- the step size of the discrete methods
    - ``horizon`` -- the final time `T` (flow; discrete methods: ``steps = round(T/eta)``);
      default ``1.0`` for the flow
    - ``steps`` -- the number of steps of the discrete methods (default
      ``round(horizon / eta)``, else 100).  For the flow, ``steps`` used to mean
      the number of recorded intervals: that still works but is deprecated
      (a ``DeprecationWarning``); use ``records``
    - ``batch_size`` -- the mini-batch size of SGD (default ``max(1, N // 10)``);
      each step draws a batch without replacement
    - ``momentum`` -- `\beta` of the heavy ball `v \leftarrow \beta v - \eta\nabla L`, `\theta \leftarrow \theta + v`
    - ``theta0`` -- the initialization: ``model.point(...)`` or any length-`D`
      sequence (floats allowed); default :func:`initial_point` ``(model, seed)``,
      drawn inside the domain of the method: positive (the absolute value of
      the usual draw, plus `0.1`) on the coordinates of
      :func:`~sage_conslaw.flows.descents.positive_coordinates` -- those the
      model wants positive (all of NMF, `U` of ICNN) and, for ``'mirror'``,
      the mirror coordinates; a given ``theta0`` is used as it is
    - ``seed`` -- a nonnegative integer (or a ``numpy.random.SeedSequence``):
      the initialization, the synthetic data and the SGD batches draw from
      independent streams of it (:func:`~sage_conslaw.flows.data.seed_sequence`)
    - ``loss`` -- ``'square'`` (regression) or ``'logistic'`` (labels `\pm 1`)
    - ``laws`` -- extra Sage polynomials to record (after the known laws of the model)
    - ``rtol``, ``atol`` -- tolerances of the flow's adaptive solver
    - ``solver`` -- the integrator of ``solve_ivp`` for the continuous methods: a name of
      :data:`~sage_conslaw.flows.descents.ODE_SOLVERS` (default ``'DOP853'``)
    - ``records`` -- the flow: the number of recorded intervals; discrete
      methods: about that many records
    - ``record_every`` -- discrete methods: record every so many steps
      (default: about ``records`` records)
    - ``record_thetas`` -- keep the parameters of every record
    - ``progress`` -- show a ``tqdm`` progress bar (on a terminal)
    - ``N``, ``task`` -- the size and task of the synthetic dataset (when ``X``, ``Y`` are not given)
    - ``stop_on_switch`` -- flow of a ReLU network: stop the integration at the
      first change of activation pattern (the trajectory then ends there)
    - further keywords are options of the method itself, e.g. ``friction`` and
      ``velocity0`` of ``'heavy_ball'`` (:mod:`~sage_conslaw.flows.second_order`);
      one the method does not take is a ``TypeError``
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
        ValueError: unknown method 'adam'; use one of 'flow', 'gd', 'sgd', 'momentum', 'heavy_ball', 'nesterov', 'mirror', 'weight_decay'
        sage: train(net, method='gd', friction=1)
        Traceback (most recent call last):
        ...
        TypeError: train(method='gd') got unexpected option friction
        sage: t = train(net, method='flow', steps=10)
        doctest:warning...
        DeprecationWarning: train(method='flow', steps=10): for the flow, steps meant the number of recorded intervals; use records=10 (steps is the number of steps of the discrete methods)
        sage: len(t.times)
        11
        sage: train(net, theta0=[1, 2, 3])
        Traceback (most recent call last):
        ...
        ValueError: theta0 has 3 coordinates, but the model has D = 4 parameters
        sage: import numpy as np
        sage: train(net, np.zeros((5, 2)), np.zeros((5, 1)))
        Traceback (most recent call last):
        ...
        ValueError: X must have shape (N, 1) for this model (input dim 1), got (5, 2)
        sage: train(net, 'abc', 'def')
        Traceback (most recent call last):
        ...
        TypeError: X must be an array of real numbers of shape (N, input dim), got 'abc'
        sage: train(net, theta0='abcd')
        Traceback (most recent call last):
        ...
        TypeError: theta0 must be a sequence of 4 numbers (e.g. model.point(...)), got 'abcd'
        sage: train(net, solver='foo')
        Traceback (most recent call last):
        ...
        ValueError: solver must be one of 'RK45', 'RK23', 'DOP853', 'Radau', 'BDF', 'LSODA' (the integrators of scipy's solve_ivp) or a subclass of scipy.integrate.OdeSolver, got 'foo'

    A model whose laws are those of its mirror flow (NMF, ICNN), trained by
    another method, records them with a warning (they drift)::

        sage: from sage_conslaw.architectures import NMF
        sage: traj = train(NMF(1, 1, 1), horizon=0.01)
        doctest:warning...
        UserWarning: the known laws of NMF [1, 1, 1] (phi = UV, mirror flow on U and V): D = 2 parameters are laws of its mirror flow; method='flow' is another flow, under which they drift: use method='mirror' to follow them
        sage: traj = train(NMF(1, 1, 1), method='mirror', horizon=0.01)
    """
    if method not in METHODS:
        raise ValueError("unknown method %r; use one of %s" % (method, ", ".join(map(repr, METHODS))))
    m = numeric_model(model)
    _warn_if_mirror_laws(model, method, laws)
    run = METHODS[method]
    own = method_options(run, method_keywords)
    if len(own) != len(method_keywords):
        raise TypeError("train(method=%r) got unexpected option%s %s" % (
            method, "s" if len(method_keywords) - len(own) > 1 else "",
            ", ".join(sorted(k for k in method_keywords if k not in own))))
    if (X is None) != (Y is None):
        raise ValueError("give both X and Y, or neither (synthetic data)")
    if X is None:
        X, Y = make_dataset(m, N, seed=seed, task=task)
    X, Y = check_data(m, X, Y, loss)
    if theta0 is None:
        theta = initial_point(m, seed, positive=positive_coordinates(m, method, own))
    else:
        theta = as_theta(theta0, m.D)
    if method == "flow" and steps is not None:
        warnings.warn("train(method='flow', steps=%s): for the flow, steps meant the number of recorded "
                      "intervals; use records=%s (steps is the number of steps of the discrete methods)"
                      % (steps, steps), DeprecationWarning, stacklevel=2)
        records, steps = steps, None
    problem = Problem(m, X, Y, loss, theta, laws=laws, seed=seed, progress=progress)
    options = dict(eta=eta, horizon=horizon, steps=steps, batch_size=batch_size, momentum=momentum, rtol=rtol,
                   atol=atol, solver=solver, record_every=record_every, records=records,
                   record_thetas=record_thetas, stop_on_switch=checks.boolean(stop_on_switch, "stop_on_switch"),
                   max_nfev=max_nfev)
    return run(problem, **method_options(run, options), **own)


def _warn_if_mirror_laws(model, method, laws):
    r"""
    Warn when the recorded laws (the model's known laws, ``laws=None``) are
    those of a mirror flow built into the model (it has a ``metric``: NMF,
    ICNN) and ``method`` is another flow.

    TESTS::

        sage: import warnings
        sage: from sage_conslaw.flows.train import _warn_if_mirror_laws
        sage: from sage_conslaw.architectures import ICNN, LinearNetwork
        sage: with warnings.catch_warnings(record=True) as w:
        ....:     warnings.simplefilter("always")
        ....:     _warn_if_mirror_laws(ICNN(1, 1, 1), 'gd', None)
        ....:     _warn_if_mirror_laws(ICNN(1, 1, 1), 'mirror', None)
        ....:     _warn_if_mirror_laws(ICNN(1, 1, 1), 'gd', [])
        ....:     _warn_if_mirror_laws(LinearNetwork([1, 1]), 'gd', None)
        sage: len(w), "method='gd'" in str(w[0].message)
        (1, True)
    """
    if (laws is None and method != "mirror" and isinstance(model, Architecture)
            and model.metric() is not None):
        warnings.warn("the known laws of %s are laws of its mirror flow; method=%r is another flow, under which "
                      "they drift: use method='mirror' to follow them" % (model, method), UserWarning, stacklevel=3)

