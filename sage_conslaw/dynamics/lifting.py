r"""
Lifting a time-dependent or second-order flow to an autonomous family of fields.

A flow such as the heavy ball `\ddot\theta + \tau\dot\theta = -\nabla L(\theta)`
is not a first-order flow in `\theta`, and its laws may depend on the time.
It becomes one on the lifted state `x = (T, \theta, v)`, with `T` a time
variable (`t` itself, or `s = e^{\tau t}`) and `v = \dot\theta`:

.. MATH::

    \dot x = \chi_0(x) - \sum_j \partial_j f(\phi(\theta))\, \chi_j(x),

with a drift `\chi_0` that does not depend on the loss and the fields
`\chi_j = (0, 0, X_j(\theta))`, `X_j` the generators of the first-order model
(`\nabla\phi_j`, or `M\nabla\phi_j` for a metric).  A function `h(x)` is
conserved for every loss `L = f \circ \phi` iff it is annihilated by
`\chi_0` (take `f = 0`) and by every `\chi_j` (take `f` linear: the
coefficients are then arbitrary constants).  Theorem 3.3 of the first paper
applies to any finite family of fields, so the number of independent laws
near `x` is `\dim(\text{state}) - \dim \mathrm{Lie}(\chi_0, \chi_1, \dots)(x)`,
certified as for a reparametrization.

:class:`LiftedModel` holds what the lifted models share: the lifted ring
(time variable first, then `\theta`, then `v`), the embedding of the
model's polynomials, the parameter and velocity matrices by name, laws of
the shape `T^k q(\theta, v)`, and a trace that looks for laws only when the
fields do not already fill the space.

EXAMPLES::

    sage: from sage_conslaw import HeavyBall
    sage: from sage_conslaw.architectures import uv
    sage: hb = HeavyBall(uv(), friction=1)
    sage: hb.polynomial_ring()
    Multivariate Polynomial Ring in s, u, v, u_dot, v_dot over Rational Field
    sage: hb.generators()
    Family of 2 vector fields on QQ^5 (coordinates s, u, v, u_dot, v_dot), positive coordinates s
"""
import time

from sage.matrix.constructor import matrix
from sage.misc.cachefunc import cached_method
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.core import checks, thresholds
from sage_conslaw.core.families import FieldFamily
from sage_conslaw.core.laws import candidate_exponents, laws_supported_on
from sage_conslaw.core.model import ConservationModel
from sage_conslaw.core.points import to_exact_polynomial
from sage_conslaw.core.thresholds import MAX_TRACE_JACOBIAN_BYTES
from sage_conslaw.core.checks import nonnegative_integer


def rational_parameter(x, what, positive=False):
    r"""
    Return ``x`` as a nonnegative (or positive) rational number, or raise a clear error.

    Frictions and rates enter the fields as coefficients, so they must be
    exact: floats are refused (and values of positive characteristic); the check
    itself is :func:`sage_conslaw.core.checks.rational`.

    INPUT:

    - ``x`` -- an integer, a rational (Sage or :class:`fractions.Fraction`)
    - ``what`` -- the name of the parameter, for the message
    - ``positive`` -- whether `0` is refused too

    EXAMPLES::

        sage: from sage_conslaw.dynamics.lifting import rational_parameter
        sage: rational_parameter(3/2, "the friction")
        3/2
        sage: rational_parameter(-1, "the friction")
        Traceback (most recent call last):
        ...
        ValueError: the friction must be a nonnegative rational number, got -1
        sage: rational_parameter(0, "the rate", positive=True)
        Traceback (most recent call last):
        ...
        ValueError: the rate must be a positive rational number, got 0
        sage: rational_parameter(0.5, "the friction")
        Traceback (most recent call last):
        ...
        TypeError: the friction must be an exact rational number (e.g. 1/2, not 0.5), got 0.500000000000000
        sage: rational_parameter(True, "the friction")
        Traceback (most recent call last):
        ...
        TypeError: the friction must be an exact rational number (e.g. 1/2, not 0.5), got True
    """
    return checks.rational(x, what, positive)


def first_order_model(model, what):
    r"""
    Return ``model`` if it is a first-order model of the package (a
    :class:`~sage_conslaw.core.model.ConservationModel` with a polynomial ring
    that is not already lifted), or raise a clear ``TypeError``.

    EXAMPLES::

        sage: from sage_conslaw.dynamics.lifting import first_order_model
        sage: from sage_conslaw.architectures import uv
        sage: first_order_model(uv(), "HeavyBall")
        Example 2.8: Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v)
        sage: first_order_model(42, "HeavyBall")
        Traceback (most recent call last):
        ...
        TypeError: HeavyBall takes a model of the package (a Reparametrization, an architecture, a Preconditioned flow), got 42, which has no polynomial ring
    """
    if not isinstance(model, ConservationModel) or not callable(getattr(model, "polynomial_ring", None)):
        raise TypeError("%s takes a model of the package (a Reparametrization, an architecture, a Preconditioned "
                        "flow), got %r, which has no polynomial ring" % (what, model))
    if isinstance(model, LiftedModel):
        raise TypeError("%s takes a first-order model; %r is already lifted (it has a time variable)"
                        % (what, model))
    return model


def free_names(names, wanted):
    r"""
    Return ``wanted``, with underscores appended until it is not in ``names``.

    EXAMPLES::

        sage: from sage_conslaw.dynamics.lifting import free_names
        sage: free_names(['t', 'x'], 't'), free_names(['x'], 't')
        ('t_', 't')
    """
    while wanted in names:
        wanted += "_"
    return wanted


class LiftedModel(ConservationModel):
    r"""
    A first-order model lifted to the state `(T, \theta)` or `(T, \theta, v)`.

    Subclasses give the drift `\chi_0` (:meth:`_drift`), say how the
    generators `X_j` of the model enter (in the velocity if ``velocities``,
    else in `\theta`), and give their known laws and ``_repr_``.

    INPUT:

    - ``model`` -- a first-order model of the package
    - ``time_name`` -- the name of the time variable (``'t'`` or ``'s'``)
    - ``velocities`` -- whether the state has velocities `v = \dot\theta`
    - ``what`` -- the class name, for the messages

    EXAMPLES::

        sage: from sage_conslaw import HeavyBall
        sage: from sage_conslaw.architectures import uv
        sage: hb = HeavyBall(uv())
        sage: hb.D, hb.time_variable(), hb.model()
        (5, t, Example 2.8: Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v))
    """

    def __init__(self, model, time_name, velocities, what):
        r"""
        TESTS::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import uv
            sage: WeightDecay(uv(), 1).polynomial_ring().variable_names()
            ('s', 'u', 'v')

        A state too large for a polynomial ring is refused before it is built
        (Singular would halt the process)::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: HeavyBall(LinearNetwork([1, 8200, 1]))
            Traceback (most recent call last):
            ...
            ValueError: the state (t, theta, v) of HeavyBall needs 32801 ring variables, above the limit 32767 (...)
        """
        self._model = first_order_model(model, what)
        checks.ring_size(1 + model.D * (2 if velocities else 1),
                         "the state (t, theta%s) of %s" % (", v" if velocities else "", what))
        R = model.polynomial_ring()
        names = list(R.variable_names())
        self._D0 = len(names)
        self._has_velocities = bool(velocities)
        time_name = free_names(names, time_name)
        all_names = [time_name] + names
        if velocities:
            all_names += [free_names(all_names, n + "_dot") for n in names]
        self._ring = PolynomialRing(R.base_ring(), len(all_names), all_names)
        g = self._ring.gens()
        self._time = g[0]
        self._theta = g[1:1 + self._D0]
        self._vel = g[1 + self._D0:]
        self._embed_theta = R.hom(list(self._theta), self._ring)
        self._embed_vel = R.hom(list(self._vel), self._ring) if velocities else None

    # -- the lifted coordinates -------------------------------------------------------

    def model(self):
        r"""
        Return the first-order model that was lifted.

        EXAMPLES::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import uv
            sage: WeightDecay(uv(), 2).model()
            Example 2.8: Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v)
        """
        return self._model

    def time_variable(self):
        r"""
        Return the time variable of the lifted ring (`t`, or `s = e^{\tau t}`).

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall, Nesterov
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv()).time_variable(), HeavyBall(uv(), 2).time_variable(), Nesterov(uv()).time_variable()
            (t, s, t)
        """
        return self._time

    def lift(self, h):
        r"""
        Return a polynomial of the model's ring (a function of `\theta`) in the lifted ring.

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: hb = HeavyBall(uv(), 1)
            sage: u, v = uv().polynomial_ring().gens()
            sage: hb.lift(u^2 - v^2).parent() is hb.polynomial_ring()
            True
        """
        h = to_exact_polynomial(h, self._model.polynomial_ring(), "the polynomial")
        return self._embed_theta(h)

    def _named(self, embed, variables):
        r"""
        The model's matrices by name, through ``embed``; one 1 x 1 matrix per
        variable when the model has no named matrices.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv()).parameters()
            {'u': [u], 'v': [v]}
            sage: H = HeavyBall(uv()); H._named(lambda x: 2 * x, [7, 8])
            {'u': [7], 'v': [8]}
        """
        params = getattr(self._model, "parameters", None)
        if callable(params):
            return {name: M.apply_map(embed, self._ring) for name, M in params().items()}
        names = self._model.polynomial_ring().variable_names()
        return {name: matrix(self._ring, 1, 1, [x]) for name, x in zip(names, variables)}

    def parameters(self):
        r"""
        Return the parameter matrices `\theta` by name, over the lifted ring.

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: HeavyBall(LinearNetwork([1, 2, 1])).parameters()['U1']
            [U1_0_0 U1_0_1]
        """
        return self._named(self._embed_theta, self._theta)

    def velocities(self):
        r"""
        Return the velocity matrices `v = \dot\theta` by name, over the lifted ring.

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall, WeightDecay
            sage: from sage_conslaw.architectures import LinearNetwork, uv
            sage: HeavyBall(LinearNetwork([1, 2, 1])).velocities()['U2']
            [U2_0_0_dot]
            [U2_1_0_dot]
            sage: WeightDecay(uv(), 1).velocities()
            Traceback (most recent call last):
            ...
            ValueError: a first-order lifted flow has no velocities (its state is (s, theta))
        """
        if not self._has_velocities:
            raise ValueError("a first-order lifted flow has no velocities (its state is (%s, theta))" % self._time)
        return self._named(self._embed_vel, self._vel)

    # -- the generators ------------------------------------------------------------------

    def _drift(self):
        r"""
        Return the components of the drift `\chi_0` (abstract here).

        TESTS::

            sage: from sage_conslaw.dynamics.lifting import LiftedModel
            sage: from sage_conslaw.architectures import uv
            sage: LiftedModel(uv(), 't', True, 'test')._drift()
            Traceback (most recent call last):
            ...
            NotImplementedError: a lifted model must give its drift
        """
        raise NotImplementedError("a lifted model must give its drift")

    def _forcing(self):
        r"""
        Return the fields `X_j(\theta)` that the loss drives (the model's generators).

        TESTS::

            sage: from sage_conslaw import WeightDecay
            sage: from sage_conslaw.architectures import NMF
            sage: WeightDecay(NMF(1, 1, 1), 1)._forcing()
            [(U_0_0*V_0_0, U_0_0*V_0_0)]
        """
        return self._model.generators().fields()

    @cached_method
    def generators(self):
        r"""
        Return the family `(\chi_0, \chi_1, \dots, \chi_d)`: the drift, then one
        field per generator `X_j` of the model, `(0, 0, X_j)` in the velocity
        (second-order flows) or `(0, X_j)` in `\theta` (first-order flows).
        The time variable is positive where the flow lives (so are the
        coordinates the model wants positive).

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv(), 1).generators().fields()
            [(s, u_dot, v_dot, -u_dot, -v_dot), (0, 0, 0, v, u)]
        """
        pad = [0] * (1 + (self._D0 if self._has_velocities else 0))
        fields = [list(self._drift())]
        for X in self._forcing():
            fields.append(pad + [self._embed_theta(c) for c in X.components()])
        positive = [0] + [1 + i for i in self._model.generators().positive_coordinates()]
        return FieldFamily(fields, positive=positive)

    # -- laws ---------------------------------------------------------------------------

    def _default_time_degree(self, degree):
        r"""
        The largest power of the time variable :meth:`structured_laws` tries by default.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv(), 1)._default_time_degree(2)
            2
        """
        return degree

    def structured_laws(self, degree=2, time_degree=None):
        r"""
        Return a basis of the laws of the form `\sum_{k \le K} T^k q_k(\theta, v)`
        with each `q_k` of degree at most ``degree`` (an exact kernel over `\QQ`).

        Laws of momentum flows are polynomials in the state of low degree
        times a power of the time variable (`e^{\tau t}`, `t^3`): searching
        these shapes is much cheaper than all polynomials of degree
        ``degree + K`` in `2D + 1` variables.

        INPUT:

        - ``degree`` -- a nonnegative integer, the degree in `(\theta, v)`
        - ``time_degree`` -- `K`, the largest power of the time variable
          (default: ``degree`` for `t` and `s = e^{\tau t}`, ``3*degree`` for Nesterov)

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: HeavyBall(uv(), 1).structured_laws(2)
            []
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: HeavyBall(LinearNetwork([1, 2, 1]), 2).structured_laws(2)
            [-s*U1_0_1*U1_0_0_dot + s*U1_0_0*U1_0_1_dot - s*U2_1_0*U2_0_0_dot + s*U2_0_0*U2_1_0_dot,
             -s*U2_1_0*U1_0_0_dot + s*U2_0_0*U1_0_1_dot - s*U1_0_1*U2_0_0_dot + s*U1_0_0*U2_1_0_dot]
        """
        degree = nonnegative_integer(degree, "the degree")
        K = self._default_time_degree(degree) if time_degree is None else \
            nonnegative_integer(time_degree, "time_degree")
        n = self._ring.ngens() - 1
        state = candidate_exponents(n, degree, homogeneous=False)
        exponents = [(k,) + e for k in range(K + 1) for e in ([(0,) * n] if k else []) + state]
        if not exponents:
            return []
        return laws_supported_on(self.generators().fields(), exponents)

    def lie_trace(self, point=None, laws=None, *, certify_with_degree=2, **options):
        r"""
        Compute `\dim \mathrm{Lie}(\chi_0, \chi_1, \dots)(x)` and the number of
        independent laws near `x`, with a certificate.

        Same as :meth:`~sage_conslaw.core.model.ConservationModel.lie_trace`,
        except that when no law is given or known, the fields are first traced
        alone (a full rank certifies that there is no law at all) and only
        then laws of the shape `T^k q(\theta, v)`, `\deg q \le`
        ``certify_with_degree``, are looked for (:meth:`structured_laws`) and
        used as the certificate.

        EXAMPLES::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import ReLUNetwork, LinearNetwork
            sage: res = HeavyBall(ReLUNetwork([2, 2, 1])).lie_trace(); res.number_of_laws, res.certified
            (0, True)
            sage: res = HeavyBall(LinearNetwork([1, 3, 1]), 1).lie_trace(); res.number_of_laws, res.certified
            (6, True)
        """
        self._check_trace_size()
        if laws is not None or self.known_conservation_laws() or certify_with_degree is None:
            return ConservationModel.lie_trace(self, point, laws=laws, certify_with_degree=None, **options)
        t0 = time.time()
        if options.get('method', 'auto') in ('auto', 'fast'):
            first = ConservationModel.lie_trace(self, point, laws=[], certify_with_degree=None,
                                                **dict(options, method='fast'))
            if first.certified:
                return first
        laws = self.structured_laws(certify_with_degree)
        budget = options.get('max_seconds', thresholds.RIGOROUS_SECONDS)
        if budget is not None:     # one budget for the whole call: the fast trace and the law search count
            options['max_seconds'] = max(budget - (time.time() - t0), thresholds.MIN_TRACE_SECONDS)
        return ConservationModel.lie_trace(self, point, laws=laws, certify_with_degree=None, **options)

    def _check_trace_size(self):
        r"""
        Refuse (``MemoryError``) a trace whose Jacobians would exceed
        :data:`~sage_conslaw.core.thresholds.MAX_TRACE_JACOBIAN_BYTES`, before
        any field is built: the fast trace evaluates the Jacobians of the fields
        independent at the point, at most `\min(1 + d, D)` of them, `8D^2` bytes
        each (`d` generators of the model, `D` the dimension of the state).

        TESTS::

            sage: from sage_conslaw import HeavyBall, LinearNetwork
            sage: HeavyBall(LinearNetwork([2, 2, 2]), 1)._check_trace_size()
            sage: HeavyBall(LinearNetwork([30, 30, 30]), 1).lie_trace()
            Traceback (most recent call last):
            ...
            MemoryError: the trace of Heavy-ball flow ... needs the Jacobians of up to 901 fields on a state of dimension 3601: 93.5 GB (8 bytes x 901 x 3601^2), above the limit 4.3 GB (MAX_TRACE_JACOBIAN_BYTES); trace the model itself, or a smaller one
        """
        D = self._ring.ngens()
        fields = min(1 + len(self._model.generators()), D)
        need = 8 * fields * D ** 2
        if need > MAX_TRACE_JACOBIAN_BYTES:
            raise MemoryError("the trace of %s needs the Jacobians of up to %s fields on a state of dimension %s: "
                              "%.1f GB (8 bytes x %s x %s^2), above the limit %.1f GB (MAX_TRACE_JACOBIAN_BYTES); "
                              "trace the model itself, or a smaller one"
                              % (self, fields, D, need / 1e9, fields, D, MAX_TRACE_JACOBIAN_BYTES / 1e9))

    def _time_factored(self, factor, matrices):
        r"""
        Return ``factor`` times the strictly upper entries of each antisymmetric matrix.

        TESTS::

            sage: from sage_conslaw import HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: hb = HeavyBall(uv(), 1)
            sage: s, u, v, a, b = hb.polynomial_ring().gens()
            sage: hb._time_factored(s, [matrix([[0, u], [-u, 0]])])
            [s*u]
        """
        return [factor * M[k, l] for M in matrices for k in range(M.nrows()) for l in range(k + 1, M.ncols())]
