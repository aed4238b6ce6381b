r"""
The network as a graph: :class:`Network`.

A :class:`Network` is a directed acyclic graph of *nodes*, listed in
topological order: network **inputs** (a shape without the batch axis),
**parameters** (trainable -- the coordinates of `\theta` -- or **frozen**:
constants whose values are kept, said in every result), **constants**
(buffers, fixed arrays) and **op** nodes (an op kind of the registry
:mod:`sage_conslaw.network.ops`, its argument nodes, its attributes).  A
parameter used by several ops is **tied**: one parameter, several uses (a
``torch.nn.Linear`` called twice gives one parameter node read twice).

`\theta` lists the entries of the trainable parameters, parameter after
parameter (row-major inside each); :meth:`Network.layout` gives, for every
coordinate, ``(variable name, parameter name, index)``.

EXAMPLES::

    sage: from sage_conslaw.network import Network
    sage: net = Network()
    sage: x = net.input('x', (3,))
    sage: W1 = net.parameter('W1', (4, 3)); b1 = net.parameter('b1', (4,))
    sage: W2 = net.parameter('W2', (2, 4))
    sage: h = net.op('relu', [net.op('linear', [x, W1, b1])])
    sage: y = net.op('linear', [net.op('dropout', [h], p=1/2), W2])
    sage: net.output(y); net
    Network: input x (3), 3 parameters (D = 24), 4 ops (linear, relu, dropout, linear), output 1 node
    sage: net.D, net.layout()[0]
    (24, ('W1_0_0', 'W1', (0, 0)))
"""
import operator
import itertools
import re

import numpy as np

from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.core.checks import boolean
from sage_conslaw.network.ops import OPS, get_op


class Node:
    r"""
    One node of a :class:`Network`.

    Attributes: ``index`` (its position), ``role`` (``'input'``,
    ``'parameter'``, ``'constant'``, ``'op'``), ``name``, ``shape`` (inputs and
    parameters: without a batch axis), ``op`` (the op kind's name), ``args``
    (argument node indices), ``attrs`` (a dict), ``trainable``, ``value``
    (frozen parameters and constants: a numpy array), ``source`` (where it
    comes from, e.g. the ``torch.fx`` node, for messages).

    EXAMPLES::

        sage: from sage_conslaw.network.graph import Node
        sage: Node(0, 'input', 'x', shape=(2,))
        input x (2)
    """

    def __init__(self, index, role, name, shape=None, op=None, args=(), attrs=None, trainable=True,
                 value=None, source=None):
        r"""
        TESTS::

            sage: from sage_conslaw.network.graph import Node
            sage: Node(3, 'op', 'n3', op='relu', args=(2,)).args
            (2,)
        """
        self.index = index
        self.role = role
        self.name = name
        self.shape = None if shape is None else tuple(int(s) for s in shape)
        self.op = op
        self.args = tuple(args)
        self.attrs = dict(attrs or {})
        self.trainable = trainable
        self.value = value
        self.source = source

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network.graph import Node
            sage: Node(1, 'op', 'y', op='add', args=(0, 0))
            op y = add(0, 0)
            sage: Node(1, 'parameter', 'b', shape=(2,), trainable=False)
            frozen parameter b (2)
        """
        if self.role == 'op':
            return "op %s = %s(%s)" % (self.name, self.op, ", ".join(map(str, self.args)))
        what = "frozen parameter" if self.role == 'parameter' and not self.trainable else self.role
        return "%s %s (%s)" % (what, self.name, " x ".join(map(str, self.shape)))

    @property
    def size(self):
        r"""
        The number of entries (inputs, parameters, constants).

        EXAMPLES::

            sage: from sage_conslaw.network.graph import Node
            sage: Node(0, 'parameter', 'W', shape=(2, 3)).size
            6
        """
        n = 1
        for s in self.shape:
            n *= s
        return n

    def where(self):
        r"""
        The node, for messages: its name and, when known, its source.

        EXAMPLES::

            sage: from sage_conslaw.network.graph import Node
            sage: Node(0, 'op', 'y', op='relu', source='fx node relu_1 (call_function relu)').where()
            'node y (relu; fx node relu_1 (call_function relu))'
        """
        return "node %s (%s%s)" % (self.name, self.op or self.role, "; " + self.source if self.source else "")


class Network:
    r"""
    A network as a graph of ops (see the module documentation).

    Build it with :meth:`input`, :meth:`parameter`, :meth:`constant`,
    :meth:`op` and :meth:`output`, or with :meth:`sequential`, or from a
    PyTorch module (:func:`sage_conslaw.network.fx.network_from_module`) or a
    family of the package (:func:`sage_conslaw.network.families.network_of`).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: net = Network.sequential(4, [('linear', 6), 'relu', ('dropout', 0.5), ('linear', 2)])
        sage: net.D, [n.op for n in net.ops()]
        (44, ['linear', 'relu', 'dropout', 'linear'])
    """

    def __init__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: Network().nodes
            []
        """
        self.nodes = []
        self.outputs = []
        self._names = set()

    # -- building --------------------------------------------------------------------

    def _add(self, node):
        r"""
        Append a node (its name made unique); return its index.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: net = Network(); net.input('x', (1,)), net.input('x', (1,))
            (0, 1)
            sage: net.nodes[1].name
            'x_1'
            sage: from sage_conslaw.network.graph import Node
            sage: net._add(Node(2, 'input', 'x', shape=(1,))), net.nodes[2].name
            (2, 'x_2')
        """
        base, k = node.name, 1
        while node.name in self._names:
            node.name = "%s_%s" % (base, k)
            k += 1
        self._names.add(node.name)
        self.nodes.append(node)
        self._layout = None
        return node.index

    def input(self, name, shape):
        r"""
        Add a network input of the given shape (without the batch axis); return its index.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: Network().input('x', (2, 5))
            0
        """
        return self._add(Node(len(self.nodes), 'input', name, shape=shape))

    def parameter(self, name, shape, trainable=True, value=None, source=None):
        r"""
        Add a parameter; return its index.  A frozen parameter (``trainable=False``)
        is a constant and needs its ``value`` (an array of that shape).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network(); net.parameter('b', (2,), trainable=False, value=[1, 0])
            0
            sage: net.parameter('c', (2,), trainable=False)
            Traceback (most recent call last):
            ...
            ValueError: the frozen parameter c needs its value
        """
        trainable = boolean(trainable, "trainable")
        if not trainable:
            if value is None:
                raise ValueError("the frozen parameter %s needs its value" % name)
            value = np.asarray(value, dtype=object).reshape(tuple(shape))
        return self._add(Node(len(self.nodes), 'parameter', name, shape=shape, trainable=trainable,
                              value=value, source=source))

    def constant(self, name, value, source=None):
        r"""
        Add a constant array (a buffer); return its index.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network(); net.constant('M', [[1, 2]]); net.nodes[0].shape
            0
            (1, 2)
        """
        value = np.asarray(value, dtype=object)
        return self._add(Node(len(self.nodes), 'constant', name, shape=value.shape, value=value, source=source))

    def op(self, kind, args, name=None, source=None, **attrs):
        r"""
        Add an op node of a registered kind (:mod:`sage_conslaw.network.ops`)
        reading the nodes ``args``; return its index.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network(); x = net.input('x', (2,))
            sage: net.op('relu', [x])
            1

        An idempotent op applied twice is the same node (``ReLU(ReLU(z)) = ReLU(z)``:
        the second ReLU would read exact zeros that are no kink)::

            sage: net.op('relu', [1])
            1
            sage: net.op('softmax2', [x])
            Traceback (most recent call last):
            ...
            ValueError: unknown op kind 'softmax2' at node n2: the registered kinds are ...
            sage: net.op('relu', [7])
            Traceback (most recent call last):
            ...
            ValueError: the op relu reads node 7, which does not exist yet
        """
        name = name or "n%s" % len(self.nodes)
        op = get_op(kind, "node %s" % name)
        args = [_node_index(a, kind, len(self.nodes)) for a in args]
        if op.idempotent and len(args) == 1:
            source_node = self.nodes[args[0]]
            if source_node.role == 'op' and source_node.op == kind and source_node.attrs == attrs:
                return args[0]          # f(f(z)) = f(z): the same function, no new region to decide
        return self._add(Node(len(self.nodes), 'op', name, op=kind, args=args, attrs=attrs, source=source))

    def output(self, *nodes):
        r"""
        Declare output nodes (in order).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network(); x = net.input('x', (2,)); net.output(x); net.outputs
            [0]
        """
        for a in nodes:
            if not (isinstance(a, int) and 0 <= a < len(self.nodes)):
                raise ValueError("the output %s is not a node" % (a,))
            self.outputs.append(a)

    @classmethod
    def sequential(cls, input_shape, layers):
        r"""
        A chain of layers from an input shape, for users without PyTorch.

        Each layer is ``('linear', out)`` or ``('linear', out, False)`` (without
        bias), ``'relu'``, ``('leaky_relu', slope)``, ``('dropout', p)``,
        ``'identity'``, ``'flatten'``, ``('conv1d', out_channels, kernel)`` (with
        bias; ``('conv1d', out, kernel, False)`` without), ``('residual',
        [layers])`` (`x + f(x)`), an analytic activation (``'gelu'``,
        ``'silu'``, ``'tanh'``, ``'sigmoid'``, ``'softplus'``) or
        ``('layer_norm', eps)``, ``('rms_norm', eps)`` (with `\gamma`, and `\beta`
        for LayerNorm; ``('layer_norm', eps, False)`` without).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network.sequential((1, 5), [('conv1d', 2, 2), 'relu', 'flatten', ('linear', 1)])
            sage: net.D, net.shape_of(net.outputs[0])
            (15, (1,))
            sage: Network.sequential(3, [('residual', [('linear', 3), 'relu', ('linear', 3)]), ('linear', 1)]).D
            28
            sage: Network.sequential(3, [('linear', 3), ('layer_norm', 0), 'gelu', ('linear', 1)]).D
            22
            sage: Network.sequential(3, ['tanh2'])
            Traceback (most recent call last):
            ...
            ValueError: unknown layer 'tanh2' (layer 0) in Network.sequential
        """
        net = cls()
        shape = (int(input_shape),) if not isinstance(input_shape, (tuple, list)) else tuple(input_shape)
        x = net.input('x', shape)
        counter = [0]

        def chain(x, layers, prefix):
            for i, layer in enumerate(layers):
                spec = (layer,) if isinstance(layer, str) else tuple(layer)
                kind, rest = spec[0], spec[1:]
                where = "%sL%s" % (prefix, i)
                shape = net.shape_of(x)
                if kind == 'linear':
                    out, bias = int(rest[0]), (rest[1] if len(rest) > 1 else True)
                    W = net.parameter(where + '_weight', (out, shape[-1]))
                    args = [x, W] + ([net.parameter(where + '_bias', (out,))] if bias else [])
                    x = net.op('linear', args, name=where)
                elif kind == 'conv1d':
                    out, K = int(rest[0]), int(rest[1])
                    bias = rest[2] if len(rest) > 2 else True
                    W = net.parameter(where + '_weight', (out, shape[0], K))
                    args = [x, W] + ([net.parameter(where + '_bias', (out,))] if bias else [])
                    x = net.op('conv1d', args, name=where)
                elif kind == 'residual':
                    y = chain(x, rest[0], where + "_")
                    x = net.op('add', [x, y], name=where)
                elif kind == 'leaky_relu':
                    x = net.op('leaky_relu', [x], name=where, slope=rest[0])
                elif kind == 'dropout':
                    x = net.op('dropout', [x], name=where, p=rest[0] if rest else 1/2)
                elif kind in ('gelu', 'silu', 'tanh', 'sigmoid', 'softplus') and not rest:
                    x = net.op(kind, [x], name=where)
                elif kind in ('layer_norm', 'rms_norm'):
                    eps, affine = (rest[0] if rest else 0), (rest[1] if len(rest) > 1 else True)
                    args = [x] + ([net.parameter(where + '_weight', shape[-1:])] if affine else [])
                    shift = bool(affine) and kind == 'layer_norm'
                    args += [net.parameter(where + '_bias', shape[-1:])] if shift else []
                    x = net.op(kind, args, name=where, eps=eps, gain=bool(affine), shift=shift)
                elif kind in OPS and not rest and kind in ('relu', 'identity', 'flatten'):
                    x = net.op(kind, [x], name=where)
                else:
                    raise ValueError("unknown layer %r (layer %s) in Network.sequential" % (layer, i))
            return x
        net.output(chain(x, layers, ""))
        return net

    # -- reading -----------------------------------------------------------------------

    def ops(self):
        r"""
        The op nodes, in order.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: [n.op for n in Network.sequential(2, [('linear', 2), 'relu']).ops()]
            ['linear', 'relu']
        """
        return [n for n in self.nodes if n.role == 'op']

    def parameters(self, trainable=None):
        r"""
        The parameter nodes (only the trainable or frozen ones if ``trainable`` is given).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: [n.name for n in Network.sequential(2, [('linear', 2)]).parameters()]
            ['L0_weight', 'L0_bias']
        """
        return [n for n in self.nodes if n.role == 'parameter' and (trainable is None or n.trainable == trainable)]

    def inputs(self):
        r"""
        The input nodes.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: Network.sequential(2, [('linear', 2)]).inputs()
            [input x (2)]
        """
        return [n for n in self.nodes if n.role == 'input']

    def uses(self, index):
        r"""
        The op nodes reading node ``index``.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network.sequential(2, [('linear', 2)]); net.uses(1)
            [op L0 = linear(0, 1, 2)]
        """
        return [n for n in self.ops() if index in n.args]

    def layout(self):
        r"""
        For every coordinate of `\theta`: ``(variable name, parameter name, index)``.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: Network.sequential(1, [('linear', 1)]).layout()
            [('L0_weight_0_0', 'L0_weight', (0, 0)), ('L0_bias_0', 'L0_bias', (0,))]
        """
        if getattr(self, '_layout', None) is None:
            out = []
            for P in self.parameters(trainable=True):
                base = re.sub(r"\W", "_", P.name)
                if not re.match(r"[A-Za-z]", base):
                    base = "p" + base
                for idx in itertools.product(*[range(s) for s in P.shape]):
                    out.append(("%s_%s" % (base, "_".join(map(str, idx))) if idx else base, P.name, idx))
            self._layout = out
        return self._layout

    def set_layout(self, layout):
        r"""
        Replace the order and names of the coordinates of `\theta` (same entries, another order).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network.sequential(1, [('linear', 1)])
            sage: net.set_layout([('c', 'L0_bias', (0,)), ('u', 'L0_weight', (0, 0))]); net.layout()[0]
            ('c', 'L0_bias', (0,))
            sage: net.set_layout([('c', 'L0_bias', (0,))])
            Traceback (most recent call last):
            ...
            ValueError: the new layout must list the same entries as the old one
        """
        old = sorted((p, i) for _, p, i in self.layout())
        if sorted((p, tuple(i)) for _, p, i in layout) != old:
            raise ValueError("the new layout must list the same entries as the old one")
        self._layout = [(v, p, tuple(i)) for v, p, i in layout]

    def polynomial_ring(self):
        r"""
        `\QQ[\theta]`, its variables named by :meth:`layout` (the ring of the
        network's models: :class:`~sage_conslaw.network.model.NetworkModel`,
        :class:`~sage_conslaw.datalaws.graph.GraphDataModel`).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network.sequential(1, [('linear', 1)]); net.polynomial_ring()
            Multivariate Polynomial Ring in L0_weight_0_0, L0_bias_0 over Rational Field
            sage: net.polynomial_ring().ngens() == net.D
            True
        """
        names = [v for v, _, _ in self.layout()]
        return PolynomialRing(QQ, names, len(names))

    @property
    def D(self):
        r"""
        The number of trainable coordinates.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: Network.sequential(3, [('linear', 2, False)]).D
            6
        """
        return len(self.layout())

    def shape_of(self, index):
        r"""
        The shape (without batch axis) of a node's value.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: net = Network.sequential((2, 6), [('conv1d', 3, 2)]); net.shape_of(net.outputs[0])
            (3, 5)
        """
        if not hasattr(self, '_shapes') or len(self._shapes) != len(self.nodes):
            shapes = []
            for n in self.nodes:
                if n.role != 'op':
                    shapes.append(n.shape)
                else:
                    shapes.append(tuple(get_op(n.op, n.where()).shape([shapes[a] for a in n.args], n.attrs, n.where())))
            self._shapes = shapes
        return self._shapes[index]

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: Network.sequential(2, [('linear', 2)])
            Network: input x (2), 2 parameters (D = 6), 1 op (linear), output 1 node
        """
        frozen = len(self.parameters(trainable=False))
        ops = [n.op for n in self.ops()]
        shown = ", ".join(ops[:12]) + (", ..." if len(ops) > 12 else "")
        return "Network: %s, %s parameter%s (D = %s%s), %s op%s (%s), output %s node%s" % (
            ", ".join("input %s (%s)" % (n.name, " x ".join(map(str, n.shape))) for n in self.inputs()),
            len(self.parameters()), "" if len(self.parameters()) == 1 else "s", self.D,
            ", %s frozen" % frozen if frozen else "", len(ops), "" if len(ops) == 1 else "s", shown,
            len(self.outputs), "" if len(self.outputs) == 1 else "s")

    __repr__ = _repr_


def _node_index(a, kind, n):
    r"""
    The node index ``a`` read by an op ``kind`` as a Python ``int`` (Sage
    integers included), checked to be one of the ``n`` nodes already there.

    TESTS::

        sage: from sage_conslaw.network.graph import _node_index
        sage: _node_index(1, 'relu', 2), type(_node_index(1, 'relu', 2))
        (1, <class 'int'>)
        sage: _node_index(2, 'relu', 2)
        Traceback (most recent call last):
        ...
        ValueError: the op relu reads node 2, which does not exist yet
        sage: _node_index('x', 'relu', 2)
        Traceback (most recent call last):
        ...
        ValueError: the op relu reads node 'x', which does not exist yet
    """
    try:
        i = operator.index(a)
    except TypeError:
        i = None
    if i is None or not 0 <= i < n:
        raise ValueError("the op %s reads node %r, which does not exist yet" % (kind, a))
    return i
