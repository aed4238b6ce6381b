# sage.doctest: optional - torch
r"""
The positively homogeneous activations ``relu`` and ``leaky_relu``
(attribute ``slope``): `\sigma(\lambda z) = \lambda\sigma(z)` for `\lambda >
0`, so a unit's weight passes through unchanged; on each region of its input
the op is the multiplication by a 0/1 (or slope/1) mask, which the exact
backend reads and the certificate uses.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: get_op('leaky_relu').kind, get_op('relu').shape([(3,)], {}, 'n')
    ('homogeneous', (3,))
"""
import numpy as np

from sage.rings.rational_field import QQ

from sage_conslaw.network.ops import Op, exact_number, register_op


@register_op
class ReLU(Op):
    r"""
    `\max(z, 0)` entrywise.

    EXAMPLES::

        sage: from sage_conslaw.network.backends import TorchBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: import torch  # optional - torch
        sage: get_op('relu').forward(TorchBackend(), [torch.tensor([-1.r, 2.r])], {}, None).tolist()  # optional - torch
        [0.0, 2.0]
    """
    name = 'relu'
    kind = 'homogeneous'
    idempotent = True
    torch_modules = ('torch.nn.ReLU',)
    torch_functions = ('torch.nn.functional.relu', 'torch.relu')
    torch_methods = ('relu', 'relu_')

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: import torch  # optional - torch
            sage: get_op('relu').forward(TorchBackend(), [torch.tensor([3.r])], {}, None).tolist()  # optional - torch
            [3.0]
        """
        return B.relu(args[0], node)

    def region_factor(self, mask, attrs):
        r"""
        `1` where the unit is on, `0` where it is off.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('relu').region_factor(np.array([[False, True]]), {}).tolist()
            [[0, 1]]
        """
        return np.where(mask, 1, 0).astype(object)

    def scaling(self, S, args, attrs, node):
        r"""
        The weight passes through (positive homogeneity).

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.fresh((2,))
            sage: (get_op('relu').scaling(S, [x], {}, None) == x).all().item()
            True
        """
        return args[0]


@register_op
class LeakyReLU(ReLU):
    r"""
    `z` for `z > 0`, ``slope`` `\cdot z` otherwise (``slope`` a rational).

    EXAMPLES::

        sage: from sage_conslaw.network.backends import TorchBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: import torch  # optional - torch
        sage: get_op('leaky_relu').forward(TorchBackend(), [torch.tensor([-2.r, 2.r])], {'slope': 0.25r}, None).tolist()  # optional - torch
        [-0.5, 2.0]
    """
    name = 'leaky_relu'
    idempotent = False                 # twice: the slope squared
    torch_modules = ('torch.nn.LeakyReLU',)
    torch_functions = ('torch.nn.functional.leaky_relu',)
    torch_methods = ('leaky_relu',)

    def read_fx(self, fx, node, module):
        r"""
        The slope is the module's ``negative_slope`` or the call's.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('leaky_relu'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: net = network_from_module(torch.nn.Sequential(torch.nn.Linear(2r, 2r), torch.nn.LeakyReLU(0.25r)))  # optional - torch
            sage: net.nodes[-1r].attrs['slope']  # optional - torch
            0.25
            sage: del op.read_fx; seen  # optional - torch
            ['_1']
        """
        slope = module.negative_slope if module is not None else fx.kw(1, 'negative_slope', 0.01)
        return fx.op('leaky_relu', [fx.arg(node.args[0])], slope=slope)

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.graph import Node
            sage: from sage_conslaw.network.ops import get_op
            sage: Bk = ObjectBackend('exact')
            sage: get_op('leaky_relu').forward(Bk, [Bk.array([[-4]])], {'slope': 0.5}, Node(0, 'op', 'l')).tolist()
            [[-2]]
        """
        return B.relu(args[0], node, slope=attrs.get('slope', 0.01))

    def region_factor(self, mask, attrs):
        r"""
        `1` where the unit is on, the slope (exact) where it is off.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('leaky_relu').region_factor(np.array([False, True]), {'slope': 0.25}).tolist()
            [1/4, 1]
        """
        mask = np.asarray(mask, dtype=bool)
        f = np.empty(mask.shape, dtype=object)        # (np.where would turn Sage rationals into floats)
        f.fill(exact_number(attrs.get('slope', 0.01)))
        f[mask] = QQ(1)
        return f
