"""Tests of sage_conslaw.flows: training, exact gradients, laws along flows and GD, Example 3.8."""
import itertools

import numpy as np
import pytest

import sage_conslaw  # noqa: F401  (bootstraps Sage's import order)
from sage.rings.rational_field import QQ
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing

from sage_conslaw import Reparametrization
from sage_conslaw.architectures import LinearNetwork, MatrixFactorization, ReLUNetwork, ScalarTimesVector
from sage_conslaw.flows import (CompiledPolynomials, Trajectory, example_3_8, gd_drift_vs_eta,
                                initial_point, make_dataset, metric_along_flow, metric_depends_on_laws,
                                numeric_model, plot_drift_vs_batch_size, plot_drift_vs_eta,
                                plot_example_3_8, plot_trajectory, relu_region_start,
                                sgd_drift_vs_batch_size, train)
from sage_conslaw.flows.models import loss_and_residual

FLOW_TOL = dict(rtol=1e-10, atol=1e-12)
DRIFT_BOUND = 1e-8


# ---------------------------------------------------------------------------
# gradients: hand-written numpy formulas against the Sage polynomials of phi
# ---------------------------------------------------------------------------

def _relu_feature_tensor(net, m, theta, X):
    """d pred / d z for the path products of `net` on the activation region of theta:
    built from the path indices of the Sage components, independently of backprop."""
    dims, q = net.dims, net.depth
    pre = {}
    h = X
    U = m.weights(theta)
    b, _ = m.biases(theta)
    for i in range(q, 1, -1):
        a = h @ U[i - 1].T + (b[i - 2] if net.bias else 0)
        pre[i - 1] = a
        h = np.maximum(a, 0)
    act = {i: (pre[i] > 0).astype(float) for i in pre}
    N = X.shape[0]
    cols = []
    for j in itertools.product(*[range(n) for n in dims]):
        f = X[:, j[q]].copy()
        for i in range(1, q):
            f *= act[i][:, j[i]]
        cols.append((j[0], f))
    if net.bias:
        for i in range(1, q):
            for j in itertools.product(*[range(n) for n in dims[:i + 1]]):
                f = np.ones(N)
                for l in range(1, i + 1):
                    f *= act[l][:, j[l]]
                cols.append((j[0], f))
        for j0 in range(dims[0]):
            cols.append((j0, np.ones(N)))
    A = np.zeros((N, dims[0], len(cols)))
    for k, (j0, f) in enumerate(cols):
        A[:, j0, k] = f
    assert len(cols) == net.d
    return A


def _grad_from_phi(m, A, theta, Y, loss):
    z = m.phi(theta)
    pred = np.einsum("nok,k->no", A, z)
    L, G = loss_and_residual(pred, Y, loss)
    return pred, L, m.phi_jacobian(theta).T @ np.einsum("no,nok->k", G, A)


@pytest.mark.parametrize("arch", [LinearNetwork([2, 3, 2]), LinearNetwork([2, 3, 4, 2]),
                                  MatrixFactorization(3, 2, 2), ScalarTimesVector(3)])
@pytest.mark.parametrize("loss", ["square", "logistic"])
def test_gradient_linear_vs_sage_phi(arch, loss):
    m = numeric_model(arch)
    theta = initial_point(m, seed=3, scale=1.0)
    X, Y = make_dataset(arch, 9, seed=1, task="classification" if loss == "logistic" else "regression")
    # a linear model is x -> W x with W = phi reshaped n0 x nq; d pred[n, o] / d z[o, k] = X[n, k]
    n0, nq = m.output_dim, m.input_dim
    A = np.zeros((X.shape[0], n0, n0 * nq))
    for o in range(n0):
        A[:, o, o * nq:(o + 1) * nq] = X
    pred, L2, g2 = _grad_from_phi(m, A, theta, Y, loss)
    L, g = m.loss_and_grad(theta, X, Y, loss)
    assert np.allclose(m.forward(theta, X), pred, atol=1e-12)
    assert abs(L - L2) < 1e-12
    assert np.max(np.abs(g - g2)) < 1e-12


@pytest.mark.parametrize("dims,bias", [([2, 3, 2], False), ([2, 3, 2], True), ([2, 3, 3, 2], False),
                                       ([1, 2, 3, 2], True)])
@pytest.mark.parametrize("loss", ["square", "logistic"])
def test_gradient_relu_vs_sage_phi(dims, bias, loss):
    net = ReLUNetwork(dims, bias=bias)
    m = numeric_model(net)
    X, Y = make_dataset(net, 11, seed=2, task="classification" if loss == "logistic" else "regression")
    theta = initial_point(m, seed=5, scale=1.0)       # generic: mixed activation patterns
    A = _relu_feature_tensor(net, m, theta, X)
    pattern = m.activation_pattern(theta, X)
    assert (pattern == 1).any() and (pattern == -1).any()
    pred, L2, g2 = _grad_from_phi(m, A, theta, Y, loss)
    L, g = m.loss_and_grad(theta, X, Y, loss)
    assert np.allclose(m.forward(theta, X), pred, atol=1e-12)
    assert abs(L - L2) < 1e-12
    assert np.max(np.abs(g - g2)) < 1e-12


def test_gradient_of_laws_orthogonal_to_loss_gradient():
    # Proposition 2.16 numerically: <grad h, grad L> = 0 for every known law
    for arch in (LinearNetwork([2, 3, 2]), ReLUNetwork([2, 3, 2], bias=True), MatrixFactorization(2, 3, 2)):
        m = numeric_model(arch)
        H = CompiledPolynomials(arch.known_conservation_laws(), arch.polynomial_ring())
        theta = initial_point(m, seed=1, scale=1.0)
        X, Y = make_dataset(arch, 10, seed=4)
        _, g = m.loss_and_grad(theta, X, Y)
        assert np.max(np.abs(H.jacobian(theta) @ g)) < 1e-12


def test_compiled_polynomials_match_sage():
    net = LinearNetwork([2, 3, 2])
    laws = net.known_conservation_laws() + list(net.components())
    H = CompiledPolynomials(laws, net.polynomial_ring())
    pt = net.random_point(seed=2)
    pt = [QQ(x) / 2 ** 29 for x in pt]
    exact = [float(h(*pt)) for h in laws]
    assert np.allclose(H(np.array([float(x) for x in pt])), exact, rtol=1e-12, atol=1e-12)
    J = H.jacobian([float(x) for x in pt])
    assert np.allclose(J[0], [float(c(*pt)) for c in laws[0].gradient()])


def test_user_model_phi_f_grad_f():
    # phi(u, v) = u v with f(z, x) = z x: the linear network [1, 1, 1]
    R = PolynomialRing(QQ, ["u", "v"])
    u, v = R.gens()
    phi = Reparametrization([u * v])

    def f(z, X):
        return X * z[0]

    def grad_f(z, X):
        return X[:, :, None]

    X, Y = make_dataset(LinearNetwork([1, 1, 1]), 10, seed=0)
    t1 = train((phi, f, grad_f), X, Y, method="gd", eta=0.05, steps=30, theta0=[1.5, 0.5],
               laws=[u ** 2 - v ** 2])
    t2 = train(LinearNetwork([1, 1, 1]), X, Y, method="gd", eta=0.05, steps=30, theta0=[1.5, 0.5])
    assert np.allclose(t1.thetas, t2.thetas, atol=1e-13)
    assert np.allclose(t1.laws[:, 0], t2.laws[:, 0], atol=1e-13)
    tf = train((phi, f, grad_f), X, Y, method="flow", horizon=1.0, theta0=[1.5, 0.5], **FLOW_TOL)
    assert tf.laws.shape[1] == 0            # a bare Reparametrization knows no law
    tf = train((phi, f, grad_f), X, Y, method="flow", horizon=1.0, theta0=[1.5, 0.5],
               laws=phi.polynomial_conservation_laws(2), **FLOW_TOL)
    assert tf.drift().max() < DRIFT_BOUND


# ---------------------------------------------------------------------------
# exact conservation under the gradient flow
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("arch", [LinearNetwork([2, 3, 2]), LinearNetwork([2, 3, 3, 2]),
                                  MatrixFactorization(3, 2, 2)])
def test_flow_conserves_linear(arch):
    X, Y = make_dataset(arch, 30, seed=1)
    traj = train(arch, X, Y, method="flow", horizon=2.0, seed=3, **FLOW_TOL)
    assert isinstance(traj, Trajectory)
    assert traj.laws.shape == (len(traj.times), len(arch.known_conservation_laws()))
    assert traj.drift().max() < DRIFT_BOUND
    assert traj.loss[-1] < traj.loss[0]
    assert traj.activation_changed is None


@pytest.mark.parametrize("dims,bias,loss", [([2, 3, 2], False, "square"), ([1, 3, 3, 2], True, "square"),
                                            ([1, 4, 2], True, "logistic")])
def test_flow_conserves_relu_in_region(dims, bias, loss):
    net = ReLUNetwork(dims, bias=bias)
    task = "classification" if loss == "logistic" else "regression"
    X, Y, theta0 = relu_region_start(net, 30, seed=1, task=task)
    traj = train(net, X, Y, method="flow", horizon=1.0, theta0=theta0, loss=loss, **FLOW_TOL)
    assert traj.activation_changed is False
    assert traj.drift().max() < DRIFT_BOUND
    assert traj.loss[-1] < traj.loss[0]


def test_relu_activation_switch_is_detected():
    net = ReLUNetwork([1, 3, 2])
    X, Y = make_dataset(net, 30, seed=2)
    traj = train(net, X, Y, method="flow", horizon=5.0, seed=1, **FLOW_TOL)
    assert traj.activation_changed is True
    # the laws of Proposition 4.1 hold across switches too (ReLU is positively homogeneous)
    assert traj.drift().max() < 1e-6
    tg = train(net, X, Y, method="gd", eta=0.05, horizon=5.0, seed=1)
    assert tg.activation_changed is True


def test_extra_laws_from_algorithm_1_are_recorded_and_conserved():
    net = LinearNetwork([1, 2, 1])
    extra = net.polynomial_conservation_laws(2)
    traj = train(net, method="flow", horizon=1.0, laws=extra, **FLOW_TOL)
    assert traj.laws.shape[1] == len(net.known_conservation_laws()) + len(extra)
    assert traj.law_polynomials[-len(extra):] == extra
    assert traj.drift().max() < DRIFT_BOUND


# ---------------------------------------------------------------------------
# degenerate starts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("arch", [LinearNetwork([2, 3, 2]), ReLUNetwork([2, 3, 2])])
@pytest.mark.parametrize("method", ["flow", "gd"])
def test_zero_neuron_stays_zero(arch, method):
    m = numeric_model(arch)
    theta = initial_point(m, seed=0)
    U1 = arch.unflatten(list(range(arch.D)))   # index map
    idx = [int(U1["U1"][i, 0]) for i in range(2)] + [int(U1["U2"][0, j]) for j in range(2)]
    theta[idx] = 0.0                           # hidden neuron 0: no incoming, no outgoing weight
    X, Y = make_dataset(arch, 20, seed=1)
    steps = None if method == "flow" else 50      # the flow records 50 intervals, GD takes 50 steps
    # a ReLU flow that reaches a kink may slide along it (the solver crawls): stop at a first switch
    traj = train(arch, X, Y, method=method, eta=0.05, steps=steps, records=50, horizon=2.0, theta0=theta,
                 stop_on_switch=True, **FLOW_TOL)
    assert np.all(traj.thetas[:, idx] == 0.0)
    assert traj.loss[-1] < traj.loss[0]


def test_balanced_initialization_stays_balanced():
    net = LinearNetwork([3, 2, 3])
    rng = np.random.default_rng(0)
    P, _ = np.linalg.qr(rng.standard_normal((3, 2)))
    Q, _ = np.linalg.qr(rng.standard_normal((3, 2)))
    S = np.diag([1.3, 0.7])
    theta0 = net.flatten({"U1": P @ S, "U2": S @ Q.T})
    X, Y = make_dataset(net, 20, seed=1)
    traj = train(net, X, Y, method="flow", horizon=2.0, theta0=theta0, **FLOW_TOL)
    assert np.max(np.abs(traj.laws[0])) < 1e-12             # U1^T U1 - U2 U2^T = 0
    assert np.max(np.abs(traj.laws)) < DRIFT_BOUND          # ... and stays 0
    tg = train(net, X, Y, method="gd", eta=0.05, horizon=2.0, theta0=theta0)
    assert np.max(np.abs(tg.laws)) > 1e-6                    # GD leaves the balanced set


# ---------------------------------------------------------------------------
# discrete methods break the laws, at a measured rate
# ---------------------------------------------------------------------------

def test_gd_drift_exponent():
    res = gd_drift_vs_eta(LinearNetwork([2, 3, 2]), etas=[0.004, 0.008, 0.016, 0.032], horizon=0.5)
    # fixed horizon: T/eta steps of O(eta^2) each -> slope 1; one step -> slope 2
    assert 0.85 <= res["run_slope"] <= 1.15, res
    assert 1.85 <= res["step_slope"] <= 2.15, res
    res = gd_drift_vs_eta(ReLUNetwork([2, 3, 2]), etas=[0.004, 0.008, 0.016, 0.032], horizon=0.5)
    assert 0.85 <= res["run_slope"] <= 1.15, res
    assert 1.85 <= res["step_slope"] <= 2.15, res


def test_sgd_drift_vs_batch_size_and_momentum():
    net = LinearNetwork([2, 3, 2])
    res = sgd_drift_vs_batch_size(net, batch_sizes=[1, 5, 50], eta=0.02, horizon=0.5)
    assert res["drift"][0] > res["drift"][-1] > 0
    t = train(net, method="momentum", eta=0.02, steps=100, momentum=0.9)
    assert t.loss[-1] < t.loss[0] and t.drift().max() > 0
    assert t.info["momentum"] == 0.9


# ---------------------------------------------------------------------------
# Proposition 3.7 / Example 3.8, and the metric
# ---------------------------------------------------------------------------

def test_example_3_8_intrinsic_flow_agrees():
    for d, seed in ((1, 0), (3, 1)):
        res = example_3_8(d=d, seed=seed, horizon=2.0)
        assert res["delta"] > 0
        assert res["max_deviation"] < 1e-7
        assert res["metric_error"] < 1e-7
        assert np.max(np.abs(res["z_flow"][-1] - res["z_flow"][0])) > 1e-2   # z really moved


def test_metric_depends_on_init_only_through_laws():
    res = metric_along_flow(horizon=0.5)
    assert res["activation_changed"] is False
    assert res["max_error"] < 1e-8 and res["max_metric_change"] > 1e-3
    res = metric_depends_on_laws()
    assert res["initial_phi_diff"] < 1e-12
    assert np.allclose(res["laws_a"], res["laws_b"], atol=1e-12)
    assert not np.allclose(res["laws_a"], res["laws_c"], atol=1e-3)
    assert res["equal_laws_metric_diff"] < 1e-8 and res["equal_laws_z_diff"] < 1e-8
    assert res["other_laws_metric_diff"] > 1e-2 and res["other_laws_z_diff"] > 1e-3


# ---------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------

def test_plots_return_figures(tmp_path):
    net = LinearNetwork([1, 2, 1])
    traj = train(net, method="gd", eta=0.05, steps=20)
    for fig in (plot_trajectory(traj), traj.plot(relative=True),
                plot_drift_vs_eta(gd_drift_vs_eta(net, etas=[0.01, 0.02], horizon=0.1)),
                plot_drift_vs_batch_size({"batch_sizes": np.array([1, 2]), "drift": np.array([2., 1.])}),
                plot_example_3_8(example_3_8(d=1, horizon=0.3))):
        fig.savefig(tmp_path / "f.png")
        assert (tmp_path / "f.png").stat().st_size > 0


# ---------------------------------------------------------------------------
# input checking
# ---------------------------------------------------------------------------

def test_bad_input():
    net = LinearNetwork([2, 3, 2])
    X, Y = make_dataset(net, 10, seed=0)
    with pytest.raises(ValueError, match="unknown method"):
        train(net, X, Y, method="adam")
    with pytest.raises(ValueError, match="X must have shape"):
        train(net, X[:, :1], Y)
    with pytest.raises(ValueError, match="X must have shape"):
        train(net, X[0], Y)
    with pytest.raises(ValueError, match="Y must have shape"):
        train(net, X, Y[:, :1])
    with pytest.raises(ValueError, match="same number N of rows"):
        train(net, X, Y[:5])
    with pytest.raises(ValueError, match="theta0 has 3 coordinates"):
        train(net, X, Y, theta0=[1, 2, 3])
    with pytest.raises(TypeError, match="theta0 must be a sequence"):
        train(net, X, Y, theta0=5)
    with pytest.raises(ValueError, match="unknown loss"):
        train(net, X, Y, loss="hinge")
    with pytest.raises(ValueError, match="labels Y in"):
        train(net, X, (Y > 0).astype(float), loss="logistic")
    with pytest.raises(ValueError, match="batch_size"):
        train(net, X, Y, method="sgd", batch_size=11)
    with pytest.raises(ValueError, match="eta must be"):
        train(net, X, Y, method="gd", eta=-1)
    with pytest.raises(ValueError, match="momentum must be"):
        train(net, X, Y, method="momentum", momentum=1.5)
    with pytest.raises(ValueError, match="horizon"):
        train(net, X, Y, method="flow", horizon=0)
    with pytest.raises(ValueError, match="give both X and Y"):
        train(net, X)
    R = PolynomialRing(QQ, ["u", "v"])
    with pytest.raises(TypeError, match="needs a model f"):
        train(Reparametrization([R.gen(0) * R.gen(1)]), X, Y)
    with pytest.raises(TypeError, match="cannot train"):
        train("net", X, Y)
    with pytest.raises(ValueError, match="task"):
        make_dataset(net, 5, task="ranking")


def test_exact_point_and_sage_numbers_accepted():
    mf = MatrixFactorization(2, 2, 1)
    theta0 = mf.point(U=[[1], [QQ(1) / 2]], V=[[2], [-1]])
    traj = train(mf, method="gd", eta=QQ(1) / 20, steps=10, theta0=theta0)
    assert traj.thetas[0].tolist() == [1.0, 0.5, 2.0, -1.0]
    assert traj.laws[0, 0] == 1.25 - 5.0


def test_stop_on_switch_and_nfev_budget():
    net = ReLUNetwork([1, 3, 2])
    X, Y = make_dataset(net, 30, seed=2)
    t = train(net, X, Y, method="flow", horizon=5.0, seed=1, stop_on_switch=True, **FLOW_TOL)
    assert t.activation_changed is True and t.times[-1] == t.info["first_switch_time"] < 5.0
    assert t.drift().max() < DRIFT_BOUND
    with pytest.raises(RuntimeError, match="max_nfev"):
        train(net, X, Y, method="flow", horizon=5.0, seed=1, max_nfev=50, **FLOW_TOL)


# ---------------------------------------------------------------------------
# one polynomial evaluator, two arithmetics
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_evaluator_float_and_mod_p_agree_with_sage(seed):
    import random
    from sage_conslaw.architectures import random_vector_fields
    from sage_conslaw.core.modular import PolynomialEvaluator, PolynomialsModP
    D = 2 + seed % 3
    fields = random_vector_fields(D, 2, 1 + seed % 3, seed=seed, bound=3)
    polys = [c / (1 + i % 3) for i, c in enumerate(c for V in fields for c in V.components())]
    R = polys[0].parent()
    rng = random.Random(seed)
    pt = [rng.randint(-5, 5) for _ in range(D)]
    p = 10007
    F, P = PolynomialEvaluator(polys, D), PolynomialsModP(polys, D, p=p)
    assert np.allclose(F.values(pt), [float(f(*pt)) for f in polys])
    assert P.values(pt).tolist() == [float(QQ(f(*pt)) % p) for f in polys]
    J = [[c(*pt) for c in f.gradient()] for f in polys]
    assert np.allclose(F.jacobian(pt), [[float(x) for x in row] for row in J])
    assert P.jacobian(pt).tolist() == [[float(QQ(x) % p) for x in row] for row in J]
    many = [[rng.randint(-3, 3) for _ in range(D)] for _ in range(4)]
    assert np.allclose(F.values(many), [F.values(q) for q in many])
    assert np.allclose(CompiledPolynomials(polys, R)(np.array(many, dtype=float)), F.values(many))


# ---------------------------------------------------------------------------
# the training methods: one registry, seeds from SeedSequence streams
# ---------------------------------------------------------------------------

def test_a_registered_method_is_trainable():
    from sage_conslaw.flows.descents import METHODS, descend, register_method

    @register_method("half_gd")
    def half_gd(problem, eta=0.01, steps=None, horizon=None):
        return descend(problem, "half_gd", lambda theta, g: -0.5 * eta * g, eta, steps or 10)
    try:
        net = LinearNetwork([1, 2, 1])
        t = train(net, method="half_gd", eta=0.1, steps=20, seed=3, rtol=1e-3)    # rtol is not its option
        g = train(net, method="gd", eta=0.05, steps=20, seed=3)
        assert t.method == "half_gd" and len(t.times) == 21
        assert np.allclose(t.thetas[-1], g.thetas[-1])        # half the step = GD with eta / 2
    finally:
        del METHODS["half_gd"]
    with pytest.raises(ValueError, match="unknown method 'half_gd'"):
        train(net, method="half_gd")


def test_seed_streams_are_independent():
    from sage_conslaw.flows.data import random_generator
    net = LinearNetwork([2, 3, 2])
    X1, Y1 = make_dataset(net, 20, seed=5)
    X2, Y2 = make_dataset(net, 20, seed=5, noise=0.1)
    assert np.array_equal(X1, X2) and not np.array_equal(Y1, Y2)       # the noise has its own stream
    th = initial_point(net, seed=5)
    assert not np.allclose(np.sort(np.abs(th)), np.sort(np.abs(initial_point(net, seed=5, stream="teacher"))))
    a = random_generator(np.random.SeedSequence(5), "inputs").standard_normal(3)
    assert np.array_equal(a, random_generator(5, "inputs").standard_normal(3))
    with pytest.raises(ValueError, match="the seed must be an integer >= 0"):
        make_dataset(net, 5, seed=-1)
    with pytest.raises(TypeError, match="the seed must be an integer"):
        initial_point(net, seed=1.5)


def test_sgd_repeats_use_spawned_streams():
    net = LinearNetwork([2, 3, 2])
    X, Y = make_dataset(net, 20, seed=1)
    runs = [train(net, X, Y, method="sgd", eta=0.05, steps=10, batch_size=2, seed=s)
            for s in np.random.SeedSequence(1).spawn(2)]
    assert not np.allclose(runs[0].thetas[-1], runs[1].thetas[-1])
    again = train(net, X, Y, method="sgd", eta=0.05, steps=10, batch_size=2, seed=np.random.SeedSequence(1).spawn(2)[0])
    assert np.array_equal(again.thetas[-1], runs[0].thetas[-1])


def test_flow_steps_is_deprecated_for_records():
    net = LinearNetwork([1, 2, 1])
    with pytest.warns(DeprecationWarning, match="use records=7"):
        t = train(net, method="flow", steps=7, horizon=0.1)
    assert len(t.times) == 8
    assert len(train(net, method="flow", records=7, horizon=0.1).times) == 8
    assert len(train(net, method="gd", steps=7, eta=0.01).times) == 8


# ---------------------------------------------------------------------------
# review finding 2: clear errors of train
# ---------------------------------------------------------------------------

def test_train_solver_is_checked_by_name():
    from sage_conslaw.flows.descents import ODE_SOLVERS
    net = LinearNetwork([1, 2, 1])
    for method in ("flow", "heavy_ball", "mirror", "weight_decay"):
        kw = dict(rate=1) if method == "weight_decay" else {}
        with pytest.raises(ValueError, match=r"^solver must be one of .*'DOP853'.*got 'foo'") as err:
            train(net, method=method, solver="foo", **kw)
        assert "`method`" not in str(err.value)
    # every name offered really is an integrator of solve_ivp
    for solver in ODE_SOLVERS:
        traj = train(net, method="flow", solver=solver, horizon=0.05, records=2)
        assert traj.info["solver"] == solver
    with pytest.raises(TypeError, match="solver must be"):
        train(net, method="flow", solver=3)


def test_train_data_and_start_that_are_not_numbers():
    net = LinearNetwork([1, 2, 1])
    with pytest.raises(TypeError, match=r"^X must be an array of real numbers .*'abc'"):
        train(net, "abc", "def")
    with pytest.raises(TypeError, match=r"^Y must be an array of real numbers .*'def'"):
        train(net, np.ones((3, 1)), "def")
    with pytest.raises(TypeError, match=r"^theta0 must be a sequence of 4 numbers .*'abcdefgh'"):
        train(net, theta0="abcdefgh")
    with pytest.raises(TypeError, match=r"^theta0 must be a sequence of 4 numbers"):
        train(net, theta0=[1, 2, "x", 4])
    # numbers in strings are not silently converted either
    with pytest.raises(TypeError, match="^X must be"):
        train(net, [["1"], ["2"]], [[1.], [2.]])


def test_train_unknown_model_lists_what_trains():
    from sage_conslaw.flows.models import trainable_architectures
    from sage_conslaw.core.registry import TWINS, twin_builder
    import sage_conslaw.architectures as A
    names = trainable_architectures()
    for name in ("LinearNetwork", "ReLUNetwork", "MatrixFactorization", "ScalarTimesVector", "NMF", "ICNN",
                 "Attention", "MultiHeadAttention", "ConvNetwork", "Residual", "Sequential"):
        assert name in names
    assert "Architecture" not in names
    # every architecture listed has its own numeric twin, and trains
    for name in names:
        cls = getattr(A, name)
        assert twin_builder(cls) not in (None, TWINS[A.Architecture])
    with pytest.raises(TypeError) as err:
        train(3)
    assert all(name in str(err.value) for name in names)
