# sage.doctest: optional - torch
r"""
The normalizations ``layer_norm`` and ``rms_norm`` on the last axis
(``torch.nn.LayerNorm``, ``F.layer_norm``, ``torch.nn.RMSNorm``,
``F.rms_norm``); attributes ``eps`` (an exact rational), ``gain`` and
``shift`` (whether the arguments after ``x`` hold `\gamma` and `\beta`):

.. MATH::

    N(z) = \gamma \odot \frac{Pz}{\sqrt{\|Pz\|^2/n + \varepsilon}} + \beta,

`P = I - \frac1n\mathbf 1\mathbf 1^\top` for LayerNorm, `P = I` for RMSNorm
(no shift).  The forward pass is written with the backend's elementary
operations and one ``rsqrt`` (so PyTorch's autograd differentiates elementary
ops: its fused ``layer_norm`` gives wrong third derivatives in 2.13), and the
op is ``'analytic'``: the certificate of a network with it is the ball
arithmetic of :mod:`sage_conslaw.network.balls`.

**The symmetries, proven.**

- *Scale* (declared by :meth:`LayerNorm.scaling`): with `\varepsilon = 0`,
  `N(\lambda z) = N(z)` for `\lambda > 0` (`P(\lambda z) = \lambda Pz` and
  `\sqrt{\|\lambda Pz\|^2/n} = \lambda\sqrt{\|Pz\|^2/n}`): every entry of a
  normalized row may carry one common weight, and the output carries the
  weights of `\gamma_j` (its term `\gamma_j N_j`) and `\beta_j`.  With
  `\varepsilon > 0`, `\sqrt{\lambda^2 v + \varepsilon} \ne \lambda\sqrt{v +
  \varepsilon}` for `\lambda \ne 1`: the input's weight is `0`.  Through a
  preceding linear map this gives the law `\|W\|^2 + \|b\|^2` of that map
  (`\varepsilon = 0` only), and through the next linear map the gain/shift
  law `\gamma_j^2 + \beta_j^2 - \|W'[:, j]\|^2` (every `\varepsilon`).
- *Translations* (declared by :meth:`LayerNorm.translations`, LayerNorm
  only): `N(z + t\mathbf 1) = N(z)` for every number `t` (`P\mathbf 1 = 0`),
  every `\varepsilon`.  When `z = W x + b` is read by this op only, with `W`
  and `b` trainable parameters used nowhere else, `W \mapsto W + \mathbf
  1 v^\top` and `b \mapsto b + c\mathbf 1` add `(v^\top x + c)\mathbf 1` to
  `z`: the network does not change, so (a translation `\theta + tc` of
  parameters leaves the function invariant, hence `\langle\nabla_\theta g,
  c\rangle = 0`) the column sums `\sum_i W_{ij}` and `\sum_i b_i` are laws.
  Without `\gamma` and `\beta`, `\mathbf 1^\top N(z) = 0`: a linear map `W'`
  reading `N(z)` (used nowhere else) may be translated by `u\mathbf 1^\top`
  (`W' N(z)` unchanged), so its row sums are laws.

EXAMPLES::

    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.symmetries import scaling_laws, translation_laws
    sage: net = Network(); x = net.input('x', (2,)); W = net.parameter('W', (3, 2))
    sage: z = net.op('layer_norm', [net.op('linear', [x, W])], eps=0, gain=False, shift=False)
    sage: net.output(net.op('linear', [z, net.parameter('V', (1, 3))]))
    sage: scaling_laws(net).tolist(), translation_laws(net).tolist()
    ([[1, 1, 1, 1, 1, 1, 0, 0, 0]], [[1, 0, 1, 0, 1, 0, 0, 0, 0], [0, 1, 0, 1, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 1, 1]])
"""
import numpy as np

from sage.rings.rational_field import QQ

from sage_conslaw.network.ops import Op, get_op, register_op


def _column(B, n):
    r"""
    The constant column `\frac1n\mathbf 1` (shape ``(n, 1)``) in the backend ``B``.

    TESTS::

        sage: from sage_conslaw.network.backends import ObjectBackend
        sage: from sage_conslaw.network.ops.normalization import _column
        sage: _column(ObjectBackend('exact'), 2).tolist()
        [[1/2], [1/2]]
    """
    vals = np.empty((n, 1), dtype=object)
    vals.fill(QQ((1, n)))
    return B.tensor(vals) if hasattr(B, 'tensor') else B.array(vals)


def normalize(B, x, eps, center, node):
    r"""
    `Pz / \sqrt{\|Pz\|^2/n + \varepsilon}` on the last axis, with the backend's operations.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import TorchBackend
        sage: from sage_conslaw.network.ops.normalization import normalize
        sage: normalize(TorchBackend(), torch.tensor([[1.r, 3.r]], dtype=torch.float64), 0, True, None).tolist()  # optional - torch
        [[-1.0, 1.0]]
    """
    col = _column(B, int(x.shape[-1]))
    if center:
        x = B.add(x, B.mul(B.matmul(x, col), B.constant(-1)))
    v = B.matmul(B.mul(x, x), col)
    if eps:
        v = B.add(v, B.constant(eps))
    return B.mul(x, get_op('rsqrt').forward(B, [v], {}, node))


def _eps(fx, eps):
    r"""
    ``eps`` as an exact rational; ``None`` (PyTorch's RMSNorm default) is the
    machine epsilon of PyTorch's default float type.

    TESTS::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.ops.normalization import _eps
        sage: _eps(None, 0.5r), _eps(None, None) > 0  # optional - torch
        (1/2, True)
    """
    import torch
    if eps is None:
        eps = torch.finfo(torch.get_default_dtype()).eps
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps < 0:
        fx.fail("eps must be a number >= 0, got %r" % (eps,))
    n, d = float(eps).as_integer_ratio()              # the exact value of the double
    return QQ((n, d))


def _once(net, index):
    r"""
    Whether node ``index`` is a trainable parameter read by exactly one op node.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.ops.normalization import _once
        sage: net = Network.sequential(2, [('linear', 2)]); _once(net, 1), _once(net, 0)
        (True, False)
    """
    n = net.nodes[index]
    return n.role == 'parameter' and n.trainable and len(net.uses(index)) == 1


@register_op
class LayerNorm(Op):
    r"""
    LayerNorm on the last axis (see the module documentation).

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import TorchBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: B = TorchBackend(); x = torch.tensor([[1.r, 2.r, 6.r]], dtype=torch.float64)  # optional - torch
        sage: y = get_op('layer_norm').forward(B, [x], {'eps': 1/100000}, None)  # optional - torch
        sage: torch.allclose(y, torch.nn.functional.layer_norm(x, (3r,), eps=1e-5r))  # optional - torch
        True
    """
    name = 'layer_norm'
    kind = 'analytic'
    center = True
    torch_modules = ('torch.nn.LayerNorm',)
    torch_functions = ('torch.nn.functional.layer_norm',)

    def read_fx(self, fx, node, module):
        r"""
        The module's (or the call's) ``normalized_shape`` (one axis, the last),
        ``eps``, weight and bias.

        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.fx import network_from_module  # optional - torch
            sage: from sage_conslaw.network.ops import get_op  # optional - torch
            sage: op, seen = get_op('layer_norm'), []  # optional - torch
            sage: op.read_fx = lambda fx, node, module: seen.append(node.name) or type(op).read_fx(op, fx, node, module)  # optional - torch
            sage: net = network_from_module(torch.nn.Sequential(torch.nn.Linear(2r, 3r), torch.nn.LayerNorm(3r)))  # optional - torch
            sage: a = net.nodes[-1r].attrs; 0 < a['eps'] < 1/10000, a['gain'], a['shift'], net.D  # optional - torch
            (True, True, True, 15)
            sage: network_from_module(torch.nn.Sequential(torch.nn.Linear(2r, 2r), torch.nn.LayerNorm((2r, 2r))), input_shape=(2r, 2r))  # optional - torch
            Traceback (most recent call last):
            ...
            ValueError: cannot read the fx node ...: only a normalization over the last axis is supported, got normalized_shape (2, 2)
            sage: del op.read_fx; seen  # optional - torch
            ['_1', '_1']
        """
        rms = self.name == 'rms_norm'
        if module is not None:
            shape, eps = tuple(module.normalized_shape), module.eps
            gamma = module.weight
            beta = None if rms else module.bias
        else:
            shape = fx.kw(1, 'normalized_shape', None)
            gamma = fx.kw(2, 'weight', None)
            beta = None if rms else fx.kw(3, 'bias', None)
            eps = fx.kw(3 if rms else 4, 'eps', None if rms else 1e-5)
            shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
        if len(shape) != 1:
            fx.fail("only a normalization over the last axis is supported, got normalized_shape %s" % (shape,))
        args = [fx.arg(node.args[0])]
        for t, nm in ((gamma, "weight"), (beta, "bias")):
            if t is not None:
                args.append(fx.tensor(t, node.target + "." + nm) if module is not None else fx.arg(t))
        return fx.op(self.name, args, eps=_eps(fx, eps), gain=gamma is not None, shift=beta is not None)

    def fx_example(self, module):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('layer_norm').fx_example(torch.nn.LayerNorm(3r))  # optional - torch
            (3,)
        """
        return tuple(module.normalized_shape)

    def _affine(self, args, attrs):
        r"""
        `\gamma` and `\beta` among the arguments (``None`` when absent).

        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('layer_norm')._affine(['x', 'g'], {'gain': True, 'shift': False})
            ('g', None)
        """
        rest = list(args[1:])
        gamma = rest.pop(0) if attrs.get('gain') else None
        beta = rest.pop(0) if attrs.get('shift') else None
        return gamma, beta

    def shape(self, shapes, attrs, where):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('layer_norm').shape([(2, 3), (4,)], {'gain': True}, 'node n')
            Traceback (most recent call last):
            ...
            ValueError: node n: the affine parameters of the normalization must have shape (3,), got (4,)
        """
        x = tuple(shapes[0])
        if not x:
            raise ValueError("%s: the normalization needs a value with at least one axis" % where)
        for s in shapes[1:]:
            if tuple(s) != x[-1:]:
                raise ValueError("%s: the affine parameters of the normalization must have shape %s, got %s"
                                 % (where, x[-1:], tuple(s)))
        return x

    def forward(self, B, args, attrs, node):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.network.backends import TorchBackend
            sage: from sage_conslaw.network.ops import get_op
            sage: B = TorchBackend(); x = torch.tensor([[1.r, 3.r]], dtype=torch.float64)  # optional - torch
            sage: g = torch.tensor([2.r, 1.r], dtype=torch.float64); b = torch.tensor([0.r, 5.r], dtype=torch.float64)  # optional - torch
            sage: get_op('layer_norm').forward(B, [x, g, b], {'eps': 0, 'gain': True, 'shift': True}, None).tolist()  # optional - torch
            [[-2.0, 6.0]]
        """
        y = normalize(B, args[0], attrs.get('eps', 0), self.center, node)
        gamma, beta = self._affine(args, attrs)
        if gamma is not None:
            y = B.mul(y, gamma)
        if beta is not None:
            y = B.add(y, beta)
        return y

    def scaling(self, S, args, attrs, node):
        r"""
        Each normalized row has one common weight (`0` when `\varepsilon > 0`);
        the output has the weights of `\gamma_j` and `\beta_j` (see the module documentation).

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: from sage_conslaw.network.ops import get_op
            sage: S = ScalingSystem(); x = S.fresh((2,))
            sage: out = get_op('rms_norm').scaling(S, [x], {'eps': 0}, None); S.equations
            [[(1, 1), (1, -1)], [(2, 1), (1, -1)], [(3, 1)], [(4, 1)]]
        """
        x = args[0]
        S.equal(x, np.broadcast_to(x[..., :1], x.shape))
        if attrs.get('eps', 0):
            S.equal(x, S.zero(x.shape))
        gamma, beta = self._affine(args, attrs)
        out = S.fresh(tuple(x.shape))
        S.term(out, gamma if gamma is not None else S.zero(out.shape))
        if beta is not None:
            S.term(out, beta)
        return out

    def contraction(self, shapes, attrs):
        r"""
        TESTS::

            sage: from sage_conslaw.network.ops import get_op
            sage: get_op('layer_norm').contraction([(4,)], {})
            4
        """
        return shapes[0][-1]

    def translations(self, net, node):
        r"""
        The translations of parameters that leave the network invariant because
        of this normalization (see the module documentation): a list of dicts
        ``{parameter node index: integer array of its shape}``.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.network.ops import get_op
            sage: net = Network(); x = net.input('x', (2,)); W = net.parameter('W', (3, 2)); b = net.parameter('b', (3,))
            sage: z = net.op('linear', [x, W, b]); n = net.op('layer_norm', [z], eps=0, gain=False, shift=False)
            sage: net.output(n, z)                       # z is an output too: no translation of W, b
            sage: get_op('layer_norm').translations(net, net.nodes[n])
            []
        """
        if not self.center:
            return []
        out = []
        z = net.nodes[node.args[0]]
        if z.role == 'op' and z.op == 'linear' and [u.index for u in net.uses(z.index)] == [node.index] \
                and z.index not in net.outputs:
            W = net.nodes[z.args[1]]
            if _once(net, W.index):
                for j in range(W.shape[1]):
                    c = np.zeros(W.shape, dtype=np.int64)
                    c[:, j] = 1
                    out.append({W.index: c})
            if len(z.args) > 2 and _once(net, z.args[2]):
                out.append({z.args[2]: np.ones(net.nodes[z.args[2]].shape, dtype=np.int64)})
        if not attrs_affine(node.attrs):
            for u in net.uses(node.index):
                if u.op == 'linear' and u.args[0] == node.index and node.index not in u.args[1:] \
                        and _once(net, u.args[1]):
                    V = net.nodes[u.args[1]]
                    for i in range(V.shape[0]):
                        c = np.zeros(V.shape, dtype=np.int64)
                        c[i, :] = 1
                        out.append({V.index: c})
        return out


def attrs_affine(attrs):
    r"""
    Whether a normalization has a gain or a shift.

    TESTS::

        sage: from sage_conslaw.network.ops.normalization import attrs_affine
        sage: attrs_affine({'gain': False}), attrs_affine({'gain': True})
        (False, True)
    """
    return bool(attrs.get('gain') or attrs.get('shift'))


@register_op
class RMSNorm(LayerNorm):
    r"""
    RMSNorm on the last axis: no centering, no shift (see the module documentation).

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.network.backends import TorchBackend
        sage: from sage_conslaw.network.ops import get_op
        sage: x = torch.tensor([[3.r, 4.r]], dtype=torch.float64)  # optional - torch
        sage: y = get_op('rms_norm').forward(TorchBackend(), [x], {'eps': 0}, None)  # optional - torch
        sage: torch.allclose(y * 12.5r ** 0.5r, x)  # optional - torch
        True
    """
    name = 'rms_norm'
    center = False
    torch_modules = ('torch.nn.RMSNorm',)
    torch_functions = ('torch.nn.functional.rms_norm',)
