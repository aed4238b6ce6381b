r"""
`\phi` of the whole network, across block boundaries.

The network is evaluated on Sage polynomials in `\theta`, the entries of one
input and one formal 0/1 symbol per ReLU unit and per Dropout entry (a
leaky ReLU is `z(a + (1-a)\varepsilon)`); the result is a polynomial
`g = \sum_\alpha \phi_\alpha(\theta)\, m_\alpha(x, \varepsilon)`, and the
coefficients `\phi_\alpha` (in `\theta` only) are the components of `\phi`
(symbols reduced by `\varepsilon^2 = \varepsilon`).  On every region the
symbols are constants, so each field `\nabla_\theta g(\theta, x)` is a
combination of the `\nabla\phi_\alpha` with locally constant coefficients:
`\mathrm{Lie}(W_{net}) \subseteq \mathrm{Lie}(W_\phi)`, and every law of
`\phi` is a law of the network.  Transparent ops pass through, linear maps
compose, ReLUs give path products, residual additions add paths -- whatever
the block boundaries.

EXAMPLES::

    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.phi import network_phi
    sage: net = Network.sequential(1, [('linear', 2, False), 'relu', ('linear', 1, False)])
    sage: network_phi(net)
    [L0_weight_0_0*L2_weight_0_0, L0_weight_1_0*L2_weight_0_1]
"""
import numpy as np

from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.network.backends import ObjectBackend, evaluate, _qq
from sage_conslaw.network.ops import get_op

#: The largest number of expanded terms of the network polynomial formed for `\phi`.
MAX_PHI_TERMS = 200000


def _shared_symbols(R, D, nx, point):
    r"""
    The symbols function of the symbolic backend with **shared regions**: a
    unit whose pre-activation factors as `f(\theta)\, e(x, \varepsilon)`, with
    `f(\theta_0) \neq 0` at ``point``, is active exactly where `\mathrm{sign}
    f(\theta_0)\, e > 0` near `\theta_0`: units with the same `\pm e` share one
    symbol (`\varepsilon` or `1 - \varepsilon`).  Without ``point``, one symbol per unit.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.phi import network_phi
        sage: net = Network.sequential(1, [('linear', 2, False), 'relu', ('linear', 1, False)])
        sage: network_phi(net, point=[1, 2, 3, 4])     # both units active exactly where x > 0
        [L0_weight_0_0*L2_weight_0_0 + L0_weight_1_0*L2_weight_0_1]

    Without ``point``, each unit keeps its own symbols (its slots)::

        sage: from sage_conslaw.network.phi import _shared_symbols
        sage: R = PolynomialRing(QQ, 't', 5); relu = net.nodes[3]; relu.op
        'relu'
        sage: _shared_symbols(R, 2, 1, None)(relu, 'relu', (2,), {relu.index: (0, 2)}).tolist()
        [t3, t4]
    """
    g = R.gens()
    state = {'next': {}, 'keys': {}}

    def symbols(node, kind, shape, slots, z=None):
        start, size = slots[node.index]
        own = np.array(g[D + nx + start:D + nx + start + size], dtype=object).reshape(shape)
        if point is None or z is None or kind != 'relu':
            return own
        out = np.empty(shape, dtype=object)
        flat_out, flat_own = out.reshape(-1), own.reshape(-1)
        for u, zu in enumerate(np.asarray(z).reshape(-1)):
            zu = R(zu)
            groups = {}
            for exps, c in zu.dict().items():
                rest = exps[D:]
                mono = R({tuple([0] * D) + tuple(rest): 1})
                groups.setdefault(rest, [0, mono])
                groups[rest][0] += c * R({tuple(exps[:D]) + tuple([0] * (len(exps) - D)): 1})
            coeffs = [v[0] for v in groups.values()]
            f = coeffs[0] if coeffs else R(0)
            ratios = [c / f for c in coeffs] if f != 0 else []
            if not ratios or not all(r in R.base_ring() for r in (R.fraction_field()(r) for r in ratios)):
                flat_out[u] = flat_own[u]
                continue
            sign = f(*(list(point) + [0] * (len(g) - D)))
            if sign == 0:
                flat_out[u] = flat_own[u]
                continue
            e = sum(R.base_ring()(R.fraction_field()(c / f)) * v[1] for c, v in zip(coeffs, groups.values()))
            e = e if sign > 0 else -e
            key, neg = e / abs(e.lc()), -e / abs(e.lc())
            if key in state['keys']:
                flat_out[u] = state['keys'][key]
            elif neg in state['keys']:
                flat_out[u] = 1 - state['keys'][neg]
            else:
                state['keys'][key] = flat_own[u]
                flat_out[u] = flat_own[u]
        return out
    return symbols


def network_phi(net, ring=None, point=None):
    r"""
    The components of `\phi` of the network (see the module documentation), as
    polynomials of ``ring`` (default: `\QQ[\theta]` with the layout's names).

    EXAMPLES:

    A linear map, a ReLU, a Dropout and a linear map: the path products and the biases::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.phi import network_phi
        sage: net = Network.sequential(1, [('linear', 1), 'relu', ('dropout', 0.5), ('linear', 1)])
        sage: network_phi(net)
        [L0_weight_0_0*L3_weight_0_0, L0_bias_0*L3_weight_0_0, L3_bias_0]
        sage: network_phi(Network.sequential(600, [('linear', 600)]))
        Traceback (most recent call last):
        ...
        ValueError: phi of this network is too large to expand (360600 parameters); the certificate of network_trace does not need it
    """
    names = [v for v, _, _ in net.layout()]
    if len(names) > 20000:
        raise ValueError("phi of this network is too large to expand (%s parameters); the certificate of "
                         "network_trace does not need it" % len(names))
    if ring is None:
        ring = PolynomialRing(QQ, names) if names else QQ
    xnames, snames, slots = [], [], {}
    for n in net.inputs():
        xnames += ["x%s_%s" % (n.index, i) for i in range(n.size)]
    for n in net.ops():
        if get_op(n.op).kind in ('homogeneous', 'mask'):        # one formal 0/1 symbol per entry
            size = int(np.prod(net.shape_of(n.index)))
            slots[n.index] = (len(snames), size)
            snames += ["e%s_%s" % (n.index, i) for i in range(size)]
    R = PolynomialRing(QQ, names + xnames + snames)
    g = R.gens()
    D, nx = len(names), len(xnames)

    shared = _shared_symbols(R, D, nx, None if point is None else [_qq(t) for t in point])

    def symbols(node, kind, shape, z=None):
        return shared(node, kind, shape, slots, z)
    B = ObjectBackend('symbolic', symbols=symbols)
    inputs, k = [], D
    for n in net.inputs():
        inputs.append(np.array(g[k:k + n.size], dtype=object).reshape((1,) + n.shape))
        k += n.size
    vals = evaluate(net, B, list(g[:D]), inputs)
    comps = {}
    total = 0
    for o in net.outputs:
        for out_i, f in enumerate(np.asarray(vals[o]).reshape(-1)):
            f = R(f)
            total += len(f.dict())
            if total > MAX_PHI_TERMS:
                raise ValueError("phi of this network has more than %s terms once expanded" % MAX_PHI_TERMS)
            for exps, c in f.dict().items():
                key = (o, out_i, tuple(min(e, 1) if j >= nx else e for j, e in enumerate(exps[D:])))
                mono = c
                for j, e in enumerate(exps[:D]):
                    if e:
                        mono *= ring.gen(j) ** e
                comps[key] = comps.get(key, 0) + mono
    out = []
    seen = set()
    for key in comps:
        h = ring(comps[key])
        if h == 0:
            continue
        lc = h.lc()
        h = h / lc
        if h not in seen:
            seen.add(h)
            out.append(h)
    return out
