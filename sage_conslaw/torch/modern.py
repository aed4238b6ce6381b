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
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from sage.arith.misc import previous_prime
from sage.matrix.constructor import matrix
from sage.modules.free_module_element import vector
from sage.rings.finite_rings.finite_field_constructor import GF

from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.gpt import TinyGPT
from sage_conslaw.architectures.moe import MixtureOfExperts
from sage_conslaw.architectures.rotary import RotaryAttention
from sage_conslaw.architectures.normalization import NormalizedMLP
from sage_conslaw.architectures.swiglu import GatedMLP
from sage_conslaw.network.backends import _mod_tensor, _modp_function
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


def _gpt_blocks(gpt):
    r"""
    The blocks of `\phi` of a :class:`~sage_conslaw.architectures.gpt.TinyGPT`: a list of ``(name,
    private parameter names and slices, border parameter name or None, function)``; the function maps
    the named parameters (batched, leading axis) to the block's components of `\phi` (modulo `p` by
    the reduction ``R``).  The blocks' private coordinates are disjoint; a block's components depend
    only on its private coordinates and its border (a gain shared by the blocks of one part).

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _gpt_blocks
        sage: [(b[0], b[2]) for b in _gpt_blocks(TinyGPT(2, 2, 1, 2, 1, 2))]
        [('E', None), ('head 1', 'g1'), ('unit 0', 'g2'), ('unit 1', 'g2'), ('readout', None)]
    """
    blocks = [("E", [("E", None)], None, lambda M, R: M["E"].reshape(M["E"].shape[0], -1))]

    def head(s):
        def f(M, R):
            n = M["g1"].shape[0]
            g = M["g1"].reshape(n, 1, -1)
            Q, K = R(M["Q" + s] * g), R(M["K" + s] * g)
            # plane i (rows 2i, 2i + 1): Q_i^T K_i and Q_i^T J K_i, all planes at once
            Qe, Qo, Ke, Ko = Q[:, 0::2], Q[:, 1::2], K[:, 0::2], K[:, 1::2]
            outer = lambda a, b: torch.einsum('npa,npb->npab', a, b)
            out = [R(outer(Qe, Ke) + outer(Qo, Ko)).reshape(n, -1), R(outer(Qe, Ko) - outer(Qo, Ke)).reshape(n, -1),
                   R(R(M["V" + s] * g).transpose(1, 2) @ M["O" + s]).reshape(n, -1)]
            return torch.cat(out, 1)
        return f

    def unit(k):
        def f(M, R):
            n = M["g2"].shape[0]
            g = M["g2"].reshape(n, -1)
            a, b = R(M["W1"][:, k] * g), R(M["W2"][:, k] * g)
            return torch.cat([a, R(M["W3"][:, :, k, None] * b[:, None, :]).reshape(n, -1)], 1)
        return f

    for s in gpt._suffixes():
        blocks.append(("head " + s, [(n + s, None) for n in "QKVO"], "g1", head(s)))
    for k in range(gpt.hidden):
        blocks.append(("unit %s" % k, [("W1", (k, slice(None))), ("W2", (k, slice(None))), ("W3", (slice(None), k))],
                       "g2", unit(k)))
    blocks.append(("readout", [("U", None), ("g3", None)], None,
                   lambda M, R: R(M["U"] * M["g3"].reshape(M["g3"].shape[0], 1, -1)).reshape(M["U"].shape[0], -1)))
    return blocks


def _gf(F, a):
    r"""
    The matrix over the prime field ``F`` of an integer numpy array (read as one flat list).

    TESTS::

        sage: # optional - torch
        sage: import numpy as np
        sage: from sage_conslaw.torch.modern import _gf
        sage: _gf(GF(7), np.array([[8, 2], [1, 3]])).rank()
        2
    """
    a = np.asarray(a, dtype=np.int64)
    return matrix(F, a.shape[0], a.shape[1], a.ravel().tolist())


def tinygpt_phi_count(gpt, point=None, seed=0):
    r"""
    The number of laws of `\phi` of a :class:`~sage_conslaw.architectures.gpt.TinyGPT` near a point,
    certified at every size by exact ranks modulo a prime, block by block.

    **Proof.**  `\phi` splits into blocks (:func:`_gpt_blocks`): the embedding, each attention head
    (its `Q, K, V, O`, bordered by the gain `\gamma_1` they share), each SwiGLU unit (`W_1[k, :]`,
    `W_2[k, :]`, `W_3[:, k]`, bordered by `\gamma_2`) and the readout; the private coordinates of
    the blocks are disjoint.  For each block, the rows are values at `\theta` of fields
    `\nabla(c\cdot\phi_b)` (random `c`: combinations of the `\nabla\phi_j`, in `W_\phi`) and of their
    brackets `[X, Y] = H_Y X - H_X Y` (in `\mathrm{Lie}(W_\phi)`), computed exactly modulo `p`
    (PyTorch autograd on residues, every value and gradient reduced; `p^2` times the longest sum
    below `2^{53}`).  A row of block `b` vanishes outside its private coordinates `P_b` and its
    border `G_b`.  Row-reducing each block with its private columns first gives rows `[A_b\ B_b]`
    with `A_b` of full row rank `r_b` and rows `[0\ C_b]`; the pivots of the `A_b` lie in disjoint
    column sets, so the rank of all the rows is `\sum_b r_b + \mathrm{rank}(C)`, `C` the stacked
    `C_b`.  Ranks modulo `p` are at most the ranks over `\QQ`, so this is a lower bound `L \le
    \dim\mathrm{Lie}(W_\phi)(\theta)`.  The upper bound is `D - N`, `N` the rank modulo `p` of the
    gradients at `\theta` of the known laws (:meth:`~sage_conslaw.architectures.gpt.TinyGPT.known_conservation_laws`,
    each a law of `\phi`; a rank modulo `p` is at most the rank over `\QQ`).  `L = D - N`: exactly
    `N` laws of `\phi` near `\theta` (each a law of the block; that the block, whose rotary and
    softmax are not polynomial, has no other is not claimed here).

    INPUT:

    - ``point`` -- `\theta` (integers; default: random integers in `[-20, 20]` of ``seed``)
    - ``seed`` -- the seed of the point and of the random combinations

    OUTPUT: a dict with ``D``, ``laws`` (`N`), ``rank`` (`L`), ``certified``, ``reason``, ``seconds``

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import tinygpt_phi_count
        sage: gpt = TinyGPT(4, 4, 1, 2, 2, 4)
        sage: res = tinygpt_phi_count(gpt); res['laws'], res['certified'], gpt.number_of_laws_formula()
        (20, True, 20)
        sage: print(res['reason'])
        the rank 104 of fields of phi and their brackets modulo p = 131071 (block by block: the embedding, 1 head, 4 SwiGLU units, the readout; with brackets) meets D - N = 124 - 20 given by the known laws independent at theta: these are the laws of phi, each a law of the block (that the block has no other is not proven at this size)
    """
    start = time.time()
    rng = np.random.default_rng(int(seed))
    layout = {P.name: P for P in gpt.layout()}
    D = gpt.D
    # the longest sum modulo p: a matrix product of width d (or d_v) with residues < p
    p = int(previous_prime(2 ** 17))
    F = GF(p)
    theta = (np.asarray([int(t) for t in point], dtype=np.int64) if point is not None
             else rng.integers(-20, 21, size=D)) % p
    if len(theta) != D:
        raise ValueError("the point has %s coordinates, the block has D = %s" % (len(theta), D))
    ModP = _modp_function()
    R = lambda t: ModP.apply(t, p)
    theta0 = torch.tensor(theta, dtype=torch.float64)

    def coords(name, sl):
        P = layout[name]
        idx = np.arange(P.offset, P.offset + P.size).reshape(P.shape)
        return (idx if sl is None else idx[sl]).reshape(-1)

    def rows_of(fs, names, I, n, level):
        # fields grad(c . phi_f) at theta of the functions fs (level 1: the bracket of the two), on the
        # coordinates I; only the parameters ``names`` are materialized (n copies)
        n = int(n)
        Ps = [layout[m] for m in names]
        local = np.concatenate([np.arange(P.offset, P.offset + P.size) for P in Ps])
        pos = {int(c): k for k, c in enumerate(local)}
        X0 = theta0[torch.as_tensor(local)].repeat(n, 1)
        x = theta0[torch.as_tensor(I)].repeat(n, 1).requires_grad_(True)
        X = X0.index_put((torch.arange(n)[:, None], torch.as_tensor([pos[int(c)] for c in I])[None, :]), x)
        M, o = {}, 0
        for P in Ps:
            M[P.name] = X[:, o:o + P.size].reshape((n,) + tuple(P.shape))
            o += P.size
        grads = []
        for f in fs:
            phi = f(M, R)
            c = torch.tensor(rng.integers(0, p, size=tuple(phi.shape)), dtype=torch.float64)
            grads.append(R(torch.autograd.grad(R(R(phi * c).sum(1)).sum(), x, create_graph=bool(level),
                                               retain_graph=True)[0]))
        if not level:
            return grads[0]
        Xa, Xb = grads
        u = torch.autograd.grad(R(R(Xb * Xa.detach()).sum(1)).sum(), x, retain_graph=True)[0]
        w = torch.autograd.grad(R(R(Xa * Xb.detach()).sum(1)).sum(), x)[0]
        return u - w

    def residues(t):
        return _mod_tensor(t.detach(), p).numpy().astype(np.int64)

    total, levels = 0, 0
    parts = {}                          # border -> [(coordinates of the block, its rows, f)]
    for name, private, border, f in _gpt_blocks(gpt):
        Ip = np.concatenate([coords(n, sl) for n, sl in private])
        Ib = coords(border, None) if border else np.zeros(0, dtype=np.int64)
        I = np.concatenate([Ip, Ib])
        names = [n for n, _ in private] + ([border] if border else [])
        rows = [residues(rows_of([f], names, I, len(I) + 8, 0))]
        r = _gf(F, np.vstack(rows)).rank()
        if r < len(I):
            rows.append(residues(rows_of([f, f], names, I, len(I) - r + 8, 1)))
            levels = 1
        if not border:
            total += _gf(F, np.vstack(rows)).rank()
        else:
            parts.setdefault(border, []).append((I, np.vstack(rows), (f, names)))
    for border, blocks in parts.items():
        # each block's rows in reduced echelon form, private columns first: r_b rows with private pivots
        # (independent of everything else: the blocks' private columns are disjoint), the others on the
        # border only; a bracket of fields of two blocks (they meet through the border) is reduced by the
        # two blocks' rows at their pivots; the rank is sum r_b + the rank of the reduced rows, which
        # vanish at every pivot column
        Ib = coords(border, None)
        cols = np.unique(np.concatenate([I for I, _, _ in blocks]))
        reduced, echelons = [], []
        for I, rows, f in blocks:
            npriv = len(I) - len(Ib)
            E = _gf(F, rows).echelon_form()
            pivots = E.pivots()
            piv = [c for c in pivots if c < npriv]
            loc = np.searchsorted(cols, I)
            echelons.append((I, loc, np.array(piv, dtype=np.int64), E.matrix_from_rows(range(len(piv))), f))
            total += len(piv)
            if len(pivots) > len(piv):
                rest = E.matrix_from_rows(range(len(piv), len(pivots)))
                for row in np.array(rest.list(), dtype=np.int64).reshape(rest.nrows(), rest.ncols()):
                    v = np.zeros(len(cols), dtype=np.int64)
                    v[loc] = row
                    reduced.append(v)
        # brackets of fields of two blocks: each block with the next (twice around), then random pairs
        nb = len(blocks)
        pairs = ([(k, (k + 1) % nb) for k in range(nb)] + [(k, (k + 2) % nb) for k in range(nb)]
                 + [tuple(int(i) for i in rng.choice(nb, size=2, replace=False)) for _ in range(len(Ib) + 8)]
                 if nb > 1 else [])
        for a, b in pairs:
            (Ia, la, pa, Ea, (fa, na)), (Ibk, lb, pb, Eb, (fb, nbk)) = echelons[a], echelons[b]
            I = np.unique(np.concatenate([Ia, Ibk]))
            v = np.zeros(len(cols), dtype=np.int64)
            v[np.searchsorted(cols, I)] = residues(rows_of([fa, fb], list(dict.fromkeys(na + nbk)), I, 1, 1))[0]
            for lk, pk, Ek in ((la, pa, Ea), (lb, pb, Eb)):
                if len(pk):            # reduced echelon form: subtract the rows at their pivots (LinBox)
                    w = vector(F, v[lk].tolist()) - vector(F, v[lk[pk]].tolist()) * Ek
                    v[lk] = np.array(w.list(), dtype=np.int64)
            reduced.append(v)
        if reduced:
            Rm = np.vstack(reduced) % p
            Rm = Rm[:, np.any(Rm != 0, axis=0)]
            total += _gf(F, Rm).rank() if Rm.size else 0
    # the upper bound: the known laws, independent at theta (rank of their gradients modulo p)
    law_rows = []
    th = [int(t) for t in theta]
    for h in gpt.known_conservation_laws():
        row = {}
        for e, c in h.dict().items():
            nz = e.nonzero_positions()
            if len(nz) == 1 and e[nz[0]] == 2:                   # c t^2: 2 c t
                row[nz[0]] = row.get(nz[0], 0) + 2 * c * th[nz[0]]
            elif len(nz) == 2:                                   # c t u: (c u, c t)
                a, b = nz
                row[a] = row.get(a, 0) + c * th[b]
                row[b] = row.get(b, 0) + c * th[a]
            else:
                raise ValueError("a known law is not quadratic: %s" % h)
        law_rows.append(row)
    N = matrix(F, len(law_rows), D, {(i, j): v for i, r in enumerate(law_rows) for j, v in r.items()},
               sparse=True).rank()
    certified = total == D - N
    what = ("the rank %s of fields of phi and their brackets modulo p = %s (block by block: the embedding, %s "
            "head%s, %s SwiGLU unit%s, the readout; %s)" % (total, p, gpt.heads, "s" if gpt.heads > 1 else "",
                                                            gpt.hidden, "s" if gpt.hidden > 1 else "",
                                                            "with brackets" if levels else "no bracket"))
    if certified:
        reason = ("%s meets D - N = %s - %s given by the known laws independent at theta: these are the laws of phi, "
                  "each a law of the block (that the block has no other is not proven at this size)" % (what, D, N))
    else:
        reason = ("not certified: %s is only a lower bound; %s known laws: between %s and %s laws of phi"
                  % (what, N, N, D - total))
    return dict(D=D, laws=N, rank=total, certified=certified, reason=reason, seconds=time.time() - start)
