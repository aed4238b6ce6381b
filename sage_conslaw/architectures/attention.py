r"""
Attention layers (ICML 2025, "Transformative or Conservative?").

One head maps tokens `X \in \RR^{N \times d_{in}}` (one token per row) to

.. MATH::

    \mathrm{softmax}(X Q^\top K X^\top)\, X V^\top O \in \RR^{N \times d_{out}},

with `Q, K \in \RR^{d_k \times d_{in}}`, `V \in \RR^{d_v \times d_{in}}`,
`O \in \RR^{d_v \times d_{out}}` (the row-wise softmax; a constant scale such
as `1/\sqrt{d_k}` changes nothing below).  The model depends on the
parameters only through `\phi = (Q^\top K, V^\top O)`.  Each product is a
matrix factorization `U W^\top` of Section 4.1 of the first paper:

- `Q^\top K = U W^\top` with `U = Q^\top`, `W = K^\top`: `n = m = d_{in}`, `r = d_k`;
- `V^\top O = U W^\top` with `U = V^\top`, `W = O^\top`: `n = d_{in}`, `m = d_{out}`, `r = d_v`;

so the known laws are the entries of `Q Q^\top - K K^\top` and `V V^\top - O
O^\top` (`U^\top U - W^\top W`), Propositions 4.2/4.3 give their number and the
dimension of the Lie algebra, and the counts of one head are the sums of two
closed forms.

**Biases** (``bias=True``, as in ``torch.nn.MultiheadAttention``): `q = Qx +
b_q`, `k = Kx + b_k`, `v = Vx + b_v`, output bias `b_o`.  The scores `q_t^\top
k_u` are, up to terms that depend on the query `t` only (which the softmax
ignores), `\tilde x_t^\top \tilde Q^\top K x_u` with `\tilde Q = [Q \mid b_q]`,
`\tilde x = (x, 1)`; since the rows of the softmax sum to 1 the value bias
only adds the constant row `b_v^\top O`.  So the layer factors through the
coarsest `\phi = (\tilde Q^\top K,\ V^\top O,\ O^\top b_v + b_o)`: the key
bias `b_k` does not enter at all -- its gradient is zero and its entries are
conservation laws -- and the value bias only through its sum with `b_o`.
Known laws: `\tilde Q \tilde Q^\top - K K^\top` (`Q Q^\top + b_q b_q^\top -
K K^\top`), `\tilde V \tilde V^\top - O O^\top` with `\tilde V = [V \mid b_v]`,
and the entries of `b_k`.

**Multi-head attention** sums `H` heads with their own `Q_h, K_h, V_h, O_h`
(``torch.nn.MultiheadAttention`` splits its projections into these blocks).
It factors through the per-head products; their gradient fields act on
disjoint coordinates, so `\mathrm{Lie}(W_\phi)` is the direct sum of the
heads' algebras and the per-head laws are all the laws *of this* `\phi`
(checked below, certified, for every size tried).  Whether the multi-head
*model* has more laws than its `\phi` is the question whether the functional
space `\mathrm{span}_X \nabla_\theta g(\theta, X)` is all of `W_\phi(\theta)`:
:meth:`MultiHeadAttention.functional_rank` answers it at a point with a
certified lower bound (ball arithmetic, a nonzero minor) -- see
:doc:`/transformers` for what was found.

**Counting at scale.**  Each product is a two-layer linear network:
`\tilde Q^\top K` is the network `[d_{in} (+1), d_k, d_{in}]` with `U_1 =
\tilde Q^\top`, `U_2 = K`, and `V^\top O` the network `[d_{in}, d_v,
d_{out}]` with `U_1 = V^\top`, `U_2 = O` -- the same components, read in
other coordinates.  :meth:`MultiHeadAttention.lie_trace` therefore traces
each product as that linear network
(:func:`~sage_conslaw.core.subsets.equivalent_parts_trace`), with its
structured engine and certificate (:mod:`~sage_conslaw.core.jets`), and sums:
exact, certified, never forming `\phi` or a ring of `D` variables.  With
biases the key bias is free and the value part (`V_h^\top O_h` and the
output bias `\sum_h O_h^\top b_{v,h} + b_o`, which couples the heads) is not a
product, but its Lie algebra is proven equal to that of the per-head linear
networks `[d_{in} + 1, d_v, d_{out}]` of `\tilde V_h^\top O_h` and of `b_o`
(:class:`_ValueBiasPart`): traced so too.

EXAMPLES::

    sage: from sage_conslaw.architectures import Attention, MultiHeadAttention
    sage: att = Attention(2, 1, 1, 2); att
    Attention head d_in = 2, d_k = 1, d_v = 1, d_out = 2 without biases: D = 8 parameters
    sage: att.known_conservation_laws()
    [Q_0_0^2 + Q_0_1^2 - K_0_0^2 - K_0_1^2, V_0_0^2 + V_0_1^2 - O_0_0^2 - O_0_1^2]
    sage: att.number_of_laws_formula(), att.lie_dimension_formula()
    (2, 6)
    sage: res = att.lie_trace(); res.number_of_laws, res.certified
    (2, True)
    sage: mha = MultiHeadAttention(2, 2, 1, 1, 2)
    sage: mha.number_of_conservation_laws(), 2 * att.number_of_conservation_laws()
    (4, 4)
"""
import numpy as np
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ
from sage.rings.complex_arb import ComplexBallField
from sage.misc.lazy_import import lazy_import
from sage.rings.real_arb import RealBallField

from sage_conslaw.architectures.base import check_parameters
from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.linear import (LinearNetwork, balancedness, known_independent_laws_formula,
                                               lie_dimension_formula)
from sage_conslaw.core.symmetry import Translation, gl_symmetries
from sage_conslaw.core.thresholds import BALL_PRECISION, FLOAT_RANK_CUTOFF
from sage_conslaw.core.checks import boolean, positive_integer
from sage_conslaw.core.subsets import equivalent_parts_trace

lazy_import("scipy.linalg", "qr")      # scipy.linalg takes ~0.2 s to import: only for a numeric rank


def _head_shapes(suffix, d_in, d_k, d_v, d_out, bias):
    """The parameter shapes of one head (``suffix`` tells the heads apart).

    TESTS::

        sage: from sage_conslaw.architectures.attention import _head_shapes
        sage: _head_shapes('1', 2, 1, 1, 3, True)
        [('Q1', (1, 2), 'weight'), ('K1', (1, 2), 'weight'), ('V1', (1, 2), 'weight'), ('O1', (1, 3), 'weight'), ('bq1', (1, 1), 'bias'), ('bk1', (1, 1), 'bias'), ('bv1', (1, 1), 'bias')]
    """
    shapes = [("Q" + suffix, (d_k, d_in), "weight"), ("K" + suffix, (d_k, d_in), "weight"),
              ("V" + suffix, (d_v, d_in), "weight"), ("O" + suffix, (d_v, d_out), "weight")]
    if bias:
        shapes += [("bq" + suffix, (d_k, 1), "bias"), ("bk" + suffix, (d_k, 1), "bias"),
                   ("bv" + suffix, (d_v, 1), "bias")]
    return shapes


def _augmented(M, b):
    r"""`[M \mid b]` (or `M` without bias).

    TESTS::

        sage: from sage_conslaw.architectures.attention import _augmented
        sage: _augmented(matrix([[1, 2]]), matrix([[3]]))
        [1 2 3]
    """
    return M if b is None else M.augment(b)


def _head_products(mats, suffix, bias):
    r"""The two products of one head: `\tilde Q^\top K` and `V^\top O`.

    TESTS::

        sage: from sage_conslaw.architectures import Attention
        sage: from sage_conslaw.architectures.attention import _head_products
        sage: att = Attention(1, 1, 1, 1, bias=True)
        sage: [M.list() for M in _head_products(att.parameters(), '', True)]
        [[Q_0_0*K_0_0, K_0_0*bq_0], [V_0_0*O_0_0]]
    """
    Qt = _augmented(mats["Q" + suffix], mats["bq" + suffix] if bias else None)
    return Qt.transpose() * mats["K" + suffix], mats["V" + suffix].transpose() * mats["O" + suffix]


def _head_laws(mats, suffix, bias):
    r"""The known laws of one head.

    TESTS::

        sage: from sage_conslaw.architectures import Attention
        sage: from sage_conslaw.architectures.attention import _head_laws
        sage: _head_laws(Attention(1, 1, 1, 1, bias=True).parameters(), '', True)
        [Q_0_0^2 - K_0_0^2 + bq_0^2, V_0_0^2 - O_0_0^2 + bv_0^2, bk_0]
    """
    Qt = _augmented(mats["Q" + suffix], mats["bq" + suffix] if bias else None)
    Vt = _augmented(mats["V" + suffix], mats["bv" + suffix] if bias else None)
    laws = balancedness(Qt.transpose(), mats["K" + suffix]) + balancedness(Vt.transpose(), mats["O" + suffix])
    if bias:
        laws += mats["bk" + suffix].list()
    return laws


def _check_sizes(d_in, d_k, d_v, d_out, bias):
    """Checked sizes as Python ints, and the bias flag.

    TESTS::

        sage: from sage_conslaw.architectures.attention import _check_sizes
        sage: _check_sizes(2, 0, 1, 1, False)
        Traceback (most recent call last):
        ...
        ValueError: d_k must be an integer >= 1, got 0
    """
    return (positive_integer(d_in, "d_in"), positive_integer(d_k, "d_k"), positive_integer(d_v, "d_v"),
            positive_integer(d_out, "d_out"), boolean(bias, "bias"))


class MultiHeadAttention(Block):
    r"""
    Multi-head attention `\sum_{h=1}^H \mathrm{softmax}(X Q_h^\top K_h X^\top) X V_h^\top O_h`
    (plus biases if asked), through the per-head products.

    INPUT:

    - ``d_in`` -- the dimension of the tokens
    - ``heads`` -- the number `H` of heads
    - ``d_k``, ``d_v`` -- the key and value dimensions of each head
    - ``d_out`` -- the output dimension
    - ``bias`` -- biases `b_{q,h}, b_{k,h}, b_{v,h}` per head and one output bias `b_o`
      (default ``False``)

    The parameters of head `h` are ``Qh``, ``Kh``, ``Vh``, ``Oh`` (and ``bqh``,
    ``bkh``, ``bvh``; the output bias is ``bo``).

    EXAMPLES::

        sage: from sage_conslaw.architectures import MultiHeadAttention
        sage: mha = MultiHeadAttention(3, 2, 1, 2, 3); mha
        Multi-head attention: 2 heads, d_in = 3, d_k = 1, d_v = 2, d_out = 3 without biases: D = 36 parameters
        sage: mha.parameter_names()
        ['Q1', 'K1', 'V1', 'O1', 'Q2', 'K2', 'V2', 'O2']
        sage: mha.number_of_laws_formula()
        8
        sage: res = mha.lie_trace(); res.number_of_laws, res.certified
        (8, True)
        sage: MultiHeadAttention(2, 0, 1, 1, 2)
        Traceback (most recent call last):
        ...
        ValueError: the number of heads must be an integer >= 1, got 0

    A size no polynomial ring can hold is refused at once, before anything is built::

        sage: MultiHeadAttention(4, 10^12, 2, 2, 4)
        Traceback (most recent call last):
        ...
        ValueError: the number D of parameters is 32000000000000, above the limit ... of parameters that fit in the memory available (a count needs about 128 bytes a parameter: MIN_BYTES_PER_PARAMETER)
    """

    #: The counts of :meth:`lie_trace` are those of `\phi` (see :attr:`~sage_conslaw.architectures.compose.Block.PHI_NOTE`).
    PHI_NOTE = ("these are the laws of phi (the per-head products), each a law of the layer; that the softmax "
                "layer has no more is proven only point-wise, by functional_rank() at a point "
                "(doc/transformers.rst)")

    def __init__(self, d_in, heads, d_k, d_v, d_out, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: mha = MultiHeadAttention(2, 2, 1, 1, 2, bias=True)
            sage: mha.heads, mha.d_in, mha.d_out, mha.bias, mha.layout().names()[-1]
            (2, 2, 2, True, 'bo')
        """
        d_in, d_k, d_v, d_out, bias = _check_sizes(d_in, d_k, d_v, d_out, bias)
        self.heads = positive_integer(heads, "the number of heads")
        # the number of parameters, counted before any is built
        check_parameters(self.heads * (d_in * (2 * d_k + d_v) + d_v * d_out + ((2 * d_k + d_v) if bias else 0))
                         + (d_out if bias else 0))
        self.d_in, self.d_k, self.d_v, self.d_out, self.bias = d_in, d_k, d_v, d_out, bias
        shapes = []
        for s in self._suffixes():
            shapes += _head_shapes(s, d_in, d_k, d_v, d_out, bias)
        if bias:
            shapes.append(("bo", (d_out, 1), "bias"))
        # terms of phi: per head (d_in + b) d_in products of d_k terms and d_in d_out of d_v; the bias row
        b = 1 if bias else 0
        terms = self.heads * ((d_in + b) * d_in * d_k + d_in * d_out * d_v) + b * d_out * (self.heads * d_v + 1)
        Block.__init__(self, shapes, self._components_from, d_in, d_out, terms=terms)

    def _suffixes(self):
        """The suffixes of the heads' parameter names.

        TESTS::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: MultiHeadAttention(1, 3, 1, 1, 1)._suffixes()
            ['1', '2', '3']
        """
        return [str(h) for h in range(1, self.heads + 1)]

    def _components_from(self, mats):
        r"""The components of `\phi`: per head `\tilde Q_h^\top K_h`, `V_h^\top O_h`, then `\sum_h O_h^\top b_{v,h} + b_o`.

        TESTS::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: mha = MultiHeadAttention(1, 2, 1, 1, 1)
            sage: mha._components_from(mha.parameters()) == list(mha.components())
            True
            sage: MultiHeadAttention(1, 2, 1, 1, 1, bias=True).components()[-1]
            O1_0_0*bv1_0 + O2_0_0*bv2_0 + bo_0
        """
        phis = []
        for s in self._suffixes():
            A, B = _head_products(mats, s, self.bias)
            phis += A.list() + B.list()
        if self.bias:
            c = mats["bo"]
            for s in self._suffixes():
                c = c + mats["O" + s].transpose() * mats["bv" + s]
            phis += c.list()
        return phis

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: MultiHeadAttention(1, 1, 1, 1, 1, bias=True)
            Multi-head attention: 1 head, d_in = 1, d_k = 1, d_v = 1, d_out = 1 with biases: D = 8 parameters
        """
        return "Multi-head attention: %s head%s, %s: D = %s parameters" % (
            self.heads, "s" if self.heads > 1 else "", self._sizes(), self.D)

    def _sizes(self):
        """The sizes, for the representation.

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(1, 2, 3, 4)._sizes()
            'd_in = 1, d_k = 2, d_v = 3, d_out = 4 without biases'
        """
        return "d_in = %s, d_k = %s, d_v = %s, d_out = %s %s" % (
            self.d_in, self.d_k, self.d_v, self.d_out, "with biases" if self.bias else "without biases")

    def head_parameters(self, h):
        r"""
        Return the names of the parameters of head ``h`` (`1 \le h \le H`).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: MultiHeadAttention(2, 2, 1, 1, 2, bias=True).head_parameters(2)
            ['Q2', 'K2', 'V2', 'O2', 'bq2', 'bk2', 'bv2']
            sage: MultiHeadAttention(2, 2, 1, 1, 2).head_parameters(3)
            Traceback (most recent call last):
            ...
            ValueError: the heads are numbered 1 to 2, got 3
        """
        if h not in range(1, self.heads + 1):
            raise ValueError("the heads are numbered 1 to %s, got %s" % (self.heads, h))
        suffix = self._suffixes()[h - 1]
        return [spec[0] for spec in _head_shapes(suffix, 1, 1, 1, 1, self.bias)]

    def _offsets(self):
        r"""
        The offset of each parameter in `\theta`, by name.

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(2, 1, 1, 3)._offsets()
            {'K': 2, 'O': 6, 'Q': 0, 'V': 4}
        """
        return {P.name: P.slice.start for P in self.layout()}

    def equivalent_parts(self):
        r"""
        Return the parts of `\theta` as models they are, up to the order of
        their coordinates (see :func:`~sage_conslaw.core.subsets.equivalent_parts_trace`):
        a list of triples ``(coordinates, model, what)``.

        Per head, `\tilde Q^\top K` is the linear network `[d_{in} (+1), d_k,
        d_{in}]` (`U_1 = \tilde Q^\top`, `U_2 = K`) and `V^\top O` the
        linear network `[d_{in}, d_v, d_{out}]` (`U_1 = V^\top`, `U_2 = O`);
        with biases every `b_{k,h}` is free (no component involves it) and the
        value part of all the heads with `b_o` is one :class:`_ValueBiasPart`.
        The tests check, shape by shape, that the components of each part,
        renamed, are exactly those of its model.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention, MultiHeadAttention
            sage: [(ks, what) for ks, _, what in Attention(2, 1, 1, 1).equivalent_parts()]
            [([0, 1, 2, 3], 'the linear network [2, 1, 2]'),
             ([4, 5, 6], 'the linear network [2, 1, 1]')]
            sage: att = Attention(1, 1, 1, 1, bias=True)
            sage: [(ks, what) for ks, _, what in att.equivalent_parts()]
            [([0, 4, 1], 'the linear network [2, 1, 1]'), ([5], None), ([2, 3, 6, 7], 'the value part with biases of 1 head')]
            sage: [what for _, _, what in MultiHeadAttention(3, 2, 1, 1, 2).equivalent_parts()]
            ['the linear network [3, 1, 3]', 'the linear network [3, 1, 2]', 'the linear network [3, 1, 3]', 'the linear network [3, 1, 2]']
        """
        off = self._offsets()
        d_in, d_k, d_v, d_out, b = self.d_in, self.d_k, self.d_v, self.d_out, 1 if self.bias else 0
        qk = LinearNetwork([d_in + b, d_k, d_in])
        vo = LinearNetwork([d_in, d_v, d_out])
        parts = []
        value_part = []
        for s in self._suffixes():
            # U1 = Q~^T ((d_in + b) x d_k): U1[i, c] = Q[c, i], U1[d_in, c] = b_q[c]; U2 = K as stored
            q, k = off["Q" + s], off["K" + s]
            u1 = [(q + c * d_in + i) if i < d_in else off["bq" + s] + c for i in range(d_in + b) for c in range(d_k)]
            parts.append((u1 + list(range(k, k + d_k * d_in)), qk, "the linear network %s" % qk.dims))
            v, o = off["V" + s], off["O" + s]
            ks = [v + c * d_in + i for i in range(d_in) for c in range(d_v)] + list(range(o, o + d_v * d_out))
            if self.bias:
                parts.append((list(range(off["bk" + s], off["bk" + s] + d_k)), None, None))
                value_part += list(range(v, v + d_v * d_in)) + list(range(o, o + d_v * d_out)) + \
                    list(range(off["bv" + s], off["bv" + s] + d_v))
            else:
                parts.append((ks, vo, "the linear network %s" % vo.dims))
        if self.bias:
            value_part += list(range(off["bo"], off["bo"] + d_out))
            parts.append((value_part, _ValueBiasPart(d_in, self.heads, d_v, d_out),
                          "the value part with biases of %s head%s" % (self.heads, "s" if self.heads > 1 else "")))
        return parts

    def lie_trace(self, point=None, laws=None, *, seed=0, certify_with_degree=2, **options):
        r"""
        Compute `\dim \mathrm{Lie}(W_\phi)(\theta)` and the number of laws of `\phi`,
        product by product.

        Each product of each head is traced as the two-layer linear network it
        is (:meth:`equivalent_parts`, :func:`~sage_conslaw.core.subsets.equivalent_parts_trace`):
        its structured engine and certificate, at any size, and the counts are
        summed (a direct sum, exact).  With explicit ``laws`` (or ``data``) the
        whole family is traced as in :meth:`~sage_conslaw.architectures.compose.Block.lie_trace`.
        The options are those of :func:`~sage_conslaw.core.trace.lie_trace`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention, MultiHeadAttention
            sage: att = Attention(3, 2, 2, 2)
            sage: res = att.lie_trace(); res.number_of_laws, res.certified, att.number_of_laws_formula()
            (6, True, 6)
            sage: print(res.reason)
            direct sum of 2 parts ..., every part certified; each part is, up to the order of its coordinates and components (...): the linear network [3, 2, 3], the linear network [3, 2, 2]; these are the laws of phi ...
            sage: whole = att.lie_trace(laws=att.known_conservation_laws()); whole.number_of_laws, whole.certified
            (6, True)
            sage: res = MultiHeadAttention(2, 2, 1, 1, 1, bias=True).lie_trace(); res.number_of_laws, res.certified
            (6, True)

        A given point is honoured (here a singular one: the generic count, not certified there)::

            sage: res = att.lie_trace(point=[1] * att.D); res.point == vector([1] * att.D), res.number_of_laws, res.certified
            (True, 6, False)

        At sizes where a dense trace takes minutes (`D = 40,000`, above the
        size of any polynomial ring), in seconds::

            sage: big = Attention(100, 100, 100, 100)
            sage: res = big.lie_trace(); res.number_of_laws, res.certified
            (10100, True)

        With biases too (the value part: :class:`_ValueBiasPart`)::

            sage: res = Attention(60, 60, 60, 60, bias=True).lie_trace(); res.number_of_laws, res.certified
            (3720, True)
        """
        return self._trace_by_equivalent_parts(point, laws, seed, certify_with_degree, **options)

    def known_conservation_laws(self):
        r"""
        Return the per-head laws: the upper-triangular entries of `\tilde Q_h
        \tilde Q_h^\top - K_h K_h^\top` and `\tilde V_h \tilde V_h^\top - O_h
        O_h^\top` (`\tilde Q = Q`, `\tilde V = V` without biases), and with
        biases the entries of every `b_{k,h}`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: len(MultiHeadAttention(2, 3, 2, 1, 2).known_conservation_laws())   # 3 * (3 + 1)
            12
        """
        mats = self.parameters()
        return [h for s in self._suffixes() for h in _head_laws(mats, s, self.bias)]

    def symmetries(self):
        r"""
        Return the symmetries whose laws are the known laws: per head, the
        symmetric parts of the `GL(d_k)` of `\tilde Q^\top K` and of the
        `GL(d_v)` of `\tilde V^\top O`, and with biases the translations along
        each `b_{k,h}` (`\phi` does not involve it: the softmax is invariant
        under adding a constant to a row); see :mod:`~sage_conslaw.core.symmetry`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: mha = MultiHeadAttention(2, 2, 1, 1, 2, bias=True)
            sage: mha.symmetry_laws() == mha.known_conservation_laws()
            True
        """
        mats, R = self.parameters(), self.polynomial_ring()
        index = {name: k for k, name in enumerate(R.variable_names())}
        out = []
        for s in self._suffixes():
            Qt = _augmented(mats["Q" + s], mats["bq" + s] if self.bias else None)
            Vt = _augmented(mats["V" + s], mats["bv" + s] if self.bias else None)
            out += gl_symmetries(R, Qt.transpose(), mats["K" + s]) + gl_symmetries(R, Vt.transpose(), mats["O" + s])
            if self.bias:
                out += [Translation(R.ngens(), {index[str(b)]: 1}) for b in mats["bk" + s].list()]
        return out

    def factorizations(self):
        r"""
        Return the matrix factorizations `U W^\top` of one head as triples
        ``(what, (n, m, r))``: `Q^\top K` is ``(d_in, d_in, d_k)`` (``d_in + 1``
        rows with biases), `V^\top O` is ``(d_in, d_out, d_v)``.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(3, 2, 1, 4).factorizations()
            [('Q^T K', (3, 3, 2)), ('V^T O', (3, 4, 1))]
        """
        extra = 1 if self.bias else 0
        return [("Q^T K", (self.d_in + extra, self.d_in, self.d_k)),
                ("V^T O", (self.d_in + extra, self.d_out, self.d_v))]

    def number_of_laws_formula(self):
        r"""
        Return the number of independent laws predicted in closed form, without
        biases: `H` times the sum of Proposition 4.2 for the two factorizations
        of :meth:`factorizations`, `rk(2r + 1 - rk)/2` with `rk = \min(n + m, r)`.

        With biases: Proposition 4.2 for `\tilde Q^\top K` and `\tilde V^\top
        O` (``d_in + 1`` rows), plus the `d_k` entries of `b_k`, per head.  This
        counts the independent known laws; that they are all the laws of the
        coarsest `\phi` (whose output bias `\sum_h O_h^\top b_{v,h} + b_o` couples
        the heads) is not a proposition of the paper: the engine certifies it
        size by size (see the tests and the reproduction table).

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(1, 3, 1, 1).number_of_laws_formula()    # r = 3 > n + m = 2: rk = 2
            6
            sage: att = Attention(1, 3, 1, 1, bias=True)
            sage: att.number_of_laws_formula(), att.number_of_conservation_laws()
            (10, 10)
        """
        per_head = sum(known_independent_laws_formula(n, m, r) for _, (n, m, r) in self.factorizations())
        return self.heads * (per_head + (self.d_k if self.bias else 0))

    def lie_dimension_formula(self):
        r"""
        Return `\dim \mathrm{Lie}(W_\phi)(\theta)` at a generic point: `D` minus
        :meth:`number_of_laws_formula` (without biases, `H` times the sum of
        Proposition 4.3 over the two factorizations).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MultiHeadAttention
            sage: MultiHeadAttention(2, 2, 1, 1, 2).lie_dimension_formula()
            12
            sage: MultiHeadAttention(2, 2, 1, 1, 2, bias=True).lie_dimension_formula()
            18
        """
        if self.bias:
            return self.D - self.number_of_laws_formula()
        return self.heads * sum(lie_dimension_formula(n, m, r) for _, (n, m, r) in self.factorizations())

    def output(self, theta, X, scale=1):
        r"""
        Return the layer's output at parameters ``theta`` on tokens ``X`` (numerically:
        the forward pass of its numeric twin, which needs PyTorch).

        INPUT:

        - ``theta`` -- a point (`D` numbers, in the order of the coordinates)
        - ``X`` -- an `N \times d_{in}` array of tokens
        - ``scale`` -- the factor of the scores (``1 / sqrt(d_k)`` in PyTorch)

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: att = Attention(1, 1, 1, 1)
            sage: att.output([1, 1, 2, 3], [[1.0], [1.0]])       # equal scores: the mean of X V^T O    # optional - torch
            array([[6.],
                   [6.]])
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.d_in:
            raise ValueError("X must be an N x d_in = N x %s array of tokens, got shape %s" % (self.d_in, X.shape))
        twin = self.numeric_model(length=X.shape[0], scale=scale)
        return twin.forward(np.array([float(x) for x in theta]), X.reshape(1, -1)).reshape(X.shape[0], self.d_out)

    def functional_rank(self, point=None, samples=None, tokens=3, seed=0, precision=BALL_PRECISION):
        r"""
        Return a certified lower bound of `\dim \mathrm{span}_X \nabla_\theta g(\theta, X)`
        (the functional space of the layer, softmax included) at ``point``,
        and the exact `\dim W_\phi(\theta)` it is bounded by.

        The gradients of the outputs with respect to `\theta` on random integer
        token matrices `X` are computed in ball arithmetic (Arb, ``precision``
        bits: every number is an interval guaranteed to contain the exact
        value), by the chain rule through `\phi`.  A square submatrix is chosen
        with a floating-point pivoted QR and its determinant is evaluated in
        ball arithmetic: if the ball excludes 0, the rank is proven to be at
        least its size.  Since the model factors through `\phi`, the span is
        contained in `W_\phi(\theta)`; equality of the two numbers proves that
        the layer's functional space is `W_\phi(\theta)` at `\theta` and, the
        rank being lower semicontinuous and `\dim W_\phi` locally constant at
        a point of maximal rank, near `\theta`: then the layer has exactly the
        conservation laws of `\phi` near `\theta`.

        INPUT:

        - ``point`` -- `\theta` (default: a random point of small nonzero rationals
          where `\partial\phi` has its generic rank)
        - ``samples`` -- the number of token matrices (default: enough rows)
        - ``tokens`` -- tokens per matrix `N`
        - ``seed`` -- the seed of the random point and tokens
        - ``precision`` -- bits of the balls at first (doubled, up to 8 times, until
          the minor of the floating-point rank is proven nonzero)

        OUTPUT: a pair ``(certified lower bound, dim W_phi(theta))``

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention, MultiHeadAttention
            sage: Attention(2, 1, 1, 2).functional_rank()
            (6, 6)
            sage: MultiHeadAttention(2, 2, 1, 1, 1, bias=True).functional_rank()
            (13, 13)
        """
        rng = np.random.default_rng(seed)
        # small nonzero rationals k/4, |k| <= 9 (small scores keep the softmax away from
        # saturation); redrawn while the point is special for phi (rank below the generic one)
        theta, J_phi = self._regular_point(point, lambda: [
            QQ((int(x) * int(s), 4)) for x, s in zip(rng.integers(1, 10, size=self.D),
                                                     rng.choice([-1, 1], size=self.D))])
        target = J_phi.rank()
        if samples is None:
            samples = max(2, -(-2 * target // (tokens * self.d_out)) + 1)
        mats = {name: A.change_ring(QQ) for name, A in self.unflatten(theta).items()}
        # small tokens (entries k/4, |k| <= 3) keep the softmax away from saturation
        Xs = [matrix(QQ, tokens, self.d_in, [QQ((int(x), 4)) for x in rng.integers(-3, 4, size=tokens * self.d_in)])
              for _ in range(samples)]
        # the radii of a ball determinant grow with its size: double the precision until the
        # minor of the floating-point rank is proven nonzero (or give the best bound at the last one)
        precisions = [precision * 2 ** i for i in range(4)]
        for prec in precisions:
            RB = RealBallField(prec)
            rows = [r for X in Xs for r in self._output_jacobian_in_phi(mats, X, RB)]
            G = matrix(RB, rows) * J_phi.change_ring(RB)
            lower = _certified_rank(G, RB, only_first=(prec != precisions[-1]))
            if lower is not None and (lower == target or prec == precisions[-1]):
                return lower, target
        return lower, target   # pragma: no cover

    def _output_jacobian_in_phi(self, mats, X, RB):
        r"""
        The rows `\partial\, \mathrm{out}[t, o] / \partial \phi` (in the order of
        :meth:`components`) at tokens ``X``, in ball arithmetic.

        For one head with `A = \tilde Q^\top K`, `B = V^\top O`, `S =
        \mathrm{softmax}(\tilde X A X^\top)`, `Y = X B`, `\bar y_t = \sum_u S_{tu} Y_u`:
        `\partial\, \mathrm{out}[t,o] / \partial B_{io} = (S X)_{ti}` and
        `\partial\, \mathrm{out}[t,o] / \partial A_{ij} = \tilde X_{ti} \sum_w S_{tw}
        X_{wj} (Y_{wo} - \bar y_{to})`.

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: att = Attention(1, 1, 1, 1)
            sage: M = {k: A.change_ring(QQ) for k, A in att.unflatten([0, 0, 1, 1]).items()}
            sage: att._output_jacobian_in_phi(M, matrix(QQ, [[1], [3]]), RealBallField(53))[0]
            [1.000000000000000, 2.000000000000000]
        """
        N = X.nrows()
        one = matrix(X.base_ring(), N, 1, [1] * N)
        Xt = X.augment(one) if self.bias else X
        rows = [[RB(0)] * self.d for _ in range(N * self.d_out)]
        col = 0
        for s in self._suffixes():
            A, B = _head_products(mats, s, self.bias)
            Z = (Xt * A * X.transpose()).change_ring(RB)
            E = matrix(RB, N, N, [[(Z[t, u] - Z[t, 0]).exp() for u in range(N)] for t in range(N)])
            S = matrix(RB, N, N, [[E[t, u] / sum(E.row(t)) for u in range(N)] for t in range(N)])
            XR, XtR = X.change_ring(RB), Xt.change_ring(RB)
            Y = XR * B.change_ring(RB)
            SX = S * XR
            Ybar = S * Y
            a_rows, a_cols = A.dimensions()
            for t in range(N):
                for o in range(self.d_out):
                    r = rows[t * self.d_out + o]
                    for i in range(a_rows):
                        for j in range(a_cols):
                            r[col + i * a_cols + j] = XtR[t, i] * sum(S[t, w] * XR[w, j] * (Y[w, o] - Ybar[t, o])
                                                                    for w in range(N))
                    for i in range(self.d_in):
                        r[col + a_rows * a_cols + i * self.d_out + o] = SX[t, i]
            col += a_rows * a_cols + self.d_in * self.d_out
        if self.bias:
            for t in range(N):
                for o in range(self.d_out):
                    rows[t * self.d_out + o][col + o] = RB(1)
        return rows


class _ValueBiasPart(Block):
    r"""
    The value part of multi-head attention with biases, alone: parameters
    `V_h, O_h, b_{v,h}` per head and `b_o`, components `V_h^\top O_h` per head
    and `c = \sum_h O_h^\top b_{v,h} + b_o` (in the order of these parameters,
    the coordinates of :meth:`MultiHeadAttention.equivalent_parts`); known
    laws: the balancedness of `\tilde V_h = [V_h \mid b_{v,h}]` and `O_h`.

    **Its Lie algebra is that of** `\psi = ((\tilde V_h^\top O_h)_h, b_o)`,
    per head the linear network `N_h = [d_{in} + 1, d_v, d_{out}]` with `U_1
    = \tilde V_h^\top`, `U_2 = O_h`, and `b_o` its own coordinates -- although
    `\phi` only sees the sum over the heads of the last rows `b_{v,h}^\top
    O_h`.  Write `X^h_C = \nabla\langle C, \tilde V_h^\top O_h\rangle =
    (C O_h^\top, C^\top \tilde V_h^\top)` (`C` of size `(d_{in}+1) \times
    d_{out}`, last row index `n = d_{in}`), `Z^h_o = X^h_{E_{n,o}}` and `Y_o =
    \nabla c_o = \sum_h Z^h_o + e_o` (`e_o` the constant field along
    `b_o[o]`).  `W_\phi` is spanned by the `X^h_C` with `C` of last row zero
    and the `Y_o`.

    1. *Upper bound.*  `\phi` is a linear function of `\psi`, so `W_\phi
       \subset W_\psi` and `\mathrm{Lie}(W_\phi) \subset \mathrm{Lie}(W_\psi) =
       \bigoplus_h L_h \oplus \mathrm{span}\{e_o\}`, `L_h = \mathrm{Lie}(N_h)`.
    2. *Brackets with* `Y_o`.  A field `F` of head `h` (supported on its
       coordinates, depending on them only) has `[Y_o, F] = [Z^h_o, F]`:
       the fields of other heads act on other coordinates, `e_o` is constant
       and `F` does not depend on `b_o`.  So `\mathrm{Lie}(W_\phi)` contains the
       ideal `J_h` of `L_h` generated by the `X^h_C`, `C` of last row zero
       (iterated brackets with the generators `X^h_C`, `Z^h_o` of `L_h`).
    3. *That ideal is* `L_h`.  For linear fields, `[X_C, X_{C'}] = ((C'C^\top
       - CC'^\top) \tilde V^\top, (C'^\top C - C^\top C') O^\top)` and, for `A`
       antisymmetric, `[(A\tilde V^\top, 0), X_{C''}] = -X_{AC''}`.  With `C =
       E_{i,o}` (`i < n`) and `C' = E_{n,o}`: `[X_C, X_{C'}] = ((E_{n,i} -
       E_{i,n}) \tilde V^\top, 0) \in J_h`, then `-X_{(E_{n,i} - E_{i,n})E_{i,o}}
       = -X_{E_{n,o}} \in J_h`: every `X_C` is in `J_h`, which contains the
       generators of `L_h`, so `J_h = L_h`.
    4. Hence `\mathrm{Lie}(W_\phi) \supset \bigoplus_h L_h + \mathrm{span}\{Y_o\}
       = \bigoplus_h L_h \oplus \mathrm{span}\{e_o\}`: the two algebras are equal,
       as algebras of vector fields, so their dimensions agree at every point.

    :meth:`lie_trace` therefore traces each `N_h` as a linear network (at any
    size, :mod:`~sage_conslaw.core.jets`) and `b_o` as the linear network
    `[d_{out}, 1]` (`\phi = U_1`), and sums
    (:func:`~sage_conslaw.core.subsets.equivalent_parts_trace` with ``why``).
    The tests compare it with the generic engine on the symbolic `\phi` on
    many shapes.

    EXAMPLES::

        sage: from sage_conslaw.architectures.attention import _ValueBiasPart
        sage: P = _ValueBiasPart(1, 2, 1, 1); P.components()
        (V1_0_0*O1_0_0, V2_0_0*O2_0_0, O1_0_0*bv1_0 + O2_0_0*bv2_0 + bo_0)
        sage: P.known_conservation_laws()
        [V1_0_0^2 - O1_0_0^2 + bv1_0^2, V2_0_0^2 - O2_0_0^2 + bv2_0^2]
        sage: res = P.lie_trace(); res.number_of_laws, res.certified
        (2, True)
    """

    PHI_NOTE = None

    #: The proof that the parts of :meth:`parts` sum to the part's Lie algebra (the class documentation).
    WHY = ("the value part with biases has the Lie algebra of its per-head linear networks [V~_h^T, O_h] and of "
           "b_o, although phi sums the heads' bias rows (the ideal generated by the V_h^T O_h is every linear "
           "network's algebra: _ValueBiasPart)")

    def __init__(self, d_in, heads, d_v, d_out):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.attention import _ValueBiasPart
            sage: _ValueBiasPart(2, 1, 1, 3).layout().names()
            ['V', 'O', 'bv', 'bo']
        """
        self.d_in, self.heads, self.d_v = d_in, heads, d_v
        self.suffixes = [""] if heads == 1 else [str(h) for h in range(1, heads + 1)]
        shapes = []
        for s in self.suffixes:
            shapes += [("V" + s, (d_v, d_in), "weight"), ("O" + s, (d_v, d_out), "weight"), ("bv" + s, (d_v, 1), "bias")]
        shapes.append(("bo", (d_out, 1), "bias"))
        # terms of phi, known before expanding (a part too large to expand is refused, never run out of memory)
        terms = heads * d_in * d_out * d_v + d_out * (heads * d_v + 1)
        Block.__init__(self, shapes, self._components_from, d_in, d_out, terms=terms)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.attention import _ValueBiasPart
            sage: _ValueBiasPart(2, 3, 1, 2)
            Value part with biases of 3 heads, d_in = 2, d_v = 1, d_out = 2: D = 17 parameters
        """
        return "Value part with biases of %s head%s, d_in = %s, d_v = %s, d_out = %s: D = %s parameters" % (
            self.heads, "s" if self.heads > 1 else "", self.d_in, self.d_v, self.output_dimension, self.D)

    def _components_from(self, mats):
        r"""
        The components `V_h^\top O_h` per head, then `\sum_h O_h^\top b_{v,h} + b_o`.

        TESTS::

            sage: from sage_conslaw.architectures.attention import _ValueBiasPart
            sage: P = _ValueBiasPart(1, 1, 1, 1); P._components_from(P.parameters())
            [V_0_0*O_0_0, O_0_0*bv_0 + bo_0]
        """
        out = []
        c = mats["bo"]
        for s in self.suffixes:
            out += (mats["V" + s].transpose() * mats["O" + s]).list()
            c = c + mats["O" + s].transpose() * mats["bv" + s]
        return out + c.list()

    def parts(self):
        r"""
        The models whose algebras sum to this part's (see the class
        documentation): per head the linear network `[d_{in} + 1, d_v,
        d_{out}]` (`U_1 = [V_h \mid b_{v,h}]^\top`, `U_2 = O_h`), and `b_o` as
        the linear network `[d_{out}, 1]`; triples ``(coordinates, model, what)``.

        TESTS::

            sage: from sage_conslaw.architectures.attention import _ValueBiasPart
            sage: [(ks, what) for ks, _, what in _ValueBiasPart(1, 1, 2, 1).parts()]
            [([0, 1, 4, 5, 2, 3], 'the linear network [2, 2, 1]'), ([6], 'the linear network [1, 1]')]
        """
        off = {P.name: P.slice.start for P in self.layout()}
        d_in, d_v, d_out = self.d_in, self.d_v, self.output_dimension
        head = LinearNetwork([d_in + 1, d_v, d_out])
        out = LinearNetwork([d_out, 1])
        parts = []
        for s in self.suffixes:
            v, o, bv = off["V" + s], off["O" + s], off["bv" + s]
            u1 = [v + c * d_in + i if i < d_in else bv + c for i in range(d_in + 1) for c in range(d_v)]
            parts.append((u1 + list(range(o, o + d_v * d_out)), head, "the linear network %s" % head.dims))
        parts.append((list(range(off["bo"], off["bo"] + d_out)), out, "the linear network %s" % out.dims))
        return parts

    def lie_trace(self, point=None, laws=None, **options):
        r"""
        The trace of the part as the sum of the traces of :meth:`parts` (see
        the class documentation); with ``laws``, ``data`` or the rigorous
        method, the generic trace of its symbolic `\phi` (:meth:`Block.lie_trace`).

        TESTS::

            sage: from sage_conslaw.architectures.attention import _ValueBiasPart
            sage: from sage_conslaw.architectures.compose import Block
            sage: P = _ValueBiasPart(2, 2, 2, 3)
            sage: res = P.lie_trace(); res.number_of_laws, res.certified, Block.lie_trace(P).number_of_laws
            (6, True, 6)
            sage: 'ideal generated' in res.reason
            True
            sage: res = _ValueBiasPart(60, 1, 60, 60).lie_trace(); res.number_of_laws, res.certified
            (1830, True)
        """
        if laws is not None or "data" in options or options.get("method") == "rigorous":
            return Block.lie_trace(self, point, laws, **options)
        return equivalent_parts_trace(self, self.parts(), point=point, why=self.WHY, **options)

    def known_conservation_laws(self):
        r"""
        The balancedness of `[V_h \mid b_{v,h}]^\top` and `O_h`, per head.

        TESTS::

            sage: from sage_conslaw.architectures.attention import _ValueBiasPart
            sage: len(_ValueBiasPart(2, 3, 2, 1).known_conservation_laws())
            9
        """
        mats = self.parameters()
        return [h for s in self.suffixes
                for h in balancedness(mats["V" + s].augment(mats["bv" + s]).transpose(), mats["O" + s])]


def _minor_is_nonsingular(G, rows, cols, RB):
    r"""
    Whether the determinant of the minor of the matrix of balls ``G`` on ``rows`` and ``cols``
    is proven nonzero: Arb's ball Gaussian elimination (``acb_mat_det``, in a
    ``ComplexBallField`` of the precision of ``RB``) gives a ball containing the
    determinant of every real matrix in the balls; it excludes 0.

    (Sage's generic determinant of a matrix over ``RealBallField`` expands without
    pivoting: on a random `73 \times 73` matrix at 128 bits it returns ``[+/- 1.84e+78]``
    in 4 s, where this returns 14 correct digits in 0.05 s.)

    TESTS::

        sage: from sage_conslaw.architectures.attention import _minor_is_nonsingular
        sage: RB = RealBallField(64); G = matrix(RB, [[1, 2, 0], [2, 4, 1]])
        sage: _minor_is_nonsingular(G, [0, 1], [0, 1], RB), _minor_is_nonsingular(G, [0, 1], [1, 2], RB)
        (False, True)
        sage: _minor_is_nonsingular(G, [], [], RB)
        True
    """
    if not rows:
        return True
    CB = ComplexBallField(RB.precision())
    det = G.matrix_from_rows_and_columns([int(r) for r in rows], [int(c) for c in cols]).change_ring(CB).det()
    return not det.contains_zero()


def _precise_pivots(G, RB, wanted, start=()):
    r"""
    The pivots ``(row, column)`` of a Gaussian elimination of the matrix of balls
    ``G`` carried out *in ball arithmetic* at the balls' precision, at most
    ``wanted`` of them: the rows scaled to largest midpoint 1 (a row whose every
    ball contains 0 is dropped), the pivots ``start`` (a minor chosen by
    floating point, proven nonsingular) eliminated first at once (the Schur
    complement `S = A_{22} - A_{21} A_{11}^{-1} A_{12}` by Arb's matrix inverse
    and product), then, one by one on `S`, the entry of largest midpoint among
    those whose ball excludes 0.  It stops when every remaining ball contains 0:
    no numeric cut-off, so a direction far below float64's rounding (a symmetry
    broken at `10^{-20}`) is seen when the precision sees it.

    This only *chooses* a minor; :func:`_minor_is_nonsingular` proves it.

    TESTS::

        sage: from sage_conslaw.architectures.attention import _precise_pivots
        sage: RB = RealBallField(128); t = RB(2)^-70
        sage: G = matrix(RB, [[1, 1, 0], [1, 1 + t, 0], [0, 0, 0]])
        sage: sorted(_precise_pivots(G, RB, 3))        # the direction of size 2^-70 is seen
        [(0, 0), (1, 1)]
        sage: sorted(_precise_pivots(G, RB, 3, start=[(0, 1)]))
        [(0, 1), (1, 0)]
        sage: _precise_pivots(G, RB, 1), _precise_pivots(matrix(RB, 2, 2), RB, 2), _precise_pivots(G, RB, 0)
        ([(0, 0)], [], [])
        sage: G = matrix(RealBallField(53), [[1, 1], [1, 1 + t]]); _precise_pivots(G, G.base_ring(), 2)   # below the precision
        [(0, 0)]
        sage: _precise_pivots(matrix(RB, [[1, 1], [1, 1]]), RB, 2, start=[(0, 0), (1, 1)])     # a singular start: none of it
        [(0, 0)]
    """
    rows, index = [], []
    for i, row in enumerate(G.rows()):
        if all(x.contains_zero() for x in row):
            continue
        m = RB(max(abs(x.mid()) for x in row))
        rows.append([x / m for x in row])
        index.append(i)
    if not rows or wanted <= 0:
        return []
    cols = list(range(G.ncols()))
    pivots = []
    start = [(index.index(r), c) for r, c in start if r in index][:wanted]
    if start:
        CB = ComplexBallField(RB.precision())
        A = matrix(CB, rows)
        r1, c1 = [r for r, _ in start], [c for _, c in start]
        r2 = [r for r in range(len(rows)) if r not in r1]
        c2 = [c for c in cols if c not in c1]
        try:
            inv = A.matrix_from_rows_and_columns(r1, c1).inverse()
        except (ZeroDivisionError, ValueError):
            inv = None
        if inv is not None and c2 and r2:
            S = (A.matrix_from_rows_and_columns(r2, c2)
                 - A.matrix_from_rows_and_columns(r2, c1) * (inv * A.matrix_from_rows_and_columns(r1, c2)))
            pivots = [(index[r], c) for r, c in start]
            rows = [[x.real() for x in row] for row in S.rows()]
            index, cols = [index[r] for r in r2], c2
        elif inv is not None:
            return [(index[r], c) for r, c in start]
    while len(pivots) < wanted and rows:
        best = None
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                if not x.contains_zero():
                    m = abs(x.mid())
                    if best is None or m > best[0]:
                        best = (m, i, j)
        if best is None:
            break
        _, i, j = best
        pivots.append((index[i], cols[j]))
        prow, p = rows[i], rows[i][j]
        rows = [[a - f * b for a, b in zip(row, prow)] for row, f in ((row, row[j] / p) for n, row in enumerate(rows)
                                                                      if n != i)]
        rows = [row[:j] + row[j + 1:] for row in rows]
        del index[i], cols[j]
    return pivots


def _certified_rank(G, RB, only_first=False, wanted=None):
    r"""
    A proven lower bound of the rank of a matrix of balls: the size of a
    square submatrix whose ball determinant excludes 0
    (:func:`_minor_is_nonsingular`), shrinking the size until one is found.

    The submatrix is chosen by a floating-point pivoted QR (rows scaled unless
    each of their balls contains 0, relative cut-off
    :data:`~sage_conslaw.core.thresholds.FLOAT_RANK_CUTOFF`); when ``wanted`` is
    given and that rank falls short of it, the elimination goes on in ball
    arithmetic at the balls' precision (:func:`_precise_pivots`), which sees
    directions far below the float64 cut-off (a symmetry broken at
    `10^{-20}`): the larger size is tried first.  The claim is only what the
    determinant proves.

    With ``only_first``, only the first size is tried, and ``None`` is
    returned if its determinant is not proven nonzero (the caller retries with
    more precision).

    TESTS::

        sage: from sage_conslaw.architectures.attention import _certified_rank
        sage: RB = RealBallField(64)
        sage: _certified_rank(matrix(RB, [[1, 2], [2, 4], [0, 1]]), RB)
        2
        sage: _certified_rank(matrix(RB, [[1, 2], [2, 4]]), RB)
        1
        sage: _certified_rank(matrix(RB, [[RB(1, 1)]]), RB, only_first=True) is None     # the ball [0, 2]
        True
        sage: _certified_rank(matrix(RB, [[RB(0, 2^-60)], [RB(0, 1)]]), RB), _certified_rank(matrix(RB, 0, 2), RB)
        (0, 0)
        sage: nan = RB(1) / RB(0); _certified_rank(matrix(RB, [[nan, 1], [nan, 2]]), RB, wanted=2), nan.contains_zero()
        (1, True)

    A direction of relative size `2^{-70}` is below the float64 cut-off; the
    elimination at 128 bits finds it when asked for, and the determinant proves it::

        sage: RB = RealBallField(128); t = RB(2)^-70
        sage: G = matrix(RB, [[1, 1, 2], [1, 1 + t, 2], [2, 2, 4 + t]])
        sage: _certified_rank(G, RB), _certified_rank(G, RB, wanted=3)
        (1, 3)
        sage: _certified_rank(matrix(RB, [[1, 1], [1, 1]]), RB, wanted=2, only_first=True)      # wanted is no claim
        1
    """
    if G.nrows() == 0 or G.ncols() == 0:
        return 0
    F = np.array([[float(x.mid()) for x in row] for row in G.rows()])
    F[~np.isfinite(F)] = 0.0                       # a ball [nan +/- inf] says nothing
    norms = np.abs(F).max(axis=1)
    # row scaling keeps the rank and helps the pivoting; a row whose every ball contains 0 is not scaled
    # (its midpoints are the rounding of a zero row, which scaling would make look like a direction)
    norms[[all(x.contains_zero() for x in row) for row in G.rows()]] = 1.0
    F = F[norms > 0] / norms[norms > 0, None]
    index = np.flatnonzero(norms > 0)
    if F.shape[0] == 0:
        return 0
    # rows: pivoted QR of F^T; columns: pivoted QR of the chosen rows
    _, R, prow = qr(F.T, pivoting=True, mode='economic')
    diag = np.abs(np.diag(R))
    k = int((diag > diag[0] * FLOAT_RANK_CUTOFF).sum()) if diag.size and diag[0] > 0 else 0

    def float_minor(k):
        rows = sorted(prow[:k])
        _, _, pcol = qr(F[rows, :], pivoting=True, mode='economic')
        return [int(index[r]) for r in rows], sorted(pcol[:k])

    if wanted is not None and k < wanted:
        rows, cols = float_minor(k)
        start = list(zip(rows, cols)) if _minor_is_nonsingular(G, rows, cols, RB) else ()
        pivots = _precise_pivots(G, RB, wanted, start)
    else:
        pivots = []
    if len(pivots) > k:
        # the elimination at the balls' precision sees more: its minors first, then the float ones
        first = len(pivots)
        for n in range(len(pivots), k, -1):
            if _minor_is_nonsingular(G, [r for r, _ in pivots[:n]], [c for _, c in pivots[:n]], RB):
                return n
            if only_first and n == first:
                return None
    while k > 0:
        rows, cols = float_minor(k)
        if _minor_is_nonsingular(G, rows, cols, RB):
            return k
        if only_first:
            return None
        k -= 1
    return 0


def rank_in_balls(matrix_at, precision=BALL_PRECISION, doublings=3, wanted=None):
    r"""
    A proven lower bound of the rank of a matrix of reals known through its
    enclosures: ``matrix_at(RB)`` is the matrix over the ball field ``RB``
    (or ``None``: nothing to rank, `0`), formed at ``precision`` bits, then
    with the precision doubled up to ``doublings`` times until a rank is proven
    (:func:`_certified_rank`, asked for ``wanted`` if given; a wider ball
    never proves a wrong rank, only a smaller one); `0` if none is.  The one
    loop over precisions of every rank proven in balls.

    EXAMPLES::

        sage: from sage_conslaw.architectures.attention import rank_in_balls
        sage: rank_in_balls(lambda RB: matrix(RB, [[1, 2], [2, 4], [0, 1]]))
        2
        sage: rank_in_balls(lambda RB: None)
        0
        sage: seen = []; rank_in_balls(lambda RB: seen.append(RB.precision()) or matrix(RB, [[1]]), precision=64), seen
        (1, [64])
    """
    for i in range(doublings + 1):
        RB = RealBallField(precision * 2 ** i)
        M = matrix_at(RB)
        if M is None:
            return 0
        got = _certified_rank(M, RB, only_first=(i < doublings), wanted=wanted)
        if got is not None:
            return got
    return 0    # pragma: no cover


class Attention(MultiHeadAttention):
    r"""
    One attention head `\mathrm{softmax}(X Q^\top K X^\top) X V^\top O`, through
    `\phi = (Q^\top K, V^\top O)` (see the module documentation).

    INPUT:

    - ``d_in``, ``d_k``, ``d_v``, ``d_out`` -- positive integers:
      `Q, K \in \RR^{d_k \times d_{in}}`, `V \in \RR^{d_v \times d_{in}}`, `O \in \RR^{d_v \times d_{out}}`
    - ``bias`` -- biases `b_q, b_k, b_v, b_o` (default ``False``)

    EXAMPLES::

        sage: from sage_conslaw.architectures import Attention
        sage: att = Attention(2, 2, 1, 1); att.parameters()['Q']
        [Q_0_0 Q_0_1]
        [Q_1_0 Q_1_1]
        sage: att.components()[:2]
        (Q_0_0*K_0_0 + Q_1_0*K_1_0, Q_0_0*K_0_1 + Q_1_0*K_1_1)
        sage: att.point(Q=[[1, 0], [0, 1]], K=[[1, 1], [0, 1]], V=[[2, 3]], O=[[5]])
        (1, 0, 0, 1, 1, 1, 0, 1, 2, 3, 5)
        sage: res = att.lie_trace(); res.number_of_laws == att.number_of_laws_formula(), res.certified
        (True, True)

    With biases, the key bias is conserved (its gradient vanishes)::

        sage: att = Attention(2, 1, 1, 1, bias=True)
        sage: att.layout()
        Parameter layout (D = 11): Q 1 x 2 weight at 0, K 1 x 2 weight at 2, V 1 x 2 weight at 4, O 1 x 1 weight at 6, bq 1 x 1 bias at 7, bk 1 x 1 bias at 8, bv 1 x 1 bias at 9, bo 1 x 1 bias at 10
        sage: att.is_conservation_law(att.parameters()['bk'][0, 0])
        True
        sage: res = att.lie_trace(); res.number_of_laws, res.certified
        (3, True)

    Bad sizes::

        sage: Attention(2, 1, 1, -1)
        Traceback (most recent call last):
        ...
        ValueError: d_out must be an integer >= 1, got -1
        sage: Attention(2, 1.5, 1, 1)
        Traceback (most recent call last):
        ...
        TypeError: d_k must be an integer, got 1.50000000000000 (RealLiteral)
    """

    def __init__(self, d_in, d_k, d_v, d_out, bias=False):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: att = Attention(3, 2, 1, 1); att.heads, att.parameter_names()
            (1, ['Q', 'K', 'V', 'O'])
        """
        MultiHeadAttention.__init__(self, d_in, 1, d_k, d_v, d_out, bias)

    def _suffixes(self):
        """One head, no suffix: the parameters are ``Q``, ``K``, ``V``, ``O``.

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(1, 1, 1, 1)._suffixes()
            ['']
        """
        return [""]

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(1, 1, 1, 1)
            Attention head d_in = 1, d_k = 1, d_v = 1, d_out = 1 without biases: D = 4 parameters
        """
        return "Attention head %s: D = %s parameters" % (self._sizes(), self.D)
