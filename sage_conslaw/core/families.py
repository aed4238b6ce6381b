r"""
Families of generators: the finite sets `W` of polynomial vector fields whose
generated Lie algebra `\mathrm{Lie}(W)` decides the conservation laws.

Every computation of the engine (:func:`~sage_conslaw.core.trace.lie_trace`,
:func:`~sage_conslaw.core.laws.polynomial_laws`, the certificates) takes a
family.  A family knows

- its fields symbolically (:meth:`GeneratorFamily.field`), formed lazily: a
  family of `10^6` path-product gradients never builds them all;
- its values and Jacobians at a point modulo a prime, in bulk
  (:meth:`GeneratorFamily.values`, :meth:`GeneratorFamily.jacobians`), which
  is what the fast trace evaluates;
- where its random points live (:meth:`GeneratorFamily.random_point`): some
  flows live in the positive orthant (mirror metrics) or need a time variable
  that does not vanish.

The families of the package:

- :class:`GradientFamily` -- the gradients `\nabla\phi_j` of a polynomial
  reparametrization (evaluated through the `\phi_j` themselves: values are
  Jacobian rows of `\phi`, Jacobians are Hessians);
- :class:`FieldFamily` -- given vector fields (non-gradient families, lifted
  or preconditioned flows).

A new kind of flow or architecture adds a subclass that overrides the
numeric methods (for instance by matrix products instead of expanded
polynomials); the engine reaches it through these methods only.

EXAMPLES::

    sage: from sage_conslaw.core.families import GradientFamily, FieldFamily, as_family
    sage: R.<u,v> = QQ[]
    sage: W = GradientFamily(R, [u*v]); W
    Family of 1 gradient field on QQ^2 (coordinates u, v)
    sage: W.fields()
    [(v, u)]
    sage: F = FieldFamily([[1, 0], [0, u]]); F
    Family of 2 vector fields on QQ^2 (coordinates u, v)
    sage: as_family(F) is F
    True
    sage: F.is_conservation_law(v^2 - 2*u)
    False
    sage: FieldFamily([[1, u]]).is_conservation_law(v - u^2/2)
    True
"""
import numpy as np

from sage.misc.cachefunc import cached_method
from sage.modules.free_module_element import vector
from sage.structure.element import Vector
from sage.structure.sage_object import SageObject

from sage.rings.rational_field import QQ

from sage_conslaw.core.fields import PolynomialVectorField, PolynomialVectorFields, as_vector_fields, field_name
from sage_conslaw.core.modular import PolynomialsModP, random_combinations
from sage_conslaw.core.points import random_point as _random_point, to_exact_polynomial
from sage_conslaw.core.thresholds import MAX_COMPONENTS, MAX_EXPANDED_BYTES, memory_budget


class GeneratorFamily(SageObject):
    r"""
    A finite family `W = (X_1, \dots, X_n)` of polynomial vector fields on `K^D`.

    This is the base class; subclasses give :meth:`field` (and, for speed, the
    bulk numeric methods).

    INPUT:

    - ``V`` -- the Lie algebra of polynomial vector fields the fields live in
      (:class:`~sage_conslaw.core.fields.PolynomialVectorFields`)
    - ``size`` -- the number `n` of generators
    - ``positive`` -- indices of the coordinates that must be positive where the
      flow lives (random points draw them in `[1, B]`); default: none
    - ``D``, ``base_ring`` -- (optional) given, ``V`` is a function of no
      argument returning the Lie algebra, called on first need only (a ring of
      `D` variables is not built to count: see :meth:`vector_fields`)

    EXAMPLES::

        sage: from sage_conslaw.core.families import GeneratorFamily
        sage: from sage_conslaw import PolynomialVectorFields
        sage: W = GeneratorFamily(PolynomialVectorFields(QQ['x,y']), 0); len(W), W.D
        (0, 2)
        sage: W.field(0)
        Traceback (most recent call last):
        ...
        NotImplementedError: a generator family must implement field(j)
        sage: W.structured is None
        True
    """

    #: an evaluator of the family by matrix products (a
    #: :class:`~sage_conslaw.core.jets.StructuredFamily`) that the fast trace asks
    #: for its certificates and brackets, or ``None``
    structured = None

    def __init__(self, V, size, positive=(), D=None, base_ring=None):
        r"""
        TESTS::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: F = FieldFamily([[x, y]], positive=[1]); F.positive_coordinates()
            (1,)
            sage: FieldFamily([[x, y]], positive=[2])
            Traceback (most recent call last):
            ...
            ValueError: positive coordinate index 2 outside 0..1
            sage: TestSuite(F).run(skip='_test_pickling')

        The Lie algebra built on first need::

            sage: from sage_conslaw.core.families import GeneratorFamily
            sage: from sage_conslaw import PolynomialVectorFields
            sage: W = GeneratorFamily(lambda: PolynomialVectorFields(QQ['x,y']), 0, D=2, base_ring=QQ)
            sage: W.D, W._V is None, W.vector_fields(), W._V is None
            (2, True, Lie algebra of polynomial vector fields on QQ^2 (coordinates x, y), False)
        """
        if D is None:
            self._V, self._make_V = V, None
            D, self._K = V.ambient_dimension(), V.base_ring()
        else:
            self._V, self._make_V, self._K = None, V, base_ring
        self._D = int(D)
        self._size = int(size)
        pos = sorted({int(i) for i in positive})
        for i in pos:
            if not 0 <= i < D:
                raise ValueError("positive coordinate index %s outside 0..%s" % (i, D - 1))
        self._positive = tuple(pos)

    # -- structure ---------------------------------------------------------------

    def __len__(self):
        r"""
        Return the number of generators.

        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: len(GradientFamily(R, [x, y, x*y]))
            3
        """
        return self._size

    @property
    def D(self):
        r"""
        The dimension `D` of the space the fields act on.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: GradientFamily(QQ['x,y,z'], [1]).D
            3
        """
        return self._D

    def vector_fields(self):
        r"""
        Return the Lie algebra of polynomial vector fields the generators live in
        (built on first need when the family was given it lazily: its ring has
        `D` variables, and libSingular holds at most `2^{15} - 1`).

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: GradientFamily(QQ['x,y'], [1]).vector_fields()
            Lie algebra of polynomial vector fields on QQ^2 (coordinates x, y)
        """
        if self._V is None:
            self._V = self._make_V()
        return self._V

    def polynomial_ring(self):
        r"""
        Return the polynomial ring of the coordinates.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x]).polynomial_ring() is R
            True
        """
        return self.vector_fields().polynomial_ring()

    def base_ring(self):
        r"""
        Return the field of coefficients.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: GradientFamily(QQ['x,y'], [1]).base_ring()
            Rational Field
        """
        return self._K

    def positive_coordinates(self):
        r"""
        Return the indices of the coordinates that are positive where the flow lives.

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<s,x> = QQ[]
            sage: FieldFamily([[s, 1]], positive=[0]).positive_coordinates()
            (0,)
        """
        return self._positive

    def field(self, j):
        r"""
        Return the generator `X_j` as a :class:`PolynomialVectorField` (abstract here).

        TESTS::

            sage: from sage_conslaw.core.families import GeneratorFamily
            sage: from sage_conslaw import PolynomialVectorFields
            sage: GeneratorFamily(PolynomialVectorFields(QQ['x,y']), 1).field(0)
            Traceback (most recent call last):
            ...
            NotImplementedError: a generator family must implement field(j)
        """
        raise NotImplementedError("a generator family must implement field(j)")

    def fields(self):
        r"""
        Return all the generators, as a list of fields.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y, x^2]).fields()
            [(y, x), (2*x, 0)]
        """
        return [self.field(j) for j in range(len(self))]

    def symbolic_obstacle(self):
        r"""
        Return ``None`` when the generators can be formed symbolically (the
        default), else the reason why not, a string: e.g. the components of a
        huge network's `\phi`, too large to expand (see
        :meth:`GradientFamily.symbolic_obstacle`).  What needs the symbolic
        fields (the rigorous method, polynomial laws, checking given laws)
        asks this first; the structured fast trace does not need them.

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[x, y]]).symbolic_obstacle() is None
            True
        """
        return None

    def require_symbolic(self, what):
        r"""
        Raise a clear ``ValueError`` naming ``what`` when the generators cannot
        be formed symbolically (see :meth:`symbolic_obstacle`).

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y]).require_symbolic("the test")
            sage: GradientFamily(R, lambda: [x*y], size=1, terms=10^7).require_symbolic("the test")
            Traceback (most recent call last):
            ...
            ValueError: the test needs the symbolic fields: phi has 10000000 terms once expanded, above the limit 1000000 of expanded terms (each costs about 4 kB and 25 us in Singular): its symbolic components and fields (components(), polynomial laws, the rigorous method, checking given laws) are not available
        """
        obstacle = self.symbolic_obstacle()
        if obstacle is not None:
            raise ValueError("%s needs the symbolic fields: %s" % (what, obstacle))

    def require_traceable(self, what="lie_trace"):
        r"""
        Raise a clear ``MemoryError`` before anything is allocated when
        ``what`` cannot be computed within memory: the generators cannot be
        formed symbolically (see :meth:`symbolic_obstacle`) and there is no
        structured evaluator (:attr:`structured`) to trace them without forming
        them.  Without this check the expansion halts the whole process in
        Singular ("no more memory").

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y]).require_traceable()
            sage: GradientFamily(R, lambda: [x*y], size=1, terms=10^7).require_traceable()
            Traceback (most recent call last):
            ...
            MemoryError: lie_trace cannot run within memory: phi has 10000000 terms once expanded, above the limit 1000000 of expanded terms (...), and this model has no structured trace (by matrix products, without expanding phi): trace a smaller model (linear and ReLU networks are traced at any size)
        """
        obstacle = self.symbolic_obstacle()
        if obstacle is not None and self.structured is None:
            raise MemoryError("%s cannot run within memory: %s, and this model has no structured trace (by matrix "
                              "products, without expanding phi): trace a smaller model (linear and ReLU networks "
                              "are traced at any size)"
                              % (what, obstacle.split(": its symbolic")[0]))

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[x, y]], positive=[0])
            Family of 1 vector field on QQ^2 (coordinates x, y), positive coordinates x
        """
        n = len(self)
        where = ("%s^%s (its ring of variables not built)" % (field_name(self._K), self._D) if self._V is None
                 else repr(self._V).split(" on ", 1)[1])
        out = "Family of %s %s%s on %s" % (n, self._kind(), "" if n == 1 else "s", where)
        if self._positive:
            names = self.polynomial_ring().variable_names()
            out += ", positive coordinates %s" % ", ".join(names[i] for i in self._positive)
        return out

    def law_scope(self):
        r"""
        Whose laws a count of this family counts (see
        :mod:`~sage_conslaw.core.certificate`): ``'fields'`` for a family of
        vector fields; a family of gradients of `\phi` says ``'phi'``.

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily, GradientFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[y, 0]]).law_scope(), GradientFamily(R, [x*y]).law_scope()
            ('fields', 'phi')
        """
        return 'fields'

    def _kind(self):
        r"""
        The kind of generators, for the repr.

        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: GradientFamily(QQ['x,y'], [1])._kind()
            'gradient field'
        """
        return "vector field"

    # -- points --------------------------------------------------------------------

    def random_point(self, seed=0, bound=None):
        r"""
        Return the reproducible random point of ``seed``, in the domain of the flow
        (coordinates of :meth:`positive_coordinates` drawn in `[1, B]`).

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<s,x> = QQ[]
            sage: F = FieldFamily([[s, 1]], positive=[0])
            sage: all(F.random_point(seed)[0] > 0 for seed in range(20))
            True
            sage: F.random_point(3) == F.random_point(3)
            True
        """
        kw = {} if bound is None else {"bound": bound}
        pt = _random_point(self.D, seed=seed, K=self.base_ring(), **kw)
        if not self._positive:
            return pt
        v = list(pt)
        for i in self._positive:
            v[i] = abs(v[i]) or 1
        w = vector(self.base_ring(), v)
        w.set_immutable()
        return w

    # -- exact checks -----------------------------------------------------------

    def annihilation_defect(self, h):
        r"""
        Return ``None`` if `\langle \nabla h, X\rangle = 0` identically for every
        generator `X`, else the first pair ``(X, <grad h, X>)`` that is not zero.

        This is the one exact check that a function is a conservation law of
        the family (Proposition 2.16 of the paper).

        INPUT:

        - ``h`` -- a polynomial of :meth:`polynomial_ring`

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<u,v> = QQ[]
            sage: W = GradientFamily(R, [u*v])
            sage: W.annihilation_defect(u^2 - v^2) is None
            True
            sage: W.annihilation_defect(u^2 + v^2)
            ((v, u), 4*u*v)
        """
        self.require_symbolic("the exact check of a conservation law")
        R = self.polynomial_ring()
        grad = [h.derivative(g) for g in R.gens()]
        for j in range(len(self)):
            X = self.field(j)
            comps = X.components()
            s = R.sum(grad[i] * comps[i] for i in X.support() if grad[i])
            if s:
                return X, s
        return None

    def is_conservation_law(self, h):
        r"""
        Return whether `h` is annihilated by every generator, exactly.

        INPUT:

        - ``h`` -- a polynomial of :meth:`polynomial_ring` (or one that converts
          exactly; a polynomial in other variables is an error)

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<u,v> = QQ[]
            sage: W = GradientFamily(R, [u*v])
            sage: W.is_conservation_law(u^2 - v^2), W.is_conservation_law(u)
            (True, False)
            sage: W.is_conservation_law(QQ['a'].gen())
            Traceback (most recent call last):
            ...
            TypeError: h a lives in Univariate Polynomial Ring in a over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in u, v over Rational Field
        """
        return self.annihilation_defect(to_exact_polynomial(h, self.polynomial_ring(), "h")) is None

    def check_laws(self, laws):
        r"""
        Raise ``ValueError`` unless every polynomial of ``laws`` is a conservation law.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<u,v> = QQ[]
            sage: W = GradientFamily(R, [u*v])
            sage: W.check_laws([u^2 - v^2])
            sage: W.check_laws([u^2 + v^2])
            Traceback (most recent call last):
            ...
            ValueError: u^2 + v^2 is not a conservation law: <grad h, X> = 4*u*v for the generator X = (v, u)
        """
        for h in laws:
            bad = self.annihilation_defect(h)
            if bad is not None:
                raise ValueError("%s is not a conservation law: <grad h, X> = %s for the generator X = %s"
                                 % (h, bad[1], bad[0]))

    # -- numeric evaluation modulo p ---------------------------------------------------

    def values(self, idx, x, p):
        r"""
        Return the values modulo ``p`` at ``x`` of the generators of index in ``idx``,
        as an array of shape ``(len(idx), D)``.

        INPUT:

        - ``idx`` -- a list of generator indices
        - ``x`` -- the point, reduced modulo ``p`` (a list of ints)
        - ``p`` -- a prime below `2^{20}`

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[x*y, 1], [0, x]]).values([0, 1], [2, 3], 101).tolist()
            [[6.0, 1.0], [0.0, 2.0]]
        """
        return _field_values([self.field(j) for j in idx], self.D, x, p)

    def jacobians(self, idx, x, p):
        r"""
        Return the Jacobian matrices modulo ``p`` at ``x`` of the generators of
        index in ``idx``, as an array of shape ``(len(idx), D, D)``.

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[x*y, 1]]).jacobians([0], [2, 3], 101).tolist()
            [[[3.0, 2.0], [0.0, 0.0]]]
        """
        return _field_jacobians([self.field(j) for j in idx], self.D, x, p)

    def compressed_values(self, x, p, count, seed):
        r"""
        Return the values at ``x`` of ``count`` random combinations of all the
        generators (elements of `W`), modulo ``p``, as a ``(count, D)`` array.

        Their span lies in `W(\theta)`, so any rank computed from them is a lower
        bound; with ``count`` a few more than `D` it is `\dim W(\theta)` with high
        probability.

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: from sage_conslaw.core.modular import rank_mod_p
            sage: R.<x,y> = QQ[]
            sage: F = FieldFamily([[1, 0], [2, 0], [x, 0]])
            sage: rank_mod_p(F.compressed_values([1, 1], 101, 4, seed=0), 101)
            1
        """
        comps = [c for j in range(len(self)) for c in self.field(j).components()]
        flat = PolynomialsModP(comps, self.D, p).values(x)
        nz = np.flatnonzero(flat)
        return random_combinations(nz // self.D, nz % self.D, flat[nz], len(self), self.D, count, p, seed)


def _field_values(fields, D, x, p):
    r"""
    Values modulo ``p`` of symbolic fields at ``x``, as an array ``(len(fields), D)``.

    TESTS::

        sage: from sage_conslaw.core.families import _field_values
        sage: from sage_conslaw import PolynomialVectorFields
        sage: R.<x,y> = QQ[]
        sage: _field_values([PolynomialVectorFields(R)([x, y])], 2, [5, 6], 7).tolist()
        [[5.0, 6.0]]
        sage: _field_values([], 2, [5, 6], 7).shape
        (0, 2)
    """
    comps = [c for X in fields for c in X.components()]
    return PolynomialsModP(comps, D, p).values(x).reshape(len(fields), D)


def _field_jacobians(fields, D, x, p):
    r"""
    Jacobians modulo ``p`` of symbolic fields at ``x``, as an array ``(len(fields), D, D)``.

    TESTS::

        sage: from sage_conslaw.core.families import _field_jacobians
        sage: from sage_conslaw import PolynomialVectorFields
        sage: R.<x,y> = QQ[]
        sage: _field_jacobians([PolynomialVectorFields(R)([x^2, x*y])], 2, [5, 6], 101).tolist()
        [[[10.0, 0.0], [6.0, 5.0]]]
    """
    comps = [c for X in fields for c in X.components()]
    return PolynomialsModP(comps, D, p).jacobian(x).reshape(len(fields), D, D)


class FieldFamily(GeneratorFamily):
    r"""
    The family of the given polynomial vector fields.

    INPUT:

    - ``fields`` -- a nonempty list of elements of
      :class:`~sage_conslaw.core.fields.PolynomialVectorFields`, or of lists/vectors
      of `D` polynomials of one multivariate ring
    - ``positive`` -- indices of coordinates that are positive where the flow lives

    EXAMPLES::

        sage: from sage_conslaw.core.families import FieldFamily
        sage: R.<x,y,z> = QQ[]
        sage: F = FieldFamily([[1, 0, y], [0, 1, 0]]); F
        Family of 2 vector fields on QQ^3 (coordinates x, y, z)
        sage: F.field(0)
        (1, 0, y)
        sage: FieldFamily([])
        Traceback (most recent call last):
        ...
        ValueError: a family needs at least one vector field
    """

    def __init__(self, fields, positive=()):
        r"""
        TESTS::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: TestSuite(FieldFamily([[x, y]])).run(skip='_test_pickling')
        """
        fields = list(fields)
        if not fields:
            raise ValueError("a family needs at least one vector field")
        V, self._fields = as_vector_fields(fields)
        GeneratorFamily.__init__(self, V, len(self._fields), positive)

    def field(self, j):
        r"""
        Return the generator `X_j`.

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[x, y], [1, 1]]).field(1)
            (1, 1)
        """
        return self._fields[j]

    def fields(self):
        r"""
        Return the generators (the list given, as fields).

        EXAMPLES::

            sage: from sage_conslaw.core.families import FieldFamily
            sage: R.<x,y> = QQ[]
            sage: FieldFamily([[x, y], [1, 1]]).fields()
            [(x, y), (1, 1)]
        """
        return list(self._fields)


class GradientFamily(GeneratorFamily):
    r"""
    The gradients `\nabla\phi_1, \dots, \nabla\phi_d` of polynomials `\phi_j`:
    the family `W_\phi` of a reparametrization.

    The gradient fields are formed only when asked for; values and Jacobians
    at a point come from the `\phi_j` directly (Jacobian rows and Hessians).

    The `\phi_j` themselves may be given lazily, as a function returning them:
    they are then formed on first need (:meth:`components` is the one accessor
    that forms them) and kept.  An architecture whose `\phi` is a product of
    symbolic matrices builds its family this way, with the number `d` of
    components and of expanded terms counted beforehand, and a ``structured``
    evaluator (:class:`~sage_conslaw.core.jets.StructuredFamily`) through which the
    fast trace never expands `\phi`.

    INPUT:

    - ``ring`` -- a multivariate polynomial ring over `\QQ`; or, with ``D``, a
      function of no argument returning it, called on first need of the ring
      (never to count with a ``structured`` family)
    - ``phis`` -- the polynomials `\phi_j` (converted exactly into ``ring``), or
      a function of no argument returning them (formed on first need)
    - ``positive`` -- indices of coordinates that are positive where the flow lives
    - ``size`` -- (optional, with a function ``phis``) the number `d` of
      components, known without forming them; ``None``: formed when asked for
    - ``terms`` -- (optional, with a function ``phis``) the number of terms of the
      expanded `\phi_j`; above :data:`~sage_conslaw.core.thresholds.MAX_COMPONENTS`
      the expansion is refused with a clear error (:meth:`symbolic_obstacle`)
    - ``D`` -- the number of variables, when ``ring`` is given lazily
    - ``structured`` -- (optional) an evaluator of the family by matrix products
      (a :class:`~sage_conslaw.core.jets.StructuredFamily`), used by the fast trace
    - ``what`` -- what `\phi` is, for the messages

    EXAMPLES::

        sage: from sage_conslaw.core.families import GradientFamily
        sage: R.<a,b,c> = QQ[]
        sage: W = GradientFamily(R, [a*b*c, a + b]); W
        Family of 2 gradient fields on QQ^3 (coordinates a, b, c)
        sage: W.field(0)
        (b*c, a*c, a*b)
        sage: W.components()
        (a*b*c, a + b)

    Lazily: nothing is formed before it is needed::

        sage: formed = []
        sage: def make():
        ....:     formed.append(1)
        ....:     return [a*b*c, a + b]
        sage: W = GradientFamily(R, make, size=2); W, len(W), formed
        (Family of 2 gradient fields on QQ^3 (coordinates a, b, c), 2, [])
        sage: W.field(1), formed
        ((1, 1, 0), [1])
        sage: W.components(), formed
        ((a*b*c, a + b), [1])

    An expansion that is too large is refused when it is needed, not before::

        sage: W = GradientFamily(R, make, size=2, terms=10^9, what="phi of a test")
        sage: len(W)
        2
        sage: W.components()
        Traceback (most recent call last):
        ...
        ValueError: phi of a test has 1000000000 terms once expanded, above the limit 1000000 of expanded terms (each costs about 4 kB and 25 us in Singular): its symbolic components and fields (components(), polynomial laws, the rigorous method, checking given laws) are not available
    """

    def __init__(self, ring, phis, positive=(), size=None, terms=None, structured=None, what="phi", D=None):
        r"""
        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<a,b> = QQ[]
            sage: TestSuite(GradientFamily(R, [a*b])).run(skip='_test_pickling')
            sage: GradientFamily(R, [QQ['z'].gen()])
            Traceback (most recent call last):
            ...
            TypeError: phi_1 z lives in Univariate Polynomial Ring in z over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in a, b over Rational Field
            sage: W = GradientFamily(R, lambda: [QQ['z'].gen()]); W.components()
            Traceback (most recent call last):
            ...
            TypeError: phi_1 z lives in Univariate Polynomial Ring in z over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in a, b over Rational Field
            sage: GradientFamily(R, [a], size=1)
            Traceback (most recent call last):
            ...
            TypeError: size and terms are given with phis given lazily (a function), not with a list
            sage: GradientFamily(R, lambda: [a], size=2).components()
            Traceback (most recent call last):
            ...
            ValueError: phi has 1 components, but 2 were announced

        The ring given lazily (a function, with ``D``): built on first need::

            sage: W = GradientFamily(lambda: R, lambda: [a * b], size=1, D=2); W
            Family of 1 gradient field on QQ^2 (its ring of variables not built)
            sage: W.components(), W
            ((a*b,), Family of 1 gradient field on QQ^2 (coordinates a, b))
            sage: GradientFamily(lambda: R, [a], D=2)
            Traceback (most recent call last):
            ...
            TypeError: a ring given lazily (with D) needs phis given lazily (a function)
        """
        if D is None:
            V = self._V = PolynomialVectorFields(ring)      # the components are converted into its ring
        else:       # the ring, a function of no argument: built on first need
            V, ring_of = (lambda: PolynomialVectorFields(ring_of())), ring
        lazy = dict(D=D, base_ring=QQ) if D is not None else {}
        self._what = what
        self.structured = structured
        if _is_lazy(phis):
            self._make, self._phis = phis, None
            self._terms = None if terms is None else int(terms)
            GeneratorFamily.__init__(self, V, 0 if size is None else size, positive, **lazy)
            self._size = None if size is None else int(size)
        else:
            if size is not None or terms is not None:
                raise TypeError("size and terms are given with phis given lazily (a function), not with a list")
            self._make, self._terms = None, None
            if D is not None:
                raise TypeError("a ring given lazily (with D) needs phis given lazily (a function)")
            self._phis = self._exact(phis)
            GeneratorFamily.__init__(self, V, len(self._phis), positive)

    def _exact(self, phis):
        r"""
        The components converted exactly into the ring, as a tuple.

        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<a,b> = QQ[]
            sage: GradientFamily(R, [a])._exact([1, a*b])
            (1, a*b)
        """
        ring = self.polynomial_ring()
        return tuple(to_exact_polynomial(f, ring, "phi_%s" % (j + 1)) for j, f in enumerate(phis))

    def __len__(self):
        r"""
        Return the number `d` of generators (forming lazy components only when
        their number was not announced).

        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<a,b> = QQ[]
            sage: W = GradientFamily(R, lambda: [a, b, a*b]); W.is_expanded()
            False
            sage: len(W), W.is_expanded()
            (3, True)
        """
        if self._size is None:
            self.components()
        return self._size

    def is_expanded(self):
        r"""
        Return whether the components `\phi_j` have been formed.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<a,b> = QQ[]
            sage: GradientFamily(R, [a*b]).is_expanded(), GradientFamily(R, lambda: [a*b], size=1).is_expanded()
            (True, False)
        """
        return self._phis is not None

    def symbolic_obstacle(self):
        r"""
        Return ``None`` when the components can be formed, else why not (a string).

        See :meth:`GeneratorFamily.symbolic_obstacle`.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<a,b> = QQ[]
            sage: GradientFamily(R, lambda: [a*b], size=1, terms=1).symbolic_obstacle() is None
            True
            sage: GradientFamily(R, lambda: [a*b], size=1, terms=10^7, what="phi of a big test").symbolic_obstacle()
            'phi of a big test has 10000000 terms once expanded, above the limit 1000000 of expanded terms (each costs about 4 kB and 25 us in Singular): its symbolic components and fields (components(), polynomial laws, the rigorous method, checking given laws) are not available'

        Fewer terms, but in a ring of many variables::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: net = ReLUNetwork([9, 100, 100, 9], bias=True); net.d, net.D
            (900909, 12009)
            sage: net.generators().symbolic_obstacle()
            'phi (the path products) of the ReLU network [9, 100, 100, 9] with biases has 900909 terms once expanded, of about 2D = 24018 bytes each in Singular: 21.6 GB, above the limit 4.3 GB of an expansion: its symbolic components and fields (components(), polynomial laws, the rigorous method, checking given laws) are not available; lie_trace() (the structured fast trace, certified by the known laws) works without them'
        """
        if self._phis is not None or self._terms is None:
            return None
        size = 2 * self.D * self._terms       # bytes: a dense exponent vector of 16 bits per variable per term
        if self._terms > MAX_COMPONENTS:
            why = ("%s has %s terms once expanded, above the limit %s of expanded terms (each costs about 4 kB "
                   "and 25 us in Singular)" % (self._what, self._terms, MAX_COMPONENTS))
        elif size > min(MAX_EXPANDED_BYTES, memory_budget()):
            # the limit, or the memory this process may take now if less (Singular halts the process
            # on an allocation it cannot make)
            why = ("%s has %s terms once expanded, of about 2D = %s bytes each in Singular: %.1f GB, above the "
                   "limit %.1f GB of an expansion" % (self._what, self._terms, 2 * self.D, size / 1e9,
                                                       min(MAX_EXPANDED_BYTES, memory_budget()) / 1e9))
        else:
            return None
        why += (": its symbolic components and fields (components(), polynomial laws, the rigorous method, "
                "checking given laws) are not available")
        if self.structured is not None:
            why += "; lie_trace() (the structured fast trace, certified by the known laws) works without them"
        return why

    def _kind(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: GradientFamily(QQ['x,y'], [1, 2])._kind()
            'gradient field'
        """
        return "gradient field"

    def law_scope(self):
        r"""
        ``'phi'``: the laws counted are those of `\phi`, conserved by the flow of
        every loss of `\phi(\theta)` (a network on given data may have more).

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: GradientFamily(QQ['x,y'], [1]).law_scope()
            'phi'
        """
        return 'phi'

    def components(self):
        r"""
        Return the polynomials `(\phi_1, \dots, \phi_d)`, formed on first need
        when given lazily (the one place where a lazy `\phi` is expanded).

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y]).components()
            (x*y,)
            sage: GradientFamily(R, lambda: [x*y]).components()
            (x*y,)
        """
        if self._phis is None:
            obstacle = self.symbolic_obstacle()
            if obstacle is not None:
                raise ValueError(obstacle)
            phis = self._exact(self._make())
            if self._size is not None and len(phis) != self._size:
                raise ValueError("%s has %s components, but %s were announced" % (self._what, len(phis), self._size))
            self._phis, self._size, self._make = phis, len(phis), None
        return self._phis

    @cached_method
    def field(self, j):
        r"""
        Return `\nabla\phi_j` (0-based ``j``), formed on first use.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y, x^2]).field(1)
            (2*x, 0)
        """
        return self.vector_fields().gradient(self.components()[j])

    @cached_method
    def _compiled(self, p):
        r"""
        The `\phi_j` compiled for evaluation modulo ``p`` (once per prime).

        TESTS::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y])._compiled(101).values([2, 3]).tolist()
            [6.0]
        """
        return PolynomialsModP(list(self.components()), self.D, p)

    def values(self, idx, x, p):
        r"""
        Return `\nabla\phi_j(x)` modulo ``p`` for ``j`` in ``idx`` (Jacobian rows of `\phi`).

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x*y, x^2]).values([1, 0], [2, 3], 101).tolist()
            [[4.0, 0.0], [3.0, 2.0]]
        """
        phis = self.components()
        return PolynomialsModP([phis[j] for j in idx], self.D, p).jacobian(x)

    def jacobians(self, idx, x, p):
        r"""
        Return the Hessians of `\phi_j` at ``x`` modulo ``p`` for ``j`` in ``idx``.

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: R.<x,y> = QQ[]
            sage: GradientFamily(R, [x^2*y]).jacobians([0], [1, 5], 101).tolist()
            [[[10.0, 2.0], [2.0, 0.0]]]
        """
        phis = self.components()
        return PolynomialsModP([phis[j] for j in idx], self.D, p).hessian(x)

    def compressed_values(self, x, p, count, seed):
        r"""
        Return the values of ``count`` random combinations of the gradients, from
        the sparse Jacobian of `\phi` (see :meth:`GeneratorFamily.compressed_values`).

        EXAMPLES::

            sage: from sage_conslaw.core.families import GradientFamily
            sage: from sage_conslaw.core.modular import rank_mod_p
            sage: R.<x,y> = QQ[]
            sage: W = GradientFamily(R, [x*y, 2*x*y, x + y])
            sage: rank_mod_p(W.compressed_values([1, 2], 101, 5, seed=1), 101)
            2
        """
        rows, cols, vals = self._compiled(p).jacobian_terms(x)
        return random_combinations(rows, cols, vals, len(self), self.D, count, p, seed)


def _is_lazy(phis):
    r"""
    Whether ``phis`` are given lazily: a function of no argument returning the
    components (a Python function, method or ``functools.partial``; Sage
    elements, which are callable too, are not).

    TESTS::

        sage: from sage_conslaw.core.families import _is_lazy
        sage: R.<u,v> = QQ[]
        sage: _is_lazy(lambda: [u]), _is_lazy([u]), _is_lazy(u*v), _is_lazy(vector([u, v]))
        (True, False, False, False)
    """
    return callable(phis) and not hasattr(phis, "parent")


def as_family(generators, what="lie_trace"):
    r"""
    Return ``generators`` as a :class:`GeneratorFamily`: a family is returned as
    it is, a list of vector fields becomes a :class:`FieldFamily`.

    This is the one place where the engine's entry points normalize their
    input, with a clear error for what is not a family of fields.

    INPUT:

    - ``generators`` -- a :class:`GeneratorFamily`, or a nonempty list of vector
      fields (elements of ``PolynomialVectorFields``, or lists of `D` polynomials)
    - ``what`` -- the caller, for the messages

    EXAMPLES::

        sage: from sage_conslaw.core.families import as_family
        sage: R.<u,v> = QQ[]
        sage: as_family([[v, u]])
        Family of 1 vector field on QQ^2 (coordinates u, v)
        sage: as_family([u*v])
        Traceback (most recent call last):
        ...
        TypeError: lie_trace takes vector fields (lists of D polynomials), got the polynomial u*v; for the gradients of polynomials phi use GradientFamily(ring, phis) or Reparametrization(phis)
        sage: as_family([])
        Traceback (most recent call last):
        ...
        ValueError: lie_trace needs at least one vector field
        sage: as_family(u*v)
        Traceback (most recent call last):
        ...
        TypeError: lie_trace takes a list of vector fields or a GeneratorFamily, got u*v
    """
    if isinstance(generators, GeneratorFamily):
        return generators
    if hasattr(generators, "generators") and callable(generators.generators):
        fam = generators.generators()   # a model: its own family
        if isinstance(fam, GeneratorFamily):
            return fam
    if not isinstance(generators, (list, tuple)):
        raise TypeError("%s takes a list of vector fields or a GeneratorFamily, got %s" % (what, generators))
    fields = list(generators)
    if not fields:
        raise ValueError("%s needs at least one vector field" % what)
    for X in fields:
        if not _is_field_like(X):
            raise TypeError("%s takes vector fields (lists of D polynomials), got the polynomial %s; for the "
                            "gradients of polynomials phi use GradientFamily(ring, phis) or "
                            "Reparametrization(phis)" % (what, X))
    return FieldFamily(fields)


def _is_field_like(X):
    r"""
    Whether ``X`` can be read as one vector field: a field, a list or tuple, or a vector.

    TESTS::

        sage: from sage_conslaw.core.families import _is_field_like
        sage: R.<u,v> = QQ[]
        sage: _is_field_like([u, v]), _is_field_like(vector([u, v])), _is_field_like(u*v)
        (True, True, False)
    """
    return isinstance(X, (PolynomialVectorField, list, tuple, Vector))
