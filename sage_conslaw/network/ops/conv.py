r"""
The op ``conv1d``: a 1-D convolution (``torch.nn.Conv1d``, ``groups = 1``,
zero padding); arguments ``x, W`` or ``x, W, b``; attributes ``stride``,
``padding``, ``dilation``.  Values are ``(channels, length)`` per sample.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('conv1d').shape([(2, 7), (3, 2, 3)], {'stride': 2}, 'n')
    (3, 3)
"""
import numpy as np

from sage_conslaw.network.ops import SKIP, Op, register_op


def _geometry(attrs):
    r"""
    ``(stride, padding, dilation)`` of the attributes.

    TESTS::

        sage: from sage_conslaw.network.ops.conv import _geometry
        sage: _geometry({'padding': 1})
        (1, 1, 1)
    """
    return int(attrs.get('stride', 1)), int(attrs.get('padding', 0)), int(attrs.get('dilation', 1))


def _window(T, K, s, p, d):
    r"""
    The index array ``(Tout, K)`` of the windows in the padded input.

    TESTS::

        sage: from sage_conslaw.network.ops.conv import _window
        sage: _window(3, 2, 1, 0, 1).tolist()
        [[0, 1], [1, 2]]
    """
    Tout = (T + 2 * p - d * (K - 1) - 1) // s + 1
    return np.arange(Tout)[:, None] * s + np.arange(K)[None, :] * d


@register_op
class Conv1d(Op):
    r"""
    The 1-D convolution (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('conv1d').contraction([(2, 7), (3, 2, 3), (3,)], {})
        7
    """
    name = 'conv1d'
    unit_axis = 0
    torch_modules = ('torch.nn.Conv1d',)

    def read_fx(self, fx, node, module):
        r"""
        ``nn.Conv1d`` with ``groups = 1`` and zero padding given as a number.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('conv1d'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(torch.nn.Sequential(torch.nn.Conv1d(2r, 2r, 3r, groups=2r)), input_shape=(2r, 4r))  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node _0 (call_module Conv1d): only groups = 1, zero padding given as a number is supported
            sage: del op.read_fx; seen  # optional - torch
            ['_0']
        """
        m = module
        if m.groups != 1 or m.padding_mode != 'zeros' or isinstance(m.padding, str):
            fx.fail("only groups = 1, zero padding given as a number is supported")
        return fx.op('conv1d', fx.module_arguments(node, m), stride=m.stride[0], padding=m.padding[0],
                     dilation=m.dilation[0])

    def fx_example(self, module):
        r"""
        The channels; the length is any that the forward pass accepts.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv1d').fx_example(torch.nn.Conv1d(3r, 2r, 2r))  # optional - torch
            (3, None)
        """
        return (module.in_channels, None)

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv1d').shape([(2, 1), (3, 2, 3)], {}, 'node c')
            Traceback (most recent call last):
            ...
            ValueError: node c: the convolution with kernel (3, 2, 3) cannot read an input of shape (2, 1)
        """
        x, W = shapes[0], shapes[1]
        s, p, d = _geometry(attrs)
        if len(x) != 2 or len(W) != 3 or x[0] != W[1] or x[1] + 2 * p - d * (W[2] - 1) - 1 < 0:
            raise ValueError("%s: the convolution with kernel %s cannot read an input of shape %s" % (where, W, x))
        return (W[0], (x[1] + 2 * p - d * (W[2] - 1) - 1) // s + 1)

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('conv1d').forward(Bk, [Bk.array([[[1, 2, 3]]]), Bk.array([[[1, 1]]])], {}, None).tolist()
            [[[3, 5]]]
        """
        x, W = args[0], args[1]
        s, p, d = _geometry(attrs)
        U = B.windows(B.pad(x, [(0, 0), (0, 0), (p, p)]), 2, W.shape[2], s, d)            # (B, C, Tout, K)
        y = B.permute(B.tensordot(W, U, ([1, 2], [1, 3])), (1, 0, 2))                   # (B, O, Tout)
        return B.add(y, B.reshape(args[2], (1, -1, 1))) if len(args) > 2 else y

    def patches(self, x, W_shape, attrs, zero):
        r"""
        Unit ``o`` at position ``t`` reads the window ``x[c, t s + k d - pad]`` (entries ``(c, k)``).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv1d').patches(np.arange(3).reshape(1, 1, 3), (1, 1, 2), {'padding': 1}, -1).tolist()
            [[[-1, 0], [0, 1], [1, 2], [2, -1]]]
        """
        s, p, d = _geometry(attrs)
        Bn, C, T = x.shape
        K = W_shape[2]
        xp = np.empty((Bn, C, T + 2 * p), dtype=x.dtype)
        xp[...] = zero
        xp[:, :, p:p + T] = x
        U = xp[:, :, _window(T, K, s, p, d)]                  # (B, C, Tout, K)
        return np.transpose(U, (0, 2, 1, 3)).reshape(Bn, U.shape[2], C * K)

    def scaling(self, S, args, attrs, node):
        r"""
        Each term `W[o, c, k]\, x[c, t s + k d - pad]` (and `b[o]`) has the weight of `y[o, t]`.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.zero((1, 3)); W = S.fresh((2, 1, 2))
            sage: get_op('conv1d').scaling(S, [x, W], {'padding': 1}, None).shape
            (2, 4)
        """
        x, W = args[0], args[1]
        s, p, d = _geometry(attrs)
        C, T = x.shape
        O, _, K = W.shape
        xp = np.full((C, T + 2 * p), SKIP, dtype=np.int64)
        xp[:, p:p + T] = x
        Tout = (T + 2 * p - d * (K - 1) - 1) // s + 1
        idx = np.arange(Tout)[:, None] * s + np.arange(K)[None, :] * d
        U = xp[:, idx]                                         # (C, Tout, K)
        out = S.fresh((O, Tout))
        S.term(out[:, None, :, None], W[:, :, None, :], U[None])
        if len(args) > 2:
            S.term(out, args[2][:, None])
        return out

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv1d').contraction([(2, 7), (3, 2, 3)], {})
            6
        """
        W = shapes[1]
        return W[1] * W[2] + (1 if len(shapes) > 2 else 0)
