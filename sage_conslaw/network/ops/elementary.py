r"""
Elementary polynomial ops of hand-written layers: ``mean`` over the last
axis (``x.mean(-1, keepdim=...)``, ``torch.mean``; attribute ``keepdim``) and
``pow`` by a positive integer (``x.pow(k)``, ``x ** k``, ``torch.pow``;
attribute ``k``).  Both are polynomial: exact modulo `p` and over `\QQ`.

Scaling: every term `x_j / n` of a mean has the mean's weight (so all
entries of the row share it); `x^k` has `k` times the weight of `x`.

EXAMPLES::

    sage: from sage_conslaw.network.backends import ObjectBackend
    sage: from sage_conslaw.network.ops import get_op
    sage: Bk = ObjectBackend('exact')
    sage: get_op('mean').forward(Bk, [Bk.array([[1, 2]])], {'keepdim': True}, None).tolist()
    [[3/2]]
    sage: get_op('pow').forward(Bk, [Bk.array([[2, 3]])], {'k': 3}, None).tolist()
    [[8, 27]]
"""
import numpy as np

from sage_conslaw.network.ops import Op, register_op
from sage_conslaw.network.ops.normalization import _column


@register_op
class Mean(Op):
    r"""
    The mean over the last axis (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('mean').shape([(3, 4)], {'keepdim': False}, 'n')
        (3,)
    """
    name = 'mean'
    torch_functions = ('torch.mean',)
    torch_methods = ('mean',)

    def read_fx(self, fx, node, module):
        r"""
        Only the last axis (``dim=-1`` or its index), one axis.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class M(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.a = torch.nn.Linear(2r, 3r)
            ....:     def forward(self, x):
            ....:         return self.a(x).mean(-1r, keepdim=True)
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('mean'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(M()).nodes[-1r].attrs  # optional - torch
            {'keepdim': True}
            sage: class A(M):  # optional - torch
            ....:     def forward(self, x):
            ....:         return self.a(x).mean()
            sage: network_from_module(A())  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node mean (call_method mean): only a mean over the last axis is supported
            sage: del op.read_fx; seen  # optional - torch
            ['mean', 'mean']
        """
        dim = fx.kw(1, 'dim', None)
        shape = fx.shape(node.args[0])
        if isinstance(dim, (list, tuple)) and len(dim) == 1:
            dim = dim[0]
        if not isinstance(dim, int) or dim not in (-1, len(shape) - 1):
            fx.fail("only a mean over the last axis is supported")
        return fx.op('mean', [fx.arg(node.args[0])], keepdim=bool(fx.kw(2, 'keepdim', False)))

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('mean').shape([(3, 4)], {'keepdim': True}, 'n')
            (3, 1)
        """
        x = tuple(shapes[0])
        return x[:-1] + ((1,) if attrs.get('keepdim') else ())

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('mean').forward(TorchBackend(), [torch.tensor([[1.r, 2.r]], dtype=torch.float64)], {}, None).tolist()  # optional - torch
            [1.5]
        """
        x = args[0]
        y = B.matmul(x, _column(B, int(x.shape[-1])))
        return y if attrs.get('keepdim') else B.reshape(y, tuple(y.shape[:-1]))

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.fresh((2,))
            sage: get_op('mean').scaling(S, [x], {}, None).shape, len(S.equations)
            ((), 2)
        """
        x = args[0]
        out = S.fresh(self.shape([x.shape], attrs, ""))
        S.term(out[..., None] if not attrs.get('keepdim') else out, x)
        return out

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('mean').contraction([(5,)], {})
            5
        """
        return shapes[0][-1]


@register_op
class Pow(Op):
    r"""
    `x^k` entrywise, `k \ge 1` an integer (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('pow').kind
        'polynomial'
    """
    name = 'pow'
    torch_functions = ('torch.pow', 'operator.pow')
    torch_methods = ('pow', '__pow__')

    def read_fx(self, fx, node, module):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: class M(torch.nn.Module):  # optional - torch
            ....:     def __init__(self):
            ....:         super().__init__(); self.a = torch.nn.Linear(2r, 3r)
            ....:     def forward(self, x):
            ....:         return self.a(x) ** 2r + self.a(x).pow(3r)
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('pow'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: [n.attrs for n in network_from_module(M()).nodes if n.op == 'pow']  # optional - torch
            [{'k': 2}, {'k': 3}]
            sage: class H(M):  # optional - torch
            ....:     def forward(self, x):
            ....:         return self.a(x) ** 0.5r
            sage: network_from_module(H())  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node pow_1 (call_function pow): only a power by an integer k >= 1 is supported, got 0.5
            sage: del op.read_fx; seen  # optional - torch
            ['pow_1', 'pow_2', 'pow_1']
        """
        k = fx.kw(1, 'exponent', None)
        if isinstance(k, float) and k.is_integer():
            k = int(k)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            fx.fail("only a power by an integer k >= 1 is supported, got %r" % (k,))
        return fx.op('pow', [fx.arg(node.args[0])], k=k)

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('pow').forward(Bk, [Bk.array([2])], {'k': 1}, None).tolist()
            [2]
        """
        y = args[0]
        for _ in range(int(attrs['k']) - 1):
            y = B.mul(y, args[0])
        return y

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.fresh((1,))
            sage: out = get_op('pow').scaling(S, [x], {'k': 2}, None); S.equations
            [[(2, 1), (1, -1), (1, -1)]]
        """
        out = S.fresh(tuple(args[0].shape))
        S.term(out, *([args[0]] * int(attrs['k'])))
        return out
