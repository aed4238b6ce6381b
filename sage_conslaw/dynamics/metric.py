r"""
Metrics of non-Euclidean gradient flows `\dot\theta = -M(\theta)\nabla L(\theta)`.

With `L = f(\phi(\theta))`, `\nabla L = \sum_j \partial_j f(\phi)\, \nabla\phi_j`,
so the velocity is a combination, with arbitrary coefficients, of the fields
`M(\theta)\nabla\phi_j`: these are the generators whose Lie algebra counts
the conservation laws, exactly as for the Euclidean flow (`M = I`).

The *mirror* (entropic) metric is `M = \mathrm{diag}(\theta)`, the continuous
limit of multiplicative updates: with `\theta = e^w` coordinatewise,
`\dot\theta = \theta \odot \dot w`, so `\dot\theta = -\theta \odot \nabla_\theta L`
is the Euclidean flow `\dot w = -\nabla_w L` of `w`; it lives in the positive
orthant, where the random points are drawn.

A metric is a :class:`~sage_conslaw.core.metric.Metric` (entries, fields,
numeric form, declared mirror coordinates).  This module reads the user's
metric (:func:`as_metric`), checks that it is a metric somewhere
(:func:`check_metric`) and forms the fields `M\nabla\phi_j`
(:func:`metric_fields`), for
:class:`~sage_conslaw.dynamics.preconditioned.Preconditioned` and for the
architectures with a metric built in (NMF, ICNN).

EXAMPLES::

    sage: from sage_conslaw.dynamics.metric import as_metric, metric_fields
    sage: R.<u,v> = QQ[]
    sage: M = as_metric('mirror', R); M
    [u 0]
    [0 v]
    sage: M.mirror_coordinates()
    [0, 1]
    sage: metric_fields(M, [[v, u]])
    [(u*v, u*v)]
"""
import random

from sage.rings.rational_field import QQ
from sage.structure.element import Matrix

from sage_conslaw.core.metric import Metric


def as_metric(metric, ring):
    r"""
    Return the user's metric as a :class:`~sage_conslaw.core.metric.Metric` over ``ring``.

    INPUT:

    - ``metric`` -- ``'mirror'`` (`\mathrm{diag}(\theta)`), a list of `D`
      polynomials (a diagonal metric), or a symmetric `D \times D` matrix whose
      entries are polynomials of ``ring`` (constants allowed)
    - ``ring`` -- the polynomial ring of the parameters

    What is accepted (see :func:`check_metric`): a metric that can be one
    somewhere.  Refused (``ValueError``): a metric singular everywhere
    (`\det M = 0` as a polynomial: a zero diagonal entry, the zero matrix), a
    diagonal entry that is a constant `\le 0`, and a constant matrix that is
    not positive definite -- such an `M` is positive definite nowhere.  A
    non-constant metric is accepted as given: it must be positive definite
    where the flow runs (``'mirror'``: on the positive orthant), which is not
    checked.  Its laws are still meaningful: they are the polynomial laws of
    the fields `M\nabla\phi_j`, and the count, generic in `\theta`, is the
    same on every nonempty open set, the region of the flow included.

    EXAMPLES::

        sage: from sage_conslaw.dynamics.metric import as_metric
        sage: R.<u,v> = QQ[]
        sage: as_metric([1, u^2], R).diagonal()
        [1, u^2]
        sage: as_metric(matrix(R, [[1, u], [u, 2]]), R)
        [1 u]
        [u 2]
        sage: as_metric([2, 1], R).mirror_coordinates(), as_metric('mirror', R).mirror_coordinates()
        ([], [0, 1])

    Bad input::

        sage: as_metric([u], R)
        Traceback (most recent call last):
        ...
        ValueError: a diagonal metric needs D = 2 entries (one per parameter), got 1
        sage: as_metric(matrix(QQ, 3, 3, 1), R)
        Traceback (most recent call last):
        ...
        ValueError: the metric must be a 2 x 2 matrix (D = 2 parameters), got 3 x 3
        sage: S.<a,b> = QQ[]
        sage: as_metric(matrix(S, [[a, 0], [0, b]]), R)
        Traceback (most recent call last):
        ...
        TypeError: the metric entry a lives in Multivariate Polynomial Ring in a, b over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in u, v over Rational Field
        sage: as_metric(matrix(R, [[1, u], [0, 1]]), R)
        Traceback (most recent call last):
        ...
        ValueError: the metric must be symmetric (M = M^T); got [1 u]
        [0 1]
        sage: as_metric('entropy', R)
        Traceback (most recent call last):
        ...
        ValueError: metric must be 'mirror', a list of D polynomials or a D x D matrix, got 'entropy'
        sage: as_metric(None, R)
        Traceback (most recent call last):
        ...
        TypeError: metric must be 'mirror', a list of D polynomials or a D x D matrix, got None
    """
    D = ring.ngens()
    if isinstance(metric, str):
        if metric != 'mirror':
            raise ValueError("metric must be 'mirror', a list of D polynomials or a D x D matrix, got %r"
                             % (metric,))
        return Metric.mirror(ring)
    if isinstance(metric, Matrix) or hasattr(metric, "shape") and len(getattr(metric, "shape", ())) == 2:
        if not isinstance(metric, Matrix):
            raise TypeError("the metric must be a Sage matrix over the model's ring (numpy arrays are "
                            "inexact), e.g. matrix(R, rows)")
        return check_metric(Metric(ring, matrix=metric))
    if isinstance(metric, (list, tuple)):
        return check_metric(Metric(ring, diagonal=metric))
    raise TypeError("metric must be 'mirror', a list of D polynomials or a D x D matrix, got %r" % (metric,))


def check_metric(metric):
    r"""
    Return a normalized metric (see :func:`as_metric`) if it can be a metric
    somewhere, else raise ``ValueError``.

    Refused: a metric singular everywhere (`\det M = 0` as a polynomial); a
    diagonal entry that is a constant `\le 0` (a positive definite matrix has
    a positive diagonal, so `M` is positive definite nowhere); a constant
    matrix that is not positive definite.  A non-constant metric is not
    checked further (it must be positive definite where the flow runs).

    Whether `\det M` vanishes identically is decided exactly: a nonzero
    value at one point proves it does not (points with random integer
    coordinates are tried first); otherwise the determinant is expanded.

    EXAMPLES::

        sage: from sage_conslaw.dynamics.metric import check_metric
        sage: from sage_conslaw.core.metric import Metric
        sage: R.<u,v> = QQ[]
        sage: check_metric(Metric(R, diagonal=[1, u])).diagonal()
        [1, u]
        sage: check_metric(Metric(R, diagonal=[1, 0]))
        Traceback (most recent call last):
        ...
        ValueError: the metric is singular everywhere (its diagonal entry 1 is 0): it is a metric nowhere
        sage: check_metric(Metric(R, diagonal=[-1, u]))
        Traceback (most recent call last):
        ...
        ValueError: the metric has the constant entry -1 <= 0 on its diagonal (entry 0): it is positive definite nowhere
        sage: check_metric(Metric(R, matrix=matrix(R, [[u, u], [u, u]])))
        Traceback (most recent call last):
        ...
        ValueError: the metric is singular everywhere (det M = 0 identically): it is a metric nowhere
        sage: check_metric(Metric(R, matrix=matrix(R, [[1, 2], [2, 1]])))
        Traceback (most recent call last):
        ...
        ValueError: the constant metric is not positive definite: [1 2]
        [2 1]
        sage: check_metric(Metric(R, matrix=matrix(R, [[1, u], [u, 1]]))).is_diagonal()
        False
        sage: check_metric(Metric(R, matrix=matrix(R, [[0, u], [u, 1]])))
        Traceback (most recent call last):
        ...
        ValueError: the metric has the constant entry 0 <= 0 on its diagonal (entry 0): it is positive definite nowhere
    """
    diagonal = metric.diagonal()
    M = None if metric.is_diagonal() else metric.matrix()
    constant = M is not None and all(c.is_constant() for c in M.list())
    if constant:
        K = M.base_ring().base_ring()
        C = M.apply_map(lambda c: c.constant_coefficient(), K)
        if C.det().is_zero():
            raise ValueError("the metric is singular everywhere (det M = 0 identically): it is a metric nowhere")
    for i, c in enumerate(diagonal):
        if c.is_zero() and M is None:
            raise ValueError("the metric is singular everywhere (its diagonal entry %s is 0): it is a metric "
                             "nowhere" % i)
        if c.is_constant() and _is_nonpositive(c.constant_coefficient()):
            raise ValueError("the metric has the constant entry %s <= 0 on its diagonal (entry %s): it is "
                             "positive definite nowhere" % (c, i))
    if M is None:
        return metric
    if constant:
        if not C.is_positive_definite():
            raise ValueError("the constant metric is not positive definite: %s" % (C,))
        return metric
    if _identically_singular(M):
        raise ValueError("the metric is singular everywhere (det M = 0 identically): it is a metric nowhere")
    return metric


def _is_nonpositive(c):
    r"""
    Whether the constant ``c`` is a number `\le 0` (``False`` over a field
    without order; fields of positive characteristic are refused earlier, by
    :func:`~sage_conslaw.core.points.to_exact_polynomial`).

    TESTS::

        sage: from sage_conslaw.dynamics.metric import _is_nonpositive
        sage: _is_nonpositive(QQ(-1)), _is_nonpositive(QQ(2)), _is_nonpositive(GF(7)(3))
        (True, False, False)
    """
    if c.parent() is not QQ and not QQ.has_coerce_map_from(c.parent()):
        return False
    return QQ(c) <= 0


def _identically_singular(M, tries=3):
    r"""
    Whether the square polynomial matrix ``M`` has `\det M = 0` identically:
    ``False`` as soon as it is invertible at a point with random integer
    coordinates (a proof), else the expanded determinant decides.

    TESTS::

        sage: from sage_conslaw.dynamics.metric import _identically_singular
        sage: R.<u,v> = QQ[]
        sage: _identically_singular(matrix(R, [[u, v], [v, u]])), _identically_singular(matrix(R, [[u, v], [u, v]]))
        (False, True)
    """
    R = M.base_ring()
    K = R.base_ring()
    rng = random.Random(0)
    for _ in range(tries):
        point = [K(rng.randint(-10 ** 6, 10 ** 6)) for _ in range(R.ngens())]
        if not M.apply_map(lambda c: c(*point), K).det().is_zero():
            return False
    return M.det().is_zero()


def metric_fields(metric, gradients):
    r"""
    Return the fields `M \nabla\phi_j` (see :meth:`~sage_conslaw.core.metric.Metric.fields`).

    INPUT:

    - ``metric`` -- a :class:`~sage_conslaw.core.metric.Metric`
    - ``gradients`` -- the fields `\nabla\phi_j` (vector fields or lists of polynomials)

    OUTPUT: a list of tuples of polynomials (zero fields are kept: the family
    keeps one generator per `\phi_j`)

    EXAMPLES::

        sage: from sage_conslaw.dynamics.metric import metric_fields
        sage: from sage_conslaw.core.metric import Metric
        sage: R.<u,v> = QQ[]
        sage: metric_fields(Metric(R, diagonal=[u, 1]), [[v, u]])
        [(u*v, u)]
        sage: metric_fields(Metric(R, matrix=matrix(R, [[0, 1], [1, 0]])), [[v, u]])
        [(u, v)]
        sage: metric_fields(('diagonal', (u, 1)), [[v, u]])
        Traceback (most recent call last):
        ...
        TypeError: a metric is a Metric (sage_conslaw.core.metric), got ('diagonal', (u, 1))
    """
    if not isinstance(metric, Metric):
        raise TypeError("a metric is a Metric (sage_conslaw.core.metric), got %r" % (metric,))
    return metric.fields(gradients)
