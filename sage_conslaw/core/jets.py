r"""
The trace at scale: structured families of networks evaluated by matrix
products on jets modulo `p`, random nested brackets, and LinBox ranks.

The generic fast trace evaluates the generators through their expanded
polynomials and forms brackets symbolically; for a deep linear network of
widths `[50, 50, 50, 50]` (`D = 7500`) the expansion alone does not fit in
memory.  Here nothing is expanded:

- a *random element* of `W_0 = \mathrm{span}\{\nabla\phi_j\}` is the gradient
  of `f = \langle C, \phi\rangle` for random coefficients `C`; for a linear
  network `f = \mathrm{tr}(C^\top U_1 \cdots U_q)` and for a ReLU network with
  rank-one `C` (path products) `f = c_0^\top U_1 D_1 U_2 \cdots D_{q-1} U_q c_q`
  (plus the bias paths), so that `\nabla f(\theta)` is a few matrix products;
- *jets*: the same code runs on truncated Taylor expansions in nilpotent
  `\varepsilon_1, \dots, \varepsilon_m` (`\varepsilon_i^2 = 0`), stored as
  arrays whose first axis (of length `2^m`) indexes the monomials; the
  bracket `[X, Y](\theta) = DX(\theta) Y(\theta) - DY(\theta) X(\theta)` of
  nested brackets is then exact forward differentiation, one more
  `\varepsilon` per level;
- at level `k`, random left-normed brackets `[X_0, [X_1, \dots, [X_{k-1},
  X_k]]]` of random elements are values of elements of `W_k`, so the rank
  of the values found is a **proven lower bound** of `\dim
  \mathrm{Lie}(W)(\theta)` (ranks modulo `p` never exceed ranks over `\QQ`);
  with a few more random brackets than the dimension of the level, it is
  the dimension of `W_k(\theta)` with high probability;
- ranks: LinBox echelon forms modulo `p`, the rows passed to Sage as one
  buffer (no Python lists).

EXAMPLES::

    sage: from sage_conslaw.core.jets import NetworkFamily, jet_trace
    sage: W = NetworkFamily('linear', [2, 3, 2])
    sage: W
    Structured family of the linear network [2, 3, 2] (D = 12, d = 4), evaluated by matrix products
    sage: x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]
    sage: jet_trace(W, x, target=6)
    ([4, 6], 1, True)
"""
from math import prod

import numpy as np

from sage.arith.misc import previous_prime
from sage.misc.lazy_import import lazy_import
from sage.rings.integer_ring import ZZ

from sage_conslaw.core import thresholds
from sage_conslaw.core.certificate import decide
from sage_conslaw.core.modular import DEFAULT_PRIME, EchelonModP, batched_rank_mod_p, rank_mod_p, residues
from sage_conslaw.core.points import DEFAULT_SAMPLING_BOUND, random_point

# scipy's sparse matrices and graphs take ~0.3 s to import and serve only the sign decomposition
lazy_import("scipy.sparse", "coo_matrix")
lazy_import("scipy.sparse.csgraph", "connected_components")


# ---------------------------------------------------------------------------
# Jets modulo p
# ---------------------------------------------------------------------------

def _mod(a, p):
    r"""
    Reduce an array of integers stored as floats (below `2^{53}` in absolute
    value) into `[0, p)`, exactly: `a - \lfloor a/p \rfloor p` with one
    correction step for the rounding of `a/p` (several times faster than ``np.fmod``).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import _mod
        sage: p = 1048573; a = np.array([0, -1, p, 2**52 + 1, -(2**52) - 7, 3 * p - 1], dtype=float)
        sage: _mod(a, p).tolist() == [int(t) % p for t in [0, -1, p, 2**52 + 1, -(2**52) - 7, 3 * p - 1]]
        True
    """
    r = a - np.floor(a * (1.0 / p)) * p
    r[r < 0] += p
    r[r >= p] -= p
    return r


class Jet:
    r"""
    A truncated Taylor expansion in `m` nilpotent variables with values in
    arrays: ``coefs[S]`` is the coefficient of `\prod_{i \in S} \varepsilon_i`
    (``S`` a bit mask), residues modulo ``p`` stored as floats.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import Jet
        sage: a = Jet(np.array([[2.], [3.]], dtype=float), 101)      # 2 + 3 eps
        sage: (a * a).coefs.ravel().tolist()              # 4 + 12 eps
        [4.0, 12.0]
        sage: a
        Jet in 1 variable of shape (1,) modulo 101
    """

    #: numpy defers to the reflected operators of jets (``array @ jet``)
    __array_ufunc__ = None

    def __init__(self, coefs, p):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: Jet(np.zeros((4, 2)), 7).m
            2
        """
        self.coefs = coefs
        self.p = p
        self.m = int(coefs.shape[0]).bit_length() - 1

    def __repr__(self):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: Jet(np.zeros((4, 2, 3)), 7)
            Jet in 2 variables of shape (2, 3) modulo 7
        """
        return "Jet in %s variable%s of shape %s modulo %s" % (self.m, "" if self.m == 1 else "s",
                                                               self.coefs.shape[1:], self.p)

    def _binary(self, other, op):
        r"""
        Apply a bilinear ``op`` (``np.multiply``, ``np.matmul``) to jets or
        to a jet and a constant array, modulo `p`.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: a = Jet(np.array([[[1., 2]], [[0, 1]]], dtype=float), 7)    # (1, 2) + eps (0, 1)
            sage: (a @ np.array([[1.], [1]], dtype=float)).coefs.ravel().tolist()
            [3.0, 1.0]
            sage: a._binary(a, np.multiply).coefs.ravel().tolist()         # (1, 2)^2 + 2 eps (0, 2)
            [1.0, 4.0, 0.0, 4.0]
        """
        p = self.p
        if not isinstance(other, Jet):
            return Jet(_mod(op(self.coefs, np.asarray(other, dtype=float)[None]), p), p)
        if other.m != self.m:
            raise ValueError("jets in different numbers of variables")
        n = self.coefs.shape[0]
        out = None
        for S in range(n):
            T, acc = S, None
            while True:
                term = _mod(op(self.coefs[T], other.coefs[S ^ T]), p)
                acc = term if acc is None else _mod(acc + term, p)
                if T == 0:
                    break
                T = (T - 1) & S
            if out is None:
                out = np.empty((n,) + acc.shape)
            out[S] = acc
        return Jet(out, p)

    def __mul__(self, other):
        r"""
        Elementwise product (with broadcasting).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: (Jet(np.array([[1., 2], [1, 0]], dtype=float), 5) * np.array([3., 4], dtype=float)).coefs.tolist()
            [[3.0, 3.0], [3.0, 0.0]]
        """
        return self._binary(other, np.multiply)

    def __rmul__(self, other):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: (np.array([2.], dtype=float) * Jet(np.array([[1.], [1]], dtype=float), 5)).coefs.ravel().tolist()
            [2.0, 2.0]
        """
        return self._binary(other, np.multiply)

    def __matmul__(self, other):
        r"""
        Matrix product (batched over the leading axes).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: J = Jet(np.array([[[1., 1]], [[1, 0]]], dtype=float), 7)
            sage: (J @ J.transpose()).coefs.ravel().tolist()      # (1,1)(1,1)^T + 2 eps (1,0)(1,1)^T
            [2.0, 2.0]
        """
        return self._binary(other, np.matmul)

    def __rmatmul__(self, other):
        r"""
        A constant matrix times a jet.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: (np.array([[2.]], dtype=float) @ Jet(np.array([[[1.]], [[3.]]], dtype=float), 7)).coefs.ravel().tolist()
            [2.0, 6.0]
        """
        return Jet(_mod(np.matmul(np.asarray(other, dtype=float)[None], self.coefs), self.p), self.p)

    def __add__(self, other):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: (Jet(np.array([[4.], [6]], dtype=float), 7) + Jet(np.array([[4.], [1]], dtype=float), 7)).coefs.ravel().tolist()
            [1.0, 0.0]
        """
        c = other.coefs if isinstance(other, Jet) else np.concatenate(
            [other[None], np.zeros((self.coefs.shape[0] - 1,) + np.shape(other))])
        return Jet(_mod(self.coefs + c, self.p), self.p)

    def __sub__(self, other):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: (Jet(np.array([[1.], [1]], dtype=float), 7) - Jet(np.array([[2.], [0]], dtype=float), 7)).coefs.ravel().tolist()
            [6.0, 1.0]
        """
        return Jet(_mod(self.coefs - other.coefs, self.p), self.p)

    def transpose(self):
        r"""
        Swap the last two axes.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: Jet(np.zeros((1, 5, 2, 3)), 7).transpose().coefs.shape
            (1, 5, 3, 2)
        """
        return Jet(np.swapaxes(self.coefs, -1, -2), self.p)

    def extend(self, direction):
        r"""
        Return `x + \varepsilon_{m+1} v`: the jet in one more variable whose
        coefficients without `\varepsilon_{m+1}` are those of ``self`` and with it those of ``direction``.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: Jet(np.array([[1.]], dtype=float), 7).extend(Jet(np.array([[5.]], dtype=float), 7)).coefs.ravel().tolist()
            [1.0, 5.0]
        """
        return Jet(np.concatenate([self.coefs, direction.coefs]), self.p)

    def lower(self):
        r"""
        The coefficients without the last variable (the value at `\varepsilon_m = 0`).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: Jet(np.array([[1.], [5]], dtype=float), 7).lower().coefs.ravel().tolist()
            [1.0]
        """
        return Jet(self.coefs[:self.coefs.shape[0] // 2], self.p)

    def upper(self):
        r"""
        The coefficients of the last variable (the derivative along it).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet
            sage: Jet(np.array([[1.], [5]], dtype=float), 7).upper().coefs.ravel().tolist()
            [5.0]
        """
        return Jet(self.coefs[self.coefs.shape[0] // 2:], self.p)


# ---------------------------------------------------------------------------
# Structured families: one protocol, one subclass per kind of network
# ---------------------------------------------------------------------------

class StructuredFamily:
    r"""
    A family `W_\phi` evaluated by matrix products, never expanded: the protocol
    through which the fast trace works at scale.

    A subclass gives the values of random elements of `W_0` on jets
    (:meth:`random_coefficients`, :meth:`field`); the rest follows:

    - :meth:`bracket_values` -- values of random nested brackets (elements of `W_k`);
    - :meth:`law_gradients` -- gradients of random combinations of the known laws;
    - :meth:`known_law_rank` -- a proven lower bound of the number of known laws
      independent at a point (default: the rank modulo `p` of :meth:`law_gradients`);
    - :meth:`rank_certificate` -- proven lower bounds of `\dim W_k(\theta)`
      found from the structure, without elimination (default: none);
    - :meth:`certificate_point` -- a point where that certificate applies (default: none);
    - :meth:`structured_trace` -- the trace (:func:`jet_trace`): the certificate,
      else random nested brackets and elimination.

    A new architecture gets a trace at scale by subclassing (usually
    :class:`NetworkFamily`, which lays the parameters out as matrices) and
    passing an instance as ``structured=`` to its
    :class:`~sage_conslaw.architectures.base.Architecture`; the trace asks the
    family, never its type.

    EXAMPLES:

    The family of `\phi(u, v) = uv`, by hand::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import StructuredFamily, Jet
        sage: class Product(StructuredFamily):
        ....:     D, d = 2, 1
        ....:     def _what(self): return "product uv"
        ....:     def random_coefficients(self, B, rng, p): return np.floor(rng.random((B, 1)) * p)
        ....:     def field(self, c, theta):        # c * grad(uv) = c (v, u)
        ....:         u, v = Jet(theta.coefs[..., :1], theta.p), Jet(theta.coefs[..., 1:], theta.p)
        ....:         return Jet(np.concatenate([(v * c).coefs, (u * c).coefs], axis=-1), theta.p)
        sage: W = Product(); W
        Structured family of the product uv (D = 2, d = 1), evaluated by matrix products
        sage: W.structured_trace([3, 5], 1, 101, 8, 0)
        ([1], 0, True)
        sage: W.rank_certificate([3, 5], 1), W.certificate_point(), W.known_law_rank([3, 5])
        (([], 'Product has no structured certificate'), None, (0, None))
    """

    #: the number of parameters
    D = None

    def _what(self):
        r"""
        What the family is the family of, for its repr.

        TESTS::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily()._what()
            'StructuredFamily'
        """
        return type(self).__name__

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([1, 1])
            Structured family of the linear network [1, 1] (D = 1, d = 1), evaluated by matrix products
        """
        return "Structured family of the %s (D = %s, d = %s), evaluated by matrix products" % (
            self._what(), self.D, self.d)

    @property
    def number_of_known_laws(self):
        r"""
        How many known laws the family has (listed, independent or not); none by default.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily().number_of_known_laws
            0
        """
        return 0

    def random_coefficients(self, B, rng, p):
        r"""
        Return the coefficients of ``B`` random elements of `W_0` (the subclass says how).

        TESTS::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily().random_coefficients(1, None, 7)
            Traceback (most recent call last):
            ...
            NotImplementedError: StructuredFamily gives no random elements of W_0
        """
        raise NotImplementedError("%s gives no random elements of W_0" % type(self).__name__)

    def field(self, coefficients, theta):
        r"""
        Return the values at the jet ``theta`` of the random elements of
        ``coefficients``: a jet of shape ``(B, D)`` (the subclass says how).

        TESTS::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily().field(None, None)
            Traceback (most recent call last):
            ...
            NotImplementedError: StructuredFamily evaluates no field
        """
        raise NotImplementedError("%s evaluates no field" % type(self).__name__)

    def bracket_bytes(self, depth, B):
        r"""
        Estimate the bytes that :meth:`bracket_values` allocates for ``B``
        brackets of depth ``depth``: jets of `2^{depth}` coefficients of
        ``(B, D)`` float64 arrays, :data:`~sage_conslaw.core.thresholds.JET_COPIES` of them alive at once.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([10, 10]).bracket_bytes(2, 100)
            1920000
        """
        return 8 * B * self.D * 2 ** depth * thresholds.JET_COPIES

    def bracket_values(self, x, depth, B, rng, p=DEFAULT_PRIME):
        r"""
        Return the values at ``x`` of ``B`` random left-normed brackets
        `[X_0, [X_1, \dots, [X_{k-1}, X_k]]]` of random elements of `W_0`
        (`k` = ``depth``): elements of `W_k`, as a ``(B, D)`` array modulo ``p``.

        EXAMPLES:

        Against the generic family (symbolic gradients, one bracket)::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: from sage_conslaw.core.modular import rank_mod_p
            sage: W = NetworkFamily('linear', [2, 2, 2]); x = [1, 2, 3, 4, 5, 6, 7, 9]
            sage: V0 = W.bracket_values(x, 0, 10, np.random.default_rng(int(0)))
            sage: V1 = W.bracket_values(x, 1, 10, np.random.default_rng(int(1)))
            sage: rank_mod_p(V0), rank_mod_p(np.vstack([V0, V1]))         # 4 + 1: Example 3.6
            (4, 5)
        """
        coefs = [self.random_coefficients(B, rng, p) for _ in range(depth + 1)]
        theta = Jet(np.broadcast_to(np.asarray(x, dtype=float) % p, (1, B, self.D)).copy(), p)

        def nested(j, th):
            if j == depth:
                return self.field(coefs[j], th)
            v = self.field(coefs[j], th)                 # X_j(th)
            z = nested(j + 1, th.extend(v))              # Z_{j+1}(th + eps v)
            w = z.lower()                                # Z_{j+1}(th)
            dx = self.field(coefs[j], th.extend(w)).upper()    # DX_j . Z_{j+1}
            return dx - z.upper()                        # [X, Z] = DX.Z - DZ.X, as the fields' brackets
        return nested(0, theta).coefs[0]

    def law_gradients(self, x, count, rng, p=DEFAULT_PRIME):
        r"""
        Return the gradients at ``x`` of ``count`` random combinations of the
        known laws, as a ``(count, D)`` array modulo ``p`` (none by default).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: class Two(StructuredFamily): D = 2
            sage: Two().law_gradients([1, 2], 3, None).shape
            (3, 2)
        """
        if self.number_of_known_laws:
            raise NotImplementedError("%s gives no gradients of its known laws" % type(self).__name__)
        return np.zeros((count, self.D))

    def known_law_rank(self, x, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``(N, why)``: a proven lower bound `N` of the number of known laws
        independent at ``x``, and ``None`` or what it may have missed.

        By default, the rank modulo ``p`` of the gradients of `N + 8` random
        combinations of them (:meth:`law_gradients`); their memory is checked first.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import NetworkFamily, StructuredFamily
            sage: NetworkFamily('linear', [2, 3, 2, 2]).known_law_rank(list(range(2, 18)))
            (8, None)
            sage: StructuredFamily().known_law_rank([1])
            (0, None)
        """
        n = self.number_of_known_laws
        if not n:
            return 0, None
        count = min(n + thresholds.COMPRESSION_SURPLUS, self.D)
        _check_memory(count * self.D * (8 * 3 + 20), "the gradients of %s random combinations of the %s known laws "
                      "(a dense %s x %s array and its rank)" % (count, n, count, self.D))
        G = self.law_gradients(x, count, np.random.default_rng(int(seed)), p)
        return rank_mod_p(G, p), None

    def rank_certificate(self, x, target, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``(dimensions, why)``: proven lower bounds of `\dim W_k(x)`, `k =
        0, 1, \dots`, found from the structure without elimination (the last
        reaching ``target`` certifies), and why they do not reach ``target`` (or ``None``).

        None by default: ``([], reason)``.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily().rank_certificate([1], 1)
            ([], 'StructuredFamily has no structured certificate')
        """
        return [], "%s has no structured certificate" % type(self).__name__

    def certificate_point(self):
        r"""
        Return a point (an integer array of length `D`) where :meth:`rank_certificate`
        reaches the bound by itself, or ``None`` (the default).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily().certificate_point() is None
            True
        """
        return None

    def certificate_point_description(self):
        r"""
        How :func:`network_trace` names the point of :meth:`certificate_point`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import StructuredFamily
            sage: StructuredFamily().certificate_point_description()
            'the certificate point of the family'
        """
        return "the certificate point of the family"

    def structured_trace(self, x, target, p=DEFAULT_PRIME, max_steps=8, seed=0, batch=None):
        r"""
        The trace of this family at ``x`` (see :func:`jet_trace`): ``(dimensions,
        stopped_at, reached)``.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('linear', [2, 3, 2]).structured_trace([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], 6)
            ([4, 6], 1, True)
        """
        return jet_trace(self, x, target, p, max_steps, seed, batch)


def _check_memory(nbytes, what):
    r"""
    Refuse, before allocating them, ``nbytes`` that do not fit in the memory
    available now (see :func:`~sage_conslaw.core.thresholds.memory_budget`).

    TESTS::

        sage: from sage_conslaw.core.jets import _check_memory
        sage: _check_memory(10, "ten bytes")
        sage: _check_memory(10**18, "an exabyte")
        Traceback (most recent call last):
        ...
        MemoryError: an exabyte would take 1000000000.0 GB, more than the ... GB available (MEMORY_SHARE of the free memory); refused before allocating
    """
    budget = thresholds.memory_budget()
    if nbytes > budget:
        raise MemoryError("%s would take %.1f GB, more than the %.1f GB available (MEMORY_SHARE of the free memory); "
                          "refused before allocating" % (what, nbytes / 1e9, budget / 1e9))


class NetworkFamily(StructuredFamily):
    r"""
    The structured family of a layered network: parameters laid out as the
    matrices `U_1, \dots, U_q` (`U_i` is `n_{i-1} \times n_i`, row by row),
    then, with biases, `b_1, \dots, b_{q-1}` and `c`, as in the architectures.

    The kinds are subclasses: :class:`LinearPathFamily` (`\phi = U_1 \cdots
    U_q`) and :class:`ReLUPathFamily` (path products).  ``NetworkFamily(kind,
    dims, bias)`` with ``kind`` ``'linear'`` or ``'relu'`` builds one of them.

    INPUT:

    - ``dims`` -- the widths `[n_0, \dots, n_q]` (outputs first)
    - ``bias`` -- (keyword) with biases (hidden layers and outputs)

    EXAMPLES::

        sage: from sage_conslaw.core.jets import NetworkFamily, ReLUPathFamily
        sage: W = NetworkFamily('relu', [30, 100, 100, 30], bias=True); W
        Structured family of the ReLU network [30, 100, 100, 30] with biases (D = 16230, d = 9303030), evaluated by matrix products
        sage: type(W) is ReLUPathFamily, isinstance(W, NetworkFamily)
        (True, True)
    """

    #: the name of the kind, for the legacy constructor and for display
    kind = None

    def __new__(cls, *args, **kwds):
        r"""
        ``NetworkFamily(kind, dims, bias=False)``: the subclass of that kind.

        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('conv', [2, 2])
            Traceback (most recent call last):
            ...
            ValueError: the family must be 'linear' or 'relu', got 'conv'
            sage: NetworkFamily([2, 2])
            Traceback (most recent call last):
            ...
            TypeError: NetworkFamily(kind, dims) needs the kind 'linear' or 'relu' first; or build LinearPathFamily(dims), ReLUPathFamily(dims, bias=...)
        """
        if cls is NetworkFamily:
            if not args or not isinstance(args[0], str):
                raise TypeError("NetworkFamily(kind, dims) needs the kind 'linear' or 'relu' first; or build "
                                "LinearPathFamily(dims), ReLUPathFamily(dims, bias=...)")
            kinds = {sub.kind: sub for sub in (LinearPathFamily, ReLUPathFamily)}
            if args[0] not in kinds:
                raise ValueError("the family must be 'linear' or 'relu', got %r" % (args[0],))
            cls = kinds[args[0]]
        return object.__new__(cls)

    def __init__(self, *args, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily, LinearPathFamily
            sage: NetworkFamily('linear', [2, 2], bias=True)
            Traceback (most recent call last):
            ...
            ValueError: linear networks have no biases
            sage: LinearPathFamily([2, 3]).offsets, NetworkFamily('relu', [1, 2], True).shapes
            ([0, 6], [(1, 2), (1, 1)])
        """
        if args and isinstance(args[0], str):          # the legacy form: the kind chose the class
            args = args[1:]
        if len(args) == 2:
            args, bias = args[:1], args[1]
        (dims,) = args
        self.dims = [int(n) for n in dims]
        self.bias = bool(bias)
        self._check_bias()
        q = len(self.dims) - 1
        self.shapes = [(self.dims[i - 1], self.dims[i]) for i in range(1, q + 1)]
        if self.bias:
            self.shapes += [(self.dims[i], 1) for i in range(1, q)] + [(self.dims[0], 1)]
        self.offsets = np.cumsum([0] + [a * b for a, b in self.shapes]).tolist()
        self.D = self.offsets[-1]

    def _check_bias(self):
        r"""
        Refuse biases where the kind has none (every kind takes them by default).

        TESTS::

            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: ReLUPathFamily([1, 2], bias=True)._check_bias()
        """

    @property
    def family(self):
        r"""
        The name of the kind (kept for callers of the legacy constructor).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('relu', [2, 2]).family
            'relu'
        """
        return self.kind

    def _unpack(self, theta):
        r"""
        The parameter matrices of a jet of points (last axis: the `D` coordinates).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet, NetworkFamily
            sage: W = NetworkFamily('linear', [1, 2, 1])
            sage: [U.coefs.tolist() for U in W._unpack(Jet(np.array([[[1., 2, 3, 4]]], dtype=float), 7))]
            [[[[[1.0, 2.0]]]], [[[[3.0], [4.0]]]]]
        """
        c = theta.coefs
        return [Jet(np.ascontiguousarray(c[..., a:b]).reshape(c.shape[:-1] + shape), theta.p)
                for (a, b), shape in zip(zip(self.offsets, self.offsets[1:]), self.shapes)]

    def _pack(self, blocks):
        r"""
        The jet of vectors of `K^D` of parameter blocks (inverse of :meth:`_unpack`).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet, NetworkFamily
            sage: W = NetworkFamily('linear', [1, 2, 1])
            sage: th = Jet(np.array([[[1., 2, 3, 4]]], dtype=float), 7)
            sage: W._pack(W._unpack(th)).coefs.tolist()
            [[[1.0, 2.0, 3.0, 4.0]]]
        """
        c = blocks[0].coefs
        return Jet(np.concatenate([b.coefs.reshape(c.shape[:2] + (-1,)) for b in blocks], axis=-1), blocks[0].p)

    def _blocks(self, x):
        r"""
        The parameter matrices of a point (residues or integers): views into one array.

        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: [B.tolist() for B in NetworkFamily('relu', [1, 2], True)._blocks([1, 2, 3])]
            [[[1.0, 2.0]], [[3.0]]]
        """
        x = np.asarray(x, dtype=float)
        return [x[a:b].reshape(shape) for (a, b), shape in zip(zip(self.offsets, self.offsets[1:]), self.shapes)]

    def _column(self, layer, a, b=0):
        r"""
        The coordinate of the entry ``(a, b)`` of the parameter block ``layer``
        (`0, \dots, q-1`: `U_1, \dots, U_q`; then the biases `b_1, \dots, b_{q-1}`, `c`).

        ``a``, ``b`` may be integer arrays.

        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: W = NetworkFamily('relu', [2, 3, 2], bias=True)
            sage: W._column(0, 1, 2), W._column(1, 0, 1), W._column(2, 2), W._column(3, 1)
            (5, 7, 14, 16)
        """
        return self.offsets[layer] + a * self.shapes[layer][1] + b

    def _law_matrices(self, count, n, rng, p):
        r"""
        ``count`` random matrices `S` (`n \times n`) combining the known laws
        of a hidden layer of width `n`: the law matrix is
        `\frac12\mathrm{tr}(S (U_i^\top U_i - U_{i+1} U_{i+1}^\top))` (the subclass says which `S`).

        TESTS::

            sage: from sage_conslaw.core.jets import StructuredFamily, NetworkFamily
            sage: NetworkFamily._law_matrices(None, 1, 2, None, 7)
            Traceback (most recent call last):
            ...
            NotImplementedError: this network family has no known laws
        """
        raise NotImplementedError("this network family has no known laws")

    def law_gradients(self, x, count, rng, p=DEFAULT_PRIME):
        r"""
        Return the gradients at ``x`` of ``count`` random combinations of the known laws
        (balancedness `U_i^\top U_i - U_{i+1} U_{i+1}^\top` for linear networks,
        one law per hidden neuron for ReLU networks), as a ``(count, D)`` array.

        Their rank modulo `p` is a lower bound `N'` of the number `N` of known laws
        independent at `x`; a trace rank reaching `D - N'` still certifies the count.
        A diagonal `S` (ReLU) scales columns and rows instead of a matrix product.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: from sage_conslaw.core.modular import rank_mod_p
            sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
            sage: x = list(range(2, 18))
            sage: G = NetworkFamily('linear', [2, 3, 2, 2]).law_gradients(x, 12, np.random.default_rng(int(0)))
            sage: rank_mod_p(G), LinearNetwork([2, 3, 2, 2]).number_of_known_laws(x)
            (8, 8)
            sage: x = list(range(2, 29))
            sage: G = NetworkFamily('relu', [3, 4, 2], bias=True).law_gradients(x, 6, np.random.default_rng(int(0)))
            sage: rank_mod_p(G), ReLUNetwork([3, 4, 2], bias=True).number_of_known_laws(x)
            (4, 4)
        """
        U = self._blocks(np.asarray(x, dtype=float) % p)
        q = len(self.dims) - 1
        out = np.zeros((count, self.D))
        grads = [out[:, a:b].reshape((count,) + shape)
                 for (a, b), shape in zip(zip(self.offsets, self.offsets[1:]), self.shapes)]
        for i in range(1, q):
            S = self._law_matrices(count, self.dims[i], rng, p)
            if S.ndim == 2:         # diagonal: S[:, j] weighs the law of neuron j
                grads[i - 1] += U[i - 1][None] * S[:, None, :]
                grads[i] -= S[:, :, None] * U[i][None]
                if self.bias:
                    grads[q + i - 1] -= S[:, :, None] * U[q + i - 1][None]
            else:
                grads[i - 1] += _mod(U[i - 1][None] @ S, p)
                grads[i] -= _mod(S @ U[i][None], p)
            np.mod(out, p, out=out)
        return out


class LinearPathFamily(NetworkFamily):
    r"""
    The gradient family of the linear network `\phi = U_1 \cdots U_q`, by matrix products.

    A random element of `W_0` is `\nabla \mathrm{tr}(C^\top U_1 \cdots U_q)`,
    of gradient `(U_1 \cdots U_{i-1})^\top C (U_{i+1} \cdots U_q)^\top` on `U_i`.

    The known laws are the entries on and above the diagonal of `U_i^\top U_i
    - U_{i+1} U_{i+1}^\top` (`1 \le i < q`).

    **A certificate at the identity** (square networks, all widths `n`): at
    `\theta^* = (I_n, \dots, I_n)` the trace `\mathrm{Lie}(W)(\theta^*)` has
    dimension `D - N`, `N = (q-1) n(n+1)/2`, proven by a computation on the
    network of widths `[2]^{q+1}` alone (:meth:`rank_certificate`); so the count
    near `\theta^*` is exactly `N` (the known laws are complete there) and
    `\theta^*` is a regular point: the same count holds on a dense open set.

    EXAMPLES::

        sage: from sage_conslaw.core.jets import LinearPathFamily
        sage: W = LinearPathFamily([2, 3, 2]); W
        Structured family of the linear network [2, 3, 2] (D = 12, d = 4), evaluated by matrix products
        sage: W.number_of_known_laws, W.certificate_point() is None      # a sparse point (sign_certificate)
        (6, False)
        sage: V = LinearPathFamily([100] * 4); x = V.certificate_point()
        sage: V.rank_certificate(x, V.D - V.number_of_known_laws), V.known_law_rank(x)
        (([10000, 14950, 19900], None), (10100, None))
    """

    kind = 'linear'

    def _check_bias(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 2], bias=True)
            Traceback (most recent call last):
            ...
            ValueError: linear networks have no biases
            sage: LinearPathFamily([2, 2])._check_bias() is None
            True
        """
        if self.bias:
            raise ValueError("linear networks have no biases")

    def _what(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 3])._what()
            'linear network [2, 3]'
        """
        return "linear network %s" % self.dims

    @property
    def d(self):
        r"""
        The number of components of `\phi`: `n_0 n_q`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 3, 4]).d
            8
        """
        return self.dims[0] * self.dims[-1]

    @property
    def number_of_known_laws(self):
        r"""
        How many known laws (independent or not): `\sum_{0 < i < q} n_i (n_i + 1)/2`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 3, 2, 2]).number_of_known_laws
            9
        """
        return sum(n * (n + 1) // 2 for n in self.dims[1:-1])

    def random_coefficients(self, B, rng, p):
        r"""
        Return ``B`` random matrices `C` (`n_0 \times n_q`) modulo ``p``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 3]).random_coefficients(5, np.random.default_rng(int(0)), 101).shape
            (5, 2, 3)
        """
        return np.floor(rng.random((B, self.dims[0], self.dims[-1])) * p)

    def field(self, coefficients, theta):
        r"""
        Return the values at the jet ``theta`` of the random elements of `W_0`
        of ``coefficients`` (one per batch entry): a jet of shape ``(B, D)``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet, LinearPathFamily
            sage: W = LinearPathFamily([1, 2, 1]); C = np.array([[[3.]]])
            sage: W.field(C, Jet(np.array([[[1., 2, 3, 4]]]), 101)).coefs.tolist()     # 3 grad(u1 v1 + u2 v2)
            [[[9.0, 12.0, 3.0, 6.0]]]
        """
        U = self._unpack(theta)
        q = len(self.dims) - 1
        C = coefficients
        prefix = [None]          # prefix[i] = U_1 ... U_i
        for i in range(q - 1):
            prefix.append(U[0] if i == 0 else prefix[-1] @ U[i])
        grads = [None] * q
        right = None             # U_{i+1} ... U_q
        for i in range(q - 1, -1, -1):
            left = C if i == 0 else prefix[i].transpose() @ C          # (U_1..U_i)^T C
            grads[i] = left if right is None else left @ right.transpose()
            if not isinstance(grads[i], Jet):    # depth 1: the gradient is C itself
                const = np.zeros(theta.coefs.shape[:1] + left.shape)
                const[0] = left
                grads[i] = Jet(const, theta.p)
            right = U[i] if right is None else U[i] @ right
        return self._pack(grads)

    def _law_matrices(self, count, n, rng, p):
        r"""
        Random symmetric `S`: every entry of the balancedness of the layer.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: S = LinearPathFamily([1, 2, 1])._law_matrices(3, 2, np.random.default_rng(int(0)), 101)
            sage: S.shape, bool((S == S.transpose(0, 2, 1)).all())
            ((3, 2, 2), True)
        """
        S = np.floor(rng.random((count, n, n)) * p)
        return _mod(S + np.swapaxes(S, 1, 2), p)

    def is_square(self):
        r"""
        Whether all the widths are equal (where the certificate at the identity applies).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([3, 3, 3]).is_square(), LinearPathFamily([3, 2, 3]).is_square()
            (True, False)
        """
        return len(set(self.dims)) == 1

    def certificate_point(self):
        r"""
        A point where :meth:`rank_certificate` proves the count without
        elimination: the identity point `(I_n, \dots, I_n)` of a square
        network; for other shapes the first of :meth:`sparse_points` where the
        certificate of the sign decomposition (:meth:`sign_certificate`)
        reaches `D - N` (checked here, modulo the default prime, and kept);
        ``None`` where none does, or where above
        :data:`~sage_conslaw.core.thresholds.RANDOM_POINT_MAX_D` parameters the
        elimination at a random point is cheap
        (:data:`~sage_conslaw.core.thresholds.SPARSE_POINT_MIN_WORK`).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 2, 2]).certificate_point().tolist()
            [1, 0, 0, 1, 1, 0, 0, 1]
            sage: W = LinearPathFamily([2, 7, 3, 5]); x = W.certificate_point(); int((x != 0).sum()), W.D
            (8, 50)
            sage: LinearPathFamily([1, 2, 3, 1]).certificate_point() is None        # it has an extra law of degree 4
            True
            sage: LinearPathFamily([1, 100, 100, 1]).certificate_point() is None    # D - N = 100: elimination is cheap
            True
        """
        if self.is_square():
            n, q = self.dims[0], len(self.dims) - 1
            return np.tile(np.eye(n, dtype=np.int64).ravel(), q)
        if not hasattr(self, "_sparse_point"):
            self._sparse_point = None
            points = self.sparse_points()
            # a certificate proves N = the generic rank of the laws, the largest: try the points of the largest N
            split = [(x, self.sign_classes(x)) for x in points]
            split = [(x, c) for x, c in split if self._splits(*c)]       # only points the signs split
            points = [x for x, _ in split]
            laws = [int(self._law_class_ranks(x, *c, DEFAULT_PRIME).sum()) for x, c in split] or [0]
            target = self.D - max(laws)
            if self.D > thresholds.RANDOM_POINT_MAX_D and target ** 2 * self.D <= thresholds.SPARSE_POINT_MIN_WORK:
                points = []                 # the elimination at a random point is cheap: no search
            for x, N in zip(points, laws):
                if N < max(laws):
                    continue
                try:
                    dims, target, _, why = self.sign_certificate(x)
                except MemoryError:
                    break
                if why is None and dims and dims[-1] >= target:
                    self._sparse_point = x
                    break
        return self._sparse_point

    def certificate_point_description(self):
        r"""
        How :func:`network_trace` names :meth:`certificate_point`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([2, 2]).certificate_point_description()
            'the identity point (all U_i = I), a regular point: the count holds on a dense open set'
            sage: LinearPathFamily([2, 3]).certificate_point_description()
            'a sparse point (LinearPathFamily.sparse_points), a regular point: the count holds on a dense open set'
        """
        if self.is_square():
            return CERTIFICATE_POINT
        return "a sparse point (LinearPathFamily.sparse_points), a regular point: the count holds on a dense open set"

    def sparse_points(self):
        r"""
        The points tried by :meth:`certificate_point` for a network that is not
        square, sparse so that many sign changes of neurons fix them (values
        pseudo-random integers in `[1, 1000)`, seed `0`):

        1. *shifted*: every `U_i` (`m \times n`) has the nonzero entries `U_i[m
           - k + j, j]`, `j < k = \min(m, n)`: the last `k` neurons of layer `i
           - 1` joined to the first `k` of layer `i` (at most one entry a row
           and a column: the components are chains);
        2. *cyclic*: `U_i[a, b] \ne 0` when `a \equiv b \pmod k` (every
           neuron joined; ``[30, 100, 100, 30]``: 30 components);
        3. *attached*: the shifted point where every chain with a hidden neuron
           and no output is joined by one more entry to a chain with an output
           (:meth:`_attach_chains`): no known law is lost on a chain whose two
           ends are hidden, and paths run from the outputs to the inputs;
        4. the shifted point with the entries `U_i[j, j]` too.

        The first two are tried first because they certify the large shapes
        measured (``[50, 40, 60, 30]``, ``[100, 50, 100, 50]``: shifted;
        ``[30, 100, 100, 30]``: cyclic), the last two many small ones.

        Whether the count is proven at one of them is decided by
        :meth:`sign_certificate` alone; the choice only makes it likely
        (measured: most shapes of depth `2` to `5` and widths `1` to `6`, see the tests).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([1, 3, 2]); [(x != 0).astype(int).tolist() for x in W.sparse_points()]
            [[1, 0, 0, 0, 0, 1, 0, 0, 1],
             [1, 1, 1, 1, 0, 0, 1, 1, 0],
             [1, 1, 1, 0, 0, 1, 0, 0, 1],
             [1, 0, 0, 1, 0, 1, 1, 0, 1]]
        """
        shifted, both, cyclic = [], [], []
        for m, n in self.shapes:
            k = min(m, n)
            U = np.zeros((m, n), dtype=np.int64)
            U[m - k + np.arange(k), np.arange(k)] = 1
            shifted.append(U.ravel().copy())
            U[np.arange(k), np.arange(k)] = 1
            both.append(U.ravel())
            a, b = np.divmod(np.arange(m * n), n)
            cyclic.append((a % k == b % k).astype(np.int64))
        values = np.random.default_rng(int(0)).integers(1, 1000, self.D)
        shifted = np.concatenate(shifted) * values
        return [shifted, np.concatenate(cyclic) * values, self._attach_chains(shifted, values),
                np.concatenate(both) * values]

    def _attach_chains(self, x, values):
        r"""
        Return ``x`` with one more nonzero entry (its value from ``values``) for
        every connected component of its nonzero coordinates that has a hidden
        neuron and no output neuron: from its neuron in its first layer `i` to
        a neuron of layer `i - 1` whose component has an output (taken in turn;
        the layers in order, so one always exists).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([1, 1, 1, 2]); x = np.array([0, 1, 1, 0])       # chains o | h1 h2 i0 | i1
            sage: W._attach_chains(x, np.array([7, 7, 7, 7])).tolist()
            [7, 1, 1, 0]
        """
        x = np.array(x, dtype=np.int64)
        first = np.cumsum([0] + self.dims)
        layer = np.repeat(np.arange(len(self.dims)), self.dims)
        u, v = self._neuron_ends()
        q = len(self.dims) - 1
        for i in range(1, q + 1):
            nz = x != 0
            count, comp = connected_components(coo_matrix((np.ones(int(nz.sum())), (u[nz], v[nz])),
                                                          shape=(first[-1], first[-1])), directed=False)
            output = np.zeros(count, dtype=bool)
            output[comp[:self.dims[0]]] = True
            lowest = np.full(count, q + 1)
            np.minimum.at(lowest, comp, layer)
            hidden = np.zeros(count, dtype=bool)
            hidden[comp[(layer > 0) & (layer < q)]] = True
            targets = [a for a in range(self.dims[i - 1]) if output[comp[first[i - 1] + a]]]
            turn = 0
            for b in range(self.dims[i]):
                c = comp[first[i] + b]
                if targets and hidden[c] and not output[c] and lowest[c] == i:
                    j = self._column(i - 1, targets[turn % len(targets)], b)
                    x[j] = values[j]
                    output[c] = True
                    turn += 1
        return x

    def _at_identity(self, x, p):
        r"""
        Whether ``x`` is the identity point modulo ``p`` (and the network square).

        TESTS::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([2, 2]); W._at_identity([1, 0, 0, 1], 7), W._at_identity([8, 0, 0, 1], 7)
            (True, True)
            sage: W._at_identity([1, 0, 1, 1], 7), LinearPathFamily([1, 2])._at_identity([1, 0], 7)
            (False, False)
        """
        if not self.is_square():
            return False
        point = self.certificate_point()
        return bool((np.mod(np.asarray(x, dtype=float), p) == np.asarray(point)).all())

    def pair_ranks(self, p=DEFAULT_PRIME, seed=0):
        r"""
        The ranks `\rho_k` at the identity of the brackets of depth at most `k`
        of the square network `[2]^{q+1}` on the entries `(0, 1)` and `(1, 0)`
        of its `q` matrices (random nested brackets, `2q + 8` of each depth),
        for `k = 0, 1, \dots` until `q + 1` (the most possible) or depth `q`.

        `\rho_k` is a proven lower bound of the dimension of the projection of
        `W_k(I)` of any square network of depth `q` on the entries `(a, b), (b,
        a)` of its matrices, for any `a \ne b` (see :meth:`rank_certificate`);
        the last is `q + 1`, at depth `q - 1` (checked for `q \le 5` by the tests).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: LinearPathFamily([5] * 4).pair_ranks()
            [2, 3, 4]
        """
        q = len(self.dims) - 1
        tiny = LinearPathFamily([2] * (q + 1))
        x = tiny.certificate_point()
        cols = [tiny._column(l, 0, 1) for l in range(q)] + [tiny._column(l, 1, 0) for l in range(q)]
        rng = np.random.default_rng(int(seed))
        rows, ranks = [], []
        for depth in range(q + 1):
            rows.append(tiny.bracket_values(x, depth, 2 * q + 8, rng, p)[:, cols])
            ranks.append(rank_mod_p(np.vstack(rows), p))
            if ranks[-1] == q + 1:
                break
        return ranks

    def _neuron_ends(self):
        r"""
        For every coordinate (the entry `(a, b)` of `U_\ell`), the neurons it
        joins: `a` of layer `\ell - 1` and `b` of layer `\ell`, the neurons
        numbered layer by layer (outputs first); kept.

        TESTS::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: [t.tolist() for t in LinearPathFamily([1, 2, 1])._neuron_ends()]
            [[0, 0, 1, 2], [1, 2, 3, 3]]
        """
        if not hasattr(self, "_ends"):
            first = np.cumsum([0] + self.dims)
            us, vs = [], []
            for l, (m, n) in enumerate(self.shapes):
                a, b = np.divmod(np.arange(m * n), n)
                us.append(first[l] + a)
                vs.append(first[l + 1] + b)
            self._ends = (np.concatenate(us), np.concatenate(vs))
        return self._ends

    def sign_classes(self, x, p=DEFAULT_PRIME):
        r"""
        Return ``(classes, count)``: the class of every coordinate under the
        sign changes of neurons that fix ``x``, numbered ``0, ..., count - 1``.

        The sign changes `s` (a sign per neuron) act by `U_\ell[a, b] \mapsto
        s_a s_b U_\ell[a, b]`; those fixing ``x`` are constant on the connected
        components of the graph of the nonzero coordinates of ``x`` (residues
        modulo ``p``: the caller reduces only points that ``p`` does not
        collapse).  A coordinate joining the components `c \ne c'` has the
        character `s_c s_{c'}`, one joining a component to itself the trivial
        one; a class is a character (see :meth:`sign_certificate`).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([2, 3, 2]); x = W.sparse_points()[0]
            sage: classes, count = W.sign_classes(x); classes.tolist(), count
            ([0, 1, 2, 1, 0, 3, 1, 2, 0, 3, 3, 0], 4)
            sage: W.sign_classes(list(range(1, 13)))[1]            # all coordinates nonzero: one class
            1
            sage: x = list(range(1, 13)); x[0] = 0; W.sign_classes(x)[1]      # one zero: still connected
            1
        """
        u, v = self._neuron_ends()
        nz = np.mod(np.asarray(x, dtype=float), p) != 0
        if len(nz) and nz.all():      # every edge of the layered graph: connected, one class (no scipy needed)
            return np.zeros(len(nz), dtype=np.int64), 1
        neurons = sum(self.dims)
        graph = coo_matrix((np.ones(int(nz.sum())), (u[nz], v[nz])), shape=(neurons, neurons))
        ncomp, comp = connected_components(graph, directed=False)
        cu, cv = comp[u], comp[v]
        lo, hi = np.minimum(cu, cv), np.maximum(cu, cv)
        key = np.where(lo == hi, -1, lo * np.int64(ncomp) + hi)
        _, classes = np.unique(key, return_inverse=True)
        return classes.astype(np.int64), int(classes.max()) + 1 if len(classes) else 0

    def _splits(self, classes, count):
        r"""
        Whether the sign classes split the coordinates usefully: more than one
        class, none larger than :data:`~sage_conslaw.core.thresholds.SIGN_CLASS_MAX_SIZE`.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([2, 3, 2]); W._splits(*W.sign_classes(W.sparse_points()[0]))
            True
            sage: W._splits(np.zeros(12, dtype=int), 1)
            False
        """
        return count > 1 and int(np.bincount(classes).max()) <= thresholds.SIGN_CLASS_MAX_SIZE

    def _law_gradient_entries(self, x, p):
        r"""
        The gradients at ``x`` of all the known laws (in the order of
        :meth:`number_of_known_laws`: layer by layer, the entries `(a, b)`, `a
        \le b`, row by row), as ``(law, coordinate, value)`` arrays of their
        nonzero entries modulo ``p``, formed from the nonzero coordinates of
        ``x`` only (`O(\mathrm{nnz}(x) \max n_i)`).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: W = LinearPathFamily([2, 3, 2]); x = W.sparse_points()[1]
            sage: l, c, v = W._law_gradient_entries(x, 1048573); G = np.zeros((6, 12)); G[l, c] = v
            sage: net = LinearNetwork([2, 3, 2]); g = net.polynomial_ring().gens()
            sage: H = [[h.derivative(t)(*[ZZ(a) for a in x]) % 1048573 for t in g] for h in net.known_conservation_laws()]
            sage: G.tolist() == H
            True
        """
        U = self._blocks(np.mod(np.asarray(x, dtype=float), p))
        q = len(self.dims) - 1
        laws, cols, vals = [], [], []
        first = 0
        for i in range(1, q):
            n = self.dims[i]
            index = lambda a, b: first + a * n - a * (a - 1) // 2 + (b - a)     # the law (a, b), a <= b
            others = np.arange(n)
            # h_ab = sum_k U_i[k, a] U_i[k, b] - sum_k U_{i+1}[a, k] U_{i+1}[b, k]: a nonzero U_i[k, c]
            # gives the entry U_i[k, c] at the coordinate U_i[k, a'] of the law {a', c}, for every a'
            for layer, sign in ((i - 1, 1), (i, -1)):
                k, c = np.nonzero(U[layer] if layer == i - 1 else U[layer].T)
                w = (U[layer][k, c] if layer == i - 1 else U[layer][c, k]) * sign
                kk, cc = np.repeat(k, n), np.repeat(c, n)
                aa = np.tile(others, len(k))
                laws.append(index(np.minimum(aa, cc), np.maximum(aa, cc)))
                cols.append(self._column(layer, kk, aa) if layer == i - 1 else self._column(layer, aa, kk))
                vals.append(np.repeat(w, n) * np.where(aa == cc, 2, 1))       # d(U[k, c]^2) = 2 U[k, c]
            first += n * (n + 1) // 2
        if not laws:
            return (np.zeros(0, dtype=np.int64),) * 3
        M = coo_matrix((np.concatenate(vals), (np.concatenate(laws), np.concatenate(cols))),
                       shape=(first, self.D)).tocsr().tocoo()
        v = residues(M.data, p)
        keep = v != 0
        return M.row[keep].astype(np.int64), M.col[keep].astype(np.int64), v[keep]

    def _law_class_ranks(self, x, classes, count, p):
        r"""
        The rank modulo ``p`` of the gradients at ``x`` of the known laws of
        each class (restricted to its coordinates, where they lie: see
        :meth:`sign_certificate`); their sum is the rank of all of them.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: from sage_conslaw.core.modular import rank_mod_p
            sage: W = LinearPathFamily([3, 5, 2, 4]); x = W.sparse_points()[0]; classes, count = W.sign_classes(x)
            sage: l, c, v = W._law_gradient_entries(x, 1048573); G = np.zeros((W.number_of_known_laws, W.D)); G[l, c] = v
            sage: int(W._law_class_ranks(x, classes, count, 1048573).sum()) == rank_mod_p(G)
            True
        """
        law, col, val = self._law_gradient_entries(x, p)
        if not len(law):
            return np.zeros(count, dtype=np.int64)
        owner = np.full(self.number_of_known_laws, -1, dtype=np.int64)
        owner[law] = classes[col]
        if (owner[law] != classes[col]).any():
            raise RuntimeError("a known law has gradient entries in two classes of the sign decomposition")
        live = np.unique(law)
        return _class_ranks(live, owner[live], law, col, val, classes, count, p)

    def sign_certificate(self, x, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``(dimensions, target, N, why)``: proven lower bounds of `\dim
        W_k(x)`, `k = 0, 1, \dots`, from the decomposition of the trace under
        the sign changes of neurons that fix ``x``; the bound `D - N` they must
        reach, `N` the rank of the known laws at ``x``; and ``None``, or why no
        certificate was attempted or completed.

        PROOF. Let `L = \mathrm{Lie}(W)(x)` and `s` a sign per neuron.

        1. *Symmetries.* `g_s: U_\ell[a, b] \mapsto s_a s_b U_\ell[a, b]` is
           diagonal with entries `\pm 1` (orthogonal, `g_s^{-1} = g_s`), and
           `\phi \circ g_s = S_0 \phi S_q` (`S_\ell = \mathrm{diag}(s)` on layer
           `\ell`, the inner `S_\ell^2 = I` cancel); so `\langle C,
           \phi\rangle \circ g_s = \langle S_0 C S_q, \phi\rangle` and
           `(g_s)_* \nabla f = \nabla (f \circ g_s)`: `g_s` maps `W_0` onto
           itself, hence (push-forwards preserve brackets) every `W_k` and
           `\mathrm{Lie}(W)`.  If `g_s x = x` -- `s` constant on the connected
           components of the graph of the nonzero coordinates of `x` (the group
           `H`) -- then `g_s(W_k(x)) = W_k(x)` and `g_s(L) = L`.
        2. *Splitting.* Every coordinate is an eigenvector of every `g_s`, `s
           \in H`, of the character `\chi_j(s) = s_c s_{c'}` (`c, c'` the
           components of its two neurons; trivial when `c = c'`).  The
           projection on the coordinates of one character `\chi` is the
           average `|H|^{-1}\sum_{s\in H}\chi(s) g_s`, a combination of
           elements of `\{g_s\}`: it maps `W_k(x)` into itself.  So `W_k(x) =
           \bigoplus_\chi \pi_\chi W_k(x)` and `\dim W_k(x) = \sum_\chi \dim
           \pi_\chi W_k(x)` (:meth:`sign_classes` numbers the characters).
        3. *Bounds.* For any vectors `v_1, \dots, v_R` of `W_k(x)` -- here the
           values of random nested brackets of depth at most `k`
           (:meth:`~StructuredFamily.bracket_values`) -- the rank modulo `p`
           of their coordinates of class `\chi` is at most `\dim \pi_\chi
           W_k(x)` over `\QQ`; the sum over the classes is a proven lower bound
           of `\dim W_k(x)`.  Random choices only risk a smaller bound.
        4. *The known laws.* A law `h` of the entry `(a, b)` of a hidden layer
           satisfies `h \circ g_s = s_a s_b h`, so `\nabla h(x)` lies in the
           class of `s_a s_b` (checked); the rank of all the gradients is the
           sum of the ranks class by class: `N`.  They are orthogonal to `L`,
           so `\dim L \le D - N`.

        When the bound reaches `D - N`, `\dim L = D - N` exactly: the count at
        `x` is `N`.  Moreover `\dim L \le r^*` (the generic dimension, the
        largest) `\le D - N^*` (`N^*` the generic rank of the known laws, the
        largest) `\le D - N`; so `N = N^*` and `\dim L = r^*`: `x` is a regular
        point, the count `N` holds on a dense open set, and it is the
        known-law count at a random point.

        The classes are small at :meth:`sparse_points` (a character joins two
        components: at most two coordinates a layer there), so the ranks are
        those of many matrices of a few columns
        (:func:`~sage_conslaw.core.modular.batched_rank_mod_p`); each depth
        evaluates as many random brackets as the largest deficit of a class,
        and a few more.  Where sign changes do not split the coordinates (one
        class: a dense point), no certificate is attempted.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([2, 7, 3, 5]); x = W.certificate_point()
            sage: W.sign_certificate(x)
            ([6, 19], 19, 31, None)
            sage: W.sign_certificate(list(range(1, 51)))[3]
            'no sign change of neurons fixes the point but the identity: the coordinates do not split'
            sage: LinearPathFamily([1, 2, 3, 1]).sign_certificate(LinearPathFamily([1, 2, 3, 1]).sparse_points()[0])
            ([1, 1], 3, 8, 'its rank stagnated')
        """
        xs = np.mod(np.asarray(x, dtype=float), p)
        key = (hash(xs.tobytes()), int(p), int(seed))
        cache = self.__dict__.setdefault("_sign_cache", {})
        if key in cache:
            return cache[key]
        classes, count = self.sign_classes(xs, p)
        if count <= 1:
            return [], self.D, 0, ("no sign change of neurons fixes the point but the identity: the coordinates "
                                   "do not split")
        if not self._splits(classes, count):
            return [], self.D, 0, ("a class of the sign decomposition at this point has %s coordinates, more than "
                                   "SIGN_CLASS_MAX_SIZE" % int(np.bincount(classes).max()))
        laws = self._law_class_ranks(xs, classes, count, p)
        sizes = np.bincount(classes, minlength=count)
        goal = sizes - laws                           # per class: its dimension is at most this
        N = int(laws.sum())
        target = self.D - N
        rng = np.random.default_rng(int(seed))
        rows, ranks, dims, why = [], np.zeros(count, dtype=np.int64), [], None
        for depth in range(thresholds.SIGN_CERTIFICATE_DEPTH + 1):
            B = int((goal - ranks).max()) + thresholds.SIGN_CERTIFICATE_SURPLUS
            if depth == 0:
                B = min(B, self.d + thresholds.SIGN_CERTIFICATE_SURPLUS)
            if B > thresholds.JET_MAX_BATCH:
                why = "a class of the sign decomposition needs %s random brackets, more than JET_MAX_BATCH" % B
                break
            try:
                _check_memory(self.bracket_bytes(depth, B) + 8 * self.D * (sum(len(r) for r in rows) + B),
                              "%s random brackets of depth %s (D = %s)" % (B, depth, self.D))
            except MemoryError as e:          # the proven bounds so far stand; the trace falls back
                why = str(e)
                break
            rows.append(residues(self.bracket_values(xs, depth, B, rng, p), p))
            R = np.vstack(rows)
            new = _class_ranks(np.arange(len(R)), None, None, None, None, classes, count, p, dense=R)
            dims.append(int(new.sum()))
            if dims[-1] >= target:
                break
            if depth and (new == ranks).all():
                why = "its rank stagnated"
                break
            ranks = new
        else:
            why = "SIGN_CERTIFICATE_DEPTH = %s ran out" % thresholds.SIGN_CERTIFICATE_DEPTH
        cache.clear()
        cache[key] = (dims, target, N, why)
        return cache[key]

    def rank_certificate(self, x, target, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``(dimensions, why)``: at the identity point of a square network,
        the proven lower bounds `\binom{n}{2} \rho_k + n` of `\dim W_k(I)`
        (`\rho_k` from :meth:`pair_ranks`), the last `D - N` when it reaches
        `\rho = q + 1`; elsewhere ``([], why)``.

        PROOF. Let `L = \mathrm{Lie}(W)(I)`, `I = (I_n, \dots, I_n)`.

        The same holds for every `W_k` in place of `L`, with `\rho_k`.

        1. *Symmetries.* For an orthogonal `n \times n` matrix `Q`, the linear
           map `g: U_i \mapsto Q^\top U_i Q` (all `i`) is orthogonal on `\RR^D`,
           fixes `I`, and `\phi \circ g = Q^\top \phi Q`; hence `\langle C,
           \phi\rangle \circ g = \langle Q C Q^\top, \phi \rangle` and, `g` being
           orthogonal, `g^{-1}_* \nabla f = \nabla (f \circ g)`: `g` maps `W_0`
           onto itself, so (push-forwards preserve brackets) `\mathrm{Lie}(W)`,
           so `g(L) = L`.  This holds for the sign changes `Q = \mathrm{diag}(s)`,
           `s \in \{\pm 1\}^n`, and the permutation matrices.
        2. *Splitting.* The sign changes act on the entry `(a, b)` of every
           `U_i` by `s_a s_b`.  Averaging `s \mapsto s_a s_b\, g_s(v)` over
           `\{\pm1\}^n` (a combination of elements of `L`) keeps exactly the
           entries `(a, b), (b, a)` of `v \in L` for `a \ne b`, and the diagonal
           entries for the trivial character; so `L` is the direct sum of its
           projections `L_{ab}` (`a < b`, on `2q` coordinates each) and `L_0`
           (diagonal entries), and `\dim L = \sum_{a<b} \dim L_{ab} + \dim L_0`.
           A permutation sends `L_{01}` onto `L_{ab}`: all have the same dimension.
        3. *`L_0`.* `X_C(I) = (C, \dots, C)`: the `n` fields `X_{E_{tt}}` give
           `n` independent diagonal vectors, `\dim L_0 \ge n`.
        4. *`L_{01}`, from the network of width 2.* On the affine subspace
           `M = \{U_i = \mathrm{diag}(V_i, I_{n-2})\}` and for `C =
           \mathrm{diag}(C', 0)`, `X_C = \iota_* X'_{C'}` with `X'` the fields of
           `[2]^{q+1}` (products of block-diagonal matrices): these fields are
           tangent to `M` and their brackets restrict to the brackets of the
           restrictions, so `\iota_*\mathrm{Lie}(W')(I_2) \subseteq L`, and its
           projection on the entries `(0, 1), (1, 0)` lies in `L_{01}`: `\dim
           L_{01} \ge \rho`, the rank modulo `p` (a lower bound of the rank over
           `\QQ`) of brackets of `W'` at `I_2` on those entries.

        So `\dim L \ge \binom{n}{2}\rho + n`.  With `\rho = q + 1` this is `D - N`
        (`D = q n^2`, `N = (q-1)n(n+1)/2`); the known laws are independent at
        `I` (:meth:`known_law_rank`), so `\dim L \le D - N` and the count near
        `I` is exactly `N`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([3, 3, 3, 3]); x = W.certificate_point()
            sage: W.rank_certificate(x, W.D - W.number_of_known_laws)
            ([9, 12, 15], None)
            sage: W.rank_certificate([2] * 27, 15)
            ([], 'no sign change of neurons fixes the point but the identity: the coordinates do not split')
            sage: LinearPathFamily([1, 1, 1]).rank_certificate([1, 1], 1)
            ([1], None)
            sage: W.rank_certificate(x, 16)
            ([9, 12, 15], 'its rank 15 stays below the bound D - N = 16')
        """
        if not self._at_identity(x, p):
            dims, _, _, why = self.sign_certificate(x, p, seed)
            if why is None and (not dims or dims[-1] < target):
                why = "its rank %s stays below the bound D - N = %s" % (dims[-1] if dims else 0, target)
            return dims, why
        n = self.dims[0]
        dims = [n * (n - 1) // 2 * rho + n for rho in (self.pair_ranks(p, seed) if n > 1 else [0])]
        return dims, None if dims[-1] >= target else "its rank %s stays below the bound D - N = %s" % (
            dims[-1], target)

    def known_law_rank(self, x, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``(N, why)``: a proven lower bound of the number of known laws
        independent at ``x``, from block triangular minors of their gradients.

        PROOF. Write `U = U_{i+1}` and `h^i_{ab} = (U_i^\top U_i - U U^\top)_{ab}`,
        `a \le b < n_i`. Its gradient has, on `U[k, c]`, the entry `-(\delta_{ka}
        U[b, c] + \delta_{kb} U[a, c])`, and on `U_i` only the columns `a, b`.
        Take the pivots `U[b, c]`, `c = 0, \dots, b`, for the laws `h^i_{ab}`,
        `a = 0, \dots, b` (this needs `n_{i+1} \ge n_i`), layers `i` in
        increasing order and `b` increasing within a layer. A law touches the
        pivots of earlier layers (rows of `U_i`) or of earlier `b` (row `a < b`
        of `U`) and, among its own group, the block `-(U[a, c])_{a, c \le b}`
        with its last row doubled: a block lower triangular matrix, whose
        diagonal block `b` is nonsingular exactly when the leading principal
        minor of order `b + 1` of `U_{i+1}` is nonzero.  So the laws of the
        groups before the first vanishing minor (modulo `p`, hence over `\QQ`)
        are independent.  With `n_{i-1} \ge n_i` instead, the same holds
        for the network read backwards (`U_i^\top` in place of `U_{i+1}`).
        At the identity point, every leading minor is `1`.

        Other shapes: the rank of random combinations (the default).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import LinearPathFamily
            sage: W = LinearPathFamily([3, 3, 4]); x = [(7 * t^2) % 11 + 1 for t in range(W.D)]
            sage: W.known_law_rank(x)                    # leading minors of U_2 = x[9:].reshape(3, 4): 11, ...
            (6, None)
            sage: W.known_law_rank(list(range(1, W.D + 1)))   # U_1, U_2 of rank 2: the minors of order 3 vanish
            (3, None)
            sage: LinearPathFamily([2, 3, 2]).known_law_rank(list(range(1, 13)))     # the default: the true rank there
            (5, None)
            sage: x = [0] * W.D; W.known_law_rank(x)     # U_2 = 0 (and U_1 = 0): no pivot
            (0, None)
        """
        q = len(self.dims) - 1
        if not self._at_identity(x, p):
            classes, count = self.sign_classes(x, p)
            if self._splits(classes, count):      # sign changes fix x: the exact rank, block by block
                return int(self._law_class_ranks(x, classes, count, p).sum()), None
        hidden = range(1, q)
        forward = all(self.dims[i + 1] >= self.dims[i] for i in hidden)
        backward = all(self.dims[i - 1] >= self.dims[i] for i in hidden)
        if not (forward or backward):
            return NetworkFamily.known_law_rank(self, x, p, seed)
        U = self._blocks(np.asarray(x, dtype=float) % p)
        best = 0
        for ok, pick in ((forward, lambda i: U[i]), (backward, lambda i: U[i - 1].T)):
            if ok and best < self.number_of_known_laws:         # all of them: the other way cannot do better
                orders = [_leading_nonzero_minors(pick(i)[:self.dims[i], :self.dims[i]], p) for i in hidden]
                best = max(best, sum(b * (b + 1) // 2 for b in orders))
        return best, None


def _class_ranks(rows, row_class, entry_rows, entry_cols, entry_vals, classes, count, p, dense=None):
    r"""
    The ranks modulo ``p`` of the blocks of a matrix whose columns fall into
    classes (``classes[j]`` for the column `j`; ``count`` classes): for each
    class, the rank of the rows restricted to its columns.

    Either ``dense`` (an array of all the rows, every row entering every
    class), or sparse entries ``entry_rows, entry_cols, entry_vals`` of the
    rows ``rows`` (sorted), the row ``rows[t]`` belonging to the class
    ``row_class[t]`` alone.  Blocks of equal shape are ranked together
    (:func:`~sage_conslaw.core.modular.batched_rank_mod_p`), in chunks of at
    most :data:`~sage_conslaw.core.thresholds.MAX_BRACKET_BLOCK` entries.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import _class_ranks
        sage: classes = np.array([0, 1, 0, 1]); M = np.array([[1, 1, 2, 0], [2, 1, 4, 0]])
        sage: _class_ranks(np.arange(2), None, None, None, None, classes, 2, 7, dense=M).tolist()
        [1, 1]
        sage: _class_ranks(np.array([0, 3]), np.array([1, 0]), np.array([0, 3, 3]), np.array([1, 0, 2]),
        ....:              np.array([5, 1, 1]), classes, 2, 7).tolist()
        [1, 1]
    """
    sizes = np.bincount(classes, minlength=count)
    order = np.argsort(classes, kind="stable")
    start = np.concatenate([[0], np.cumsum(sizes)])
    local = np.empty(len(classes), dtype=np.int64)
    local[order] = np.arange(len(classes)) - start[classes[order]]
    ranks = np.zeros(count, dtype=np.int64)
    if dense is None:
        nrows = np.bincount(row_class, minlength=count)
        rorder = np.argsort(row_class, kind="stable")
        rstart = np.concatenate([[0], np.cumsum(nrows)])
        rlocal = np.empty(len(rows), dtype=np.int64)
        rlocal[rorder] = np.arange(len(rows)) - rstart[row_class[rorder]]
        at = np.searchsorted(rows, entry_rows)
        shapes = nrows * (sizes.max() + 1) + sizes
    else:
        shapes = sizes
    for shape in np.unique(shapes[sizes > 0]):
        group = np.flatnonzero((shapes == shape) & (sizes > 0))
        s = int(sizes[group[0]])
        R = len(dense) if dense is not None else int(nrows[group[0]])
        if R == 0:
            continue
        step = max(1, thresholds.MAX_BRACKET_BLOCK // (R * s))
        for t in range(0, len(group), step):
            g = group[t:t + step]
            if dense is not None:
                block = np.transpose(dense[:, order[start[g][:, None] + np.arange(s)[None]]], (1, 0, 2))
            else:
                slot = np.full(count, -1, dtype=np.int64)
                slot[g] = np.arange(len(g))
                c = classes[entry_cols]
                keep = slot[c] >= 0
                block = np.zeros((len(g), R, s), dtype=np.int64)
                block[slot[c[keep]], rlocal[at[keep]], local[entry_cols[keep]]] = entry_vals[keep]
            if s > thresholds.BATCHED_RANK_MAX_COLUMNS:      # a few large blocks: LinBox, one at a time
                ranks[g] = [rank_mod_p(b, p) for b in block]
            else:
                ranks[g] = batched_rank_mod_p(block, p)
    return ranks


def _leading_nonzero_minors(A, p):
    r"""
    How many leading principal minors of the square matrix ``A`` (residues
    modulo ``p``) are nonzero modulo ``p`` before the first that vanishes:
    Gaussian elimination without row exchanges, whose pivots are the ratios
    of consecutive leading minors.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import _leading_nonzero_minors
        sage: _leading_nonzero_minors(np.array([[1., 2, 0], [3, 6, 1], [0, 1, 1]]), 7)     # 1, 0: stops
        1
        sage: _leading_nonzero_minors(np.eye(3), 7), _leading_nonzero_minors(np.zeros((0, 0)), 7)
        (3, 0)
    """
    A = np.mod(np.array(A, dtype=np.float64), p)
    n = A.shape[0]
    for k in range(n):
        pivot = int(A[k, k])
        if pivot == 0:
            return k
        factors = _mod(A[k + 1:, k] * float(pow(pivot, -1, p)), p)
        A[k + 1:, k:] = _mod(A[k + 1:, k:] - _mod(factors[:, None] * A[k, k:][None], p), p)
    return n


class ReLUPathFamily(NetworkFamily):
    r"""
    The gradient family of a ReLU network (its path lifting `\phi`: the
    products of the weights along each path, and of the bias at its start), by matrix products.

    A random element of `W_0` with rank-one coefficients is the gradient of
    `f = c_0^\top U_1 D_1 U_2 \cdots D_{q-1} U_q c_q` plus the bias paths,
    `D_i = \mathrm{diag}(c_i)`: a few matrix products.  The known laws are one
    per hidden neuron.  Both certificates (the rank of `\mathrm{Lie}(W)` and
    the independence of the known laws) are triangular minors, checked in
    `O(D)` without elimination.

    EXAMPLES::

        sage: from sage_conslaw.core.jets import ReLUPathFamily
        sage: W = ReLUPathFamily([500, 1000, 500], bias=True); W.D
        1001500
        sage: x = list(range(1, W.D + 1))
        sage: W.known_law_rank(x), W.rank_certificate(x, W.D - 1000)
        ((1000, None), ([1000500], None))
    """

    kind = 'relu'

    def _what(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: ReLUPathFamily([1, 2, 1])._what()
            'ReLU network [1, 2, 1] without biases'
        """
        return "ReLU network %s %s biases" % (self.dims, "with" if self.bias else "without")

    @property
    def d(self):
        r"""
        The number of components of `\phi`: the paths (and the bias paths).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: ReLUPathFamily([2, 3, 4], bias=True).d
            32
        """
        d = prod(self.dims)
        if self.bias:
            d += sum(prod(self.dims[:i + 1]) for i in range(1, len(self.dims) - 1)) + self.dims[0]
        return d

    @property
    def number_of_known_laws(self):
        r"""
        How many known laws: one per hidden neuron.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: ReLUPathFamily([2, 3, 2, 2]).number_of_known_laws
            5
        """
        return sum(self.dims[1:-1])

    def random_coefficients(self, B, rng, p):
        r"""
        Return the vectors `c_0, \dots, c_q` and the bias weights `\alpha` of ``B`` random elements.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: c, alpha = ReLUPathFamily([2, 3]).random_coefficients(5, np.random.default_rng(int(0)), 101)
            sage: [v.shape for v in c], alpha.shape
            ([(5, 2), (5, 3)], (5, 1))
        """
        draw = lambda *shape: np.floor(rng.random(shape) * p)
        return [draw(B, n) for n in self.dims], draw(B, len(self.dims) - 1)

    def field(self, coefficients, theta):
        r"""
        Return the values at the jet ``theta`` of the random elements of `W_0`
        of ``coefficients`` (one per batch entry): a jet of shape ``(B, D)``.

        EXAMPLES:

        Against the symbolic gradients::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import Jet, NetworkFamily
            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([2, 2, 2], bias=True); W = NetworkFamily('relu', [2, 2, 2], bias=True)
            sage: (c, alpha) = W.random_coefficients(1, np.random.default_rng(int(1)), 101)
            sage: x = list(range(1, 13))
            sage: got = W.field((c, alpha), Jet(np.array([[x]], dtype=float), 101)).coefs[0, 0]
            sage: net.U1.list() + net.U2.list() + net.b1.list() + net.c.list() == list(net.polynomial_ring().gens())
            True
            sage: R = net.polynomial_ring(); g = R.gens()
            sage: # the combination: paths weighted by products of the c's, bias paths by alpha too
            sage: c = [[ZZ(int(t)) for t in v[0]] for v in c]; alpha = [ZZ(int(t)) for t in alpha[0]]
            sage: f = sum(c[0][j0] * c[1][j1] * c[2][j2] * net.U1[j0, j1] * net.U2[j1, j2]
            ....:         for j0 in range(2) for j1 in range(2) for j2 in range(2))
            sage: f += sum(alpha[1] * c[0][j0] * c[1][j1] * net.U1[j0, j1] * net.b1[j1, 0]
            ....:          for j0 in range(2) for j1 in range(2))
            sage: f += sum(alpha[0] * c[0][j0] * net.c[j0, 0] for j0 in range(2))
            sage: [ZZ(f.derivative(v)(*x)) % 101 for v in g] == [int(t) for t in got]
            True
        """
        U = self._unpack(theta)
        q = len(self.dims) - 1
        c, alpha = coefficients
        col = lambda v: v[:, :, None]
        row = lambda v: v[:, None, :]
        # forward: L_1 = c_0^T; L_{i+1} = (L_i U_i) * c_i  (row vectors)
        L = [Jet(np.broadcast_to(row(c[0])[None], (theta.coefs.shape[0],) + row(c[0]).shape) * 1.0, theta.p)]
        L[0].coefs = L[0].coefs.copy()
        L[0].coefs[1:] = 0
        LU = []
        for i in range(q):
            LU.append(L[i] @ U[i])
            L.append(LU[i] * row(c[i + 1]))
        # backward: V_q = c_q; V_i = c_i * (U_{i+1} V_{i+1} + alpha_i b_i)
        b = U[q:] if self.bias else []
        V = [None] * q
        zero = theta.coefs.shape[0]
        Vq = np.zeros((zero,) + col(c[q]).shape)
        Vq[0] = col(c[q])
        V[q - 1] = Jet(Vq, theta.p)
        for i in range(q - 1, 0, -1):
            t = U[i] @ V[i]
            if self.bias:
                t = t + b[i - 1] * alpha[:, i][:, None, None]
            V[i - 1] = t * col(c[i])
        grads = [L[i].transpose() @ V[i].transpose() for i in range(q)]
        if self.bias:
            grads += [LU[i - 1].transpose() * _mod(col(c[i]) * alpha[:, i][:, None, None], theta.p)
                      for i in range(1, q)]
            out = np.zeros((zero,) + col(c[0]).shape)
            out[0] = col(c[0]) * alpha[:, 0][:, None, None]
            grads.append(Jet(_mod(out, theta.p), theta.p))
        return self._pack(grads)

    def _law_matrices(self, count, n, rng, p):
        r"""
        Random diagonal `S`, as its ``(count, n)`` diagonals: one law per neuron.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: ReLUPathFamily([1, 2, 1])._law_matrices(3, 2, np.random.default_rng(int(0)), 101).shape
            (3, 2)
        """
        return np.floor(rng.random((count, n)) * p)

    def known_law_rank(self, x, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``(N, None)``: the number of hidden neurons whose law has a nonzero
        gradient at ``x`` modulo ``p`` -- proven independent, in `O(D)`.

        PROOF. The law of neuron `j` of hidden layer `i`, `\|U_i[:, j]\|^2 -
        \|U_{i+1}[j, :]\|^2 - b_i[j]^2`, has its gradient on column `j` of
        `U_i`, row `j` of `U_{i+1}` and `b_i[j]`.  Give it as pivot `b_i[j]` if
        nonzero, else a nonzero entry of row `j` of `U_{i+1}`, and order the
        laws by layer: a law touches the pivots of the laws of its own layer
        only at its own (other rows, other biases), and those of earlier
        layers only; the later layers' pivots lie in `U_{i+2}` and `b_{i+1}`,
        which it does not touch.  The minor on the pivots is lower triangular,
        with the diagonal `-2\,x_{\mathrm{pivot}} \ne 0`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: W = ReLUPathFamily([3, 4, 2], bias=True); x = list(range(2, 29))
            sage: W.known_law_rank(x), ReLUNetwork([3, 4, 2], bias=True).number_of_known_laws(x)
            ((4, None), 4)
            sage: W = ReLUPathFamily([1, 2, 1]); W.known_law_rank([1, 1, 0, 5])      # neuron 0: U_2[0, :] = 0
            (1, None)
        """
        U = self._blocks(np.asarray(x, dtype=float) % p)
        q = len(self.dims) - 1
        N = 0
        for i in range(1, q):
            live = U[i].any(axis=1)
            if self.bias:
                live |= U[q + i - 1][:, 0] != 0
            N += int(live.sum())
        return N, None

    def triangular_certificate(self, reference=None):
        r"""
        Return ``(monomials, pivots)``: `D - H` components of the path lifting
        `\phi` (`H` hidden neurons) whose gradients, restricted to the columns
        ``pivots``, form a lower triangular matrix, wherever the diagonal does not
        vanish (see :func:`triangular_minor_rank`).

        Every component of the path lifting is a square-free monomial; ``monomials``
        is an integer array, one row per component, listing its coordinates (padded
        with `-1`); ``pivots[i]`` is the coordinate of the diagonal entry of row `i`.
        Built by whole layers (numpy), in `O(D q)`.

        INPUT:

        - ``reference`` -- (default: node `0` everywhere) a node `r_\ell` of every
          layer `\ell = 0, \dots, q` (outputs first)

        The construction: the edges `U_\ell[r_{\ell-1}, j]` into the hidden
        neurons (`1 \le \ell < q`) are left out of the minor, one per hidden
        neuron; the path from output `r_0` to a hidden neuron through reference
        nodes then uses left-out edges only. The remaining weights are taken
        layer by layer from the inputs: `U_\ell[a, b]` by the path from output
        `r_0` along reference nodes to `a`, the edge, then from `b` along
        reference nodes to input `r_q` (whose other weights lie in later layers:
        already in the minor, or left out); a bias `b_\ell[j]` by the path to `j`
        and the bias; `c[j]` alone. Each row thus brings exactly one new column
        of the minor: its pivot. Another ``reference`` avoids the coordinates
        that vanish at a given point.

        EXAMPLES:

        The rows are gradients of components of `\phi`, against the symbolic ones::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: W = NetworkFamily('relu', [2, 3, 2], bias=True)
            sage: monomials, pivots = W.triangular_certificate()
            sage: monomials.shape, W.D - 3
            ((14, 2), 14)
            sage: net = ReLUNetwork([2, 3, 2], bias=True); g = net.polynomial_ring().gens()
            sage: paths = set(net.components())
            sage: all(prod(g[c] for c in row if c >= 0) in paths for row in monomials)
            True
            sage: monomials[0].tolist(), pivots[0]
            ([0, 6], 6)

        Other reference nodes, other rows::

            sage: m2, p2 = W.triangular_certificate([1, 2, 0])
            sage: all(prod(g[c] for c in row if c >= 0) in paths for row in m2), m2[0].tolist()
            (True, [3, 6])

        TESTS::

            sage: W.triangular_certificate([0, 3, 0])
            Traceback (most recent call last):
            ...
            ValueError: the reference nodes must be a node of each of the 3 layers [2, 3, 2], got [0, 3, 0]
            sage: W = NetworkFamily('relu', [3, 2, 4, 2], bias=True); g = ReLUNetwork([3, 2, 4, 2], bias=True)
            sage: paths = set(g.components()); g = g.polynomial_ring().gens()
            sage: m, piv = W.triangular_certificate([2, 1, 3, 1])
            sage: all(prod(g[c] for c in row if c >= 0) in paths for row in m), len(m) == W.D - 6
            (True, True)
        """
        dims, q = self.dims, len(self.dims) - 1
        r = [0] * (q + 1) if reference is None else [int(t) for t in reference]
        if len(r) != q + 1 or not all(0 <= t < n for t, n in zip(r, dims)):
            raise ValueError("the reference nodes must be a node of each of the %s layers %s, got %s"
                             % (q + 1, dims, list(reference)))
        U = lambda l, a, b: self._column(l - 1, a, b)          # the entry (a, b) of U_l (arrays allowed)
        fixed = lambda ks: [U(k, r[k - 1], r[k]) for k in ks]   # edges along reference nodes

        def block(columns, pivot):
            # rows from columns (each an int or an array of the row count), padded with -1 to q
            m = len(pivot)
            out = np.full((m, q), -1, dtype=np.int64)
            for k, c in enumerate(columns):
                out[:, k] = c
            return out, pivot

        parts = []
        for l in range(q, 0, -1):
            a = np.arange(dims[l - 1])
            if l < q:
                a = a[a != r[l - 1]]          # U_l[r_{l-1}, b]: left out, one per hidden neuron b
            aa, bb = np.repeat(a, dims[l]), np.tile(np.arange(dims[l]), len(a))
            start = (fixed(range(1, l - 1)) + [U(l - 1, r[l - 2], aa)]) if l > 1 else []
            edge = U(l, aa, bb)
            down = ([U(l + 1, bb, r[l + 1])] + fixed(range(l + 2, q + 1))) if l < q else []
            parts.append(block(start + [edge] + down, edge))
            if self.bias and l < q:
                j = np.arange(dims[l])
                bias = self._column(q + l - 1, j)
                parts.append(block(fixed(range(1, l)) + [U(l, r[l - 1], j), bias], bias))
        if self.bias:
            c = self._column(2 * q - 1, np.arange(dims[0]))
            parts.append(block([c], c))
        monomials = np.concatenate([m for m, _ in parts])
        pivots = np.concatenate([np.asarray(piv, dtype=np.int64) for _, piv in parts])
        return monomials, pivots

    def rank_certificate(self, x, target, p=DEFAULT_PRIME, seed=0):
        r"""
        Return ``([rank], why)``: the size of the triangular minor of
        :meth:`triangular_certificate` (`D - H` rows of `W_0`, no elimination); where a coordinate of ``x`` vanishes on its
        diagonal, other reference nodes are tried
        (:data:`~sage_conslaw.core.thresholds.TRIANGULAR_CERTIFICATE_ATTEMPTS`).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import ReLUPathFamily
            sage: W = ReLUPathFamily([2, 3, 2], bias=True); x = list(range(2, 2 + W.D))
            sage: W.rank_certificate(x, W.D - 3)
            ([14], None)
            sage: x[0] = 0; W.rank_certificate(x, W.D - 3)            # U_1[0, 0] = 0: other reference nodes
            ([14], None)
            sage: W.rank_certificate(x, W.D)
            ([14], 'its 14 rows stay below the bound D - N = 17')
            sage: x = [0] * W.D; W.rank_certificate(x, W.D - 3)[1]
            'the diagonal entry of row 0 vanishes modulo 1048573'
        """
        rng = np.random.default_rng(int(seed))
        vanishing = bool((np.mod(np.asarray(x, dtype=float), p) == 0).any())
        certificate = self.triangular_certificate()
        for attempt in range(thresholds.TRIANGULAR_CERTIFICATE_ATTEMPTS):
            if attempt:
                certificate = self.triangular_certificate([int(rng.integers(n)) for n in self.dims])
            rank, why = triangular_minor_rank(*certificate, x, p)
            if rank >= target:
                return [rank], None
            if rank or not vanishing:
                break             # other reference nodes would not do better
        if why is None:
            why = "its %s rows stay below the bound D - N = %s" % (rank, target)
        return [rank], why


# ---------------------------------------------------------------------------
# Ranks modulo p with LinBox, and the trace
# ---------------------------------------------------------------------------

def triangular_minor_rank(monomials, pivots, x, p=DEFAULT_PRIME):
    r"""
    A proven lower bound of the rank of the gradients at ``x`` of square-free
    monomials: the size of a triangular minor with a nonzero diagonal.

    The gradient of `m = \prod_{e \in S} \theta_e` has the entry `\prod_{f \in S,
    f \ne e} \theta_f` at `e \in S`, zero elsewhere. If the matrix of the rows,
    restricted to the columns ``pivots`` (in that order), is lower triangular
    and its diagonal does not vanish modulo `p`, its determinant is nonzero
    modulo `p`, hence over `\QQ`: the rank of the rows at ``x`` over `\QQ` is at
    least their number. No elimination: two passes over the rows.

    INPUT:

    - ``monomials`` -- integer array, a row per monomial: its coordinates, padded with `-1`
    - ``pivots`` -- the column of the diagonal entry of each row
    - ``x`` -- the point (integers; residues modulo ``p`` are taken)

    OUTPUT: ``(rank, why)``: the number of rows and ``None`` when the minor is
    proven nonsingular, else ``0`` and the reason it is not a certificate

    EXAMPLES:

    `\nabla(ab) = (b, a, 0)`, `\nabla(bc) = (0, c, b)`: a triangular minor on the columns `a, b`::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import triangular_minor_rank
        sage: M = np.array([[1, -1], [0, 1]]); piv = np.array([1, 0])     # rows b, ab; pivots b, a
        sage: triangular_minor_rank(M, piv, [2, 3, 5], 7)
        (2, None)
        sage: triangular_minor_rank(M, piv, [2, 0, 5], 7)
        (0, 'the diagonal entry of row 1 vanishes modulo 7')
        sage: triangular_minor_rank(M, np.array([0, 1]), [2, 3, 5], 7)
        (0, 'row 0 does not contain its pivot 0')
        sage: triangular_minor_rank(np.array([[0, 1], [1, -1]]), np.array([0, 1]), [2, 3, 5], 7)
        (0, 'row 0 has an entry in the column of the later pivot 1: not triangular')

    TESTS::

        sage: triangular_minor_rank(np.array([[2], [0], [2]]), np.array([2, 0, 2]), [1, 1, 1], 7)
        (0, 'the pivot 2 is repeated')
        sage: triangular_minor_rank(np.zeros((0, 2), dtype=int), np.zeros(0, dtype=int), [1], 7)
        (0, None)
    """
    monomials = np.asarray(monomials, dtype=np.int64)
    pivots = np.asarray(pivots, dtype=np.int64)
    n = len(pivots)
    if n == 0:
        return 0, None
    x = residues(x, p)
    order = np.full(len(x), -1, dtype=np.int64)               # the row of each pivot column, -1 outside the minor
    order[pivots] = np.arange(n)
    repeated = np.flatnonzero(np.bincount(pivots) > 1)
    if repeated.size:
        return 0, "the pivot %s is repeated" % repeated[0]
    present = monomials >= 0
    is_pivot = present & (monomials == pivots[:, None])
    missing = np.flatnonzero(~is_pivot.any(axis=1))
    if missing.size:
        return 0, "row %s does not contain its pivot %s" % (missing[0], pivots[missing[0]])
    later = present & (order[np.where(present, monomials, 0)] > np.arange(n)[:, None])
    if later.any():
        i = np.flatnonzero(later.any(axis=1))[0]
        return 0, "row %s has an entry in the column of the later pivot %s: not triangular" % (
            i, monomials[i, np.flatnonzero(later[i])[0]])
    diagonal = np.ones(n, dtype=np.int64)          # the product of the other factors, modulo p < 2^31
    for k in range(monomials.shape[1]):
        factor = np.where(present[:, k] & ~is_pivot[:, k], x[np.where(present[:, k], monomials[:, k], 0)], 1)
        diagonal = diagonal * factor % p
    zero = np.flatnonzero(diagonal == 0)
    if zero.size:
        return 0, "the diagonal entry of row %s vanishes modulo %s" % (zero[0], p)
    return n, None


def jet_trace(family, x, target, p=DEFAULT_PRIME, max_steps=8, seed=0, batch=None):
    r"""
    The trace by random nested brackets of a structured family (see the module).

    Returns ``(dimensions, stopped_at, reached)`` like the fast trace: the
    ranks found after each level (proven lower bounds of `\dim W_k(\theta)`),
    the last level, and whether ``target`` (`D - N`) was reached.

    INPUT:

    - ``family`` -- a :class:`StructuredFamily`
    - ``x`` -- the point, `D` integers (residues modulo ``p`` are taken)
    - ``target`` -- the rank that certifies the count
    - ``max_steps`` -- the deepest bracket level
    - ``batch`` -- the most random brackets per batch (default
      :data:`~sage_conslaw.core.thresholds.JET_MAX_BATCH`)

    The family's own certificate comes first
    (:meth:`~StructuredFamily.rank_certificate`: no elimination at all).
    Otherwise each batch holds as many random brackets as the rank still
    missing to the target, and a few more; a level is left when a batch adds
    fewer rows than its size (the span of the level is then reached with high
    probability); the iteration stops at the target or when a whole level adds
    nothing.  The memory of the kept rows and of each batch is checked before
    it is allocated (a clear ``MemoryError`` otherwise).

    EXAMPLES::

        sage: from sage_conslaw.core.jets import NetworkFamily, jet_trace
        sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
        sage: net = LinearNetwork([2, 3, 2, 2]); res = net.lie_trace()
        sage: x = [ZZ(t) for t in res.point]
        sage: jet_trace(NetworkFamily('linear', [2, 3, 2, 2]), x, net.D - res.known_laws) == (res.dimensions, res.stopped_at, True)
        True
        sage: net = ReLUNetwork([3, 4, 2], bias=True); res = net.lie_trace()
        sage: jet_trace(NetworkFamily('relu', [3, 4, 2], bias=True), list(res.point), net.D - 4)
        ([23], 0, True)

    TESTS::

        sage: W = NetworkFamily('linear', [300, 300, 300, 300])
        sage: jet_trace(W, list(range(W.D)), W.D - W.number_of_known_laws)
        Traceback (most recent call last):
        ...
        MemoryError: the elimination of this D = 270000 network (its kept rows: 179700 x 270000 in float32) would take 194.1 GB, more than the ... GB available (MEMORY_SHARE of the free memory); refused before allocating; the structured certificate does not apply at this point: no sign change of neurons fixes the point but the identity: the coordinates do not split
    """
    proven, why = family.rank_certificate(x, target, p, seed)
    if proven and proven[-1] >= target:
        return proven, len(proven) - 1, True
    rng = np.random.default_rng(int(seed))
    where = "" if why is None else "; the structured certificate does not apply at this point: %s" % why
    try:
        _check_memory(4 * target * family.D, "the elimination of this D = %s network (its kept rows: %s x %s in "
                      "float32)" % (family.D, target, family.D))
        return _eliminate(family, x, target, p, max_steps, rng, batch)
    except MemoryError as e:
        if "refused before allocating" in str(e):
            raise MemoryError(str(e) + where) from None
        raise MemoryError("the trace of this D = %s network by elimination (dense echelon forms modulo p) ran "
                          "out of memory%s" % (family.D, "" if why is None else
                                               "; the triangular certificate, which needs none, does not apply "
                                               "at this point: %s" % why)) from None


def _eliminate(family, x, target, p, max_steps, rng, batch):
    r"""
    The elimination part of :func:`jet_trace`: random nested brackets, level by
    level, kept when independent (:class:`~sage_conslaw.core.modular.EchelonModP`).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.core.jets import NetworkFamily, _eliminate
        sage: _eliminate(NetworkFamily('linear', [2, 2, 2]), [1, 2, 3, 4, 5, 6, 7, 9], 5, 1048573, 8,
        ....:            np.random.default_rng(int(0)), None)
        ([4, 5], 1, True)
    """
    D = family.D
    E = EchelonModP(D, p)
    dims = []
    cap = batch or thresholds.JET_MAX_BATCH
    for level in range(max_steps + 1):
        before = E.rank
        while E.rank < target:
            # as many random brackets as the rank still missing, and a few more
            size = min(cap, target - E.rank + thresholds.COMPRESSION_SURPLUS)
            if level == 0:      # dim W_0(theta) <= d: no more random elements than that
                size = min(size, family.d - E.rank + thresholds.COMPRESSION_SURPLUS)
            size = _affordable_batch(family, E, level, size)
            if len(E.add_rows(family.bracket_values(x, level, size, rng, p))) < size:
                break
        dims.append(E.rank)
        if E.rank >= target:
            return dims, level, True
        if level > 0 and E.rank == before:
            return dims, level, False
    return dims, max_steps, False


def _affordable_batch(family, E, level, size):
    r"""
    The largest batch of at most ``size`` random brackets of depth ``level``
    whose arrays fit in the memory available (with the kept rows of ``E``),
    halving it as needed; a clear ``MemoryError`` before allocating when not even
    :data:`~sage_conslaw.core.thresholds.COMPRESSION_SURPLUS` brackets fit.

    TESTS::

        sage: from sage_conslaw.core.jets import LinearPathFamily, _affordable_batch
        sage: from sage_conslaw.core.modular import EchelonModP
        sage: W = LinearPathFamily([3, 3, 3]); _affordable_batch(W, EchelonModP(W.D), 1, 20)
        20
        sage: W = LinearPathFamily([10^5, 10^5]); _affordable_batch(W, EchelonModP(W.D), 5, 20)
        Traceback (most recent call last):
        ...
        MemoryError: a batch of 8 random brackets of depth 5 (D = 10000000000, kept rank 0) would take ... GB, more than the ... GB available (MEMORY_SHARE of the free memory); refused before allocating
    """
    budget = thresholds.memory_budget()
    need = lambda B: family.bracket_bytes(level, B) + E.bytes_needed(B)
    while size > thresholds.COMPRESSION_SURPLUS and need(size) > budget:
        size = max(size // 2, thresholds.COMPRESSION_SURPLUS)
    _check_memory(need(size), "a batch of %s random brackets of depth %s (D = %s, kept rank %s)"
                  % (size, level, family.D, E.rank))
    return size


def network_trace(family, seed=0, p=DEFAULT_PRIME, max_steps=8, point=None):
    r"""
    The number of conservation laws of a network at scale: structured
    evaluation (a :class:`StructuredFamily`), the family's certificates, else
    random nested brackets (:func:`jet_trace`), and the known laws as certificate.

    INPUT:

    - ``family`` -- a :class:`StructuredFamily` (e.g. :class:`NetworkFamily`)
    - ``seed`` -- the seed of the random point and of the random brackets; the
      random point is the engine's (:func:`~sage_conslaw.core.points.random_point`)
      up to :data:`~sage_conslaw.core.thresholds.RANDOM_POINT_MAX_D` parameters;
      above, integers of the same box `[-2^{30}, 2^{30}]` drawn by numpy (a
      million Sage integers take 14 s)
    - ``point`` -- `D` integers; or ``'certificate'``: the family's
      :meth:`~StructuredFamily.certificate_point` (the identity of a square
      linear network), where its certificate applies without elimination; by
      default (``None``), that point when the family has one and `D` is above
      :data:`~sage_conslaw.core.thresholds.RANDOM_POINT_MAX_D`, else the random point

    OUTPUT: a dict with ``D``, ``dimensions`` (proven lower bounds), ``stopped_at``,
    ``number_of_laws`` (`D` minus the rank found), ``known_laws`` (`N'`),
    ``certified``, ``reason``, ``prime`` and ``point`` (which point was used)

    EXAMPLES::

        sage: from sage_conslaw.core.jets import NetworkFamily, network_trace
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: r = network_trace(NetworkFamily('linear', [3, 4, 2, 3]))
        sage: r['number_of_laws'], r['certified'], r['dimensions']
        (13, True, [8, 13])
        sage: res = LinearNetwork([3, 4, 2, 3]).lie_trace(); res.number_of_laws, res.dimensions
        (13, [8, 13])
        sage: network_trace(NetworkFamily('linear', [2, 3]))['number_of_laws']     # depth 1
        0
        sage: r['reason']
        'the rank 13 meets the bound D - N = 13 given by 13 conservation laws independent at theta'

    At the identity of a square linear network, the certificate needs no elimination::

        sage: r = network_trace(NetworkFamily('linear', [300, 300, 300])); r['D'], r['number_of_laws'], r['certified']
        (180000, 45150, True)
        sage: r['point']
        'the identity point (all U_i = I), a regular point: the count holds on a dense open set'
        sage: network_trace(NetworkFamily('linear', [3, 3, 3]), point='certificate')['number_of_laws']
        6

    TESTS::

        sage: network_trace(NetworkFamily('linear', [3, 4, 2, 3]), max_steps=0)['reason']
        'the rank 8 modulo p (random nested brackets) is only a lower bound: it had not stagnated when max_steps = 0 ran out, below the bound D - N = 13'
        sage: network_trace(NetworkFamily('linear', [2, 3]), point=[1/2] * 6)
        Traceback (most recent call last):
        ...
        ValueError: network_trace takes a point of D = 6 integers; for other points use the model's lie_trace(point=...)
        sage: network_trace(NetworkFamily('linear', [2, 3, 2]), point=[1048573] + [0] * 11)['prime']   # p divides x_0
        1048571
        sage: network_trace(NetworkFamily('linear', [1, 2, 3, 1]), point='certificate')     # an extra law of degree 4
        Traceback (most recent call last):
        ...
        ValueError: the linear network [1, 2, 3, 1] has no certificate point
    """
    where = "given"
    if point is None and family.D > thresholds.RANDOM_POINT_MAX_D and family.certificate_point() is not None:
        point = 'certificate'
    if isinstance(point, str) and point == 'certificate':
        point = family.certificate_point()
        if point is None:
            raise ValueError("the %s has no certificate point" % family._what())
        where = family.certificate_point_description()
    elif point is None:
        where = "the random point of seed %s" % seed
        if family.D <= thresholds.RANDOM_POINT_MAX_D:
            point = random_point(family.D, seed=seed)
        else:
            point = np.random.default_rng(int(seed)).integers(-DEFAULT_SAMPLING_BOUND, DEFAULT_SAMPLING_BOUND,
                                                              family.D, endpoint=True)
    integral = isinstance(point, np.ndarray) and point.dtype.kind in "iu"
    if len(point) != family.D or not (integral or all(t in ZZ for t in point)):
        raise ValueError("network_trace takes a point of D = %s integers; for other points use the model's "
                         "lie_trace(point=...)" % family.D)
    arr = point if integral else np.asarray(point, dtype=object)
    while bool(((arr != 0) & (arr % p == 0)).any()):     # the reduced point would be another: another prime
        p = int(previous_prime(p))
    x = residues(point, p).astype(float)
    N, _ = family.known_law_rank(x, p, seed)
    target = family.D - N
    dims, stopped, reached = family.structured_trace(x, target, p, max_steps, seed)
    rank = dims[-1]
    if reached:
        why = None
    elif stopped >= max_steps and (len(dims) == 1 or dims[-1] > dims[-2]):
        why = "it had not stagnated when max_steps = %s ran out" % max_steps
    else:
        why = "it stagnated"
    # the one voice of certificates (core/certificate.py) decides and words it
    reason = decide(family.D, rank, N, rank_source="modulo p (random nested brackets)", why_not=why).reason
    return dict(D=family.D, dimensions=dims, stopped_at=stopped, number_of_laws=family.D - rank,
                known_laws=N, certified=reached, reason=reason, prime=p, point=where)


#: How :func:`network_trace` names the point of a family's certificate.
CERTIFICATE_POINT = "the identity point (all U_i = I), a regular point: the count holds on a dense open set"
