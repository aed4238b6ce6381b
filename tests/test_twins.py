"""
The numeric twins of attention, multi-head attention, convolution, residual
blocks, sequences of blocks and the ICNN with bias (sage_conslaw/flows/twins.py):
gradients against central finite differences, outputs against the architecture's
own model f(phi(theta), x), and the known laws along train().

The block twins compute their gradients with PyTorch's autograd (the torch
extra): the finite differences and PyTorch's own modules below are the
independent checks of those gradients and outputs.
"""
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import sage_conslaw  # noqa: F401
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ

from sage_conslaw.architectures import (Attention, ConvNetwork, ICNN, LinearNetwork, MultiHeadAttention,
                                        ReLUNetwork, Residual, Sequential, MatrixFactorization, Architecture)
from sage_conslaw.flows import train, make_dataset
from sage_conslaw.flows.models import trainable_architectures, numeric_model
from sage_conslaw.flows.twins import SequenceModel

#: every new twin, by name (sizes small enough for fast tests)
MODELS = {
    "attention": lambda: Attention(2, 2, 2, 2),
    "attention, d_k = 1, d_out = 3": lambda: Attention(3, 1, 2, 3),
    "attention with biases": lambda: Attention(2, 2, 1, 3, bias=True),
    "multi-head": lambda: MultiHeadAttention(3, 2, 2, 1, 2),
    "multi-head, 3 heads, biases": lambda: MultiHeadAttention(2, 3, 1, 2, 2, bias=True),
    "conv": lambda: ConvNetwork(1, 2, 1, 2, 2),
    "conv 2 -> 3 -> 2, biases": lambda: ConvNetwork(2, 3, 2, 3, 2, bias=True),
    "conv, pointwise": lambda: ConvNetwork(2, 2, 1, 1, 1, bias=True),
    "residual attention": lambda: Residual(Attention(2, 1, 1, 2, bias=True)),
    "residual ReLU": lambda: Residual(ReLUNetwork([3, 4, 3], bias=True)),
    "residual pointwise conv": lambda: Residual(ConvNetwork(2, 3, 2, 1, 1, bias=True)),
    "transformer block": lambda: Sequential([Residual(MultiHeadAttention(2, 2, 1, 1, 2)),
                                             Residual(ReLUNetwork([2, 3, 2], bias=True))]),
    "conv then attention then linear": lambda: Sequential([ConvNetwork(1, 2, 2, 2, 1, bias=True),
                                                           Attention(2, 1, 1, 2), LinearNetwork([1, 3, 2])]),
    "merged linear run": lambda: Sequential([LinearNetwork([2, 3]), MatrixFactorization(3, 2, 2)]),
    "ICNN with bias": lambda: ICNN(2, 3, 2, bias=True),
}


def _data(m, N, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, m.input_dim)), rng.standard_normal((N, m.output_dim))


def _fd_gradient(f, x, h=1e-5):
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _rel(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_gradient_against_finite_differences(name):
    arch = MODELS[name]()
    m = numeric_model(arch)
    worst = 0.0
    for seed in range(3):
        X, Y = _data(m, 5, seed)
        theta = np.random.default_rng(100 + seed).standard_normal(m.D)
        for loss in ("square", "logistic"):
            Yl = Y if loss == "square" else np.where(Y > 0, 1.0, -1.0)
            L, g = m.loss_and_grad(theta, X, Yl, loss)
            fd = _fd_gradient(lambda t: m.loss_and_grad(t, X, Yl, loss)[0], theta)
            worst = max(worst, _rel(g, fd))
    assert worst < 1e-6, worst


@pytest.mark.parametrize("name", sorted(MODELS))
def test_input_gradient_against_finite_differences(name):
    m = numeric_model(MODELS[name]())
    X, G = _data(m, 3, 7)
    theta = np.random.default_rng(8).standard_normal(m.D)
    if isinstance(m, SequenceModel):
        dX = m.input_gradient(theta, X, G)
    else:       # a layered twin: the input gradient its token-wise use backpropagates
        _, hs, pre = m._forward(theta, X)
        dX = m._backward(theta, hs, pre, G, input_grad=True)[1]
    fd = _fd_gradient(lambda x: float(np.sum(G * m.forward(theta, x.reshape(X.shape)))), X.ravel())
    assert _rel(dX.ravel(), fd) < 1e-6


@pytest.mark.parametrize("shape", [(2, 1, 1, 2, False), (3, 2, 2, 1, True), (2, 2, 3, 3, True)])
@pytest.mark.parametrize("heads", [1, 2])
def test_attention_twin_is_the_architectures_output(shape, heads):
    d_in, d_k, d_v, d_out, bias = shape
    arch = MultiHeadAttention(d_in, heads, d_k, d_v, d_out, bias=bias)
    for length, scale in ((1, 1.0), (4, 1.0), (3, 0.5)):
        m = arch.numeric_model(length=length, scale=scale)
        X, _ = _data(m, 4, length)
        theta = np.random.default_rng(length).standard_normal(m.D)
        out = m.forward(theta, X)
        for n in range(X.shape[0]):
            ref = _attention_oracle(arch, theta, X[n].reshape(length, d_in), scale)
            assert np.allclose(out[n].reshape(length, d_out), ref, rtol=1e-12, atol=1e-12)
            assert np.allclose(arch.output(theta, X[n].reshape(length, d_in), scale=scale), ref,
                               rtol=1e-12, atol=1e-12)


def _attention_oracle(arch, theta, X, scale):
    """The attention layer token by token, head by head, from the named matrices (plain loops)."""
    M = {name: np.array([[float(v) for v in row] for row in A.rows()]) for name, A in
         arch.unflatten([float(t) for t in theta]).items()}
    L = X.shape[0]
    out = np.zeros((L, arch.d_out))
    for s in arch._suffixes():
        for t in range(L):
            q = M["Q" + s] @ X[t] + (M["bq" + s][:, 0] if arch.bias else 0)
            scores, values = [], []
            for u in range(L):
                k = M["K" + s] @ X[u] + (M["bk" + s][:, 0] if arch.bias else 0)
                scores.append(scale * float(q @ k))
                values.append(M["V" + s] @ X[u] + (M["bv" + s][:, 0] if arch.bias else 0))
            w = np.exp(np.array(scores) - max(scores))
            w /= w.sum()
            out[t] += sum(wu * vu for wu, vu in zip(w, values)) @ M["O" + s]
    if arch.bias:
        out += M["bo"][:, 0]
    return out


def _attention_same_phi(arch, theta, rng):
    """Another point with the same phi: Q~ -> A Q~, K -> A^{-T} K, V~ -> B V~, O -> B^{-T} O, b_k anything."""
    M = {P.name: theta[P.slice].reshape(P.shape).copy() for P in arch.layout()}
    for s in arch._suffixes():
        A = rng.standard_normal((arch.d_k, arch.d_k)) + 3 * np.eye(arch.d_k)
        B = rng.standard_normal((arch.d_v, arch.d_v)) + 3 * np.eye(arch.d_v)
        M["Q" + s], M["K" + s] = A @ M["Q" + s], np.linalg.inv(A).T @ M["K" + s]
        M["V" + s], M["O" + s] = B @ M["V" + s], np.linalg.inv(B).T @ M["O" + s]
        if arch.bias:
            M["bq" + s], M["bv" + s] = A @ M["bq" + s], B @ M["bv" + s]
            M["bk" + s] = rng.standard_normal(M["bk" + s].shape)
    return np.concatenate([M[P.name].ravel() for P in arch.layout()])


@pytest.mark.parametrize("arch", [Attention(2, 2, 2, 2), Attention(3, 2, 1, 2, bias=True),
                                  MultiHeadAttention(2, 2, 2, 2, 3, bias=True)], ids=repr)
def test_attention_depends_on_theta_through_phi_only(arch):
    m = arch.numeric_model(length=3)
    rng = np.random.default_rng(1)
    for _ in range(3):
        theta = rng.standard_normal(m.D)
        other = _attention_same_phi(arch, theta, rng)
        assert not np.allclose(theta, other)
        assert np.allclose(m.phi(theta), m.phi(other), rtol=1e-10, atol=1e-10)
        X, _ = _data(m, 6, 2)
        assert np.allclose(m.forward(theta, X), m.forward(other, X), rtol=1e-9, atol=1e-10)
        # and a point with another phi changes the output
        moved = theta.copy()
        moved[0] += 0.5
        assert not np.allclose(m.forward(theta, X), m.forward(moved, X))


@pytest.mark.parametrize("sizes", [(1, 2, 1, 2, 2, False), (2, 3, 2, 2, 3, True), (2, 2, 1, 1, 2, True)])
def test_conv_twin_is_f_of_phi(sizes):
    """The twin's output is the linear function of phi of the architecture (exact rows, exact phi)."""
    arch = ConvNetwork(*sizes[:5], bias=sizes[5])
    m = arch.numeric_model()
    rng = np.random.default_rng(3)
    theta = [QQ(int(v)) for v in rng.integers(-3, 4, size=arch.D)]
    phi = [float(c(*theta)) for c in arch.components()]
    M = arch.unflatten(theta)
    for _ in range(4):
        x = matrix(QQ, arch.in_channels, m.length, [int(v) for v in rng.integers(-9, 10, size=m.input_dim)])
        pre = arch._pre_activations(M, x)
        if any(v == 0 for v in pre.list()):
            continue
        rows = np.array(arch._output_rows_in_phi(pre, x), dtype=float)     # rows (t, o)
        expected = (rows @ np.array(phi)).reshape(m.out_length, arch.out_channels).T.ravel()
        got = m.forward(np.array(theta, dtype=float), np.array(x.list(), dtype=float)[None])[0]
        assert np.allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_conv_rescaling_a_channel_keeps_phi_and_output():
    arch = ConvNetwork(2, 3, 2, 2, 2, bias=True)
    m = arch.numeric_model()
    rng = np.random.default_rng(4)
    theta = rng.standard_normal(m.D)
    M = {P.name: theta[P.slice].reshape(P.shape).copy() for P in arch.layout()}
    lam = np.array([0.5, 2.0, 3.0])
    M["W1"] *= lam[:, None]
    M["b1"] *= lam[:, None]
    M["W2"] /= np.repeat(lam, arch.kernel2)[None, :]
    other = np.concatenate([M[P.name].ravel() for P in arch.layout()])
    X, _ = _data(m, 5, 5)
    assert np.allclose(m.phi(theta), m.phi(other))
    assert np.allclose(m.forward(theta, X), m.forward(other, X))


def test_residual_and_sequential_compose_the_blocks_twins():
    att, relu = Attention(2, 1, 1, 2), ReLUNetwork([2, 3, 2], bias=True)
    net = Sequential([Residual(att), Residual(relu)])
    m = net.numeric_model(length=3)
    rng = np.random.default_rng(5)
    theta = rng.standard_normal(m.D)
    X = rng.standard_normal((4, 6))
    ma, mr = att.numeric_model(length=3), relu.numeric_model()
    Z = X + ma.forward(theta[:att.D], X)
    Z = Z.reshape(4 * 3, 2)
    Z = Z + mr.forward(theta[att.D:], Z)
    assert np.allclose(m.forward(theta, X), Z.reshape(4, 6))
    # a residual block has the laws of its block, in the same ring
    assert Residual(att).known_conservation_laws() == att.known_conservation_laws()


def test_twin_errors_name_what_is_missing():
    with pytest.raises(ValueError, match="a residual block x \\+ g\\(x\\) needs outputs of the shape"):
        Residual(ConvNetwork(1, 2, 1, 2, 2)).numeric_model()
    odd = Architecture([("a", (1, 1))], lambda M: [M["a"][0, 0]])
    with pytest.raises(TypeError, match="block L2 of the sequence: .* has no numeric twin"):
        Sequential([ReLUNetwork([1, 2, 1]), odd], check_dimensions=False).numeric_model()
    with pytest.raises(TypeError, match="has no numeric twin"):
        train(Residual(odd))
    m = Attention(2, 1, 1, 2).numeric_model(length=3)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 6\) for this model"):
        train(m, np.zeros((5, 4)), np.zeros((5, 6)))
    with pytest.raises(ValueError, match="too short"):
        ConvNetwork(1, 1, 1, 3, 3).numeric_model(length=3)
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        Attention(2, 1, 1, 2).numeric_model(length=0)


def test_trainable_architectures_lists_the_new_twins():
    names = trainable_architectures()
    for name in ("Attention", "MultiHeadAttention", "ConvNetwork", "Residual", "Sequential", "ICNN"):
        assert name in names


def _non_law(arch):
    """The squared norm of the first weight matrix: not conserved."""
    P = arch.layout().weights()[0] if arch.layout().weights() else list(arch.layout())[0]
    return sum(v ** 2 for v in arch.parameters()[P.name].list())


LAW_MODELS = ["attention", "attention with biases", "multi-head, 3 heads, biases", "conv 2 -> 3 -> 2, biases",
              "residual attention", "transformer block", "conv then attention then linear", "ICNN with bias"]


@pytest.mark.parametrize("name", LAW_MODELS)
def test_known_laws_constant_along_the_flow(name):
    arch = MODELS[name]()
    laws = arch.known_conservation_laws()
    assert laws
    # the ICNN's laws are those of the mirror flow on U (its generators are M grad phi)
    method = "mirror" if isinstance(arch, ICNN) else "flow"
    traj = train(arch, method=method, horizon=0.5, records=20, laws=[_non_law(arch)], N=30)
    drift = traj.drift()
    law_drift, other = drift[:len(laws)].max(), drift[len(laws)]
    assert other > 1e-3, other
    assert law_drift < 1e-7 * max(1.0, np.abs(traj.laws[0, :len(laws)]).max()), law_drift
    assert traj.loss[-1] < traj.loss[0]


@pytest.mark.parametrize("name", [n for n in LAW_MODELS if "ICNN" not in n])
def test_known_laws_drift_at_first_order_in_the_gd_step(name):
    """At a fixed horizon, GD moves the laws by O(eta) and a non-law by O(1)."""
    arch = MODELS[name]()
    n = len(arch.known_conservation_laws())
    drifts = []
    for eta in (2e-3, 1e-3):
        traj = train(arch, method="gd", eta=eta, horizon=0.3, records=5, laws=[_non_law(arch)], N=30)
        drifts.append(traj.drift())
    (law2, other2), (law1, other1) = [(d[:n].max(), d[n]) for d in drifts]
    assert law1 < 0.1 * other1, (law1, other1)
    assert 0.4 < law1 / law2 < 0.6, law1 / law2
    assert 0.8 < other1 / other2 < 1.25


def test_train_defaults_on_the_blocks():
    """train(Attention(2, 2, 2, 2), steps=...) works without data or start: synthetic sequences."""
    traj = train(Attention(2, 2, 2, 2))
    assert traj.loss[-1] < traj.loss[0]
    assert traj.relative_drift().max() < 1e-8
    traj = train(Attention(2, 2, 2, 2), method="gd", eta=0.05, steps=50)
    assert traj.loss[-1] < traj.loss[0]
    assert traj.relative_drift().max() < 0.1
    X, Y = make_dataset(ConvNetwork(2, 2, 1, 2, 2), 7)
    assert X.shape == (7, 2 * 6) and Y.shape == (7, 4)
    t = train(ConvNetwork(1, 2, 1, 2, 2), method="sgd", eta=0.01, steps=20, batch_size=5, seed=2)
    assert len(t.times) == 21
    # one array per sample: (N, C_in, T) signals as PyTorch's Conv1d, (N, L, d_in) tokens
    net = ConvNetwork(2, 2, 1, 2, 2)
    X, Y = make_dataset(net, 9, seed=3)
    t2 = train(net, X.reshape(9, 2, 6), Y.reshape(9, 1, 4), method="gd", eta=0.01, steps=5)
    t1 = train(net, X, Y, method="gd", eta=0.01, steps=5)
    assert np.array_equal(t1.thetas, t2.thetas)
    m = Attention(2, 1, 1, 3).numeric_model(length=4)
    assert m.input_shape == (4, 2) and m.output_shape == (4, 3)
    with pytest.raises(ValueError, match=r"X must have shape \(N, input dim\) or \(-1, 4, 2\)"):
        train(m, np.zeros((5, 2, 4)), np.zeros((5, 12)))


# ---------------------------------------------------------------------------
# the conventions against PyTorch (optional extra): from_torch's model, its twin, the module's outputs
# ---------------------------------------------------------------------------

def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@pytest.mark.parametrize("E,H,bias", [(2, 1, False), (4, 2, True), (6, 3, True)])
def test_attention_twin_matches_pytorch(E, H, bias):
    torch = _torch()
    from sage_conslaw.torch import from_torch
    torch.manual_seed(E)
    mha = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=True).double()
    if bias:
        with torch.no_grad():
            mha.in_proj_bias.normal_()
            mha.out_proj.bias.normal_()
    tm = from_torch(mha)
    m = tm.model.numeric_model(length=5, scale="1/sqrt(d_k)")
    X = torch.randn(3, 5, E, dtype=torch.float64)
    expected = mha(X, X, X, need_weights=False)[0].detach().numpy().reshape(3, -1)
    assert np.allclose(m.forward(tm.theta(), X.numpy().reshape(3, -1)), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c_in,c_h,c_out,k1,k2,bias", [(1, 2, 1, 3, 2, True), (2, 3, 2, 2, 2, False)])
def test_conv_twin_matches_pytorch(c_in, c_h, c_out, k1, k2, bias):
    torch = _torch()
    from sage_conslaw.torch import from_torch
    torch.manual_seed(c_h)
    net = torch.nn.Sequential(torch.nn.Conv1d(c_in, c_h, k1, bias=bias), torch.nn.ReLU(),
                              torch.nn.Conv1d(c_h, c_out, k2, bias=bias)).double()
    tm = from_torch(net)
    m = tm.model.numeric_model(length=9)
    x = torch.randn(4, c_in, 9, dtype=torch.float64)
    expected = net(x).detach().numpy().reshape(4, -1)
    assert np.allclose(m.forward(tm.theta(), x.numpy().reshape(4, -1)), expected, rtol=1e-12, atol=1e-12)


def test_composite_twin_matches_pytorch_and_trains():
    torch = _torch()
    from sage_conslaw.torch import from_torch, Residual as TorchResidual, SelfAttention
    torch.manual_seed(3)
    net = torch.nn.Sequential(TorchResidual(SelfAttention(4, 2, bias=True)), torch.nn.Flatten(),
                              torch.nn.Linear(12, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)).double()
    tm = from_torch(net)
    m = tm.model.numeric_model(length=3, scale="1/sqrt(d_k)")
    x = torch.randn(6, 3, 4, dtype=torch.float64)
    theta = tm.theta()
    assert np.allclose(m.forward(theta, x.numpy().reshape(6, -1)), net(x).detach().numpy(), rtol=1e-12, atol=1e-12)
    # the gradient of the package's loss is PyTorch's autograd gradient, coordinate by coordinate
    y = torch.randn(6, 3, dtype=torch.float64)
    loss = 0.5 * ((net(x) - y) ** 2).sum() / 6
    loss.backward()
    params = dict(net.named_parameters())
    auto = np.array([params[p].grad[idx].item() for _, _, p, idx in tm.entries()])
    L, g = m.loss_and_grad(theta, x.numpy().reshape(6, -1), y.numpy())
    assert np.isclose(L, loss.item()) and np.allclose(g, auto, rtol=1e-10, atol=1e-12)
    # and the laws hold along the package's own gradient flow of that network
    traj = train(m, x.numpy().reshape(6, -1), y.numpy(), method="flow", horizon=0.3, records=5, theta0=theta)
    assert traj.relative_drift().max() < 1e-8


@pytest.mark.parametrize("method,options", [("sgd", dict(eta=0.01, steps=10)), ("momentum", dict(eta=0.01, steps=10)),
                                            ("heavy_ball", dict(horizon=0.1, friction=1.0)),
                                            ("nesterov", dict(horizon=0.1)), ("mirror", dict(horizon=0.1)),
                                            ("weight_decay", dict(horizon=0.1, rate=0.1))])
def test_every_method_trains_a_sequence_twin(method, options):
    net = Sequential([Residual(Attention(2, 1, 1, 2, bias=True)), ConvNetwork(2, 2, 1, 1, 1, bias=True)])
    traj = train(net, method=method, records=4, N=10, **options)
    assert np.all(np.isfinite(traj.loss)) and traj.laws.shape[1] >= len(net.known_conservation_laws())


def test_block_twins_need_torch_and_say_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)      # as if the torch extra were not installed
    for arch in (Attention(2, 1, 1, 2), ConvNetwork(1, 2, 1, 2, 2), Residual(ReLUNetwork([2, 3, 2])),
                 Sequential([LinearNetwork([2, 3]), LinearNetwork([3, 2])])):
        with pytest.raises(ImportError, match="needs PyTorch \\(the torch extra"):
            arch.numeric_model()
        with pytest.raises(ImportError, match="needs PyTorch"):
            train(arch, method="gd", steps=2)


def test_the_papers_networks_train_without_torch():
    """Linear and ReLU networks, matrix factorization, NMF, ICNN: the numpy path, torch never imported."""
    code = ("import sys; sys.modules['torch'] = None\n"
            "from sage_conslaw.architectures import LinearNetwork, ReLUNetwork, MatrixFactorization, NMF, ICNN\n"
            "from sage_conslaw.flows import train\n"
            "for net in (LinearNetwork([2, 3, 2]), ReLUNetwork([2, 3, 2]), MatrixFactorization(2, 2, 1)):\n"
            "    assert train(net, method='flow', horizon=0.2).drift().max() < 1e-8\n"
            "for net in (NMF(2, 1, 2), ICNN(1, 2, 1)):\n"
            "    train(net, method='mirror', horizon=0.1)\n"
            "try:\n"
            "    train(__import__('sage_conslaw').Attention(2, 1, 1, 2))\n"
            "except ImportError as e:\n"
            "    print('refused:', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "refused: the numeric twin of a sequence block" in r.stdout and "needs PyTorch" in r.stdout
