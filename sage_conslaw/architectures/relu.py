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
    ReLU network [2, 3, 2] (inputs 2 -> hidden 3 -> outputs 2) without biases: D = 12 parameters, d = 12 paths
    sage: net.jacobian_rank()        # (n + m - 1) r
    9
    sage: net.satisfies_frobenius()
    True
    sage: res = net.lie_trace(); res.dimensions, res.number_of_laws, res.certified
    ([9], 3, True)
"""
import itertools

from sage.misc.misc_c import prod

from sage_conslaw.architectures.base import LayeredNetwork, check_widths
from sage_conslaw.core import checks
from sage_conslaw.core.jets import ReLUPathFamily
from sage_conslaw.core.symmetry import rescaling_symmetry


def number_of_paths(dims, bias=False):
    r"""
    Return the number `d` of components of the path-product `\phi` of a ReLU
    network of widths ``dims``, counted without building them.

    The formula has one home, :attr:`~sage_conslaw.core.jets.ReLUPathFamily.d`
    (the structured family of the network).  It is also the number of terms
    of the expanded `\phi = U_1 \cdots U_q` of the linear network of the same
    widths (one term per path).

    EXAMPLES::

        sage: from sage_conslaw.architectures.relu import number_of_paths
        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: number_of_paths([2, 3, 4, 2], bias=True), ReLUNetwork([2, 3, 4, 2], bias=True).d
        (80, 80)
        sage: number_of_paths([100, 100, 100, 100])
        100000000
    """
    return int(ReLUPathFamily(dims, bias=bias).d)


class ReLUNetwork(LayeredNetwork):
    r"""
    A feed-forward ReLU network of widths `[n_0, \dots, n_q]` through its path products.

    INPUT:

    - ``dims`` -- the widths `[n_0, n_1, \dots, n_q]` (outputs first, inputs last)
    - ``bias`` -- whether hidden neurons and outputs have biases: ``True`` or
      ``False`` (default); anything else (``'no'``, ``1``) is a ``TypeError``

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: net = ReLUNetwork([1, 2, 1], bias=True); net
        ReLU network [1, 2, 1] (inputs 1 -> hidden 2 -> outputs 1) with biases: D = 7 parameters, d = 5 paths
        sage: net.components()
        (U1_0_0*U2_0_0, U1_0_1*U2_1_0, U1_0_0*b1_0, U1_0_1*b1_1, c_0)
        sage: net.known_conservation_laws()
        [U1_0_0^2 - U2_0_0^2 - b1_0^2, U1_0_1^2 - U2_1_0^2 - b1_1^2]
        sage: net.point([[[1, 2]], [[3], [4]]], b1=[5, 6], c=[7])
        (1, 2, 3, 4, 5, 6, 7)
        sage: net.lie_trace().number_of_laws
        2
    """

    #: The hidden layers apply the ReLU (read by the numeric twin).
    relu = True

    def __init__(self, dims, bias=False):
        """
        TESTS::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([2, 2], bias='False')
            Traceback (most recent call last):
            ...
            TypeError: bias must be True or False, got 'False' (str)
            sage: ReLUNetwork([2, 2]).relu
            True

        Construction is instant at any size; the path products are formed on
        first need only, and refused when there are too many of them::

            sage: net = ReLUNetwork([30, 100, 100, 30], bias=True); net
            ReLU network [30, 100, 100, 30] (inputs 30 -> hidden 100 -> hidden 100 -> outputs 30) with biases: D = 16230 parameters, d = 9303030 paths
            sage: net.components()
            Traceback (most recent call last):
            ...
            ValueError: phi (the path products) of the ReLU network [30, 100, 100, 30] with biases has 9303030 terms once expanded, above the limit 1000000 of expanded terms (each costs about 4 kB and 25 us in Singular): its symbolic components and fields (components(), polynomial laws, the rigorous method, checking given laws) are not available; lie_trace() (the structured fast trace, certified by the known laws) works without them
        """
        dims, bias = check_widths(dims, "a ReLU network"), checks.boolean(bias, "bias")
        structured = ReLUPathFamily(dims, bias=bias)     # the fast trace at scale, never expanding phi
        d = number_of_paths(dims, bias)
        # one monomial per path: d components, d terms
        LayeredNetwork.__init__(self, dims, "a ReLU network", self._paths, bias=bias, d=d, terms=d,
                                structured=structured)

    def _phi_name(self):
        r"""
        What `\phi` is, for the messages.

        TESTS::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([2, 3, 4], bias=True)._phi_name()
            'phi (the path products) of the ReLU network [2, 3, 4] with biases'
        """
        return "phi (the path products) of the ReLU network %s %s biases" % (
            self.dims, "with" if self.bias else "without")

    def _paths(self, M):
        r"""
        The components of `\phi`: the path products, then with biases the bias paths and `c`.

        TESTS::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([1, 1, 1], bias=True)
            sage: net._paths(net.parameters())
            [U1_0_0*U2_0_0, U1_0_0*b1_0, c_0]
        """
        dims, q = self.dims, len(self.dims) - 1
        U = [None] + [M["U%s" % i] for i in range(1, q + 1)]
        phis = [prod(U[i][j[i - 1], j[i]] for i in range(1, q + 1)) for j in self.paths()]
        if self.bias:
            for i in range(1, q):
                b = M["b%s" % i]
                for j in itertools.product(*[range(n) for n in dims[:i + 1]]):
                    phis.append(b[j[i], 0] * prod(U[l][j[l - 1], j[l]] for l in range(1, i + 1)))
            phis += [M["c"][j, 0] for j in range(dims[0])]
        return phis

    def paths(self):
        r"""
        Return the paths `(j_0, \dots, j_q)` (output neuron first) of the first
        `n_0 \cdots n_q` components of `\phi`, in their order.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([1, 2, 2]).paths()
            [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
        """
        return list(itertools.product(*[range(n) for n in self.dims]))

    def path_index(self, path):
        r"""
        Return the index in `\phi` of the path `(j_0, \dots, j_q)`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([2, 3, 2])
            sage: all(net.path_index(j) == k for k, j in enumerate(net.paths()))
            True
            sage: net.path_index((0, 3, 0))
            Traceback (most recent call last):
            ...
            ValueError: (0, 3, 0) is not a path of the widths [2, 3, 2]
        """
        path = tuple(path)
        if len(path) != len(self.dims) or not all(0 <= j < n for j, n in zip(path, self.dims)):
            raise ValueError("%s is not a path of the widths %s" % (path, self.dims))
        k = 0
        for j, n in zip(path, self.dims):
            k = k * n + j
        return k

    def orientation(self):
        r"""
        Return the widths from the inputs to the outputs, in words (``dims`` lists
        them from the outputs to the inputs, the paper's orientation).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([3, 4, 2]).orientation()
            'inputs 2 -> hidden 4 -> outputs 3'
            sage: ReLUNetwork([3, 2]).orientation()
            'inputs 2 -> outputs 3'
        """
        hidden = ["hidden %s" % n for n in reversed(self.dims[1:-1])]
        return " -> ".join(["inputs %s" % self.dims[-1]] + hidden + ["outputs %s" % self.dims[0]])

    def _repr_(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([3, 4, 5, 2])._repr_()
            'ReLU network [3, 4, 5, 2] (inputs 2 -> hidden 5 -> hidden 4 -> outputs 3) without biases: D = 42 parameters, d = 120 paths'
        """
        return "ReLU network %s (%s) %s: D = %s parameters, d = %s paths" % (
            self.dims, self.orientation(), "with biases" if self.bias else "without biases", self.D, self.d)

    def hidden_neurons(self):
        r"""
        Return the hidden neurons as pairs ``(layer i, index j)``, `1 \le i \le q-1`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([1, 2, 1]).hidden_neurons()
            [(1, 0), (1, 1)]
        """
        return [(i, j) for i in range(1, self.depth) for j in range(self.dims[i])]

    def _known_law_count(self):
        r"""
        The number of known laws (one per hidden neuron), counted without forming them.

        TESTS::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([2, 3, 4, 2], bias=True)
            sage: net._known_law_count() == len(net.known_conservation_laws())
            True
        """
        return len(self.hidden_neurons())

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
        params = self.parameters()
        laws = []
        for i, j in self.hidden_neurons():
            h = sum(x ** 2 for x in U[i].column(j)) - sum(x ** 2 for x in U[i + 1].row(j))
            if self.bias:
                h -= params["b%s" % i][j, 0] ** 2
            laws.append(h)
        return laws

    def symmetries(self):
        r"""
        Return the rescaling symmetry of each hidden neuron (its weights toward
        the output times `e^t`, its incoming weights and bias times `e^{-t}`,
        see :func:`~sage_conslaw.core.symmetry.rescaling_symmetry`); their laws
        are the known laws.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([2, 3, 2], bias=True)
            sage: len(net.symmetries()), net.symmetry_laws() == net.known_conservation_laws()
            (3, True)
        """
        U = [None] + self.weights()
        params, R = self.parameters(), self.polynomial_ring()
        out = []
        for i, j in self.hidden_neurons():
            incoming = U[i + 1].row(j).list() + ([params["b%s" % i][j, 0]] if self.bias else [])
            out.append(rescaling_symmetry(R, U[i].column(j).list(), incoming))
        return out
