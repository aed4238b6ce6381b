r"""
Data and initialization for training: synthetic datasets, random starting
points, and checked inputs.

Randomness: one user seed (an integer, or a ``numpy.random.SeedSequence``)
gives independent streams, one per purpose (:data:`STREAMS`): the
initialization, the inputs, the teacher that labels them, the label noise,
the SGD batches.  Each stream is ``SeedSequence(seed)`` extended by its own
spawn key, so changing how one is drawn changes no other, and no seed is
derived by adding offsets.

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows.data import make_dataset, initial_point
    sage: net = LinearNetwork([2, 3, 2])
    sage: X, Y = make_dataset(net, 5, seed=1)
    sage: X.shape, Y.shape, initial_point(net, seed=1).shape
    ((5, 2), (5, 2), (12,))
"""
import numpy as np

from sage_conslaw.core import checks
from sage_conslaw.flows.models import LOSSES, numeric_model

#: The independent random streams of one seed, by purpose (their spawn keys).
STREAMS = {"initialization": 0, "inputs": 1, "teacher": 2, "noise": 3, "batches": 4}


def seed_sequence(seed, stream):
    r"""
    Return the ``numpy.random.SeedSequence`` of one purpose of a user seed.

    INPUT:

    - ``seed`` -- a nonnegative integer or a ``SeedSequence`` (e.g. one of
      ``SeedSequence(s).spawn(k)``, for repeated runs)
    - ``stream`` -- a key of :data:`STREAMS`

    EXAMPLES::

        sage: from sage_conslaw.flows.data import seed_sequence
        sage: seed_sequence(3, 'inputs')
        SeedSequence(
            entropy=3,
            spawn_key=(1,),
        )
        sage: seed_sequence(-1, 'inputs')
        Traceback (most recent call last):
        ...
        ValueError: the seed must be an integer >= 0, got -1
        sage: seed_sequence(1, 'weights')
        Traceback (most recent call last):
        ...
        ValueError: stream must be one of 'initialization', 'inputs', 'teacher', 'noise', 'batches', got 'weights'
    """
    key = STREAMS[checks.one_of(stream, tuple(STREAMS), "stream")]
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (key,))
    return np.random.SeedSequence(checks.nonnegative_integer(seed, "the seed"), spawn_key=(key,))


def spawn(seed, n):
    r"""
    Return ``n`` independent seeds (``SeedSequence`` children of ``seed``), for repeated runs.

    EXAMPLES::

        sage: from sage_conslaw.flows.data import spawn, seed_sequence
        sage: a, b = spawn(5, 2)
        sage: a.spawn_key, b.spawn_key, seed_sequence(a, 'batches').spawn_key
        ((0,), (1,), (0, 4))
        sage: len(spawn(a, 3))
        3
    """
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(checks.nonnegative_integer(seed, "the seed"))
    return seed.spawn(n)


def random_generator(seed, stream):
    r"""
    Return a ``numpy.random.Generator`` for one purpose of a user seed (see :func:`seed_sequence`).

    EXAMPLES::

        sage: from sage_conslaw.flows.data import random_generator
        sage: a = random_generator(0, 'inputs').standard_normal(3)
        sage: bool((a == random_generator(0, 'inputs').standard_normal(3)).all())
        True
        sage: bool((a == random_generator(0, 'teacher').standard_normal(3)).any())
        False
    """
    return np.random.default_rng(seed_sequence(seed, stream))


def _short_repr(x, limit=60):
    r"""
    Return ``repr(x)``, cut to about ``limit`` characters (for error messages).

    TESTS::

        sage: from sage_conslaw.flows.data import _short_repr
        sage: _short_repr('abc'), _short_repr('x' * 100, limit=10)
        ("'abc'", "'xxxxxx...")
    """
    r = repr(x)
    return r if len(r) <= limit else r[:limit - 2] + "..."


def _real_number(x):
    r"""
    Return ``x`` as a float; a string is refused (``TypeError``), even one that spells a number.

    TESTS::

        sage: from sage_conslaw.flows.data import _real_number
        sage: _real_number(1/2), _real_number(3)
        (0.5, 3.0)
        sage: _real_number('1')
        Traceback (most recent call last):
        ...
        TypeError: '1' is a string, not a number
    """
    if isinstance(x, (str, bytes)):
        raise TypeError("%r is a string, not a number" % (x,))
    return float(x)


def as_float_array(x, name, shape):
    r"""
    Return ``x`` as a float64 numpy array, or raise a ``TypeError`` naming it
    (strings, even of digits, and other non-numbers are refused).

    INPUT:

    - ``x`` -- an array-like of real numbers (Python, numpy or Sage numbers)
    - ``name`` -- its name, for the message (``'X'``, ``'Y'``)
    - ``shape`` -- the expected shape, in words, for the message

    EXAMPLES::

        sage: from sage_conslaw.flows.data import as_float_array
        sage: as_float_array([[1, 1/2]], 'X', '(N, input dim)').tolist()
        [[1.0, 0.5]]
        sage: as_float_array('abc', 'X', '(N, input dim)')
        Traceback (most recent call last):
        ...
        TypeError: X must be an array of real numbers of shape (N, input dim), got 'abc'
        sage: as_float_array([['1']], 'Y', '(N, output dim)')
        Traceback (most recent call last):
        ...
        TypeError: Y must be an array of real numbers of shape (N, output dim), got [['1']]
    """
    try:
        a = np.asarray(x)
        if a.dtype.kind in "USV" or (a.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in a.flat)):
            raise TypeError
        return a.astype(float)
    except (TypeError, ValueError):
        raise TypeError("%s must be an array of real numbers of shape %s, got %s"
                        % (name, shape, _short_repr(x))) from None


def as_theta(theta0, D):
    r"""
    Return a starting point as a float64 vector of length `D`, or raise a clear error.

    EXAMPLES::

        sage: from sage_conslaw.flows.data import as_theta
        sage: as_theta([1, 1/2], 2).tolist()
        [1.0, 0.5]
        sage: as_theta(vector([1, 2, 3]), 2)
        Traceback (most recent call last):
        ...
        ValueError: theta0 has 3 coordinates, but the model has D = 2 parameters
        sage: as_theta(None, 2)
        Traceback (most recent call last):
        ...
        TypeError: theta0 must be a sequence of 2 numbers (e.g. model.point(...)), got None
        sage: as_theta([1, float('nan')], 2)
        Traceback (most recent call last):
        ...
        ValueError: theta0 has non-finite coordinates
        sage: as_theta('ab', 2)
        Traceback (most recent call last):
        ...
        TypeError: theta0 must be a sequence of 2 numbers (e.g. model.point(...)), got 'ab'
        sage: as_theta([1, '2'], 2)
        Traceback (most recent call last):
        ...
        TypeError: theta0 must be a sequence of 2 numbers (e.g. model.point(...)), got [1, '2']
    """
    if hasattr(theta0, "list") and callable(theta0.list):
        theta0 = theta0.list()
    try:
        if isinstance(theta0, (str, bytes)):
            raise TypeError
        vals = [_real_number(x) for x in theta0]
    except (TypeError, ValueError):
        raise TypeError("theta0 must be a sequence of %s numbers (e.g. model.point(...)), got %s"
                        % (D, _short_repr(theta0))) from None
    if len(vals) != D:
        raise ValueError("theta0 has %s coordinates, but the model has D = %s parameters" % (len(vals), D))
    theta = np.array(vals, dtype=float)
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite coordinates")
    return theta


def check_data(m, X, Y, loss):
    r"""
    Return ``(X, Y)`` as float arrays fitting the numeric model ``m`` and the
    loss, or raise a clear error (a 1d ``Y`` is a column for one output).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.data import check_data
        sage: m = LinearNetwork([1, 2]).numeric_model()
        sage: X, Y = check_data(m, np.ones((3, 2)), np.zeros(3), 'square'); Y.shape
        (3, 1)
        sage: check_data(m, np.ones((3, 2)), np.zeros((2, 1)), 'square')
        Traceback (most recent call last):
        ...
        ValueError: X and Y must have the same number N of rows, got 3 and 2
        sage: check_data(m, np.ones((3, 2)), np.zeros((3, 1)), 'logistic')
        Traceback (most recent call last):
        ...
        ValueError: the logistic loss needs labels Y in {-1, +1}
        sage: check_data(m, np.ones((3, 2)), np.zeros((3, 1)), 'hinge')
        Traceback (most recent call last):
        ...
        ValueError: unknown loss 'hinge'; use one of 'square', 'logistic'


    A model on sequences also takes one array per sample, e.g. ``(N, L, d_in)`` tokens::

        sage: from sage_conslaw.architectures import Attention
        sage: m = Attention(2, 1, 1, 3).numeric_model(length=4)                         # optional - torch
        sage: X, Y = check_data(m, np.ones((5, 4, 2)), np.zeros((5, 4, 3)), 'square'); X.shape, Y.shape  # optional - torch
        ((5, 8), (5, 12))
        sage: check_data(m, np.ones((5, 2, 4)), np.zeros((5, 12)), 'square')             # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: X must have shape (N, input dim) or (-1, 4, 2), got shape (5, 2, 4)
    """
    X = as_float_array(X, "X", "(N, input dim)")
    Y = as_float_array(Y, "Y", "(N, output dim)")
    # a model on sequences (sage_conslaw.flows.twins) also takes one 2-D array per sample
    shape_in, shape_out = getattr(m, "input_shape", None), getattr(m, "output_shape", None)
    if shape_in is not None and X.shape[1:] == shape_in:
        X = X.reshape(X.shape[0], -1)
    if shape_out is not None and Y.shape[1:] == shape_out:
        Y = Y.reshape(Y.shape[0], -1)
    if X.ndim != 2:
        raise ValueError("X must have shape (N, input dim)%s, got shape %s"
                         % ("" if shape_in is None else " or %s" % ((-1,) + shape_in,), X.shape))
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


def sample_count(N):
    r"""
    Return the number ``N`` of samples as a positive int, or raise ``ValueError``.

    EXAMPLES::

        sage: from sage_conslaw.flows.data import sample_count
        sage: sample_count(ZZ(5))
        5
        sage: sample_count(2.5)
        Traceback (most recent call last):
        ...
        ValueError: N must be a positive integer, got 2.50000000000000
    """
    try:
        return checks.positive_integer(N, "N")
    except (TypeError, ValueError):
        raise ValueError("N must be a positive integer, got %s" % (N,)) from None


#: The offset added to `|\theta_i|` on the coordinates drawn positive by
#: :func:`initial_point`: it keeps the start away from the boundary of the
#: orthant, where the mirror metric `\mathrm{diag}(\theta)` vanishes and the
#: mirror flow barely moves.
POSITIVE_OFFSET = 0.1


def initial_point(model, seed=0, scale=None, stream="initialization", positive=()):
    r"""
    Return a random float initialization `\theta_0` (Gaussian, reproducible from ``seed``).

    INPUT:

    - ``model`` -- a model as accepted by :func:`~sage_conslaw.flows.train.train`
    - ``seed`` -- a nonnegative integer (or a ``SeedSequence``)
    - ``scale`` -- the standard deviation of every coordinate; by default that
      of the numeric model's ``initial_scales()``: for layered networks,
      `1/\sqrt{n_i}` for the entries of `U_i` (fan-in; `U_i` is `n_{i-1}
      \times n_i`) and for the biases of layer `i - 1`, and `1/2` otherwise
    - ``stream`` -- the random stream of the seed (:data:`STREAMS`); a teacher
      draws from ``'teacher'``
    - ``positive`` -- indices of coordinates drawn in the positive orthant:
      there `\theta_i` is `|g_i| + 0.1` (:data:`POSITIVE_OFFSET`) for the
      Gaussian `g_i` of the usual draw, the other coordinates are unchanged
      (this is how :func:`~sage_conslaw.flows.train.train` starts a method
      inside its domain, see :func:`~sage_conslaw.flows.descents.positive_coordinates`)

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows import initial_point
        sage: th = initial_point(LinearNetwork([2, 4, 2]), seed=3)
        sage: th.shape, bool((th == initial_point(LinearNetwork([2, 4, 2]), seed=3)).all())
        ((16,), True)
        sage: bool((th == initial_point(LinearNetwork([2, 4, 2]), seed=3, stream='teacher')).any())
        False
        sage: pos = initial_point(LinearNetwork([2, 4, 2]), seed=3, positive=[0, 1])
        sage: bool((pos[:2] == abs(th[:2]) + 0.1).all()), bool((pos[2:] == th[2:]).all())
        (True, True)
        sage: initial_point(LinearNetwork([2, 4, 2]), positive=[16])
        Traceback (most recent call last):
        ...
        ValueError: the positive coordinates must lie in 0..15, got [16]
    """
    m = numeric_model(model)
    g = random_generator(seed, stream).standard_normal(m.D)
    theta = g * (float(scale) if scale is not None else m.initial_scales())
    positive = sorted({checks.nonnegative_integer(i, "a positive coordinate") for i in positive})
    if positive:
        if positive[-1] >= m.D:
            raise ValueError("the positive coordinates must lie in 0..%s, got %s" % (m.D - 1, positive))
        theta[positive] = np.abs(theta[positive]) + POSITIVE_OFFSET
    return theta


def _labels(Y, task, noise, seed):
    """
    Turn teacher outputs into labels: their sign for classification, plus noise for regression.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.flows.data import _labels
        sage: _labels(np.array([[0.5], [-2.]]), 'classification', 0.0, 0).tolist()
        [[1.0], [-1.0]]
        sage: bool((_labels(np.zeros((2, 1)), 'regression', 0.1, 0) != 0).all())
        True
    """
    if task == "classification":
        return np.where(Y >= 0, 1.0, -1.0)
    if noise:
        return Y + noise * random_generator(seed, "noise").standard_normal(Y.shape)
    return Y


def make_dataset(model, N, seed=0, task="regression", noise=0.0, input_dim=None):
    r"""
    Return a synthetic dataset ``(X, Y)`` for ``model``, reproducibly.

    `X` is standard Gaussian; `Y` is the output of a random *teacher* of the
    same architecture (its parameters drawn from the ``'teacher'`` stream of
    ``seed``), plus Gaussian noise of standard deviation ``noise`` for
    regression, or its sign (labels `\pm 1`) for classification.

    INPUT:

    - ``model`` -- a model as accepted by :func:`~sage_conslaw.flows.train.train`
    - ``N`` -- the number of samples
    - ``seed`` -- a nonnegative integer (or a ``SeedSequence``)
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
        sage: make_dataset(ReLUNetwork([1, 3, 4]), 0)
        Traceback (most recent call last):
        ...
        ValueError: N must be a positive integer, got 0
    """
    if task not in ("regression", "classification"):
        raise ValueError("task must be 'regression' or 'classification', got %r" % (task,))
    N = sample_count(N)
    m = numeric_model(model)
    n_in = m.input_dim if getattr(m, "input_dim", None) is not None else input_dim
    if n_in is None:
        raise ValueError("give input_dim for a model (phi, f, grad_f)")
    X = random_generator(seed, "inputs").standard_normal((N, int(n_in)))
    Y = m.forward(initial_point(m, seed, stream="teacher"), X)
    return X, _labels(Y, task, noise, seed)


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
    horizon is then checked by :func:`~sage_conslaw.flows.train.train`
    (``activation_changed``), not assumed.

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
        sage: relu_region_start(net, 0)
        Traceback (most recent call last):
        ...
        ValueError: N must be a positive integer, got 0
    """
    m = numeric_model(model)
    if not getattr(m, "relu", False):
        raise ValueError("relu_region_start needs a ReLU network, got %r" % (m,))
    N = sample_count(N)
    margin = float(margin)
    X = np.abs(random_generator(seed, "inputs").standard_normal((N, m.input_dim))) + margin
    Y = m.forward(initial_point(m, seed, stream="teacher"), X)      # a generic teacher on the same inputs
    Y = _labels(Y - Y.mean(axis=0), task, 0.0, seed)
    theta = initial_point(m, seed)
    for P in m.incoming():
        s = P.slice
        if P.role == "weight":
            n = m.dims[P.layer]
            theta[s] = (np.abs(theta[s]) * np.sqrt(n) + margin) / n
        else:
            theta[s] = np.abs(theta[s]) + margin
    return X, Y, theta
