r"""
Exact inputs: fields, polynomials and points, checked with clear messages.

Everything the engine claims is exact, so inexact numbers (Python floats,
``RR``, ``RDF``) are refused at the door with a message saying how to
convert, rather than silently rounded.

EXAMPLES::

    sage: from sage_conslaw.core.points import as_exact_point, random_point
    sage: as_exact_point([1, 1/2, 3], 3)
    (1, 1/2, 3)
    sage: as_exact_point([1, 2], 3)
    Traceback (most recent call last):
    ...
    ValueError: the point has 2 coordinates, but the parametrization has D = 3 parameters
    sage: random_point(3, seed=1) == random_point(3, seed=1)
    True
"""
import random
from fractions import Fraction

from sage.rings.integer import Integer
from sage.rings.rational_field import QQ

#: Default half-width of the box from which random integer points are drawn.
#: The Schwartz--Zippel bound for a polynomial of degree `\delta` is
#: `\delta / (2B + 1)`.
DEFAULT_SAMPLING_BOUND = 2 ** 30


def check_exact_field(K, what):
    r"""
    Raise a ``TypeError`` unless ``K`` is an exact field (or ``ZZ``).

    INPUT:

    - ``K`` -- a ring
    - ``what`` -- a short description used in the message

    EXAMPLES::

        sage: from sage_conslaw.core.points import check_exact_field
        sage: check_exact_field(QQ, "phi")
        sage: check_exact_field(RDF, "phi")
        Traceback (most recent call last):
        ...
        TypeError: phi has inexact coefficients (Real Double Field); build it over QQ instead, e.g. PolynomialRing(QQ, names)
    """
    if not K.is_exact():
        raise TypeError("%s has inexact coefficients (%s); build it over QQ instead, "
                        "e.g. PolynomialRing(QQ, names)" % (what, K))
    if not (K.is_field() or K is QQ.ring_of_integers()):
        raise TypeError("%s has coefficients in %s, which is not a field; use QQ" % (what, K))


def to_exact_polynomial(f, ring, what="polynomial"):
    r"""
    Convert ``f`` into an element of ``ring`` exactly, or raise a clear ``TypeError``.

    INPUT:

    - ``f`` -- a polynomial, a number, or anything ``ring`` converts exactly
    - ``ring`` -- the target polynomial ring
    - ``what`` -- what ``f`` is, for the message

    EXAMPLES::

        sage: from sage_conslaw.core.points import to_exact_polynomial
        sage: R.<x,y> = QQ[]
        sage: to_exact_polynomial(3, R)
        3
        sage: to_exact_polynomial(x/y, R, "phi_1")
        Traceback (most recent call last):
        ...
        TypeError: phi_1 x/y is not a polynomial with exact coefficients in Multivariate Polynomial Ring in x, y over Rational Field
        sage: S.<x,y> = RR[]
        sage: to_exact_polynomial(0.5*x, R, "phi_1")
        Traceback (most recent call last):
        ...
        TypeError: phi_1 0.500000000000000*x has inexact coefficients (Real Field with 53 bits of precision); convert it first, e.g. with f.change_ring(QQ) or by writing 1/2 instead of 0.5
        sage: T.<a,b> = QQ[]
        sage: to_exact_polynomial(a*b, R, "phi_1")
        Traceback (most recent call last):
        ...
        TypeError: phi_1 a*b lives in Multivariate Polynomial Ring in a, b over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in x, y over Rational Field
        sage: to_exact_polynomial(None, R, "h")
        Traceback (most recent call last):
        ...
        TypeError: h is None, not a polynomial
    """
    if f is None:
        raise TypeError("%s is None, not a polynomial" % what)
    if isinstance(f, float):
        raise TypeError("%s %r is a float; use an exact number such as QQ(%r)" % (what, f, f))
    parent = getattr(f, "parent", None)
    if parent is not None:
        P = f.parent()
        base = getattr(P, "base_ring", None)
        if base is not None and hasattr(P.base_ring(), "is_exact") and not P.base_ring().is_exact():
            raise TypeError("%s %s has inexact coefficients (%s); convert it first, e.g. with "
                            "f.change_ring(QQ) or by writing 1/2 instead of 0.5" % (what, f, P.base_ring()))
        # Sage would convert between rings with other variable names by position:
        # a polynomial in other variables is a mistake, not a conversion.
        names = getattr(P, "variable_names", None)
        if P is not ring and callable(names) and hasattr(P, "gens") and P not in (QQ, QQ.ring_of_integers()) \
                and not set(P.variable_names()) <= set(ring.variable_names()):
            raise TypeError("%s %s lives in %s, whose variables are not among those of the ring %s"
                            % (what, f, P, ring))
    try:
        return ring(f)
    except (TypeError, ValueError, ArithmeticError, NotImplementedError):
        raise TypeError("%s %s is not a polynomial with exact coefficients in %s" % (what, f, ring)) from None


def _exact_number(x, K):
    """Convert one coordinate into ``K`` exactly, refusing floats."""
    if isinstance(x, bool):
        raise TypeError("the point has a boolean entry %r; use numbers" % (x,))
    if x is None:
        raise TypeError("the point has an entry None; use numbers")
    if isinstance(x, Fraction):
        x = QQ((x.numerator, x.denominator))
    if isinstance(x, float):
        raise TypeError("the point has a float entry %r; use exact numbers, e.g. QQ(%r) "
                        "or a fraction such as 3/2" % (x, x))
    parent = getattr(x, "parent", None)
    if parent is not None and callable(parent):
        P = x.parent()
        if hasattr(P, "is_exact") and not P.is_exact():
            raise TypeError("the point has an inexact entry %s (%s); use exact numbers, e.g. "
                            "QQ(3/2) or the integer 3, not floats" % (x, P))
    try:
        return K(x)
    except (TypeError, ValueError, ArithmeticError):
        raise TypeError("the point has an entry %r that is not an exact element of %s" % (x, K)) from None


def as_exact_point(point, D, K=QQ):
    r"""
    Return ``point`` as a vector of `D` exact elements of ``K``.

    INPUT:

    - ``point`` -- a list, tuple or vector of numbers (integers, rationals,
      :class:`fractions.Fraction`, elements of ``K``), or a dict
      ``{index: value}`` completed by zeros
    - ``D`` -- the expected length
    - ``K`` -- the field of the coordinates (default ``QQ``)

    OUTPUT: an immutable vector over ``K``

    EXAMPLES::

        sage: from sage_conslaw.core.points import as_exact_point
        sage: from fractions import Fraction
        sage: as_exact_point((Fraction(int(1), int(3)), 2), 2)
        (1/3, 2)
        sage: as_exact_point([0.5, 1], 2)
        Traceback (most recent call last):
        ...
        TypeError: the point has an inexact entry 0.500000000000000 (Real Field with 53 bits of precision); use exact numbers, e.g. QQ(3/2) or the integer 3, not floats
        sage: as_exact_point([float(0.5), 1], 2)
        Traceback (most recent call last):
        ...
        TypeError: the point has a float entry 0.5; use exact numbers, e.g. QQ(0.5) or a fraction such as 3/2
        sage: as_exact_point(7, 2)
        Traceback (most recent call last):
        ...
        TypeError: a point must be a list, tuple or vector of 2 exact numbers, got 7
    """
    from sage.modules.free_module_element import vector
    if isinstance(point, dict):
        full = [0] * D
        for i, x in point.items():
            if not 0 <= int(i) < D:
                raise ValueError("the point has a coordinate index %s outside 0..%s" % (i, D - 1))
            full[int(i)] = x
        point = full
    try:
        entries = list(point)
    except TypeError:
        raise TypeError("a point must be a list, tuple or vector of %s exact numbers, got %r"
                        % (D, point)) from None
    if len(entries) != D:
        raise ValueError("the point has %s coordinates, but the parametrization has D = %s parameters"
                         % (len(entries), D))
    v = vector(K, [_exact_number(x, K) for x in entries])
    v.set_immutable()
    return v


def random_point(D, seed=0, bound=DEFAULT_SAMPLING_BOUND, K=QQ):
    r"""
    Return a reproducible random point of `K^D` with integer coordinates in
    `[-B, B]`.

    Integer points keep the exact arithmetic cheap; the box size enters the
    Schwartz--Zippel bound reported by the trace computations.

    INPUT:

    - ``D`` -- the dimension
    - ``seed`` -- seed of a private :class:`random.Random` (default ``0``)
    - ``bound`` -- the half-width `B` of the box (default `2^{30}`)
    - ``K`` -- the field of the coordinates

    EXAMPLES::

        sage: from sage_conslaw.core.points import random_point
        sage: p = random_point(4, seed=3, bound=10); p
        (-3, 8, 7, -6)
        sage: p == random_point(4, seed=3, bound=10)
        True
    """
    from sage.modules.free_module_element import vector
    rng = random.Random(int(seed))
    v = vector(K, [Integer(rng.randint(-bound, bound)) for _ in range(D)])
    v.set_immutable()
    return v
