"""
The laws of a fixed data set (sage_conslaw.datalaws) against an independent
numeric oracle: the Lie trace of the data fields grad_theta g_k(theta, x_i) of
the PyTorch module itself, built from autograd alone (random elements of W_X,
nested brackets by Jacobian-vector products, ranks by SVD with a reported gap).
Nothing of the package is used by the oracle.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.func import functional_call  # noqa: E402

from torch_oracle import data_laws_rank, flat_parameters  # noqa: E402

from sage.all__sagemath_singular import QQ, matrix  # noqa: E402

from sage_conslaw.architectures import LinearNetwork, ReLUNetwork  # noqa: E402
from sage_conslaw.datalaws import DataModel, data_lie_trace  # noqa: E402
from sage_conslaw.torch import from_torch  # noqa: E402


# ---------------------------------------------------------------------------
# The oracle: numbers only, from the module
# ---------------------------------------------------------------------------

def oracle_data_laws(module, X, depth=4, surplus=6, seed=0):
    """D - dim Lie(W_X)(theta) of the module at its current weights, numerically.

    Returns (number of laws, gap): the gap is the ratio of the last kept
    singular value to the first dropped one (inf when none is dropped).
    """
    module = module.double()
    theta0, split = flat_parameters(module)
    Xt = torch.as_tensor(np.asarray(X, dtype=float))
    return data_laws_rank(lambda theta: functional_call(module, split(theta), (Xt,)), theta0, depth, surplus, seed)


def modular_count(module, X):
    """The package's certified count at the module's exact weights."""
    res = data_lie_trace(from_torch(module), np.asarray(X, dtype=float))
    return res


def _mlp(widths, relu, bias, seed):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1], bias=bias))
        if relu and i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).double()


def _margin(module, X):
    """The smallest |pre-activation| of a hidden ReLU on the data (inf without)."""
    h = torch.as_tensor(np.asarray(X, dtype=float))
    m = np.inf
    with torch.no_grad():
        for layer in module:
            if isinstance(layer, nn.ReLU):
                m = min(m, float(h.abs().min()))
            h = layer(h)
    return m


# ---------------------------------------------------------------------------
# The cases of the issue, in Sage and in PyTorch
# ---------------------------------------------------------------------------

def _data(N, n, seed, rank=None):
    rng = np.random.default_rng(seed)
    if rank is None:
        return rng.integers(-9, 10, size=(N, n)) + rng.random((N, n)).round(2)
    return (rng.integers(-4, 5, size=(N, rank)) @ rng.integers(-4, 5, size=(rank, n))).astype(float)


def test_linear_4_3_2_sage():
    net = LinearNetwork([2, 3, 4])
    theta = net.random_point(5)
    generic = data_lie_trace(net, _data(10, 4, 1), point=theta)
    plane = data_lie_trace(net, _data(10, 4, 2, rank=2), point=theta)
    single = data_lie_trace(net, _data(1, 4, 3), point=theta)
    assert (generic.number_of_laws, plane.number_of_laws, single.number_of_laws) == (6, 12, 15)
    assert generic.certified and plane.certified and single.certified


def test_linear_mirror_augmentation_counts_through_the_span():
    net = LinearNetwork([2, 3, 4])
    theta = net.random_point(7)
    X = _data(3, 4, 4, rank=1)
    mirrored = np.vstack([X, X[:, ::-1]])
    basis = matrix(QQ, mirrored.tolist()).row_space().basis_matrix()
    a = data_lie_trace(net, mirrored, point=theta)
    b = data_lie_trace(net, basis, point=theta)
    c = data_lie_trace(net, np.vstack([X, -X]), point=theta)       # the same span as X
    assert a.number_of_laws == b.number_of_laws and a.certified and b.certified
    assert c.number_of_laws == data_lie_trace(net, X, point=theta).number_of_laws == 15


def test_linear_4_3_2_torch():
    net = _mlp([4, 3, 2], relu=False, bias=False, seed=0)
    counts = [modular_count(net, X) for X in (_data(10, 4, 1), _data(10, 4, 2, rank=2), _data(1, 4, 3))]
    assert [r.number_of_laws for r in counts] == [6, 12, 15] and all(r.certified for r in counts)
    assert [oracle_data_laws(net, X, depth=3)[0] for X in (_data(10, 4, 1), _data(10, 4, 2, rank=2))] == [6, 12]


def _relu_452(seed=0):
    net = _mlp([4, 5, 2], relu=True, bias=True, seed=seed)
    X = _data(30, 4, 11)
    while _margin(net, X) < 1e-3:
        seed += 1
        net = _mlp([4, 5, 2], relu=True, bias=True, seed=seed)
    return net, X


def test_relu_4_5_2_thirty_points():
    net, X = _relu_452()
    res = modular_count(net, X)
    assert res.certified and res.number_of_laws == 5
    X0 = X.copy()
    X0[:, 2] = 0
    res0 = modular_count(net, X0)
    assert res0.certified and res0.number_of_laws == 10
    assert oracle_data_laws(net, X, depth=2)[0] == 5
    assert oracle_data_laws(net, X0, depth=2)[0] == 10


def test_relu_4_5_2_tied_neurons_have_a_cross_law():
    net, X = _relu_452()
    with torch.no_grad():                 # neuron 3 := 2 * neuron 0 (incoming weights and bias): one pattern
        net[0].weight[3] = 2 * net[0].weight[0]
        net[0].bias[3] = 2 * net[0].bias[0]
    res = modular_count(net, X)
    assert res.certified and res.number_of_laws == 6
    assert res.data_model.pattern.tied_groups() == [[(1, 0), (1, 3)]]
    assert len(res.data_model.laws_by_kind()['cross']) == 1
    assert oracle_data_laws(net, X, depth=2)[0] == 6


def test_relu_4_5_2_sage_twin():
    """The same network built in Sage (widths from the outputs) gives the same counts."""
    net = ReLUNetwork([2, 5, 4], bias=True)
    theta = net.random_point(3)
    X = _data(30, 4, 11)
    assert data_lie_trace(net, X, point=theta).number_of_laws == 5
    X[:, 0] = 0
    assert data_lie_trace(net, X, point=theta).number_of_laws == 10


def test_digits_relu_64_8_10():
    """ReLU 64-8-10 on 200 images of load_digits: the count is certified, and it is the
    rule of the frozen directions: sum over neurons of (65 - rank of their active inputs with a 1)
    plus one balancedness law per live neuron (no neuron dead or tied here)."""
    datasets = pytest.importorskip("sklearn.datasets")
    X = datasets.load_digits().data[:200]
    net = _mlp([64, 8, 10], relu=True, bias=True, seed=0)
    res = modular_count(net, X)
    assert res.certified
    P = res.data_model.pattern
    Xe = matrix(QQ, [[QQ(float(t)) for t in row] + [1] for row in X.tolist()])
    rule = sum(65 - Xe.matrix_from_rows(P.active_points(1, j)).rank() for j in range(8)
               if P.active_points(1, j)) + 8
    assert not P.dead() and not P.tied_groups()
    assert res.number_of_laws == rule


# ---------------------------------------------------------------------------
# The explicit laws are laws (exact annihilation), and 20+ random pairs agree with the oracle
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_explicit_laws_are_annihilated_exactly(seed):
    rng = np.random.default_rng(seed)
    net = ReLUNetwork([2, 3, 3], bias=True)
    theta = net.random_point(seed)
    X = rng.integers(-5, 6, size=(6, 3)).astype(float)
    X[:, 1] = 0
    M = DataModel(net, X, theta)
    laws = M.known_conservation_laws()
    assert laws and all(M.generators().is_conservation_law(h) for h in laws)


def _random_case(seed):
    """A random (module, data) pair: linear or ReLU, low-rank data, zero features,
    dead or tied neurons, with every pre-activation away from 0."""
    rng = np.random.default_rng(1000 + seed)
    for attempt in range(50):
        relu = bool(rng.integers(2))
        depth = int(rng.integers(2, 4))
        widths = [int(rng.integers(1, 4)) for _ in range(depth + 1)]
        bias = relu and bool(rng.integers(2))
        net = _mlp(widths, relu, bias, seed=int(rng.integers(10 ** 6)))
        N = int(rng.integers(1, 8))
        kind = ["generic", "low rank", "zero feature"][int(rng.integers(3))]
        X = _data(N, widths[0], int(rng.integers(10 ** 6)),
                  rank=int(rng.integers(1, widths[0] + 1)) if kind == "low rank" else None)
        if kind == "zero feature":
            X[:, int(rng.integers(widths[0]))] = 0
        if relu and rng.integers(3) == 0:       # a dead or a tied neuron in the first layer
            with torch.no_grad():
                W = net[0].weight
                if rng.integers(2) and W.shape[0] > 1:
                    W[1] = 1.5 * W[0]
                    if bias:
                        net[0].bias[1] = 1.5 * net[0].bias[0]
                elif bias:
                    net[0].bias[0] = -100.0
        if _margin(net, X) > 1e-3 and np.abs(X).max() > 0:
            return net, X
    raise RuntimeError("no random case")          # pragma: no cover


@pytest.mark.parametrize("seed", range(24))
def test_random_pairs_agree_with_the_oracle(seed):
    net, X = _random_case(seed)
    res = modular_count(net, X)
    expected, gap = oracle_data_laws(net, X, depth=3)
    assert gap > 1e4, "the oracle's rank is not clear (gap %s)" % gap
    assert res.number_of_laws == expected, (net, X, res)
    assert res.certified, res.reason


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------

def test_bad_input_is_refused_clearly():
    net = ReLUNetwork([1, 2, 1], bias=True)
    with pytest.raises(ValueError, match="vanishes on data point 0"):
        data_lie_trace(net, [[0]], point=[1, 1, 1, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="coordinates, but the network has 1 inputs"):
        data_lie_trace(net, [[0, 1]], point=net.random_point(0))
    with pytest.raises(TypeError, match="linear and ReLU networks"):
        data_lie_trace(LinearNetwork([2, 2]).generators(), [[1, 1]])
    with pytest.raises(ValueError, match="lives near the point it was built at"):
        DataModel(net, [[1]], net.random_point(0)).lie_trace(point=net.random_point(1))


# ---------------------------------------------------------------------------
# The one-step drift, exact polynomial in eta, against train (float64)
# ---------------------------------------------------------------------------

from sage_conslaw.datalaws import leading_term, one_step_drift, quadratic_drift  # noqa: E402
from sage_conslaw.flows import train  # noqa: E402


def _drift_setup(seed=0):
    net = ReLUNetwork([2, 3, 4], bias=True)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(20, 4))
    Y = rng.normal(size=(20, 2))
    theta0 = rng.normal(size=net.D)
    laws = net.known_conservation_laws()
    return net, X, Y, theta0, laws


def _exact(t):
    n, d = float(t).as_integer_ratio()
    return QQ(n) / QQ(d)


def _value(h, theta):
    return float(h(*[_exact(t) for t in theta]))


@pytest.mark.parametrize("method", ["gd", "sgd"])
def test_gd_and_sgd_drift_is_the_exact_polynomial_and_starts_at_eta_squared(method):
    net, X, Y, theta0, laws = _drift_setup()
    for eta in (1e-2, 5e-3):
        traj = train(net, X, Y, method=method, eta=eta, steps=1, theta0=theta0, record_every=1, batch_size=5)
        t0, t1 = traj.thetas[0], traj.thetas[1]
        g = (t0 - t1) / eta                    # the step's gradient (the mini-batch one for SGD)
        for h in laws:
            P = one_step_drift(h, t0, g)
            # quadratic law: (1/2) eta^2 g^T H g, and a first-order term that is only the rounding of g
            assert P.degree() == 2 and P[0] == 0 and P[2] == quadratic_drift(h, t0, g)
            assert abs(float(P[1])) * eta < 1e-9 * abs(float(P[2])) * eta ** 2
            measured = _value(h, t1) - _value(h, t0)
            assert abs(float(P(QQ(eta))) - measured) <= 1e-9 * max(1.0, abs(measured)) + 1e-12
            assert abs(measured) > 0


def test_heavy_ball_drift_against_train():
    net, X, Y, theta0, laws = _drift_setup(1)
    eta, beta = 1e-2, 0.9
    traj = train(net, X, Y, method="momentum", eta=eta, momentum=beta, steps=2, theta0=theta0, record_every=1)
    t0, t1, t2 = traj.thetas[0], traj.thetas[1], traj.thetas[2]
    buffer = (t0 - t1) / eta                  # train's velocity v = -eta * buffer
    pb_g = (t1 - t2) / eta - beta * buffer    # the gradient of the second step
    for h in laws:
        P = one_step_drift(h, t1, pb_g, method="heavy_ball", buffer=buffer, momentum=beta)
        measured = _value(h, t2) - _value(h, t1)
        assert abs(float(P(QQ(eta))) - measured) <= 1e-9 * max(1.0, abs(measured)) + 1e-12
        assert abs(float(P[1])) > 1e-6 * abs(float(P[2]))   # the past gradients are not orthogonal to grad h(theta_1)


def test_data_laws_drift_under_gd_frozen_ones_do_not_move():
    """On a fixed data set, the data laws move at eta^2 (balancedness) or not at all (frozen)."""
    net, X, Y, theta0, _ = _drift_setup(2)
    X[:, 1] = 0
    M = DataModel(net, X, [_exact(t) for t in theta0])
    traj = train(net, X, Y, method="gd", eta=1e-3, steps=1, theta0=theta0, record_every=1)
    t0, t1 = traj.thetas[0], traj.thetas[1]
    g = (t0 - t1) / 1e-3
    L = M.laws_by_kind()
    assert L["frozen"]
    for h in L["frozen"]:
        assert one_step_drift(h, M.point, g).degree() <= 1
        assert abs(_value(h, t1) - _value(h, t0)) < 1e-12
    for h in L["balancedness"]:
        assert one_step_drift(h, t0, g).degree() == 2


def test_exact_gradient_the_drift_has_no_first_order_term():
    """With the exact gradient of the square loss on the data (the masked network, over QQ),
    every data law drifts by a polynomial in eta with no term below eta^2, the quadratic ones by
    exactly (1/2) eta^2 g^T H g."""
    net = ReLUNetwork([2, 3, 3], bias=True)
    theta = net.random_point(4)
    X = [[1, 0, -2], [3, 0, 1], [-1, 0, 2], [2, 0, 2]]
    Y = [[1, -1], [0, 2], [1, 1], [3, 0]]
    M = DataModel(net, X, theta)
    outs = M.generators().components()
    loss = sum((o - y) ** 2 for o, y in zip(outs, [t for row in Y for t in row])) / 2
    g = [loss.derivative(v)(*theta) for v in net.polynomial_ring().gens()]
    for h in M.known_conservation_laws():
        P = one_step_drift(h, theta, g)
        k, c = leading_term(P)
        assert k is None or k >= 2
        if h.degree() == 2:
            assert P == c * P.parent().gen() ** 2 and c == quadratic_drift(h, theta, g)


# ---------------------------------------------------------------------------
# LawMonitor(data=X): the data laws along a PyTorch training run
# ---------------------------------------------------------------------------

from sage_conslaw.torch import LawMonitor  # noqa: E402


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_law_monitor_with_data_measures_the_exact_drift(momentum):
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    X = torch.randn(40, 3, dtype=torch.float64)
    X[:, 1] = 0
    Y = torch.randn(40, 2, dtype=torch.float64)
    m = LawMonitor(net, data=X)
    assert m.data_result.certified and "frozen" in m.kinds
    eta = 1e-2
    opt = torch.optim.SGD(net.parameters(), lr=eta, momentum=momentum)
    m.attach(opt)
    thetas = [m.map.theta()]
    for _ in range(2):
        opt.zero_grad()
        ((net(X) - Y) ** 2).mean().backward()
        opt.step()
        thetas.append(m.map.theta())
    V = m.values()
    q = lambda v: [QQ(float(t).as_integer_ratio()[0]) / QQ(float(t).as_integer_ratio()[1]) for t in v]
    t0, t1, t2 = (q(t) for t in thetas)
    e = QQ(eta.as_integer_ratio()[0]) / QQ(eta.as_integer_ratio()[1])      # the float, exactly
    step1 = [(a - b) / e for a, b in zip(t0, t1)]            # buffer after step 1 (= the first gradient)
    for k, h in enumerate(m.laws):
        P1 = one_step_drift(h, t0, step1)                    # step 1: plain gradient step
        assert abs(float(P1(e)) - (V[1, k] - V[0, k])) < 1e-12 + 1e-9 * abs(V[1, k] - V[0, k])
        if m.kinds[k] == "frozen":
            assert abs(V[1, k] - V[0, k]) < 1e-12 and abs(V[2, k] - V[0, k]) < 1e-12     # rounding only
        else:
            assert abs(float(P1[1])) * eta < 1e-6 * abs(float(P1[2])) * eta ** 2   # eta^2 leads
        beta = QQ(momentum.as_integer_ratio()[0]) / QQ(momentum.as_integer_ratio()[1])
        g2 = [(a - b) / e - beta * s for a, b, s in zip(t1, t2, step1)]
        P2 = one_step_drift(h, t1, g2, method="heavy_ball", buffer=step1, momentum=beta)
        assert abs(float(P2(e)) - (V[2, k] - V[1, k])) < 1e-12 + 1e-9 * abs(V[2, k] - V[1, k])
    assert m.held(1e-12) >= len(m.data_result.laws_by_kind()["frozen"])


# ---------------------------------------------------------------------------
# Any module that is a chain of Linear and ReLU (read through torch.fx)
# ---------------------------------------------------------------------------

class _Subclass(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(3, 4), nn.Identity())
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(torch.relu(self.inner(x)))


def test_modules_read_through_the_graph_agree_with_the_oracle():
    torch.manual_seed(5)
    X = _data(12, 3, 21)
    X[:, 0] = 0
    for net in (_Subclass().double(),
                nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Identity(), nn.Linear(4, 2)).double()):
        tm = from_torch(net)
        res = tm.model.lie_trace(point=tm.exact_theta(), data=X)
        assert res.certified and res.number_of_laws == oracle_data_laws(net, X, depth=2)[0]
        R = tm.model.polynomial_ring()
        assert all(h.parent() is R for h in res.laws())
        m = LawMonitor(tm, data=X)
        assert len(m.laws) == len(res.laws())


def test_dropout_and_output_relu_are_served_by_the_graph_route():
    X = _data(5, 3, 2)
    torch.manual_seed(2)
    for net in (nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2)),
                nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.ReLU())):
        res = data_lie_trace(from_torch(net.double()), X)
        assert res.lower <= res.upper and hasattr(res, "data_model")
        assert "the graph" not in res.reason
