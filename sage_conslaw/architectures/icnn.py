r"""
Two-layer input-convex networks (ICNN) under a mirror flow on the output layer
("Keep the Momentum", Section 5).

`x \mapsto U\sigma(Vx + b)` with `\sigma` = ReLU, `U \in \mathbb{R}_{>0}^{n_1
\times n_2}` (nonnegative, which makes the network convex in `x`), `V \in
\mathbb{R}^{n_2 \times n_3}` and optionally `b \in \mathbb{R}^{n_2}`.  As for
:class:`~sage_conslaw.architectures.ReLUNetwork`, on a region of constant
activations the model factors through the path products `U_{ik}V_{kj}` (and
`U_{ik}b_k`).  `U` is trained by the mirror flow (to stay nonnegative), `V`
and `b` by the Euclidean one: `M = \mathrm{diag}(U, 1, \dots, 1)`.

**Known laws.**  For each hidden neuron `k`, `h_k = \sum_i U_{ik} - \frac12(\|V_{k,:}\|^2
+ b_k^2)`: on the path `U_{ik}V_{kj}` the generator has `U_{ik}V_{kj}` on
`U_{ik}` and `U_{ik}` on `V_{kj}`, so `\langle\nabla h_k, \cdot\rangle = U_{ik}V_{kj}
- V_{kj}U_{ik} = 0`; likewise for `U_{ik}b_k`.  The tests check they are all
the laws (certified) and coincide with the polynomial laws of degree `\le 2`.

EXAMPLES::

    sage: from sage_conslaw.architectures import ICNN
    sage: net = ICNN(1, 2, 1, bias=True); net
    ICNN [1, 2, 1] with bias (U sigma(Vx + b), mirror flow on U): D = 6 parameters, d = 4 paths
    sage: net.known_conservation_laws()
    [-1/2*V_0_0^2 - 1/2*b_0^2 + U_0_0, -1/2*V_1_0^2 - 1/2*b_1^2 + U_0_1]
    sage: res = net.lie_trace(); res.number_of_laws, res.certified
    (2, True)
"""
from sage.misc.cachefunc import cached_method

from sage_conslaw.architectures.base import Architecture
from sage_conslaw.core.checks import boolean, positive_integer
from sage_conslaw.core.families import FieldFamily
from sage_conslaw.core.metric import Metric


class ICNN(Architecture):
    r"""
    The two-layer ICNN `U\sigma(Vx + b)` through its path products, with the
    mirror metric on `U` built in.

    INPUT:

    - ``n1``, ``n2``, ``n3`` -- output, hidden and input widths (positive integers)
    - ``bias`` -- whether the hidden layer has a bias `b` (default ``False``)

    EXAMPLES::

        sage: from sage_conslaw.architectures import ICNN
        sage: net = ICNN(2, 1, 1); net.components()
        (U_0_0*V_0_0, U_1_0*V_0_0)
        sage: net.generators().fields()
        [(U_0_0*V_0_0, 0, U_0_0), (0, U_1_0*V_0_0, U_1_0)]
        sage: ICNN(2, 1, 1, bias='yes')
        Traceback (most recent call last):
        ...
        TypeError: bias must be True or False, got 'yes' (str)
    """

    def __init__(self, n1, n2, n3, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(1, 1, 1, bias=True).parameters()['b']
            [b_0]
        """
        self.sizes = tuple(positive_integer(n, name) for n, name in ((n1, "n1"), (n2, "n2"), (n3, "n3")))
        self.bias = boolean(bias, "bias")
        n1, n2, n3 = self.sizes
        shapes = [("U", (n1, n2), "weight", 1), ("V", (n2, n3), "weight", 2)] + \
            ([("b", (n2, 1), "bias", 1)] if self.bias else [])
        Architecture.__init__(self, shapes, self._paths, terms=n1 * n2 * n3 + (n1 * n2 if self.bias else 0))

    def _paths(self, M):
        r"""
        The path products `U_{ik}V_{kj}`, then `U_{ik}b_k`.

        TESTS::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(1, 1, 2, bias=True).components()
            (U_0_0*V_0_0, U_0_0*V_0_1, U_0_0*b_0)
            sage: net = ICNN(1, 1, 1); net._paths(net.parameters())
            [U_0_0*V_0_0]
        """
        n1, n2, n3 = self.sizes
        U, V = M["U"], M["V"]
        phis = [U[i, k] * V[k, j] for i in range(n1) for k in range(n2) for j in range(n3)]
        if self.bias:
            phis += [U[i, k] * M["b"][k, 0] for i in range(n1) for k in range(n2)]
        return phis

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(1, 1, 1)
            ICNN [1, 1, 1] without bias (U sigma(Vx), mirror flow on U): D = 2 parameters, d = 1 paths
        """
        inner = "U sigma(Vx + b)" if self.bias else "U sigma(Vx)"
        return "ICNN %s %s (%s, mirror flow on U): D = %s parameters, d = %s paths" % (
            list(self.sizes), "with bias" if self.bias else "without bias", inner, self.D, self.d)

    def mirror_coordinates(self):
        r"""
        Return the indices of the coordinates under the mirror metric (the entries of `U`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(2, 1, 1).mirror_coordinates()
            [0, 1]
        """
        return list(range(self.sizes[0] * self.sizes[1]))

    def metric(self):
        r"""
        Return the metric `M = \mathrm{diag}(U, 1, \dots, 1)` (mirror on `U` only).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(1, 1, 1).metric()
            [U_0_0     0]
            [    0     1]
        """
        return Metric.mirror(self.polynomial_ring(), self.mirror_coordinates())   # built on first need

    @cached_method
    def generators(self):
        r"""
        Return the fields `M\nabla\phi_p`, `M = \mathrm{diag}(U, 1, \dots, 1)`
        (the entries of `U` are positive coordinates).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(1, 1, 1).generators()
            Family of 1 vector field on QQ^2 (coordinates U_0_0, V_0_0), positive coordinates U_0_0
        """
        grads = self.gradient_fields()         # first: refused at once when phi is too large
        return FieldFamily(self.metric().fields(grads), positive=self.mirror_coordinates())

    def known_conservation_laws(self):
        r"""
        Return the `n_2` laws `\sum_i U_{ik} - \frac12(\|V_{k,:}\|^2 + b_k^2)`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ICNN
            sage: ICNN(2, 1, 2).known_conservation_laws()
            [-1/2*V_0_0^2 - 1/2*V_0_1^2 + U_0_0 + U_1_0]
        """
        U, V = self._mats["U"], self._mats["V"]
        laws = []
        for k in range(self.sizes[1]):
            h = sum(U.column(k)) - sum(x ** 2 for x in V.row(k)) / 2
            if self.bias:
                h -= self._mats["b"][k, 0] ** 2 / 2
            laws.append(h)
        return laws
