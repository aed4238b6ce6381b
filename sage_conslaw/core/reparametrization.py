r"""
Polynomial reparametrizations `\phi: K^D \to K^d` and their conservation laws.

A model `g(\theta, x) = f(\phi(\theta), x)` that factors through `\phi` has
the conservation laws of `\phi`: the functions `h` with `\nabla h(\theta)
\perp \nabla\phi_j(\theta)` for all `j` (Proposition 2.16).  This module
gives the user-facing object.

EXAMPLES:

Example 2.8 / 2.17 of the paper, `\phi(u, v) = uv`::

    sage: from sage_conslaw import Reparametrization
    sage: R.<u,v> = QQ[]
    sage: phi = Reparametrization([u*v]); phi
    Reparametrization phi: QQ^2 -> QQ^1, phi(u, v) = (u*v)
    sage: phi.polynomial_conservation_laws(2)
    [u^2 - v^2]
    sage: phi.number_of_conservation_laws()
    1

The product `x_1 \cdots x_D` has `D - 1` laws, the `x_i^2 - x_j^2`::

    sage: R = PolynomialRing(QQ, 'x', 4)
    sage: phi = Reparametrization([R.prod(R.gens())])
    sage: phi.polynomial_conservation_laws(2)
    [x0^2 - x3^2, x1^2 - x3^2, x2^2 - x3^2]
    sage: phi.number_of_conservation_laws()
    3
"""
from fractions import Fraction

from sage.matrix.constructor import matrix
from sage.rings.fraction_field import FractionField_generic
from sage.rings.integer_ring import ZZ
from sage.rings.polynomial.multi_polynomial_ring_base import MPolynomialRing_base
from sage.rings.polynomial.polynomial_ring import PolynomialRing_generic
from sage.rings.rational_field import QQ

from sage_conslaw.core.families import GradientFamily, _is_lazy
from sage_conslaw.core.fields import field_name
from sage_conslaw.core.model import ConservationModel


def _ring_of(phis):
    r"""
    Return the unique multivariate polynomial ring of the entries of ``phis``, or raise a clear error.

    TESTS::

        sage: from sage_conslaw.core.reparametrization import _ring_of
        sage: R.<u,v> = QQ[]
        sage: _ring_of([u*v, 3]) is R
        True
        sage: _ring_of([1, 2])
        Traceback (most recent call last):
        ...
        TypeError: cannot guess the polynomial ring of phi; use Reparametrization(ring, phis)
        sage: _ring_of([u, QQ['a,b'].gen()])
        Traceback (most recent call last):
        ...
        TypeError: the components of phi live in different rings: Multivariate Polynomial Ring in u, v over Rational Field, Multivariate Polynomial Ring in a, b over Rational Field
        sage: _ring_of([QQ['t'].gen()])
        Traceback (most recent call last):
        ...
        TypeError: phi has a component t in the univariate ring Univariate Polynomial Ring in t over Rational Field; build a multivariate ring with PolynomialRing(QQ, names, n) (n=1 for one variable)
    """
    rings = []
    for f in phis:
        if isinstance(f, float):
            raise TypeError("phi has a float component %r; use exact numbers (QQ) in polynomials "
                            "of a ring such as PolynomialRing(QQ, names)" % (f,))
        if isinstance(f, (int, Fraction)):
            continue   # a constant, converted later
        P = f.parent() if hasattr(f, "parent") and callable(f.parent) else None
        if P is None:
            raise TypeError("phi has a component %r which is not a polynomial of a multivariate "
                            "polynomial ring over QQ" % (f,))
        if hasattr(P, "is_exact") and not P.is_exact():
            raise TypeError("phi has a component %s with inexact coefficients (%s); convert with "
                            "f.change_ring(QQ) or write 1/2 instead of 0.5"
                            % (f, P.base_ring() if hasattr(P, "base_ring") else P))
        if isinstance(P, MPolynomialRing_base):
            if P not in rings:
                rings.append(P)
        elif isinstance(P, PolynomialRing_generic):
            raise TypeError("phi has a component %s in the univariate ring %s; build a multivariate "
                            "ring with PolynomialRing(QQ, names, n) (n=1 for one variable)" % (f, P))
        elif P in (ZZ, QQ):
            continue   # a constant
        elif isinstance(P, FractionField_generic) or getattr(P, "_is_symbolic", False) is True \
                or type(P).__name__ == "SymbolicRing":
            raise TypeError("phi has a component %s which is not a polynomial (it lives in %s); "
                            "conservation laws are computed for polynomial phi" % (f, P))
        else:
            raise TypeError("phi has a component %r which is not a polynomial of a multivariate "
                            "polynomial ring over QQ" % (f,))
    if not rings:
        raise TypeError("cannot guess the polynomial ring of phi; use Reparametrization(ring, phis)")
    if len(rings) > 1:
        raise TypeError("the components of phi live in different rings: %s" % ", ".join(map(str, rings)))
    return rings[0]


class Reparametrization(ConservationModel):
    r"""
    A polynomial reparametrization `\phi = (\phi_1, \dots, \phi_d)` of `D` parameters.

    INPUT:

    - ``ring`` -- (optional) a multivariate polynomial ring over an exact
      field (normally ``QQ``); its generators are the parameters `\theta`
    - ``phis`` -- a nonempty list (or vector, or matrix: its entries are taken
      row by row) of polynomials of that ring

    Call it as ``Reparametrization(phis)`` or ``Reparametrization(ring, phis)``.

    EXAMPLES::

        sage: from sage_conslaw import Reparametrization
        sage: R.<a,b,c,d> = QQ[]
        sage: phi = Reparametrization(matrix([[a, b]]).transpose() * matrix([[c, d]]))
        sage: phi.D, phi.d
        (4, 4)
        sage: phi.jacobian_rank()
        3
        sage: phi.satisfies_frobenius()
        True

    Bad input gets a clear error::

        sage: Reparametrization([])
        Traceback (most recent call last):
        ...
        ValueError: phi must have at least one component
        sage: Reparametrization([0.5*a])
        Traceback (most recent call last):
        ...
        TypeError: phi has a component 0.500000000000000*a with inexact coefficients (Real Field with 53 bits of precision); convert with f.change_ring(QQ) or write 1/2 instead of 0.5
        sage: Reparametrization([a/b])
        Traceback (most recent call last):
        ...
        TypeError: phi has a component a/b which is not a polynomial (it lives in Fraction Field of Multivariate Polynomial Ring in a, b, c, d over Rational Field); conservation laws are computed for polynomial phi
        sage: Reparametrization(QQ['x,y'], [a])
        Traceback (most recent call last):
        ...
        TypeError: phi_1 a lives in Multivariate Polynomial Ring in a, b, c, d over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in x, y over Rational Field
    """

    def __init__(self, *args, d=None, terms=None, structured=None, what="phi", D=None):
        r"""
        Normalize the input once: the ring (given or guessed) and the exact
        components -- or, given lazily as ``Reparametrization(ring, make, d=...)``
        with ``make`` a function of no argument returning them, formed on first
        need (see :class:`~sage_conslaw.core.families.GradientFamily`, whose
        ``size``, ``terms``, ``structured`` and ``what`` are ``d`` and the others here).

        TESTS::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: TestSuite(Reparametrization([u*v])).run(skip='_test_pickling')
            sage: Reparametrization([u*v], R)
            Traceback (most recent call last):
            ...
            TypeError: the ring comes first: use Reparametrization(ring, phis) or Reparametrization(phis)
            sage: Reparametrization(R)
            Traceback (most recent call last):
            ...
            TypeError: Reparametrization needs the components of phi: use Reparametrization(phis) or Reparametrization(ring, phis), got only the ring Multivariate Polynomial Ring in u, v over Rational Field
            sage: Reparametrization(u*v)
            Traceback (most recent call last):
            ...
            TypeError: phi must be a list (or vector, or matrix) of polynomials, got the polynomial u*v; write Reparametrization([u*v])
            sage: Reparametrization(int(3))
            Traceback (most recent call last):
            ...
            TypeError: phi must be a list (or vector, or matrix) of polynomials, got 3 (int)
            sage: Reparametrization(3)
            Traceback (most recent call last):
            ...
            TypeError: phi must be a list (or vector, or matrix) of polynomials, got 3 (Integer)

        Lazily (the ring is then needed)::

            sage: phi = Reparametrization(R, lambda: [u*v, u], d=2); phi
            Reparametrization phi: QQ^2 -> QQ^2 (components formed on first use)
            sage: phi.d, phi.generators().is_expanded()
            (2, False)
            sage: phi.components(), phi
            ((u*v, u), Reparametrization phi: QQ^2 -> QQ^2, phi(u, v) = (u*v, u))
            sage: Reparametrization(lambda: [u*v])
            Traceback (most recent call last):
            ...
            TypeError: phi given lazily (a function) needs its ring: use Reparametrization(ring, make)
            sage: Reparametrization(QQ['t'], lambda: [u*v])
            Traceback (most recent call last):
            ...
            TypeError: expected a multivariate polynomial ring, got Univariate Polynomial Ring in t over Rational Field

        The ring too, given lazily with ``D`` (built on first need; counting with a
        structured family never needs it)::

            sage: phi = Reparametrization(lambda: R, lambda: [u*v, u], d=2, D=2); phi._ring is None
            True
            sage: phi, phi.D, phi._ring is None
            (Reparametrization phi: QQ^2 -> QQ^2 (components formed on first use), 2, True)
            sage: phi.polynomial_ring() is R, phi.components()
            (True, (u*v, u))
            sage: Reparametrization(R, [u], D=2)
            Traceback (most recent call last):
            ...
            TypeError: with D, give the ring and phi lazily: Reparametrization(make_ring, make_phi, D=...)
        """
        self._make_ring = None
        if D is not None:
            if len(args) != 2 or not callable(args[0]) or not _is_lazy(args[1]):
                raise TypeError("with D, give the ring and phi lazily: Reparametrization(make_ring, make_phi, D=...)")
            self._ring, self._make_ring = None, args[0]
            self._family = GradientFamily(self.polynomial_ring, args[1], size=d, terms=terms, structured=structured,
                                          what=what, D=D)
            return
        if len(args) == 2 and _is_lazy(args[1]):
            ring = args[0]
            if not isinstance(ring, MPolynomialRing_base):
                raise TypeError("expected a multivariate polynomial ring, got %s" % (ring,))
            self._ring = ring
            self._family = GradientFamily(ring, args[1], size=d, terms=terms, structured=structured, what=what)
            return
        if len(args) == 1 and _is_lazy(args[0]):
            raise TypeError("phi given lazily (a function) needs its ring: use Reparametrization(ring, make)")
        if len(args) == 1:
            ring, phis = None, args[0]
            if isinstance(phis, MPolynomialRing_base):
                raise TypeError("Reparametrization needs the components of phi: use Reparametrization(phis) or "
                                "Reparametrization(ring, phis), got only the ring %s" % (phis,))
        elif len(args) == 2:
            ring, phis = args
            if isinstance(phis, MPolynomialRing_base) and not isinstance(ring, MPolynomialRing_base):
                raise TypeError("the ring comes first: use Reparametrization(ring, phis) or Reparametrization(phis)")
        else:
            raise TypeError("use Reparametrization(phis) or Reparametrization(ring, phis)")
        if hasattr(phis, "list") and hasattr(phis, "nrows"):
            phis = phis.list()
        if hasattr(phis, "parent") and callable(phis.parent) and isinstance(phis.parent(), MPolynomialRing_base):
            raise TypeError("phi must be a list (or vector, or matrix) of polynomials, got the polynomial %s; "
                            "write Reparametrization([%s])" % (phis, phis))
        try:
            if hasattr(phis, "parent") and not hasattr(phis, "__getitem__"):
                raise TypeError     # a number, or another element that is not a list
            if isinstance(phis, (str, bytes)):
                raise TypeError
            phis = list(phis)
        except TypeError:
            raise TypeError("phi must be a list (or vector, or matrix) of polynomials, got %r (%s)"
                            % (phis, type(phis).__name__)) from None
        if not phis:
            raise ValueError("phi must have at least one component")
        if ring is None:
            ring = _ring_of(phis)
        elif not isinstance(ring, MPolynomialRing_base):
            raise TypeError("expected a multivariate polynomial ring, got %s" % (ring,))
        self._ring = ring
        self._family = GradientFamily(ring, phis, structured=structured, what=what)   # converts exactly

    def generators(self):
        r"""
        Return the family `W_\phi` of the gradients `\nabla\phi_j`.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, u]).generators()
            Family of 2 gradient fields on QQ^2 (coordinates u, v)
        """
        return self._family

    def polynomial_ring(self):
        r"""
        Return the polynomial ring of the parameters (known before the family of
        generators: subclasses whose family depends on the ring, such as a
        metric over it, rely on this).

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).polynomial_ring() is R
            True
        """
        if self._ring is None:
            self._ring = self._make_ring()
        return self._ring

    @property
    def d(self):
        r"""
        The number `d` of components of `\phi`.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, u^2]).d
            2

        Known without forming the components when it was announced::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([30, 100, 100, 30], bias=True)
            sage: net.d, net.generators().is_expanded()
            (9303030, False)
        """
        return len(self._family)

    def components(self):
        r"""
        Return `(\phi_1, \dots, \phi_d)` as a tuple of polynomials.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, 3]).components()
            (u*v, 3)

        The components of a network are formed here on first need (then kept);
        when they are too many to expand, a clear error says so::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([50, 50, 50, 50]).components()
            Traceback (most recent call last):
            ...
            ValueError: phi = U1*U2*U3 of the linear network [50, 50, 50, 50] has 6250000 terms once expanded, above the limit 1000000 of expanded terms (each costs about 4 kB and 25 us in Singular): its symbolic components and fields (components(), polynomial laws, the rigorous method, checking given laws) are not available; lie_trace() (the structured fast trace, certified by the known laws) works without them
        """
        return self._family.components()

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import Reparametrization
            sage: R = PolynomialRing(QQ, 'x', 9)
            sage: Reparametrization(list(R.gens()))
            Reparametrization phi: QQ^9 -> QQ^9, phi(theta) = (x0, x1, x2, x3, x4, x5, ...)
        """
        K = field_name(self._family.base_ring())
        head = "Reparametrization phi: %s^%s -> %s^%s" % (K, self.D, K, self.d)
        if not self._family.is_expanded():     # the repr never forms phi
            return head + " (components formed on first use)"
        names = ", ".join(self.polynomial_ring().variable_names())
        phis = self.components()
        shown = ", ".join(str(f) for f in phis[:6]) + (", ..." if len(phis) > 6 else "")
        return "%s, phi(%s) = (%s)" % (head, names if self.D <= 8 else "theta", shown)

    def gradient_fields(self):
        r"""
        Return the generators `\nabla\phi_1, \dots, \nabla\phi_d` of `W_\phi`.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, u^2]).gradient_fields()
            [(v, u), (2*u, 0)]

        Refused before anything is expanded when `\phi` does not fit in memory
        and has no structured trace::

            sage: from sage_conslaw.architectures import NMF
            sage: NMF(100, 100, 100).gradient_fields()
            Traceback (most recent call last):
            ...
            MemoryError: the gradient fields of phi (for lie_trace and the laws) cannot run within memory: phi of NMF has 1000000 terms once expanded, of about 2D = 40000 bytes each in Singular: 40.0 GB, above the limit 4.3 GB of an expansion, and this model has no structured trace ...
        """
        self._family.require_traceable("the gradient fields of phi (for lie_trace and the laws)")
        return self._family.fields()

    def jacobian(self, point=None):
        r"""
        Return the Jacobian `\partial\phi` (a `d \times D` matrix): symbolic,
        or at a point if ``point`` is given.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: phi = Reparametrization([u*v, u^2])
            sage: phi.jacobian()
            [  v   u]
            [2*u   0]
            sage: phi.jacobian([1, 2])
            [2 1]
            [2 0]
        """
        R = self.polynomial_ring()
        J = matrix(R, [[f.derivative(g) for g in R.gens()] for f in self.components()])
        if point is None:
            return J
        pt = self._point(point)
        return matrix(self.polynomial_ring().base_ring(), [[c(*pt) for c in row] for row in J.rows()])

    def jacobian_rank(self, point=None, seed=0):
        r"""
        Return the exact rank of `\partial\phi(\theta)` (`= \dim W_\phi(\theta)`).

        INPUT:

        - ``point`` -- a point (default: the random point of ``seed``)

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: phi = Reparametrization([u*v])
            sage: phi.jacobian_rank(), phi.jacobian_rank([0, 0])
            (1, 0)
        """
        return self.jacobian(self._point(point, seed)).rank()

    def satisfies_frobenius(self, point=None, seed=0):
        r"""
        Return whether `W_\phi` satisfies condition (13) at ``point``: every
        bracket `[\nabla\phi_i, \nabla\phi_j](\theta)` lies in `W_\phi(\theta)`,
        so that the iteration of Lemma 3.2 stops at the first step.

        Exact at the point (ranks over the base field); at the default random
        point, ``True`` holds for generic `\theta` with high probability.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).satisfies_frobenius()
            True
            sage: R.<a,b,c,d> = QQ[]
            sage: Reparametrization([a*c + b*d]).satisfies_frobenius()
            True
            sage: Reparametrization([a*c + b*d, a*d]).satisfies_frobenius()
            False
        """
        pt = self._point(point, seed)
        K = self.polynomial_ring().base_ring()
        G = self.gradient_fields()
        vals = [X(pt) for X in G]
        jacs = [X.jacobian().apply_map(lambda c: c(*pt), K) for X in G]
        base = matrix(K, vals).rank()
        brackets = [jacs[a] * vals[b] - jacs[b] * vals[a]
                    for a in range(len(G)) for b in range(a + 1, len(G))]
        return not brackets or matrix(K, vals + brackets).rank() == base
