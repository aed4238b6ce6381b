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
import numpy as np

from sage_conslaw.core import thresholds
from sage_conslaw.core.modular import DEFAULT_PRIME, EchelonModP


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
# Structured families
# ---------------------------------------------------------------------------

class NetworkFamily:
    r"""
    The gradient family `W_\phi` of a linear or ReLU network, evaluated by
    matrix products (never expanded): random elements of `W_0` at jets.

    INPUT:

    - ``family`` -- ``'linear'`` (`\phi = U_1 \cdots U_q`) or ``'relu'`` (path products)
    - ``dims`` -- the widths `[n_0, \dots, n_q]` (outputs first)
    - ``bias`` -- ReLU networks with biases (hidden layers and outputs)

    The coordinates are ordered as in the architectures: `U_1, \dots, U_q`
    (row by row), then `b_1, \dots, b_{q-1}` and `c`.

    EXAMPLES::

        sage: from sage_conslaw.core.jets import NetworkFamily
        sage: NetworkFamily('relu', [30, 100, 100, 30], bias=True)
        Structured family of the ReLU network [30, 100, 100, 30] with biases (D = 16230, d = 9303030), evaluated by matrix products
    """

    def __init__(self, family, dims, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('conv', [2, 2])
            Traceback (most recent call last):
            ...
            ValueError: the family must be 'linear' or 'relu', got 'conv'
            sage: NetworkFamily('linear', [2, 2], bias=True)
            Traceback (most recent call last):
            ...
            ValueError: linear networks have no biases
        """
        if family not in ('linear', 'relu'):
            raise ValueError("the family must be 'linear' or 'relu', got %r" % (family,))
        if bias and family == 'linear':
            raise ValueError("linear networks have no biases")
        self.family = family
        self.dims = [int(n) for n in dims]
        self.bias = bool(bias)
        q = len(self.dims) - 1
        self.shapes = [(self.dims[i - 1], self.dims[i]) for i in range(1, q + 1)]
        if self.bias:
            self.shapes += [(self.dims[i], 1) for i in range(1, q)] + [(self.dims[0], 1)]
        self.offsets = np.cumsum([0] + [a * b for a, b in self.shapes]).tolist()
        self.D = self.offsets[-1]

    @property
    def d(self):
        r"""
        The number of components of `\phi`.

        EXAMPLES::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('linear', [2, 3, 4]).d, NetworkFamily('relu', [2, 3, 4], bias=True).d
            (8, 32)
        """
        from math import prod
        if self.family == 'linear':
            return self.dims[0] * self.dims[-1]
        d = prod(self.dims)
        if self.bias:
            d += sum(prod(self.dims[:i + 1]) for i in range(1, len(self.dims) - 1)) + self.dims[0]
        return d

    @property
    def number_of_known_laws(self):
        r"""
        How many known laws the network has (independent or not): the entries
        on and above the diagonal of the balancedness `U_i^\top U_i - U_{i+1}
        U_{i+1}^\top` of every hidden layer (linear), one per hidden neuron (ReLU).

        EXAMPLES::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('linear', [2, 3, 2, 2]).number_of_known_laws, NetworkFamily('relu', [2, 3, 2, 2]).number_of_known_laws
            (9, 5)
        """
        return sum(n * (n + 1) // 2 if self.family == 'linear' else n for n in self.dims[1:-1])

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: NetworkFamily('relu', [1, 2, 1])
            Structured family of the ReLU network [1, 2, 1] without biases (D = 4, d = 2), evaluated by matrix products
        """
        what = "linear network %s" % self.dims if self.family == 'linear' else "ReLU network %s %s biases" % (
            self.dims, "with" if self.bias else "without")
        return "Structured family of the %s (D = %s, d = %s), evaluated by matrix products" % (what, self.D, self.d)

    def random_coefficients(self, B, rng, p):
        r"""
        Return the coefficients of ``B`` random elements of `W_0`: matrices `C`
        (linear), or the vectors `c_0, \dots, c_q` and the bias weights `\alpha` (ReLU).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: C = NetworkFamily('linear', [2, 3]).random_coefficients(5, np.random.default_rng(int(0)), 101)
            sage: C.shape
            (5, 2, 3)
        """
        draw = lambda *shape: np.floor(rng.random(shape) * p)
        if self.family == 'linear':
            return draw(B, self.dims[0], self.dims[-1])
        return [draw(B, n) for n in self.dims], draw(B, len(self.dims) - 1)

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
        if self.family == 'linear':
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

    def law_gradients(self, x, count, rng, p=DEFAULT_PRIME):
        r"""
        Return the gradients at ``x`` of ``count`` random combinations of the known
        laws (balancedness `U_i^\top U_i - U_{i+1} U_{i+1}^\top` for linear networks,
        one law per hidden neuron for ReLU networks), as a ``(count, D)`` array.

        Their rank modulo `p` is a lower bound `N'` of the number `N` of known laws
        independent at `x`; a trace rank reaching `D - N'` still certifies the count.

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
        theta = Jet(np.broadcast_to(np.asarray(x, dtype=float) % p, (1, count, self.D)).copy(), p)
        U = self._unpack(theta)
        q = len(self.dims) - 1
        grads = [Jet(np.zeros_like(V.coefs), p) for V in U]
        draw = lambda *shape: np.floor(rng.random(shape) * p)
        for i in range(1, q):
            n = self.dims[i]
            if self.family == 'linear':
                S = draw(count, n, n)
                S = _mod(S + np.swapaxes(S, 1, 2), p)
            else:                                   # one law per neuron: a diagonal S
                S = draw(count, n)[:, :, None] * np.eye(n)[None]
            grads[i - 1] = grads[i - 1] + U[i - 1] @ S
            grads[i] = grads[i] - (S @ U[i])
            if self.bias:
                grads[q + i - 1] = grads[q + i - 1] - (S @ U[q + i - 1])
        return self._pack(grads).coefs[0]

    def _column(self, layer, a, b=0):
        r"""
        The coordinate of the entry ``(a, b)`` of the parameter block ``layer``
        (`0, \dots, q-1`: `U_1, \dots, U_q`; then the biases `b_1, \dots, b_{q-1}`, `c`).

        TESTS::

            sage: from sage_conslaw.core.jets import NetworkFamily
            sage: W = NetworkFamily('relu', [2, 3, 2], bias=True)
            sage: W._column(0, 1, 2), W._column(1, 0, 1), W._column(2, 2), W._column(3, 1)
            (5, 7, 14, 16)
        """
        return self.offsets[layer] + a * self.shapes[layer][1] + b

    def triangular_certificate(self, reference=None):
        r"""
        Return ``(monomials, pivots)``: `D - H` components of the path lifting
        `\phi` (`H` hidden neurons) whose gradients, restricted to the columns
        ``pivots``, form a lower triangular matrix, wherever the diagonal does not
        vanish (see :func:`triangular_minor_rank`); ``None`` for linear networks.

        Every component of the path lifting is a square-free monomial; ``monomials``
        is an integer array, one row per component, listing its coordinates (padded
        with `-1`); ``pivots[i]`` is the coordinate of the diagonal entry of row `i`.

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
            sage: NetworkFamily('linear', [2, 2]).triangular_certificate() is None
            True

        Other reference nodes, other rows::

            sage: m2, p2 = W.triangular_certificate([1, 2, 0])
            sage: all(prod(g[c] for c in row if c >= 0) in paths for row in m2), m2[0].tolist()
            (True, [3, 6])

        TESTS::

            sage: W.triangular_certificate([0, 3, 0])
            Traceback (most recent call last):
            ...
            ValueError: the reference nodes must be a node of each of the 3 layers [2, 3, 2], got [0, 3, 0]
        """
        if self.family != 'relu':
            return None
        dims, q = self.dims, len(self.dims) - 1
        r = [0] * (q + 1) if reference is None else [int(t) for t in reference]
        if len(r) != q + 1 or not all(0 <= t < n for t, n in zip(r, dims)):
            raise ValueError("the reference nodes must be a node of each of the %s layers %s, got %s"
                             % (q + 1, dims, list(reference)))
        U = lambda l, a, b: self._column(l - 1, a, b)          # the entry (a, b) of U_l

        def up(l, j):                   # from output r_0 along reference nodes to node j of layer l >= 1
            return [U(k, r[k - 1], r[k]) for k in range(1, l)] + [U(l, r[l - 1], j)] if l >= 1 else []

        def down(l, j):                 # from node j of layer l < q along reference nodes to input r_q
            return [U(l + 1, j, r[l + 1])] + [U(k, r[k - 1], r[k]) for k in range(l + 2, q + 1)] if l < q else []

        rows, pivots = [], []
        for l in range(q, 0, -1):
            for a in range(dims[l - 1]):
                if l < q and a == r[l - 1]:
                    continue            # U_l[r_{l-1}, b]: left out, one per hidden neuron b
                for b in range(dims[l]):
                    start = up(l - 1, a) if l > 1 else []     # at l = 1 the path starts at output a
                    rows.append(start + [U(l, a, b)] + down(l, b))
                    pivots.append(U(l, a, b))
            if self.bias and l < q:
                for j in range(dims[l]):
                    b = self._column(q + l - 1, j)
                    rows.append(up(l, j) + [b])
                    pivots.append(b)
        if self.bias:
            for j in range(dims[0]):
                rows.append([self._column(2 * q - 1, j)])
                pivots.append(rows[-1][0])
        monomials = np.full((len(rows), q), -1, dtype=np.int64)
        for i, r in enumerate(rows):
            monomials[i, :len(r)] = r
        return monomials, np.array(pivots, dtype=np.int64)

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
    x = np.array([int(t) % p for t in x], dtype=np.int64)
    order = np.full(len(x), -1, dtype=np.int64)               # the row of each pivot column, -1 outside the minor
    order[pivots] = np.arange(n)
    if len(np.unique(pivots)) < n:
        return 0, "the pivot %s is repeated" % np.flatnonzero(np.bincount(pivots) > 1)[0]
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

    - ``family`` -- a :class:`NetworkFamily`
    - ``x`` -- the point, `D` integers (residues modulo ``p`` are taken)
    - ``target`` -- the rank that certifies the count
    - ``max_steps`` -- the deepest bracket level
    - ``batch`` -- the most random brackets per batch (default
      :data:`~sage_conslaw.core.thresholds.JET_MAX_BATCH`)

    Each batch holds as many random brackets as the rank still missing to the
    target, and a few more; a level is left when a batch adds fewer rows than
    its size (the span of the level is then reached with high probability); the
    iteration stops at the target or when a whole level adds nothing.

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
    """
    rng = np.random.default_rng(int(seed))
    why = None
    certificate = family.triangular_certificate()
    if certificate is not None:
        # W_0 alone may reach the bound: a triangular minor, no elimination at all;
        # where a coordinate of x vanishes on its diagonal, other reference nodes
        vanishing = any(int(t) % p == 0 for t in x)
        for attempt in range(thresholds.TRIANGULAR_CERTIFICATE_ATTEMPTS):
            if attempt:
                certificate = family.triangular_certificate([int(rng.integers(n)) for n in family.dims])
            rank, why = triangular_minor_rank(*certificate, x, p)
            if rank >= target:
                return [rank], 0, True
            if rank or not vanishing:
                break             # other reference nodes would not do better
        if why is None:
            why = "its %s rows stay below the bound D - N = %s" % (rank, target)
    try:
        return _eliminate(family, x, target, p, max_steps, rng, batch)
    except MemoryError:
        raise MemoryError("the trace of this D = %s network by elimination (dense echelon forms modulo p) ran "
                          "out of memory%s" % (family.D, "" if why is None else
                                               "; the triangular certificate, which needs none, does not apply "
                                               "at this point: %s" % why)) from None


def _eliminate(family, x, target, p, max_steps, rng, batch):
    r"""
    The elimination part of :func:`jet_trace`: random nested brackets, level by
    level, kept when independent (LinBox echelon forms modulo ``p``).

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
            if len(E.add_rows(family.bracket_values(x, level, size, rng, p))) < size:
                break
        dims.append(E.rank)
        if E.rank >= target:
            return dims, level, True
        if level > 0 and E.rank == before:
            return dims, level, False
    return dims, max_steps, False


def network_trace(family, seed=0, p=DEFAULT_PRIME, max_steps=8, point=None):
    r"""
    The number of conservation laws of a linear or ReLU network near a random
    point, at scale: structured evaluation (:class:`NetworkFamily`), random
    nested brackets (:func:`jet_trace`), and the known laws as certificate.

    INPUT:

    - ``family`` -- a :class:`NetworkFamily`
    - ``seed`` -- the seed of the random point (the engine's default point,
      :func:`~sage_conslaw.core.points.random_point`) and of the random brackets
    - ``point`` -- `D` integers instead of the random point

    OUTPUT: a dict with ``D``, ``dimensions`` (proven lower bounds), ``stopped_at``,
    ``number_of_laws`` (`D` minus the rank found), ``known_laws`` (`N'`),
    ``certified`` and ``reason``

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

    TESTS::

        sage: network_trace(NetworkFamily('linear', [3, 4, 2, 3]), max_steps=0)['reason']
        'the rank 8 modulo p (random nested brackets) is only a lower bound: it had not stagnated when max_steps = 0 ran out, below the bound D - N = 13'
        sage: network_trace(NetworkFamily('linear', [2, 3]), point=[1/2] * 6)
        Traceback (most recent call last):
        ...
        ValueError: network_trace takes a point of D = 6 integers; for other points use the model's lie_trace(point=...)
    """
    from sage.rings.integer_ring import ZZ
    from sage_conslaw.core.points import random_point
    if point is None:
        point = random_point(family.D, seed=seed)
    if len(point) != family.D or not all(t in ZZ for t in point):
        raise ValueError("network_trace takes a point of D = %s integers; for other points use the model's "
                         "lie_trace(point=...)" % family.D)
    x = np.array([int(ZZ(t) % p) for t in point], dtype=float)
    rng = np.random.default_rng(int(seed))
    nlaws = family.number_of_known_laws
    N = 0
    if nlaws:
        E = EchelonModP(family.D, p)
        E.add_rows(family.law_gradients(x, min(nlaws + 8, family.D), rng, p))
        N = E.rank
    target = family.D - N
    dims, stopped, reached = jet_trace(family, x, target, p, max_steps, seed)
    rank = dims[-1]
    if reached:
        reason = ("the rank %s meets the bound D - N = %s given by %s conservation law%s independent at theta"
                  % (rank, target, N, "" if N == 1 else "s") if N else
                  "the rank %s equals D: there is no conservation law" % rank)
    elif stopped >= max_steps and (len(dims) == 1 or dims[-1] > dims[-2]):
        reason = ("the rank %s modulo p (random nested brackets) is only a lower bound: it had not stagnated "
                  "when max_steps = %s ran out, below the bound D - N = %s" % (rank, max_steps, target))
    else:
        reason = ("the rank %s modulo p (random nested brackets) is only a lower bound: it stagnated below "
                  "the bound D - N = %s" % (rank, target))
    return dict(D=family.D, dimensions=dims, stopped_at=stopped, number_of_laws=family.D - rank,
                known_laws=N, certified=reached, reason=reason, prime=p)
