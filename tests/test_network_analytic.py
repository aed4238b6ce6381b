"""
from_torch on torch's own analytic layers (GELU, SiLU, Tanh, Sigmoid, Softplus, LayerNorm, RMSNorm, their
functional forms) and on hand-written modules of elementary ops traced by torch.fx (an RMSNorm written with
``rsqrt``, a SwiGLU module): the certified count of the network (ball arithmetic, ``network/balls.py``) agrees
with the independent autograd oracle (``tests/torch_oracle.py``) at the module's own weights, and every declared
law (rescalings and translations of the graph) is annihilated by the network's gradients.

PyTorch 2.13's fused ``layer_norm`` gives wrong third derivatives (second-level brackets of the oracle), so the
oracle differentiates the same function written with elementary ops (:class:`PrimitiveNorm`, same parameters).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from torch_oracle import numeric_lie_trace  # noqa: E402

from sage_conslaw.network.symmetries import scaling_laws, translation_laws  # noqa: E402
from sage_conslaw.torch import from_torch  # noqa: E402


class PrimitiveNorm(nn.Module):
    """LayerNorm / RMSNorm with elementary ops, sharing the parameters of ``norm`` (the oracle's twin)."""

    def __init__(self, norm):
        super().__init__()
        self.layer = isinstance(norm, nn.LayerNorm)
        self.eps = norm.eps if norm.eps is not None else torch.finfo(torch.get_default_dtype()).eps
        self.weight = norm.weight
        self.bias = norm.bias if self.layer else None

    def forward(self, z):
        if self.layer:
            z = z - z.mean(-1, keepdim=True)
        out = z / torch.sqrt((z * z).mean(-1, keepdim=True) + self.eps)
        if self.weight is not None:
            out = out * self.weight
        if self.bias is not None:
            out = out + self.bias
        return out


def primitive(module):
    """``module`` with its LayerNorm/RMSNorm submodules (and F.layer_norm/F.rms_norm) in elementary ops."""
    module.elementary = True
    for name, child in list(module.named_children()):
        if isinstance(child, (nn.LayerNorm, nn.RMSNorm)):
            setattr(module, name, PrimitiveNorm(child))
        else:
            primitive(child)
    return module


class HandRMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.eps = eps
        self.w = nn.Parameter(torch.rand(n) + 0.5)

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


class SwiGLU(nn.Module):
    def __init__(self, d, h, bias=False):
        super().__init__()
        self.w1, self.w2, self.w3 = nn.Linear(d, h, bias=bias), nn.Linear(d, h, bias=bias), nn.Linear(h, d, bias=bias)

    def forward(self, x):
        return self.w3(F.silu(self.w1(x)) * self.w2(x))


class Functional(nn.Module):
    """F.gelu, torch.tanh, torch.sigmoid, F.softplus, F.layer_norm, F.rms_norm between Linear maps."""

    def __init__(self, which):
        super().__init__()
        self.which = which
        self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 2)
        if which in ('layer_norm', 'rms_norm'):
            self.g = nn.Parameter(torch.rand(3) + 0.5)

    def forward(self, x):
        z = self.a(x)
        if self.which == 'gelu':
            z = F.gelu(z)
        elif self.which == 'tanh':
            z = torch.tanh(z)
        elif self.which == 'sigmoid':
            z = torch.sigmoid(z)
        elif self.which == 'softplus':
            z = F.softplus(z)
        elif getattr(self, 'elementary', False):         # the oracle's twin: the same function, elementary ops
            if self.which == 'layer_norm':
                z = z - z.mean(-1, keepdim=True)
            z = z / torch.sqrt((z * z).mean(-1, keepdim=True) + (0.0 if self.which == 'layer_norm' else 1e-6)) * self.g
        elif self.which == 'layer_norm':
            z = F.layer_norm(z, (3,), weight=self.g, eps=0.0)
        else:
            z = F.rms_norm(z, (3,), weight=self.g, eps=1e-6)
        return self.b(z)


class ResidualRMS(nn.Module):
    """x -> Linear(x + W2 silu(W1 RMSNorm(x)))."""

    def __init__(self, d=3, h=4, eps=1e-6, out=2):
        super().__init__()
        self.norm = nn.RMSNorm(d, eps=eps)
        self.up, self.down = nn.Linear(d, h), nn.Linear(h, d)
        self.head = nn.Linear(d, out)

    def forward(self, x):
        return self.head(x + self.down(F.silu(self.up(self.norm(x)))))


def cases():
    torch.manual_seed(0)
    return [
        ("Linear-GELU-Linear", nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2)), 3),
        ("Linear-GELU(tanh)-Linear", nn.Sequential(nn.Linear(2, 3), nn.GELU('tanh'), nn.Linear(3, 2)), 2),
        ("Linear-SiLU-Linear", nn.Sequential(nn.Linear(3, 4), nn.SiLU(), nn.Linear(4, 2)), 3),
        ("Linear-Tanh-Sigmoid", nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2), nn.Sigmoid()), 2),
        ("Linear-Softplus-Linear", nn.Sequential(nn.Linear(2, 3), nn.Softplus(), nn.Linear(3, 1)), 2),
        ("LN eps=0 affine", nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3, eps=0.0), nn.Linear(3, 2)), 2),
        ("LN eps=1e-5 affine", nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3), nn.Linear(3, 2)), 2),
        ("LN eps=0 no affine", nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3, eps=0.0, elementwise_affine=False),
                                             nn.Linear(3, 2)), 2),
        ("LN eps=1e-5 no affine", nn.Sequential(nn.Linear(4, 3), nn.LayerNorm(3, elementwise_affine=False),
                                                nn.Linear(3, 2)), 4),
        ("LN no bias", nn.Sequential(nn.Linear(2, 3, bias=False), nn.LayerNorm(3, eps=0.0, bias=False),
                                     nn.Linear(3, 2, bias=False)), 2),
        ("RMSNorm eps=0", nn.Sequential(nn.Linear(2, 3), nn.RMSNorm(3, eps=0.0), nn.Linear(3, 2)), 2),
        ("RMSNorm default eps", nn.Sequential(nn.Linear(2, 3), nn.RMSNorm(3), nn.Linear(3, 2)), 2),
        ("RMSNorm no affine", nn.Sequential(nn.Linear(2, 3), nn.RMSNorm(3, eps=0.0, elementwise_affine=False),
                                            nn.Linear(3, 2)), 2),
        ("hand RMSNorm eps=0", nn.Sequential(nn.Linear(2, 3), HandRMSNorm(3, 0.0), nn.Linear(3, 2)), 2),
        ("hand RMSNorm eps=1e-6", nn.Sequential(nn.Linear(2, 3), HandRMSNorm(3, 1e-6), nn.Linear(3, 2)), 2),
        ("SwiGLU module", SwiGLU(2, 3), 2),
        ("SwiGLU module with biases", SwiGLU(2, 2, bias=True), 2),
        ("F.gelu", Functional('gelu'), 3),
        ("torch.tanh", Functional('tanh'), 3),
        ("torch.sigmoid", Functional('sigmoid'), 3),
        ("F.softplus", Functional('softplus'), 3),
        ("F.layer_norm eps=0", Functional('layer_norm'), 3),
        ("F.rms_norm", Functional('rms_norm'), 3),
        ("residual RMSNorm block", ResidualRMS(), 3),
        ("residual RMSNorm block eps=0", ResidualRMS(eps=0.0), 3),
    ]


CASES = cases()


@pytest.mark.parametrize("name,module,d_in", CASES, ids=[c[0] for c in CASES])
def test_certified_count_agrees_with_autograd_oracle(name, module, d_in):
    module = module.double()
    tm = from_torch(module, input_shape=(d_in,))
    res = tm.model.lie_trace(point=tm.exact_theta())
    assert res.certified, (name, res.reason)
    assert res.certificate.scope == 'network'
    # the known laws (rescalings and translations; LawMonitor watches them) are all the laws here
    assert len(tm.model.known_conservation_laws()) == res.number_of_laws
    import copy
    twin = primitive(copy.deepcopy(module))
    oracle = numeric_lie_trace(twin, (d_in,), depth=2, seed=1)
    assert oracle['D'] == res.D
    assert oracle['gap'] > 1e3, (name, oracle)
    assert res.number_of_laws == oracle['laws'], (name, res.number_of_laws, oracle, res.reason)


@pytest.mark.parametrize("name,module,d_in", CASES, ids=[c[0] for c in CASES])
def test_declared_laws_annihilated_by_network_gradients(name, module, d_in):
    """<grad g(theta, x), X(theta)> = 0 for every declared law (rescaling: X = diag(s) theta; translation: c)."""
    module = module.double()
    tm = from_torch(module, input_shape=(d_in,))
    net = tm.model.network
    laws = [(s, True) for s in scaling_laws(net)] + [(c, False) for c in translation_laws(net)]
    named = dict(module.named_parameters())
    layout = net.layout()                       # (variable, parameter name, index) in the order of theta
    params = [named[p] for p in dict.fromkeys(pn for _, pn, _ in layout)]
    theta = torch.tensor([float(named[pn].detach()[idx]) for _, pn, idx in layout], dtype=torch.float64)
    X = torch.randn(30, d_in, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    out = module(X).reshape(-1)
    for k in range(len(out)):
        gs = dict(zip([n for n in dict.fromkeys(pn for _, pn, _ in layout)],
                      torch.autograd.grad(out[k], params, retain_graph=True, allow_unused=True)))
        g = torch.tensor([0.0 if gs[pn] is None else float(gs[pn][idx]) for _, pn, idx in layout],
                         dtype=torch.float64)
        for c, scaling in laws:
            v = torch.tensor(np.asarray(c, dtype=float), dtype=torch.float64)
            direction = v * theta if scaling else v
            assert abs(float(g @ direction)) < 1e-9 * (1 + float(g.norm() * direction.norm())), name


def test_eps_removes_exactly_the_scale_law():
    torch.manual_seed(1)
    counts = {}
    for eps in (0.0, 1e-5):
        m = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4, eps=eps), nn.Linear(4, 2)).double()
        tm = from_torch(m)
        res = tm.model.lie_trace(point=tm.exact_theta())
        assert res.certified
        counts[eps] = res.number_of_laws
    # 4 gain/shift laws, 3 + 1 translations (columns of W1, sum of b1), + the scale law with eps = 0
    assert counts == {0.0: 9, 1e-5: 8}


def test_law_monitor_watches_the_translation_laws():
    """LayerNorm's column-sum laws are watched by LawMonitor and stay put along SGD (gradient flow)."""
    from sage_conslaw.torch.monitor import LawMonitor
    torch.manual_seed(4)
    net = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2)).double()
    tm = from_torch(net)
    mon = LawMonitor(tm)
    assert len(mon.laws) == 8
    before = np.array(mon.evaluate(), dtype=float)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    X, Y = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 2, dtype=torch.float64)
    for _ in range(20):
        loss = ((net(X) - Y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = np.array(mon.evaluate(), dtype=float)
    linear = [k for k, h in enumerate(mon.laws) if h.degree() == 1]
    assert len(linear) == 4
    assert np.abs(after[linear] - before[linear]).max() < 1e-12          # exactly conserved by any step
    assert np.abs(after - before).max() < 1e-3                           # the quadratic ones: O(lr^2)


def test_analytic_counts_are_not_claimed_without_proof():
    """A network whose fields the ball rank cannot separate (too few samples) is bounded, not certified."""
    torch.manual_seed(2)
    m = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2)).double()
    tm = from_torch(m)
    res = tm.model.lie_trace(point=tm.exact_theta(), samples=1, max_steps=0)
    assert not res.certified
    assert "between 0 and" in res.reason and "may have more" in res.reason
