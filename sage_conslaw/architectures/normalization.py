r"""
LayerNorm and RMSNorm between two linear maps, with and without affine parameters and `\varepsilon`.

The block is `x \mapsto W_2\, N(W_1 x + b_1) + b_2` with `W_1 \in \RR^{n \times
d_{in}}`, `W_2 \in \RR^{d_{out} \times n}` and

- LayerNorm: `N(z) = \gamma \odot \frac{Pz}{\sqrt{\|Pz\|^2/n + \varepsilon}} + \beta`,
  `P = I - \frac1n \mathbf 1 \mathbf 1^\top` (the mean removed);
- RMSNorm: `N(z) = \gamma \odot \frac{z}{\sqrt{\|z\|^2/n + \varepsilon}}` (PyTorch's ``nn.RMSNorm`` has no shift);

without affine parameters, `\gamma = \mathbf 1`, `\beta = 0`.

**What is polynomial.**  The block factors through the polynomial

.. MATH::

    \phi = (P W_1,\ P b_1,\ W_2 \operatorname{diag}(\gamma) P,\ W_2 \beta + b_2)

for LayerNorm (`P` removed for RMSNorm): LayerNorm reads `z` through `Pz`, and
`N(z) - \beta` is orthogonal to `\mathbf 1`, so `W_2 \operatorname{diag}(\gamma)`
acts through its product with `P`.  The laws of `\phi` (certified by the
engine on every size tried, :func:`~sage_conslaw.reproduction.modern.reproduce_modern`):

- LayerNorm: the column sums of `W_1` and `\sum_i b_1[i]` (adding `a^\top x + c`
  to every coordinate of `z` changes nothing);
- without affine parameters, LayerNorm: the row sums of `W_2` (the output of
  LayerNorm sums to 0) -- with affine parameters this translation gives *no*
  law (the brackets of the fields fill its direction);
- with affine parameters: `\gamma_j^2 + \beta_j^2 - \|W_2[:, j]\|^2` (`\gamma_j^2 - \|W_2[:, j]\|^2` for RMSNorm).

**Scale invariance is not polynomial.**  With `\varepsilon = 0`, `N(\lambda z) =
N(z)` for `\lambda > 0`, so `g(\lambda W_1, \lambda b_1) = g(W_1, b_1)`: by
Euler's identity `\langle \nabla_{W_1, b_1} g, (W_1, b_1)\rangle = 0` for every
input, and `\|W_1\|^2 + \|b_1\|^2` is conserved (a symmetry law, declared).
With `\varepsilon > 0` (PyTorch's default ``1e-5`` for LayerNorm) the
symmetry is broken; :meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace`
proves that the law is then gone (one law fewer) and that no other is missed.

EXAMPLES::

    sage: from sage_conslaw.architectures.normalization import NormalizedMLP
    sage: net = NormalizedMLP(2, 3, 2, 'layer', eps=0); net
    Linear 2 -> 3, LayerNorm (eps = 0, affine), Linear 3 -> 2, with biases: D = 23 parameters
    sage: net.lie_trace().number_of_laws              # laws of phi: 3 translations + 3 gains
    6
    sage: net.network_trace().number_of_laws          # + the scale law
    7
    sage: NormalizedMLP(2, 3, 2, 'layer', eps=1e-5).network_trace().number_of_laws
    6
"""
from sage.matrix.constructor import diagonal_matrix, identity_matrix, matrix
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.activations import VectorInput
from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.functional import NetworkLaws, matvec
from sage_conslaw.core.checks import boolean, one_of, positive_integer

#: The normalizations, by name, and their PyTorch names.
NORMS = {"layer": "LayerNorm", "rms": "RMSNorm"}


def check_eps(eps):
    r"""
    Return `\varepsilon \ge 0` as an exact rational (a float is read exactly, as its binary value).

    EXAMPLES::

        sage: from sage_conslaw.architectures.normalization import check_eps
        sage: check_eps(0), check_eps(1/1000)
        (0, 1/1000)
        sage: check_eps(-1)
        Traceback (most recent call last):
        ...
        ValueError: eps must be a number >= 0, got -1
        sage: check_eps('1e-5')
        Traceback (most recent call last):
        ...
        TypeError: eps must be a number >= 0, got '1e-5' (str)
    """
    if isinstance(eps, (str, bytes, bool)) or eps is None:
        raise TypeError("eps must be a number >= 0, got %r (%s)" % (eps, type(eps).__name__))
    try:
        e = QQ(eps)
    except (TypeError, ValueError):
        raise TypeError("eps must be a number >= 0, got %r (%s)" % (eps, type(eps).__name__))
    if e < 0:
        raise ValueError("eps must be a number >= 0, got %s" % eps)
    return e


def centering(n):
    r"""
    The projector `P = I - \frac1n \mathbf 1 \mathbf 1^\top` over `\QQ`.

    EXAMPLES::

        sage: from sage_conslaw.architectures.normalization import centering
        sage: centering(2)
        [ 1/2 -1/2]
        [-1/2  1/2]
    """
    return identity_matrix(QQ, n) - matrix(QQ, n, n, [QQ((1, n))] * (n * n))


class NormalizedMLP(VectorInput, NetworkLaws, Block):
    r"""
    `x \mapsto W_2 N(W_1 x + b_1) + b_2` with `N` a LayerNorm or an RMSNorm (see the module documentation).

    INPUT:

    - ``d_in``, ``hidden``, ``d_out`` -- the dimensions (the normalized width is ``hidden``)
    - ``norm`` -- ``'layer'`` (LayerNorm) or ``'rms'`` (RMSNorm)
    - ``eps`` -- `\varepsilon \ge 0` (default ``0``; PyTorch's default is ``1e-5`` for LayerNorm)
    - ``affine`` -- the gain `\gamma` (and, for LayerNorm, the shift `\beta`) (default ``True``)
    - ``bias`` -- the biases `b_1, b_2` of the linear maps (default ``True``)

    EXAMPLES::

        sage: from sage_conslaw.architectures.normalization import NormalizedMLP
        sage: net = NormalizedMLP(2, 3, 1, 'rms', eps=0, affine=False, bias=False); net.known_conservation_laws()
        []
        sage: net.network_symmetry_laws()
        [W1_0_0^2 + W1_0_1^2 + W1_1_0^2 + W1_1_1^2 + W1_2_0^2 + W1_2_1^2]
        sage: NormalizedMLP(2, 3, 1, 'batch')
        Traceback (most recent call last):
        ...
        ValueError: the normalization must be one of 'layer', 'rms', got 'batch'
    """

    PHI_NOTE = ("these are the laws of phi; with eps = 0 the network also conserves the squared norm of the "
                "first linear map (scale invariance), counted and proven by network_trace()")

    def __init__(self, d_in, hidden, d_out, norm='layer', eps=0, affine=True, bias=True):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: NormalizedMLP(1, 2, 1, 'layer').parameter_names()
            ['W1', 'b1', 'gamma', 'beta', 'W2', 'b2']
            sage: NormalizedMLP(1, 2, 1, 'rms', bias=False).parameter_names()
            ['W1', 'gamma', 'W2']
        """
        self.d_in, self.hidden = positive_integer(d_in, "d_in"), positive_integer(hidden, "hidden")
        self.d_out = positive_integer(d_out, "d_out")
        self.norm = one_of(norm, tuple(NORMS), "the normalization")
        self.eps = check_eps(eps)
        self.affine, self.bias = boolean(affine, "affine"), boolean(bias, "bias")
        n = self.hidden
        shapes = [("W1", (n, self.d_in), "weight", 1)]
        if self.bias:
            shapes.append(("b1", (n, 1), "bias", 1))
        if self.affine:
            shapes.append(("gamma", (n, 1), "parameter", 1))
            if self.norm == "layer":
                shapes.append(("beta", (n, 1), "parameter", 1))
        shapes.append(("W2", (self.d_out, n), "weight", 2))
        if self.bias:
            shapes.append(("b2", (self.d_out, 1), "bias", 2))
        Block.__init__(self, shapes, self._components_from, self.d_in, self.d_out)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: NormalizedMLP(1, 2, 1, 'rms', eps=1/10, affine=False, bias=False)
            Linear 1 -> 2, RMSNorm (eps = 1/10, no affine parameters), Linear 2 -> 1, without biases: D = 4 parameters
        """
        return "Linear %s -> %s, %s (eps = %s, %s), Linear %s -> %s, %s biases: D = %s parameters" % (
            self.d_in, self.hidden, NORMS[self.norm], self.eps, "affine" if self.affine else "no affine parameters",
            self.hidden, self.d_out, "with" if self.bias else "without", self.D)

    def _gain(self, M):
        r"""`\operatorname{diag}(\gamma)` (the identity without affine parameters).

        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: net = NormalizedMLP(1, 2, 1); net._gain(net.parameters())
            [gamma_0       0]
            [      0 gamma_1]
        """
        if not self.affine:
            return identity_matrix(QQ, self.hidden)
        return diagonal_matrix(M["gamma"].list())

    def _components_from(self, M):
        r"""
        `\phi = (P W_1, P b_1, W_2 \operatorname{diag}(\gamma) P, W_2 \beta + b_2)` (`P = I` for RMSNorm).

        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: NormalizedMLP(1, 1, 1, 'rms').components()
            (W1_0_0, b1_0, gamma_0*W2_0_0, b2_0)
            sage: net = NormalizedMLP(1, 2, 1); net._components_from(net.parameters()) == list(net.components())
            True
            sage: NormalizedMLP(1, 2, 1, 'layer', affine=False, bias=False).components()
            (1/2*W1_0_0 - 1/2*W1_1_0, -1/2*W1_0_0 + 1/2*W1_1_0, 1/2*W2_0_0 - 1/2*W2_0_1, -1/2*W2_0_0 + 1/2*W2_0_1)
        """
        P = centering(self.hidden) if self.norm == "layer" else identity_matrix(QQ, self.hidden)
        phis = (P * M["W1"]).list() + ((P * M["b1"]).list() if self.bias else [])
        phis += (M["W2"] * self._gain(M) * P).list()
        c = None
        if self.affine and self.norm == "layer":
            c = M["W2"] * M["beta"]
        if self.bias:
            c = M["b2"] if c is None else c + M["b2"]
        return phis + (c.list() if c is not None else [])

    def known_conservation_laws(self):
        r"""
        The laws of `\phi` (see the module documentation): LayerNorm's
        translations (column sums of `W_1`, `\sum b_1`; without affine
        parameters the row sums of `W_2`), and the gains against the columns of `W_2`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: NormalizedMLP(1, 2, 1, 'layer', affine=False).known_conservation_laws()
            [W1_0_0 + W1_1_0, b1_0 + b1_1, W2_0_0 + W2_0_1]
            sage: NormalizedMLP(1, 1, 1, 'layer').known_conservation_laws()
            [W1_0_0, b1_0, gamma_0^2 + beta_0^2 - W2_0_0^2]
        """
        M = self.parameters()
        laws = []
        if self.norm == "layer":
            laws += [sum(M["W1"].column(j)) for j in range(self.d_in)]
            if self.bias:
                laws.append(sum(M["b1"].list()))
            if not self.affine:
                laws += [sum(M["W2"].row(i)) for i in range(self.d_out)]
        if self.affine:
            for j in range(self.hidden):
                h = M["gamma"][j, 0] ** 2 - sum(w ** 2 for w in M["W2"].column(j))
                if self.norm == "layer":
                    h += M["beta"][j, 0] ** 2
                laws.append(h)
        return laws

    def network_symmetry_laws(self):
        r"""
        With `\varepsilon = 0`: `\|W_1\|^2 + \|b_1\|^2` (scale invariance, Euler's identity); none otherwise.

        EXAMPLES::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: NormalizedMLP(1, 1, 1, 'layer', eps=0).network_symmetry_laws()
            [W1_0_0^2 + b1_0^2]
            sage: NormalizedMLP(1, 1, 1, 'layer', eps=1e-5).network_symmetry_laws()
            []
        """
        if self.eps != 0:
            return []
        M = self.parameters()
        h = sum(w ** 2 for w in M["W1"].list())
        if self.bias:
            h += sum(b ** 2 for b in M["b1"].list())
        return [h]

    def _unpack(self, params):
        r"""
        The parameters by name (lists of rows; vectors as lists) from the list of values.

        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: NormalizedMLP(1, 1, 1, 'rms')._unpack([1, 2, 3, 4, 5])
            {'W1': [[1]], 'W2': [[4]], 'b1': [2], 'b2': [5], 'gamma': [3]}
            sage: NormalizedMLP(1, 1, 1, 'layer')._unpack(list(range(6)))
            {'W1': [[0]], 'W2': [[4]], 'b1': [1], 'b2': [5], 'beta': [3], 'gamma': [2]}
        """
        L = self.layout()
        return L.as_lists(params, vectors=[name for name in L.names() if name not in ("W1", "W2")])

    def _normalize(self, z, M):
        r"""
        `N(z)` on a list of jets (or numbers in a field with ``sqrt``).

        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: RB = RealBallField(53)
            sage: net = NormalizedMLP(1, 2, 1, 'layer', affine=False)
            sage: net._normalize([RB(1), RB(3)], {})
            [-1.000000000000000, 1.000000000000000]
        """
        n = len(z)
        if self.norm == "layer":
            mean = sum(z[1:], z[0]) / n
            z = [zi - mean for zi in z]
        sq = [zi * zi for zi in z]
        denom = (sum(sq[1:], sq[0]) / n + self.eps).sqrt()
        inv = 1 / denom
        out = [zi * inv for zi in z]
        if self.affine:
            out = [g * o for g, o in zip(M["gamma"], out)]
            if self.norm == "layer":
                out = [o + b for o, b in zip(out, M["beta"])]
        return out

    def _network_output(self, params, x):
        r"""
        The network on parameter jets (or ball numbers) and an input.

        TESTS::

            sage: from sage_conslaw.architectures.normalization import NormalizedMLP
            sage: RB = RealBallField(53)
            sage: NormalizedMLP(1, 2, 1, 'layer', affine=False, bias=False)._network_output([RB(1), RB(2), RB(3), RB(5)], [1])
            [2.000000000000000]
        """
        M = self._unpack(params)
        z = matvec(M["W1"], x, M.get("b1"))
        return matvec(M["W2"], self._normalize(z, M), M.get("b2"))
