r"""
The laws of a data set for the attention families
(:class:`~sage_conslaw.architectures.attention.Attention`,
:class:`~sage_conslaw.architectures.attention.MultiHeadAttention`): softmax
included, proven in ball arithmetic or said not to be.

The data are `N` token matrices `X_i` (`T \times d_{in}`). The data fields
`\nabla_\theta\, \mathrm{out}(\theta, X_i)` factor through `\phi` (the
products `\tilde Q^\top K`, `V^\top O` of each head): their values at
`\theta` are `\partial\,\mathrm{out}/\partial\phi \cdot J_\phi(\theta)`,
computed in ball arithmetic (Arb: each number an interval containing the
exact value; the layer's own
:meth:`~sage_conslaw.architectures.attention.Attention._output_jacobian_in_phi`).

- **lower bound**: the rank of those rows proven by a ball determinant
  (:func:`~sage_conslaw.architectures.attention._certified_rank`): a lower
  bound of `\dim W_X(\theta) \le \dim \mathrm{Lie}(W_X)(\theta)` (no
  bracket is formed);
- **upper bound** `D - N`: the laws of the family (they hold on every data
  set) independent at `\theta`, exact rank over `\QQ`.

Certified when they meet (enough generic tokens: the data fields then span
`W_\phi(\theta)`); otherwise "between `N` and `D - L`", with the reason
(few or low-rank tokens may have more laws: their explicit form is not
known here).

EXAMPLES::

    sage: from sage_conslaw.architectures import Attention
    sage: from sage_conslaw.datalaws.attention import attention_data_trace
    sage: att = Attention(2, 1, 1, 2); theta = [1/2, -1/4, 1/3, 1, 1/2, -1, 1/4, 1/2]
    sage: X = [[[1, 0], [0, 1], [1, 1]], [[1, -1], [2, 1], [0, 1]], [[1, 2], [1, -1], [-1, 1]]]
    sage: res = attention_data_trace(att, X, point=theta); res.number_of_laws, res.certified
    (2, True)
    sage: res = attention_data_trace(att, [[[1, 0], [2, 0]]], point=theta); res.certified, res.lower, res.upper
    (False, 2, 5)

Large weights saturate the softmax, and the balls may then prove a smaller
rank (a lower bound still): the counts are sharpest at small weights.
"""
import numpy as np

from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ

from sage_conslaw.core.certificate import rank_meets_laws
from sage_conslaw.core.points import as_exact_point
from sage_conslaw.datalaws.brackets import rank_in_balls
from sage_conslaw.datalaws.data import exact_data
from sage_conslaw.datalaws.result import DataTraceResult
from sage_conslaw.network.balls import PRECISION    # the bits of the balls at first (one home)


def token_matrices(model, X):
    r"""
    The data as a list of exact token matrices `T \times d_{in}`.

    EXAMPLES::

        sage: from sage_conslaw.architectures import Attention
        sage: from sage_conslaw.datalaws.attention import token_matrices
        sage: token_matrices(Attention(2, 1, 1, 2), [[[1, 0], [1/2, 1]]])
        [
        [  1   0]
        [1/2   1]
        ]
        sage: token_matrices(Attention(2, 1, 1, 2), [[1, 0, 1]])
        Traceback (most recent call last):
        ...
        ValueError: the data of an attention layer are token matrices of shape (tokens, 2), got shape (1, 3)
    """
    if hasattr(X, "detach") and hasattr(X, "cpu"):
        X = X.detach().cpu().double().numpy()
    if hasattr(X, "nrows") and hasattr(X, "ncols"):
        X = [X]
    arr = np.asarray(X, dtype=object) if not isinstance(X, list) or not X or not hasattr(X[0], "nrows") else None
    if arr is not None:
        if arr.ndim == 2:
            arr = arr.reshape((1,) + arr.shape)
        if arr.ndim != 3 or arr.shape[2] != model.d_in:
            raise ValueError("the data of an attention layer are token matrices of shape (tokens, %s), got shape %s"
                             % (model.d_in, arr.shape[1:] if arr.ndim == 3 else arr.shape))
        X = [exact_data(A.tolist(), model.d_in) for A in arr]
    return [exact_data(A, model.d_in) for A in X]


class AttentionDataModel:
    r"""
    An attention layer on a fixed data set near an exact point (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.architectures import Attention
        sage: from sage_conslaw.datalaws.attention import AttentionDataModel
        sage: M = AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0], [0, 1]]], [1] * 8); M
        Gradient flows of the attention layer (D = 8) on 1 data point near theta
        sage: M.report()
        '1 token matrix of 2 tokens'
    """

    def __init__(self, model, X, point):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]]], [1] * 8).N
            1
        """
        self.model = model
        self.point = as_exact_point(point, model.D, QQ)
        self.tokens = token_matrices(model, X)
        self.N = self.pairs = len(self.tokens)

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: repr(AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]], [[0, 1]]], [1] * 8))
            'Gradient flows of the attention layer (D = 8) on 2 data points near theta'
        """
        return "Gradient flows of the attention layer (D = %s) on %s data point%s near theta" % (
            self.D, self.N, "" if self.N == 1 else "s")

    @property
    def D(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]]], [1] * 8).D
            8
        """
        return self.model.D

    def report(self):
        r"""
        The data, in words.

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]], [[0, 1]]], [1] * 8).report()
            '2 token matrices of 1 tokens'
        """
        sizes = sorted({A.nrows() for A in self.tokens})
        return "%s token matri%s of %s tokens" % (self.N, "x" if self.N == 1 else "ces",
                                                 " or ".join(map(str, sizes)))

    def laws_by_kind(self):
        r"""
        The explicit laws: those of the family (``'generic'``), which hold on every data set.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: len(AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]]], [1] * 8).laws_by_kind()['generic'])
            2
        """
        return {'generic': list(self.model.known_conservation_laws())}

    def known_conservation_laws(self):
        r"""
        All the explicit laws.

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: len(AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]]], [1] * 8).known_conservation_laws())
            2
        """
        return self.laws_by_kind()['generic']

    def independent_laws(self):
        r"""
        The number of explicit laws independent at `\theta` (exact rank over `\QQ`).

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]]], [1, 2, 3, 4, 5, 6, 7, 8]).independent_laws()
            2
        """
        laws = self.known_conservation_laws()
        if not laws:
            return 0
        R = laws[0].parent()
        pt = list(self.point)
        return matrix(QQ, [[h.derivative(v)(*pt) for v in R.gens()] for h in laws]).rank()

    def lower_bound(self, precision=PRECISION):
        r"""
        A proven lower bound of `\dim W_X(\theta)`: the rank of the data
        fields' values at `\theta` in ball arithmetic.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0], [0, 1]]], [1/2, -1/4, 1/3, 1, 1/2, -1, 1/4, 1/2]).lower_bound()
            3
        """
        model = self.model
        theta = list(self.point)
        J_phi = model.jacobian(theta)
        mats = {name: A.change_ring(QQ) for name, A in model.unflatten(theta).items()}

        def fields_at(RB):
            rows = [r for X in self.tokens for r in model._output_jacobian_in_phi(mats, X, RB)]
            return matrix(RB, rows) * J_phi.change_ring(RB)

        return rank_in_balls(fields_at, precision)

    def lie_trace(self):
        r"""
        The count, certified when the bounds meet (see the module documentation).

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel
            sage: AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0], [0, 1]]], [1, 2, 3, 4, 5, 6, 7, 8]).lie_trace().upper
            5
        """
        D = self.D
        N = self.independent_laws()
        L = self.lower_bound()
        cert = rank_meets_laws(D, L, N, "(proven in ball arithmetic at theta, softmax included, no "
                               "bracket) of the data fields", "law of the layer", "for every data set",
                               lower_source="rank of the data fields in ball arithmetic",
                               has="the gradient flows on these data have", W="W_X",
                               caveat="the laws of few or low-rank tokens beyond those are not known in closed form")
        certified = cert.certified
        return AttentionDataTraceResult(self, [L], certified, cert.reason, N, N if not certified else D - L,
                                        D - L, cert)


class AttentionDataTraceResult(DataTraceResult):
    r"""
    The count of the laws of a data set for an attention layer (a
    :class:`~sage_conslaw.datalaws.result.DataTraceResult`: ``data_model``,
    ``lower`` and ``upper``).

    EXAMPLES::

        sage: from sage_conslaw.architectures import Attention
        sage: from sage_conslaw.datalaws.attention import attention_data_trace
        sage: res = attention_data_trace(Attention(2, 1, 1, 2), [[[1, 0], [0, 1]]], point=[1, 2, 3, 4, 5, 6, 7, 8])
        sage: res
        Trace of the Lie algebra generated by the data fields of the attention layer on 1 data point, at the given point
          independent conservation laws: between 2 and 5  (D = 8, dim Lie(W)(theta) >= 3)
          certified: no -- not certified: ...
          1 token matrix of 2 tokens
        sage: len(res.laws()), res.laws_by_kind().keys()
        (2, dict_keys(['generic']))
    """

    subject = "the attention layer"

    def __init__(self, data_model, dimensions, certified, reason, known, lower, upper, certificate):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import AttentionDataModel, AttentionDataTraceResult
            sage: M = AttentionDataModel(Attention(2, 1, 1, 2), [[[1, 0]]], [1] * 8)
            sage: AttentionDataTraceResult(M, [6], True, 'test', 2, 2, 2, None).number_of_laws
            2
        """
        DataTraceResult.__init__(self, data_model, dimensions, certified, reason, 'attention data, ball arithmetic',
                                 lower, upper, known_laws=known, certificate=certificate)

    @property
    def number_of_fields(self):
        r"""
        The number of data fields (token matrices times outputs).

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.datalaws.attention import attention_data_trace
            sage: attention_data_trace(Attention(2, 1, 1, 2), [[[1, 0], [0, 1]]], point=[1] * 8).number_of_fields
            4
        """
        M = self.data_model
        return sum(A.nrows() for A in M.tokens) * M.model.d_out


def is_attention(model):
    r"""
    Whether ``model`` is an attention layer this module reads.

    TESTS::

        sage: from sage_conslaw.architectures import Attention, LinearNetwork
        sage: from sage_conslaw.datalaws.attention import is_attention
        sage: is_attention(Attention(2, 1, 1, 2)), is_attention(LinearNetwork([1, 1]))
        (True, False)
    """
    return hasattr(model, "_output_jacobian_in_phi") and hasattr(model, "d_in") and hasattr(model, "jacobian")


def attention_data_trace(model, X, point=None, seed=0):
    r"""
    The laws of the gradient flows of an attention layer on the token
    matrices ``X`` near ``point`` (default: the random point of ``seed``).

    OUTPUT: an :class:`AttentionDataTraceResult`

    EXAMPLES::

        sage: from sage_conslaw.architectures import MultiHeadAttention
        sage: from sage_conslaw.datalaws.attention import attention_data_trace
        sage: mha = MultiHeadAttention(2, 2, 1, 1, 1)
        sage: theta = [k / 4 for k in (-3, 1, 2, -1, 3, 1, -2, 2, 1, -3, 1, 2, -1, 3)]
        sage: X = [[[1, 0], [0, 1], [1, 1]], [[1, -1], [2, 1], [0, 1]], [[1, 2], [1, -1], [-1, 1]], [[2, 1], [-1, 1], [1, 3]]]
        sage: res = attention_data_trace(mha, X, point=theta); res.certified, res.number_of_laws, mha.lie_trace(point=theta).number_of_laws
        (True, 4, 4)
    """
    if not is_attention(model):
        raise TypeError("attention_data_trace reads Attention and MultiHeadAttention layers, got %s" % (model,))
    if point is None:
        point = model.random_point(seed)
    return AttentionDataModel(model, X, point).lie_trace()
