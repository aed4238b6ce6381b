r"""
The laws of gradient flows on a fixed data set, for any network graph.

The route of :mod:`~sage_conslaw.datalaws.network` reads chains of linear
layers and ReLUs as a layered network; this module serves every
:class:`~sage_conslaw.network.graph.Network` (from ``from_torch``,
``Network.sequential`` or :func:`~sage_conslaw.network.families.network_of`):
convolutions, Dropout, a ReLU on the output, residual sums, tied or frozen
parameters.

**The data.** `X` holds `N` points of the network's input shape (exact
rationals; floats exactly). A network with Dropout is trained on *pairs*
`(x_i, m)` of a point and a mask (each step draws a mask), so the data
fields are `\nabla_\theta g_k(\theta, x_i; m)`:

- ``masks='all'`` (the default with Dropout): every mask. When the `N
  2^E` pairs (`E` Dropout entries per sample) number at most
  :data:`~sage_conslaw.core.thresholds.MAX_MASK_PAIRS`, they are enumerated and the count is that of
  training with Dropout on `X`, certified as usual; otherwise
  :data:`~sage_conslaw.core.thresholds.MASK_SAMPLES` random masks per point (and the all-ones mask) give
  a **lower bound only**, and only laws that hold for every mask (the
  rescaling laws, the laws of units no Dropout reaches) give the upper bound:
  certified only when the two meet;
- ``masks='eval'``: Dropout is the identity (evaluation mode);
- ``masks={node name: array}``: one given mask per data point (the pairs the
  user trained on).

**Regions.** The network is evaluated exactly over `\QQ` on every pair
(:class:`~sage_conslaw.network.backends.ObjectBackend`): each ReLU reads its
region there. A pre-activation exactly `0` is a kink: if it is the zero
polynomial of `\theta` near `\theta` (a unit whose inputs a mask removed),
the ReLU is `0` on both sides and nothing is lost; otherwise the data point
is **reported** (a ``ValueError`` naming it), never silently used. Near
`\theta` the regions do not change, so each `g_k(\cdot, x_i; m)` is a
polynomial.

**Lower bound.** The rank modulo a prime `p` of values at `\theta` of random
elements of `W_X` and of their brackets, computed by the network
certificate's own machinery
(:func:`~sage_conslaw.network.certificate._rank_levels`: exact residues
modulo `p` through PyTorch autograd, the regions fixed), the data pairs
taking the place of its random samples. A rank modulo `p` of the reductions
of rational vectors never exceeds their rank over `\QQ`: it is a proven lower
bound of `\dim \mathrm{Lie}(W_X)(\theta)`. Without PyTorch (the core
install) the route is exact symbolic: the polynomials `g_k(\theta, x_i; m)`
are formed by :class:`~sage_conslaw.network.backends.ObjectBackend`
``('symbolic')`` with the exact regions, and the package's engine
(:meth:`~sage_conslaw.core.model.ConservationModel.lie_trace`) ranks them.

**Upper bound.** `D - N` for `N` explicit laws independent at `\theta`
(:meth:`GraphDataModel.laws_by_kind`), each a law of every data field by
construction:

- ``'frozen'``: a unit `j` of a linear layer or a convolution reading the
  input sees its incoming weights (and trainable bias, with a `1`) only
  through the inputs (the patches, for a convolution) on which it is active
  (its ReLU on, its Dropout entry kept): every direction `w` orthogonal to
  them gives the linear law `\langle w, (u_j, b_j)\rangle`;
- ``'dead'``: a unit active on no pair -- its incoming weights and bias, and
  the weights of the next linear layer or convolution reading it, are frozen;
- ``'balancedness'`` and ``'cross'``: units of one layer with the same
  activation on every pair and position act as one linear layer there, and
  `GL` of the group leaves every `g_k` unchanged: `u_j \cdot u_l + b_j b_l -
  v_j \cdot v_l` is conserved (`v_j` the weights reading unit `j`);
- ``'rescaling'``: the rescaling laws of the graph
  (:func:`~sage_conslaw.network.symmetries.scaling_laws`), laws for every
  input and every mask.

When the bounds meet the count is certified; otherwise the result says
"between `a` and `b`" and why.

EXAMPLES:

Dropout between two layers, every mask of 3 points (`3 \cdot 2^3` pairs)::

    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.datalaws.graph import graph_data_trace
    sage: net = Network.sequential(2, [('linear', 3), 'relu', ('dropout', 1/2), ('linear', 1)])
    sage: th = [1, -1, 2, 1, -1, 3, 1/2, 1/2, 1/2, 1, 2, -1, 1]
    sage: res = graph_data_trace(net, [[1, 2], [2, 1], [3, -1]], point=th); res.number_of_laws, res.certified  # optional - torch
    (5, True)
    sage: res.data_model.pairs, res.data_model.exhaustive  # optional - torch
    (24, True)
    sage: res.laws_by_kind()['dead'], len(res.laws_by_kind()['cross'])  # optional - torch
    ([], 0)

Without PyTorch the route is exact symbolic (the same count)::

    sage: graph_data_trace(net, [[1, 2], [2, 1], [3, -1]], point=th, route='exact').number_of_laws
    5

A ReLU on the output: an output unit dead on the data freezes its weights::

    sage: net = Network.sequential(2, [('linear', 2), 'relu', ('linear', 2), 'relu'])
    sage: th = [1, 0, 0, 1, 0, 0, 1, 1, 0, -1, -1, 0]
    sage: res = graph_data_trace(net, [[1, 2], [3, 1]], point=th); res.number_of_laws, res.certified  # optional - torch
    (8, True)
    sage: res.laws_by_kind()['dead']  # optional - torch
    [L2_weight_1_0, L2_weight_1_1, L2_bias_1]
"""
import copy
import itertools
import time

import numpy as np

from sage.arith.misc import previous_prime
from sage.matrix.constructor import matrix
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.core.certificate import rank_meets_laws
from sage_conslaw.core.families import GradientFamily
from sage_conslaw.core.model import ConservationModel
from sage_conslaw.core.modular import EchelonModP, reduce_rational
from sage_conslaw.core.points import as_exact_point, random_point
from sage_conslaw.datalaws.data import exact_data
from sage_conslaw.datalaws.result import DataTraceResult
from sage_conslaw.network.backends import ObjectBackend, evaluate, _qq
from sage_conslaw.network.graph import Network
from sage_conslaw.network.certificate import POINT_BOUND, _rank_levels, _uncertifiable_ops, choose_prime
from sage_conslaw.network.ops import get_op
from sage_conslaw.network.balls import ball_rank, network_forward
from sage_conslaw.datalaws.brackets import nested_bracket_rank
from sage_conslaw.network.symmetries import scaling_laws, translation_laws

# the thresholds of the route, each with its reason, live in core/thresholds.py (one home)
from sage_conslaw.core.thresholds import MAX_MASK_PAIRS, MASK_SAMPLES, DATA_DEEP_BRACKET_MAX_D
from sage_conslaw.core.thresholds import DATA_MAX_EXACT_D as MAX_EXACT_D
from sage_conslaw.core.thresholds import DATA_MAX_EXACT_FIELDS as MAX_EXACT_FIELDS

# Every op kind is read through what its registered op declares (``unit_axis``
# and ``patches`` of a unit layer, ``transparent``, the kinds ``'homogeneous'``
# and ``'mask'``, ``support`` and ``reads``): no layer kind is named here.

KINDS = ('frozen', 'dead', 'balancedness', 'cross', 'rescaling', 'translation')


# ---------------------------------------------------------------------------
# The data: points, masks, exact regions
# ---------------------------------------------------------------------------

def single_input(net):
    r"""
    A network with one input equal to ``net`` (of several inputs): its input
    is the concatenation of the flattened inputs of ``net``, each read back by
    a frozen 0/1 selection matrix (a ``linear`` op, exact) and reshaped; every
    other node is copied, and `\theta` keeps the same coordinates in the same order.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import single_input
        sage: net = Network(); a = net.input('a', (2,)); b = net.input('b', (1,))
        sage: W = net.parameter('W', (1, 2)); V = net.parameter('V', (1, 1))
        sage: net.output(net.op('add', [net.op('linear', [a, W]), net.op('linear', [b, V])]))
        sage: one = single_input(net); [n.shape for n in one.inputs()], one.layout() == net.layout()
        ([(3,)], True)
    """
    ins = net.inputs()
    sizes = [int(np.prod(n.shape)) for n in ins]
    total = sum(sizes)
    one = Network()
    x = one.input('x', (total,))
    new, start = {}, 0
    for n in net.nodes:
        if n.role == 'input':
            k = ins.index(n)
            S = np.zeros((sizes[k], total), dtype=object)
            S[...] = QQ(0)
            for i in range(sizes[k]):
                S[i, start + i] = QQ(1)
            start += sizes[k]
            sel = one.op('linear', [x, one.parameter('_select_%s' % n.name, S.shape, trainable=False, value=S)],
                         name='_read_%s' % n.name)
            new[n.index] = sel if len(n.shape) == 1 else one.op('reshape', [sel], name='_shape_%s' % n.name,
                                                               shape=tuple(n.shape))
        elif n.role == 'parameter':
            new[n.index] = one.parameter(n.name, n.shape, trainable=n.trainable, value=n.value, source=n.source)
        elif n.role == 'constant':
            new[n.index] = one.constant(n.name, n.value, source=n.source)
        else:
            new[n.index] = one.op(n.op, [new[a] for a in n.args], name=n.name, source=n.source, **n.attrs)
    one.output(*[new[o] for o in net.outputs])
    one.set_layout(net.layout())
    return one


def concatenated_data(net, X):
    r"""
    The data of a network of several inputs as rows of the concatenation of
    its flattened inputs: ``X`` is a list (or tuple) of one array per input,
    `N` points each, or already such rows.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import concatenated_data
        sage: net = Network(); a = net.input('a', (2,)); b = net.input('b', (1,))
        sage: concatenated_data(net, [[[1, 2], [3, 4]], [[5], [6]]])
        [[1, 2, 5], [3, 4, 6]]
        sage: concatenated_data(net, [[[1, 2]], [[5], [6]]])
        Traceback (most recent call last):
        ...
        ValueError: the data of a network of 2 inputs are one array per input with the same number of points, got 1, 2
    """
    ins = net.inputs()
    if isinstance(X, (list, tuple)) and len(X) == len(ins) and all(
            hasattr(A, "shape") or isinstance(A, (list, tuple)) for A in X):
        parts = []
        for A, n in zip(X, ins):
            if hasattr(A, "detach") and hasattr(A, "cpu"):
                A = A.detach().cpu().double().numpy()
            arr = np.asarray(A, dtype=object)
            if arr.ndim < 1 or arr.size != arr.shape[0] * int(np.prod(n.shape)):
                break
            parts.append(arr.reshape(arr.shape[0], -1))
        else:
            if len({P.shape[0] for P in parts}) != 1:
                raise ValueError("the data of a network of %s inputs are one array per input with the same number "
                                 "of points, got %s" % (len(ins), ", ".join(str(P.shape[0]) for P in parts)))
            return np.concatenate(parts, axis=1).tolist()
    return X


def graph_data(net, X):
    r"""
    The data ``X`` as an exact object array of shape `(N,) +` the input shape
    of ``net`` (rows of the flattened input are accepted too).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import graph_data
        sage: net = Network.sequential((1, 3), [('conv1d', 1, 2)])
        sage: graph_data(net, [[1, 2, 3/2]]).tolist()
        [[[1, 2, 3/2]]]
        sage: graph_data(net, [[[1, 2, 3/2]], [[0, 0, 1]]]).shape
        (2, 1, 3)
        sage: graph_data(net, [[1, 2]])
        Traceback (most recent call last):
        ...
        ValueError: the data points have 2 coordinates, but the network has 3 inputs
    """
    ins = net.inputs()
    if len(ins) != 1:
        raise TypeError("the laws of a data set are computed for networks with one input, this one has %s"
                        % len(ins))
    shape = tuple(ins[0].shape)
    n = int(np.prod(shape))
    if hasattr(X, "detach") and hasattr(X, "cpu"):
        X = X.detach().cpu().double().numpy()
    if len(shape) > 1 and not (hasattr(X, "nrows") and hasattr(X, "ncols")) and not isinstance(X, (str, bytes)):
        arr = np.asarray(X, dtype=object)
        if arr.ndim == len(shape) + 1 and tuple(arr.shape[1:]) == shape:      # points of the input shape
            X = arr.reshape(arr.shape[0], -1).tolist()
    M = exact_data(X, n)
    A = np.empty((M.nrows(), n), dtype=object)
    for i, row in enumerate(M.rows()):
        for j, x in enumerate(row):
            A[i, j] = x
    return A.reshape((M.nrows(),) + shape)


def _dropout_nodes(net):
    r"""
    The Dropout nodes whose masks matter (`0 < p < 1`).

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import _dropout_nodes
        sage: net = Network.sequential(2, [('dropout', 0), ('linear', 2), ('dropout', 1/4)])
        sage: [n.name for n in _dropout_nodes(net)]
        ['L2']
    """
    return [n for n in net.ops() if get_op(n.op).kind == 'mask' and 0 < get_op(n.op).mask_probability(n.attrs) < 1]


def eval_network(net):
    r"""
    A copy of ``net`` with every Dropout the identity (evaluation mode); the
    layout (the coordinates of `\theta`) is kept.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import eval_network, _dropout_nodes
        sage: net = Network.sequential(2, [('linear', 2), ('dropout', 1/2)])
        sage: _dropout_nodes(eval_network(net)), len(_dropout_nodes(net))
        ([], 1)
    """
    out = copy.deepcopy(net)
    for n in out.ops():
        n.attrs = get_op(n.op).evaluation_attrs(n.attrs)
    return out


def dropout_pairs(net, A, masks=None, seed=0):
    r"""
    The pairs (data point, Dropout masks) of the data (see the module documentation).

    OUTPUT: ``(net, inputs, drop, owner, exhaustive)`` -- the network (a copy
    without Dropout for ``'eval'``), the inputs of the pairs, the masks (op
    node index -> 0/1 array, one per pair), the data point of each pair, and
    whether the pairs are all those of the data (``False`` when masks were sampled).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import dropout_pairs, graph_data
        sage: net = Network.sequential(2, [('linear', 2), 'relu', ('dropout', 1/2), ('linear', 1)])
        sage: A = graph_data(net, [[1, 2], [3, 4]])
        sage: _, inputs, drop, owner, full = dropout_pairs(net, A); inputs.shape, owner.tolist(), full
        ((8, 2), [0, 1, 0, 1, 0, 1, 0, 1], True)
        sage: drop[5][:2].tolist()
        [[1, 1], [1, 1]]
        sage: dropout_pairs(net, A, masks='eval')[2]
        {}
        sage: _, inputs, drop, owner, full = dropout_pairs(net, A, masks={'L2': [[1, 0], [0, 1]]}); drop[5].tolist(), full
        ([[1, 0], [0, 1]], True)
        sage: dropout_pairs(net, A, masks={'L2': [[1, 0]]})
        Traceback (most recent call last):
        ...
        ValueError: the masks of L2 must have shape (2, 2) (one per data point), got (1, 2)
        sage: dropout_pairs(net, A, masks='some')
        Traceback (most recent call last):
        ...
        ValueError: masks must be 'all', 'eval' or a dict {Dropout node name: 0/1 array, one mask per data point}, got 'some'
    """
    N = A.shape[0]
    ds = _dropout_nodes(net)
    owner = np.arange(N)
    if masks is None:
        masks = 'all'
    if isinstance(masks, str) and masks == 'eval':
        return eval_network(net), A, {}, owner, True
    if not ds:
        if isinstance(masks, str) and masks == 'all':
            return net, A, {}, owner, True
    if isinstance(masks, dict):
        byname = {n.name: n for n in ds}
        byindex = {n.index: n for n in ds}
        drop = {}
        for key, value in masks.items():
            node = byname.get(key, byindex.get(key) if not isinstance(key, str) else None)
            if node is None:
                raise ValueError("masks names %r, which is not a Dropout node of the network (they are %s)"
                                 % (key, ", ".join(sorted(byname)) or "none"))
            m = np.asarray(value)
            want = (N,) + tuple(net.shape_of(node.index))
            if m.shape != want:
                raise ValueError("the masks of %s must have shape %s (one per data point), got %s"
                                 % (node.name, want, m.shape))
            if not np.isin(m, (0, 1)).all():
                raise ValueError("the masks of %s must hold 0 and 1 only" % node.name)
            drop[node.index] = m.astype(np.int64)
        missing = [n.name for n in ds if n.index not in drop]
        if missing:
            raise ValueError("masks gives no mask for the Dropout node%s %s" % ("" if len(missing) == 1 else "s",
                                                                              ", ".join(missing)))
        return net, A, drop, owner, True
    if not (isinstance(masks, str) and masks == 'all'):
        raise ValueError("masks must be 'all', 'eval' or a dict {Dropout node name: 0/1 array, one mask per data "
                         "point}, got %r" % (masks,))
    shapes = [tuple(net.shape_of(n.index)) for n in ds]
    sizes = [int(np.prod(s)) for s in shapes]
    E = sum(sizes)
    if E < 20 and N * 2 ** E <= MAX_MASK_PAIRS:
        bits = np.array(list(itertools.product([1, 0], repeat=E)), dtype=np.int64)        # all-ones first
        exhaustive = True
    else:
        rng = np.random.default_rng(int(seed))
        keep = np.concatenate([np.full(s, 1 - float(get_op(n.op).mask_probability(n.attrs))) for n, s in zip(ds, sizes)])
        bits = (rng.random((MASK_SAMPLES, E)) < keep).astype(np.int64)
        bits[0] = 1
        exhaustive = False
    K = len(bits)
    inputs = np.concatenate([A] * K, axis=0)
    owner = np.tile(np.arange(N), K)
    drop, start = {}, 0
    for n, s, size in zip(ds, shapes, sizes):
        block = bits[:, start:start + size]
        drop[n.index] = np.repeat(block, N, axis=0).reshape((K * N,) + s)
        start += size
    return net, inputs, drop, owner, exhaustive


def exact_regions(net, theta, inputs, drop, owner=None):
    r"""
    The regions of every ReLU on the pairs, read exactly over `\QQ`:
    ``(relu masks, values)``. A pre-activation exactly `0` that is not the
    zero polynomial near `\theta` is a kink: a ``ValueError`` names the data point.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import exact_regions, graph_data
        sage: net = Network.sequential(1, [('linear', 2), 'relu', ('linear', 1)])
        sage: th = [1, -1, 0, 0, 1, 1, 0]
        sage: relu, _ = exact_regions(net, th, graph_data(net, [[2], [-3]]), {}); relu[4].tolist()
        [[True, False], [False, True]]
        sage: exact_regions(net, th, graph_data(net, [[2], [0]]), {})
        Traceback (most recent call last):
        ...
        ValueError: data point 1 is on a kink: the pre-activation of unit (0,) of op L1 = relu(3) vanishes at theta there (the network is not differentiable there); move theta or the data point slightly

    A pre-activation that is the zero polynomial (a bias-free unit whose only
    input a mask removed) is no kink::

        sage: net = Network.sequential(1, [('dropout', 1/2), ('linear', 1, False), 'relu', ('linear', 1)])
        sage: A = graph_data(net, [[1], [1]])
        sage: [(n.index, n.op) for n in net.ops()]
        [(1, 'dropout'), (3, 'linear'), (4, 'relu'), (7, 'linear')]
        sage: relu, _ = exact_regions(net, [2, 1, 0], A, {1: np.array([[1], [0]])}); relu[4].tolist()
        [[True], [False]]
    """
    B = ObjectBackend('exact', dropout_masks=drop)
    theta = [_qq(t) for t in theta]
    vals = evaluate(net, B, theta, [inputs])
    relu = dict(B.masks)
    if B.kinks is not None and B.kinks.any():
        R = PolynomialRing(QQ, 't', net.D)
        for s in np.flatnonzero(B.kinks):
            _check_kink(net, R, theta, inputs, drop, vals, relu, int(s), owner)
    return relu, vals


def _check_kink(net, R, theta, inputs, drop, vals, relu, s, owner=None):
    r"""
    Decide the pair ``s`` with a pre-activation exactly `0`: evaluate it
    symbolically (the regions fixed), and raise unless every such
    pre-activation is the zero polynomial.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import exact_regions, graph_data
        sage: net = Network.sequential(1, [('linear', 1, False), 'relu'])
        sage: exact_regions(net, [0], graph_data(net, [[1]]), {})[0][1].tolist()
        Traceback (most recent call last):
        ...
        ValueError: data point 0 is on a kink: ...

    Called directly on the values of the exact backend::

        sage: from sage_conslaw.datalaws.graph import _check_kink
        sage: from sage_conslaw.network.backends import ObjectBackend, evaluate
        sage: A = graph_data(net, [[1]]); B = ObjectBackend('exact', dropout_masks={})
        sage: vals = evaluate(net, B, [QQ(0)], [A])
        sage: _check_kink(net, PolynomialRing(QQ, 't', net.D), [QQ(0)], A, {}, vals, dict(B.masks), 0, owner=[7])
        Traceback (most recent call last):
        ...
        ValueError: data point 7 is on a kink: ...
    """
    def symbols(node, kind, shape, z=None):
        if kind == 'dropout':
            m = drop.get(node.index)
            out = np.empty(shape, dtype=object)
            out[...] = QQ(1) if m is None else 0
            if m is not None:
                out[...] = np.vectorize(QQ, otypes=[object])(np.asarray(m[s]))
            return out
        at = vals[node.args[0]][s]
        for idx in zip(*np.nonzero(np.vectorize(lambda t: t == 0, otypes=[bool])(at))):
            if z[idx] != 0:
                who = "data point %s" % (s if owner is None else int(owner[s]))
                if drop:
                    who += " (with the Dropout masks of pair %s)" % s
                raise ValueError("%s is on a kink: the pre-activation of unit %s of %r vanishes at theta there (the "
                                 "network is not differentiable there); move theta or the data point slightly"
                                 % (who, tuple(int(i) for i in idx), node))
        return np.vectorize(QQ, otypes=[object])(relu[node.index][s].astype(int))
    B = ObjectBackend('symbolic', symbols=symbols)
    evaluate(net, B, list(R.gens()), [inputs[s:s + 1]])


# ---------------------------------------------------------------------------
# The laws of a trace result, in the ring of the user's model
# ---------------------------------------------------------------------------

class MappedDataLaws:
    r"""
    The explicit data laws of a trace result on a data set (its ``data_model``),
    mapped into the ring of the user's model by ``ring_map`` (``None``: the
    data model's own ring).  Shared by
    :class:`GraphDataTraceResult` and
    :class:`~sage_conslaw.datalaws.network.DataLieTraceResult`.

    EXAMPLES::

        sage: from sage_conslaw.datalaws.graph import MappedDataLaws, GraphDataTraceResult
        sage: from sage_conslaw.datalaws.network import DataLieTraceResult
        sage: issubclass(GraphDataTraceResult, MappedDataLaws), issubclass(DataLieTraceResult, MappedDataLaws)
        (True, True)
    """

    def laws(self):
        r"""
        The explicit data laws (their number independent at `\theta` is ``known_laws``).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import graph_data_trace
            sage: graph_data_trace(Network.sequential(2, [('linear', 1, False)]), [[1, 0]], point=[1, 1], route='exact').laws()
            [L0_weight_0_1]
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.datalaws import data_lie_trace
            sage: data_lie_trace(LinearNetwork([1, 1, 1]), [[1]], point=[1, 2]).laws()
            [U1_0_0^2 - U2_0_0^2]
        """
        return self._mapped(self.data_model.known_conservation_laws())

    def laws_by_kind(self):
        r"""
        The explicit data laws by kind (see the ``laws_by_kind`` of the data
        model: :meth:`GraphDataModel.laws_by_kind`,
        :meth:`~sage_conslaw.datalaws.network.DataModel.laws_by_kind`).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import graph_data_trace
            sage: graph_data_trace(Network.sequential(2, [('linear', 1, False)]), [[1, 0]], point=[1, 1], route='exact').laws_by_kind()['frozen']
            [L0_weight_0_1]
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.datalaws import data_lie_trace
            sage: data_lie_trace(LinearNetwork([1, 1, 2]), [[1, 0]], point=[1, 2, 3]).laws_by_kind()['frozen']
            [U2_0_1]
        """
        return {k: self._mapped(v) for k, v in self.data_model.laws_by_kind().items()}

    def _mapped(self, laws):
        r"""
        ``laws`` in the ring of the user's model (through ``ring_map``, if any).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import graph_data_trace
            sage: res = graph_data_trace(Network.sequential(1, [('linear', 1)]), [[1]], point=[1, 1], route='exact')
            sage: x = polygen(QQ); res._mapped([x])
            [x]
            sage: res.ring_map = lambda h: 2 * h; res._mapped([x])
            [2*x]
        """
        return laws if self.ring_map is None else [self.ring_map(h) for h in laws]


# ---------------------------------------------------------------------------
# The explicit laws of the data
# ---------------------------------------------------------------------------

class SparseLaw:
    r"""
    A law `\sum_k a_k\theta_k + \sum_{k \le l} c_{kl}\theta_k\theta_l`, kept
    sparse (its gradient at a point costs its number of terms).

    EXAMPLES::

        sage: from sage_conslaw.datalaws.graph import SparseLaw
        sage: h = SparseLaw(linear={0: 2}, quadratic={(0, 1): 1, (1, 1): -1})
        sage: h.gradient([1, 2], 3), h.polynomial(QQ['a,b'])
        ({0: 4, 1: -3}, a*b - b^2 + 2*a)
    """

    def __init__(self, linear=None, quadratic=None):
        r"""
        TESTS::

            sage: from sage_conslaw.datalaws.graph import SparseLaw
            sage: SparseLaw().linear
            {}
        """
        self.linear = dict(linear or {})
        self.quadratic = dict(quadratic or {})

    def gradient(self, theta, D):
        r"""
        The nonzero entries of the gradient at ``theta`` (exact).

        TESTS::

            sage: from sage_conslaw.datalaws.graph import SparseLaw
            sage: SparseLaw(quadratic={(0, 0): 3}).gradient([2], 1)
            {0: 12}
        """
        g = {}
        for k, a in self.linear.items():
            g[k] = g.get(k, 0) + a
        for (k, l), c in self.quadratic.items():
            if k == l:
                g[k] = g.get(k, 0) + 2 * c * theta[k]
            else:
                g[k] = g.get(k, 0) + c * theta[l]
                g[l] = g.get(l, 0) + c * theta[k]
        return {k: v for k, v in g.items() if v}

    def polynomial(self, R):
        r"""
        The law as a polynomial of ``R`` (variables in the order of `\theta`).

        TESTS::

            sage: from sage_conslaw.datalaws.graph import SparseLaw
            sage: SparseLaw(linear={1: 1}).polynomial(QQ['a,b'])
            b
        """
        x = R.gens()
        return R.sum([a * x[k] for k, a in sorted(self.linear.items())]
                     + [c * x[k] * x[l] for (k, l), c in sorted(self.quadratic.items())])


def _coordinates(net):
    r"""
    ``(parameter name, index) -> coordinate of theta`` for the trainable parameters.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import _coordinates
        sage: _coordinates(Network.sequential(1, [('linear', 1)]))
        {('L0_bias', (0,)): 1, ('L0_weight', (0, 0)): 0}
    """
    return {(pname, tuple(idx)): k for k, (_, pname, idx) in enumerate(net.layout())}


def _ancestors(net, index):
    r"""
    The indices of the nodes a node depends on.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import _ancestors
        sage: sorted(_ancestors(Network.sequential(1, [('linear', 1)]), 3))
        [0, 1, 2]
    """
    seen, todo = set(), [index]
    while todo:
        n = net.nodes[todo.pop()]
        for a in (n.args or []):
            if a not in seen:
                seen.add(a)
                todo.append(a)
    return seen


class _Unit:
    r"""
    The units (output channels) of one linear layer or convolution, their
    coordinates in `\theta` and their activations on the pairs.

    TESTS::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import GraphDataModel
        sage: M = GraphDataModel(Network.sequential(2, [('linear', 2), 'relu', ('linear', 1)]), [[1, 2]], [1, 0, 0, 1, 0, 0, 1, 1, 0])
        sage: u = M._units()[0]; u.node.name, u.incoming(1), u.outgoing(1), u.activity.tolist()
        ('L0', [2, 3, 5], [7], [[[1, 1]]])
    """

    def __init__(self, net, node, coords, relu, drop, exhaustive, live=None):
        r"""
        Read the layer ``node`` (see the class documentation); ``self.ok`` is
        ``False`` when its weights are tied or frozen (no unit law).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential(2, [('linear', 2), ('linear', 1)]), [[1, 2]], [1] * 9)
            sage: [(u.node.name, u.consumer is not None) for u in M._units()]
            [('L0', True), ('L1', False)]
        """
        self.net, self.node, self.coords = net, node, coords
        op = self.op = get_op(node.op)
        nodes = net.nodes
        W = nodes[node.args[1]]
        b = nodes[node.args[2]] if len(node.args) > 2 else None
        self.W = W
        self.ok = W.trainable and len(net.uses(W.index)) == 1 and list(node.args).count(W.index) == 1
        self.bias = None            # trainable bias node, or None
        self.frozen_bias = False    # a frozen nonzero bias
        if b is not None:
            if b.trainable and len(net.uses(b.index)) == 1 and list(node.args).count(b.index) == 1:
                self.bias = b
            elif b.trainable:
                self.ok = False
            else:
                self.frozen_bias = any(_qq(v) != 0 for v in np.asarray(b.value).reshape(-1))
        self.units = W.shape[0]
        self.regions_read = True    # False: a ReLU's regions unknown (no two units are known to be tied)
        # the activation of each unit on each pair and position: the ReLU region, the Dropout masks
        out_shape = net.shape_of(node.index)
        act = np.ones((0,), dtype=object)
        cur, through_dropout, seen_relu, flattened = node, False, False, False
        factor = None
        while True:
            users = net.uses(cur.index)
            if len(users) != 1 or cur.index in net.outputs:
                break
            u = users[0]
            uop = get_op(u.op)
            if uop.kind == 'homogeneous' and not seen_relu and tuple(u.args) == (cur.index,):
                m = relu.get(u.index)
                if m is None:                   # regions not read (an analytic network): every unit active
                    m = np.ones((1,) + tuple(net.shape_of(u.index)), dtype=bool)
                    self.regions_read = False   # (sound for frozen directions, not for ties: no cross law)
                f = uop.region_factor(m, u.attrs)
                factor = f if factor is None else factor * f
                seen_relu = True
            elif uop.kind == 'mask' and uop.transparent and tuple(u.args) == (cur.index,):
                through_dropout = through_dropout or u.index in drop
                if u.index in drop and exhaustive:          # (after a flatten: in the layer's own shape)
                    f = drop[u.index].astype(object).reshape((-1,) + tuple(out_shape))
                    factor = f if factor is None else factor * f
            elif uop.transparent and tuple(u.args) == (cur.index,) and (
                    tuple(net.shape_of(u.index)) == tuple(net.shape_of(cur.index))
                    or (op.unit_axis == 0 and tuple(net.shape_of(u.index)) == (int(np.prod(out_shape)),))):
                flattened = flattened or tuple(net.shape_of(u.index)) != tuple(net.shape_of(cur.index))
            else:
                break
            cur = u
        self.tail = cur
        self.through_dropout = through_dropout
        if factor is None:
            factor = np.ones((1,) + tuple(out_shape), dtype=object)
        if live is not None and cur.index in live:       # no output depends on the unit there
            factor = factor * live[cur.index].reshape((-1,) + tuple(out_shape)).astype(object)
        elif live is not None:
            factor = factor * 0
        # (pairs, positions, units)
        ax = op.unit_axis + 1 if op.unit_axis >= 0 else op.unit_axis
        self.activity = np.moveaxis(factor, ax, -1).reshape(factor.shape[0], -1, self.units)
        users = net.uses(cur.index)
        c = users[0] if len(users) == 1 and cur.index not in net.outputs else None
        self.consumer = None
        self.flattened = flattened
        # the next layer reads the units: a layer of the same kind, or after a flatten one whose units are last
        reads_units = c is not None and (get_op(c.op).unit_axis == -1 if flattened else c.op == node.op)
        if reads_units and c.args[0] == cur.index and c.args.count(cur.index) == 1:
            W2 = nodes[c.args[1]]
            width = self.units * (int(np.prod(out_shape[1:])) if flattened else 1)
            if W2.trainable and len(net.uses(W2.index)) == 1 and list(c.args).count(W2.index) == 1 \
                    and W2.shape[1] == width:
                self.consumer = c
                self.W2 = W2

    def incoming(self, j):
        r"""
        The trainable coordinates of the incoming weights of unit ``j``, bias last.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential((1, 3), [('conv1d', 2, 2)]), [[1, 2, 3]], [1] * 6)
            sage: M._units()[0].incoming(1)
            [2, 3, 5]
        """
        W = self.W
        idx = [(j,) + tuple(r) for r in itertools.product(*[range(s) for s in W.shape[1:]])]
        out = [self.coords[(W.name, i)] for i in idx]
        if self.bias is not None:
            out.append(self.coords[(self.bias.name, (j,))])
        return out

    def outgoing(self, j):
        r"""
        The coordinates of the weights of the next layer reading unit ``j``.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential(1, [('linear', 2), 'relu', ('linear', 2)]), [[1]], [1] * 10)
            sage: M._units()[0].outgoing(0)
            [4, 6]
        """
        W2 = self.W2
        if self.flattened:                  # channel j of a flattened (channels, length) value
            T = W2.shape[1] // self.units
            return [self.coords[(W2.name, (o, j * T + t))] for o in range(W2.shape[0]) for t in range(T)]
        rest = [range(s) for s in W2.shape[2:]]
        return [self.coords[(W2.name, (o, j) + tuple(r))] for o in range(W2.shape[0])
                for r in itertools.product(*rest)]

    def reading_zeros(self, nonzero):
        r"""
        The coordinates of the weights that read only entries zero near
        `\theta` on every pair (``nonzero``: the 0/1 array of the layer's
        input, :meth:`GraphDataModel.nonzero_entries`): their gradients vanish.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential((1, 3), [('conv1d', 1, 2)]), [[0, 2, 3]], [1] * 3)
            sage: M._units()[0].reading_zeros(M.nonzero_entries()[0])
            []
            sage: M = GraphDataModel(Network.sequential(2, [('linear', 2)]), [[0, 2]], [1] * 6)
            sage: M._units()[0].reading_zeros(M.nonzero_entries()[0])
            [0, 2]
        """
        if not self.ok:
            return []
        read = self.patches(nonzero)
        read = np.array([[any(t != 0 for t in read[:, :, f].reshape(-1))] for f in range(read.shape[2])]).reshape(-1)
        W = self.W
        rest = [range(s) for s in W.shape[1:]]
        out = []
        for o in range(W.shape[0]):
            for f, r in enumerate(itertools.product(*rest)):
                if not read[f]:
                    out.append(self.coords[(W.name, (o,) + tuple(r))])
        return sorted(out)

    def patches(self, inputs):
        r"""
        The inputs each unit reads, per pair and position: an object array
        ``(pairs, positions, fan-in)`` (the patches of a convolution).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential((1, 3), [('conv1d', 1, 2)]), [[1, 2, 3]], [1] * 3)
            sage: M._units()[0].patches(M.inputs).tolist()
            [[[1, 2], [2, 3]]]

        A 2-D convolution: the patches of each image, position by position (row
        major), in the order of the kernel's entries `(c, k, l)`; two points on
        a line freeze `4 - 1` directions of the kernel::

            sage: net = Network(); x = net.input('x', (1, 2, 3)); W = net.parameter('W', (1, 1, 2, 2))
            sage: net.output(net.op('conv2d', [x, W]))
            sage: M = GraphDataModel(net, [[1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12]], [1, 2, 3, 4])
            sage: M._units()[0].patches(M.inputs)[0].tolist()
            [[1, 2, 4, 5], [2, 3, 5, 6]]
            sage: res = M.lie_trace(); res.number_of_laws, res.certified, len(M.laws_by_kind()['frozen'])
            (2, True, 2)
        """
        return self.op.patches(inputs, tuple(self.W.shape), self.node.attrs, QQ(0))


# ---------------------------------------------------------------------------
# The model of a data set on a network graph
# ---------------------------------------------------------------------------

class GraphDataModel(ConservationModel):
    r"""
    The gradient flows of a network graph on a fixed data set near an exact
    point `\theta` (see the module documentation).

    INPUT:

    - ``network`` -- a :class:`~sage_conslaw.network.graph.Network` (or a
      ``NetworkModel``)
    - ``X`` -- the data (`N` points of the input shape)
    - ``point`` -- the exact point `\theta`
    - ``masks`` -- ``'all'`` (default), ``'eval'`` or a dict of masks (Dropout only)
    - ``seed`` -- the seed of the sampled masks

    EXAMPLES:

    A convolution reading `1 \times 4` inputs that vanish at the first
    position: its patches `(0, 1), (1, 1), (1, 1)` with a `1` for the bias
    span `2` of the `3` directions of the kernel and bias::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import GraphDataModel
        sage: net = Network.sequential((1, 4), [('conv1d', 1, 2), 'relu', 'flatten', ('linear', 1)])
        sage: M = GraphDataModel(net, [[0, 1, 1, 1]], [1, 1, 1, 1, 1, 1, 0]); M
        Gradient flows of the network (D = 7) on 1 data point near theta
        sage: M.laws_by_kind()['frozen']
        [-L0_weight_0_0_1 + L0_bias_0]
        sage: all(M.is_conservation_law(h) for h in M.known_conservation_laws())
        True
    """

    def __init__(self, network, X, point, masks=None, seed=0):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1)]), [[1]], [1, 2, 3])
            Traceback (most recent call last):
            ...
            ValueError: the point has 3 coordinates, but the parametrization has D = 2 parameters
        """
        net = network.network if hasattr(network, "network") and hasattr(network.network, "ops") else network
        self.original = net
        self.point = as_exact_point(point, net.D, QQ)
        if len(net.inputs()) > 1:          # several inputs: one, their concatenation (the same function)
            X, net = concatenated_data(net, X), single_input(net)
        A = graph_data(net, X)
        self.N = A.shape[0]
        self.masks_option = 'all' if masks is None else masks
        self.network, self.inputs, self.drop, self.owner, self.exhaustive = dropout_pairs(net, A, masks, seed)
        self.pairs = self.inputs.shape[0]
        #: the analytic ops (no exact value: the ReLU regions are decided in ball arithmetic by the lower bound)
        self.analytic = _uncertifiable_ops(self.network)
        if self.analytic:
            self.relu, self.values = {}, None
        else:
            self.relu, self.values = exact_regions(self.network, self.point, self.inputs, self.drop, self.owner)
        self._ring = None
        self._W = None
        self._laws = None
        self._unit_cache = None

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('dropout', 1/2), ('linear', 1)]), [[1], [2]], [1, 2])
            Gradient flows of the network (D = 2) on 2 data points (4 pairs with the Dropout masks: all of them) near theta
        """
        what = "%s data point%s" % (self.N, "" if self.N == 1 else "s")
        if self.drop:
            what += " (%s pairs with the Dropout masks: %s)" % (
                self.pairs, "all of them" if self.exhaustive and not isinstance(self.masks_option, dict)
                else "given" if isinstance(self.masks_option, dict) else "sampled")
        return "Gradient flows of the network (D = %s) on %s near theta" % (self.network.D, what)

    @property
    def D(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1)]), [[1]], [1, 2]).D
            2
        """
        return self.network.D

    def polynomial_ring(self):
        r"""
        `\QQ[\theta]`, its variables named by the network's layout.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1)]), [[1]], [1, 2]).polynomial_ring()
            Multivariate Polynomial Ring in L0_weight_0_0, L0_bias_0 over Rational Field
        """
        if self._ring is None:
            self._ring = self.network.polynomial_ring()
        return self._ring

    def random_point(self, seed=0):
        r"""
        The point `\theta` (the model lives near it: its regions are read there).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1)]), [[1]], [1, 2]).random_point(5)
            (1, 2)
        """
        return self.point

    def _outputs(self):
        r"""
        The polynomials `g_k(\theta, x_i; m)` near `\theta` (the regions
        fixed), pair by pair (pair major, output entry minor).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential(1, [('linear', 2), 'relu', ('linear', 1, False)]), [[1], [-1]], [1, -1, 0, 0, 1, 1])
            sage: M._outputs()
            [L0_weight_0_0*L2_weight_0_0 + L0_bias_0*L2_weight_0_0, -L0_weight_1_0*L2_weight_0_1 + L0_bias_1*L2_weight_0_1]
        """
        R = self.polynomial_ring()
        net = self.network
        out = []
        for s in range(self.pairs):
            def symbols(node, kind, shape, z=None):
                m = self.drop.get(node.index) if kind == 'dropout' else self.relu[node.index]
                a = np.empty(shape, dtype=object)
                a[...] = QQ(1)
                if m is not None:
                    a[...] = np.vectorize(QQ, otypes=[object])(np.asarray(m[s]).astype(int))
                return a
            B = ObjectBackend('symbolic', symbols=symbols)
            vals = evaluate(net, B, list(R.gens()), [self.inputs[s:s + 1]])
            for o in net.outputs:
                out += [R(v) for v in np.asarray(vals[o]).reshape(-1)]
        return out

    def generators(self):
        r"""
        The family `W_X` of the data fields (formed symbolically on first use:
        the route without PyTorch, and the exact checks of the laws).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential(1, [('linear', 1, False)]), [[3]], [2]); M.generators().components()
            (3*L0_weight_0_0,)
        """
        if self._W is None:
            nout = sum(int(np.prod(self.network.shape_of(o))) for o in self.network.outputs)
            self._W = GradientFamily(self.polynomial_ring(), self._outputs, size=self.pairs * nout,
                                     what="the outputs of the network on %s" % self._repr_().split(" on ", 1)[1])
        return self._W

    def _units(self):
        r"""
        The layers whose units give explicit laws (:class:`_Unit`), in order.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: len(GraphDataModel(Network.sequential(1, [('linear', 2), 'relu', ('linear', 1)]), [[1]], [1] * 7)._units())
            2
        """
        if self._unit_cache is None:
            coords = _coordinates(self.network)
            live = self.live_entries()
            self._unit_cache = [_Unit(self.network, n, coords, self.relu, self.drop, self.exhaustive, live)
                                for n in self.network.ops() if get_op(n.op).unit_axis is not None]
        return self._unit_cache

    def constant_values(self):
        r"""
        The exact values on the pairs of the nodes that do not depend on
        `\theta` (the input, and what frozen linear maps, reshapes, Dropout
        masks and polynomial ops make of it): ``{node index: array (pairs, ...)}``.
        A unit reading one of them moves only along the entries it reads there.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential((1, 2), ['flatten', ('linear', 1)]), [[1, 2]], [1, 1, 1])
            sage: sorted(M.constant_values()), M.constant_values()[1].tolist()
            ([0, 1], [[1, 2]])
        """
        if getattr(self, '_consts', None) is not None:
            return self._consts
        net = self.network
        B = ObjectBackend('exact', dropout_masks=self.drop)
        vals = {}
        for n in net.nodes:
            if n.role == 'input':
                vals[n.index] = self.inputs
            elif n.role == 'parameter' and not n.trainable or n.role == 'constant':
                vals[n.index] = B.array(np.asarray(n.value, dtype=object))
            elif n.role == 'op' and get_op(n.op).kind in ('polynomial', 'mask') and all(a in vals for a in n.args):
                vals[n.index] = get_op(n.op).forward(B, [vals[a] for a in n.args], n.attrs, n)
        self._consts = {k: np.asarray(v, dtype=object) for k, v in vals.items()
                        if net.nodes[k].role in ('input', 'op')}
        return self._consts

    def nonzero_entries(self):
        r"""
        For every node, a 0/1 object array over the pairs: `0` where the value
        is the zero function of `\theta` near `\theta` by structure (a zero
        input, a ReLU off, a Dropout entry dropped, and what rearranges or sums
        them), `1` where it may not be.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(2, [('linear', 2), 'relu', ('linear', 1)])
            sage: M = GraphDataModel(net, [[1, 0], [2, 0]], [1, 1, 1, 1, 1, -9, 1, 1, 0])
            sage: Z = M.nonzero_entries(); Z[0].tolist(), Z[4].tolist()
            ([[1, 0], [1, 0]], [[1, 0], [1, 0]])
        """
        net = self.network
        B = ObjectBackend('exact')
        ones = lambda shape: np.ones((self.pairs,) + tuple(shape), dtype=int).astype(object)   # noqa: E731
        Z = {}
        for n in net.nodes:
            if n.role == 'input' or (n.role == 'op' and n.index in self.constant_values()):
                Z[n.index] = np.vectorize(lambda t: int(t != 0), otypes=[object])(self.constant_values()[n.index])
            elif n.role != 'op':
                continue
            elif get_op(n.op).kind == 'homogeneous':
                Z[n.index] = Z[n.args[0]] * (self._region_support(n) if n.index in self.relu else 1)
            elif get_op(n.op).kind == 'mask':
                m = self.drop.get(n.index)
                Z[n.index] = Z[n.args[0]] if m is None else Z[n.args[0]] * np.asarray(m).astype(object)
            else:
                z = get_op(n.op).support(B, [Z.get(a) for a in n.args], n.attrs, n)
                Z[n.index] = ones(net.shape_of(n.index)) if z is None else z
        return Z

    def _region_support(self, node):
        r"""
        Where the homogeneous op ``node`` does not vanish on its region, pair
        by pair: a 0/1 object array (its regions read, :attr:`relu`).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(1, [('linear', 2), ('leaky_relu', 1/2), ('linear', 1)])
            sage: M = GraphDataModel(net, [[1]], [1, -1, 0, 0, 1, 1, 0]); M._region_support(net.nodes[4]).tolist()
            [[1, 1]]
            sage: net = Network.sequential(1, [('linear', 2), 'relu', ('linear', 1)])
            sage: M = GraphDataModel(net, [[1]], [1, -1, 0, 0, 1, 1, 0]); M._region_support(net.nodes[4]).tolist()
            [[1, 0]]
        """
        f = get_op(node.op).region_factor(self.relu[node.index], node.attrs)
        return np.vectorize(lambda t: int(t != 0), otypes=[object])(f)

    def live_entries(self):
        r"""
        For every node, a 0/1 array over the pairs: `0` where no output
        depends on the entry near `\theta` (every path to an output goes
        through a ReLU off or a dropped entry), `1` where one may.

        EXAMPLES:

        A ReLU on the output that is off on the first point: nothing depends
        on the hidden units there::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(1, [('linear', 2), 'relu', ('linear', 1), 'relu'])
            sage: M = GraphDataModel(net, [[-1], [1]], [1, 1, 1/2, 1/2, 1, 1, -1])
            sage: M.live_entries()[4].tolist()
            [[0, 0], [1, 1]]

        With sampled Dropout masks every entry counts as live (a mask not
        drawn may turn a ReLU downstream on)::

            sage: from sage_conslaw.datalaws import graph
            sage: net = Network.sequential(1, [('linear', 2), 'relu', ('dropout', 1/2), ('linear', 1), 'relu'])
            sage: old, graph.MAX_MASK_PAIRS = graph.MAX_MASK_PAIRS, 4
            sage: M = GraphDataModel(net, [[-1], [1]], [1, 1, 1/2, 1/2, 1, 1, -1]); M.exhaustive
            False
            sage: graph.MAX_MASK_PAIRS = old
            sage: M.live_entries()[4].min()
            1
        """
        if getattr(self, '_live', None) is not None:
            return self._live
        net = self.network
        B = ObjectBackend('exact')
        L = {}
        if not self.exhaustive:         # sampled masks: a mask not drawn may wake a ReLU downstream
            self._live = {n.index: np.ones((self.pairs,) + tuple(net.shape_of(n.index)), dtype=np.int64)
                          for n in net.nodes if n.role in ('input', 'op')}
            return self._live

        def put(a, v):
            if net.nodes[a].role in ('parameter', 'constant'):
                return
            v = np.asarray(v, dtype=np.int64)
            L[a] = v if a not in L else np.maximum(L[a], v)
        for o in net.outputs:
            put(o, np.ones((self.pairs,) + tuple(net.shape_of(o)), dtype=np.int64))
        for n in reversed(net.ops()):
            if n.index not in L:
                continue
            up = L[n.index]
            args = list(n.args)
            shape0 = (self.pairs,) + tuple(net.shape_of(args[0]))
            op = get_op(n.op)
            if op.kind == 'homogeneous':
                put(args[0], up * self._region_support(n).astype(np.int64) if n.index in self.relu
                    else up.reshape(shape0))
            elif op.kind == 'mask':
                m = self.drop.get(n.index)
                put(args[0], up if m is None else up * np.asarray(m, dtype=np.int64))
            else:
                read = op.reads(B, up, [tuple(net.shape_of(a)) for a in args], n.attrs, n)
                if read is None:                # not known: every entry of every argument
                    read = [np.ones((self.pairs,) + tuple(net.shape_of(a)), dtype=np.int64) for a in args]
                for a, r in zip(args, read):
                    if r is not None:
                        put(a, r)
        self._live = L
        return L

    def report(self):
        r"""
        Which units are active on how many pairs and positions, which are dead
        (active on none), which are tied (the same activation everywhere), per
        linear layer or convolution.

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(1, [('linear', 3), 'relu', ('linear', 1)])
            sage: GraphDataModel(net, [[1], [2]], [1, 2, -1, 1, 1, -2, 1, 1, 1, 0]).report()
            'Units on 2 pairs: L0: active on [2, 2, 0]; dead: 2; tied: {0, 1}; L2: active on [2]'
        """
        parts = []
        for u in self._units():
            a = u.activity
            counts = [int(sum(1 for t in a[:, :, j].reshape(-1) if t != 0)) for j in range(u.units)]
            part = "%s: active on %s" % (u.node.name, counts)
            dead = [j for j in range(u.units) if not counts[j]]
            if dead:
                part += "; dead: %s" % ", ".join(map(str, dead))
            groups = {}
            for j in range(u.units):
                if counts[j]:
                    groups.setdefault(tuple(a[:, :, j].reshape(-1).tolist()) if u.regions_read else j, []).append(j)
            tied = [g for g in groups.values() if len(g) > 1] if u.consumer is not None else []
            if tied:
                part += "; tied: %s" % ", ".join("{%s}" % ", ".join(map(str, g)) for g in tied)
            parts.append(part)
        what = "Units on %s pair%s" % (self.pairs, "" if self.pairs == 1 else "s")
        if self.analytic:
            what += " (the regions of an analytic network are not read: every unit counted active)"
        return what + ": " + "; ".join(parts) if parts else what + ": no linear layer"

    def sparse_laws(self):
        r"""
        The explicit data laws by kind, as :class:`SparseLaw` (see :meth:`laws_by_kind`).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: L = GraphDataModel(Network.sequential(2, [('linear', 1, False)]), [[1, 1]], [1, 2]).sparse_laws()
            sage: [len(L[k]) for k in ('frozen', 'dead', 'balancedness', 'cross', 'rescaling')]
            [1, 0, 0, 0, 0]
        """
        if self._laws is not None:
            return self._laws
        net = self.network
        laws = {k: [] for k in KINDS}
        drops = {n.index for n in _dropout_nodes(net)}
        zeros = self.nonzero_entries()
        for u in self._units():
            if not u.ok:
                continue
            upstream = bool(drops & _ancestors(net, u.node.index))
            if upstream and not self.exhaustive:
                continue            # its regions depend on masks not all seen
            a = u.activity
            live = [j for j in range(u.units) if any(t != 0 for t in a[:, :, j].reshape(-1))]
            dead = [j for j in range(u.units) if j not in live]
            for j in dead:
                laws['dead'] += [SparseLaw(linear={k: 1}) for k in u.incoming(j)]
            # the weights reading an entry that is zero near theta on every pair (a dead unit, a zero feature)
            laws['dead'] += [SparseLaw(linear={k: 1}) for k in u.reading_zeros(zeros[u.node.args[0]])]
            consts = self.constant_values()
            if u.node.args[0] in consts:        # the unit reads a value constant in theta: the inputs, ...
                P = u.patches(consts[u.node.args[0]])
                if a.shape[0] == 1 and P.shape[0] != 1:
                    a = np.broadcast_to(a, (P.shape[0],) + a.shape[1:])
                for j in live:
                    act = a[:, :, j] != 0
                    rows = [list(r) + ([1] if u.bias is not None else []) for r in P[act]]
                    A = matrix(QQ, len(rows), len(u.incoming(j)), rows)
                    for w in A.right_kernel_matrix(basis='pivot').rows():
                        laws['frozen'].append(SparseLaw(linear={k: c for k, c in zip(u.incoming(j), w) if c}))
            if u.consumer is None or u.frozen_bias or (u.through_dropout and not self.exhaustive):
                continue
            groups = {}
            for j in live:
                groups.setdefault(tuple(a[:, :, j].reshape(-1).tolist()) if u.regions_read else j, []).append(j)
            for g in groups.values():
                for s, j in enumerate(g):
                    for l in g[s:]:
                        q = {}
                        for k1, k2 in zip(u.incoming(j), u.incoming(l)):
                            key = (min(k1, k2), max(k1, k2))
                            q[key] = q.get(key, 0) + 1
                        for k1, k2 in zip(u.outgoing(j), u.outgoing(l)):
                            key = (min(k1, k2), max(k1, k2))
                            q[key] = q.get(key, 0) - 1
                        laws['balancedness' if j == l else 'cross'].append(
                            SparseLaw(quadratic={k: c for k, c in q.items() if c}))
        seen = [h.quadratic for h in laws['balancedness']]
        for srow in scaling_laws(net):
            h = SparseLaw(quadratic={(k, k): QQ(int(c)) for k, c in enumerate(srow) if c})
            if h.quadratic not in seen and {k: -c for k, c in h.quadratic.items()} not in seen:
                laws['rescaling'].append(h)      # (a unit's balancedness is its rescaling law)
        for trow in translation_laws(net):
            laws['translation'].append(SparseLaw(linear={k: QQ(int(c)) for k, c in enumerate(trow) if c}))
        seen = set()
        for k in KINDS:              # one law once (a frozen direction may be a weight reading zeros)
            kept = []
            for h in laws[k]:
                key = (tuple(sorted(h.linear.items())), tuple(sorted(h.quadratic.items())))
                if key not in seen:
                    seen.add(key)
                    kept.append(h)
            laws[k] = kept
        self._laws = laws
        return laws

    def laws_by_kind(self):
        r"""
        The explicit data laws by kind, as polynomials: ``'frozen'``,
        ``'dead'``, ``'balancedness'``, ``'cross'`` (units with one
        activation) and ``'rescaling'`` (the graph's rescaling laws).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(2, [('linear', 2, False), ('linear', 1, False)])
            sage: L = GraphDataModel(net, [[1, 2]], [1, 0, 0, 1, 1, 1]).laws_by_kind()
            sage: L['frozen'], L['cross']
            ([-2*L0_weight_0_0 + L0_weight_0_1, -2*L0_weight_1_0 + L0_weight_1_1], [L0_weight_0_0*L0_weight_1_0 + L0_weight_0_1*L0_weight_1_1 - L1_weight_0_0*L1_weight_0_1])
        """
        R = self.polynomial_ring()
        return {k: [h.polynomial(R) for h in v] for k, v in self.sparse_laws().items()}

    def known_conservation_laws(self):
        r"""
        The explicit data laws (every kind).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1, False)]), [[1]], [2]).known_conservation_laws()
            []
        """
        L = self.laws_by_kind()
        return [h for k in KINDS for h in L[k]]

    def independent_laws(self, p):
        r"""
        The number of explicit laws independent at `\theta`, proven: the rank
        modulo ``p`` of their exact gradients there (never above their rank over `\QQ`).

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(2, [('linear', 2, False), ('linear', 1, False)])
            sage: GraphDataModel(net, [[1, 2]], [1, 0, 0, 1, 1, 1]).independent_laws(101)
            5
        """
        D = self.D
        theta = list(self.point)
        E = EchelonModP(D, p)
        laws = [h for k in KINDS for h in self.sparse_laws()[k]]
        for s in range(0, len(laws), 256):
            rows = np.zeros((min(256, len(laws) - s), D))
            for r, h in enumerate(laws[s:s + 256]):
                for k, v in h.gradient(theta, D).items():
                    rows[r, k] = reduce_rational(QQ(v), p)
            E.add_rows(rows)
        return E.rank

    def _prime(self):
        r"""
        A prime keeping the network's sums exact in float64 and dividing no
        denominator of `\theta`, the data or the constants.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1)]), [[1/3]], [1, 2])._prime()
            1048573
        """
        nout = sum(int(np.prod(self.network.shape_of(o))) for o in self.network.outputs)
        p = choose_prime(self.network, self.pairs * nout)
        dens = [QQ(t).denominator() for t in self.point] + [QQ(t).denominator() for t in self.inputs.reshape(-1)]
        for n in self.network.nodes:
            if n.value is not None:
                dens += [_qq(t).denominator() for t in np.asarray(n.value).reshape(-1)]
        L = 1
        for d in set(dens):
            L = L.lcm(d) if hasattr(L, 'lcm') else QQ(d).numerator().lcm(L)
        while QQ(L).numerator() % p == 0:
            p = int(previous_prime(p))
        return p

    def lie_trace(self, point=None, max_steps=4, seed=0, route=None, **options):
        r"""
        The trace of `\mathrm{Lie}(W_X)` at `\theta` and the number of laws
        of the data set, certified when the lower bound meets the explicit
        laws (see the module documentation).

        INPUT:

        - ``route`` -- ``None`` (PyTorch autograd modulo `p` when PyTorch is
          installed, else exact symbolic), ``'torch'`` or ``'exact'``
        - ``max_steps`` -- the deepest bracket level
        - other options -- those of
          :meth:`~sage_conslaw.core.model.ConservationModel.lie_trace` (route ``'exact'``)

        EXAMPLES::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: net = Network.sequential(2, [('linear', 2), 'relu', ('linear', 1)])
            sage: M = GraphDataModel(net, [[1, 0], [2, 0], [1, 0]], [1, 2, -1, 1, 1/2, 1/2, 1, 1, 0])
            sage: a, b = M.lie_trace(route='exact'), M.lie_trace(route='torch')  # optional - torch
            sage: (a.number_of_laws, a.certified), (b.number_of_laws, b.certified)  # optional - torch
            ((6, True), (6, True))
            sage: M.lie_trace(route='exact').number_of_laws
            6
            sage: M.lie_trace(route='fast')
            Traceback (most recent call last):
            ...
            ValueError: route must be None, 'torch' or 'exact', got 'fast'
            sage: M.lie_trace(point=[0] * 9)
            Traceback (most recent call last):
            ...
            ValueError: the data model lives near the point it was built at (its regions are read there); build another one for another point
        """
        if route not in (None, 'torch', 'exact'):
            raise ValueError("route must be None, 'torch' or 'exact', got %r" % (route,))
        if point is not None and as_exact_point(point, self.D, QQ) != self.point:
            raise ValueError("the data model lives near the point it was built at (its regions are read there); "
                             "build another one for another point")
        start = time.time()
        if self.analytic and route is None:
            route = 'balls'             # no PyTorch needed: the rank in ball arithmetic
        if route is None:
            try:
                import torch  # noqa: F401
                route = 'torch'
            except ImportError:
                route = 'exact'
        D = self.D
        bad = self.analytic
        p = self._prime()
        N = self.independent_laws(p)
        if bad and route != 'exact':        # 'balls' or 'torch': the modular route has no value for them
            return self._ball_trace(N, p, max_steps, seed, start)
        if bad or route == 'exact':
            if bad:
                what = ("of the data fields (none proven: %s ha%s no exact evaluation, op kind 'analytic')"
                        % (", ".join(n.where() for n in bad), "s" if len(bad) == 1 else "ve"))
                return self._result([D - N], 0, 0, N, p, what, start, None)
            options.pop('laws', None)
            res = ConservationModel.lie_trace(self, point=self.point, laws=self.known_conservation_laws(),
                                              check=False, max_steps=max_steps, seed=seed, **options)
            L = res.dimension
            what = "of the exact symbolic data fields (the package's engine, %s)" % res.method
            # certified by the engine: its reason is the proof (e.g. the Lie algebra closes over QQ(theta))
            return self._result(res.dimensions, res.stopped_at, L, N, p, what, start,
                                res.reason if res.certified else None)
        if options:
            raise TypeError("lie_trace of a data set on a network graph (route 'torch') takes no option %s"
                            % ", ".join(sorted(options)))
        import torch
        rng = np.random.default_rng(int(seed))
        samples = ([self.inputs], self.relu, self.drop)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            dims, fields, level, _ = _rank_levels(self.network, list(self.point), lambda: samples, p, D - N,
                                                  max_steps, rng)
        finally:
            torch.set_num_threads(threads)
        what = ("of the data fields modulo p = %s (PyTorch autograd on exact residues, %s)"
                % (p, "no bracket" if level == 0 else "brackets up to level %s" % level))
        if dims[-1] < D - N and self._small():      # the exact route may prove the closure of the Lie algebra
            exact = self.lie_trace(max_steps=max_steps, seed=seed, route='exact')
            if exact.certified:
                return exact
        return self._result(dims, level, dims[-1], N, p, what, start, None)

    def _ball_trace(self, N, p, max_steps, seed, start):
        r"""
        The count of a network with analytic ops: the lower bound is the rank of
        the data fields (then of brackets of them, up to two levels, and a third
        by nested dual numbers for at most
        :data:`~sage_conslaw.core.thresholds.DATA_DEEP_BRACKET_MAX_D` coordinates) proven in
        ball arithmetic (:func:`~sage_conslaw.network.balls.ball_rank`) on the
        data points with every Dropout entry kept (pairs of every mask and of
        evaluation mode); a point where a ReLU's ball is not on one side is left
        out (the rank stays a lower bound).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import graph_data_trace
            sage: net = Network.sequential(2, [('linear', 2), 'tanh', ('linear', 1)])
            sage: res = graph_data_trace(net, [[1, 0], [2, 0], [1/2, 0]], point=[1, 1/2, -1, 1/4, 1/3, 1/5, 1, 2, 1/2])
            sage: res.number_of_laws, res.certified, res.laws_by_kind()['frozen']
            (2, True, [L0_weight_0_1, L0_weight_1_1])
            sage: 'ball arithmetic' in res.reason
            True
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(net, [[1, 0], [2, 0], [1/2, 0]], [1, 1/2, -1, 1/4, 1/3, 1/5, 1, 2, 1/2])
            sage: p = M._prime(); N = M.independent_laws(p)
            sage: r = M._ball_trace(N, p, 4, 0, 0.0); r.number_of_laws == res.number_of_laws, r.certified
            (True, True)
        """
        D = self.D
        keep = [s for s in range(self.pairs) if all(np.all(np.asarray(m[s]) == 1) for m in self.drop.values())]
        X = [self.inputs[s] for s in keep]
        theta = list(self.point)
        target = D - N
        dims, level, L = [0], 0, 0
        if X:
            L = ball_rank(self.network, theta, X)
            dims = [L]
            for level, second in ((1, 0), (2, 1)):
                if L >= target or max_steps < level:
                    level -= 1
                    break
                L = max(L, ball_rank(self.network, theta, X, brackets=target - dims[0] + 4, seed=int(seed),
                                     second=2 * (target - L) + 4 if second else 0))
                dims.append(L)
            if L < target and max_steps >= 3 and level == 2 and D <= DATA_DEEP_BRACKET_MAX_D:
                # the third level, by nested dual numbers (datalaws.brackets)
                xs = [(np.asarray(x, dtype=object),) for x in X]
                L = max(L, nested_bracket_rank(network_forward(self.network), theta, xs, 3,
                                               count=2 * (target - L) + 4, seed=int(seed)))
                dims.append(L)
                level = 3
        what = ("(proven in ball arithmetic at theta) of the data fields (%s of the %s pairs: those with every "
                "Dropout entry kept; %s; analytic: %s)" % (len(X), self.pairs, "no bracket" if level <= 0 else
                                                          "brackets up to level %s" % level,
                                                          ", ".join(n.where() for n in self.analytic)))
        return self._result(dims, max(level, 0), L, N, p, what, start, None)

    def _small(self):
        r"""
        Whether the symbolic data fields are small enough for the exact route
        after the modular one (at most :data:`MAX_EXACT_D` coordinates and
        :data:`MAX_EXACT_FIELDS` fields).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: GraphDataModel(Network.sequential(1, [('linear', 1)]), [[1]], [1, 2])._small()
            True
        """
        nout = sum(int(np.prod(self.network.shape_of(o))) for o in self.network.outputs)
        return self.D <= MAX_EXACT_D and self.pairs * nout <= MAX_EXACT_FIELDS

    def _result(self, dims, level, L, N, p, what, start, exact_certified):
        r"""
        The result from the lower bound ``L`` and the ``N`` explicit laws.

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel
            sage: M = GraphDataModel(Network.sequential(1, [('linear', 1, False)]), [[1]], [2])
            sage: M._result([0], 0, 0, 0, 101, 'of a test', 0, None).reason
            'not certified: the rank 0 of a test is only a lower bound of dim Lie(W_X)(theta); 0 explicit laws of the data independent at theta: the gradient flows on these data have between 0 and 1 laws near theta'
            sage: M._result([1], 0, 1, 1, 101, 'of a test', 0, None)
            Traceback (most recent call last):
            ...
            ArithmeticError: the rank 1 of a test is above the bound D - N = 0 of 1 explicit law of the data independent at theta: one of them is not a law (a bug, please report it); no count is given

        The exact route proved the dimension (``exact_certified``: ``True``, or
        the engine's reason, the proof) below the bound of the explicit laws: the count is certified, with laws beyond the explicit ones::

            sage: r = M._result([0], 0, 0, 0, 101, 'of a test', 0, True); r.certified, r.number_of_laws
            (True, 1)
            sage: r.reason
            'the rank 0 of a test is dim Lie(W_X)(theta), proven by the exact route; so the gradient flows on these data have exactly 1 conservation law near theta, of which 0 explicit laws of the data independent at theta (the others are not known in closed form)'
            sage: M._result([0], 0, 0, 0, 101, 'of a test', 0, 'the engine closed W').reason
            'the rank 0 of a test is dim Lie(W_X)(theta), proven by the exact route: the engine closed W; so the gradient flows on these data have exactly 1 conservation law near theta, of which 0 explicit laws of the data independent at theta (the others are not known in closed form)'
        """
        sampled = "" if self.exhaustive else (
            " (the Dropout masks were sampled: %s pairs of the %s data points; the explicit laws used hold for every "
            "mask)" % (self.pairs, self.N))
        cert = rank_meets_laws(self.D, L, N, what, "explicit law of the data", lower_source="rank of the data fields",
                               has="the gradient flows on these data have", W="W_X", note=sampled,
                               exact=exact_certified)
        return GraphDataTraceResult(self, dimensions=dims, certified=cert.certified, reason=cert.reason,
                                    stopped_at=level, method='network data', prime=p, known_laws=N, lower=N,
                                    upper=self.D - L,
                                    seconds=time.time() - start, certificate=cert)


class GraphDataTraceResult(MappedDataLaws, DataTraceResult):
    r"""
    The count of the laws of a data set on a network graph: a
    :class:`~sage_conslaw.datalaws.result.DataTraceResult` with the data model
    (``data_model``) and the bounds (``lower``, ``upper``: the number of laws
    is between them; they meet when certified), its laws mapped into the ring
    of the user's model (:class:`MappedDataLaws`).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import graph_data_trace
        sage: res = graph_data_trace(Network.sequential(2, [('linear', 1, False), 'relu']), [[1, 1]], point=[1, 1], route='exact'); res
        Trace of the Lie algebra generated by the data fields of the network on 1 data point, at the given point
          dim W_k(theta), k = 0..0: [1]
          independent conservation laws: 1  (D = 2, dim Lie(W)(theta) = 1)
          certified: yes -- ...
          method: network data, modulo p = 1048573, stopped at step 0
          laws of gradient flows on these data (the generic count is for every data set)
          Units on 1 pair: L0: active on [1]
        sage: res.lower, res.upper, res.laws()
        (1, 1, [-L0_weight_0_0 + L0_weight_0_1])
    """

    def __init__(self, data_model, dimensions, certified, reason, method, prime, known_laws, lower, upper,
                 stopped_at=0, seconds=0.0, certificate=None):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import GraphDataModel, GraphDataTraceResult
            sage: M = GraphDataModel(Network.sequential(1, [('linear', 1, False)]), [[1]], [2])
            sage: GraphDataTraceResult(M, [1], True, 'test', 'network data', 7, 0, 0, 0).number_of_laws
            0
        """
        DataTraceResult.__init__(self, data_model, dimensions, certified, reason, method, lower, upper, stopped_at,
                                 prime=prime, known_laws=known_laws, seconds=seconds, certificate=certificate)
        #: the map of the laws into the ring of the user's model (a family of the package), or ``None``
        self.ring_map = None

    @property
    def number_of_fields(self):
        r"""
        The number of data fields (pairs times outputs).

        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import graph_data_trace
            sage: graph_data_trace(Network.sequential(1, [('linear', 2)]), [[1], [2]], point=[1] * 4, route='exact').number_of_fields
            4
        """
        net = self.data_model.network
        return self.data_model.pairs * sum(int(np.prod(net.shape_of(o))) for o in net.outputs)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network
            sage: from sage_conslaw.datalaws.graph import graph_data_trace
            sage: 'between' in repr(graph_data_trace(Network.sequential(1, [('linear', 1)]), [[1]], point=[1, 1], route='exact'))
            False
        """
        M = self.data_model
        lines = ["Trace of the Lie algebra generated by the data fields of the network on %s, at the given point"
                 % M._repr_().split(" on ", 1)[1].rsplit(" near theta", 1)[0],
                 "  dim W_k(theta), k = 0..%s: %s" % (len(self.dimensions) - 1, self.dimensions),
                 self._count_line(),
                 self._certified_line(),
                 "  method: %s, modulo p = %s, stopped at step %s" % (self.method, self.prime, self.stopped_at),
                 "  laws of gradient flows on these data (the generic count is for every data set)",
                 "  " + M.report()]
        return "\n".join(lines)

    __repr__ = _repr_


def graph_data_trace(network, X, point=None, seed=0, masks=None, route=None, **options):
    r"""
    The number of conservation laws of the gradient flows on the data ``X``
    near ``point``, for a network graph (see the module documentation).

    INPUT:

    - ``network`` -- a :class:`~sage_conslaw.network.graph.Network` or a ``NetworkModel``
    - ``X`` -- the data
    - ``point`` -- the exact point (default: the random point of ``seed``)
    - ``masks`` -- ``'all'`` (default), ``'eval'`` or a dict of masks (Dropout)
    - ``route``, other options -- see :meth:`GraphDataModel.lie_trace`

    OUTPUT: a :class:`GraphDataTraceResult`

    EXAMPLES:

    Dropout in evaluation mode is the network without it; with every mask
    the tied units' cross law is lost (their masks differ)::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.datalaws.graph import graph_data_trace
        sage: net = Network.sequential(1, [('linear', 2), 'relu', ('dropout', 1/2), ('linear', 1)])
        sage: th = [1, 2, 1, 2, 1, 1, 0]
        sage: X = [[1], [2], [3]]
        sage: a = graph_data_trace(net, X, point=th, masks='eval'); b = graph_data_trace(net, X, point=th)
        sage: (a.number_of_laws, a.certified), (b.number_of_laws, b.certified)
        ((3, True), (2, True))
        sage: len(a.laws_by_kind()['cross']), len(b.laws_by_kind()['cross'])
        (1, 0)
    """
    net = network.network if hasattr(network, "network") and hasattr(network.network, "ops") else network
    if point is None:
        point = random_point(net.D, seed=seed, bound=POINT_BOUND)
    return GraphDataModel(net, X, point, masks=masks, seed=seed).lie_trace(seed=seed, route=route, **options)
