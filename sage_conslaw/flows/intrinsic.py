r"""
Follow the flow in `z = \phi(\theta)`: Proposition 3.7, Example 3.8, and the metric
`M = \partial\phi\,\partial\phi^\top` along the flow.

For `\phi(u, v) = u v` (`u` scalar, `v \in \RR^d`) and any loss `f(z)`, the
gradient flow of `f(\phi(\theta))` pushes forward to the intrinsic flow
`\dot z = -M(z, \theta_{init}) \nabla f(z)` with

.. MATH::

    M = \|z\|_\delta I + \|z\|_\delta^{-1} z z^\top,\quad
    \|z\|_\delta = \delta + \sqrt{\delta^2 + \|z\|^2},\quad
    \delta = (u_{init}^2 - \|v_{init}\|^2)/2.

:func:`example_3_8` integrates both flows and compares them.

For a two-layer ReLU network (no bias) on a fixed activation region, or a
rank-one matrix factorization, each neuron `j` contributes `z_j = u_j v_j^\top`
and, with `\delta_j = (\|u_j\|^2 - \|v_j\|^2)/2` (a conservation law),
`\|u_j\|^2 = \|z_j\|_{\delta_j}`, `\|v_j\|^2 = \|z_j\|_{-\delta_j}`, so

.. MATH::

    M(\Delta) = \sum_j \frac{z_j z_j^\top \Delta_j}{\|z_j\|_{-\delta_j}} + \frac{\Delta_j z_j^\top z_j}{\|z_j\|_{\delta_j}}

blockwise: `M` depends on `\theta` only through `z` and the laws.
:func:`metric_along_flow` checks this numerically along a flow, and
:func:`metric_depends_on_laws` compares the metric of two initializations
with equal `\phi` and equal laws (equal) with one of equal `\phi` and
different laws (different).

EXAMPLES::

    sage: from sage_conslaw.flows import example_3_8
    sage: res = example_3_8(d=3, horizon=2.0)
    sage: res['max_deviation'] < 1e-7
    True
"""
import numpy as np
from sage.misc.lazy_import import lazy_import

from sage_conslaw.architectures import MatrixFactorization, ReLUNetwork, ScalarTimesVector
from sage_conslaw.architectures.toy import example_3_8_metric
from sage_conslaw.flows.data import as_theta, make_dataset, random_generator, relu_region_start
from sage_conslaw.flows.models import numeric_model
from sage_conslaw.flows.train import train

lazy_import("scipy.integrate", "solve_ivp")     # scipy.integrate takes ~1 s to import: only for a flow


def norm_delta(z, delta):
    r"""
    Return `\|z\|_\delta = \delta + \sqrt{\delta^2 + \|z\|^2}`.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.flows.intrinsic import norm_delta
        sage: float(norm_delta(np.array([3., 4.]), 0.0)), float(norm_delta(np.array([0., 0.]), 2.0))
        (5.0, 4.0)
    """
    return delta + np.sqrt(delta ** 2 + float(np.dot(np.ravel(z), np.ravel(z))))


def metric_example_3_8(z, delta):
    r"""
    Return `M(z) = \|z\|_\delta I + \|z\|_\delta^{-1} z z^\top` of Example 3.8
    (the formula of :func:`~sage_conslaw.architectures.toy.example_3_8_metric`).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.flows.intrinsic import metric_example_3_8
        sage: metric_example_3_8(np.array([3., 4.]), 0.0).tolist()
        [[6.8, 2.4], [2.4, 8.2]]
    """
    z = np.asarray(z, dtype=float)
    return example_3_8_metric(z[:, None], norm_delta(z, delta), np.eye(len(z)))


def example_3_8(d=2, N=20, seed=0, horizon=2.0, theta0=None, rtol=1e-11, atol=1e-12, records=50):
    r"""
    Check Example 3.8: the flow of `\theta = (u, v)` and the intrinsic flow of `z = uv` agree.

    The loss is the square loss of a linear regression in `z`,
    `f(z) = \frac{1}{2N}\|Xz - y\|^2` (the model `x \mapsto u\langle v, x\rangle`
    of :class:`~sage_conslaw.architectures.ScalarTimesVector`).  Both ODEs are
    integrated with ``solve_ivp`` (DOP853) at the same tolerances.

    INPUT:

    - ``d`` -- the dimension of `v`
    - ``N``, ``seed`` -- the synthetic data (``make_dataset``) and default initialization
    - ``horizon`` -- the final time
    - ``theta0`` -- `(u, v_1, \dots, v_d)` (default: random with `u_{init}^2 > \|v_{init}\|^2`,
      so `\delta > 0` and `u` never vanishes)
    - ``rtol``, ``atol`` -- solver tolerances

    OUTPUT: a dict: ``times``, ``z_flow`` (`\phi(\theta(t))`), ``z_intrinsic``,
    ``delta``, ``max_deviation`` (`\max_t \|z_{flow} - z_{intrinsic}\|_\infty`),
    ``metric_error`` (`\max_t \|\partial\phi\partial\phi^\top - M(z(t))\|_\infty`)

    EXAMPLES::

        sage: from sage_conslaw.flows import example_3_8
        sage: res = example_3_8(d=2, seed=1)
        sage: bool(res['delta'] > 0), res['max_deviation'] < 1e-7, res['metric_error'] < 1e-7
        (True, True, True)
        sage: res = example_3_8(d=1, theta0=[1/2, 1])     # delta < 0 works while u stays away from 0
        sage: float(res['delta']), res['max_deviation'] < 1e-7
        (-0.375, True)
    """
    d, N, horizon = int(d), int(N), float(horizon)
    phi = ScalarTimesVector(d)
    m = numeric_model(phi)
    X, Y = make_dataset(m, N, seed=seed)
    if theta0 is None:
        v = random_generator(seed, "initialization").standard_normal(d) * 0.5
        u = np.sqrt(np.dot(v, v) + 0.5)
        theta = np.concatenate([[u], v])
    else:
        theta = as_theta(theta0, m.D)
    delta = 0.5 * (theta[0] ** 2 - np.dot(theta[1:], theta[1:]))
    traj = train(m, X, Y, method="flow", horizon=horizon, theta0=theta, rtol=rtol, atol=atol, records=records)
    z_flow = traj.thetas[:, :1] * traj.thetas[:, 1:]
    y = Y[:, 0]

    def grad_f(z):
        return X.T @ (X @ z - y) / X.shape[0]

    def rhs(t, z):
        return -metric_example_3_8(z, delta) @ grad_f(z)

    sol = solve_ivp(rhs, (0.0, float(horizon)), z_flow[0], method="DOP853", t_eval=traj.times,
                    rtol=rtol, atol=atol)
    z_int = sol.y.T
    metric_err = max(float(np.max(np.abs(m.phi_jacobian(th) @ m.phi_jacobian(th).T
                                         - metric_example_3_8(th[0] * th[1:], delta))))
                     for th in traj.thetas)
    return {"times": traj.times, "z_flow": z_flow, "z_intrinsic": z_int, "delta": float(delta),
            "max_deviation": float(np.max(np.abs(z_flow - z_int))), "metric_error": metric_err,
            "trajectory": traj}


def metric(model, theta):
    r"""
    Return `M(\theta) = \partial\phi(\theta)\,\partial\phi(\theta)^\top` (``d x d``, float64).

    `\partial\phi` comes from the exact derivatives of the Sage polynomials of `\phi`.

    EXAMPLES::

        sage: from sage_conslaw.architectures import ScalarTimesVector
        sage: from sage_conslaw.flows import metric
        sage: metric(ScalarTimesVector(2), [2., 1., 0.]).tolist()
        [[5.0, 0.0], [0.0, 4.0]]
    """
    m = numeric_model(model)
    J = m.phi_jacobian(np.asarray(theta, dtype=float))
    return J @ J.T


def _neurons(m, theta):
    """
    Per hidden neuron j of a 2-layer net: (u_j, v_j) = (column j of U1, row j of U2).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows.intrinsic import _neurons
        sage: [(u.tolist(), v.tolist()) for u, v in _neurons(ReLUNetwork([1, 2, 1]).numeric_model(), np.arange(4.))]
        [([0.0], [2.0]), ([1.0], [3.0])]
    """
    U1, U2 = m.weights(np.asarray(theta, dtype=float))
    return [(U1[:, j], U2[j, :]) for j in range(U1.shape[1])]


def metric_closed_form(model, z_blocks, deltas):
    r"""
    Return the metric of a two-layer network from `(z_j)_j` and the laws `\delta_j` only.

    With `z_j = u_j v_j^\top` and `\delta_j = (\|u_j\|^2 - \|v_j\|^2)/2`, the block
    of neuron `j` is `\Delta \mapsto z_j z_j^\top \Delta / \|z_j\|_{-\delta_j} +
    \Delta z_j^\top z_j / \|z_j\|_{\delta_j}` (in the coordinates of the path
    products of :class:`~sage_conslaw.architectures.ReLUNetwork` ``[n, r, m]``,
    ordered `(j_0, j_1, j_2)`).

    INPUT:

    - ``model`` -- a two-layer ``ReLUNetwork`` without biases
    - ``z_blocks`` -- the `r` matrices `z_j` (`n \times m`)
    - ``deltas`` -- the `r` numbers `\delta_j`

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows import metric, metric_closed_form, initial_point
        sage: net = ReLUNetwork([2, 2, 3])
        sage: th = initial_point(net, seed=0)
        sage: U1, U2 = th[:4].reshape(2, 2), th[4:].reshape(2, 3)
        sage: zs = [np.outer(U1[:, j], U2[j]) for j in range(2)]
        sage: ds = [(U1[:, j] @ U1[:, j] - U2[j] @ U2[j]) / 2 for j in range(2)]
        sage: bool(np.allclose(metric(net, th), metric_closed_form(net, zs, ds)))
        True
    """
    n, r, mm = model.dims
    d = n * r * mm
    M = np.zeros((d, d))
    for j in range(r):
        z = np.asarray(z_blocks[j], dtype=float)
        a = norm_delta(z, deltas[j])       # |u_j|^2
        b = norm_delta(z, -deltas[j])      # |v_j|^2
        left = z @ z.T / b if b > 0 else np.zeros((n, n))      # u u^T
        right = z.T @ z / a if a > 0 else np.zeros((mm, mm))   # v v^T
        idx = np.array([[model.path_index((j0, j, j2)) for j2 in range(mm)] for j0 in range(n)])
        # M(Delta) = u u^T Delta + Delta v v^T  as a (n m) x (n m) matrix on vec(Delta) row-major
        block = np.kron(left, np.eye(mm)) + np.kron(np.eye(n), right)
        flat = idx.ravel()
        M[np.ix_(flat, flat)] = block
    return M


def metric_along_flow(model=None, X=None, Y=None, horizon=1.0, theta0=None, seed=0, rtol=1e-10, atol=1e-12,
                      records=20):
    r"""
    Train a two-layer ReLU network by gradient flow and compare, along the flow,
    `M = \partial\phi\,\partial\phi^\top` with the closed form of (`z(t)`, laws at `\theta_{init}`).

    INPUT:

    - ``model`` -- a two-layer :class:`~sage_conslaw.architectures.ReLUNetwork`
      without biases (default ``ReLUNetwork([2, 3, 2])``)
    - the rest as in :func:`~sage_conslaw.flows.train`

    OUTPUT: a dict: ``max_error`` (`\max_t \|M(\theta(t)) - M(z(t), \delta(\theta_{init}))\|_\infty`),
    ``max_metric_change`` (how much `M` itself moves), ``activation_changed``,
    ``trajectory``

    EXAMPLES::

        sage: from sage_conslaw.flows import metric_along_flow
        sage: res = metric_along_flow(horizon=0.5)
        sage: res['max_error'] < 1e-8, res['max_metric_change'] > 1e-3, res['activation_changed']
        (True, True, False)
    """
    if model is None:
        model = ReLUNetwork([2, 3, 2])
    if not (getattr(model, "relu", False) and getattr(model, "depth", None) == 2 and model.bias is False):
        raise ValueError("metric_along_flow needs a two-layer ReLUNetwork without biases")
    m = numeric_model(model)
    if X is None and Y is None and theta0 is None:
        X, Y, theta0 = relu_region_start(m, 30, seed=seed)
    elif X is None and Y is None:
        X, Y = make_dataset(m, 30, seed=seed)
    traj = train(m, X, Y, method="flow", horizon=horizon, theta0=theta0, seed=seed, rtol=rtol, atol=atol,
                 records=records)
    th0 = traj.thetas[0]
    deltas = [(u @ u - v @ v) / 2 for u, v in _neurons(m, th0)]
    M0 = metric(model, th0)
    err, change = 0.0, 0.0
    for th in traj.thetas:
        zs = [np.outer(u, v) for u, v in _neurons(m, th)]
        Mt = metric(model, th)
        err = max(err, float(np.max(np.abs(Mt - metric_closed_form(model, zs, deltas)))))
        change = max(change, float(np.max(np.abs(Mt - M0))))
    return {"max_error": err, "max_metric_change": change, "activation_changed": traj.activation_changed,
            "trajectory": traj}


def metric_depends_on_laws(n=3, m=2, r=2, seed=0, horizon=1.0, rtol=1e-10, atol=1e-12, records=20):
    r"""
    Show on matrix factorization `\phi(U, V) = UV^\top` that the metric depends on
    `\theta_{init}` only through the laws.

    Start from `\theta_a = (U, V)`; `\theta_b = (UR, VR)` with `R` orthogonal
    commuting with `C = U^\top U - V^\top V` (equal `\phi`, equal laws);
    `\theta_c = (UA, VA^{-\top})` with `A` invertible, not orthogonal (equal `\phi`,
    different laws).  Run the three gradient flows and compare
    `M = \partial\phi\,\partial\phi^\top` and `z(t)`.

    OUTPUT: a dict: ``equal_laws_metric_diff``, ``equal_laws_z_diff`` (both at
    solver precision), ``other_laws_metric_diff``, ``other_laws_z_diff`` (order 1),
    and the law values ``laws_a``, ``laws_b``, ``laws_c`` at initialization

    EXAMPLES::

        sage: from sage_conslaw.flows import metric_depends_on_laws
        sage: res = metric_depends_on_laws()
        sage: res['equal_laws_metric_diff'] < 1e-8, res['equal_laws_z_diff'] < 1e-8
        (True, True)
        sage: res['other_laws_metric_diff'] > 1e-2, res['other_laws_z_diff'] > 1e-3
        (True, True)
    """
    n, m, r = int(n), int(m), int(r)
    mf = MatrixFactorization(n, m, r)
    nm = numeric_model(mf)
    X, Y = make_dataset(nm, 30, seed=seed)
    rng = random_generator(seed, "initialization")
    U = rng.standard_normal((n, r)) * 0.7
    V = rng.standard_normal((m, r)) * 0.7
    C = U.T @ U - V.T @ V
    _, Q = np.linalg.eigh(C)
    S = np.diag([(-1.0) ** k for k in range(r)])
    R = Q @ S @ Q.T                     # orthogonal, commutes with C
    A = np.eye(r) + 0.5 * np.triu(np.ones((r, r)), 1) + 0.3 * np.eye(r)
    thetas = {"a": (U, V), "b": (U @ R, V @ R), "c": (U @ A, V @ np.linalg.inv(A).T)}
    flat = {k: np.array(mf.layout().flatten({"U": P, "V": Q_}), dtype=float) for k, (P, Q_) in thetas.items()}
    trajs = {k: train(nm, X, Y, method="flow", horizon=horizon, theta0=v, rtol=rtol, atol=atol, records=records)
             for k, v in flat.items()}
    Ms = {k: [metric(mf, th) for th in t.thetas] for k, t in trajs.items()}
    zs = {k: t.phi() for k, t in trajs.items()}

    def diff(a, b):
        return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))
    return {"equal_laws_metric_diff": diff(Ms["a"], Ms["b"]),
            "equal_laws_z_diff": float(np.max(np.abs(zs["a"] - zs["b"]))),
            "other_laws_metric_diff": diff(Ms["a"], Ms["c"]),
            "other_laws_z_diff": float(np.max(np.abs(zs["a"] - zs["c"]))),
            "initial_phi_diff": float(max(np.max(np.abs(zs["a"][0] - zs[k][0])) for k in "bc")),
            "laws_a": trajs["a"].laws[0], "laws_b": trajs["b"].laws[0], "laws_c": trajs["c"].laws[0]}
