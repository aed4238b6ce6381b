# sage.doctest: optional - torch
r"""
Backends: one forward pass of a :class:`~sage_conslaw.network.graph.Network`,
written once by its ops, evaluated in four arithmetics.

- :class:`ObjectBackend` ``('exact')`` -- exact rationals (numpy object
  arrays of Sage rationals): the values at integer or rational `\theta` and
  inputs, and the **regions**: every ReLU records its 0/1 mask, and a sample
  whose pre-activation is exactly `0` (a kink) is marked;
- :class:`ObjectBackend` ``('symbolic')`` -- Sage polynomials in `\theta`,
  the inputs and one formal 0/1 symbol per ReLU unit and per Dropout entry:
  the network is then a polynomial whose coefficients (in the inputs and the
  symbols) are the components of `\phi`;
- :class:`TorchBackend` -- PyTorch float64 tensors with autograd: plain
  numerics, or (``p`` given) residues modulo `p`, every op output and every
  backward gradient reduced by a small ``autograd.Function`` (no hand-written
  backward), ReLU replaced by the exact mask of its region.

Every value carries a leading batch axis.  :func:`evaluate` runs the graph.

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.backends import ObjectBackend, evaluate
    sage: net = Network.sequential(2, [('linear', 2), 'relu', ('linear', 1, False)])
    sage: B = ObjectBackend('exact')
    sage: vals = evaluate(net, B, [1, -1, 2, 3, 0, 1, 1, 1], [[1, 1]])
    sage: vals[net.outputs[0]].tolist(), B.masks[net.ops()[1].index].tolist()
    ([[6]], [[False, True]])
"""
import itertools

import numpy as np

from sage.rings.rational_field import QQ

from sage_conslaw.core.modular import reduce_rational
from sage_conslaw.network.ops import exact_number as _qq, get_op


def _mod_tensor(x, p):
    r"""
    Exact residues in `[0, p)` of a float64 tensor of integers below `2^{53}`.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import _mod_tensor
        sage: _mod_tensor(torch.tensor([-1r, 7r, 2r**52r + 2r], dtype=torch.float64), 7r).tolist()  # optional - torch
        [6.0, 0.0, 4.0]
    """
    import torch
    r = torch.fmod(x, float(int(p)))                  # exact for doubles (IEEE fmod), the sign of x
    return torch.where(r < 0, r + int(p), r)


def _balanced_mod_tensor(x, p):
    r"""
    Balanced residues in `[-(p - 1)/2, (p - 1)/2]` of a float64 tensor of
    integers of absolute value at most `2^{50}`, for an odd prime `p < 2^{26}`:
    `x - p \operatorname{round}(x \cdot \mathrm{fl}(1/p))`, three vectorized
    passes (about 8 times faster than :func:`_mod_tensor`'s ``fmod``).

    Exact: `x/p` lies at least `1/(2p)` from a half-integer (`2x - (2k + 1)p`
    is odd), and the computed `x \cdot \mathrm{fl}(1/p)` is within `2^{-51}
    |x|/p \le 2^{-1}/p` of `x/p` (two roundings of relative error `2^{-53}`
    each), so the rounding is the nearest integer `q` to `x/p`; `qp` and `x -
    qp` are integers below `2^{53}`, computed exactly.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import _balanced_mod_tensor
        sage: _balanced_mod_tensor(torch.tensor([-1r, 7r, 4r, 2r**50r + 2r, -2r**50r], dtype=torch.float64), 7r).tolist()  # optional - torch
        [-1.0, 0.0, -3.0, -1.0, 3.0]
        sage: p = 131071r; x = torch.randint(-2r**50r, 2r**50r, (10r**5r,), dtype=torch.int64)  # optional - torch
        sage: r = _balanced_mod_tensor(x.double(), p)  # optional - torch
        sage: bool(((x - r.long()) % p == 0r).all()), float(r.abs().max()) <= (p - 1r) // 2r  # optional - torch
        (True, True)
    """
    import torch
    q = torch.mul(x, 1.0 / int(p))
    q.round_()
    return torch.add(x, q, alpha=-float(int(p)), out=q)


def _float32_residues(x, p):
    r"""
    Residues in `[0, p)` as float32 (exact below `2^{24}`) of a float64 tensor of integers of
    absolute value at most `2^{50}`, for a prime `p < 2^{24}`: `x - p \lfloor x \cdot \mathrm{fl}(1/p)
    \rfloor`, then `p \mapsto 0` (three passes, about half the time of :func:`_mod_tensor`).

    Exact: the computed `x \cdot \mathrm{fl}(1/p)` is within `2^{-1}/p` of `x/p` (as in
    :func:`_balanced_mod_tensor`); when `x \equiv j \ne 0`, `x/p` is at least `1/p` from every
    integer, so the floor is exact; when `x \equiv 0` the floor is `x/p` or one less, leaving `0` or
    `p`, and `p` is set to `0`.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import _float32_residues
        sage: _float32_residues(torch.tensor([-1r, 7r, -14r, 2r**50r + 2r, -2r**50r], dtype=torch.float64), 7r).tolist()  # optional - torch
        [6.0, 0.0, 0.0, 6.0, 3.0]
        sage: p = 251r; x = torch.randint(-2r**42r, 2r**42r, (10r**5r,), dtype=torch.int64) * p  # optional - torch
        sage: r = _float32_residues(x.double(), p); r.dtype, float(r.abs().max())  # optional - torch
        (torch.float32, 0.0)
    """
    import torch
    q = torch.mul(x, 1.0 / int(p))
    q.floor_()
    r = torch.add(x, q, alpha=-float(int(p)), out=q)
    r.masked_fill_(r == int(p), 0)
    return r.to(torch.float32)


def _modp_function(reduce=None):
    r"""
    The ``torch.autograd.Function`` reducing values and gradients modulo `p`
    (built on first use: PyTorch is optional) by ``reduce(x, p)``
    (default :func:`_mod_tensor`: residues in `[0, p)`), one class per
    ``reduce``.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import _modp_function, _balanced_mod_tensor
        sage: F = _modp_function(); x = torch.tensor([9r], dtype=torch.float64, requires_grad=True)  # optional - torch
        sage: y = F.apply(x * int(3r), 7r); y.backward(torch.tensor([10r], dtype=torch.float64)); y.item(), x.grad.item()  # optional - torch
        (6.0, 9.0)
        sage: G = _modp_function(_balanced_mod_tensor)  # optional - torch
        sage: G.apply(torch.tensor([10.0r], dtype=torch.float64), 7r).tolist(), _modp_function(_balanced_mod_tensor) is G  # optional - torch
        ([3.0], True)
        sage: _modp_function() is F, G is F  # optional - torch
        (True, False)
    """
    reduce = reduce or _mod_tensor
    if reduce in _MODP:
        return _MODP[reduce]
    import torch

    class ModP(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, p):
            ctx.p = p
            return reduce(x, p)

        @staticmethod
        def backward(ctx, g):
            return ModP.apply(g, ctx.p), None
    _MODP[reduce] = ModP
    return ModP


#: The autograd functions of :func:`_modp_function`, one per reduction.
_MODP = {}


def _scalar(c):
    r"""
    A 0-dimensional object array holding ``c`` (numpy turns a bare Sage number
    into a float when it multiplies an object array).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network.backends import _scalar
        sage: _scalar(1/4) * np.array([2], dtype=object)
        array([1/2], dtype=object)
    """
    a = np.empty((), dtype=object)
    a[()] = c
    return a


class ObjectBackend:
    r"""
    Exact rationals (``mode='exact'``) or Sage polynomials (``mode='symbolic'``)
    in numpy object arrays (see the module documentation).

    INPUT:

    - ``mode`` -- ``'exact'`` or ``'symbolic'``
    - ``dropout_masks`` -- (exact mode) a dict: op node index -> 0/1 array of the
      batch shape (default: every entry kept)
    - ``symbols`` -- (symbolic mode) a function ``(node, kind, shape)`` returning
      an object array of 0/1 symbols

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network.backends import ObjectBackend
        sage: from sage_conslaw.network.graph import Node
        sage: ObjectBackend('exact').relu(np.array([[1, -2]], dtype=object), Node(0, 'op', 'r')).tolist()
        [[1, 0]]
        sage: ObjectBackend('other')
        Traceback (most recent call last):
        ...
        ValueError: mode must be 'exact' or 'symbolic', got 'other'
    """

    def __init__(self, mode, dropout_masks=None, symbols=None):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: ObjectBackend('symbolic').mode
            'symbolic'
        """
        if mode not in ('exact', 'symbolic'):
            raise ValueError("mode must be 'exact' or 'symbolic', got %r" % (mode,))
        self.mode = mode
        self.dropout_masks = dropout_masks or {}
        self.symbols = symbols
        self.masks = {}
        self.kinks = None

    def array(self, values):
        r"""
        An object array of exact values.

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: ObjectBackend('exact').array([0.5, 2]).tolist()
            [1/2, 2]
        """
        a = np.asarray(values, dtype=object)
        if self.mode == 'symbolic':
            return a
        return np.vectorize(_qq, otypes=[object])(a) if a.size else a

    def constant(self, c):
        r"""
        A scalar constant (exact).

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: ObjectBackend('exact').constant(0.25)
            array(1/4, dtype=object)
        """
        return _scalar(_qq(c))

    def matmul(self, a, b):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.matmul(B.array([[1, 2]]), B.array([[3], [4]])).tolist()
            [[11]]
        """
        return np.matmul(a, b)

    def transpose(self, W):
        r"""
        The transpose of a matrix.

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.transpose(B.array([[1, 2]])).shape
            (2, 1)
        """
        return W.T

    def add(self, a, b):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.add(B.array([1]), 2).tolist()
            [3]
        """
        return a + b

    def mul(self, a, b):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.mul(B.array([3]), 2).tolist()
            [6]
        """
        return a * b

    def cat(self, values, axis):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.cat([B.array([[1, 2]])] * 2, 1).shape
            (1, 4)
        """
        return np.concatenate(values, axis=axis)

    def reshape(self, x, shape):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.reshape(B.array([[0] * 6] * 2), (2, 3, 2)).shape
            (2, 3, 2)
        """
        return x.reshape(shape)

    def permute(self, x, perm):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.permute(B.array([[[0] * 3] * 2]), (0, 2, 1)).shape
            (1, 3, 2)
        """
        return np.transpose(x, perm)

    def pad(self, x, widths):
        r"""
        ``x`` with zeros around it: ``widths`` a pair ``(before, after)`` per axis.

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.pad(B.array([[1, 2]]), [(0, 0), (1, 0)]).tolist()
            [[0, 1, 2]]
        """
        out = np.empty(tuple(n + a + b for n, (a, b) in zip(x.shape, widths)), dtype=object)
        out[...] = 0
        out[tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, widths))] = x
        return out

    def windows(self, x, axis, size, stride=1, dilation=1):
        r"""
        The sliding windows of ``x`` along ``axis``: that axis becomes the
        window's position (every ``stride``-th one), and a last axis of length
        ``size`` holds the window (entries ``dilation`` apart), as
        ``torch.Tensor.unfold`` does.  A read-only view, nothing is copied.

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); x = B.array([[1, 2, 3, 4, 5]])
            sage: B.windows(x, 1, 2).tolist()
            [[[1, 2], [2, 3], [3, 4], [4, 5]]]
            sage: B.windows(x, 1, 2, stride=2, dilation=2).tolist()
            [[[1, 3], [3, 5]]]
        """
        span = dilation * (size - 1) + 1
        view = np.lib.stride_tricks.sliding_window_view(x, span, axis=axis)[..., ::dilation]
        return view[(slice(None),) * axis + (slice(None, None, stride),)]

    def tensordot(self, a, b, axes):
        r"""
        The contraction of ``a`` and ``b`` over ``axes`` (two lists of axes).

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: B = ObjectBackend('exact'); B.tensordot(B.array([[1, 2]]), B.array([[3], [4]]), ([1], [0])).tolist()
            [[11]]
        """
        return np.tensordot(a, b, axes=axes)

    def relu(self, z, node, slope=0):
        r"""
        The ReLU (or leaky ReLU of that ``slope``): exact mode records the mask
        and the samples with a pre-activation exactly `0`; symbolic mode
        multiplies by the node's symbols.

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.graph import Node
            sage: B = ObjectBackend('exact'); n = Node(4, 'op', 'r', op='relu')
            sage: B.relu(B.array([[0, 3], [1, -1]]), n).tolist(), B.kinks.tolist()
            ([[0, 3], [1, 0]], [True, False])
        """
        if self.mode == 'symbolic':
            eps = self.symbols(node, 'relu', z.shape[1:], z=z[0])[None]
            return z * eps if not slope else z * (_scalar(_qq(slope)) + _scalar(1 - _qq(slope)) * eps)
        pos = np.vectorize(lambda t: t > 0, otypes=[bool])(z) if z.size else np.zeros(z.shape, bool)
        zero = np.vectorize(lambda t: t == 0, otypes=[bool])(z) if z.size else np.zeros(z.shape, bool)
        self.masks[node.index] = pos
        k = zero.reshape(z.shape[0], -1).any(axis=1)
        self.kinks = k if self.kinks is None else (self.kinks | k)
        factor = np.empty(pos.shape, dtype=object)
        factor.fill(_qq(slope))
        factor[pos] = 1
        return z * factor

    def analytic(self, op, z, attrs, node):
        r"""
        An analytic op (kind ``'analytic'``) has no exact rational value: a ``ValueError``.

        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: ObjectBackend('symbolic').analytic(get_op('tanh'), None, {}, None)
            Traceback (most recent call last):
            ...
            ValueError: the network is analytic (tanh): it has no polynomial value
        """
        where = node.where() if node is not None else "the network"
        raise ValueError("%s is analytic (%s): it has no %s" % (
            where, op.name, "exact rational value" if self.mode == 'exact' else "polynomial value"))

    def dropout(self, z, p, node):
        r"""
        Dropout in training mode: kept entries scaled by `1/(1-p)`; exact mode
        reads the masks given (default: all kept), symbolic mode uses 0/1 symbols.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.graph import Node
            sage: n = Node(2, 'op', 'd', op='dropout')
            sage: B = ObjectBackend('exact', dropout_masks={2: np.array([[1, 0]])})
            sage: B.dropout(B.array([[3, 5]]), 1/2, n).tolist()
            [[6, 0]]
        """
        p = _qq(p)
        if p == 0:
            return z
        if p == 1:
            return z * 0
        c = 1 / (1 - p)
        if self.mode == 'symbolic':
            return z * (_scalar(c) * self.symbols(node, 'dropout', z.shape[1:])[None])
        m = self.dropout_masks.get(node.index)
        f = np.empty(z.shape if m is None else np.shape(m), dtype=object)
        f.fill(c)
        if m is not None:
            f[np.asarray(m) == 0] = 0
        return z * f


class TorchBackend:
    r"""
    PyTorch float64 tensors with autograd, optionally modulo a prime ``p``
    (see the module documentation).

    INPUT:

    - ``p`` -- ``None`` (floats) or a prime: residues modulo ``p``
    - ``relu_masks`` -- a dict: op node index -> 0/1 array of the batch shape
      (required modulo `p`; floats: the ReLU itself when not given)
    - ``dropout_masks`` -- a dict: op node index -> 0/1 array (default: Dropout
      is the identity, as in evaluation mode)

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import TorchBackend
        sage: B = TorchBackend(p=7)  # optional - torch
        sage: B.reduce(B.mul(torch.tensor([5.0r], dtype=torch.float64), 3r)).tolist()  # optional - torch
        [1.0]
    """

    def __init__(self, p=None, relu_masks=None, dropout_masks=None):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().p is None  # optional - torch
            True
        """
        import torch
        self.torch = torch
        self.p = None if p is None else int(p)
        self.relu_masks = relu_masks
        self.dropout_masks = dropout_masks or {}
        self._F = _modp_function() if p is not None else None
        self._cache = {}

    def reduce(self, t):
        r"""
        Residues modulo `p` (values and, through autograd, gradients); the identity without `p`.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().reduce(torch.tensor([9.0r])).tolist()  # optional - torch
            [9.0]
        """
        return t if self.p is None else self._F.apply(t, self.p)

    def tensor(self, values):
        r"""
        A float64 tensor of the given exact values (residues modulo `p` if ``p``).

        TESTS::

            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend(p=7).tensor([1/2, -1]).tolist()  # optional - torch
            [4.0, 6.0]
        """
        raw = np.asarray(values)
        if raw.dtype.kind in 'iu':                      # integers: residues at once
            r = np.mod(raw.astype(np.int64), self.p) if self.p is not None else raw
            return self.torch.tensor(r.astype(float), dtype=self.torch.float64)
        a = np.asarray(values, dtype=object)
        if self.p is None:
            f = np.vectorize(float, otypes=[float])(a) if a.size else np.zeros(a.shape)
        else:
            f = np.vectorize(lambda c: float(reduce_rational(_qq(c), self.p)), otypes=[float])(a) if a.size \
                else np.zeros(a.shape)
        return self.torch.tensor(f, dtype=self.torch.float64)

    def constant(self, c):
        r"""
        A scalar constant (a residue modulo `p` if ``p``).

        TESTS::

            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend(p=7).constant(1/2)  # optional - torch
            4.0
        """
        if self.p is None:
            return float(c)
        return float(reduce_rational(_qq(c), self.p))

    def matmul(self, a, b):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().matmul(torch.ones(1r, 2r, dtype=torch.float64), torch.ones(2r, 1r, dtype=torch.float64)).item()  # optional - torch
            2.0
        """
        return self.torch.matmul(a, b)

    def transpose(self, W):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().transpose(torch.zeros(2r, 3r)).shape  # optional - torch
            torch.Size([3, 2])
        """
        return W.transpose(-1, -2)

    def add(self, a, b):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().add(torch.ones(1r), 1r).item()  # optional - torch
            2.0
        """
        return a + b

    def mul(self, a, b):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().mul(torch.ones(1r), 3r).item()  # optional - torch
            3.0
        """
        return a * b

    def cat(self, values, axis):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().cat([torch.ones(1r, 2r)] * 2r, 1r).shape  # optional - torch
            torch.Size([1, 4])
        """
        return self.torch.cat(values, dim=axis)

    def reshape(self, x, shape):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().reshape(torch.zeros(2r, 6r), (2r, 3r, 2r)).shape  # optional - torch
            torch.Size([2, 3, 2])
        """
        return x.reshape(shape)

    def permute(self, x, perm):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().permute(torch.zeros(1r, 2r, 3r), (0r, 2r, 1r)).shape  # optional - torch
            torch.Size([1, 3, 2])
        """
        return x.permute(*perm)

    def pad(self, x, widths):
        r"""
        ``x`` with zeros around it: ``widths`` a pair ``(before, after)`` per axis.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().pad(torch.ones(1r, 2r), [(0r, 0r), (1r, 0r)]).tolist()  # optional - torch
            [[0.0, 1.0, 1.0]]
        """
        flat = []
        for a, b in reversed(list(widths)):
            flat += [int(a), int(b)]
        return self.torch.nn.functional.pad(x, flat)

    def windows(self, x, axis, size, stride=1, dilation=1):
        r"""
        The sliding windows of ``x`` along ``axis``: that axis becomes the
        window's position (every ``stride``-th one), and a last axis of length
        ``size`` holds the window (entries ``dilation`` apart):
        ``torch.Tensor.unfold``, a view (autograd flows through it).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: x = torch.tensor([[1.r, 2.r, 3.r, 4.r, 5.r]])  # optional - torch
            sage: TorchBackend().windows(x, 1r, 2r).tolist()  # optional - torch
            [[[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]]]
            sage: TorchBackend().windows(x, 1r, 2r, stride=2r, dilation=2r).tolist()  # optional - torch
            [[[1.0, 3.0], [3.0, 5.0]]]
        """
        span = dilation * (size - 1) + 1
        return x.unfold(axis, span, stride)[..., ::dilation]

    def tensordot(self, a, b, axes):
        r"""
        The contraction of ``a`` and ``b`` over ``axes`` (two lists of axes).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: TorchBackend().tensordot(torch.ones(1r, 2r), torch.ones(2r, 1r), ([1r], [0r])).tolist()  # optional - torch
            [[2.0]]
        """
        return self.torch.tensordot(a, b, dims=(list(axes[0]), list(axes[1])))

    def relu(self, z, node, slope=0):
        r"""
        The ReLU: the exact mask of the node's region when given, else the ReLU itself.

        TESTS::

            sage: import numpy as np
            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.graph import Node
            sage: n = Node(3, 'op', 'r', op='relu')
            sage: TorchBackend(p=7r, relu_masks={3r: np.array([[True, False]])}).relu(torch.tensor([[6.r, 6.r]], dtype=torch.float64), n).tolist()  # optional - torch
            [[6.0, 0.0]]
            sage: TorchBackend().relu(torch.tensor([-1.r, 2.r]), n, slope=0.5r).tolist()  # optional - torch
            [-0.5, 2.0]
        """
        if self.relu_masks is not None:
            key = ('relu', node.index)
            if key not in self._cache:
                m = self.relu_masks[node.index]
                if slope:
                    f = np.empty(np.shape(m), dtype=object)
                    f.fill(_qq(slope))
                    f[np.asarray(m, dtype=bool)] = 1
                    self._cache[key] = self.tensor(f)
                else:
                    self._cache[key] = self.torch.tensor(np.asarray(m, dtype=float), dtype=self.torch.float64)
            return z * self._cache[key]
        if self.p is not None:
            raise ValueError("modulo p, %s needs the exact mask of its region" % node.where())
        return self.torch.nn.functional.leaky_relu(z, float(slope)) if slope else self.torch.relu(z)

    def analytic(self, op, z, attrs, node):
        r"""
        An analytic op in float64 (its ``torch_value``, differentiated by
        autograd); modulo `p` it has no value: a ``ValueError``.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: TorchBackend().analytic(get_op('tanh'), torch.zeros(1r), {}, None).tolist()  # optional - torch
            [0.0]
            sage: TorchBackend(p=7).analytic(get_op('tanh'), torch.zeros(1r), {}, None)  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: the network is analytic (tanh): it has no value modulo p
        """
        if self.p is not None:
            raise ValueError("%s is analytic (%s): it has no value modulo p"
                             % (node.where() if node is not None else "the network", op.name))
        return op.torch_value(self.torch, z, attrs)

    def dropout(self, z, p, node):
        r"""
        Dropout: with a mask given, training mode (kept entries scaled by
        `1/(1-p)`); without, the identity (evaluation mode).

        TESTS::

            sage: import numpy as np
            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.graph import Node
            sage: n = Node(1, 'op', 'd', op='dropout')
            sage: TorchBackend(dropout_masks={1r: np.array([[1r, 0r]])}).dropout(torch.tensor([[2.r, 2.r]], dtype=torch.float64), 0.5r, n).tolist()  # optional - torch
            [[4.0, 0.0]]
        """
        m = self.dropout_masks.get(node.index)
        p = _qq(p)
        if m is None or p == 0:
            return z
        if p == 1:
            return z * 0
        key = ('dropout', node.index)
        if key not in self._cache:
            c = self.constant(1 / (1 - p))
            self._cache[key] = self.torch.tensor(np.asarray(m, dtype=float) * c, dtype=self.torch.float64)
        return z * self._cache[key]


def parameter_values(net, B, theta):
    r"""
    The values of the parameter and constant nodes, in backend ``B``, at
    ``theta`` (a vector of `D` numbers in the network's layout, or, for the
    torch backend, a float64 tensor of length `D` with autograd).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.backends import ObjectBackend, parameter_values
        sage: net = Network.sequential(1, [('linear', 2)])
        sage: parameter_values(net, ObjectBackend('exact'), [1, 2, 3, 4])[1].tolist()
        [[1], [2]]
    """
    layout = net.layout()
    pos = {}
    for k, (_, pname, idx) in enumerate(layout):
        pos[(pname, idx)] = k
    values = {}
    is_torch = isinstance(B, TorchBackend)
    for n in net.nodes:
        if n.role == 'parameter' and n.trainable:
            order = [pos[(n.name, idx)] for idx in itertools.product(*[range(s) for s in n.shape])]
            if is_torch:
                t = theta if B.torch.is_tensor(theta) else B.tensor(list(theta))
                values[n.index] = t[B.torch.tensor(order, dtype=B.torch.long)].reshape(n.shape)
            else:
                values[n.index] = B.array([theta[k] for k in order]).reshape(n.shape)
        elif n.role in ('parameter', 'constant'):
            values[n.index] = B.tensor(n.value) if is_torch else B.array(n.value)
    return values


def evaluate(net, B, theta, inputs, params=None):
    r"""
    Run the graph: return the list of node values (batch axis first).

    INPUT:

    - ``net`` -- a :class:`~sage_conslaw.network.graph.Network`
    - ``B`` -- a backend
    - ``theta`` -- `D` values (or a tensor, torch backend)
    - ``inputs`` -- one array per network input, batch axis first (a single
      array for a single input)
    - ``params`` -- precomputed :func:`parameter_values` (optional)

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.backends import TorchBackend, evaluate
        sage: net = Network.sequential(2, [('linear', 1)])
        sage: evaluate(net, TorchBackend(), [1r, 2r, 3r], torch.tensor([[1.r, 1.r]], dtype=torch.float64))[-1r].tolist()  # optional - torch
        [[6.0]]
        sage: evaluate(net, TorchBackend(), [1, 2, 3], [])  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: the network has 1 input, got 0 arrays
    """
    ins = net.inputs()
    if len(ins) == 1 and not isinstance(inputs, (list, tuple)) or (
            len(ins) == 1 and isinstance(inputs, (list, tuple)) and len(inputs) and not hasattr(inputs[0], 'shape')
            and isinstance(inputs[0], (list, tuple))):
        inputs = [inputs]
    if len(inputs) != len(ins):
        raise ValueError("the network has %s input%s, got %s arrays" % (len(ins), "" if len(ins) == 1 else "s",
                                                                         len(inputs)))
    values = [None] * len(net.nodes)
    params = parameter_values(net, B, theta) if params is None else params
    for n, v in zip(ins, inputs):
        if isinstance(B, TorchBackend):
            v = v if B.torch.is_tensor(v) else B.tensor(v)
            values[n.index] = B.reduce(v) if B.p is not None else v
        else:
            values[n.index] = v if isinstance(v, np.ndarray) and v.dtype == object else B.array(v)
    for k, v in params.items():
        values[k] = B.reduce(v) if isinstance(B, TorchBackend) and B.p is not None else v
    for n in net.nodes:
        if n.role != 'op':
            continue
        out = get_op(n.op, n.where()).forward(B, [values[a] for a in n.args], n.attrs, n)
        if isinstance(B, TorchBackend) and B.p is not None:
            out = B.reduce(out)
        values[n.index] = out
    return values
