r"""
Prime-field linear algebra and evaluation, vectorized with numpy.

The fast trace computation works modulo a prime `p`.  Two facts make this
rigorous rather than a floating-point guess:

1. Evaluating polynomials with rational coefficients at a rational point
   commutes with reduction modulo `p` (when `p` divides no denominator), and
2. the rank modulo `p` of a matrix with entries in `\ZZ_{(p)}` is at most its
   rank over `\QQ`.

So a rank computed here is a *certified lower bound* for the exact rank; it
equals it unless `p` divides a certain nonzero minor.

Arithmetic is carried out in ``float64`` with `p < 2^{20}`: products of two
residues stay below `2^{40}`, and sums of up to `2^{13}` of them stay below
`2^{53}`, where doubles are exact; so BLAS matrix products are exact.

EXAMPLES::

    sage: from sage_conslaw.core.modular import EchelonModP, PolynomialsModP, DEFAULT_PRIME
    sage: import numpy as np
    sage: E = EchelonModP(3)
    sage: E.add_rows(np.array([[1., 2, 3], [2, 4, 6], [0, 1, 1]]))
    [0, 2]
    sage: E.rank
    2
    sage: R.<x,y> = QQ[]
    sage: P = PolynomialsModP([x*y, x^2 + 1/2], 2)
    sage: P.values([3, 4]).tolist()
    [12.0, 524296.0]
    sage: (1/2 + 9) % DEFAULT_PRIME
    524296
"""
import numpy as np

from sage.matrix.matrix_space import MatrixSpace
from sage.misc.lazy_import import lazy_import
from sage.rings.finite_rings.finite_field_constructor import GF
from sage.rings.rational_field import QQ

from sage_conslaw.core.thresholds import MAX_EXACT_DOT, MAX_PRIME

# scipy's sparse matrices take ~0.1 s to import and serve only the large evaluations
lazy_import("scipy.sparse", "csr_matrix")

#: Largest prime below :data:`~sage_conslaw.core.thresholds.MAX_PRIME`: residues multiply exactly in float64.
DEFAULT_PRIME = 1048573


def reduce_rational(c, p):
    r"""
    Return the residue of the rational ``c`` modulo the prime ``p``.

    INPUT:

    - ``c`` -- an integer or rational number
    - ``p`` -- a prime

    OUTPUT: a Python ``int`` in `[0, p)`; ``ZeroDivisionError`` if `p` divides
    the denominator

    EXAMPLES::

        sage: from sage_conslaw.core.modular import reduce_rational
        sage: reduce_rational(1/2, 7), reduce_rational(-3, 7)
        (4, 4)
        sage: reduce_rational(1/7, 7)
        Traceback (most recent call last):
        ...
        ZeroDivisionError: the prime 7 divides the denominator of 1/7
    """
    c = QQ(c)
    num, den = int(c.numerator()), int(c.denominator())
    if den % p == 0:
        raise ZeroDivisionError("the prime %s divides the denominator of %s" % (p, c))
    return num * pow(den, -1, p) % p


def integer_coordinates(point):
    r"""
    Return the coordinates of an exact point as an int64 array when they are all
    integers of absolute value below `2^{53}` (two passes, for points of a million
    coordinates), else ``None`` (the caller reduces them one by one, e.g. with
    :func:`reduce_rational`).

    EXAMPLES::

        sage: from sage_conslaw.core.modular import integer_coordinates
        sage: integer_coordinates(vector([3, -4, 6/2])).tolist()
        [3, -4, 3]
        sage: integer_coordinates([1/2, 1]) is None, integer_coordinates([2^70]) is None
        (True, True)
        sage: integer_coordinates([2^60 + 1]) is None, integer_coordinates([-7/2]) is None     # beyond 2^53: one by one
        (True, True)
        sage: K.<a> = QuadraticField(2); integer_coordinates([a]) is None, integer_coordinates([K(3)]).tolist()
        (True, [3])
    """
    try:
        ints = np.array([int(c) for c in point], dtype=np.int64)      # Sage's int() truncates 1/2 to 0: ...
        floats = np.array([float(c) for c in point], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    # ... so the coordinates are integers exactly when they equal their floats (exact below 2^53)
    if not (np.abs(floats) < 2.0 ** 53).all() or not (ints == floats).all():
        return None
    return ints


def monomial_table(polys, nvars, coefficient):
    r"""
    Return the terms of a list of polynomials as arrays, for vectorized evaluation.

    Each term `c\,\theta_{i_1}\cdots\theta_{i_k}` becomes its row (the index of
    its polynomial), ``coefficient(c)``, and the list of its variable indices
    with repetition, padded with ``nvars`` (an index that evaluation points at
    the constant `1`).

    INPUT:

    - ``polys`` -- a list of polynomials of one multivariate ring in ``nvars`` variables
    - ``nvars`` -- the number of variables
    - ``coefficient`` -- a function applied to each coefficient

    OUTPUT: ``(rows, coefficients, table)``: an integer array, a list, and an
    integer array of shape ``(terms, max(1, degree))``

    EXAMPLES::

        sage: from sage_conslaw.core.modular import monomial_table
        sage: R.<x,y> = QQ[]
        sage: rows, coefs, table = monomial_table([x^2*y, R(3)], 2, float)
        sage: rows.tolist(), coefs, table.tolist()
        ([0, 1], [1.0, 3.0], [[0, 0, 1], [2, 2, 2]])
    """
    rows, coefs, monos = [], [], []
    for r, f in enumerate(polys):
        if not f:
            continue
        for e, c in f.iterator_exp_coeff():
            idx = []
            for i, k in e.sparse_iter():
                idx += [i] * k
            rows.append(r)
            coefs.append(coefficient(c))
            monos.append(idx)
    degree = max((len(m) for m in monos), default=0)
    table = np.full((len(monos), max(degree, 1)), nvars, dtype=np.int64)
    for t, m in enumerate(monos):
        table[t, :len(m)] = m
    return np.asarray(rows, dtype=np.int64), coefs, table


class PolynomialEvaluator:
    r"""
    A list of polynomials compiled for fast vectorized evaluation, in one of
    two arithmetics: modulo a prime `p` (exact residues, for the certified
    trace) or in float64 (for the numeric flows).

    Each term `c\,\theta_{i_1}\cdots\theta_{i_k}` is stored as its
    coefficient (the residue `c \bmod p`, or the float `c`) and its list of
    variable indices (with repetition), padded with an index pointing at the
    constant `1` (:func:`monomial_table`).  Values, Jacobians and Hessians at
    a point are then a few vectorized products and one scatter-add; modulo
    `p`, every product is reduced at once, so float64 stays exact
    (`p < 2^{20}`).

    INPUT:

    - ``polys`` -- a list of polynomials of one ring with rational coefficients
    - ``nvars`` -- the number of variables `D`
    - ``p`` -- a prime below `2^{20}`, or ``None`` for float64 arithmetic

    EXAMPLES::

        sage: from sage_conslaw.core.modular import PolynomialEvaluator
        sage: R.<x,y> = QQ[]
        sage: P = PolynomialEvaluator([x^2*y, y/2 - 1], 2, p=101)
        sage: P.values([2, 3]).tolist(), P.jacobian([2, 3]).tolist()
        ([12.0, 51.0], [[12.0, 4.0], [0.0, 51.0]])
        sage: F = PolynomialEvaluator([x^2*y, y/2 - 1], 2)
        sage: F.values([2, 3]).tolist(), F.jacobian([2, 3]).tolist()
        ([12.0, 0.5], [[12.0, 4.0], [0.0, 0.5]])
        sage: F.values([[2, 3], [1, 0]]).tolist()
        [[12.0, 0.5], [0.0, -1.0]]
        sage: PolynomialEvaluator([x], 2, p=2^21)
        Traceback (most recent call last):
        ...
        ValueError: the prime must lie below 2^20 for exact float64 arithmetic, got 2097152
    """

    def __init__(self, polys, nvars, p=None):
        """
        TESTS::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: P = PolynomialEvaluator([x/3], 2, p=3)
            Traceback (most recent call last):
            ...
            ZeroDivisionError: the prime 3 divides the denominator of 1/3
            sage: PolynomialEvaluator([x^2, y], 2).degree
            2
        """
        if p is None:
            coefficient = float
        else:
            if not 2 <= p < MAX_PRIME:
                raise ValueError("the prime must lie below 2^20 for exact float64 arithmetic, got %s" % p)
            residues = {}   # most coefficients repeat (often +-1): reduce each once

            def coefficient(c):
                r = residues.get(c)
                if r is None:
                    r = residues[c] = reduce_rational(c, p)
                return r
        self.p = p
        self.nvars = nvars
        self.nrows = len(polys)
        rows, coefs, self.monomials = monomial_table(polys, nvars, coefficient)
        self.rows = rows
        self.coefs = np.asarray(coefs, dtype=np.float64)
        self.degree = self.monomials.shape[1]
        self._scatter = None

    def _reduce(self, a):
        """
        Reduce modulo `p` (nothing in float64 arithmetic).

        TESTS::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: import numpy as np
            sage: PolynomialEvaluator([x], 2, p=7)._reduce(np.array([9.])).tolist()
            [2.0]
            sage: PolynomialEvaluator([x], 2)._reduce(np.array([9.])).tolist()
            [9.0]
        """
        return a if self.p is None else np.fmod(a, self.p)

    def _extended(self, points):
        """
        The point (or the points, as rows) reduced mod `p`, followed by the
        constant 1 (the padding index).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: PolynomialEvaluator([x], 2, p=7)._extended(np.array([[8, 3]])).tolist()
            [[1.0, 3.0, 1.0]]
            sage: PolynomialEvaluator([x], 2)._extended(np.array([8, 3])).tolist()
            [8.0, 3.0, 1.0]
        """
        x = np.empty(points.shape[:-1] + (self.nvars + 1,), dtype=np.float64)
        x[..., :self.nvars] = points if self.p is None else np.mod(points, self.p)
        x[..., self.nvars] = 1.0
        return x

    def _points(self, point):
        """
        Return the point (shape `(D,)`) or the points (shape `(T, D)`) as a float array.

        TESTS::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: PolynomialEvaluator([x], 2)._points([1, 2])
            array([1., 2.])
            sage: PolynomialEvaluator([x], 2)._points([1, 2, 3])
            Traceback (most recent call last):
            ...
            ValueError: expected points with D = 2 coordinates, got 3
        """
        T = np.asarray(point, dtype=np.float64)
        if T.ndim not in (1, 2) or T.shape[-1] != self.nvars:
            raise ValueError("expected points with D = %s coordinates, got %s"
                             % (self.nvars, T.shape[-1] if T.ndim else T))
        return T

    def _point(self, point):
        """
        Return one point as a float vector.

        TESTS::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: PolynomialEvaluator([x], 2)._point([[1, 2]])
            Traceback (most recent call last):
            ...
            ValueError: expected one point with D = 2 coordinates, got shape (1, 2)
        """
        T = self._points(point)
        if T.ndim != 1:
            raise ValueError("expected one point with D = %s coordinates, got shape %s" % (self.nvars, T.shape))
        return T

    def _products(self, x, skip=()):
        """
        Products of each term's coefficient and variables at the point ``x``
        (extended; or at the points, as rows), leaving out the factor positions in ``skip``.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: P = PolynomialEvaluator([3*x^2*y], 2)
            sage: P._products(P._extended(np.array([2., 5.]))).tolist(), P._products(P._extended(np.array([2., 5.])), (0,)).tolist()
            ([60.0], [30.0])
            sage: P._products(P._extended(np.array([[2., 5.], [1., 1.]])), (0, 1, 2)).tolist()
            [[3.0], [3.0]]
        """
        out = self.coefs
        for k in range(self.degree):
            if k not in skip:
                out = self._reduce(out * x[..., self.monomials[:, k]])
        if out is self.coefs:
            out = np.array(np.broadcast_to(out, x.shape[:-1] + out.shape))
        return out

    def values(self, point):
        r"""
        Return the values of the polynomials at one point (shape `(D,)`: a vector
        of length ``nrows``) or at several (shape `(T, D)`: an array `T \times` ``nrows``).

        Modulo `p`, the values are residues (as floats) and the points may be
        unreduced integers.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: PolynomialEvaluator([x + y, R(0)], 2, p=5).values([2, 2]).tolist()
            [4.0, 0.0]
            sage: PolynomialEvaluator([x*y], 2).values([[1, 2], [3, 4]]).tolist()
            [[2.0], [12.0]]
        """
        T = self._points(point)
        vals = self._products(self._extended(T))
        if T.ndim == 1:
            return self._reduce(np.bincount(self.rows, weights=vals, minlength=self.nrows))
        if self._scatter is None:
            self._scatter = csr_matrix((np.ones(len(self.rows)), (np.arange(len(self.rows)), self.rows)),
                                       shape=(len(self.rows), self.nrows))
        return self._reduce(np.asarray(self._scatter.T.dot(vals.T).T))

    def jacobian(self, point):
        r"""
        Return the Jacobian matrix (rows: polynomials, columns: variables) at one point.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: PolynomialEvaluator([x^3], 2, p=101).jacobian([2, 0]).tolist()
            [[12.0, 0.0]]
        """
        x = self._extended(self._point(point))
        n = self.nvars
        acc = np.zeros(self.nrows * (n + 1), dtype=np.float64)
        for k in range(self.degree):
            col = self.monomials[:, k]
            acc += np.bincount(self.rows * (n + 1) + col, weights=self._products(x, (k,)),
                               minlength=acc.size)
        J = self._reduce(acc).reshape(self.nrows, n + 1)
        return J[:, :n]

    def jacobian_terms(self, point):
        r"""
        Return the Jacobian at ``point`` as sparse triples ``(rows, cols, values)``
        (repeated positions are to be summed; values are residues modulo `p`).

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: r, c, v = PolynomialEvaluator([x*y], 2, p=101).jacobian_terms([2, 3])
            sage: sorted(zip(r.tolist(), c.tolist(), v.tolist()))
            [(0, 0, 3.0), (0, 1, 2.0)]
        """
        x = self._extended(self._point(point))
        rows, cols, vals = [], [], []
        for k in range(self.degree):
            col = self.monomials[:, k]
            live = col < self.nvars
            rows.append(self.rows[live])
            cols.append(col[live])
            vals.append(self._products(x, (k,))[live])
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)

    def hessian(self, point):
        r"""
        Return the Hessian matrices at ``point``, as an array of shape `(m, D, D)`.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialEvaluator
            sage: R.<x,y> = QQ[]
            sage: PolynomialEvaluator([x^2*y], 2, p=101).hessian([1, 5])[0].tolist()
            [[10.0, 2.0], [2.0, 0.0]]
        """
        x = self._extended(self._point(point))
        n = self.nvars
        w = n + 1
        acc = np.zeros(self.nrows * w * w, dtype=np.float64)
        for k in range(self.degree):
            for l in range(self.degree):
                if k == l:
                    continue
                idx = (self.rows * w + self.monomials[:, k]) * w + self.monomials[:, l]
                acc += np.bincount(idx, weights=self._products(x, (k, l)), minlength=acc.size)
        H = self._reduce(acc).reshape(self.nrows, w, w)
        return H[:, :n, :n]


class PolynomialsModP(PolynomialEvaluator):
    r"""
    A list of polynomials compiled for fast evaluation modulo a prime: the
    :class:`PolynomialEvaluator` in modular arithmetic.

    INPUT:

    - ``polys`` -- a list of polynomials of one ring with rational coefficients
    - ``nvars`` -- the number of variables `D`
    - ``p`` -- a prime below `2^{20}` (default :data:`DEFAULT_PRIME`)

    EXAMPLES::

        sage: from sage_conslaw.core.modular import PolynomialsModP
        sage: R.<x,y> = QQ[]
        sage: P = PolynomialsModP([x^2*y, y - 1], 2, p=101)
        sage: P.values([2, 3]).tolist()
        [12.0, 2.0]
        sage: P.jacobian([2, 3]).tolist()
        [[12.0, 4.0], [0.0, 1.0]]
        sage: P.hessian([2, 3])[0].tolist()
        [[6.0, 4.0], [4.0, 0.0]]
    """

    def __init__(self, polys, nvars, p=DEFAULT_PRIME):
        """
        TESTS::

            sage: from sage_conslaw.core.modular import PolynomialsModP
            sage: R.<x,y> = QQ[]
            sage: PolynomialsModP([x], 2).p
            1048573
            sage: PolynomialsModP([x], 2, p=None)
            Traceback (most recent call last):
            ...
            TypeError: PolynomialsModP needs a prime p; use PolynomialEvaluator for float64 arithmetic
        """
        if p is None:
            raise TypeError("PolynomialsModP needs a prime p; use PolynomialEvaluator for float64 arithmetic")
        PolynomialEvaluator.__init__(self, polys, nvars, p)


def residues(values, p, dtype=np.int64):
    r"""
    Return the residues in `[0, p)` of exact numbers, as a numpy array: the
    one reduction modulo `p` of the package.

    INPUT:

    - ``values`` -- a numpy array of integers, or of floats holding integers
      (below `2^{53}` in absolute value), of any shape, reduced at once; or an
      object array or any sequence of integers and rationals (Python, Sage or
      numpy numbers), reduced one by one (:func:`reduce_rational`, repeated
      values once)
    - ``p`` -- a prime
    - ``dtype`` -- the type of the result: ``np.int64`` (the default) or
      ``np.float64`` (for BLAS products of residues)

    OUTPUT: a new array of the shape of ``values``; ``ZeroDivisionError`` if
    `p` divides a denominator

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.core.modular import residues
        sage: residues([-1, 2**70, ZZ(5), 1/2], 7).tolist()
        [6, 2, 5, 4]
        sage: residues(np.array([[-1, 7, 15]]), 7, dtype=np.float64).tolist()
        [[6.0, 0.0, 1.0]]
        sage: residues(np.array([-1., 9.]), 7).tolist()
        [6, 2]
        sage: v = np.empty(3, dtype=object); v[:] = [1/2, -1, 3]; residues(v, 7).tolist()
        [4, 6, 3]
        sage: residues([1/7], 7)
        Traceback (most recent call last):
        ...
        ZeroDivisionError: the prime 7 divides the denominator of 1/7

    TESTS::

        sage: residues(np.zeros((0, 3)), 7).shape, residues([], 7).dtype
        ((0, 3), dtype('int64'))
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return np.mod(values, p).astype(dtype, copy=False)
    if isinstance(values, np.ndarray):
        shape, flat = values.shape, values.ravel()
    else:
        flat = list(values)
        shape = (len(flat),)
    cache = {}
    out = np.empty(len(flat), dtype=np.int64)
    for t, a in enumerate(flat):
        r = cache.get(a)
        if r is None:
            r = cache[a] = reduce_rational(a, p)
        out[t] = r
    return out.reshape(shape).astype(dtype, copy=False)


def linbox_matrix(rows, p):
    r"""
    Return the Sage matrix modulo ``p`` (dense, LinBox) of a 2-dimensional
    array of integers (any representatives), filled from one buffer: no Python
    list of `n m` integers in between (at `7500 \times 7500` the list alone
    takes 2 GB and 10 s).

    The residues go through one buffer of 4-byte words (the pickle format of
    Sage's dense matrices modulo `p`): besides the matrix itself, the copies
    take 12 bytes an entry (the float64 residues and the words).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.core.modular import linbox_matrix
        sage: M = linbox_matrix(np.array([[1., 2], [3, -4]]), 7); M
        [1 2]
        [3 3]
        sage: M.rank(), M.base_ring()
        (2, Finite Field of size 7)

    TESTS::

        sage: linbox_matrix(np.zeros((0, 3)), 7).dimensions()
        (0, 3)
        sage: linbox_matrix(np.array([[2.**20 - 3]]), 1048573)
        [0]
    """
    V = residues(rows, p, dtype=np.float64)
    n, m = V.shape
    M = MatrixSpace(GF(p), n, m)()
    # the pickle format of Matrix_modn_dense_double: little-endian words (4 bytes suffice below 2^32), row by row
    M._unpickle((4, True, V.astype("<u4").tobytes()), 10)
    return M


def linbox_matrix_of_blocks(blocks, ncols, p):
    r"""
    Return the Sage matrix modulo ``p`` (dense, LinBox) of the rows of ``blocks``
    (2-dimensional arrays of residues in `[0, p)`, of any numeric type, stacked
    in order), filled from one buffer of 4-byte words: no float64 copy and no
    stacked copy of the rows (4 bytes an entry besides the matrix).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.core.modular import linbox_matrix_of_blocks
        sage: linbox_matrix_of_blocks([np.array([[1, 2]], dtype=np.float32), np.array([[3, 6]])], 2, 7)
        [1 2]
        [3 6]
        sage: linbox_matrix_of_blocks([np.array([[7, 0]])], 2, 7)
        Traceback (most recent call last):
        ...
        ValueError: the rows must be residues modulo 7 with 2 columns
    """
    n = 0
    for B in blocks:
        if B.ndim != 2 or B.shape[1] != ncols or (B.size and not (B.min() >= 0 and B.max() < p)):
            raise ValueError("the rows must be residues modulo %s with %s columns" % (p, ncols))
        n += B.shape[0]
    buf = b"".join(np.ascontiguousarray(B, dtype="<u4").tobytes() for B in blocks)
    M = MatrixSpace(GF(p), n, ncols)()
    M._unpickle((4, True, buf), 10)
    return M


def linbox_to_numpy(M):
    r"""
    Return the entries of a dense Sage matrix modulo `p` (LinBox) as a float64
    array of residues, read from one buffer (the inverse of :func:`linbox_matrix`).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.core.modular import linbox_matrix, linbox_to_numpy
        sage: A = np.array([[1., 2, 3], [4, 5, 6]])
        sage: linbox_to_numpy(linbox_matrix(A, 7)).tolist()
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        sage: linbox_to_numpy(matrix(GF(7), 0, 2)).shape
        (0, 2)
    """
    (size, little, data), _ = M._pickle()
    words = np.frombuffer(data, dtype=("<u%s" if little else ">u%s") % size)
    return words.astype(np.float64).reshape(M.nrows(), M.ncols())


class EchelonModP:
    r"""
    An incrementally grown set of independent rows of `\GF{p}^D`: the public
    home of exact elimination modulo `p` (also used by the trace of a user's
    network, through :func:`rank_mod_p` and :func:`linbox_matrix`).

    Rows are offered in batches; :meth:`add_rows` keeps those that enlarge
    the span (greedily, in order) and returns their indices.

    The span is kept as blocks in reduced echelon form: block `b` is a set of
    rows that are zero on the pivot columns of the blocks before it and equal
    to the identity on its own pivot columns.  A batch of `n` rows is first
    reduced against the kept blocks, block after block, by one matrix product
    modulo `p` each (float64 BLAS, exact: residues below `2^{20}` and sums of at
    most :data:`~sage_conslaw.core.thresholds.MAX_EXACT_DOT` products, below
    `2^{53}`), which costs `n r D` for a kept rank `r`; only what remains is
    echelonized by LinBox (``passagemath-linbox``, part of every classic Sage):
    `O(n^2 D)`.  Stacking the kept rows onto each batch and echelonizing
    everything, as before, cost `O((r + n)^2 D)` a batch.

    The kept blocks are stored as float32 (residues below `2^{20} < 2^{24}` are
    exact there): `4 r D` bytes, estimated by :meth:`bytes_needed`.

    INPUT:

    - ``ncols`` -- the dimension `D` of the ambient space
    - ``p`` -- a prime below `2^{20}`

    EXAMPLES::

        sage: from sage_conslaw.core.modular import EchelonModP
        sage: import numpy as np
        sage: E = EchelonModP(2, p=7)
        sage: E.add_rows(np.array([[0., 0], [3, 5]]))
        [1]
        sage: E.add_rows(np.array([[6., 10], [1, 1]]))
        [1]
        sage: E.rank, E.add_rows(np.array([[1., 0]]))
        (2, [])
        sage: E = EchelonModP(2, p=2^20 + 7)
        Traceback (most recent call last):
        ...
        ValueError: the prime must lie below 2^20 for exact float64 arithmetic, got 1048583
    """

    def __init__(self, ncols, p=DEFAULT_PRIME):
        r"""
        TESTS::

            sage: from sage_conslaw.core.modular import EchelonModP
            sage: E = EchelonModP(10000, p=101); E.ncols, E.rank
            (10000, 0)
        """
        if not 2 <= p < MAX_PRIME:
            raise ValueError("the prime must lie below 2^20 for exact float64 arithmetic, got %s" % p)
        self.p = p
        self.ncols = ncols
        self._rank = 0
        self._blocks = []          # (pivot columns, rows in reduced echelon form on them, float32)

    @property
    def rank(self):
        r"""
        The dimension of the span.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import EchelonModP
            sage: import numpy as np
            sage: E = EchelonModP(3); E.rank
            0
            sage: E.add_rows(np.array([[1., 2, 3]])); E.rank
            [0]
            1
        """
        return self._rank

    def bytes_needed(self, nrows, rank=None):
        r"""
        Estimate the bytes :meth:`add_rows` allocates for a batch of ``nrows``
        rows once the kept rank is ``rank`` (default: the rank now): the kept
        blocks (4 bytes an entry), the batch and its reduction (float64, two
        copies), its LinBox matrix and buffers (20 bytes an entry, and as much again
        for the echelon form of its transpose).

        EXAMPLES::

            sage: from sage_conslaw.core.modular import EchelonModP
            sage: EchelonModP(1000).bytes_needed(100, rank=500)
            8000000
        """
        r = self._rank if rank is None else rank
        return 4 * (r + nrows) * self.ncols + (16 + 40) * nrows * self.ncols

    def reduce(self, rows):
        r"""
        Return the residues of ``rows`` minus their components on the kept
        span: zero on every kept pivot column, and zero exactly when the row
        lies in the span.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import EchelonModP
            sage: import numpy as np
            sage: E = EchelonModP(3, p=7); E.add_rows(np.array([[1., 2, 3]]))
            [0]
            sage: E.reduce(np.array([[2., 4, 6], [0, 0, 1], [1, 0, 0]])).tolist()
            [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 5.0, 4.0]]
        """
        p = self.p
        R = residues(rows, p, dtype=np.float64)
        for pivots, B in self._blocks:
            for start in range(0, len(pivots), MAX_EXACT_DOT):
                # B is the identity on its pivots, so this clears them; entries stay below 2^53
                C = R[:, pivots[start:start + MAX_EXACT_DOT]]
                R -= C @ B[start:start + MAX_EXACT_DOT].astype(np.float64)
                np.mod(R, p, out=R)
        return R

    def add_rows(self, rows, stop_at=None):
        r"""
        Add the rows that are independent of the span; return their indices.

        INPUT:

        - ``rows`` -- a 2-dimensional array of integers (any representatives)
        - ``stop_at`` -- stop as soon as the rank reaches this value

        OUTPUT: the list of the indices (in ``rows``) of the rows kept

        EXAMPLES::

            sage: from sage_conslaw.core.modular import EchelonModP
            sage: import numpy as np
            sage: E = EchelonModP(3, p=11)
            sage: E.add_rows(np.eye(3), stop_at=2), E.rank
            ([0, 1], 2)

        TESTS:

        Against one echelon form of everything, over many batches::

            sage: rng = np.random.default_rng(int(1)); E = EchelonModP(40, p=101); kept = []
            sage: A = np.floor(rng.random((30, 5)) * 101) @ np.floor(rng.random((5, 40)) * 101)
            sage: B = np.floor(rng.random((30, 40)) * 101) * (rng.random((30, 1)) < 0.3)
            sage: for k in range(6):
            ....:     kept += [6 * k + i for i in E.add_rows(np.vstack([A, B])[6 * k:6 * k + 6])]
            sage: from sage_conslaw.core.modular import linbox_matrix
            sage: M = linbox_matrix(np.vstack([A, B])[:36], 101)
            sage: kept == list(M.pivot_rows()), E.rank == M.rank()
            (True, True)
        """
        rows = np.asarray(rows, dtype=np.float64)
        r = self._rank
        if rows.shape[0] == 0 or (stop_at is not None and r >= stop_at):
            return []
        R = self.reduce(rows)
        live = np.flatnonzero(R.any(axis=1))          # rows in the span reduce to zero
        if not live.size:
            return []
        M = linbox_matrix(R[live], self.p)
        # pivot_rows() is the lexicographically first maximal independent set of rows:
        # greedily, the rows independent of the kept span and of the rows kept before them
        piv = list(M.pivot_rows())
        if stop_at is not None:
            piv = piv[:max(0, stop_at - r)]
        if not piv:
            return []
        kept = M.matrix_from_rows(piv) if len(piv) < M.nrows() else M
        kept.echelonize()
        pivots = np.array(kept.pivots(), dtype=np.int64)
        self._blocks.append((pivots, linbox_to_numpy(kept)[:len(pivots)].astype(np.float32)))
        self._rank = r + len(pivots)
        return [int(live[i]) for i in piv]


def random_combinations(rows, cols, vals, nrows, ncols, count, p=DEFAULT_PRIME, seed=0):
    r"""
    Return ``count`` random linear combinations (modulo ``p``) of the rows of a
    sparse matrix given by triples, as a dense ``(count, ncols)`` array.

    The span of the result is contained in the row span, so its rank is a lower
    bound of the rank; with ``count`` at least the rank plus a few, they are
    equal with high probability.  The sparse product runs in blocks of rows so
    that float64 sums stay exact.

    EXAMPLES::

        sage: from sage_conslaw.core.modular import random_combinations, rank_mod_p
        sage: import numpy as np
        sage: r, c, v = np.array([0, 1, 2]), np.array([0, 1, 1]), np.array([1., 1, 5])
        sage: S = random_combinations(r, c, v, 3, 2, 4)
        sage: S.shape, rank_mod_p(S)
        ((4, 2), 2)
    """
    rng = np.random.default_rng(int(seed))
    R = np.floor(rng.random((nrows, count)) * p)
    J = csr_matrix((np.fmod(vals, p), (rows, cols)), shape=(nrows, ncols))
    J.sum_duplicates()
    J.data = np.fmod(J.data, p)
    S = np.zeros((ncols, count))
    block = MAX_EXACT_DOT
    for start in range(0, nrows, block):
        S = np.fmod(S + J[start:start + block].T @ R[start:start + block], p)
    return S.T.copy()


def rank_mod_p(rows, p=DEFAULT_PRIME):
    r"""
    Return the rank modulo ``p`` of an integer matrix (a lower bound for its rank over `\QQ`).

    EXAMPLES::

        sage: from sage_conslaw.core.modular import rank_mod_p
        sage: import numpy as np
        sage: rank_mod_p(np.array([[1, 2], [2, 4]]))
        1
    """
    rows = np.asarray(rows, dtype=np.float64)
    if rows.size == 0:
        return 0
    return int(linbox_matrix(rows, p).rank())


def _inverses_mod_p(a, p):
    r"""
    The inverses modulo the prime ``p`` of an int64 array of nonzero residues
    (Fermat: `a^{p-2}`, by squaring; products stay below `p^2 < 2^{40}`).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.core.modular import _inverses_mod_p
        sage: a = np.array([1, 2, 3, 100]); (a * _inverses_mod_p(a, 101) % 101).tolist()
        [1, 1, 1, 1]
    """
    out, base, e = np.ones_like(a), a % p, p - 2
    while e:
        if e & 1:
            out = out * base % p
        base = base * base % p
        e >>= 1
    return out


def batched_rank_mod_p(A, p=DEFAULT_PRIME):
    r"""
    Return the ranks modulo ``p`` of many small matrices at once: ``A`` is a
    ``(G, R, s)`` array of integers (``G`` matrices of ``R`` rows and ``s``
    columns); Gaussian elimination of all of them together, one column at a
    time, in int64 (products of residues below `p^2 < 2^{40}`).

    `O(G R s^2)` operations in `s` numpy passes: for thousands of matrices
    of a few columns each, where one LinBox call per matrix would cost its
    overhead thousands of times.  A rank modulo `p` is a lower bound of the
    rank over `\QQ`.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.core.modular import batched_rank_mod_p, rank_mod_p
        sage: A = np.array([[[1, 2], [2, 4]], [[1, 0], [0, 1]], [[0, 0], [0, 0]]])
        sage: batched_rank_mod_p(A, 7).tolist()
        [1, 2, 0]
        sage: rng = np.random.default_rng(int(3)); B = rng.integers(0, 5, (50, 6, 4)) * (rng.random((50, 6, 1)) < 0.6)
        sage: batched_rank_mod_p(B, 5).tolist() == [rank_mod_p(b, 5) for b in B]
        True

    TESTS::

        sage: batched_rank_mod_p(np.zeros((2, 0, 3), dtype=int), 7).tolist(), batched_rank_mod_p(np.zeros((0, 2, 3)), 7).shape
        ([0, 0], (0,))
    """
    A = residues(np.asarray(A), p)
    G, R, s = A.shape
    rank = np.zeros(G, dtype=np.int64)
    rows = np.arange(R)
    for j in range(s):
        free = (A[:, :, j] != 0) & (rows[None] >= rank[:, None])     # candidate pivots below the rank
        g = np.flatnonzero(free.any(axis=1))
        if not g.size:
            continue
        pivot, top = free[g].argmax(axis=1), rank[g]
        swap = A[g, top].copy()
        A[g, top] = A[g, pivot]
        A[g, pivot] = swap
        prow = A[g, top] * _inverses_mod_p(A[g, top, j], p)[:, None] % p
        factors = A[g, :, j].copy()
        factors[np.arange(g.size), top] = 0
        A[g] = (A[g] - factors[:, :, None] * prow[:, None, :]) % p
        A[g, top] = prow
        rank[g] += 1
    return rank
