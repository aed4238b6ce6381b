r"""
The op ``linear``: `y = x W^\top + b` on the last axis (``torch.nn.Linear``,
``F.linear``); arguments ``x, W`` or ``x, W, b``.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('linear').shape([(5, 3), (2, 3), (2,)], {}, 'n')
    (5, 2)
"""
from sage_conslaw.network.ops import Op, register_op


@register_op
class Linear(Op):
    r"""
    A linear map with optional bias (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('linear').kind
        'polynomial'
    """
    name = 'linear'
    unit_axis = -1
    torch_modules = ('torch.nn.Linear',)
    torch_functions = ('torch.nn.functional.linear',)

    def read_fx(self, fx, node, module):
        r"""
        ``nn.Linear`` (its weight and bias are parameters) or ``F.linear(x, W, b)``.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('linear'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(torch.nn.Linear(3r, 2r, bias=False)).D  # optional - torch
            6
            sage: del op.read_fx; seen  # optional - torch
            ['linear']
        """
        if module is None:
            bias = node.kwargs.get('bias')
            return fx.op('linear', [fx.arg(x) for x in node.args[:3] if x is not None]
                         + ([fx.arg(bias)] if bias is not None else []))
        return fx.op('linear', fx.module_arguments(node, module))

    def fx_example(self, module):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('linear').fx_example(torch.nn.Linear(3r, 2r))  # optional - torch
            (3,)
        """
        return (module.in_features,)

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('linear').shape([(3,), (2, 4)], {}, 'node L')
            Traceback (most recent call last):
            ...
            ValueError: node L: the linear map expects 4 input features, got shape (3,)
        """
        x, W = shapes[0], shapes[1]
        if len(W) != 2 or not x or x[-1] != W[1]:
            raise ValueError("%s: the linear map expects %s input features, got shape %s" % (where, W[-1], x))
        return tuple(x[:-1]) + (W[0],)

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('linear').forward(Bk, [Bk.array([[1, 2]]), Bk.array([[1, 1]]), Bk.array([5])], {}, None).tolist()
            [[8]]
        """
        y = B.matmul(args[0], B.transpose(args[1]))
        return B.add(y, args[2]) if len(args) > 2 else y

    def patches(self, x, W_shape, attrs, zero):
        r"""
        Each unit reads the last axis of ``x``; the other axes are the positions.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('linear').patches(np.arange(4).reshape(2, 2), (3, 2), {}, 0).shape
            (2, 1, 2)
        """
        return x.reshape(x.shape[0], -1, x.shape[-1])

    def scaling(self, S, args, attrs, node):
        r"""
        Each term `W_{ij} x_j` (and `b_i`) has the weight of `y_i`.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.zero((2,)); W = S.fresh((3, 2))
            sage: get_op('linear').scaling(S, [x, W], {}, None).shape, len(S.equations)
            ((3,), 6)
        """
        x, W = args[0], args[1]
        out = S.fresh(tuple(x.shape[:-1]) + (W.shape[0],))
        S.term(out[..., :, None], W, x[..., None, :])
        if len(args) > 2:
            S.term(out, args[2])
        return out

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('linear').contraction([(4,), (2, 4)], {})
            4
        """
        return shapes[1][1] + (1 if len(shapes) > 2 else 0)
