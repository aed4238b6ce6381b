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
import contextlib
import copy
import importlib
import io

import numpy as np

from sage_conslaw.network.backends import _qq
from sage_conslaw.network.graph import Network
from sage_conslaw.network.ops import OPS


def _value(t):
    r"""
    The exact values (rationals) of a tensor, as an object array.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import _value  # optional - torch
        sage: _value(torch.tensor([0.5r, 2r])).tolist()  # optional - torch
        [1/2, 2]
    """
    a = t.detach().cpu().double().numpy()
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1)):
        flat[i] = _qq(float(v))
    return out


def _resolve(what):
    r"""
    The object a qualified name names (``'torch.nn.Linear'``), the object
    itself when it is not a string, or ``None`` when it does not exist (an
    older torch).

    TESTS::

        sage: from sage_conslaw.network.fx import _resolve
        sage: _resolve('operator.add'), _resolve('operator.no_such_thing'), _resolve(len)
        (<built-in function add>, None, <built-in function len>)
    """
    if not isinstance(what, str):
        return what
    parts = what.split('.')
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None


def readers():
    r"""
    What the registered op kinds read: ``(modules, functions, methods)``, a
    dict module class -> op, a list of ``(function, op)`` and a dict method
    name -> op, built from each op class's own ``torch_modules``,
    ``torch_functions`` and ``torch_methods``.  Two kinds reading the same
    thing is an error.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import readers  # optional - torch
        sage: modules, functions, methods = readers()  # optional - torch
        sage: modules[torch.nn.Linear].name, methods['view'].name  # optional - torch
        ('linear', 'reshape')
    """
    modules, functions, methods = {}, [], {}

    def claim(table, key, op, what):
        old = table.get(key)
        if old is not None and old is not op:
            raise ValueError("the op kinds %r and %r both read %s" % (old.name, op.name, what))
        table[key] = op

    for op in OPS.values():
        own = type(op).__dict__
        for q in own.get('torch_modules', ()):
            cls = _resolve(q)
            if cls is not None:
                claim(modules, cls, op, q)
        for q in own.get('torch_functions', ()):
            f = _resolve(q)
            if f is None:
                continue
            for g, other in functions:
                if g is f and other is not op:
                    raise ValueError("the op kinds %r and %r both read %s" % (other.name, op.name, q))
            functions.append((f, op))
        for q in own.get('torch_methods', ()):
            claim(methods, q, op, "the method %s" % q)
    return modules, functions, methods


def _module_reader(modules, module):
    r"""
    The op reading a module (its class or the nearest base class read, unless
    the module overrides that class's ``forward``), or ``None``.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import readers, _module_reader  # optional - torch
        sage: class MyLinear(torch.nn.Linear): pass  # optional - torch
        sage: _module_reader(readers()[0r], MyLinear(2r, 2r)).name, _module_reader(readers()[0r], torch.nn.Softmax())  # optional - torch
        ('linear', None)
        sage: class Own(torch.nn.Linear):  # optional - torch
        ....:     def forward(self, x):
        ....:         return 2r * super().forward(x)
        sage: _module_reader(readers()[0r], Own(2r, 2r)) is None  # optional - torch
        True
    """
    for c in type(module).__mro__:
        if c in modules:
            return modules[c] if type(module).forward is c.forward else None    # its own forward: traced
    return None


def _tracer(modules):
    r"""
    A ``torch.fx`` tracer that keeps as one node (a leaf) every module whose
    class an op kind reads (``torch_modules``), besides PyTorch's own layers;
    any other module is traced through.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import readers, _tracer  # optional - torch
        sage: T = _tracer(readers()[0r])  # optional - torch
        sage: T.is_leaf_module(torch.nn.Linear(1r, 1r), 'a'), T.is_leaf_module(torch.nn.Sequential(), 'b')  # optional - torch
        (True, False)
    """
    from torch import fx

    class Tracer(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return type(m) in modules or super().is_leaf_module(m, qualname)
    return Tracer()


def _guess_example(module, modules=None):
    r"""
    An example input for the shapes: from the first layer whose op kind tells
    it (:meth:`~sage_conslaw.network.ops.Op.fx_example`: ``Linear``,
    ``Conv1d``, ``Conv2d``, ``LayerNorm``; an axis of any length tries lengths until the forward pass
    runs), or ``None``.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import _guess_example  # optional - torch
        sage: _guess_example(torch.nn.Sequential(torch.nn.Conv1d(1r, 2r, 2r), torch.nn.Flatten(), torch.nn.Linear(6r, 1r))).shape  # optional - torch
        torch.Size([2, 1, 4])
    """
    import torch
    if modules is None:
        modules = readers()[0]
    for m in module.modules():
        op = _module_reader(modules, m)
        shape = op.fx_example(m) if op is not None else None
        if shape is None:
            continue
        if None not in shape:
            return torch.zeros((2,) + tuple(shape), dtype=torch.float64)
        twin = copy.deepcopy(module).double()
        for T in range(1, 513):
            x = torch.zeros((2,) + tuple(T if s is None else s for s in shape), dtype=torch.float64)
            try:
                with torch.no_grad():
                    twin(x)
                return x
            except Exception:
                continue
        return None
    return None


class FxReader:
    r"""
    The state of one reading of a traced module: the network being built, the
    values of the fx nodes read so far, and the fx node being read (``node``).
    The op kinds' :meth:`~sage_conslaw.network.ops.Op.read_fx` use its methods.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.fx import FxReader  # optional - torch
        sage: gm = torch.fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(2r, 2r)))  # optional - torch
        sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[1r]  # optional - torch
        sage: r.where()  # optional - torch
        'fx node _0 (call_module Linear)'
    """

    def __init__(self, gm, shapes, canonical):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: FxReader(torch.fx.symbolic_trace(torch.nn.Identity()), {}, {}).net.D  # optional - torch
            0
        """
        self.gm = gm
        self.shapes = shapes
        self.canonical = canonical
        self.net = Network()
        self.env = {}
        self.params = {}
        self.node = None

    def where(self, n=None):
        r"""
        The fx node ``n`` (default: the one being read) named with its op and target.

        TESTS::

            sage: import torch, operator  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: FxReader(gm, {}, {}).where(list(gm.graph.nodes)[0r])  # optional - torch
            'fx node input_1 (placeholder input)'
        """
        n = self.node if n is None else n
        what = n.target if isinstance(n.target, str) else getattr(n.target, '__name__', str(n.target))
        if n.op == 'call_module':
            what = type(self.gm.get_submodule(n.target)).__name__
        return "fx node %s (%s %s)" % (n.name, n.op, what)

    def fail(self, why):
        r"""
        Raise the ``ValueError`` naming the fx node being read.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[0r]  # optional - torch
            sage: r.fail("why")  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node input_1 (placeholder input): why
        """
        raise ValueError("cannot read the %s: %s" % (self.where(), why))

    def called(self):
        r"""
        The name of the function or method called by the node being read
        (``'sub'`` for ``operator.sub``, ``torch.sub`` and ``x.sub``).

        TESTS::

            sage: import torch, operator  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(lambda x: x - 1r)  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[1r]; r.called()  # optional - torch
            'sub'
        """
        t = self.node.target
        return t if isinstance(t, str) else getattr(t, '__name__', '')

    def tensor(self, t, name):
        r"""
        The node of a tensor held by the module: a parameter (one per tensor,
        frozen when it does not require a gradient) or a constant.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[0r]  # optional - torch
            sage: P = torch.nn.Parameter(torch.ones(2r))  # optional - torch
            sage: r.tensor(P, 'w') is r.tensor(P, 'w2'), r.net.D  # optional - torch
            (True, 2)
            sage: r.net.nodes[r.tensor(torch.ones(2r), 'c')].role, r.tensor(3r, 'n')  # optional - torch
            ('constant', None)
        """
        import torch
        if isinstance(t, torch.nn.Parameter) or (torch.is_tensor(t) and t.requires_grad and t.is_leaf):
            key = id(t)
            if key not in self.params:
                pname = self.canonical.get(key, name)
                if t.requires_grad:
                    self.params[key] = self.net.parameter(pname, tuple(t.shape), source=self.where())
                else:
                    self.params[key] = self.net.parameter(pname, tuple(t.shape), trainable=False, value=_value(t),
                                                          source=self.where())
            return self.params[key]
        if torch.is_tensor(t):
            return self.net.constant(name, _value(t), source=self.where())
        return None

    def module_arguments(self, node, module):
        r"""
        The arguments of a call of a layer ``module`` (``nn.Linear``,
        ``nn.Conv1d``, ``nn.Conv2d``): the input, the weight and, if the module
        has one, the bias (parameters named after the module).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(2r, 3r)))  # optional - torch
            sage: r = FxReader(gm, {}, {}); x, call = list(gm.graph.nodes)[:2r]  # optional - torch
            sage: r.env[x.name] = r.net.input('x', (2r,)); r.node = call  # optional - torch
            sage: [r.net.nodes[i].name for i in r.module_arguments(call, gm.get_submodule('0'))]  # optional - torch
            ['x', '0.weight', '0.bias']
            sage: len(r.module_arguments(call, torch.nn.Linear(2r, 3r, bias=False))), r.net.D  # optional - torch
            (2, 15)
        """
        params = [self.tensor(module.weight, node.target + ".weight")]
        if module.bias is not None:
            params.append(self.tensor(module.bias, node.target + ".bias"))
        return [self.arg(node.args[0])] + params

    def arg(self, a):
        r"""
        The network node of an argument of the node being read (an fx node
        already read, or a tensor: a constant); anything else is an error.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[0r]  # optional - torch
            sage: r.net.nodes[r.arg(torch.ones(2r))].role  # optional - torch
            'constant'
            sage: r.arg('a')  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node input_1 (placeholder input): an argument 'a' is not a tensor
        """
        import torch
        if isinstance(a, torch.fx.Node):
            v = self.env.get(a.name)
            if v is None:
                self.fail("it reads %s, which is not a tensor of the network" % a.name)
            return v
        if torch.is_tensor(a):
            return self.net.constant("c%s" % len(self.net.nodes), _value(a).reshape(tuple(a.shape)),
                                     source=self.where())
        self.fail("an argument %r is not a tensor" % (a,))

    def constant(self, c):
        r"""
        A constant node of the number ``c`` (a scalar).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[0r]  # optional - torch
            sage: v = r.net.nodes[r.constant(1/3)].value.item(); v, parent(v)  # optional - torch
            (1/3, Rational Field)
        """
        value = np.empty((), dtype=object)
        value[()] = c                    # np.array(c, dtype=object) would turn a Sage rational into a float
        return self.net.constant("c%s" % len(self.net.nodes), value, source=self.where())

    @staticmethod
    def number(a):
        r"""
        A Python number argument as a rational, else ``None``.

        TESTS::

            sage: from sage_conslaw.network.fx import FxReader
            sage: FxReader.number(0.5r), FxReader.number(True), FxReader.number('x')
            (1/2, None, None)
        """
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            return _qq(a)
        return None

    def kw(self, i, name, default):
        r"""
        The ``i``-th positional argument of the node being read, or its keyword ``name``, or ``default``.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(lambda x: torch.nn.functional.dropout(x, p=0.25r))  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[1r]  # optional - torch
            sage: r.kw(1r, 'p', 0.5r), r.kw(2r, 'training', True)  # optional - torch
            (0.25, True)
        """
        if len(self.node.args) > i:
            return self.node.args[i]
        return self.node.kwargs.get(name, default)

    def shape(self, n):
        r"""
        The shape of the value of the fx node ``n`` (with the batch axis), from the forward pass.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: FxReader(gm, {'input_1': (2, 3)}, {}).shape(list(gm.graph.nodes)[0r])  # optional - torch
            (2, 3)
        """
        return self.shapes[n.name]

    def op(self, kind, args, name=None, **attrs):
        r"""
        Add an op node of a registered kind for the node being read (named
        after it unless ``name`` is given).

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import FxReader  # optional - torch
            sage: gm = torch.fx.symbolic_trace(torch.nn.Identity())  # optional - torch
            sage: r = FxReader(gm, {}, {}); r.node = list(gm.graph.nodes)[0r]  # optional - torch
            sage: x = r.net.input('x', (2,)); r.net.nodes[r.op('scale', [x], c=2)].name  # optional - torch
            'input_1'
        """
        return self.net.op(kind, args, name=self.node.name if name is None else name, source=self.where(), **attrs)


class ModuleDoesNotRun(ValueError):
    r"""
    The error of a PyTorch module whose own forward pass fails whatever the
    input (a Sage number where PyTorch needs a Python one, as ``nn.Dropout(0.5)``
    typed in a Sage session): a module PyTorch cannot run cannot be trained
    either, so nothing is read from it (no reader falls back to a partial
    reading, which would miss the failing layer).

    EXAMPLES::

        sage: from sage_conslaw.network.fx import ModuleDoesNotRun
        sage: issubclass(ModuleDoesNotRun, ValueError)
        True
    """


#: What a PyTorch error says when a Sage number reached an argument that must be a Python number.
SAGE_NUMBER_HINT = ("in a Sage session 0.5 is a Sage real: give PyTorch Python numbers "
                    "(0.5r, float(0.5), int(3))")


def _root_cause(error):
    r"""
    The first line of the innermost exception behind ``error`` (``torch.fx``
    wraps the module's own error in its ``ShapeProp`` report), with a hint when
    a Sage number reached PyTorch.

    TESTS::

        sage: from sage_conslaw.network.fx import _root_cause
        sage: try:
        ....:     try:
        ....:         raise TypeError("dropout(): argument 'p' must be float, not sage.rings.real_mpfr.RealLiteral")
        ....:     except TypeError as inner:
        ....:         raise RuntimeError("ShapeProp error for: node=...") from inner
        ....: except RuntimeError as e:
        ....:     print(_root_cause(e))
        TypeError: dropout(): argument 'p' must be float, not sage.rings.real_mpfr.RealLiteral (in a Sage session 0.5 is a Sage real: ...)
        sage: _root_cause(ValueError("bad\nmore lines"))
        'ValueError: bad'
    """
    while error.__cause__ is not None:
        error = error.__cause__
    text = "%s: %s" % (type(error).__name__, str(error).split("\n")[0])
    if "sage.rings" in text:
        text += " (%s)" % SAGE_NUMBER_HINT
    return text


def network_from_module(module, example=None, input_shape=None):
    r"""
    Read a PyTorch module as a :class:`~sage_conslaw.network.graph.Network`
    (see the module documentation).

    INPUT:

    - ``module`` -- a ``torch.nn.Module``
    - ``example`` -- an example input batch (default: guessed from the first
      layer whose size tells it: ``Linear``, ``Conv1d``, ``Conv2d``, ``LayerNorm``)
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

    A module PyTorch itself cannot run is refused with PyTorch's reason (here a
    Sage real given as Dropout's probability)::

        sage: network_from_module(nn.Sequential(nn.Linear(2r, 2r), nn.Dropout(0.5)))  # optional - torch
        Traceback (most recent call last):
        ...
        ModuleDoesNotRun: the module does not run on an input of shape (2,): TypeError: dropout(): argument 'p' ... (in a Sage session 0.5 is a Sage real: give PyTorch Python numbers (0.5r, float(0.5), int(3)))
    """
    import torch
    from torch import fx, nn
    from torch.fx.passes.shape_prop import ShapeProp
    if not isinstance(module, nn.Module):
        raise TypeError("network_from_module needs a torch.nn.Module, got %r" % (module,))
    modules, functions, methods = readers()
    try:
        gm = fx.GraphModule(module, _tracer(modules).trace(module))
    except Exception as e:
        raise ValueError("torch.fx cannot trace %s: %s" % (type(module).__name__, str(e).split("\n")[0]))
    if example is None and input_shape is not None:
        example = torch.zeros((2,) + tuple(int(s) for s in input_shape), dtype=torch.float64)
    if example is None:
        example = _guess_example(module, modules)
    if example is None:
        raise ValueError("cannot guess the input shape of %s: pass input_shape=..." % type(module).__name__)
    gm_d = copy.deepcopy(gm).double()
    try:
        with contextlib.redirect_stderr(io.StringIO()):      # torch.fx prints the failing node; the error says it
            ShapeProp(gm_d).propagate(example.double())
    except Exception as e:
        cause = _root_cause(e)
        # a failure may come from a wrong guess of the input (attention reads sequences, and key and
        # value), for which the block reader is tried; a Sage number given to PyTorch is the module's own
        error = ModuleDoesNotRun if SAGE_NUMBER_HINT in cause else ValueError
        raise error("the module does not run on an input of shape %s: %s" % (tuple(example.shape[1:]), cause))
    shapes = {n.name: tuple(n.meta['tensor_meta'].shape) for n in gm_d.graph.nodes
              if hasattr(n.meta.get('tensor_meta'), 'shape')}
    # one canonical name per parameter tensor (a module reachable by two paths is one module)
    canonical = {id(P): name for name, P in module.named_parameters(remove_duplicate=True)}
    fxr = FxReader(gm, shapes, canonical)
    net, env = fxr.net, fxr.env
    single = sum(1 for m in gm.graph.nodes if m.op == 'placeholder') == 1
    for n in gm.graph.nodes:
        fxr.node = n
        if n.op == 'placeholder':
            if n.name not in shapes:
                fxr.fail("only tensor inputs are supported")
            env[n.name] = net.input('x' if single else n.name, shapes[n.name][1:])
        elif n.op == 'get_attr':
            t = gm
            for part in n.target.split('.'):
                t = getattr(t, part)
            env[n.name] = fxr.tensor(t, n.target)
            if env[n.name] is None:
                fxr.fail("not a tensor")
        elif n.op == 'output':
            res = n.args[0]
            res = res if isinstance(res, (tuple, list)) else (res,)
            net.output(*[fxr.arg(r) for r in res])
        elif n.op == 'call_module':
            m = gm.get_submodule(n.target)
            op = _module_reader(modules, m)
            if op is None:
                fxr.fail("no op kind of the network registry reads it (supported modules: %s, and their "
                         "compositions; a new kind is one module of sage_conslaw.network.ops)"
                         % ", ".join(sorted({c.__name__ for c in modules})))
            env[n.name] = op.read_fx(fxr, n, m)
        else:                                                # call_function, call_method
            t = n.target
            name = fxr.called()
            if name == 'size' or t is getattr:               # shapes, not values of the network
                env[n.name] = None
                continue
            op = None
            if n.op == 'call_function':
                op = next((o for f, o in functions if f is t), None)
            if op is None:
                op = methods.get(name)
            if op is None:
                fxr.fail("no op kind of the network registry reads it (a new kind is one module of "
                         "sage_conslaw.network.ops)")
            env[n.name] = op.read_fx(fxr, n, None)
    if not net.D:
        raise ValueError("the module has no trainable parameter")
    return net
