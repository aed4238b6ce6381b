r"""
PyTorch modules of the modern blocks (needs the ``torch`` extra; imported only when asked).

Plain ``nn.Module`` subclasses, as a user would write them: a gated MLP
(SwiGLU), rotary multi-head attention, a mixture of experts and a tiny
GPT-style block.  The Sage families build them with their parameters
(``torch_module(theta)``); :mod:`sage_conslaw.reproduction.modern` checks that
their outputs agree with the families' exact models.

EXAMPLES::

    sage: # optional - torch
    sage: from sage_conslaw.architectures.torch_blocks import GatedMLPModule
    sage: m = GatedMLPModule(4, 3, 2, 'silu', False); sum(p.numel() for p in m.parameters())
    30
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

#: The gate functions, by the names of :data:`~sage_conslaw.architectures.functional.ACTIVATIONS`.
GATES = {"gelu": F.gelu, "silu": F.silu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": F.softplus,
         "relu": F.relu, "linear": lambda z: z}


def load_parameters(module, values):
    r"""
    Copy ``values`` (``{parameter name: nested lists or None}``) into the parameters of ``module``.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.torch_blocks import load_parameters
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
        sage: from sage_conslaw.architectures.torch_blocks import GatedMLPModule
        sage: GatedMLPModule(2, 3, 1, 'gelu', True)(torch.zeros(5, 2, dtype=torch.float64)).shape
        torch.Size([5, 1])
    """

    def __init__(self, d_in, hidden, d_out, gate="silu", bias=False):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.architectures.torch_blocks import GatedMLPModule
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
            sage: from sage_conslaw.architectures.torch_blocks import GatedMLPModule
            sage: m = GatedMLPModule(1, 1, 1, 'relu')
            sage: with torch.no_grad():
            ....:     _ = m.w1.weight.fill_(float(2)); _ = m.w2.weight.fill_(float(3)); _ = m.w3.weight.fill_(float(5))
            sage: m(torch.ones(1, 1, dtype=torch.float64)).item()
            30.0
        """
        return self.w3(GATES[self.gate](self.w1(x)) * self.w2(x))


def rotary_angles(length, d_k, base=10000.0):
    r"""
    The angles `m \omega_i` of RoPE, `\omega_i = \mathrm{base}^{-2i/d_k}`, as a ``(length, d_k // 2)`` tensor.

    EXAMPLES::

        sage: # optional - torch
        sage: from sage_conslaw.architectures.torch_blocks import rotary_angles
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
        sage: from sage_conslaw.architectures.torch_blocks import apply_rotary
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
        sage: from sage_conslaw.architectures.torch_blocks import sinusoidal_encoding
        sage: sinusoidal_encoding(2, 2).tolist()
        [[0.0, 1.0], [0.8414709848078965, 0.5403023058681398]]
    """
    pos = torch.arange(int(length), dtype=torch.float64)[:, None]
    i = torch.arange(int(d), dtype=torch.float64)[None, :]
    angle = pos / float(base) ** (2 * torch.div(i, 2, rounding_mode="floor") / int(d))
    return torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))


class RotaryAttentionModule(nn.Module):
    r"""
    Multi-head attention `\sum_h \mathrm{softmax}(s\, (R_m Q_h x_m)^\top (R_n K_h x_n)) V_h x_n` then
    `O_h` (the layout of :class:`~sage_conslaw.architectures.rotary.RotaryAttention`: ``O_h`` is
    ``d_v x d_out``), with ``positional`` ``'rotary'``, ``'sinusoidal'`` (added to the inputs) or
    ``None``; inputs ``(batch, L, d_in)``.

    EXAMPLES::

        sage: # optional - torch
        sage: import torch
        sage: from sage_conslaw.architectures.torch_blocks import RotaryAttentionModule
        sage: m = RotaryAttentionModule(3, 2, 2, 1, 3)
        sage: m(torch.zeros(4, 5, 3, dtype=torch.float64)).shape
        torch.Size([4, 5, 3])
    """

    def __init__(self, d_in, heads, d_k, d_v, d_out, positional="rotary", base=10000.0, scale=1.0):
        r"""
        TESTS::

            sage: # optional - torch
            sage: from sage_conslaw.architectures.torch_blocks import RotaryAttentionModule
            sage: RotaryAttentionModule(3, 2, 2, 1, 3).Q.shape
            torch.Size([2, 2, 3])
        """
        super().__init__()
        self.positional, self.base, self.scale = positional, float(base), float(scale)
        d_in, heads, d_k, d_v, d_out = int(d_in), int(heads), int(d_k), int(d_v), int(d_out)
        self.d_k = d_k
        g = lambda *s: nn.Parameter(torch.randn(*s, dtype=torch.float64) / math.sqrt(s[-1]))
        self.Q, self.K = g(heads, d_k, d_in), g(heads, d_k, d_in)
        self.V, self.O = g(heads, d_v, d_in), g(heads, d_v, d_out)

    def forward(self, x):
        r"""
        TESTS::

            sage: # optional - torch
            sage: import torch
            sage: from sage_conslaw.architectures.torch_blocks import RotaryAttentionModule
            sage: m = RotaryAttentionModule(2, 1, 2, 1, 2, positional=None)
            sage: x = torch.randn(1, 3, 2, dtype=torch.float64)
            sage: p = [int(2), int(0), int(1)]; q = [int(1), int(2), int(0)]; bool(torch.allclose(m(x), m(x[:, p])[:, q]))   # no position: permutation equivariant
            True
        """
        L = x.shape[-2]
        if self.positional == "sinusoidal":
            x = x + sinusoidal_encoding(L, x.shape[-1], self.base)
        q = torch.einsum("hki,bli->bhlk", self.Q, x)
        k = torch.einsum("hki,bli->bhlk", self.K, x)
        if self.positional == "rotary":
            angles = rotary_angles(L, self.d_k, self.base)
            q, k = apply_rotary(q, angles), apply_rotary(k, angles)
        v = torch.einsum("hvi,bli->bhlv", self.V, x)
        s = torch.softmax(self.scale * q @ k.transpose(-1, -2), dim=-1)
        return torch.einsum("bhlm,bhmv,hvo->blo", s, v, self.O)
