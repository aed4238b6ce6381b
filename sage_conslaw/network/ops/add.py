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

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('add').contraction([(2,), (2,)], {})
            2
        """
        return len(shapes)
