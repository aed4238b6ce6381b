r"""
Every threshold of the engine, named once, with the reason for its value.

The engine's choices (when to compress a family, how many fields the
rigorous method may build, how large a linear system may grow before it is
refused) are made by comparing sizes with the constants below.  No other
module of :mod:`sage_conslaw.core` writes a numeric threshold of its own:
it imports it from here, so that changing a limit is one edit and the reason
stays next to the number.

EXAMPLES::

    sage: from sage_conslaw.core import thresholds as T
    sage: T.MAX_PRIME == 2^20, T.MAX_EXACT_DOT == 2^13
    (True, True)
    sage: T.compression_count(100)
    108
"""
import os
import resource

# -- modular arithmetic -------------------------------------------------------

#: Primes must lie below this bound: two residues multiply to less than `2^{40}`,
#: and sums of up to :data:`MAX_EXACT_DOT` such products stay below `2^{53}`,
#: where float64 arithmetic (BLAS) is exact.
MAX_PRIME = 2 ** 20

#: Longest dot product the float64 arithmetic keeps exact for primes below :data:`MAX_PRIME`.
MAX_EXACT_DOT = 2 ** 13

#: How many smaller primes the fast method tries when the prime divides a
#: denominator (of `\phi`, of the point or of a law); each further prime gives
#: the same guarantees, and 20 consecutive unlucky primes near `2^{20}` would
#: need a denominator with 20 prime factors near `2^{20}`.
PRIME_RETRIES = 20

# -- the fast trace -------------------------------------------------------------

#: A family of more than ``COMPRESS_FACTOR * D`` generators (the path products of a
#: ReLU network) is first replaced by random combinations: evaluating every
#: generator would cost far more than the `D` values that can be independent.
COMPRESS_FACTOR = 4

#: Extra random combinations beyond `D` when compressing: with ``D + r``
#: combinations, a rank deficiency has probability at most about `p^{-r}`
#: (and never makes a wrong claim: combinations lie in the span).
COMPRESSION_SURPLUS = 8

#: The generators are evaluated in batches of ``max(2 D, MIN_BATCH)``: large
#: enough for BLAS, small enough to stop early once the certificate is reached.
MIN_BATCH = 64

#: Largest number of entries of one array of bracket values (pairs x D) formed
#: at once: `2^{22}` float64 entries are 32 MiB.
MAX_BRACKET_BLOCK = 2 ** 22

# -- the rigorous trace ---------------------------------------------------------

#: Bytes each term of a field of the basis of `W_k` (a space of functions over
#: `\QQ`) costs the rigorous method, per variable and besides: the field in
#: Singular (about `2D` bytes a term, see :data:`MAX_EXPANDED_BYTES`) and its row
#: in the exact echelon form, a dict keyed by exponent tuples (`8D` bytes the
#: tuple, about 320 more for the entry, the key's header and the rational).
#: The basis used to stop at a constant 400 fields (``LinearNetwork([9] * 4)``,
#: `D = 243`, stopped there); it now grows while its estimate
#: (:func:`rigorous_basis_bytes`) fits in :func:`memory_budget`, its time bounded
#: by :data:`RIGOROUS_SECONDS`.
RIGOROUS_BYTES_PER_TERM_VARIABLE = 10

#: See :data:`RIGOROUS_BYTES_PER_TERM_VARIABLE`.
RIGOROUS_BYTES_PER_TERM = 320

# -- automatic law search ---------------------------------------------------------

#: When no law is known, :meth:`lie_trace` looks for polynomial laws of low degree
#: to certify the count only while the number of candidate monomials is at most
#: this (the kernel is then a fraction of a second)...
MAX_AUTO_MONOMIALS = 2000

#: ... and the Jacobian of `\phi` has at most this many entries.
MAX_AUTO_JACOBIAN = 20000

# -- architectures ----------------------------------------------------------------

#: Most ring variables an architecture's polynomial ring may have: libSingular's
#: polynomial rings hold at most `2^{15} - 1` variables, and a ring with more
#: halts the whole process ("no more memory").  Architectures build their ring
#: only when symbolic components or laws are asked for: counting has no such limit.
MAX_VARIABLES = 2 ** 15 - 1

#: Bytes a parameter that any count holds at least (the point in float64, its
#: residues, a row of a triangular certificate): measured 140 bytes a parameter
#: for ReLUNetwork [500, 1000, 500] with biases (D = 1,001,500, 140 MB above the
#: imports).  An architecture whose `D` exceeds the memory available divided by
#: this is refused at once, before anything is built (``LinearNetwork([2, 10**20])``).
MIN_BYTES_PER_PARAMETER = 128

#: Most terms of the expanded `\phi` an architecture forms (the path products of
#: a ReLU network, or the terms of `U_1 \cdots U_q`, grow as the product of the
#: widths): each costs about 4 kB and 25 us in Singular (measured: 1.9 million
#: paths, 43 s and 7.9 GB), so `10^6` stays within a few GB and seconds; counted
#: before anything is built.  The architecture itself is built at any size (`\phi`
#: is formed on first need): the limit refuses the expansion when it is needed.
MAX_COMPONENTS = 10 ** 6

#: Most memory, in bytes, the expanded `\phi` of an architecture may take: Singular
#: stores every term as a dense exponent vector of 16 bits per variable, so a
#: term costs about `2D` bytes (measured: 4.2 kB at `D = 2000`, 16 kB at `D =
#: 7500`, 32 kB at `D = 16230`); below MAX_COMPONENTS terms a network of
#: thousands of parameters would still need tens of GB.  `2^{32}` (4 GiB) keeps
#: the expansion within the machine's memory shared with other jobs.
MAX_EXPANDED_BYTES = 2 ** 32

#: Largest array of Jacobians modulo `p` (fields x `D` x `D` float64) that the
#: fast trace of a lifted flow may need: it evaluates the Jacobian of every
#: field independent at the point at once, `8D^2` bytes each.
#: ``HeavyBall(LinearNetwork([30, 30, 30]), 1)`` (`D = 3601`, 901 fields) would
#: ask 87 GiB; `2^{32}` (4 GiB), as :data:`MAX_EXPANDED_BYTES`, is refused
#: before any field is built (a ``MemoryError`` naming the size).
MAX_TRACE_JACOBIAN_BYTES = 2 ** 32

#: Deepest network (number of layers) an architecture builds: every layer is
#: a parameter record, names and a matrix product of the trace, so a depth is
#: refused before any layer is read (``LinearNetwork([2] * 10**7)`` hung
#: reading its widths and building ten million records).
MAX_DEPTH = 2 ** 15 - 1

#: Most random coefficients :func:`~sage_conslaw.architectures.random_vector_fields`
#: draws (each a Sage integer times a monomial: `10^6` take a few seconds).
MAX_RANDOM_COEFFICIENTS = 10 ** 6

# -- polynomial laws --------------------------------------------------------------

#: Bytes a law search takes for each exponent entry of its candidate monomials
#: (candidates `\times (D + \mathrm{degree})`: the exponent tuples, the variable
#: indices of the law system, its columns and kernel): measured 95 bytes for
#: ``LinearNetwork([8] * 4)`` in degree 2 (18,528 candidates, `D = 192`: 340 MB above
#: the imports) and 110 for ``[6] * 4``; 128 leaves a margin.  A search is refused
#: before any monomial is enumerated when :func:`law_search_bytes` exceeds
#: :func:`memory_budget`: the limit moves with the memory available (it was a
#: constant 50,000 candidates; ``LinearNetwork([12] * 4)`` in degree 2, 93,528
#: candidates, about 4 GB, now runs where that much is free).  Its time is
#: that of a sparse exact kernel (about 1 ms a candidate).
LAW_SEARCH_BYTES_PER_ENTRY = 128

#: Largest exponent a polynomial given as a string may use (``"x^3"``): a string is
#: parsed by :func:`~sage_conslaw.core.points.parse_polynomial`, never evaluated,
#: and ``"10^10^10"`` or ``"x^(10^9)"`` is refused before anything is computed.
MAX_PARSED_EXPONENT = 1000

#: Longest string parsed as a polynomial (characters): a law or a component is
#: a short formula; a megabyte of text is a mistake.
MAX_PARSED_LENGTH = 10 ** 6


# -- the trace at scale (sage_conslaw.core.jets) ------------------------------

#: The most random brackets evaluated at once by the structured trace: a batch is
#: a (B, D) float64 array and its jets hold up to 2^k copies at level k, so at
#: D = 16,000 a batch of 4,096 takes 520 MB per copy; fewer, larger batches mean
#: fewer LinBox echelon forms (the dominant cost: LinearNetwork [50, 50, 50, 50]
#: needs two, one per level).
JET_MAX_BATCH = 4096

#: How many choices of reference nodes the triangular rank certificate of a
#: ReLU path lifting tries (the default, then random ones) before the trace
#: falls back to elimination: a choice fails only where a coordinate of the point
#: used on its diagonal vanishes modulo p (about D/p, 1.5 % at D = 16,230 for a
#: random point), while the fallback costs a dense D x D echelon form
#: (ReLUNetwork [30, 100, 100, 30] with biases: 458 s and 10 GB against 0.5 s).
TRIANGULAR_CERTIFICATE_ATTEMPTS = 4

#: Deepest bracket level the certificate of the sign decomposition of a linear
#: network (:meth:`~sage_conslaw.core.jets.LinearPathFamily.sign_certificate`)
#: evaluates: at its sparse points the trace is reached at depth `q - 1` or
#: below for most shapes measured, but a wide middle needs more, as at a random
#: point (LinearNetwork [6, 20, 20, 6]: depth 6); the default ``max_steps`` of the
#: trace.  A jet of depth `k` holds `2^k` copies of every batch (checked against
#: the memory before each depth).
SIGN_CERTIFICATE_DEPTH = 8

#: How many random brackets beyond the largest deficit of a class each depth of
#: the sign certificate evaluates: every class needs at most its deficit, so a
#: few more only guard against unlucky draws (which cost the certificate, never
#: a wrong count); the deepest jets dominate the time (LinearNetwork
#: [30, 100, 100, 30]: 13 brackets at depth 6 with 8 more, 7 with 2).
SIGN_CERTIFICATE_SURPLUS = 2

#: Largest class (coordinates) of the sign decomposition worth ranking: a point
#: with a larger class (a dense point, or a cyclic point with a width-1 layer,
#: where every neuron joins one component) gains little over elimination, and the
#: ranks of its law gradients alone are a dense elimination (LinearNetwork
#: [1, 100, 100, 1]: one class of 10,200 coordinates, 90 s); the classes of the
#: points that certify the benchmark's shapes have at most a few hundred.
SIGN_CLASS_MAX_SIZE = 4096

#: Blocks of the sign decomposition with at most this many columns are ranked
#: all at once by numpy (:func:`~sage_conslaw.core.modular.batched_rank_mod_p`,
#: one pass a column: thousands of blocks of a few columns in milliseconds);
#: wider ones, few, one by one by LinBox (a block of 600 columns took 3 s in
#: numpy at the cyclic point of LinearNetwork [50, 40, 60, 30]).
BATCHED_RANK_MAX_COLUMNS = 32

# -- census (sage_conslaw.census) ---------------------------------------------

#: A census row computes the homogeneous degree-2 laws when `D` is at most this:
#: below it the exact kernel takes well under a second (D = 30: 496 candidate
#: monomials); at D = 60 it already takes about 10 s, more than the trace itself.
CENSUS_DEGREE2_MAX_D = 30

#: Where the known laws are not all the laws, a census row searches the extra
#: polynomial laws up to :data:`CENSUS_EXTRA_DEGREE` when `D` is at most this
#: (D = 11, degree 4: 1,365 monomials, about 2 s).
CENSUS_EXTRA_MAX_D = 12

#: Seconds a census allows to the trace of one network, and again to each law
#: search of its row: beyond, the row is kept, uncertified, and says so.  Today
#: a few hundred linear networks with one output or one input (such as
#: [1, 5, 5, 5, 3]) take minutes, in symbolic brackets of growing degree;
#: the rest take well under a second.
CENSUS_SECONDS = 20

#: The degree of that search (degree-4 laws such as the extra law of the
#: scalar-output linear network [1, 2, 3, 1]).
CENSUS_EXTRA_DEGREE = 4

def compression_count(D):
    r"""
    Return how many random combinations replace a large family of generators on `K^D`.

    EXAMPLES::

        sage: from sage_conslaw.core.thresholds import compression_count
        sage: compression_count(10)
        18
    """
    return D + COMPRESSION_SURPLUS


def batch_size(D):
    r"""
    Return how many generators are evaluated at once on `K^D`.

    EXAMPLES::

        sage: from sage_conslaw.core.thresholds import batch_size
        sage: batch_size(3), batch_size(100)
        (64, 200)
    """
    return max(2 * D, MIN_BATCH)

#: A law system with at most this many entries (rows x columns) is solved by
#: one exact elimination over QQ: below it, that is quicker than setting up
#: the peeling, the blocks and the modular route (a few milliseconds).
MAX_DIRECT_ENTRIES = 2 ** 12


#: Bytes each term (before merging) of the law system costs while it is formed:
#: about 150.  The system of ``ReLUNetwork([6, 6, 6, 6])`` in degree 2 has
#: 419904 terms; dense random fields of degree 3 in 12 variables, in degree 4,
#: about 5 million (10 s, 0.9 GB); ``LinearNetwork([12] * 4)`` in degree 2,
#: 26.9 million (4 GB).  A system whose terms times this exceed
#: :func:`memory_budget` is refused before it is formed (it was a constant
#: `2^{24}` terms, which refused that network).
LAW_SYSTEM_BYTES_PER_TERM = 150

#: Largest block of the law system (rows x columns, after peeling) reduced
#: modulo p as a dense matrix (8 bytes an entry: 128 MB); a taller block is
#: first compressed to ``columns + COMPRESSION_SURPLUS`` sparse random
#: combinations of its rows, and a block whose compressed form is still
#: larger is refused.  Filling a dense matrix costs about a microsecond an entry.
MAX_DENSE_BLOCK_ENTRIES = 2 ** 24

#: Rows of the compression into which each equation of a tall block enters:
#: a few random nonzeros per row keep the rank with high probability (and a
#: rank loss is caught by the exact check, then another seed is drawn).
SKETCH_NONZEROS = 3

#: Primes combined (Chinese remainders) before the rational reconstruction
#: of a kernel is given up: eight primes near `2^{20}` reconstruct laws
#: whose numerators and denominators have up to 80 bits.
KERNEL_PRIMES = 8

#: Largest block (rows x columns) that exact elimination over QQ (or a number
#: field) may take when the modular route fails; beyond it the kernel is refused.
MAX_EXACT_BLOCK_ENTRIES = 2 ** 20

#: Time budget (seconds) of the rigorous method by default: building exact bases
#: of `W_k` can take minutes when `\mathrm{Lie}(W)` is large or infinite-dimensional;
#: past the budget the result says what was proven (a lower bound) instead of
#: running on.  ``lie_trace(..., max_seconds=None)`` lifts it.
RIGOROUS_SECONDS = 30

#: Once W_{k+1} has the rank of W_k at the point and over QQ(theta) (which certifies
#: the count), the rigorous method tries this many more seconds to close W_k as a
#: space over QQ (so(3) closes at once; the gradients of deep scalar-output linear
#: networks never do, and their brackets grow in degree).
CLOSURE_AFTER_RANK_SECONDS = 2

#: When a model's search for laws (``certify_with_degree``) used up the time
#: budget of ``lie_trace``, the trace itself still gets this many seconds: the
#: fast trace of a model small enough for the search takes a fraction of it.
MIN_TRACE_SECONDS = 1

#: When the default random point turns out singular (its exact rank is below the
#: proven generic dimension), this many further random points are tried: a point
#: is singular only on a proper algebraic subset, so two unlucky draws in a row
#: are already a sign of a bug rather than of bad luck.
RANDOM_POINT_REDRAWS = 5

#: The seed of the random point where the rigorous method bounds a generic rank from
#: below (the exact rank of the fields there) before, or instead of, computing it over
#: QQ(theta): any seed does, a fixed one keeps the answers reproducible.
GENERIC_BOUND_SEED = 1

# -- direct sums (core/subsets.py) ----------------------------------------------------

#: When `\phi` splits into parts with disjoint coordinates, the trace is computed
#: part by part; parts are bundled (a union of parts is still a direct summand)
#: until a bundle has this many coordinates: one trace per tiny part (a linear
#: layer splits into one part per weight) costs more in set-up than it saves,
#: while the fast trace of a bundle of a few dozen coordinates takes milliseconds.
DIRECT_SUM_BUNDLE = 48

#: Rows of the law system compressed at once by the sparse sketch: each product
#: of residues is below `p^2 < 2^{40}` and a chunk sums at most
#: ``SKETCH_NONZEROS * SKETCH_ROW_CHUNK < 2^{23}`` of them, so int64 stays exact.
SKETCH_ROW_CHUNK = 2 ** 20

#: Rows of a dense block copied into a Sage matrix modulo `p` at once: the
#: intermediate Python list then holds at most ``DENSE_FILL_ROWS * columns``
#: entries (a few MB) instead of the whole block.
DENSE_FILL_ROWS = 256

#: Most networks a census may enumerate: its task list and its table live in
#: memory (a few hundred bytes a network), and each network takes seconds; a
#: million is already weeks of computing on two cores.
MAX_CENSUS_NETWORKS = 10 ** 6

# -- memory (the trace at scale, sage_conslaw.core.jets) -------------------------------

#: The share of the memory available when a computation starts that it may plan
#: to allocate: the rest is left to Python objects, temporaries of numpy and
#: LinBox that the estimates leave out, and to other processes on the machine.
MEMORY_SHARE = 0.7

#: How many float64 arrays of the size of a batch of jets (``(2^k, B, D)`` at
#: depth `k`) are alive at once while random nested brackets are evaluated
#: (the point, the field, its extension, the products of the matrices and their
#: reductions modulo p): LinearNetwork [50]*4 at a random point (D = 7500,
#: batches of 4,096 at depth 1, 491 MB a copy) peaks at 2.3 GB, under 5 copies
#: with the echelon form; 6 leaves a margin.  Batches are halved to fit.
JET_COPIES = 6

#: Above this many parameters, :func:`~sage_conslaw.core.jets.network_trace`
#: computes at the family's certificate point when it has one (the identity of a
#: square linear network), where the count is proven without elimination, rather
#: than at a random point: the elimination at a random point costs a dense echelon
#: form of about `D/2 \times D` (LinearNetwork [50]*4, D = 7500: 44 s and 2.4 GB),
#: while below it takes well under a second.
RANDOM_POINT_MAX_D = 2000

#: Above :data:`RANDOM_POINT_MAX_D`, a linear network that is not square looks
#: for a sparse certificate point only when the elimination at a random point it
#: would replace is large: `(D - N)^2 D` above this (the echelon form of `D - N`
#: rows of length `D`; `10^{10}` is a few seconds).  Below, the search could cost
#: more than it saves: ``LinearNetwork([1, 100, 100, 1])`` (`D - N = 100`, laws
#: beyond the known ones) spent 100 s finding that no sparse point certifies.
SPARSE_POINT_MIN_WORK = 10 ** 10


def rigorous_basis_bytes(fields, terms, D):
    r"""
    Return the bytes a basis of ``fields`` polynomial vector fields of about
    ``terms`` terms each, in ``D`` variables, takes in the rigorous method
    (:data:`RIGOROUS_BYTES_PER_TERM_VARIABLE`).

    EXAMPLES::

        sage: from sage_conslaw.core.thresholds import rigorous_basis_bytes
        sage: rigorous_basis_bytes(400, 100, 243)
        110000000
    """
    return int(fields) * int(terms) * (RIGOROUS_BYTES_PER_TERM_VARIABLE * int(D) + RIGOROUS_BYTES_PER_TERM)


def law_search_bytes(candidates, D, degree):
    r"""
    Return the bytes a law search over ``candidates`` monomials of degree at
    most ``degree`` in ``D`` variables is planned to take
    (:data:`LAW_SEARCH_BYTES_PER_ENTRY` for each exponent entry).

    EXAMPLES::

        sage: from sage_conslaw.core.thresholds import law_search_bytes
        sage: law_search_bytes(93528, 432, 2) / 1e9         # LinearNetwork([12] * 4) in degree 2
        5.19...
    """
    return LAW_SEARCH_BYTES_PER_ENTRY * int(candidates) * (int(D) + int(degree))


def memory_budget():
    r"""
    Return the bytes a computation may plan to allocate now:
    :data:`MEMORY_SHARE` of the memory available (``MemAvailable`` of
    ``/proc/meminfo``, and below the address-space limit of the process if one is set).

    EXAMPLES::

        sage: from sage_conslaw.core.thresholds import memory_budget
        sage: memory_budget() > 10^6
        True
    """
    available = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except OSError:
        pass
    if available is None:           # no /proc (macOS): the physical memory
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        try:
            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * resource.getpagesize()
        except OSError:
            used = 0
        available = min(available, max(soft - used, 0))
    return int(MEMORY_SHARE * available)


#: Most widths (all the networks' ``dims`` together) a census may enumerate: the
#: task list holds them as tuples (8 bytes a width), so 10^7 is 80 MB.  It bounds
#: deep ranges of few networks: widths 1..1 and depths 2..10^6 are "only" 10^6
#: networks but 5 * 10^11 widths.
MAX_CENSUS_WIDTHS = 10 ** 7

#: Most architectures a count of ``sage-conslaw reproduce`` may sample (``--linear N``, ...):
#: the papers use 50 at most and each architecture takes up to seconds, so 10^5 is
#: already days; the sample is drawn (and listed) before anything is computed.
MAX_SAMPLE = 10 ** 5

# -- the laws of a data set (sage_conslaw.datalaws) ------------------------------------

#: Most entries ``N * n`` of a data set read exactly: each becomes a Sage
#: rational (about 100 bytes), so `10^7` entries are about a gigabyte.
MAX_DATA_ENTRIES = 10 ** 7

#: The working memory of one batch of the layered data family (jets of the
#: masked passes, Jacobian rows): larger batches are cut into chunks of this
#: size, so that the memory does not grow with the data points times brackets.
DATA_BATCH_BYTES = 2 ** 28

#: The data points combined in one random element of `W_X` by the random
#: brackets of the layered data route (sparse combinations cost that many
#: points instead of `N`; the rank only needs random elements of the span).
DATA_SAMPLES_PER_ELEMENT = 16

#: Most pairs (data point, Dropout mask) the graph data route enumerates for
#: ``masks='all'`` (each pair is an exact forward pass over `\QQ`): above,
#: masks are sampled and the rank is only a lower bound.
MAX_MASK_PAIRS = 4096

#: The random Dropout masks per data point when they are not enumerated (the
#: all-ones mask is always among them): a lower bound only, so a few suffice.
MASK_SAMPLES = 16

#: When the modular rank misses the explicit data laws, the exact symbolic
#: route (which may prove that the Lie algebra closes, over `\QQ(\theta)`) is
#: tried up to this many coordinates (it expands the polynomials `g_k(\theta, x_i)`) ...
DATA_MAX_EXACT_D = 60

#: ... and this many data fields (pairs times outputs).
DATA_MAX_EXACT_FIELDS = 400

#: The ball-arithmetic data route of the families computed by their own forward
#: pass (mixtures of experts, rotary attention, GPT blocks) brackets every pair
#: of data fields up to this many pairs (the bracket is bilinear: every pair
#: spans the first level), random pairs above (each pair is two Hessian-vector
#: products through the forward pass on dual numbers).
DATA_MAX_PAIRS = 256

#: How many random second-level brackets `[X_r, [X_p, X_q]]` beyond the
#: missing rank that route draws ...
DATA_BRACKET_MARGIN = 4

#: ... and at most this many (each costs dual numbers of dual numbers through
#: the whole forward pass, `O(D)` times a first bracket).
DATA_MAX_SECOND_BRACKETS = 24

#: Brackets of the third level `[X_a, [X_b, [X_c, X_d]]]` in ball arithmetic
#: (:func:`~sage_conslaw.datalaws.brackets.nested_bracket_rank`: about eight
#: forward passes on three-fold dual numbers each, `D` derivatives carried)
#: are tried when the first two levels fall short, up to this many coordinates.
DATA_DEEP_BRACKET_MAX_D = 40

#: Seconds allowed to the rank of `\phi`'s gradient fields over `\QQ(\theta)`
#: when a family's network count uses Theorem 2.14 of the founding paper (the
#: network's gradients span `W_\phi(\theta)`): the theorem needs `\theta` to be a
#: point where `\partial\phi` has its generic rank, and that rank over the field of
#: rational functions is the proof.  Measured: 0.04 s for `D = 38`, 0.5 s for
#: `D = 92` (rotary attention); larger `\phi` can take minutes (fraction-field
#: elimination), and then the count takes the brackets' route instead.
GENERIC_JACOBIAN_SECONDS = 20

#: The relative cut-off of the floating-point pivoted QR that chooses the minor of a
#: proven rank (:func:`~sage_conslaw.architectures.attention._certified_rank`): a
#: diagonal entry of `R` below ``FLOAT_RANK_CUTOFF`` times the first is taken as
#: zero.  float64 rounds at `10^{-16}`; six digits of margin keep the rounding of an
#: exact zero (rows scaled to largest entry 1) out of the minor.  Only the choice
#: depends on it (the claim is the ball determinant of the minor); a direction below
#: it (a symmetry broken at `10^{-20}`) is found by the elimination in ball
#: arithmetic that follows when the rank wanted is not reached.
FLOAT_RANK_CUTOFF = 1e-10

#: How many gradient fields of one input are bracketed pairwise by
#: :func:`~sage_conslaw.architectures.functional.grouped_bracket_rows` (one forward
#: pass in dual numbers each, then all `k(k-1)/2` pairs): 4 gives 6 brackets for 4
#: passes; a larger group reuses the same input's fields more and mixes less (the
#: tiny GPT block of `D = 92` reaches its rank with 6 groups of 4, 24 passes, where
#: random pairs of rows took 39 brackets, 78 passes).
GROUPED_BRACKET_FIELDS = 4

#: The bits of the balls with which a rank in ball arithmetic starts
#: (:func:`~sage_conslaw.architectures.attention.rank_in_balls`, doubled up to three
#: times while the minor of the floating-point rank is not proven nonzero): 128 bits
#: hold the sample points' jets with room to spare (their radii grow with the depth
#: of the network and the condition of the minor), and a doubling costs little
#: next to the jets themselves.
BALL_PRECISION = 128

#: The bits of the balls with which ``network_trace`` starts its brackets of
#: grouped fields (:func:`~sage_conslaw.architectures.functional.grouped_bracket_rank`,
#: doubled while short and gaining).  The jets cost about the same at 128 and 256
#: bits (Python's overhead dominates: 0.54 and 0.58 s for the gradient rows of the
#: tiny GPT block of `D = 92`), and RMSNorm's `\varepsilon = 2^{-52}` breaks the
#: scaling of its residual stream at `10^{-33}` in those rows: the elimination in
#: balls at 128 bits does not see it (its radii grow with the condition of the
#: float minor), at 256 it does; starting there saves the recomputation.
BRACKET_PRECISION = 256

# -- the network count of the tiny GPT block (sage_conslaw.torch.modern.tinygpt_network_count) --

#: Bytes an entry of the row matrix of the network count takes at its peak: the rows kept (float32,
#: 4), the 4-byte words of the LinBox matrix (4), the matrix (8 modulo 131071, 4 modulo a prime below
#: `2^8`) and the copy its rank works on (as much).
NETWORK_ROW_BYTES_PER_ENTRY = 24

#: Most memory, in bytes, one batch of copies of the network count may take with its autograd graph
#: (the batch is made smaller to fit, and the count refused before any row when one copy does not):
#: `2^{32}` (4 GiB).
NETWORK_MAX_BATCH_BYTES = 2 ** 32

#: Most copies of the block in one batch of the network count, for fields, brackets of two and brackets
#: of three fields: the fastest rows measured at the 11,360-parameter block (brackets of two fields 1.73
#: ms a row with 256 copies, 1.33 with 1024, 1.64 with 2048; brackets of three 6.6 ms with 128, 5.6 with
#: 256); :data:`NETWORK_MAX_BATCH_BYTES` may ask fewer.
NETWORK_BATCH_COPIES = (512, 1024, 256)

#: Rows the network count computes beyond the rank it seeks, at each level (random rows are dependent
#: modulo `p` with probability about `1/p` each).
NETWORK_SURPLUS_ROWS = 16

#: Bytes a batch takes per copy and per float of the copy (`D` plus the activations of its token
#: sequences, :func:`~sage_conslaw.torch.modern._network_copy_floats`), for fields, brackets of two and
#: brackets of three fields: measured at the 11,360-parameter block (16,992 floats a copy) 40, 118 and
#: 671 bytes (growth of the peak memory from 512 to 2048, 1024 to 2048 and 256 to 512 copies), with
#: room for other shapes.
NETWORK_BATCH_BYTES_PER_FLOAT = (64, 192, 768)

#: Most memory, in bytes, the row matrix of the network count may take (checked before any row is
#: computed): `2^{33}` (8 GiB); the 11,360-parameter block needs about 3.6 GB.
NETWORK_MAX_ROW_BYTES = 2 ** 33

#: The share of the rank missing after the fields that the network count asks from brackets of two
#: fields (the rest, and whatever is still missing, from brackets of three, which cost about three
#: times more a row): measured at the 11,360-parameter block, the fields reach 1248 and the brackets of
#: two fields add 7861 of the 9792 missing (80 %); a larger share wastes rows, a smaller one time.
NETWORK_FIRST_LEVEL_SHARE = 0.8
