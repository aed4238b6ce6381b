r"""
Gated linear units: SwiGLU, GEGLU, ReGLU, GLU, bilinear.

`x \mapsto W_3 (\sigma(W_1 x + b_1) \odot (W_2 x + b_2)) + b_3`, with
`W_1, W_2 \in \RR^{h \times d_{in}}` (the gate and the linear branch) and
`W_3 \in \RR^{d_{out} \times h}` (PyTorch's orientation; biases only with
``bias=True``, LLaMA's SwiGLU has none).  The gate `\sigma` is SiLU (SwiGLU),
GELU (GEGLU), ReLU (ReGLU), the sigmoid (GLU) or the identity (bilinear).

Unit `k` contributes `W_3[:, k]\, \sigma(\cdot)_k\, (W_2[k, :] x + b_2[k])`:
the network factors through the polynomial

.. MATH::

    \phi = \bigl(W_1,\ b_1,\ (W_3[:, k] \otimes (W_2[k, :], b_2[k]))_k,\ b_3\bigr),

one rank-one factorization per unit (Section 4.1 of the first paper with `r =
1`), hence one law of `\phi` per unit, `\|W_3[:, k]\|^2 - \|W_2[k, :]\|^2 -
b_2[k]^2` (the linear branch and the output column rescaled against each
other).  A positively homogeneous gate (ReLU, identity) adds one rescaling per
unit, `\|W_1[k, :]\|^2 + b_1[k]^2 - \|W_3[:, k]\|^2`, declared as a symmetry
law.  That the network has no other law is proven by the rank of its own
gradients (:meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace`).

EXAMPLES::

    sage: from sage_conslaw.architectures.swiglu import GatedMLP
    sage: net = GatedMLP(3, 2, 2); net
    SwiGLU 3 -> 2 units -> 2 (gate silu) without biases: D = 16 parameters
    sage: net.known_conservation_laws()[0]
    -W2_0_0^2 - W2_0_1^2 - W2_0_2^2 + W3_0_0^2 + W3_1_0^2
    sage: res = net.lie_trace(); res.number_of_laws, res.certified
    (2, True)
    sage: net.network_trace().number_of_laws
    2
    sage: GatedMLP(3, 2, 2, gate='relu').network_trace().number_of_laws    # ReGLU: two per unit
    4
"""

from sage_conslaw.architectures.activations import VectorInput
from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.functional import ACTIVATIONS, HOMOGENEOUS, NetworkLaws, matvec
from sage_conslaw.core.checks import boolean, one_of, positive_integer

#: The usual names of the gated units, by gate.
GATED_NAMES = {"silu": "SwiGLU", "gelu": "GEGLU", "relu": "ReGLU", "sigmoid": "GLU", "linear": "bilinear",
               "tanh": "tanh-GLU", "softplus": "softplus-GLU"}


class GatedMLP(VectorInput, NetworkLaws, Block):
    r"""
    A gated MLP `W_3 (\sigma(W_1 x + b_1) \odot (W_2 x + b_2)) + b_3` (see the module documentation).

    INPUT:

    - ``d_in``, ``hidden``, ``d_out`` -- the dimensions (``hidden`` units)
    - ``gate`` -- the activation of the gate (default ``'silu'``: SwiGLU; ``'gelu'``: GEGLU)
    - ``bias`` -- biases `b_1, b_2, b_3` (default ``False``, as in LLaMA)

    EXAMPLES::

        sage: from sage_conslaw.architectures.swiglu import GatedMLP
        sage: GatedMLP(2, 3, 1, gate='gelu', bias=True)
        GEGLU 2 -> 3 units -> 1 (gate gelu) with biases: D = 22 parameters
        sage: GatedMLP(2, 3, 1, gate='swish')
        Traceback (most recent call last):
        ...
        ValueError: the gate must be one of 'gelu', 'silu', 'tanh', 'sigmoid', 'softplus', 'relu', 'linear', got 'swish'
    """

    PHI_NOTE = ("these are the laws of phi (one per unit); the network's count, with the laws of a homogeneous "
                "gate, is proven by network_trace()")

    def __init__(self, d_in, hidden, d_out, gate='silu', bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(2, 1, 1).parameter_names(), GatedMLP(2, 1, 1, bias=True).parameter_names()
            (['W1', 'W2', 'W3'], ['W1', 'W2', 'W3', 'b1', 'b2', 'b3'])
        """
        self.d_in, self.hidden = positive_integer(d_in, "d_in"), positive_integer(hidden, "hidden")
        self.d_out = positive_integer(d_out, "d_out")
        self.gate = one_of(gate, tuple(ACTIVATIONS), "the gate")
        self.bias = boolean(bias, "bias")
        h = self.hidden
        shapes = [("W1", (h, self.d_in), "weight", 1), ("W2", (h, self.d_in), "weight", 1),
                  ("W3", (self.d_out, h), "weight", 2)]
        if self.bias:
            shapes += [("b1", (h, 1), "bias", 1), ("b2", (h, 1), "bias", 1), ("b3", (self.d_out, 1), "bias", 2)]
        Block.__init__(self, shapes, self._components_from, self.d_in, self.d_out)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(1, 1, 1, gate='linear')
            bilinear 1 -> 1 units -> 1 (gate linear) without biases: D = 3 parameters
        """
        return "%s %s -> %s units -> %s (gate %s) %s biases: D = %s parameters" % (
            GATED_NAMES[self.gate], self.d_in, self.hidden, self.d_out, self.gate,
            "with" if self.bias else "without", self.D)

    def _branch(self, M, k):
        r"""The row `(W_2[k, :], b_2[k])` of the linear branch of unit ``k``.

        TESTS::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: net = GatedMLP(2, 1, 1, bias=True); net._branch(net.parameters(), 0)
            [W2_0_0, W2_0_1, b2_0]
        """
        row = list(M["W2"].row(k))
        return row + [M["b2"][k, 0]] if self.bias else row

    def _components_from(self, M):
        r"""
        `\phi`: `W_1`, `b_1`, then per unit the entries of `W_3[:, k] \otimes (W_2[k, :], b_2[k])`, then `b_3`.

        TESTS::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(1, 1, 1).components()
            (W1_0_0, W2_0_0*W3_0_0)
            sage: net = GatedMLP(1, 1, 1, bias=True); net._components_from(net.parameters())
            [W1_0_0, b1_0, W2_0_0*W3_0_0, W3_0_0*b2_0, b3_0]
        """
        phis = M["W1"].list() + (M["b1"].list() if self.bias else [])
        for k in range(self.hidden):
            phis += [u * v for u in M["W3"].column(k) for v in self._branch(M, k)]
        return phis + (M["b3"].list() if self.bias else [])

    def known_conservation_laws(self):
        r"""
        One law of `\phi` per unit: `\|W_3[:, k]\|^2 - \|W_2[k, :]\|^2 - b_2[k]^2`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(1, 1, 1, bias=True).known_conservation_laws()
            [-W2_0_0^2 + W3_0_0^2 - b2_0^2]
        """
        M = self.parameters()
        return [sum(u ** 2 for u in M["W3"].column(k)) - sum(v ** 2 for v in self._branch(M, k))
                for k in range(self.hidden)]

    def network_symmetry_laws(self):
        r"""
        With a positively homogeneous gate (ReLU, identity), one rescaling per
        unit: `\|W_1[k, :]\|^2 + b_1[k]^2 - \|W_3[:, k]\|^2`; none otherwise.

        EXAMPLES::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(1, 1, 1, gate='relu').network_symmetry_laws()
            [W1_0_0^2 - W3_0_0^2]
            sage: GatedMLP(1, 1, 1, gate='gelu').network_symmetry_laws()
            []
        """
        if self.gate not in HOMOGENEOUS:
            return []
        M = self.parameters()
        laws = []
        for k in range(self.hidden):
            h = sum(w ** 2 for w in M["W1"].row(k)) - sum(u ** 2 for u in M["W3"].column(k))
            if self.bias:
                h += M["b1"][k, 0] ** 2
            laws.append(h)
        return laws

    def _unpack(self, params):
        r"""
        The parameter matrices (lists of rows; biases as lists) from the list of values.

        TESTS::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(1, 2, 1)._unpack(list(range(6)))
            {'W1': [[0], [1]], 'W2': [[2], [3]], 'W3': [[4, 5]]}
            sage: GatedMLP(1, 1, 1, bias=True)._unpack(list(range(6)))
            {'W1': [[0]], 'W2': [[1]], 'W3': [[2]], 'b1': [3], 'b2': [4], 'b3': [5]}
        """
        L = self.layout()
        return L.as_lists(params, vectors=[P.name for P in L.biases()])

    def _network_output(self, params, x):
        r"""
        The network on parameter jets (or numbers) and an input.

        TESTS::

            sage: from sage_conslaw.architectures.swiglu import GatedMLP
            sage: GatedMLP(1, 1, 1, gate='relu')._network_output([2, 3, 5], [1])
            [30]
        """
        M = self._unpack(params)
        gate = ACTIVATIONS[self.gate]
        a = matvec(M["W1"], x, M.get("b1"))
        u = matvec(M["W2"], x, M.get("b2"))
        return matvec(M["W3"], [gate(ak) * uk for ak, uk in zip(a, u)], M.get("b3"))
