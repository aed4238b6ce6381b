r"""
The registry of op kinds: one module per kind of layer, one registration.

**A new layer kind = one module + one registration.**  Write a subclass of
:class:`Op` in a module of this package, decorate it with
:func:`register_op`, and import the module at the end of this file.  An op
says:

- ``name`` -- the key used in :meth:`~sage_conslaw.network.graph.Network.op`;
- ``kind`` -- what the certificate may assume about it:

  * ``'polynomial'`` -- a polynomial map of its arguments (linear, conv,
    matmul, add, cat, reshapes, constant maps): exact modulo `p` and over `\QQ`;
  * ``'homogeneous'`` -- piecewise linear and positively homogeneous (ReLU,
    leaky ReLU): on each region of its inputs a linear map; the certificate
    reads the region exactly (the backend's ``relu``);
  * ``'mask'`` -- multiplication by a random mask (Dropout): the laws must
    hold for every mask; each mask gives fields of the network;
  * ``'analytic'`` -- anything else (GELU, tanh, normalization): no exact
    evaluation modulo `p`; the op calls the backend's ``analytic`` (floats:
    its ``torch_value``; balls: its ``jet``, see
    :mod:`~sage_conslaw.network.ops.analytic`) and the certificate of a
    network containing it is a rank proven in ball arithmetic
    (:mod:`sage_conslaw.network.balls`);

- :meth:`Op.shape` -- the output shape from the argument shapes (no batch axis);
- :meth:`Op.forward` -- the value, written once with the backend's
  operations (``B.matmul``, ``B.add``, ``B.relu``, ...), so that it runs on
  PyTorch float64 tensors (numerics; values modulo `p` with autograd, for the
  certificate), on exact rationals (the regions), and on Sage polynomials
  (`\phi`); see :mod:`sage_conslaw.network.backends`;
- :meth:`Op.scaling` -- how the *scaling weights* propagate (see
  :mod:`sage_conslaw.network.symmetries`): a diagonal rescaling `\theta_k
  \mapsto \lambda^{s_k}\theta_k` leaves the network invariant when every op
  output has a weight and each term of each output has the weight of its
  output;
- :meth:`Op.contraction` -- the longest sum in one output entry (it bounds the
  prime of the exact arithmetic in float64);
- what the ``torch.fx`` reader (:mod:`sage_conslaw.network.fx`) reads as this
  op: ``torch_modules`` (module classes), ``torch_functions`` (functions
  called in ``forward``), each by qualified name (``'torch.nn.Linear'``,
  ``'operator.add'``) or as the object itself, and ``torch_methods`` (tensor
  methods, by name); :meth:`Op.read_fx` turns one fx node into graph nodes
  (default: this op on the node's first argument) and :meth:`Op.fx_example`
  gives the input shape when the module starts with this layer.  Only the
  class's own declarations count (a subclass does not inherit what its parent
  reads), and the fx reader never names a layer kind itself.

EXAMPLES::

    sage: from sage_conslaw.network.ops import OPS, get_op
    sage: sorted(OPS)
    ['add', 'cat', 'conv1d', 'conv2d', 'dropout', 'flatten', 'gelu', 'identity', 'layer_norm', 'leaky_relu', 'linear', 'matmul', 'mean', 'mul', 'permute', 'pow', 'relu', 'reshape', 'rms_norm', 'rsqrt', 'scale', 'sigmoid', 'silu', 'softplus', 'tanh']
    sage: get_op('relu').kind
    'homogeneous'
    sage: get_op('linear').torch_modules
    ('torch.nn.Linear',)
"""

OPS = {}

#: The scaling weight of an entry that is identically zero (a padded entry, a
#: zero constant): its terms are dropped (see :mod:`sage_conslaw.network.symmetries`).
SKIP = -1


def register_op(cls):
    r"""
    Register an :class:`Op` subclass under its ``name`` (a class decorator).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import Op, register_op, OPS
        sage: @register_op
        ....: class Twice(Op):
        ....:     name = 'twice_test'
        ....:     def forward(self, B, args, attrs, node):
        ....:         return B.add(args[0], args[0])
        sage: 'twice_test' in OPS
        True
        sage: del OPS['twice_test']
        sage: register_op(int)
        Traceback (most recent call last):
        ...
        TypeError: register_op needs a subclass of Op with a name, got <class 'int'>
    """
    if not (isinstance(cls, type) and issubclass(cls, Op) and isinstance(cls.name, str)):
        raise TypeError("register_op needs a subclass of Op with a name, got %r" % (cls,))
    OPS[cls.name] = cls()
    return cls


def get_op(name, where="the network"):
    r"""
    The registered op of that name, or a clear error naming ``where``.

    EXAMPLES::

        sage: from sage_conslaw.network.ops import get_op
        sage: get_op('linear').name
        'linear'
        sage: get_op('gelu3', 'fx node g')
        Traceback (most recent call last):
        ...
        ValueError: unknown op kind 'gelu3' at fx node g: the registered kinds are add, cat, ...
    """
    try:
        return OPS[name]
    except (KeyError, TypeError):
        raise ValueError("unknown op kind %r at %s: the registered kinds are %s"
                         % (name, where, ", ".join(sorted(OPS))))


class Op:
    r"""
    The base class of op kinds (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network.ops import Op
        sage: Op().shape([(2,)], {}, 'here')
        (2,)
    """

    name = None
    kind = 'polynomial'
    #: whether ``f(f(z)) = f(z)``: the graph then reads an op applied twice as one node
    idempotent = False
    torch_modules = ()
    torch_functions = ()
    torch_methods = ()

    def read_fx(self, fx, node, module):
        r"""
        The graph node of one fx node read as this op (default: this op on the
        node's first argument); ``fx`` is the reader
        (:class:`~sage_conslaw.network.fx.FxReader`: ``fx.arg``, ``fx.tensor``,
        ``fx.number``, ``fx.kw``, ``fx.op``, ``fx.fail``, ...), ``module`` the
        called submodule (``None`` for a function or a method).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('relu'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: network_from_module(torch.nn.Sequential(torch.nn.Linear(2r, 2r), torch.nn.ReLU())).nodes[-1r].op  # optional - torch
            'relu'
            sage: del op.read_fx; seen  # optional - torch
            ['_1']
        """
        return fx.op(self.name, [fx.arg(node.args[0])])

    def fx_example(self, module):
        r"""
        The shape of one input of a network whose first layer is ``module``
        (``None`` in an entry: any length, tried until the forward pass runs),
        or ``None`` when this layer does not tell it (default).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import Op
            sage: Op().fx_example(None) is None
            True
        """
        return None

    def shape(self, shapes, attrs, where):
        r"""
        The output shape (default: that of the first argument).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('relu').shape([(3, 4)], {}, 'n')
            (3, 4)
        """
        return tuple(shapes[0])

    def forward(self, B, args, attrs, node):
        r"""
        The output value from the argument values, with the backend ``B`` (abstract).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import Op
            sage: Op().forward(None, [], {}, None)
            Traceback (most recent call last):
            ...
            NotImplementedError: the op None must implement forward
        """
        raise NotImplementedError("the op %s must implement forward" % self.name)

    def scaling(self, S, args, attrs, node):
        r"""
        The scaling weights of the output from those of the arguments (default:
        the op admits no rescaling: its inputs and output have weight 0).

        EXAMPLES::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import Op
            sage: import numpy as np
            sage: S = ScalingSystem(); x = S.fresh((2,))
            sage: Op().scaling(S, [x], {}, None).tolist(), len(S.equations)
            ([0, 0], 2)
        """
        for a in args:
            S.equal(a, S.zero(a.shape))
        return S.zero(tuple(self.shape([a.shape for a in args], attrs, "")))

    def contraction(self, shapes, attrs):
        r"""
        The longest sum of products in one output entry (default ``1``).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('linear').contraction([(5,), (3, 5), (3,)], {})
            6
        """
        return 1

    def translations(self, net, node):
        r"""
        Translations of parameters `\theta \mapsto \theta + tc` that leave the
        network invariant because of this op (each a dict ``{parameter node
        index: integer array of its shape}``; each gives the linear law
        `c^\top\theta`), with their proof in the op's documentation (default: none).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import Op
            sage: Op().translations(None, None)
            []
        """
        return []

    def certify(self, *args, **kwds):
        r"""
        Hook for ``'analytic'`` ops: a proof that the fields of a network with
        this op reach a rank (none by default).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import Op
            sage: Op().certify() is None
            True
        """
        return None


from sage_conslaw.network.ops import linear, conv, matmul, relu, transparent, add, cat   # noqa: E402,F401  (registrations)
from sage_conslaw.network.ops import analytic, normalization, elementary, conv2d   # noqa: E402,F401  (registrations)
