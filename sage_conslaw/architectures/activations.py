r"""
Multilayer perceptrons with a choice of activation: GELU, SiLU, tanh, sigmoid, softplus, ReLU.

`x \mapsto W_L \sigma(\cdots \sigma(W_1 x + b_1) \cdots) + b_L`, the weights in
PyTorch's orientation (``W1`` is ``hidden[0] x d_in``, as ``nn.Linear``).

An analytic activation (GELU, SiLU, tanh, sigmoid, softplus) has no
rescaling symmetry: `\sigma(\lambda z) \ne \lambda \sigma(z)` for `\lambda \ne
1`, and a layer through it contributes no law of its own.  Their only
symmetries are discrete (the sign flip of a tanh neuron, `\sigma(-z) = 1 -
\sigma(z)` for the sigmoid, `f(z) - f(-z) = z` for GELU, SiLU and softplus),
which give no conservation law.  That *nothing* is missed is proven by the
rank of the network's own gradients (:meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace`):
a ball-arithmetic minor of size `D - N` excludes 0.

A ReLU (or linear) layer keeps its laws: one per neuron, `\|W_i[j,:]\|^2 +
b_i[j]^2 - \|W_{i+1}[:, j]\|^2` (the rescaling `\sigma(\lambda z) = \lambda
\sigma(z)`, `\lambda > 0`), declared as symmetry laws.  So an MLP with mixed
activations has one law per ReLU neuron and none per analytic one.

`\phi` is the identity here (every coordinate): the family's
:meth:`~sage_conslaw.core.model.ConservationModel.lie_trace` counts no law of
`\phi`; the network's count is :meth:`network_trace`.

EXAMPLES::

    sage: from sage_conslaw.architectures.activations import MLP
    sage: net = MLP(2, [3], 1, 'gelu'); net
    MLP 2 -> [3] -> 1, activation gelu, with biases: D = 13 parameters
    sage: res = net.network_trace(); res.number_of_laws, res.certified
    (0, True)
    sage: MLP(2, [3, 2], 1, ['relu', 'silu']).network_trace().number_of_laws   # the ReLU neurons only
    3
"""
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.functional import ACTIVATIONS, HOMOGENEOUS, NetworkLaws, matvec
from sage_conslaw.core.checks import boolean, one_of, positive_integer


def check_activation(name):
    r"""
    Return the activation name, checked against :data:`~sage_conslaw.architectures.functional.ACTIVATIONS`.

    EXAMPLES::

        sage: from sage_conslaw.architectures.activations import check_activation
        sage: check_activation('gelu')
        'gelu'
        sage: check_activation('swish')
        Traceback (most recent call last):
        ...
        ValueError: the activation must be one of 'gelu', 'silu', 'tanh', 'sigmoid', 'softplus', 'relu', 'linear', got 'swish'
    """
    return one_of(name, tuple(ACTIVATIONS), "the activation")


class VectorInput:
    r"""
    Mixin of the networks of :class:`~sage_conslaw.architectures.functional.NetworkLaws`
    read on one input vector of ``d_in`` entries (the MLP, the gated MLP, the
    normalized MLP): their random input.

    EXAMPLES::

        sage: from sage_conslaw.architectures.activations import MLP, VectorInput
        sage: from sage_conslaw.architectures.swiglu import GatedMLP
        sage: from sage_conslaw.architectures.normalization import NormalizedMLP
        sage: all(issubclass(c, VectorInput) for c in (MLP, GatedMLP, NormalizedMLP))
        True
    """

    def _random_input(self, rng):
        r"""
        A random input: rationals `k/4`, `|k| \le 4`.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.activations import MLP
            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: x = MLP(3, [1], 1)._random_input(np.random.default_rng(int(0))); len(x), all(4 * t in ZZ and abs(t) <= 1 for t in x)
            (3, True)
            sage: len(GatedMLP(3, 1, 1)._random_input(np.random.default_rng(int(0)))), len(NormalizedMLP(2, 2, 1)._random_input(np.random.default_rng(int(0))))
            (3, 2)
        """
        return [QQ((int(k), 4)) for k in rng.integers(-4, 5, size=self.d_in)]


class MLP(VectorInput, NetworkLaws, Block):
    r"""
    A multilayer perceptron ``d_in -> hidden -> d_out`` with the given activation(s).

    INPUT:

    - ``d_in``, ``d_out`` -- the input and output dimensions
    - ``hidden`` -- the list of hidden widths
    - ``activation`` -- a name of :data:`~sage_conslaw.architectures.functional.ACTIVATIONS`,
      or one per hidden layer
    - ``bias`` -- biases on every layer (default ``True``)

    EXAMPLES::

        sage: from sage_conslaw.architectures.activations import MLP
        sage: net = MLP(1, [2], 1, 'relu'); net.parameter_names()
        ['W1', 'b1', 'W2', 'b2']
        sage: net.network_symmetry_laws()
        [W1_0_0^2 + b1_0^2 - W2_0_0^2, W1_1_0^2 + b1_1^2 - W2_0_1^2]
        sage: MLP(1, [2], 1, ['relu', 'gelu'])
        Traceback (most recent call last):
        ...
        ValueError: give one activation per hidden layer (1), got 2
        sage: MLP(1, [], 1)
        Traceback (most recent call last):
        ...
        ValueError: give at least one hidden width
    """

    PHI_NOTE = ("phi is the identity here, so no law of phi: the laws of the network (ReLU neurons, "
                "declared by their rescaling) are counted and proven by network_trace()")

    def __init__(self, d_in, hidden, d_out, activation='gelu', bias=True):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: net = MLP(2, [3], 2, 'tanh', bias=False); net.D, net.activations
            (12, ['tanh'])
            sage: MLP(2, 3, 2, 'gelu')
            Traceback (most recent call last):
            ...
            TypeError: hidden must be a list of hidden widths, e.g. MLP(2, [3], 2), got 3
        """
        self.d_in, self.d_out = positive_integer(d_in, "d_in"), positive_integer(d_out, "d_out")
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, '__iter__'):
            raise TypeError("hidden must be a list of hidden widths, e.g. MLP(2, [3], 2), got %r" % (hidden,))
        hidden = list(hidden)
        if not hidden:
            raise ValueError("give at least one hidden width")
        self.hidden = [positive_integer(h, "a hidden width") for h in hidden]
        acts = [activation] * len(hidden) if isinstance(activation, str) else list(activation)
        if len(acts) != len(hidden):
            raise ValueError("give one activation per hidden layer (%s), got %s" % (len(hidden), len(acts)))
        self.activations = [check_activation(a) for a in acts]
        self.bias = boolean(bias, "bias")
        widths = [self.d_in] + self.hidden + [self.d_out]
        shapes = []
        for i in range(1, len(widths)):
            shapes.append(("W%s" % i, (widths[i], widths[i - 1]), "weight", i))
            if self.bias:
                shapes.append(("b%s" % i, (widths[i], 1), "bias", i))
        Block.__init__(self, shapes, lambda M: list(self.polynomial_ring().gens()), self.d_in, self.d_out)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: MLP(1, [2, 2], 1, ['relu', 'tanh'], bias=False)
            MLP 1 -> [2, 2] -> 1, activations ['relu', 'tanh'], without biases: D = 8 parameters
        """
        acts = ("activation %s" % self.activations[0] if len(set(self.activations)) == 1
                else "activations %s" % self.activations)
        return "MLP %s -> %s -> %s, %s, %s biases: D = %s parameters" % (
            self.d_in, self.hidden, self.d_out, acts, "with" if self.bias else "without", self.D)

    def known_conservation_laws(self):
        r"""
        The laws of `\phi` (the identity): none.

        EXAMPLES::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: MLP(1, [1], 1, 'relu').known_conservation_laws()
            []
        """
        return []

    def network_symmetry_laws(self):
        r"""
        One law per neuron of a positively homogeneous layer (ReLU, linear):
        `\|W_i[j,:]\|^2 + b_i[j]^2 - \|W_{i+1}[:,j]\|^2`, from the rescaling
        `\sigma(\lambda z) = \lambda \sigma(z)`, `\lambda > 0`.  (A linear layer
        has more: the balancedness of its whole width; only the rescalings are declared.)

        EXAMPLES::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: len(MLP(2, [3, 4], 1, ['relu', 'softplus']).network_symmetry_laws())
            3
        """
        M = self.parameters()
        laws = []
        for i, act in enumerate(self.activations, start=1):
            if act not in HOMOGENEOUS:
                continue
            W, V = M["W%s" % i], M["W%s" % (i + 1)]
            for j in range(W.nrows()):
                h = sum(w ** 2 for w in W.row(j)) - sum(v ** 2 for v in V.column(j))
                if self.bias:
                    h += M["b%s" % i][j, 0] ** 2
                laws.append(h)
        return laws

    def _layers(self, params):
        r"""
        The weights (lists of rows) and biases (lists) of the layers from the list of parameter values.

        TESTS::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: MLP(1, [2], 1, 'relu')._layers(list(range(7)))
            [([[0], [1]], [2, 3]), ([[4, 5]], [6])]
        """
        layers = []
        for i in range(1, len(self.hidden) + 2):
            P = self.layout()["W%s" % i]
            r, c = P.shape
            flat = params[P.offset:P.offset + r * c]
            W = [flat[k * c:(k + 1) * c] for k in range(r)]
            b = None
            if self.bias:
                B = self.layout()["b%s" % i]
                b = params[B.offset:B.offset + r]
            layers.append((W, b))
        return layers

    def _network_output(self, params, x):
        r"""
        The network on parameter jets (or numbers) ``params`` and an input ``x``.

        TESTS::

            sage: from sage_conslaw.architectures.activations import MLP
            sage: MLP(1, [2], 1, 'relu')._network_output([1, -1, 0, 0, 2, 3, 1], [2])
            [5]
        """
        layers = self._layers(params)
        h = list(x)
        for (W, b), act in zip(layers[:-1], self.activations):
            h = [ACTIVATIONS[act](z) for z in matvec(W, h, b)]
        W, b = layers[-1]
        return matvec(W, h, b)
