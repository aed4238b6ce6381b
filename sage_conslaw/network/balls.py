r"""
The network in ball arithmetic: the proof of a count when the network has
analytic ops (GELU, SiLU, tanh, sigmoid, softplus, LayerNorm, RMSNorm, rsqrt).

An analytic op has no exact value modulo `p`; its value and derivatives are
enclosed in balls instead (Arb, ``RealBallField``: each number an interval
guaranteed to contain the exact value).  :class:`BallBackend` runs the graph
on :class:`~sage_conslaw.architectures.functional.Jet` of balls (forward-mode
gradients in `\theta`), of dual numbers (Hessian-vector products: the
brackets of gradient fields) and of dual numbers of dual numbers (second-level
brackets), through each op's :meth:`~sage_conslaw.network.ops.analytic.Analytic.jet`;
:func:`ball_rank` then proves a square minor of the rows nonzero
(:func:`~sage_conslaw.architectures.functional.certified_gradient_rank`): a
proven lower bound of `\dim\mathrm{Lie}(W_{net})(\theta)`, since every row is
the value at `\theta` of a field of the network or of a bracket of them.  A
ReLU (or a softplus threshold, an ``rsqrt``) whose argument's ball is not on
one side is an ``ArithmeticError``: that sample is dropped.

EXAMPLES::

    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.balls import ball_rank
    sage: net = Network.sequential(1, [('linear', 2), 'tanh', ('linear', 1, False)])
    sage: ball_rank(net, [1/2, -1, 1/4, 1/3, 1, 2], [[QQ(1)], [QQ(-2)], [QQ(3)], [QQ(1/2)], [QQ(5)], [QQ(-1)]])
    6
"""
import numpy as np

from sage.rings.rational_field import QQ

from sage_conslaw.architectures.functional import Jet, certified_gradient_rank, relu
from sage_conslaw.core.thresholds import BALL_PRECISION
from sage_conslaw.network.backends import ObjectBackend, _qq, _scalar, evaluate

#: The bits of the balls (doubled up to three times while a minor is not proven nonzero).
PRECISION = BALL_PRECISION
#: The half-width (in quarters) of the small rational sample inputs `k/4`, `|k| \le 8`:
#: the analytic ops stay away from saturation, where their derivatives are tiny.
INPUT_QUARTERS = 8


class BallBackend(ObjectBackend):
    r"""
    Numpy object arrays of jets over a field of balls (or of dual numbers);
    constants are lifted to the field, every Dropout entry is kept (the
    fields of that mask are fields of the network).

    EXAMPLES::

        sage: from sage_conslaw.network.balls import BallBackend
        sage: from sage_conslaw.network.graph import Node
        sage: B = BallBackend(RealBallField(53)); B.array([1/2]).tolist()
        [0.5000000000000000]
        sage: B.relu(B.array([[-1, 2]]), Node(0, 'op', 'r')).tolist()
        [[0, 2.000000000000000]]
        sage: B.relu(B.array([[0]]), Node(0, 'op', 'r'))
        Traceback (most recent call last):
        ...
        ArithmeticError: a ReLU argument is not certainly nonzero
    """

    def __init__(self, field):
        r"""
        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: BallBackend(RealBallField(53)).mode
            'ball'
        """
        self.mode = 'ball'
        self.field = field
        self.dropout_masks = {}
        self.symbols = None
        self.masks = {}
        self.kinks = None

    def _lift(self, v):
        r"""
        A jet as it is, a number lifted to the field.

        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: BallBackend(QQ)._lift(0.25r)
            1/4
        """
        return v if isinstance(v, Jet) else self.field(_qq(v) if isinstance(v, (int, float)) else v)

    def array(self, values):
        r"""
        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: BallBackend(QQ).array([[1, 2]]).shape
            (1, 2)
        """
        a = np.asarray(values, dtype=object)
        return np.vectorize(self._lift, otypes=[object])(a) if a.size else a

    def constant(self, c):
        r"""
        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: BallBackend(RealBallField(53)).constant(1/4)
            array(0.2500000000000000, dtype=object)
        """
        return _scalar(self.field(_qq(c)))

    def relu(self, z, node, slope=0):
        r"""
        The ReLU (leaky with ``slope``) of values whose balls exclude `0` (else ``ArithmeticError``).

        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: B = BallBackend(QQ)
            sage: B.relu(B.array([-4, 2]), None, slope=1/2).tolist()
            [-2, 2]
        """
        s = _qq(slope)

        def one(v):
            if not s:
                return relu(v)
            w = v.value if isinstance(v, Jet) else v
            if w > 0:
                return v
            if w < 0:
                return v * self.field(s)
            raise ArithmeticError("a ReLU argument is not certainly nonzero")
        return np.vectorize(one, otypes=[object])(z) if z.size else z

    def dropout(self, z, p, node):
        r"""
        Dropout with every entry kept (scaled by `1/(1-p)`).

        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: B = BallBackend(QQ); B.dropout(B.array([3]), 1/2, None).tolist()
            [6]
        """
        p = _qq(p)
        if p == 0:
            return z
        if p == 1:
            return z * self.constant(0)
        return z * self.constant(1 / (1 - p))

    def analytic(self, op, z, attrs, node):
        r"""
        An analytic op entrywise, by its :meth:`jet`.

        TESTS::

            sage: from sage_conslaw.network.balls import BallBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: B = BallBackend(RealBallField(53)); B.analytic(get_op('tanh'), B.array([0]), {}, None)[0].value
            0
        """
        return np.vectorize(lambda v: op.jet(v, attrs), otypes=[object])(z) if z.size else z


def network_forward(net):
    r"""
    The network as ``forward(params, x)``: the list of `D` parameter jets and one
    sample (a tuple of arrays, one per input) to the list of output jets.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.balls import network_forward
        sage: from sage_conslaw.architectures.functional import Jet
        sage: f = network_forward(Network.sequential(1, [('linear', 1), 'sigmoid']))
        sage: RB = RealBallField(53); out = f([Jet.variable(RB(1), 0), Jet.variable(RB(0), 1)], (np.array([QQ(0)], dtype=object),))
        sage: out[0].value, out[0].gradient[1]
        (0.5000000000000000, 0.2500000000000000)
    """
    def forward(params, x):
        B = BallBackend(params[0].value.parent())
        vals = evaluate(net, B, params, [B.array(np.asarray(xi, dtype=object)[None]) for xi in x])
        out = []
        for o in net.outputs:
            out.extend(np.asarray(vals[o], dtype=object).reshape(-1).tolist())
        return out
    return forward


def sample_inputs(net, count, rng):
    r"""
    ``count`` random samples of small rationals `k/4`, `|k| \le 8` (one tuple of arrays per sample).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.balls import sample_inputs
        sage: X = sample_inputs(Network.sequential(3, [('linear', 1)]), 2, np.random.default_rng(int(0)))
        sage: len(X), X[0][0].shape, parent(X[0][0][0])
        (2, (3,), Rational Field)
    """
    ins = net.inputs()
    out = []
    for _ in range(count):
        sample = []
        for n in ins:
            k = rng.integers(-INPUT_QUARTERS, INPUT_QUARTERS + 1, size=n.shape)
            a = np.empty(n.shape, dtype=object)
            a.flat[:] = [QQ((int(v), 4)) for v in k.reshape(-1)]
            sample.append(a)
        out.append(tuple(sample))
    return out


def ball_rank(net, theta, inputs, brackets=0, second=0, seed=0, precision=PRECISION):
    r"""
    A proven lower bound of the rank at ``theta`` of the network's gradient
    fields on ``inputs`` (plus ``brackets`` random brackets of pairs of them and
    ``second`` random brackets `[X_r, [X_p, X_q]]`), in ball arithmetic.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.balls import ball_rank, sample_inputs
        sage: net = Network.sequential(2, [('linear', 3), ('layer_norm', 0), ('linear', 1, False)])
        sage: X = sample_inputs(net, 12, np.random.default_rng(int(1)))
        sage: th = [k / 4 for k in [2, -4, 3, 1, 4, -8, 4, 6, 2, -4, 8, 5, 3, 7, -2, 1, 5, -3]]; net.D
        18
        sage: ball_rank(net, th, X), ball_rank(net, th, X, brackets=4)      # the fields, then with brackets
        (7, 10)
    """
    th = [QQ(t) for t in theta]
    xs = [tuple(x) if isinstance(x, (tuple, list)) and len(x) and hasattr(x[0], 'shape') else
          (np.asarray(x, dtype=object),) for x in inputs]
    return certified_gradient_rank(network_forward(net), th, xs, precision=precision, brackets=brackets,
                                   seed=seed, second=second)
