r"""
The op ``conv2d``: a 2-D convolution (``torch.nn.Conv2d``, ``groups = 1``,
zero padding); arguments ``x, W`` or ``x, W, b``; attributes ``stride``,
``padding``, ``dilation`` (pairs: height, width).  Values are
``(channels, height, width)`` per sample.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('conv2d').shape([(2, 5, 6), (3, 2, 2, 3)], {'stride': (1, 2)}, 'n')
    (3, 4, 2)
"""
import numpy as np

from sage_conslaw.network.ops import SKIP, Op, register_op


def geometry2d(attrs):
    r"""
    ``((stride_h, stride_w), (padding_h, padding_w), (dilation_h, dilation_w))`` of the attributes
    (a number is the same for both axes).

    TESTS::

        sage: from sage_conslaw.network.ops.conv2d import geometry2d
        sage: geometry2d({'padding': 1, 'stride': (2, 1)})
        ((2, 1), (1, 1), (1, 1))
    """
    def pair(v):
        return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))
    return pair(attrs.get('stride', 1)), pair(attrs.get('padding', 0)), pair(attrs.get('dilation', 1))


def patch_indices(H, W, kh, kw, attrs):
    r"""
    The output size and the index arrays of the 2-D patches in the padded input:
    ``(Hout, Wout, rows, cols)``, ``rows`` of shape ``(Hout, kh)``, ``cols`` of shape ``(Wout, kw)``.

    TESTS::

        sage: from sage_conslaw.network.ops.conv2d import patch_indices
        sage: Ho, Wo, r, c = patch_indices(3, 3, 2, 2, {}); Ho, Wo, r.tolist()
        (2, 2, [[0, 1], [1, 2]])
    """
    (sh, sw), (ph, pw), (dh, dw) = geometry2d(attrs)
    Hout = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    Wout = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    rows = np.arange(Hout)[:, None] * sh + np.arange(kh)[None, :] * dh
    cols = np.arange(Wout)[:, None] * sw + np.arange(kw)[None, :] * dw
    return Hout, Wout, rows, cols


def patches2d(x, kh, kw, attrs, zero=0):
    r"""
    The patches of a batch ``x`` ``(B, C, H, W)`` (a numpy array, of objects or numbers):
    ``(B, C, Hout, Wout, kh, kw)``, the padding filled with ``zero``.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network.ops.conv2d import patches2d
        sage: patches2d(np.arange(9).reshape(1, 1, 3, 3), 2, 2, {}).shape
        (1, 1, 2, 2, 2, 2)
        sage: patches2d(np.arange(9).reshape(1, 1, 3, 3), 2, 2, {})[0, 0, 1, 1].tolist()
        [[4, 5], [7, 8]]
    """
    Bn, C, H, W = x.shape
    (_, _), (ph, pw), _ = geometry2d(attrs)
    xp = np.empty((Bn, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    xp[...] = zero
    xp[:, :, ph:ph + H, pw:pw + W] = x
    _, _, rows, cols = patch_indices(H, W, kh, kw, attrs)
    return xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]


@register_op
class Conv2d(Op):
    r"""
    The 2-D convolution (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('conv2d').contraction([(2, 7, 7), (3, 2, 3, 3), (3,)], {})
        19
    """
    name = 'conv2d'
    unit_axis = 0
    torch_modules = ('torch.nn.Conv2d',)

    def read_fx(self, fx, node, module):
        r"""
        ``nn.Conv2d`` with ``groups = 1`` and zero padding given as numbers.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('conv2d'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(torch.nn.Sequential(torch.nn.Conv2d(2r, 2r, 2r, groups=2r)), input_shape=(2r, 3r, 3r))  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node _0 (call_module Conv2d): only groups = 1, zero padding given as numbers is supported
            sage: del op.read_fx; seen  # optional - torch
            ['_0']
        """
        m = module
        if m.groups != 1 or m.padding_mode != 'zeros' or isinstance(m.padding, str):
            fx.fail("only groups = 1, zero padding given as numbers is supported")
        return fx.op('conv2d', fx.module_arguments(node, m), stride=tuple(m.stride), padding=tuple(m.padding),
                     dilation=tuple(m.dilation))

    def fx_example(self, module):
        r"""
        The channels; the height and width are any that the forward pass accepts.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv2d').fx_example(torch.nn.Conv2d(3r, 2r, 2r))  # optional - torch
            (3, None, None)
        """
        return (module.in_channels, None, None)

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv2d').shape([(2, 1, 4), (3, 2, 3, 3)], {}, 'node c')
            Traceback (most recent call last):
            ...
            ValueError: node c: the convolution with kernel (3, 2, 3, 3) cannot read an input of shape (2, 1, 4)
        """
        x, W = shapes[0], shapes[1]
        if len(x) != 3 or len(W) != 4 or x[0] != W[1]:
            raise ValueError("%s: the convolution with kernel %s cannot read an input of shape %s" % (where, W, x))
        Hout, Wout, _, _ = patch_indices(x[1], x[2], W[2], W[3], attrs)
        if Hout < 1 or Wout < 1:
            raise ValueError("%s: the convolution with kernel %s cannot read an input of shape %s" % (where, W, x))
        return (W[0], Hout, Wout)

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: x = Bk.array([[[[1, 2], [3, 4]]]]); W = Bk.array([[[[1, 1], [1, 1]]]])
            sage: get_op('conv2d').forward(Bk, [x, W], {'padding': 1}, None).tolist()
            [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]]
        """
        x, W = args[0], args[1]
        (sh, sw), (ph, pw), (dh, dw) = geometry2d(attrs)
        xp = B.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
        U = B.windows(B.windows(xp, 2, W.shape[2], sh, dh), 3, W.shape[3], sw, dw)   # (B, C, Hout, Wout, kh, kw)
        y = B.permute(B.tensordot(W, U, ([1, 2, 3], [1, 4, 5])), (1, 0, 2, 3))        # (B, O, Hout, Wout)
        return B.add(y, B.reshape(args[2], (1, -1, 1, 1))) if len(args) > 2 else y

    def patches(self, x, W_shape, attrs, zero):
        r"""
        The patches of each image, position by position (row major), in the
        order of the kernel's entries `(c, k, l)`.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv2d').patches(np.arange(6).reshape(1, 1, 2, 3), (1, 1, 2, 2), {}, 0).tolist()
            [[[0, 1, 3, 4], [1, 2, 4, 5]]]
        """
        Bn, C = x.shape[:2]
        kh, kw = W_shape[2:]
        U = patches2d(x, kh, kw, attrs, zero=zero)                  # (B, C, Hout, Wout, kh, kw)
        U = np.transpose(U, (0, 2, 3, 1, 4, 5))
        return U.reshape(Bn, U.shape[1] * U.shape[2], C * kh * kw)

    def scaling(self, S, args, attrs, node):
        r"""
        Each term `W[o, c, k, l]\, x[c, \dots]` (and `b[o]`) has the weight of `y[o, i, j]`.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.zero((1, 3, 3)); W = S.fresh((2, 1, 2, 2))
            sage: get_op('conv2d').scaling(S, [x, W], {'padding': 1}, None).shape
            (2, 4, 4)
        """
        x, W = args[0], args[1]
        O, _, kh, kw = W.shape
        U = patches2d(x[None], kh, kw, attrs, zero=SKIP)[0]          # (C, Hout, Wout, kh, kw)
        out = S.fresh((O,) + U.shape[1:3])
        S.term(out[:, None, :, :, None, None], W[:, :, None, None, :, :], U[None])
        if len(args) > 2:
            S.term(out, args[2][:, None, None])
        return out

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('conv2d').contraction([(2, 7, 7), (3, 2, 3, 3)], {})
            18
        """
        W = shapes[1]
        return W[1] * W[2] * W[3] + (1 if len(shapes) > 2 else 0)
