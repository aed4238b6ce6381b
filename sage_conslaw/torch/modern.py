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

from sage.arith.misc import binomial, factorial, four_squares, previous_prime
from sage.matrix.constructor import matrix
from sage.matrix.special import identity_matrix
from sage.misc.misc_c import prod
from sage.modules.free_module_element import vector
from sage.rings.finite_rings.finite_field_constructor import GF
from sage.rings.integer_ring import ZZ
from sage.rings.power_series_ring import PowerSeriesRing
from sage.rings.rational_field import QQ
from sage.rings.real_double import RDF

from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.gpt import TinyGPT
from sage_conslaw.architectures.moe import MixtureOfExperts
from sage_conslaw.architectures.rotary import RotaryAttention
from sage_conslaw.architectures.normalization import NormalizedMLP
from sage_conslaw.architectures.swiglu import GatedMLP
from sage_conslaw.core.certificate import decide, rank_meets_laws
from sage_conslaw.core.checks import positive_integer
from sage_conslaw.core.thresholds import (NETWORK_BATCH_BYTES_PER_FLOAT, NETWORK_BATCH_COPIES,
                                          NETWORK_FIRST_LEVEL_SHARE, NETWORK_MAX_BATCH_BYTES,
                                          NETWORK_MAX_ROW_BYTES, NETWORK_ROW_BYTES_PER_ENTRY,
                                          NETWORK_SURPLUS_ROWS)
from sage_conslaw.flows.descents import progress_bar
from sage_conslaw.core.modular import linbox_matrix, linbox_matrix_of_blocks, linbox_to_numpy, rank_mod_p, residues
from sage_conslaw.network.backends import _balanced_mod_tensor, _float32_residues, _mod_tensor, _modp_function
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
    private ``(parameter name, slice or None, key)``, border parameter name or None, kind, function,
    components)``.  The function maps the block's own coordinates ``M`` (``{key: tensor}``, batched on a
    leading axis: the private slices, then the border under its own name) and coefficients ``c`` (``(n, components)``) to `c \cdot
    \phi_b` (one value per copy), every product reduced modulo `p` by ``R``; it contracts `c` with the
    factors of `\phi_b` without forming its components (a head's `4 d^2`-odd plane forms are never
    materialized).  The blocks of one ``kind`` have the same shapes (they are batched together).
    The blocks' private coordinates are disjoint; a block's components depend only on its private
    coordinates and its border (a gain shared by the blocks of one part).

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _gpt_blocks
        sage: gpt = TinyGPT(2, 2, 1, 2, 1, 2); blocks = _gpt_blocks(gpt)
        sage: [(b[0], b[2], b[5]) for b in blocks]
        [('E', None, 4), ('head 1', 'g1', 12), ('unit 0', 'g2', 6), ('unit 1', 'g2', 6), ('readout', None, 4)]

    The contraction is `c \cdot \phi_b` (checked against the components of
    :meth:`~sage_conslaw.architectures.gpt.TinyGPT.components`, over the integers)::

        sage: # optional - torch
        sage: th = [(7 * i) % 11 - 5 for i in range(gpt.D)]
        sage: phi = [c(*th) for c in gpt.components()]
        sage: name, private, border, kind, f, m = blocks[1]
        sage: t = torch.tensor([float(v) for v in th], dtype=torch.float64)
        sage: M = {P.name: t[P.offset:P.offset + P.size].reshape((1,) + P.shape) for P in gpt.layout()}
        sage: M = {'Q': M['Q1'], 'K': M['K1'], 'V': M['V1'], 'O': M['O1'], 'g1': M['g1'].reshape(1, -1)}
        sage: e = torch.eye(m, dtype=torch.float64)
        sage: [f(M, lambda x: x, e[j:j + 1]).item() for j in range(m)] == phi[4:4 + m]
        True
    """
    d, P = gpt.width, gpt.d_k // 2

    def E(M, R, c):
        return R((M["E"].reshape(c.shape) * c).sum(1))

    def head(M, R, c):
        n = c.shape[0]
        g = M["g1"].reshape(n, 1, -1)
        Q, K, V = R(M["Q"] * g), R(M["K"] * g), R(M["V"] * g)
        # plane i (rows 2i, 2i + 1): c . (Q_i^T K_i, Q_i^T J K_i) = sum q_a^T C k_b, all planes at once
        Qe, Qo, Ke, Ko = Q[:, 0::2], Q[:, 1::2], K[:, 0::2], K[:, 1::2]
        C1 = c[:, :P * d * d].reshape(n, P, d, d)
        C2 = c[:, P * d * d:2 * P * d * d].reshape(n, P, d, d)
        C3 = c[:, 2 * P * d * d:].reshape(n, d, d)
        Ck = lambda C, k: R(torch.einsum('npab,npb->npa', C, k))
        s1 = (Qe * Ck(C1, Ke)).sum((1, 2)) + (Qo * Ck(C1, Ko)).sum((1, 2))
        s2 = (Qe * Ck(C2, Ko)).sum((1, 2)) - (Qo * Ck(C2, Ke)).sum((1, 2))
        # c . (diag(g) V^T O) = sum_{j,l} C3_jl (g V)[:, j] . O[:, l]
        s3 = (V * R(torch.einsum('njl,ncl->ncj', C3, M["O"]))).sum((1, 2))
        return R(R(s1) + R(s2) + R(s3))

    def unit(M, R, c):
        g = M["g2"]
        a, b = R(M["W1"] * g), R(M["W2"] * g)
        # c . (a, W3[:, k] (x) b)
        Cb = R(torch.einsum('nab,nb->na', c[:, d:].reshape(-1, d, d), b))
        return R(R((a * c[:, :d]).sum(1)) + R((M["W3"] * Cb).sum(1)))

    def readout(M, R, c):
        return R((R(M["U"] * M["g3"].reshape(c.shape[0], 1, -1)).reshape(c.shape) * c).sum(1))

    blocks = [("E", [("E", None, "E")], None, "E", E, gpt.vocab * d)]
    for s in gpt._suffixes():
        blocks.append(("head " + s, [(n + s, None, n) for n in "QKVO"], "g1", "head", head, 2 * P * d * d + d * d))
    for k in range(gpt.hidden):
        blocks.append(("unit %s" % k, [("W1", (k, slice(None)), "W1"), ("W2", (k, slice(None)), "W2"),
                                        ("W3", (slice(None), k), "W3")],
                       "g2", "unit", unit, d + d * d))
    blocks.append(("readout", [("U", None, "U"), ("g3", None, "g3")], None, "readout", readout, gpt.vocab * d))
    return blocks


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
    below `2^{53}`; the blocks of one kind at once, `c \cdot \phi_b` contracted from the factors).
    A row of block `b` vanishes outside its private coordinates `P_b` and its
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

    - ``point`` -- `\theta` (rationals whose denominators are prime to `p`; default: random integers
      in `[-20, 20]` of ``seed``)
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
        the rank 104 meets the bound D - N = 104 given by 20 conservation laws independent at theta (the rank modulo p = 131071: fields of phi, block by block (the embedding, 1 head, 4 SwiGLU units, the readout), with brackets); these are the laws of phi, each a law of the block; that the block has no other is not proven here (network_trace(): ball arithmetic with brackets, small sizes; tinygpt_network_count(): an even number of heads, d_k = 4 or 8)

    A rational point (dyadic: the point of a float network), and a wrong length::

        sage: # optional - torch
        sage: th = [QQ((k % 7 - 3, 2 ** (k % 5))) for k in range(1, gpt.D + 1)]
        sage: tinygpt_phi_count(gpt, th)['rank']
        104
        sage: tinygpt_phi_count(gpt, [1, 2])
        Traceback (most recent call last):
        ...
        ValueError: the point has 2 coordinates, the block has D = 124
    """
    start = time.time()
    rng = np.random.default_rng(int(seed))
    layout = {P.name: P for P in gpt.layout()}
    D = gpt.D
    # the longest sum modulo p: a contraction of width d^2 (or d_v d) with residues < p
    p = int(previous_prime(2 ** 17))
    if point is not None and len(point) != D:
        raise ValueError("the point has %s coordinates, the block has D = %s" % (len(point), D))
    theta = (residues([QQ(t) for t in point], p) if point is not None
             else rng.integers(-20, 21, size=D) % p)
    ModP = _modp_function()
    R = lambda t: ModP.apply(t, p)
    theta0 = torch.tensor(theta, dtype=torch.float64)

    def coords(name, sl):
        P = layout[name]
        idx = np.arange(P.offset, P.offset + P.size).reshape(P.shape)
        return (idx if sl is None else idx[sl]).reshape(-1)

    def spec(block):
        # (key, shape) of the block's own coordinates, in the order of its coordinates
        name, private, border, kind, f, m = block
        out = [(key, tuple(np.empty(layout[n].shape)[sl].shape) if sl is not None else tuple(layout[n].shape))
               for n, sl, key in private]
        return out + ([(border, (layout[border].size,))] if border else [])

    def unpack(x, sp):
        M, o = {}, 0
        for key, shape in sp:
            size = int(np.prod(shape))
            M[key] = x[:, o:o + size].reshape((x.shape[0],) + shape)
            o += size
        return M

    def fields(parts, x0, level):
        # rows: the fields grad(c . phi_b) (level 0) or the brackets [grad(c . phi_a), grad(c' . phi_b)]
        # (level 1) at theta, one per row of x0 (the coordinates of the copy, shape (n, m)); ``parts``:
        # [(f_a, spec_a, columns of x0 of block a), (f_b, ...)] (one part at level 0)
        x = x0.clone().requires_grad_(True)
        grads = []
        for f, sp, cols, m in parts:
            c = torch.tensor(rng.integers(0, p, size=(x.shape[0], m)), dtype=torch.float64)
            val = f(unpack(x[:, cols], sp), R, c)
            grads.append(R(torch.autograd.grad(val.sum(), x, create_graph=bool(level), retain_graph=True)[0]))
        if not level:
            return grads[0]
        Xa, Xb = grads if len(grads) == 2 else grads * 2
        u = torch.autograd.grad(R(R(Xb * Xa.detach()).sum(1)).sum(), x, retain_graph=True)[0]
        w = torch.autograd.grad(R(R(Xa * Xb.detach()).sum(1)).sum(), x)[0]
        return u - w

    def to_residues(t):
        return _mod_tensor(t.detach(), p).numpy().astype(np.int64)

    def batch(blocks, n, level):
        # the rows of each block (n copies each), all blocks of one kind at once
        b0 = blocks[0]
        sp, m = spec(b0), b0[5]
        I = [blocks_I[b[0]] for b in blocks]
        x0 = torch.cat([theta0[torch.as_tensor(Ib)].repeat(int(n), 1) for Ib in I])
        cols = torch.arange(len(I[0]))
        parts = [(b0[4], sp, cols, m)] * (2 if level else 1)
        rows = to_residues(fields(parts, x0, level))
        return [rows[k * int(n):(k + 1) * int(n)] for k in range(len(blocks))]

    all_blocks = _gpt_blocks(gpt)
    blocks_I = {}
    for b in all_blocks:
        Ip = np.concatenate([coords(n, sl) for n, sl, _ in b[1]])
        blocks_I[b[0]] = np.concatenate([Ip, coords(b[2], None)]) if b[2] else Ip
    # the longest sum of products of two residues: a block's contraction (at most its components) or a
    # bracket's dot product over the coordinates of two blocks
    longest = max([b[5] for b in all_blocks] + [2 * len(I) for I in blocks_I.values()])
    if longest * (p - 1) ** 2 >= 2 ** 53:
        raise ValueError("the block is too large for exact sums modulo p = %s in float64: a sum of %s products"
                         % (p, longest))
    kinds = {}
    for b in all_blocks:
        kinds.setdefault(b[3], []).append(b)
    total, levels = 0, 0
    parts = {}                          # border -> [(coordinates of the block, its rows, block)]
    for kind, blocks in kinds.items():
        size = len(blocks_I[blocks[0][0]])
        rows0 = batch(blocks, size + 8, 0)
        ranks = [rank_mod_p(r, p) for r in rows0]
        deficit = size - min(ranks)
        rows1 = batch(blocks, deficit + 8, 1) if deficit else [np.zeros((0, size), dtype=np.int64)] * len(blocks)
        levels = levels or bool(deficit)
        for b, r0, r1 in zip(blocks, rows0, rows1):
            rows = np.vstack([r0, r1])
            if not b[2]:
                total += rank_mod_p(rows, p)
            else:
                parts.setdefault(b[2], []).append((blocks_I[b[0]], rows, b))
    for border, blocks in parts.items():
        # each block's rows in reduced echelon form, private columns first: r_b rows with private pivots
        # (independent of everything else: the blocks' private columns are disjoint), the others on the
        # border only; a bracket of fields of two blocks (they meet through the border) is reduced by the
        # two blocks' rows at their pivots; the rank is sum r_b + the rank of the reduced rows, which
        # vanish at every pivot column
        Ib = coords(border, None)
        nbd = len(Ib)
        cols = np.unique(np.concatenate([I for I, _, _ in blocks]))
        reduced, echelons = [], []
        for I, rows, b in blocks:
            npriv = len(I) - nbd
            E = linbox_matrix(rows, p).echelon_form()
            pivots = E.pivots()
            piv = [c for c in pivots if c < npriv]
            loc = np.searchsorted(cols, I)
            En = linbox_to_numpy(E)
            echelons.append((I, loc, np.array(piv, dtype=np.int64), En[:len(piv)], b))
            total += len(piv)
            for row in En[len(piv):len(pivots)]:
                v = np.zeros(len(cols), dtype=np.int64)
                v[loc] = row
                reduced.append(v)
        # brackets of fields of two blocks: each block with the next (twice around), then random pairs;
        # the coordinates of a pair: the private ones of a, of b, then the border (all pairs at once)
        nb = len(blocks)
        pairs = ([(k, (k + 1) % nb) for k in range(nb)] + [(k, (k + 2) % nb) for k in range(nb)]
                 + [tuple(int(i) for i in rng.choice(nb, size=2, replace=False)) for _ in range(nbd + 8)]
                 if nb > 1 else [])
        pairs = [(a, b) for a, b in pairs if a != b]        # two blocks (a block with itself: level 1 above)
        if pairs:
            b0 = blocks[0][2]
            sp, m, npriv = spec(b0), b0[5], len(blocks[0][0]) - nbd
            ca = torch.cat([torch.arange(npriv), torch.arange(2 * npriv, 2 * npriv + nbd)])
            cb = torch.arange(npriv, 2 * npriv + nbd)
            pair_I = [np.concatenate([echelons[a][0][:npriv], echelons[b][0]]) for a, b in pairs]
            x0 = torch.stack([theta0[torch.as_tensor(I)] for I in pair_I])
            rows = to_residues(fields([(b0[4], sp, ca, m), (b0[4], sp, cb, m)], x0, 1))
            for (a, b), I, row in zip(pairs, pair_I, rows):
                v = np.zeros(len(cols), dtype=np.int64)
                v[np.searchsorted(cols, I)] = row
                for lk, pk, Ek in (echelons[a][1:4], echelons[b][1:4]):
                    if len(pk):        # reduced echelon form: subtract the rows at their pivots (float64
                        # products of residues below 2^17, sums of fewer than 2^19 terms: exact below 2^53)
                        v[lk] = (v[lk] - np.remainder(v[lk[pk]].astype(np.float64) @ Ek, p).astype(np.int64)) % p
                reduced.append(v)
        if reduced:
            Rm = np.vstack(reduced) % p
            Rm = Rm[:, np.any(Rm != 0, axis=0)]
            total += rank_mod_p(Rm, p)
    # the upper bound: the known laws, independent at theta (rank of their gradients modulo p)
    laws = gpt.known_conservation_laws()
    G = _quadratic_law_gradients(laws, theta, D, p)
    N = rank_mod_p(G, p)
    source = ("modulo p = %s: fields of phi, block by block (the embedding, %s head%s, %s SwiGLU "
              "unit%s, the readout), %s" % (p, gpt.heads, "s" if gpt.heads > 1 else "", gpt.hidden,
                                           "s" if gpt.hidden > 1 else "", "with brackets" if levels else "no bracket"))
    cert = decide(D, total, N, rank_source=source, scope='phi')
    certified = cert.certified
    reason = "%s (the rank %s); %s" % (cert.reason, source, TinyGPT.PHI_NOTE if certified else
                                       "the laws of phi are between %s and %s" % (N, D - total))
    return dict(D=D, laws=N, rank=total, certified=certified, reason=reason, seconds=time.time() - start)


def _quadratic_law_gradients(laws, theta, D, p):
    r"""
    The gradients at `\theta` (residues modulo `p`, an integer array ``(len(laws), D)``) of quadratic
    laws with integer coefficients (the known laws of a :class:`~sage_conslaw.architectures.gpt.TinyGPT`).

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.torch.modern import _quadratic_law_gradients
        sage: R.<x, y> = QQ[]
        sage: _quadratic_law_gradients([x^2 - 3*x*y], [2, 5], 2, 7).tolist()     # (2x - 3y, -3x) at (2, 5)
        [[3, 1]]
        sage: _quadratic_law_gradients([x^3], [2, 5], 2, 7)
        Traceback (most recent call last):
        ...
        ValueError: a known law is not quadratic: x^3
    """
    G = np.zeros((len(laws), D), dtype=np.int64)
    th = [int(t) for t in theta]
    for i, h in enumerate(laws):
        for e, c in h.dict().items():
            nz = e.nonzero_positions()
            c = int(c)
            if len(nz) == 1 and e[nz[0]] == 2:                   # c t^2: 2 c t
                G[i, nz[0]] = (G[i, nz[0]] + 2 * c * th[nz[0]]) % p
            elif len(nz) == 2 and e[nz[0]] == e[nz[1]] == 1:     # c t u: (c u, c t)
                a, b = nz
                G[i, a] = (G[i, a] + c * th[b]) % p
                G[i, b] = (G[i, b] + c * th[a]) % p
            else:
                raise ValueError("a known law is not quadratic: %s" % h)
    return G


def _network_point_applies(gpt):
    r"""
    The primes of :data:`NETWORK_PRIMES` at which the special point of :func:`tinygpt_network_count`
    has residues for ``gpt`` (fewer positions than `p`, the width and the denominator of `\varepsilon`
    prime to `p`), in order; a ``ValueError`` naming the reason when the point does not exist (it needs
    `d \ge 4`, `d_k \in \{4, 8\}`, the RoPE base `10^4`, an even number of heads, one such prime).

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _network_point_applies
        sage: _network_point_applies(TinyGPT(3, 4, 2, 4, 2, 2))
        [251, 239, 131071]
        sage: _network_point_applies(TinyGPT(3, 4, 2, 4, 2, 2, eps=1/251))
        [239, 131071]
        sage: _network_point_applies(TinyGPT(3, 4, 1, 4, 2, 2))
        Traceback (most recent call last):
        ...
        ValueError: the special point pairs the heads (their outputs cancel), the block has 1 head: odd; use gpt.network_trace() (ball arithmetic, small sizes)
        sage: _network_point_applies(TinyGPT(3, 4, 2, 4, 2, 2, eps=1/(251*239*131071)))
        Traceback (most recent call last):
        ...
        ValueError: the special point needs a prime p among 251, 239, 131071 with fewer than p positions (4) and the width (4) and the denominator of eps (7862818219) prime to p; use gpt.network_trace() (ball arithmetic, small sizes)
    """
    why = None
    den = QQ(gpt.eps).denominator()
    primes = [p for p in NETWORK_PRIMES if _prime_serves(gpt, p)]
    if gpt.heads % 2:
        why = "the special point pairs the heads (their outputs cancel), the block has %s head%s: odd" % (
            gpt.heads, "s" if gpt.heads > 1 else "")
    elif gpt.d_k not in (4, 8):
        why = ("the special point needs d_k = 4 or 8 (two planes at least, to split Q and K; every rotation "
               "angle an integer multiple of the smallest), got d_k = %s" % gpt.d_k)
    elif gpt.base != 10000:
        why = ("the special point needs the RoPE base 10^4 (every rotation angle an integer multiple of the "
               "smallest), got %s" % gpt.base)
    elif gpt.width < 4:
        why = "the special point needs d >= 4 (rational RMSNorm roots by four squares), got d = %s" % gpt.width
    elif not primes:
        why = ("the special point needs a prime p among %s with fewer than p positions (%s) and the width (%s) "
               "and the denominator of eps (%s) prime to p" % (", ".join(map(str, NETWORK_PRIMES)), gpt.length,
                                                               gpt.width, den))
    if why:
        raise ValueError(why + "; use gpt.network_trace() (ball arithmetic, small sizes)")
    return primes


def _prime_serves(gpt, p):
    r"""
    Whether the block's own numbers have residues modulo the prime ``p`` in the network count: fewer
    positions than `p` (the softmax denominators `1, \dots, L`), the width and the denominator of
    `\varepsilon` prime to `p`.  The one home of this check (:func:`_network_point_applies`,
    :class:`_NetworkSurrogate`).

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _prime_serves
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2, eps=1/7)
        sage: _prime_serves(gpt, 251), _prime_serves(gpt, 7), _prime_serves(gpt, 3), _prime_serves(gpt, 2)
        (True, False, False, False)
    """
    return bool(gpt.length < p and gpt.width % p and QQ(gpt.eps).denominator() % p)


def _network_point(gpt, seed=0):
    r"""
    The special rational point `\theta_0` of :func:`tinygpt_network_count` and the roots `r_t`
    (`\|E[t]\|^2/d + \varepsilon = r_t^2`, `r_t` rational): a list of `D` rationals (in the order of
    ``gpt.layout()``) and a list of `V` rationals.

    Per head, `Q`'s rows vanish outside the first half of the rotation planes, `K`'s outside the other
    half (every score `\langle R_m q, R_n k\rangle` is 0); the heads come in pairs with `V_{h+1} = V_h
    + W` (`W` kills every `\gamma_1 \odot E[t]`; `W = 0` when the `E[t]` span the space) and `O_{h+1}
    = -O_h` (the attention output is 0, each head's values vary); `W_1 = 0` (every SiLU argument is
    0, the MLP output is 0); `E[t] = y/s` with `\varepsilon s^2 = k` an integer and `\|y\|^2 = d(a^2
    - k)` (the last four coordinates from :func:`~sage.arith.misc.four_squares`, turned by a random
    rational rotation, :func:`_cayley_rotation`), so that `r_t = a/s`.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _network_point
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); th, r = _network_point(gpt)
        sage: len(th) == gpt.D, len(r)
        (True, 3)
        sage: M = {P.name: matrix(QQ, P.shape[0], P.shape[1], th[P.offset:P.offset + P.size]) for P in gpt.layout()}
        sage: [sum(x^2 for x in M['E'].row(t)) / 4 + gpt.eps == r[t]^2 for t in range(3)]
        [True, True, True]
        sage: M['W1'].is_zero(), M['O2'] == -M['O1'], (M['Q1'].transpose() * M['K1']).is_zero()
        (True, True, True)
        sage: g1 = M['g1'].column(0)
        sage: all(((M['V2'] - M['V1']) * vector([g1[j] * M['E'][t, j] for j in range(4)])).is_zero() for t in range(3))
        True
    """
    rng = np.random.default_rng(int(seed))
    V, d, dk, dv = gpt.vocab, gpt.width, gpt.d_k, gpt.d_v
    eps = QQ(gpt.eps)
    # s: the least integer with eps s^2 an integer k (2^26 and 1 for eps = 2^-52)
    s = ZZ(1)
    for q, e in ZZ(eps.denominator()).factor():
        s *= q ** ((e + 1) // 2)
    k = ZZ(eps * s ** 2)
    E, roots = [], []
    for t in range(V):
        while True:
            low = k.isqrt() + 1
            a = ZZ(int(rng.integers(int(max(low, s)), int(max(low, s)) + 2 * int(s) + 6)))
            if any(a % q == 0 for q in NETWORK_PRIMES):
                continue
            n = d * (a ** 2 - k)
            head = [ZZ(int(v)) for v in rng.integers(-int(a), int(a) + 1, size=d - 4)]
            rest = n - sum(v ** 2 for v in head)
            if rest >= 0:
                break
        tail = vector(QQ, [ZZ(int(sg)) * v for sg, v in zip(rng.choice([-1, 1], size=4), four_squares(rest))])
        y = head + list(_cayley_rotation(rng) * tail)
        y = [y[int(i)] for i in rng.permutation(d)]
        E.append([v / s for v in y])
        roots.append(a / s)
    M = {"E": matrix(QQ, E)}
    ri = lambda *shape: matrix(QQ, np.asarray(rng.integers(-3, 4, size=shape)).tolist())
    gain = lambda: matrix(QQ, d, 1, [QQ(int(rng.choice([-2, -1, 1, 2, 3]))) for _ in range(d)])
    M["g1"], M["g2"], M["g3"] = gain(), gain(), gain()
    A = matrix(QQ, [[M["g1"][j, 0] * M["E"][t, j] for j in range(d)] for t in range(V)])
    ker = A.right_kernel_matrix()                            # rows killing every g1 * E[t]
    ker = matrix(QQ, [row * prod(q ** row.denominator().valuation(q) for q in NETWORK_PRIMES)
                      for row in ker.rows()], ncols=d)     # denominators prime to every p
    P = dk // 2
    for i, sfx in enumerate(gpt._suffixes()):
        Q, K = ri(dk, d), ri(dk, d)
        for plane in range(P):
            for row in (2 * plane, 2 * plane + 1):
                if plane < P // 2:
                    K[row] = 0
                else:
                    Q[row] = 0
        M["Q" + sfx], M["K" + sfx] = Q, K
        if i % 2 == 0:
            M["V" + sfx], M["O" + sfx] = ri(dv, d), ri(dv, d)
            prev = sfx
        else:
            W = ri(dv, ker.nrows()) * ker if ker.nrows() else matrix(QQ, dv, d)
            M["V" + sfx], M["O" + sfx] = M["V" + prev] + W, -M["O" + prev]
    M["W1"], M["W2"], M["W3"] = matrix(QQ, gpt.hidden, d), ri(gpt.hidden, d), ri(d, gpt.hidden)
    M["U"] = ri(V, d)
    theta = []
    for P_ in gpt.layout():
        theta += M[P_.name].list()
    return theta, roots


def _cayley_rotation(rng, n=4):
    r"""
    A random rational rotation of `\QQ^n`, `(I - A)(I + A)^{-1}` for a skew-symmetric integer `A`
    (the Cayley transform), with a denominator prime to every prime of ``NETWORK_PRIMES``.

    :func:`~sage.arith.misc.four_squares` writes `m` in one fixed way, often with zeros (`4a^2 = 0^2
    + 0^2 + 0^2 + (2a)^2`): with `\varepsilon = 0` and `d = 4` every embedding row of the special
    point was a multiple of a coordinate vector, rows of different tokens were parallel, and the rank
    of the network count fell short on 17 of 20 seeds.  A rotation keeps the norm and moves the rows
    off the axes.

    TESTS::

        sage: # optional - torch
        sage: import numpy as np
        sage: from sage_conslaw.torch.modern import _cayley_rotation
        sage: R = _cayley_rotation(np.random.default_rng(int(0)))
        sage: R.transpose() * R == 1, R.det(), R.base_ring()
        (True, 1, Rational Field)
        sage: all(R.denominator() % p for p in (251, 239, 131071))
        True
    """
    one = identity_matrix(ZZ, n)
    while True:
        A = matrix(ZZ, n, n)
        for i in range(n):
            for j in range(i + 1, n):
                A[i, j] = int(rng.integers(-3, 4))
                A[j, i] = -A[i, j]
        if all((one + A).det() % q for q in NETWORK_PRIMES):
            return (one - A) * (one + A).inverse()


def _circle_power(c, s, n):
    r"""
    `(c + i s)^n` as the pair of its real and imaginary parts (the rotation by `n` times the angle of
    `(c, s)`), by squaring: `O(\log n)` products in the parent of ``c`` and ``s``.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.torch.modern import _circle_power
        sage: F = GF(251); _circle_power(F(0), F(1), 3), _circle_power(F(0), F(1), 0)
        ((0, 250), (1, 0))
        sage: a = RDF(0.3); c, s = _circle_power(a.cos(), a.sin(), 10); abs(c - (10 * a).cos()) < 1e-12, abs(s - (10 * a).sin()) < 1e-12
        (True, True)
    """
    one = c.parent().one()
    rc, rs = one, 0 * one
    while n:
        if n & 1:
            rc, rs = rc * c - rs * s, rc * s + rs * c
        c, s = c * c - s * s, 2 * c * s
        n >>= 1
    return rc, rs


def _circle_generator(F, rng):
    r"""
    A generator `(c, s)` of the circle group `c^2 + s^2 = 1` of the prime field ``F`` (`p \equiv 3
    \bmod 4`: a cyclic group of order `p + 1`), drawn from ``rng`` as `((1 - t^2)/(1 + t^2), 2t/(1 +
    t^2))`: distinct rotation angles `N\alpha` stay distinct modulo `p + 1`.

    TESTS::

        sage: # optional - torch
        sage: import numpy as np
        sage: from sage_conslaw.torch.modern import _circle_generator
        sage: F = GF(251); c, s = _circle_generator(F, np.random.default_rng(int(0))); c^2 + s^2
        1
        sage: R.<x> = F[]; K.<i> = F.extension(x^2 + 1); (c + i*s).multiplicative_order()
        252
        sage: _circle_generator(GF(13), np.random.default_rng(int(0)))
        Traceback (most recent call last):
        ...
        ValueError: the circle point needs a prime p = 3 mod 4, got 13
    """
    p = F.characteristic()
    if p % 4 != 3:
        raise ValueError("the circle point needs a prime p = 3 mod 4, got %s" % p)
    primes = [q for q, _ in ZZ(p + 1).factor()]
    while True:
        t = F(int(rng.integers(2, p - 1)))
        c, s = (1 - t ** 2) / (1 + t ** 2), 2 * t / (1 + t ** 2)
        if all(_circle_power(c, s, (p + 1) // q) != (1, 0) for q in primes):
            return c, s


class _NetworkSurrogate:
    r"""
    The polynomial surrogate of the block at the special point (:func:`_network_point`), batched over
    copies of `\theta`: the exponential replaced by its Taylor polynomial of order ``K`` at 0, `1/x` at
    `m + 1` (the softmax denominators of position `m`), `x^{-1/2}` at `r_t^2` (RMSNorm), SiLU at 0;
    `\cos, \sin` of the rotation angles `N\alpha` by the powers of a point `(c_0, s_0)` of the circle.
    Modulo ``p`` (every value and gradient reduced, float64 residues: :func:`_checked_modp`) or, with
    ``p = None``, in float64 with the true `(\cos\alpha, \sin\alpha)` (to check it against the block).

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point, TinyGPTModule, load_parameters
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2, eps=1/4); th, r = _network_point(gpt)
        sage: sur = _NetworkSurrogate(gpt, r, None)
        sage: x = torch.tensor([[float(t) for t in th]], dtype=torch.float64)
        sage: tok = torch.tensor([[[0r, 2r, 1r, 1r]]])
        sage: m = TinyGPTModule(3, 4, 2, 4, 2, 2, eps=0.25)
        sage: shapes = {n: q.shape for n, q in m.named_parameters()}
        sage: load_parameters(m, {P.name: x[0r, P.offset:P.offset + P.size].reshape(shapes[P.name]).numpy() for P in gpt.layout()})
        sage: bool(torch.allclose(sur.forward(x, tok)[0r], m(tok[0r]), atol=1e-12r))
        True
    """

    def __init__(self, gpt, roots, p, K=4, seed=0):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point
            sage: gpt = TinyGPT(3, 4, 2, 8, 2, 2); sur = _NetworkSurrogate(gpt, _network_point(gpt)[1], 131071)
            sage: sur.cos.shape, float((sur.cos ** 2r + sur.sin ** 2r - 1r).remainder(131071r).max())
            (torch.Size([4, 4]), 0.0)

        A prime that divides a root `r_t` (or the width, a position, ...) has no surrogate::

            sage: # optional - torch
            sage: _NetworkSurrogate(gpt, [7, 1, 3], 7)
            Traceback (most recent call last):
            ...
            ValueError: no surrogate modulo 7: the roots r_t [7, 1, 3], the width 4, the denominator of eps 4503599627370496 and every number of positions up to 4 must be prime to 7, and the Taylor order 4 below it
        """
        p = int(p) if p else None
        if p and (not _prime_serves(gpt, p) or K >= p
                  or any(QQ(r).numerator() % p == 0 or QQ(r).denominator() % p == 0 for r in roots)):
            raise ValueError("no surrogate modulo %s: the roots r_t %s, the width %s, the denominator of eps %s and "
                             "every number of positions up to %s must be prime to %s, and the Taylor order %s "
                             "below it" % (p, list(roots), gpt.width, QQ(gpt.eps).denominator(), gpt.length, p, K))
        self.gpt, self.L, self.K = gpt, int(gpt.length), int(K)
        self.p = p
        F = GF(p) if p else RDF
        conv = int if p else float
        if p:
            ModP = _checked_modp()
            self.R = lambda t: ModP.apply(t, p)
        else:
            self.R = lambda t: t
        self.layout = list(gpt.layout())
        self.eps = conv(F(QQ(gpt.eps)))
        self.inv_d = conv(F(1) / gpt.width)
        f64 = torch.float64
        # x^(-1/2) at r^2: sum_k binom(-1/2, k) r^(-1-2k) (y - r^2)^k
        self.rs = torch.tensor([[conv(F(binomial(QQ((-1, 2)), k) * QQ(r) ** (-1 - 2 * k))) for k in range(K + 1)]
                                for r in roots], dtype=f64)
        self.y0 = torch.tensor([conv(F(QQ(r) ** 2)) for r in roots], dtype=f64)
        self.expc = [conv(F(1) / factorial(k)) for k in range(K + 1)]
        self.invc = torch.tensor([[conv(F((-1) ** k) / F(m + 1) ** (k + 1)) for k in range(K + 1)]
                                  for m in range(self.L)], dtype=f64)
        z = PowerSeriesRing(QQ, 'z', default_prec=K + 2).gen()
        silu = (z / (1 + (-z).exp())).list() + [0] * (K + 2)
        self.siluc = [conv(F(c)) for c in silu[:K + 1]]
        # base 10^4: omega_i = 10^(-8i/d_k), every angle m omega_i = N alpha, alpha = 10^(-8(P-1)/d_k)
        P = gpt.d_k // 2
        expo = [8 * i // gpt.d_k for i in range(P)]
        if p:
            c0, s0 = _circle_generator(F, np.random.default_rng(int(seed) + 7))
        else:
            alpha = RDF(10) ** (-expo[-1])
            c0, s0 = alpha.cos(), alpha.sin()
        cs = [[_circle_power(c0, s0, m * 10 ** (expo[-1] - expo[i])) for i in range(P)] for m in range(self.L)]
        self.cos = torch.tensor([[conv(c) for c, s in row] for row in cs], dtype=f64)
        self.sin = torch.tensor([[conv(s) for c, s in row] for row in cs], dtype=f64)

    def unpack(self, th):
        r"""
        ``{name: tensor (n, *shape)}`` of a batch of points ``th`` (shape ``(n, D)``; gains flattened).

        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point
            sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); sur = _NetworkSurrogate(gpt, _network_point(gpt)[1], 251)
            sage: M = sur.unpack(torch.zeros(2, gpt.D)); M['Q2'].shape, M['g1'].shape
            (torch.Size([2, 4, 4]), torch.Size([2, 4]))
        """
        parts = torch.split(th, [P.size for P in self.layout], dim=1)
        return {P.name: t.reshape((th.shape[0],) + ((P.shape[0],) if P.shape[1] == 1 and P.name[0] == "g"
                                                    else tuple(P.shape)))
                for P, t in zip(self.layout, parts)}

    def poly(self, coeffs, delta):
        r"""
        `\sum_k c_k \delta^k` (Horner, reduced), coefficients numbers or tensors broadcastable to ``delta``.

        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point
            sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); sur = _NetworkSurrogate(gpt, _network_point(gpt)[1], 251)
            sage: sur.poly([1r, 2r, 3r], torch.tensor([2.0r], dtype=torch.float64)).tolist()     # 1 + 4 + 12 = 17
            [17.0]
        """
        R = self.R
        last = coeffs[-1]
        out = last.expand_as(delta) if torch.is_tensor(last) else last * torch.ones_like(delta)
        for c in reversed(coeffs[:-1]):
            out = R(R(out * delta) + c)
        return out

    def rms(self, x, g, tok):
        r"""
        RMSNorm `g \odot x \cdot (\|x\|^2/d + \varepsilon)^{-1/2}`, the inverse root by its Taylor
        polynomial at `r_t^2` (``x``: ``(n, S, L, d)``, ``g``: ``(n, d)``, ``tok``: ``(n, S, L)``).

        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point
            sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); th, r = _network_point(gpt); sur = _NetworkSurrogate(gpt, r, None)
            sage: E = sur.unpack(torch.tensor([[float(t) for t in th]], dtype=torch.float64))['E']
            sage: out = sur.rms(E[:, None, :1r], torch.ones(1r, 4r, dtype=torch.float64), torch.zeros(1r, 1r, 1r, dtype=torch.long))
            sage: bool(torch.allclose(out, E[0r, 0r] / float(r[0])))
            True
        """
        R = self.R
        y = R(R(R(x * x).sum(-1)) * self.inv_d + self.eps)
        delta = R(y - self.y0[tok])
        inv = self.poly([self.rs[:, k][tok] for k in range(self.K + 1)], delta)
        return R(R(x * inv[..., None]) * g[:, None, None, :])

    def rot(self, q):
        r"""
        The rotations of the planes `(2i, 2i + 1)` of ``q`` (shape ``(..., L, d_k)``) at each position.

        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point, apply_rotary, rotary_angles
            sage: gpt = TinyGPT(3, 4, 2, 8, 2, 2); sur = _NetworkSurrogate(gpt, _network_point(gpt)[1], None)
            sage: q = torch.randn(2, 4, 8, dtype=torch.float64)
            sage: bool(torch.allclose(sur.rot(q), apply_rotary(q, rotary_angles(4, 8))))
            True
        """
        R = self.R
        x1, x2 = q[..., 0::2], q[..., 1::2]
        c, s = self.cos, self.sin
        r1 = R(R(x1 * c) - R(x2 * s))
        r2 = R(R(x1 * s) + R(x2 * c))
        return torch.stack([r1, r2], dim=-1).flatten(-2)

    def forward(self, th, tok):
        r"""
        The logits ``(n, S, L, V)`` of the surrogate at the points ``th`` (``(n, D)``, or the dict of
        :meth:`unpack`) on the token sequences ``tok`` (``(n, S, L)``: `S` sequences per copy).

        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point
            sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); th, r = _network_point(gpt); sur = _NetworkSurrogate(gpt, r, 131071)
            sage: x = torch.tensor([[int(GF(131071)(t)) for t in th]], dtype=torch.float64)
            sage: out = sur.forward(x, torch.zeros(1r, 2r, 4r, dtype=torch.long)); out.shape, bool((out.abs() <= 65535r).all())   # balanced residues
            (torch.Size([1, 2, 4, 3]), True)
        """
        R, L = self.R, self.L
        M = th if isinstance(th, dict) else self.unpack(th)
        n = M["E"].shape[0]
        x = M["E"][torch.arange(n)[:, None, None], tok]                # (n, S, L, d)
        a = self.rms(x, M["g1"], tok)
        mask = torch.tril(torch.ones(L, L, dtype=torch.float64))
        invc = [self.invc[:, k] for k in range(self.K + 1)]
        positions = torch.arange(1, L + 1, dtype=torch.float64)
        for sfx in self.gpt._suffixes():
            Q, K, Vh, O = (M[nm + sfx] for nm in "QKVO")
            q = self.rot(R(torch.einsum('nslj,nkj->nslk', a, Q)))
            k = self.rot(R(torch.einsum('nslj,nkj->nslk', a, K)))
            e = R(self.poly(self.expc, R(torch.einsum('nsmk,nsjk->nsmj', q, k))) * mask)
            Z = R(e.sum(-1))
            w = R(e * self.poly(invc, R(Z - positions))[..., None])
            vo = R(torch.einsum('nslk,nkj->nslj', R(torch.einsum('nslj,nkj->nslk', a, Vh)), O))
            x = R(x + R(torch.einsum('nsmj,nsjd->nsmd', w, vo)))
        b = self.rms(x, M["g2"], tok)
        h1 = R(torch.einsum('nslj,nkj->nslk', b, M["W1"]))
        h2 = R(torch.einsum('nslj,nkj->nslk', b, M["W2"]))
        x = R(x + R(torch.einsum('nslk,njk->nslj', R(self.poly(self.siluc, h1) * h2), M["W3"])))
        return R(torch.einsum('nslj,nvj->nslv', self.rms(x, M["g3"], tok), M["U"]))


def _checked_modp():
    r"""
    The ``torch.autograd.Function`` reducing values and gradients modulo `p`
    (:func:`~sage_conslaw.network.backends._modp_function`) by :func:`_exact_reduction`.

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import _checked_modp
        sage: F = _checked_modp(); F.apply(torch.tensor([10.0r, 12.0r], dtype=torch.float64), 7r).tolist()
        [3.0, -2.0]
        sage: F.apply(torch.tensor([2.0r ** 50r], dtype=torch.float64), 7r)
        Traceback (most recent call last):
        ...
        ArithmeticError: a value 2^50.0 before a reduction modulo p is above the proven bound 2^46: float64 exactness is not guaranteed, no count is given (a bug, please report it)
    """
    return _modp_function(_exact_reduction)


def _exact_reduction(x, p):
    r"""
    The balanced residues of ``x`` modulo ``p``
    (:func:`~sage_conslaw.network.backends._balanced_mod_tensor`), after checking every value of
    ``x`` below :data:`NETWORK_EXACT_BOUND` in absolute value (:func:`_check_exact`: else a float64
    sum may have been rounded, and no count is claimed).

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import _exact_reduction
        sage: _exact_reduction(torch.tensor([-3.0r, 2.0r ** 45r], dtype=torch.float64), 251r).tolist()
        [-3.0, 102.0]
        sage: _exact_reduction(torch.tensor([2.0r ** 47r], dtype=torch.float64), 251r)
        Traceback (most recent call last):
        ...
        ArithmeticError: a value 2^47.0 before a reduction modulo p is above the proven bound 2^46: float64 exactness is not guaranteed, no count is given (a bug, please report it)
    """
    _check_exact(x)
    return _balanced_mod_tensor(x, p)

#: The primes of :func:`tinygpt_network_count`, tried in this order (the first two valid for the
#: block, :func:`_network_point_applies`; the second only when the rank modulo the first falls short):
#: 251 and 239 are below `2^8`, so that Sage's LinBox matrices hold them in single-precision floats
#: (rank of the 11,245 x 11,360 rows of the 11,360-parameter block: 11.3 s, against 25.0 s modulo
#: 131071 in double precision); 131071 (the largest prime below `2^{17}`: products of two residues below
#: `2^{34}`, sums of up to `2^{12}` of them below :data:`NETWORK_EXACT_BOUND`) for 239 positions or more.
#: Each is `3 \bmod 4` (`1 + t^2 \ne 0`: the circle points of :func:`_circle_generator`).
NETWORK_PRIMES = (251, 239, 131071)

#: Every value reduced by :func:`tinygpt_network_count` is checked below this bound (`2^{46}`, the
#: static bound of its proof for the sizes it accepts; measured at `D = 11{,}360`: `2^{40.2}`).
NETWORK_EXACT_BOUND = 2.0 ** 46


def _check_exact(x):
    r"""
    Raise ``ArithmeticError`` when a value of ``x`` is not below :data:`NETWORK_EXACT_BOUND` in
    absolute value.

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import _check_exact
        sage: _check_exact(torch.tensor([-3.0r, 2.0r ** 45r]))
        sage: _check_exact(torch.tensor([2.0r ** 47r]))
        Traceback (most recent call last):
        ...
        ArithmeticError: a value 2^47.0 before a reduction modulo p is above the proven bound 2^46: float64 exactness is not guaranteed, no count is given (a bug, please report it)
    """
    if x.numel():
        low, high = torch.aminmax(x)
        top = max(-float(low), float(high))
        if not top < NETWORK_EXACT_BOUND:
            raise ArithmeticError("a value 2^%.1f before a reduction modulo p is above the proven bound 2^%d: float64 "
                                  "exactness is not guaranteed, no count is given (a bug, please report it)"
                                  % (math.log2(top), math.log2(NETWORK_EXACT_BOUND)))


def _network_widest_sum(gpt, sequences):
    r"""
    The most products of two residues modulo `p` that a value of :func:`tinygpt_network_count` sums
    between two reductions: `W = 4 \max(S L V, 3 H \max(d_k, d_v), S L, d, h, L)`.

    The forward pass contracts over `d`, `h`, `d_k`, `d_v` and `L` (each contraction reduced), `c \cdot
    g` over the `S L V` logits; a backward pass contracts the transposes (over the `S L` positions of
    the sequences for a weight, over `d`, `h`, `d_k`, `d_v`, `L` for an input) and adds the gradients of
    a tensor over its uses (the normalized embedding feeds `3H` contractions; any other tensor at most
    4 products and sums); the factor 4 bounds these sums of contributions.  The backward passes of the
    brackets differentiate these same operations (every intermediate gradient reduced by the same
    function).

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _network_widest_sum
        sage: _network_widest_sum(TinyGPT(16, 32, 4, 8, 8, 64), 4)      # 4 * 4 * 4 * 16: c . g
        1024
    """
    S, L = int(sequences), int(gpt.length)
    return 4 * max(S * L * gpt.vocab, 3 * gpt.heads * max(gpt.d_k, gpt.d_v), S * L, gpt.width, gpt.hidden, L)


def _network_copy_floats(gpt, sequences):
    r"""
    The floats of one copy of the block in a batch of :func:`tinygpt_network_count` (the unit of
    :data:`~sage_conslaw.core.thresholds.NETWORK_BATCH_BYTES_PER_FLOAT`): `D` plus, for each of its
    ``sequences`` token sequences of `L` positions, the activations of a position, `3d + H(2 d_k + d_v +
    L) + 2h + V`.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _network_copy_floats
        sage: _network_copy_floats(TinyGPT(16, 32, 4, 8, 8, 64), 4)       # 11360 + 16 * 352
        16992
    """
    g = gpt
    return int(g.D + int(sequences) * g.length * (3 * g.width + g.heads * (2 * g.d_k + g.d_v + g.length)
                                                   + 2 * g.hidden + g.vocab))


def _network_field(sur, x, rng, sequences):
    r"""
    The field `\nabla_\theta (c \cdot g(\theta, \text{tokens}))` at the copies ``x`` (the dict of
    :func:`_network_leaves`: one leaf per parameter, no split of a flat vector in the graph, whose third
    derivative would fill an ``(n, D)`` array per parameter) of the surrogate ``sur``: per copy,
    ``sequences`` random token sequences and random integer coefficients `c` (an element of `W`); a list
    of tensors in the order of ``x``, with its graph (to differentiate it again).

    TESTS::

        sage: # optional - torch
        sage: import torch, numpy as np
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point, _network_field, _network_leaves
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); th, r = _network_point(gpt); sur = _NetworkSurrogate(gpt, r, 131071)
        sage: x = _network_leaves(sur, torch.tensor([int(GF(131071)(t)) for t in th], dtype=torch.float64), 2)
        sage: X = _network_field(sur, x, np.random.default_rng(int(0)), 2); len(X), X[0r].shape
        (16, torch.Size([2, 3, 4]))
        sage: bool(all((t.abs() <= 65535r).all() for t in X))
        True
    """
    R, n = sur.R, x["E"].shape[0]
    tok = torch.as_tensor(rng.integers(0, sur.gpt.vocab, size=(n, sequences, sur.L)))
    c = torch.tensor(rng.integers(0, sur.p or 5, size=(n, sequences, sur.L, sur.gpt.vocab)), dtype=torch.float64)
    val = R(R(sur.forward(x, tok) * c).sum((1, 2, 3)))
    return [R(t) for t in torch.autograd.grad(val.sum(), list(x.values()), create_graph=True)]


def _network_leaves(sur, theta0, n):
    r"""
    ``n`` copies of the point ``theta0`` (a flat tensor) as one leaf tensor per parameter (the dict of
    :meth:`_NetworkSurrogate.unpack`, with ``requires_grad``).

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point, _network_leaves
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); sur = _NetworkSurrogate(gpt, _network_point(gpt)[1], 251)
        sage: x = _network_leaves(sur, torch.arange(156.0r, dtype=torch.float64), 3); x['U'].shape, x['U'].requires_grad, x['U'].is_leaf
        (torch.Size([3, 3, 4]), True, True)
    """
    return {k: t.contiguous().requires_grad_(True) for k, t in sur.unpack(theta0.repeat(int(n), 1)).items()}


def _network_dot(R, A, B):
    r"""
    `\sum_{\text{copies}} A \cdot B` of two lists of tensors (a batch of copies on the first axis),
    reduced by ``R`` after the products and after the sum over the coordinates of each copy.

    TESTS::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.torch.modern import _network_dot
        sage: A = [torch.ones(2r, 3r, dtype=torch.float64), torch.ones(2r, 1r, 2r, dtype=torch.float64)]
        sage: _network_dot(lambda t: t, A, A).item()
        10.0
    """
    return R(sum(R(a * b).flatten(1).sum(1) for a, b in zip(A, B))).sum()


def _network_rows(sur, theta0, level, n, rng, sequences=4, share=4):
    r"""
    Rows of one level at `\theta_0` (``theta0``: its residues, or floats with ``sur.p = None``):
    ``n`` fields `X` (level 0), brackets `[X_a, X_b]` (level 1), or ``share`` brackets `[X_c, [X_a,
    X_b]]` per copy sharing `[X_a, X_b]` (level 2); `[X, Y] = DY\,X - DX\,Y`, with `DX = H` symmetric
    for a gradient field (two backward passes a bracket).  A float32 array of residues modulo ``sur.p``
    in `[0, p)` (every value checked by :func:`_check_exact` before), or float64 with ``sur.p = None``.

    TESTS::

        sage: # optional - torch
        sage: import torch, numpy as np
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _NetworkSurrogate, _network_point, _network_rows
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2); th, r = _network_point(gpt); sur = _NetworkSurrogate(gpt, r, 131071)
        sage: t0 = torch.tensor([int(GF(131071)(t)) for t in th], dtype=torch.float64)
        sage: [_network_rows(sur, t0, k, 3, np.random.default_rng(int(k))).shape for k in (0r, 1r, 2r)]
        [(3, 156), (3, 156), (12, 156)]
        sage: A = _network_rows(sur, t0, 2r, 3, np.random.default_rng(int(2))); bool((A >= 0r).all() and (A < 131071r).all())
        True
    """
    R, p = sur.R, sur.p or 0
    x = _network_leaves(sur, theta0, n)
    leaves = list(x.values())
    flat = lambda ts: torch.cat([t.detach().flatten(1) for t in ts], dim=1)

    def done(ts):
        out = flat(ts)
        if p:
            _check_exact(out)
            out = _float32_residues(out, p)
        return out.numpy()
    dot = lambda A, B: _network_dot(R, A, B)
    detached = lambda ts: [t.detach() for t in ts]
    grad = torch.autograd.grad
    Xa = _network_field(sur, x, rng, sequences)
    if level == 0:
        return done(Xa)
    Xb = _network_field(sur, x, rng, sequences)
    if level == 1:
        u = grad(dot(Xb, detached(Xa)), leaves, retain_graph=True)                # H_b X_a
        w = grad(dot(Xa, detached(Xb)), leaves)                                   # H_a X_b
        return done([a - b for a, b in zip(u, w)])
    wd = [torch.zeros_like(t, requires_grad=True) for t in leaves]
    # B = [X_a, X_b] = H_b X_a - H_a X_b = grad(X_a . X_b) - 2 H_a X_b, as a function of x
    s = [R(t) for t in grad(dot(Xa, Xb), leaves, create_graph=True)]
    gw = [R(t) for t in grad(dot(Xa, wd), leaves, create_graph=True)]            # H_a w
    Ha_Xb = [R(t) for t in grad(dot(gw, Xb), wd, create_graph=True)]             # H_a X_b
    B = [R(a - R(2 * b)) for a, b in zip(s, Ha_Xb)]
    wd2 = [torch.zeros_like(t, requires_grad=True) for t in leaves]
    g = [R(t) for t in grad(dot(B, wd2), leaves, create_graph=True)]             # DB^T w, shared
    Bd, out = detached(B), []
    for _ in range(int(share)):
        Xc = _network_field(sur, x, rng, sequences)
        DB_Xc = grad(dot(g, detached(Xc)), wd2, retain_graph=True)
        Hc_B = grad(dot(Xc, Bd), leaves, retain_graph=True)
        out.append(done([a - b for a, b in zip(DB_Xc, Hc_B)]))                # [X_c, B]
    return np.vstack(out)


def _network_rank_mod(gpt, p, laws, point, seed, sequences, progress):
    r"""
    One attempt of :func:`tinygpt_network_count` modulo ``p``: ``(L, N, rows, levels)``, the rank `L`
    of the rows at the special ``point`` (``(theta, roots)`` of :func:`_network_point`), the rank `N` of the gradients of the declared ``laws`` there, the
    rows per level and the deepest level used.  Fields first (until their rank saturates), then one
    rank for brackets of two and of three fields (:data:`NETWORK_FIRST_LEVEL_SHARE` of the missing
    rank from brackets of two, the cheaper), then brackets of three for what is missing.

    TESTS::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import _network_point, _network_rank_mod
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2)
        sage: L, N, rows, levels = _network_rank_mod(gpt, 251, gpt.network_laws(), _network_point(gpt), 0, 4, False); L, N, levels
        (132, 24, 2)
        sage: sum(rows) > L
        True
    """
    D, surplus = gpt.D, NETWORK_SURPLUS_ROWS
    theta, roots = point
    th = residues(theta, p)
    N = rank_mod_p(_quadratic_law_gradients(laws, th, D, p), p)
    target = D - N
    sur = _NetworkSurrogate(gpt, roots, p, seed=seed)
    theta0 = torch.tensor(np.asarray(th, dtype=np.float64))
    rng = np.random.default_rng(int(seed))
    share = 4
    # copies per batch: NETWORK_BATCH_COPIES, fewer when they would not fit in memory
    floats = _network_copy_floats(gpt, sequences)
    chunks = {level: max(1, min(most, NETWORK_MAX_BATCH_BYTES // (NETWORK_BATCH_BYTES_PER_FLOAT[level] * floats)))
              for level, most in enumerate(NETWORK_BATCH_COPIES)}
    bar = progress_bar(target + surplus, progress, "rows modulo %s" % p) if D > 2000 else None
    rows, counts = [], [0, 0, 0]              # float32 blocks of residues (exact below 2^24)

    def add(level, n):
        done = 0
        while done < n:
            copies = min(chunks[level], n - done) if level < 2 else min(chunks[2], -(-(n - done) // share))
            A = _network_rows(sur, theta0, level, copies, rng, sequences, share).astype(np.float32, copy=False)
            rows.append(A)
            done += len(A)
            counts[level] += len(A)
            if bar is not None:
                bar.update(len(A))

    def rank():
        return int(linbox_matrix_of_blocks(rows, D, p).rank())

    add(0, min(D, D // 8 + surplus))
    r = rank()
    while r > counts[0] - surplus // 2 and counts[0] < D:          # the fields are not saturated yet
        add(0, min(D - counts[0], counts[0]))
        r = rank()
    levels = 0
    if r < target:
        levels = 2
        n1 = int(NETWORK_FIRST_LEVEL_SHARE * (target - r))
        add(1, n1)
        add(2, target - r - n1 + surplus)
        r = rank()
        for attempt in range(2):
            if r >= target:
                break
            before = r
            add(2, target - r + surplus)
            r = rank()
            if r == before:
                break
    if bar is not None:
        bar.close()
    return r, N, counts, levels


def tinygpt_network_count(gpt, seed=0, sequences=4, progress=True):
    r"""
    The number of conservation laws of the *network* (the block itself, softmax, rotary and RMSNorm
    included) of a :class:`~sage_conslaw.architectures.gpt.TinyGPT`, proven by one exact rank modulo a
    prime at a special rational point `\theta_0`; at any size where the point exists (an even number of
    heads, `d_k \in \{4, 8\}`, the RoPE base `10^4`, `d \ge 4`).  Elsewhere (one head, `d_k = 2`) use
    :meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace` (ball arithmetic, small sizes).

    **Proof.**  Let `W` be the span of the gradients `\nabla_\theta g(\theta, x)` of the logits over every
    token sequence `x` and `N` the number of declared laws (:meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_laws`:
    those of `\phi`, and with `\varepsilon = 0` the scaling of the residual stream).

    1. *Upper bound.*  The declared laws are laws of the block; their gradients at `\theta_0` have rank
       `N` modulo `p` (so over `\QQ`, and near `\theta_0`): `\dim \mathrm{Lie}(W)(\theta) \le D - N` near
       `\theta_0`.
    2. *The point* (:func:`_network_point`): every attention score is 0 (`Q` and `K` in complementary
       rotation planes), the paired heads' outputs cancel (`O_{h+1} = -O_h`, `V_{h+1} = V_h + W`, `W`
       killing every normalized embedding), `W_1 = 0` (every SiLU argument 0, the MLP output 0), every
       RMSNorm root `r_t` rational.  So the arguments of every non-polynomial function at `\theta_0` are
       known rationals: exp at 0, `1/x` at `m + 1`, `x^{-1/2}` at `r_t^2`, SiLU at 0.
    3. *Surrogate* (:class:`_NetworkSurrogate`).  Replacing each of them by its Taylor polynomial of
       order 4 at that argument changes no derivative of order at most 4 at `\theta_0` (Faà di Bruno);
       a field needs order 1, a bracket `[X_a, X_b]` order 2, `[X_c, [X_a, X_b]]` order 3.  With base
       `10^4` and `d_k \in \{4, 8\}` every rotation angle is `N\alpha` (`N` an integer, `\alpha` the
       smallest frequency), so every row entry lies in `A = \ZZ_{(p)}[c, s]/(c^2 + s^2 - 1)` evaluated
       at `(\cos\alpha, \sin\alpha)` (the point's denominators, `r_t`, `m + 1`, `d`, `k!` are prime to `p`).
    4. *Rank modulo p* (:func:`_network_rows`).  The rows are fields `\nabla(c \cdot g)` (random integer
       `c`, ``sequences`` random token sequences each: elements of `W`), brackets of two and nested
       brackets of three of them (elements of `\mathrm{Lie}(W)`), evaluated in `A \to \mathbf{F}_p`,
       `(c, s) \mapsto (c_0, s_0)` a point of the circle modulo `p`, by PyTorch autograd on float64
       residues.  A minor nonzero there is a nonzero element `f_0(c) + s f_1(c)` of `A` (`A` is torsion-free),
       so it is nonzero at `(\cos\alpha, \sin\alpha)`: else `f_0^2 = (1 - c^2) f_1^2` at the
       transcendental `\cos\alpha` (Lindemann), a polynomial identity, impossible unless `f_0 = f_1 = 0`
       (`1 - c^2` is no square).  So the rank `L` modulo `p` is at most `\dim \mathrm{Lie}(W)(\theta_0)`.
       The point of the circle generates the circle group modulo `p` (:func:`_circle_generator`), and
       `p` is the first prime of :data:`NETWORK_PRIMES` where `\theta_0` has residues (251, below `2^8`:
       LinBox ranks in single precision); if `L` falls short there, the rows are computed again modulo
       the next one (any prime proves the same lower bound).
    5. *Exactness in float64.*  Every value is reduced modulo `p` after each product or sum (values and
       gradients, :func:`_checked_modp`) to its balanced residue, of absolute value below `p/2`
       (:func:`~sage_conslaw.network.backends._balanced_mod_tensor`: exact below `2^{50}`); between two
       reductions a value is a sum of at most `W` products of two residues (:func:`_network_widest_sum`)
       or of at most `D + 512` residues (the dot products of a bracket, over the coordinates and the
       copies of a batch); the count is refused before anything is computed unless `W p^2` and `(D +
       512) p` are below `2^{46}` for some prime of :data:`NETWORK_PRIMES`, and every value is checked
       below `2^{46}` at run time before it is reduced (``ArithmeticError``, no count, otherwise).  At
       `D = 11{,}360`, `W p^2 < 2^{26}` modulo 251 (`2^{44}` modulo 131071).
    6. `L = D - N`: `\dim \mathrm{Lie}(W) = D - N` near `\theta_0` (lower semicontinuity of the rank of
       finitely many analytic fields, and 1.), so the network has exactly the `N` declared laws near
       `\theta_0` (Frobenius).  With `\varepsilon > 0` the block is analytic on all of `\RR^D`, so the
       minor (an analytic function nonzero at `\theta_0`) and the laws' minor are nonzero on an open
       dense set, where the same holds; with `\varepsilon = 0` (RMSNorm singular where its input
       vanishes) only near `\theta_0` is claimed.

    INPUT:

    - ``gpt`` -- a :class:`~sage_conslaw.architectures.gpt.TinyGPT` (its ``length`` and ``eps`` are used)
    - ``seed`` -- the seed of the point and of the random combinations
    - ``sequences`` -- token sequences per field (default 4)
    - ``progress`` -- a ``tqdm`` progress bar of the rows (only when the output is a terminal)

    OUTPUT: a dict with ``D``, ``laws`` (`N` when certified, else the lower bound `N`), ``rank`` (`L`),
    ``certified``, ``reason``, ``seconds``, ``rows`` (per level)

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: from sage_conslaw.torch.modern import tinygpt_network_count
        sage: gpt = TinyGPT(3, 4, 2, 4, 2, 2)
        sage: res = tinygpt_network_count(gpt); res['D'], res['laws'], res['certified'], gpt.number_of_laws_formula()
        (156, 24, True, 24)
        sage: print(res['reason'])
        the rank 132 ...

    With `\varepsilon = 0` the block has one more law, the declared scaling of the residual stream::

        sage: # optional - torch
        sage: res = tinygpt_network_count(TinyGPT(3, 4, 2, 4, 2, 2, eps=0)); res['laws'], res['certified']
        (25, True)

    Where the special point does not exist::

        sage: # optional - torch
        sage: tinygpt_network_count(TinyGPT(3, 4, 2, 2, 2, 2))
        Traceback (most recent call last):
        ...
        ValueError: the special point needs d_k = 4 or 8 (two planes at least, to split Q and K; every rotation angle an integer multiple of the smallest), got d_k = 2; use gpt.network_trace() (ball arithmetic, small sizes)

    The 11,360-parameter block of worksheet 10::

        sage: # optional - torch
        sage: res = tinygpt_network_count(TinyGPT(16, 32, 4, 8, 8, 64), progress=False)  # long time
        sage: res['D'], res['laws'], res['certified']                                    # long time
        (11360, 320, True)
    """
    start = time.time()
    primes = _network_point_applies(gpt)
    sequences = positive_integer(sequences, "sequences")
    D, laws = gpt.D, gpt.network_laws()
    widest = _network_widest_sum(gpt, sequences)
    exact = [p for p in primes if widest * (p - 1) ** 2 < NETWORK_EXACT_BOUND and (D + 512) * p < NETWORK_EXACT_BOUND]
    if not exact:
        raise ValueError("the block is too large for exact sums modulo p = %s in float64: sums of up to %s "
                         "products of residues (%s sequences of %s positions) exceed 2^46"
                         % (primes[0], widest, sequences, gpt.length))
    need = NETWORK_ROW_BYTES_PER_ENTRY * (D - len(laws) + 4 * NETWORK_SURPLUS_ROWS) * D
    if need > NETWORK_MAX_ROW_BYTES:
        raise MemoryError("the rows of the network count would take about %.1f GB (%s x %s), above %.1f GB"
                          % (need / 1e9, D - len(laws) + 4 * NETWORK_SURPLUS_ROWS, D, NETWORK_MAX_ROW_BYTES / 1e9))
    one = NETWORK_BATCH_BYTES_PER_FLOAT[2] * _network_copy_floats(gpt, sequences)
    if one > NETWORK_MAX_BATCH_BYTES:
        raise MemoryError("one copy of the block with its %s token sequences would take about %.1f GB in a bracket "
                          "of three fields, above %.1f GB: use fewer sequences"
                          % (sequences, one / 1e9, NETWORK_MAX_BATCH_BYTES / 1e9))
    tried, point = [], _network_point(gpt, seed)
    for p in exact[:2]:
        r, N, counts, levels = _network_rank_mod(gpt, p, laws, point, seed, sequences, progress)
        tried.append("%s (rank %s)" % (p, r))
        if r >= D - N:
            break
    names = ["fields", "brackets of two fields", "brackets of three fields"]
    what = ("of %s at a special point theta0 (every attention score 0, the paired heads' outputs cancel, "
            "the MLP output 0, every RMSNorm root rational), modulo p = %s on the block's Taylor surrogate "
            "(exact there up to the third derivative; rotations at a point of the circle modulo p, a nonzero "
            "minor stays nonzero at (cos alpha, sin alpha) by Lindemann)%s"
            % (", ".join("%s %s" % (counts[k], names[k]) for k in range(levels + 1)), p,
               "; modulo %s first" % tried[0] if len(tried) > 1 else ""))
    cert = rank_meets_laws(D, r, N, what, "declared law of the network",
                           lower_source="rank modulo p at the special point",
                           conclusion=": these are all the laws of the network near theta0%s"
                           % (" and on an open dense set" if gpt.eps else ""),
                           why_not="levels 0 to %s" % levels,
                           caveat="the special point may be degenerate: try another seed or gpt.network_trace()")
    return dict(D=D, laws=cert.number_of_laws if cert.certified else N, rank=r, certified=cert.certified,
                reason=cert.reason, seconds=time.time() - start, rows=list(counts))
