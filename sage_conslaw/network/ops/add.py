r"""
The op ``add``: the sum of two values, broadcast (residual connections,
``+``, ``torch.add``; a constant argument is a buffer).  Both terms must have
the weight of the sum.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('add').shape([(3, 4), (4,)], {}, 'n')
    (3, 4)
"""
import numpy as np

from sage_conslaw.network.ops import Op, register_op


@register_op
class Add(Op):
    r"""
    `a + b` (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.backends import ObjectBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: Bk = ObjectBackend('exact')
        sage: get_op('add').forward(Bk, [Bk.array([[1, 2]]), Bk.array([3, 4])], {}, None).tolist()
        [[4, 6]]
    """
    name = 'add'
    torch_functions = ('operator.add', 'operator.iadd', 'torch.add', 'operator.sub', 'operator.isub', 'torch.sub')
    torch_methods = ('add', 'add_', '__add__', '__radd__', 'sub', '__sub__')

    def read_fx(self, fx, node, module):
        r"""
        ``a + b`` and ``a - b`` (``-b`` is a ``scale`` by `-1`); a number term
        is a constant (none when it is `0`).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class S(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.a = torch.nn.Linear(2r, 2r)
            ....:     def forward(self, x):
            ....:         return 1r - self.a(x) + 0r
            sage: from sage_conslaw.network.ops import get_op
            sage: op, seen = get_op('add'), []
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: [n.op for n in network_from_module(S()).nodes if n.role == 'op']  # optional - torch
            ['linear', 'scale', 'add']
            sage: del op.read_fx; seen  # optional - torch
            ['sub', 'add']
        """
        a, b = node.args[0], node.args[1]
        ca, cb = fx.number(a), fx.number(b)
        if fx.called() in ('sub', 'isub', '__sub__'):
            if cb is not None:
                return self._sum(fx, a, -cb, None, cb)
            neg = fx.op('scale', [fx.arg(b)], c=-1, name=node.name + "_neg")
            if ca is not None:
                return fx.op('add', [neg, fx.constant(ca)])
            return fx.op('add', [fx.arg(a), neg])
        return self._sum(fx, a, b, ca, cb)

    def _sum(self, fx, a, b, ca, cb):
        r"""
        The node of ``a + b`` (``ca``, ``cb``: their values when numbers).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class P(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.a = torch.nn.Linear(2r, 2r)
            ....:     def forward(self, x):
            ....:         return self.a(x) + 2r
            sage: from sage_conslaw.network.ops import get_op
            sage: op, seen = get_op('add'), []
            sage: op._sum = lambda fx, a, b, ca, cb: seen.append((ca, cb)) or type(op)._sum(op, fx, a, b, ca, cb)  # optional - torch
            sage: network_from_module(P()).nodes[-1r].op  # optional - torch
            'add'
            sage: del op._sum; seen  # optional - torch
            [(None, 2)]
        """
        if ca is not None or cb is not None:
            c = ca if ca is not None else cb
            x = fx.arg(b if ca is not None else a)
            if c == 0:
                return x
            return fx.op('add', [x, fx.constant(c)])
        return fx.op('add', [fx.arg(a), fx.arg(b)])

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('add').shape([(2,), (3,)], {}, 'node a')
            Traceback (most recent call last):
            ...
            ValueError: node a: cannot add values of shapes (2,) and (3,)
        """
        try:
            return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
        except ValueError:
            raise ValueError("%s: cannot add values of shapes %s" % (where, " and ".join(map(str, shapes))))

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('add').forward(Bk, [Bk.array([1]), Bk.array([1]), Bk.array([1])], {}, None).tolist()
            [3]
        """
        out = args[0]
        for a in args[1:]:
            out = B.add(out, a)
        return out

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); a = S.fresh((2,)); b = S.zero((2,))
            sage: get_op('add').scaling(S, [a, b], {}, None).shape, len(S.equations)
            ((2,), 4)
        """
        out = S.fresh(self.shape([a.shape for a in args], attrs, ""))
        for a in args:
            S.term(out, a)
        return out

    def support(self, B, Z, attrs, node):
        r"""
        A sum may be nonzero where one of its terms may (all known, same shape).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('add').support(None, [np.array([[0, 1]]), np.array([[0, 0]])], {}, None).tolist()
            [[0, 1]]
            sage: get_op('add').support(None, [np.array([[0, 1]]), None], {}, None) is None
            True
        """
        if any(z is None for z in Z):
            return None
        return np.vectorize(lambda t: int(t != 0), otypes=[object])(sum(Z))

    def reads(self, B, up, shapes, attrs, node):
        r"""
        Each term is read where the sum is (terms of the sum's shape; else ``None``: everywhere).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: [a.tolist() for a in get_op('add').reads(None, np.array([[1, 0]]), [(2,), (2,)], {}, None)]
            [[[1, 0]], [[1, 0]]]
            sage: get_op('add').reads(None, np.array([[1, 0]]), [(2,), (1,)], {}, None) is None
            True
        """
        if all(tuple(up.shape[1:]) == tuple(s) for s in shapes):
            return [up] * len(shapes)
        return None

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('add').contraction([(2,), (2,)], {})
            2
        """
        return len(shapes)
