r"""
Mixtures of experts with a softmax router, dense or top-`k`.

`x \mapsto \sum_{e=1}^E \pi_e(x)\, f_e(x)` with experts `f_e(x) = B_e
\sigma(A_e x + a_e) + c_e` (`A_e \in \RR^{h \times d_{in}}`, `B_e \in \RR^{d_{out}
\times h}`) and a router `R \in \RR^{E \times d_{in}}`, `r \in \RR^E`:

- ``gating='softmax'``: `\pi = \mathrm{softmax}(Rx + r)`;
- ``gating='topk'``: the softmax of the `k` largest logits, 0 elsewhere (Mixtral); the network is
  piecewise: on each region of inputs where the selected experts do not change, it is a
  softmax router over them.  The counts below hold on the regions the sample inputs visit (said so).

**The router.**  The softmax only sees the differences of the logits:
adding one vector `u^\top x + c` to every logit changes nothing, so the router
enters through `P R`, `P r` (`P = I - \frac1E \mathbf 1 \mathbf 1^\top`),
and the column sums of `R` and `\sum_e r_e` are conserved (linear laws).
With top-1 gating the selected expert has weight 1: the router's gradient
vanishes on every region and *every* router entry is conserved.

**The experts** keep their laws: a ReLU expert one per hidden neuron
(`\|A_e[j,:]\|^2 + a_e[j]^2 - \|B_e[:,j]\|^2`), a linear expert the
balancedness of `B_e A_e`, an analytic one (GELU, SiLU, ...) none.  The network
factors through the polynomial `\phi = (PR, Pr, \text{the experts' } \phi)`
(the router omitted for top-1); its laws are certified by the engine and
:meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace`
proves that the network has no other.

EXAMPLES::

    sage: from sage_conslaw.architectures.moe import MixtureOfExperts
    sage: moe = MixtureOfExperts(2, 3, 2, 1); moe
    Mixture of 3 experts 2 -> 2 relu -> 1, softmax gating, with biases: D = 36 parameters
    sage: moe.lie_trace().number_of_laws        # 2 column sums + sum r + 3 experts x 2 neurons
    9
    sage: moe.network_trace().number_of_laws
    9
"""
from sage.matrix.constructor import identity_matrix, matrix
import math

from sage.rings.rational_field import QQ

from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.functional import (ACTIVATIONS, Jet, NetworkLaws, matvec, small_rational_point,
                                                   softmax)
from sage_conslaw.architectures.linear import balancedness
from sage_conslaw.core.checks import boolean, one_of, positive_integer


class MixtureOfExperts(NetworkLaws, Block):
    r"""
    A mixture of ``experts`` two-layer experts with a softmax router (see the module documentation).

    INPUT:

    - ``d_in``, ``experts``, ``hidden``, ``d_out`` -- the input dimension, the number `E` of experts,
      their hidden width and the output dimension
    - ``activation`` -- the experts' activation (default ``'relu'``; ``'linear'``, ``'gelu'``, ...)
    - ``gating`` -- ``'softmax'`` (dense, default) or ``'topk'`` (also spelled ``'top-k'``)
    - ``k`` -- the number of selected experts for ``'topk'`` (default 1)
    - ``bias`` -- biases of the router and the experts (default ``True``)

    EXAMPLES::

        sage: from sage_conslaw.architectures.moe import MixtureOfExperts
        sage: top1 = MixtureOfExperts(2, 3, 2, 1, gating='topk', k=1)
        sage: top1.lie_trace().number_of_laws      # all 9 router entries + 6 neurons
        15
        sage: MixtureOfExperts(2, 3, 2, 1, gating='topk', k=4)
        Traceback (most recent call last):
        ...
        ValueError: k must be between 1 and the number of experts 3, got 4
        sage: MixtureOfExperts(2, 3, 2, 1, gating='top-k').gating
        'topk'
    """

    #: More samples than the default: each expert of top-k gating sees only its region's inputs.
    ROW_FACTOR = 4

    PHI_NOTE = ("these are the laws of phi; network_trace() proves that the network has no other near the point "
                "(for top-k gating: on the regions of inputs the samples visit)")

    def __init__(self, d_in, experts, hidden, d_out, activation='relu', gating='softmax', k=1, bias=True):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: MixtureOfExperts(1, 2, 1, 1).parameter_names()
            ['R', 'r', 'A1', 'a1', 'B1', 'c1', 'A2', 'a2', 'B2', 'c2']
        """
        self.d_in, self.experts = positive_integer(d_in, "d_in"), positive_integer(experts, "the number of experts")
        self.hidden, self.d_out = positive_integer(hidden, "hidden"), positive_integer(d_out, "d_out")
        self.activation = one_of(activation, tuple(ACTIVATIONS), "the activation")
        if gating == "top-k":            # the spelling of the papers and of the docs' prose
            gating = "topk"
        self.gating = one_of(gating, ("softmax", "topk"), "gating")
        self.k = positive_integer(k, "k")
        if self.k > self.experts:
            raise ValueError("k must be between 1 and the number of experts %s, got %s" % (self.experts, self.k))
        self.bias = boolean(bias, "bias")
        E, h = self.experts, self.hidden
        shapes = [("R", (E, self.d_in), "weight", 0)] + ([("r", (E, 1), "bias", 0)] if self.bias else [])
        for e in range(1, E + 1):
            shapes.append(("A%s" % e, (h, self.d_in), "weight", 1))
            if self.bias:
                shapes.append(("a%s" % e, (h, 1), "bias", 1))
            shapes.append(("B%s" % e, (self.d_out, h), "weight", 2))
            if self.bias:
                shapes.append(("c%s" % e, (self.d_out, 1), "bias", 2))
        Block.__init__(self, shapes, self._components_from, self.d_in, self.d_out)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: MixtureOfExperts(1, 2, 1, 1, 'gelu', 'topk', 1, False)
            Mixture of 2 experts 1 -> 1 gelu -> 1, top-1 gating, without biases: D = 6 parameters
        """
        gating = "softmax gating" if self.gating == "softmax" else "top-%s gating" % self.k
        return "Mixture of %s experts %s -> %s %s -> %s, %s, %s biases: D = %s parameters" % (
            self.experts, self.d_in, self.hidden, self.activation, self.d_out, gating,
            "with" if self.bias else "without", self.D)

    def _router_seen(self):
        r"""Whether the router enters the network (not with top-1 gating).

        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: MixtureOfExperts(1, 2, 1, 1, gating='topk')._router_seen(), MixtureOfExperts(1, 2, 1, 1)._router_seen()
            (False, True)
        """
        return not (self.gating == "topk" and self.k == 1)

    def _expert_phi(self, M, e):
        r"""
        `\phi` of expert ``e``: paths (ReLU), the product (linear), or the parameters themselves.

        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: moe = MixtureOfExperts(1, 1, 1, 1); moe._expert_phi(moe.parameters(), 1)
            [A1_0_0*B1_0_0, a1_0*B1_0_0, c1_0]
        """
        A, B = M["A%s" % e], M["B%s" % e]
        a = M["a%s" % e] if self.bias else None
        c = M["c%s" % e].list() if self.bias else []
        if self.activation == "relu":
            phis = []
            for j in range(self.hidden):
                incoming = list(A.row(j)) + ([a[j, 0]] if self.bias else [])
                phis += [b * w for b in B.column(j) for w in incoming]
            return phis + c
        if self.activation == "linear":
            phis = (B * A).list()
            if self.bias:
                phis += [u + v for u, v in zip((B * a).list(), c)]
            return phis
        return A.list() + (a.list() if self.bias else []) + B.list() + c

    def _components_from(self, M):
        r"""
        `\phi = (PR, Pr, \phi_1, \dots, \phi_E)` (the router omitted for top-1 gating).

        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: MixtureOfExperts(1, 2, 1, 1, bias=False).components()
            (1/2*R_0_0 - 1/2*R_1_0, -1/2*R_0_0 + 1/2*R_1_0, A1_0_0*B1_0_0, A2_0_0*B2_0_0)
            sage: moe = MixtureOfExperts(1, 2, 1, 1); moe._components_from(moe.parameters()) == list(moe.components())
            True
        """
        E = self.experts
        phis = []
        if self._router_seen():
            P = identity_matrix(QQ, E) - matrix(QQ, E, E, [QQ((1, E))] * (E * E))
            phis += (P * M["R"]).list() + ((P * M["r"]).list() if self.bias else [])
        for e in range(1, E + 1):
            phis += self._expert_phi(M, e)
        return phis

    def known_conservation_laws(self):
        r"""
        The router's laws (column sums of `R` and `\sum r`; every router entry for top-1) and the experts'.

        EXAMPLES::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: MixtureOfExperts(1, 2, 1, 1, activation='gelu').known_conservation_laws()
            [R_0_0 + R_1_0, r_0 + r_1]
            sage: len(MixtureOfExperts(2, 2, 2, 2, activation='linear', bias=False).known_conservation_laws())
            8
        """
        M = self.parameters()
        R = M["R"]
        if self._router_seen():
            laws = [sum(R.column(j)) for j in range(self.d_in)]
            if self.bias:
                laws.append(sum(M["r"].list()))
        else:
            laws = R.list() + (M["r"].list() if self.bias else [])
        for e in range(1, self.experts + 1):
            A, B = M["A%s" % e], M["B%s" % e]
            if self.activation == "relu":
                for j in range(self.hidden):
                    h = sum(w ** 2 for w in A.row(j)) - sum(b ** 2 for b in B.column(j))
                    if self.bias:
                        h += M["a%s" % e][j, 0] ** 2
                    laws.append(h)
            elif self.activation == "linear":
                At = A.augment(M["a%s" % e]) if self.bias else A
                laws += balancedness(At.transpose(), B.transpose())
        return laws

    def _unpack(self, params):
        r"""
        The parameters by name (lists of rows; vectors as lists).

        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: MixtureOfExperts(1, 1, 1, 1, bias=False)._unpack([1, 2, 3])
            {'A1': [[2]], 'B1': [[3]], 'R': [[1]]}
            sage: MixtureOfExperts(1, 1, 1, 1)._unpack(list(range(6)))
            {'A1': [[2]], 'B1': [[4]], 'R': [[0]], 'a1': [3], 'c1': [5], 'r': [1]}
        """
        L = self.layout()
        return L.as_lists(params, vectors=[P.name for P in L.biases()])

    def _gates(self, logits):
        r"""
        The gates: the softmax of the logits, or of the `k` largest (certainly larger, as balls:
        otherwise ``ArithmeticError``, and the input is skipped).

        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: from sage_conslaw.architectures.functional import Jet
            sage: RB = RealBallField(53)
            sage: moe = MixtureOfExperts(1, 3, 1, 1, gating='topk', k=1)
            sage: moe._gates([Jet(RB(1)), Jet(RB(3)), Jet(RB(2))])
            [0, 1.000000000000000, 0]
            sage: moe._gates([Jet(RB(1)), Jet(RB(1)), Jet(RB(0))])
            Traceback (most recent call last):
            ...
            ArithmeticError: two router logits are not certainly ordered
        """
        if self.gating == "softmax":
            return softmax(logits)
        values = [z.value if isinstance(z, Jet) else z for z in logits]
        order = sorted(range(len(values)), key=lambda e: -float(values[e].mid() if hasattr(values[e], "mid")
                                                             else values[e]))
        chosen, rest = order[:self.k], order[self.k:]
        if rest and not values[chosen[-1]] > values[rest[0]]:
            raise ArithmeticError("two router logits are not certainly ordered")
        if self.k == 1:
            one = values[chosen[0]].parent().one()
            return [one if e == chosen[0] else 0 for e in range(len(values))]
        sm = softmax([logits[e] for e in chosen])
        gates = [0] * len(values)
        for e, g in zip(chosen, sm):
            gates[e] = g
        return gates

    def _network_output(self, params, x):
        r"""
        The network on parameter jets (or balls) and an input.

        TESTS::

            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: RB = RealBallField(53)
            sage: moe = MixtureOfExperts(1, 2, 1, 1, activation='linear', bias=False)
            sage: moe._network_output([RB(0), RB(0), RB(2), RB(3), RB(4), RB(5)], [1])    # equal gates
            [13.00000000000000]
        """
        M = self._unpack(params)
        act = ACTIVATIONS[self.activation]
        gates = self._gates(matvec(M["R"], x, M.get("r")))
        out = [0] * self.d_out
        for e, g in enumerate(gates, start=1):
            if isinstance(g, int) and g == 0:
                continue
            h = [act(z) for z in matvec(M["A%s" % e], x, M.get("a%s" % e))]
            y = matvec(M["B%s" % e], h, M.get("c%s" % e))
            out = [o + g * yo for o, yo in zip(out, y)]
        return out

    def _draw_point(self, rng):
        r"""
        A random point; with top-`k` gating the router's rows are spread on a circle (in the first
        two input coordinates) and its biases are zero, so that every expert wins a region that the
        sample inputs reach.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: moe = MixtureOfExperts(2, 3, 1, 1, gating='topk')
            sage: moe.unflatten(moe._draw_point(np.random.default_rng(int(0))))['R']
            [   2    0]
            [  -1  7/4]
            [  -1 -7/4]
        """
        theta = small_rational_point(self.D, rng)
        if self.gating != "topk":
            return theta
        R = self.layout()["R"]
        E = self.experts
        for e in range(E):
            angle = 2 * math.pi * e / E
            row = [QQ((round(8 * math.cos(angle)), 4)), QQ((round(8 * math.sin(angle)), 4))]
            row = (row + [QQ(0)] * self.d_in)[:self.d_in]
            theta[R.offset + e * self.d_in:R.offset + (e + 1) * self.d_in] = row
        if self.bias:
            b = self.layout()["r"]
            theta[b.offset:b.offset + E] = [QQ(0)] * E
        return theta

    def _random_input(self, rng):
        r"""
        A random input: rationals `k/2`, `|k| \le 8` (wide enough for every ReLU neuron and
        every expert of top-`k` gating to be reached by some samples).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.moe import MixtureOfExperts
            sage: len(MixtureOfExperts(3, 2, 1, 1)._random_input(np.random.default_rng(int(0))))
            3
        """
        return [QQ((int(k), 2)) for k in rng.integers(-8, 9, size=self.d_in)]
