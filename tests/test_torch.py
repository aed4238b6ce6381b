"""PyTorch side (the optional extra ``torch``): from_torch round trips, the
module's outputs against the package's parametrization, LawMonitor under
SGD, SGD with momentum and Adam, and clear errors for unmappable layers."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

# tiny networks: one thread is ~30 times faster than contending for a loaded machine's cores
torch.set_num_threads(1)

import sage_conslaw  # noqa: E402,F401
from sage_conslaw.torch import from_torch, LawMonitor, SelfAttention, Residual, plot_drift  # noqa: E402


def as_array(A):
    """A Sage matrix as a float numpy array."""
    return np.array([float(x) for x in A.list()]).reshape(A.dimensions())


def relu_net(dims_forward, bias):
    layers = []
    for a, b in zip(dims_forward, dims_forward[1:]):
        layers += [nn.Linear(a, b, bias=bias), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


@pytest.mark.parametrize("dims,bias", [([3, 4, 2], True), ([3, 4, 2], False), ([2, 3, 3, 1], True),
                                       ([1, 2, 1], False), ([4, 1], True)])
def test_relu_round_trip_and_outputs(dims, bias):
    torch.manual_seed(len(dims))
    net = relu_net(dims, bias)
    tm = from_torch(net)
    model = tm.model
    assert model.D == sum(p.numel() for p in net.parameters())
    assert model.dims == list(reversed(dims))
    theta = tm.theta()
    M = model.unflatten(theta)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    for i, L in enumerate(reversed(linears), start=1):        # U_1 is the last layer, same orientation
        assert np.allclose(as_array(M["U%s" % i]), L.weight.detach().numpy())
    # the module computes the package's ReLU network at this theta
    X = torch.randn(7, dims[0])
    twin = model.numeric_model()
    assert np.allclose(twin.forward(theta, X.numpy().astype(float)), net(X).detach().numpy(), atol=1e-5)
    # round trip
    new = np.random.default_rng(0).normal(size=model.D)
    tm.load(new)
    assert np.allclose(tm.theta(), new, atol=1e-6)


@pytest.mark.parametrize("E,H,bias", [(2, 1, False), (4, 2, False), (4, 2, True), (6, 3, True), (3, 1, True)])
def test_attention_round_trip_and_outputs(E, H, bias):
    torch.manual_seed(E + H)
    mha = nn.MultiheadAttention(E, H, bias=bias, batch_first=True)
    if bias:
        with torch.no_grad():
            mha.in_proj_bias.normal_()
            mha.out_proj.bias.normal_()
    tm = from_torch(mha)
    model = tm.model
    d = E // H
    assert (model.d_in, model.heads, model.d_k, model.d_v, model.d_out) == (E, H, d, d, E)
    theta = tm.theta()
    M = model.unflatten(theta)
    Wq = mha.in_proj_weight.detach().numpy()[:E]
    Wo = mha.out_proj.weight.detach().numpy()
    s = "" if H == 1 else "1"
    assert np.allclose(as_array(M["Q" + s]), Wq[:d])                 # same orientation
    assert np.allclose(as_array(M["O" + s]), Wo[:, :d].T)            # transposed
    X = torch.randn(1, 5, E)
    expected = mha(X, X, X, need_weights=False)[0].detach().numpy()[0]
    assert np.allclose(model.output(theta, X.numpy()[0], scale=1 / math.sqrt(d)), expected, atol=1e-5)
    # the wrapper module maps to the same model, with the parameter names of the wrapper
    wrapped = SelfAttention(E, H, bias=bias)
    tw = from_torch(nn.Sequential(wrapped))
    assert tw.model.D == model.D and tw.entries()[0][2] == "0.attention.in_proj_weight"


def conv_forward(model, theta, x):
    M = {k: as_array(v) for k, v in model.unflatten(theta).items()}
    C_in, C_h, C_out = model.in_channels, model.hidden_channels, model.out_channels
    K1, K2 = model.kernel1, model.kernel2
    w1, w2 = M["W1"].reshape(C_h, C_in, K1), M["W2"].reshape(C_out, C_h, K2)

    def conv(x, w, b):
        T = x.shape[1] - w.shape[2] + 1
        return np.array([[(w[o] * x[:, t:t + w.shape[2]]).sum() + (b[o] if b is not None else 0)
                          for t in range(T)] for o in range(w.shape[0])])
    b1 = M["b1"][:, 0] if model.bias else None
    b2 = M["b2"][:, 0] if model.bias else None
    return conv(np.maximum(conv(x, w1, b1), 0), w2, b2)


@pytest.mark.parametrize("c_in,c_h,c_out,k1,k2,bias", [(1, 2, 1, 3, 2, True), (2, 3, 2, 2, 2, False),
                                                       (3, 1, 2, 1, 3, True)])
def test_conv_round_trip_and_outputs(c_in, c_h, c_out, k1, k2, bias):
    torch.manual_seed(c_h)
    net = nn.Sequential(nn.Conv1d(c_in, c_h, k1, bias=bias), nn.ReLU(), nn.Conv1d(c_h, c_out, k2, bias=bias))
    tm = from_torch(net)
    theta = tm.theta()
    x = torch.randn(1, c_in, 10)
    assert np.allclose(conv_forward(tm.model, theta, x.numpy()[0]), net(x).detach().numpy()[0], atol=1e-5)
    assert tm.model.number_of_conservation_laws() == c_h


def test_composite_network_and_exact_theta():
    torch.manual_seed(3)
    net = nn.Sequential(Residual(SelfAttention(4, 2)), nn.Flatten(), nn.Dropout(0.0),
                        nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 3))
    tm = from_torch(net)
    assert tm.unused_parameters() == []
    assert [name for name in tm.model.blocks()] == ["L0", "L3"]
    assert tm.model.D == sum(p.numel() for p in net.parameters())
    ex = tm.exact_theta()
    assert np.allclose(np.array(ex, dtype=float), tm.theta(), rtol=0, atol=0)
    # the monitor evaluates exactly what the polynomial laws give
    mon = LawMonitor(tm)
    exact = [float(h(*ex)) for h in mon.laws]
    assert np.allclose(mon.evaluate(), exact, rtol=1e-12, atol=1e-12)
    res = tm.model.lie_trace()
    assert res.certified and res.number_of_laws == 2 * (3 + 3) + 5      # two heads of two MF(4, 4, 2), 5 neurons


@pytest.mark.parametrize("layers,message", [
    ([nn.Linear(2, 2), nn.Softmax(dim=1)], "fx node _1 (call_module Softmax)"),
    ([nn.Linear(2, 2), nn.LSTM(2, 2)], "fx node _1 (call_module LSTM)"),
    ([nn.MultiheadAttention(4, 2, kdim=2, vdim=2)], "kdim or vdim"),
    ([nn.Conv1d(2, 2, 1, groups=2), nn.ReLU(), nn.Conv1d(2, 2, 1)], "only groups = 1"),
    ([nn.ReLU()], "cannot guess the input shape"),
])
def test_unmappable_layers(layers, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_torch(nn.Sequential(*layers))


@pytest.mark.parametrize("layers", [
    [nn.Conv1d(1, 2, 3)],
    [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False)],
    [nn.Linear(2, 3), nn.Linear(3, 1)],
])
def test_layers_the_block_reader_refused_are_counted(layers):
    """what the block reader refused, the graph reads and certifies"""
    torch.manual_seed(0)
    res = from_torch(nn.Sequential(*layers)).model.lie_trace()
    assert res.certified


def test_not_a_module():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        from_torch([nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="GRU"):
        from_torch(nn.GRU(2, 2))
    with pytest.raises(TypeError, match="TorchMap"):
        LawMonitor("net")


def train(optimizer_factory, steps=150, seed=0):
    torch.manual_seed(seed)
    net = relu_net([3, 6, 2], bias=True)
    X, Y = torch.randn(32, 3), torch.randn(32, 2)
    opt = optimizer_factory(net.parameters())
    mon = LawMonitor(net)
    mon.attach(opt)
    for _ in range(steps):                               # an ordinary loop, unchanged
        opt.zero_grad()
        ((net(X) - Y) ** 2).mean().backward()
        opt.step()
    return mon


def test_monitor_sgd_momentum_adam():
    sgd = train(lambda p: torch.optim.SGD(p, lr=1e-4))
    sgd_big = train(lambda p: torch.optim.SGD(p, lr=1e-2))
    momentum = train(lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9))
    adam = train(lambda p: torch.optim.Adam(p, lr=1e-2))
    assert len(sgd.steps) == 151 and sgd.values().shape == (151, 6)
    # gradient-flow-like SGD: the laws stay put (the drift is second order in the step)
    assert sgd.drift()[-1] < 1e-6
    assert sgd_big.drift()[-1] > 100 * sgd.drift()[-1]
    # Adam rescales coordinates: first-order drift
    assert adam.drift()[-1] > 1e-2 and adam.drift()[-1] > 100 * sgd.drift()[-1]
    assert momentum.drift()[-1] > sgd.drift()[-1]
    import matplotlib
    matplotlib.use("Agg")
    ax = plot_drift({"SGD": sgd, "momentum": momentum, "Adam": adam})
    assert len(ax.get_lines()) == 3


def test_monitor_by_call_and_custom_laws():
    net = relu_net([2, 2, 1], bias=False)
    tm = from_torch(net)
    U2 = tm.model.parameters()["U2"]
    mon = LawMonitor(tm, laws=[U2[0, 0] ** 2])
    mon()
    mon(5)
    assert mon.steps == [0, 5]
    assert np.isclose(mon.values()[0, 0], float(net[0].weight.detach()[0, 0]) ** 2)
    with pytest.raises(TypeError, match="Optimizer"):
        mon.attach("sgd")


def test_a_module_torch_cannot_run_is_refused_not_read_in_part():
    # In a Sage session `nn.Dropout(0.5)` receives a Sage real, and PyTorch's own forward fails;
    # the block reader used to read the module anyway, without its Dropout.
    from sage.rings.real_mpfr import RealField
    from sage_conslaw.network.fx import ModuleDoesNotRun
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(RealField(53)(1) / 2), nn.Linear(4, 2))
    with pytest.raises(ModuleDoesNotRun, match=r"dropout\(\).*0\.5r"):
        from_torch(m)
    m[2].p = 0.5
    M = from_torch(m)
    res = M.model.lie_trace()
    assert res.certified and res.number_of_laws == 4          # one rescaling per hidden neuron
