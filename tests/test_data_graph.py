"""
The laws of a data set on any network graph (sage_conslaw.datalaws.graph):
convolutions, Dropout (every mask: pairs (x_i, m)), a ReLU on the output,
low-rank data and dead units, against an independent numeric oracle built
from PyTorch autograd alone (random elements of W_X over the pairs, nested
brackets by Jacobian-vector products, ranks by SVD with a reported gap).
Nothing of the package is used by the oracle.
"""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.func import functional_call  # noqa: E402

from torch_oracle import data_laws_rank, flat_parameters  # noqa: E402

from sage_conslaw.datalaws import data_lie_trace  # noqa: E402
from sage_conslaw.datalaws.graph import GraphDataModel, graph_data_trace  # noqa: E402
from sage_conslaw.torch import from_torch  # noqa: E402


# ---------------------------------------------------------------------------
# The oracle: numbers only, from the module
# ---------------------------------------------------------------------------

def _forward(module, params, x, masks):
    """The Sequential module on x, each Dropout multiplying by its given mask / (1 - p)."""
    h, k = x, 0
    for name, layer in module.named_children():
        if isinstance(layer, nn.Dropout):
            h = h * masks[k] / (1 - layer.p)
            k += 1
        else:
            sub = {n.split(".", 1)[1]: v for n, v in params.items() if n.split(".", 1)[0] == name}
            h = functional_call(layer, sub, (h,))
    return h


def oracle_pairs(module, X):
    """The pairs (x_i, m) of every Dropout mask m (each Dropout's output shape read by a forward pass)."""
    X = torch.as_tensor(np.asarray(X, dtype=float))
    shapes, h = [], X[:1]
    with torch.no_grad():
        for layer in module.children():
            if isinstance(layer, nn.Dropout):
                shapes.append(tuple(h.shape[1:]))
            else:
                h = layer(h)
    sizes = [int(np.prod(s)) for s in shapes]
    if not sizes:
        return X, []
    xs, ms = [], [[] for _ in shapes]
    for bits in itertools.product([1.0, 0.0], repeat=sum(sizes)):
        start = 0
        for j, (s, n) in enumerate(zip(shapes, sizes)):
            ms[j].append(torch.tensor(bits[start:start + n], dtype=torch.float64).reshape(s).expand((len(X),) + s))
            start += n
        xs.append(X)
    return torch.cat(xs), [torch.cat(m) for m in ms]


def oracle_data_laws(module, X, depth=3, surplus=6, seed=0):
    """D - dim Lie(W_X)(theta) over the pairs, numerically: (number of laws, gap)."""
    module = module.double()
    theta0, split = flat_parameters(module)
    Xt, masks = oracle_pairs(module, X)
    return data_laws_rank(lambda theta: _forward(module, split(theta), Xt, masks).reshape(Xt.shape[0], -1),
                          theta0, depth, surplus, seed)


# ---------------------------------------------------------------------------
# Random (network, data) pairs of the new kinds
# ---------------------------------------------------------------------------

def _data(shape, N, rng, kind):
    n = int(np.prod(shape))
    if kind == "low rank":
        r = int(rng.integers(1, max(2, n // 2) + 1))
        X = (rng.integers(-3, 4, size=(N, r)) @ rng.integers(-3, 4, size=(r, n))).astype(float)
    else:
        X = rng.integers(-6, 7, size=(N, n)) + rng.integers(0, 4, size=(N, n)) / 4
    if kind == "zero feature":
        X[:, int(rng.integers(n))] = 0
    return X.reshape((N,) + tuple(shape))


def _random_case(seed):
    """A random module with a convolution, a Dropout or a ReLU on its output, and its data."""
    rng = np.random.default_rng(7000 + seed)
    kind = ["conv", "dropout", "output relu", "conv dropout"][seed % 4]
    torch.manual_seed(int(rng.integers(10 ** 6)))
    if kind.startswith("conv"):
        C, T, K = int(rng.integers(1, 3)), int(rng.integers(3, 5)), int(rng.integers(1, 3))
        O = int(rng.integers(1, 3))
        layers = [nn.Conv1d(C, O, K, bias=bool(rng.integers(2))), nn.ReLU()]
        if kind == "conv dropout":
            layers.append(nn.Dropout(0.5))
        layers += [nn.Flatten(), nn.Linear(O * (T - K + 1), 1)]
        shape = (C, T)
    else:
        n, h = int(rng.integers(2, 4)), int(rng.integers(1, 4))
        bias = bool(rng.integers(2))
        layers = [nn.Linear(n, h, bias=bias), nn.ReLU()]
        if kind == "dropout":
            layers += [nn.Dropout(0.5), nn.Linear(h, int(rng.integers(1, 3)))]
        else:
            layers += [nn.Linear(h, 2), nn.ReLU()]
        shape = (n,)
    net = nn.Sequential(*layers).double()
    if rng.integers(3) == 0 and layers[0].bias is not None:      # a dead first unit
        with torch.no_grad():
            layers[0].bias[0] = -1000.0
    data_kind = ["generic", "low rank", "zero feature"][int(rng.integers(3))]
    X = _data(shape, int(rng.integers(1, 5)), rng, data_kind)
    return net, X, kind, data_kind


def _case_without_kink(seed):
    for attempt in range(40):
        net, X, kind, data_kind = _random_case(seed + 1000 * attempt)
        try:
            res = data_lie_trace(from_torch(net), X)
        except ValueError as e:
            if "kink" in str(e):
                continue
            raise
        return net, X, kind, data_kind, res
    raise RuntimeError("no case off the kinks")          # pragma: no cover


@pytest.mark.parametrize("seed", range(24))
def test_random_pairs_of_the_new_kinds_agree_with_the_oracle(seed):
    net, X, kind, data_kind, res = _case_without_kink(seed)
    expected, gap = oracle_data_laws(net, X)
    assert gap > 1e4, "the oracle's rank is not clear (gap %s)" % gap
    assert res.lower <= expected <= res.upper, (kind, data_kind, net, X, res)
    assert res.certified, (kind, data_kind, res.reason)
    assert res.number_of_laws == expected, (kind, data_kind, net, X, res)


# ---------------------------------------------------------------------------
# The explicit laws are laws: exact annihilation of the symbolic data fields
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_explicit_laws_are_annihilated_exactly(seed):
    net, X, kind, data_kind, res = _case_without_kink(seed)
    M = res.data_model
    W = M.generators()
    laws = M.known_conservation_laws()
    assert all(W.is_conservation_law(h) for h in laws), (kind, data_kind)


def test_exact_and_torch_routes_agree():
    for seed in range(6):
        net, X, kind, data_kind, res = _case_without_kink(seed)
        tm = from_torch(net)
        exact = graph_data_trace(tm.model, X, point=tm.exact_theta(), route='exact')
        assert (exact.number_of_laws, exact.certified) == (res.number_of_laws, res.certified), (kind, data_kind)


# ---------------------------------------------------------------------------
# Dropout: every mask, evaluation mode, given masks, sampled masks
# ---------------------------------------------------------------------------

def test_dropout_modes():
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.5), nn.Linear(3, 1)).double()
    X = np.array([[1.0, 2.0], [2.0, -1.0], [0.5, 0.25]])
    tm = from_torch(net)
    every = data_lie_trace(tm, X)
    assert every.certified and every.data_model.exhaustive and every.data_model.pairs == 3 * 2 ** 3
    assert every.number_of_laws == oracle_data_laws(net, X)[0]
    ev = data_lie_trace(tm, X, masks='eval')
    plain = nn.Sequential(net[0], net[1], net[3])
    assert ev.certified and ev.number_of_laws == oracle_data_laws(plain, X)[0]
    given = data_lie_trace(tm, X, masks={tm.model.network.ops()[2].name: np.ones((3, 3), dtype=int)})
    assert given.number_of_laws == ev.number_of_laws


def test_sampled_masks_are_a_lower_bound_only():
    torch.manual_seed(4)
    net = nn.Sequential(nn.Dropout(0.5), nn.Linear(6, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1)).double()
    X = np.arange(1, 31, dtype=float).reshape(5, 6) * np.array([1, -1, 1, -1, 1, -1]) + 0.25
    M = GraphDataModel(from_torch(net).model, X, from_torch(net).exact_theta())     # 5 * 2^10 pairs: sampled
    assert not M.exhaustive and M.pairs == 5 * 16
    res = M.lie_trace()
    assert res.lower <= res.upper
    assert "sampled" in res.reason
    # no law of a unit behind a Dropout is claimed when the masks were sampled
    L = res.laws_by_kind()
    assert not L['frozen'] and not L['dead'] and not L['cross']


def test_kinks_are_reported():
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 1.0], [1.0, -1.0]]))
        net[0].bias.zero_()
    with pytest.raises(ValueError, match="data point 1 is on a kink"):
        graph_data_trace(from_torch(net).model, [[1, 2], [1, 1]], point=from_torch(net).exact_theta())


def test_sage_families_through_network_of():
    from sage_conslaw.architectures import ConvNetwork, Sequential, ReLUNetwork, LinearNetwork, Attention
    conv = ConvNetwork(1, 2, 1, 2, 1)
    res = conv.lie_trace(point=conv.random_point(1), data=[[1, 2, 0], [3, 1, 0]])
    assert res.certified and all(h.parent() is conv.polynomial_ring() for h in res.laws())
    seq = Sequential([ReLUNetwork([2, 2, 2]), LinearNetwork([2, 2])])
    res = seq.lie_trace(point=seq.random_point(2), data=[[1, 0], [2, 0], [0, 0]])
    assert res.lower <= res.upper
    from sage_conslaw.architectures import MatrixFactorization
    with pytest.raises(TypeError, match="network_of reads"):
        MatrixFactorization(2, 2, 2).lie_trace(data=[[1, 2]])
    att = Attention(2, 1, 1, 2)
    res = att.lie_trace(point=[1, 1, 1, 1, 1, 1, 1, 1], data=[[[1, 0], [0, 1]]])
    assert res.lower <= res.upper and not res.certified


# ---------------------------------------------------------------------------
# Analytic activations: the lower bound in ball arithmetic
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_analytic_networks_agree_with_the_oracle(seed):
    rng = np.random.default_rng(50 + seed)
    torch.manual_seed(seed)
    act = [nn.Tanh(), nn.GELU(), nn.SiLU(), nn.Sigmoid()][seed]
    n, h = 3, int(rng.integers(1, 3))
    layers = [nn.Linear(n, h), act] + ([nn.Dropout(0.5)] if seed % 2 else []) + [nn.Linear(h, 1)]
    net = nn.Sequential(*layers).double()
    with torch.no_grad():                 # small rational weights: the analytic ops away from saturation
        for p in net.parameters():
            p.copy_(torch.tensor(rng.integers(-4, 5, size=p.shape) / 8))
    X = _data((n,), int(rng.integers(8, 11)), rng, "zero feature") / 4
    res = data_lie_trace(from_torch(net), X)
    expected, gap = oracle_data_laws(net, X)
    assert gap > 1e4
    assert res.lower <= expected <= res.upper, (act, res, expected)
    assert res.certified and res.number_of_laws == expected, (act, res.reason, expected)


def test_analytic_network_on_few_points_needs_the_third_level():
    """Three points through tanh: the Lie algebra needs brackets of depth 3 (nested dual numbers in balls)."""
    rng = np.random.default_rng(50)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.tensor(rng.integers(-4, 5, size=p.shape) / 8))
    X = np.array([[-1.375, 1.5625, 0.0], [-1.4375, -0.125, 0.0], [-0.5625, 0.5, 0.0]])
    res = data_lie_trace(from_torch(net), X)
    expected, gap = oracle_data_laws(net, X)
    assert gap > 1e4 and res.lower <= expected <= res.upper
    assert res.certified and res.number_of_laws == expected and "level 3" in res.reason


# ---------------------------------------------------------------------------
# Linear and ReLU chains: the graph route agrees with the layered route
# ---------------------------------------------------------------------------

def test_chains_the_graph_route_agrees_with_the_layered_route():
    from test_data_laws import _random_case as chain_case
    for seed in range(8):
        net, X = chain_case(seed)
        tm = from_torch(net)
        layered = data_lie_trace(tm, X)
        graph = graph_data_trace(tm.model, X, point=tm.exact_theta())
        assert graph.certified and layered.certified
        assert graph.number_of_laws == layered.number_of_laws, (seed, net, X)


def test_digits_the_graph_route_agrees_with_the_layered_route():
    datasets = pytest.importorskip("sklearn.datasets")
    X = datasets.load_digits().data[:200] / 16
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 10)).double()
    tm = from_torch(net)
    graph = graph_data_trace(tm.model, X, point=tm.exact_theta())
    assert graph.certified and graph.number_of_laws == data_lie_trace(tm, X).number_of_laws == 213
    assert "dead: 0" in graph.data_model.report()


# ---------------------------------------------------------------------------
# Attention: the oracle's float rank of the data fields (no bracket) against the proven bounds
# ---------------------------------------------------------------------------

def _attention_oracle(att, theta, Xs):
    """The numeric rank of the data fields of one softmax head (no bracket), from autograd and the
    formula out = softmax(X A X^T) X B, A = Q^T K, B = V^T O -- nothing of the package."""
    from torch.func import jacrev
    th = torch.tensor([float(t) for t in theta], dtype=torch.float64)
    shapes = [(P.name, P.shape) for P in att.layout()]

    def outputs(t):
        mats, k = {}, 0
        for name, shape in shapes:
            n = shape[0] * shape[1]
            mats[name] = t[k:k + n].reshape(shape)
            k += n
        out = []
        for X in Xs:
            X = torch.tensor(X, dtype=torch.float64)
            S = torch.softmax(X @ mats['Q'].T @ mats['K'] @ X.T, dim=1)
            out.append((S @ X @ mats['V'].T @ mats['O']).reshape(-1))
        return torch.cat(out)
    J = jacrev(outputs)(th).detach().numpy()
    s = np.linalg.svd(J / max(1.0, np.abs(J).max()), compute_uv=False)
    return int((s > s[0] * 1e-9).sum())


@pytest.mark.parametrize("seed", range(4))
def test_attention_data_bounds_against_the_oracle(seed):
    from sage.all__sagemath_singular import QQ
    from sage_conslaw.architectures import Attention
    att = Attention(2, 1, 1, 2)
    assert sorted(P.name for P in att.layout()) == ['K', 'O', 'Q', 'V']
    rng = np.random.default_rng(seed)
    theta = [QQ(int(k)) / 4 for k in rng.choice([-3, -2, -1, 1, 2, 3], size=att.D)]
    Xs = [rng.integers(-2, 3, size=(3, 2)).astype(float).tolist() for _ in range(int(rng.integers(1, 5)))]
    res = data_lie_trace(att, np.array(Xs), point=theta)
    r = _attention_oracle(att, theta, Xs)
    assert res.dimension <= r and res.lower <= res.upper
    if res.certified:
        assert res.number_of_laws == att.D - r


def test_bad_input_on_the_graph_route_is_refused_clearly():
    net = nn.Sequential(nn.Conv1d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.Linear(4, 1)).double()
    tm = from_torch(net)
    with pytest.raises(ValueError, match="coordinates, but the network has 3 inputs"):
        data_lie_trace(tm, [[1, 2]])
    with pytest.raises(ValueError, match="masks must be 'all', 'eval' or a dict"):
        data_lie_trace(tm, [[1, 2, 3]], masks='train')
    with pytest.raises(ValueError, match="not a Dropout node"):
        data_lie_trace(tm, [[1, 2, 3]], masks={'nothing': [[1, 1, 1, 1]]})
    with pytest.raises(ValueError, match="must hold 0 and 1 only"):
        name = [n.name for n in tm.model.network.ops() if n.op == 'dropout'][0]
        data_lie_trace(tm, [[1, 2, 3]], masks={name: [[2, 1, 1, 1]]})
    with pytest.raises(TypeError, match="the data X must be"):
        data_lie_trace(tm, "x")
    X = np.array([[[1.0, 2.0, 3.0]], [[0.5, -1.0, 2.0]]])
    res = data_lie_trace(tm, X)      # points of the input shape; a Dropout after a flatten
    assert res.data_model.N == 2 and res.data_model.pairs == 2 * 2 ** 4
    expected, gap = oracle_data_laws(net, X)
    assert gap > 1e4 and res.lower <= expected <= res.upper
    assert not res.certified or res.number_of_laws == expected
