r"""
The laws of the network are the laws of `\phi`, by a theorem: two-layer ReLU
networks with pairwise distinct hyperplanes, and linear networks.

**Theorem 2.14 of the founding paper** (NeurIPS 2023), under condition (9) on
the loss (`\mathrm{span}_y \nabla_z \ell(z, y) = \RR^n`, true for the
quadratic and logistic losses): `W^g_\theta = W_\phi(\theta)`

- for linear networks `g(\theta, x) = U_1 \cdots U_q x` (no biases), `\phi =
  U_1 \cdots U_q`, at every `\theta`;
- for two-layer ReLU networks `g(\theta, x) = \sum_j u_j \sigma(v_j^\top x +
  b_j) + c` (with both biases `b, c`, or with neither), `\phi =
  ((u_j v_j^\top, u_j b_j)_j, c)` (the path lifting), on the open set of the
  `\theta` whose hidden neurons are associated to pairwise distinct
  hyperplanes `\{x : v_j^\top x + b_j = 0\}`.

Here `W^g_\theta` is spanned by the gradients `\nabla_\theta g_k(\theta, x)`
over the inputs where `g` is smooth near `\theta` (the network's own fields of
:mod:`~sage_conslaw.network.certificate`).  The two spaces agreeing on an open
set around `\theta`, so do their Lie algebras, and the number of laws of the
network near `\theta` is `D - \dim \mathrm{Lie}(W_\phi)(\theta)`: the count of
the structured engine (:mod:`sage_conslaw.core.jets`, a triangular minor of
`\nabla\phi` for ReLU networks, without any `D \times D` elimination),
computed **at the same** `\theta` and certified when it meets the bound given
by the known laws independent at `\theta`.

The hypothesis is checked exactly at the rational `\theta`: every hidden
neuron has `v_j \ne 0` (so that it has a hyperplane) and no two `(v_j, b_j)`
are proportional (by any nonzero factor: the same hyperplane), as the statement
asks; this is stricter than needed (two neurons of opposite orientation on
one hyperplane keep the theorem's conclusion), never weaker.

**Dropout** (and ``identity``, ``flatten``: every op that declares itself
``transparent``, see :mod:`~sage_conslaw.network.ops`) is transparent.  With a mask `m`
(a constant of the step), the two-layer ReLU network is `\sum_j m_j u_j
\sigma(\dots) + c` (masks on the input, the hidden units or the outputs): its
fields are still combinations of the `\nabla\phi_i` with locally constant
coefficients, so they lie in `W_\phi(\theta)`; the all-ones mask is one of the
masks, whose fields span `W_\phi(\theta)` by the theorem.  So the laws that
hold for every mask are exactly the laws of the network without Dropout.  In
a linear chain, a mask between two layers breaks `\phi = U_1 \cdots U_q`
(`U_1 \mathrm{diag}(m) U_2`): there Dropout is allowed only on the input and
the output.

Anything else -- deeper ReLU networks, frozen or tied parameters, mixed biases,
other ops, a hypothesis that fails at `\theta`, a structured count that does
not certify -- returns ``None``, and
:func:`~sage_conslaw.network.certificate.network_trace` falls back to the rank
of the network's own gradient fields.

EXAMPLES::

    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.theorems import theorem_trace
    sage: net = Network.sequential(4, [('linear', 6), 'relu', ('dropout', 0.5), ('linear', 2)])
    sage: th = [j for j in range(1, 7) for i in range(4)] + list(range(1, 7)) + [1] * 14
    sage: theorem_trace(net, th) is None        # (v_j, b_j) = j (1, 1, 1, 1, 1): one hyperplane
    True
    sage: from sage_conslaw.core.points import random_point
    sage: res = theorem_trace(net, random_point(44, seed=1, bound=20)); 44 - res['dimensions'][-1], res['certified']
    (6, True)
    sage: print(res['reason'])
    Theorem 2.14 of the NeurIPS 2023 paper (W_g = W_phi for two-layer ReLU networks with pairwise distinct hyperplanes / linear networks; its hypothesis checked exactly at theta) + the rank certificate of W_phi: ...
"""
import time

import numpy as np

from sage.arith.misc import previous_prime
from sage.rings.rational_field import QQ

from sage_conslaw.core.certificate import rank_meets_laws
from sage_conslaw.core.jets import NetworkFamily
from sage_conslaw.core.modular import DEFAULT_PRIME, residues
from sage_conslaw.network.ops import get_op
from sage_conslaw.network.ops.linear import Linear
from sage_conslaw.network.ops.relu import ReLU

# The theorem is about two ops, named by their classes (a subclass, e.g. the
# leaky ReLU, is not covered); every other op passes only if it declares itself
# ``transparent`` (Dropout: see the module documentation).

#: The cited result, first words of every reason of this route.
THEOREM = ("Theorem 2.14 of the NeurIPS 2023 paper (W_g = W_phi for two-layer ReLU networks with pairwise distinct "
           "hyperplanes / linear networks; its hypothesis checked exactly at theta) + the rank certificate of W_phi")


def theorem_shape(net):
    r"""
    Read ``net`` as a network of Theorem 2.14: ``(kind, dims, bias, blocks)``
    with ``kind`` ``'relu'`` or ``'linear'``, ``dims`` the widths outputs first
    (as :class:`~sage_conslaw.core.jets.NetworkFamily`), and ``blocks`` the
    parameter nodes of the family's blocks in its order (``U_1, ..., U_q``,
    then the biases); or ``(None, why)``.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.theorems import theorem_shape
        sage: net = Network.sequential(4, [('dropout', 0.1), ('linear', 6), 'relu', ('linear', 2)])
        sage: kind, dims, bias, blocks = theorem_shape(net); kind, dims, bias, [P.name for P in blocks]
        ('relu', [2, 6, 4], True, ['L3_weight', 'L1_weight', 'L1_bias', 'L3_bias'])
        sage: theorem_shape(Network.sequential(3, [('linear', 2, False), ('linear', 5, False)]))[:3]
        ('linear', [5, 2, 3], False)
        sage: theorem_shape(Network.sequential(3, [('linear', 2, False), ('dropout', 0.5), ('linear', 5, False)]))
        (None, 'a Dropout between two linear layers breaks phi = U_1 ... U_q')
        sage: theorem_shape(Network.sequential(3, [('linear', 2), 'relu', ('linear', 2), 'relu', ('linear', 1)]))
        (None, 'not a two-layer ReLU network nor a chain of linear layers: linear, relu, linear, relu, linear')
        sage: theorem_shape(Network.sequential(3, [('linear', 2, False), 'relu', ('linear', 2)]))
        (None, 'the two layers must both have biases or neither')

    TESTS::

        sage: net = Network(); x = net.input('x', (3,)); W = net.parameter('W', (3, 3))
        sage: net.output(net.op('linear', [net.op('relu', [net.op('linear', [x, W])]), W]))
        sage: theorem_shape(net)
        (None, 'the parameter W is tied (read 2 times)')
        sage: net = Network(); x = net.input('x', (3,)); W = net.parameter('W', (3, 3), trainable=False, value=[[1]*3]*3)
        sage: net.output(net.op('linear', [x, W])); theorem_shape(net)
        (None, 'frozen parameters')
        sage: theorem_shape(Network.sequential((2, 3), [('linear', 2, False)]))
        (None, 'the linear layer L0 reads a value of shape (2, 3), not a vector')
    """
    ins = net.inputs()
    if len(ins) != 1 or len(net.outputs) != 1:
        return None, "not one input and one output"
    if net.parameters(trainable=False):
        return None, "frozen parameters"
    if any(n.role == 'constant' for n in net.nodes):
        return None, "constants in the graph"
    for P in net.parameters():
        k = len(net.uses(P.index))
        if k != 1:
            return None, "the parameter %s is tied (read %s times)" % (P.name, k)
    cur, seq = ins[0].index, []
    while cur != net.outputs[0]:
        users = net.uses(cur)
        if len(users) != 1 or users[0].args[0] != cur:
            return None, "the graph is not a chain"
        n = users[0]
        rest = [net.nodes[a] for a in n.args[1:]]
        op = get_op(n.op, n.where())
        if type(op) is Linear:
            if not all(a.role == 'parameter' for a in rest):
                return None, "the linear layer %s does not read parameters" % n.name
            if len(net.shape_of(cur)) != 1:
                return None, "the linear layer %s reads a value of shape %s, not a vector" % (
                    n.name, net.shape_of(cur))
        elif not (type(op) is ReLU or op.transparent) or rest:
            return None, "the op %s (%s) is not covered" % (n.op, n.name)
        seq.append(n)
        cur = n.index
    if net.uses(cur) or len(seq) != len(net.ops()):
        return None, "the graph is not a chain"
    core = [n for n in seq if not get_op(n.op).transparent]
    kinds = ['linear' if type(get_op(n.op)) is Linear else 'relu' for n in core]     # the family's kinds
    linears = [n for n, k in zip(core, kinds) if k == 'linear']
    widths = [net.shape_of(linears[0].args[0])[0]] + [net.nodes[n.args[1]].shape[0] for n in linears]
    param = lambda n, k: net.nodes[n.args[k]]
    if kinds == ['linear', 'relu', 'linear']:
        biased = [len(n.args) > 2 for n in linears]
        if biased[0] != biased[1]:
            return None, "the two layers must both have biases or neither"
        blocks = [param(linears[1], 1), param(linears[0], 1)]
        if biased[0]:
            blocks += [param(linears[0], 2), param(linears[1], 2)]
        return 'relu', widths[::-1], biased[0], blocks
    if kinds and all(k == 'linear' for k in kinds):
        if any(len(n.args) > 2 for n in linears):
            return None, "a linear network with biases is not covered"
        first, last = seq.index(linears[0]), seq.index(linears[-1])
        if any(get_op(n.op).kind == 'mask' for n in seq[first:last]):
            return None, "a Dropout between two linear layers breaks phi = U_1 ... U_q"
        return 'linear', widths[::-1], False, [param(n, 1) for n in linears[::-1]]
    return None, "not a two-layer ReLU network nor a chain of linear layers: %s" % ", ".join(kinds)


def family_columns(net, family, blocks):
    r"""
    For each coordinate of `\theta` (in ``net.layout()`` order), its coordinate
    in the structured ``family`` whose blocks are the parameter nodes ``blocks``.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.theorems import theorem_shape, family_columns
        sage: from sage_conslaw.core.jets import NetworkFamily
        sage: net = Network.sequential(2, [('linear', 3), 'relu', ('linear', 1)])
        sage: kind, dims, bias, blocks = theorem_shape(net); W = NetworkFamily(kind, dims, bias=bias)
        sage: family_columns(net, W, blocks).tolist()
        [3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 12]
    """
    where = {P.name: k for k, P in enumerate(blocks)}
    cols = np.empty(net.D, dtype=np.int64)
    for i, (_, name, idx) in enumerate(net.layout()):
        k = where[name]
        a, b = (tuple(idx) + (0,))[:2]
        cols[i] = family.offsets[k] + a * family.shapes[k][1] + b
    if len(set(cols.tolist())) != net.D or family.D != net.D:
        raise ValueError("the network's parameters do not match the family's blocks")
    return cols


def distinct_hyperplanes(V, b=None):
    r"""
    Whether the hidden neurons of rows ``V`` (and biases ``b``) have pairwise
    distinct hyperplanes `\{v_j^\top x + b_j = 0\}`, exactly: ``(True, None)``
    or ``(False, why)``.  A neuron with `v_j = 0` has no hyperplane.

    EXAMPLES::

        sage: from sage_conslaw.network.theorems import distinct_hyperplanes
        sage: distinct_hyperplanes([[1, 2], [2, 1]], [0, 1])
        (True, None)
        sage: distinct_hyperplanes([[1, 2], [2, 4]], [1, 2])
        (False, 'the hidden neurons 0 and 1 have the same hyperplane')
        sage: distinct_hyperplanes([[1, 2], [-2, -4]])
        (False, 'the hidden neurons 0 and 1 have the same hyperplane')
        sage: distinct_hyperplanes([[1, 2], [0, 0]], [1, 1])
        (False, 'the hidden neuron 1 has zero incoming weights (no hyperplane)')
    """
    seen = {}
    for j, row in enumerate(V):
        v = [QQ(t) for t in row] + ([QQ(b[j])] if b is not None else [])
        lead = next((t for t in v[:len(row)] if t), None)
        if lead is None:
            return False, "the hidden neuron %s has zero incoming weights (no hyperplane)" % j
        key = tuple(t / lead for t in v)
        if key in seen:
            return False, "the hidden neurons %s and %s have the same hyperplane" % (seen[key], j)
        seen[key] = j
    return True, None


def _residues(theta, p):
    r"""
    The residues modulo ``p`` of the rationals ``theta`` (as floats), or ``None``
    when ``p`` divides a denominator: :func:`~sage_conslaw.core.modular.residues`
    (the package's one reduction modulo `p`) with the caller's way to move on to
    another prime.

    TESTS::

        sage: from sage_conslaw.network.theorems import _residues
        sage: _residues([1/2, -1], 7).tolist(), _residues([1/7], 7)
        ([4.0, 6.0], None)
    """
    try:
        return residues(list(theta), p, dtype=np.float64)
    except ZeroDivisionError:
        return None


def theorem_trace(net, theta, seed=0, max_steps=8, random_point=False):
    r"""
    The certified count of the laws of the network ``net`` near the rational
    point ``theta`` by Theorem 2.14 (see the module documentation), or
    ``None`` when the theorem or the structured certificate does not apply.

    OUTPUT: the keywords of a
    :class:`~sage_conslaw.network.certificate.NetworkTraceResult` (which
    :func:`~sage_conslaw.network.certificate.network_trace` returns), or ``None``

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.theorems import theorem_trace
        sage: from sage_conslaw.core.points import random_point
        sage: net = Network.sequential(3, [('linear', 2, False), ('linear', 4, False)])
        sage: res = theorem_trace(net, random_point(net.D, seed=0, bound=20)); net.D - res['dimensions'][-1], res['certified']
        (3, True)
        sage: res['certificate'].scope, res['method']
        ('network', 'network')
        sage: net = Network.sequential(2, [('linear', 2), 'relu', ('linear', 1)])
        sage: theorem_trace(net, [1, 2, 2, 4, 0, 0, 1, 1, 1]) is None     # one hyperplane twice
        True
        sage: theorem_trace(net, [1, 2, 2, 5, 1/3, 0, 1, 1, 1])['dimensions']
        [7]
    """
    start = time.time()
    shape = theorem_shape(net)
    if shape[0] is None:
        return None
    kind, dims, bias, blocks = shape
    family = NetworkFamily(kind, dims, bias=bias)
    cols = family_columns(net, family, blocks)
    theta = [QQ(t) for t in theta]
    x_theta = np.empty(net.D, dtype=object)
    x_theta[cols] = theta
    if kind == 'relu':
        V = family.offsets[1] + np.arange(dims[1] * dims[2]).reshape(dims[1], dims[2])
        b = (family.offsets[2] + np.arange(dims[1])) if bias else None
        ok, why = distinct_hyperplanes(x_theta[V], None if b is None else x_theta[b])
        if not ok:
            return None
    p = DEFAULT_PRIME
    x = _residues(list(x_theta), p)
    while x is None:
        p = int(previous_prime(p))
        x = _residues(list(x_theta), p)
    N, _ = family.known_law_rank(x, p, seed)
    target = family.D - N
    try:
        dims_found, stopped, reached = family.structured_trace(x, target, p, max_steps, seed)
    except MemoryError:
        return None
    if not reached:
        return None
    L = dims_found[-1]
    what = ("two-layer ReLU network %s %s biases" % (dims, "with" if bias else "without") if kind == 'relu'
            else "linear network %s" % dims)
    cert = rank_meets_laws(
        net.D, L, N, "of W_phi modulo p = %s at theta (%s)" % (
            p, "a triangular minor of grad phi" if kind == 'relu' else "structured brackets" if stopped else "grad phi"),
        "known law", lower_source="rank modulo p of W_phi at theta (Theorem 2.14: W_g = W_phi there)",
        conclusion=": these are the laws of the network",
        note=", for every Dropout mask" if any(get_op(n.op).kind == 'mask' for n in net.ops()) else "",
        preface="%s: the %s is a network of the theorem at theta, so its laws are the laws of phi; " % (THEOREM, what))
    if not cert.certified:
        return None
    return dict(dimensions=dims_found, certified=True, reason=cert.reason, known_laws=N, fields=L,
                seconds=time.time() - start, certificate=cert, point=theta, random_point=random_point,
                stopped_at=stopped, method='network', prime=p)
