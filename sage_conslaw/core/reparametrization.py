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

from sage.misc.cachefunc import cached_method
from sage.rings.integer_ring import ZZ
from sage.rings.polynomial.multi_polynomial_ring_base import MPolynomialRing_base
from sage.rings.rational_field import QQ
from sage.structure.sage_object import SageObject

from sage_conslaw.core.fields import PolynomialVectorFields
from sage_conslaw.core.laws import number_of_independent_functions, polynomial_laws
from sage_conslaw.core.modular import DEFAULT_PRIME
from sage_conslaw.core.points import as_exact_point, random_point, to_exact_polynomial
from sage_conslaw.core.trace import lie_trace


def _ring_of(phis):
    """The unique multivariate polynomial ring of the entries of ``phis``, or a clear error."""
    from sage.rings.polynomial.polynomial_ring import PolynomialRing_generic
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
        elif "Fraction Field" in str(P) or "Symbolic" in str(P):
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


class Reparametrization(SageObject):
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
        TypeError: the component a lives in Multivariate Polynomial Ring in a, b, c, d over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in x, y over Rational Field
    """

    def __init__(self, *args):
        if len(args) == 1:
            ring, phis = None, args[0]
        elif len(args) == 2:
            ring, phis = args
        else:
            raise TypeError("use Reparametrization(phis) or Reparametrization(ring, phis)")
        if hasattr(phis, "list") and hasattr(phis, "nrows"):
            phis = phis.list()
        phis = list(phis)
        if not phis:
            raise ValueError("phi must have at least one component")
        if ring is None:
            ring = _ring_of(phis)
        self._V = PolynomialVectorFields(ring)   # checks the ring is exact
        self._ring = ring
        self._phis = tuple(to_exact_polynomial(f, ring, "the component") for f in phis)

    # -- basic data ---------------------------------------------------------

    @property
    def D(self):
        r"""
        The number `D` of parameters.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).D
            2
        """
        return self._ring.ngens()

    @property
    def d(self):
        r"""
        The number `d` of components of `\phi`.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, u^2]).d
            2
        """
        return len(self._phis)

    def polynomial_ring(self):
        r"""
        Return the polynomial ring of the parameters.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).polynomial_ring() is R
            True
        """
        return self._ring

    def components(self):
        r"""
        Return `(\phi_1, \dots, \phi_d)` as a tuple of polynomials.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, 3]).components()
            (u*v, 3)
        """
        return self._phis

    def vector_fields(self):
        r"""
        Return the Lie algebra of polynomial vector fields on the parameter space.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).vector_fields()
            Lie algebra of polynomial vector fields on QQ^2 (coordinates u, v)
        """
        return self._V

    def _repr_(self):
        names = ", ".join(self._ring.variable_names())
        shown = ", ".join(str(f) for f in self._phis[:6]) + (", ..." if self.d > 6 else "")
        return "Reparametrization phi: QQ^%s -> QQ^%s, phi(%s) = (%s)" % (
            self.D, self.d, names if self.D <= 8 else "theta", shown)

    @cached_method
    def gradient_fields(self):
        r"""
        Return the generators `\nabla\phi_1, \dots, \nabla\phi_d` of `W_\phi`.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v, u^2]).gradient_fields()
            [(v, u), (2*u, 0)]
        """
        return [self._V.gradient(f) for f in self._phis]

    def random_point(self, seed=0):
        r"""
        Return the reproducible random point used by default (integer coordinates).

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: phi = Reparametrization([u*v])
            sage: phi.random_point(1) == phi.random_point(1)
            True
        """
        return random_point(self.D, seed=seed, K=self._ring.base_ring())

    def _point(self, point, seed=0):
        if point is None:
            return self.random_point(seed)
        return as_exact_point(point, self.D, self._ring.base_ring(), ring=self._ring)

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
        from sage.matrix.constructor import matrix
        J = matrix(self._ring, [[f.derivative(g) for g in self._ring.gens()] for f in self._phis])
        if point is None:
            return J
        pt = self._point(point)
        return matrix(self._ring.base_ring(), [[c(*pt) for c in row] for row in J.rows()])

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

    # -- conservation laws --------------------------------------------------

    def known_conservation_laws(self):
        r"""
        Return the conservation laws known in closed form (none for a general `\phi`).

        Architectures override this with the laws of the literature; they
        give the certificate of :meth:`lie_trace`.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).known_conservation_laws()
            []
        """
        return []

    def number_of_known_laws(self, point=None, seed=0):
        r"""
        Return how many known laws are functionally independent: the exact rank
        of their gradients at ``point`` (default: a random point).

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).number_of_known_laws()
            0
        """
        laws = self.known_conservation_laws()
        return number_of_independent_functions(laws, self._point(point, seed)) if laws else 0

    def is_conservation_law(self, h):
        r"""
        Return whether `h` is a conservation law: `\langle \nabla h, \nabla\phi_j\rangle = 0`
        identically for all `j` (Proposition 2.16), checked exactly.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: phi = Reparametrization([u*v])
            sage: phi.is_conservation_law(u^2 - v^2), phi.is_conservation_law(u + v)
            (True, False)
            sage: phi.is_conservation_law(QQ['a,b'].gen(0))
            Traceback (most recent call last):
            ...
            TypeError: h = a lives in Multivariate Polynomial Ring in a, b over Rational Field, but phi lives in Multivariate Polynomial Ring in u, v over Rational Field
            sage: phi.is_conservation_law(1.5*u)
            Traceback (most recent call last):
            ...
            TypeError: h 1.50000000000000*u has inexact coefficients (Real Field with 53 bits of precision); convert it first, e.g. with f.change_ring(QQ) or by writing 1/2 instead of 0.5
        """
        R = self._ring
        if hasattr(h, "parent") and callable(h.parent) and isinstance(h.parent(), MPolynomialRing_base) \
                and h.parent() is not R and h.parent().base_ring().is_exact():
            raise TypeError("h = %s lives in %s, but phi lives in %s" % (h, h.parent(), R))
        h = to_exact_polynomial(h, R, "h")
        grad = [h.derivative(g) for g in R.gens()]
        for X in self.gradient_fields():
            if sum((grad[i] * X.components()[i] for i in X.support()), R.zero()):
                return False
        return True

    def polynomial_conservation_laws(self, degree, homogeneous=True, new_only=False):
        r"""
        Return a basis of the polynomial conservation laws of the given degree
        (Algorithm 1: an exact kernel over `\QQ`, no Gröbner basis).

        INPUT:

        - ``degree`` -- a nonnegative integer
        - ``homogeneous`` -- laws homogeneous of degree ``degree`` (default),
          or of degree `1` to ``degree``
        - ``new_only`` -- ``False`` (default): *all* the laws of that degree,
          products of laws of lower degree included; ``True``: only those that
          are not polynomials in laws of lower degree (a complement of the
          products, see :func:`~sage_conslaw.core.laws.new_laws`)

        OUTPUT: a list of polynomials (constants are left out)

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: Reparametrization([u*v]).polynomial_conservation_laws(2)
            [u^2 - v^2]
            sage: Reparametrization([u*v]).polynomial_conservation_laws(4)
            [u^4 - 2*u^2*v^2 + v^4]
            sage: Reparametrization([u*v]).polynomial_conservation_laws(4, new_only=True)
            []
            sage: Reparametrization([u*v]).polynomial_conservation_laws(-1)
            Traceback (most recent call last):
            ...
            ValueError: the degree must be an integer >= 0, got -1
        """
        return polynomial_laws(self.gradient_fields(), degree, homogeneous, new_only=new_only)

    def number_of_independent_laws(self, laws, point=None, seed=0):
        r"""
        Return the number of functionally independent functions among ``laws``:
        the exact rank of their gradients at ``point`` (default: a random point).

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R = PolynomialRing(QQ, 'x', 3)
            sage: phi = Reparametrization([R.prod(R.gens())])
            sage: laws = phi.polynomial_conservation_laws(2) + phi.polynomial_conservation_laws(4)
            sage: len(laws), phi.number_of_independent_laws(laws)
            (5, 2)
        """
        laws = [to_exact_polynomial(h, self._ring, "the law") for h in laws]
        return number_of_independent_functions(laws, self._point(point, seed)) if laws else 0

    def lie_trace(self, point=None, laws=None, method='auto', prime=DEFAULT_PRIME, seed=0,
                  max_steps=8, progress=False, certify_with_degree=2):
        r"""
        Compute `\dim \mathrm{Lie}(W_\phi)(\theta)` and the number of
        independent conservation laws near `\theta`.

        INPUT:

        - ``point`` -- `\theta` (default: the random point of ``seed``); a given
          point is honoured exactly, special or not
        - ``laws`` -- conservation laws giving the certificate (default: the
          known laws of the architecture, :meth:`known_conservation_laws`)
        - ``method``, ``prime``, ``max_steps``, ``progress`` -- see
          :func:`~sage_conslaw.core.trace.lie_trace`
        - ``certify_with_degree`` -- when no law is given or known, first look
          for polynomial laws of degree at most this (default ``2``; ``None``:
          don't) and use them as the certificate

        OUTPUT: a :class:`~sage_conslaw.core.trace.LieTraceResult`

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<u,v> = QQ[]
            sage: res = Reparametrization([u*v]).lie_trace(laws=[u^2 - v^2])
            sage: res.dimensions, res.number_of_laws, res.certified
            ([1], 1, True)
            sage: Reparametrization([u*v]).lie_trace(point=[1, 2, 3])
            Traceback (most recent call last):
            ...
            ValueError: the point has 3 coordinates, but the parametrization has D = 2 parameters
        """
        check = laws is not None
        if laws is None:
            laws = self.known_conservation_laws()
        if not laws and certify_with_degree and self._cheap_law_search(certify_with_degree):
            laws = self.polynomial_conservation_laws(certify_with_degree, homogeneous=False)
            check = False   # the exact kernel only holds laws
        return lie_trace(None, point=point, laws=laws, method=method, prime=prime, seed=seed,
                         max_steps=max_steps, check=check, progress=progress,
                         _gradients_of=(self._V, self._phis))

    def _cheap_law_search(self, degree):
        """Whether looking for polynomial laws up to ``degree`` is cheap enough to do unasked."""
        from sage.arith.misc import binomial
        return binomial(self.D + degree, degree) <= 2000 and self.d * self.D <= 20000

    def number_of_conservation_laws(self, point=None, **options):
        r"""
        Return the number of independent conservation laws near ``point``
        (default: a random point), `D - \dim \mathrm{Lie}(W_\phi)(\theta)`.

        Short for ``self.lie_trace(point, **options).number_of_laws``; see
        :meth:`lie_trace` for the certificate.

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: R.<a,b,c> = QQ[]
            sage: Reparametrization([a*b*c]).number_of_conservation_laws()
            2
        """
        return self.lie_trace(point, **options).number_of_laws

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
        from sage.matrix.constructor import matrix
        pt = self._point(point, seed)
        K = self._ring.base_ring()
        G = self.gradient_fields()
        vals = [X(pt) for X in G]
        jacs = [X.jacobian().apply_map(lambda c: c(*pt), K) for X in G]
        base = matrix(K, vals).rank()
        brackets = [jacs[a] * vals[b] - jacs[b] * vals[a]
                    for a in range(len(G)) for b in range(a + 1, len(G))]
        return not brackets or matrix(K, vals + brackets).rank() == base
