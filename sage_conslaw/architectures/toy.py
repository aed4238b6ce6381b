r"""
The paper's toy examples, and random polynomial vector fields.

EXAMPLES:

Example 2.8 / 2.17, `\phi(u, v) = uv`, with its law `u^2 - v^2`::

    sage: from sage_conslaw.architectures import uv, product, scalar_times_vector
    sage: phi = uv(); phi.polynomial_conservation_laws(2)
    [u^2 - v^2]
    sage: phi.lie_trace().certified
    True

The product `x_1 \cdots x_D` has `D - 1` independent laws::

    sage: product(5).number_of_conservation_laws()
    4
"""
from itertools import combinations_with_replacement
import random

from sage.arith.misc import binomial
from sage.matrix.special import identity_matrix
from sage.rings.integer import Integer
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.base import Architecture, Parameter, check_size, positive_integers
from sage_conslaw.core import checks
from sage_conslaw.core.fields import PolynomialVectorFields
from sage_conslaw.core.reparametrization import Reparametrization
from sage_conslaw.core.thresholds import MAX_RANDOM_COEFFICIENTS


class _ToyReparametrization(Reparametrization):
    """
    A reparametrization given with its known laws.

    TESTS::

        sage: from sage_conslaw.architectures.toy import _ToyReparametrization
        sage: R.<x,y> = QQ[]
        sage: T = _ToyReparametrization(R, [x], [], "A line"); T
        A line: Reparametrization phi: QQ^2 -> QQ^1, phi(x, y) = (x)
    """

    def __init__(self, ring, phis, laws, name):
        """
        TESTS::

            sage: from sage_conslaw.architectures import uv
            sage: uv().known_conservation_laws()
            [u^2 - v^2]
        """
        Reparametrization.__init__(self, ring, phis)
        self._laws = list(laws)
        self._name = name

    def _repr_(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures import product
            sage: product(2)._repr_()
            'Product of 2 variables: Reparametrization phi: QQ^2 -> QQ^1, phi(x1, x2) = (x1*x2)'
        """
        return "%s: %s" % (self._name, Reparametrization._repr_(self))

    def known_conservation_laws(self):
        r"""
        Return the laws known in closed form for this example.

        EXAMPLES::

            sage: from sage_conslaw.architectures import uv
            sage: uv().known_conservation_laws()
            [u^2 - v^2]
        """
        return list(self._laws)


def uv():
    r"""
    Return Example 2.8: `\phi(u, v) = uv` (a one-neuron, one-dimensional linear network).

    EXAMPLES::

        sage: from sage_conslaw.architectures import uv
        sage: phi = uv(); phi
        Example 2.8: Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v)
        sage: u, v = phi.polynomial_ring().gens()
        sage: phi.is_conservation_law(u^2 - v^2)
        True
    """
    R = PolynomialRing(QQ, ["u", "v"])
    u, v = R.gens()
    return _ToyReparametrization(R, [u * v], [u ** 2 - v ** 2], "Example 2.8")


def product(D):
    r"""
    Return `\phi(x) = x_1 x_2 \cdots x_D` with its `D - 1` laws `x_i^2 - x_{i+1}^2`.

    INPUT:

    - ``D`` -- an integer, at least 1

    EXAMPLES::

        sage: from sage_conslaw.architectures import product
        sage: phi = product(3); phi.known_conservation_laws()
        [x1^2 - x2^2, x2^2 - x3^2]
        sage: res = phi.lie_trace(); res.dimensions, res.certified
        ([1], True)
        sage: product(0)
        Traceback (most recent call last):
        ...
        ValueError: the product needs D >= 1 variables, got 0
    """
    D, = positive_integers([D], "the product needs D >= 1 variables, got %s" % (D,))
    check_size(D, "the number D of variables")
    R = PolynomialRing(QQ, D, ["x%s" % i for i in range(1, D + 1)])
    x = R.gens()
    laws = [x[i] ** 2 - x[i + 1] ** 2 for i in range(D - 1)]
    return _ToyReparametrization(R, [R.prod(x)], laws, "Product of %s variables" % D)


class ScalarTimesVector(Architecture):
    r"""
    Example 3.8: `\phi(u, v) = u v` with `u` a scalar and `v \in \QQ^d`.

    The law is `u^2 - \|v\|^2`.  `W_\phi` satisfies Frobenius' condition and
    `\partial\phi` has constant rank `d` where `u \ne 0`, so `z = \phi(\theta)`
    follows the intrinsic flow `\dot z = -M(z, \theta_{init}) \nabla f(z)` of
    Proposition 3.7 with

    .. MATH::

        M = \|z\|_\delta I + \|z\|_\delta^{-1} z z^\top,\quad
        \|z\|_\delta = \delta + \sqrt{\delta^2 + \|z\|^2},\quad
        \delta = (u_{init}^2 - \|v_{init}\|^2)/2.

    EXAMPLES::

        sage: from sage_conslaw.architectures import ScalarTimesVector
        sage: phi = ScalarTimesVector(2); phi
        Example 3.8, phi(u, v) = u*v with v in QQ^2: D = 3
        sage: phi.known_conservation_laws()
        [u_0^2 - v_0^2 - v_1^2]
        sage: phi.satisfies_frobenius(), phi.number_of_conservation_laws()
        (True, 1)

    The metric of the intrinsic flow, symbolically: `\partial\phi\,\partial\phi^\top
    = u^2 I + v v^\top`, and `u^2 = \|z\|_\delta`, so this is `M`::

        sage: phi.check_metric()
        True
    """

    def __init__(self, d):
        """
        TESTS::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: ScalarTimesVector(2).layout()
            Parameter layout (D = 3): u 1 x 1 weight of layer 1 at 0, v 2 x 1 weight of layer 2 (stored transposed) at 1
            sage: ScalarTimesVector(0)
            Traceback (most recent call last):
            ...
            ValueError: v needs a dimension d >= 1, got 0
        """
        self.dim_v, = positive_integers([d], "v needs a dimension d >= 1, got %s" % (d,))
        check_size(self.dim_v + 1, "the number D of parameters")
        Architecture.__init__(self, [Parameter("u", (1, 1), "weight", 1),
                                     Parameter("v", (self.dim_v, 1), "weight", 2, transposed=True)],
                              lambda M: [M["u"][0, 0] * M["v"][i, 0] for i in range(self.dim_v)])

    def _repr_(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: ScalarTimesVector(1)._repr_()
            'Example 3.8, phi(u, v) = u*v with v in QQ^1: D = 2'
        """
        return "Example 3.8, phi(u, v) = u*v with v in QQ^%s: D = %s" % (self.dim_v, self.D)

    def known_conservation_laws(self):
        r"""
        Return `[u^2 - \|v\|^2]`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: ScalarTimesVector(1).known_conservation_laws()
            [u_0^2 - v_0^2]
        """
        u, v = self.u[0, 0], self.v.column(0)
        return [u ** 2 - v.dot_product(v)]

    def check_metric(self):
        r"""
        Check symbolically that `\partial\phi\,\partial\phi^\top = M(z, \theta_{init})`
        of Example 3.8 (returns ``True`` or ``False``).

        Both facts are polynomial identities in `\theta`: (i) `u^2 J J^\top =
        u^4 I + z z^\top` with `z = uv`, i.e. `J J^\top = \|z\|_\delta I +
        \|z\|_\delta^{-1} z z^\top` once `u^2 = \|z\|_\delta`; (ii) `(u^2 -
        \delta)^2 = \delta^2 + \|z\|^2` with `u^2 - \delta = (u^2 + \|v\|^2)/2
        \ge 0`, i.e. `u^2 = \delta + \sqrt{\delta^2 + \|z\|^2}` (`\delta` is
        conserved, so its value at `\theta_{init}` is its value at `\theta`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: all(ScalarTimesVector(d).check_metric() for d in (1, 2, 3))
            True
        """
        u, v = self.u[0, 0], self.v
        J = self.jacobian()
        z = u * v
        I = identity_matrix(self.polynomial_ring(), self.dim_v)
        identity_i = J * J.transpose() == example_3_8_metric(z, u ** 2, I)
        delta = (u ** 2 - (v.transpose() * v)[0, 0]) / 2
        norm_z2 = (z.transpose() * z)[0, 0]
        identity_ii = (u ** 2 - delta) ** 2 == delta ** 2 + norm_z2
        nonneg = 2 * (u ** 2 - delta) == u ** 2 + (v.transpose() * v)[0, 0]
        return bool(identity_i and identity_ii and nonneg)


def example_3_8_metric(z, norm, identity):
    r"""
    Return the metric `M = \|z\|_\delta I + \|z\|_\delta^{-1} z z^\top` of
    Example 3.8 (Proposition 3.7), given `\|z\|_\delta`: the one formula of
    the symbolic check (:meth:`ScalarTimesVector.check_metric`, with
    `\|z\|_\delta = u^2`) and of the numeric flow
    (:func:`~sage_conslaw.flows.intrinsic.metric_example_3_8`).

    INPUT:

    - ``z`` -- a column: a `d \times 1` Sage matrix or numpy array
    - ``norm`` -- the value of `\|z\|_\delta = \delta + \sqrt{\delta^2 + \|z\|^2}`
    - ``identity`` -- the `d \times d` identity (Sage or numpy)

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures.toy import example_3_8_metric
        sage: example_3_8_metric(np.array([[3.], [4.]]), 5.0, np.eye(2)).tolist()
        [[6.8, 2.4], [2.4, 8.2]]
        sage: example_3_8_metric(matrix(QQ, [[3], [4]]), 5, identity_matrix(QQ, 2))
        [34/5 12/5]
        [12/5 41/5]
    """
    return norm * identity + (z * z.transpose()) / norm


def scalar_times_vector(d):
    r"""
    Return :class:`ScalarTimesVector` ``(d)`` (Example 3.8).

    EXAMPLES::

        sage: from sage_conslaw.architectures import scalar_times_vector
        sage: scalar_times_vector(3).D
        4
    """
    return ScalarTimesVector(d)


def random_vector_fields(D, d, degree, seed=0, bound=10):
    r"""
    Return `d` random polynomial vector fields of degree at most ``degree`` in
    `D` variables (dense, integer coefficients in `[-B, B]`), reproducibly.

    As in the paper's numerical tests; generically such a family has no
    conservation law as soon as it brackets out to the whole space.

    INPUT:

    - ``D``, ``d``, ``degree`` -- positive integers
    - ``seed`` -- the seed of a private random generator
    - ``bound`` -- the coefficient bound `B`

    EXAMPLES::

        sage: from sage_conslaw.architectures import random_vector_fields
        sage: from sage_conslaw import lie_trace
        sage: W = random_vector_fields(3, 2, 2, seed=1)
        sage: W[0].parent()
        Lie algebra of polynomial vector fields on QQ^3 (coordinates x1, x2, x3)
        sage: lie_trace(W).number_of_laws
        0
        sage: random_vector_fields(3, 2, 2, seed=1) == W
        True
    """
    D, d, degree = (positive_integers([x], "%s must be a positive integer, got %s" % (name, x))[0]
                    for name, x in (("D", D), ("d", d), ("degree", degree)))
    bound = checks.nonnegative_integer(bound, "the coefficient bound")
    seed = checks.integer(seed, "the seed")
    count = binomial(D + degree, degree) * D * d
    if count > MAX_RANDOM_COEFFICIENTS:
        raise ValueError("that many random coefficients (D = %s, d = %s, degree %s: %s) is too large; the limit "
                         "is %s" % (D, d, degree, count, MAX_RANDOM_COEFFICIENTS))
    R = PolynomialRing(QQ, D, ["x%s" % i for i in range(1, D + 1)])
    V = PolynomialVectorFields(R)
    rng = random.Random(seed)
    monomials = [m for k in range(degree + 1) for m in _monomials(R, k)]
    fields = []
    for _ in range(d):
        comps = [R.sum(Integer(rng.randint(-bound, bound)) * m for m in monomials) for _ in range(D)]
        fields.append(V(comps))
    return fields


def _monomials(R, k):
    """
    The monomials of degree k of R, in lexicographic order (Sage's
    ``R.monomials_of_degree`` needs ``sage.combinat.words``, which the
    passagemath install does not have).

    TESTS::

        sage: from sage_conslaw.architectures.toy import _monomials
        sage: R.<x,y> = QQ[]
        sage: _monomials(R, 2), _monomials(R, 0)
        ([x^2, x*y, y^2], [1])
    """
    return [R.prod(c) if c else R.one() for c in combinations_with_replacement(R.gens(), k)]
