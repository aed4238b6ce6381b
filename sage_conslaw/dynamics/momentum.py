r"""
Momentum flows: heavy ball with constant friction, and Nesterov's `3/t` friction.

**Heavy ball.**  `\ddot\theta + \tau\dot\theta = -\nabla L(\theta)` with
`L = f(\phi(\theta))` for any `f`.  On the lifted state `(T, \theta, v)`,
`v = \dot\theta`, the velocity of the flow is
`\chi_0 - \sum_j \partial_j f(\phi(\theta))\,\chi_j` with `\chi_j = (0, 0,
\nabla\phi_j(\theta))` (for a model with a metric too: its metric acts on the
position, see below) and the drift

- `\tau = 0`: `T = t`, `\chi_0 = (1, v, 0)`;
- `\tau > 0`: `T = s = e^{\tau t}` (so `\dot s = \tau s`), `\chi_0 = (\tau s, v,
  -\tau v)`: every field stays polynomial and laws are polynomials in `s`.

A law must be annihilated by `\chi_0` and by every `\chi_j` (the coefficients
`\partial_j f(\phi)` are arbitrary; their sign does not change the span), and
the number of laws near `x` is `2D + 1 - \dim \mathrm{Lie}(\chi_0, \chi_1,
\dots, \chi_d)(x)`.  Near points with `s > 0` the change of variable `t
\mapsto s = e^{\tau t}` is a diffeomorphism, so the count is the same in both
variables.

**Nesterov.**  The continuous limit of Nesterov's method has the friction
`\tau(t) = 3/t`: `\chi_0 = (1, v, -3v/t)` is rational.  We use `t\chi_0 = (t,
tv, -3v)`, polynomial.  Near a point with `t \ne 0` this changes neither
the laws nor their number: `t\,\langle\nabla h, \chi_0\rangle = 0` iff
`\langle\nabla h, \chi_0\rangle = 0` where `t \ne 0`; and since `[gX, Y] =
g[X, Y] - (Yg)X`, the brackets of `gX, Y_1, \dots` are combinations, with
smooth coefficients, of the brackets of `X, Y_1, \dots` and conversely
(divide by `g`) wherever `g \ne 0`: both families generate the same
distribution, hence the same `\dim \mathrm{Lie}(\cdot)(x)`.  Random points
are drawn with `t > 0`.

**Models with a metric** (:class:`~sage_conslaw.dynamics.preconditioned.Preconditioned`,
the mirror flows of :class:`~sage_conslaw.architectures.NMF` and
:class:`~sage_conslaw.architectures.ICNN`).  The momentum is put on the dual
variable: `\dot\theta = M(\theta)v`, `\dot v = -\tau v - \nabla L(\theta)`,
so `\chi_0 = (\cdot, M(\theta)v, -\tau v)` and `\chi_j = (0, 0, \nabla\phi_j)`.
For the mirror metric `M = \mathrm{diag}(\theta)` this is `v = \frac{d}{dt}\log\theta`
(accelerated mirror descent); for `M = I` it is the heavy ball; and with
strong friction (`\tau \to \infty`, time rescaled by `\tau`) it becomes the
flow `\dot\theta = -M\nabla L` of the model.  With it NMF and ICNN have no
law (the paper's claim).  Two other liftings one might write keep laws, which
is why the choice is stated here: `\dot\theta = v`, `\dot v = -\tau v - M\nabla L`
keeps `2 n_2` laws for NMF, and the Euclidean heavy ball on `\phi = UV` is the
linear network's (`\binom{n_2}{2}` laws); the tests measure all three.

**Linear networks** `\phi = U_1 U_2` (`U_1` is `n \times r`, `U_2` is `r \times m`,
as in :class:`~sage_conslaw.architectures.LinearNetwork`).  With `G = \nabla f`,
`\nabla_{U_1} L = G U_2^\top` and `\nabla_{U_2} L = U_1^\top G`, so
`U_1^\top \nabla_{U_1} L = U_1^\top G U_2^\top = \nabla_{U_2} L\, U_2^\top`.
For `A = U_1^\top V_1 - V_1^\top U_1` and `B = U_2 V_2^\top - V_2 U_2^\top`
(`V_i = \dot U_i`; the terms `V_i^\top V_i` cancel),

.. MATH::

    \dot A = -\tau A - U_1^\top G U_2^\top + U_2 G^\top U_1,\qquad
    \dot B = -\tau B - U_2 G^\top U_1 + U_1^\top G U_2^\top,

so `\frac{d}{dt}(A + B) = -\tau (A + B)` and `e^{\tau t}(A + B)` is conserved:
the entries `k < l` of `s\,(A + B)` (of `A + B` for `\tau = 0`, of `t^3(A + B)`
for Nesterov, since `e^{\int 3/t} = t^3`).  With a *minus* between the two
brackets, `\frac{d}{dt}(A - B) = -\tau(A - B) - 2(U_1^\top G U_2^\top - U_2 G^\top U_1)`
is not zero: ``A - B`` is not a law (see the tests).  Writing the second
layer as `W = U_2^\top` (`\phi = U_1 W^\top`) gives `B = W^\top \dot W - \dot W^\top W`,
the same form as `A`, still with a plus.  For deep networks the same
computation holds at every hidden layer `i`: `(U_i^\top V_i - V_i^\top U_i) +
(U_{i+1} V_{i+1}^\top - V_{i+1} U_{i+1}^\top)`.

EXAMPLES::

    sage: from sage_conslaw import HeavyBall, Nesterov
    sage: from sage_conslaw.architectures import LinearNetwork
    sage: hb = HeavyBall(LinearNetwork([2, 3, 2]), friction=1); hb
    Heavy-ball flow theta'' + theta' = -grad L (s = e^(t)) of Linear network [2, 3, 2]: D = 12 parameters, phi = U1*U2 in QQ^(2 x 2); state (s, theta, theta') of dimension 25
    sage: res = hb.lie_trace(); res.number_of_laws, res.certified
    (3, True)
    sage: U, V, s = hb.parameters(), hb.velocities(), hb.time_variable()
    sage: A = U['U1'].T * V['U1'] - V['U1'].T * U['U1']
    sage: B = U['U2'] * V['U2'].T - V['U2'] * U['U2'].T
    sage: hb.is_conservation_law(s * (A + B)[0, 1]), hb.is_conservation_law(s * (A - B)[0, 1])
    (True, False)
    sage: Nesterov(LinearNetwork([2, 3, 2])).number_of_conservation_laws()
    3
"""
from sage.arith.misc import binomial
from sage.misc.cachefunc import cached_method
from sage.modules.free_module_element import vector

from sage_conslaw.dynamics.lifting import LiftedModel, rational_parameter


def _hidden_layer_laws(Us, Vs, factor):
    r"""
    The momentum laws of a linear network `\phi = U_1 \cdots U_q` with the
    layer matrices ``Us`` and their velocities ``Vs``: ``factor`` times the
    entries `k < l` of `(U_i^\top V_i - V_i^\top U_i) + (U_{i+1} V_{i+1}^\top
    - V_{i+1} U_{i+1}^\top)` for every hidden layer `i`, and, when `n_{i-1} =
    n_{i+1} = 1`, the twisted family `U_i^\top V_{i+1}^\top - V_{i+1} U_i +
    U_{i+1} V_i - V_i^\top U_{i+1}^\top` (the loss sees `U_i U_{i+1}` only
    through a scalar, symmetric under the swap `U_i^\top \leftrightarrow
    U_{i+1}`, see :func:`linear_momentum_laws_formula`).

    TESTS::

        sage: from sage_conslaw import HeavyBall
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: hb = HeavyBall(LinearNetwork([1, 2, 1]))
        sage: from sage_conslaw.dynamics.momentum import _hidden_layer_laws
        sage: P, V = hb.parameters(), hb.velocities()
        sage: len(_hidden_layer_laws([P['U1'], P['U2']], [V['U1'], V['U2']], 1))
        2
    """
    mats = []
    for i in range(len(Us) - 1):
        Ui, Vi, Uj, Vj = Us[i], Vs[i], Us[i + 1], Vs[i + 1]
        mats.append(Ui.T * Vi - Vi.T * Ui + Uj * Vj.T - Vj * Uj.T)
        if Ui.nrows() == Uj.ncols() == 1:
            mats.append(Ui.T * Vj.T - Vj * Ui + Uj * Vi - Vi.T * Uj.T)
    return [factor * M[k, l] for M in mats for k in range(M.nrows()) for l in range(k + 1, M.ncols())]


def linear_momentum_laws_formula(n, r, m):
    r"""
    Return the number of independent laws of a momentum flow (any friction
    `\tau \ge 0`, or Nesterov's) of the two-layer linear network `[n, r, m]`
    near a generic point:

    .. MATH::

        \binom{r}{2} - \binom{r - 2(n + m)}{2} \text{ if } (n, m) \ne (1, 1),\qquad
        4r - 6 \text{ if } n = m = 1 \le r - 1,\qquad 0 \text{ if } n = m = r = 1,

    with `\binom{k}{2} = 0` for `k < 2`.

    Derivation.  Gather `Z = [\Theta \mid \Theta'] \in \mathbb{R}^{r \times 2p}`,
    `\Theta = [U_1^\top, U_2]`, `p = n + m`.  Then `\nabla_\Theta L = \Theta S`
    with `S = \begin{pmatrix} 0 & G \\ G^\top & 0\end{pmatrix}`, so every field
    acts by right multiplication: `\chi_j: Z \mapsto Z E_S`, `E_S =
    \begin{pmatrix} 0 & S \\ 0 & 0\end{pmatrix}`, and `\chi_0` is `Z \mapsto Z
    N_\tau`, `N_\tau = \begin{pmatrix} 0 & 0 \\ I & -\tau I\end{pmatrix}`, plus
    the time direction.  With `\tilde Z = e^{\tau t/2} Z`, `N_\tau` becomes
    `N_\tau + \frac{\tau}{2} I \in \mathfrak{sp}(2p)` (Nesterov: the same with
    `\tau = 3/t`, a nonvanishing factor).  Brackets give `[E_S, N] =
    \mathrm{diag}(S, -S)` and `[\mathrm{diag}(S, -S), E_{S'}] = E_{SS' + S'S}`,
    so the upper blocks contain the Jordan algebra generated by the `S`:
    all symmetric matrices when `(n, m) \ne (1, 1)`, and then the generated
    algebra is `\mathfrak{sp}(2p)`.  The orbit of a generic `Z` under
    `\mathfrak{sp}(2p)` has dimension `\dim \mathfrak{sp}(2p) - \binom{2p - r + 1}{2}`
    (stabilizer: the symmetric forms vanishing on the row space of `Z`)
    for `r \le 2p`, `\dim \mathfrak{sp}(2p)` otherwise; with the time
    direction, `2rp + 1` minus one plus that is the formula.  Its laws are the
    entries of `Z \Omega Z^\top = A + B` (times `e^{\tau t}`).  For `n = m = 1`,
    `S` commutes with the swap `P` of the two blocks: the algebra is
    `\mathfrak{sl}_2 \oplus \mathfrak{sl}_2` (one per eigenspace of `P`), of
    orbit dimension 6 (4 if `r = 1`), and there is a second family of laws
    (the twisted one of :meth:`HeavyBall.known_conservation_laws`).
    Momentum has fewer laws than the gradient flow (Proposition 4.3,
    :func:`~sage_conslaw.architectures.linear.lie_dimension_formula`) except in
    the over-parameterized regime `n = m = 1`, `r \ge 3` (e.g. `[1, 4, 1]`: 10
    against 7).  The tests check the formula against certified traces.

    EXAMPLES::

        sage: from sage_conslaw.dynamics.momentum import linear_momentum_laws_formula
        sage: [linear_momentum_laws_formula(1, r, 1) for r in range(1, 6)]
        [0, 2, 6, 10, 14]
        sage: [linear_momentum_laws_formula(2, r, 1) for r in range(1, 10)]
        [0, 1, 3, 6, 10, 15, 21, 27, 33]
    """
    def c2(k):
        return int(binomial(k, 2)) if k >= 2 else 0
    if n == m == 1:
        return 0 if r == 1 else 4 * r - 6
    return c2(r) - c2(r - 2 * (n + m))


class _Momentum(LiftedModel):
    r"""
    What heavy ball and Nesterov share: the loss drives the velocity through
    `\nabla\phi_j`, and the position moves along `M(\theta)v` (`v` for a model
    without metric).

    TESTS::

        sage: from sage_conslaw import HeavyBall
        sage: from sage_conslaw.dynamics.momentum import _Momentum
        sage: from sage_conslaw.architectures import uv
        sage: isinstance(HeavyBall(uv()), _Momentum)
        True
    """

    def _metric(self):
        r"""
        Return the model's metric `M(\theta)` over the lifted ring, or ``None``.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv, NMF
            sage: HeavyBall(uv())._metric() is None
            True
            sage: HeavyBall(NMF(1, 1, 1))._metric()
            [U_0_0     0]
            [    0 V_0_0]
        """
        metric = self._model.metric()
        if metric is None:
            return None
        return metric.apply_map(self._embed_theta, self._ring)

    def _metric_times_velocity(self):
        r"""
        Return `M(\theta)v` (or `v`), the velocity of the position.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv, ICNN
            sage: HeavyBall(uv())._metric_times_velocity()
            [u_dot, v_dot]
            sage: HeavyBall(ICNN(1, 1, 1))._metric_times_velocity()
            [U_0_0*U_0_0_dot, V_0_0_dot]
        """
        M = self._metric()
        v = list(self._vel)
        if M is None:
            return v
        return list(M * vector(self._ring, v))

    def _forcing(self):
        r"""
        Return the fields the loss drives the velocity along: `\nabla\phi_j` when
        the model has them (its metric acts on the position, see the module
        documentation), else the model's generators.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import NMF
            sage: HeavyBall(NMF(1, 1, 1))._forcing()
            [(V_0_0, U_0_0)]
        """
        grads = getattr(self._model, "gradient_fields", None)
        if callable(grads):
            return grads()
        return self._model.generators().fields()


class HeavyBall(_Momentum):
    r"""
    The heavy-ball flow `\ddot\theta + \tau\dot\theta = -\nabla L(\theta)` of a
    model, lifted to `(T, \theta, v)` (see the module documentation).

    INPUT:

    - ``model`` -- a first-order model of the package (a ``Reparametrization``,
      an architecture, a :class:`~sage_conslaw.dynamics.preconditioned.Preconditioned`
      flow): its generators `X_j` drive the velocity, so the flow of a model
      with a metric `M` is `\ddot\theta + \tau\dot\theta = -M\nabla L`
    - ``friction`` -- `\tau`, a nonnegative rational (default `0`)

    EXAMPLES::

        sage: from sage_conslaw import HeavyBall
        sage: from sage_conslaw.architectures import uv, ReLUNetwork
        sage: hb = HeavyBall(uv()); hb
        Heavy-ball flow theta'' = -grad L of Example 2.8: Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v); state (t, theta, theta') of dimension 5
        sage: hb.number_of_conservation_laws(), hb.lie_trace().certified
        (0, True)
        sage: HeavyBall(ReLUNetwork([2, 2, 2], bias=True), friction=2).number_of_conservation_laws()
        0
        sage: HeavyBall(uv(), friction=-1)
        Traceback (most recent call last):
        ...
        ValueError: the friction must be a nonnegative rational number, got -1
        sage: HeavyBall(uv(), friction=0.1)
        Traceback (most recent call last):
        ...
        TypeError: the friction must be an exact rational number (e.g. 1/2, not 0.5), got 0.100000000000000
        sage: HeavyBall("uv")
        Traceback (most recent call last):
        ...
        TypeError: HeavyBall takes a model of the package (a Reparametrization, an architecture, a Preconditioned flow), got 'uv', which has no polynomial ring
    """

    def __init__(self, model, friction=0):
        r"""
        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(HeavyBall(uv()))
            Traceback (most recent call last):
            ...
            TypeError: HeavyBall takes a first-order model; Heavy-ball flow ... is already lifted (it has a time variable)
        """
        self.friction = rational_parameter(friction, "the friction")
        LiftedModel.__init__(self, model, 't' if self.friction == 0 else 's', True, "HeavyBall")

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv(), 1/2)
            Heavy-ball flow theta'' + 1/2 theta' = -grad L (s = e^(1/2 t)) of Example 2.8: ...
        """
        tau = self.friction
        if tau == 0:
            eq, var = "theta'' = -grad L", "t"
        else:
            c = "" if tau == 1 else "%s " % tau
            eq, var = "theta'' + %stheta' = -grad L (%s = e^(%st))" % (c, self._time, c), str(self._time)
        return "Heavy-ball flow %s of %r; state (%s, theta, theta') of dimension %s" % (
            eq, self._model, var, self._ring.ngens())

    def _drift(self):
        r"""
        Return `\chi_0`: `(1, v, 0)` for `\tau = 0`, `(\tau s, v, -\tau v)` otherwise.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv())._drift(), HeavyBall(uv(), 2)._drift()
            ([1, u_dot, v_dot, 0, 0], [2*s, u_dot, v_dot, -2*u_dot, -2*v_dot])
        """
        tau, v = self.friction, list(self._vel)
        if tau == 0:
            return [self._ring.one()] + self._metric_times_velocity() + [self._ring.zero()] * len(v)
        return [tau * self._time] + self._metric_times_velocity() + [-tau * x for x in v]

    def time_factor(self):
        r"""
        Return the polynomial of the lifted ring that stands for `e^{\int_0^t \tau}`:
        `1` without friction, `s = e^{\tau t}` with friction `\tau > 0`.

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv()).time_factor(), HeavyBall(uv(), 3).time_factor()
            (1, s)
        """
        return self._ring.one() if self.friction == 0 else self._time

    @cached_method
    def known_conservation_laws(self):
        r"""
        Return the laws the theory gives: for linear networks (and matrix
        factorizations, with `U_2 = V^\top`), the entries
        `k < l` of `e^{\int\tau}\,[(U_i^\top V_i - V_i^\top U_i) + (U_{i+1}
        V_{i+1}^\top - V_{i+1} U_{i+1}^\top)]` at every hidden layer (and the
        twisted family when `n_{i-1} = n_{i+1} = 1`, see
        :func:`linear_momentum_laws_formula`); none otherwise.

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: HeavyBall(LinearNetwork([1, 2, 1])).known_conservation_laws()
            [-U1_0_1*U1_0_0_dot + U1_0_0*U1_0_1_dot - U2_1_0*U2_0_0_dot + U2_0_0*U2_1_0_dot,
             -U2_1_0*U1_0_0_dot + U2_0_0*U1_0_1_dot - U1_0_1*U2_0_0_dot + U1_0_0*U2_1_0_dot]
            sage: hb = HeavyBall(LinearNetwork([2, 2, 3, 1]), 1)
            sage: all(hb.is_conservation_law(h) for h in hb.known_conservation_laws())
            True
        """
        return _linear_laws(self, self.time_factor())


def _linear_laws(lifted, factor):
    r"""
    The momentum laws of a lifted linear network or matrix factorization
    (`\phi = UV^\top`: the layers are `U` and `V^\top`) with the given time
    factor; none for other models.

    TESTS::

        sage: from sage_conslaw import HeavyBall
        sage: from sage_conslaw.architectures import uv, MatrixFactorization
        sage: from sage_conslaw.dynamics.momentum import _linear_laws
        sage: _linear_laws(HeavyBall(uv()), 1)
        []
        sage: hb = HeavyBall(MatrixFactorization(2, 2, 2), 1)
        sage: laws = _linear_laws(hb, hb.time_factor()); len(laws), all(hb.is_conservation_law(h) for h in laws)
        (1, True)
    """
    factors = lifted.model().linear_factors()
    if factors is None:
        return []
    P, V = lifted.parameters(), lifted.velocities()
    return _hidden_layer_laws([P[n].T if t else P[n] for n, t in factors],
                              [V[n].T if t else V[n] for n, t in factors], factor)


class Nesterov(_Momentum):
    r"""
    The continuous Nesterov flow `\ddot\theta + \frac{3}{t}\dot\theta = -\nabla L(\theta)`
    of a model, lifted to `(t, \theta, v)` with the drift `t\chi_0 = (t, tv, -3v)`
    (see the module documentation for why clearing the denominator keeps the
    laws and their number near `t \ne 0`).

    INPUT:

    - ``model`` -- a first-order model of the package

    EXAMPLES::

        sage: from sage_conslaw import Nesterov
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: nes = Nesterov(LinearNetwork([1, 2, 2])); nes
        Nesterov flow theta'' + (3/t) theta' = -grad L of Linear network [1, 2, 2]: ...; state (t, theta, theta') of dimension 13
        sage: nes.known_conservation_laws()
        [-t^3*U1_0_1*U1_0_0_dot + t^3*U1_0_0*U1_0_1_dot - t^3*U2_1_0*U2_0_0_dot - t^3*U2_1_1*U2_0_1_dot + t^3*U2_0_0*U2_1_0_dot + t^3*U2_0_1*U2_1_1_dot]
        sage: res = nes.lie_trace(); res.number_of_laws, res.certified
        (1, True)
    """

    def __init__(self, model):
        r"""
        TESTS::

            sage: from sage_conslaw import Nesterov
            sage: Nesterov(None)
            Traceback (most recent call last):
            ...
            TypeError: Nesterov takes a model of the package (a Reparametrization, an architecture, a Preconditioned flow), got None, which has no polynomial ring
        """
        LiftedModel.__init__(self, model, 't', True, "Nesterov")

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import Nesterov
            sage: from sage_conslaw.architectures import uv
            sage: Nesterov(uv())
            Nesterov flow theta'' + (3/t) theta' = -grad L of Example 2.8: ...; state (t, theta, theta') of dimension 5
        """
        return "Nesterov flow theta'' + (3/t) theta' = -grad L of %r; state (%s, theta, theta') of dimension %s" % (
            self._model, self._time, self._ring.ngens())

    def _drift(self):
        r"""
        Return `t\chi_0 = (t, tv, -3v)`.

        TESTS::

            sage: from sage_conslaw import Nesterov
            sage: from sage_conslaw.architectures import uv
            sage: Nesterov(uv())._drift()
            [t, t*u_dot, t*v_dot, -3*u_dot, -3*v_dot]
        """
        t, v = self._time, list(self._vel)
        return [t] + [t * x for x in self._metric_times_velocity()] + [-3 * x for x in v]

    def _default_time_degree(self, degree):
        r"""
        Laws of Nesterov flows carry `t^3` per power of the velocity: try `t^{3k}`, `k \le` ``degree``.

        TESTS::

            sage: from sage_conslaw import Nesterov
            sage: from sage_conslaw.architectures import uv
            sage: Nesterov(uv())._default_time_degree(2)
            6
        """
        return 3 * degree

    def time_factor(self):
        r"""
        Return `t^3 = e^{\int 3/t}` (up to a constant), the factor of the momentum laws.

        EXAMPLES::

            sage: from sage_conslaw import Nesterov
            sage: from sage_conslaw.architectures import uv
            sage: Nesterov(uv()).time_factor()
            t^3
        """
        return self._time ** 3

    @cached_method
    def known_conservation_laws(self):
        r"""
        Return the laws the theory gives: for linear networks, `t^3` times the
        antisymmetric laws of :meth:`HeavyBall.known_conservation_laws`; none otherwise.

        EXAMPLES::

            sage: from sage_conslaw import Nesterov
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: nes = Nesterov(LinearNetwork([2, 3, 2]))
            sage: laws = nes.known_conservation_laws(); len(laws)
            3
            sage: all(nes.is_conservation_law(h) for h in laws)
            True
        """
        return _linear_laws(self, self.time_factor())
