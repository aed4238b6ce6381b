r"""
What a count of conservation laws proves: the one place where certification is
decided and its reason written.

A count of laws near a point `\theta` is `D - \dim \mathrm{Lie}(W)(\theta)`
(Theorem 3.3).  Every engine of the package (the fast trace modulo `p`, the
rigorous closure over `\QQ`, the structured trace of networks, direct sums)
ends with two proven bounds of `\dim \mathrm{Lie}(W)(\theta)`:

- a *lower bound*: a rank of fields of `\mathrm{Lie}(W)` at `\theta` (modulo a
  prime, which never exceeds the rank over `\QQ`, or exact), with its source;
- an *upper bound*: `D - N` where `N` known conservation laws have gradients
  independent at `\theta` (near `\theta` the trace is orthogonal to them), or
  `D` itself, with its source.

When they meet, the dimension is exactly that near `\theta` (it is lower
semicontinuous), Theorem 3.3 applies and the count is *certified*.  A
:class:`Certificate` records both bounds, their sources, the verdict and one
sentence saying why, written here and nowhere else (:func:`decide`).

**Scope.**  The laws counted are those of the family `W`.  For a
parametrization `\phi` (``scope='phi'``) they are the laws of every gradient
flow of a loss `f(\phi(\theta))`: a network trained on particular data may have
more, so "no law" is said of `\phi`, never of the network; ``'fields'`` is for
a bare family of vector fields, ``'network'`` only where the model proves its
`W` generates the flows of the network itself.

EXAMPLES::

    sage: from sage_conslaw.core.certificate import decide
    sage: c = decide(4, 3, 1, rank_source="modulo p"); c
    Certificate: 3 <= dim Lie(W)(theta) <= 3, certified: the rank 3 meets the bound D - N = 3 given by 1 conservation law independent at theta
    sage: c.certified, c.number_of_laws, c.scope
    (True, 1, 'phi')
    sage: decide(2, 2, 0).reason
    'the rank 2 equals D: phi has no conservation law (the laws of phi, conserved for every loss of phi(theta); the network may have more for given data)'
    sage: c = decide(5, 3, 1, why_not="it stagnated"); c.certified, c.reason
    (False, 'the rank 3 is only a lower bound: it stagnated, below the bound D - N = 4')
"""
from sage.structure.sage_object import SageObject

#: The scopes of a count: whose laws it counts.
SCOPES = ('phi', 'fields', 'network')

#: What "has no conservation law" is said of, by scope.
_SUBJECT = {'phi': "phi", 'fields': "the family W", 'network': "the network"}

#: What is added when a count of phi says there is no law.
_PHI_NOTE = ("the laws of phi, conserved for every loss of phi(theta); the network may have more for given data")


class Certificate(SageObject):
    r"""
    An immutable record of what is proven about `\dim \mathrm{Lie}(W)(\theta)`.

    INPUT (all are read-only attributes):

    - ``D`` -- the number of coordinates
    - ``lower``, ``lower_source`` -- a proven lower bound of the dimension (a
      rank found at `\theta`) and what it is (e.g. ``'modulo p'``)
    - ``upper``, ``upper_source`` -- a proven upper bound and what gives it
    - ``reason`` -- the sentence saying why the count is (or is not) proven
    - ``scope`` -- whose laws are counted, one of :data:`SCOPES`

    Derived: ``certified`` (the bounds meet), ``number_of_laws`` (`D -` ``lower``:
    exact when certified, else an upper bound of the laws).

    Build it with :func:`decide` (or :func:`generic_certificate`), which write the reason.

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import Certificate
        sage: c = Certificate(3, 2, "exact", 2, "D - N", "a test")
        sage: c.certified, c.number_of_laws, c.as_dict()['upper_source']
        (True, 1, 'D - N')
        sage: c.lower = 5
        Traceback (most recent call last):
        ...
        AttributeError: a Certificate is immutable
        sage: c == Certificate(3, 2, "exact", 2, "D - N", "a test"), hash(c) == hash(Certificate(3, 2, "exact", 2, "D - N", "a test"))
        (True, True)
        sage: Certificate(3, 2, "exact", 2, "D - N", "a test", scope='model')
        Traceback (most recent call last):
        ...
        ValueError: scope must be one of 'phi', 'fields', 'network', got 'model'
    """

    #: The fields of the record, in order (read-only attributes).
    __slots__ = ('D', 'lower', 'lower_source', 'upper', 'upper_source', 'reason', 'scope')

    def __init__(self, D, lower, lower_source, upper, upper_source, reason, scope='phi'):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import Certificate
            sage: Certificate(2, 0, "", 2, "D", "r").lower_source
            ''
            sage: from sage_conslaw.core.certificate import decide
            sage: c = decide(4, 3, 1, rank_source="exact"); c.D, c.lower, c.lower_source, c.upper, c.upper_source, c.scope
            (4, 3, 'exact', 3, '1 conservation law independent at theta', 'phi')
        """
        if scope not in SCOPES:
            raise ValueError("scope must be one of %s, got %r" % (", ".join(repr(s) for s in SCOPES), scope))
        values = (int(D), int(lower), str(lower_source), int(upper), str(upper_source), str(reason), scope)
        for name, value in zip(self.__slots__, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(2, 1, 1).reason = "other"
            Traceback (most recent call last):
            ...
            AttributeError: a Certificate is immutable
        """
        raise AttributeError("a Certificate is immutable")

    def _data(self):
        r"""
        The fields, in the order of ``__slots__`` (what equality, hashing and pickling use).

        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(2, 1, 1)._data()
            (2, 1, '', 1, '1 conservation law independent at theta', 'the rank 1 meets the bound D - N = 1 given by 1 conservation law independent at theta', 'phi')
        """
        return tuple(getattr(self, name) for name in self.__slots__)

    def __reduce__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: c = decide(2, 1, 1); loads(dumps(c)) == c
            True
        """
        return Certificate, self._data()

    def __eq__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(2, 1, 1) == decide(2, 1, 1), decide(2, 1, 1) == decide(2, 2, 0), decide(2, 1, 1) == 3
            (True, False, False)
        """
        return isinstance(other, Certificate) and self._data() == other._data()

    def __ne__(self, other):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(2, 1, 1) != decide(2, 2, 0)
            True
        """
        return not self == other

    def __hash__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: len({decide(2, 1, 1), decide(2, 1, 1)})
            1
        """
        return hash(self._data())

    @property
    def certified(self):
        r"""
        Whether the bounds meet: the dimension, hence the count, is proven.

        EXAMPLES::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(4, 3, 1).certified, decide(4, 2, 1).certified
            (True, False)
        """
        return self.lower >= self.upper

    @property
    def number_of_laws(self):
        r"""
        `D -` the lower bound: the number of laws when certified, else an upper bound of it.

        EXAMPLES::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(4, 2, 1).number_of_laws
            2
        """
        return self.D - self.lower

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.core.certificate import decide
            sage: decide(4, 2, 1)
            Certificate: 2 <= dim Lie(W)(theta) <= 3, not certified: the rank 2 is only a lower bound, below the bound D - N = 3
        """
        return "Certificate: %s <= dim Lie(W)(theta) <= %s, %s: %s" % (
            self.lower, self.upper, "certified" if self.certified else "not certified", self.reason)

    def as_dict(self):
        r"""
        The record as a plain dict (JSON-friendly).

        EXAMPLES::

            sage: from sage_conslaw.core.certificate import decide
            sage: sorted(decide(4, 3, 1).as_dict())
            ['D', 'certified', 'lower', 'lower_source', 'number_of_laws', 'reason', 'scope', 'upper', 'upper_source']
        """
        return dict(D=self.D, lower=self.lower, lower_source=self.lower_source, upper=self.upper,
                    upper_source=self.upper_source, reason=self.reason, scope=self.scope,
                    certified=self.certified, number_of_laws=self.number_of_laws)


def laws_phrase(n):
    r"""
    "n conservation law(s)", in good English.

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import laws_phrase
        sage: laws_phrase(1), laws_phrase(3)
        ('1 conservation law', '3 conservation laws')
    """
    return "%s conservation law%s" % (n, "" if n == 1 else "s")


def exactly_laws(n):
    r"""
    "is exactly n independent law" / "are exactly n independent laws".

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import exactly_laws
        sage: exactly_laws(1), exactly_laws(0)
        ('is exactly 1 independent law', 'are exactly 0 independent laws')
    """
    return "is exactly 1 independent law" if n == 1 else "are exactly %s independent laws" % n


def no_law_phrase(scope):
    r"""
    What is said when the rank reaches `D`: who has no conservation law.  For
    ``phi`` it says that these are the laws of `\phi` (a network on given data
    may have more).

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import no_law_phrase
        sage: no_law_phrase('network')
        'the network has no conservation law'
        sage: no_law_phrase('fields')
        'the family W has no conservation law'
        sage: no_law_phrase('phi')
        'phi has no conservation law (the laws of phi, conserved for every loss of phi(theta); the network may have more for given data)'
    """
    said = "%s has no conservation law" % _SUBJECT[scope]
    return said + (" (%s)" % _PHI_NOTE if scope == 'phi' else "")


def decide(D, rank, N, rank_source="", scope='phi', why_not=None):
    r"""
    Decide whether a rank at `\theta` proves the count, and say why.

    INPUT:

    - ``D`` -- the number of coordinates
    - ``rank`` -- a proven lower bound of `\dim \mathrm{Lie}(W)(\theta)` (a rank
      of fields of `\mathrm{Lie}(W)` at `\theta`, modulo `p` or exact)
    - ``N`` -- the number of given laws independent at `\theta` (a proven lower
      bound of it does as well): the upper bound is `D - N`
    - ``rank_source`` -- what the rank is, put in the reason when it does not
      certify (e.g. ``'modulo p'``, ``'modulo p (random nested brackets)'``)
    - ``scope`` -- whose laws are counted (see the module's documentation)
    - ``why_not`` -- when the bounds do not meet, why the lower bound stopped
      there (e.g. ``"it stagnated"``), put in the reason

    OUTPUT: a :class:`Certificate`

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import decide
        sage: decide(2, 1, 1).reason
        'the rank 1 meets the bound D - N = 1 given by 1 conservation law independent at theta'
        sage: decide(3, 3, 0, scope='fields').reason
        'the rank 3 equals D: the family W has no conservation law'
        sage: decide(4, 2, 0, rank_source="modulo p", why_not="max_steps ran out").reason
        'the rank 2 modulo p is only a lower bound: max_steps ran out, below the bound D - N = 4'
        sage: decide(2, 3, 0)
        Traceback (most recent call last):
        ...
        ValueError: a rank 3 above D = 2 is impossible: the fields have D components
    """
    D, rank, N = int(D), int(rank), int(N)
    if rank > D:
        raise ValueError("a rank %s above D = %s is impossible: the fields have D components" % (rank, D))
    upper = D - N
    upper_source = "D" if N == 0 else "%s independent at theta" % laws_phrase(N)
    if rank >= upper:
        if N == 0:
            reason = "the rank %s equals D: %s" % (rank, no_law_phrase(scope))
        else:
            reason = "the rank %s meets the bound D - N = %s given by %s" % (rank, upper, upper_source)
    else:
        what = "the rank %s%s is only a lower bound" % (rank, " " + rank_source if rank_source else "")
        reason = "%s: %s, below the bound D - N = %s" % (what, why_not, upper) if why_not else \
            "%s, below the bound D - N = %s" % (what, upper)
    return Certificate(D, rank, rank_source, upper, upper_source, reason, scope)


def generic_certificate(D, rank, generic, closure, scope='phi'):
    r"""
    The certificate of the rigorous method at a point: the rank there against
    the proven generic dimension `r` (the rank of `\mathrm{Lie}(W)` over the
    field of rational functions, an upper bound at every point).  When the rank
    equals `r` the trace is locally constant at `\theta` and there are exactly
    `D - r` laws near `\theta` (Theorem 3.3); below, `\theta` is singular.

    INPUT:

    - ``D``, ``rank`` -- as in :func:`decide` (the rank is exact here)
    - ``generic`` -- the generic dimension `r`
    - ``closure`` -- why `r` is the generic dimension, put in the reason
    - ``scope`` -- whose laws are counted

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import generic_certificate
        sage: generic_certificate(3, 1, 1, "the rank over QQ(theta) of Lie(W) = W_0, proven").reason
        'the rank 1 at theta equals the generic dimension (the rank over QQ(theta) of Lie(W) = W_0, proven), so the trace is locally constant and there are exactly 2 independent laws near theta (Theorem 3.3)'
        sage: c = generic_certificate(2, 0, 1, "proven"); c.certified, c.reason
        (False, 'theta is a singular point: dim Lie(W)(theta) = 0 is below the generic dimension 1 (proven), so the trace is not locally constant at theta and Theorem 3.3 does not count the laws there; near every regular point there is exactly 1 independent law')
    """
    if rank == generic:
        reason = ("the rank %s at theta equals the generic dimension (%s), so the trace is locally constant "
                  "and there %s near theta (Theorem 3.3)" % (rank, closure, exactly_laws(D - generic)))
        return Certificate(D, rank, "exact", generic, "the generic dimension", reason, scope)
    reason = ("theta is a singular point: dim Lie(W)(theta) = %s is below the generic dimension %s (%s), so "
              "the trace is not locally constant at theta and Theorem 3.3 does not count the laws there; near "
              "every regular point there %s" % (rank, generic, closure, exactly_laws(D - generic)))
    return Certificate(D, rank, "exact", generic, "the generic dimension (at regular points)", reason, scope)


def direct_sum(parts, free=0, scope='phi', equivalents=(), why=None):
    r"""
    The certificate of a direct sum: `W` splits into families on disjoint
    coordinates (brackets across parts vanish), so `\dim \mathrm{Lie}(W)(\theta)`
    is the sum over the parts, and its bounds are the sums of theirs;
    coordinates touched by no field are laws by themselves.  Certified when
    every part is.

    INPUT:

    - ``parts`` -- the :class:`Certificate` of each part
    - ``free`` -- the number of coordinates no field involves
    - ``scope`` -- whose laws are counted
    - ``equivalents`` -- (optional) what the parts are, when each was traced as
      another model with the same `\phi` up to the order of its coordinates and
      of its components (a permutation of the coordinates carries the gradients
      and their brackets): one description per part, repeated ones counted
    - ``why`` -- (optional) why the parts' algebras sum to the model's when
      their components are not the model's (a sentence, appended)

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import decide, direct_sum
        sage: c = direct_sum([decide(2, 1, 1), decide(3, 3, 0)], free=1); c.D, c.lower, c.upper, c.certified
        (6, 4, 4, True)
        sage: c.reason
        'direct sum of 3 parts with disjoint coordinates (brackets across parts vanish), every part certified'
        sage: direct_sum([decide(2, 1, 1)] * 2, equivalents=["the linear network [1, 1, 1]"] * 2).reason
        'direct sum of 2 parts with disjoint coordinates (brackets across parts vanish), every part certified; each part is, up to the order of its coordinates and components (a permutation carries the gradients and their brackets): 2 x the linear network [1, 1, 1]'
        sage: direct_sum([decide(2, 1, 1)], why="Lie(W) is the parts' (Proposition X)").reason
        "direct sum of 1 parts with disjoint coordinates (brackets across parts vanish), every part certified; Lie(W) is the parts' (Proposition X)"
        sage: direct_sum([decide(2, 1, 1), decide(3, 2, 0, why_not="it stagnated")]).reason
        'direct sum of 2 parts with disjoint coordinates (brackets across parts vanish), not certified: the rank 2 is only a lower bound: it stagnated, below the bound D - N = 3'
    """
    parts = list(parts)
    uncertified = [c for c in parts if not c.certified]
    n = len(parts) + (1 if free else 0)
    reason = "direct sum of %s parts with disjoint coordinates (brackets across parts vanish), %s" % (
        n, "every part certified" if not uncertified else
        "not certified: " + "; ".join(c.reason for c in uncertified))
    if equivalents:
        counts = {}
        for what in equivalents:
            counts[what] = counts.get(what, 0) + 1
        reason += ("; each part is, up to the order of its coordinates and components (a permutation carries "
                   "the gradients and their brackets): " + ", ".join(
                       "%s x %s" % (k, what) if k > 1 else what for what, k in counts.items()))
    if why:
        reason += "; " + why
    D = sum(c.D for c in parts) + free
    lower = sum(c.lower for c in parts)
    # proven bounds: lower_i <= dim_i <= upper_i, with equality in a certified part, so the
    # sums meet exactly when every part is certified
    upper = sum(c.upper for c in parts)
    return Certificate(D, lower, "sum over the parts", upper, "sum over the parts", reason, scope)


def _laws_of(n, laws):
    r"""
    ``n`` followed by the phrase ``laws`` (written in the singular, e.g.
    ``'explicit law of the data'``), its first "law" made plural unless `n = 1`.

    TESTS::

        sage: from sage_conslaw.core.certificate import _laws_of
        sage: _laws_of(1, "explicit law of the data"), _laws_of(3, "law of the layer")
        ('1 explicit law of the data', '3 laws of the layer')
    """
    return "%s %s" % (n, laws if n == 1 else laws.replace("law", "laws", 1))


def rank_meets_laws(D, rank, N, what, laws="conservation law", sources="", scope='network',
                    lower_source="", has="the network has", W="W", conclusion="", why_not="",
                    caveat="", note="", exact=None, preface=""):
    r"""
    The certificate of a route whose lower bound is a proven rank `L` at
    `\theta` and whose upper bound is `D - N`, `N` declared (known, explicit)
    laws being independent at `\theta`: certified when `L = D - N` (then these
    are all the laws), else "between `N` and `D - L`"; the one wording of every
    such route (the network trace, Theorem 2.14, the data routes, the analytic
    families).  The route says only what proved its rank and what its laws are.

    INPUT:

    - ``D``, ``rank``, ``N`` -- as in :func:`decide`
    - ``what`` -- what the rank is of and how it was proven, following
      "the rank `L`" (e.g. ``"of the network's own gradient fields modulo p = 101"``)
    - ``laws`` -- what the `N` laws are, in the singular (made plural here)
    - ``sources`` -- (optional) where the laws come from, put in parentheses
    - ``scope``, ``lower_source`` -- as in :class:`Certificate`
    - ``has`` -- whose laws are counted, with its verb (``"the network has"``,
      ``"the gradient flows on these data have"``)
    - ``W`` -- the name of the family whose Lie algebra the rank bounds
    - ``conclusion`` -- appended when the bounds meet (e.g. ``": these are the laws of the network"``)
    - ``why_not``, ``caveat`` -- (optional) when they do not meet, why the rank
      stopped there and what is not known (each put in parentheses)
    - ``note`` -- (optional) appended to every reason (e.g. ``", for every Dropout mask"``)
    - ``preface`` -- (optional) put before every reason (e.g. the theorem that
      makes the rank the one of the network)
    - ``exact`` -- (optional) ``True`` or a sentence: the rank is proven to be
      the dimension itself (an exact route), so it certifies a count even below
      the bound of the declared laws (the others are not known in closed form)

    OUTPUT: a :class:`Certificate`; a rank above `D - N` raises
    ``ArithmeticError`` (a declared law is not a law: no count is given)

    EXAMPLES::

        sage: from sage_conslaw.core.certificate import rank_meets_laws
        sage: c = rank_meets_laws(5, 3, 2, "of the fields modulo p", "law of the network",
        ....:                     conclusion=": these are the laws of the network"); c.certified, c.number_of_laws
        (True, 2)
        sage: c.reason
        'the rank 3 of the fields modulo p meets the bound D - N = 3 given by 2 laws of the network independent at theta: these are the laws of the network'
        sage: rank_meets_laws(3, 3, 0, "of the fields").reason
        'the rank 3 of the fields equals D: the network has no conservation law near theta'
        sage: rank_meets_laws(3, 3, 0, "of W_phi", preface="By a theorem W = W_phi: ", note=", for every mask").reason
        'By a theorem W = W_phi: the rank 3 of W_phi equals D: the network has no conservation law near theta, for every mask'
        sage: c = rank_meets_laws(6, 3, 1, "of the data fields", "explicit law of the data", W="W_X",
        ....:     has="the gradient flows on these data have", why_not="levels [2, 3]", caveat="no more known")
        sage: c.certified, c.reason
        (False, 'not certified: the rank 3 of the data fields is only a lower bound of dim Lie(W_X)(theta) (levels [2, 3]); 1 explicit law of the data independent at theta: the gradient flows on these data have between 1 and 3 laws near theta (no more known)')
        sage: c = rank_meets_laws(6, 3, 1, "of the data fields", "explicit law", exact="W closes"); c.certified, c.number_of_laws
        (True, 3)
        sage: c.reason
        'the rank 3 of the data fields is dim Lie(W)(theta), proven by the exact route: W closes; so the network has exactly 3 conservation laws near theta, of which 1 explicit law independent at theta (the others are not known in closed form)'
        sage: rank_meets_laws(4, 3, 2, "of the fields", "law of the data")
        Traceback (most recent call last):
        ...
        ArithmeticError: the rank 3 of the fields is above the bound D - N = 2 of 2 laws of the data independent at theta: one of them is not a law (a bug, please report it); no count is given
    """
    D, rank, N = int(D), int(rank), int(N)
    upper = D - N
    lower = "the rank %s %s" % (rank, what)
    given = _laws_of(N, laws) + " independent at theta" + (" (%s)" % sources if sources else "")
    if rank > upper and not exact:      # a proven lower bound above a proven upper one
        raise ArithmeticError("%s is above the bound D - N = %s of %s: one of them is not a law (a bug, please "
                              "report it); no count is given" % (lower, upper, given))
    upper_source = "D" if N == 0 else given
    if exact and rank < upper:
        reason = ("%s is dim Lie(%s)(theta), proven by the exact route%s; so %s exactly %s near theta, of which "
                  "%s (the others are not known in closed form)" % (
                      lower, W, ": %s" % exact if isinstance(exact, str) else "", has, laws_phrase(D - rank), given))
        upper, upper_source = rank, "the exact route"
    elif rank >= upper and N == 0:
        reason = "%s equals D: %s no conservation law near theta" % (lower, has)
    elif rank >= upper:
        reason = "%s meets the bound D - N = %s given by %s%s" % (lower, upper, given, conclusion)
    else:
        reason = ("not certified: %s is only a lower bound of dim Lie(%s)(theta)%s; %s: %s between %s and %s laws "
                  "near theta%s" % (lower, W, " (%s)" % why_not if why_not else "", given, has, N, D - rank,
                                    " (%s)" % caveat if caveat else ""))
    return Certificate(D, rank, lower_source, upper, upper_source, preface + reason + note, scope)
