r"""
Polynomial conservation laws by exact linear algebra (Algorithm 1 of the paper).

A polynomial `h = \sum_\alpha c_\alpha \theta^\alpha` is a conservation law of
a family `W = \{X_1, \dots, X_d\}` of vector fields iff
`\langle \nabla h, X_j\rangle = 0` identically for every `j`
(Proposition 2.16; for a reparametrization, `X_j = \nabla\phi_j`).  The
condition is linear in the unknown coefficients `c_\alpha`; collecting the
coefficient of every monomial gives a sparse linear system over `\QQ`, whose
kernel is the space of laws.  No Gröbner basis is involved.

The kernel is computed by small composable steps, each with a stated contract,
in memory that follows the nonzeros of the system (never a dense matrix of
equations x monomials):

0. :func:`check_size` -- the number of candidate monomials is a binomial
   coefficient: a search beyond the limits of :mod:`sage_conslaw.core.thresholds`
   is refused at once, before anything is enumerated.
1. :func:`law_system` -- the sparse matrix `A` (rows: pairs (generator,
   monomial), columns: the candidate monomials `\theta^\alpha`), built with
   numpy from the exponents and coefficients of the fields
   (:class:`SparseSystem`).
2. :func:`forced_zero_columns` -- peeling: a row with one nonzero entry
   forces its unknown to zero (exact; most unknowns of network laws go so),
   then :func:`independent_blocks` -- the connected components of what is left.
3. :func:`block_kernel` on each block: the kernel modulo a prime
   (:func:`kernel_mod_p`, LinBox; a tall block is first compressed by sparse
   random combinations of its rows), whose dimension is at least that of
   `\ker_\QQ A` since `\mathrm{rank}_p \le \mathrm{rank}_\QQ`; lifted by
   rational reconstruction (:func:`rational_lift`, over several primes
   combined by the Chinese remainder theorem if needed).  After checking
   `A K = 0` exactly (:func:`annihilates`), `K \subseteq \ker_\QQ A` and
   `\dim K \ge \dim \ker_\QQ A`, so `K` *is* the kernel: the answer is exact.
   If no lift passes, :func:`exact_kernel` solves the block over `\QQ` when
   it is small enough, and the search is refused otherwise.
4. :func:`law_kernel` -- the echelon bases of the blocks (disjoint columns),
   sorted by pivot, form the echelon basis of the whole kernel.

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
from collections import namedtuple
from itertools import chain

import numpy as np

from sage.arith.misc import CRT_vectors, binomial, previous_prime
from sage.combinat.integer_vector import IntegerVectors
from sage.matrix.constructor import matrix
from sage.misc.lazy_import import lazy_import
from sage.rings.finite_rings.finite_field_constructor import GF
from sage.rings.integer import Integer
from sage.rings.integer_ring import ZZ
from sage.rings.rational_field import QQ

from sage_conslaw.core.checks import boolean, nonnegative_integer, prime as check_prime
from sage_conslaw.core.families import as_family
from sage_conslaw.core.fields import as_vector_fields
from sage_conslaw.core.modular import DEFAULT_PRIME, PolynomialsModP, linbox_matrix, rank_mod_p, reduce_rational, residues
from sage_conslaw.core.points import as_exact_point
from sage_conslaw.core.thresholds import (COMPRESSION_SURPLUS, KERNEL_PRIMES,
                                          MAX_DENSE_BLOCK_ENTRIES, MAX_DIRECT_ENTRIES, MAX_EXACT_BLOCK_ENTRIES,
                                          LAW_SYSTEM_BYTES_PER_TERM, MAX_PRIME, SKETCH_NONZEROS,
                                          SKETCH_ROW_CHUNK, DENSE_FILL_ROWS, law_search_bytes, memory_budget)

# scipy's sparse matrices and graphs take ~0.3 s to import and serve only the large systems
lazy_import("scipy.sparse", ["coo_matrix", "csr_matrix"])
lazy_import("scipy.sparse.csgraph", "connected_components")


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
    Raise ``ValueError`` if the law search of this degree would not fit in the
    memory available (:func:`~sage_conslaw.core.thresholds.law_search_bytes`
    against :func:`~sage_conslaw.core.thresholds.memory_budget`: resource
    limits and ``MemAvailable``); return the number of candidate monomials.

    The count is a binomial coefficient: the refusal is immediate, before any
    monomial is enumerated.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import check_size
        sage: check_size(3, 2)
        6
        sage: check_size(10, 40)
        Traceback (most recent call last):
        ...
        ValueError: degree 40 in D = 10 variables gives 2054455634 candidate monomials, whose law search would take about 13148.5 GB (LAW_SEARCH_BYTES_PER_ENTRY = 128 bytes for each of the candidates x (D + degree) exponent entries), more than the ... GB available now (MEMORY_SHARE of the free memory, sage_conslaw.core.thresholds); refused before any monomial is enumerated; choose a lower degree
        sage: check_size(10^7, 1)
        Traceback (most recent call last):
        ...
        ValueError: degree 1 in D = 10000000 variables gives 10000000 candidate monomials, whose law search would take about 12800001.3 GB ...

    Few variables but a huge degree (``uv().polynomial_conservation_laws(10^6)``)::

        sage: check_size(2, 10^6)
        Traceback (most recent call last):
        ...
        ValueError: degree 1000000 in D = 2 variables gives 1000001 candidate monomials, whose law search would take about 128000.4 GB ...
    """
    n = number_of_candidates(D, degree, homogeneous)
    need, budget = law_search_bytes(n, D, degree), memory_budget()
    if need > budget:
        raise ValueError("degree %s in D = %s variables gives %s candidate monomials, whose law search would take "
                         "about %.1f GB (LAW_SEARCH_BYTES_PER_ENTRY = 128 bytes for each of the candidates x (D + "
                         "degree) exponent entries), more than the %.1f GB available now (MEMORY_SHARE of the free "
                         "memory, sage_conslaw.core.thresholds); refused before any monomial is enumerated; choose "
                         "a lower degree" % (degree, D, n, need / 1e9, budget / 1e9))
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
    degree = nonnegative_integer(degree, "the degree")
    homogeneous = boolean(homogeneous, "homogeneous")
    degrees = [degree] if homogeneous else list(range(degree, 0, -1))
    return [tuple(map(int, e)) for k in degrees if k for e in IntegerVectors(k, D)]


class SparseSystem(namedtuple("SparseSystem", "rows cols vals nrows ncols")):
    r"""
    A sparse matrix given by its nonzero entries, with exact coefficients.

    ``vals[t]`` is the entry at ``(rows[t], cols[t])``; ``rows`` and ``cols``
    are numpy integer arrays, ``vals`` a numpy array of exact numbers: int64
    (integers), or objects (elements of ``QQ`` or of the base field).  No position is repeated and
    no zero is stored.  Memory follows the number of nonzeros.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem
        sage: A = SparseSystem.from_dict({(0, 1): 2, (1, 0): -1}, 2, 3); A
        sparse system of 2 equations in 3 unknowns (2 nonzeros)
        sage: A.as_dict()
        {(0, 1): 2, (1, 0): -1}
    """
    __slots__ = ()

    @staticmethod
    def from_dict(entries, nrows, ncols):
        r"""
        Return the system with the nonzero entries ``{(row, col): value}``.

        EXAMPLES::

            sage: from sage_conslaw.core.laws import SparseSystem
            sage: SparseSystem.from_dict({(0, 0): 1, (0, 1): 0}, 1, 2).as_dict()
            {(0, 0): 1}
        """
        keys = [k for k, v in entries.items() if v]
        rows = np.array([r for r, _ in keys], dtype=np.int64)
        cols = np.array([c for _, c in keys], dtype=np.int64)
        vals = np.empty(len(keys), dtype=object)
        vals[:] = [entries[k] for k in keys]
        return SparseSystem(rows, cols, vals, int(nrows), int(ncols))

    def as_dict(self):
        r"""
        Return the entries as a dict ``{(row, col): value}``.

        EXAMPLES::

            sage: from sage_conslaw.core.laws import SparseSystem
            sage: SparseSystem.from_dict({(1, 0): 3}, 2, 1).as_dict()
            {(1, 0): 3}
        """
        vals = self.vals if self.vals.dtype == object else [ZZ(int(v)) for v in self.vals]
        return {(int(r), int(c)): v for r, c, v in zip(self.rows, self.cols, vals)}

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.laws import SparseSystem
            sage: SparseSystem.from_dict({}, 0, 4)
            sparse system of 0 equations in 4 unknowns (0 nonzeros)
        """
        return "sparse system of %s equations in %s unknowns (%s nonzeros)" % (
            self.nrows, self.ncols, len(self.vals))


def _multisets(E, D):
    r"""
    Return the monomials of the exponent array ``E`` (one row each) as sorted
    lists of variable indices with repetition, padded with ``D``, and their degrees.

    TESTS::

        sage: from sage_conslaw.core.laws import _multisets
        sage: import numpy as np
        sage: ms, deg = _multisets(np.array([[2, 0, 1], [0, 1, 0]]), 3)
        sage: ms.tolist(), deg.tolist()
        ([[0, 0, 2], [1, 3, 3]], [3, 1])
    """
    N = E.shape[0]
    deg = E.sum(axis=1).astype(np.int64)
    width = max(int(deg.max()) if N else 0, 1)
    ms = np.full((N, width), D, dtype=np.int64)
    r, c = np.nonzero(E)
    cnt = E[r, c].astype(np.int64)
    rows = np.repeat(r, cnt)
    start = np.cumsum(deg) - deg
    pos = np.arange(rows.size) - np.repeat(start, deg)
    ms[rows, pos] = np.repeat(c, cnt)
    return ms, deg


def law_system(fields, exponents):
    r"""
    Return the sparse linear system of the laws supported on ``exponents``.

    INPUT:

    - ``fields`` -- the generators `X_1, \dots, X_d` (polynomial vector fields
      of one ring)
    - ``exponents`` -- the candidate monomials, as exponent tuples

    OUTPUT: a :class:`SparseSystem`: column `c` is the monomial
    ``exponents[c]``, and each row the coefficient of one monomial in one
    `\langle \nabla h, X_j\rangle`.

    It is built with numpy from the terms of the fields (monomials as sorted
    lists of variable indices), in memory proportional to its nonzeros; a
    system whose terms would not fit in the memory available
    (:data:`~sage_conslaw.core.thresholds.LAW_SYSTEM_BYTES_PER_TERM`) is
    refused before it is formed.

    EXAMPLES::

        sage: from sage_conslaw import PolynomialVectorFields
        sage: from sage_conslaw.core.laws import law_system
        sage: R.<u,v> = QQ[]
        sage: X = PolynomialVectorFields(R).gradient(u*v)
        sage: A = law_system([X], [(2, 0), (1, 1), (0, 2)]); A
        sparse system of 3 equations in 3 unknowns (4 nonzeros)
        sage: sorted(A.as_dict().items())
        [((0, 1), 1), ((1, 0), 2), ((1, 2), 2), ((2, 1), 1)]
    """
    fields = list(fields)
    N = len(exponents)
    D = fields[0].parent().ambient_dimension() if fields else (len(exponents[0]) if N else 0)
    empty = SparseSystem(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                         np.zeros(0, dtype=object), 0, N)
    if not N:
        return empty
    E = np.asarray(exponents, dtype=np.int64).reshape(N, D)
    ms, deg = _multisets(E, D)
    # pairs (column, variable i with alpha_i > 0): d/d theta_i of theta^alpha is
    # alpha_i theta^beta, beta = alpha with one i removed
    pair_col, pair_var = np.nonzero(E)
    pair_mult = E[pair_col, pair_var]
    first = np.cumsum(pair_mult) - pair_mult - (np.cumsum(deg) - deg)[pair_col]
    width = ms.shape[1]
    idx = np.arange(width - 1)[None, :]
    beta = ms[pair_col[:, None], idx + (idx >= first[:, None])]
    # the terms c * theta^gamma of the component i of X_j
    t_var, t_gen, t_coef, t_mono = [], [], [], []
    for j, X in enumerate(fields):
        comps = X.components()
        for i in X.support():
            for e, c in comps[i].iterator_exp_coeff():
                t_var.append(i)
                t_gen.append(j)
                t_coef.append(c)
                t_mono.append([k for k, a in e.sparse_iter() for _ in range(a)])
    if not t_var:
        return empty
    gwidth = max(1, max(len(m) for m in t_mono))
    tms = np.full((len(t_mono), gwidth), D, dtype=np.int64)
    for t, m in enumerate(t_mono):
        tms[t, :len(m)] = m
    t_var = np.array(t_var, dtype=np.int64)
    t_gen = np.array(t_gen, dtype=np.int64)
    order = np.argsort(t_var, kind="stable")
    counts = np.bincount(t_var, minlength=D)
    tstart = np.cumsum(counts) - counts
    reps = counts[pair_var]
    total = int(reps.sum())
    need, budget = total * LAW_SYSTEM_BYTES_PER_TERM, memory_budget()
    if need > budget:
        raise ValueError("the law system of %s candidate monomials has %s terms, about %.1f GB while it is formed "
                         "(LAW_SYSTEM_BYTES_PER_TERM = %s), more than the %.1f GB available now (MEMORY_SHARE of the "
                         "free memory, sage_conslaw.core.thresholds); refused before it is formed; choose a lower "
                         "degree" % (N, total, need / 1e9, LAW_SYSTEM_BYTES_PER_TERM, budget / 1e9))
    if not total:
        return empty
    pair_idx = np.repeat(np.arange(pair_col.size), reps)
    offset = np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps)
    term_idx = order[np.repeat(tstart[pair_var], reps) + offset]
    mono = np.sort(np.concatenate([beta[pair_idx], tms[term_idx]], axis=1), axis=1)
    # the row of a term: (generator, monomial), one int64 when it fits (mixed radix D + 1)
    if len(fields) * (D + 1) ** mono.shape[1] < 2 ** 62:
        keys = t_gen[term_idx]
        for k in range(mono.shape[1]):
            keys = keys * (D + 1) + mono[:, k]
        _, row = np.unique(keys, return_inverse=True)
    else:
        _, row = np.unique(np.concatenate([t_gen[term_idx][:, None], mono], axis=1), axis=0,
                           return_inverse=True)
    del mono
    row = row.reshape(-1).astype(np.int64)
    nrows = int(row.max()) + 1
    col = pair_col[pair_idx].astype(np.int64)
    vals = _term_values(pair_mult[pair_idx], t_coef, term_idx, total)
    # sum the repeated positions exactly, drop the zeros
    key = row * N + col
    srt = np.argsort(key, kind="stable")
    key = key[srt]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sums = np.add.reduceat(vals[srt], starts)
    key = key[starts]
    keep = np.asarray(sums != 0, dtype=bool)
    return SparseSystem(key[keep] // N, key[keep] % N, sums[keep], nrows, N)


def _term_values(mult, coefficients, term_idx, total):
    r"""
    Return the values ``mult[t] * coefficients[term_idx[t]]`` exactly: an
    int64 array when the coefficients are integers small enough for every sum
    of ``total`` of them to stay exact, else an object array.

    TESTS::

        sage: from sage_conslaw.core.laws import _term_values
        sage: import numpy as np
        sage: _term_values(np.array([1, 2]), [3, -1], np.array([0, 1]), 2)
        array([ 3, -2])
        sage: _term_values(np.array([1, 2]), [1/2, 10^30], np.array([0, 1]), 2)
        array([1/2, 2000000000000000000000000000000], dtype=object)
    """
    ints = all(c in ZZ for c in coefficients)
    if ints:
        bound = max(abs(int(c)) for c in coefficients) * max(int(mult.max()), 1) * max(total, 1)
        if bound < 2 ** 62:
            coef = np.array([int(c) for c in coefficients], dtype=np.int64)
            return mult.astype(np.int64) * coef[term_idx]
    coef = np.empty(len(coefficients), dtype=object)
    coef[:] = list(coefficients)
    return mult.astype(object) * coef[term_idx]


def forced_zero_columns(A):
    r"""
    Return the columns that every kernel vector of ``A`` has zero, found by
    peeling: a row with a single nonzero entry among the columns left forces
    that column to zero; repeat.

    Exact over any field (no division, no rank): law systems are very sparse
    and most of their unknowns go this way (for ``ReLUNetwork([6, 6, 6, 6])``
    and degree 2, 5778 of 5886).

    OUTPUT: a boolean numpy array, ``True`` at the forced columns

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, forced_zero_columns
        sage: A = SparseSystem.from_dict({(0, 0): 1, (1, 0): 1, (1, 1): 2, (2, 2): 1, (2, 3): 1}, 3, 4)
        sage: forced_zero_columns(A).tolist()
        [True, True, False, False]
    """
    dead = np.zeros(A.ncols, dtype=bool)
    live = np.ones(A.rows.size, dtype=bool)
    while True:
        count = np.bincount(A.rows[live], minlength=A.nrows)
        kill = np.unique(A.cols[live & (count[A.rows] == 1)])
        if not kill.size:
            return dead
        dead[kill] = True
        live &= ~dead[A.cols]


def independent_blocks(A, dead=None):
    r"""
    Split the law system into independent blocks: the connected components
    of its rows and columns (those not in ``dead``), linked by nonzero entries.

    OUTPUT: a pair ``(blocks, free)``: ``blocks`` a list of pairs ``(rows,
    cols)`` of increasing numpy index arrays, ``free`` the live columns that
    meet no equation (each is a law by itself)

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, independent_blocks
        sage: A = SparseSystem.from_dict({(0, 0): 1, (0, 2): 1, (1, 1): 1, (1, 3): -1}, 2, 5)
        sage: blocks, free = independent_blocks(A)
        sage: [(r.tolist(), c.tolist()) for r, c in blocks], free.tolist()
        ([([0], [0, 2]), ([1], [1, 3])], [4])
    """
    if dead is None:
        dead = np.zeros(A.ncols, dtype=bool)
    live = ~dead[A.cols]
    rows, cols = A.rows[live], A.cols[live]
    n = A.nrows + A.ncols
    graph = coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, A.nrows + cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    used = np.zeros(A.ncols, dtype=bool)
    used[cols] = True
    free = np.flatnonzero(~dead & ~used)
    col_label = label[A.nrows:]
    live_cols = np.flatnonzero(used)
    row_ids = np.unique(rows)
    blocks = {}
    for c in live_cols:
        blocks.setdefault(col_label[c], ([], []))[1].append(c)
    for r in row_ids:
        blocks[label[r]][0].append(r)
    out = [(np.array(r, dtype=np.int64), np.array(c, dtype=np.int64)) for r, c in blocks.values()]
    out.sort(key=lambda rc: rc[1][0])
    return out, free


def _restrict(A, rows, cols, entries=None):
    r"""
    Return the subsystem of ``A`` on the given increasing ``rows`` and ``cols``,
    renumbered from 0 (entries outside them are dropped).  If the indices of
    its ``entries`` in ``A`` are known, only those are read.

    TESTS::

        sage: from sage_conslaw.core.laws import SparseSystem, _restrict
        sage: import numpy as np
        sage: A = SparseSystem.from_dict({(0, 0): 1, (1, 2): 5, (1, 1): 3}, 2, 3)
        sage: _restrict(A, np.array([1]), np.array([1, 2])).as_dict()
        {(0, 0): 3, (0, 1): 5}
        sage: _restrict(A, np.array([1]), np.array([1, 2]), np.array([1, 2])).as_dict()
        {(0, 0): 3, (0, 1): 5}
    """
    if entries is not None:
        return SparseSystem(np.searchsorted(rows, A.rows[entries]), np.searchsorted(cols, A.cols[entries]),
                            A.vals[entries], int(rows.size), int(cols.size))
    rpos = np.full(A.nrows, -1, dtype=np.int64)
    rpos[rows] = np.arange(rows.size)
    cpos = np.full(A.ncols, -1, dtype=np.int64)
    cpos[cols] = np.arange(cols.size)
    keep = (rpos[A.rows] >= 0) & (cpos[A.cols] >= 0)
    return SparseSystem(rpos[A.rows[keep]], cpos[A.cols[keep]], A.vals[keep], int(rows.size), int(cols.size))


def kernel_mod_p(A, p=DEFAULT_PRIME, seed=0):
    r"""
    Return the echelon basis of the right kernel of ``A`` modulo ``p`` (LinBox).

    A system with at most
    :data:`~sage_conslaw.core.thresholds.MAX_DENSE_BLOCK_ENTRIES` entries
    (rows x columns) is reduced as it is.  A taller one is first compressed
    into ``ncols + COMPRESSION_SURPLUS`` sparse random combinations of its rows
    (each row enters :data:`~sage_conslaw.core.thresholds.SKETCH_NONZEROS` of
    them), formed with scipy in memory that follows the nonzeros.  Either
    way the kernel modulo `p` contains the reduction of the kernel over
    `\QQ`, so its dimension is at least that of `\ker_\QQ A`.  Wider systems
    are refused (``ValueError``).

    OUTPUT: a matrix over `\GF{p}` whose rows span the kernel, in reduced echelon form

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, kernel_mod_p
        sage: A = SparseSystem.from_dict({(0, 0): 1, (0, 1): -1, (1, 1): 2, (1, 2): -2}, 2, 3)
        sage: kernel_mod_p(A, p=101)
        [1 1 1]
    """
    F = GF(p)
    res = residues(A.vals, p)
    nr, nc = A.nrows, A.ncols
    if nr * nc <= MAX_DENSE_BLOCK_ENTRIES:
        M = matrix(F, nr, nc, {(int(r), int(c)): int(v) for r, c, v in zip(A.rows, A.cols, res)})
        return M.right_kernel_matrix()
    m = nc + COMPRESSION_SURPLUS
    if m * nc > MAX_DENSE_BLOCK_ENTRIES:
        raise ValueError("a block of the law system has %s unknowns that peeling does not decide: its "
                         "%s x %s compressed matrix modulo p is more than the limit MAX_DENSE_BLOCK_ENTRIES "
                         "= %s (sage_conslaw.core.thresholds); choose a lower degree"
                         % (nc, m, nc, MAX_DENSE_BLOCK_ENTRIES))
    rng = np.random.default_rng(seed)
    s = SKETCH_NONZEROS
    J = csr_matrix((res, (A.rows, A.cols)), shape=(nr, nc), dtype=np.int64)
    S = np.zeros((m, nc), dtype=np.int64)
    chunk = SKETCH_ROW_CHUNK   # int64 stays exact (see its reason)
    for start in range(0, nr, chunk):
        stop = min(nr, start + chunk)
        k = stop - start
        P = csr_matrix((rng.integers(1, p, size=k * s), (rng.integers(0, m, size=k * s),
                                                         np.repeat(np.arange(k), s))),
                       shape=(m, k), dtype=np.int64)
        S = (S + (P @ J[start:stop]).toarray() % p) % p
    M = matrix(F, m, nc)
    for start in range(0, m, DENSE_FILL_ROWS):
        block = S[start:start + DENSE_FILL_ROWS]
        M.set_block(start, 0, matrix(F, block.shape[0], nc, block.ravel().tolist()))
    return M.right_kernel_matrix()


def rational_lift(K, modulus=None):
    r"""
    Lift a matrix modulo `N` to `\QQ` by rational reconstruction (Sage's
    :meth:`~sage.matrix.matrix_integer_dense.Matrix_integer_dense.rational_reconstruction`),
    or return ``None`` if some entry has no small rational preimage.

    INPUT:

    - ``K`` -- a matrix over `\GF{p}` (then `N = p`), or over `\ZZ`
    - ``modulus`` -- `N`, for a matrix over `\ZZ`

    EXAMPLES::

        sage: from sage_conslaw.core.laws import rational_lift
        sage: rational_lift(matrix(GF(101), [[1, 51, 100]]))
        [   1  1/2   -1]
        sage: rational_lift(matrix(ZZ, [[1, 12345]]), 101) is None
        True
    """
    if modulus is None:
        modulus = K.base_ring().characteristic()
    if K.nrows() == 0:
        return matrix(QQ, 0, K.ncols())
    try:
        return K.change_ring(ZZ).rational_reconstruction(ZZ(modulus))
    except (ValueError, ArithmeticError):
        return None


def exact_kernel(A, K=QQ):
    r"""
    Return a basis (echelon form) of the right kernel of ``A`` over ``K``, by
    exact elimination (Sage; multimodular over `\QQ`).

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, exact_kernel
        sage: exact_kernel(SparseSystem.from_dict({(0, 0): 1, (0, 1): -1}, 1, 2))
        [1 1]
    """
    return matrix(K, A.nrows, A.ncols, A.as_dict()).right_kernel_matrix()


def annihilates(A, kernel):
    r"""
    Return whether `A k = 0` exactly for every row `k` of ``kernel``.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, annihilates
        sage: A = SparseSystem.from_dict({(0, 0): 1, (0, 1): -1}, 1, 2)
        sage: annihilates(A, matrix(QQ, [[1, 1]])), annihilates(A, matrix(QQ, [[1, 0]]))
        (True, False)
    """
    if kernel.nrows() == 0 or not A.rows.size:
        return True
    srt = np.argsort(A.rows, kind="stable")
    rows, cols, vals = A.rows[srt], A.cols[srt], A.vals[srt]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    for k in kernel.rows():
        kv = np.empty(A.ncols, dtype=object)
        kv[:] = list(k)
        if any(np.add.reduceat(vals * kv[cols], starts)):
            return False
    return True


def block_kernel(A, K=QQ, prime=DEFAULT_PRIME, seed=0):
    r"""
    Return the echelon basis of the right kernel of ``A`` over ``K``, exactly.

    Over `\QQ`: the kernel modulo a prime (:func:`kernel_mod_p`), lifted by
    rational reconstruction (:func:`rational_lift`), combining up to
    :data:`~sage_conslaw.core.thresholds.KERNEL_PRIMES` primes by the Chinese
    remainder theorem when the coefficients are large.  A lift `L` with `A L =
    0` (checked exactly) *is* the kernel: `L \subseteq \ker_\QQ A` and `\dim L
    \ge \dim \ker_\QQ A`.  Otherwise, or over another field, the kernel is
    computed by exact elimination (:func:`exact_kernel`) if the system has at
    most :data:`~sage_conslaw.core.thresholds.MAX_EXACT_BLOCK_ENTRIES`
    entries; a larger one is refused with a ``ValueError``.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, block_kernel
        sage: A = SparseSystem.from_dict({(0, 0): 10^30, (0, 1): -1}, 1, 2)
        sage: block_kernel(A)
        [                                  1 1000000000000000000000000000000]
    """
    if K is QQ:
        p, modulus, acc, pivots = prime, 1, None, None
        for attempt in range(KERNEL_PRIMES):
            try:
                Kp = kernel_mod_p(A, p, seed + attempt)
            except ZeroDivisionError:   # p divides a denominator: any other prime will do
                p = int(previous_prime(p))
                continue
            if acc is None or Kp.nrows() < acc.nrows() or (Kp.nrows() == acc.nrows()
                                                           and Kp.pivots() != pivots):
                # a smaller kernel modulo p is closer to the truth: start again from it
                acc, modulus, pivots = Kp.change_ring(ZZ), p, Kp.pivots()
            elif Kp.nrows() == acc.nrows():
                flat = CRT_vectors([acc.list(), Kp.change_ring(ZZ).list()], [modulus, p])
                modulus *= p
                acc = acc.parent()(flat) if acc.nrows() else acc
            lifted = rational_lift(acc, modulus)
            if lifted is not None and annihilates(A, lifted):
                return lifted
            p = int(previous_prime(p))
    if A.nrows * A.ncols > MAX_EXACT_BLOCK_ENTRIES:
        raise ValueError("the kernel of a %s x %s block of the law system could not be certified modulo "
                         "%s primes, and exact elimination over %s is refused beyond "
                         "MAX_EXACT_BLOCK_ENTRIES = %s entries (sage_conslaw.core.thresholds)"
                         % (A.nrows, A.ncols, KERNEL_PRIMES, K, MAX_EXACT_BLOCK_ENTRIES))
    return exact_kernel(A, K)


def law_kernel(A, K=QQ, prime=DEFAULT_PRIME, seed=0):
    r"""
    Return the reduced echelon basis of the right kernel of the law system
    ``A`` over ``K``, as sparse rows ``{column: coefficient}``.

    The steps, each exact: :func:`forced_zero_columns` (peeling),
    :func:`independent_blocks`, then :func:`block_kernel` on each block.
    Blocks have disjoint columns, so the union of their echelon bases, sorted
    by pivot, is the echelon basis of the whole kernel.  A system of at most
    :data:`~sage_conslaw.core.thresholds.MAX_DIRECT_ENTRIES` entries is
    solved at once by :func:`exact_kernel`.

    EXAMPLES::

        sage: from sage_conslaw.core.laws import SparseSystem, law_kernel
        sage: A = SparseSystem.from_dict({(0, 0): 1, (1, 1): 1, (1, 2): -1, (2, 3): 2}, 3, 5)
        sage: law_kernel(A)
        [{1: 1, 2: 1}, {4: 1}]
    """
    if A.nrows * A.ncols <= MAX_DIRECT_ENTRIES:   # small: one exact elimination is quickest
        return [dict(k.dict()) for k in exact_kernel(A, K).rows()]
    dead = forced_zero_columns(A)
    blocks, free = independent_blocks(A, dead)
    out = [{int(c): K.one()} for c in free]
    # the entries of each block, grouped once
    block_of_col = np.full(A.ncols, -1, dtype=np.int64)
    for b, (_, cols) in enumerate(blocks):
        block_of_col[cols] = b
    label = block_of_col[A.cols]
    inside = np.flatnonzero(label >= 0)
    inside = inside[np.argsort(label[inside], kind="stable")]
    bounds = np.cumsum(np.bincount(label[inside], minlength=len(blocks)))
    for b, (rows, cols) in enumerate(blocks):
        entries = inside[(bounds[b - 1] if b else 0):bounds[b]]
        kb = block_kernel(_restrict(A, rows, cols, entries), K, prime, seed)
        for k in kb.rows():
            out.append({int(cols[c]): a for c, a in k.dict().items()})
    out.sort(key=min)
    return out


def _exponent_array(exponents, D):
    r"""
    Return the exponent tuples as an integer array of shape ``(N, D)``, or
    raise ``ValueError`` naming the first tuple that is not `D` nonnegative integers.

    TESTS::

        sage: from sage_conslaw.core.laws import _exponent_array
        sage: _exponent_array([(1, 0), (0, 2)], 2).tolist()
        [[1, 0], [0, 2]]
        sage: _exponent_array([(ZZ(1), 0)], 2).tolist()
        [[1, 0]]
        sage: _exponent_array([(1, 0), (1,)], 2)
        Traceback (most recent call last):
        ...
        ValueError: the exponent tuple (1,) does not have D = 2 nonnegative integer entries
        sage: _exponent_array([(True, 0)], 2)
        Traceback (most recent call last):
        ...
        ValueError: the exponent tuple (True, 0) does not have D = 2 nonnegative integer entries
    """
    def bad(e):
        return ValueError("the exponent tuple %s does not have D = %s nonnegative integer entries" % (e, D))
    for e in exponents:
        if len(e) != D:
            raise bad(e)
    types = set(map(type, chain.from_iterable(exponents)))
    if not types <= {int, Integer}:
        for e in exponents:
            if any(type(a) not in (int, Integer) for a in e):
                raise bad(e)
    E = np.array(exponents, dtype=np.int64).reshape(len(exponents), D)
    negative = np.flatnonzero((E < 0).any(axis=1))
    if negative.size:
        raise bad(exponents[negative[0]])
    return E


def laws_supported_on(fields, exponents, prime=DEFAULT_PRIME):
    r"""
    Return a basis of the conservation laws of ``fields`` that are
    combinations of the given monomials: the kernel of :func:`law_system`
    by :func:`law_kernel`.

    :func:`polynomial_laws` calls it with all monomials of a degree; callers
    that know the shape of the laws (e.g. the laws `s^k q(\theta, v)` of
    momentum flows, :mod:`sage_conslaw.dynamics`) give fewer candidates.

    INPUT:

    - ``fields`` -- a nonempty list of vector fields of one ring
    - ``exponents`` -- the candidate monomials, as exponent tuples
    - ``prime`` -- the prime used first for the modular kernel

    OUTPUT: a list of polynomials (the reduced echelon basis of the laws, in
    the order of ``exponents``)

    EXAMPLES::

        sage: from sage_conslaw.core.laws import laws_supported_on
        sage: R.<u,v,w> = QQ[]
        sage: laws_supported_on([[v, u, 0]], [(2, 0, 0), (0, 2, 0), (1, 0, 1)])
        [u^2 - v^2]
        sage: laws_supported_on([[v, u, 0]], [])
        []

    A monomial given twice counts once; an exponent tuple of the wrong length
    or with a negative entry is refused::

        sage: laws_supported_on([[v, u, 0]], [(2, 0, 0), (0, 2, 0), (2, 0, 0)])
        [u^2 - v^2]
        sage: laws_supported_on([[v, u, 0]], [(2, 0)])
        Traceback (most recent call last):
        ...
        ValueError: the exponent tuple (2, 0) does not have D = 3 nonnegative integer entries
        sage: laws_supported_on([[v, u, 0]], [(2, -1, 1)])
        Traceback (most recent call last):
        ...
        ValueError: the exponent tuple (2, -1, 1) does not have D = 3 nonnegative integer entries
    """
    V, fields = as_vector_fields(list(fields))
    R = V.polynomial_ring()
    D = V.ambient_dimension()
    exponents = list(dict.fromkeys(tuple(e) for e in exponents))
    if not exponents:
        return []
    need, budget = law_search_bytes(len(exponents), D, max(sum(e) for e in exponents)), memory_budget()
    if need > budget:
        raise ValueError("%s candidate monomials in D = %s variables would take about %.1f GB in the law search, "
                         "more than the %.1f GB available now (MEMORY_SHARE of the free memory, "
                         "sage_conslaw.core.thresholds); choose fewer" % (len(exponents), D, need / 1e9, budget / 1e9))
    prime = check_prime(prime, "the prime", MAX_PRIME)
    A = law_system(fields, _exponent_array(exponents, D))
    kernel = law_kernel(A, V.base_ring(), prime)
    return [R({exponents[c]: a for c, a in k.items()}) for k in kernel]


def polynomial_laws(fields, degree, homogeneous=True, prime=DEFAULT_PRIME, new_only=False):
    r"""
    Return a basis of the polynomial conservation laws of ``degree`` of a
    family of vector fields.

    INPUT:

    - ``fields`` -- a nonempty list of vector fields of one ring (elements of
      :class:`PolynomialVectorFields`, or lists of `D` polynomials)
    - ``degree`` -- a nonnegative integer
    - ``homogeneous`` -- laws homogeneous of degree ``degree`` (default) or of
      degree at most ``degree`` (constants excluded)
    - ``prime`` -- the prime used first for the modular kernel (a prime below `2^{20}`)
    - ``new_only`` -- if ``False`` (default), *all* the laws of that degree,
      products of laws of lower degree included; if ``True``, only a
      complement of those products: see :func:`new_laws`

    OUTPUT: a list of polynomials, the rows of the reduced echelon basis of
    the space of laws (highest monomials first); empty if there is none.
    The answer is exact (see :func:`block_kernel`): a size that would exceed
    the limits of :mod:`sage_conslaw.core.thresholds` is refused at once
    with a ``ValueError``, never half-computed.

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

    Its three laws of degree 4 are the products of those of degree 2::

        sage: X = PolynomialVectorFields(R).gradient(x1*x2*x3)
        sage: len(polynomial_laws([X], 4)), polynomial_laws([X], 4, new_only=True)
        (3, [])

    Sizes are counted before anything is built::

        sage: polynomial_laws([X], 40000)
        Traceback (most recent call last):
        ...
        ValueError: degree 40000 in D = 3 variables gives 800060001 candidate monomials, whose law search would take about ... GB (LAW_SEARCH_BYTES_PER_ENTRY = 128 bytes for each of the candidates x (D + degree) exponent entries), more than the ... GB available now (MEMORY_SHARE of the free memory, sage_conslaw.core.thresholds); refused before any monomial is enumerated; choose a lower degree
        sage: polynomial_laws([X], 2, homogeneous='no')
        Traceback (most recent call last):
        ...
        TypeError: homogeneous must be True or False, got 'no' (str)
    """
    W = as_family(fields, "polynomial_laws")
    degree = nonnegative_integer(degree, "the degree")
    homogeneous = boolean(homogeneous, "homogeneous")
    new_only = boolean(new_only, "new_only")
    V, fields = W.vector_fields(), W.fields()
    check_size(V.ambient_dimension(), degree, homogeneous)
    exponents = candidate_exponents(V.ambient_dimension(), degree, homogeneous)
    if not exponents:
        return []
    laws = laws_supported_on(fields, exponents, prime)
    if not new_only or not laws:
        return laws
    lower = {d: polynomial_laws(fields, d, homogeneous, prime) for d in range(1, degree)}
    return new_laws(laws, lower, degree, homogeneous)


def new_laws(laws, lower, degree, homogeneous=True):
    r"""
    Return a basis of a complement, in the span of ``laws`` (the laws of
    ``degree``), of the laws that are polynomials in laws of lower degree.

    *Homogeneous case.*  A polynomial in laws of degrees `< k` has, in degree
    `k`, only products of at least two of them; so the laws of degree `k`
    that are polynomials in lower ones span `P_k = \sum_{1 \le d \le k/2}
    L_d \cdot L_{k-d}` (a product of several laws is a law of degree `d`
    times a law of degree `k - d`).  Here "laws of lower degree" means the
    homogeneous ones; when every field is homogeneous (gradients of
    homogeneous `\phi_j`, as for all networks without biases), the
    homogeneous parts of any law are laws, and `P_k` is then the degree-`k`
    part of the algebra generated by *all* the laws of lower degree.

    *Non-homogeneous case* (laws of degree at most `k`, no constant): the
    polynomials in laws of degree `\le k - 1` that have degree `\le k` span
    `P_{\le k} = L_{\le k-1} + \sum_{1 \le d \le k/2} L_{\le d} \cdot L_{\le k-d}`,
    which includes the lower laws themselves.

    The complement returned is canonical: the laws whose coefficients vanish
    at the pivot monomials of the echelon form of `P_k`, in echelon form.
    Its dimension is `\dim L_k - \dim P_k` (checked).

    INPUT:

    - ``laws`` -- a basis of the laws `L_k` of the degree (a list of polynomials)
    - ``lower`` -- a dict ``{d: basis of L_d}`` for `1 \le d < k` (of degree
      at most `d` in the non-homogeneous case)
    - ``degree`` -- `k`
    - ``homogeneous`` -- which case

    EXAMPLES:

    A two-layer network with the square activation, `\phi(u, v) = \sum_j v_j
    u_j u_j^\top` (two hidden neurons, two inputs): its degree-2 laws are one
    per neuron, `\|u_j\|^2 - 2 v_j^2`, and all its degree-4 laws are their
    three products::

        sage: from sage_conslaw import Reparametrization
        sage: R.<a1,b1,a2,b2,v1,v2> = QQ[]
        sage: phi = Reparametrization([v1*a1^2 + v2*a2^2, v1*a1*b1 + v2*a2*b2, v1*b1^2 + v2*b2^2])
        sage: phi.polynomial_conservation_laws(2)
        [a1^2 + b1^2 - 2*v1^2, a2^2 + b2^2 - 2*v2^2]
        sage: len(phi.polynomial_conservation_laws(4))
        3
        sage: phi.polynomial_conservation_laws(4, new_only=True)
        []

    A field conserving `x^2 + y^2 + z^2` and `x^4 + y^4 + z^4` has two laws of
    degree 4, one of them new::

        sage: from sage_conslaw import PolynomialVectorFields
        sage: from sage_conslaw.core.laws import polynomial_laws
        sage: S.<x,y,z> = QQ[]
        sage: V = PolynomialVectorFields(S)
        sage: g = V.gradient(x^2 + y^2 + z^2).components()
        sage: h = V.gradient(x^4 + y^4 + z^4).components()
        sage: X = V([g[1]*h[2] - g[2]*h[1], g[2]*h[0] - g[0]*h[2], g[0]*h[1] - g[1]*h[0]])
        sage: len(polynomial_laws([X], 4))
        2
        sage: polynomial_laws([X], 4, new_only=True)
        [x^2*y^2 + x^2*z^2 + y^2*z^2]
        sage: polynomial_laws([X], 4, homogeneous=False, new_only=True)
        [x^2*y^2 + x^2*z^2 + y^2*z^2]

    The same, from the bases of laws by degree::

        sage: from sage_conslaw.core.laws import new_laws
        sage: lower = {d: polynomial_laws([X], d) for d in (1, 2, 3)}
        sage: lower[2]
        [x^2 + y^2 + z^2]
        sage: new_laws(polynomial_laws([X], 4), lower, 4)
        [x^2*y^2 + x^2*z^2 + y^2*z^2]
        sage: new_laws([], lower, 4)
        []
    """
    if not laws:
        return []
    R = laws[0].parent()
    K = R.base_ring()
    if homogeneous:
        old = [f * g for d in range(1, degree // 2 + 1) for f in lower.get(d, []) for g in lower.get(degree - d, [])]
    else:
        old = list(lower.get(degree - 1, []))
        old += [f * g for d in range(1, degree // 2 + 1) for f in lower.get(d, [])
                for g in lower.get(degree - d, [])]
    if not old:
        return list(laws)
    monos = sorted({m for f in list(laws) + old for m in f.monomials()}, reverse=True)
    index = {m: i for i, m in enumerate(monos)}

    def coefficients(polys):
        return matrix(K, len(polys), len(monos),
                      {(r, index[m]): c for r, f in enumerate(polys) for c, m in zip(f.coefficients(), f.monomials())},
                      sparse=True)
    L = coefficients(laws)
    P = coefficients(old).echelon_form()
    pivots = list(P.pivots())
    Y = L.matrix_from_columns(pivots).left_kernel_matrix() if pivots else matrix.identity(K, L.nrows())
    C = (Y * L).echelon_form()
    C = C.matrix_from_rows([i for i in range(C.nrows()) if C.row(i)])
    if C.nrows() != L.rank() - len(pivots):
        raise RuntimeError("the products of lower laws are not all laws of degree %s: "
                           "this is a bug, please report it" % degree)
    return [R.sum(c * monos[j] for j, c in row.dict().items()) for row in C.rows()]


def _gradient_entries(polys, pt):
    r"""
    The nonzero entries ``{(row, column): value}`` of the Jacobian of ``polys``
    at the exact point ``pt``, term by term (no derivative is formed: a law of
    `D = 7500` variables would otherwise cost `D` derivatives and evaluations).

    TESTS::

        sage: from sage_conslaw.core.laws import _gradient_entries
        sage: R.<u,v,w> = QQ[]
        sage: _gradient_entries([u^2*v - 3*w, v*w - v*w], [2, 5, 7])
        {(0, 0): 20, (0, 1): 4, (0, 2): -3}
    """
    entries = {}
    for r, h in enumerate(polys):
        for exps, c in h.dict().items():
            support = exps.nonzero_positions()
            for i in support:
                value = c * exps[i]
                for j in support:
                    e = exps[j] - (j == i)
                    if e:
                        value *= pt[j] ** e
                entries[r, i] = entries.get((r, i), 0) + value
    return {k: v for k, v in entries.items() if v}


def _exact_gradient_rank(polys, pt):
    r"""
    The exact rank of the gradients of ``polys`` at the exact point ``pt``.

    The Jacobian is formed term by term (:func:`_gradient_entries`). Its rank
    modulo a prime is a lower bound of the exact one, which is at most the number
    of rows or of columns: when the rank modulo `p` reaches that, it *is* the
    exact rank (the usual case, e.g. the `2550` balancedness laws of
    ``LinearNetwork([50, 50, 50, 50])``); otherwise the rank is computed over the
    field of the point.

    TESTS::

        sage: from sage_conslaw.core.laws import _exact_gradient_rank
        sage: R.<u,v> = QQ[]
        sage: _exact_gradient_rank([u*v, u^2 - v^2], [1, 2]), _exact_gradient_rank([u*v, u^2 - v^2], [0, 0])
        (2, 0)
        sage: _exact_gradient_rank([1048573*u + v, v], [1, 1])      # singular modulo the default prime
        2
        sage: _exact_gradient_rank([u/1048573, v], [1, 1])          # the prime divides a denominator
        2
        sage: K.<a> = QuadraticField(2); S.<x, y> = K[]
        sage: _exact_gradient_rank([x*y, x^2 - y^2], [a, a])
        2
    """
    R = polys[0].parent()
    n, D = len(polys), R.ngens()
    entries = _gradient_entries(polys, pt)
    full = min(n, D)
    if R.base_ring() is QQ and all(v.denominator() % DEFAULT_PRIME for v in entries.values()):
        J = np.zeros((n, D))
        for (i, j), v in entries.items():
            J[i, j] = reduce_rational(v, DEFAULT_PRIME)
        if linbox_matrix(J, DEFAULT_PRIME).rank() == full:
            return full
    return matrix(R.base_ring(), n, D, entries, sparse=True).rank()


def number_of_independent_functions(polys, point, p=None):
    r"""
    Return the rank of the gradients of ``polys`` at ``point``: exactly, or
    modulo the prime ``p``.

    At a generic point this is the number of functionally independent
    polynomials among ``polys`` (Definition 2.18); at any point it is a lower
    bound of that number near the point.  Modulo `p` (polynomials with
    rational coefficients at a rational point) the rank is a lower bound of
    the exact one, and equal to it unless `p` divides a nonzero minor;
    ``ZeroDivisionError`` if `p` divides a denominator.

    INPUT:

    - ``polys`` -- a list of polynomials of one ring
    - ``point`` -- a point (anything :func:`~sage_conslaw.core.points.as_exact_point` accepts)
    - ``p`` -- ``None`` (exact rank, default) or a prime below `2^{20}`

    EXAMPLES::

        sage: from sage_conslaw.core.laws import number_of_independent_functions
        sage: R.<u,v> = QQ[]
        sage: h = u^2 - v^2
        sage: number_of_independent_functions([h, h^2, u*v], [1, 2])
        2
        sage: number_of_independent_functions([h, h^2], [0, 0])
        0
        sage: number_of_independent_functions([h, u*v], {u: 1, v: 2}, p=101)
        2
        sage: number_of_independent_functions([7*u], [1, 1], p=7)
        0
    """
    if not polys:
        return 0
    R = polys[0].parent()
    pt = as_exact_point(point, R.ngens(), R.base_ring(), ring=R)
    if p is None:
        return _exact_gradient_rank(polys, pt)
    p = check_prime(p, "the prime", MAX_PRIME)
    x = [reduce_rational(c, p) for c in pt]
    return rank_mod_p(PolynomialsModP(polys, R.ngens(), p).jacobian(x), p)
