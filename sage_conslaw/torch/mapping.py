r"""
From a PyTorch module to the package's model: :func:`from_torch`.

Any module is read as a network graph through ``torch.fx``
(:mod:`sage_conslaw.network.fx`): the model is a
:class:`~sage_conslaw.network.model.NetworkModel` whose counts are the laws
of the network itself, across block boundaries (Dropout, Identity, nested
containers, subclasses, functional calls, tied and frozen parameters), proven
or said not to be.  The block reader below is kept for what the graph does
not read yet (attention) -- its counts are then those of the blocks' `\phi`,
as its reason says -- and for the order, names and numeric twin of `\theta`
when it reads the module too.

The block reader cuts an ``nn.Sequential`` into blocks, each read by the reader
registered for the class of its first layer (:data:`BLOCK_READERS`,
:func:`register_block_reader`: a new layer kind is one reader and one registration):

- ``Linear, ReLU, Linear, ..., Linear`` (all with biases, or none) -- a
  :class:`~sage_conslaw.architectures.relu.ReLUNetwork` (path products); a
  final ``ReLU`` after the last ``Linear`` keeps the same `\phi`;
- consecutive ``Linear`` layers without bias and without activation -- a
  :class:`~sage_conslaw.architectures.linear.LinearNetwork` (one product);
  a single ``Linear`` with bias is the affine layer ``ReLUNetwork([out, in], bias=True)``;
- ``Conv1d, ReLU, Conv1d`` -- a :class:`~sage_conslaw.architectures.conv.ConvNetwork`;
- ``nn.MultiheadAttention`` (used as self-attention) or :class:`SelfAttention`
  -- a :class:`~sage_conslaw.architectures.attention.MultiHeadAttention`
  (heads of size ``embed_dim // num_heads``);
- :class:`Residual` ``(inner)`` -- a :class:`~sage_conslaw.architectures.compose.Residual`
  of the inner module's model;
- ``ReLU`` elsewhere, ``Identity``, ``Dropout``, ``Flatten`` -- no parameter, skipped.

Several blocks give a :class:`~sage_conslaw.architectures.compose.Sequential`
whose block names are ``L<index of the block's first layer>``.  Anything else
is a ``ValueError`` naming the layer.

**Orientation.**  ``nn.Linear.weight`` is `out \times in`, like the package's
`U_i` (which maps layer `i` to layer `i-1`): `U_1` is the weight of the *last*
``Linear`` of a run, `U_q` of the first, and the bias of the ``Linear`` that
produces hidden layer `i` is `b_i` (`c` for the last).  ``Conv1d.weight`` is
`C_{out} \times C_{in} \times K`, stored by :class:`ConvNetwork` as its
``reshape(C_out, -1)``.  ``nn.MultiheadAttention`` stacks `W_q, W_k, W_v` in
``in_proj_weight`` (`3E \times E`): head `h` has `Q_h = W_q[h d : (h+1) d, :]`
(same orientation as the package's `d_k \times d_{in}`), likewise `K_h, V_h`,
and `O_h = W_o[:, h d : (h+1) d]^\top` (**transposed**: the package's `O_h` is
`d_v \times d_{out}`, ``out_proj.weight`` is `E \times E`, out `\times` in).
The scale `1/\sqrt{d}` of the scores changes `f`, not `\phi`.
:meth:`TorchMap.entries` lists, for every coordinate of `\theta`, the
PyTorch parameter and index it comes from.

EXAMPLES::

    sage: import torch  # optional - torch
    sage: from sage_conslaw.torch import from_torch  # optional - torch
    sage: net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))  # optional - torch
    sage: tm = from_torch(net); tm.model  # optional - torch
    Network model: input x (3), 4 parameters (D = 26), 3 ops (linear, relu, linear), output 1 node
    sage: tm.model.family  # optional - torch
    ReLU network [2, 4, 3] (inputs 3 -> hidden 4 -> outputs 2) with biases: D = 26 parameters, d = 34 paths
    sage: tm.entries()[0]  # optional - torch
    (0, 'U1_0_0', '2.weight', (0, 0))
    sage: tm.model.number_of_conservation_laws()  # optional - torch
    4
"""
import numpy as np
import torch
from sage.rings.rational_field import QQ
from torch import nn

from sage_conslaw.architectures import (Attention, ConvNetwork, LinearNetwork, MultiHeadAttention,
                                        ReLUNetwork, Sequential)
from sage_conslaw.architectures import Residual as ResidualBlock
from sage_conslaw.core.points import as_exact_point
from sage_conslaw.network.fx import ModuleDoesNotRun, network_from_module
from sage_conslaw.network.model import NetworkModel


class SelfAttention(nn.Module):
    r"""
    Self-attention usable inside ``nn.Sequential``: ``x -> mha(x, x, x)[0]``
    with an ``nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True)``.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch import SelfAttention  # optional - torch
        sage: att = SelfAttention(4, 2)  # optional - torch
        sage: att(torch.zeros(3, 5, 4)).shape  # optional - torch
        torch.Size([3, 5, 4])
    """

    def __init__(self, embed_dim, num_heads, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.torch import SelfAttention  # optional - torch
            sage: SelfAttention(4, 2, bias=True).attention.in_proj_bias.shape  # optional - torch
            torch.Size([12])
        """
        nn.Module.__init__(self)
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True)

    def forward(self, x):
        """
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import SelfAttention  # optional - torch
            sage: SelfAttention(2, 1).forward(torch.ones(1, 2, 2)).shape  # optional - torch
            torch.Size([1, 2, 2])
        """
        return self.attention(x, x, x, need_weights=False)[0]


class Residual(nn.Module):
    r"""
    The residual connection ``x -> x + inner(x)`` as a PyTorch module.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch import Residual  # optional - torch
        sage: block = Residual(torch.nn.Linear(2, 2, bias=False))  # optional - torch
        sage: torch.nn.init.zeros_(block.inner.weight); block(torch.ones(1, 2))  # optional - torch
        Parameter containing:
        tensor([[0., 0.],
                [0., 0.]], requires_grad=True)
        tensor([[1., 1.]], grad_fn=<AddBackward0>)
    """

    def __init__(self, inner):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import Residual  # optional - torch
            sage: Residual(torch.nn.ReLU()).inner  # optional - torch
            ReLU()
        """
        nn.Module.__init__(self)
        self.inner = inner

    def forward(self, x):
        """
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import Residual  # optional - torch
            sage: Residual(torch.nn.Identity()).forward(torch.ones(1))  # optional - torch
            tensor([2.])
        """
        return x + self.inner(x)


#: Layers without parameters that leave the factorization of the others unchanged.
PARAMETER_FREE = (nn.ReLU, nn.Identity, nn.Dropout, nn.Flatten)

#: The block readers: a ``torch.nn.Module`` class -> ``reader(children, i, prefix)``, which reads
#: the layers ``children[i], ...`` as one block of the package and returns ``(block, entries,
#: next index)`` (``block`` ``None`` for a layer without parameters, skipped).  A subclass is
#: read by the reader of its nearest registered base class.
BLOCK_READERS = {}


def register_block_reader(*classes):
    r"""
    Return a decorator that registers ``reader(children, i, prefix)`` as the block
    reader of the ``torch.nn.Module`` classes ``classes`` (see :data:`BLOCK_READERS`):
    a new layer kind of the block reader is one function and this one registration.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.torch.mapping import register_block_reader, block_reader, BLOCK_READERS, from_torch  # optional - torch
        sage: class Scale(torch.nn.Module):  # optional - torch
        ....:     def __init__(self, n):
        ....:         torch.nn.Module.__init__(self)
        ....:         self.weight = torch.nn.Parameter(torch.ones(n, n, dtype=torch.float64))
        ....:     def forward(self, x):
        ....:         return x @ self.weight.T
        sage: @register_block_reader(Scale)  # optional - torch
        ....: def read_scale(children, i, prefix):
        ....:     n = children[i].weight.shape[0]
        ....:     return LinearNetwork([n, n]), [(a * n + b, '%s.weight' % i, (a, b)) for a in range(n) for b in range(n)], i + 1
        sage: block_reader(Scale(2)) is read_scale  # optional - torch
        True
        sage: from sage_conslaw.torch.mapping import _read  # optional - torch
        sage: block, entries = _read(torch.nn.Sequential(Scale(2), Scale(2)), ''); block.D, entries[4]  # optional - torch
        (8, (4, '1.weight', (0, 0)))
        sage: del BLOCK_READERS[Scale]  # optional - torch
    """
    def register(reader):
        for cls in classes:
            BLOCK_READERS[cls] = reader
        return reader
    return register


def block_reader(layer):
    r"""
    Return the block reader of a layer (that of its class or nearest registered base class), or ``None``.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import block_reader  # optional - torch
        sage: block_reader(torch.nn.Linear(1, 1)).__name__, block_reader(torch.nn.Tanh())  # optional - torch
        ('_linear_run', None)
    """
    for cls in type(layer).__mro__:
        if cls in BLOCK_READERS:
            return BLOCK_READERS[cls]
    return None


def _supported():
    r"""
    The names of the layer classes the block reader reads, for messages.

    TESTS::

        sage: from sage_conslaw.torch.mapping import _supported  # optional - torch
        sage: _supported()  # optional - torch
        'Linear, Conv1d (in Conv1d-ReLU-Conv1d blocks), MultiheadAttention, SelfAttention, Residual, Sequential, ReLU, Identity, Dropout, Flatten'
    """
    return ", ".join(cls.__name__ + (" (in Conv1d-ReLU-Conv1d blocks)" if cls is nn.Conv1d else "")
                     for cls in BLOCK_READERS)


class TorchMap:
    r"""
    The correspondence between a PyTorch module's parameters and the point
    `\theta` of a model of the package (built by :func:`from_torch`).

    Attributes: ``model`` (the package's model), ``module`` (the PyTorch module).

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch import from_torch  # optional - torch
        sage: lin = torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False))  # optional - torch
        sage: tm = from_torch(lin); tm  # optional - torch
        map of the PyTorch parameters 0.weight (1 x 2) to theta of Network model: input x (2), 1 parameter (D = 2), 1 op (linear), output 1 node
        sage: with torch.no_grad(): _ = lin[0].weight.copy_(torch.tensor([[float(0.5), float(-2)]]))  # optional - torch
        sage: tm.theta(), tm.exact_theta()  # optional - torch
        (array([ 0.5, -2. ]), (1/2, -2))
    """

    def __init__(self, model, module, entries):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch.mapping import TorchMap  # optional - torch
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: lin = torch.nn.Linear(1, 1, bias=False)  # optional - torch
            sage: TorchMap(LinearNetwork([1, 1]), lin, [(0, 'weight', (0, 0))]).theta().shape  # optional - torch
            (1,)
        """
        self.model = model
        self.module = module
        self._entries = list(entries)   # (theta index, torch parameter name, torch index tuple)
        params = dict(module.named_parameters())
        by_name = {}
        for k, name, index in self._entries:
            P = params[name]
            flat = int(np.ravel_multi_index(index, tuple(P.shape)))
            by_name.setdefault(name, ([], []))
            by_name[name][0].append(k)
            by_name[name][1].append(flat)
        self._gather = [(name, np.array(pos), torch.tensor(flat, dtype=torch.long))
                        for name, (pos, flat) in by_name.items()]
        if sorted(k for k, _, _ in self._entries) != list(range(model.D)):
            raise RuntimeError("internal error: the map does not cover theta")   # pragma: no cover

    def __repr__(self):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: from_torch(torch.nn.Linear(1, 1))  # optional - torch
            map of the PyTorch parameters weight (1 x 1), bias (1) to theta of Network model: input x (1), 2 parameters (D = 2), 1 op (linear), output 1 node
        """
        params = dict(self.module.named_parameters())
        used = [name for name, _, _ in self._gather]
        return "map of the PyTorch parameters %s to theta of %s" % (
            ", ".join("%s (%s)" % (n, " x ".join(map(str, params[n].shape))) for n in used), self.model)

    def entries(self):
        r"""
        Return, for every coordinate `k` of `\theta`, ``(k, variable name,
        PyTorch parameter name, index in that parameter)``.

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: mha = torch.nn.MultiheadAttention(2, 1, bias=False)  # optional - torch
            sage: tm = from_torch(mha)  # optional - torch
            sage: [e for e in tm.entries() if e[1].startswith('O_')]     # O = W_o^T  # optional - torch
            [(12, 'O_0_0', 'out_proj.weight', (0, 0)), (13, 'O_0_1', 'out_proj.weight', (1, 0)), (14, 'O_1_0', 'out_proj.weight', (0, 1)), (15, 'O_1_1', 'out_proj.weight', (1, 1))]
        """
        names = self.model.polynomial_ring().variable_names()
        return [(k, names[k], name, tuple(int(i) for i in index)) for k, name, index in sorted(self._entries)]

    def unused_parameters(self):
        r"""
        Return the names of the module's parameters that `\theta` does not contain (none so far).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: from_torch(torch.nn.Linear(2, 2)).unused_parameters()  # optional - torch
            []
        """
        used = {name for name, _, _ in self._gather}
        return [n for n, _ in self.module.named_parameters() if n not in used]

    def theta(self, module=None):
        r"""
        Return `\theta` (a float64 numpy vector) read from the module's parameters.

        INPUT:

        - ``module`` -- (default: the mapped module) a module with the same parameter names

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: tm = from_torch(torch.nn.Linear(3, 2))  # optional - torch
            sage: tm.theta().shape  # optional - torch
            (8,)
        """
        module = self.module if module is None else module
        params = dict(module.named_parameters())
        theta = np.empty(self.model.D)
        with torch.no_grad():
            for name, pos, flat in self._gather:
                theta[pos] = params[name].detach().reshape(-1)[flat].cpu().double().numpy()
        return theta

    def exact_theta(self, module=None):
        r"""
        Return `\theta` as an exact rational point (each float32/float64 value is
        a dyadic rational, converted exactly).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: tm = from_torch(torch.nn.Linear(1, 1))  # optional - torch
            sage: with torch.no_grad(): _ = tm.module.weight.fill_(float(0.1))  # optional - torch
            sage: tm.exact_theta()[0]       # float32's 0.1  # optional - torch
            13421773/134217728

        Exactly the double (``QQ(float)`` would give the simplest rational
        that rounds to it, ``1/10`` for the double ``0.1``)::

            sage: tm = from_torch(torch.nn.Linear(1, 1).double())  # optional - torch
            sage: with torch.no_grad(): _ = tm.module.weight.fill_(float(0.1))  # optional - torch
            sage: tm.exact_theta()[0] == QQ(float(0.1).as_integer_ratio()[0]) / 2^55, tm.exact_theta()[0] == 1/10  # optional - torch
            (True, False)
        """
        exact = [float(x).as_integer_ratio() for x in self.theta(module)]      # a double is a dyadic rational
        return as_exact_point([QQ(n) / QQ(d) for n, d in exact], self.model.D)

    def load(self, theta, module=None):
        r"""
        Write `\theta` (numbers or an exact point) into the module's parameters.

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: tm = from_torch(torch.nn.Linear(2, 1))  # optional - torch
            sage: tm.load([1, 2, 3]); tm.module.weight, tm.module.bias  # optional - torch
            (Parameter containing:
            tensor([[1., 2.]], requires_grad=True), Parameter containing:
            tensor([3.], requires_grad=True))
            sage: tm.load([1, 2])  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: theta has 2 coordinates, the model has D = 3
        """
        module = self.module if module is None else module
        theta = np.array([float(x) for x in theta])
        if theta.shape != (self.model.D,):
            raise ValueError("theta has %s coordinates, the model has D = %s" % (theta.size, self.model.D))
        params = dict(module.named_parameters())
        with torch.no_grad():
            for name, pos, flat in self._gather:
                P = params[name]
                view = P.data.view(-1)
                view[flat] = torch.as_tensor(theta[pos], dtype=P.dtype)


# -- reading a module ------------------------------------------------------------

def _layer_name(prefix, i, layer):
    """``'2 (Conv1d)'``-style name of a layer, for messages.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _layer_name  # optional - torch
        sage: _layer_name('', 3, torch.nn.Tanh())  # optional - torch
        'layer 3 (Tanh)'
    """
    return "layer %s%s (%s)" % (prefix, i, type(layer).__name__)


def _linear_run(children, i, prefix):
    r"""
    The block of a run of ``Linear`` layers starting at ``children[i]``:
    ``(block, entries, next index)``.

    TESTS::

        sage: import torch  # optional - torch
        sage: from torch import nn  # optional - torch
        sage: from sage_conslaw.torch.mapping import _linear_run  # optional - torch
        sage: run = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False)]  # optional - torch
        sage: _linear_run(run, 0, '')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: layer 2 (Linear) has no bias but layer 0 (Linear) has one: a ReLU network maps Linear layers that all have biases or none
    """
    idx = [i]
    relu = False
    j = i
    # Linear (ReLU Linear)*  -- a ReLU network
    while j + 2 < len(children) and isinstance(children[j + 1], nn.ReLU) and isinstance(children[j + 2], nn.Linear):
        idx.append(j + 2)
        j += 2
        relu = True
    if not relu:
        # Linear Linear ... -- a product, without biases
        while j + 1 < len(children) and isinstance(children[j + 1], nn.Linear):
            idx.append(j + 1)
            j += 1
    layers = [children[k] for k in idx]
    bias = layers[0].bias is not None
    for k, L in zip(idx, layers):
        if (L.bias is not None) != bias:
            raise ValueError("%s %s but %s %s: a ReLU network maps Linear layers that all have biases or none"
                             % (_layer_name(prefix, k, L), "has a bias" if L.bias is not None else "has no bias",
                                _layer_name(prefix, idx[0], layers[0]), "has one" if bias else "has none"))
    for (k0, A), (k1, B) in zip(zip(idx, layers), zip(idx[1:], layers[1:])):
        if A.out_features != B.in_features:
            raise ValueError("%s outputs %s features but %s expects %s"
                             % (_layer_name(prefix, k0, A), A.out_features, _layer_name(prefix, k1, B),
                                B.in_features))
    dims = [layers[-1].out_features] + [L.in_features for L in reversed(layers)]
    q = len(layers)
    if relu or bias:
        if not relu and q > 1:
            raise ValueError("%s and the next Linear layers have biases but no activation between them: "
                             "an affine chain is not supported (insert a ReLU or drop the biases)"
                             % _layer_name(prefix, idx[0], layers[0]))
        block = ReLUNetwork(dims, bias=bias)
    else:
        block = LinearNetwork(dims)
    entries = []
    for pos, (k, L) in enumerate(zip(idx, layers)):
        i_layer = q - pos                      # U_q is the first Linear, U_1 the last
        entries.append(("U%s" % i_layer, "%s.weight" % k, False, False))
        if bias:
            entries.append(("c" if i_layer == 1 else "b%s" % (i_layer - 1), "%s.bias" % k, False, True))
    return block, _matrix_entries(block, entries), j + 1


def _matrix_entries(block, spec):
    r"""
    Entries ``(theta index in the block, torch name, torch index)`` from
    ``(package parameter, torch parameter, transposed, 1-D torch parameter)`` tuples.

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.torch.mapping import _matrix_entries  # optional - torch
        sage: _matrix_entries(LinearNetwork([1, 2]), [('U1', 'w', True, False)])  # optional - torch
        [(0, 'w', (0, 0)), (1, 'w', (1, 0))]
        sage: _matrix_entries(LinearNetwork([2, 1]), [('U1', 'b', False, True)])  # optional - torch
        [(0, 'b', (0,)), (1, 'b', (1,))]
    """
    offsets = {P.name: P for P in block.layout()}
    out = []
    for pname, tname, transposed, one_d in spec:
        P = offsets[pname]
        r, c = P.shape
        for a in range(r):
            for b in range(c):
                k = P.offset + a * c + b
                if one_d:
                    out.append((k, tname, (a * c + b,)))
                else:
                    out.append((k, tname, (b, a) if transposed else (a, b)))
    return out


def _conv_block(children, i, prefix):
    r"""
    ``Conv1d, ReLU, Conv1d`` at ``children[i]`` as a :class:`ConvNetwork`.

    TESTS::

        sage: import torch  # optional - torch
        sage: from torch import nn  # optional - torch
        sage: from sage_conslaw.torch.mapping import _conv_block  # optional - torch
        sage: _conv_block([nn.Conv1d(1, 2, 3)], 0, '')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: layer 0 (Conv1d) must be followed by ReLU and Conv1d (a two-layer convolutional block)
        sage: _conv_block([nn.Conv1d(1, 2, 3, groups=1), nn.ReLU(), nn.Conv1d(2, 2, 1, groups=2)], 0, '')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: layer 2 (Conv1d) has groups = 2; only groups = 1 is supported
    """
    if not (i + 2 < len(children) and isinstance(children[i + 1], nn.ReLU)
            and isinstance(children[i + 2], nn.Conv1d)):
        raise ValueError("%s must be followed by ReLU and Conv1d (a two-layer convolutional block)"
                         % _layer_name(prefix, i, children[i]))
    c1, c2 = children[i], children[i + 2]
    for k, c in ((i, c1), (i + 2, c2)):
        if c.groups != 1:
            raise ValueError("%s has groups = %s; only groups = 1 is supported" % (_layer_name(prefix, k, c), c.groups))
        if c.padding_mode != 'zeros':
            raise ValueError("%s has padding_mode %r; only 'zeros' is supported"
                             % (_layer_name(prefix, k, c), c.padding_mode))
    if (c1.bias is None) != (c2.bias is None):
        raise ValueError("%s and %s must both have biases or both not"
                         % (_layer_name(prefix, i, c1), _layer_name(prefix, i + 2, c2)))
    if c1.out_channels != c2.in_channels:
        raise ValueError("%s outputs %s channels but %s expects %s" % (
            _layer_name(prefix, i, c1), c1.out_channels, _layer_name(prefix, i + 2, c2), c2.in_channels))
    bias = c1.bias is not None
    block = ConvNetwork(c1.in_channels, c1.out_channels, c2.out_channels, c1.kernel_size[0], c2.kernel_size[0],
                        bias=bias)
    entries = []
    for name, c, k in (("W1", c1, i), ("W2", c2, i + 2)):
        P = block.layout()[name]
        K = c.kernel_size[0]
        for a in range(P.shape[0]):
            for b in range(P.shape[1]):
                entries.append((P.offset + a * P.shape[1] + b, "%s.weight" % k, (a, b // K, b % K)))
    if bias:
        entries += _matrix_entries(block, [("b1", "%s.bias" % i, False, True),
                                           ("b2", "%s.bias" % (i + 2), False, True)])
    return block, entries, i + 3


def _attention_block(mha, name):
    r"""
    An ``nn.MultiheadAttention`` (parameters under ``name``) as a :class:`MultiHeadAttention`.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _attention_block  # optional - torch
        sage: _attention_block(torch.nn.MultiheadAttention(4, 2, kdim=2, vdim=2), 'att')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: att (MultiheadAttention) has kdim or vdim different from embed_dim: only self-attention with equal dimensions is supported
        sage: _attention_block(torch.nn.MultiheadAttention(2, 1, add_bias_kv=True), 'att')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: att (MultiheadAttention) has add_bias_kv or add_zero_attn: not supported
    """
    where = "%s (MultiheadAttention)" % (name or "the module")
    if not mha._qkv_same_embed_dim:
        raise ValueError("%s has kdim or vdim different from embed_dim: only self-attention with equal "
                         "dimensions is supported" % where)
    if mha.bias_k is not None or mha.add_zero_attn:
        raise ValueError("%s has add_bias_kv or add_zero_attn: not supported" % where)
    E, H = mha.embed_dim, mha.num_heads
    d = E // H
    bias = mha.in_proj_bias is not None
    if bias != (mha.out_proj.bias is not None):
        raise ValueError("%s has biases on only some projections: not supported" % where)   # pragma: no cover
    block = Attention(E, d, d, E, bias=bias) if H == 1 else MultiHeadAttention(E, H, d, d, E, bias=bias)
    p = (name + ".") if name else ""
    layout = block.layout()
    suffixes = [""] if H == 1 else [str(h) for h in range(1, H + 1)]
    entries = []
    for h, s in enumerate(suffixes):
        for part, letter in enumerate("QKV"):
            P = layout[letter + s]
            for a in range(d):
                for b in range(E):
                    entries.append((P.offset + a * E + b, p + "in_proj_weight", (part * E + h * d + a, b)))
            if bias:
                Pb = layout["b" + letter.lower() + s]
                for a in range(d):
                    entries.append((Pb.offset + a, p + "in_proj_bias", (part * E + h * d + a,)))
        P = layout["O" + s]
        for a in range(d):
            for o in range(E):
                entries.append((P.offset + a * E + o, p + "out_proj.weight", (o, h * d + a)))
    if bias:
        Pb = layout["bo"]
        entries += [(Pb.offset + o, p + "out_proj.bias", (o,)) for o in range(E)]
    return block, entries


def _read(module, prefix):
    r"""
    ``(model, entries)`` of a module; parameter names are relative to ``module``.

    An ``nn.Sequential`` is cut into blocks by the readers of :data:`BLOCK_READERS`
    (each reads one or more consecutive layers); another module is read by its own reader.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _read  # optional - torch
        sage: _read(torch.nn.Sequential(torch.nn.ReLU()), '')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: the module has no layer with parameters that can be mapped
        sage: _read(torch.nn.Tanh(), '')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: cannot map the module Tanh: from_torch maps nn.Sequential of Linear, Conv1d (in Conv1d-ReLU-Conv1d blocks), MultiheadAttention, SelfAttention, Residual, Sequential, ReLU, Identity, Dropout, Flatten
        sage: _read(torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Tanh()), '')  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: cannot map layer 1 (Tanh): supported layers are Linear, Conv1d (in Conv1d-ReLU-Conv1d blocks), MultiheadAttention, SelfAttention, Residual, Sequential, ReLU, Identity, Dropout, Flatten
        sage: _read(torch.nn.Linear(2, 1, bias=False), '')  # optional - torch
        (Linear network [1, 2]: D = 2 parameters, phi = U1 in QQ^(1 x 2), [(0, 'weight', (0, 0)), (1, 'weight', (0, 1))])
    """
    sequential = isinstance(module, nn.Sequential)
    if not sequential and block_reader(module) in (None, _skip):
        raise ValueError("cannot map %s: from_torch maps nn.Sequential of %s" % (_describe(module), _supported()))
    children = list(module.children()) if sequential else [module]
    blocks, names, block_entries = [], [], []
    i = 0
    while i < len(children):
        layer = children[i]
        start = i
        reader = block_reader(layer)
        if reader is None:
            raise ValueError("cannot map %s: supported layers are %s" % (_layer_name(prefix, i, layer), _supported()))
        block, entries, i = reader(children, i, prefix)
        if block is None:
            continue
        blocks.append(block)
        names.append("L%s" % start)
        block_entries.append(entries)
    if not blocks:
        raise ValueError("the module has no layer with parameters that can be mapped")
    if len(blocks) == 1:
        entries = block_entries[0]
        if not sequential:
            entries = [(k, n.split(".", 1)[1], ix) for k, n, ix in entries]
        return blocks[0], entries
    seq = Sequential(blocks, names=names, check_dimensions=False)
    offsets = {}
    for name in names:
        first = seq.block_parameters(name)[0]
        offsets[name] = seq.layout()[first].offset
    entries = [(offsets[name] + k, n, ix) for name, ents in zip(names, block_entries) for k, n, ix in ents]
    return seq, entries


def _prefixed(i, read):
    r"""
    ``(block, entries, i + 1)`` from ``read = (block, entries)`` of the layer ``i``
    (its parameter names made relative to the parent: ``'i.name'``).

    TESTS::

        sage: from sage_conslaw.torch.mapping import _prefixed  # optional - torch
        sage: _prefixed(3, ('block', [(0, 'weight', (0, 0))]))  # optional - torch
        ('block', [(0, '3.weight', (0, 0))], 4)
    """
    block, entries = read
    return block, [(k, "%s.%s" % (i, n), ix) for k, n, ix in entries], i + 1


def _skip(children, i, prefix):
    r"""
    The reader of a layer without parameters (:data:`PARAMETER_FREE`): skipped.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _skip  # optional - torch
        sage: _skip([torch.nn.ReLU()], 0, '')  # optional - torch
        (None, None, 1)
    """
    return None, None, i + 1


def _multihead_layer(children, i, prefix):
    r"""
    The reader of ``nn.MultiheadAttention`` (used as self-attention).

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _multihead_layer  # optional - torch
        sage: block, entries, j = _multihead_layer([torch.nn.MultiheadAttention(2, 1)], 0, ''); block.D, entries[0], j  # optional - torch
        (24, (0, '0.in_proj_weight', (0, 0)), 1)
    """
    return _prefixed(i, _attention_block(children[i], ""))


def _self_attention_layer(children, i, prefix):
    r"""
    The reader of :class:`SelfAttention`.

    TESTS::

        sage: from sage_conslaw.torch import SelfAttention  # optional - torch
        sage: from sage_conslaw.torch.mapping import _self_attention_layer  # optional - torch
        sage: block, entries, j = _self_attention_layer([SelfAttention(2, 1)], 0, ''); entries[0], j  # optional - torch
        ((0, '0.attention.in_proj_weight', (0, 0)), 1)
    """
    return _prefixed(i, _attention_block(children[i].attention, "attention"))


def _residual_layer(children, i, prefix):
    r"""
    The reader of :class:`Residual`: the residual block of its inner module's model.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch import Residual  # optional - torch
        sage: from sage_conslaw.torch.mapping import _residual_layer  # optional - torch
        sage: block, entries, j = _residual_layer([Residual(torch.nn.Linear(2, 2, bias=False))], 0, ''); block.D, entries[0], j  # optional - torch
        (4, (0, '0.inner.weight', (0, 0)), 1)
    """
    inner, entries = _read(children[i].inner, "%s%s.inner." % (prefix, i))
    return _prefixed(i, (ResidualBlock(inner), [(k, "inner." + n, ix) for k, n, ix in entries]))


def _sequential_layer(children, i, prefix):
    r"""
    The reader of a nested ``nn.Sequential``: its blocks, as one block.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _sequential_layer  # optional - torch
        sage: block, entries, j = _sequential_layer([torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False))], 0, ''); entries, j  # optional - torch
        ([(0, '0.0.weight', (0, 0))], 1)
    """
    return _prefixed(i, _read(children[i], "%s%s." % (prefix, i)))


# the layer kinds of the block reader: one reader and one registration each
register_block_reader(nn.Linear)(_linear_run)
register_block_reader(nn.Conv1d)(_conv_block)
register_block_reader(nn.MultiheadAttention)(_multihead_layer)
register_block_reader(SelfAttention)(_self_attention_layer)
register_block_reader(Residual)(_residual_layer)
register_block_reader(nn.Sequential)(_sequential_layer)
register_block_reader(*PARAMETER_FREE)(_skip)


def _describe(module):
    """The class name of a module, for messages.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _describe  # optional - torch
        sage: _describe(torch.nn.Tanh())  # optional - torch
        'the module Tanh'
    """
    return "the module %s" % type(module).__name__


def from_torch(module, example=None, input_shape=None):
    r"""
    Return the :class:`TorchMap` of a PyTorch module: its model and the map
    between the module's parameters and `\theta`.

    Any module is read as a network graph through ``torch.fx``
    (:func:`~sage_conslaw.network.fx.network_from_module`): the model is a
    :class:`~sage_conslaw.network.model.NetworkModel`, whose ``lie_trace()``
    counts the laws **of the network** -- certified by the exact rank of the
    network's own gradient fields (or, for two-layer ReLU networks and linear
    chains, by Theorem 2.14: :mod:`~sage_conslaw.network.theorems`), or said
    not certified.  `\theta` holds the
    trainable parameters (a module used twice: once; frozen parameters,
    ``requires_grad=False``, are constants).  When the module is also one of
    the compositions read block by block (see the module documentation), `\theta`
    keeps that order and those names, and ``numeric_model()`` is the family's
    twin.  A module the graph cannot read (attention) is read block by block:
    its counts are then the laws of the blocks' `\phi`, which the reason says.

    INPUT:

    - ``module`` -- a ``torch.nn.Module``
    - ``example``, ``input_shape`` -- an input batch, or the shape of one
      input (default: guessed from the first layer whose size tells it:
      ``Linear``, ``Conv1d``, ``Conv2d``, ``LayerNorm``)

    EXAMPLES::

        sage: # optional - torch
        sage: import torch  # optional - torch
        sage: from torch import nn  # optional - torch
        sage: from sage_conslaw.torch import from_torch, SelfAttention, Residual  # optional - torch
        sage: tm = from_torch(nn.Sequential(nn.Linear(4r, 6r), nn.ReLU(), nn.Dropout(0.5r), nn.Linear(6r, 2r)))  # optional - torch
        sage: res = tm.model.lie_trace(); res.number_of_laws, res.certified  # optional - torch
        (6, True)
        sage: net = nn.Sequential(Residual(SelfAttention(4r, 2r)), nn.Linear(4r, 4r, bias=False), nn.Linear(4r, 2r, bias=False))  # optional - torch
        sage: tm = from_torch(net); tm.model  # optional - torch
        Sequential network of 2 blocks (D = 88): L0 = Residual block x + g(x) around Multi-head attention: 2 heads, ..., L1 = Linear network [2, 4, 4]: ...
        sage: res = tm.model.lie_trace(); res.number_of_laws, res.certified    # 2 * (3 + 3) + 10  # optional - torch
        (22, True)
        sage: from_torch(nn.Sequential(nn.Linear(2r, 2r), nn.Softmax(dim=1r)))  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: cannot read the fx node _1 (call_module Softmax): no op kind of the network registry reads it ...
        sage: from_torch("net")  # optional - torch
        Traceback (most recent call last):
        ...
        TypeError: from_torch needs a torch.nn.Module, got 'net' (str)
    """
    if not isinstance(module, nn.Module):
        raise TypeError("from_torch needs a torch.nn.Module, got %r (%s)" % (module, type(module).__name__))
    try:
        net = network_from_module(module, example=example, input_shape=input_shape)
        graph_error = None
    except ModuleDoesNotRun:
        raise                   # a module PyTorch cannot run is not read in part by the block reader
    except ValueError as e:
        net, graph_error = None, e
    try:
        blocks = _read(module, "")
    except ValueError as e:
        blocks, block_error = None, e
    if net is None:
        if blocks is None:
            # attention is read block by block only: its message is the one that helps
            if any(isinstance(m, (nn.MultiheadAttention, SelfAttention)) for m in module.modules()):
                raise block_error
            raise graph_error
        return TorchMap(blocks[0], module, blocks[1])
    family = None
    if blocks is not None:
        bmodel, bentries = blocks
        layout = net.layout()
        if (sorted((n, tuple(i)) for _, n, i in bentries) == sorted((p, tuple(i)) for _, p, i in layout)
                and _computes_the_module(bmodel, bentries, module, net)):
            names = bmodel.polynomial_ring().variable_names()
            net.set_layout([(names[k], n, tuple(i)) for k, n, i in sorted(bentries)])
            family = bmodel
    entries = [(k, pname, idx) for k, (_, pname, idx) in enumerate(net.layout())]
    return TorchMap(NetworkModel(net, family=family), module, entries)


#: Inputs drawn to compare the block reader's twin with the module (:func:`_computes_the_module`).
TWIN_CHECK_SAMPLES = 16
#: Relative agreement of two float64 evaluations of one function of a few layers (rounding only).
TWIN_CHECK_TOLERANCE = 1e-9


def _computes_the_module(model, entries, module, net):
    r"""
    Whether the package's ``model`` read block by block (its `\theta` placed by
    ``entries``) computes the same function as ``module``: its numeric twin and
    the module agree in float64 on :data:`TWIN_CHECK_SAMPLES` random inputs.
    The counts never rest on this (they are the network graph's); it decides
    whether the family may lend ``numeric_model()`` and names to the network.

    EXAMPLES:

    ``Linear, Linear, ReLU, Linear`` is read block by block as linear blocks
    without the ReLU, a different function (issue 21: its twin's gradient was
    off by 110 %)::

        sage: import torch  # optional - torch
        sage: from torch import nn  # optional - torch
        sage: from sage_conslaw.torch.mapping import _computes_the_module, _read  # optional - torch
        sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
        sage: m = nn.Sequential(nn.Linear(3r, 4r, bias=False), nn.Linear(4r, 4r, bias=False), nn.ReLU(), nn.Linear(4r, 2r, bias=False))  # optional - torch
        sage: _computes_the_module(*_read(m, ""), m, network_from_module(m))  # optional - torch
        False
        sage: m = nn.Sequential(nn.Linear(3r, 4r), nn.ReLU(), nn.Linear(4r, 2r))  # optional - torch
        sage: _computes_the_module(*_read(m, ""), m, network_from_module(m))  # optional - torch
        True
        sage: m = nn.Sequential(nn.Conv1d(1r, 2r, 3r), nn.ReLU(), nn.Conv1d(2r, 1r, 2r)).double()  # optional - torch
        sage: _computes_the_module(*_read(m, ""), m, network_from_module(m))  # optional - torch
        True
    """
    try:
        (x,) = net.inputs()
        shape = tuple(x.shape)
        theta = TorchMap(model, module, entries).theta()
        X = np.random.default_rng(0).standard_normal((TWIN_CHECK_SAMPLES,) + shape)
        # a sequence model (channels x length) builds its twin for the length of the inputs
        twin_model = model.numeric_model(length=shape[-1]) if len(shape) == 2 else model.numeric_model()
        twin = np.asarray(twin_model.forward(theta, X.reshape(TWIN_CHECK_SAMPLES, -1)), dtype=float)
        modes = [(m, m.training) for m in module.modules()]
        module.eval()                   # Dropout off: the twin is the network of the all-ones mask
        try:
            with torch.no_grad():
                dtype = torch.float64 if _is_double(module) else torch.float32
                out = module(torch.tensor(X, dtype=dtype)).double().cpu().numpy()
        finally:
            for m, training in modes:
                m.training = training
    except Exception:
        return False
    out = out.reshape(TWIN_CHECK_SAMPLES, -1)
    twin = twin.reshape(out.shape) if twin.size == out.size else None
    if twin is None:
        return False
    scale = max(1.0, float(np.abs(out).max()))
    tolerance = TWIN_CHECK_TOLERANCE if _is_double(module) else 1e-4
    return bool(np.abs(twin - out).max() <= tolerance * scale)


def _is_double(module):
    r"""
    Whether the parameters of ``module`` are float64 (a module without parameters counts as float64).

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch.mapping import _is_double  # optional - torch
        sage: _is_double(torch.nn.Linear(2r, 2r)), _is_double(torch.nn.Linear(2r, 2r).double())  # optional - torch
        (False, True)
    """
    return all(p.dtype == torch.float64 for p in module.parameters())
