"""The route of Theorem 2.14 (sage_conslaw.network.theorems): on random small
two-layer ReLU MLPs (with or without biases, with Dropout) and linear chains,
its count equals the count of the network's own gradient fields
(network_trace(..., theorem=False)) and the count of the autograd oracle
(tests/torch_oracle.py, independent of the package); the parameter order of the
family is the network's; a network outside the hypothesis falls back."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

torch.set_num_threads(1)

import sage_conslaw  # noqa: E402,F401
from sage.rings.rational_field import QQ  # noqa: E402
from sage_conslaw.core.jets import NetworkFamily  # noqa: E402
from sage_conslaw.torch import from_torch  # noqa: E402
from sage_conslaw.network.certificate import network_trace  # noqa: E402
from sage_conslaw.network.theorems import theorem_shape, family_columns, theorem_trace  # noqa: E402
from torch_oracle import numeric_lie_trace  # noqa: E402


def random_mlp(seed):
    """a random module of the theorem: two-layer ReLU (biases or not, Dropout somewhere) or a linear chain"""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    m, h, n = (int(t) for t in rng.integers(1, 5, size=3))
    if seed % 3 == 2:
        widths = [int(t) for t in rng.integers(1, 4, size=int(rng.integers(2, 4)) + 1)]
        if widths[0] * widths[-1] == 1:
            # phi scalar: one field, D - 1 laws; the oracle normalizes its vanishing brackets into noise
            widths[0] = 2
        layers = [nn.Linear(a, b, bias=False) for a, b in zip(widths, widths[1:])]
        if rng.random() < 0.5:
            layers = [nn.Dropout(0.3)] + layers
        return nn.Sequential(*layers), widths[0]
    bias = bool(seed % 3 == 0)
    layers = [nn.Linear(m, h, bias=bias), nn.ReLU(), nn.Linear(h, n, bias=bias)]
    where = int(rng.integers(0, 5))
    if where < 4:
        layers.insert(where, nn.Dropout(0.5))
    return nn.Sequential(*layers), m


SEEDS = range(30)
GRADIENT_ROUTE = {}


@pytest.mark.parametrize("seed", SEEDS)
def test_theorem_route_agrees_with_gradient_route_and_oracle(seed):
    module, m = random_mlp(seed)
    module = module.double()
    tm = from_torch(module)
    net = tm.model.network
    theta = tm.exact_theta()
    res = network_trace(net, point=theta, seed=seed)
    assert res.certified and res.certificate.scope == 'network', res.reason
    assert res.reason.startswith("Theorem 2.14 of the NeurIPS 2023 paper"), res.reason
    old = network_trace(net, point=theta, seed=seed, theorem=False)
    GRADIENT_ROUTE[seed] = old.certified
    if old.certified:
        assert res.number_of_laws == old.number_of_laws, (res.reason, old.reason)
    else:       # its bounds hold the theorem's count
        assert old.known_laws <= res.number_of_laws <= old.number_of_laws, (res.reason, old.reason)
    oracle = numeric_lie_trace(module, (m,), seed=seed)
    assert oracle['gap'] > 1e4
    assert res.number_of_laws == oracle['laws'], (res.reason, oracle)


def test_most_gradient_route_counts_certified():
    """the comparison with the gradient route is not vacuous"""
    if len(GRADIENT_ROUTE) < len(SEEDS):
        pytest.skip("run with the agreement tests")
    assert sum(GRADIENT_ROUTE.values()) >= 20, GRADIENT_ROUTE


def test_family_blocks_are_the_torch_weights():
    """the family's blocks at the mapped point are W2, W1, b1, b2 (outputs first)"""
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2), nn.Linear(4, 2)).double()
    tm = from_torch(module)
    net = tm.model.network
    kind, dims, bias, blocks = theorem_shape(net)
    assert (kind, dims, bias) == ('relu', [2, 4, 3], True)
    W = NetworkFamily(kind, dims, bias=bias)
    cols = family_columns(net, W, blocks)
    x = np.empty(W.D)
    x[cols] = [float(t) for t in tm.exact_theta()]
    U1, U2, b1, c = W._blocks(x)
    assert np.array_equal(U1, module[3].weight.detach().numpy())
    assert np.array_equal(U2, module[0].weight.detach().numpy())
    assert np.array_equal(b1[:, 0], module[0].bias.detach().numpy())
    assert np.array_equal(c[:, 0], module[3].bias.detach().numpy())


def test_family_columns_follow_a_reordered_layout():
    module = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    net = from_torch(module).model.network
    layout = net.layout()
    net.set_layout(layout[::-1])
    kind, dims, bias, blocks = theorem_shape(net)
    W = NetworkFamily(kind, dims, bias=bias)
    cols = family_columns(net, W, blocks)
    cols0 = family_columns(from_torch(module).model.network, W, blocks)
    assert cols.tolist() == cols0.tolist()[::-1]


def test_proportional_neurons_fall_back():
    """two hidden neurons with proportional (v_j, b_j): the hypothesis fails, the gradient route answers"""
    torch.manual_seed(1)
    module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2)).double()
    with torch.no_grad():
        module[0].weight[1] = 2 * module[0].weight[0]
        module[0].bias[1] = 2 * module[0].bias[0]
    tm = from_torch(module)
    theta = tm.exact_theta()
    assert theorem_trace(tm.model.network, theta) is None
    res = tm.model.lie_trace(point=theta)
    assert not res.reason.startswith("Theorem 2.14"), res.reason
    oracle = numeric_lie_trace(module, (3,), seed=1)
    if res.certified:
        assert res.number_of_laws == oracle['laws'], (res.reason, oracle)
    else:
        assert res.known_laws <= oracle['laws'] <= res.number_of_laws


def test_outside_the_theorem_falls_back():
    cases = [nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)),
             nn.Sequential(nn.Linear(2, 3, bias=False), nn.Dropout(0.5), nn.Linear(3, 2, bias=False)),
             nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False)),
             nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.1), nn.Linear(3, 1))]
    frozen = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    frozen[0].bias.requires_grad_(False)
    cases.append(frozen)
    for module in cases:
        net = from_torch(module).model.network
        assert theorem_shape(net)[0] is None
        assert theorem_trace(net, [QQ(1)] * net.D) is None


def test_zero_neuron_falls_back():
    torch.manual_seed(2)
    module = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).double()
    with torch.no_grad():
        module[0].weight[2] = 0
    tm = from_torch(module)
    assert theorem_trace(tm.model.network, tm.exact_theta()) is None
