r"""
Polynomial conservation laws by exact linear algebra (Algorithm 1 of the paper).

A polynomial `h = \sum_\alpha c_\alpha \theta^\alpha` is a conservation law of
a family `W = \{X_1, \dots, X_d\}` of vector fields iff
`\langle \nabla h, X_j\rangle = 0` identically for every `j`
(Proposition 2.16; for a reparametrization, `X_j = \nabla\phi_j`).  The
condition is linear in the unknown coefficients `c_\alpha`; collecting the
coefficient of every monomial gives a sparse linear system over `\QQ`, whose
kernel is the space of laws.  No Gröbner basis is involved.

The kernel is computed by small composable steps, each with a stated contract:

1. :func:`law_system` -- the sparse matrix `A` (rows: pairs (generator,
   monomial), columns: the candidate monomials `\theta^\alpha`), built directly
   from the exponents and coefficients of the fields.
2. :func:`kernel_mod_p` -- the kernel modulo a prime `p` of random
   combinations of the rows (LinBox); its dimension is at least that of
   `\ker_\QQ A`, since `\mathrm{rank}_p \le \mathrm{rank}_\QQ`.
3. :func:`rational_lift` -- rational reconstruction of that echelon basis.
   After checking `A K = 0` exactly, `K \subseteq \ker_\QQ A` and `\dim K \ge
   \dim \ker_\QQ A`, so `K` *is* the kernel: the answer is exact.  If the lift or
   the check fails (an unlucky prime, large coefficients), :func:`exact_kernel`
   solves the full system over `\QQ`.

EXAMPLES::

    sage: from sage_conslaw import PolynomialVectorFields
    sage: from sage_conslaw.core.laws import polynomial_laws
    sage: R.<u,v> = QQ[]
    sage: V = PolynomialVectorFields(R)
    sage: polynomial_laws([V.gradient(u*v)], 2)
    [u^2 - v^2]
    sage: polynomial_laws([V.gradient(u*v)], 4)
    [u^4 - 2*u^2*v^2 + v^4]
    sage: polynomial_laws([V.gradient(u*v)], 4, homogeneous=False)
    [u^4 - 2*u^2*v^2 + v^4, u^2 - v^2]
"""
import numpy as np

from sage.arith.misc import binomial
from sage.rings.integer_ring import ZZ
from sage.rings.rational_field import QQ

from sage_conslaw.core.checks import boolean, nonnegative_integer
from sage_conslaw.core.fields import as_vector_fields
from sage_conslaw.core.modular import DEFAULT_PRIME, random_combinations, reduce_rational
from sage_conslaw.core.thresholds import MAX_MONOMIALS


def number_of_candidates(D, degree, homogeneous=True):
    r"""
    Return the number of candidate monomials, counted (binomials) before any is enumerated.

    INPUT: as for :func:`candidate_exponents`

    EXAMPLES::

        sage: from sage_conslaw.core.laws import number_of_candidates
        sage: number_of_candidates(2, 2), number_of_candidates(2, 2, homogeneous=False)
        (3, 5)
        sage: number_of_candidates(10, 20)
        10015005
        sage: number_of_candidates(2, 10^5)
        100001
    """
    degree = nonnegative_integer(degree, "the degree")
    homogeneous = boolean(homogeneous, "homogeneous")
    if not degree:
        return 0
    if homogeneous:
        return int(binomial(D + degree - 1, degree))
    return int(binomial(D + degree, degree)) - 1


def check_size(D, degree, homogeneous=True):
    r"""
    Raise ``ValueError`` if the law system of this degree would have more than
    :data:`~sage_conslaw.core.thresholds.MAX_MONOMIALS` unknowns; return their number.

    The count is a binomial coefficient: the refusal is immediate, before any
    monomial is enumerated.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import check_size
        sage: check_size(3, 2)
        6
        sage: check_size(10, 20)
        Traceback (most recent call last):
        ...
        ValueError: degree 20 in D = 10 variables gives 10015005 candidate monomials, more than the limit MAX_MONOMIALS = 20000 (sage_conslaw.core.thresholds); choose a lower degree
    """
    n = number_of_candidates(D, degree, homogeneous)
    if n > MAX_MONOMIALS:
        raise ValueError("degree %s in D = %s variables gives %s candidate monomials, more than the limit "
                         "MAX_MONOMIALS = %s (sage_conslaw.core.thresholds); choose a lower degree"
                         % (degree, D, n, MAX_MONOMIALS))
    return n


def candidate_exponents(D, degree, homogeneous=True):
    r"""
    Return the exponent tuples of the candidate monomials, highest degree
    first, each degree in decreasing lexicographic order (Sage's
    :class:`~sage.combinat.integer_vector.IntegerVectors`).

    INPUT:

    - ``D`` -- number of variables
    - ``degree`` -- a nonnegative integer
    - ``homogeneous`` -- only monomials of degree exactly ``degree`` (default),
      or all those of degree `1, \dots,` ``degree`` (constants are never laws
      worth reporting: their gradient vanishes)

    EXAMPLES::

        sage: from sage_conslaw.core.laws import candidate_exponents
        sage: candidate_exponents(2, 2)
        [(2, 0), (1, 1), (0, 2)]
        sage: candidate_exponents(2, 2, homogeneous=False)
        [(2, 0), (1, 1), (0, 2), (1, 0), (0, 1)]
        sage: candidate_exponents(2, -1)
        Traceback (most recent call last):
        ...
        ValueError: the degree must be an integer >= 0, got -1
        sage: candidate_exponents(2, None)
        Traceback (most recent call last):
        ...
        TypeError: the degree must be an integer, got None (NoneType)
        sage: candidate_exponents(2, 2, homogeneous='no')
        Traceback (most recent call last):
        ...
        TypeError: homogeneous must be True or False, got 'no' (str)
    """
    from sage.combinat.integer_vector import IntegerVectors
    degree = nonnegative_integer(degree, "the degree")
    homogeneous = boolean(homogeneous, "homogeneous")
    degrees = [degree] if homogeneous else list(range(degree, 0, -1))
    return [tuple(int(a) for a in e) for k in degrees if k for e in IntegerVectors(k, D)]


def law_system(fields, exponents):
    r"""
    Return the sparse linear system of the laws supported on ``exponents``.

    INPUT:

    - ``fields`` -- the generators `X_1, \dots, X_d` (polynomial vector fields)
    - ``exponents`` -- the candidate monomials, as exponent tuples

    OUTPUT: a pair ``(entries, nrows)`` where ``entries`` is a dict
    ``{(row, column): coefficient}``: column `c` is the monomial
    ``exponents[c]``, and row `r` the coefficient of one monomial in one
    `\langle \nabla h, X_j\rangle`.

    EXAMPLES::

        sage: from sage_conslaw import PolynomialVectorFields
        sage: from sage_conslaw.core.laws import law_system
        sage: R.<u,v> = QQ[]
        sage: X = PolynomialVectorFields(R).gradient(u*v)
        sage: entries, nrows = law_system([X], [(2, 0), (1, 1), (0, 2)])
        sage: nrows, sorted(entries.items())
        (3, [((0, 0), 2), ((0, 2), 2), ((1, 1), 1), ((2, 1), 1)])
    """
    D = len(exponents[0]) if exponents else 0
    # terms[i] = the terms (generator, exponent, coefficient) of the i-th components
    terms = [[] for _ in range(D)]
    for j, X in enumerate(fields):
        comps = X.components()
        for i in X.support():
            for e, c in comps[i].iterator_exp_coeff():
                terms[i].append((j, tuple(e), c))
    rows = {}
    entries = {}
    for col, alpha in enumerate(exponents):
        for i, ai in enumerate(alpha):
            if not ai:
                continue
            for j, gamma, c in terms[i]:
                mono = tuple(a + g - (k == i) for k, (a, g) in enumerate(zip(alpha, gamma)))
                r = rows.setdefault((j, mono), len(rows))
                entries[r, col] = entries.get((r, col), 0) + ai * c
    return {k: v for k, v in entries.items() if v}, len(rows)


def kernel_mod_p(entries, nrows, ncols, p=DEFAULT_PRIME, seed=0):
    r"""
    Return the echelon basis of the right kernel of the system modulo ``p``.

    The rows are first compressed into ``ncols + 8`` random combinations
    (which have the same kernel with high probability, and always a kernel
    at least as large), then LinBox computes the kernel.

    OUTPUT: a matrix over `\GF{p}` whose rows span the kernel

    EXAMPLES::

        sage: from sage_conslaw.core.laws import kernel_mod_p
        sage: kernel_mod_p({(0, 0): 1, (0, 1): -1, (1, 1): 2, (1, 2): -2}, 2, 3, p=101)
        [1 1 1]
    """
    from sage.matrix.constructor import matrix
    from sage.rings.finite_rings.finite_field_constructor import GF
    keys = list(entries)
    rows = np.array([r for r, _ in keys], dtype=np.int64)
    cols = np.array([c for _, c in keys], dtype=np.int64)
    residues = {}
    vals = np.array([residues[a] if a in residues else residues.setdefault(a, reduce_rational(a, p))
                     for a in entries.values()], dtype=np.float64)
    S = random_combinations(rows, cols, vals, nrows, ncols, ncols + 8, p, seed)
    M = matrix(GF(p), S.shape[0], ncols, S.astype(np.int64).ravel().tolist())
    return M.right_kernel_matrix()


def rational_lift(K):
    r"""
    Lift a matrix over `\GF{p}` to `\QQ` by rational reconstruction, or return
    ``None`` if some entry has no small rational preimage.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import rational_lift
        sage: rational_lift(matrix(GF(101), [[1, 51, 100]]))
        [   1  1/2   -1]
    """
    from sage.arith.misc import rational_reconstruction
    from sage.matrix.constructor import matrix
    p = K.base_ring().characteristic()
    lifted = {}
    for (i, j), a in K.dict().items():
        try:
            lifted[i, j] = rational_reconstruction(ZZ(a), p)
        except (ArithmeticError, ValueError):
            return None
    return matrix(QQ, K.nrows(), K.ncols(), lifted)


def exact_kernel(entries, rows, ncols, K=QQ):
    r"""
    Return a basis (echelon form) of the right kernel over ``K`` of the
    submatrix made of the given ``rows``.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import exact_kernel
        sage: exact_kernel({(0, 0): 1, (0, 1): -1}, [0], 2)
        [1 1]
    """
    from sage.matrix.constructor import matrix
    pos = {r: t for t, r in enumerate(rows)}
    sub = {(pos[r], c): a for (r, c), a in entries.items() if r in pos}
    return matrix(K, len(rows), ncols, sub).right_kernel_matrix()


def _annihilates(entries, kernel):
    """Whether A * k = 0 exactly for each row k of the kernel matrix."""
    if kernel.nrows() == 0:
        return True
    cols = {}
    for (r, c), a in entries.items():
        cols.setdefault(c, []).append((r, a))
    for k in kernel.rows():
        acc = {}
        for c, kc in k.dict().items():
            for r, a in cols.get(c, ()):
                acc[r] = acc.get(r, 0) + a * kc
        if any(acc.values()):
            return False
    return True


def polynomial_laws(fields, degree, homogeneous=True, prime=DEFAULT_PRIME):
    r"""
    Return a basis of the polynomial conservation laws of ``degree`` of a
    family of vector fields.

    INPUT:

    - ``fields`` -- a nonempty list of vector fields of one ring (elements of
      :class:`PolynomialVectorFields`, or lists of `D` polynomials)
    - ``degree`` -- a nonnegative integer
    - ``homogeneous`` -- laws homogeneous of degree ``degree`` (default) or of
      degree at most ``degree`` (constants excluded)
    - ``prime`` -- the prime used to select independent equations

    OUTPUT: a list of polynomials, the rows of the echelon basis of the space
    of laws (highest monomials first); empty if there is none

    EXAMPLES:

    The product `x_1 x_2 x_3` has the degree-2 laws `x_i^2 - x_j^2`::

        sage: from sage_conslaw import PolynomialVectorFields
        sage: from sage_conslaw.core.laws import polynomial_laws
        sage: R.<x1,x2,x3> = QQ[]
        sage: polynomial_laws([PolynomialVectorFields(R).gradient(x1*x2*x3)], 2)
        [x1^2 - x3^2, x2^2 - x3^2]
        sage: polynomial_laws([PolynomialVectorFields(R).gradient(x1*x2*x3)], 1)
        []
        sage: polynomial_laws([[x2, x1, 0]], 2)
        [x1^2 - x2^2, x3^2]
    """
    fields = list(fields)
    if not fields:
        raise ValueError("polynomial_laws needs at least one vector field")
    V, fields = as_vector_fields(fields)
    R = V.polynomial_ring()
    D = V.ambient_dimension()
    check_size(D, degree, homogeneous)
    exponents = candidate_exponents(D, degree, homogeneous)
    if not exponents:
        return []
    return laws_supported_on(fields, exponents, prime)


def laws_supported_on(fields, exponents, prime=DEFAULT_PRIME):
    r"""
    Return a basis of the conservation laws of ``fields`` that are
    combinations of the given monomials (the kernel steps 1--3 above).

    :func:`polynomial_laws` calls it with all monomials of a degree; callers
    that know the shape of the laws (e.g. the laws `s^k q(\theta, v)` of
    momentum flows, :mod:`sage_conslaw.dynamics`) give fewer candidates.

    INPUT:

    - ``fields`` -- a nonempty list of vector fields of one ring
    - ``exponents`` -- the candidate monomials, as exponent tuples
    - ``prime`` -- the prime used to select independent equations

    OUTPUT: a list of polynomials (the echelon basis of the laws)

    EXAMPLES::

        sage: from sage_conslaw.core.laws import laws_supported_on
        sage: R.<u,v,w> = QQ[]
        sage: laws_supported_on([[v, u, 0]], [(2, 0, 0), (0, 2, 0), (1, 0, 1)])
        [u^2 - v^2]
        sage: laws_supported_on([[v, u, 0]], [])
        []
    """
    V, fields = as_vector_fields(list(fields))
    R = V.polynomial_ring()
    exponents = [tuple(e) for e in exponents]
    if not exponents:
        return []
    if len(exponents) > MAX_MONOMIALS:
        raise ValueError("%s candidate monomials is more than %s; choose fewer" % (len(exponents), MAX_MONOMIALS))
    entries, nrows = law_system(fields, exponents)
    K = V.base_ring()
    if K is QQ:
        try:
            kernel = rational_lift(kernel_mod_p(entries, nrows, len(exponents), prime))
        except ZeroDivisionError:   # the prime divides a denominator: solve exactly below
            kernel = None
        # Contract: a lifted kernel that A annihilates is the whole kernel (its
        # dimension is at least that of the kernel over QQ); otherwise solve exactly.
        if kernel is None or not _annihilates(entries, kernel):
            kernel = exact_kernel(entries, list(range(nrows)), len(exponents), K)
    else:
        kernel = exact_kernel(entries, list(range(nrows)), len(exponents), K)
    monomials = [R.monomial(*e) for e in exponents]
    return [R.sum(c * monomials[i] for i, c in k.dict().items()) for k in kernel.rows()]


def number_of_independent_functions(polys, point):
    r"""
    Return the rank of the gradients of ``polys`` at ``point``, exactly.

    At a generic point this is the number of functionally independent
    polynomials among ``polys`` (Definition 2.18); at any point it is a lower
    bound of that number near the point.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import number_of_independent_functions
        sage: R.<u,v> = QQ[]
        sage: h = u^2 - v^2
        sage: number_of_independent_functions([h, h^2, u*v], [1, 2])
        2
        sage: number_of_independent_functions([h, h^2], [0, 0])
        0
    """
    from sage.matrix.constructor import matrix
    if not polys:
        return 0
    R = polys[0].parent()
    from sage_conslaw.core.points import as_exact_point
    pt = as_exact_point(point, R.ngens(), R.base_ring())
    return matrix(R.base_ring(), [[h.derivative(g)(*pt) for g in R.gens()] for h in polys]).rank()
