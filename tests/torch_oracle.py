"""
An oracle independent of the package: the numeric Lie trace of a PyTorch
module, from PyTorch autograd only (reusable by any test: ``numeric_lie_trace``).

- fields: ``grad_theta g_k(theta, x_i)`` of the module's own outputs over many
  random inputs (several scales, so that the unbounded activation regions are
  reached) and, in training mode, fresh Dropout masks (each field is computed
  with one fixed mask: the random generator is reseeded before the forward);
- brackets: left-normed brackets ``[X, [Y, ...]]`` of random combinations of
  fields, by Jacobian-vector products (double backward, float64);
- ranks: SVD of the rows scaled to unit norm, with a relative threshold, the gap between the last singular value
  kept and the first dropped reported.

theta is the module's trainable parameters (``requires_grad``), each tensor
once (a module used twice is one parameter); frozen parameters are constants.
"""
import numpy as np
import torch
from torch.func import grad, jvp, vmap


def _params(module):
    return [p for p in module.parameters() if p.requires_grad]


def _flat(grads, params):
    return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)])


def _output(module, x, seed):
    torch.manual_seed(seed)
    return module(x).reshape(-1)


def numeric_lie_trace(module, input_shape, samples=None, depth=2, seed=0, train=True, tol=1e-9, scales=(1, 1, 10, 100, 1000)):
    """
    The numeric count of conservation laws of ``module`` at its current
    parameters: returns a dict with ``D``, ``ranks`` (after each bracket level),
    ``laws`` (D minus the last rank), ``gap`` (ratio of the last kept to the first
    dropped singular value of the last level, ``inf`` when nothing is dropped).
    """
    module = module.double()
    module.train(train)
    params = _params(module)
    D = sum(p.numel() for p in params)
    rng = np.random.default_rng(seed)
    nout = int(np.prod(module(torch.zeros((1,) + tuple(input_shape), dtype=torch.float64)).shape[1:]))
    samples = samples or max(16, 8 * D // max(nout, 1) + 16)
    scale = rng.choice(scales, size=(samples,) + (1,) * len(input_shape))
    X = torch.tensor(rng.normal(size=(samples,) + tuple(input_shape)) * scale, dtype=torch.float64)
    mask_seed = int(rng.integers(0, 2 ** 31))

    def outputs():
        """the outputs on the batch, each sample with its own Dropout mask (the same at every call)"""
        torch.manual_seed(mask_seed)
        return module(X).reshape(samples, -1)

    def field(create_graph):
        C = torch.tensor(rng.normal(size=(samples, nout)), dtype=torch.float64)
        G = (outputs() * C).sum()
        return _flat(torch.autograd.grad(G, params, create_graph=create_graph, allow_unused=True), params)

    def jvp(F, v):
        """D F . v for a field F(theta) built with a graph"""
        u = torch.zeros_like(F, requires_grad=True)
        w = _flat(torch.autograd.grad(F, params, grad_outputs=u, create_graph=True, allow_unused=True), params)
        return torch.autograd.grad(w, u, grad_outputs=v, create_graph=True)[0]

    def bracket(level):
        Xs = [field(True) for _ in range(level + 1)]
        Z = Xs[-1]
        for Xf in reversed(Xs[:-1]):
            Z = jvp(Xf, Z) - jvp(Z, Xf)
        return Z.detach().numpy()

    rows = []
    # level 0: the fields themselves, sample by sample, output by output
    out = outputs()
    for i in range(samples):
        for k in range(nout):
            g = torch.autograd.grad(out[i, k], params, retain_graph=True, allow_unused=True)
            rows.append(_flat(g, params).detach().numpy())
    ranks, gaps = [], []

    def rank_of(rows):
        M = np.array(rows)
        norms = np.linalg.norm(M, axis=1)
        M = M[norms > 0] / norms[norms > 0, None]          # unit rows: brackets of large norm do not hide the others
        sv = np.linalg.svd(M, compute_uv=False)
        if sv.size == 0 or sv[0] == 0:
            return 0, float('inf')
        keep = sv > tol * sv[0]
        r = int(keep.sum())
        gap = float('inf') if r == len(sv) or sv[r] == 0 else float(sv[r - 1] / sv[r])
        return r, gap
    r, gap = rank_of(rows)
    ranks.append(r)
    gaps.append(gap)
    for level in range(1, depth + 1):
        if ranks[-1] == D:
            break
        for _ in range(D - ranks[-1] + 4):
            rows.append(bracket(level))
        r, gap = rank_of(rows)
        ranks.append(r)
        gaps.append(gap)
        if ranks[-1] == ranks[-2]:
            break
    return dict(D=D, ranks=ranks, laws=D - ranks[-1], gap=gaps[-1])


def flat_parameters(module):
    """The module's parameters as one float64 vector, and ``outputs(theta, call)`` splitting a vector
    back into named tensors for ``call(params)`` (``torch.func.functional_call`` or a forward of one's own)."""
    named = list(module.named_parameters())
    names = [n for n, _ in named]
    shapes = [p.shape for _, p in named]
    sizes = [p.numel() for _, p in named]
    theta0 = torch.cat([p.detach().reshape(-1) for _, p in named]).double()

    def split(theta):
        params, k = {}, 0
        for n, s, m in zip(names, shapes, sizes):
            params[n] = theta[k:k + m].reshape(s)
            k += m
        return params
    return theta0, split


def data_laws_rank(outputs, theta0, depth, surplus=6, seed=0, tol=1e-9, mirror=None):
    """D - dim Lie(W_X)(theta0), numerically, for ``outputs(theta)`` of shape (points, outputs): the rank of
    random elements of W_X (sums of the gradients of every output at every point) and their nested brackets
    [F_0, [F_1, ..., [F_{k-1}, F_k]]] up to ``depth``, by an SVD; returns (number of laws, gap), the gap the
    ratio of the last kept singular value to the first dropped one (inf when none is dropped).

    ``mirror``: indices of the coordinates of a mirror flow theta' = -M(theta) grad L, M = diag(theta_i there,
    1 elsewhere): each field is then multiplied by M(t) (the Lie algebra of M W_X)."""

    D = theta0.numel()
    M, n_out = outputs(theta0).shape
    gen = torch.Generator().manual_seed(seed)
    mask = torch.zeros(D, dtype=torch.bool)
    if mirror is not None:
        mask[list(mirror)] = True

    def field(C, t):                        # the element sum_ik C_ik grad g_k(t, x_i) of W_X (times M(t))
        return torch.where(mask, t, torch.ones_like(t)) * grad(lambda u: (C * outputs(u)).sum())(t)

    def nested(Cs, t):                      # [F, G] = DG.F - DF.G
        if Cs.shape[0] == 1:
            return field(Cs[0], t)
        F = lambda u: field(Cs[0], u)            # noqa: E731
        G = lambda u: nested(Cs[1:], u)          # noqa: E731
        return jvp(G, (t,), (F(t),))[1] - jvp(F, (t,), (G(t),))[1]

    rows = []
    for level in range(depth + 1):
        Cs = torch.randn(D + surplus, level + 1, M, n_out, generator=gen, dtype=torch.float64)
        rows.append(vmap(nested, in_dims=(0, None))(Cs, theta0).detach().numpy())
    A = np.vstack(rows)
    A /= max(1.0, np.abs(A).max())
    s = np.linalg.svd(A, compute_uv=False)
    cut = s[0] * tol if s.size and s[0] > 0 else 1.0
    r = int((s > cut).sum())
    gap = np.inf if r >= len(s) or s[r] == 0 else (s[r - 1] / s[r] if r else 0.0)
    return D - r, gap


def mirror_data_laws_rank(outputs, theta0, depth, mirror, surplus=6, seed=0, tol=1e-9):
    """:func:`data_laws_rank` of the mirror flow on the coordinates ``mirror``."""
    return data_laws_rank(outputs, theta0, depth, surplus, seed, tol, mirror=mirror)


