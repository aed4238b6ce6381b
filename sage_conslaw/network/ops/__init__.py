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
- what the consumers of the graph (the theorem route
  :mod:`~sage_conslaw.network.theorems`, `\phi` in
  :mod:`~sage_conslaw.network.phi`, the data route
  :mod:`~sage_conslaw.datalaws.graph`) need to know, so that none of them names
  a layer kind:

  * ``unit_axis`` -- not ``None`` for a **unit layer** (arguments ``x, W`` or
    ``x, W, b``; ``W``'s axis 0 the units, ``b`` one entry per unit, ``W``'s
    axis 1 reading the unit axis of a layer of the same kind before it): the
    axis of the output (without the batch axis) that holds the units
    (``linear``: ``-1``, a convolution: ``0``); with :meth:`Op.patches`, the
    inputs each unit reads at each position: the data route derives its
    explicit laws and what each unit reads from these two;
  * ``transparent`` -- the output is the one argument up to a flattening or an
    entrywise mask (``identity``, ``flatten``, ``dropout``): Theorem 2.14 and
    the data route read through it;
  * ``rearranges`` -- each output entry is one entry of an argument (reshape,
    permutation, concatenation): where the output vanishes and which inputs it
    reads follow from :meth:`Op.forward` itself (:meth:`Op.support`,
    :meth:`Op.reads`);
  * for the kind ``'homogeneous'``, :meth:`Op.region_factor` (the factor on a
    region, `0/1` or slope/1); for the kind ``'mask'``,
    :meth:`Op.mask_probability` and :meth:`Op.evaluation_attrs`; the kinds
    ``'homogeneous'`` and ``'mask'`` get one formal symbol per output entry
    in `\phi`;
  * :meth:`Op.support` and :meth:`Op.reads` -- where the output may be
    nonzero, and which argument entries an output entry depends on (defaults:
    from the two declarations above, else "anywhere", "every entry");
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

import numpy as np

from sage.rings.rational_field import QQ

OPS = {}

#: The scaling weight of an entry that is identically zero (a padded entry, a
#: zero constant): its terms are dropped (see :mod:`sage_conslaw.network.symmetries`).
SKIP = -1


def exact_number(v):
    r"""
    An exact rational from a number (a float is read exactly).

    TESTS::

        sage: from sage_conslaw.network.ops import exact_number
        sage: exact_number(0.5), exact_number(3), exact_number(1/3), exact_number(float(0.1)) == 3602879701896397/36028797018963968
        (1/2, 3, 1/3, True)
    """
    if isinstance(v, float):
        n, d = v.as_integer_ratio()          # the exact value of the double (QQ(float) rounds to a simple fraction)
        return QQ(n) / QQ(d)
    return QQ(v)


def _nonzero(a):
    r"""
    A 0/1 object array: where ``a`` is not zero.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network.ops import _nonzero
        sage: _nonzero(np.array([0, 2, -1], dtype=object)).tolist()
        [0, 1, 1]
    """
    return np.vectorize(lambda t: int(t != 0), otypes=[object])(a) if np.size(a) else np.asarray(a, dtype=object)


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
    #: a unit layer: the axis of the output (no batch axis) holding its units; ``None``: not a unit layer
    unit_axis = None
    #: the output is the one argument up to a flattening or an entrywise mask
    transparent = False
    #: each output entry is one entry of an argument (see :meth:`support`, :meth:`reads`)
    rearranges = False

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

    def patches(self, x, W_shape, attrs, zero):
        r"""
        A unit layer (``unit_axis`` not ``None``): the entries of the input
        ``x`` (an array with a batch axis) that each unit reads at each
        position, in the order of the entries of ``W[j]``: an array
        ``(batch, positions, fan-in)``, the padding filled with ``zero``; the
        positions in the row-major order of the output without its unit axis.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import Op, get_op
            sage: get_op('linear').patches(np.arange(6).reshape(1, 2, 3), (4, 3), {}, 0).tolist()
            [[[0, 1, 2], [3, 4, 5]]]
            sage: Op().patches(None, None, {}, 0)
            Traceback (most recent call last):
            ...
            NotImplementedError: the op None is not a unit layer
        """
        raise NotImplementedError("the op %s is not a unit layer" % self.name)

    def region_factor(self, mask, attrs):
        r"""
        The kind ``'homogeneous'``: the factor of the input on the region
        ``mask`` (a boolean array), an object array of exact numbers.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.network.ops import Op, get_op
            sage: get_op('relu').region_factor(np.array([True, False]), {}).tolist()
            [1, 0]
            sage: Op().region_factor(None, {})
            Traceback (most recent call last):
            ...
            NotImplementedError: the op None has no regions
        """
        raise NotImplementedError("the op %s has no regions" % self.name)

    def mask_probability(self, attrs):
        r"""
        The kind ``'mask'``: the probability that an entry is dropped (``None`` otherwise).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('dropout').mask_probability({}), get_op('relu').mask_probability({}) is None
            (1/2, True)
        """
        return None

    def evaluation_attrs(self, attrs):
        r"""
        The attributes of the op in evaluation mode (default: the same).

        EXAMPLES::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('dropout').evaluation_attrs({'p': 0.25}), get_op('relu').evaluation_attrs({})
            ({'p': 0}, {})
        """
        return attrs

    def support(self, B, Z, attrs, node):
        r"""
        Where the output may be nonzero near `\theta`: a 0/1 object array
        (batch axis first) from those of the arguments (``Z``, one per
        argument, ``None`` for one not known), computed in the exact backend
        ``B``; ``None`` when not known (anywhere).  Default: an op that
        rearranges its arguments rearranges their zeros; else ``None``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: Z = [np.array([[0, 1]], dtype=object)] * 2
            sage: get_op('cat').support(ObjectBackend('exact'), Z, {'axis': -1}, None).tolist()
            [[0, 1, 0, 1]]
            sage: get_op('mul').support(ObjectBackend('exact'), Z, {}, None) is None
            True
        """
        if self.rearranges and all(z is not None for z in Z):
            return _nonzero(self.forward(B, list(Z), attrs, node))
        return None

    def reads(self, B, up, shapes, attrs, node):
        r"""
        Which entries of the arguments the output entries marked in ``up`` (a
        0/1 integer array, batch axis first) depend on: one 0/1 integer array
        per argument (batch axis first), ``None`` for an argument not read
        here; or ``None``: every entry of every argument.  Default: a unit
        layer from its :meth:`patches` (its input only), an op that rearranges
        from :meth:`forward` on labels, else ``None``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.network.backends import ObjectBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: B = ObjectBackend('exact')
            sage: get_op('permute').reads(B, np.array([[[1, 0, 0], [0, 0, 0]]]), [(3, 2)], {'perm': (0, 2, 1)}, None)[0].tolist()
            [[[1, 0], [0, 0], [0, 0]]]
            sage: get_op('conv1d').reads(B, np.array([[[0, 1]]]), [(1, 3), (1, 1, 2)], {}, None)[0].tolist()
            [[[0, 1, 1]]]
            sage: get_op('mul').reads(B, None, [(2,), (2,)], {}, None) is None
            True
        """
        pairs = up.shape[0] if up is not None else 0
        if self.unit_axis is not None:
            x = tuple(shapes[0])
            nx = int(np.prod(x))
            labels = np.arange(nx, dtype=np.int64).reshape((1,) + x)
            lab = self.patches(labels, tuple(shapes[1]), attrs, -1)[0]          # (positions, fan-in)
            ax = self.unit_axis + 1 if self.unit_axis >= 0 else self.unit_axis
            units = up.shape[ax]
            anyo = np.moveaxis(up, ax, -1).reshape(pairs, -1, units).max(axis=-1)   # (pairs, positions)
            L = np.zeros((nx + 1, pairs), dtype=np.int64)
            idx = np.where(lab < 0, nx, lab).reshape(-1)
            np.maximum.at(L, idx, np.repeat(anyo.T, lab.shape[1], axis=0))
            return [L[:nx].T.reshape((pairs,) + x)] + [None] * (len(shapes) - 1)
        if self.rearranges:
            sizes = [int(np.prod(s)) for s in shapes]
            labels, start = [], 0
            for s, n in zip(shapes, sizes):
                a = np.empty((1,) + tuple(s), dtype=object)
                a.reshape(-1)[:] = list(range(start, start + n))
                labels.append(a)
                start += n
            src = np.asarray(self.forward(B, labels, attrs, node)).reshape(-1).astype(np.int64)
            L = np.zeros((start, pairs), dtype=np.int64)
            np.maximum.at(L, src, np.asarray(up, dtype=np.int64).reshape(pairs, -1).T)
            out, start = [], 0
            for s, n in zip(shapes, sizes):
                out.append(L[start:start + n].T.reshape((pairs,) + tuple(s)))
                start += n
            return out
        return None

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
