r"""
Checks of plain arguments, shared by the whole package: one helper per kind
of argument, each raising a clear ``TypeError`` or ``ValueError`` that names
the argument, never converting a wrong value silently (``True`` is not the
width 1, ``'no'`` is not ``False``, ``1.5`` is not the seed 1).

EXAMPLES::

    sage: from sage_conslaw.core.checks import positive_integer, boolean
    sage: positive_integer(3, "a width")
    3
    sage: boolean(False, "bias")
    False
"""
import math
from fractions import Fraction
from numbers import Integral

import numpy as np

from sage.arith.misc import is_prime
from sage.rings.integer_ring import ZZ
from sage.rings.rational_field import QQ

from sage_conslaw.core.thresholds import MAX_VARIABLES


def _integer(x, what):
    """Return ``x`` as a Python int, or raise TypeError (bool, float, str, None are refused).

    TESTS::

        sage: from sage_conslaw.core.checks import _integer
        sage: _integer(ZZ(4), "n"), _integer(int(4), "n")
        (4, 4)
        sage: _integer(True, "n")
        Traceback (most recent call last):
        ...
        TypeError: n must be an integer, got True (bool)
        sage: _integer(QQ(3), "n")
        3
        sage: _integer(1.5, "n")
        Traceback (most recent call last):
        ...
        TypeError: n must be an integer, got 1.50000000000000 (RealLiteral)
    """
    if isinstance(x, bool) or x is None or isinstance(x, (float, str, bytes)):
        raise TypeError("%s must be an integer, got %r (%s)" % (what, x, type(x).__name__))
    if isinstance(x, Integral):
        return int(x)
    # Sage integers and rationals that are integers
    if hasattr(x, "parent") and callable(x.parent) and x.parent() in (ZZ, QQ) and x in ZZ:
        return int(x)
    raise TypeError("%s must be an integer, got %s (%s)" % (what, x, type(x).__name__))


def integer(x, what, minimum=None):
    r"""
    Return ``x`` as a Python ``int`` at least ``minimum``, or raise a clear error.

    INPUT:

    - ``x`` -- the value (Python or Sage integers; rationals equal to an integer)
    - ``what`` -- the name of the argument, for the message
    - ``minimum`` -- the least allowed value, or ``None``

    EXAMPLES::

        sage: from sage_conslaw.core.checks import integer
        sage: integer(-2, "a shift")
        -2
        sage: integer(-1, "the seed", minimum=0)
        Traceback (most recent call last):
        ...
        ValueError: the seed must be an integer >= 0, got -1
        sage: integer("2", "the degree")
        Traceback (most recent call last):
        ...
        TypeError: the degree must be an integer, got '2' (str)
    """
    n = _integer(x, what)
    if minimum is not None and n < minimum:
        raise ValueError("%s must be an integer >= %s, got %s" % (what, minimum, n))
    return n


def positive_integer(x, what):
    r"""
    Return ``x`` as a positive Python ``int``, or raise a clear error.

    EXAMPLES::

        sage: from sage_conslaw.core.checks import positive_integer
        sage: positive_integer(0, "a width")
        Traceback (most recent call last):
        ...
        ValueError: a width must be an integer >= 1, got 0
        sage: positive_integer(None, "a width")
        Traceback (most recent call last):
        ...
        TypeError: a width must be an integer, got None (NoneType)
    """
    return integer(x, what, minimum=1)


def nonnegative_integer(x, what):
    r"""
    Return ``x`` as a nonnegative Python ``int``, or raise a clear error.

    EXAMPLES::

        sage: from sage_conslaw.core.checks import nonnegative_integer
        sage: nonnegative_integer(0, "max_steps")
        0
        sage: nonnegative_integer(-1, "max_steps")
        Traceback (most recent call last):
        ...
        ValueError: max_steps must be an integer >= 0, got -1
    """
    return integer(x, what, minimum=0)


def prime(x, what="the prime", bound=None):
    r"""
    Return ``x`` as a Python ``int`` if it is a prime number (below ``bound``
    if given), or raise a clear error.

    INPUT:

    - ``x`` -- the value
    - ``what`` -- the name of the argument, for the message
    - ``bound`` -- ``None``, or an exclusive upper bound (a power of 2, named
      in the message), such as :data:`~sage_conslaw.core.thresholds.MAX_PRIME`

    EXAMPLES::

        sage: from sage_conslaw.core.checks import prime
        sage: prime(101)
        101
        sage: prime(100, bound=2^20)
        Traceback (most recent call last):
        ...
        ValueError: the prime must be a prime number below 2^20, got 100
        sage: prime(2^31 - 1, bound=2^20)
        Traceback (most recent call last):
        ...
        ValueError: the prime must be a prime number below 2^20, got 2147483647
        sage: prime("7")
        Traceback (most recent call last):
        ...
        TypeError: the prime must be an integer, got '7' (str)
    """
    p = _integer(x, what)
    if not is_prime(p) or (bound is not None and p >= bound):
        below = "" if bound is None else " below 2^%s" % (int(bound).bit_length() - 1)
        raise ValueError("%s must be a prime number%s, got %s" % (what, below, p))
    return p


def boolean(x, what):
    r"""
    Return ``x`` if it is a boolean (Python or numpy), or raise ``TypeError``.

    Strings such as ``'no'`` or ``'False'`` are refused: they are true in Python.

    EXAMPLES::

        sage: from sage_conslaw.core.checks import boolean
        sage: boolean(True, "bias")
        True
        sage: boolean('no', "bias")
        Traceback (most recent call last):
        ...
        TypeError: bias must be True or False, got 'no' (str)
        sage: boolean(int(1), "bias")
        Traceback (most recent call last):
        ...
        TypeError: bias must be True or False, got 1 (int)
    """
    if isinstance(x, np.bool_):
        return bool(x)
    if not isinstance(x, bool):
        raise TypeError("%s must be True or False, got %r (%s)" % (what, x, type(x).__name__))
    return x


def one_of(x, choices, what):
    r"""
    Return ``x`` if it is one of ``choices``, or raise ``ValueError`` listing them.

    EXAMPLES::

        sage: from sage_conslaw.core.checks import one_of
        sage: one_of('fast', ('auto', 'fast'), "method")
        'fast'
        sage: one_of('quick', ('auto', 'fast'), "method")
        Traceback (most recent call last):
        ...
        ValueError: method must be one of 'auto', 'fast', got 'quick'
    """
    if not isinstance(x, str) or x not in choices:
        raise ValueError("%s must be one of %s, got %r" % (what, ", ".join(repr(c) for c in choices), x))
    return x


def positive_number(x, what):
    r"""
    Return ``x`` if it is a positive real number (Python or Sage, finite), or
    raise a clear error.  For budgets and tolerances, not for exact data.

    EXAMPLES::

        sage: from sage_conslaw.core.checks import positive_number
        sage: positive_number(30, "max_seconds"), positive_number(0.5, "max_seconds")
        (30, 0.500000000000000)
        sage: positive_number(-1, "max_seconds")
        Traceback (most recent call last):
        ...
        ValueError: max_seconds must be a positive number, got -1
        sage: positive_number("1", "max_seconds")
        Traceback (most recent call last):
        ...
        TypeError: max_seconds must be a number, got '1' (str)
    """
    if isinstance(x, (bool, str, bytes)) or x is None:
        raise TypeError("%s must be a number, got %r (%s)" % (what, x, type(x).__name__))
    try:
        f = float(x)
    except (TypeError, ValueError):
        raise TypeError("%s must be a number, got %r (%s)" % (what, x, type(x).__name__)) from None
    if not math.isfinite(f) or f <= 0:
        raise ValueError("%s must be a positive number, got %s" % (what, x))
    return x


def rational(x, what, positive=False):
    r"""
    Return ``x`` as a nonnegative (or, with ``positive``, positive) rational
    number of ``QQ``, or raise a clear error: the one home of the exact
    parameters that enter fields as coefficients (frictions, weight-decay
    rates).  Floats, booleans, strings and values of positive characteristic
    (``GF(7)(3)`` would convert to the rational 3) are refused.

    EXAMPLES::

        sage: from sage_conslaw.core.checks import rational
        sage: rational(3/2, "the friction"), rational(int(2), "the friction")
        (3/2, 2)
        sage: from fractions import Fraction
        sage: rational(Fraction(int(1), int(3)), "the rate", positive=True)
        1/3
        sage: rational(0, "the rate", positive=True)
        Traceback (most recent call last):
        ...
        ValueError: the rate must be a positive rational number, got 0
        sage: rational(-1, "the friction")
        Traceback (most recent call last):
        ...
        ValueError: the friction must be a nonnegative rational number, got -1
        sage: rational(0.5, "the friction")
        Traceback (most recent call last):
        ...
        TypeError: the friction must be an exact rational number (e.g. 1/2, not 0.5), got 0.500000000000000
        sage: rational(GF(7)(3), "the friction")
        Traceback (most recent call last):
        ...
        TypeError: the friction must be a rational number, got 3 in Finite Field of size 7 (characteristic 7): the flows are real; give it over QQ
        sage: rational("1", "the friction")
        Traceback (most recent call last):
        ...
        TypeError: the friction must be an exact rational number (e.g. 1/2, not 0.5), got 1
    """
    kind = "positive" if positive else "nonnegative"
    if isinstance(x, (bool, float, str, bytes)) or x is None:
        raise TypeError("%s must be an exact rational number (e.g. 1/2, not 0.5), got %s" % (what, x))
    if isinstance(x, Fraction):
        x = QQ((x.numerator, x.denominator))
    P = x.parent() if hasattr(x, "parent") and callable(x.parent) else None
    if P is not None and hasattr(P, "is_exact") and not P.is_exact():
        raise TypeError("%s must be an exact rational number (e.g. 1/2, not 0.5), got %s" % (what, x))
    if P is not None and callable(getattr(P, "characteristic", None)) and P.characteristic() != 0:
        raise TypeError("%s must be a rational number, got %s in %s (characteristic %s): the flows are real; "
                        "give it over QQ" % (what, x, P, P.characteristic()))
    try:
        q = QQ(x)
    except (TypeError, ValueError):
        raise TypeError("%s must be an exact rational number (e.g. 1/2, not 0.5), got %s" % (what, x)) from None
    if q < 0 or (positive and q == 0):
        raise ValueError("%s must be a %s rational number, got %s" % (what, kind, q))
    return q


def ring_size(n, what):
    r"""
    Refuse at once a number of ring variables that no polynomial ring can hold
    (:data:`~sage_conslaw.core.thresholds.MAX_VARIABLES`: a larger libSingular
    ring halts the whole process with "no more memory").

    EXAMPLES::

        sage: from sage_conslaw.core.checks import ring_size
        sage: ring_size(10, "the state")
        sage: ring_size(2 * 16384 + 1, "the state (t, theta, v) of HeavyBall")
        Traceback (most recent call last):
        ...
        ValueError: the state (t, theta, v) of HeavyBall needs 32769 ring variables, above the limit 32767 (libSingular's polynomial rings hold at most 2^15 - 1 variables)
    """
    if n > MAX_VARIABLES:
        raise ValueError("%s needs %s ring variables, above the limit %s (libSingular's polynomial rings hold at "
                         "most 2^15 - 1 variables)" % (what, n, MAX_VARIABLES))
