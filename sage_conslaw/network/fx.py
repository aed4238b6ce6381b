# sage.doctest: optional - torch
r"""
Any ``torch.nn.Module`` as a :class:`~sage_conslaw.network.graph.Network`,
read through ``torch.fx`` (optional extra ``torch``).

``torch.fx.symbolic_trace`` records the module's ``forward`` as a graph:
subclasses, nested containers (inlined), functional calls (``F.relu``,
``F.linear``, ``torch.cat``, ``torch.flatten``, ``+``, ``*``, ``@``,
reshapes, ``permute``), parameters and buffers read directly, and a module
called twice (its parameters tied: one parameter, two uses).  Shapes come
from one forward pass on an example input (``ShapeProp``).  Parameters with
``requires_grad=False`` are frozen: constants, said in every result.  A node
that cannot be read is a ``ValueError`` naming the fx node and its op.

EXAMPLES::

    sage: import torch  # optional - torch
    sage: from torch import nn  # optional - torch
    sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
    sage: net = network_from_module(nn.Sequential(nn.Linear(4r, 6r), nn.ReLU(), nn.Dropout(0.5r), nn.Linear(6r, 2r)))  # optional - torch
    sage: net  # optional - torch
    Network: input x (4), 4 parameters (D = 44), 4 ops (linear, relu, dropout, linear), output 1 node
    sage: class Net(nn.Module):  # optional - torch
    ....:     def __init__(self):
    ....:         super().__init__(); self.a = nn.Linear(3r, 4r); self.b = nn.Linear(8r, 2r)
    ....:     def forward(self, x):
    ....:         h = torch.nn.functional.relu(self.a(x))
    ....:         return self.b(torch.cat([h, -h], dim=1r))
    sage: network_from_module(Net())  # optional - torch
    Network: input x (3), 4 parameters (D = 34), 5 ops (linear, relu, scale, cat, linear), output 1 node
"""
import operator

import numpy as np


def _value(t):
    r"""
    The exact values (rationals) of a tensor, as an object array.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import _value  # optional - torch
        sage: _value(torch.tensor([0.5r, 2r])).tolist()  # optional - torch
        [1/2, 2]
    """
    from sage_conslaw.network.backends import _qq
    a = t.detach().cpu().double().numpy()
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1)):
        flat[i] = _qq(float(v))
    return out


def _guess_example(module):
    r"""
    An example input for the shapes: from the first ``Linear``/``Conv1d`` (a
    ``Conv1d`` tries lengths until the forward pass runs), or ``None``.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import _guess_example  # optional - torch
        sage: _guess_example(torch.nn.Sequential(torch.nn.Conv1d(1r, 2r, 2r), torch.nn.Flatten(), torch.nn.Linear(6r, 1r))).shape  # optional - torch
        torch.Size([2, 1, 4])
    """
    import torch
    from torch import nn
    for m in module.modules():
        if isinstance(m, nn.Linear):
            return torch.zeros(2, m.in_features, dtype=torch.float64)
        if isinstance(m, nn.Conv1d):
            import copy
            twin = copy.deepcopy(module).double()
            for T in range(1, 513):
                x = torch.zeros(2, m.in_channels, T, dtype=torch.float64)
                try:
                    with torch.no_grad():
                        twin(x)
                    return x
                except Exception:
                    continue
            return None
    return None


def network_from_module(module, example=None, input_shape=None):
    r"""
    Read a PyTorch module as a :class:`~sage_conslaw.network.graph.Network`
    (see the module documentation).

    INPUT:

    - ``module`` -- a ``torch.nn.Module``
    - ``example`` -- an example input batch (default: guessed from the first
      ``Linear`` or ``Conv1d``)
    - ``input_shape`` -- the shape of one input, instead of ``example``

    EXAMPLES:

    A module used twice: its parameters are tied (one parameter, two uses)::

        sage: import torch  # optional - torch
        sage: from torch import nn  # optional - torch
        sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
        sage: lin = nn.Linear(3r, 3r)  # optional - torch
        sage: net = network_from_module(nn.Sequential(lin, nn.ReLU(), lin))  # optional - torch
        sage: net.D, len(net.uses(net.parameters()[0r].index))  # optional - torch
        (12, 2)

    What cannot be read is named::

        sage: network_from_module(nn.Sequential(nn.Linear(2r, 2r), nn.Softmax(dim=1r)))  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: cannot read the fx node _1 (call_module Softmax): no op kind of the network registry reads it ...
    """
    import torch
    from torch import fx, nn
    from torch.fx.passes.shape_prop import ShapeProp
    from sage_conslaw.network.graph import Network
    if not isinstance(module, nn.Module):
        raise TypeError("network_from_module needs a torch.nn.Module, got %r" % (module,))
    try:
        gm = fx.symbolic_trace(module)
    except Exception as e:
        raise ValueError("torch.fx cannot trace %s: %s" % (type(module).__name__, str(e).split("\n")[0]))
    if example is None and input_shape is not None:
        example = torch.zeros((2,) + tuple(int(s) for s in input_shape), dtype=torch.float64)
    if example is None:
        example = _guess_example(module)
    if example is None:
        raise ValueError("cannot guess the input shape of %s: pass input_shape=..." % type(module).__name__)
    import copy
    gm_d = copy.deepcopy(gm).double()
    import contextlib
    import io
    try:
        with contextlib.redirect_stderr(io.StringIO()):      # torch.fx prints the failing node; the error says it
            ShapeProp(gm_d).propagate(example.double())
    except Exception as e:
        raise ValueError("the module does not run on an input of shape %s: %s" % (tuple(example.shape[1:]), e))
    shapes = {n.name: tuple(n.meta['tensor_meta'].shape) for n in gm_d.graph.nodes
              if isinstance(n.meta.get('tensor_meta'), object) and hasattr(n.meta.get('tensor_meta'), 'shape')}
    # one canonical name per parameter tensor (a module reachable by two paths is one module)
    canonical = {}
    for name, P in module.named_parameters(remove_duplicate=True):
        canonical[id(P)] = name
    net = Network()
    env = {}
    param_nodes = {}
    F = torch.nn.functional

    def where(n):
        what = n.target if isinstance(n.target, str) else getattr(n.target, '__name__', str(n.target))
        if n.op == 'call_module':
            what = type(gm.get_submodule(n.target)).__name__
        return "fx node %s (%s %s)" % (n.name, n.op, what)

    def fail(n, why):
        raise ValueError("cannot read the %s: %s" % (where(n), why))

    def tensor_node(t, name, n):
        if isinstance(t, nn.Parameter) or (torch.is_tensor(t) and t.requires_grad and t.is_leaf):
            key = id(t)
            if key not in param_nodes:
                pname = canonical.get(key, name)
                if t.requires_grad:
                    param_nodes[key] = net.parameter(pname, tuple(t.shape), source=where(n))
                else:
                    param_nodes[key] = net.parameter(pname, tuple(t.shape), trainable=False, value=_value(t),
                                                     source=where(n))
            return param_nodes[key]
        if isinstance(t, nn.Parameter) is False and torch.is_tensor(t):
            return net.constant(name, _value(t), source=where(n))
        return None

    def arg(a, n):
        if isinstance(a, fx.Node):
            v = env.get(a.name)
            if v is None:
                fail(n, "it reads %s, which is not a tensor of the network" % a.name)
            return v
        if torch.is_tensor(a):
            return net.constant("c%s" % len(net.nodes), _value(a).reshape(tuple(a.shape)), source=where(n))
        fail(n, "an argument %r is not a tensor" % (a,))

    def number(a):
        from sage_conslaw.network.backends import _qq
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            return _qq(a)
        return None

    def binary(n, kind, a, b):
        ca, cb = number(a), number(b)
        if kind == 'add':
            if ca is not None or cb is not None:
                c = ca if ca is not None else cb
                x = arg(b if ca is not None else a, n)
                if c == 0:
                    return x
                k = net.constant("c%s" % len(net.nodes), np.array(c, dtype=object).reshape(()), source=where(n))
                return net.op('add', [x, k], name=n.name, source=where(n))
            return net.op('add', [arg(a, n), arg(b, n)], name=n.name, source=where(n))
        if kind == 'sub':
            if cb is not None:
                return binary(n, 'add', a, -cb)
            neg = net.op('scale', [arg(b, n)], c=-1, name=n.name + "_neg", source=where(n))
            if ca is not None:
                k = net.constant("c%s" % len(net.nodes), np.array(ca, dtype=object).reshape(()), source=where(n))
                return net.op('add', [neg, k], name=n.name, source=where(n))
            return net.op('add', [arg(a, n), neg], name=n.name, source=where(n))
        if kind == 'mul':
            if ca is not None or cb is not None:
                return net.op('scale', [arg(b if ca is not None else a, n)], c=ca if ca is not None else cb,
                              name=n.name, source=where(n))
            return net.op('mul', [arg(a, n), arg(b, n)], name=n.name, source=where(n))
        if kind == 'div':
            if cb is None or cb == 0:
                fail(n, "only a division by a nonzero number is supported")
            return net.op('scale', [arg(a, n)], c=1 / cb, name=n.name, source=where(n))
        fail(n, "unsupported")   # pragma: no cover

    def kw(n, i, name, default):
        if len(n.args) > i:
            return n.args[i]
        return n.kwargs.get(name, default)

    for n in gm.graph.nodes:
        out = None
        if n.op == 'placeholder':
            if n.name not in shapes:
                fail(n, "only tensor inputs are supported")
            single = sum(1 for m in gm.graph.nodes if m.op == 'placeholder') == 1
            out = net.input('x' if single else n.name, shapes[n.name][1:])
        elif n.op == 'get_attr':
            t = gm
            for part in n.target.split('.'):
                t = getattr(t, part)
            out = tensor_node(t, n.target, n)
            if out is None:
                fail(n, "not a tensor")
        elif n.op == 'call_module':
            m = gm.get_submodule(n.target)
            a = [arg(x, n) for x in n.args]
            if isinstance(m, nn.Linear):
                ps = [tensor_node(m.weight, n.target + ".weight", n)]
                if m.bias is not None:
                    ps.append(tensor_node(m.bias, n.target + ".bias", n))
                out = net.op('linear', [a[0]] + ps, name=n.name, source=where(n))
            elif isinstance(m, nn.Conv1d):
                if m.groups != 1 or m.padding_mode != 'zeros' or isinstance(m.padding, str):
                    fail(n, "only groups = 1, zero padding given as a number is supported")
                ps = [tensor_node(m.weight, n.target + ".weight", n)]
                if m.bias is not None:
                    ps.append(tensor_node(m.bias, n.target + ".bias", n))
                out = net.op('conv1d', [a[0]] + ps, name=n.name, source=where(n), stride=m.stride[0],
                             padding=m.padding[0], dilation=m.dilation[0])
            elif isinstance(m, nn.ReLU):
                out = net.op('relu', a[:1], name=n.name, source=where(n))
            elif isinstance(m, nn.LeakyReLU):
                out = net.op('leaky_relu', a[:1], name=n.name, source=where(n), slope=m.negative_slope)
            elif isinstance(m, nn.Dropout):
                out = net.op('dropout', a[:1], name=n.name, source=where(n), p=m.p)
            elif isinstance(m, nn.Identity):
                out = a[0]
            elif isinstance(m, nn.Flatten):
                out = net.op('flatten', a[:1], name=n.name, source=where(n), start_dim=m.start_dim, end_dim=m.end_dim)
            else:
                fail(n, "no op kind of the network registry reads it (supported modules: Linear, Conv1d, ReLU, "
                        "LeakyReLU, Dropout, Identity, Flatten, and their compositions; a new kind is one module "
                        "of sage_conslaw.network.ops)")
        elif n.op in ('call_function', 'call_method'):
            t = n.target
            name = t if isinstance(t, str) else getattr(t, '__name__', '')
            if t in (F.relu, torch.relu) or name == 'relu' or name == 'relu_':
                out = net.op('relu', [arg(n.args[0], n)], name=n.name, source=where(n))
            elif t is F.leaky_relu or name == 'leaky_relu':
                out = net.op('leaky_relu', [arg(n.args[0], n)], name=n.name, source=where(n),
                             slope=kw(n, 1, 'negative_slope', 0.01))
            elif t is F.dropout or name == 'dropout':
                out = net.op('dropout', [arg(n.args[0], n)], name=n.name, source=where(n), p=kw(n, 1, 'p', 0.5))
            elif t in (operator.add, operator.iadd, torch.add) or name in ('add', 'add_', '__add__', '__radd__'):
                out = binary(n, 'add', n.args[0], n.args[1])
            elif t in (operator.sub, operator.isub, torch.sub) or name in ('sub', '__sub__'):
                out = binary(n, 'sub', n.args[0], n.args[1])
            elif t in (operator.mul, operator.imul, torch.mul) or name in ('mul', '__mul__', '__rmul__'):
                out = binary(n, 'mul', n.args[0], n.args[1])
            elif t in (operator.truediv, torch.div) or name in ('div', '__truediv__'):
                out = binary(n, 'div', n.args[0], n.args[1])
            elif t is operator.neg or name == 'neg':
                out = net.op('scale', [arg(n.args[0], n)], c=-1, name=n.name, source=where(n))
            elif t in (torch.cat, getattr(torch, 'concat', None)):
                xs = [arg(x, n) for x in n.args[0]]
                out = net.op('cat', xs, name=n.name, source=where(n), axis=kw(n, 1, 'dim', 0))
            elif t is F.linear:
                xs = [arg(x, n) for x in n.args[:3] if x is not None] + \
                    ([arg(n.kwargs['bias'], n)] if n.kwargs.get('bias') is not None else [])
                out = net.op('linear', xs, name=n.name, source=where(n))
            elif t in (torch.matmul, operator.matmul) or name == 'matmul':
                out = net.op('matmul', [arg(n.args[0], n), arg(n.args[1], n)], name=n.name, source=where(n))
            elif t is torch.flatten or name == 'flatten':
                out = net.op('flatten', [arg(n.args[0], n)], name=n.name, source=where(n),
                             start_dim=kw(n, 1, 'start_dim', 0 if t is torch.flatten else 0),
                             end_dim=kw(n, 2, 'end_dim', -1))
            elif t is torch.reshape or name in ('reshape', 'view'):
                out = net.op('reshape', [arg(n.args[0], n)], name=n.name, source=where(n), shape=shapes[n.name][1:])
            elif name in ('permute', 'transpose') or t in (torch.permute, torch.transpose):
                x = arg(n.args[0], n)
                nd = len(shapes[n.args[0].name])
                if name == 'permute' or t is torch.permute:
                    dims = n.args[1:] if t is not torch.permute else n.args[1]
                    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
                        dims = dims[0]
                    perm = [int(d) % nd for d in dims]
                else:
                    i, j = int(n.args[1]) % nd, int(n.args[2]) % nd
                    perm = list(range(nd))
                    perm[i], perm[j] = perm[j], perm[i]
                out = net.op('permute', [x], name=n.name, source=where(n), perm=tuple(perm))
            elif name in ('contiguous', 'clone') or t is torch.clone:
                out = arg(n.args[0], n)
            elif name == 'size' or t is getattr:
                out = None
                env[n.name] = None
                continue
            else:
                fail(n, "no op kind of the network registry reads it (a new kind is one module of "
                        "sage_conslaw.network.ops)")
        elif n.op == 'output':
            res = n.args[0]
            res = res if isinstance(res, (tuple, list)) else (res,)
            net.output(*[arg(r, n) for r in res])
            continue
        env[n.name] = out
    if not net.D:
        raise ValueError("the module has no trainable parameter")
    return net
