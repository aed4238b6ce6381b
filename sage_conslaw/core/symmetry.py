r"""
Symmetries as objects: the known laws of a model derived from its linear symmetries.

**Theorem** (Noether for gradient flows).  Let `\phi` be invariant under the
one-parameter group `\theta \mapsto e^{tA}\theta` (`A` a `D \times D` matrix):
`\phi(e^{tA}\theta) = \phi(\theta)` for all `t`, equivalently
`\langle \nabla\phi_j(\theta), A\theta\rangle = 0` for every `j` and `\theta`
(differentiate at `t = 0`; conversely the derivative of `\phi` along the flow
of the field `A\theta` vanishes).  If `A` is symmetric, `h(\theta) =
\theta^\top A\theta` is a conservation law of the gradient flows of every
loss `L = f(\phi(\theta))`: `\nabla h = 2A\theta`, so `\langle \nabla h,
\nabla\phi_j\rangle = 2\langle A\theta, \nabla\phi_j\rangle = 0`.  For a flow
`\dot\theta = -M\nabla L` with a constant metric `M`, the law is `\theta^\top
M^{-1}A\,\theta` when `M^{-1}A` is symmetric (`A` is self-adjoint for the
inner product of `M^{-1}`).  Likewise a translation `\phi(\theta + tc) =
\phi(\theta)` (`\partial\phi\, c = 0`) gives the linear law `c^\top\theta`
(`c^\top M^{-1}\theta` under a constant metric).

Examples: the rescalings of a ReLU neuron (`A = \mathrm{diag}(+1` on its
incoming weights and bias, `-1` on its outgoing weights`)`), the symmetric part
of `GL(r)` acting on a product `UV` (`U \mapsto UG`, `V \mapsto G^{-1}V`,
`G = e^{tB}` with `B` symmetric): the balancedness laws `(U^\top U - VV^\top)_{ij}`.

Each symmetry is checked exactly (:func:`check_symmetries`): the field
`A\theta` (or `c`) annihilates every component of `\phi`, and the law is
annihilated by every generator of the model's family
(:meth:`~sage_conslaw.core.families.GeneratorFamily.annihilation_defect`).

EXAMPLES::

    sage: from sage_conslaw.core.symmetry import gl_symmetries, symmetry_laws
    sage: R.<a,b,c,d> = QQ[]
    sage: S = gl_symmetries(R, matrix(R, [[a, b]]), matrix(R, [[c], [d]])); len(S), S[1]
    (3, Linear symmetry of D = 4 with 4 nonzero entries (symmetric))
    sage: symmetry_laws(S, R)
    [a^2 - c^2, a*b - c*d, b^2 - d^2]
"""
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ
from sage.structure.sage_object import SageObject

from sage_conslaw.core.checks import nonnegative_integer


def _index(ring):
    r"""
    The coordinate index of each variable name of ``ring``.

    TESTS::

        sage: from sage_conslaw.core.symmetry import _index
        sage: _index(QQ['x,y'])
        {'x': 0, 'y': 1}
    """
    return {name: k for k, name in enumerate(ring.variable_names())}


class LinearSymmetry(SageObject):
    r"""
    The generator `A` of a one-parameter group `\theta \mapsto e^{tA}\theta` of
    linear symmetries, given sparsely.

    INPUT:

    - ``D`` -- the number of coordinates
    - ``entries`` -- a dict ``{(k, l): c}`` of the nonzero entries `A_{kl}`
    - ``name`` -- (optional) a name for the repr

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import LinearSymmetry
        sage: A = LinearSymmetry(2, {(0, 0): 1, (1, 1): -1}); A.is_symmetric()
        True
        sage: R.<u,v> = QQ[]
        sage: A.law(R), A.field(R)
        (u^2 - v^2, (u, -v))
        sage: A.is_symmetry_of([u*v]), A.is_symmetry_of([u + v])
        (True, False)
        sage: LinearSymmetry(2, {(0, 1): 1}).law(R)
        Traceback (most recent call last):
        ...
        ValueError: only a symmetric generator A gives the law theta^T A theta; this one is not symmetric
        sage: LinearSymmetry(2, {(0, 2): 1})
        Traceback (most recent call last):
        ...
        ValueError: the entry (0, 2) of a generator on D = 2 coordinates is out of range
    """

    def __init__(self, D, entries, name=None):
        r"""
        TESTS::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(3, {(0, 1): 2, (1, 0): 2, (2, 2): 0}).entries()
            {(0, 1): 2, (1, 0): 2}
        """
        self.D = nonnegative_integer(D, "D")
        clean = {}
        for (k, l), c in entries.items():
            if not (0 <= k < self.D and 0 <= l < self.D):
                raise ValueError("the entry (%s, %s) of a generator on D = %s coordinates is out of range"
                                 % (k, l, self.D))
            c = QQ(c)
            if c:
                clean[int(k), int(l)] = c
        self._entries = clean
        self.name = name

    def entries(self):
        r"""
        The nonzero entries ``{(k, l): A_kl}``.

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(1, {(0, 0): 3}).entries()
            {(0, 0): 3}
        """
        return dict(self._entries)

    def matrix(self):
        r"""
        `A` as a sparse matrix over `\QQ`.

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(2, {(0, 1): 1, (1, 0): 1}).matrix()
            [0 1]
            [1 0]
        """
        return matrix(QQ, self.D, self.D, self._entries, sparse=True)

    def is_symmetric(self):
        r"""
        Whether `A = A^\top` (then `\theta^\top A\theta` is a law of every flow it is a symmetry of).

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(2, {(0, 1): 1}).is_symmetric()
            False
        """
        return all(self._entries.get((l, k)) == c for (k, l), c in self._entries.items())

    def field(self, ring):
        r"""
        The linear vector field `A\theta` (a list of `D` polynomials of ``ring``).

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(2, {(0, 1): 1}).field(QQ['u,v'])
            (v, 0)
        """
        x = ring.gens()
        comps = [ring.zero()] * self.D
        for (k, l), c in self._entries.items():
            comps[k] += c * x[l]
        return tuple(comps)

    def law(self, ring):
        r"""
        The law `\theta^\top A\theta` of a symmetric generator.

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(2, {(0, 1): 1/2, (1, 0): 1/2}).law(QQ['u,v'])
            u*v
        """
        if not self.is_symmetric():
            raise ValueError("only a symmetric generator A gives the law theta^T A theta; this one is not symmetric")
        x = ring.gens()
        plus, minus, other = [], [], []
        for (k, l), c in self._entries.items():
            if k > l:
                continue                   # A_lk x_l x_k is counted with A_kl x_k x_l
            if k < l:
                c = 2 * c
            # one product per monomial, no scalar multiplication for the usual coefficients +-1
            (plus if c == 1 else minus if c == -1 else other).append((c, x[k] * x[l]))
        return (ring.sum(m for _, m in plus) - ring.sum(m for _, m in minus)
                + ring.sum(c * m for c, m in other))

    def is_symmetry_of(self, phis):
        r"""
        Whether `\langle\nabla\phi_j, A\theta\rangle = 0` identically for every
        component ``phis[j]`` (exactly).

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: R.<u,v,w> = QQ[]
            sage: LinearSymmetry(3, {(0, 0): 1, (1, 1): -1}).is_symmetry_of([u*v, w])
            True
        """
        phis = list(phis)
        if not phis:
            return True
        R = phis[0].parent()
        X = self.field(R)
        x = R.gens()
        return all(R.sum(X[k] * f.derivative(x[k]) for k in range(self.D) if X[k]) == 0 for f in phis)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: LinearSymmetry(2, {(0, 1): 1}, name="a shear")
            Linear symmetry a shear of D = 2 with 1 nonzero entry
        """
        n = len(self._entries)
        return "Linear symmetry%s of D = %s with %s nonzero entr%s%s" % (
            "" if self.name is None else " " + self.name, self.D, n, "y" if n == 1 else "ies",
            " (symmetric)" if self.is_symmetric() else "")


class Translation(SageObject):
    r"""
    A translation `\theta \mapsto \theta + tc` under which `\phi` is invariant
    (`\partial\phi\, c = 0`): it gives the linear law `c^\top\theta`.

    INPUT:

    - ``D`` -- the number of coordinates
    - ``direction`` -- a dict ``{k: c_k}`` of the nonzero entries of `c`
    - ``name`` -- (optional) a name for the repr

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import Translation
        sage: R.<a,b,c> = QQ[]
        sage: T = Translation(3, {0: 1, 1: -1}); T
        Translation of D = 3 along 2 coordinates
        sage: T.law(R), T.is_symmetry_of([a + b, c]), T.is_symmetry_of([a*b])
        (a - b, True, False)
    """

    def __init__(self, D, direction, name=None):
        r"""
        TESTS::

            sage: from sage_conslaw.core.symmetry import Translation
            sage: Translation(2, {0: 0, 1: 2}).direction()
            {1: 2}
            sage: Translation(2, {3: 1})
            Traceback (most recent call last):
            ...
            ValueError: the coordinate 3 of a translation on D = 2 coordinates is out of range
        """
        self.D = nonnegative_integer(D, "D")
        clean = {}
        for k, c in direction.items():
            if not 0 <= k < self.D:
                raise ValueError("the coordinate %s of a translation on D = %s coordinates is out of range"
                                 % (k, self.D))
            c = QQ(c)
            if c:
                clean[int(k)] = c
        self._direction = clean
        self.name = name

    def direction(self):
        r"""
        The nonzero entries ``{k: c_k}`` of `c`.

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import Translation
            sage: Translation(2, {0: 1}).direction()
            {0: 1}
        """
        return dict(self._direction)

    def law(self, ring):
        r"""
        The law `c^\top\theta`.

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import Translation
            sage: Translation(2, {0: 2, 1: 3}).law(QQ['u,v'])
            2*u + 3*v
        """
        x = ring.gens()
        return ring.sum(c * x[k] for k, c in self._direction.items())

    def is_symmetry_of(self, phis):
        r"""
        Whether `\langle\nabla\phi_j, c\rangle = 0` identically for every component.

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import Translation
            sage: R.<u,v> = QQ[]
            sage: Translation(2, {0: 1, 1: 1}).is_symmetry_of([u - v])
            True
        """
        phis = list(phis)
        if not phis:
            return True
        x = phis[0].parent().gens()
        return all(sum(c * f.derivative(x[k]) for k, c in self._direction.items()) == 0 for f in phis)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.symmetry import Translation
            sage: Translation(2, {0: 1}, name="of a softmax")
            Translation of a softmax of D = 2 along 1 coordinate
        """
        n = len(self._direction)
        return "Translation%s of D = %s along %s coordinate%s" % (
            "" if self.name is None else " " + self.name, self.D, n, "" if n == 1 else "s")


def gl_symmetries(ring, left, right):
    r"""
    The symmetric part of the `GL(n)` symmetry of a product ``left * right``
    (`U \mapsto UG`, `V \mapsto G^{-1}V`): one :class:`LinearSymmetry` per
    upper-triangular entry `(i, j)`, `i \le j`, of an `n \times n` symmetric
    `B` (`E_{ii}`, and `(E_{ij} + E_{ji})/2`), whose law `\theta^\top A\theta`
    is the entry `(U^\top U - VV^\top)_{ij}` (the balancedness laws, in the
    order of their upper-triangular entries).

    INPUT:

    - ``ring`` -- the polynomial ring of the parameters
    - ``left``, ``right`` -- matrices of variables of ``ring`` (`n` columns of
      ``left``, `n` rows of ``right``)

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import gl_symmetries
        sage: R = PolynomialRing(QQ, 'x', 8); x = R.gens()
        sage: U, V = matrix(R, 2, 2, x[:4]), matrix(R, 2, 2, x[4:])
        sage: S = gl_symmetries(R, U, V)
        sage: all(A.is_symmetry_of((U * V).list()) for A in S)
        True
        sage: M = U.transpose() * U - V * V.transpose()
        sage: [A.law(R) for A in S] == [M[0, 0], M[0, 1], M[1, 1]]
        True
    """
    index = _index(ring)
    n = left.ncols()
    cols = [[index[str(v)] for v in left.column(i)] for i in range(n)]
    rows = [[index[str(v)] for v in right.row(i)] for i in range(n)]
    return product_symmetries(ring.ngens(), cols, rows)


def product_symmetries(D, columns, rows):
    r"""
    :func:`gl_symmetries` from coordinates: ``columns[i]`` are the coordinates
    of the column `i` of `U`, ``rows[i]`` those of the row `i` of `V` (no
    polynomial ring needed: a model reads them from its parameter layout).

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import product_symmetries
        sage: R.<a,b,c,d> = QQ[]
        sage: [S.law(R) for S in product_symmetries(4, [[0], [1]], [[2], [3]])]
        [a^2 - c^2, a*b - c*d, b^2 - d^2]
    """
    n = len(columns)
    return [ProductSymmetry(D, columns[i], columns[j], rows[i], rows[j]) for i in range(n) for j in range(i, n)]


def dot(ring, a, b):
    r"""
    `\sum_k a_k b_k` in ``ring``, one product per term (the entries of a Gram matrix).

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import dot
        sage: R.<a,b,c,d> = QQ[]
        sage: dot(R, [a, b], [c, d]), dot(R, [], [])
        (a*c + b*d, 0)
    """
    return ring.sum(x * y for x, y in zip(a, b))


class ProductSymmetry(LinearSymmetry):
    r"""
    One generator of the symmetric part of the `GL(n)` symmetry of a product
    `UV` (see :func:`gl_symmetries`), kept as the coordinates it acts on: the
    columns `i, j` of `U` and the rows `i, j` of `V`.  Its law is the entry
    `(U^\top U - VV^\top)_{ij}`, formed as two sums of products (no
    `D \times D` entries: a deep linear network has thousands of these
    generators); its entries are built only when asked for.

    INPUT:

    - ``D`` -- the number of coordinates
    - ``col_i``, ``col_j`` -- the coordinates of the columns `i` and `j` of `U`
    - ``row_i``, ``row_j`` -- the coordinates of the rows `i` and `j` of `V`

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import ProductSymmetry
        sage: R.<a,b,c,d> = QQ[]
        sage: S = ProductSymmetry(4, [0], [1], [2], [3]); S
        Linear symmetry of D = 4 with 4 nonzero entries (symmetric)
        sage: S.law(R), S.entries() == {(0, 1): 1/2, (1, 0): 1/2, (2, 3): -1/2, (3, 2): -1/2}
        (a*b - c*d, True)
        sage: S.is_symmetry_of([a*c + b*d]), ProductSymmetry(4, [0], [0], [2], [2]).law(R)
        (True, a^2 - c^2)
    """

    def __init__(self, D, col_i, col_j, row_i, row_j):
        r"""
        TESTS::

            sage: from sage_conslaw.core.symmetry import ProductSymmetry
            sage: ProductSymmetry(2, [0], [0], [1], [1]).matrix()
            [ 1  0]
            [ 0 -1]
        """
        self.D, self.name = D, None
        self._parts = (col_i, col_j, row_i, row_j)
        self._built = None

    @property
    def _entries(self):
        r"""
        The nonzero entries of `A`, built on first use: `E_{ii}` (`+1` on the
        column `i` of `U`, `-1` on the row `i` of `V`) or `(E_{ij} + E_{ji})/2`.

        TESTS::

            sage: from sage_conslaw.core.symmetry import ProductSymmetry
            sage: ProductSymmetry(4, [0], [1], [2], [3])._entries[2, 3]
            -1/2
        """
        if self._built is None:
            col_i, col_j, row_i, row_j = self._parts
            if col_i is col_j or col_i == col_j:
                entries = {(k, k): QQ.one() for k in col_i}
                entries.update({(k, k): -QQ.one() for k in row_i})
            else:
                half = QQ((1, 2))
                entries = {}
                # delta U = U B, delta V = -B V with B = (E_ij + E_ji)/2
                for k, l in zip(col_i, col_j):
                    entries[k, l] = entries[l, k] = half
                for k, l in zip(row_i, row_j):
                    entries[k, l] = entries[l, k] = -half
            self._built = entries
        return self._built

    def is_symmetric(self):
        r"""
        Always: `B` is symmetric.

        TESTS::

            sage: from sage_conslaw.core.symmetry import ProductSymmetry
            sage: ProductSymmetry(4, [0], [1], [2], [3]).is_symmetric()
            True
        """
        return True

    def law(self, ring):
        r"""
        The entry `(U^\top U - VV^\top)_{ij}` (`= \theta^\top A\theta`).

        EXAMPLES::

            sage: from sage_conslaw.core.symmetry import ProductSymmetry
            sage: R.<a,b,c,d> = QQ[]
            sage: from sage_conslaw.core.symmetry import LinearSymmetry
            sage: S = ProductSymmetry(4, [0, 1], [0, 1], [2, 3], [2, 3]); S.law(R) == LinearSymmetry(4, S.entries()).law(R)
            True
        """
        x = ring.gens()
        col_i, col_j, row_i, row_j = self._parts
        return (ring.sum(x[k] * x[l] for k, l in zip(col_i, col_j))
                - ring.sum(x[k] * x[l] for k, l in zip(row_i, row_j)))


def rescaling_symmetry(ring, incoming, outgoing, name=None):
    r"""
    The rescaling of one neuron of a positively homogeneous network: its
    incoming weights (and bias) times `e^t`, its outgoing weights times
    `e^{-t}`: `A = \mathrm{diag}(+1` on ``incoming``, `-1` on ``outgoing``),
    whose law is `\|w_{in}\|^2 - \|w_{out}\|^2`.

    INPUT:

    - ``ring`` -- the polynomial ring of the parameters
    - ``incoming``, ``outgoing`` -- lists of variables of ``ring``

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import rescaling_symmetry
        sage: R.<a,b,c> = QQ[]
        sage: A = rescaling_symmetry(R, [a, b], [c]); A.law(R)
        a^2 + b^2 - c^2
        sage: A.is_symmetry_of([a*c, b*c])
        True
    """
    index = _index(ring)
    entries = {}
    for v in incoming:
        k = index[str(v)]
        entries[k, k] = entries.get((k, k), 0) + 1
    for v in outgoing:
        k = index[str(v)]
        entries[k, k] = entries.get((k, k), 0) - 1
    return LinearSymmetry(ring.ngens(), entries, name=name)


def symmetry_laws(symmetries, ring):
    r"""
    The laws of ``symmetries``: `\theta^\top A\theta` for each symmetric
    generator, `c^\top\theta` for each translation (see the theorem above).

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import LinearSymmetry, Translation, symmetry_laws
        sage: R.<u,v> = QQ[]
        sage: symmetry_laws([LinearSymmetry(2, {(0, 0): 1, (1, 1): -1}), Translation(2, {0: 1})], R)
        [u^2 - v^2, u]
    """
    return [S.law(ring) for S in symmetries]


def check_symmetries(symmetries, phis, family=None):
    r"""
    Check exactly that each symmetry is one of `\phi` and that its law is a
    conservation law of ``family`` (when given: e.g. the model's generators);
    raise ``ValueError`` naming the first that is not.

    EXAMPLES::

        sage: from sage_conslaw.core.symmetry import LinearSymmetry, check_symmetries
        sage: from sage_conslaw.core.families import GradientFamily
        sage: R.<u,v> = QQ[]
        sage: check_symmetries([LinearSymmetry(2, {(0, 0): 1, (1, 1): -1})], [u*v], GradientFamily(R, [u*v]))
        sage: check_symmetries([LinearSymmetry(2, {(0, 0): 1})], [u*v])
        Traceback (most recent call last):
        ...
        ValueError: Linear symmetry of D = 2 with 1 nonzero entry (symmetric) is not a symmetry of phi: <grad phi_j, A theta> is not 0
    """
    for S in symmetries:
        if not S.is_symmetry_of(phis):
            raise ValueError("%s is not a symmetry of phi: <grad phi_j, A theta> is not 0" % (S,))
        if family is not None:
            h = S.law(family.polynomial_ring())
            defect = family.annihilation_defect(h)
            if defect is not None:
                raise ValueError("the law %s of %s is not annihilated by the generators of the model" % (h, S))
