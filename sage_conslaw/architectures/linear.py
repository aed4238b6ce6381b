r"""
Deep linear networks and matrix factorization (Example 2.10, Section 4.1).

`\theta = (U_1, \dots, U_q)` with `U_i \in \QQ^{n_{i-1} \times n_i}` and
`\phi(\theta) = U_1 \cdots U_q`.  The balancedness matrices `U_i^\top U_i -
U_{i+1} U_{i+1}^\top` are conserved (Proposition 4.1).

EXAMPLES:

Proposition 4.1 for a depth-3 network, and Corollary 4.4 for `q = 2`::

    sage: from sage_conslaw.architectures import LinearNetwork, MatrixFactorization
    sage: net = LinearNetwork([2, 3, 2, 2])
    sage: net.D, net.d, len(net.known_conservation_laws())
    (16, 4, 9)
    sage: all(net.is_conservation_law(h) for h in net.known_conservation_laws())
    True
    sage: res = net.lie_trace(); res.number_of_laws, res.certified
    (9, True)

    sage: mf = MatrixFactorization(3, 2, 2)
    sage: mf.known_independent_laws_formula(), mf.lie_dimension_formula()
    (3, 7)
    sage: res = mf.lie_trace(); (res.dimension, res.number_of_laws, res.certified)
    (7, 3, True)
"""
import random

from sage.matrix.constructor import matrix
from sage.misc.misc_c import prod
from sage.rings.integer_ring import ZZ

from sage_conslaw.architectures.base import Architecture, LayeredNetwork, Parameter, check_widths, positive_integers
from sage_conslaw.architectures.relu import number_of_paths
from sage_conslaw.core.symmetry import dot, product_symmetries
from sage_conslaw.core import checks
from sage_conslaw.core.jets import LinearPathFamily


def coordinates(P):
    r"""
    The coordinates of the entries of a placed parameter matrix ``P``: a list of its rows.

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.architectures.linear import coordinates
        sage: coordinates(LinearNetwork([2, 3, 1]).layout()['U2'])
        [[6], [7], [8]]
    """
    r, c = P.shape
    return [[P.offset + a * c + b for b in range(c)] for a in range(r)]


def balancedness(A, B):
    r"""
    Return the upper-triangular entries of `A^\top A - B B^\top` (a list of polynomials).

    EXAMPLES::

        sage: from sage_conslaw.architectures.linear import balancedness
        sage: R.<a,b,c,d> = QQ[]
        sage: balancedness(matrix([[a, b]]), matrix([[c], [d]]))
        [a^2 - c^2, a*b - c*d, b^2 - d^2]

    TESTS:

    Only the upper-triangular entries are formed, as sums of products of
    entries (the matrix products formed every entry twice over: 34 s instead of
    about 4 s for ``LinearNetwork([50, 50, 50])``)::

        sage: A, B = random_matrix(ZZ, 3, 4), random_matrix(ZZ, 4, 2)
        sage: M = A.transpose() * A - B * B.transpose()
        sage: balancedness(A, B) == [M[i, j] for i in range(4) for j in range(i, 4)]
        True
    """
    R = A.base_ring()
    n = A.ncols()
    cols = [A.column(i).list() for i in range(n)]
    rows = [B.row(i).list() for i in range(n)]
    return [dot(R, cols[i], cols[j]) - dot(R, rows[i], rows[j]) for i in range(n) for j in range(i, n)]


class LinearNetwork(LayeredNetwork):
    r"""
    The deep linear network `\phi(U_1, \dots, U_q) = U_1 \cdots U_q` (Example 2.10).

    INPUT:

    - ``dims`` -- the widths `[n_0, n_1, \dots, n_q]`: `U_i` is `n_{i-1} \times n_i`,
      `n_0` is the output dimension and `n_q` the input dimension

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: net = LinearNetwork([1, 2, 1]); net
        Linear network [1, 2, 1]: D = 4 parameters, phi = U1*U2 in QQ^(1 x 1)
        sage: net.U1
        [U1_0_0 U1_0_1]
        sage: net.U2
        [U2_0_0]
        [U2_1_0]
        sage: net.components()
        (U1_0_0*U2_0_0 + U1_0_1*U2_1_0,)
        sage: net.known_conservation_laws()
        [U1_0_0^2 - U2_0_0^2, U1_0_0*U1_0_1 - U2_0_0*U2_1_0, U1_0_1^2 - U2_1_0^2]
        sage: net.number_of_known_laws()
        3

    A single matrix (depth 1) has no conservation law::

        sage: LinearNetwork([2, 3]).number_of_conservation_laws()
        0
        sage: LinearNetwork([2])
        Traceback (most recent call last):
        ...
        ValueError: a linear network needs at least two widths [n0, n1], got [2]
    """

    def __init__(self, dims):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork((2, 1)).dims, LinearNetwork([1, 1]).bias
            ([2, 1], False)

        Construction is instant at any size: `\phi` is formed on first need only
        (:meth:`components`), never by :meth:`lie_trace`::

            sage: net = LinearNetwork([50, 50, 50, 50]); net
            Linear network [50, 50, 50, 50]: D = 7500 parameters, phi = U1*U2*U3 in QQ^(50 x 50)
            sage: net.d, net.generators().is_expanded()
            (2500, False)
            sage: net.generators().structured
            Structured family of the linear network [50, 50, 50, 50] (D = 7500, d = 2500), evaluated by matrix products
        """
        dims = check_widths(dims, "a linear network")
        structured = LinearPathFamily(dims)     # the fast trace at scale, never expanding phi
        # phi = U1 ... Uq expanded has one term per path of the network
        LayeredNetwork.__init__(self, dims, "a linear network",
                                lambda m: prod(m["U%s" % i] for i in range(1, self.depth + 1)).list(),
                                d=structured.d, terms=number_of_paths(dims), structured=structured)

    def _phi_name(self):
        r"""
        What `\phi` is, for the messages.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([2, 3, 4])._phi_name()
            'phi = U1*U2 of the linear network [2, 3, 4]'
        """
        return "phi = %s of the linear network %s" % ("*".join("U%s" % i for i in range(1, self.depth + 1)),
                                                       self.dims)

    def _repr_(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([3, 2])._repr_()
            'Linear network [3, 2]: D = 6 parameters, phi = U1 in QQ^(3 x 2)'
        """
        q = self.depth
        return "Linear network %s: D = %s parameters, phi = %s in QQ^(%s x %s)" % (
            self.dims, self.D, "*".join("U%s" % i for i in range(1, q + 1)), self.dims[0], self.dims[-1])

    def _known_law_count(self):
        r"""
        The number of balancedness laws, counted without forming them.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: net = LinearNetwork([2, 3, 2, 2]); net._known_law_count() == len(net.known_conservation_laws())
            True
        """
        return number_of_balancedness_laws(self.dims)

    def linear_factors(self):
        r"""
        Return the factors of `\phi = U_1 \cdots U_q` (see
        :meth:`~sage_conslaw.core.model.ConservationModel.linear_factors`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([2, 3, 4]).linear_factors()
            [('U1', False), ('U2', False)]
        """
        return [("U%s" % i, False) for i in range(1, self.depth + 1)]

    def balancedness_matrices(self):
        r"""
        Return the conserved matrices `U_i^\top U_i - U_{i+1} U_{i+1}^\top`, `i = 1, \dots, q-1`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([1, 1, 1]).balancedness_matrices()
            [[U1_0_0^2 - U2_0_0^2]]
        """
        U = self.weights()
        return [U[i].transpose() * U[i] - U[i + 1] * U[i + 1].transpose() for i in range(len(U) - 1)]

    def known_conservation_laws(self):
        r"""
        Return the balancedness laws of Proposition 4.1: the `n_i(n_i+1)/2`
        upper-triangular entries of each `U_i^\top U_i - U_{i+1} U_{i+1}^\top`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: len(LinearNetwork([2, 3, 2, 2]).known_conservation_laws())   # 6 + 3
            9
        """
        return self.symmetry_laws(check=False)   # checked exactly, and against the matrices, in tests/test_laws.py

    def symmetries(self):
        r"""
        Return the symmetric part of the `GL(n_i)` symmetry at each hidden
        layer (`U_i \mapsto U_i G`, `U_{i+1} \mapsto G^{-1}U_{i+1}`): one generator
        per upper-triangular entry, whose law is that entry of
        `U_i^\top U_i - U_{i+1}U_{i+1}^\top` (see :mod:`~sage_conslaw.core.symmetry`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: net = LinearNetwork([2, 3, 2])
            sage: len(net.symmetries()), net.symmetry_laws() == net.known_conservation_laws()
            (6, True)
        """
        L = self.layout()
        U = [coordinates(L["U%s" % i]) for i in range(1, self.depth + 1)]
        # U_i U_{i+1}: the columns of U_i and the rows of U_{i+1}, from the layout (no ring)
        return [A for i in range(len(U) - 1) for A in product_symmetries(L.D, [list(c) for c in zip(*U[i])], U[i + 1])]


class MatrixFactorization(Architecture):
    r"""
    Matrix factorization `\phi(U, V) = U V^\top` with `U \in \QQ^{n \times r}`,
    `V \in \QQ^{m \times r}` (Section 4.1): the linear network `[n, r, m]`
    written with `V = U_2^\top`.

    INPUT:

    - ``n``, ``m``, ``r`` -- positive integers

    EXAMPLES::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: mf = MatrixFactorization(2, 2, 1); mf
        Matrix factorization U*V^T with U: 2 x 1, V: 2 x 1 (D = 4)
        sage: mf.known_conservation_laws()
        [U_0_0^2 + U_1_0^2 - V_0_0^2 - V_1_0^2]
        sage: mf.point(U=[[1], [2]], V=[[3], [4]])
        (1, 2, 3, 4)
    """

    def __init__(self, n, m, r):
        """
        TESTS::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(1, 2, 1.5)
            Traceback (most recent call last):
            ...
            ValueError: n, m, r must be positive integers, got 1, 2, 1.50000000000000
        """
        self.n, self.m, self.r = positive_integers(
            (n, m, r), "n, m, r must be positive integers, got %s, %s, %s" % (n, m, r))
        Architecture.__init__(self, [Parameter("U", (self.n, self.r), "weight", 1),
                                     Parameter("V", (self.m, self.r), "weight", 2, transposed=True)],
                              lambda M: (M["U"] * M["V"].transpose()).list(),
                              d=self.n * self.m, terms=self.n * self.r * self.m)

    def _repr_(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(1, 2, 3)._repr_()
            'Matrix factorization U*V^T with U: 1 x 3, V: 2 x 3 (D = 9)'
        """
        return "Matrix factorization U*V^T with U: %s x %s, V: %s x %s (D = %s)" % (
            self.n, self.r, self.m, self.r, self.D)

    def linear_factors(self):
        r"""
        Return the factors of `\phi = U V^\top` (see
        :meth:`~sage_conslaw.core.model.ConservationModel.linear_factors`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(2, 3, 1).linear_factors()
            [('U', False), ('V', True)]
        """
        return [("U", False), ("V", True)]

    def known_conservation_laws(self):
        r"""
        Return the upper-triangular entries of `U^\top U - V^\top V` (Proposition 4.2).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: len(MatrixFactorization(2, 3, 3).known_conservation_laws())
            6
        """
        return self.symmetry_laws(check=False)   # checked exactly, and against the matrices, in tests/test_laws.py

    def symmetries(self):
        r"""
        Return the symmetric part of the `GL(r)` symmetry `(U, V) \mapsto (UG, VG^{-\top})`
        (see :mod:`~sage_conslaw.core.symmetry`): its laws are the
        upper-triangular entries of `U^\top U - V^\top V`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: len(MatrixFactorization(3, 2, 2).symmetries())
            3
        """
        L = self.layout()
        # U V^T: the columns of U and the rows of V^T, i.e. the columns of V
        return product_symmetries(L.D, [list(c) for c in zip(*coordinates(L["U"]))],
                                  [list(c) for c in zip(*coordinates(L["V"]))])

    def point_of_rank(self, rk, seed=0, bound=5):
        r"""
        Return an integer point `(U; V)` whose `(n+m) \times r` matrix has rank ``rk``.

        INPUT:

        - ``rk`` -- an integer with `0 \le rk \le \min(n+m, r)`
        - ``seed``, ``bound`` -- the random integer factors have entries in `[-B, B]`

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: mf = MatrixFactorization(2, 2, 3)
            sage: th = mf.point_of_rank(1)
            sage: M = mf.unflatten(th); M['U'].stack(M['V']).rank()
            1
            sage: mf.point_of_rank(-1)
            Traceback (most recent call last):
            ...
            ValueError: the rank rk of (U; V) must be >= 0 (and is at most min(n + m, r) = 3): it must be an integer in [0, min(n + m, r)] = [0, 3], got -1
        """
        n, m, r = self.n, self.m, self.r
        rk = rank_argument(rk, n, m, r)
        rng = random.Random(checks.integer(seed, "the seed"))
        for _ in range(100):
            A = matrix(ZZ, n + m, rk, [rng.randint(-bound, bound) for _ in range((n + m) * rk)])
            B = matrix(ZZ, rk, r, [rng.randint(-bound, bound) for _ in range(rk * r)])
            M = A * B
            if M.rank() == rk:
                return self.point(U=M[:n], V=M[n:])
        raise RuntimeError("could not draw a point of rank %s" % rk)

    def known_independent_laws_formula(self, rk=None):
        r"""
        Return `rk(2r + 1 - rk)/2`, the number of independent laws among the
        entries of `U^\top U - V^\top V` when `(U; V)` has rank `rk`
        (Proposition 4.2; default `rk = \min(n+m, r)`, full rank).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(2, 2, 3).known_independent_laws_formula()
            6
            sage: MatrixFactorization(1, 1, 3).known_independent_laws_formula()
            5
        """
        return known_independent_laws_formula(self.n, self.m, self.r, rk)

    def lie_dimension_formula(self, rk=None):
        r"""
        Return `\dim \mathrm{Lie}(W_\phi)(U; V) = (n+m)r - rk(2r+1-rk)/2` at full rank
        `rk = \min(n+m, r)` (Proposition 4.3; other ranks raise ``ValueError``).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(2, 2, 2).lie_dimension_formula()
            5
        """
        return lie_dimension_formula(self.n, self.m, self.r, rk)


def known_independent_laws_formula(n, m, r, rk=None):
    r"""
    Proposition 4.2: `rk(2r+1-rk)/2` independent laws in `U^\top U - V^\top V`
    at a point `(U; V)` of rank `rk` (default: full rank `\min(n+m, r)`).

    EXAMPLES::

        sage: from sage_conslaw.architectures.linear import known_independent_laws_formula
        sage: [known_independent_laws_formula(2, 2, r) for r in range(1, 6)]
        [1, 3, 6, 10, 14]
        sage: known_independent_laws_formula(2, 2, 3, rk=5)
        Traceback (most recent call last):
        ...
        ValueError: the rank rk of (U; V) is at most min(n + m, r) = 3: it must be an integer in [0, min(n + m, r)] = [0, 3], got 5
        sage: known_independent_laws_formula(2, 2, 3, rk=-1)
        Traceback (most recent call last):
        ...
        ValueError: the rank rk of (U; V) must be >= 0 (and is at most min(n + m, r) = 3): it must be an integer in [0, min(n + m, r)] = [0, 3], got -1
    """
    rk = min(n + m, r) if rk is None else rank_argument(rk, n, m, r)
    return rk * (2 * r + 1 - rk) // 2


def rank_argument(rk, n, m, r):
    r"""
    Return the rank ``rk`` of a point `(U; V)` of ``MatrixFactorization(n, m, r)``
    as an int in `[0, \min(n+m, r)]`, or raise a clear error (a point given
    where its rank is expected is named as such).

    EXAMPLES::

        sage: from sage_conslaw.architectures.linear import rank_argument
        sage: rank_argument(ZZ(2), 2, 2, 3)
        2
        sage: rank_argument(vector([1, 2, 3]), 1, 2, 1)
        Traceback (most recent call last):
        ...
        TypeError: rk is a rank (an integer in [0, min(n + m, r)] = [0, 1]), but a point was given: (1, 2, 3); use the rank of the matrix (U; V) of that point
        sage: rank_argument(1.5, 1, 2, 1)
        Traceback (most recent call last):
        ...
        TypeError: rk is a rank (an integer in [0, min(n + m, r)] = [0, 1]), got 1.50000000000000
        sage: rank_argument(-1, 1, 2, 1)
        Traceback (most recent call last):
        ...
        ValueError: the rank rk of (U; V) must be >= 0 (and is at most min(n + m, r) = 1): it must be an integer in [0, min(n + m, r)] = [0, 1], got -1
        sage: rank_argument(2, 1, 2, 1)
        Traceback (most recent call last):
        ...
        ValueError: the rank rk of (U; V) is at most min(n + m, r) = 1: it must be an integer in [0, min(n + m, r)] = [0, 1], got 2
    """
    full = min(n + m, r)
    what = "rk is a rank (an integer in [0, min(n + m, r)] = [0, %s])" % full
    if not isinstance(rk, (str, bytes)) and (hasattr(rk, "__iter__") or hasattr(rk, "__len__")):
        raise TypeError("%s, but a point was given: %s; use the rank of the matrix (U; V) of that point"
                        % (what, rk))
    try:
        rk = checks.integer(rk, "rk")
    except TypeError:
        raise TypeError("%s, got %r" % (what, rk)) from None
    if rk < 0:
        raise ValueError("the rank rk of (U; V) must be >= 0 (and is at most min(n + m, r) = %s): it must be an "
                         "integer in [0, min(n + m, r)] = [0, %s], got %s" % (full, full, rk))
    if rk > full:
        raise ValueError("the rank rk of (U; V) is at most min(n + m, r) = %s: it must be an integer in "
                         "[0, min(n + m, r)] = [0, %s], got %s" % (full, full, rk))
    return rk


def lie_dimension_formula(n, m, r, rk=None):
    r"""
    Proposition 4.3: `\dim \mathrm{Lie}(W_\phi)(U; V) = (n+m)r - rk(2r+1-rk)/2`
    when `(U; V)` has full rank `rk = \min(n+m, r)`.

    At a point of lower rank the trace is not locally constant and the
    proposition says nothing: a ``ValueError`` is raised.

    EXAMPLES::

        sage: from sage_conslaw.architectures.linear import lie_dimension_formula
        sage: lie_dimension_formula(2, 2, 2), lie_dimension_formula(1, 1, 3)
        (5, 1)
        sage: lie_dimension_formula(2, 2, 2, rk=1)
        Traceback (most recent call last):
        ...
        ValueError: Proposition 4.3 is stated for (U; V) of full rank min(n + m, r) = 2, not rank 1
        sage: lie_dimension_formula(2, 2, 2, rk=vector([1, 0, 0, 0, 1, 0, 0, 0]))
        Traceback (most recent call last):
        ...
        TypeError: rk is a rank (an integer in [0, min(n + m, r)] = [0, 2]), but a point was given: (1, 0, 0, 0, 1, 0, 0, 0); use the rank of the matrix (U; V) of that point
    """
    full = min(n + m, r)
    if rk is not None:
        rk = rank_argument(rk, n, m, r)
    if rk is not None and rk != full:
        raise ValueError("Proposition 4.3 is stated for (U; V) of full rank min(n + m, r) = %s, not rank %s"
                         % (full, rk))
    return (n + m) * r - known_independent_laws_formula(n, m, r, full)


def number_of_balancedness_laws(dims):
    r"""
    Return `\sum_{i=1}^{q-1} n_i(n_i+1)/2`, the number of balancedness laws
    of Proposition 4.1 (not all independent in general).

    EXAMPLES::

        sage: from sage_conslaw.architectures.linear import number_of_balancedness_laws
        sage: number_of_balancedness_laws([2, 3, 2, 2])
        9
    """
    return LinearPathFamily(dims).number_of_known_laws
