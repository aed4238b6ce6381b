# sage.doctest: optional - torch
r"""
Numeric twins of the blocks of the ICML 2025 paper: attention, multi-head
attention, 1-D convolution, residual blocks and sequences of blocks.

Each twin is registered here for its architecture class (see
:mod:`~sage_conslaw.core.registry`; ``model.numeric_model(length=...)`` builds
it) on the architecture's own parameter layout, so a point ``model.point(...)``
is directly a parameter vector here.  The forward pass of each block is written
once, in PyTorch (float64), and its gradients are PyTorch's autograd: training
a block needs the ``torch`` extra (a clear ``ImportError`` says so).  The
layered networks inside a block (linear, ReLU, NMF, ICNN) keep their light
numpy twin (:class:`~sage_conslaw.flows.models.LayeredModel`, which trains the
paper's networks without PyTorch), joined to the autograd graph as one
``torch.autograd.Function``.

Why autograd: the hand-written backward passes of attention, convolution,
residual blocks and sequences were 560 lines, each repeating its forward pass;
autograd gives the same gradients (``tests/test_twins.py``: finite differences
and PyTorch's own modules) from the one forward pass, at the same speed on
these sizes (``benchmarks/bench_twins.py``).

**Shapes.**  These blocks act on *sequences*: an input is an array of
``length`` positions (tokens, or samples of a signal) with ``c`` channels each.
:func:`~sage_conslaw.flows.train.train` works with 2-D arrays, one sample per
row, so every sample is a flattened sequence:

- attention: a row is the token matrix `X \in \RR^{L \times d_{in}}` flattened
  token by token (``X.reshape(N, -1)`` of an array ``(N, L, d_in)``, PyTorch's
  ``batch_first`` layout); the output row is `L \times d_{out}` the same way;
- convolution: a row is the signal `x \in \RR^{C_{in} \times T}` flattened
  channel by channel (``x.reshape(N, -1)`` of an array ``(N, C_in, T)``,
  PyTorch's ``Conv1d`` layout); the output is `C_{out} \times (T - K_1 - K_2 + 2)`
  (valid convolutions, stride 1, as in :mod:`~sage_conslaw.architectures.conv`);
- linear, ReLU, matrix factorization, NMF and ICNN blocks inside a residual
  block or a sequence act on every position separately (token-wise, as the
  feed-forward layers of a transformer);
- a residual block or a sequence reads its input like its first block and
  writes its output like its last one.

:func:`~sage_conslaw.flows.train.train` also takes ``X`` and ``Y`` with one
2-D array per sample, of shapes ``(N,) + model.input_shape`` and ``(N,) +
model.output_shape`` (``(N, L, d_in)`` tokens, ``(N, C_in, T)`` signals) and
flattens them so.

By default a block that mixes positions sees :data:`DEFAULT_LENGTH` positions
at its output (a convolution gets the `K_1 + K_2 - 2` more it consumes); a
sequence of token-wise blocks only sees sequences of length 1 (plain vectors).

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.architectures import Attention
    sage: from sage_conslaw.flows import train
    sage: att = Attention(2, 2, 2, 2)
    sage: m = att.numeric_model(); m                                      
    numeric attention head d_in = 2, d_k = 2, d_v = 2, d_out = 2 without biases on sequences of 4 tokens (D = 16)
    sage: m.input_dim, m.output_dim                                        
    (8, 8)
    sage: traj = train(att, method='flow', horizon=0.5)                    
    sage: bool(traj.relative_drift().max() < 1e-8), bool(traj.loss[-1] < traj.loss[0])
    (True, True)
"""
from importlib.util import find_spec

import numpy as np
from sage.misc.cachefunc import cached_function
from sage.misc.lazy_import import lazy_import

# PyTorch (the optional torch extra) takes ~2.5 s and ~240 MB to import and serves only the block
# twins: it is loaded on their first use, so a numpy twin (linear, ReLU, NMF, ICNN) never imports it
lazy_import("torch", ["autograd", "cat", "from_numpy", "get_num_threads", "no_grad", "relu",
                      "set_num_threads", "softmax"])
lazy_import("torch.nn", "functional", "F")

from sage_conslaw.architectures import ConvNetwork, MultiHeadAttention, Residual, Sequential
from sage_conslaw.core import checks
from sage_conslaw.core.registry import register_twin
from sage_conslaw.flows.models import LayeredModel, NumericModel, loss_and_residual, trainable_architectures

#: The default number of positions (tokens, signal samples) at the output of a
#: block that mixes positions (attention, convolution): enough for the softmax
#: and the kernels to see several neighbours, small enough to train fast.
DEFAULT_LENGTH = 4

#: The ``scale`` that asks every attention block for PyTorch's factor `1/\sqrt{d_k}` of its scores.
TORCH_SCALE = "1/sqrt(d_k)"


def require_torch(what):
    r"""
    Raise a clear ``ImportError`` if PyTorch (the ``torch`` extra) is missing:
    ``what`` needs it.

    TESTS::

        sage: from sage_conslaw.flows.twins import require_torch
        sage: require_torch("training an attention block")        
    """
    if find_spec("torch") is None:
        raise ImportError("%s needs PyTorch (the torch extra: pip install 'sage_conslaw[torch]'); linear and ReLU "
                          "networks, matrix factorization, NMF and ICNN train without it" % what)


class _one_thread:
    r"""
    Run PyTorch on one intra-op thread inside the block (the previous number is
    restored on exit): the twins' tensors are tiny, and extra threads only cost
    (measured: an attention block's gradient took 43 ms with 2 threads on a
    loaded 2-core machine, 2.4 ms with one).

    TESTS::

        sage: import torch
        sage: from sage_conslaw.flows.twins import _one_thread
        sage: n = torch.get_num_threads()
        sage: with _one_thread():
        ....:     inside = torch.get_num_threads()
        sage: inside, torch.get_num_threads() == n
        (1, True)
    """

    def __enter__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.flows.twins import _one_thread
            sage: _one_thread().__enter__() is None
            True
        """
        self.threads = get_num_threads()
        if self.threads != 1:
            set_num_threads(1)

    def __exit__(self, *exc):
        r"""
        TESTS::

            sage: import torch
            sage: from sage_conslaw.flows.twins import _one_thread
            sage: n = torch.get_num_threads(); g = _one_thread(); g.__enter__(); g.__exit__(None, None, None)
            sage: torch.get_num_threads() == n
            True
        """
        if self.threads != 1:
            set_num_threads(self.threads)


def _tensor(x, grad=False):
    r"""
    ``x`` as a float64 tensor (sharing memory with a contiguous float64 array),
    tracked by autograd when ``grad``.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.flows.twins import _tensor
        sage: t = _tensor(np.arange(3), grad=True); t.dtype, t.requires_grad, t.tolist() 
        (torch.float64, True, [0.0, 1.0, 2.0])
    """
    t = from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    return t.requires_grad_() if grad else t


def _grad(out, wrt, G):
    r"""
    The vector-Jacobian product `G^\top \partial\,\mathrm{out}/\partial\,\mathrm{wrt}` by autograd,
    as a numpy array (zeros where ``out`` does not depend on ``wrt``).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.flows.twins import _tensor, _grad
        sage: x = _tensor([1., 2.], grad=True)                             
        sage: _grad(x * x, x, np.ones(2)).tolist(), _grad(x.detach() * int(0), x, np.ones(2)).tolist()
        ([2.0, 4.0], [0.0, 0.0])
    """
    if not out.requires_grad:
        return np.zeros(tuple(wrt.shape))
    g, = autograd.grad(out, wrt, _tensor(G), allow_unused=True)
    return np.zeros(tuple(wrt.shape)) if g is None else g.numpy()


class SequenceModel(NumericModel):
    r"""
    Base class of the twins that act on sequences: an input is an array
    ``(N, length, in_channels)``, flattened into the rows of ``X`` in the
    order ``input_order`` (see the module documentation).

    Subclasses call :meth:`_shapes` and implement ``_run(theta, Z)`` on
    float64 tensors: the output ``(N, out_length, out_channels)`` and the list
    of the hidden pre-activations ``(N, k)`` before a ReLU (empty without);
    forward passes, gradients (autograd) and activation patterns all come from it.

    EXAMPLES::

        sage: from sage_conslaw.architectures import ConvNetwork
        sage: from sage_conslaw.flows.twins import SequenceModel
        sage: m = ConvNetwork(1, 2, 1, 2, 2).numeric_model()                
        sage: isinstance(m, SequenceModel), m.length, m.out_length, m.input_order   
        (True, 6, 4, 'channels')
    """
    input_order = output_order = "positions"

    def _shapes(self, length, in_channels, out_length, out_channels):
        r"""
        Record the shapes of the inputs and outputs (and their flat sizes).

        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: m = Attention(2, 1, 1, 3).numeric_model(length=5)
            sage: m._shapes(5, 2, 5, 3); m.input_dim, m.output_dim, m.input_shape, m.output_shape
            (10, 15, (5, 2), (5, 3))
            sage: m._shapes(5, 2, 0, 3)
            Traceback (most recent call last):
            ...
            ValueError: the sequences are too short: 5 positions in, 0 out (give a larger length)
        """
        require_torch("the numeric twin of a sequence block (attention, convolution, residual block, sequence)")
        if out_length < 1:
            raise ValueError("the sequences are too short: %s positions in, %s out (give a larger length)"
                             % (length, out_length))
        self.length, self.in_channels = int(length), int(in_channels)
        self.out_length, self.out_channels = int(out_length), int(out_channels)
        self.input_dim = self.length * self.in_channels
        self.output_dim = self.out_length * self.out_channels
        # the shape of one sample, in the order of the rows (train() also takes X of shape (N,) + input_shape)
        self.input_shape = ((self.in_channels, self.length) if self.input_order == "channels"
                            else (self.length, self.in_channels))
        self.output_shape = ((self.out_channels, self.out_length) if self.output_order == "channels"
                             else (self.out_length, self.out_channels))

    def sequences(self, X):
        r"""
        Return the rows of ``X`` as sequences, an array ``(N, length, in_channels)``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import Attention, ConvNetwork
            sage: Attention(2, 1, 1, 1).numeric_model(length=2).sequences(np.arange(4.)[None]).tolist()
            [[[0.0, 1.0], [2.0, 3.0]]]
            sage: ConvNetwork(2, 1, 1, 1, 1).numeric_model(length=2).sequences(np.arange(4.)[None]).tolist()
            [[[0.0, 2.0], [1.0, 3.0]]]
            sage: Attention(2, 1, 1, 1).numeric_model(length=2).sequences(np.ones((1, 3)))
            Traceback (most recent call last):
            ...
            ValueError: X must have shape (N, 4): each row a sequence of 2 positions with 2 channels, flattened position by position; got (1, 3)
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.input_dim:
            raise ValueError("X must have shape (N, %s): each row a sequence of %s positions with %s channels, "
                             "flattened %s by %s; got %s" % (self.input_dim, self.length, self.in_channels,
                                                              self.input_order[:-1], self.input_order[:-1],
                                                              X.shape))
        if self.input_order == "channels":
            return X.reshape(X.shape[0], self.in_channels, self.length).transpose(0, 2, 1)
        return X.reshape(X.shape[0], self.length, self.in_channels)

    def _rows(self, Z):
        r"""
        Flatten output sequences ``(N, out_length, out_channels)`` into rows (order ``output_order``).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import ConvNetwork
            sage: m = ConvNetwork(1, 1, 2, 1, 1).numeric_model(length=2)
            sage: m._rows(np.arange(4.).reshape(1, 2, 2)).tolist()
            [[0.0, 2.0, 1.0, 3.0]]
        """
        if self.output_order == "channels":
            Z = Z.transpose(0, 2, 1)
        return Z.reshape(Z.shape[0], -1)

    def _unrows(self, G):
        r"""
        The inverse of :meth:`_rows`: rows back to sequences ``(N, out_length, out_channels)``.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import ConvNetwork
            sage: m = ConvNetwork(1, 1, 2, 1, 1).numeric_model(length=2)
            sage: m._unrows(m._rows(np.arange(4.).reshape(1, 2, 2))).ravel().tolist()
            [0.0, 1.0, 2.0, 3.0]
        """
        if self.output_order == "channels":
            return G.reshape(G.shape[0], self.out_channels, self.out_length).transpose(0, 2, 1)
        return G.reshape(G.shape[0], self.out_length, self.out_channels)

    def forward(self, theta, X):
        r"""
        Return the predictions, an array ``(N, output_dim)`` (flattened output sequences).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import Attention
            sage: att = Attention(1, 1, 1, 1)
            sage: m = att.numeric_model(length=2)                                
            sage: m.forward(np.array([0., 0., 2., 3.]), np.array([[1., 1.]])).tolist()   # equal scores: the mean
            [[6.0, 6.0]]
        """
        with no_grad(), _one_thread():
            out, _ = self._run(_tensor(theta), _tensor(self.sequences(X)))
        return self._rows(out.numpy())

    def loss_and_grad(self, theta, X, Y, loss="square"):
        r"""
        Return ``(L, grad)``: the loss and its gradient by PyTorch's autograd
        through the forward pass.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import Attention
            sage: m = Attention(1, 1, 1, 1).numeric_model(length=1)              
            sage: L, g = m.loss_and_grad(np.array([1., 1., 2., 3.]), np.array([[1.]]), np.array([[0.]]))
            sage: float(L), g.tolist()          # one token: softmax = 1, output V O x = 6    
            (18.0, [0.0, 0.0, 18.0, 12.0])
        """
        with _one_thread():
            theta = _tensor(theta, grad=True)
            out, _ = self._run(theta, _tensor(self.sequences(X)))
            L, G = loss_and_residual(self._rows(out.detach().numpy()), Y, loss)
            return L, _grad(out, theta, self._unrows(G))

    def input_gradient(self, theta, X, G):
        r"""
        Return `\partial \langle G, g(\theta, X)\rangle / \partial X` (rows like ``X``),
        by autograd.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import Attention
            sage: m = Attention(1, 1, 1, 1).numeric_model(length=1)              
            sage: m.input_gradient(np.array([1., 1., 2., 3.]), np.array([[1.]]), np.array([[1.]])).tolist()
            [[6.0]]
        """
        with _one_thread():
            Z = _tensor(self.sequences(X), grad=True)
            out, _ = self._run(_tensor(theta), Z)
            dZ = _grad(out, Z, self._unrows(np.asarray(G, dtype=float)))
        if self.input_order == "channels":
            dZ = dZ.transpose(0, 2, 1)
        return dZ.reshape(dZ.shape[0], -1)

    def preactivations(self, theta, X):
        r"""
        Return the hidden pre-activations (before a ReLU) of every sample, ``(N, k)``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import ConvNetwork, Attention
            sage: m = ConvNetwork(1, 1, 1, 1, 1).numeric_model(length=2)         
            sage: m.preactivations(np.array([2., 1.]), np.array([[1., -1.]])).tolist() 
            [[2.0, -2.0]]
            sage: Attention(1, 1, 1, 1).numeric_model(length=1).preactivations(np.ones(4), np.ones((2, 1))).shape
            (2, 0)
        """
        with no_grad(), _one_thread():
            _, pres = self._run(_tensor(theta), _tensor(self.sequences(X)))
        if not pres:
            return np.zeros((np.asarray(X).shape[0], 0))
        return cat(pres, dim=1).numpy()

    def activation_pattern(self, theta, X):
        r"""
        Return the signs (`-1, 0, 1`) of the hidden pre-activations (``None`` without ReLU).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import ConvNetwork, Attention
            sage: m = ConvNetwork(1, 1, 1, 1, 1).numeric_model(length=2)         
            sage: m.activation_pattern(np.array([2., 1.]), np.array([[1., 0.]])).tolist() 
            [[1, 0]]
            sage: Attention(1, 1, 1, 1).numeric_model().activation_pattern(np.ones(4), np.ones((1, 4))) is None
            True
        """
        if not self.has_activations:
            return None
        return np.sign(self.preactivations(theta, X)).astype(int)


def _fan_in_scales(layout, fan_ins):
    r"""
    The standard deviations `1/\sqrt{\text{fan-in}}` of a random start, by parameter name.

    TESTS::

        sage: from sage_conslaw.architectures.base import ParameterLayout
        sage: from sage_conslaw.flows.twins import _fan_in_scales
        sage: _fan_in_scales(ParameterLayout([('a', (1, 2)), ('b', (1, 1))]), {'a': 4}).tolist()
        [0.5, 0.5, 0.5]
    """
    sd = np.full(layout.D, 0.5)
    for P in layout:
        if P.name in fan_ins:
            sd[P.slice] = 1.0 / np.sqrt(fan_ins[P.name])
    return sd


class AttentionModel(SequenceModel):
    r"""
    The twin of :class:`~sage_conslaw.architectures.MultiHeadAttention` (and
    :class:`~sage_conslaw.architectures.Attention`): on tokens `X \in \RR^{L
    \times d_{in}}`,

    .. MATH::

        \sum_h \mathrm{softmax}\bigl(s\,(X Q_h^\top + b_{q,h})(X K_h^\top + b_{k,h})^\top\bigr)
        (X V_h^\top + b_{v,h}) O_h + b_o,

    the row-wise softmax, `s` the ``scale`` (`1` in the architecture, as in
    :meth:`~sage_conslaw.architectures.MultiHeadAttention.output`; PyTorch uses
    `1/\sqrt{d_k}`).  It depends on `\theta` only through `\phi`.

    INPUT:

    - ``architecture`` -- a :class:`~sage_conslaw.architectures.MultiHeadAttention`
    - ``length`` -- the number `L` of tokens of a sample (default :data:`DEFAULT_LENGTH`)
    - ``scale`` -- the factor `s` of the scores (default 1), or
      ``'1/sqrt(d_k)'`` (:data:`TORCH_SCALE`) for PyTorch's

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import MultiHeadAttention
        sage: mha = MultiHeadAttention(2, 2, 1, 1, 3, bias=True)
        sage: m = mha.numeric_model(length=3); m
        numeric multi-head attention, 2 heads, d_in = 2, d_k = 1, d_v = 1, d_out = 3 with biases on sequences of 3 tokens (D = 27)
        sage: rng = np.random.default_rng(int(1)); theta = rng.standard_normal(m.D); X = rng.standard_normal((2, 6))
        sage: bool(np.allclose(m.forward(theta, X)[1].reshape(3, 3), mha.output(theta, X[1].reshape(3, 2))))
        True
        sage: mha.numeric_model(scale=0)
        Traceback (most recent call last):
        ...
        ValueError: scale must be a positive number or '1/sqrt(d_k)', got 0
        sage: mha.numeric_model(scale='1/sqrt(d_k)').scale, MultiHeadAttention(2, 1, 4, 1, 1).numeric_model(scale='1/sqrt(d_k)').scale
        (1.0, 0.5)
        sage: mha.numeric_model(scale='torch')
        Traceback (most recent call last):
        ...
        ValueError: scale must be a positive number or '1/sqrt(d_k)', got 'torch'
    """

    def __init__(self, architecture, length=None, scale=1):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.flows.twins import AttentionModel
            sage: m = AttentionModel(Attention(2, 1, 1, 2), length=2); m.length, m.heads, m.scale
            (2, [('Q', 'K', 'V', 'O', None, None, None)], 1.0)
            sage: AttentionModel(Attention(2, 1, 1, 2), length=0)
            Traceback (most recent call last):
            ...
            ValueError: length must be an integer >= 1, got 0
        """
        a = architecture
        length = DEFAULT_LENGTH if length is None else checks.positive_integer(length, "length")
        if isinstance(scale, str):
            if scale != TORCH_SCALE:
                raise ValueError("scale must be a positive number or %r, got %r" % (TORCH_SCALE, scale))
            scale = 1 / np.sqrt(a.d_k)
        scale = float(scale)
        if not scale > 0 or not np.isfinite(scale):
            raise ValueError("scale must be a positive number or %r, got %s" % (TORCH_SCALE, scale if scale else 0))
        self.reparametrization = a
        self.scale = scale
        self.bias = a.bias
        self.d_in, self.d_k, self.d_v, self.d_out = a.d_in, a.d_k, a.d_v, a.d_out
        self.D = a.D
        self.layout = a.layout()
        self.heads = [tuple(n + s for n in ("Q", "K", "V", "O")) +
                      (tuple(n + s for n in ("bq", "bk", "bv")) if a.bias else (None,) * 3)
                      for s in a._suffixes()]
        self._name = ("multi-head attention, %s heads, %s" % (a.heads, a._sizes()) if a.heads > 1 or
                      type(a).__name__ == "MultiHeadAttention" else "attention head %s" % a._sizes())
        self._shapes(length, a.d_in, length, a.d_out)

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(1, 1, 1, 1).numeric_model(length=2)
            numeric attention head d_in = 1, d_k = 1, d_v = 1, d_out = 1 without biases on sequences of 2 tokens (D = 4)
        """
        return "numeric %s on sequences of %s tokens (D = %s)" % (self._name, self.length, self.D)

    def _get(self, theta, name):
        r"""
        The parameter ``name`` of ``theta`` as a matrix (``None`` for ``None``).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.flows.twins import _tensor
            sage: m = Attention(2, 1, 1, 1).numeric_model()
            sage: m._get(_tensor(np.arange(7.)), 'K').tolist(), m._get(np.arange(7.), None)
            ([[2.0, 3.0]], None)
        """
        if name is None:
            return None
        P = self.layout[name]
        return theta[P.slice].reshape(P.shape)

    def initial_scales(self):
        r"""
        Return `1/\sqrt{\text{fan-in}}`: `1/\sqrt{d_{in}}` on `Q, K, V`, `1/\sqrt{d_v}` on `O`, `1/2` on the biases.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Attention
            sage: Attention(4, 1, 1, 1).numeric_model().initial_scales().tolist()
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0]
        """
        fan = {}
        for Q, K, V, O, _, _, _ in self.heads:
            fan.update({Q: self.d_in, K: self.d_in, V: self.d_in, O: self.d_v})
        return _fan_in_scales(self.layout, fan)

    def _run(self, theta, Z):
        r"""
        The forward pass on tokens ``Z`` ``(N, L, d_in)`` (tensors): the output
        ``(N, L, d_out)`` and no pre-activation.

        This is the one numeric attention forward pass of the package
        (:meth:`~sage_conslaw.architectures.MultiHeadAttention.output` calls it).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import Attention
            sage: from sage_conslaw.flows.twins import _tensor
            sage: m = Attention(1, 1, 1, 1).numeric_model(length=2)
            sage: out, pres = m._run(_tensor([1., 1., 1., 1.]), _tensor([[[0.], [1.]]]))
            sage: np.round(out.numpy().ravel(), 6).tolist(), pres        # token 2: softmax(0, 1) . (0, 1)
            ([0.5, 0.731059], [])
        """
        out = 0
        for Qn, Kn, Vn, On, bq, bk, bv in self.heads:
            q, k, v = Z @ self._get(theta, Qn).T, Z @ self._get(theta, Kn).T, Z @ self._get(theta, Vn).T
            if self.bias:
                q, k, v = q + self._get(theta, bq).T, k + self._get(theta, bk).T, v + self._get(theta, bv).T
            P = softmax(self.scale * (q @ k.transpose(1, 2)), dim=2)
            out = out + (P @ v) @ self._get(theta, On)
        if self.bias:
            out = out + self._get(theta, "bo").T
        return out, []


class ConvModel(SequenceModel):
    r"""
    The twin of :class:`~sage_conslaw.architectures.ConvNetwork`: on a signal
    `x \in \RR^{C_{in} \times T}`, `y[o, t] = b_2[o] + \sum_{c, k_2} w_2[o, c, k_2]\,
    \sigma(b_1[c] + \sum_{i, k_1} w_1[c, i, k_1]\, x[i, t + k_2 + k_1])`, valid
    convolutions with stride 1 (the convention of
    :mod:`~sage_conslaw.architectures.conv`): the output has `T - K_1 - K_2 + 2`
    positions.  A row of ``X`` is `x` flattened channel by channel (PyTorch's
    ``Conv1d`` layout ``(N, C_in, T)``); the ReLU derivative at 0 is 0.

    INPUT:

    - ``architecture`` -- a :class:`~sage_conslaw.architectures.ConvNetwork`
    - ``length`` -- the length `T` of the input signals (default
      :data:`DEFAULT_LENGTH` `+ K_1 + K_2 - 2`: that many output positions)

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import ConvNetwork
        sage: net = ConvNetwork(1, 1, 1, 2, 1)
        sage: m = net.numeric_model(length=4); m
        numeric 1-D convolutional ReLU network 1 -> 1 -> 1 channels, kernels 2 and 1, without biases on signals of length 4 (D = 3)
        sage: theta = np.array(net.point(w1=[[[1, -1]]], w2=[[[2]]]), dtype=float)
        sage: m.forward(theta, np.array([[1., 3., 2., 5.]])).tolist()      # 2 relu(x[t] - x[t+1])
        [[0.0, 2.0, 0.0]]
        sage: ConvNetwork(1, 1, 1, 3, 3).numeric_model(length=4)
        Traceback (most recent call last):
        ...
        ValueError: the sequences are too short: 4 positions in, 0 out (give a larger length)
    """
    input_order = output_order = "channels"
    has_activations = True

    def __init__(self, architecture, length=None):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: m = ConvNetwork(2, 3, 1, 2, 3, bias=True).numeric_model(); m.length, m.out_length, m.input_dim
            (7, 4, 14)
        """
        a = architecture
        self.reparametrization = a
        self.C_in, self.C_h, self.C_out = a.in_channels, a.hidden_channels, a.out_channels
        self.K1, self.K2, self.bias = a.kernel1, a.kernel2, a.bias
        self.D = a.D
        self.layout = a.layout()
        shrink = self.K1 + self.K2 - 2
        length = DEFAULT_LENGTH + shrink if length is None else checks.positive_integer(length, "length")
        self._shapes(length, self.C_in, length - shrink, self.C_out)

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 1, 1, 1, 1, bias=True).numeric_model()
            numeric 1-D convolutional ReLU network 1 -> 1 -> 1 channels, kernels 1 and 1, with biases on signals of length 4 (D = 4)
        """
        return ("numeric 1-D convolutional ReLU network %s -> %s -> %s channels, kernels %s and %s, %s on signals "
                "of length %s (D = %s)" % (self.C_in, self.C_h, self.C_out, self.K1, self.K2,
                                           "with biases" if self.bias else "without biases", self.length, self.D))

    def initial_scales(self):
        r"""
        Return `1/\sqrt{C_{in} K_1}` on `w_1` and `b_1`, `1/\sqrt{C_h K_2}` on `w_2` and `b_2`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ConvNetwork
            sage: ConvNetwork(1, 1, 1, 4, 1, bias=True).numeric_model().initial_scales().tolist()
            [0.5, 0.5, 0.5, 0.5, 1.0, 0.5, 1.0]
        """
        fan = {"W1": self.C_in * self.K1, "W2": self.C_h * self.K2, "b1": self.C_in * self.K1, "b2": self.C_h * self.K2}
        return _fan_in_scales(self.layout, fan)

    def _run(self, theta, Z):
        r"""
        The forward pass on signals ``Z`` ``(N, T, C_in)`` (tensors, positions
        first): the output ``(N, T_out, C_out)`` and the hidden pre-activations
        ``(N, positions * C_h)``.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import ConvNetwork
            sage: from sage_conslaw.flows.twins import _tensor
            sage: m = ConvNetwork(1, 1, 1, 1, 2).numeric_model(length=3)
            sage: out, pres = m._run(_tensor([1., 1., 2.]), _tensor([[[1.], [2.], [3.]]]))
            sage: out.numpy().ravel().tolist(), pres[0].tolist()
            ([5.0, 8.0], [[1.0, 2.0, 3.0]])
        """
        L = self.layout
        W1 = theta[L["W1"].slice].reshape(self.C_h, self.C_in, self.K1)
        W2 = theta[L["W2"].slice].reshape(self.C_out, self.C_h, self.K2)
        b1, b2 = (theta[L["b1"].slice], theta[L["b2"].slice]) if self.bias else (None, None)
        pre = F.conv1d(Z.transpose(1, 2), W1, b1)                 # (N, C_h, positions)
        out = F.conv1d(relu(pre), W2, b2)
        return out.transpose(1, 2), [pre.transpose(1, 2).reshape(pre.shape[0], -1)]


class TokenwiseModel(SequenceModel):
    r"""
    A layered twin (:class:`~sage_conslaw.flows.models.LayeredModel`: linear,
    ReLU, matrix factorization, NMF, ICNN) applied to every position of a
    sequence separately, as the feed-forward layers of a transformer.

    INPUT:

    - ``model`` -- a :class:`~sage_conslaw.flows.models.LayeredModel`
    - ``length`` -- the number of positions (default 1: plain vectors)

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.twins import TokenwiseModel
        sage: m = TokenwiseModel(LinearNetwork([1, 2]).numeric_model(), length=2); m
        numeric linear network [1, 2] (D = 2) on each of 2 positions
        sage: m.forward(np.array([1., 10.]), np.array([[1., 2., 3., 4.]])).tolist()
        [[21.0, 43.0]]
    """

    def __init__(self, model, length=None):
        r"""
        TESTS::

            sage: from sage_conslaw.flows.twins import TokenwiseModel
            sage: TokenwiseModel(3)
            Traceback (most recent call last):
            ...
            TypeError: a token-wise block needs a layered numeric twin (LayeredModel), got 3
        """
        if not isinstance(model, LayeredModel):
            raise TypeError("a token-wise block needs a layered numeric twin (LayeredModel), got %r" % (model,))
        self.model = model
        self.reparametrization = model.reparametrization
        self.D = model.D
        self.has_activations = model.relu and model.q > 1
        length = 1 if length is None else checks.positive_integer(length, "length")
        self._shapes(length, model.input_dim, length, model.output_dim)

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: from sage_conslaw.flows.twins import TokenwiseModel
            sage: TokenwiseModel(ReLUNetwork([1, 2, 1]).numeric_model())
            numeric ReLU network [1, 2, 1] (D = 4) on each of 1 positions
        """
        return "%r on each of %s positions" % (self.model, self.length)

    def initial_scales(self):
        r"""
        Return those of the layered twin.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.twins import TokenwiseModel
            sage: TokenwiseModel(LinearNetwork([1, 4]).numeric_model()).initial_scales().tolist()
            [0.5, 0.5, 0.5, 0.5]
        """
        return self.model.initial_scales()

    def _run(self, theta, Z):
        r"""
        The forward pass on all positions at once (tensors): the output and the
        hidden pre-activations ``(N, L * hidden)`` of the ReLU layers.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
            sage: from sage_conslaw.flows.twins import TokenwiseModel, _tensor
            sage: m = TokenwiseModel(LinearNetwork([1, 1]).numeric_model(), 2)
            sage: out, pres = m._run(_tensor([3.]), _tensor(np.ones((1, 2, 1)))); out.tolist(), pres
            ([[[3.0], [3.0]]], [])
            sage: m = TokenwiseModel(ReLUNetwork([1, 1, 1]).numeric_model(), 2)
            sage: m._run(_tensor([1., 2.]), _tensor([[[1.], [-1.]]]))[1][0].tolist()
            [[2.0, -2.0]]
        """
        N = Z.shape[0]
        out, pre = _layered_function().apply(theta, Z.reshape(-1, self.in_channels), self.model)
        pres = [pre.reshape(N, -1)] if self.has_activations else []
        return out.reshape(N, self.length, self.out_channels), pres


def _layered_forward(ctx, theta, X, model):
    r"""
    The numpy forward pass of a layered twin ``model`` as the ``forward`` of
    :func:`_layered_function`: the output and the hidden pre-activations ``(n, hidden)``.

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.twins import _layered_function, _tensor
        sage: out, pre = _layered_function().apply(_tensor([2.]), _tensor([[3.]]), LinearNetwork([1, 1]).numeric_model())
        sage: out.tolist(), tuple(pre.shape)
        ([[6.0]], (1, 0))
        sage: from sage_conslaw.flows.twins import _layered_forward
        sage: _layered_function().forward is _layered_forward      # the Function's forward is this one
        True
    """
    th = theta.detach().numpy()
    out, hs, pre = model._forward(th, X.detach().numpy())
    ctx.model, ctx.cache = model, (th, hs, pre)
    hidden = [pre[i] for i in range(1, model.q)] if model.relu else []
    pre = np.concatenate(hidden, axis=1) if hidden else np.zeros((out.shape[0], 0))
    pre = _tensor(pre)
    ctx.mark_non_differentiable(pre)
    return _tensor(out), pre


def _layered_backward(ctx, G, _):
    r"""
    The numpy backpropagation of ``G`` as the ``backward`` of
    :func:`_layered_function`: the gradients in `\theta` and in the inputs.

    TESTS::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: from sage_conslaw.flows.twins import _layered_function, _tensor
        sage: th = _tensor([2.], grad=True)
        sage: out, _ = _layered_function().apply(th, _tensor([[3.], [1.]]), LinearNetwork([1, 1]).numeric_model())
        sage: out.sum().backward(); th.grad.tolist()
        [4.0]
        sage: from sage_conslaw.flows.twins import _layered_backward
        sage: _layered_function().backward is _layered_backward    # the Function's backward is this one
        True
    """
    th, hs, pre = ctx.cache
    grad, dX = ctx.model._backward(th, hs, pre, G.detach().numpy(), input_grad=ctx.needs_input_grad[1])
    return _tensor(grad), (_tensor(dX) if ctx.needs_input_grad[1] else None), None


@cached_function
def _layered_function():
    r"""
    Return the ``torch.autograd.Function`` that joins a layered numpy twin
    (:class:`~sage_conslaw.flows.models.LayeredModel`) to PyTorch's autograd
    graph as one node: its forward pass and its backpropagation are those of
    the light numpy path of the paper's networks (written once, there).  The
    class is made on the first call (it subclasses a PyTorch class, and
    PyTorch is imported only when a block twin runs).

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork
        sage: from sage_conslaw.flows.twins import _layered_function, _tensor
        sage: m = ReLUNetwork([1, 2, 1]).numeric_model()
        sage: th, x = _tensor([1., 1., 1., -1.], grad=True), _tensor([[2.]], grad=True)
        sage: out, pre = _layered_function().apply(th, x, m); out.tolist(), pre.tolist()
        ([[2.0]], [[2.0, -2.0]])
        sage: out.sum().backward(); th.grad.tolist(), x.grad.tolist()
        ([2.0, 0.0, 2.0, 0.0], [[1.0]])
        sage: _layered_function() is _layered_function()
        True
    """
    class _LayeredFunction(autograd.Function):
        forward = staticmethod(_layered_forward)
        backward = staticmethod(_layered_backward)
    return _LayeredFunction


def sequence_twin(block, length=None, scale=1):
    r"""
    Return the twin of ``block`` acting on sequences of ``length`` positions
    (a :class:`SequenceModel`), or raise a ``TypeError`` naming what is missing;
    ``scale`` is the factor of the scores of its attention blocks.

    Blocks that mix positions (attention, convolution, and residual blocks and
    sequences of them) build their own; the layered twins act token-wise
    (:class:`TokenwiseModel`).

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork, Attention, Architecture
        sage: from sage_conslaw.flows.twins import sequence_twin
        sage: sequence_twin(ReLUNetwork([2, 2]), 3)
        numeric ReLU network [2, 2] (D = 4) on each of 3 positions
        sage: sequence_twin(Attention(1, 1, 1, 1), 3)
        numeric attention head d_in = 1, d_k = 1, d_v = 1, d_out = 1 without biases on sequences of 3 tokens (D = 4)
        sage: sequence_twin(Architecture([('a', (1, 1))], lambda M: [M['a'][0, 0]]))
        Traceback (most recent call last):
        ...
        TypeError: Reparametrization ... has no numeric twin (a general architecture needs a model f); the blocks that train are those of trainable_architectures(): LinearNetwork, ...
    """
    if isinstance(block, ConvNetwork):
        return block.numeric_model(length=length)
    if isinstance(block, (MultiHeadAttention, Residual, Sequential)):
        return block.numeric_model(length=length, scale=scale)
    try:
        m = block.numeric_model()
    except TypeError:
        m = None
    if isinstance(m, LayeredModel):
        return TokenwiseModel(m, length)
    raise TypeError("%r has no numeric twin (a general architecture needs a model f); the blocks that train are "
                    "those of trainable_architectures(): %s" % (block, ", ".join(trainable_architectures())))


def default_length(block):
    r"""
    Return the default number of input positions of ``block``: :data:`DEFAULT_LENGTH`
    plus what its convolutions consume when it mixes positions, else 1 (plain vectors).

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork, ConvNetwork, Sequential, Attention, Residual
        sage: from sage_conslaw.flows.twins import default_length
        sage: default_length(ReLUNetwork([2, 2])), default_length(Attention(1, 1, 1, 1))
        (1, 4)
        sage: default_length(Sequential([ConvNetwork(1, 1, 2, 2, 2), Residual(Attention(2, 1, 1, 2))]))
        6
    """
    mixes, shrink = _positions(block)
    return (DEFAULT_LENGTH if mixes else 1) + shrink


def _positions(block):
    r"""
    ``(whether block mixes positions, how many positions it consumes)``.

    TESTS::

        sage: from sage_conslaw.architectures import ConvNetwork, Sequential, LinearNetwork
        sage: from sage_conslaw.flows.twins import _positions
        sage: _positions(Sequential([ConvNetwork(1, 1, 1, 3, 2), LinearNetwork([1, 1]), ConvNetwork(1, 1, 1, 2, 2)]))
        (True, 5)
        sage: _positions(LinearNetwork([1, 1]))
        (False, 0)
    """
    if isinstance(block, ConvNetwork):
        return True, block.kernel1 + block.kernel2 - 2
    if isinstance(block, MultiHeadAttention):
        return True, 0
    if isinstance(block, Residual):
        return _positions(block.block())
    if isinstance(block, Sequential):
        parts = [_positions(b) for b in block.blocks().values()]
        return any(m for m, _ in parts), sum(s for _, s in parts)
    return False, 0


class ResidualModel(SequenceModel):
    r"""
    The twin of :class:`~sage_conslaw.architectures.Residual`: `x \mapsto x + g(x, \theta)`,
    with the twin of the block `g` on the same parameters.

    INPUT:

    - ``architecture`` -- a :class:`~sage_conslaw.architectures.Residual`
    - ``length`` -- the number of positions (default :func:`default_length` of the block)
    - ``scale`` -- the factor of the attention scores (see :class:`AttentionModel`)

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import Residual, LinearNetwork, ConvNetwork
        sage: m = Residual(LinearNetwork([2, 2])).numeric_model(); m
        numeric residual x + g(x) around numeric linear network [2, 2] (D = 4) on each of 1 positions
        sage: m.forward(np.array([1., 0., 0., 1.]), np.array([[1., 2.]])).tolist()
        [[2.0, 4.0]]
        sage: Residual(ConvNetwork(1, 1, 1, 2, 1)).numeric_model()
        Traceback (most recent call last):
        ...
        ValueError: a residual block x + g(x) needs outputs of the shape of its inputs, but the block maps 5 positions x 1 channels to 4 x 1 (a convolution shortens its signals by K1 + K2 - 2)
    """

    def __init__(self, architecture, length=None, scale=1):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Residual, Attention
            sage: Residual(Attention(2, 1, 1, 2)).numeric_model(length=3).input_dim
            6
        """
        block = architecture.block()
        inner = sequence_twin(block, default_length(block) if length is None else length, scale)
        if (inner.length, inner.in_channels) != (inner.out_length, inner.out_channels) or \
                inner.input_order != inner.output_order:
            raise ValueError("a residual block x + g(x) needs outputs of the shape of its inputs, but the block "
                             "maps %s positions x %s channels to %s x %s (a convolution shortens its signals by "
                             "K1 + K2 - 2)" % (inner.length, inner.in_channels, inner.out_length,
                                               inner.out_channels))
        self.inner = inner
        self.reparametrization = architecture
        self.D = inner.D
        self.has_activations = inner.has_activations
        self.input_order = self.output_order = inner.input_order
        self._shapes(inner.length, inner.in_channels, inner.out_length, inner.out_channels)

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Residual, Attention
            sage: Residual(Attention(1, 1, 1, 1)).numeric_model(length=2)
            numeric residual x + g(x) around numeric attention head ... on sequences of 2 tokens (D = 4)
        """
        return "numeric residual x + g(x) around %r" % (self.inner,)

    def initial_scales(self):
        r"""
        Return those of the block's twin.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Residual, LinearNetwork
            sage: Residual(LinearNetwork([1, 1])).numeric_model().initial_scales().tolist()
            [1.0]
        """
        return self.inner.initial_scales()

    def _run(self, theta, Z):
        r"""
        `Z + g(Z)` (tensors), and the block's pre-activations.

        TESTS::

            sage: from sage_conslaw.architectures import Residual, LinearNetwork, ReLUNetwork
            sage: from sage_conslaw.flows.twins import _tensor
            sage: m = Residual(LinearNetwork([1, 1])).numeric_model()
            sage: m._run(_tensor([2.]), _tensor([[[1.]]]))[0].tolist()
            [[[3.0]]]
            sage: m = Residual(ReLUNetwork([1, 1, 1])).numeric_model()
            sage: m._run(_tensor([1., -1.]), _tensor([[[1.]]]))[1][0].tolist()
            [[-1.0]]
        """
        out, pres = self.inner._run(theta, Z)
        return Z + out, pres


class SequentialModel(SequenceModel):
    r"""
    The twin of :class:`~sage_conslaw.architectures.Sequential`: the blocks'
    twins applied one after the other, each on its own slice of `\theta`
    (the sequence's layout is the blocks' layouts one after the other).

    INPUT:

    - ``architecture`` -- a :class:`~sage_conslaw.architectures.Sequential`
    - ``length`` -- the number of input positions (default :func:`default_length`)
    - ``scale`` -- the factor of the attention scores (see :class:`AttentionModel`)

    A token-wise block whose input dimension is that of a whole output sequence
    of the block before it (possible with ``check_dimensions=False``, as
    :func:`~sage_conslaw.torch.mapping.from_torch` builds across a PyTorch
    ``Flatten``) reads that sequence flattened position by position, as one vector.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import Sequential, Residual, Attention, ReLUNetwork
        sage: net = Sequential([Residual(Attention(2, 1, 1, 2)), ReLUNetwork([1, 3, 2], bias=True)])
        sage: m = net.numeric_model(); m.input_dim, m.output_dim, m.has_activations
        (8, 4, True)
        sage: m
        numeric sequence of 2 blocks on sequences of 4 positions (D = 21)
        sage: Sequential([ReLUNetwork([2, 3]), ReLUNetwork([2, 3])], check_dimensions=False).numeric_model()
        Traceback (most recent call last):
        ...
        ValueError: block L1 outputs 2 channels on 1 positions but block L2 reads 3

    Across a flatten: attention on 3 tokens of dimension 2, then a ReLU network on the 6 numbers::

        sage: net = Sequential([Attention(2, 1, 1, 2), ReLUNetwork([1, 4, 6])], check_dimensions=False)
        sage: m = net.numeric_model(length=3); m.input_dim, m.output_dim, m.flatten
        (6, 1, [False, True])
        sage: from sage_conslaw.architectures import Architecture
        sage: Sequential([Architecture([('a', (1, 1))], lambda M: [M['a'][0, 0]])]).numeric_model()
        Traceback (most recent call last):
        ...
        TypeError: block L1 of the sequence: Reparametrization ... has no numeric twin ...
    """

    def __init__(self, architecture, length=None, scale=1):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Sequential, ConvNetwork
            sage: m = Sequential([ConvNetwork(1, 1, 1, 2, 2), ConvNetwork(1, 1, 1, 2, 1)]).numeric_model()
            sage: m.length, m.out_length, m.input_order, [P.length for P in m.twins]
            (7, 4, 'channels', [7, 5])
        """
        names, blocks = zip(*architecture.blocks().items())
        L = default_length(architecture) if length is None else checks.positive_integer(length, "length")
        twins, offset, self.slices, self.flatten = [], 0, [], []
        for i, (name, b) in enumerate(zip(names, blocks)):
            try:
                t = sequence_twin(b, L, scale)
            except TypeError as e:
                raise TypeError("block %s of the sequence: %s" % (name, e)) from None
            flat = False
            if twins and t.in_channels != twins[-1].out_channels:
                last = twins[-1]
                if not (isinstance(t, TokenwiseModel) and t.in_channels == last.out_length * last.out_channels):
                    raise ValueError("block %s outputs %s channels on %s positions but block %s reads %s"
                                     % (names[i - 1], last.out_channels, last.out_length, name, t.in_channels))
                t, flat = sequence_twin(b, 1, scale), True
            twins.append(t)
            self.flatten.append(flat)
            self.slices.append(slice(offset, offset + t.D))
            offset += t.D
            L = t.out_length
        self.twins = twins
        self.reparametrization = architecture
        self.D = offset
        self.has_activations = any(t.has_activations for t in twins)
        self.input_order, self.output_order = twins[0].input_order, twins[-1].output_order
        self._shapes(twins[0].length, twins[0].in_channels, twins[-1].out_length, twins[-1].out_channels)

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures import Sequential, LinearNetwork
            sage: Sequential([LinearNetwork([1, 1])]).numeric_model()
            numeric sequence of 1 blocks on sequences of 1 positions (D = 1)
        """
        return "numeric sequence of %s blocks on sequences of %s positions (D = %s)" % (
            len(self.twins), self.length, self.D)

    def initial_scales(self):
        r"""
        Return those of the blocks' twins, one after the other.

        EXAMPLES::

            sage: from sage_conslaw.architectures import Sequential, LinearNetwork
            sage: Sequential([LinearNetwork([1, 4]), LinearNetwork([1, 1])], merge_linear=False).numeric_model().initial_scales().tolist()
            [0.5, 0.5, 0.5, 0.5, 1.0]
        """
        return np.concatenate([t.initial_scales() for t in self.twins])

    def _run(self, theta, Z):
        r"""
        The blocks one after the other (tensors), and the pre-activations of
        every block with ReLU, side by side.

        TESTS::

            sage: from sage_conslaw.architectures import Sequential, LinearNetwork, ReLUNetwork
            sage: from sage_conslaw.flows.twins import _tensor
            sage: m = Sequential([LinearNetwork([1, 1]), LinearNetwork([1, 1])]).numeric_model()
            sage: m._run(_tensor([2., 3.]), _tensor([[[1.]]]))[0].tolist()
            [[[6.0]]]
            sage: m = Sequential([ReLUNetwork([1, 1, 1]), LinearNetwork([1, 1])]).numeric_model()
            sage: [p.tolist() for p in m._run(_tensor([1., -1., 1.]), _tensor([[[1.]]]))[1]]
            [[[-1.0]]]
        """
        pres = []
        for t, s, flat in zip(self.twins, self.slices, self.flatten):
            if flat:
                Z = Z.reshape(Z.shape[0], 1, -1)
            Z, p = t._run(theta[s], Z)
            pres += p
        return Z, pres


@register_twin(MultiHeadAttention)
def attention_twin(model, length=None, scale=1):
    r"""
    The twin of :class:`~sage_conslaw.architectures.MultiHeadAttention` and
    :class:`~sage_conslaw.architectures.Attention` (:class:`AttentionModel`):
    the softmax layer itself, on this layout; ``model.numeric_model(length, scale)``.

    A sample (a row of ``X`` in :func:`~sage_conslaw.flows.train.train`) is a
    sequence of ``length`` tokens of dimension `d_{in}`, flattened token by
    token; its output is ``length`` tokens of dimension `d_{out}`.

    INPUT:

    - ``length`` -- the number of tokens of a sample (default :data:`DEFAULT_LENGTH`)
    - ``scale`` -- the factor of the scores (default 1, the model of the
      architecture; ``'1/sqrt(d_k)'`` for PyTorch's, which changes no law)

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import Attention
        sage: att = Attention(2, 1, 1, 2)
        sage: m = att.numeric_model(length=3); m.input_dim, m.output_dim
        (6, 6)
        sage: theta = np.arange(1., 9.) / 8; X = np.arange(6.)[None] / 6
        sage: bool(np.allclose(m.forward(theta, X), att.output(theta, X.reshape(3, 2)).ravel()))
        True
        sage: from sage_conslaw.architectures import MultiHeadAttention
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.twins import attention_twin; twin_builder(MultiHeadAttention) is attention_twin
        True
    """
    return AttentionModel(model, length, scale)


@register_twin(ConvNetwork)
def conv_twin(model, length=None):
    r"""
    The twin of :class:`~sage_conslaw.architectures.ConvNetwork` (:class:`ConvModel`):
    the two convolutions and the ReLU, on this layout; ``model.numeric_model(length)``.

    A sample is a signal `x \in \RR^{C_{in} \times T}` flattened channel by
    channel (``x.reshape(N, -1)`` of a PyTorch ``Conv1d`` input ``(N, C_in,
    T)``); its output is `C_{out} \times (T - K_1 - K_2 + 2)` the same way.

    INPUT:

    - ``length`` -- the length `T` of the signals (default :data:`DEFAULT_LENGTH` `+ K_1 + K_2 - 2`)

    EXAMPLES::

        sage: from sage_conslaw.architectures import ConvNetwork
        sage: m = ConvNetwork(2, 3, 1, 2, 2).numeric_model(); m.input_dim, m.output_dim
        (12, 4)
        sage: ConvNetwork(2, 3, 1, 2, 2).numeric_model(length=10).output_dim
        8
        sage: from sage_conslaw.architectures import ConvNetwork
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.twins import conv_twin; twin_builder(ConvNetwork) is conv_twin
        True
    """
    return ConvModel(model, length)


@register_twin(Residual)
def residual_twin(model, length=None, scale=1):
    r"""
    The twin of :class:`~sage_conslaw.architectures.Residual` (:class:`ResidualModel`):
    `x + g(x)` with the twin of the block `g`, which must have one and keep the
    shape of its inputs; ``model.numeric_model(length, scale)``.

    INPUT:

    - ``length`` -- the number of positions of a sample (tokens, signal
      samples; default :func:`default_length`: 1 for token-wise blocks, whose
      samples are then plain vectors)
    - ``scale`` -- the factor of the scores of attention blocks (default 1;
      ``'1/sqrt(d_k)'`` for PyTorch's)

    EXAMPLES::

        sage: from sage_conslaw.architectures import Residual, Attention, ReLUNetwork
        sage: Residual(ReLUNetwork([2, 3, 2])).numeric_model().input_dim
        2
        sage: Residual(Attention(2, 1, 1, 2)).numeric_model(length=5).input_dim
        10
        sage: from sage_conslaw.architectures import Residual
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.twins import residual_twin; twin_builder(Residual) is residual_twin
        True
    """
    return ResidualModel(model, length, scale)


@register_twin(Sequential)
def sequential_twin(model, length=None, scale=1):
    r"""
    The twin of :class:`~sage_conslaw.architectures.Sequential` (:class:`SequentialModel`):
    the blocks' twins one after the other; every block must have one (a clear
    ``TypeError`` names the first that has none); ``model.numeric_model(length, scale)``.

    Attention and convolution mix the positions of a sequence; linear, ReLU
    (and the other layered) blocks act on every position separately.  A sample
    is read like the first block reads it and written like the last one writes it.

    INPUT:

    - ``length`` -- the number of positions of a sample (default :func:`default_length`)
    - ``scale`` -- the factor of the scores of attention blocks (default 1;
      ``'1/sqrt(d_k)'`` for PyTorch's)

    EXAMPLES::

        sage: from sage_conslaw.architectures import Sequential, Attention, ReLUNetwork, LinearNetwork
        sage: net = Sequential([Attention(2, 1, 1, 3), ReLUNetwork([2, 4, 3])])
        sage: m = net.numeric_model(length=5); m.input_dim, m.output_dim
        (10, 10)
        sage: Sequential([LinearNetwork([2, 3]), LinearNetwork([3, 2])]).numeric_model().input_dim   # reads 3
        3
        sage: from sage_conslaw.architectures import Sequential
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.twins import sequential_twin; twin_builder(Sequential) is sequential_twin
        True
    """
    return SequentialModel(model, length, scale)
