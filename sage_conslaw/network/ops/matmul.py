r"""
The ops ``matmul`` (`a b`, batched over the leading axes: ``torch.matmul``,
``@``) and ``mul`` (the entrywise product, broadcast: ``*`` of two values,
e.g. a gain times an activation).  Both are bilinear: each term has the sum of
the weights of its two factors.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('matmul').shape([(4, 3), (3, 2)], {}, 'n'), get_op('mul').shape([(4, 3), (3,)], {}, 'n')
    ((4, 2), (4, 3))
"""
import numpy as np

from sage_conslaw.network.ops import Op, register_op


@register_op
class MatMul(Op):
    r"""
    The matrix product of two values of at least two axes (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('matmul').contraction([(4, 3), (3, 2)], {})
        3
    """
    name = 'matmul'
    torch_functions = ('torch.matmul', 'operator.matmul')
    torch_methods = ('matmul',)

    def read_fx(self, fx, node, module):
        r"""
        ``a @ b``, ``torch.matmul(a, b)``.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class M(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.W = torch.nn.Parameter(torch.ones(3r, 2r))
            ....:     def forward(self, x):
            ....:         return x @ self.W
            sage: from sage_conslaw.network.ops import get_op
            sage: op, seen = get_op('matmul'), []
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(M(), input_shape=(3r,)).nodes[-1r].op  # optional - torch
            'matmul'
            sage: del op.read_fx; seen  # optional - torch
            ['matmul']
        """
        return fx.op('matmul', [fx.arg(node.args[0]), fx.arg(node.args[1])])

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('matmul').shape([(4,), (4, 2)], {}, 'node m')
            Traceback (most recent call last):
            ...
            ValueError: node m: matmul needs two values of at least 2 axes with matching inner sizes, got (4,) and (4, 2)
        """
        a, b = shapes
        if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
            raise ValueError("%s: matmul needs two values of at least 2 axes with matching inner sizes, got %s and %s"
                             % (where, a, b))
        lead = np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))
        return tuple(lead) + (a[-2], b[-1])

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('matmul').forward(Bk, [Bk.array([[[1, 2]]]), Bk.array([[3], [4]])], {}, None).tolist()
            [[[11]]]
        """
        return B.matmul(args[0], args[1])

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); a = S.fresh((2, 3)); b = S.fresh((3, 1))
            sage: get_op('matmul').scaling(S, [a, b], {}, None).shape, len(S.equations)
            ((2, 1), 6)
        """
        a, b = args
        out = S.fresh(self.shape([a.shape, b.shape], attrs, ""))
        S.term(out[..., :, None, :], a[..., :, :, None], b[..., None, :, :])
        return out

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('matmul').contraction([(1, 5), (5, 1)], {})
            5
        """
        return shapes[0][-1]


@register_op
class Mul(Op):
    r"""
    The entrywise product of two values, broadcast (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.backends import ObjectBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: Bk = ObjectBackend('exact')
        sage: get_op('mul').forward(Bk, [Bk.array([[1, 2]]), Bk.array([3, 4])], {}, None).tolist()
        [[3, 8]]
    """
    name = 'mul'
    torch_functions = ('operator.mul', 'operator.imul', 'torch.mul')
    torch_methods = ('mul', '__mul__', '__rmul__')

    def read_fx(self, fx, node, module):
        r"""
        ``a * b``; a number factor makes a ``scale``.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class M(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.a = torch.nn.Linear(2r, 2r)
            ....:     def forward(self, x):
            ....:         h = self.a(x)
            ....:         return 3r * h * h
            sage: from sage_conslaw.network.ops import get_op
            sage: op, seen = get_op('mul'), []
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: [n.op for n in network_from_module(M()).nodes if n.role == 'op']  # optional - torch
            ['linear', 'scale', 'mul']
            sage: del op.read_fx; seen  # optional - torch
            ['mul', 'mul_1']
        """
        a, b = node.args[0], node.args[1]
        ca, cb = fx.number(a), fx.number(b)
        if ca is not None or cb is not None:
            return fx.op('scale', [fx.arg(b if ca is not None else a)], c=ca if ca is not None else cb)
        return fx.op('mul', [fx.arg(a), fx.arg(b)])

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('mul').shape([(2,), (3,)], {}, 'node m')
            Traceback (most recent call last):
            ...
            ValueError: node m: cannot broadcast the shapes (2,) and (3,)
        """
        try:
            return tuple(np.broadcast_shapes(tuple(shapes[0]), tuple(shapes[1])))
        except ValueError:
            raise ValueError("%s: cannot broadcast the shapes %s and %s" % (where, shapes[0], shapes[1]))

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('mul').forward(Bk, [Bk.array([2]), Bk.array([5])], {}, None).tolist()
            [10]
        """
        return B.mul(args[0], args[1])

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); a = S.fresh((2,)); b = S.fresh((2,))
            sage: get_op('mul').scaling(S, [a, b], {}, None).shape
            (2,)
        """
        a, b = args
        out = S.fresh(self.shape([a.shape, b.shape], attrs, ""))
        S.term(out, a, b)
        return out
