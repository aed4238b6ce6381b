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

This module is the one home of metrics: it normalizes the user's metric
(:func:`as_metric`) and forms the fields `M\nabla\phi_j` (:func:`metric_fields`),
for :class:`~sage_conslaw.dynamics.preconditioned.Preconditioned` and for
the architectures with a metric built in (NMF, ICNN).

EXAMPLES::

    sage: from sage_conslaw.dynamics.metric import as_metric, metric_fields
    sage: R.<u,v> = QQ[]
    sage: M = as_metric('mirror', R); M
    ('diagonal', (u, v))
    sage: metric_fields(M, [[v, u]])
    [(u*v, u*v)]
"""
from sage.matrix.constructor import matrix
from sage.structure.element import Matrix

from sage_conslaw.core.points import to_exact_polynomial


def as_metric(metric, ring):
    r"""
    Return the metric as ``('diagonal', entries)`` or ``('matrix', M)`` over ``ring``.

    INPUT:

    - ``metric`` -- ``'mirror'`` (`\mathrm{diag}(\theta)`), a list of `D`
      polynomials (a diagonal metric), or a symmetric `D \times D` matrix whose
      entries are polynomials of ``ring`` (constants allowed)
    - ``ring`` -- the polynomial ring of the parameters

    EXAMPLES::

        sage: from sage_conslaw.dynamics.metric import as_metric
        sage: R.<u,v> = QQ[]
        sage: as_metric([1, u^2], R)
        ('diagonal', (1, u^2))
        sage: as_metric(matrix(R, [[1, u], [u, 2]]), R)[1]
        [1 u]
        [u 2]

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
        return ('diagonal', tuple(ring.gens()))
    if isinstance(metric, Matrix) or hasattr(metric, "shape") and len(getattr(metric, "shape", ())) == 2:
        if not isinstance(metric, Matrix):
            raise TypeError("the metric must be a Sage matrix over the model's ring (numpy arrays are "
                            "inexact), e.g. matrix(R, rows)")
        if metric.dimensions() != (D, D):
            raise ValueError("the metric must be a %s x %s matrix (D = %s parameters), got %s x %s"
                             % (D, D, D, metric.nrows(), metric.ncols()))
        entries = [to_exact_polynomial(c, ring, "the metric entry") for c in metric.list()]
        M = matrix(ring, D, D, entries)
        if M != M.transpose():
            raise ValueError("the metric must be symmetric (M = M^T); got %s" % (M,))
        return ('matrix', M)
    if isinstance(metric, (list, tuple)):
        if len(metric) != D:
            raise ValueError("a diagonal metric needs D = %s entries (one per parameter), got %s"
                             % (D, len(metric)))
        return ('diagonal', tuple(to_exact_polynomial(c, ring, "the metric entry") for c in metric))
    raise TypeError("metric must be 'mirror', a list of D polynomials or a D x D matrix, got %r" % (metric,))


def metric_fields(metric, gradients):
    r"""
    Return the fields `M \nabla\phi_j` for a normalized metric (see :func:`as_metric`).

    INPUT:

    - ``metric`` -- ``('diagonal', entries)`` or ``('matrix', M)``
    - ``gradients`` -- the fields `\nabla\phi_j` (vector fields or lists of polynomials)

    OUTPUT: a list of tuples of polynomials (zero fields are kept: the family
    keeps one generator per `\phi_j`)

    EXAMPLES::

        sage: from sage_conslaw.dynamics.metric import metric_fields
        sage: R.<u,v> = QQ[]
        sage: metric_fields(('diagonal', (u, 1)), [[v, u]])
        [(u*v, u)]
        sage: metric_fields(('matrix', matrix(R, [[0, 1], [1, 0]])), [[v, u]])
        [(u, v)]
    """
    kind, M = metric
    out = []
    for X in gradients:
        comps = list(X.components()) if hasattr(X, "components") else list(X)
        if kind == 'diagonal':
            out.append(tuple(m * c for m, c in zip(M, comps)))
        else:
            R = M.base_ring()
            out.append(tuple(sum((M[i, k] * comps[k] for k in range(len(comps)) if comps[k] and M[i, k]),
                                 R.zero()) for i in range(M.nrows())))
    return out
