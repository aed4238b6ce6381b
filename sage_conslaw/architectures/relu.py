r"""
ReLU networks through the path-product reparametrization (equation (15), Example 2.11).

With `\theta = (U_1, \dots, U_q)`, `U_i \in \QQ^{n_{i-1} \times n_i}`, `U_1`
next to the `n_0` outputs and `U_q` next to the `n_q` inputs, the network is
locally `f(\phi(\theta), x)` with the path products

.. MATH::

    \phi(\theta) = \bigl(U_1[j_0, j_1]\, U_2[j_1, j_2] \cdots U_q[j_{q-1}, j_q]\bigr)_{j_0, \dots, j_q}.

With biases, every hidden neuron `j` of hidden layer `i` (width `n_i`,
`1 \le i \le q-1`) has a bias `b_i[j]`, and the outputs a bias `c`; the bias
`b_i[j]` starts the paths `b_i[j_i]\, U_i[j_{i-1}, j_i] \cdots U_1[j_0, j_1]`
towards the outputs (Stock & Gribonval), and `c[j_0]` is a path of its own.
For `q = 2` this is Example 2.11: `((u_j v_j^\top, u_j b_j)_j, c)`.

The known laws (Proposition 4.1) are one per hidden neuron: the squared norm
of the outgoing weights minus that of the incoming weights, the bias
counting as an incoming weight.

EXAMPLES:

Example 3.5 (two-layer, no bias): `W_\phi` satisfies Frobenius' condition,
the iteration stops at the first step, and the `r` laws are complete::

    sage: from sage_conslaw.architectures import ReLUNetwork
    sage: net = ReLUNetwork([2, 3, 2]); net
    ReLU network [2, 3, 2] without biases: D = 12 parameters, d = 12 paths
    sage: net.jacobian_rank()        # (n + m - 1) r
    9
    sage: net.satisfies_frobenius()
    True
    sage: res = net.lie_trace(); res.dimensions, res.number_of_laws, res.certified
    ([9], 3, True)
"""
import itertools

from sage.misc.misc_c import prod

from sage_conslaw.architectures.base import LayeredNetwork


class ReLUNetwork(LayeredNetwork):
    r"""
    A feed-forward ReLU network of widths `[n_0, \dots, n_q]` through its path products.

    INPUT:

    - ``dims`` -- the widths `[n_0, n_1, \dots, n_q]` (outputs first, inputs last)
    - ``bias`` -- whether hidden neurons and outputs have biases (default ``False``)

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: net = ReLUNetwork([1, 2, 1], bias=True); net
        ReLU network [1, 2, 1] with biases: D = 7 parameters, d = 5 paths
        sage: net.components()
        (U1_0_0*U2_0_0, U1_0_1*U2_1_0, U1_0_0*b1_0, U1_0_1*b1_1, c_0)
        sage: net.known_conservation_laws()
        [U1_0_0^2 - U2_0_0^2 - b1_0^2, U1_0_1^2 - U2_1_0^2 - b1_1^2]
        sage: net.point([[[1, 2]], [[3], [4]]], b1=[5, 6], c=[7])
        (1, 2, 3, 4, 5, 6, 7)
        sage: net.lie_trace().number_of_laws
        2
    """

    def __init__(self, dims, bias=False):
        self.bias = bool(bias)
        LayeredNetwork.__init__(self, dims, "a ReLU network", self._paths, self._bias_shapes)

    def _bias_shapes(self, dims):
        """One bias vector per hidden layer, and the output bias ``c`` (none without biases)."""
        if not self.bias:
            return []
        return [("b%s" % i, (dims[i], 1)) for i in range(1, len(dims) - 1)] + [("c", (dims[0], 1))]

    def _paths(self, M):
        dims, q = self.dims, len(self.dims) - 1
        U = [None] + [M["U%s" % i] for i in range(1, q + 1)]
        phis = [prod(U[i][j[i - 1], j[i]] for i in range(1, q + 1))
                for j in itertools.product(*[range(n) for n in dims])]
        if self.bias:
            for i in range(1, q):
                b = M["b%s" % i]
                for j in itertools.product(*[range(n) for n in dims[:i + 1]]):
                    phis.append(b[j[i], 0] * prod(U[l][j[l - 1], j[l]] for l in range(1, i + 1)))
            phis += [M["c"][j, 0] for j in range(dims[0])]
        return phis

    def _repr_(self):
        return "ReLU network %s %s: D = %s parameters, d = %s paths" % (
            self.dims, "with biases" if self.bias else "without biases", self.D, self.d)

    def hidden_neurons(self):
        r"""
        Return the hidden neurons as pairs ``(layer i, index j)``, `1 \le i \le q-1`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([1, 2, 1]).hidden_neurons()
            [(1, 0), (1, 1)]
        """
        return [(i, j) for i in range(1, self.depth) for j in range(self.dims[i])]

    def known_conservation_laws(self):
        r"""
        Return one law per hidden neuron, the diagonal of `U_i^\top U_i -
        U_{i+1} U_{i+1}^\top` (Proposition 4.1), minus `b_i[j]^2` with biases.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([2, 3, 2])
            sage: len(net.known_conservation_laws()), net.number_of_known_laws()
            (3, 3)
            sage: ReLUNetwork([2, 3, 4, 2], bias=True).number_of_known_laws()
            7
        """
        U = [None] + self.weights()
        laws = []
        for i, j in self.hidden_neurons():
            h = sum(x ** 2 for x in U[i].column(j)) - sum(x ** 2 for x in U[i + 1].row(j))
            if self.bias:
                h -= self._mats["b%s" % i][j, 0] ** 2
            laws.append(h)
        return laws
