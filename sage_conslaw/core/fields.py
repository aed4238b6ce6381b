r"""
Polynomial vector fields and their Lie bracket.

A polynomial vector field on `K^D` is a tuple `X = (X_1, \dots, X_D)` of
polynomials of one multivariate polynomial ring `R = K[\theta_1, \dots,
\theta_D]`.  The fields form a Lie algebra over `K` for the bracket of the
paper (equation (12))

.. MATH::

    [X, Y](\theta) = \partial X(\theta)\, Y(\theta) - \partial Y(\theta)\, X(\theta),

where `\partial X` is the Jacobian matrix `(\partial_j X_i)_{i,j}`.

Sign convention: for linear fields `X = A\theta` and `Y = B\theta` one has
`\partial X = A`, hence `[X, Y] = (AB - BA)\theta`: the bracket of linear
fields is the field of the matrix commutator `[A, B] = AB - BA`, with the
same sign (the paper's Section 3.1).  Differential geometers often use the
opposite sign `\partial Y\, X - \partial X\, Y`; nothing in the trace
computations depends on the sign.

EXAMPLES::

    sage: from sage_conslaw import PolynomialVectorFields
    sage: R.<u,v> = QQ[]
    sage: V = PolynomialVectorFields(R); V
    Lie algebra of polynomial vector fields on QQ^2 (coordinates u, v)
    sage: X = V.gradient(u*v); X
    (v, u)
    sage: Y = V([u^2, 0])
    sage: X.bracket(Y)
    (-2*u*v, u^2)
    sage: V.bracket([v, u], [u, -v])     # the category's bracket coerces its arguments
    (-2*v, 2*u)
    sage: TestSuite(V).run()
"""
from sage.categories.lie_algebras import LieAlgebras
from sage.matrix.constructor import matrix
from sage.misc.cachefunc import cached_method
from sage.misc.latex import latex
from sage.modules.free_module_element import vector
from sage.rings.polynomial.multi_polynomial_ring_base import MPolynomialRing_base
from sage.rings.rational_field import QQ
from sage.structure.element import Element
from sage.structure.parent import Parent
from sage.structure.richcmp import richcmp
from sage.structure.unique_representation import UniqueRepresentation

from sage_conslaw.core.points import as_exact_point, check_exact_field, to_exact_polynomial


def field_name(K):
    r"""
    Return the short name of a field for messages and printouts (``QQ``, ``GF(7)``, ...).

    EXAMPLES::

        sage: from sage_conslaw.core.fields import field_name
        sage: field_name(QQ), field_name(GF(7)), field_name(QuadraticField(2, 'a'))
        ('QQ', 'GF(7)', 'Number Field in a with defining polynomial x^2 - 2 with a = 1.414213562373095?')
    """
    if K is QQ:
        return "QQ"
    if K.is_finite():
        return "GF(%s)" % K.order()
    return str(K)


def _is_scalar(x):
    r"""
    Whether ``x`` is a single number rather than a sequence of numbers.

    TESTS::

        sage: from sage_conslaw.core.fields import _is_scalar
        sage: _is_scalar(3), _is_scalar([3]), _is_scalar(vector([1, 2]))
        (True, False, False)
    """
    return not isinstance(x, (list, tuple)) and not hasattr(x, '__len__')


class PolynomialVectorField(Element):
    r"""
    A polynomial vector field: a tuple of `D` polynomials of one ring.

    Build it through its parent, :class:`PolynomialVectorFields`.

    EXAMPLES::

        sage: from sage_conslaw import PolynomialVectorFields
        sage: R.<x,y,z> = QQ[]
        sage: V = PolynomialVectorFields(R)
        sage: X = V([y*z, x*z, x*y]); X
        (y*z, x*z, x*y)
        sage: X.components()
        (y*z, x*z, x*y)
        sage: X.support()
        (0, 1, 2)
        sage: X(1, 2, 3)
        (6, 3, 2)
        sage: 2*X - X == X
        True
    """

    def __init__(self, parent, components):
        r"""
        Initialize ``self`` from a tuple of polynomials of the parent's ring.

        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x,y> = QQ[]
            sage: X = PolynomialVectorFields(R)([x, y])
            sage: TestSuite(X).run()
        """
        Element.__init__(self, parent)
        self._components = tuple(components)

    def components(self):
        r"""
        Return the components `(X_1, \dots, X_D)` as a tuple of polynomials.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x,y> = QQ[]
            sage: PolynomialVectorFields(R)([x^2, 3]).components()
            (x^2, 3)
        """
        return self._components

    @cached_method
    def support(self):
        r"""
        Return the indices of the nonzero components, as a tuple.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x,y,z> = QQ[]
            sage: PolynomialVectorFields(R)([0, x, 0]).support()
            (1,)
        """
        return tuple(i for i, c in enumerate(self._components) if c)

    @cached_method
    def partial_derivatives(self):
        r"""
        Return the nonzero entries of the Jacobian `\partial X` as a dict
        ``{(i, j): d X_i / d theta_j}``.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x,y> = QQ[]
            sage: X = PolynomialVectorFields(R)([x*y, y])
            sage: sorted(X.partial_derivatives().items())
            [((0, 0), y), ((0, 1), x), ((1, 1), 1)]
        """
        R = self.parent().polynomial_ring()
        index = {g: j for j, g in enumerate(R.gens())}
        partials = {}
        for i in self.support():
            c = self._components[i]
            for g in c.variables():
                partials[i, index[g]] = c.derivative(g)
        return partials

    def jacobian(self):
        r"""
        Return the Jacobian matrix `(\partial_j X_i)_{i,j}` over the polynomial ring.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: PolynomialVectorFields(R).gradient(u^2*v).jacobian()
            [2*v 2*u]
            [2*u   0]
        """
        V = self.parent()
        return matrix(V.polynomial_ring(), V.ambient_dimension(),
                      V.ambient_dimension(), self.partial_derivatives())

    def __call__(self, *point):
        r"""
        Evaluate ``self`` at a point, exactly.

        INPUT:

        - ``point`` -- `D` exact numbers, or one list/vector of them

        OUTPUT: a vector over the base field (or the field of the point's entries)

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: X = PolynomialVectorFields(R).gradient(u*v)
            sage: X(2, 3)
            (3, 2)
            sage: X([1/2, 5])
            (5, 1/2)
            sage: X(1.5, 2)
            Traceback (most recent call last):
            ...
            TypeError: the point has an inexact entry 1.50000000000000 (Real Field with 53 bits of precision); use exact numbers, e.g. QQ(3/2) or the integer 3, not floats
        """
        V = self.parent()
        if len(point) == 1 and not _is_scalar(point[0]):
            point = point[0]
        pt = as_exact_point(point, V.ambient_dimension(), V.base_ring(), ring=V.polynomial_ring())
        return vector([c(*pt) for c in self._components])

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R = PolynomialRing(QQ, 'u', 1)
            sage: PolynomialVectorFields(R)(list(R.gens()))
            (u)
        """
        return "(" + ", ".join(str(c) for c in self._components) + ")"

    def _latex_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: latex(PolynomialVectorFields(R)([u^2, v]))
            \left(u^{2}, v\right)
        """
        return r"\left(" + ", ".join(latex(c) for c in self._components) + r"\right)"

    def __hash__(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: hash(V([u, v])) == hash(V([u, v]))
            True
        """
        return hash(self._components)

    def _richcmp_(self, other, op):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: V([u, v]) == V([u, v]), V([u, v]) != V([v, u])
            (True, True)
        """
        return richcmp(self._components, other._components, op)

    def __bool__(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: bool(PolynomialVectorFields(R).zero())
            False
        """
        return any(self._components)

    def _add_(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: V([u, v]) + V([v, u])
            (u + v, u + v)
        """
        return self.__class__(self.parent(), [a + b for a, b in zip(self._components, other._components)])

    def _sub_(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: V([u, v]) - V([v, u])
            (u - v, -u + v)
        """
        return self.__class__(self.parent(), [a - b for a, b in zip(self._components, other._components)])

    def _neg_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: -PolynomialVectorFields(R)([u, 1])
            (-u, -1)
        """
        return self.__class__(self.parent(), [-a for a in self._components])

    def _acted_upon_(self, scalar, self_on_left):
        r"""
        Multiply by a scalar of the base field (or by a polynomial of the ring).

        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: 3 * V([u, v]), V([u, v]) * (1/2), u * V([1, v])
            ((3*u, 3*v), (1/2*u, 1/2*v), (u, u*v))
        """
        R = self.parent().polynomial_ring()
        try:
            s = R(scalar)
        except (TypeError, ValueError):
            return None
        return self.__class__(self.parent(), [s * a for a in self._components])

    def _bracket_(self, other):
        r"""
        Return the Lie bracket `[X, Y] = \partial X\, Y - \partial Y\, X`.

        Only the nonzero partial derivatives are visited, so sparse fields
        (the gradients of path products) cost little.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x,y> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: A = matrix(QQ, [[0, 1], [0, 0]]); B = matrix(QQ, [[0, 0], [1, 0]])
            sage: V.linear_field(A).bracket(V.linear_field(B)) == V.linear_field(A*B - B*A)
            True
        """
        R = self.parent().polynomial_ring()
        out = [R.zero()] * len(self._components)
        Y = other._components
        for (i, j), dXij in self.partial_derivatives().items():
            if Y[j]:
                out[i] += dXij * Y[j]
        X = self._components
        for (i, j), dYij in other.partial_derivatives().items():
            if X[j]:
                out[i] -= dYij * X[j]
        return self.__class__(self.parent(), out)

    def degree(self):
        r"""
        Return the largest total degree of a component (`-1` for the zero field).

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x,y> = QQ[]
            sage: PolynomialVectorFields(R)([x^2*y, 1]).degree()
            3
        """
        return max((c.degree() for c in self._components if c), default=-1)


class PolynomialVectorFields(UniqueRepresentation, Parent):
    r"""
    The Lie algebra of polynomial vector fields on `K^D`, with the bracket of
    equation (12) of the paper.

    INPUT:

    - ``ring`` -- a multivariate polynomial ring over an exact field `K`; its
      generators are the coordinates `\theta_1, \dots, \theta_D`

    EXAMPLES::

        sage: from sage_conslaw import PolynomialVectorFields
        sage: R.<u,v> = QQ[]
        sage: V = PolynomialVectorFields(R)
        sage: V.ambient_dimension(), V.base_ring()
        (2, Rational Field)
        sage: V.category()
        Category of Lie algebras over Rational Field
        sage: X, Y = V.gradient(u*v), V.gradient(u^2)
        sage: V.bracket(X, Y)
        (-2*v, 2*u)
    """

    Element = PolynomialVectorField

    @staticmethod
    def __classcall__(cls, ring):
        r"""
        Normalize the input: a polynomial ring in at least one variable over
        an exact field.

        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<x> = PolynomialRing(QQ, 1)
            sage: PolynomialVectorFields(R) is PolynomialVectorFields(R)
            True
            sage: PolynomialVectorFields(RR['x,y'])
            Traceback (most recent call last):
            ...
            TypeError: the polynomial ring has inexact coefficients (Real Field with 53 bits of precision); build it over QQ instead, e.g. PolynomialRing(QQ, names)
            sage: PolynomialVectorFields(ZZ)
            Traceback (most recent call last):
            ...
            TypeError: expected a multivariate polynomial ring, got Integer Ring
        """
        if not isinstance(ring, MPolynomialRing_base):
            raise TypeError("expected a multivariate polynomial ring, got %s" % (ring,))
        check_exact_field(ring.base_ring(), "the polynomial ring")
        return super().__classcall__(cls, ring)

    def __init__(self, ring):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: TestSuite(PolynomialVectorFields(QQ['a,b,c'])).run()
        """
        self._ring = ring
        Parent.__init__(self, base=ring.base_ring(),
                        category=LieAlgebras(ring.base_ring()))

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: PolynomialVectorFields(QQ['a,b'])
            Lie algebra of polynomial vector fields on QQ^2 (coordinates a, b)
            sage: PolynomialVectorFields(QuadraticField(2)['x,y'])
            Lie algebra of polynomial vector fields on Number Field in a with defining polynomial x^2 - 2 with a = 1.414213562373095?^2 (coordinates x, y)
            sage: PolynomialVectorFields(PolynomialRing(QQ, 'x', 100))
            Lie algebra of polynomial vector fields on QQ^100 (coordinates x0, x1, x2, x3, x4, x5, x6, ..., x99)
        """
        names = self._ring.variable_names()
        shown = ", ".join(names) if len(names) <= 8 else "%s, ..., %s" % (", ".join(names[:7]), names[-1])
        return "Lie algebra of polynomial vector fields on %s^%s (coordinates %s)" % (
            field_name(self.base_ring()), self.ambient_dimension(), shown)

    def polynomial_ring(self):
        r"""
        Return the polynomial ring of the components.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: PolynomialVectorFields(QQ['a,b']).polynomial_ring()
            Multivariate Polynomial Ring in a, b over Rational Field
        """
        return self._ring

    def ambient_dimension(self):
        r"""
        Return `D`, the number of coordinates.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: PolynomialVectorFields(QQ['a,b,c']).ambient_dimension()
            3
        """
        return self._ring.ngens()

    def _element_constructor_(self, x):
        r"""
        Build a field from a list, tuple or vector of `D` polynomials.

        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: V(vector([u, v]))
            (u, v)
            sage: V([u])
            Traceback (most recent call last):
            ...
            ValueError: a vector field on QQ^2 needs 2 components, got 1
            sage: V([u, 1.5])
            Traceback (most recent call last):
            ...
            TypeError: component 1.50000000000000 has inexact coefficients (Real Field with 53 bits of precision); convert it first, e.g. with f.change_ring(QQ) or by writing 1/2 instead of 0.5
        """
        if isinstance(x, PolynomialVectorField):
            x = x.components()
        x = list(x)
        if len(x) != self.ambient_dimension():
            raise ValueError("a vector field on %s^%s needs %s components, got %s"
                             % (field_name(self.base_ring()), self.ambient_dimension(),
                                self.ambient_dimension(), len(x)))
        comps = [to_exact_polynomial(c, self._ring, "component") for c in x]
        return self.element_class(self, comps)

    def _an_element_(self):
        r"""
        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: PolynomialVectorFields(QQ['a,b']).an_element()
            (a*b, a)
        """
        g = self._ring.gens()
        return self([g[0] * g[-1]] + list(g[:-1]))

    def some_elements(self):
        r"""
        Return a few fields, used by :class:`TestSuite`.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: PolynomialVectorFields(QQ['a,b']).some_elements()
            [(a*b, a), (b, a), (a^2, 0), (a, b)]
        """
        g = self._ring.gens()
        D = len(g)
        sq = [g[0] ** 2] + [0] * (D - 1)
        return [self.an_element(), self.gradient(self._ring.prod(g)),
                self(sq), self(list(g))]

    def zero(self):
        r"""
        Return the zero vector field.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: PolynomialVectorFields(QQ['a,b']).zero()
            (0, 0)
        """
        return self.element_class(self, [self._ring.zero()] * self.ambient_dimension())

    def gradient(self, f):
        r"""
        Return the gradient field `\nabla f = (\partial_1 f, \dots, \partial_D f)`.

        INPUT:

        - ``f`` -- a polynomial of the ring (or something that converts to one exactly)

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v> = QQ[]
            sage: PolynomialVectorFields(R).gradient(u^2 - v^2)
            (2*u, -2*v)
        """
        f = to_exact_polynomial(f, self._ring, "function")
        # only the variables of f (a component of a network's phi has a few of thousands)
        comps = [self._ring.zero()] * self.ambient_dimension()
        if f.nvariables():
            index = self._generator_index()
            for g in f.variables():
                comps[index[g]] = f.derivative(g)
        return self.element_class(self, comps)

    @cached_method
    def _generator_index(self):
        r"""
        Return the dict ``{generator: k}`` of the polynomial ring's generators,
        built once per parent (:meth:`gradient` looks up the variables of each
        function in it).

        TESTS::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: R.<u,v,w> = QQ[]
            sage: V = PolynomialVectorFields(R)
            sage: V._generator_index() == {u: 0, v: 1, w: 2}
            True
            sage: V._generator_index() is V._generator_index()
            True
        """
        return {g: k for k, g in enumerate(self._ring.gens())}

    def linear_field(self, A):
        r"""
        Return the linear field `\theta \mapsto A\theta` of a `D \times D` matrix.

        EXAMPLES::

            sage: from sage_conslaw import PolynomialVectorFields
            sage: V = PolynomialVectorFields(QQ['x,y'])
            sage: V.linear_field(matrix(QQ, [[1, 2], [3, 4]]))
            (x + 2*y, 3*x + 4*y)
        """
        D = self.ambient_dimension()
        A = matrix(A)
        if A.dimensions() != (D, D):
            raise ValueError("a linear field on a space of dimension %s needs a %s x %s matrix, got %s x %s"
                             % (D, D, D, A.nrows(), A.ncols()))
        return self(list(A.change_ring(self._ring) * vector(self._ring.gens())))

def as_vector_fields(fields):
    r"""
    Return ``(V, [V(X) for X in fields])``: the Lie algebra of vector fields the
    given fields live in, and the fields as its elements.

    INPUT:

    - ``fields`` -- a nonempty list of :class:`PolynomialVectorField` of one
      parent, or of lists/vectors of polynomials of one multivariate ring

    EXAMPLES::

        sage: from sage_conslaw.core.fields import as_vector_fields
        sage: R.<u,v> = QQ[]
        sage: V, W = as_vector_fields([[v, u], [1, 0]]); W
        [(v, u), (1, 0)]
        sage: S.<a,b> = QQ[]
        sage: as_vector_fields([[v, u], [b, a]])
        Traceback (most recent call last):
        ...
        TypeError: the vector fields must have polynomial components of one multivariate ring (found ...)
    """
    V = None
    for X in fields:
        if isinstance(X, PolynomialVectorField):
            V = X.parent()
            break
    if V is None:
        rings = set()
        for X in fields:
            for c in X:
                P = getattr(c, "parent", None)
                if P is not None and callable(P) and isinstance(c.parent(), MPolynomialRing_base):
                    rings.add(c.parent())
        if len(rings) != 1:
            raise TypeError("the vector fields must have polynomial components of one multivariate ring "
                            "(found %s)" % (", ".join(sorted(str(r) for r in rings)) or "no polynomial ring"))
        V = PolynomialVectorFields(rings.pop())
    return V, [V(X) for X in fields]
