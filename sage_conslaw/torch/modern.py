r"""
PyTorch modules of the modern blocks (needs the ``torch`` extra; imported only when asked).

Plain ``nn.Module`` subclasses, as a user would write them: a gated MLP
(SwiGLU), rotary multi-head attention, a mixture of experts; and
:func:`to_torch`, the PyTorch module of a family of
:mod:`sage_conslaw.architectures` (MLP, GatedMLP, NormalizedMLP, ...) with the
parameters of a point `\theta` (float64), in the order of the family's layout.

EXAMPLES::

    sage: # optional - torch
    sage: from sage_conslaw.torch.modern import GatedMLPModule
    sage: m = GatedMLPModule(4, 3, 2, 'silu', False); sum(p.numel() for p in m.parameters())
    30
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.gpt import TinyGPT
from sage_conslaw.architectures.moe import MixtureOfExperts
from sage_conslaw.architectures.rotary import RotaryAttention
from sage_conslaw.architectures.normalization import NormalizedMLP
from sage_conslaw.architectures.swiglu import GatedMLP
from sage_conslaw.torch.mapping import TorchMap

#: The PyTorch module of each activation name of :data:`~sage_conslaw.architectures.functional.ACTIVATIONS`.
ACTIVATION_MODULES = {"gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
                      "softplus": nn.Softplus, "relu": nn.ReLU, "linear": nn.Identity}

#: The gate functions, by the names of :data:`~sage_conslaw.architectures.functional.ACTIVATIONS`.
GATES = {"gelu": F.gelu, "silu": F.silu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": F.softplus,
         "relu": F.relu, "linear": lambda z: z}


def load_parameters(module, values):
    r"""
    Copy ``values`` (``{parameter name: nested lists or None}``) into the parameters of ``module``.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.torch.modern import load_parameters
        sage: from torch import nn
        sage: lin = nn.Linear(2, 1).double()
        sage: load_parameters(lin, {'weight': [[1, 2]], 'bias': [3], 'other': None}); lin.bias.tolist()
        [3.0]
        sage: load_parameters(lin, {'weight': [[1, 2, 3]]})
        Traceback (most recent call last):
        ...
        ValueError: parameter weight has shape (1, 2), got (1, 3)
    """
    params = dict(module.named_parameters())
    with torch.no_grad():
        for name, value in values.items():
            if value is None:
                continue
            t = torch.tensor(value, dtype=params[name].dtype)
            if tuple(t.shape) != tuple(params[name].shape):
                raise ValueError("parameter %s has shape %s, got %s" % (name, tuple(params[name].shape),
                                                                        tuple(t.shape)))
            params[name].copy_(t)


class GatedMLPModule(nn.Module):
    r"""
    `W_3 (\sigma(W_1 x + b_1) \odot (W_2 x + b_2)) + b_3` (SwiGLU with ``gate='silu'``), float64.

    EXAMPLES::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import GatedMLPModule
        sage: GatedMLPModule(2, 3, 1, 'gelu', True)(torch.zeros(5, 2, dtype=torch.float64)).shape
        torch.Size([5, 1])
    """

    def __init__(self, d_in, hidden, d_out, gate="silu", bias=False):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.torch.modern import GatedMLPModule
            sage: GatedMLPModule(2, 3, 1).w1
            Linear(in_features=2, out_features=3, bias=False)
        """
        super().__init__()
        self.gate = gate
        d_in, hidden, d_out = int(d_in), int(hidden), int(d_out)
        self.w1 = nn.Linear(d_in, hidden, bias=bias).double()
        self.w2 = nn.Linear(d_in, hidden, bias=bias).double()
        self.w3 = nn.Linear(hidden, d_out, bias=bias).double()

    def forward(self, x):
        r"""
        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.torch.modern import GatedMLPModule
            sage: m = GatedMLPModule(1, 1, 1, 'relu')
            sage: with torch.no_grad():
            ....:     _ = m.w1.weight.fill_(float(2)); _ = m.w2.weight.fill_(float(3)); _ = m.w3.weight.fill_(float(5))
            sage: m.forward(torch.ones(1, 1, dtype=torch.float64)).item()
            30.0
        """
        return self.w3(GATES[self.gate](self.w1(x)) * self.w2(x))


def rotary_angles(length, d_k, base=10000.0):
    r"""
    The angles `m \omega_i` of RoPE, `\omega_i = \mathrm{base}^{-2i/d_k}`, as a ``(length, d_k // 2)`` tensor.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.torch.modern import rotary_angles
        sage: rotary_angles(3, 2).flatten().tolist()
        [0.0, 1.0, 2.0]
    """
    i = torch.arange(int(d_k) // 2, dtype=torch.float64)
    omega = float(base) ** (-2 * i / int(d_k))
    return torch.arange(int(length), dtype=torch.float64)[:, None] * omega[None, :]


def apply_rotary(q, angles):
    r"""
    Rotate the planes `(2i, 2i+1)` of the last axis of ``q`` (shape ``(..., L, d_k)``) by the
    angles of each position (an odd last coordinate is left as it is).

    EXAMPLES::

        sage: # optional - torch
        sage: import torch, math
        sage: from sage_conslaw.torch.modern import apply_rotary
        sage: q = torch.tensor([[1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
        sage: apply_rotary(q, torch.tensor([[0.0], [math.pi / 2.]], dtype=torch.float64)).round(decimals=int(6)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    half = angles.shape[-1]
    x1, x2 = q[..., 0:2 * half:2], q[..., 1:2 * half:2]
    c, s = torch.cos(angles), torch.sin(angles)
    r1, r2 = x1 * c - x2 * s, x1 * s + x2 * c
    out = torch.stack([r1, r2], dim=-1).flatten(-2)
    return torch.cat([out, q[..., 2 * half:]], dim=-1)


def sinusoidal_encoding(length, d, base=10000.0):
    r"""
    The sinusoidal positional encodings (``length x d``): `\sin(m / \mathrm{base}^{2i/d})` at `2i`,
    `\cos` at `2i + 1`.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.torch.modern import sinusoidal_encoding
        sage: sinusoidal_encoding(2, 2).tolist()
        [[0.0, 1.0], [0.8414709848078965, 0.5403023058681398]]
    """
    pos = torch.arange(int(length), dtype=torch.float64)[:, None]
    i = torch.arange(int(d), dtype=torch.float64)[None, :]
    angle = pos / float(base) ** (2 * torch.div(i, 2, rounding_mode="floor") / int(d))
    return torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))


class RotaryAttentionModule(nn.Module):
    r"""
    Multi-head attention `\sum_h \mathrm{softmax}((R_m Q_h x_m)^\top (R_n K_h x_n))_{mn}\, O_h^\top V_h x_n`
    with ``positional`` ``'rotary'``, ``'sinusoidal'`` (added to the inputs) or ``None``, the parameters
    named as the layout of :class:`~sage_conslaw.architectures.rotary.RotaryAttention` (``Q, K, V, O``, or
    ``Q1, K1, ...`` for several heads; ``O`` is ``d_v x d_out``); inputs ``(batch, L, d_in)``.

    EXAMPLES::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import RotaryAttentionModule
        sage: m = RotaryAttentionModule(3, 2, 2, 1, 3)
        sage: m(torch.zeros(4, 5, 3, dtype=torch.float64)).shape
        torch.Size([4, 5, 3])
    """

    def __init__(self, d_in, heads, d_k, d_v, d_out, positional="rotary", base=10000.0, scale=1.0):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.torch.modern import RotaryAttentionModule
            sage: [n for n, _ in RotaryAttentionModule(3, 2, 2, 1, 3).named_parameters()][:4]
            ['Q1', 'K1', 'V1', 'O1']
        """
        super().__init__()
        self.positional, self.base, self.scale = positional, float(base), float(scale)
        d_in, heads, d_k, d_v, d_out = int(d_in), int(heads), int(d_k), int(d_v), int(d_out)
        self.d_k = d_k
        self.suffixes = [""] if heads == 1 else [str(h) for h in range(1, heads + 1)]
        for s in self.suffixes:
            for name, shape in (("Q", (d_k, d_in)), ("K", (d_k, d_in)), ("V", (d_v, d_in)), ("O", (d_v, d_out))):
                setattr(self, name + s, nn.Parameter(torch.randn(*shape, dtype=torch.float64) / math.sqrt(shape[1])))

    def forward(self, x):
        r"""
        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.torch.modern import RotaryAttentionModule
            sage: m = RotaryAttentionModule(2, 1, 2, 1, 2, positional=None)
            sage: x = torch.randn(1, 3, 2, dtype=torch.float64)
            sage: p = [int(2), int(0), int(1)]; q = [int(1), int(2), int(0)]; bool(torch.allclose(m.forward(x), m(x[:, p])[:, q]))
            True
        """
        L = x.shape[-2]
        if self.positional == "sinusoidal":
            x = x + sinusoidal_encoding(L, x.shape[-1], self.base)
        out = 0
        for s in self.suffixes:
            Q, K, V, O = (getattr(self, n + s) for n in "QKVO")
            q, k = x @ Q.T, x @ K.T
            if self.positional == "rotary":
                angles = rotary_angles(L, self.d_k, self.base)
                q, k = apply_rotary(q, angles), apply_rotary(k, angles)
            S = torch.softmax(self.scale * q @ k.transpose(-1, -2), dim=-1)
            out = out + S @ (x @ V.T) @ O
        return out


class MixtureOfExpertsModule(nn.Module):
    r"""
    `\sum_e \pi_e(x) (B_e \sigma(A_e x + a_e) + c_e)` with a softmax router `\pi = \mathrm{softmax}(Rx + r)`
    (or of the top-`k` logits), the parameters named as the layout of
    :class:`~sage_conslaw.architectures.moe.MixtureOfExperts`.

    EXAMPLES::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import MixtureOfExpertsModule
        sage: m = MixtureOfExpertsModule(2, 3, 4, 1, 'relu', 'topk', 2, True)
        sage: m(torch.zeros(5, 2, dtype=torch.float64)).shape
        torch.Size([5, 1])
    """

    def __init__(self, d_in, experts, hidden, d_out, activation="relu", gating="softmax", k=1, bias=True):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.torch.modern import MixtureOfExpertsModule
            sage: [n for n, _ in MixtureOfExpertsModule(2, 2, 1, 1).named_parameters()]
            ['R', 'r', 'A1', 'a1', 'B1', 'c1', 'A2', 'a2', 'B2', 'c2']
        """
        super().__init__()
        d_in, E, h, d_out = int(d_in), int(experts), int(hidden), int(d_out)
        self.experts, self.activation, self.gating, self.k, self.bias = E, activation, gating, int(k), bias
        g = lambda *s: nn.Parameter(torch.randn(*s, dtype=torch.float64) / math.sqrt(s[-1]))
        self.R = g(E, d_in)
        if bias:
            self.r = g(E)
        for e in range(1, E + 1):
            setattr(self, "A%s" % e, g(h, d_in))
            if bias:
                setattr(self, "a%s" % e, g(h))
            setattr(self, "B%s" % e, g(d_out, h))
            if bias:
                setattr(self, "c%s" % e, g(d_out))

    def forward(self, x):
        r"""
        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.torch.modern import MixtureOfExpertsModule
            sage: m = MixtureOfExpertsModule(1, 2, 1, 1, 'linear', 'topk', 1, False)
            sage: with torch.no_grad():
            ....:     _ = m.R.copy_(torch.tensor([[1.0], [-1.0]], dtype=torch.float64))
            sage: x = torch.tensor([[1.0], [-1.0]], dtype=torch.float64)
            sage: bool(torch.allclose(m.forward(x)[0], m.B1 @ m.A1 @ x[0])), bool(torch.allclose(m(x)[1], m.B2 @ m.A2 @ x[1]))
            (True, True)
        """
        logits = x @ self.R.T + (self.r if self.bias else 0)
        if self.gating == "softmax":
            gates = torch.softmax(logits, dim=-1)
        else:
            top = torch.topk(logits, self.k, dim=-1)
            mask = torch.full_like(logits, float("-inf")).scatter(-1, top.indices, 0.0)
            gates = torch.softmax(logits + mask, dim=-1)
        act = GATES[self.activation]
        out = 0
        for e in range(1, self.experts + 1):
            A, B = getattr(self, "A%s" % e), getattr(self, "B%s" % e)
            z = x @ A.T + (getattr(self, "a%s" % e) if self.bias else 0)
            y = act(z) @ B.T + (getattr(self, "c%s" % e) if self.bias else 0)
            out = out + gates[:, e - 1:e] * y
        return out


class TinyGPTModule(nn.Module):
    r"""
    A GPT-style block in plain PyTorch: embedding, RMSNorm, rotary causal multi-head attention,
    RMSNorm, SwiGLU, residuals, RMSNorm, readout; parameters named as the layout of
    :class:`~sage_conslaw.architectures.gpt.TinyGPT`.  Input: token ids ``(batch, L)``; output:
    logits ``(batch, L, vocab)``.

    EXAMPLES::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import TinyGPTModule
        sage: m = TinyGPTModule(16, 32, 4, 8, 8, 64)
        sage: sum(p.numel() for p in m.parameters())
        11360
        sage: m(torch.zeros(2, 5, dtype=torch.long)).shape
        torch.Size([2, 5, 16])
    """

    def __init__(self, vocab, d, heads, d_k, d_v, hidden, eps=2.0 ** -52, base=10000.0):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.torch.modern import TinyGPTModule
            sage: [n for n, _ in TinyGPTModule(2, 2, 1, 2, 1, 1).named_parameters()]
            ['E', 'g1', 'Q1', 'K1', 'V1', 'O1', 'g2', 'W1', 'W2', 'W3', 'g3', 'U']
        """
        super().__init__()
        vocab, d, heads, d_k, d_v, hidden = (int(v) for v in (vocab, d, heads, d_k, d_v, hidden))
        self.heads, self.d_k, self.eps, self.base = heads, d_k, float(eps), float(base)
        g = lambda *s: nn.Parameter(torch.randn(*s, dtype=torch.float64) / math.sqrt(s[-1]))
        one = lambda n: nn.Parameter(torch.ones(n, dtype=torch.float64))
        self.E, self.g1 = g(vocab, d), one(d)
        for h in range(1, heads + 1):
            for name, shape in (("Q", (d_k, d)), ("K", (d_k, d)), ("V", (d_v, d)), ("O", (d_v, d))):
                setattr(self, "%s%s" % (name, h), g(*shape))
        self.g2, self.W1, self.W2, self.W3 = one(d), g(hidden, d), g(hidden, d), g(d, hidden)
        self.g3, self.U = one(d), g(vocab, d)

    def _rms(self, x, gain):
        r"""
        RMSNorm with gain.

        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.torch.modern import TinyGPTModule
            sage: m = TinyGPTModule(2, 2, 1, 2, 1, 1)
            sage: m._rms(torch.tensor([3.0, 4.0], dtype=torch.float64), m.g1).tolist()
            [0.848528137423857, 1.131370849898476]
        """
        return gain * x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps)

    def forward(self, tokens):
        r"""
        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.torch.modern import TinyGPTModule
            sage: m = TinyGPTModule(3, 4, 1, 2, 2, 2)
            sage: t = torch.tensor([[0r, 1r, 2r]]); a = m.forward(t); b = m(torch.tensor([[0r, 1r, 0r]]))
            sage: bool(torch.allclose(a[0r, :2r], b[0r, :2r]))         # causal: the first positions ignore the last token
            True
        """
        x = self.E[tokens]
        L = x.shape[-2]
        a = self._rms(x, self.g1)
        angles = rotary_angles(L, self.d_k, self.base)
        mask = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
        for h in range(1, self.heads + 1):
            Q, K, V, O = (getattr(self, "%s%s" % (n, h)) for n in "QKVO")
            q, k = apply_rotary(a @ Q.T, angles), apply_rotary(a @ K.T, angles)
            scores = (q @ k.transpose(-1, -2)).masked_fill(mask, float("-inf"))
            x = x + torch.softmax(scores, dim=-1) @ (a @ V.T) @ O
        b = self._rms(x, self.g2)
        x = x + (F.silu(b @ self.W1.T) * (b @ self.W2.T)) @ self.W3.T
        return self._rms(x, self.g3) @ self.U.T


def torch_map(model, module):
    r"""
    Return the :class:`~sage_conslaw.torch.mapping.TorchMap` of ``module`` (built by :func:`to_torch`
    or a module of this file with the family's parameter names) to `\theta` of ``model``: what
    :class:`~sage_conslaw.torch.monitor.LawMonitor` watches.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.swiglu import GatedMLP
        sage: from sage_conslaw.torch.modern import to_torch, torch_map
        sage: net = GatedMLP(1, 1, 1); tm = torch_map(net, to_torch(net, [2, 3, 5])); tm.theta()
        array([2., 3., 5.])
    """
    names = torch_names(model)
    entries = []
    for P in model.layout():
        r, c = P.shape
        shape = tuple(dict(module.named_parameters())[names[P.name]].shape)
        for k in range(r * c):
            i, j = divmod(k, c)
            index = (i,) if len(shape) == 1 else (i, j)
            entries.append((P.offset + k, names[P.name], index))
    return TorchMap(model, module, entries)


def _mlp(model):
    r"""
    ``nn.Sequential`` of ``nn.Linear`` and activation modules for an :class:`~sage_conslaw.architectures.activations.MLP`.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.activations import MLP
        sage: from sage_conslaw.torch.modern import _mlp
        sage: _mlp(MLP(2, [3], 1, 'gelu'))
        Sequential(
          (0): Linear(in_features=2, out_features=3, bias=True)
          (1): GELU(approximate='none')
          (2): Linear(in_features=3, out_features=1, bias=True)
        )
    """
    widths = [model.d_in] + model.hidden + [model.d_out]
    mods = []
    for i in range(1, len(widths)):
        mods.append(nn.Linear(widths[i - 1], widths[i], bias=model.bias))
        if i < len(widths) - 1:
            mods.append(ACTIVATION_MODULES[model.activations[i - 1]]())
    return nn.Sequential(*mods).double()


def _normalized(model):
    r"""
    ``nn.Sequential(nn.Linear, nn.LayerNorm or nn.RMSNorm, nn.Linear)`` for a
    :class:`~sage_conslaw.architectures.normalization.NormalizedMLP`.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.normalization import NormalizedMLP
        sage: from sage_conslaw.torch.modern import _normalized
        sage: _normalized(NormalizedMLP(2, 3, 1, 'rms', eps=0))[1]
        RMSNorm((3,), eps=0.0, elementwise_affine=True)
    """
    n = model.hidden
    if model.norm == "layer":
        norm = nn.LayerNorm(n, eps=float(model.eps), elementwise_affine=model.affine, bias=model.affine)
    else:
        norm = nn.RMSNorm(n, eps=float(model.eps), elementwise_affine=model.affine)
    return nn.Sequential(nn.Linear(model.d_in, n, bias=model.bias), norm,
                         nn.Linear(n, model.d_out, bias=model.bias)).double()


def _gated(model):
    r"""
    A :class:`GatedMLPModule` for a :class:`~sage_conslaw.architectures.swiglu.GatedMLP`.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.swiglu import GatedMLP
        sage: from sage_conslaw.torch.modern import _gated
        sage: _gated(GatedMLP(2, 3, 1)).w3
        Linear(in_features=3, out_features=1, bias=False)
    """
    return GatedMLPModule(model.d_in, model.hidden, model.d_out, model.gate, model.bias)


def _mlp_names(model):
    r"""
    The module's parameter name of each parameter of an MLP.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.activations import MLP
        sage: from sage_conslaw.torch.modern import _mlp_names
        sage: _mlp_names(MLP(1, [2], 1, 'relu'))
        {'W1': '0.weight', 'W2': '2.weight', 'b1': '0.bias', 'b2': '2.bias'}
    """
    names = {}
    for i in range(1, len(model.hidden) + 2):
        names["W%s" % i] = "%s.weight" % (2 * (i - 1))
        if model.bias:
            names["b%s" % i] = "%s.bias" % (2 * (i - 1))
    return names


def _identity_names(model):
    r"""
    The module's parameters are named as the layout.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.rotary import RotaryAttention
        sage: from sage_conslaw.torch.modern import _identity_names
        sage: _identity_names(RotaryAttention(1, 1, 1, 1))
        {'K': 'K', 'O': 'O', 'Q': 'Q', 'V': 'V'}
    """
    return {n: n for n in model.layout().names()}


#: The PyTorch builder of each family, and the module's name of each of its parameters.
BUILDERS = {
    TinyGPT: (lambda m: TinyGPTModule(m.vocab, m.width, m.heads, m.d_k, m.d_v, m.hidden, float(m.eps), m.base),
              _identity_names),
    RotaryAttention: (lambda m: RotaryAttentionModule(m.d_in, m.heads, m.d_k, m.d_v, m.d_out, m.positional, m.base),
                      _identity_names),
    MixtureOfExperts: (lambda m: MixtureOfExpertsModule(m.d_in, m.experts, m.hidden, m.d_out, m.activation,
                                                        m.gating, m.k, m.bias), _identity_names),
    MLP: (_mlp, _mlp_names),
    NormalizedMLP: (_normalized, lambda m: {"W1": "0.weight", "b1": "0.bias", "gamma": "1.weight",
                                            "beta": "1.bias", "W2": "2.weight", "b2": "2.bias"}),
    GatedMLP: (_gated, lambda m: {"W1": "w1.weight", "W2": "w2.weight", "W3": "w3.weight",
                                  "b1": "w1.bias", "b2": "w2.bias", "b3": "w3.bias"}),
}


def torch_names(model):
    r"""
    Return ``{layout name: the PyTorch module's parameter name}`` for the module of :func:`to_torch`.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.normalization import NormalizedMLP
        sage: from sage_conslaw.torch.modern import torch_names
        sage: torch_names(NormalizedMLP(1, 2, 1, 'rms', bias=False))
        {'W1': '0.weight', 'W2': '2.weight', 'gamma': '1.weight'}
    """
    _, names = _builder(model)
    present = set(model.layout().names())
    return {k: v for k, v in names(model).items() if k in present}


def _builder(model):
    r"""
    The builder and the names of the family of ``model``.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.torch.modern import _builder
        sage: _builder(1)
        Traceback (most recent call last):
        ...
        TypeError: no PyTorch module for Integer; families: TinyGPT, RotaryAttention, MixtureOfExperts, MLP, NormalizedMLP, GatedMLP
    """
    for cls, pair in BUILDERS.items():
        if isinstance(model, cls):
            return pair
    raise TypeError("no PyTorch module for %s; families: %s"
                    % (type(model).__name__, ", ".join(c.__name__ for c in BUILDERS)))


def _values(model, theta):
    r"""
    The parameters of ``theta`` by name, as nested lists of floats (vectors as lists).

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.swiglu import GatedMLP
        sage: from sage_conslaw.torch.modern import _values
        sage: _values(GatedMLP(1, 1, 1, bias=True), [1, 2, 3, 4, 5, 6])
        {'W1': [[1.0]], 'W2': [[2.0]], 'W3': [[3.0]], 'b1': [4.0], 'b2': [5.0], 'b3': [6.0]}
    """
    out = {}
    theta = [float(t) for t in theta]
    for P in model.layout():
        r, c = P.shape
        flat = theta[P.offset:P.offset + r * c]
        is_vector = c == 1 and (P.role == "bias" or P.role == "parameter")
        out[P.name] = flat if is_vector else [flat[i * c:(i + 1) * c] for i in range(r)]
    return out


def to_torch(model, theta=None):
    r"""
    Return the PyTorch module (float64) of a family of this package, with the
    parameters of ``theta`` (default: PyTorch's initialization).

    EXAMPLES::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.architectures.swiglu import GatedMLP
        sage: from sage_conslaw.torch.modern import to_torch
        sage: net = GatedMLP(1, 1, 1, gate='relu')
        sage: to_torch(net, [2, 3, 5])(torch.ones(1, 1, dtype=torch.float64)).item()
        30.0
        sage: to_torch(object())
        Traceback (most recent call last):
        ...
        TypeError: no PyTorch module for object; families: TinyGPT, RotaryAttention, MixtureOfExperts, MLP, NormalizedMLP, GatedMLP
    """
    build, _ = _builder(model)
    module = build(model)
    if theta is not None:
        names = torch_names(model)
        load_parameters(module, {names[k]: v for k, v in _values(model, theta).items()})
    return module
