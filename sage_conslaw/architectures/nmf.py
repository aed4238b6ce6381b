r"""
Nonnegative matrix factorization under the mirror flow ("Keep the Momentum", Section 5).

`\phi(U, V) = UV` with `U \in \mathbb{R}_{>0}^{n_1 \times n_2}`, `V \in
\mathbb{R}_{>0}^{n_2 \times n_3}`, trained by the mirror (entropic) flow
`\dot\theta = -\mathrm{diag}(\theta)\nabla L`, the continuous limit of
multiplicative updates, on all parameters.  The generators are
`\mathrm{diag}(\theta)\nabla\phi_{ij}`: on `U_{ik}` the component `U_{ik}V_{kj}`,
on `V_{kj}` the component `V_{kj}U_{ik}`, `k = 1, \dots, n_2`.

**Known laws.**  For each inner index `k`, `h_k = \sum_i U_{ik} - \sum_j V_{kj}`:
`\langle\nabla h_k, \mathrm{diag}(\theta)\nabla\phi_{ij}\rangle = U_{ik}V_{kj} -
V_{kj}U_{ik} = 0`.  In the coordinates `\theta = e^w` the flow is Euclidean
and these are `\sum_i e^{a_{ik}} - \sum_j e^{b_{kj}}`.  The tests check
that these `n_2` linear laws are all the laws (certified traces) and
coincide with the polynomial laws of degree at most 2.

EXAMPLES::

    sage: from sage_conslaw.architectures import NMF
    sage: nmf = NMF(2, 2, 3); nmf
    NMF [2, 2, 3] (phi = UV, mirror flow on U and V): D = 10 parameters
    sage: nmf.known_conservation_laws()
    [U_0_0 + U_1_0 - V_0_0 - V_0_1 - V_0_2, U_0_1 + U_1_1 - V_1_0 - V_1_1 - V_1_2]
    sage: res = nmf.lie_trace(); res.number_of_laws, res.certified
    (2, True)
    sage: all(c > 0 for c in nmf.random_point(3))
    True
"""
from sage.misc.cachefunc import cached_method

from sage_conslaw.architectures.base import Architecture
from sage_conslaw.core.checks import positive_integer
from sage_conslaw.core.families import FieldFamily
from sage_conslaw.core.metric import Metric


class NMF(Architecture):
    r"""
    `\phi(U, V) = UV`, `U` of size `n_1 \times n_2`, `V` of size `n_2 \times n_3`,
    with the mirror metric `\mathrm{diag}(\theta)` built in.

    INPUT:

    - ``n1``, ``n2``, ``n3`` -- positive integers

    EXAMPLES::

        sage: from sage_conslaw.architectures import NMF
        sage: NMF(1, 2, 1).generators().fields()
        [(U_0_0*V_0_0, U_0_1*V_1_0, U_0_0*V_0_0, U_0_1*V_1_0)]
        sage: NMF(1, 0, 1)
        Traceback (most recent call last):
        ...
        ValueError: n2 must be an integer >= 1, got 0
    """

    def __init__(self, n1, n2, n3):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import NMF
            sage: NMF(2, 1, 1).sizes
            (2, 1, 1)
        """
        self.sizes = tuple(positive_integer(n, name) for n, name in ((n1, "n1"), (n2, "n2"), (n3, "n3")))
        n1, n2, n3 = self.sizes
        Architecture.__init__(self, [("U", (n1, n2), "weight", 1), ("V", (n2, n3), "weight", 2)],
                              lambda M: (M["U"] * M["V"]).list(), terms=n1 * n2 * n3)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import NMF
            sage: NMF(1, 1, 1)
            NMF [1, 1, 1] (phi = UV, mirror flow on U and V): D = 2 parameters
        """
        return "NMF %s (phi = UV, mirror flow on U and V): D = %s parameters" % (list(self.sizes), self.D)

    def metric(self):
        r"""
        Return the mirror metric `M = \mathrm{diag}(\theta)`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import NMF
            sage: NMF(1, 1, 1).metric()
            [U_0_0     0]
            [    0 V_0_0]
        """
        return Metric.mirror(self.polynomial_ring())   # the ring of the parameters, built on first need

    @cached_method
    def generators(self):
        r"""
        Return the fields `\mathrm{diag}(\theta)\nabla\phi_{ij}` (all coordinates positive).

        EXAMPLES::

            sage: from sage_conslaw.architectures import NMF
            sage: NMF(1, 1, 1).generators()
            Family of 1 vector field on QQ^2 (coordinates U_0_0, V_0_0), positive coordinates U_0_0, V_0_0
        """
        R = self.polynomial_ring()   # the ring of the parameters, built on first need
        grads = self.gradient_fields()         # first: refused at once when phi is too large
        fields = self.metric().fields(grads)
        return FieldFamily(fields, positive=range(R.ngens()))

    def known_conservation_laws(self):
        r"""
        Return the `n_2` laws `\sum_i U_{ik} - \sum_j V_{kj}`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import NMF
            sage: NMF(3, 1, 1).known_conservation_laws()
            [U_0_0 + U_1_0 + U_2_0 - V_0_0]
        """
        U, V = self._mats["U"], self._mats["V"]
        return [sum(U.column(k)) - sum(V.row(k)) for k in range(self.sizes[1])]
