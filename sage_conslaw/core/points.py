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
import re
from fractions import Fraction
from numbers import Integral

from sage.arith.misc import binomial
from sage.misc.lazy_import import lazy_import
from sage.modules.free_module_element import vector
from sage.rings.integer import Integer
from sage.rings.integer_ring import ZZ
from sage.rings.number_field.number_field_base import NumberField
from sage.rings.rational_field import QQ
from sage.rings.real_double import RDF
from sage.rings.real_lazy import RLF

from sage_conslaw.core import thresholds
from sage_conslaw.core.checks import nonnegative_integer, positive_integer

# only a number field embedded in AA or in a RealField needs these (qqbar alone takes ~0.1 s to import)
lazy_import("sage.rings.qqbar", "AlgebraicRealField")
lazy_import("sage.rings.real_mpfr", "RealField_class")

#: Default half-width of the box from which random integer points are drawn.
#: The Schwartz--Zippel bound for a polynomial of degree `\delta` is
#: `\delta / (2B + 1)`.
DEFAULT_SAMPLING_BOUND = 2 ** 30


def _has_real_embedding(K):
    r"""
    Whether the number field ``K`` comes with an embedding into the real numbers.

    TESTS::

        sage: from sage_conslaw.core.points import _has_real_embedding
        sage: x = polygen(QQ)
        sage: _has_real_embedding(QuadraticField(2)), _has_real_embedding(QuadraticField(-1))
        (True, False)
        sage: _has_real_embedding(NumberField(x^3 - 2, 'c'))
        False
        sage: _has_real_embedding(NumberField(x^3 - 2, 'c', embedding=RR(1.26)))
        True
    """
    emb = K.coerce_embedding()
    if emb is None:
        return False
    codomain = emb.codomain()
    return codomain is RLF or codomain is RDF or isinstance(codomain, (AlgebraicRealField, RealField_class))


def check_exact_field(K, what):
    r"""
    Raise a ``TypeError`` unless ``K`` is a field where the theory holds:
    ``QQ`` (or ``ZZ``), or a number field with a real embedding.

    The theory (Theorem 3.3, Frobenius, the counts of laws) is about real
    flows `\dot\theta = -\nabla f(\theta)`: the coefficients must lie in a
    subfield of `\RR` that the engine computes in exactly.  So ``QQ``, and a
    number field given with a real embedding (``QuadraticField(2)``,
    ``NumberField(x^3 - 2, 'c', embedding=RR(1.26))``), are accepted.
    Everything else is refused, deliberately:

    - inexact rings (``RR``, ``RDF``): a rank computed in floating point is no proof;
    - positive characteristic (``GF(p)``): the gradient of `x^p` vanishes
      there, so the counts and the laws are wrong, and random points come
      from `p` values only;
    - fields that are not real (``QuadraticField(-1)``, cyclotomic fields,
      ``QQbar``), or number fields without a chosen real embedding: over
      `\QQ(i)`, `u + i v` would be "a law of itself".

    INPUT:

    - ``K`` -- a ring
    - ``what`` -- a short description used in the message

    EXAMPLES::

        sage: from sage_conslaw.core.points import check_exact_field
        sage: check_exact_field(QQ, "phi")
        sage: check_exact_field(QuadraticField(2), "phi")
        sage: check_exact_field(RDF, "phi")
        Traceback (most recent call last):
        ...
        TypeError: phi has inexact coefficients (Real Double Field); build it over QQ instead, e.g. PolynomialRing(QQ, names)
        sage: check_exact_field(GF(5), "phi")
        Traceback (most recent call last):
        ...
        TypeError: phi has coefficients in Finite Field of size 5, of characteristic 5: conservation laws are about real flows (in characteristic p the gradient of x^p vanishes); use QQ
        sage: check_exact_field(QuadraticField(-1), "phi")
        Traceback (most recent call last):
        ...
        TypeError: phi has coefficients in Number Field in a with defining polynomial x^2 + 1 with a = 1*I, which is not embedded in the real numbers: conservation laws are about real flows; use QQ, or a number field with a real embedding such as QuadraticField(2) or NumberField(x^3 - 2, 'c', embedding=RR(1.26))
        sage: check_exact_field(ZZ['t'], "phi")
        Traceback (most recent call last):
        ...
        TypeError: phi has coefficients in Univariate Polynomial Ring in t over Integer Ring, which is not a field; use QQ
    """
    if not K.is_exact():
        raise TypeError("%s has inexact coefficients (%s); build it over QQ instead, "
                        "e.g. PolynomialRing(QQ, names)" % (what, K))
    if K is QQ or K is ZZ:
        return
    if K.characteristic() != 0:
        raise TypeError("%s has coefficients in %s, of characteristic %s: conservation laws are about "
                        "real flows (in characteristic p the gradient of x^p vanishes); use QQ"
                        % (what, K, K.characteristic()))
    if not K.is_field():
        raise TypeError("%s has coefficients in %s, which is not a field; use QQ" % (what, K))
    if not (isinstance(K, NumberField) and _has_real_embedding(K)):
        raise TypeError("%s has coefficients in %s, which is not embedded in the real numbers: "
                        "conservation laws are about real flows; use QQ, or a number field with a real "
                        "embedding such as QuadraticField(2) or NumberField(x^3 - 2, 'c', embedding=RR(1.26))"
                        % (what, K))


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

    A string is parsed (:func:`parse_polynomial`), never evaluated::

        sage: to_exact_polynomial("x^2 - 1/2*y", R, "h")
        x^2 - 1/2*y
        sage: to_exact_polynomial("__import__('os').system('id')", R, "h")
        Traceback (most recent call last):
        ...
        ValueError: h "__import__('os').system('id')" is not a polynomial in x, y: unexpected character "'" at position 11 (...)

    Values of positive characteristic are refused, not converted::

        sage: F.<x,y> = GF(7)[]
        sage: to_exact_polynomial(x^2 - y^2, R, "h")
        Traceback (most recent call last):
        ...
        TypeError: h x^2 - y^2 has coefficients in Finite Field of size 7, of characteristic 7: conservation laws are about real flows; give it over QQ
        sage: to_exact_polynomial(GF(7)(3), R, "h")
        Traceback (most recent call last):
        ...
        TypeError: h 3 has coefficients in Finite Field of size 7, of characteristic 7: ...
        sage: to_exact_polynomial(b"x", R, "h")
        Traceback (most recent call last):
        ...
        TypeError: h b'x' is bytes; give a polynomial or a string
    """
    if f is None:
        raise TypeError("%s is None, not a polynomial" % what)
    if isinstance(f, str):
        # never ring(f): Sage converts a string by evaluating it as Python code
        return parse_polynomial(f, ring, what)
    if isinstance(f, (bytes, bytearray)):
        raise TypeError("%s %r is bytes; give a polynomial or a string" % (what, f))
    if isinstance(f, float):
        raise TypeError("%s %r is a float; use an exact number such as QQ(%r)" % (what, f, f))
    parent = getattr(f, "parent", None)
    if parent is not None:
        P = f.parent()
        base = getattr(P, "base_ring", None)
        if base is not None and hasattr(P.base_ring(), "is_exact") and not P.base_ring().is_exact():
            raise TypeError("%s %s has inexact coefficients (%s); convert it first, e.g. with "
                            "f.change_ring(QQ) or by writing 1/2 instead of 0.5" % (what, f, P.base_ring()))
        if base is not None and callable(getattr(P.base_ring(), "characteristic", None)) \
                and P.base_ring().characteristic() != 0:
            # GF(7)(3) converts to 3 in QQ: the copy of a law modulo 7 is another polynomial
            raise TypeError("%s %s has coefficients in %s, of characteristic %s: conservation laws are about "
                            "real flows; give it over QQ" % (what, f, P.base_ring(), P.base_ring().characteristic()))
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


#: The tokens of a polynomial written as a string: integers, names, operators
#: and parentheses (anything else is refused by :func:`parse_polynomial`).
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/^()]))")

#: What a string may contain, for the messages.
_ALLOWED = "a string may use the variables, integers, + - * / ^ ** and parentheses"


def parse_polynomial(text, ring, what="polynomial"):
    r"""
    Parse ``text`` as a polynomial of ``ring``, without evaluating anything.

    Sage converts a string into a polynomial by evaluating it as Python code
    (``ring("__import__('os').system('id')")`` runs ``id``), so the package never
    passes a user's string to ``ring``: this small recursive-descent parser
    accepts only the ring's variable names, integers, ``+ - * / ^ **`` and
    parentheses; division only by a nonzero constant; exponents integers up to
    :data:`~sage_conslaw.core.thresholds.MAX_PARSED_EXPONENT` (negative ones for
    constants only).  The sizes of products and powers are checked before they
    are formed (at most :data:`~sage_conslaw.core.thresholds.MAX_COMPONENTS`
    terms).

    INPUT:

    - ``text`` -- a string
    - ``ring`` -- a polynomial ring
    - ``what`` -- what ``text`` is, for the messages

    OUTPUT: an element of ``ring``; a ``ValueError`` naming the problem otherwise

    EXAMPLES::

        sage: from sage_conslaw.core.points import parse_polynomial
        sage: R.<x,y> = QQ[]
        sage: parse_polynomial("x^2 - 3/4*y**2 + (x + y)*2", R)
        x^2 - 3/4*y^2 + 2*x + 2*y
        sage: parse_polynomial("-(x - y)^2 / 2 + 2^-1", R)
        -1/2*x^2 + x*y - 1/2*y^2 + 1/2
        sage: parse_polynomial("7", R).parent() is R
        True

    Everything else is refused, before anything is run or allocated::

        sage: parse_polynomial("__import__('os').system('id')", R, "the law")
        Traceback (most recent call last):
        ...
        ValueError: the law "__import__('os').system('id')" is not a polynomial in x, y: unexpected character "'" at position 11 (a string may use the variables, integers, + - * / ^ ** and parentheses)
        sage: parse_polynomial("__import__(x)", R, "the law")
        Traceback (most recent call last):
        ...
        ValueError: the law '__import__(x)' is not a polynomial in x, y: '__import__' is not a variable of the ring (a string may use the variables, integers, + - * / ^ ** and parentheses)
        sage: parse_polynomial("x.__class__", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial 'x.__class__' is not a polynomial in x, y: unexpected character '.' at position 1 (a string may use ...)
        sage: parse_polynomial("1.5*x", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial '1.5*x' is not a polynomial in x, y: unexpected character '.' at position 1 (...)
        sage: parse_polynomial("x/y", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial 'x/y' is not a polynomial in x, y: division by y, which is not a nonzero constant
        sage: parse_polynomial("10^10^10", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial '10^10^10' is not a polynomial in x, y: the exponent 10000000000 is above 1000 (MAX_PARSED_EXPONENT)
        sage: parse_polynomial("(x^2 + y)^600", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial '(x^2 + y)^600' is not a polynomial in x, y: the power would have up to 601 terms of degree 1200 > 1000 ...
        sage: parse_polynomial("x^-1", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial 'x^-1' is not a polynomial in x, y: the negative exponent -1 of x, which is not a nonzero constant
        sage: parse_polynomial("(x + y", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial '(x + y' is not a polynomial in x, y: ')' expected at the end
        sage: parse_polynomial("x y", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial 'x y' is not a polynomial in x, y: unexpected 'y' after a complete expression
        sage: parse_polynomial("", R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial '' is not a polynomial in x, y: it is empty
        sage: parse_polynomial("(" * 10^5 + "x" + ")" * 10^5, R)
        Traceback (most recent call last):
        ...
        ValueError: polynomial '((((...'... (200001 characters) is not a polynomial in x, y: it is nested too deeply
    """
    if len(text) > thresholds.MAX_PARSED_LENGTH:
        raise ValueError("%s is a string of %s characters, above %s (MAX_PARSED_LENGTH)"
                         % (what, len(text), thresholds.MAX_PARSED_LENGTH))
    names = ring.variable_names()

    shown = repr(text) if len(text) <= 80 else repr(text[:60]) + "... (%s characters)" % len(text)
    variables = ", ".join(names) if len(names) <= 8 else "%s, ... (%s variables)" % (", ".join(names[:8]), len(names))

    def fail(why):
        raise ValueError("%s %s is not a polynomial in %s: %s" % (what, shown, variables, why))

    tokens = _tokenize(text, fail)
    if not tokens:
        fail("it is empty")
    gens = dict(zip(names, ring.gens()))
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def expression():
        value = term()
        while peek() in ('+', '-'):
            value = value + term() if take() == '+' else value - term()
        return value

    def term():
        value = unary()
        while peek() in ('*', '/'):
            if take() == '*':
                right = unary()
                if len(value.monomials()) * len(right.monomials()) > thresholds.MAX_COMPONENTS:
                    fail("a product would have more than %s terms (MAX_COMPONENTS)" % thresholds.MAX_COMPONENTS)
                value = value * right
            else:
                right = unary()
                if not right.is_constant() or right == 0:
                    fail("division by %s, which is not a nonzero constant" % right)
                value = value * ~ring.base_ring()(right.constant_coefficient())
        return value

    def unary():
        if peek() in ('+', '-'):
            return unary() if take() == '+' else -unary()
        return power()

    def power():
        base = atom()
        if peek() in ('^', '**'):
            take()
            exponent = unary()          # right-associative: 2^3^2 = 2^9
            if not exponent.is_constant() or exponent.constant_coefficient() not in ZZ:
                fail("the exponent %s is not an integer" % exponent)
            e = ZZ(exponent.constant_coefficient())
            if abs(e) > thresholds.MAX_PARSED_EXPONENT:
                fail("the exponent %s is above %s (MAX_PARSED_EXPONENT)" % (e, thresholds.MAX_PARSED_EXPONENT))
            if base.is_constant():
                c = base.constant_coefficient()
                if e < 0 and c == 0:
                    fail("0 to the negative power %s" % e)
                return ring(c ** e)
            if e < 0:
                fail("the negative exponent %s of %s, which is not a nonzero constant" % (e, base))
            t, d = len(base.monomials()), base.total_degree() * e
            terms = binomial(t + e - 1, e)
            if terms > thresholds.MAX_COMPONENTS or d > thresholds.MAX_PARSED_EXPONENT:
                fail("the power would have up to %s terms of degree %s > %s (MAX_COMPONENTS terms and "
                     "MAX_PARSED_EXPONENT degree at most)" % (terms, d, thresholds.MAX_PARSED_EXPONENT))
            return base ** e
        return base

    def atom():
        tok = peek()
        if tok is None:
            fail("it ends too early")
        take()
        if tok == '(':
            value = expression()
            if peek() != ')':
                fail("')' expected %s" % ("at the end" if peek() is None else "before %r" % peek()))
            take()
            return value
        if tok[0].isdigit():
            return ring(ZZ(tok))
        if tok in gens:
            return gens[tok]
        if tok[0].isalpha() or tok[0] == '_':
            fail("%r is not a variable of the ring (%s)" % (tok, _ALLOWED))
        fail("unexpected %r" % tok)

    try:
        value = expression()
    except RecursionError:
        value = None
    if value is None:
        fail("it is nested too deeply")
    if peek() is not None:
        fail("unexpected %r after a complete expression" % peek())
    return value


def _tokenize(text, fail):
    r"""
    The tokens of ``text`` (integers, names, operators, parentheses); ``fail``
    is called with the reason at the first other character.

    TESTS::

        sage: from sage_conslaw.core.points import _tokenize
        sage: _tokenize(" x1**2 - 3*(y)", None)
        ['x1', '**', '2', '-', '3', '*', '(', 'y', ')']
        sage: def fail(why): raise ValueError(why)
        sage: _tokenize("x; y", fail)
        Traceback (most recent call last):
        ...
        ValueError: unexpected character ';' at position 1 (a string may use the variables, integers, + - * / ^ ** and parentheses)
    """
    tokens, i = [], 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if m is None or m.end() == i:
            j = i
            while text[j].isspace():
                j += 1
            fail("unexpected character %r at position %s (%s)" % (text[j], j, _ALLOWED))
        tokens.append(m.group(m.lastindex))
        i = m.end()
    return tokens


def _exact_number(x, K):
    """
    Convert one coordinate into ``K`` exactly, refusing floats.

    TESTS::

        sage: from sage_conslaw.core.points import _exact_number
        sage: _exact_number(int(3), QQ), _exact_number(1/2, QQ)
        (3, 1/2)
        sage: _exact_number(True, QQ)
        Traceback (most recent call last):
        ...
        TypeError: the point has a boolean entry True; use numbers
        sage: _exact_number(1/2, ZZ)
        Traceback (most recent call last):
        ...
        TypeError: the point has an entry 1/2 that is not an exact element of Integer Ring
        sage: _exact_number(GF(7)(6), QQ)
        Traceback (most recent call last):
        ...
        TypeError: the point has an entry 6 of Finite Field of size 7, a ring of characteristic 7: the flows live in real space; give integers or rationals
    """
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
        if hasattr(P, "characteristic") and callable(P.characteristic) and P.characteristic() != 0:
            raise TypeError("the point has an entry %s of %s, a ring of characteristic %s: the flows live in "
                            "real space; give integers or rationals" % (x, P, P.characteristic()))
    try:
        return K(x)
    except (TypeError, ValueError, ArithmeticError):
        raise TypeError("the point has an entry %r that is not an exact element of %s" % (x, K)) from None


def _is_index(key):
    """
    Whether ``key`` is an integer coordinate index (Python or Sage integer, not a boolean).

    TESTS::

        sage: from sage_conslaw.core.points import _is_index
        sage: _is_index(int(2)), _is_index(ZZ(2)), _is_index(True), _is_index(1/2), _is_index('u')
        (True, True, False, False, False)
    """
    if isinstance(key, bool):
        return False
    if isinstance(key, Integral):
        return True
    parent = getattr(key, "parent", None)
    return callable(parent) and key.parent() is ZZ


def _variable_name(key):
    """
    Return the name of a variable given as a string or as a generator of a
    polynomial ring, or ``None`` if ``key`` is neither.

    TESTS::

        sage: from sage_conslaw.core.points import _variable_name
        sage: R.<u,v> = QQ[]
        sage: _variable_name(u), _variable_name('v'), _variable_name(u*v), _variable_name(2)
        ('u', 'v', None, None)
    """
    if isinstance(key, str):
        return key
    is_gen = getattr(key, "is_gen", None)
    if callable(is_gen) and hasattr(key, "variables"):
        try:
            if key.is_gen():
                return str(key)
        except (TypeError, ValueError, AttributeError):   # pragma: no cover
            return None
    return None


def _dict_point(point, D, names):
    r"""
    Return the list of coordinates of a point given as a dict.

    Integer keys are coordinate indices, and the missing ones are 0 (the
    explicit sparse form).  Keys that are variables (or their names) must
    name every variable of the ring: a partial dict by names is refused
    rather than completed by zeros, since a forgotten variable set to 0 is a
    special point, not the one meant.

    TESTS::

        sage: from sage_conslaw.core.points import _dict_point
        sage: R.<u,v> = QQ[]
        sage: _dict_point({1: 5}, 2, None)
        [0, 5]
        sage: _dict_point({v: 2, 'u': 1}, 2, ('u', 'v'))
        [1, 2]
        sage: _dict_point({'u': 1}, 2, ('u', 'v'))
        Traceback (most recent call last):
        ...
        ValueError: the point gives no value to the variable v; a point keyed by variables must give all of u, v
        sage: _dict_point({'w': 1, 'u': 1, 'v': 0}, 2, ('u', 'v'))
        Traceback (most recent call last):
        ...
        ValueError: the point gives a value to w, which is not a variable among u, v
        sage: _dict_point({'u': 1, 'v': 2}, 2, None)
        Traceback (most recent call last):
        ...
        TypeError: a point keyed by variable names needs the polynomial ring to read them (pass ring=)
        sage: _dict_point({1/2: 2}, 2, None)
        Traceback (most recent call last):
        ...
        TypeError: the point has a key 1/2 that is neither a coordinate index (an integer) nor a variable
        sage: _dict_point({0: 1, 'v': 2}, 2, ('u', 'v'))
        Traceback (most recent call last):
        ...
        TypeError: the point mixes coordinate indices and variables as keys; use one kind
        sage: _dict_point({u: 1, 'u': 2, v: 0}, 2, ('u', 'v'))
        Traceback (most recent call last):
        ...
        ValueError: the point gives the variable u twice
    """
    by_index, by_name = {}, {}
    for key, x in point.items():
        if _is_index(key):
            by_index[int(key)] = x
            continue
        name = _variable_name(key)
        if name is None:
            raise TypeError("the point has a key %r that is neither a coordinate index (an integer) "
                            "nor a variable" % (key,))
        if name in by_name:
            raise ValueError("the point gives the variable %s twice" % name)
        by_name[name] = x
    if by_index and by_name:
        raise TypeError("the point mixes coordinate indices and variables as keys; use one kind")
    full = [0] * D
    if by_name:
        if names is None:
            raise TypeError("a point keyed by variable names needs the polynomial ring to read them "
                            "(pass ring=)")
        names = list(names)
        unknown = [n for n in by_name if n not in names]
        if unknown:
            raise ValueError("the point gives a value to %s, which %s not a variable among %s"
                             % (", ".join(unknown), "is" if len(unknown) == 1 else "are", ", ".join(names)))
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ValueError("the point gives no value to the variable%s %s; a point keyed by variables "
                             "must give all of %s" % ("" if len(missing) == 1 else "s", ", ".join(missing),
                                                      ", ".join(names)))
        return [by_name[n] for n in names]
    for i, x in by_index.items():
        if not 0 <= i < D:
            raise ValueError("the point has a coordinate index %s outside 0..%s" % (i, D - 1))
        full[i] = x
    return full


def as_exact_point(point, D, K=QQ, ring=None):
    r"""
    Return ``point`` as a vector of `D` exact elements of ``K``.

    INPUT:

    - ``point`` -- one of

      - a list, tuple or vector of `D` numbers (integers, rationals,
        :class:`fractions.Fraction`, elements of ``K``);
      - a dict keyed by the variables of ``ring`` or by their names
        (``{u: 1, v: 2}``, ``{'u': 1, 'v': 2}``), which must give every
        variable (a missing one is an error, not a zero);
      - a dict ``{index: value}`` of integer coordinate indices, the
        missing coordinates being 0 (the sparse form)

    - ``D`` -- the expected length
    - ``K`` -- the field of the coordinates (default ``QQ``)
    - ``ring`` -- the polynomial ring whose variables key a dict (default:
      the ring of the variables used as keys; needed for keys given by name)

    OUTPUT: an immutable vector over ``K``

    EXAMPLES::

        sage: from sage_conslaw.core.points import as_exact_point
        sage: from fractions import Fraction
        sage: as_exact_point((Fraction(int(1), int(3)), 2), 2)
        (1/3, 2)
        sage: R.<u,v> = QQ[]
        sage: as_exact_point({u: 1, v: 2}, 2), as_exact_point({'v': 2, 'u': 1}, 2, ring=R)
        ((1, 2), (1, 2))
        sage: as_exact_point({1: 5}, 2)
        (0, 5)
        sage: as_exact_point({'u': 1}, 2, ring=R)
        Traceback (most recent call last):
        ...
        ValueError: the point gives no value to the variable v; a point keyed by variables must give all of u, v
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
        sage: as_exact_point("12", 2)
        Traceback (most recent call last):
        ...
        TypeError: a point must be a list, tuple or vector of 2 exact numbers, got the string '12'
    """
    if isinstance(point, (str, bytes)):
        raise TypeError("a point must be a list, tuple or vector of %s exact numbers, got the string %r"
                        % (D, point))
    if isinstance(point, dict):
        names = None
        if ring is not None:
            names = ring.variable_names()
        else:
            # the ring of the variables used as keys, if they are variables
            parents = {k.parent() for k in point if _variable_name(k) is not None and not isinstance(k, str)}
            if len(parents) == 1:
                names = parents.pop().variable_names()
        if names is not None and len(names) != D:
            raise ValueError("the point is keyed by the %s variables of %s, but the parametrization has "
                             "D = %s parameters" % (len(names), ring, D))
        point = _dict_point(point, D, names)
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
    - ``seed`` -- a nonnegative integer, the seed of a private
      :class:`random.Random` (default ``0``)
    - ``bound`` -- the half-width `B` of the box (default `2^{30}`)
    - ``K`` -- the field of the coordinates

    EXAMPLES::

        sage: from sage_conslaw.core.points import random_point
        sage: p = random_point(4, seed=3, bound=10); p
        (-3, 8, 7, -6)
        sage: p == random_point(4, seed=3, bound=10)
        True
        sage: random_point(4, seed=1.5)
        Traceback (most recent call last):
        ...
        TypeError: the seed must be an integer, got 1.50000000000000 (RealLiteral)
        sage: random_point(4, seed=-1)
        Traceback (most recent call last):
        ...
        ValueError: the seed must be an integer >= 0, got -1
    """
    seed = nonnegative_integer(seed, "the seed")
    D = nonnegative_integer(D, "the dimension")
    bound = positive_integer(bound, "the bound of the sampling box")
    rng = random.Random(seed)
    v = vector(K, [Integer(rng.randint(-bound, bound)) for _ in range(D)])
    v.set_immutable()
    return v
