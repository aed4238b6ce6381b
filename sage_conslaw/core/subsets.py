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
import time

from sage.modules.free_module import FreeModule
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.core import thresholds
from sage_conslaw.core.certificate import Certificate, direct_sum
from sage_conslaw.core.families import FieldFamily
from sage_conslaw.core.fields import PolynomialVectorFields
from sage_conslaw.core.model import ConservationModel
from sage_conslaw.core.points import as_exact_point
from sage_conslaw.core.reparametrization import Reparametrization
from sage_conslaw.core.trace import LieTraceResult


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


# -- direct sums ------------------------------------------------------------------------

def independent_parts(model, bundle=None):
    r"""
    Split a reparametrization into parts with disjoint coordinates: the
    connected components of the graph joining two coordinates when some
    component of `\phi` involves both.

    The gradient of a component involving only the coordinates of one part
    acts on that part only, and the bracket of two fields of different parts
    vanishes; so `\mathrm{Lie}(W_\phi)` is the direct sum of the parts'
    algebras, and the laws of `\phi` are generated by those of the parts.
    Coordinates that no component involves form one more part with no field.
    Consecutive parts are bundled until a bundle has
    :data:`~sage_conslaw.core.thresholds.DIRECT_SUM_BUNDLE` coordinates (a
    union of parts is still a direct summand; tiny parts cost more than they save).

    INPUT:

    - ``model`` -- a reparametrization (an architecture)
    - ``bundle`` -- the least size of a bundle (default
      :data:`~sage_conslaw.core.thresholds.DIRECT_SUM_BUNDLE`; ``1``: no bundling)

    OUTPUT: a list of ``(indices of the coordinates, components)``; the
    components are those of ``model.components()`` (empty for the free part)

    EXAMPLES::

        sage: from sage_conslaw import Reparametrization
        sage: from sage_conslaw.core.subsets import independent_parts
        sage: R.<a,b,c,d,e> = QQ[]
        sage: independent_parts(Reparametrization([a*b, b^2, c*d]), bundle=1)
        [([0, 1], [a*b, b^2]), ([2, 3], [c*d]), ([4], [])]
        sage: independent_parts(Reparametrization([a*b, b^2, c*d]))      # bundled
        [([0, 1, 2, 3], [a*b, b^2, c*d]), ([4], [])]
        sage: from sage_conslaw.architectures import MultiHeadAttention
        sage: mha = MultiHeadAttention(4, 2, 3, 3, 4)       # per head: Q^T K and V^T O, 24 coordinates each
        sage: [len(ks) for ks, _ in independent_parts(mha, bundle=1)], [len(ks) for ks, _ in independent_parts(mha)]
        ([24, 24, 24, 24], [48, 48])
    """
    model.generators().require_traceable()     # never expand a phi that does not fit in memory
    R = model.polynomial_ring()
    D = R.ngens()
    index = {name: k for k, name in enumerate(R.variable_names())}     # names: hashing a polynomial of a ring of D variables costs O(D)
    parent = list(range(D))

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k
    used = [False] * D
    comps = [(f, [index[str(v)] for v in f.variables()]) for f in model.components()]
    for f, ks in comps:
        for k in ks:
            used[k] = True
        for k in ks[1:]:
            a, b = find(ks[0]), find(k)
            if a != b:
                parent[max(a, b)] = min(a, b)
    parts = {}
    for k in range(D):
        if used[k]:
            parts.setdefault(find(k), ([], []))[0].append(k)
    for f, ks in comps:
        if ks:
            parts[find(ks[0])][1].append(f)
    out = []
    for ks, phis in sorted(parts.values(), key=lambda p: p[0][0]):
        # bundle small parts (see DIRECT_SUM_BUNDLE): a union of parts is still a direct summand
        if out and len(out[-1][0]) < (thresholds.DIRECT_SUM_BUNDLE if bundle is None else bundle):
            out[-1] = (sorted(out[-1][0] + ks), out[-1][1] + phis)
        else:
            out.append((ks, phis))
    free = [k for k in range(D) if not used[k]]
    if free:
        out.append((free, []))
    return out


def _restrict(f, ks, S):
    r"""
    The polynomial ``f``, which involves only the coordinates ``ks``, in the ring ``S`` of those
    coordinates (by exponents: much faster than a conversion by names in large rings).

    TESTS::

        sage: from sage_conslaw.core.subsets import _restrict
        sage: R.<a,b,c> = QQ[]; S = PolynomialRing(QQ, ['a', 'c'])
        sage: _restrict(a^2*c - 3*c, [0, 2], S)
        a^2*c - 3*c
    """
    return S({tuple(e[k] for k in ks): c for e, c in f.dict().items()})


def direct_sum_trace(model, parts=None, point=None, seed=0, **options):
    r"""
    Compute the Lie trace of a reparametrization part by part (see
    :func:`independent_parts`): `\dim \mathrm{Lie}(W_\phi)(\theta) = \sum_i \dim
    \mathrm{Lie}(W_{\phi_i})(\theta_i)`, each part with its own certificate
    (the model's known laws that involve its coordinates only); the sum is
    certified when every part is.  A part without field contributes its
    coordinates as laws, certified by themselves.

    INPUT:

    - ``model`` -- a reparametrization (an architecture)
    - ``parts`` -- (default: :func:`independent_parts`) the parts
    - ``point``, ``seed`` and the options of :func:`~sage_conslaw.core.trace.lie_trace`

    OUTPUT: a :class:`~sage_conslaw.core.trace.LieTraceResult` for the whole model

    EXAMPLES::

        sage: from sage_conslaw.architectures import MultiHeadAttention
        sage: from sage_conslaw.core.subsets import direct_sum_trace, independent_parts
        sage: mha = MultiHeadAttention(2, 2, 1, 1, 2)
        sage: res = direct_sum_trace(mha, independent_parts(mha, bundle=1)); res.number_of_laws, res.certified
        (4, True)
        sage: res.reason
        'direct sum of 4 parts with disjoint coordinates (brackets across parts vanish), every part certified'
        sage: whole = mha.lie_trace(laws=mha.known_conservation_laws())     # the whole family at once
        sage: whole.number_of_laws, whole.point == res.point
        (4, True)
    """
    t0 = time.time()
    R = model.polynomial_ring()
    pt = model._point(point, seed)
    parts = independent_parts(model) if parts is None else parts
    known = model.known_conservation_laws()
    results, free = [], 0
    for ks, phis in parts:
        if not phis:
            free += len(ks)
            continue
        names = [R.variable_names()[k] for k in ks]
        S = PolynomialRing(R.base_ring(), len(names), names)
        inside = set(R.gen(k) for k in ks)
        laws = [_restrict(h, ks, S) for h in known if h and set(h.variables()) <= inside]
        sub = Reparametrization(S, [_restrict(f, ks, S) for f in phis])
        sub_pt = [pt[k] for k in ks]
        res = None
        if not laws and options.get('method', 'auto') == 'auto':
            # first the fast trace alone: it certifies by itself when it reaches the dimension
            # of the part (no law), and the search for polynomial laws is then wasted
            first = dict(options, method='fast', certify_with_degree=None)
            res = sub.lie_trace(point=sub_pt, **first)
            if not res.certified:
                res = None
        if res is None:
            res = sub.lie_trace(point=sub_pt, laws=laws if laws else None, **options)
        results.append(res)
    certificate = direct_sum([_part_certificate(r) for r in results], free, model.generators().law_scope())
    return _sum_of_parts(model, pt, point is None, results, free, certificate, t0)


def _sum_of_parts(model, point, random_point, results, free, certificate, t0):
    r"""
    The result of a direct sum (:func:`direct_sum_trace`,
    :func:`equivalent_parts_trace`) from its parts' ``results``: the
    dimensions added level by level (a part that stopped earlier keeps its
    last dimension), ``free`` coordinates no field involves (each a known
    law), the sum's ``certificate``; the known laws, the generic dimension and
    its proven lower bound are sums when every part has them (the generic
    points of a product of disjoint coordinates are the products of generic
    points, so the generic dimension of the sum is the sum of the parts').

    TESTS::

        sage: from sage_conslaw import Reparametrization
        sage: from sage_conslaw.core.certificate import direct_sum
        sage: from sage_conslaw.core.subsets import _sum_of_parts, _part_certificate
        sage: R.<a,b,c> = QQ[]; S.<u,v> = QQ[]; T = PolynomialRing(QQ, "w", 1); w = T.gen()
        sage: r1 = Reparametrization([u*v]).lie_trace(); r2 = Reparametrization([w]).lie_trace()
        sage: model = Reparametrization([a*b, c])
        sage: cert = direct_sum([_part_certificate(r) for r in (r1, r2)], 0, model.generators().law_scope())
        sage: res = _sum_of_parts(model, vector(QQ, [1, 2, 3]), False, [r1, r2], 0, cert, 0)
        sage: res.dimensions, res.certified, res.number_of_laws, res.number_of_laws == model.lie_trace().number_of_laws
        ([2], True, 1, True)
        sage: r1.generic_lower_bound, r2.generic_lower_bound = 1, 1     # e.g. fast ranks at random points
        sage: _sum_of_parts(model, vector(QQ, [1, 2, 3]), False, [r1, r2], 0, cert, 0).generic_lower_bound
        2
        sage: r2.generic_lower_bound = None
        sage: _sum_of_parts(model, vector(QQ, [1, 2, 3]), False, [r1, r2], 0, cert, 0).generic_lower_bound is None
        True
    """
    steps = max([len(r.dimensions) for r in results] + [1])
    dims = [sum(r.dimensions[min(k, len(r.dimensions) - 1)] for r in results) for k in range(steps)]
    known_n = [r.known_laws for r in results]
    generic = [r.generic_dimension for r in results]
    lower = [r.generic_lower_bound for r in results]
    return LieTraceResult(model.generators(), point, random_point, dims,
                          max([r.stopped_at for r in results] + [0]), certificate.certified, certificate.reason,
                          "/".join(sorted({r.method for r in results})) or "fast",
                          prime=next((r.prime for r in results if r.prime is not None), None),
                          known_laws=None if None in known_n else sum(known_n) + free,
                          lie_algebra_closed=all(r.lie_algebra_closed for r in results),
                          generic_dimension=None if None in generic else sum(generic),
                          generic_lower_bound=None if None in lower else sum(lower),
                          seconds=round(time.time() - t0, 3), certificate=certificate)


def _part_certificate(res):
    r"""
    The certificate of one part's result: its own, or, for a result without
    one, the record of its rank, verdict and reason.

    TESTS::

        sage: from sage_conslaw import Reparametrization
        sage: from sage_conslaw.core.subsets import _part_certificate
        sage: R.<u,v> = QQ[]
        sage: res = Reparametrization([u*v]).lie_trace()
        sage: _part_certificate(res) is res.certificate
        True
        sage: res.certificate = None; c = _part_certificate(res); c.certified, c.lower, c.upper
        (True, 1, 1)
    """
    if res.certificate is not None:
        return res.certificate
    upper = res.dimension if res.certified else res.D
    return Certificate(res.D, res.dimension, res.method, upper, "the part's result", res.reason)


def equivalent_parts_trace(model, parts, point=None, seed=0, why=None, **options):
    r"""
    Compute the Lie trace of a reparametrization whose coordinates split into
    parts, each of which is *another model* up to the order of its
    coordinates: `\dim \mathrm{Lie}(W_\phi)(\theta) = \sum_i \dim
    \mathrm{Lie}(W_{\psi_i})(\theta_i)`, every part traced by its own model
    (and its own engine: a linear or ReLU network is traced at scale by matrix
    products, :mod:`~sage_conslaw.core.jets`) -- the model's ring of `D`
    variables is never built.

    **Why the sum is exact.**  Part `i` is a list of coordinates `k_{i,1},
    \dots, k_{i,D_i}` of the model and a model `\psi_i` on `\RR^{D_i}` such
    that the components of `\phi` involving these coordinates are, after
    renaming `\theta_{k_{i,j}}` as the `j`-th coordinate of `\psi_i`, the
    components of `\psi_i` (in some order), and every component of `\phi`
    involves the coordinates of one part only.  Then (as in
    :func:`direct_sum_trace`) the gradient fields of different parts act on
    disjoint coordinates and commute, so `\mathrm{Lie}(W_\phi)` is the direct
    sum of the parts' algebras; a permutation of coordinates is an isometry,
    so it carries the gradients of a part and all their brackets to those of
    `\psi_i`, and the order of the components does not change `W`.  A part
    whose model is ``None`` is a set of coordinates no component involves: each
    is a law, certified by itself.  That the parts are what they say is the
    caller's construction (the architectures check it against their symbolic
    `\phi` in their tests).  Parts given the same model object at the default
    point are traced once (the heads of a multi-head layer).

    With ``why``, the components of the parts need not be the model's: ``why``
    is the caller's proof that `\mathrm{Lie}(W_\phi)` is, as an algebra of
    vector fields, the direct sum of the parts' algebras (so its value at every
    point is the sum of theirs), named in the certificate's reason.

    INPUT:

    - ``model`` -- a reparametrization (an architecture)
    - ``parts`` -- a list of triples ``(ks, psi, what)``: the model's
      coordinates of the part (``ks[j]`` is the `j`-th coordinate of ``psi``),
      the model ``psi`` of the part (or ``None``: free coordinates), and what it
      is (for the certificate's reason)
    - ``point`` -- the point `\theta` (`D` exact numbers); default: each part
      its own default point (its certificate point at scale), assembled
    - ``seed`` and the options of :func:`~sage_conslaw.core.trace.lie_trace`,
      passed to every part
    - ``why`` -- (optional) the proof that `\mathrm{Lie}(W_\phi)` is the direct
      sum of the parts' algebras when their components are not `\phi`'s (see above)

    OUTPUT: a :class:`~sage_conslaw.core.trace.LieTraceResult` for the whole model

    EXAMPLES:

    `\phi(a, b, c, d, e) = (ab, dc)`: the parts `(a, b)` and `(d, c)` are each
    the product `uv` (the linear network `[1, 1, 1]`), `e` is free::

        sage: from sage_conslaw import Reparametrization
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.core.subsets import equivalent_parts_trace
        sage: R.<a,b,c,d,e> = QQ[]
        sage: phi = Reparametrization([a*b, d*c]); uv = LinearNetwork([1, 1, 1])
        sage: parts = [([0, 1], uv, "uv"), ([3, 2], uv, "uv"), ([4], None, None)]
        sage: res = equivalent_parts_trace(phi, parts); res.number_of_laws, res.certified
        (3, True)
        sage: res.number_of_laws == phi.lie_trace().number_of_laws
        True
        sage: print(res.reason)
        direct sum of 3 parts with disjoint coordinates (brackets across parts vanish), every part certified; each part is, up to the order of its coordinates and components (a permutation carries the gradients and their brackets): 2 x uv
        sage: res = equivalent_parts_trace(phi, parts, point=[1, 2, 3, 4, 5]); res.point, res.dimensions
        ((1, 2, 3, 4, 5), [2])
        sage: equivalent_parts_trace(phi, parts, point={a: 1, b: 2, c: 3, d: 4, e: 5}).point
        (1, 2, 3, 4, 5)
        sage: equivalent_parts_trace(phi, parts[:2])
        Traceback (most recent call last):
        ...
        ValueError: the parts must cover the D = 5 coordinates once each, got 4 coordinates
    """
    t0 = time.time()
    D = model.D
    covered = sorted(k for ks, _, _ in parts for k in ks)
    if covered != list(range(D)):
        raise ValueError("the parts must cover the D = %s coordinates once each, got %s coordinates"
                         % (D, len(covered)))
    for ks, psi, _ in parts:
        if psi is not None and psi.D != len(ks):
            raise ValueError("a part of %s coordinates is given a model of D = %s" % (len(ks), psi.D))
    # a dict names the model's variables (its ring is built for it); a list is read without a ring
    given = (None if point is None else model._point(point) if isinstance(point, dict)
             else as_exact_point(point, D, QQ))
    pt = [None] * D
    results, whats, free, done = [], [], 0, {}
    for ks, psi, what in parts:
        if psi is None:
            free += len(ks)
            for k in ks:           # any value: no field involves a free coordinate
                pt[k] = QQ.zero() if given is None else given[k]
            continue
        if given is None and id(psi) in done:
            res = done[id(psi)]        # the same model at its same default point: the same trace
        else:
            res = psi.lie_trace(point=None if given is None else [given[k] for k in ks], seed=seed, **options)
            done[id(psi)] = res
        for k, x in zip(ks, res.point):
            pt[k] = x
        results.append(res)
        whats.append(what)
    pt = FreeModule(QQ, D)(pt)
    pt.set_immutable()
    certificate = direct_sum([_part_certificate(r) for r in results], free, model.generators().law_scope(),
                             equivalents=whats, why=why)
    return _sum_of_parts(model, pt, given is None and all(r.random_point for r in results), results, free,
                         certificate, t0)
