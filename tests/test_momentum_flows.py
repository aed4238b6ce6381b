"""Numerical flows of sage_conslaw.flows.second_order: along the heavy-ball,
Nesterov, mirror and weight-decay ODEs, the laws of the corresponding exact
model (sage_conslaw.dynamics) stay constant to the solver's tolerance (below
1e-8 relative), while the gradient-flow laws drift."""
import numpy as np
import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw.architectures import ICNN, NMF, LinearNetwork, uv
from sage_conslaw.flows.second_order import (conservation_loss, mirror_flow, momentum_flow, plot_conservation_loss,
                                             weight_decay_flow)

TOL = 1e-8


@pytest.mark.parametrize("dims", [[2, 3, 2], [1, 3, 1], [2, 2, 3, 1], [1, 3, 1, 2]])
@pytest.mark.parametrize("tau", [0, 1, 2, 'nesterov'])
def test_momentum_laws_are_conserved_and_balancedness_drifts(dims, tau):
    net = LinearNetwork(dims)
    kw = dict(nesterov=True) if tau == 'nesterov' else dict(friction=tau)
    traj = momentum_flow(net, horizon=2.0, seed=3, velocity0='random', **kw)
    mom, gf = traj.info['momentum_laws'], traj.info['gradient_flow_laws']
    assert mom and gf
    assert conservation_loss(traj, mom).max() < TOL
    assert conservation_loss(traj, gf).max() > 1e-4
    assert np.all(np.isfinite(traj.laws))


def test_momentum_law_value_is_the_formula():
    # s (A + B) evaluated by hand at the last record equals the recorded column
    net = LinearNetwork([2, 2, 2])
    traj = momentum_flow(net, friction=1, horizon=1.0, seed=0, velocity0='random')
    th, v, t = traj.thetas[-1], traj.info['velocity'], traj.times[-1]
    U1, U2 = th[:4].reshape(2, 2), th[4:].reshape(2, 2)
    V1, V2 = v[:4].reshape(2, 2), v[4:].reshape(2, 2)
    M = U1.T @ V1 - V1.T @ U1 + U2 @ V2.T - V2 @ U2.T
    (col,) = traj.info['momentum_laws']
    assert abs(np.exp(t) * M[0, 1] - traj.laws[-1, col]) < 1e-9 * max(1, abs(traj.laws[-1, col]))


def test_nesterov_starts_at_t0_and_loss_decreases():
    traj = momentum_flow(LinearNetwork([2, 2, 2]), nesterov=True, start=2.0, horizon=3.0, seed=1)
    assert traj.times[0] == 2.0 and traj.times[-1] == 5.0
    assert traj.loss[-1] < traj.loss[0]


@pytest.mark.parametrize("sizes", [(2, 2, 2), (3, 2, 4), (1, 3, 2)])
def test_mirror_flow_nmf(sizes):
    traj = mirror_flow(NMF(*sizes), horizon=1.0, seed=2)
    assert conservation_loss(traj).max() < TOL
    assert (traj.thetas > 0).all()
    assert traj.loss[-1] < traj.loss[0]


def test_mirror_flow_icnn():
    net = ICNN(2, 3, 2)
    traj = mirror_flow(net, horizon=1.0, seed=0)
    assert traj.info['mirror_coordinates'] == net.mirror_coordinates()
    assert conservation_loss(traj).max() < TOL
    assert (traj.thetas[:, :6] > 0).all()


def test_euclidean_flow_breaks_the_mirror_laws():
    # the NMF laws are laws of the mirror flow, not of the Euclidean one
    from sage_conslaw.flows import train
    nmf = NMF(2, 2, 2)
    traj = train(nmf, method='flow', horizon=1.0, seed=2)
    assert traj.drift().max() > 1e-4


@pytest.mark.parametrize("model", [LinearNetwork([2, 3, 2]), NMF(2, 2, 3)], ids=repr)
@pytest.mark.parametrize("rate", [0.5, 2])
def test_weight_decay_flow(model, rate):
    traj = weight_decay_flow(model, rate, horizon=1.5, seed=1)
    assert conservation_loss(traj, traj.info['momentum_laws']).max() < TOL
    assert conservation_loss(traj, traj.info['gradient_flow_laws']).max() > 1e-4


def test_plot():
    traj = momentum_flow(LinearNetwork([2, 2, 2]), friction=1, horizon=1.0, seed=0, velocity0='random')
    fig = plot_conservation_loss(traj)
    assert len(fig.axes[0].get_lines()) == 2


def test_bad_input():
    net = LinearNetwork([2, 2, 2])
    with pytest.raises(ValueError, match="nonnegative"):
        momentum_flow(net, friction=-0.5)
    with pytest.raises(TypeError, match="nonnegative number"):
        momentum_flow(net, friction="fast")
    with pytest.raises(ValueError, match="start must be a positive"):
        momentum_flow(net, nesterov=True, start=-1)
    with pytest.raises(ValueError, match="initial time of the Nesterov"):
        momentum_flow(net, friction=1, start=1)
    with pytest.raises(ValueError, match="velocity0 has 3 coordinates"):
        momentum_flow(net, velocity0=[1, 2, 3])
    with pytest.raises(ValueError, match="velocity0 must be one of"):
        momentum_flow(net, velocity0='zero')
    with pytest.raises(ValueError, match="positive orthant"):
        mirror_flow(NMF(1, 1, 1), theta0=[1, 0])
    with pytest.raises(ValueError, match="mirror coordinates must lie"):
        mirror_flow(NMF(1, 1, 1), mirror=[5])
    with pytest.raises(ValueError, match="rate must be a positive"):
        weight_decay_flow(net, -1)
    with pytest.raises(TypeError):
        momentum_flow(uv())          # a toy model without a numeric twin: a clear TypeError from train's setup


@pytest.mark.parametrize("method,kw", [('heavy_ball', dict(friction=1, velocity0='random')),
                                       ('nesterov', dict(start=0.5, velocity0='random')),
                                       ('weight_decay', dict(rate=1))])
def test_train_methods(method, kw):
    from sage_conslaw.flows import train
    traj = train(LinearNetwork([2, 3, 2]), method=method, horizon=1.5, seed=5, **kw)
    assert traj.method == method
    assert conservation_loss(traj, traj.info['momentum_laws']).max() < TOL
    assert conservation_loss(traj, traj.info['gradient_flow_laws']).max() > 1e-5


def test_train_mirror_and_bad_options():
    from sage_conslaw.flows import train
    nmf = NMF(2, 1, 2)
    traj = train(nmf, method='mirror', theta0=[1, 2, 3, 4], horizon=1.0)
    assert conservation_loss(traj).max() < TOL
    with pytest.raises(ValueError, match="positive orthant"):
        train(nmf, method='mirror', theta0=[1, -2, 3, 4])
    with pytest.raises(TypeError, match="unexpected option friction"):
        train(nmf, method='flow', friction=1)
    with pytest.raises(ValueError, match="nonnegative"):
        train(LinearNetwork([2, 2]), method='heavy_ball', friction=-1)


# ---------------------------------------------------------------------------
# review finding 1: the default start lies in the domain of the method
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", [NMF(2, 2, 2), ICNN(2, 2, 1), NMF(1, 3, 2)], ids=repr)
def test_train_mirror_default_start_is_positive(model):
    from sage_conslaw.flows import train
    traj = train(model, method='mirror', horizon=0.1, seed=3)
    mirror = traj.info['mirror_coordinates']
    assert mirror and (traj.thetas[0][mirror] > 0).all()
    assert conservation_loss(traj).max() < TOL
    # the same start as mirror_flow draws (one home for the default start)
    other = mirror_flow(model, horizon=0.1, seed=3)
    assert np.array_equal(other.thetas[0], traj.thetas[0])


def test_default_start_positive_on_the_model_coordinates_only_when_needed():
    from sage_conslaw.flows import initial_point, train
    # NMF wants all its coordinates positive, whatever the method
    for method in ('flow', 'gd', 'heavy_ball', 'weight_decay'):
        kw = dict(rate=1) if method == 'weight_decay' else {}
        traj = train(NMF(2, 2, 2), method=method, horizon=0.05, eta=0.01, seed=1, **kw)
        assert (traj.thetas[0] > 0).all(), method
    # ICNN: only U (the mirror coordinates) is positive, V keeps its signs
    icnn = ICNN(2, 3, 2)
    traj = train(icnn, method='flow', horizon=0.05, seed=2)
    mask = np.zeros(icnn.D, dtype=bool)
    mask[list(icnn.mirror_coordinates())] = True
    assert (traj.thetas[0][mask] > 0).all() and (traj.thetas[0][~mask] < 0).any()
    # a linear network is drawn as before by the Euclidean methods ...
    net = LinearNetwork([2, 3, 2])
    traj = train(net, method='flow', horizon=0.05, seed=4)
    assert np.array_equal(traj.thetas[0], initial_point(net, seed=4))
    # ... but positive on the mirror coordinates under the mirror flow
    traj = train(net, method='mirror', horizon=0.05, seed=4)
    assert (traj.thetas[0] > 0).all()
    traj = train(net, method='mirror', mirror=[0, 1], horizon=0.05, seed=4)
    start = traj.thetas[0]
    assert (start[:2] > 0).all() and np.array_equal(start[2:], initial_point(net, seed=4)[2:])
    # a given theta0 is never moved
    with pytest.raises(ValueError, match="positive orthant"):
        train(NMF(1, 1, 1), method='mirror', theta0=[1, -1])


def test_momentum_flow_draws_the_start_as_train_does():
    from sage_conslaw.flows import train
    for nesterov, method in ((False, 'heavy_ball'), (True, 'nesterov')):
        a = momentum_flow(NMF(2, 1, 2), nesterov=nesterov, horizon=0.1, seed=6)
        b = train(NMF(2, 1, 2), method=method, horizon=0.1, seed=6)
        assert (a.thetas[0] > 0).all() and np.array_equal(a.thetas[0], b.thetas[0])
    with pytest.raises(TypeError, match="mirror must be a list"):
        train(NMF(1, 1, 1), method='mirror', mirror=1)
