r"""
Metrics of non-Euclidean gradient flows `\dot\theta = -M(\theta)\nabla L(\theta)`.

With `L = f(\phi(\theta))` the velocity is a combination of the fields
`M(\theta)\nabla\phi_j`: they generate the dynamics (see
:mod:`~sage_conslaw.dynamics.metric`).  A :class:`Metric` is the one object
the package passes around for `M`: its entries (diagonal or full, polynomials
of the model's ring), the fields `M\nabla\phi_j`, its numeric form at a point,
and its *mirror coordinates*, stated explicitly when the metric is built
(never guessed from the entries: ``diag(2, 1)`` is a constant rescaling, not
a mirror metric on its first coordinate).  The mirror coordinates are those
with `M_{ii} = \theta_i`, where the flow is `\dot\theta_i = -\theta_i
\partial_i L`: they stay positive, and a point must have them positive.

Every model has a ``metric()`` method
(:meth:`~sage_conslaw.core.model.ConservationModel.metric`): ``None`` for the
Euclidean flow, else a :class:`Metric`.

EXAMPLES::

    sage: from sage_conslaw.core.metric import Metric
    sage: R.<u,v> = QQ[]
    sage: M = Metric.mirror(R); M
    [u 0]
    [0 v]
    sage: M.mirror_coordinates(), M.is_diagonal(), M.diagonal()
    ([0, 1], True, [u, v])
    sage: M.fields([[v, u]])
    [(u*v, u*v)]
    sage: Metric(R, diagonal=[2, 1]).mirror_coordinates()      # a rescaling, not a mirror
    []
"""
import numpy as np

from sage.matrix.constructor import matrix
from sage.matrix.special import diagonal_matrix
from sage.structure.sage_object import SageObject

from sage_conslaw.core.checks import nonnegative_integer
from sage_conslaw.core.points import to_exact_polynomial


class Metric(SageObject):
    r"""
    A metric `M(\theta)` of a flow `\dot\theta = -M(\theta)\nabla L`.

    INPUT:

    - ``ring`` -- the polynomial ring of the parameters
    - ``diagonal`` -- the `D` diagonal entries (polynomials or numbers), or
    - ``matrix`` -- a symmetric `D \times D` matrix (exactly one of the two)
    - ``mirror`` -- the indices of the mirror coordinates (default: none); each
      must have the diagonal entry `\theta_i`

    The entries are converted exactly (strings are parsed, never evaluated;
    floats and values of positive characteristic are refused).  Whether `M` is
    positive definite somewhere is checked by
    :func:`~sage_conslaw.dynamics.metric.check_metric` when a user gives it.

    EXAMPLES::

        sage: from sage_conslaw.core.metric import Metric
        sage: R.<u,v> = QQ[]
        sage: M = Metric(R, matrix=matrix(R, [[1, u], [u, 2]])); M.is_diagonal(), M.D
        (False, 2)
        sage: M == Metric(R, matrix=matrix(R, [[1, u], [u, 2]])), M == Metric(R, diagonal=[1, 2])
        (True, False)
        sage: Metric(R, diagonal=[u, 1], mirror=[0]).mirror_coordinates()
        [0]
        sage: Metric(R, diagonal=[2, 1], mirror=[0])
        Traceback (most recent call last):
        ...
        ValueError: coordinate 0 is declared a mirror coordinate, but its diagonal entry is 2, not u
        sage: Metric(R, diagonal=[1])
        Traceback (most recent call last):
        ...
        ValueError: a diagonal metric needs D = 2 entries (one per parameter), got 1
        sage: Metric(R)
        Traceback (most recent call last):
        ...
        TypeError: a Metric needs exactly one of diagonal= and matrix=
        sage: Metric(R, matrix=matrix(R, [[1, u], [0, 1]]))
        Traceback (most recent call last):
        ...
        ValueError: the metric must be symmetric (M = M^T); got [1 u]
        [0 1]
    """

    def __init__(self, ring, diagonal=None, matrix=None, mirror=()):
        r"""
        TESTS::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric(R, diagonal=["u^2 + 1", 1]).diagonal()
            [u^2 + 1, 1]
            sage: Metric(R, diagonal=[GF(7)(2), 1])
            Traceback (most recent call last):
            ...
            TypeError: the metric entry 2 has coefficients in Finite Field of size 7, of characteristic 7: ...
        """
        D = ring.ngens()
        self._ring = ring
        if (diagonal is None) == (matrix is None):
            raise TypeError("a Metric needs exactly one of diagonal= and matrix=")
        if diagonal is not None:
            diagonal = list(diagonal)
            if len(diagonal) != D:
                raise ValueError("a diagonal metric needs D = %s entries (one per parameter), got %s"
                                 % (D, len(diagonal)))
            self._diagonal = tuple(to_exact_polynomial(c, ring, "the metric entry") for c in diagonal)
            self._matrix = None
        else:
            if matrix.dimensions() != (D, D):
                raise ValueError("the metric must be a %s x %s matrix (D = %s parameters), got %s x %s"
                                 % (D, D, D, matrix.nrows(), matrix.ncols()))
            entries = [to_exact_polynomial(c, ring, "the metric entry") for c in matrix.list()]
            M = _matrix(ring, D, D, entries)
            if M != M.transpose():
                raise ValueError("the metric must be symmetric (M = M^T); got %s" % (M,))
            M.set_immutable()
            self._matrix, self._diagonal = M, None
        mirror = sorted({nonnegative_integer(i, "a mirror coordinate") for i in mirror})
        diag = self.diagonal()
        for i in mirror:
            if i >= D:
                raise ValueError("mirror coordinates must lie in 0..%s, got %s" % (D - 1, i))
            if diag[i] != ring.gen(i) or (self._matrix is not None and
                                          any(self._matrix[i, j] for j in range(D) if j != i)):
                raise ValueError("coordinate %s is declared a mirror coordinate, but its diagonal entry is %s, "
                                 "not %s" % (i, diag[i], ring.gen(i)))
        self._mirror = tuple(mirror)

    @classmethod
    def mirror(cls, ring, coordinates=None):
        r"""
        The mirror (entropic) metric: `M_{ii} = \theta_i` on ``coordinates``
        (default: all), `1` elsewhere; those coordinates are its mirror coordinates.

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<a,b,c> = QQ[]
            sage: M = Metric.mirror(R, [0, 2]); M.diagonal(), M.mirror_coordinates()
            ([a, 1, c], [0, 2])
        """
        coordinates = range(ring.ngens()) if coordinates is None else coordinates
        chosen = set(coordinates)
        return cls(ring, diagonal=[x if i in chosen else ring.one() for i, x in enumerate(ring.gens())],
                   mirror=chosen)

    def ring(self):
        r"""
        The polynomial ring of the parameters.

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric.mirror(R).ring() is R
            True
        """
        return self._ring

    @property
    def D(self):
        r"""
        The number of parameters.

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: Metric.mirror(QQ['u,v,w']).D
            3
        """
        return self._ring.ngens()

    def is_diagonal(self):
        r"""
        Whether the metric was given by its diagonal.

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric(R, diagonal=[1, u]).is_diagonal(), Metric(R, matrix=identity_matrix(R, 2)).is_diagonal()
            (True, False)
        """
        return self._diagonal is not None

    def diagonal(self):
        r"""
        The diagonal entries (a list, as ``matrix.diagonal()``).

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric(R, matrix=matrix(R, [[1, u], [u, 2]])).diagonal()
            [1, 2]
        """
        return list(self._diagonal) if self._diagonal is not None else self._matrix.diagonal()

    def matrix(self):
        r"""
        `M(\theta)` as a `D \times D` matrix over the polynomial ring.

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric(R, diagonal=[1, u]).matrix()
            [1 0]
            [0 u]
        """
        if self._matrix is not None:
            return self._matrix
        return diagonal_matrix(self._ring, list(self._diagonal))

    def mirror_coordinates(self):
        r"""
        The indices of the mirror coordinates, as declared (never guessed from
        the entries).

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric(R, diagonal=[u, 1]).mirror_coordinates(), Metric.mirror(R, [0]).mirror_coordinates()
            ([], [0])
        """
        return list(self._mirror)

    def apply_map(self, f, ring=None):
        r"""
        The matrix with ``f`` applied to every entry (as Sage's matrices do).

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric.mirror(R).apply_map(lambda c: 2 * c)
            [2*u   0]
            [  0 2*v]
        """
        return self.matrix().apply_map(f, ring)

    def fields(self, gradients):
        r"""
        The fields `M\nabla\phi_j` (a list of tuples of polynomials; zero fields
        are kept: one generator per `\phi_j`).

        INPUT:

        - ``gradients`` -- the fields `\nabla\phi_j` (vector fields or lists of polynomials)

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric(R, diagonal=[u, 1]).fields([[v, u]])
            [(u*v, u)]
            sage: Metric(R, matrix=matrix(R, [[0, 1], [1, 0]])).fields([[v, u]])
            [(u, v)]
        """
        out = []
        for X in gradients:
            comps = list(X.components()) if hasattr(X, "components") else list(X)
            if self._diagonal is not None:
                out.append(tuple(m * c for m, c in zip(self._diagonal, comps)))
            else:
                M, R = self._matrix, self._ring
                out.append(tuple(sum((M[i, k] * comps[k] for k in range(len(comps)) if comps[k] and M[i, k]),
                                     R.zero()) for i in range(M.nrows())))
        return out

    def numeric(self, theta):
        r"""
        The numeric form at ``theta`` (floats, the entries evaluated exactly at
        the values of the floats, then rounded): the diagonal as a vector of
        length `D` for a diagonal metric, else the `D \times D` array.

        EXAMPLES::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric.mirror(R, [0]).numeric([2.0, 3.0]).tolist()
            [2.0, 1.0]
            sage: Metric(R, matrix=matrix(R, [[1, u], [u, 2]])).numeric([0.5, 1]).tolist()
            [[1.0, 0.5], [0.5, 2.0]]
        """
        K = self._ring.base_ring()
        x = [K(float(t)) for t in theta]      # exact values of the floats: the entries are evaluated exactly
        if self._diagonal is not None:
            return np.array([float(c(*x)) for c in self._diagonal])
        return np.array([[float(c(*x)) for c in row] for row in self._matrix.rows()])

    def _repr_(self):
        r"""
        The matrix, as it prints.

        TESTS::

            sage: from sage_conslaw.core.metric import Metric
            sage: Metric(QQ['u,v'], diagonal=[1, 2])
            [1 0]
            [0 2]
        """
        return repr(self.matrix())

    def __eq__(self, other):
        r"""
        Metrics are equal when their matrices and mirror coordinates are; a
        metric equals a matrix equal to its own.

        TESTS::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: Metric.mirror(R) == diagonal_matrix(R, [u, v]), Metric.mirror(R) == Metric(R, diagonal=[u, v])
            (True, False)
        """
        if isinstance(other, Metric):
            return self.matrix() == other.matrix() and self._mirror == other._mirror
        return self.matrix() == other

    def __ne__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.core.metric import Metric
            sage: Metric.mirror(QQ['u']) != Metric(QQ['u'], diagonal=[1])
            True
        """
        return not self == other

    def __hash__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.metric import Metric
            sage: R.<u,v> = QQ[]
            sage: hash(Metric.mirror(R)) == hash(Metric.mirror(R))
            True
        """
        return hash((tuple(self.matrix().list()), self._mirror))


#: Sage's matrix constructor (the name ``matrix`` is a keyword of :class:`Metric`).
_matrix = matrix
