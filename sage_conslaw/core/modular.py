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

from sage_conslaw.core.thresholds import MAX_EXACT_DOT, MAX_PRIME

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
    from sage.rings.rational_field import QQ
    c = QQ(c)
    num, den = int(c.numerator()), int(c.denominator())
    if den % p == 0:
        raise ZeroDivisionError("the prime %s divides the denominator of %s" % (p, c))
    return num * pow(den, -1, p) % p


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
            from scipy.sparse import csr_matrix
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


def linbox_matrix(rows, p):
    r"""
    Return the Sage matrix modulo ``p`` (dense, LinBox) of a 2-dimensional
    array of integers (any representatives), filled from one buffer: no Python
    list of `n m` integers in between (at `7500 \times 7500` the list alone
    takes 2 GB and 10 s).

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
    """
    from sage.matrix.matrix_space import MatrixSpace
    from sage.rings.finite_rings.finite_field_constructor import GF
    V = np.fmod(np.asarray(rows, dtype=np.float64), p)
    V[V < 0] += p
    n, m = V.shape
    M = MatrixSpace(GF(p), n, m)()
    # the pickle format of Matrix_modn_dense_double: 8-byte little-endian words, row by row
    M._unpickle((8, True, np.ascontiguousarray(V.astype("<u8")).tobytes()), 10)
    return M


class EchelonModP:
    r"""
    An incrementally grown set of independent rows of `\GF{p}^D`.

    Rows are offered in batches; :meth:`add_rows` keeps those that enlarge
    the span (greedily, in order) and returns their indices.  A batch costs
    one exact echelon form (LinBox, through Sage's dense matrices modulo `p`:
    ``passagemath-linbox``, part of every classic Sage) of the kept rows
    stacked on the batch.

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
        self._rows = None

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
        """
        rows = np.asarray(rows, dtype=np.float64)
        if rows.shape[0] == 0 or (stop_at is not None and self.rank >= stop_at):
            return []
        M = linbox_matrix(rows, self.p)
        r = self._rank
        if self._rows is not None:
            M = self._rows.stack(M)
        # pivot_rows() is the lexicographically first maximal independent set of
        # rows: the r rows already kept, then the new ones greedily.
        piv = [i for i in M.pivot_rows() if i >= r]
        if stop_at is not None:
            piv = piv[:max(0, stop_at - r)]
        if piv:
            self._rows = M.matrix_from_rows(list(range(r)) + piv)
            self._rank = self._rows.nrows()
        return [i - r for i in piv]


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
    from scipy.sparse import csr_matrix
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
