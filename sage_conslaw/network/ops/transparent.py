# sage.doctest: optional - torch
r"""
Ops that move entries without mixing parameters: ``identity``, ``dropout``
(attribute ``p``: each entry kept with probability `1 - p` and scaled by
`1/(1-p)` -- the laws must hold for every mask, so the op is an entrywise
multiplication by a 0/1 mask and a weight passes through), ``flatten``
(attributes ``start_dim``, ``end_dim``, counted with the batch axis),
``reshape`` (attribute ``shape``, without the batch axis), ``permute``
(attribute ``perm``, with the batch axis first and fixed) and ``scale`` (the
multiplication by a constant ``c``).

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('flatten').shape([(2, 3, 4)], {}, 'n'), get_op('permute').shape([(2, 3)], {'perm': (0, 2, 1)}, 'n')
    ((24,), (3, 2))
"""
import numpy as np

from sage_conslaw.network.ops import Op, register_op


@register_op
class Identity(Op):
    r"""
    The identity (``nn.Identity``, ``contiguous``, evaluation-mode no-ops).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('identity').forward(None, [5], {}, None)
        5
    """
    name = 'identity'

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('identity').forward(None, ['x'], {}, None)
            'x'
        """
        return args[0]

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('identity').scaling(None, ['w'], {}, None)
            'w'
        """
        return args[0]


@register_op
class Dropout(Identity):
    r"""
    Dropout in training mode (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('dropout').kind
        'mask'
    """
    name = 'dropout'
    kind = 'mask'

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.graph import Node
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('dropout').forward(Bk, [Bk.array([[1, 2]])], {'p': 0.5}, Node(0, 'op', 'd')).tolist()
            [[2, 4]]
        """
        return B.dropout(args[0], attrs.get('p', 0.5), node)


def _flat_shape(shape, attrs):
    r"""
    The shape after ``flatten`` (axes counted with the batch axis).

    TESTS::

        sage: from sage_conslaw.network.ops.transparent import _flat_shape
        sage: _flat_shape((2, 3, 4), {'start_dim': 2})
        (2, 12)
    """
    full = (1,) + tuple(shape)
    n = len(full)
    s = attrs.get('start_dim', 1) % n
    e = attrs.get('end_dim', -1) % n
    if s == 0:
        raise ValueError("flattening the batch axis is not supported")
    mid = 1
    for t in full[s:e + 1]:
        mid *= t
    return tuple(full[1:s]) + (mid,) + tuple(full[e + 1:])


@register_op
class Flatten(Identity):
    r"""
    ``flatten`` (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: import numpy as np
        sage: get_op('flatten').scaling(None, [np.arange(6).reshape(2, 3)], {}, None).tolist()
        [0, 1, 2, 3, 4, 5]
    """
    name = 'flatten'

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('flatten').shape([(2, 3)], {'start_dim': 0}, 'node f')
            Traceback (most recent call last):
            ...
            ValueError: node f: flattening the batch axis is not supported
        """
        try:
            return _flat_shape(shapes[0], attrs)
        except ValueError as e:
            raise ValueError("%s: %s" % (where, e))

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('flatten').forward(ObjectBackend('exact'), [np.zeros((4, 2, 3), dtype=object)], {}, None).shape
            (4, 6)
        """
        x = args[0]
        return B.reshape(x, (x.shape[0],) + _flat_shape(tuple(x.shape[1:]), attrs))

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('flatten').scaling(None, [np.zeros((2, 2), dtype=int)], {}, None).shape
            (4,)
        """
        return args[0].reshape(_flat_shape(args[0].shape, attrs))


@register_op
class Reshape(Identity):
    r"""
    ``reshape``/``view`` to ``shape`` (without the batch axis; one ``-1`` allowed).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('reshape').shape([(6,)], {'shape': (-1, 2)}, 'n')
        (3, 2)
    """
    name = 'reshape'

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('reshape').shape([(6,)], {'shape': (4,)}, 'node r')
            Traceback (most recent call last):
            ...
            ValueError: node r: cannot reshape (6,) to (4,)
        """
        try:
            return tuple(np.empty(tuple(shapes[0]), dtype=np.int8).reshape(tuple(attrs['shape'])).shape)
        except ValueError:
            raise ValueError("%s: cannot reshape %s to %s" % (where, tuple(shapes[0]), tuple(attrs['shape'])))

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('reshape').forward(ObjectBackend('exact'), [np.zeros((4, 6), dtype=object)], {'shape': (3, 2)}, None).shape
            (4, 3, 2)
        """
        x = args[0]
        return B.reshape(x, (x.shape[0],) + tuple(attrs['shape']))

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('reshape').scaling(None, [np.zeros(6, dtype=int)], {'shape': (2, 3)}, None).shape
            (2, 3)
        """
        return args[0].reshape(tuple(attrs['shape']))


@register_op
class Permute(Identity):
    r"""
    ``permute``/``transpose`` of the non-batch axes (``perm`` with the batch axis ``0`` first).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('permute').scaling(None, [np.arange(6).reshape(2, 3)], {'perm': (0, 2, 1)}, None).shape
        (3, 2)
    """
    name = 'permute'

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('permute').shape([(2, 3)], {'perm': (1, 0, 2)}, 'node p')
            Traceback (most recent call last):
            ...
            ValueError: node p: permuting the batch axis is not supported (perm (1, 0, 2))
        """
        perm = tuple(attrs['perm'])
        if perm[0] != 0 or sorted(perm) != list(range(len(shapes[0]) + 1)):
            raise ValueError("%s: permuting the batch axis is not supported (perm %s)" % (where, perm))
        full = (1,) + tuple(shapes[0])
        return tuple(full[i] for i in perm[1:])

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('permute').forward(ObjectBackend('exact'), [np.zeros((4, 2, 3), dtype=object)], {'perm': (0, 2, 1)}, None).shape
            (4, 3, 2)
        """
        return B.permute(args[0], tuple(attrs['perm']))

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('permute').scaling(None, [np.zeros((2, 5), dtype=int)], {'perm': (0, 2, 1)}, None).shape
            (5, 2)
        """
        return np.transpose(args[0], tuple(i - 1 for i in attrs['perm'][1:]))


@register_op
class Scale(Identity):
    r"""
    The multiplication by a constant ``c`` (a rational; ``0`` kills the value).

    EXAMPLES::

        sage: from sage_conslaw.network.backends import ObjectBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: Bk = ObjectBackend('exact')
        sage: get_op('scale').forward(Bk, [Bk.array([[2]])], {'c': 1/2}, None).tolist()
        [[1]]
    """
    name = 'scale'

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: import torch  # optional - torch
            sage: get_op('scale').forward(TorchBackend(p=7r), [torch.tensor([3.r], dtype=torch.float64)], {'c': -1r}, None).tolist()  # optional - torch
            [18.0]
        """
        return B.mul(args[0], B.constant(attrs['c']))

    def scaling(self, S, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem, SKIP
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.fresh((2,))
            sage: (get_op('scale').scaling(S, [x], {'c': 0}, None) == SKIP).all().item()
            True
        """
        from sage_conslaw.network.symmetries import SKIP
        if attrs['c'] == 0:
            return np.full(args[0].shape, SKIP, dtype=np.int64)
        return args[0]
