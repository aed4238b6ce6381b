r"""
Non-Euclidean gradient flows `\dot\theta = -M(\theta)\nabla L(\theta)`.

With `L = f \circ \phi`, the velocity is a combination with arbitrary
coefficients of the fields `M\nabla\phi_j` (see :mod:`~sage_conslaw.dynamics.metric`):
they generate the Lie algebra that counts the laws, and `h` is a law iff
`\langle\nabla h, M\nabla\phi_j\rangle = 0` for every `j`.

EXAMPLES:

Mirror descent (`M = \mathrm{diag}(\theta)`) on `\phi(u, v) = uv`: `u - v` is
conserved (`\dot u = -u v f'`, `\dot v = -v u f'`), and `u^2 - v^2` no longer is::

    sage: from sage_conslaw import Preconditioned
    sage: from sage_conslaw.architectures import uv
    sage: md = Preconditioned(uv(), 'mirror'); md
    Flow theta' = -M(theta) grad L with the mirror metric M = diag(theta) of Example 2.8: ...
    sage: u, v = md.polynomial_ring().gens()
    sage: md.is_conservation_law(u - v), md.is_conservation_law(u^2 - v^2)
    (True, False)
    sage: md.polynomial_conservation_laws(1), md.number_of_conservation_laws()
    ([u - v], 1)
"""
from sage.misc.cachefunc import cached_method

from sage_conslaw.core.families import FieldFamily
from sage_conslaw.core.model import ConservationModel
from sage_conslaw.dynamics.lifting import LiftedModel
from sage_conslaw.dynamics.metric import as_metric, metric_fields
from sage.matrix.constructor import matrix


class Preconditioned(ConservationModel):
    r"""
    The flow `\dot\theta = -M(\theta)\nabla L(\theta)` of a reparametrization.

    INPUT:

    - ``model`` -- a ``Reparametrization`` or an architecture (its `\nabla\phi_j`
      are used; a metric built into the model is replaced by ``metric``)
    - ``metric`` -- ``'mirror'`` (`M = \mathrm{diag}(\theta)`, random points in
      the positive orthant), a list of `D` polynomials (a diagonal metric), or
      a symmetric `D \times D` matrix over the model's polynomial ring.  It
      must be a metric somewhere: a metric singular everywhere, a constant
      `\le 0` on the diagonal, or a constant matrix that is not positive
      definite is refused; a non-constant one must be positive definite where
      the flow runs, which is not checked (see
      :func:`~sage_conslaw.dynamics.metric.as_metric` for why its laws still
      count)

    EXAMPLES::

        sage: from sage_conslaw import Preconditioned
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: net = LinearNetwork([1, 1, 1])
        sage: a, b = net.polynomial_ring().gens()
        sage: P = Preconditioned(net, [1, 2]); P.metric()
        [1 0]
        [0 2]
        sage: P.is_conservation_law(a^2 - b^2/2), P.number_of_conservation_laws()
        (True, 1)
        sage: Preconditioned(net, matrix(QQ, [[2, 0], [0, 1]])).polynomial_conservation_laws(2)
        [U1_0_0^2 - 2*U2_0_0^2]

    Bad input::

        sage: Preconditioned(net, [1, 2, 3])
        Traceback (most recent call last):
        ...
        ValueError: a diagonal metric needs D = 2 entries (one per parameter), got 3
        sage: Preconditioned(net, [1, 0])
        Traceback (most recent call last):
        ...
        ValueError: the metric is singular everywhere (its diagonal entry 1 is 0): it is a metric nowhere
        sage: Preconditioned(net, [-1, 1])
        Traceback (most recent call last):
        ...
        ValueError: the metric has the constant entry -1 <= 0 on its diagonal (entry 0): it is positive definite nowhere
        sage: Preconditioned(42, 'mirror')
        Traceback (most recent call last):
        ...
        TypeError: Preconditioned takes a Reparametrization or an architecture (it needs the gradients of phi), got 42
    """

    def __init__(self, model, metric):
        r"""
        TESTS::

            sage: from sage_conslaw import Preconditioned, HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: Preconditioned(HeavyBall(uv()), 'mirror')
            Traceback (most recent call last):
            ...
            TypeError: Preconditioned takes a Reparametrization or an architecture (it needs the gradients of phi), got Heavy-ball flow ...
        """
        if isinstance(model, LiftedModel) or not callable(getattr(model, "gradient_fields", None)) \
                or not callable(getattr(model, "polynomial_ring", None)):
            raise TypeError("Preconditioned takes a Reparametrization or an architecture (it needs the gradients "
                            "of phi), got %r" % (model,))
        self._model = model
        self._mirror = isinstance(metric, str) and metric == 'mirror'
        self._metric = as_metric(metric, model.polynomial_ring())

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import Preconditioned
            sage: from sage_conslaw.architectures import uv
            sage: Preconditioned(uv(), [1, 1])
            Flow theta' = -M(theta) grad L with the diagonal metric M = diag(1, 1) of Example 2.8: ...
        """
        M = self._metric
        if self._mirror:
            what = "the mirror metric M = diag(theta)"
        elif M.is_diagonal():
            what = "the diagonal metric M = diag(%s)" % ", ".join(map(str, M.diagonal()))
        else:
            what = "a %s x %s metric M(theta)" % (M.D, M.D)
        return "Flow theta' = -M(theta) grad L with %s of %r" % (what, self._model)

    def model(self):
        r"""
        Return the reparametrization whose flow is preconditioned.

        EXAMPLES::

            sage: from sage_conslaw import Preconditioned
            sage: from sage_conslaw.architectures import uv
            sage: Preconditioned(uv(), 'mirror').model()
            Example 2.8: Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v)
        """
        return self._model

    def metric(self):
        r"""
        Return the metric `M(\theta)`, a :class:`~sage_conslaw.core.metric.Metric`
        (it prints as its `D \times D` matrix over the polynomial ring).

        EXAMPLES::

            sage: from sage_conslaw import Preconditioned
            sage: from sage_conslaw.architectures import uv
            sage: Preconditioned(uv(), 'mirror').metric()
            [u 0]
            [0 v]
        """
        return self._metric

    def parameters(self):
        r"""
        Return the parameter matrices by name (those of the model; one `1 \times 1`
        matrix per variable if it has none).

        EXAMPLES::

            sage: from sage_conslaw import Preconditioned
            sage: from sage_conslaw.architectures import uv, MatrixFactorization
            sage: Preconditioned(uv(), 'mirror').parameters()
            {'u': [u], 'v': [v]}
            sage: sorted(Preconditioned(MatrixFactorization(1, 1, 1), 'mirror').parameters())
            ['U', 'V']
        """
        params = getattr(self._model, "parameters", None)
        if callable(params):
            return params()
        R = self._model.polynomial_ring()
        return {name: matrix(R, 1, 1, [x]) for name, x in zip(R.variable_names(), R.gens())}

    def gradient_fields(self):
        r"""
        Return the model's fields `\nabla\phi_j` (the metric not applied): a
        lifted flow of this model drives its velocity along them and applies
        the metric to the position, `\dot\theta = M(\theta)v` (see
        :mod:`~sage_conslaw.dynamics.momentum`).

        EXAMPLES::

            sage: from sage_conslaw import Preconditioned, HeavyBall
            sage: from sage_conslaw.architectures import uv
            sage: P = Preconditioned(uv(), 'mirror')
            sage: P.gradient_fields(), P.generators().fields()
            ([(v, u)], [(u*v, u*v)])
            sage: HeavyBall(P)._forcing(), HeavyBall(P)._metric_times_velocity()
            ([(v, u)], [u*u_dot, v*v_dot])
        """
        return self._model.gradient_fields()

    @cached_method
    def generators(self):
        r"""
        Return the family of the fields `M\nabla\phi_j` (positive coordinates:
        all of them for the mirror metric).

        EXAMPLES::

            sage: from sage_conslaw import Preconditioned
            sage: from sage_conslaw.architectures import uv
            sage: Preconditioned(uv(), 'mirror').generators()
            Family of 1 vector field on QQ^2 (coordinates u, v), positive coordinates u, v
        """
        fields = metric_fields(self._metric, self._model.gradient_fields())
        positive = range(self._model.polynomial_ring().ngens()) if self._mirror else ()
        return FieldFamily(fields, positive=positive)

    def known_conservation_laws(self):
        r"""
        Return the laws the theory gives: those of the model when its own
        generators are these fields (e.g. ``Preconditioned(NMF(...), 'mirror')``),
        none otherwise (counts are then certified by polynomial laws found exactly).

        EXAMPLES::

            sage: from sage_conslaw import Preconditioned
            sage: from sage_conslaw.architectures import NMF, uv
            sage: Preconditioned(NMF(1, 2, 1), 'mirror').known_conservation_laws()
            [U_0_0 - V_0_0, U_0_1 - V_1_0]
            sage: Preconditioned(uv(), 'mirror').known_conservation_laws()
            []
        """
        own = self._model.generators().fields()
        if own == self.generators().fields():
            return list(self._model.known_conservation_laws())
        return []
