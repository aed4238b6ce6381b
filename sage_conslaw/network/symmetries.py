r"""
The laws a network has by construction: its diagonal rescaling symmetries.

A diagonal action `\theta_k \mapsto \lambda^{s_k}\theta_k` (`\lambda > 0`)
leaves the network function unchanged when one can give every entry of every
value a *weight* (inputs and outputs `0`) such that each term of each entry
has the weight of that entry: a term `W_{ij} x_j` of `y_i` has the weight
`s(W_{ij}) + w(x_j)`, a ReLU passes the weight through (positive
homogeneity), a Dropout mask too (the laws hold for every mask), a sum asks
both terms to have the weight of the sum, an analytic op asks weight `0`.
A frozen parameter (a constant) has weight `0` unless it is `0` (its terms
vanish); a tied parameter is one unknown for all its uses.  The weights form
the kernel of a sparse integer system (:class:`ScalingSystem`), solved
exactly over `\QQ`.  For each solution `s`, the infinitesimal generator
`X(\theta) = \mathrm{diag}(s)\theta` satisfies `\langle\nabla_\theta
g(\theta, x), X(\theta)\rangle = 0` for every input, so (Noether)

.. MATH::

    h_s(\theta) = \sum_k s_k \theta_k^2

is a conservation law of the network -- of every gradient field
`\nabla_\theta g(\theta, x)` itself, not of a `\phi` chosen for it.  Per
hidden ReLU unit this is `\|w_{in}\|^2 + b^2 - \|w_{out}\|^2`; for a
channel of a convolution followed by a ReLU, a flatten and a linear map it
crosses the boundary (the columns of the linear map reading that channel).

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.network import Network
    sage: from sage_conslaw.network.symmetries import scaling_laws
    sage: net = Network.sequential(4, [('linear', 6), 'relu', ('dropout', 0.5), ('linear', 2)])
    sage: S = scaling_laws(net); S.shape
    (6, 44)
    sage: sorted(set(S[0].tolist()))
    [-1, 0, 1]
"""
import numpy as np

from sage.matrix.constructor import matrix
from sage.rings.integer_ring import ZZ
from sage.rings.rational_field import QQ

from sage_conslaw.network.ops import SKIP, get_op

ZERO = 0


class ScalingSystem:
    r"""
    The sparse linear system of the scaling weights (see the module documentation).

    Variables are integers: ``0`` is the fixed weight `0`, ``-1`` (``SKIP``) marks
    a structural zero (its terms are dropped), fresh variables are `\ge 1`.

    EXAMPLES::

        sage: from sage_conslaw.network.symmetries import ScalingSystem
        sage: S = ScalingSystem(); a = S.fresh((2,)); a.tolist()
        [1, 2]
        sage: S.term(a, S.zero((2,))); S.equations
        [[(1, 1)], [(2, 1)]]
    """

    def __init__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: ScalingSystem().nvars
            1
        """
        self.nvars = 1
        self._blocks = []

    def fresh(self, shape):
        r"""
        New variables of that shape.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: ScalingSystem().fresh((2, 2)).tolist()
            [[1, 2], [3, 4]]
        """
        n = int(np.prod(shape, dtype=np.int64))
        ids = np.arange(self.nvars, self.nvars + n, dtype=np.int64).reshape(shape)
        self.nvars += n
        return ids

    def zero(self, shape):
        r"""
        The weight `0`, of that shape.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: ScalingSystem().zero((2,)).tolist()
            [0, 0]
        """
        return np.zeros(shape, dtype=np.int64)

    def constant(self, value):
        r"""
        The weights of a constant: `0`, or ``SKIP`` where it vanishes.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: ScalingSystem().constant(np.array([0, 2.5], dtype=object)).tolist()
            [-1, 0]
        """
        v = np.asarray(value, dtype=object)
        return np.where(np.vectorize(lambda t: t == 0, otypes=[bool])(v) if v.size else np.zeros(v.shape, bool),
                        SKIP, ZERO).astype(np.int64)

    def term(self, out, *factors):
        r"""
        Equations `w(\mathrm{out}) = \sum w(\mathrm{factor})`, entrywise after
        broadcasting; entries where a factor is ``SKIP`` are dropped.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.network.symmetries import ScalingSystem, SKIP
            sage: S = ScalingSystem(); a = S.fresh((2,)); S.term(a, np.array([SKIP, 0])); S.equations
            [[(2, 1)]]
        """
        arrs = np.broadcast_arrays(out, *factors)
        ids = np.stack([a.reshape(-1) for a in arrs], axis=1)
        keep = (ids != SKIP).all(axis=1)
        ids = ids[keep]
        coefs = np.full(ids.shape, -1, dtype=np.int64)
        coefs[:, 0] = 1
        coefs[ids == ZERO] = 0
        if len(ids):
            self._blocks.append((ids, coefs))

    def equal(self, a, b):
        r"""
        Equations `w(a) = w(b)` entrywise.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: S = ScalingSystem(); a = S.fresh((1,)); S.equal(a, S.zero((1,))); len(S.equations)
            1
        """
        self.term(a, b)

    @property
    def equations(self):
        r"""
        The equations, each a list of ``(variable, coefficient)`` (for inspection).

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: ScalingSystem().equations
            []
        """
        out = []
        for ids, coefs in self._blocks:
            for r, c in zip(ids, coefs):
                out.append([(int(i), int(k)) for i, k in zip(r, c) if k])
        return out

    def kernel(self, params):
        r"""
        The integer solutions restricted to the variables ``params`` (an int array):
        a matrix whose rows span (over `\QQ`) the projections of all solutions.

        Parameters that occur in a single equation are defined by it: that
        equation is set aside and the parameter computed from the others.

        TESTS::

            sage: from sage_conslaw.network.symmetries import ScalingSystem
            sage: S = ScalingSystem(); w = S.fresh((2,)); h = S.fresh((1,))
            sage: S.term(h, w[:1], S.zero((1,))); S.term(S.zero((1,)), w[1:], h)    # w0 + 0 = h, 0 = w1 + h
            sage: S.kernel(w).tolist()
            [[1, -1]]
        """
        if self._blocks:
            width = max(b[0].shape[1] for b in self._blocks)
            ids = np.vstack([np.pad(b[0], ((0, 0), (0, width - b[0].shape[1]))) for b in self._blocks])
            coefs = np.vstack([np.pad(b[1], ((0, 0), (0, width - b[1].shape[1]))) for b in self._blocks])
        else:
            ids = np.zeros((0, 1), dtype=np.int64)
            coefs = np.zeros((0, 1), dtype=np.int64)
        is_param = np.zeros(self.nvars, dtype=bool)
        is_param[np.asarray(params).reshape(-1)] = True
        live = coefs != 0
        counts = np.bincount(ids[live], minlength=self.nvars)
        # a parameter occurring once, with coefficient -1: its equation defines it
        private = live & is_param[ids] & (counts[ids] == 1)
        has = private.any(axis=1)
        first = np.argmax(private, axis=1)
        defined_rows = np.nonzero(has)[0]
        defined_var = ids[defined_rows, first[defined_rows]]
        rest = np.nonzero(~has)[0]
        is_defined = np.zeros(self.nvars, dtype=bool)
        is_defined[defined_var] = True
        unknown = np.nonzero(~is_defined)[0]
        unknown = unknown[unknown != ZERO]
        col = np.full(self.nvars, -1, dtype=np.int64)
        col[unknown] = np.arange(len(unknown))
        entries = {}
        for r_i, r in enumerate(rest):
            for v, c in zip(ids[r], coefs[r]):
                if c and v != ZERO:
                    key = (r_i, int(col[v]))
                    entries[key] = entries.get(key, 0) + int(c)
        M = matrix(QQ, len(rest), len(unknown), {k: v for k, v in entries.items() if v}, sparse=True)
        K = M.right_kernel_matrix()
        out = []
        for krow in K.rows():
            den = 1
            for t in krow.dict().values():
                den = den.lcm(t.denominator()) if hasattr(den, 'lcm') else QQ(t).denominator().lcm(den)
            vals = np.zeros(self.nvars, dtype=object)
            vals[:] = 0
            for j, t in krow.dict().items():
                vals[unknown[j]] = int(t * den)
            # defined parameters: c_p w(p) + sum of the others = 0, c_p = -1 (factor) or 1 (output)
            others = np.where(np.arange(ids.shape[1])[None, :] == first[defined_rows][:, None], 0,
                              coefs[defined_rows])
            other_vals = np.array([[vals[v] for v in row] for row in ids[defined_rows]], dtype=object) \
                if len(defined_rows) else np.zeros((0, ids.shape[1]), dtype=object)
            s = (others * other_vals).sum(axis=1) if len(defined_rows) else np.zeros(0, dtype=object)
            cp = coefs[defined_rows, first[defined_rows]]
            vals[defined_var] = [-a * int(c) for a, c in zip(s, cp)]   # c_p = +-1: w(p) = -s / c_p = -s * c_p
            out.append(vals[np.asarray(params)].astype(np.int64))
        return np.array(out, dtype=np.int64).reshape(len(out), np.asarray(params).size)


def scaling_system(net):
    r"""
    Build the :class:`ScalingSystem` of a network; return it with the variables
    of `\theta` (in the network's layout order).

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.symmetries import scaling_system
        sage: S, theta = scaling_system(Network.sequential(1, [('linear', 1)])); theta.tolist()
        [1, 2]
    """
    S = ScalingSystem()
    w = [None] * len(net.nodes)
    pvars = {}
    for n in net.nodes:
        if n.role == 'input':
            w[n.index] = S.zero(n.shape)
        elif n.role == 'parameter' and n.trainable:
            w[n.index] = pvars[n.name] = S.fresh(n.shape)
        elif n.role in ('parameter', 'constant'):
            w[n.index] = S.constant(n.value)
        else:
            op = get_op(n.op, n.where())
            w[n.index] = np.asarray(op.scaling(S, [w[a] for a in n.args], n.attrs, n))
    for o in net.outputs:
        S.equal(w[o], S.zero(w[o].shape))
    theta = np.array([pvars[p][idx] for _, p, idx in net.layout()], dtype=np.int64)
    return S, theta


def scaling_laws(net):
    r"""
    The diagonal rescaling symmetries of the network: an integer matrix, one
    row `s` per law `h_s = \sum_k s_k\theta_k^2`, the rows independent over
    `\QQ` (see the module documentation).

    EXAMPLES:

    A tied layer (one ``Linear`` used twice) has one rescaling per index, shared::

        sage: from sage_conslaw.network import Network
        sage: net = Network(); x = net.input('x', (2,)); W = net.parameter('W', (2, 2))
        sage: h = net.op('relu', [net.op('linear', [x, W])]); y = net.op('linear', [h, W]); net.output(y)
        sage: from sage_conslaw.network.symmetries import scaling_laws
        sage: scaling_laws(net).shape
        (0, 4)

    A frozen nonzero hidden bias removes the rescaling of its units::

        sage: net = Network(); x = net.input('x', (2,)); W1 = net.parameter('W1', (3, 2))
        sage: b1 = net.parameter('b1', (3,), trainable=False, value=[1, 0, 0])
        sage: y = net.op('linear', [net.op('relu', [net.op('linear', [x, W1, b1])]), net.parameter('W2', (1, 3))])
        sage: net.output(y); scaling_laws(net).shape
        (2, 9)
    """
    S, theta = scaling_system(net)
    K = S.kernel(theta)
    K = K[np.any(K != 0, axis=1)]
    if len(K) > 1:
        M = matrix(ZZ, [list(map(int, r)) for r in K], sparse=True)
        piv = M.transpose().pivots() if M.ncols() < 2000 else M.pivot_rows()
        K = K[list(M.pivot_rows())]
    return K


def translation_laws(net):
    r"""
    The translations of parameters that leave the network invariant, declared by
    its ops (:meth:`~sage_conslaw.network.ops.Op.translations`, each with its
    proof): an integer matrix, one row `c` per linear law `c^\top\theta`
    (`g(\theta + tc, x) = g(\theta, x)` for all `t` gives `\langle\nabla_\theta
    g, c\rangle = 0`), the rows independent.

    EXAMPLES::

        sage: from sage_conslaw.network import Network
        sage: from sage_conslaw.network.symmetries import translation_laws
        sage: net = Network(); x = net.input('x', (2,)); W = net.parameter('W', (2, 2)); b = net.parameter('b', (2,))
        sage: net.output(net.op('layer_norm', [net.op('linear', [x, W, b])], eps=1/10, gain=False, shift=False))
        sage: translation_laws(net).tolist()
        [[1, 0, 1, 0, 0, 0], [0, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 1]]
        sage: translation_laws(Network.sequential(2, [('linear', 2)])).shape
        (0, 6)
    """
    layout = net.layout()
    index = {}
    for k, (_, pname, idx) in enumerate(layout):
        index[(pname, tuple(idx))] = k
    rows = []
    for n in net.ops():
        for c in get_op(n.op, n.where()).translations(net, n):
            row = np.zeros(len(layout), dtype=np.int64)
            for pi, arr in c.items():
                P = net.nodes[pi]
                for idx in zip(*np.nonzero(arr)):
                    row[index[(P.name, tuple(int(i) for i in idx))]] = arr[idx]
            rows.append(row)
    if not rows:
        return np.zeros((0, len(layout)), dtype=np.int64)
    M = matrix(ZZ, [list(map(int, r)) for r in rows], sparse=True)
    return np.array(rows, dtype=np.int64)[list(M.pivot_rows())]
