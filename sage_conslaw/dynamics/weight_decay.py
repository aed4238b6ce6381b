r"""
Gradient flows with weight decay, `\dot\theta = -\nabla L(\theta) - \lambda\theta`.

The decay is a drift that does not depend on the loss: on the lifted state
`(s, \theta)` with `s = e^{\lambda t}` (`\dot s = \lambda s`), the flow is
`\chi_0 - \sum_j \partial_j f(\phi)\,\chi_j` with `\chi_0 = (\lambda s,
-\lambda\theta)` and `\chi_j = (0, X_j)` (`X_j = \nabla\phi_j`, or the model's
own generators, e.g. `M\nabla\phi_j`).

**Known laws.**  If `h` is a law of the model, homogeneous of degree `k`,
then `s^k h` is a law with weight decay: `\langle\nabla(s^k h), \chi_j\rangle
= s^k\langle\nabla h, X_j\rangle = 0`, and by Euler's identity `\theta \cdot
\nabla h = k h`,

.. MATH::

    \langle\nabla(s^k h), \chi_0\rangle = \lambda s \cdot k s^{k-1} h
    - \lambda s^k\, \theta\cdot\nabla h = \lambda k s^k h - \lambda k s^k h = 0.

So balancedness becomes `e^{2\lambda t}(U^\top U - V V^\top)`; for `\phi(u, v) = uv`,
`s^2(u^2 - v^2)`.

EXAMPLES::

    sage: from sage_conslaw import WeightDecay
    sage: from sage_conslaw.architectures import uv
    sage: wd = WeightDecay(uv(), rate=1/10); wd
    Flow theta' = -grad L - 1/10 theta (s = e^(1/10 t)) of Example 2.8: ...; state (s, theta) of dimension 3
    sage: s, u, v = wd.polynomial_ring().gens()
    sage: wd.known_conservation_laws()
    [s^2*u^2 - s^2*v^2]
    sage: wd.is_conservation_law(u^2 - v^2)
    False
    sage: res = wd.lie_trace(); res.number_of_laws, res.certified
    (1, True)
"""
from sage.misc.cachefunc import cached_method

from sage_conslaw.dynamics.lifting import LiftedModel, rational_parameter


class WeightDecay(LiftedModel):
    r"""
    The flow `\dot\theta = -\nabla L(\theta) - \lambda\theta` of a model, lifted to
    `(s, \theta)` with `s = e^{\lambda t}` (see the module documentation).

    INPUT:

    - ``model`` -- a first-order model of the package (with a metric `M`, the
      flow is `\dot\theta = -M\nabla L - \lambda\theta`)
    - ``rate`` -- `\lambda`, a positive rational

    EXAMPLES::

        sage: from sage_conslaw import WeightDecay
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: wd = WeightDecay(LinearNetwork([2, 2, 2]), 1)
        sage: len(wd.known_conservation_laws()), wd.number_of_conservation_laws()
        (3, 3)
        sage: WeightDecay(LinearNetwork([2, 2, 2]), 0)
        Traceback (most recent call last):
        ...
        ValueError: the rate must be a positive rational number, got 0
    """

    def __init__(self, model, rate):
        r"""
        TESTS::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import uv
            sage: WeightDecay(uv(), 2).rate
            2
        """
        self.rate = rational_parameter(rate, "the rate", positive=True)
        LiftedModel.__init__(self, model, 's', False, "WeightDecay")

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import uv
            sage: WeightDecay(uv(), 1)
            Flow theta' = -grad L - theta (s = e^(t)) of Example 2.8: ...; state (s, theta) of dimension 3
        """
        c = "" if self.rate == 1 else "%s " % self.rate
        return "Flow theta' = -grad L - %stheta (%s = e^(%st)) of %r; state (%s, theta) of dimension %s" % (
            c, self._time, c, self._model, self._time, self._ring.ngens())

    def _drift(self):
        r"""
        Return `\chi_0 = (\lambda s, -\lambda\theta)`.

        TESTS::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import uv
            sage: WeightDecay(uv(), 3)._drift()
            [3*s, -3*u, -3*v]
        """
        lam = self.rate
        return [lam * self._time] + [-lam * x for x in self._theta]

    @cached_method
    def known_conservation_laws(self):
        r"""
        Return `s^k h` for every known law `h` of the model that is homogeneous of degree `k`.

        EXAMPLES::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import NMF
            sage: WeightDecay(NMF(1, 1, 2), 1).known_conservation_laws()
            [s*U_0_0 - s*V_0_0 - s*V_0_1]
        """
        out = []
        for h in self._model.known_conservation_laws():
            if h and h.is_homogeneous():
                out.append(self._time ** h.degree() * self.lift(h))
        return out
