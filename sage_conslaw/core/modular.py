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

#: Largest prime below `2^{20}`: residues multiply exactly in float64.
DEFAULT_PRIME = 1048573

#: Longest dot product the float64 arithmetic keeps exact for `p < 2^{20}`.
MAX_EXACT_DOT = 2 ** 13


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


class PolynomialsModP:
    r"""
    A list of polynomials compiled for fast evaluation modulo a prime.

    Each term `c\,\theta_{i_1}\cdots\theta_{i_k}` is stored as its residue `c
    \bmod p` and its list of variable indices (with repetition), padded with
    an index pointing at the constant `1`.  Values, Jacobians and Hessians at
    a point are then a few vectorized products.

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
        if not 2 <= p < 2 ** 20:
            raise ValueError("the prime must lie below 2^20 for exact float64 arithmetic, got %s" % p)
        self.p = p
        self.nvars = nvars
        self.nrows = len(polys)
        rows, coefs, monos = [], [], []
        for r, f in enumerate(polys):
            if not f:
                continue
            for e, c in f.iterator_exp_coeff():
                idx = []
                for i, k in e.sparse_iter():
                    idx.extend([i] * k)
                rows.append(r)
                coefs.append(reduce_rational(c, p))
                monos.append(idx)
        self.degree = max((len(m) for m in monos), default=0)
        self.rows = np.asarray(rows, dtype=np.int64)
        self.coefs = np.asarray(coefs, dtype=np.float64)
        table = np.full((len(monos), max(self.degree, 1)), nvars, dtype=np.int64)
        for t, m in enumerate(monos):
            table[t, :len(m)] = m
        self.monomials = table

    def _extended(self, point):
        """The point reduced mod p, followed by the constant 1 (the padding index)."""
        x = np.empty(self.nvars + 1, dtype=np.float64)
        x[:self.nvars] = np.asarray(point, dtype=np.float64) % self.p
        x[self.nvars] = 1.0
        return x

    def _products(self, x, skip=()):
        """Product of the term coefficient and the variables, leaving out the positions in ``skip``."""
        p = self.p
        out = self.coefs.copy()
        for k in range(self.monomials.shape[1]):
            if k not in skip:
                out = np.fmod(out * x[self.monomials[:, k]], p)
        return out

    def values(self, point):
        r"""
        Return the values of the polynomials at ``point`` (residues, as floats).

        INPUT:

        - ``point`` -- `D` integers (already reduced or not)

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialsModP
            sage: R.<x,y> = QQ[]
            sage: PolynomialsModP([x + y, R(0)], 2, p=5).values([2, 2]).tolist()
            [4.0, 0.0]
        """
        x = self._extended(point)
        v = np.bincount(self.rows, weights=self._products(x), minlength=self.nrows)
        return np.fmod(v, self.p)

    def jacobian(self, point):
        r"""
        Return the Jacobian matrix (rows: polynomials, columns: variables) at ``point``.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialsModP
            sage: R.<x,y> = QQ[]
            sage: PolynomialsModP([x^3], 2, p=101).jacobian([2, 0]).tolist()
            [[12.0, 0.0]]
        """
        x = self._extended(point)
        n = self.nvars
        acc = np.zeros(self.nrows * (n + 1), dtype=np.float64)
        for k in range(self.monomials.shape[1]):
            col = self.monomials[:, k]
            acc += np.bincount(self.rows * (n + 1) + col, weights=self._products(x, (k,)),
                               minlength=acc.size)
        J = np.fmod(acc, self.p).reshape(self.nrows, n + 1)
        return J[:, :n]

    def hessian(self, point):
        r"""
        Return the Hessian matrices at ``point``, as an array of shape `(m, D, D)`.

        EXAMPLES::

            sage: from sage_conslaw.core.modular import PolynomialsModP
            sage: R.<x,y> = QQ[]
            sage: PolynomialsModP([x^2*y], 2, p=101).hessian([1, 5])[0].tolist()
            [[10.0, 2.0], [2.0, 0.0]]
        """
        x = self._extended(point)
        n = self.nvars
        w = n + 1
        acc = np.zeros(self.nrows * w * w, dtype=np.float64)
        deg = self.monomials.shape[1]
        for k in range(deg):
            for l in range(deg):
                if k == l:
                    continue
                idx = (self.rows * w + self.monomials[:, k]) * w + self.monomials[:, l]
                acc += np.bincount(idx, weights=self._products(x, (k, l)), minlength=acc.size)
        H = np.fmod(acc, self.p).reshape(self.nrows, w, w)
        return H[:, :n, :n]


class EchelonModP:
    r"""
    An incrementally grown basis, in reduced row echelon form, of a subspace
    of `\GF{p}^D`.

    Rows are offered in batches; :meth:`add_rows` keeps those that enlarge
    the span (greedily, in order) and returns their indices.  A batch is first
    reduced against the basis with one exact BLAS product.

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
    """

    def __init__(self, ncols, p=DEFAULT_PRIME):
        if not 2 <= p < 2 ** 20:
            raise ValueError("the prime must lie below 2^20 for exact float64 arithmetic, got %s" % p)
        if ncols > MAX_EXACT_DOT:
            raise ValueError("dimension %s is beyond the exact float64 range (%s)" % (ncols, MAX_EXACT_DOT))
        self.p = p
        self.ncols = ncols
        self.basis = np.zeros((0, ncols), dtype=np.float64)
        self.pivots = []

    @property
    def rank(self):
        """The dimension of the span."""
        return len(self.pivots)

    def reduce(self, rows):
        r"""
        Return ``rows`` reduced modulo the current span (as residues).

        EXAMPLES::

            sage: from sage_conslaw.core.modular import EchelonModP
            sage: import numpy as np
            sage: E = EchelonModP(2, p=7); E.add_rows(np.array([[1., 1]]))
            [0]
            sage: E.reduce(np.array([[2., 3]])).tolist()
            [[0.0, 1.0]]
        """
        p = self.p
        V = np.fmod(np.asarray(rows, dtype=np.float64), p)
        V[V < 0] += p
        if self.pivots:
            V = np.fmod(V - np.fmod(V[:, self.pivots] @ self.basis, p), p)
            V[V < 0] += p
        return V

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
        p = self.p
        if len(rows) == 0 or (stop_at is not None and self.rank >= stop_at):
            return []
        V = self.reduce(rows)
        kept = []
        for i in range(V.shape[0]):
            v = V[i]
            nz = np.flatnonzero(v)
            if nz.size == 0:
                continue
            c = int(nz[0])
            v = np.fmod(v * pow(int(v[c]), -1, p), p)
            # Clear column c from the basis and from the rows still to be seen.
            if self.pivots:
                self.basis = np.fmod(self.basis - np.fmod(np.outer(self.basis[:, c], v), p), p)
                self.basis[self.basis < 0] += p
            rest = V[i + 1:]
            if rest.shape[0]:
                rest[:] = np.fmod(rest - np.fmod(np.outer(rest[:, c], v), p), p)
                rest[rest < 0] += p
            self.basis = np.vstack([self.basis, v])
            self.pivots.append(c)
            kept.append(i)
            if stop_at is not None and self.rank >= stop_at:
                break
        return kept


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
    E = EchelonModP(rows.shape[1], p)
    E.add_rows(rows)
    return E.rank
