r"""
Conservation laws that depend only on a subset of the parameters (ICML 2025).

Let `X_1, \dots, X_d` generate the dynamics of a model on `\RR^D` (for a
reparametrization, `X_j = \nabla\phi_j`) and let `S` be a set of
coordinates, `\bar S` the others.  A function `h(\theta_S)` of the
`S`-coordinates only is a conservation law iff, for all `j` and all `\theta`,

.. MATH::

    \sum_{i \in S} \partial_i h(\theta_S)\, X_{j,i}(\theta_S, \theta_{\bar S}) = 0 .

Write each component as a polynomial in the other coordinates, `X_{j,i} =
\sum_m c_{j,i,m}(\theta_S)\, \theta_{\bar S}^m`.  The left-hand side is a
polynomial in `\theta_{\bar S}` whose coefficients are functions of
`\theta_S`, so it vanishes identically iff every coefficient does:

.. MATH::

    \sum_{i \in S} c_{j,i,m}(\theta_S)\, \partial_i h(\theta_S) = 0
    \quad \text{for all } j, m .

So the laws of `S` are exactly the conservation laws of the finite family of
polynomial vector fields `Y_{j,m} = (c_{j,i,m})_{i \in S}` on `\RR^S`, and
Section 3 of the first paper applies to it: their number near `\theta_S`
is `|S| - \dim \mathrm{Lie}(Y)(\theta_S)`, computed with its certificate by
:func:`~sage_conslaw.core.trace.lie_trace`.  Nothing about blocks is assumed:
the paper's result that the laws of a block's parameters inside a network are
those of the block in isolation is *checked* by comparing the two counts.

EXAMPLES:

In a two-layer linear network, the laws of `U_1` alone: none (`U_1` is
moved by `U_2` in every direction)::

    sage: from sage_conslaw.architectures import LinearNetwork, Attention, Sequential
    sage: from sage_conslaw.core.subsets import laws_of_subset
    sage: laws_of_subset(LinearNetwork([2, 2, 2]), ['U1']).number_of_conservation_laws()
    0

Inside a sequence, the parameters of one attention block have the laws of
the block in isolation::

    sage: net = Sequential([Attention(2, 1, 1, 2), Attention(2, 2, 1, 2)])
    sage: sub = laws_of_subset(net, net.block_parameters('L2')); sub
    Conservation laws depending only on L2_Q, L2_K, L2_V, L2_O (12 of D = 20 coordinates), from 8 fields
    sage: res = sub.lie_trace(); res.number_of_laws, res.certified
    (4, True)
    sage: Attention(2, 2, 1, 2).number_of_conservation_laws()
    4
"""
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing

from sage_conslaw.core.families import FieldFamily
from sage_conslaw.core.fields import PolynomialVectorFields
from sage_conslaw.core.model import ConservationModel


def _subset_variables(model, parameters):
    r"""
    The variables named by ``parameters`` (parameter names of an architecture,
    or generators of the model's ring), in the ring's order.

    TESTS::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.core.subsets import _subset_variables
        sage: mf = MatrixFactorization(1, 1, 2)
        sage: _subset_variables(mf, ['V'])
        [V_0_0, V_0_1]
        sage: _subset_variables(mf, ['W'])
        Traceback (most recent call last):
        ...
        ValueError: unknown parameter 'W' (the parameters are U, V)
        sage: _subset_variables(mf, [])
        Traceback (most recent call last):
        ...
        ValueError: give at least one parameter
    """
    R = model.polynomial_ring()
    if isinstance(parameters, str):
        parameters = [parameters]
    named = model.parameters() if hasattr(model, "parameters") and callable(model.parameters) else {}
    chosen = set()
    for p in parameters:
        if isinstance(p, str):
            if p in named:
                chosen.update(named[p].list())
            elif p in R.variable_names():
                chosen.add(R(p))
            else:
                raise ValueError("unknown parameter %r (the parameters are %s)"
                                 % (p, ", ".join(named) if named else ", ".join(R.variable_names())))
        elif hasattr(p, "parent") and p.parent() is R and p in R.gens():
            chosen.add(p)
        else:
            raise TypeError("parameters must be names or variables of the model's ring, got %r" % (p,))
    if not chosen:
        raise ValueError("give at least one parameter")
    return [g for g in R.gens() if g in chosen]


class SubsetLaws(ConservationModel):
    r"""
    The conservation laws of a model that depend only on some of its
    coordinates: the model (a :class:`~sage_conslaw.core.model.ConservationModel`)
    of the fields `Y_{j,m}` on `\RR^S` (see the module documentation).  Build
    it with :func:`laws_of_subset`.

    It offers what every model offers: ``D`` (`|S|`), ``polynomial_ring()``
    (the variables of `S`, with their names), ``lie_trace()``,
    ``number_of_conservation_laws()``, ``polynomial_conservation_laws(k)``,
    ``is_conservation_law(h)``, and :meth:`known_conservation_laws` (the
    model's known laws that involve `S` only).

    EXAMPLES::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.core.subsets import laws_of_subset
        sage: sub = laws_of_subset(MatrixFactorization(2, 2, 1), ['U'])
        sage: sub.D, sub.fields()       # V moves U in every direction
        (2, [(1, 0), (0, 1)])
        sage: sub.polynomial_conservation_laws(2)
        []
        sage: sub.number_of_conservation_laws()
        0
        sage: sub.is_conservation_law(sub.polynomial_ring().gen(0))
        False
    """

    def __init__(self, model, variables):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: laws_of_subset(LinearNetwork([1, 1, 1]), ['U1']).generators()
            Family of 1 vector field on QQ^1 (coordinates U1_0_0)
        """
        R = model.polynomial_ring()
        self._model = model
        self._variables = list(variables)
        names = [str(v) for v in self._variables]
        self._ring = PolynomialRing(R.base_ring(), len(names), names)
        self._fields = _coefficient_fields(list(model.generators().fields()), R, self._variables, self._ring)
        # no field at all: the zero field (every function of S is a law)
        self._family = FieldFamily(self._fields or [[self._ring.zero()] * len(names)])

    def generators(self):
        r"""
        Return the family of the fields `Y_{j,m}` (the zero field if there is none).

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: laws_of_subset(Attention(1, 1, 1, 1, bias=True), ['bk']).generators().field(0)
            (0)
        """
        return self._family

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: laws_of_subset(MatrixFactorization(1, 1, 1), ['U_0_0'])
            Conservation laws depending only on U (1 of D = 2 coordinates), from 1 field
        """
        named = self._model.parameters() if hasattr(self._model, "parameters") else {}
        whole = [p for p, M in named.items() if set(M.list()) <= set(self._variables)]
        covered = {x for p in whole for x in named[p].list()}
        rest = [str(v) for v in self._variables if v not in covered]
        return "Conservation laws depending only on %s (%s of D = %s coordinates), from %s field%s" % (
            ", ".join(whole + rest), self.D, self._model.D, len(self._fields), "s" if len(self._fields) != 1 else "")

    def model(self):
        r"""
        Return the whole model.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: laws_of_subset(LinearNetwork([1, 1]), ['U1']).model()
            Linear network [1, 1]: D = 1 parameters, phi = U1 in QQ^(1 x 1)
        """
        return self._model

    def fields(self):
        r"""
        Return the fields `Y_{j,m}` on `\RR^S` (distinct, nonzero, up to a scalar factor).

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: R.<a,b,c> = QQ[]
            sage: laws_of_subset(Reparametrization([a*b*c]), [a, b]).fields()
            [(b, a)]
        """
        return list(self._fields)

    def known_conservation_laws(self):
        r"""
        Return the model's known laws that depend only on `S`, as polynomials of ``polynomial_ring()``.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Sequential, Attention
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: net = Sequential([Attention(1, 1, 1, 1)] * 2)
            sage: laws_of_subset(net, ['L1_Q', 'L1_K']).known_conservation_laws()
            [L1_Q_0_0^2 - L1_K_0_0^2]
        """
        S = set(self._variables)
        return [self._ring(h) for h in self._model.known_conservation_laws() if h and set(h.variables()) <= S]

    def is_conservation_law(self, h):
        r"""
        Return whether `h(\theta_S)` is a conservation law of the model, checked
        exactly against every field `Y_{j,m}`.

        ``h`` may be a polynomial of ``polynomial_ring()`` or of the model's
        ring (then it must not involve the other coordinates).

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.core.subsets import laws_of_subset
            sage: att = Attention(1, 1, 1, 1); Q, K = att.parameters()['Q'][0, 0], att.parameters()['K'][0, 0]
            sage: sub = laws_of_subset(att, ['Q', 'K'])
            sage: sub.is_conservation_law(Q^2 - K^2), sub.is_conservation_law(Q^2 + K^2)
            (True, False)
            sage: sub.is_conservation_law(att.parameters()['V'][0, 0])
            Traceback (most recent call last):
            ...
            ValueError: h = V_0_0 involves coordinates outside the subset (V_0_0)
        """
        R = self._model.polynomial_ring()
        if hasattr(h, "parent") and callable(h.parent) and h.parent() is R:
            outside = [v for v in h.variables() if v not in self._variables]
            if outside:
                raise ValueError("h = %s involves coordinates outside the subset (%s)"
                                 % (h, ", ".join(map(str, outside))))
            h = self._ring(h)
        return ConservationModel.is_conservation_law(self, h)


def _coefficient_fields(fields, R, variables, S_ring):
    r"""
    The fields `Y_{j,m} = (c_{j,i,m})_{i \in S}`: the coefficients of the
    `S`-components of each field with respect to the monomials of the other
    variables; zero fields and repeated ones (up to a scalar) are dropped.

    TESTS::

        sage: from sage_conslaw.core.subsets import _coefficient_fields
        sage: from sage_conslaw.core.fields import PolynomialVectorFields
        sage: R.<a,b,c> = QQ[]; S = PolynomialRing(QQ, ['a', 'b'])
        sage: V = PolynomialVectorFields(R)
        sage: _coefficient_fields([V.gradient(a*b*c + a*c^2)], R, [a, b], S)
        [(b, a), (1, 0)]
    """
    V_S = PolynomialVectorFields(S_ring)
    pos = [R.gens().index(v) for v in variables]
    Sset = set(pos)
    others = [k for k in range(R.ngens()) if k not in Sset]
    out, seen = [], set()
    for X in fields:
        comps = X.components()
        groups = {}
        for a, i in enumerate(pos):
            for exps, coeff in comps[i].dict().items():
                key = tuple(exps[k] for k in others)
                groups.setdefault(key, [S_ring.zero()] * len(pos))
                groups[key][a] += coeff * S_ring.monomial(*[exps[k] for k in pos])
        for key in sorted(groups):
            Y = groups[key]
            if all(c == 0 for c in Y):
                continue
            lead = next(c for c in Y if c != 0).lc()
            normal = tuple(c / lead for c in Y)
            if normal not in seen:
                seen.add(normal)
                out.append(V_S(list(normal)))
    return out


def laws_of_subset(model, parameters):
    r"""
    Return the conservation laws of ``model`` that depend only on the named
    parameters, as a :class:`SubsetLaws` (count with certificate, polynomial
    laws, membership), computed from the model's generators (see the module
    documentation).

    INPUT:

    - ``model`` -- a model of the package (a :class:`~sage_conslaw.core.model.ConservationModel`:
      a reparametrization, an architecture, a lifted or preconditioned flow)
    - ``parameters`` -- a list of parameter names (``model.parameters()``),
      variable names, or variables of the model's ring

    EXAMPLES::

        sage: from sage_conslaw.architectures import Sequential, ConvNetwork, ReLUNetwork, Residual
        sage: from sage_conslaw.core.subsets import laws_of_subset
        sage: net = Sequential([ConvNetwork(1, 2, 1, 2, 2), Residual(ReLUNetwork([1, 3, 1]))])
        sage: laws_of_subset(net, net.block_parameters('L1')).number_of_conservation_laws()
        2
        sage: laws_of_subset(net, ['L2_U1']).number_of_conservation_laws()
        0
        sage: laws_of_subset(net, 'nothing')
        Traceback (most recent call last):
        ...
        ValueError: unknown parameter 'nothing' (the parameters are L1_W1, L1_W2, L2_U1, L2_U2)
    """
    if not isinstance(model, ConservationModel):
        raise TypeError("laws_of_subset needs a model of sage_conslaw (a Reparametrization or an "
                        "architecture), got %r" % (model,))
    return SubsetLaws(model, _subset_variables(model, parameters))
