# sage.doctest: optional - torch
r"""
The package's families as network graphs: :func:`network_of`.

A :class:`~sage_conslaw.architectures.linear.LinearNetwork`,
:class:`~sage_conslaw.architectures.relu.ReLUNetwork`,
:class:`~sage_conslaw.architectures.conv.ConvNetwork`,
:class:`~sage_conslaw.architectures.activations.MLP` (one activation per
layer), :class:`~sage_conslaw.architectures.normalization.NormalizedMLP`
(LayerNorm or RMSNorm, with its `\varepsilon`),
:class:`~sage_conslaw.architectures.swiglu.GatedMLP` (the gate times the
linear branch, ``'mul'``), a
:class:`~sage_conslaw.architectures.compose.Residual` of those and a
:class:`~sage_conslaw.architectures.compose.Sequential` of those become one
:class:`~sage_conslaw.network.graph.Network` with the same `\theta` (same
order, same variable names): composed blocks then get the `\phi` and the laws
of the whole network, across their boundaries, not the direct product of the
blocks' `\phi`.  This is also what gives these families the laws of a data
set (``family.lie_trace(data=X)``, :mod:`~sage_conslaw.datalaws.graph`).

The families' softplus is `\log(1 + e^z)` everywhere: the graph's op gets
the threshold :data:`NO_SOFTPLUS_THRESHOLD`, not PyTorch's `20`.  Refused:
the families with no data input (:class:`~sage_conslaw.architectures.linear.MatrixFactorization`,
NMF), the ICNN (a mirror flow), and the families not read yet (attention has
its own data route, :mod:`~sage_conslaw.datalaws.attention`); see :data:`REFUSED`.

EXAMPLES:

A linear layer after a ReLU block: the composition by blocks misses the laws
coupling the layer with the block's outer layer; the network has them::

    sage: from sage_conslaw.architectures import Sequential, ReLUNetwork, LinearNetwork
    sage: from sage_conslaw.network import NetworkModel
    sage: from sage_conslaw.network.families import network_of
    sage: seq = Sequential([ReLUNetwork([2, 2, 2]), LinearNetwork([2, 2])])
    sage: seq.number_of_conservation_laws()
    2
    sage: res = NetworkModel(network_of(seq)).lie_trace(); res.number_of_laws, res.certified  # optional - torch
    (5, True)

``ConvNetwork(1, 2, 1, 1, 1)``: its `\phi` (the kernel products) has 2 laws;
the network, where both first-layer weights have the same sign, has 3::

    sage: from sage_conslaw.architectures import ConvNetwork
    sage: M = NetworkModel(network_of(ConvNetwork(1, 2, 1, 1, 1)))
    sage: a, b = M.lie_trace(point=[1, 2, 3, 4]), M.lie_trace(point=[1, -2, 3, 4])  # optional - torch
    sage: (a.number_of_laws, a.certified), (b.number_of_laws, b.certified)  # optional - torch
    ((3, True), (2, True))

An MLP with a GELU then a ReLU layer: the graph's generic count is the
family's (the ReLU neurons' rescalings); on data in a line, each GELU neuron
also freezes the direction of its incoming weights and bias orthogonal to
the `(x_i, 1)`::

    sage: from sage_conslaw.architectures.activations import MLP
    sage: net = MLP(2, [2, 2], 1, ['gelu', 'relu'])
    sage: NetworkModel(network_of(net)).lie_trace().number_of_laws, net.network_trace().number_of_laws  # optional - torch
    (2, 2)
    sage: th = [4, 6, -18, -4, 12, 11, 5, -1, 10, 2, 17, -7, 12, -12, -2]
    sage: res = net.lie_trace(data=[[i/3, i/3] for i in range(-8, 9)], point=th)
    sage: res.number_of_laws, res.certified, len(res.laws_by_kind()['frozen'])
    (4, True, 2)

A LayerNorm block (with `\varepsilon = 0`: the scale law) and a SwiGLU
block on generic data: their generic counts::

    sage: from sage_conslaw.architectures.normalization import NormalizedMLP
    sage: from sage_conslaw.architectures.swiglu import GatedMLP
    sage: X = [[i, (i * i) % 7 - 3] for i in range(-10, 10)]
    sage: th = [4, 6, -18, -4, 12, 11, 5, -1, 10, 2, 17, -7, 12, -12, -2, -12, -14, 19, -4]
    sage: a = NormalizedMLP(2, 3, 1, 'layer').lie_trace(data=X, point=th)
    sage: b = GatedMLP(2, 2, 1).lie_trace(data=X, point=th[:10])
    sage: (a.number_of_laws, a.certified), (b.number_of_laws, b.certified)
    ((7, True), (2, True))
    sage: NormalizedMLP(2, 3, 1, 'layer').network_trace().number_of_laws, GatedMLP(2, 2, 1).network_trace().number_of_laws
    (7, 2)
"""
from sage_conslaw.architectures import ConvNetwork, LinearNetwork, ReLUNetwork, Residual, Sequential
from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.normalization import NormalizedMLP
from sage_conslaw.architectures.swiglu import GatedMLP
from sage_conslaw.network.graph import Network

#: What :func:`network_of` reads, for its error message.
READ = ("LinearNetwork, ReLUNetwork, ConvNetwork, MLP, NormalizedMLP, GatedMLP and their Residual/Sequential "
        "compositions")

#: Why the families :func:`network_of` does not read are refused (for its error message).
REFUSED = {
    "MatrixFactorization": "its function has no data input (the model is the matrix UV^T itself)",
    "NMF": "its function has no data input (the model is the matrix itself)",
    "ScalarTimesVector": "its function has no data input",
    "ICNN": "it is trained by a mirror flow on U (a metric the graph's Euclidean gradient flow does not take)",
}

#: The softplus threshold of the graph for the families' softplus: the
#: families compute `\log(1 + e^z)` for every `z` (no threshold, unlike
#: PyTorch's ``threshold=20``); a threshold no finite ball reaches in practice
#: keeps the graph's function the family's.
NO_SOFTPLUS_THRESHOLD = 10 ** 300

#: The graph op of each activation of the families (``'linear'`` is the identity).
_ACTIVATION_OPS = {"gelu": "gelu", "silu": "silu", "tanh": "tanh", "sigmoid": "sigmoid", "softplus": "softplus",
                   "relu": "relu", "linear": "identity"}


def _vector_or_matrix_index(P, a, b):
    r"""
    The index in the network's parameter of entry ``(a, b)`` of the family's
    parameter ``P`` (a column vector is a vector).

    TESTS::

        sage: from sage_conslaw.architectures.base import Parameter
        sage: from sage_conslaw.network.families import _vector_or_matrix_index
        sage: _vector_or_matrix_index(Parameter('b', (3, 1)), 2, 0), _vector_or_matrix_index(Parameter('U', (2, 2)), 1, 0)
        ((2,), (1, 0))
    """
    return (a,) if P.shape[1] == 1 and P.name[0] in 'bc' else (a, b)


def _build(net, x, family, prefix, layout, entries):
    r"""
    Add the ops of ``family`` reading node ``x``; return the output node.
    ``entries`` collects, for every coordinate of the family's `\theta` (offset in
    ``layout``), the network's ``(parameter name, index)``.

    TESTS::

        sage: from sage_conslaw.architectures import Attention, ReLUNetwork
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.families import _build, network_of
        sage: f = ReLUNetwork([1, 2, 3]); net = Network(); x = net.input('x', (3,)); entries = {}
        sage: y = _build(net, x, f, "", {P.name: P for P in f.layout()}, entries)
        sage: len(entries) == f.D, sorted(set(name for name, _ in entries.values()))
        (True, ['U1', 'U2'])
        sage: network_of(Attention(2, 1, 1, 2))
        Traceback (most recent call last):
        ...
        ValueError: network_of reads LinearNetwork, ReLUNetwork, ConvNetwork, MLP, NormalizedMLP, GatedMLP and their Residual/Sequential compositions, not Attention: not read yet (...)
    """
    if isinstance(family, (LinearNetwork, ReLUNetwork)) and type(family).__name__ in ('LinearNetwork', 'ReLUNetwork'):
        dims = family.dims
        q = len(dims) - 1
        bias = getattr(family, 'bias', False)
        params = {}
        for P in family.layout():
            full = layout[prefix + P.name]
            shape = (P.shape[0],) if _vector_or_matrix_index(P, 0, 0) == (0,) else P.shape
            params[P.name] = net.parameter(prefix + P.name, shape)
            for a in range(P.shape[0]):
                for b in range(P.shape[1]):
                    entries[full.offset + a * P.shape[1] + b] = (prefix + P.name, _vector_or_matrix_index(P, a, b))
        relu = isinstance(family, ReLUNetwork)
        for i in range(q, 0, -1):                 # U_q reads the input, U_1 gives the output
            args = [x, params["U%s" % i]]
            if bias:
                args.append(params["c" if i == 1 else "b%s" % (i - 1)])
            x = net.op('linear', args, name="%sU%s" % (prefix, i))
            if relu and i > 1:
                x = net.op('relu', [x], name="%srelu%s" % (prefix, i - 1))
        return x
    if isinstance(family, ConvNetwork):
        C_in, C_h, C_out, K1, K2 = (family.in_channels, family.hidden_channels, family.out_channels,
                                    family.kernel1, family.kernel2)
        shapes = {"W1": (C_h, C_in, K1), "W2": (C_out, C_h, K2), "b1": (C_h,), "b2": (C_out,)}
        params = {}
        for P in family.layout():
            full = layout[prefix + P.name]
            params[P.name] = net.parameter(prefix + P.name, shapes[P.name])
            K = K1 if P.name == "W1" else K2
            for a in range(P.shape[0]):
                for b in range(P.shape[1]):
                    idx = (a, b // K, b % K) if P.name[0] == "W" else (a,)
                    entries[full.offset + a * P.shape[1] + b] = (prefix + P.name, idx)
        h = net.op('conv1d', [x, params["W1"]] + ([params["b1"]] if family.bias else []), name=prefix + "conv1")
        h = net.op('relu', [h], name=prefix + "relu")
        return net.op('conv1d', [h, params["W2"]] + ([params["b2"]] if family.bias else []), name=prefix + "conv2")
    if isinstance(family, Residual):
        y = _build(net, x, family.block(), prefix, layout, entries)
        return net.op('add', [x, y], name=prefix + "residual")
    if isinstance(family, Sequential):
        for name, block in family.blocks().items():
            x = _build(net, x, block, prefix + name + "_", layout, entries)
        return x
    if isinstance(family, GatedMLP):
        params = _parameters(net, family, prefix, layout, entries)
        bias = (lambda k: [params["b%s" % k]]) if family.bias else (lambda k: [])
        a = net.op('linear', [x, params["W1"]] + bias(1), name=prefix + "W1")
        a = net.op(_ACTIVATION_OPS[family.gate], [a], name=prefix + "gate",
                   **({'threshold': NO_SOFTPLUS_THRESHOLD} if family.gate == 'softplus' else {}))
        u = net.op('linear', [x, params["W2"]] + bias(2), name=prefix + "W2")
        h = net.op('mul', [a, u], name=prefix + "glu")
        return net.op('linear', [h, params["W3"]] + bias(3), name=prefix + "W3")
    if isinstance(family, (MLP, NormalizedMLP)):
        params = _parameters(net, family, prefix, layout, entries)
        if isinstance(family, MLP):
            n = len(family.hidden) + 1
            for i in range(1, n + 1):
                args = [x, params["W%s" % i]] + ([params["b%s" % i]] if family.bias else [])
                x = net.op('linear', args, name="%sW%s" % (prefix, i))
                if i < n:
                    act = family.activations[i - 1]
                    attrs = {'threshold': NO_SOFTPLUS_THRESHOLD} if act == 'softplus' else {}
                    x = net.op(_ACTIVATION_OPS[act], [x], name="%s%s%s" % (prefix, act, i), **attrs)
            return x
        x = net.op('linear', [x, params["W1"]] + ([params["b1"]] if family.bias else []), name=prefix + "W1")
        kind = 'layer_norm' if family.norm == 'layer' else 'rms_norm'
        shift = family.affine and family.norm == 'layer'
        args = [x] + ([params["gamma"]] if family.affine else []) + ([params["beta"]] if shift else [])
        x = net.op(kind, args, name=prefix + family.norm + "_norm", eps=family.eps, gain=family.affine, shift=shift)
        return net.op('linear', [x, params["W2"]] + ([params["b2"]] if family.bias else []), name=prefix + "W2")
    raise ValueError(_refusal(family))


def _refusal(family):
    r"""
    The sentence :func:`network_of` raises for a family it does not read, with the reason when known.

    TESTS::

        sage: from sage_conslaw.architectures import ICNN, MatrixFactorization
        sage: from sage_conslaw.network.families import _refusal
        sage: _refusal(ICNN(1, 1, 1))
        "network_of reads LinearNetwork, ..., not ICNN: it is trained by a mirror flow on U (...)"
        sage: _refusal(MatrixFactorization(1, 1, 1)).endswith('not MatrixFactorization: its function has no data input (the model is the matrix UV^T itself)')
        True
    """
    name = type(family).__name__
    return "network_of reads %s, not %s: %s" % (
        READ, name, REFUSED.get(name, "not read yet (its network function is computed by the family)"))


def _parameters(net, family, prefix, layout, entries):
    r"""
    The network's parameters of a family whose parameters are matrices (in
    PyTorch's orientation) and column vectors (shape ``(n, 1)``: a vector of
    the network), row-major; fill ``entries`` (see :func:`_build`).

    TESTS::

        sage: from sage_conslaw.architectures.normalization import NormalizedMLP
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.families import _parameters
        sage: fam, net, entries = NormalizedMLP(1, 2, 1, 'rms'), Network(), {}
        sage: sorted(_parameters(net, fam, "", {P.name: P for P in fam.layout()}, entries)), entries[3], entries[6]
        (['W1', 'W2', 'b1', 'b2', 'gamma'], ('b1', (1,)), ('W2', (0, 0)))
    """
    params = {}
    for P in family.layout():
        full = layout[prefix + P.name]
        r, c = P.shape
        vector = c == 1 and not P.name.startswith("W")
        params[P.name] = net.parameter(prefix + P.name, (r,) if vector else (r, c))
        for a in range(r):
            for b in range(c):
                entries[full.offset + a * c + b] = (prefix + P.name, (a,) if vector else (a, b))
    return params


def _input_shape(family):
    r"""
    The input shape of the network of a family (a convolution reads `K_1 + K_2` positions).

    TESTS::

        sage: from sage_conslaw.architectures import ConvNetwork, ReLUNetwork, Sequential
        sage: from sage_conslaw.network.families import _input_shape
        sage: _input_shape(ConvNetwork(2, 1, 1, 2, 3)), _input_shape(Sequential([ReLUNetwork([1, 2, 3])]))
        ((2, 5), (3,))
    """
    if isinstance(family, ConvNetwork):
        return (family.in_channels, family.kernel1 + family.kernel2)
    if isinstance(family, Residual):
        return _input_shape(family.block())
    if isinstance(family, Sequential):
        return _input_shape(list(family.blocks().values())[0])
    if isinstance(family, (MLP, NormalizedMLP, GatedMLP)):
        return (family.d_in,)
    if not hasattr(family, 'dims'):
        raise ValueError(_refusal(family))
    return (family.dims[-1],)


def network_of(family):
    r"""
    The network graph of a family of the package, with the same `\theta`
    (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.network.families import network_of
        sage: net = network_of(ReLUNetwork([1, 2, 3], bias=True)); net
        Network: input x (3), 4 parameters (D = 11), 3 ops (linear, relu, linear), output 1 node
        sage: [v for v, _, _ in net.layout()] == list(ReLUNetwork([1, 2, 3], bias=True).polynomial_ring().variable_names())
        True
    """
    net = Network()
    x = net.input('x', _input_shape(family))
    layout = {P.name: P for P in family.layout()}
    entries = {}
    y = _build(net, x, family, "", layout, entries)
    net.output(y)
    names = family.polynomial_ring().variable_names()
    net.set_layout([(names[k], entries[k][0], entries[k][1]) for k in range(len(names))])
    return net
