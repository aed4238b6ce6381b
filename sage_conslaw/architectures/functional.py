r"""
The laws of the network itself: its own parameter gradients, in ball arithmetic.

A family of this package factors through a polynomial `\phi`, so every law of
`\phi` is a law of the network; the network may have more (a scale-invariant
layer, a positively homogeneous activation not seen by `\phi`).  Those extra
laws are *declared* by a symmetry (each family says which and why), and the
count of the network is proven by the rank of the network's own gradients:

- `N` known laws (laws of `\phi` and declared symmetry laws), independent at a
  rational point `\theta` (exact rank of their gradients over `\QQ`), give at
  least `N` laws near `\theta`, so `\dim \mathrm{Lie}(W)(\theta) \le D - N`;
- the fields of the network are `\nabla_\theta g_o(\theta, x)` for all inputs
  `x` and outputs `o`; their span `W(\theta) \subseteq \mathrm{Lie}(W)(\theta)`.
  The gradients are computed in ball arithmetic (Arb: every number an interval
  guaranteed to contain the exact value; forward-mode derivatives, :class:`Jet`),
  and a square minor chosen by a floating-point QR is proven nonzero (its ball
  determinant excludes 0): a proven lower bound `r \le \dim W(\theta)`.

When `r = D - N`, the network has exactly `N` independent laws near `\theta`
(certified).  When `r` is the rank of the Jacobian of `\phi` at `\theta` and that
is its generic rank (its rank over `\QQ(\theta)`, computed within
:data:`~sage_conslaw.core.thresholds.GENERIC_JACOBIAN_SECONDS`), the network's
fields span `W_\phi` near `\theta` (Theorem 2.14 of the founding paper, pointwise)
and the network's laws are `\phi`'s, counted by the engine.  Otherwise brackets
of the network's fields are added; when `r < D - N` still, the count is not proven and the result says so
("at least N; at most D - r").  The activations are analytic (GELU, SiLU, tanh,
sigmoid, softplus) or piecewise linear (ReLU): a ReLU whose argument's ball
contains 0 is refused and the input redrawn, so a certificate only uses
points inside activation regions.

EXAMPLES::

    sage: from sage_conslaw.architectures.functional import Jet, ACTIVATIONS
    sage: RB = RealBallField(64)
    sage: x = Jet.variable(RB(1) / 2, 0); y = Jet.variable(RB(3), 1)
    sage: z = ACTIVATIONS['tanh'](x * y); z.value
    [0.905148253644866...]
    sage: z.gradient[1] - (1 - z.value^2) / 2     # d tanh(xy) / dy = x (1 - tanh^2)
    [+/- ...e-19]
"""
import time

import numpy as np
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ
from sage.rings.real_arb import RealBallField

from sage_conslaw.architectures.attention import _certified_rank, rank_in_balls
from sage_conslaw.core.certificate import rank_meets_laws
from sage_conslaw.core.checks import positive_integer
from sage_conslaw.core.thresholds import BALL_PRECISION, BRACKET_PRECISION, GENERIC_JACOBIAN_SECONDS, GROUPED_BRACKET_FIELDS
from sage_conslaw.core.trace import generic_rank_within


class Jet:
    r"""
    A number and its gradient with respect to the parameters (forward-mode
    derivatives), over any field of numbers (balls ``RealBallField``, ``QQ``).

    ``value`` is the number; ``gradient`` a sparse dict ``{coordinate: derivative}``.
    Arithmetic with plain numbers (constants) is supported on both sides.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet
        sage: a = Jet.variable(QQ(2), 0); b = Jet.variable(QQ(5), 3)
        sage: c = a * b + 1 - a / b; c.value, sorted(c.gradient.items())
        (53/5, [(0, 24/5), (3, 52/25)])
        sage: (-a).gradient, (3 * a).gradient, (1 / a).gradient
        ({0: -1}, {0: 3}, {0: -1/4})
    """
    __slots__ = ("value", "gradient")

    def __init__(self, value, gradient=None):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: Jet(QQ(1)).gradient
            {}
        """
        self.value = value
        self.gradient = gradient if gradient is not None else {}

    @staticmethod
    def variable(value, index):
        r"""
        Return the coordinate ``index`` of the parameters, of value ``value``.

        EXAMPLES::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: Jet.variable(QQ(3), 2).gradient
            {2: 1}
        """
        return Jet(value, {index: value.parent().one()})

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: Jet.variable(QQ(3), 2)
            Jet(3, {2: 1})
        """
        return "Jet(%s, %s)" % (self.value, self.gradient)

    def _scaled(self, c):
        r"""The gradient times the number ``c``.

        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: Jet.variable(QQ(3), 2)._scaled(5)
            {2: 5}
        """
        return {i: c * g for i, g in self.gradient.items()}

    def _chain(self, value, derivative):
        r"""The jet of `f(x)` with `f(x) =` ``value`` and `f'(x) =` ``derivative``.

        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: Jet.variable(QQ(3), 0)._chain(QQ(9), QQ(6)).gradient
            {0: 6}
        """
        return Jet(value, self._scaled(derivative))

    def __add__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (Jet.variable(QQ(1), 0) + Jet.variable(QQ(2), 0)).gradient, (Jet.variable(QQ(1), 0) + 2).value
            ({0: 2}, 3)
        """
        if not isinstance(other, Jet):
            return Jet(self.value + other, dict(self.gradient))
        g = dict(self.gradient)
        for i, d in other.gradient.items():
            g[i] = g[i] + d if i in g else d
        return Jet(self.value + other.value, g)

    __radd__ = __add__

    def __neg__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (-Jet.variable(QQ(1), 0)).value
            -1
        """
        return Jet(-self.value, self._scaled(-1))

    def __sub__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (Jet.variable(QQ(1), 0) - Jet.variable(QQ(2), 1)).gradient, (1 - Jet.variable(QQ(1), 0)).value
            ({0: 1, 1: -1}, 0)
        """
        return self + (-other)

    def __rsub__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (5 - Jet.variable(QQ(1), 0)).gradient
            {0: -1}
        """
        return (-self) + other

    def __mul__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (Jet.variable(QQ(2), 0) * Jet.variable(QQ(3), 1)).gradient
            {0: 3, 1: 2}
        """
        if not isinstance(other, Jet):
            return Jet(self.value * other, self._scaled(other))
        g = self._scaled(other.value)
        for i, d in other.gradient.items():
            g[i] = g[i] + self.value * d if i in g else self.value * d
        return Jet(self.value * other.value, g)

    __rmul__ = __mul__

    def reciprocal(self):
        r"""
        Return `1/x`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: Jet.variable(QQ(2), 0).reciprocal()
            Jet(1/2, {0: -1/4})
        """
        inv = 1 / self.value
        return self._chain(inv, -inv * inv)

    def __truediv__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (Jet.variable(QQ(2), 0) / 4).gradient, (Jet.variable(QQ(2), 0) / Jet.variable(QQ(4), 1)).gradient
            ({0: 1/4}, {0: 1/4, 1: -1/8})
            sage: (Jet.variable(RealBallField(53)(2), 0) / int(4)).gradient
            {0: 0.2500000000000000}
        """
        if not isinstance(other, Jet):
            return self * (QQ.one() / other)
        return self * other.reciprocal()

    def __rtruediv__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: (1 / Jet.variable(QQ(2), 0)).value
            1/2
        """
        return self.reciprocal() * other

    def exp(self):
        r"""
        Return `e^x`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: RB = RealBallField(53); Jet.variable(RB(0), 0).exp().gradient
            {0: 1.000000000000000}
        """
        e = self.value.exp()
        return self._chain(e, e)

    def sqrt(self):
        r"""
        Return `\sqrt x`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.functional import Jet
            sage: RB = RealBallField(53); Jet.variable(RB(4), 0).sqrt().gradient
            {0: 0.2500000000000000}
        """
        s = self.value.sqrt()
        return self._chain(s, 1 / (2 * s))


def _const(x, c):
    r"""The constant ``c`` in the field of the jet ``x``.

    TESTS::

        sage: from sage_conslaw.architectures.functional import Jet, _const
        sage: _const(Jet(RealBallField(53)(1)), 2).parent()
        Real ball field with 53 bits of precision
    """
    return x.value.parent()(c)


def tanh(x):
    r"""
    `\tanh x` on a jet.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, tanh
        sage: tanh(Jet.variable(RealBallField(53)(0), 0)).gradient
        {0: 1.000000000000000}
    """
    t = x.value.tanh()
    return x._chain(t, 1 - t * t)


def sigmoid(x):
    r"""
    The logistic sigmoid `1 / (1 + e^{-x})` on a jet.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, sigmoid
        sage: s = sigmoid(Jet.variable(RealBallField(53)(0), 0)); s.value, s.gradient
        (0.5000000000000000, {0: 0.2500000000000000})
    """
    s = 1 / (1 + (-x.value).exp())
    return x._chain(s, s * (1 - s))


def softplus(x):
    r"""
    `\log(1 + e^x)` on a jet (PyTorch's ``Softplus`` with ``beta = 1``).

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, softplus
        sage: s = softplus(Jet.variable(RealBallField(53)(0), 0)); s.value, s.gradient
        ([0.693147180559945...], {0: 0.5000000000000000})
    """
    return x._chain((1 + x.value.exp()).log(), 1 / (1 + (-x.value).exp()))


def gelu(x):
    r"""
    `x \Phi(x) = \frac x2 (1 + \mathrm{erf}(x / \sqrt 2))` on a jet (PyTorch's exact ``GELU``).

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, gelu
        sage: RB = RealBallField(64); g = gelu(Jet.variable(RB(1), 0))
        sage: g.value      # 1 * Phi(1)
        [0.84134474606854294...]
        sage: g.gradient[0]    # Phi(1) + phi(1)
        [1.08331547058768...]
    """
    RB = x.value.parent()
    v = x.value
    cdf = (1 + (v / RB(2).sqrt()).erf()) / 2
    pdf = (-(v * v) / 2).exp() / (2 * RB.pi()).sqrt()
    return x._chain(v * cdf, cdf + v * pdf)


def silu(x):
    r"""
    `x \sigma(x)` (SiLU, "swish") on a jet.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, silu
        sage: silu(Jet.variable(RealBallField(53)(0), 0)).gradient
        {0: 0.5000000000000000}
    """
    return x * sigmoid(x)


def relu(x):
    r"""
    `\max(x, 0)` on a jet whose value is certainly nonzero; a ball containing 0
    raises ``ArithmeticError`` (the caller draws another input: certificates use
    points inside activation regions only).

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, relu
        sage: RB = RealBallField(53)
        sage: relu(Jet.variable(RB(-1), 0)).gradient, relu(Jet.variable(QQ(2), 0)).gradient
        ({}, {0: 1})
        sage: relu(Jet.variable(RB(0), 0))
        Traceback (most recent call last):
        ...
        ArithmeticError: a ReLU argument is not certainly nonzero
    """
    v = x.value if isinstance(x, Jet) else x
    if v > 0:
        return x
    if v < 0:
        return Jet(0 * v, {}) if isinstance(x, Jet) else 0 * v
    raise ArithmeticError("a ReLU argument is not certainly nonzero")


def identity(x):
    r"""
    The identity (a linear layer).

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import identity
        sage: identity(3)
        3
    """
    return x


#: The activations, by name: analytic ones (no rescaling symmetry) and the
#: positively homogeneous ones (``relu``: one rescaling law per neuron).
ACTIVATIONS = {"gelu": gelu, "silu": silu, "tanh": tanh, "sigmoid": sigmoid, "softplus": softplus,
               "relu": relu, "linear": identity}

#: The positively homogeneous activations of :data:`ACTIVATIONS` (`\sigma(\lambda z) = \lambda \sigma(z)`, `\lambda > 0`).
HOMOGENEOUS = ("relu", "linear")


def matvec(W, x, b=None):
    r"""
    `W x (+ b)` for a matrix ``W`` (a list of rows) and a vector ``x`` (a list), entries jets or numbers.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import matvec
        sage: matvec([[1, 2], [3, 4]], [1, 1], [10, 20])
        [13, 27]
    """
    out = []
    for i, row in enumerate(W):
        s = b[i] if b is not None else 0
        for w, xj in zip(row, x):
            s = w * xj + s
        out.append(s)
    return out


def softmax(z):
    r"""
    The softmax of a list of jets (shifted by the first value's midpoint for range).

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Jet, softmax
        sage: RB = RealBallField(53)
        sage: s = softmax([Jet.variable(RB(0), 0), Jet(RB(0))]); s[0].value, s[0].gradient
        (0.5000000000000000, {0: 0.2500000000000000})
        sage: softmax([RB(0), RB(0)])
        [0.5000000000000000, 0.5000000000000000]
    """
    m = _midpoint(z[0].value if isinstance(z[0], Jet) else z[0])
    e = [(zi - m).exp() for zi in z]
    total = e[0]
    for ei in e[1:]:
        total = total + ei
    inv = 1 / total
    return [ei * inv for ei in e]


def _midpoint(x):
    r"""
    An exact rational near the number ``x`` (a ball, a dual number over balls, or a rational).

    TESTS::

        sage: from sage_conslaw.architectures.functional import _midpoint, Dual
        sage: RB = RealBallField(53)
        sage: _midpoint(RB(1) / 2), _midpoint(QQ(3)), _midpoint(Dual(RB(2), RB(1)))
        (1/2, 3, 2)
    """
    while isinstance(x, Dual):
        x = x.a
    if hasattr(x, "mid"):
        return x.mid().exact_rational()
    return QQ(x)


class DualField:
    r"""
    The dual numbers `a + b\varepsilon` (`\varepsilon^2 = 0`) over a field of balls: the
    numbers of a network evaluated at `\theta + \varepsilon v`, whose gradients' `\varepsilon`
    parts are Hessian-vector products (the brackets of the gradient fields).

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import DualField
        sage: F = DualField(RealBallField(53)); F(2)
        Dual(2.000000000000000, 0)
        sage: F.pi().a
        [3.141592653589793 +/- ...e-16]
    """

    def __init__(self, base):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import DualField
            sage: DualField(QQ).base
            Rational Field
        """
        self.base = base

    def __call__(self, c):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import DualField
            sage: DualField(QQ)(3).b
            0
        """
        return c if isinstance(c, Dual) else Dual(self.base(c), self.base(0))

    def one(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import DualField
            sage: DualField(QQ).one().a
            1
        """
        return self(1)

    def pi(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import DualField
            sage: DualField(RealBallField(20)).pi().b
            0
        """
        return self(self.base.pi())


class Dual:
    r"""
    A dual number `a + b\varepsilon` over balls, with the elementary functions the networks use.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import Dual
        sage: RB = RealBallField(53)
        sage: x = Dual(RB(1), RB(1)); (x * x).b, x.exp().b, (1 / x).b
        (2.000000000000000, [2.718281828459045 +/- ...e-16], -1.000000000000000)
        sage: (x - 1 + x / 2).a, (-x).b, x > 0, x < 0
        (0.5000000000000000, -1.000000000000000, True, False)
        sage: from sage_conslaw.architectures.functional import Jet
        sage: (x * Jet(x, {0: x})).gradient      # a jet on the right takes over
        {0: Dual(1.000000000000000, 2.000000000000000)}
    """
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)).b
            2
        """
        self.a, self.b = a, b

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2))
            Dual(1, 2)
        """
        return "Dual(%s, %s)" % (self.a, self.b)

    def parent(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)).parent().base
            Rational Field
        """
        return DualField(self.a.parent())

    def _lift(self, c):
        r"""A constant as a dual number.

        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2))._lift(5)
            Dual(5, 0)
        """
        if isinstance(c, Dual):
            return c
        P = self.a.parent()
        return Dual(P(c), P(0))

    def __add__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)) + 1
            Dual(2, 2)
        """
        if type(other) is Dual:
            return Dual(self.a + other.a, self.b + other.b)
        if isinstance(other, Jet):
            return NotImplemented
        return Dual(self.a + other, self.b)       # a constant (of the field or coercible to it)

    __radd__ = __add__

    def __neg__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: -Dual(QQ(1), QQ(2))
            Dual(-1, -2)
        """
        return Dual(-self.a, -self.b)

    def __sub__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)) - Dual(QQ(1), QQ(1)), Dual(QQ(1), QQ(2)) - 5
            (Dual(0, 1), Dual(-4, 2))
        """
        if type(other) is Dual:
            return Dual(self.a - other.a, self.b - other.b)
        if isinstance(other, Jet):
            return NotImplemented
        return Dual(self.a - other, self.b)

    def __rsub__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: 3 - Dual(QQ(1), QQ(2))
            Dual(2, -2)
        """
        if isinstance(other, Jet):
            return NotImplemented
        return self._lift(other) - self

    def __mul__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)) * Dual(QQ(3), QQ(1)), Dual(QQ(1), QQ(2)) * 3
            (Dual(3, 7), Dual(3, 6))
        """
        if type(other) is Dual:
            return Dual(self.a * other.a, self.a * other.b + self.b * other.a)
        if isinstance(other, Jet):
            return NotImplemented
        return Dual(self.a * other, self.b * other)     # a constant

    __rmul__ = __mul__

    def __truediv__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)) / 2
            Dual(1/2, 1)
        """
        if isinstance(other, Jet):
            return NotImplemented
        o = self._lift(other)
        inv = 1 / o.a
        return Dual(self.a * inv, (self.b * o.a - self.a * o.b) * inv * inv)

    def __rtruediv__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: 1 / Dual(QQ(2), QQ(1))
            Dual(1/2, -1/4)
        """
        if isinstance(other, Jet):
            return NotImplemented
        return self._lift(other) / self

    def __gt__(self, other):
        r"""
        Compare the values (certainly, for balls).

        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)) > 0
            True
        """
        return self.a > self._lift(other).a

    def __lt__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2)) < 0
            False
        """
        return self.a < self._lift(other).a

    def _f(self, value, derivative):
        r"""`f(a + b\varepsilon) = f(a) + f'(a) b \varepsilon`.

        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(QQ(1), QQ(2))._f(QQ(5), QQ(3))
            Dual(5, 6)
        """
        return Dual(value, derivative * self.b)

    def exp(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(RealBallField(53)(0), 1).exp()
            Dual(1.000000000000000, 1.000000000000000)
        """
        e = self.a.exp()
        return self._f(e, e)

    def log(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(RealBallField(53)(1), 1).log()
            Dual(0, 1.000000000000000)
        """
        return self._f(self.a.log(), 1 / self.a)

    def sqrt(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(RealBallField(53)(4), 1).sqrt()
            Dual(2.000000000000000, 0.2500000000000000)
        """
        r = self.a.sqrt()
        return self._f(r, 1 / (2 * r))

    def tanh(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(RealBallField(53)(0), 1).tanh()
            Dual(0, 1.000000000000000)
        """
        t = self.a.tanh()
        return self._f(t, 1 - t * t)

    def erf(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(RealBallField(53)(0), 1).erf().b
            [1.128379167095513 +/- ...e-16]
        """
        P = self.a.parent()
        return self._f(self.a.erf(), 2 * (-self.a * self.a).exp() / P.pi().sqrt())

    def mid(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import Dual
            sage: Dual(RealBallField(53)(3), 1).mid()
            3.00000000000000
        """
        return self.a.mid()


class NetworkCount:
    r"""
    The number of conservation laws of the network near a point, and whether it is proven.

    Attributes: ``number_of_laws`` (the declared laws independent at `\theta`,
    a lower bound, exact when ``certified``), ``upper_bound`` (`D - r`),
    ``gradient_rank`` (`r`, the proven lower bound of the rank of the
    network's gradients), ``D``, ``certified``, ``reason``, ``point``,
    ``seconds``.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import NetworkCount
        sage: NetworkCount(10, 2, 8, [1] * 10, 0.1)
        Network count: 2 conservation laws (D = 10, rank of the network's gradients >= 8), certified
        sage: NetworkCount(10, 2, 7, [1] * 10, 0.1).upper_bound
        3
    """

    def __init__(self, D, number_of_laws, gradient_rank, point, seconds, what="", preface="", exact=None):
        r"""
        ``what`` says what the rank is of (default: the network's own
        gradients in balls); ``preface`` and ``exact`` go to the certificate
        (:func:`~sage_conslaw.core.certificate.rank_meets_laws`): a route whose
        rank is the dimension itself counts the laws even beyond the declared ones.

        TESTS::

            sage: from sage_conslaw.architectures.functional import NetworkCount
            sage: c = NetworkCount(4, 1, 2, [1] * 4, 0.1, what="of Lie(W_phi)(theta)", preface="W = W_phi: ",
            ....:                  exact="phi's count"); c
            Network count: 2 conservation laws (D = 4, rank of the network's gradients >= 2), certified
            sage: c.reason == c.certificate.reason, c.reason
            (True, "W = W_phi: the rank 2 of Lie(W_phi)(theta) is dim Lie(W)(theta), proven by the exact route: phi's count; so the network has exactly 2 conservation laws near theta, of which 1 declared law independent at theta (the others are not known in closed form)")
            sage: print(NetworkCount(4, 1, 2, [1] * 4, 0.1).reason)
            not certified: the rank 2 of the network's own gradients (proven in ball arithmetic) is only a lower bound of dim Lie(W)(theta); 1 declared law independent at theta: the network has between 1 and 2 laws near theta
            sage: print(NetworkCount(4, 1, 3, [1] * 4, 0.1).reason)
            the rank 3 of the network's own gradients (proven in ball arithmetic) meets the bound D - N = 3 given by 1 declared law independent at theta: these are all the laws of the network near theta
            sage: NetworkCount(4, 1, 3, [1] * 4, 0.1).certificate.certified
            True
        """
        self.D, self.number_of_laws, self.gradient_rank = D, number_of_laws, gradient_rank
        self.point, self.seconds = point, seconds
        self.upper_bound = D - gradient_rank
        #: the verdict and its reason, from the one place that decides them
        self.certificate = rank_meets_laws(D, gradient_rank, number_of_laws,
                                           what if preface or exact else
                                           "of the network's own gradients%s (proven in ball arithmetic)" % what,
                                           "declared law", lower_source="rank of the network's gradients in balls",
                                           conclusion=": these are all the laws of the network near theta",
                                           preface=preface, exact=exact)
        self.certified = self.certificate.certified
        self.reason = self.certificate.reason
        if exact and self.certified:
            self.number_of_laws = self.certificate.number_of_laws

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.functional import NetworkCount
            sage: NetworkCount(4, 1, 2, [1] * 4, 0.1)
            Network count: between 1 and 2 conservation laws (D = 4, rank of the network's gradients >= 2), not certified
        """
        n = (str(self.number_of_laws) if self.certified
             else "between %s and %s" % (self.number_of_laws, self.upper_bound))
        return "Network count: %s conservation laws (D = %s, rank of the network's gradients >= %s), %s" % (
            n, self.D, self.gradient_rank, "certified" if self.certified else "not certified")


def network_gradient_rows(forward, theta, inputs, RB, direction=None):
    r"""
    Return the rows `\nabla_\theta g_o(\theta, x)` for every input ``x`` and
    output `o`, in ball arithmetic, and the list of ``(input index, output index)`` of the rows.

    ``forward(params, x)`` maps the list of the `D` parameter jets and an input
    to the list of output jets.  An input for which a ReLU argument is not
    certainly nonzero is skipped.  With ``direction`` `v` (a list of `D`
    balls), the network is evaluated at `\theta + \varepsilon v` in dual
    numbers and the rows are the Hessian-vector products `H_{x, o} v` instead.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import network_gradient_rows, tanh
        sage: RB = RealBallField(53)
        sage: f = lambda p, x: [p[1] * tanh(p[0] * x)]
        sage: rows, used = network_gradient_rows(f, [1, 2], [1, 2], RB); len(rows), used
        (2, [(0, 0), (1, 0)])
        sage: f = lambda p, x: [p[0] * p[1] * x]
        sage: network_gradient_rows(f, [1, 2], [3], RB, direction=[RB(1), RB(0)])[0]     # H = x [[0, 1], [1, 0]]
        [[0, 3.000000000000000]]
    """
    D = len(theta)
    if direction is None:
        params = [Jet.variable(RB(t), i) for i, t in enumerate(theta)]
        part = lambda g: g
    else:
        params = [Jet(Dual(RB(t), RB(v)), {i: Dual(RB(1), RB(0))}) for i, (t, v) in enumerate(zip(theta, direction))]
        part = lambda g: g.b
    rows, used = [], []
    for k, x in enumerate(inputs):
        try:
            outs = forward(params, x)
        except ArithmeticError:
            continue
        for o, out in enumerate(outs):
            row = [RB(0)] * D
            if isinstance(out, Jet):
                for i, g in out.gradient.items():
                    row[i] = row[i] + part(g)
            rows.append(row)
            used.append((k, o))
    return rows, used


def bracket_rows(forward, theta, inputs, rows, used, pairs, RB):
    r"""
    Return the brackets `[X_p, X_q] = H_q X_p - H_p X_q` of the gradient fields
    of the rows ``p, q`` for each pair of ``pairs`` (ball arithmetic): elements
    of `\mathrm{Lie}(W)(\theta)` beyond `W(\theta)`.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import network_gradient_rows, bracket_rows
        sage: RB = RealBallField(53)
        sage: f = lambda p, x: [p[0] * p[1] * x]
        sage: rows, used = network_gradient_rows(f, [1, 2], [1, 3], RB)
        sage: bracket_rows(f, [1, 2], [1, 3], rows, used, [(0, 1)], RB)    # fields x (v, u): brackets vanish
        [[0, 0]]
    """
    out = []
    cache = {}

    def hess(p, q):
        # H_q X_p: the network at input of row q, along the field of row p
        key = (p, used[q][0])
        if key not in cache:
            cache[key] = network_gradient_rows(forward, theta, [inputs[used[q][0]]], RB, direction=rows[p])
        hrows, hused = cache[key]
        for r, (_, o) in zip(hrows, hused):
            if o == used[q][1]:
                return r
        raise ArithmeticError("the input of a row was skipped")   # pragma: no cover

    for p, q in pairs:
        a, b = hess(p, q), hess(q, p)
        out.append([ai - bi for ai, bi in zip(a, b)])
    return out


def grouped_bracket_rows(forward, theta, inputs, rows, used, count, RB, seed=0, group=GROUPED_BRACKET_FIELDS):
    r"""
    Return at least ``count`` brackets of gradient fields, ``group`` fields at a time taken at one
    input (ball arithmetic): at an input `x` of `n \ge 3` output rows, the fields `X_a = \sum_o c_{ao}
    \nabla_\theta g_o(\theta, x)` (small random integers `c`) and one forward pass in dual numbers along
    each, which gives `H_o X_a` for every output `o` at once; then every pair
    `[X_a, X_b] = \sum_o c_{bo} H_o X_a - \sum_o c_{ao} H_o X_b`.  So `k` passes give `k(k-1)/2`
    brackets, where random pairs of rows (:func:`bracket_rows`) cost two passes each.  Returns
    ``None`` when no input has 3 rows (the caller draws random pairs).

    EXAMPLES:

    The network reads `p_0 p_1` only, so `p_0^2 - p_1^2` is conserved: its gradient `(2p_0, -2p_1)`
    annihilates the fields and their brackets::

        sage: from sage_conslaw.architectures.functional import network_gradient_rows, grouped_bracket_rows
        sage: RB = RealBallField(53)
        sage: f = lambda p, x: [p[0] * p[1] * x, (p[0] * p[1]) * (p[0] * p[1]) * x, p[0] * p[1] + x]
        sage: rows, used = network_gradient_rows(f, [1, 2], [1, 3], RB)
        sage: B = grouped_bracket_rows(f, [1, 2], [1, 3], rows, used, 7, RB); len(B)         # 3 groups of 3
        9
        sage: all((2 * b[0] - 4 * b[1]).contains_zero() for b in B)
        True

    A bracket that is not zero: `g = (p_0 p_1, p_0^2, p_1)` has the fields `(p_1, p_0)`, `(2p_0, 0)`,
    `(0, 1)`, and `[(p_1, p_0), (0, 1)] = (1, 0)`; no input with 3 rows, no group::

        sage: g = lambda p, x: [p[0] * p[1], p[0] * p[0], p[1]]
        sage: rows, used = network_gradient_rows(g, [1, 2], [None], RB)
        sage: B = grouped_bracket_rows(g, [1, 2], [None], rows, used, 1, RB, group=3)
        sage: len(B), any(not b[0].contains_zero() for b in B)
        (3, True)
        sage: h = lambda p, x: [p[0] * x, p[0]]
        sage: grouped_bracket_rows(h, [1], [2], *network_gradient_rows(h, [1], [2], RB), 1, RB) is None
        True
    """
    by_input = {}
    for r, (k, _) in enumerate(used):
        by_input.setdefault(k, []).append(r)
    multi = sorted(k for k, idx in by_input.items() if len(idx) >= 3)
    if not multi:
        return None
    rng = np.random.default_rng(seed)
    order = [multi[int(i)] for i in rng.permutation(len(multi))]
    out = []
    n = 0
    while len(out) < count:
        x = order[n % len(order)]
        n += 1
        idx = by_input[x]
        k = min(group, len(idx))
        C = [[int(c) for c in rng.integers(-3, 4, size=len(idx))] for _ in range(k)]
        dirs = [[sum((c * rows[r][i] for c, r in zip(row, idx) if c), RB(0)) for i in range(len(theta))] for row in C]
        H = []
        for d in dirs:
            hrows, hused = network_gradient_rows(forward, theta, [inputs[x]], RB, direction=d)
            H.append({o: h for h, (_, o) in zip(hrows, hused)})
        outs = [used[r][1] for r in idx]
        for a in range(k):
            for b in range(a + 1, k):
                DXb_Xa = [sum((c * H[a][o][i] for c, o in zip(C[b], outs) if c), RB(0)) for i in range(len(theta))]
                DXa_Xb = [sum((c * H[b][o][i] for c, o in zip(C[a], outs) if c), RB(0)) for i in range(len(theta))]
                out.append([u - v for u, v in zip(DXb_Xa, DXa_Xb)])
    return out


def jet_gradients(forward, values, x, zero):
    r"""
    The gradients of the outputs of ``forward`` at parameter values ``values`` (numbers of any
    kind: balls, dual numbers, dual numbers of dual numbers) and input ``x``, as dense lists;
    ``None`` when an activation region is not certain at ``x``.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import jet_gradients, Dual
        sage: RB = RealBallField(53)
        sage: f = lambda p, x: [p[0] * p[0] * p[1] * x]
        sage: jet_gradients(f, [RB(1), RB(2)], 3, RB(0))
        [[12.00000000000000, 3.000000000000000]]
        sage: g = jet_gradients(f, [Dual(RB(1), RB(1)), Dual(RB(2), RB(0))], 3, Dual(RB(0), RB(0)))
        sage: g[0][1]     # d/dp1 = 3 p0^2, and its derivative along (1, 0): 6 p0
        Dual(3.000000000000000, 6.000000000000000)
    """
    one = zero + 1
    params = [Jet(v, {i: one}) for i, v in enumerate(values)]
    try:
        outs = forward(params, x)
    except ArithmeticError:
        return None
    rows = []
    for out in outs:
        row = [zero] * len(values)
        if isinstance(out, Jet):
            for i, g in out.gradient.items():
                row[i] = row[i] + g
        rows.append(row)
    return rows


def second_bracket_rows(forward, theta, inputs, rows, used, triples, RB):
    r"""
    Return the brackets `[X_r, [X_p, X_q]]` of the gradient fields of the rows ``r, p, q`` of each
    triple (ball arithmetic, dual numbers of dual numbers for the third derivatives): elements of
    `\mathrm{Lie}(W)(\theta)` of the second level.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import network_gradient_rows, second_bracket_rows
        sage: RB = RealBallField(53)
        sage: f = lambda p, x: [p[0] * p[1] * x]
        sage: rows, used = network_gradient_rows(f, [1, 2], [1, 3], RB)
        sage: second_bracket_rows(f, [1, 2], [1, 3], rows, used, [(0, 0, 1)], RB)
        [[0, 0]]
    """
    D = len(theta)
    zero = RB(0)
    dzero = Dual(zero, zero)

    def grad_row(k, values, z):
        g = jet_gradients(forward, values, inputs[used[k][0]], z)
        if g is None:
            raise ArithmeticError("the input of a row was skipped")   # pragma: no cover
        return g[used[k][1]]

    out = []
    for r, p, q in triples:
        w = rows[r]
        base = [Dual(RB(t), wi) for t, wi in zip(theta, w)]             # theta + eps2 w

        def d_hess(a, b):
            # (H_b X_a)(theta + eps2 w), as dual numbers: .a = H_b X_a, .b = D(H_b X_a) w
            Xa = grad_row(a, base, dzero)                                # X_a(theta + eps2 w)
            vals = [Dual(bv, xa) for bv, xa in zip(base, Xa)]            # + eps1 X_a
            g = grad_row(b, vals, Dual(dzero, dzero))
            return [gi.b for gi in g]
        hpq, hqp = d_hess(p, q), d_hess(q, p)
        bracket = [u.a - v.a for u, v in zip(hpq, hqp)]                  # B = [X_p, X_q] at theta
        DB_w = [u.b - v.b for u, v in zip(hpq, hqp)]
        vals = [Dual(RB(t), bi) for t, bi in zip(theta, bracket)]
        DXr_B = [gi.b for gi in grad_row(r, vals, dzero)]
        out.append([a - b for a, b in zip(DB_w, DXr_B)])
    return out


def certified_gradient_rank(forward, theta, inputs, precision=BALL_PRECISION, brackets=0, seed=0, second=0, wanted=None):
    r"""
    Return a proven lower bound of the rank of the network's gradients at
    ``theta`` over ``inputs`` (ball arithmetic; the precision doubled up to 3
    times while the minor of the floating-point rank is not proven nonzero),
    with ``brackets`` random brackets of pairs of them and ``second`` random brackets
    `[X_r, [X_p, X_q]]` (elements of the Lie algebra) added.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import certified_gradient_rank, gelu
        sage: f = lambda p, x: [p[1] * gelu(p[0] * x)]
        sage: certified_gradient_rank(f, [QQ(1)/2, 2], [QQ(1), QQ(-2), QQ(3)])
        2
        sage: certified_gradient_rank(lambda p, x: [p[0] * p[1] * x], [1, 2], [QQ(1), QQ(2)])   # through a product
        1
    """
    def matrix_at(RB):
        rows, used = network_gradient_rows(forward, theta, inputs, RB)
        if not rows:
            return None
        extra = []
        if brackets and len(rows) > 1:
            rng = np.random.default_rng(seed)
            pairs = [tuple(int(i) for i in rng.choice(len(rows), size=2, replace=False)) for _ in range(brackets)]
            extra = bracket_rows(forward, theta, inputs, rows, used, pairs, RB)
        if second and len(rows) > 2:
            rng2 = np.random.default_rng(seed + 1)
            triples = [tuple(int(i) for i in rng2.choice(len(rows), size=3, replace=False)) for _ in range(second)]
            extra += second_bracket_rows(forward, theta, inputs, rows, used, triples, RB)
        return matrix(RB, rows + extra)
    return rank_in_balls(matrix_at, precision, doublings=3, wanted=wanted)


def grouped_bracket_rank(forward, theta, inputs, count, wanted, precision=BALL_PRECISION, seed=0):
    r"""
    Return a proven lower bound of the rank of the network's gradients at ``theta`` with
    ``count`` brackets of :func:`grouped_bracket_rows`, or ``None`` when no input has 3 output rows.

    The rank is proven by :func:`~sage_conslaw.architectures.attention._certified_rank`, asked
    for ``wanted``; while it falls short, the rows are computed again at twice the precision
    (up to 4 times ``precision``) as long as the precision gained rank: a direction of size
    `10^{-33}` (RMSNorm's `\varepsilon = 2^{-52}` against a scaling, through the elimination of
    larger ones) may need 256 bits.

    EXAMPLES::

        sage: from sage_conslaw.architectures.functional import grouped_bracket_rank
        sage: f = lambda p, x: [p[0] * p[1] * x, p[1] * p[2] * x, p[0] * x]
        sage: grouped_bracket_rank(f, [1, 2, 3], [1, 2], 3, 3)
        3
        sage: grouped_bracket_rank(lambda p, x: [p[0] * x], [1], [1], 1, 1) is None
        True
    """
    best, last = None, None
    for prec in (precision, 2 * precision, 4 * precision):
        RB = RealBallField(prec)
        rows, used = network_gradient_rows(forward, theta, inputs, RB)
        extra = grouped_bracket_rows(forward, theta, inputs, rows, used, count, RB, seed=seed)
        if extra is None:
            return None
        r = _certified_rank(matrix(RB, rows + extra), RB, wanted=wanted)
        best = r if best is None else max(best, r)
        if best >= wanted or (last is not None and r <= last):
            break
        last = r
    return best


def small_rational_point(D, rng, bound=9, denominator=4):
    r"""
    A random point of nonzero rationals `k / 4`, `1 \le |k| \le 9` (small values keep
    the analytic activations and the softmax away from saturation).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures.functional import small_rational_point
        sage: p = small_rational_point(5, np.random.default_rng(int(0))); len(p), all(x != 0 for x in p)
        (5, True)
    """
    return [QQ((int(k) * int(s), denominator)) for k, s in zip(rng.integers(1, bound + 1, size=D),
                                                              rng.choice([-1, 1], size=D))]


class NetworkLaws:
    r"""
    Mixin of the families whose network may have laws beyond those of its
    `\phi`: :meth:`network_symmetry_laws` (declared, each with its reason), and
    :meth:`network_trace`, the certified count of the network's laws.

    A subclass defines ``_network_output(params, x)`` (the network on the list
    of parameter jets, in the order of the coordinates, and an input) and
    ``_random_input(rng)``.

    EXAMPLES::

        sage: from sage_conslaw.architectures.activations import MLP
        sage: MLP(2, [3], 1, 'gelu').network_trace().number_of_laws
        0
    """

    #: How many times more output rows than `D` the samples give (a margin over the rank).
    ROW_FACTOR = 2

    #: How many more brackets than the missing rank are drawn when the gradients alone fall short.
    BRACKET_MARGIN = 4

    #: Whether the network's gradients can span `W_\phi` (Theorem 2.14's route of
    #: :meth:`network_trace`); a family whose network has a symmetry that is not one of
    #: `\phi` (proven) says ``False`` and skips the Jacobian of `\phi` that the route needs.
    GRADIENTS_MAY_SPAN_PHI = True

    def network_symmetry_laws(self):
        r"""
        Return the declared laws of the network that are not laws of `\phi`
        (default: none), as polynomials of the ring of the parameters.

        Not to be confused with
        :meth:`~sage_conslaw.core.model.ConservationModel.symmetry_laws`, which
        every family keeps with its meaning: the laws of the linear symmetries
        of `\phi` the model declares (:meth:`symmetries`), checked exactly.

        EXAMPLES::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(2, 1, 1).network_symmetry_laws()
            []
            sage: GatedMLP(2, 1, 1).symmetry_laws(check=True)    # the laws of the symmetries of phi
            []
        """
        return []

    def network_laws(self):
        r"""
        Return the declared laws of the network: the known laws of `\phi` and :meth:`network_symmetry_laws`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: MLP(1, [1], 1, 'relu', bias=False).network_laws()
            [W1_0_0^2 - W2_0_0^2]
        """
        return list(self.known_conservation_laws()) + list(self.network_symmetry_laws())

    def _draw_point(self, rng):
        r"""A random point for :meth:`network_trace` (default: :func:`small_rational_point`).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.activations import MLP
            sage: len(MLP(1, [1], 1)._draw_point(np.random.default_rng(int(0))))
            4
        """
        return small_rational_point(self.D, rng)

    def _number_of_output_rows(self, x):
        r"""The number of outputs of the network at one input (default: its output dimension).

        TESTS::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: MLP(1, [1], 3, 'relu')._number_of_output_rows(None)
            3
        """
        return self.output_dimension

    def network_trace(self, point=None, samples=None, seed=0, precision=BALL_PRECISION):
        r"""
        Return the number of conservation laws of the network near ``point``
        (a :class:`NetworkCount`), proven when the rank of the network's own
        gradients meets `D - N` (see the module documentation).

        INPUT:

        - ``point`` -- `\theta` (default: small random rationals, redrawn while the
          declared laws' gradients are not independent there)
        - ``samples`` -- the number of inputs (default: about ``2 D / outputs``)
        - ``seed`` -- the seed of the point and inputs
        - ``precision`` -- bits of the balls (doubled when needed)

        EXAMPLES::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: res = MLP(2, [3], 2, 'relu').network_trace(); res
            Network count: 3 conservation laws (D = 17, rank of the network's gradients >= 14), certified
            sage: MLP(2, [3], 2, 'tanh').network_trace().number_of_laws
            0

        When the gradients alone fall short of `D - N`, brackets of them are added (first
        ``[X_p, X_q]`` by Hessian-vector products, then ``[X_r, [X_p, X_q]]`` by third
        derivatives in dual numbers of dual numbers); LayerNorm with its affine parameters
        and biases needs the second level, as its `\phi` does::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: res = NormalizedMLP(3, 3, 2, 'layer', eps=1e-5).network_trace(); res.number_of_laws, res.certified
            (7, True)
            sage: res.reason
            "the rank 19 of the network's own gradients (with brackets of the gradient fields, two levels) ..."
        """
        start = time.time()
        rng = np.random.default_rng(seed)
        laws = self.network_laws()
        R = self.polynomial_ring()
        if point is not None:
            theta = list(self._point(point))
            N = _law_rank(laws, R, theta)
        else:
            best = None
            for _ in range(6):
                theta = self._draw_point(rng)
                N = _law_rank(laws, R, theta)
                if best is None or N > best[1]:
                    best = (theta, N)
                if N == len(laws):
                    break
            theta, N = best
        if samples is None:
            per = max(1, self._number_of_output_rows(None))
            samples = max(2, -(-self.ROW_FACTOR * self.D // per) + 2)
        samples = positive_integer(samples, "samples")
        inputs = [self._random_input(rng) for _ in range(samples)]
        rank = certified_gradient_rank(self._network_output, theta, inputs, precision, wanted=self.D - N)
        what = ""
        if (rank < self.D - N and self.GRADIENTS_MAY_SPAN_PHI and not self.network_symmetry_laws()
                and rank == self.jacobian(theta).rank()
                and generic_rank_within(self.gradient_fields(), GENERIC_JACOBIAN_SECONDS) == rank):
            # the network's gradients span W_phi(theta), and theta is a point where the Jacobian of
            # phi has its generic rank (its rank over QQ(theta), computed): near theta the two
            # distributions are equal (W(theta') in W_phi(theta'), both of the same locally constant
            # rank), so are their Lie algebras, and the network has exactly the laws of phi, counted
            # by the engine.  At a point where the Jacobian's rank drops, W_phi grows nearby while
            # the network's span need not: that case takes the brackets' route below.
            res = self.lie_trace(point=theta)
            if res.certified:
                preface = ("the rank %s of the network's own gradients (proven in ball arithmetic) is that of the "
                           "Jacobian of phi at theta, a point of its generic rank: the network's fields span W_phi "
                           "near theta, so Lie(W) = Lie(W_phi); " % rank)
                return NetworkCount(self.D, N, self.D - res.number_of_laws, theta, time.time() - start,
                                    what="of Lie(W_phi)(theta) (phi's count: %s)" % res.reason, preface=preface,
                                    exact="the count of phi" if res.number_of_laws > N else None)
        if rank < self.D - N:
            # the gradients alone do not reach D - N: add brackets (elements of Lie(W) beyond W)
            # brackets of fields taken at one input, in groups (one pass per field), else random pairs
            first = grouped_bracket_rank(self._network_output, theta, inputs, self.D - rank + self.BRACKET_MARGIN,
                                         self.D - N, max(precision, BRACKET_PRECISION), seed)
            if first is None or first < self.D - N:
                first = max(first or 0, certified_gradient_rank(
                    self._network_output, theta, inputs, precision, brackets=self.D - rank + self.BRACKET_MARGIN,
                    seed=seed, wanted=self.D - N))
            what = " (with brackets of the gradient fields)"
            if first < self.D - N:
                # second-level brackets [X_r, [X_p, X_q]] (third derivatives, dual numbers of dual numbers)
                first = max(first, certified_gradient_rank(
                    self._network_output, theta, inputs, precision, brackets=self.D - rank + self.BRACKET_MARGIN,
                    seed=seed, second=2 * (self.D - N - first) + self.BRACKET_MARGIN, wanted=self.D - N))
                what = " (with brackets of the gradient fields, two levels)"
            rank = max(rank, first)
        return NetworkCount(self.D, N, rank, theta, time.time() - start, what)


def _law_rank(laws, R, theta):
    r"""
    The exact rank of the gradients of ``laws`` (polynomials of ``R``) at ``theta``.

    TESTS::

        sage: from sage_conslaw.architectures.functional import _law_rank
        sage: R.<a, b> = QQ[]
        sage: _law_rank([a^2 - b^2, 2*a^2 - 2*b^2, a^4], R, [1, 2]), _law_rank([], R, [1, 2])
        (2, 0)
    """
    if not laws:
        return 0
    J = matrix(QQ, [[f.derivative(v)(*theta) for v in R.gens()] for f in laws])
    return J.rank()
