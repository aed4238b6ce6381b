# sage.doctest: optional - torch
r"""
The count of the laws **of the network**, proven -- or not claimed.

Let `W_{net}(\theta) = \mathrm{span}\{\nabla_\theta g_k(\theta, x)\}` over
inputs `x` (and Dropout masks).  The number of independent conservation laws
near `\theta` is `D - \dim\mathrm{Lie}(W_{net})(\theta)` where that dimension
is locally constant (Theorem 3.3 of the founding paper).  The certificate:

- **upper bound** `D - N`: `N` conservation laws of the network whose
  gradients are independent at `\theta` (rank modulo `p` of their gradients,
  a lower bound of their rank over `\QQ`).  The laws come from the rescaling
  symmetries of the graph (:mod:`~sage_conslaw.network.symmetries`: each is a
  law of every field `\nabla_\theta g(\theta, x)`), and, when given, laws of
  `\phi` (:mod:`~sage_conslaw.network.phi`): every field of the network is a
  combination of the `\nabla\phi_j` with coefficients that are locally
  constant in `\theta`, so `\mathrm{Lie}(W_{net}) \subseteq
  \mathrm{Lie}(W_\phi)` and a law of `\phi` is a law of the network;
- **lower bound** `L`: the exact rank modulo `p` of values at `\theta` of
  elements of `\mathrm{Lie}(W_{net})`: gradients of random combinations
  `G = \sum_{i,k} c_{ik}\, g_k(\theta, x_i)` of the network's *own* outputs at
  sample inputs, and their nested brackets.  The gradients are computed by
  PyTorch's autograd in float64 on residues modulo `p` (every value and every
  backward gradient reduced; ``p`` chosen so that each contraction `n(p-1)^2`
  stays below `2^{53}`); each ReLU is the exact 0/1 mask of the region of its
  sample, decided in exact rational arithmetic at the rational `\theta`; a
  sample on a kink (a pre-activation exactly `0`) is dropped.  Ranks modulo `p`
  never exceed ranks over `\QQ`, and brackets of fields are fields of the Lie
  algebra, so `L \le \dim\mathrm{Lie}(W_{net})(\theta) \le D - N`.

When `L = D - N` the count `N` is certified as the laws of the network.
Otherwise the result says so: at least `N`, at most `D - L` laws, not
certified.  Ops of kind ``'analytic'`` have no exact residues: a network with
one is not certified unless the op proves its rank (:meth:`Op.certify`).

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.certificate import network_trace
    sage: net = Network.sequential(4, [('linear', 6), 'relu', ('dropout', 0.5), ('linear', 2)])
    sage: res = network_trace(net, theorem=False); res.number_of_laws, res.certified  # optional - torch
    (6, True)
    sage: print(res.reason)  # optional - torch
    the rank 38 of the network's own gradient fields modulo p ... meets the bound D - N = 38 given by 6 conservation laws of the network independent at theta (6 from rescaling symmetries of the graph): these are the laws of the network, for every Dropout mask

A two-layer ReLU network whose hidden neurons have pairwise distinct
hyperplanes at `\theta` (or a chain of linear layers) is counted first by
:mod:`~sage_conslaw.network.theorems`: the network's laws are those of `\phi`
by Theorem 2.14 of the founding paper, and the rank of `W_\phi` at `\theta`
is a triangular minor (no `D \times D` elimination: `10^5` parameters and more)::

    sage: res = network_trace(net); res.number_of_laws, res.certified, res.certificate.scope  # optional - torch
    (6, True, 'network')
    sage: res.reason.startswith('Theorem 2.14 of the NeurIPS 2023 paper')  # optional - torch
    True
"""
import time

import numpy as np

from sage.arith.misc import previous_prime
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.functional import small_rational_point
from sage_conslaw.core.certificate import rank_meets_laws
from sage_conslaw.core.modular import EchelonModP, reduce_rational
from sage_conslaw.core.points import random_point
from sage_conslaw.core.thresholds import MAX_PRIME
from sage_conslaw.core.trace import LieTraceResult
from sage_conslaw.network.backends import ObjectBackend, TorchBackend, _mod_tensor, _qq, evaluate
from sage_conslaw.network.balls import ball_rank, sample_inputs
from sage_conslaw.network.ops import get_op
from sage_conslaw.network.symmetries import scaling_laws, translation_laws
from sage_conslaw.network.theorems import theorem_trace

#: The half-width of the box of the random integer inputs of the samples.
INPUT_BOUND = 20
#: The scales of the sample inputs (each sample: integers of the box times one of them).
INPUT_SCALES = np.array([1, 1, 10, 100, 1000], dtype=np.int64)
#: The half-width of the box of the default random integer point.
POINT_BOUND = 20


class NetworkTraceResult(LieTraceResult):
    r"""
    The result of :func:`network_trace`: a
    :class:`~sage_conslaw.core.trace.LieTraceResult` whose dimensions are
    ranks of the network's own fields, with the network, the known laws `N`
    and the frozen parameters.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import network_trace
        sage: res = network_trace(Network.sequential(2, [('linear', 1, False)]), theorem=False); res  # optional - torch
        Lie trace of the network (D = 2): dim Lie(W)(theta) = 2, 0 independent laws near theta
          certified: yes -- ...
        sage: res.D, res.number_of_fields  # optional - torch
        (2, 6)
    """

    def __init__(self, network, **kwds):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.network.certificate import NetworkTraceResult
            sage: r = NetworkTraceResult(Network.sequential(1, [('linear', 1)]), point=None, random_point=True,
            ....:     dimensions=[1], stopped_at=0, certified=False, reason='test', method='network')
            sage: r.number_of_laws
            1
        """
        self.network = network
        self._fields = kwds.pop('fields', 0)
        LieTraceResult.__init__(self, None, **kwds)

    @property
    def D(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.network.certificate import network_trace
            sage: network_trace(Network.sequential(1, [('linear', 1)])).D  # optional - torch
            2
        """
        return self.network.D

    @property
    def number_of_fields(self):
        r"""
        The number of gradient fields of the network whose values were ranked.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.network.certificate import network_trace
            sage: network_trace(Network.sequential(1, [('linear', 1)])).number_of_fields > 0  # optional - torch
            True
        """
        return self._fields

    @property
    def base_ring(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.network.certificate import network_trace
            sage: network_trace(Network.sequential(1, [('linear', 1)])).base_ring  # optional - torch
            Rational Field
        """
        return QQ

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.network.certificate import network_trace
            sage: 'certified' in repr(network_trace(Network.sequential(1, [('linear', 1)])))  # optional - torch
            True
        """
        return ("Lie trace of the network (D = %s): dim Lie(W)(theta) = %s, %s independent law%s near theta\n"
                % (self.D, self.dimension, self.number_of_laws, "" if self.number_of_laws == 1 else "s")
                + self._certified_line())


def choose_prime(net, batch):
    r"""
    The largest prime `p < 2^{20}` with `n (p-1)^2 < 2^{53}` for the longest
    sum `n` the certificate forms (the ops' contractions, the batch, `D`).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import choose_prime
        sage: choose_prime(Network.sequential(3, [('linear', 2)]), 10)
        1048573
        sage: p = choose_prime(Network.sequential(20000, [('linear', 1)]), 10); p, 40002 * (p - 1)^2 < 2^53
        (474503, True)
    """
    n = max(int(batch), 2 * net.D + 2)
    for node in net.ops():
        c = get_op(node.op, node.where()).contraction([net.shape_of(a) for a in node.args], node.attrs)
        uses = max(1, len(net.uses(node.index)))
        n = max(n, c * uses, uses * batch)
    p = int(min(MAX_PRIME - 1, int((2 ** 53 // n) ** 0.5)))
    return int(previous_prime(p + 1))


def _uncertifiable_ops(net):
    r"""
    The op nodes with no exact residues (kind ``'analytic'``).

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import _uncertifiable_ops
        sage: _uncertifiable_ops(Network.sequential(2, [('linear', 2), 'relu']))
        []
    """
    return [n for n in net.ops() if get_op(n.op, n.where()).kind == 'analytic']


def sample_regions(net, theta, count, rng, kept=None, inputs=None):
    r"""
    Draw ``count`` random integer inputs (and Dropout masks), evaluate the
    network exactly at the rational point ``theta``, and return ``(inputs,
    relu_masks, dropout_masks)`` for the samples off every kink.

    INPUT:

    - ``kept`` -- the probability of keeping an entry in the random Dropout
      masks (default: `1 - p` of each Dropout; the first sample keeps everything)
    - ``inputs`` -- the integer inputs (one array per network input) instead of random ones

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import sample_regions
        sage: net = Network.sequential(2, [('linear', 3), 'relu', ('linear', 1)])
        sage: X, R, M = sample_regions(net, [1, -1, 2, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1], 5, np.random.default_rng(int(0)))
        sage: X[0].shape[1:], R[net.ops()[1].index].shape[1:], len(X[0]) <= 5
        ((2,), (3,), True)
    """
    ins = net.inputs()
    # several scales: the unbounded regions of the input space are reached too
    scale = INPUT_SCALES[rng.integers(0, len(INPUT_SCALES), size=count)]
    X = [rng.integers(-INPUT_BOUND, INPUT_BOUND + 1, size=(count,) + n.shape)
         * scale.reshape((count,) + (1,) * len(n.shape)) for n in ins] if inputs is None else inputs
    drop = {}
    for n in net.ops():
        if n.op == 'dropout':
            shape = (count,) + net.shape_of(n.args[0])
            keep = (1 - float(n.attrs.get('p', 0.5))) if kept is None else kept
            m = (rng.random(shape) < keep).astype(np.int64)
            m[0] = 1
            drop[n.index] = m
    B = ObjectBackend('exact', dropout_masks=drop)
    evaluate(net, B, [QQ(t) for t in theta], [x.astype(object) for x in X])
    ok = np.ones(count, dtype=bool) if B.kinks is None else ~B.kinks
    X = [x[ok] for x in X]
    relu = {k: v[ok] for k, v in B.masks.items()}
    drop = {k: v[ok] for k, v in drop.items()}
    return X, relu, drop


def _fields_mod_p(net, theta, samples, p, count, depth, rng):
    r"""
    Values modulo ``p`` at ``theta`` of ``count`` random left-normed brackets of
    depth ``depth`` of gradients of random combinations of the network's outputs
    on the samples (depth ``0``: the gradients themselves), as a ``(count, D)`` array.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import _fields_mod_p, sample_regions
        sage: net = Network.sequential(2, [('linear', 2, False), ('linear', 1, False)])
        sage: th = [1, 2, 3, 4, 5, 6]; rng = np.random.default_rng(int(1))
        sage: S = sample_regions(net, th, 6, rng)
        sage: from sage_conslaw.core.modular import rank_mod_p
        sage: rank_mod_p(_fields_mod_p(net, th, S, 101, 8, 0, rng), 101), rank_mod_p(np.vstack([_fields_mod_p(net, th, S, 101, 8, 0, rng), _fields_mod_p(net, th, S, 101, 8, 1, rng)]), 101)  # optional - torch
        (2, 3)
    """
    import torch
    X, relu, drop = samples
    B = TorchBackend(p=p, relu_masks=relu, dropout_masks=drop)
    th0 = B.tensor([QQ(t) for t in theta])
    inputs = [B.tensor(x.astype(object)) for x in X]
    nout = sum(int(np.prod((len(X[0]),) + net.shape_of(o))) for o in net.outputs)

    def G(th):
        vals = evaluate(net, B, th, inputs)
        out = torch.cat([vals[o].reshape(-1) for o in net.outputs])
        c = torch.tensor(rng.integers(0, p, size=nout).astype(float), dtype=torch.float64)
        return B.reduce(B.reduce(out * c).sum())

    def grad(y, x, v=None):
        return torch.autograd.grad(y, x, grad_outputs=v, create_graph=True)[0]

    def jvp(F, th, v):
        u = torch.zeros_like(F, requires_grad=True)
        w = B.reduce(grad(F, th, u))
        return B.reduce(grad(w, u, v))

    rows = []
    for _ in range(count):
        th = th0.clone().requires_grad_(True)
        Gs = [None] * (depth + 1)

        def Z(j):
            Xj = B.reduce(grad(G(th), th))
            if j == depth:
                return Xj
            Zn = Z(j + 1)
            return B.reduce(jvp(Xj, th, Zn) - jvp(Zn, th, Xj))
        with torch.enable_grad():
            v = Z(0)
        rows.append(_mod_tensor(v.detach(), p).numpy())
    return np.array(rows).reshape(count, net.D)


def _law_gradients(S, theta, poly_laws, p, T=()):
    r"""
    The gradients modulo ``p`` at ``theta`` of the rescaling laws (rows `s` of
    ``S``: `2 s \odot \theta`), of the polynomial laws and of the linear laws
    (rows `c` of ``T``: `c`).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network.certificate import _law_gradients
        sage: _law_gradients(np.array([[1, -1]]), [3, 4], [], 101).tolist()
        [[6.0, 93.0]]
        sage: _law_gradients(np.zeros((0, 2)), [3, 4], [], 101, np.array([[1, -1]])).tolist()
        [[1.0, 100.0]]
    """
    th = np.array([reduce_rational(QQ(t), p) for t in theta], dtype=np.int64)
    rows = [(2 * np.asarray(s, dtype=np.int64) % p) * th % p for s in S]
    for h in poly_laws:
        R = h.parent()
        pt = [QQ(t) for t in theta]
        rows.append(np.array([reduce_rational(h.derivative(g)(*pt), p) for g in R.gens()], dtype=np.int64))
    rows += [np.asarray(c, dtype=np.int64) % p for c in T]
    return np.array(rows, dtype=float).reshape(len(rows), len(theta))


def _law_gradients_qq(S, theta, poly_laws, T):
    r"""
    The gradients at ``theta`` of the rescaling, polynomial and linear laws, as
    an exact matrix over `\QQ` (`D` columns).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network.certificate import _law_gradients_qq
        sage: _law_gradients_qq(np.array([[1, -1]]), [1/2, 4], [], np.array([[1, 1]]))
        [ 1 -8]
        [ 1  1]
    """
    D = len(theta)
    rows = [[2 * int(s[k]) * QQ(theta[k]) for k in range(D)] for s in S]
    for h in poly_laws:
        R = h.parent()
        pt = [QQ(t) for t in theta]
        rows.append([h.derivative(g)(*pt) for g in R.gens()])
    rows += [[QQ(int(c)) for c in r] for r in T]
    return matrix(QQ, len(rows), D, rows)


def _analytic_trace(net, point, S, T, laws, seed, samples, max_steps, start, bad, notes):
    r"""
    The count of a network with analytic ops (see :func:`network_trace`), proven
    in ball arithmetic (:mod:`~sage_conslaw.network.balls`): `N` laws of the
    network (rescalings, translations, given laws) independent at `\theta`
    (exact rank over `\QQ`) bound `\dim\mathrm{Lie}(W_{net})(\theta) \le D - N`;
    the proven rank `L` of the network's own gradient fields (then of brackets of
    them, up to two levels, when ``max_steps`` allows) is a lower bound.  `L = D - N`:
    certified; else "between `N` and `D - L`", not certified.  The default point
    is small rationals `k/4` (the analytic ops away from saturation), redrawn
    while the known laws are not independent there.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import network_trace
        sage: res = network_trace(Network.sequential(2, [('linear', 2), 'silu', ('linear', 1)])); res.number_of_laws, res.certified
        (0, True)
        sage: print(res.reason)
        the rank 9 of the network's own gradient fields, proven in ball arithmetic ... equals D: the network has no conservation law near theta

    Called directly (no known law, a given point, two samples: not enough for the rank)::

        sage: import numpy as np, time
        sage: from sage_conslaw.network.certificate import _analytic_trace
        sage: net = Network.sequential(2, [('linear', 2), 'tanh', ('linear', 1)])
        sage: r = _analytic_trace(net, [1/2] * 9, np.zeros((0, 9)), np.zeros((0, 9)), [], 0, 2, 0, time.time(),
        ....:                     net.ops()[1:2], ""); r.certified, r.reason.startswith('not certified')
        (False, True)
    """
    D = net.D
    rng = np.random.default_rng(int(seed))
    if point is None:
        best = None
        for _ in range(6):
            th = small_rational_point(D, rng)
            n = _law_gradients_qq(S, th, laws, T).rank()
            if best is None or n > best[1]:
                best = (th, n)
            if n == len(S) + len(T) + len(laws):
                break
        theta, N = best
    else:
        theta = [QQ(t) for t in point]
        N = _law_gradients_qq(S, theta, laws, T).rank()
    target = D - N
    nout = sum(int(np.prod(net.shape_of(o))) for o in net.outputs)
    count = samples or max(4, -(-2 * D // max(nout, 1)) + 4)
    X = sample_inputs(net, count, rng)
    L = ball_rank(net, theta, X)
    dims, level = [L], 0
    if L < target and max_steps >= 1:
        L = max(L, ball_rank(net, theta, X, brackets=target - L + 4, seed=int(seed)))
        dims.append(L)
        level = 1
        if L < target and max_steps >= 2:
            L = max(L, ball_rank(net, theta, X, brackets=target - dims[0] + 4, seed=int(seed),
                                 second=2 * (target - L) + 4))
            dims.append(L)
            level = 2
    sources = "%s from rescaling symmetries of the graph" % len(S)
    if len(T):
        sources += ", %s from translations" % len(T)
    if laws:
        sources += ", %s given" % len(laws)
    what = ("of the network's own gradient fields, proven in ball arithmetic at theta (%s sample inputs, %s; %s "
            "analytic: %s)" % (count, "no bracket" if level == 0 else "brackets up to level %s" % level,
                               "it is" if len(bad) == 1 else "they are", ", ".join(n.where() for n in bad)))
    cert = rank_meets_laws(D, L, N, what, "conservation law of the network", sources,
                           lower_source="rank of the network's own gradient fields in ball arithmetic",
                           conclusion=": these are the laws of the network",
                           caveat="the known laws; the network may have more", note=notes)
    return NetworkTraceResult(net, dimensions=dims, certified=cert.certified, reason=cert.reason, known_laws=N,
                              fields=len(X), seconds=time.time() - start, certificate=cert, point=theta,
                              random_point=point is None, stopped_at=level, method='network')


def _rank_levels(net, theta, draw, p, target, max_steps, rng, rounds=4):
    r"""
    The ranks modulo ``p`` of the network's fields on samples drawn by
    ``draw()`` (new samples while the rank grows, at most ``rounds`` times), then
    with brackets up to each level, until ``target`` is met, ``max_steps`` is
    reached or a level adds nothing: ``(dimensions, number of fields, last level,
    number of samples)``.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import _rank_levels, sample_regions
        sage: net = Network.sequential(2, [('linear', 2, False), ('linear', 2, False)])
        sage: th = [1, 2, 3, 4, 5, 6, 7, 9]; rng = np.random.default_rng(int(0))
        sage: _rank_levels(net, th, lambda: sample_regions(net, th, 8, rng), 101, 5, 3, rng)[0]
        [4, 5]
    """
    D = net.D
    F = EchelonModP(D, p)
    dims, fields, level, nsamples = [], 0, 0, 0
    pools = []
    for r in range(rounds):
        regions = draw()
        pools.append(regions)
        nsamples += len(regions[0][0]) if regions[0] else 0
        before = F.rank
        batch = target - F.rank + 4
        F.add_rows(_fields_mod_p(net, theta, regions, p, batch, 0, rng), stop_at=target)
        fields += batch
        if F.rank >= target or (r > 0 and F.rank == before):
            break
    dims.append(F.rank)
    regions = pools[-1]
    while F.rank < target and level < max_steps:
        level += 1
        batch = target - F.rank + 4
        F.add_rows(_fields_mod_p(net, theta, regions, p, batch, level, rng), stop_at=target)
        fields += batch
        dims.append(F.rank)
        if dims[-1] == dims[-2]:
            break
    return dims, fields, level, nsamples


def network_trace(net, point=None, seed=0, laws=None, max_steps=4, prime=None, samples=None, theorem=True):
    r"""
    Count and certify the conservation laws of the network near a point (see
    the module documentation).

    INPUT:

    - ``net`` -- a :class:`~sage_conslaw.network.graph.Network`
    - ``point`` -- `\theta` (`D` rationals; default: a random integer point of ``seed``)
    - ``seed`` -- the seed of the point, the samples and the random combinations
    - ``laws`` -- further polynomial laws of the network (e.g. laws of `\phi`),
      in a ring whose variables are the network's layout names
    - ``max_steps`` -- the deepest bracket level tried
    - ``prime`` -- the prime (default: :func:`choose_prime`)
    - ``samples`` -- the number of sample inputs (default: from `D` and the outputs)
    - ``theorem`` -- (default: ``True``) first try the route of
      :mod:`~sage_conslaw.network.theorems` (two-layer ReLU networks with
      pairwise distinct hyperplanes, linear chains: Theorem 2.14 of the founding
      paper and the structured rank of `W_\phi` at `\theta`, no `D \times D`
      elimination); ``False``: the gradient fields of the network only

    OUTPUT: a :class:`NetworkTraceResult`

    EXAMPLES:

    A frozen nonzero hidden bias removes the rescaling of its unit (and the
    network has fewer laws: certified)::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.certificate import network_trace
        sage: net = Network(); x = net.input('x', (3,)); W1 = net.parameter('W1', (2, 3))
        sage: b1 = net.parameter('b1', (2,), trainable=False, value=[1/2, 0])
        sage: h = net.op('relu', [net.op('linear', [x, W1, b1])])
        sage: net.output(net.op('linear', [h, net.parameter('W2', (2, 2))]))
        sage: res = network_trace(net); res.number_of_laws, res.certified  # optional - torch
        (1, True)
        sage: 'frozen' in res.reason, res.certificate.scope, res.certificate.certified  # optional - torch
        (True, 'network', True)
    """
    start = time.time()
    D = net.D
    if point is None:
        theta = list(random_point(D, seed=seed, bound=POINT_BOUND))
        is_random = True
    else:
        theta = [_qq(t) for t in point]
        is_random = False
        if len(theta) != D:
            raise ValueError("the point has %s coordinates, but the network has D = %s parameters" % (len(theta), D))
    # two-layer ReLU networks (distinct hyperplanes) and linear chains: the laws of phi, by a theorem
    # (at a random point, its zero coordinates made 1: the triangular minor of W_phi needs nonzero weights)
    proven = None
    if theorem:
        proven = theorem_trace(net, [t or QQ(1) for t in theta] if is_random else theta, seed=seed,
                               random_point=is_random)
    if proven is not None:
        return NetworkTraceResult(net, **proven)
    S = scaling_laws(net)
    T = translation_laws(net)
    laws = list(laws or [])
    nout = sum(int(np.prod(net.shape_of(o))) for o in net.outputs)
    nsamples = samples or max(8, 2 * (D // max(nout, 1)) + 8)
    p = prime or choose_prime(net, nsamples * nout)
    frozen = [n.name for n in net.parameters(trainable=False)]
    common = dict(point=theta, random_point=is_random, stopped_at=0, method='network', prime=p)
    E = EchelonModP(D, p)
    if len(S) or len(T) or laws:
        E.add_rows(_law_gradients(S, theta, laws, p, T))
    N = E.rank
    target = D - N
    sources = "%s from rescaling symmetries of the graph" % len(S)
    if len(T):
        sources += ", %s from translations" % len(T)
    if laws:
        sources += ", %s given (laws of phi)" % len(laws)
    notes = ""
    if frozen:
        notes += "; frozen parameters (constants): %s" % ", ".join(frozen)
    if any(n.op == 'dropout' for n in net.ops()):
        notes = ", for every Dropout mask" + notes
    bad = _uncertifiable_ops(net)
    if bad:
        return _analytic_trace(net, theta if not is_random else None, S, T, laws, seed, samples, max_steps, start,
                               bad, notes)
    rng = np.random.default_rng(int(seed))
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)            # small dense products: threads only contend
    try:
        dims, fields, level, drawn = _rank_levels(net, theta, lambda: sample_regions(net, theta, nsamples, rng), p,
                                                  target, max_steps, rng)
    finally:
        torch.set_num_threads(threads)
    L = dims[-1]
    common['stopped_at'] = level
    what = ("of the network's own gradient fields modulo p = %s (%s sample inputs in their activation regions, %s)"
            % (p, drawn, "no bracket" if level == 0 else "brackets up to level %s" % level))
    cert = rank_meets_laws(D, L, N, what, "conservation law of the network", sources,
                           lower_source="rank modulo p of the network's own gradient fields",
                           conclusion=": these are the laws of the network",
                           caveat="laws of phi; the network may have more than the known ones", note=notes)
    return NetworkTraceResult(net, dimensions=dims, certified=cert.certified, reason=cert.reason, known_laws=N,
                              fields=fields, seconds=time.time() - start, certificate=cert, **common)
