# sage.doctest: optional - torch
r"""
The op ``cat``: the concatenation of values along ``axis`` (counted with the
batch axis, ``torch.cat``).  Weights are concatenated likewise.

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('cat').shape([(3, 2), (3, 4)], {'axis': 2}, 'n')
    (3, 6)
"""
import numpy as np

from sage_conslaw.network.ops import Op, register_op


def _axis(attrs, ndim):
    r"""
    The axis of the concatenation, with the batch axis, as a nonnegative integer.

    TESTS::

        sage: from sage_conslaw.network.ops.cat import _axis
        sage: _axis({'axis': -1}, 3)
        2
    """
    return int(attrs.get('axis', 0)) % ndim


@register_op
class Cat(Op):
    r"""
    ``torch.cat`` (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.backends import ObjectBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: Bk = ObjectBackend('exact')
        sage: get_op('cat').forward(Bk, [Bk.array([[1]]), Bk.array([[2, 3]])], {'axis': 1}, None).tolist()
        [[1, 2, 3]]
    """
    name = 'cat'
    rearranges = True
    torch_functions = ('torch.cat', 'torch.concat')

    def read_fx(self, fx, node, module):
        r"""
        ``torch.cat(xs, dim)``.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class C(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.a = torch.nn.Linear(2r, 2r)
            ....:     def forward(self, x):
            ....:         return torch.cat([self.a(x), x], dim=-1r)
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('cat'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(C()).nodes[-1r].attrs  # optional - torch
            {'axis': -1}
            sage: del op.read_fx; seen  # optional - torch
            ['cat']
        """
        return fx.op('cat', [fx.arg(x) for x in node.args[0]], axis=fx.kw(1, 'dim', 0))

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('cat').shape([(3,), (3,)], {'axis': 0}, 'node c')
            Traceback (most recent call last):
            ...
            ValueError: node c: concatenating along the batch axis is not supported
            sage: get_op('cat').shape([(3, 1), (2, 1)], {'axis': 2}, 'node c')
            Traceback (most recent call last):
            ...
            ValueError: node c: cannot concatenate shapes (3, 1), (2, 1) along axis 2
        """
        ax = _axis(attrs, len(shapes[0]) + 1)
        if ax == 0:
            raise ValueError("%s: concatenating along the batch axis is not supported" % where)
        rest = {tuple(s[:ax - 1]) + tuple(s[ax:]) for s in shapes}
        if len(rest) != 1 or any(len(s) != len(shapes[0]) for s in shapes):
            raise ValueError("%s: cannot concatenate shapes %s along axis %s" % (where, ", ".join(map(str, shapes)), ax))
        s = list(shapes[0])
        s[ax - 1] = sum(t[ax - 1] for t in shapes)
        return tuple(s)

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('cat').forward(TorchBackend(), [torch.ones(2r, 1r), torch.ones(2r, 1r)], {'axis': -1r}, None).shape  # optional - torch
            torch.Size([2, 2])
        """
        return B.cat(list(args), _axis(attrs, len(args[0].shape)))

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('cat').scaling(None, [np.zeros((2, 1), dtype=int), np.ones((2, 3), dtype=int)], {'axis': 2}, None).shape
            (2, 4)
        """
        return np.concatenate(list(args), axis=_axis(attrs, len(args[0].shape) + 1) - 1)
