r"""
Two-layer 1-D convolutional ReLU networks, weights shared across positions.

The network maps an input signal `x \in \RR^{C_{in} \times T}` to

.. MATH::

    y[o, t] = b_2[o] + \sum_{c, k_2} w_2[o, c, k_2]\;
    \sigma\Bigl(b_1[c] + \sum_{i, k_1} w_1[c, i, k_1]\, x[i, s(t, k_2) + k_1]\Bigr),

with `w_1 \in \RR^{C_h \times C_{in} \times K_1}`, `w_2 \in \RR^{C_{out}
\times C_h \times K_2}`, `\sigma` the ReLU and `s(t, k_2)` the position the
second layer reads (stride, padding and dilation only change which input
entries are read, not what follows).

**The reparametrization.**  On the open set of `(\theta, x)` where no
pre-activation vanishes, the activation pattern `\epsilon[c, s] =
1_{\{\text{pre-activation} > 0\}}` is locally constant in `\theta`, so

.. MATH::

    y[o, t] = b_2[o] + \sum_{c, k_2, i, k_1} \epsilon[c, s]\, x[i, s + k_1]\,
    \bigl(w_2[o, c, k_2]\, w_1[c, i, k_1]\bigr)
    + \sum_{c, k_2} \epsilon[c, s]\, \bigl(w_2[o, c, k_2]\, b_1[c]\bigr)

is *linear* in the products

.. MATH::

    \phi(\theta) = \bigl( (w_2[o, c, k_2]\, w_1[c, i, k_1])_{o, c, k_2, i, k_1},\;
    (w_2[o, c, k_2]\, b_1[c])_{o, c, k_2},\; (b_2[o])_o \bigr)

(the last two with biases).  So the network factors through `\phi` locally
and every conservation law of `\phi` is one of the network (Proposition
2.16 of the first paper).  Weight sharing shows in `\phi`: the same `w_1[c,
i, k_1]` enters the products of every position.  For each hidden channel
`c`, `\phi` holds the outer product of the outgoing kernel `w_2[:, c, :]` and
the incoming kernel `w_1[c, :, :]` (with the bias): these are the path
products of a two-layer ReLU network with `C_{in} K_1` inputs, `C_h` hidden
neurons and `C_{out} K_2` outputs, and the positive rescaling of channel `c`
gives one law per hidden channel,

.. MATH::

    h_c = \|w_1[c, :, :]\|^2 + b_1[c]^2 - \|w_2[:, c, :]\|^2 .

The engine checks that these are all the laws of `\phi` (the paper's
"no more than the known ones"), certified: the counts of ``lie_trace()`` are
those of `\phi`, and its ``reason`` says so.  That the network's functional
space is all of `W_\phi` needs data whose activation patterns separate the
products (for a *linear* convolution, products with equal `k_1 + k_2` merge
and the network has more laws than `\phi`).

**Counting at scale.**  These products are exactly the path products of
the two-layer ReLU network `[C_{out} K_2, C_h, C_{in} K_1 + b]` without
biases (`b = 1` with biases): `U_1[(o, k_2), c] = w_2[o, c, k_2]`, `U_2[c,
(i, k_1)] = w_1[c, i, k_1]` and, with biases, `U_2[c, C_{in} K_1] = b_1[c]`
(a hidden bias is the weight of a constant input); the output bias `b_2` is
`\phi`'s own coordinates, the linear network `[C_{out}, 1]` (`\phi = U_1`,
no law).  So :meth:`ConvNetwork.lie_trace` traces the ReLU network by its
structured engine and certificate (:mod:`~sage_conslaw.core.jets`,
:func:`~sage_conslaw.core.subsets.equivalent_parts_trace`): exact, certified,
at any size, without forming the `d` products or a ring of `D` variables.

**Storage.**  The kernels are stored as matrices, in the order of
``torch.nn.Conv1d.weight.reshape(C_out, -1)``: ``W1`` is `C_h \times (C_{in}
K_1)` with ``W1[c, i*K1 + k1] = w1[c, i, k1]`` and ``W2`` is `C_{out} \times
(C_h K_2)` with ``W2[o, c*K2 + k2] = w2[o, c, k2]``; biases ``b1`` (`C_h`)
and ``b2`` (`C_{out}`).

EXAMPLES::

    sage: from sage_conslaw.architectures import ConvNetwork
    sage: net = ConvNetwork(1, 2, 1, 2, 2); net
    1-D convolutional ReLU network 1 -> 2 -> 1 channels, kernels 2 and 2, without biases: D = 8 parameters, d = 8 products
    sage: net.known_conservation_laws()[0]
    W1_0_0^2 + W1_0_1^2 - W2_0_0^2 - W2_0_1^2
    sage: res = net.lie_trace(); res.number_of_laws, res.certified
    (2, True)
"""
import numpy as np
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.linear import LinearNetwork
from sage_conslaw.architectures.relu import ReLUNetwork
from sage_conslaw.core.checks import boolean, positive_integer


class ConvNetwork(Block):
    r"""
    A two-layer 1-D convolutional ReLU network through its kernel products
    (see the module documentation).

    INPUT:

    - ``in_channels``, ``hidden_channels``, ``out_channels`` -- `C_{in}, C_h, C_{out}`
    - ``kernel1``, ``kernel2`` -- the kernel sizes `K_1, K_2`
    - ``bias`` -- biases ``b1`` (hidden) and ``b2`` (outputs) (default ``False``)

    EXAMPLES::

        sage: from sage_conslaw.architectures import ConvNetwork
        sage: net = ConvNetwork(2, 3, 2, 2, 3, bias=True)
        sage: net.D, net.d, net.number_of_known_laws()
        (35, 92, 3)
        sage: res = net.lie_trace(); res.number_of_laws, res.certified
        (3, True)
        sage: print(res.reason)         # the laws of phi; the network may have more
        ...; these are the laws of phi (the kernel products), each a law of the network; the network itself can have more on an open set: ...
        sage: net.weight(1, 2, 1, 0)        # w1[c=2, i=1, k1=0]
        W1_2_2
        sage: ConvNetwork(1, 0, 1, 1, 1)
        Traceback (most recent call last):
        ...
        ValueError: hidden_channels must be an integer >= 1, got 0
    """

    #: The counts of :meth:`lie_trace` are those of `\phi` (see :attr:`Block.PHI_NOTE`).
    PHI_NOTE = ("these are the laws of phi (the kernel products), each a law of the network; the network "
                "itself can have more on an open set: one input channel and first-layer weights of the same "
                "sign give ConvNetwork(1, 2, 1, 1, 1) 3 laws instead of 2 (doc/transformers.rst); "
                "functional_rank() checks the network at a point")

    def __init__(self, in_channels, hidden_channels, out_channels, kernel1, kernel2, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(2, 3, 1, 2, 2)
            sage: net.layout()
            Parameter layout (D = 18): W1 3 x 4 weight at 0, W2 1 x 6 weight at 12
            sage: ConvNetwork(1, 1, 1, 1, 1, bias=1)
            Traceback (most recent call last):
            ...
            TypeError: bias must be True or False, got 1 (Integer)
        """
        self.in_channels = positive_integer(in_channels, "in_channels")
        self.hidden_channels = positive_integer(hidden_channels, "hidden_channels")
        self.out_channels = positive_integer(out_channels, "out_channels")
        self.kernel1 = positive_integer(kernel1, "kernel1")
        self.kernel2 = positive_integer(kernel2, "kernel2")
        self.bias = boolean(bias, "bias")
        C_in, C_h, C_out, K1, K2 = (self.in_channels, self.hidden_channels, self.out_channels,
                                    self.kernel1, self.kernel2)
        shapes = [("W1", (C_h, C_in * K1), "weight"), ("W2", (C_out, C_h * K2), "weight")]
        if self.bias:
            shapes += [("b1", (C_h, 1), "bias"), ("b2", (C_out, 1), "bias")]
        products = C_out * C_h * K2      # each component is one product (one term)
        Block.__init__(self, shapes, self._products, C_in, C_out,
                       terms=products * C_in * K1 + ((products + C_out) if self.bias else 0))

    def _products(self, mats):
        r"""The components of `\phi`: the kernel products, then the bias products and `b_2`.

        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(1, 1, 1, 1, 2, bias=True)
            sage: net._products(net.parameters()) == list(net.components())
            True
            sage: ConvNetwork(1, 1, 1, 1, 2, bias=True).components()
            (W1_0_0*W2_0_0, W1_0_0*W2_0_1, W2_0_0*b1_0, W2_0_1*b1_0, b2_0)
        """
        W1, W2 = mats["W1"], mats["W2"]
        K2 = self.kernel2
        phis = [W2[o, c * K2 + k2] * W1[c, j]
                for o in range(self.out_channels) for c in range(self.hidden_channels)
                for k2 in range(K2) for j in range(W1.ncols())]
        if self.bias:
            b1 = mats["b1"]
            phis += [W2[o, c * K2 + k2] * b1[c, 0]
                     for o in range(self.out_channels) for c in range(self.hidden_channels) for k2 in range(K2)]
            phis += mats["b2"].list()
        return phis

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 1, 1, 1, 1, bias=True)
            1-D convolutional ReLU network 1 -> 1 -> 1 channels, kernels 1 and 1, with biases: D = 4 parameters, d = 3 products
        """
        return ("1-D convolutional ReLU network %s -> %s -> %s channels, kernels %s and %s, %s: "
                "D = %s parameters, d = %s products" % (
                    self.in_channels, self.hidden_channels, self.out_channels, self.kernel1, self.kernel2,
                    "with biases" if self.bias else "without biases", self.D, self.d))

    def weight(self, layer, a, b, k):
        r"""
        Return the variable of `w_1[a, b, k]` (``layer = 1``: hidden channel `a`,
        input channel `b`) or `w_2[a, b, k]` (``layer = 2``: output channel `a`,
        hidden channel `b`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(2, 1, 1, 3, 2)
            sage: net.weight(1, 0, 1, 2), net.weight(2, 0, 0, 1)
            (W1_0_5, W2_0_1)
            sage: net.weight(3, 0, 0, 0)
            Traceback (most recent call last):
            ...
            ValueError: layer must be 1 or 2, got 3
            sage: net.weight(1, 0, 0, 3)
            Traceback (most recent call last):
            ...
            ValueError: w1 has shape 1 x 2 x 3, index (0, 0, 3) is out of range
        """
        if layer not in (1, 2):
            raise ValueError("layer must be 1 or 2, got %s" % (layer,))
        shape = ((self.hidden_channels, self.in_channels, self.kernel1) if layer == 1
                 else (self.out_channels, self.hidden_channels, self.kernel2))
        if not all(0 <= x < n for x, n in zip((a, b, k), shape)):
            raise ValueError("w%s has shape %s x %s x %s, index (%s, %s, %s) is out of range"
                             % ((layer,) + shape + (a, b, k)))
        return self.parameters()["W%s" % layer][a, b * shape[2] + k]

    def incoming_kernel(self, c):
        r"""
        Return the entries of `w_1[c, :, :]` (and `b_1[c]` with biases).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 2, 1, 2, 1, bias=True).incoming_kernel(1)
            [W1_1_0, W1_1_1, b1_1]
        """
        out = list(self.parameters()["W1"].row(c))
        if self.bias:
            out.append(self.parameters()["b1"][c, 0])
        return out

    def outgoing_kernel(self, c):
        r"""
        Return the entries of `w_2[:, c, :]`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 2, 2, 1, 2).outgoing_kernel(1)
            [W2_0_2, W2_0_3, W2_1_2, W2_1_3]
        """
        W2, K2 = self.parameters()["W2"], self.kernel2
        return [W2[o, c * K2 + k] for o in range(self.out_channels) for k in range(K2)]

    def known_conservation_laws(self):
        r"""
        Return one law per hidden channel: `\|w_1[c]\|^2 + b_1[c]^2 - \|w_2[:, c]\|^2`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 1, 1, 1, 1, bias=True).known_conservation_laws()
            [W1_0_0^2 - W2_0_0^2 + b1_0^2]
        """
        return [sum(x ** 2 for x in self.incoming_kernel(c)) - sum(x ** 2 for x in self.outgoing_kernel(c))
                for c in range(self.hidden_channels)]

    def equivalent_parts(self):
        r"""
        Return the parts of `\theta` as the models they are, up to the order of
        their coordinates (see the module documentation and
        :func:`~sage_conslaw.core.subsets.equivalent_parts_trace`): a list of
        triples ``(coordinates, model, what)`` -- the ReLU network `[C_{out}
        K_2, C_h, C_{in} K_1 (+1)]` without biases, and with biases `b_2` as the
        linear network `[C_{out}, 1]`.  The tests check, shape by shape, that
        the components renamed are exactly those of the models.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: [(ks, what) for ks, _, what in ConvNetwork(1, 1, 1, 2, 2).equivalent_parts()]
            [([2, 3, 0, 1], 'the ReLU network [2, 1, 2] without biases')]
            sage: [(ks, what) for ks, _, what in ConvNetwork(1, 1, 2, 1, 1, bias=True).equivalent_parts()]
            [([1, 2, 0, 3], 'the ReLU network [2, 1, 2] without biases'),
             ([4, 5], 'the linear network [2, 1]')]
        """
        off = {P.name: P.slice.start for P in self.layout()}
        C_in, C_h, C_out, K1, K2 = (self.in_channels, self.hidden_channels, self.out_channels,
                                    self.kernel1, self.kernel2)
        b = 1 if self.bias else 0
        relu = ReLUNetwork([C_out * K2, C_h, C_in * K1 + b])
        # U1[(o, k2), c] = W2[o, c*K2 + k2]; U2[c, j] = W1[c, j] (j < C_in K1), b1[c] (j = C_in K1)
        u1 = [off["W2"] + o * C_h * K2 + c * K2 + k2 for o in range(C_out) for k2 in range(K2) for c in range(C_h)]
        u2 = [off["W1"] + c * C_in * K1 + j if j < C_in * K1 else off["b1"] + c
              for c in range(C_h) for j in range(C_in * K1 + b)]
        parts = [(u1 + u2, relu, "the ReLU network %s without biases" % relu.dims)]
        if self.bias:
            out = LinearNetwork([C_out, 1])
            parts.append((list(range(off["b2"], off["b2"] + C_out)), out, "the linear network %s" % out.dims))
        return parts

    def lie_trace(self, point=None, laws=None, *, seed=0, certify_with_degree=2, **options):
        r"""
        Compute `\dim \mathrm{Lie}(W_\phi)(\theta)` and the number of laws of `\phi`
        as those of the ReLU network it is (:meth:`equivalent_parts`): its
        structured engine and certificate, at any size.  With explicit
        ``laws`` (or ``data``) the whole family is traced as in
        :meth:`~sage_conslaw.architectures.compose.Block.lie_trace`.  The
        options are those of :func:`~sage_conslaw.core.trace.lie_trace`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(2, 3, 2, 2, 3, bias=True)
            sage: res = net.lie_trace(); res.number_of_laws, res.certified
            (3, True)
            sage: print(res.reason)
            direct sum of 2 parts ..., every part certified; each part is, up to the order of its coordinates and components (...): the ReLU network [6, 3, 5] without biases, the linear network [2, 1]; these are the laws of phi (the kernel products), ...
            sage: whole = net.lie_trace(laws=net.known_conservation_laws()); whole.number_of_laws, whole.certified
            (3, True)

        At a size where the dense trace takes a minute, at once::

            sage: res = ConvNetwork(1, 8, 8, 64, 16).lie_trace(); res.number_of_laws, res.certified
            (8, True)
        """
        return self._trace_by_equivalent_parts(point, laws, seed, certify_with_degree, **options)

    def number_of_laws_formula(self):
        r"""
        Return `C_h`, one law per hidden channel (the paper's claim, checked by the engine).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(3, 4, 2, 2, 2).number_of_laws_formula()
            4
        """
        return self.hidden_channels

    def functional_rank(self, point=None, length=None, samples=None, seed=0):
        r"""
        Return the exact rank of the network's gradients `\nabla_\theta y[o, t](\theta, x)`
        over random integer inputs `x`, and the exact `\dim W_\phi(\theta)` that bounds it.

        The network is evaluated exactly over `\QQ` (ReLU included) on
        inputs where no pre-activation vanishes (redrawn otherwise), so that
        the activation pattern is locally constant and `y = f(\phi(\theta), x)`
        with `f` linear in `\phi` (see the module documentation).  When the two
        numbers agree, the network's functional space is `W_\phi(\theta)` and,
        the rank being lower semicontinuous and `\dim W_\phi` locally constant at
        a point of maximal rank, near `\theta`: the network has exactly the laws
        of `\phi` there (the paper's "no more than the known ones", for the
        network itself).  A smaller rank is only a lower bound (other inputs
        might reach further) -- but it can be the truth: with one input channel
        and ``kernel1 = 1`` and no bias, two hidden channels whose weights have
        the same sign are active on the same inputs, the network only sees
        the sum of their products, and it has more laws than `\phi` on that
        open set of `\theta` (see the last example).

        INPUT:

        - ``point`` -- `\theta` (default: a random point of small nonzero integers
          where `\partial\phi` has its generic rank)
        - ``length`` -- the length `T` of the input signals (default `K_1 + K_2 + 3`)
        - ``samples`` -- the number of input signals (default: enough rows)
        - ``seed`` -- the seed of the random point and inputs

        OUTPUT: a pair ``(rank of the network's gradients, dim W_phi(theta))``

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(2, 3, 2, 2, 2, bias=True).functional_rank()
            (26, 26)
            sage: net = ConvNetwork(1, 2, 1, 2, 2)
            sage: net.functional_rank(), net.D - net.number_of_conservation_laws()
            ((6, 6), 6)

        One input channel, pointwise kernels, no bias, first-layer weights of
        the same sign: every input activates both hidden channels or neither,
        the gradients are all proportional to one field, and the network has
        one more law than `\phi`, `w_1[0] w_2[1] - w_1[1] w_2[0]`, mixing the
        two channels (exact, certified)::

            sage: net = ConvNetwork(1, 2, 1, 1, 1)
            sage: net.functional_rank(point=[1, 2, 3, -1]), net.number_of_conservation_laws()
            ((1, 2), 2)
            sage: from sage_conslaw import FieldFamily, lie_trace
            sage: a0, a1, c0, c1 = net.polynomial_ring().gens()      # w1[0], w1[1], w2[0], w2[1]
            sage: X = [c0, c1, a0, a1]                 # the gradient of the network, divided by the input
            sage: laws = net.known_conservation_laws() + [a0*c1 - a1*c0]
            sage: res = lie_trace(FieldFamily([X]), laws=laws); res.number_of_laws, res.certified
            (3, True)
        """
        rng = np.random.default_rng(seed)
        K1, K2 = self.kernel1, self.kernel2
        T = K1 + K2 + 3 if length is None else int(length)
        if T < K1 + K2 - 1:
            raise ValueError("the signals must have length at least K1 + K2 - 1 = %s, got %s" % (K1 + K2 - 1, T))
        theta, J_phi = self._regular_point(point, lambda: [
            QQ(int(x) * int(sgn)) for x, sgn in zip(rng.integers(1, 4, size=self.D),
                                                    rng.choice([-1, 1], size=self.D))])
        target = J_phi.rank()
        if samples is None:
            samples = 16 * target // max(1, self.out_channels * (T - K1 - K2 + 2)) + 16
        M = self.unflatten(theta)
        rows = []
        for _ in range(samples):
            for _ in range(50):
                # inputs up to 9 against weights and biases up to 3: every unit meets both signs
                x = matrix(QQ, self.in_channels, T, [int(v) for v in rng.integers(-9, 10, size=self.in_channels * T)])
                pre = self._pre_activations(M, x)
                if all(v != 0 for v in pre.list()):
                    break
            else:                                                     # pragma: no cover
                raise RuntimeError("could not draw an input with no vanishing pre-activation")
            rows += self._output_rows_in_phi(pre, x)
        return (matrix(QQ, rows) * J_phi).rank(), target

    def _pre_activations(self, M, x):
        r"""
        The hidden pre-activations `b_1[c] + \sum_{i,k_1} w_1[c,i,k_1] x[i, s+k_1]` (exact).

        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(1, 1, 1, 2, 1, bias=True)
            sage: net._pre_activations(net.unflatten([1, 2, 3, 4, 0]), matrix(QQ, [[1, 0, 1]]))
            [5 6]
        """
        K1 = self.kernel1
        S = x.ncols() - K1 + 1
        W1 = M["W1"]
        b1 = M["b1"] if self.bias else None
        return matrix(x.base_ring(), self.hidden_channels, S, [
            [(b1[c, 0] if self.bias else 0) + sum(W1[c, i * K1 + k] * x[i, s + k]
                                                   for i in range(self.in_channels) for k in range(K1))
             for s in range(S)] for c in range(self.hidden_channels)])

    def _output_rows_in_phi(self, pre, x):
        r"""
        The rows `\partial y[o, t] / \partial \phi` (in the order of the components):
        `\epsilon[c, t+k_2] x[i, t+k_2+k_1]` for the kernel products,
        `\epsilon[c, t+k_2]` for the bias products, 1 for `b_2[o]`.

        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(1, 1, 1, 1, 1)
            sage: net._output_rows_in_phi(matrix(QQ, [[2, -1]]), matrix(QQ, [[5, 7]]))
            [[5], [0]]
        """
        C_h, C_in, C_out, K1, K2 = (self.hidden_channels, self.in_channels, self.out_channels,
                                    self.kernel1, self.kernel2)
        n_w = C_out * C_h * K2 * C_in * K1
        rows = []
        for t in range(pre.ncols() - K2 + 1):
            for o in range(C_out):
                r = [0] * self.d
                for c in range(C_h):
                    for k2 in range(K2):
                        eps = 1 if pre[c, t + k2] > 0 else 0
                        if not eps:
                            continue
                        base = ((o * C_h + c) * K2 + k2) * C_in * K1
                        for i in range(C_in):
                            for k1 in range(K1):
                                r[base + i * K1 + k1] = x[i, t + k2 + k1]
                        if self.bias:
                            r[n_w + (o * C_h + c) * K2 + k2] = 1
                if self.bias:
                    r[n_w + C_out * C_h * K2 + o] = 1
                rows.append(r)
        return rows

    def point(self, *args, **named):
        r"""
        Return the exact point of the kernels given by keyword: ``W1``, ``W2``
        as stored (matrices), or ``w1``, ``w2`` as 3-D arrays of shape
        `C_h \times C_{in} \times K_1` and `C_{out} \times C_h \times K_2` (nested
        lists or numpy arrays, torch's ``Conv1d.weight`` layout); ``b1``, ``b2``.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: net = ConvNetwork(1, 1, 1, 2, 1)
            sage: net.point(w1=[[[1, 2]]], w2=[[[3]]])
            (1, 2, 3)
            sage: net.point(W1=[[1, 2]], W2=[[3]])
            (1, 2, 3)
            sage: net.point(w1=[[[1, 2, 3]]], w2=[[[3]]])
            Traceback (most recent call last):
            ...
            ValueError: w1 must have shape 1 x 1 x 2, got 1 x 1 x 3
        """
        named = dict(named)
        for layer in (1, 2):
            key = "w%s" % layer
            if key in named:
                if "W%s" % layer in named:
                    raise ValueError("give either w%s or W%s, not both" % (layer, layer))
                named["W%s" % layer] = self._flatten_kernel(layer, named.pop(key))
        return Block.point(self, *args, **named)

    def _flatten_kernel(self, layer, w):
        """A 3-D kernel as the stored matrix (rows: output channels of the layer).

        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 2, 1, 1, 1)._flatten_kernel(1, [[[1]], [[2]]])
            [[1], [2]]
            sage: ConvNetwork(1, 2, 1, 1, 1)._flatten_kernel(1, 5)
            Traceback (most recent call last):
            ...
            ValueError: w1 must be a 3-D array of shape 2 x 1 x 1
        """
        shape = ((self.hidden_channels, self.in_channels, self.kernel1) if layer == 1
                 else (self.out_channels, self.hidden_channels, self.kernel2))
        if hasattr(w, "tolist"):
            w = w.tolist()
        try:
            got = (len(w), len(w[0]), len(w[0][0]))
            ok = all(len(row) == got[1] and all(len(k) == got[2] for k in row) for row in w)
        except TypeError:
            raise ValueError("w%s must be a 3-D array of shape %s x %s x %s" % ((layer,) + shape)) from None
        if not ok or got != shape:
            raise ValueError("w%s must have shape %s x %s x %s, got %s" % (
                (layer,) + shape + (" x ".join(map(str, got)) if ok else "a ragged array",)))
        return [[x for row in out_ch for x in row] for out_ch in w]
