# sage.doctest: optional - torch
r"""
The analytic activations ``gelu`` (attribute ``approximate``: ``'none'`` or
``'tanh'``), ``silu``, ``tanh``, ``sigmoid``, ``softplus`` (``beta``,
``threshold``) and ``rsqrt`` (`z^{-1/2}`, of a hand-written RMSNorm).

They have no exact value modulo `p` (kind ``'analytic'``): each op gives its
value on PyTorch float64 tensors (:meth:`Analytic.torch_value`, autograd
differentiates it) and on a :class:`~sage_conslaw.architectures.functional.Jet`
of balls or dual numbers (:meth:`Analytic.jet`, a rigorous enclosure of the
value and its derivatives), which the certificate of a network with analytic
ops uses (:mod:`sage_conslaw.network.balls`).

Symmetries: `\tanh`, `\sigma`, GELU, SiLU and softplus are homogeneous of no
degree (`f(\lambda z) \ne \lambda^k f(z)` for some `z`, whatever `k`), so their
input and output have weight `0` (the default of :meth:`Op.scaling`); a unit
through them contributes no rescaling law.  ``rsqrt`` is homogeneous of
degree `-1/2` on `z > 0`: `(\lambda^{2s} z)^{-1/2} = \lambda^{-s} z^{-1/2}`, so
the weight of its input is `-2` times that of its output.

EXAMPLES::

    sage: from sage_conslaw.network.ops import get_op
    sage: [get_op(k).kind for k in ('gelu', 'silu', 'tanh', 'sigmoid', 'softplus', 'rsqrt')]
    ['analytic', 'analytic', 'analytic', 'analytic', 'analytic', 'analytic']
"""
import operator

from sage.rings.rational_field import QQ

from sage_conslaw.architectures import functional
from sage_conslaw.architectures.functional import Jet
from sage_conslaw.network.ops import Op, register_op


#: The cubic coefficient of the tanh approximation of GELU, and one half.
QQ_044715 = QQ((44715, 10 ** 6))
QQ_HALF = QQ((1, 2))


def _jet(x):
    r"""
    ``x`` as a :class:`~sage_conslaw.architectures.functional.Jet` (a constant has no gradient).

    TESTS::

        sage: from sage_conslaw.network.ops.analytic import _jet
        sage: _jet(RealBallField(53)(2)).gradient
        {}
    """
    return x if isinstance(x, Jet) else Jet(x)


class Analytic(Op):
    r"""
    An entrywise analytic function (see the module documentation): the
    backend's ``analytic`` method calls :meth:`torch_value` or :meth:`jet`.

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: from sage_conslaw.network.backends import TorchBackend
        sage: import torch  # optional - torch
        sage: get_op('tanh').forward(TorchBackend(), [torch.zeros(2r, dtype=torch.float64)], {}, None).tolist()  # optional - torch
        [0.0, 0.0]
    """
    kind = 'analytic'

    def forward(self, B, args, attrs, node):
        r"""
        The value, by the backend (floats: :meth:`torch_value`; balls: :meth:`jet`;
        exact rationals and residues modulo `p`: a ``ValueError``).

        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.graph import Node
            sage: Bk = ObjectBackend('exact')
            sage: get_op('gelu').forward(Bk, [Bk.array([[1]])], {}, Node(3, 'op', 'g', op='gelu'))
            Traceback (most recent call last):
            ...
            ValueError: node g (gelu) is analytic (gelu): it has no exact rational value
        """
        return B.analytic(self, args[0], attrs, node)

    #: The PyTorch function of a plain op, as a dotted name under ``torch``; its
    #: jet is the function of :mod:`~sage_conslaw.architectures.functional` of
    #: the op's name.  ``None``: the op writes :meth:`torch_value` and :meth:`jet`.
    torch_call = None

    def _plain(self):
        r"""
        Raise unless the op is plain (it has a :attr:`torch_call`).

        TESTS::

            sage: from sage_conslaw.network.ops.analytic import Analytic
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('tanh')._plain() is None
            True
            sage: Analytic()._plain()
            Traceback (most recent call last):
            ...
            NotImplementedError: the analytic op None must implement torch_value and jet
        """
        if self.torch_call is None:
            raise NotImplementedError("the analytic op %s must implement torch_value and jet" % self.name)

    def torch_value(self, torch, z, attrs):
        r"""
        The value on a float64 tensor: :attr:`torch_call` (abstract without it).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: z = torch.tensor([0.r], dtype=torch.float64)  # optional - torch
            sage: [get_op(k).torch_value(torch, z, {}).item() for k in ('silu', 'tanh', 'sigmoid')]  # optional - torch
            [0.0, 0.0, 0.5]
            sage: from sage_conslaw.network.ops.analytic import Analytic
            sage: Analytic().torch_value(None, None, {})
            Traceback (most recent call last):
            ...
            NotImplementedError: the analytic op None must implement torch_value and jet
        """
        self._plain()
        return operator.attrgetter(self.torch_call)(torch)(z)

    def jet(self, x, attrs):
        r"""
        The value on a ball, a dual number or a
        :class:`~sage_conslaw.architectures.functional.Jet` (abstract without :attr:`torch_call`).

        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: from sage_conslaw.architectures.functional import Jet
            sage: x = Jet.variable(RealBallField(53)(0), 0)
            sage: [get_op(k).jet(x, {}).gradient for k in ('silu', 'tanh', 'sigmoid')]
            [{0: 0.5000000000000000}, {0: 1.000000000000000}, {0: 0.2500000000000000}]
            sage: from sage_conslaw.network.ops.analytic import Analytic
            sage: Analytic().jet(x, {})
            Traceback (most recent call last):
            ...
            NotImplementedError: the analytic op None must implement torch_value and jet
        """
        self._plain()
        return getattr(functional, self.name)(_jet(x))


@register_op
class GELU(Analytic):
    r"""
    `z\Phi(z)` (``approximate='none'``) or `\frac z2(1 + \tanh(\sqrt{2/\pi}(z + 0.044715 z^3)))` (``'tanh'``).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: RB = RealBallField(64)
        sage: get_op('gelu').jet(RB(1), {}).value
        [0.84134474606854294...]
        sage: get_op('gelu').jet(RB(1), {'approximate': 'tanh'}).value
        [0.841191990608276...]
    """
    name = 'gelu'
    torch_modules = ('torch.nn.GELU',)
    torch_functions = ('torch.nn.functional.gelu',)

    def read_fx(self, fx, node, module):
        r"""
        The ``approximate`` of the module or of the call.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('gelu'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: net = network_from_module(torch.nn.Sequential(torch.nn.Linear(2r, 2r), torch.nn.GELU('tanh')))  # optional - torch
            sage: net.nodes[-1r].op, net.nodes[-1r].attrs  # optional - torch
            ('gelu', {'approximate': 'tanh'})
            sage: del op.read_fx; seen  # optional - torch
            ['_1']
        """
        approx = module.approximate if module is not None else node.kwargs.get('approximate', 'none')
        if approx not in ('none', 'tanh'):
            fx.fail("GELU approximate=%r is not known" % (approx,))
        return fx.op('gelu', [fx.arg(node.args[0])], approximate=approx)

    def torch_value(self, torch, z, attrs):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: round(get_op('gelu').torch_value(torch, torch.tensor([1.r], dtype=torch.float64), {}).item(), 6)  # optional - torch
            0.841345
        """
        return torch.nn.functional.gelu(z, approximate=attrs.get('approximate', 'none'))

    def jet(self, x, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: from sage_conslaw.architectures.functional import Jet
            sage: get_op('gelu').jet(Jet.variable(RealBallField(53)(0), 0), {}).gradient
            {0: 0.5000000000000000}
        """
        x = _jet(x)
        if attrs.get('approximate', 'none') == 'none':
            return functional.gelu(x)
        F = x.value.parent()
        c = (F(2) / F.pi()).sqrt()
        u = (x + x * x * x * F(QQ_044715)) * c
        return x * (1 + functional.tanh(u)) * F(QQ_HALF)


@register_op
class SiLU(Analytic):
    r"""
    `z\sigma(z)`.

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('silu').jet(RealBallField(53)(0), {}).value
        0
    """
    name = 'silu'
    torch_modules = ('torch.nn.SiLU',)
    torch_functions = ('torch.nn.functional.silu',)
    torch_call = 'nn.functional.silu'


@register_op
class Tanh(Analytic):
    r"""
    `\tanh z`.

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('tanh').jet(RealBallField(53)(0), {}).value
        0
    """
    name = 'tanh'
    torch_modules = ('torch.nn.Tanh',)
    torch_functions = ('torch.tanh', 'torch.nn.functional.tanh')
    torch_methods = ('tanh',)
    torch_call = 'tanh'


@register_op
class Sigmoid(Analytic):
    r"""
    `\sigma(z) = 1 / (1 + e^{-z})`.

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('sigmoid').jet(RealBallField(53)(0), {}).value
        0.5000000000000000
    """
    name = 'sigmoid'
    torch_modules = ('torch.nn.Sigmoid',)
    torch_functions = ('torch.sigmoid', 'torch.nn.functional.sigmoid')
    torch_methods = ('sigmoid',)
    torch_call = 'sigmoid'


@register_op
class Softplus(Analytic):
    r"""
    `\frac1\beta \log(1 + e^{\beta z})`, and `z` where `\beta z >` ``threshold``
    (PyTorch's convention: the op is piecewise; a ball straddling the threshold
    raises ``ArithmeticError``, and the certificate drops that sample).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: RB = RealBallField(53)
        sage: get_op('softplus').jet(RB(0), {}).value, get_op('softplus').jet(RB(30), {}).value
        ([0.693147180559945...], 30.00000000000000)
        sage: get_op('softplus').jet(RB(20), {})
        Traceback (most recent call last):
        ...
        ArithmeticError: a softplus argument is not certainly on one side of its threshold
    """
    name = 'softplus'
    torch_modules = ('torch.nn.Softplus',)
    torch_functions = ('torch.nn.functional.softplus',)

    def read_fx(self, fx, node, module):
        r"""
        ``beta`` and ``threshold`` of the module or of the call.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('softplus'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: net = network_from_module(torch.nn.Sequential(torch.nn.Linear(2r, 2r), torch.nn.Softplus(2r)))  # optional - torch
            sage: net.nodes[-1r].attrs  # optional - torch
            {'beta': 2, 'threshold': 20}
            sage: del op.read_fx; seen  # optional - torch
            ['_1']
        """
        if module is not None:
            beta, threshold = module.beta, module.threshold
        else:
            beta, threshold = fx.kw(1, 'beta', 1), fx.kw(2, 'threshold', 20)
        b, t = fx.number(beta), fx.number(threshold)
        if b is None or b <= 0 or t is None:
            fx.fail("softplus needs a number beta > 0 and a number threshold")
        return fx.op('softplus', [fx.arg(node.args[0])], beta=b, threshold=t)

    def torch_value(self, torch, z, attrs):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('softplus').torch_value(torch, torch.tensor([30.r], dtype=torch.float64), {}).item()  # optional - torch
            30.0
        """
        return torch.nn.functional.softplus(z, beta=float(attrs.get('beta', 1)),
                                            threshold=float(attrs.get('threshold', 20)))

    def jet(self, x, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: from sage_conslaw.architectures.functional import Jet
            sage: get_op('softplus').jet(Jet.variable(RealBallField(53)(0), 0), {'beta': 2}).gradient
            {0: 0.5000000000000000}
        """
        x = _jet(x)
        F = x.value.parent()
        beta, threshold = F(QQ(attrs.get('beta', 1))), F(QQ(attrs.get('threshold', 20)))
        if x.value * beta > threshold:
            return x
        if not (x.value * beta < threshold):
            raise ArithmeticError("a softplus argument is not certainly on one side of its threshold")
        return functional.softplus(x * beta) * (1 / beta)


@register_op
class Rsqrt(Analytic):
    r"""
    `z^{-1/2}` for `z > 0` (a ball not certainly positive raises ``ArithmeticError``).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('rsqrt').jet(RealBallField(53)(4), {}).value
        0.5000000000000000
        sage: get_op('rsqrt').jet(RealBallField(53)(0), {})
        Traceback (most recent call last):
        ...
        ArithmeticError: an rsqrt argument is not certainly positive
    """
    name = 'rsqrt'
    torch_functions = ('torch.rsqrt',)
    torch_methods = ('rsqrt',)

    def torch_value(self, torch, z, attrs):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('rsqrt').torch_value(torch, torch.tensor([4.r], dtype=torch.float64), {}).item()  # optional - torch
            0.5
        """
        return torch.rsqrt(z)

    def jet(self, x, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: from sage_conslaw.architectures.functional import Jet
            sage: get_op('rsqrt').jet(Jet.variable(RealBallField(53)(4), 0), {}).gradient     # -z^(-3/2) / 2
            {0: -0.06250000000000000}
        """
        x = _jet(x)
        if not (x.value > 0):
            raise ArithmeticError("an rsqrt argument is not certainly positive")
        return x.sqrt().reciprocal()

    def scaling(self, S, args, attrs, node):
        r"""
        Homogeneous of degree `-1/2`: the input's weight is `-2` times the output's.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.fresh((1,))
            sage: out = get_op('rsqrt').scaling(S, [x], {}, None); S.equations      # w(x) + 2 w(out) = 0
            [[(1, -1), (2, -1), (2, -1)]]
        """
        out = S.fresh(tuple(args[0].shape))
        S.term(S.zero(out.shape), args[0], out, out)
        return out
