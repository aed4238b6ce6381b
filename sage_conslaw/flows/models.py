r"""
Numeric (float64, numpy) forward passes and exact gradients of the architectures.

Every architecture of :mod:`sage_conslaw.architectures` gets a numeric twin
with the *same* flat parameter order as the Sage polynomial ring (matrix by
matrix, row by row, biases last): a vector ``theta`` of ``model.flatten(...)``
or ``model.point(...)`` is directly a numeric parameter vector here.

Gradients are hand-written matrix formulas (backpropagation), never finite
differences; the tests compare them with the gradients of the Sage
polynomials `\phi` compiled by :func:`compile_polynomials`.

EXAMPLES::

    sage: import numpy as np
    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows.models import numeric_model
    sage: net = LinearNetwork([1, 2, 1])
    sage: m = numeric_model(net); m
    numeric linear network [1, 2, 1] (D = 4)
    sage: theta = np.array([1., 2., 3., 4.])     # U1 = [1 2], U2 = [3; 4]
    sage: m.forward(theta, np.array([[1.], [2.]])).ravel().tolist()
    [11.0, 22.0]
"""
import numpy as np

import sage_conslaw.architectures as architectures
from sage_conslaw.architectures import ICNN, NMF, MatrixFactorization, ScalarTimesVector
from sage_conslaw.architectures.base import (Architecture, LayeredNetwork, Parameter, ParameterLayout, check_widths,
                                             layered_parameters)
from sage_conslaw.core.reparametrization import Reparametrization
from sage_conslaw.core.modular import PolynomialEvaluator
from sage_conslaw.core.points import to_exact_polynomial
from sage_conslaw.core.registry import TWINS, register_twin, twin_builder


# ---------------------------------------------------------------------------
# compiled polynomials
# ---------------------------------------------------------------------------

class CompiledPolynomials(PolynomialEvaluator):
    r"""
    A list of Sage polynomials compiled to a vectorized float64 numpy evaluator:
    the :class:`~sage_conslaw.core.modular.PolynomialEvaluator` of the engine,
    in float64 arithmetic.

    INPUT:

    - ``polys`` -- a list of polynomials of one multivariate polynomial ring
    - ``ring`` -- (optional) that ring; by default the parent of the first polynomial

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.flows.models import CompiledPolynomials
        sage: R.<x,y> = QQ[]
        sage: F = CompiledPolynomials([x^2 - y^2, 3*x*y + 1], R)
        sage: F(np.array([2., 1.])).tolist()
        [3.0, 7.0]
        sage: F(np.array([[2., 1.], [0., 1.]])).tolist()
        [[3.0, 7.0], [-1.0, 1.0]]
        sage: F.jacobian(np.array([2., 1.])).tolist()
        [[4.0, -2.0], [3.0, 6.0]]
        sage: S.<a,b> = QQ[]
        sage: CompiledPolynomials([a*b], R)
        Traceback (most recent call last):
        ...
        TypeError: the polynomial a*b lives in Multivariate Polynomial Ring in a, b over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in x, y over Rational Field
    """

    def __init__(self, polys, ring=None):
        """
        TESTS::

            sage: from sage_conslaw.flows.models import CompiledPolynomials
            sage: CompiledPolynomials([])
            Traceback (most recent call last):
            ...
            ValueError: give the ring when compiling an empty list of polynomials
            sage: R.<x,y> = QQ[]
            sage: F = CompiledPolynomials([x, y, x*y]); F.D, F.n, F.ring is R
            (2, 3, True)
        """
        polys = list(polys)
        if ring is None:
            if not polys:
                raise ValueError("give the ring when compiling an empty list of polynomials")
            ring = polys[0].parent()
        self.ring = ring
        self.D = ring.ngens()
        self.polys = [to_exact_polynomial(p, ring, "the polynomial") for p in polys]
        self.n = len(self.polys)
        PolynomialEvaluator.__init__(self, self.polys, self.D)

    def __call__(self, theta):
        r"""
        Evaluate the polynomials at one point (shape `(D,)`) or at several (shape `(T, D)`).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import CompiledPolynomials
            sage: R.<x,y> = QQ[]
            sage: CompiledPolynomials([x*y], R)(np.array([2., 3.])).tolist()
            [6.0]
        """
        return self.values(theta)


# ---------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------

LOSSES = ("square", "logistic")


def loss_and_residual(pred, Y, loss):
    r"""
    Return the loss `L` and `G = \partial L / \partial \mathrm{pred}`.

    ``square``: `L = \frac{1}{2N} \sum_n \|p_n - y_n\|^2`.  ``logistic``: labels
    `y \in \{-1, +1\}`, `L = \frac1N \sum_{n,k} \log(1 + e^{-y_{nk} p_{nk}})`.

    INPUT:

    - ``pred``, ``Y`` -- arrays of shape ``(N, output dim)``
    - ``loss`` -- ``'square'`` or ``'logistic'``

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.flows.models import loss_and_residual
        sage: L, G = loss_and_residual(np.array([[1.], [3.]]), np.array([[0.], [1.]]), 'square')
        sage: float(L), G.ravel().tolist()
        (1.25, [0.5, 1.0])
        sage: L, G = loss_and_residual(np.zeros((1, 1)), np.ones((1, 1)), 'logistic')
        sage: round(float(L), 6), G.ravel().tolist()
        (0.693147, [-0.5])
    """
    N = pred.shape[0]
    if loss == "square":
        R = pred - Y
        return 0.5 * float(np.sum(R * R)) / N, R / N
    if loss == "logistic":
        m = Y * pred
        L = float(np.sum(np.logaddexp(0.0, -m))) / N
        G = -Y * _sigmoid(-m) / N
        return L, G
    raise ValueError("unknown loss %r; use one of %s" % (loss, ", ".join(map(repr, LOSSES))))


def _sigmoid(x):
    """
    The logistic function `1/(1 + e^{-x})`, without overflow.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.flows.models import _sigmoid
        sage: _sigmoid(np.array([-1000., 0., 1000.])).tolist()
        [0.0, 0.5, 1.0]
    """
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


# ---------------------------------------------------------------------------
# numeric models
# ---------------------------------------------------------------------------

class NumericModel:
    r"""
    Base class: a float64 model `g(\theta, X)` with an exact gradient.

    Subclasses define ``D``, ``input_dim``, ``output_dim``, :meth:`forward`
    and :meth:`loss_and_grad`; ``reparametrization`` is the Sage
    :class:`~sage_conslaw.core.reparametrization.Reparametrization` whose
    laws are recorded.

    EXAMPLES::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.flows.models import numeric_model, NumericModel
        sage: isinstance(numeric_model(MatrixFactorization(2, 3, 1)), NumericModel)
        True
    """
    reparametrization = None
    has_activations = False

    def forward(self, theta, X):
        r"""
        Return the predictions, an array of shape ``(N, output_dim)``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows.models import numeric_model
            sage: m = numeric_model(MatrixFactorization(1, 1, 1))
            sage: m.forward(np.array([2., 3.]), np.array([[1.]])).tolist()
            [[6.0]]
        """
        raise NotImplementedError

    def loss_and_grad(self, theta, X, Y, loss="square"):
        r"""
        Return ``(L, grad)``: the loss and its exact gradient in `\theta` (length `D`).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows.models import numeric_model
            sage: m = numeric_model(MatrixFactorization(1, 1, 1))
            sage: L, g = m.loss_and_grad(np.array([2., 3.]), np.array([[1.]]), np.array([[5.]]))
            sage: float(L), g.tolist()
            (0.5, [3.0, 2.0])
        """
        raise NotImplementedError

    def activation_pattern(self, theta, X):
        r"""
        Return the signs of the hidden pre-activations (``None`` without activations).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.flows.models import numeric_model
            sage: numeric_model(LinearNetwork([1, 2, 1])).activation_pattern(np.ones(4), np.ones((1, 1))) is None
            True
        """
        return None

    def initial_scales(self):
        r"""
        Return the standard deviation of each coordinate of a random initialization (`1/2`).

        EXAMPLES::

            sage: from sage_conslaw import Reparametrization
            sage: from sage_conslaw.flows.models import ReparametrizedModel
            sage: R.<u,v> = QQ[]
            sage: m = ReparametrizedModel(Reparametrization([u*v]), lambda z, X: X * z[0], lambda z, X: X[:, :, None])
            sage: m.initial_scales().tolist()
            [0.5, 0.5]
        """
        return np.full(self.D, 0.5)

    def phi(self, theta):
        r"""
        Return `\phi(\theta)` in float64, from the compiled Sage polynomials.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: from sage_conslaw.flows.models import numeric_model
            sage: numeric_model(ScalarTimesVector(2)).phi([2., 1., 3.]).tolist()
            [2.0, 6.0]
        """
        return self._compiled_phi()(theta)

    def phi_jacobian(self, theta):
        r"""
        Return `\partial\phi(\theta)` (``d x D``), from the exact derivatives of the Sage polynomials.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: from sage_conslaw.flows.models import numeric_model
            sage: numeric_model(ScalarTimesVector(1)).phi_jacobian([2., 3.]).tolist()
            [[3.0, 2.0]]
        """
        return self._compiled_phi().jacobian(theta)

    def _compiled_phi(self):
        r"""
        The compiled components of `\phi` (built once).

        TESTS::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: m = ScalarTimesVector(2).numeric_model()
            sage: m._compiled_phi() is m._compiled_phi(), m._compiled_phi().n
            (True, 2)
        """
        if getattr(self, "_cphi", None) is None:
            rp = self.reparametrization
            self._cphi = CompiledPolynomials(rp.components(), rp.polynomial_ring())
        return self._cphi


class LayeredModel(NumericModel):
    r"""
    A feed-forward network `x \mapsto U_1 \sigma(U_2 \sigma(\cdots \sigma(U_q x + b_{q-1}) \cdots) + b_1) + c`
    with `\sigma` the identity (linear network) or the ReLU.

    The flat vector ``theta`` follows a
    :class:`~sage_conslaw.architectures.base.ParameterLayout`: by default
    `U_1, \dots, U_q` row by row, then `b_1, \dots, b_{q-1}` and `c` when
    ``bias`` is true, as :class:`~sage_conslaw.architectures.ReLUNetwork`.
    The ReLU derivative at `0` is taken to be `0`.

    INPUT:

    - ``dims`` -- the widths `[n_0, \dots, n_q]` (outputs first)
    - ``relu`` -- whether hidden layers apply the ReLU
    - ``bias`` -- whether there are biases
    - ``transposed`` -- (optional) set of layer indices `i` whose matrix is stored
      transposed in ``theta`` (matrix factorization stores `V = U_2^\top`)
    - ``reparametrization`` -- the Sage model (for the laws)
    - ``name`` -- (optional) the name shown by the repr
    - ``layout`` -- (optional) a :class:`~sage_conslaw.architectures.base.ParameterLayout`
      with weights (and biases) by layer, instead of ``dims``, ``bias``, ``transposed``;
      by default that of ``reparametrization`` if it has one

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.flows.models import LayeredModel
        sage: m = LayeredModel([1, 2, 1], relu=True)
        sage: m.forward(np.array([1., 1., 1., -1.]), np.array([[2.], [-3.]])).ravel().tolist()
        [2.0, 3.0]
        sage: m.activation_pattern(np.array([1., 1., 1., -1.]), np.array([[2.]])).tolist()
        [[1, -1]]
        sage: m.layout.names()
        ['U1', 'U2']
        sage: LayeredModel([2, 3], transposed={1}).layout
        Parameter layout (D = 6): U1 3 x 2 weight of layer 1 (stored transposed) at 0
        sage: LayeredModel()
        Traceback (most recent call last):
        ...
        TypeError: give the widths dims or a parameter layout
    """

    def __init__(self, dims=None, relu=False, bias=False, transposed=(), reparametrization=None, name=None,
                 layout=None):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: LayeredModel(layout=ParameterLayout([('A', (1, 2), 'weight', 1), ('B', (2, 1), 'weight', 2),
            ....:                                      ('c', (1, 1), 'bias', 0)]))
            Traceback (most recent call last):
            ...
            ValueError: a layered model has a bias for every layer 0, ..., q - 1, for every hidden layer 1, ..., q - 1 only, or none, got layers [0]
            sage: LayeredModel(layout=ParameterLayout([('A', (1, 2), 'weight', 1), ('B', (2, 1), 'weight', 2),
            ....:                                      ('b', (2, 1), 'bias', 1)]), relu=True)    # no output bias
            numeric ReLU network [1, 2, 1] with hidden biases (D = 6)
            sage: LayeredModel(layout=ParameterLayout([('A', (1, 2), 'weight', 1), ('s', (1, 1))]))
            Traceback (most recent call last):
            ...
            ValueError: a layered model has weights and biases only; the parameters s have no place in it (give the architecture its own numeric_model)
        """
        if layout is None and dims is not None:
            dims = check_widths(dims, "a layered model")
            transposed = set(transposed)
            params = [P if P.layer not in transposed or P.role != "weight"
                      else Parameter(P.name, P.shape[::-1], P.role, P.layer, transposed=True)
                      for P in layered_parameters(dims, bias)]
            layout = ParameterLayout(params)
        if layout is None:
            raise TypeError("give the widths dims or a parameter layout")
        others = [P.name for P in layout if P.role not in ("weight", "bias")]
        if others:
            raise ValueError("a layered model has weights and biases only; the parameters %s have no place in "
                             "it (give the architecture its own numeric_model)" % ", ".join(others))
        self.layout = layout
        self.dims = layout.layer_widths()
        self.q = len(self.dims) - 1
        self.relu = bool(relu)
        self.has_activations = self.relu
        self.reparametrization = reparametrization
        self._name = name
        self.input_dim = self.dims[-1]
        self.output_dim = self.dims[0]
        self.D = layout.D
        self._weights = layout.weights()
        biases = {P.layer: P for P in layout.biases()}
        self.bias = bool(biases)
        if self.bias and sorted(biases) not in (list(range(self.q)), list(range(1, self.q))):
            raise ValueError("a layered model has a bias for every layer 0, ..., q - 1, for every hidden layer "
                             "1, ..., q - 1 only, or none, got layers %s" % sorted(biases))
        self._hidden_biases = [biases[i] for i in range(1, self.q)] if self.bias else []
        self._output_bias = biases.get(0)
        # the layout's slices and shapes, read once (the gradient is evaluated thousands of times)
        self._weight_slots = [(P.slice, P.shape, P.transposed) for P in self._weights]
        self._bias_slices = [P.slice for P in self._hidden_biases]
        self._output_slice = None if self._output_bias is None else self._output_bias.slice

    def __repr__(self):
        """
        TESTS::

            sage: from sage_conslaw.flows.models import LayeredModel
            sage: LayeredModel([1, 2], bias=True), LayeredModel([1, 1], name='toy')
            (numeric linear network [1, 2] with biases (D = 3), numeric toy (D = 1))
        """
        if self._name:
            return "numeric %s (D = %s)" % (self._name, self.D)
        biases = "" if not self.bias else " with biases" if self._output_slice is not None else " with hidden biases"
        return "numeric %s network %s%s (D = %s)" % ("ReLU" if self.relu else "linear", self.dims, biases, self.D)

    def weights(self, theta):
        r"""
        Return the numeric matrices `[U_1, \dots, U_q]` (views when possible).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: [U.shape for U in LayeredModel([2, 3, 4]).weights(np.zeros(18))]
            [(2, 3), (3, 4)]
        """
        return [theta[s].reshape(shape).T if transposed else theta[s].reshape(shape)
                for s, shape, transposed in self._weight_slots]

    def biases(self, theta):
        r"""
        Return ``([b_1, ..., b_{q-1}], c)`` (empty and ``None`` without biases;
        ``c`` is ``None`` without output bias).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: b, c = LayeredModel([1, 2, 1], bias=True).biases(np.arange(7.))
            sage: [x.tolist() for x in b], c.tolist()
            ([[4.0, 5.0]], [6.0])
        """
        if not self.bias:
            return [], None
        return ([theta[s] for s in self._bias_slices],
                None if self._output_slice is None else theta[self._output_slice])

    def initial_scales(self):
        r"""
        Return the standard deviation of each coordinate of a random
        initialization: `1/\sqrt{\text{fan-in}}`, i.e. `1/\sqrt{n_i}` for the
        entries of `U_i` and `1/\sqrt{n_{i+1}}` for the bias of layer `i`.

        EXAMPLES::

            sage: from sage_conslaw.flows.models import LayeredModel
            sage: LayeredModel([1, 4, 1], bias=True).initial_scales().tolist()
            [0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
        """
        sd = np.empty(self.D)
        for P in self.layout:
            fan_in = self.dims[P.layer + 1] if P.role == "bias" else self.dims[P.layer]
            sd[P.slice] = 1.0 / np.sqrt(fan_in)
        return sd

    def incoming(self):
        r"""
        Return the parameters that feed hidden neurons: `U_2, \dots, U_q` and the
        hidden biases (what :func:`~sage_conslaw.flows.data.relu_region_start`
        makes positive).

        EXAMPLES::

            sage: from sage_conslaw.flows.models import LayeredModel
            sage: [P.name for P in LayeredModel([1, 2, 2, 1], bias=True).incoming()]
            ['U2', 'U3', 'b1', 'b2']
        """
        return [P for P in self._weights if P.layer >= 2] + list(self._hidden_biases)

    def _forward(self, theta, X):
        """
        The forward pass: the outputs, the hidden layers and the pre-activations.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: out, hs, pre = LayeredModel([1, 1, 1], relu=True)._forward(np.array([2., -1.]), np.ones((1, 1)))
            sage: out.tolist(), pre[1].tolist()
            ([[0.0]], [[-1.0]])
        """
        U = self.weights(theta)
        b, c = self.biases(theta)
        h = X
        hs, pre = [None] * (self.q + 1), [None] * (self.q + 1)
        hs[self.q] = h
        for i in range(self.q, 1, -1):          # hidden layer i-1 from layer i
            a = h @ U[i - 1].T
            if self.bias:
                a = a + b[i - 2]
            pre[i - 1] = a
            h = np.maximum(a, 0.0) if self.relu else a
            hs[i - 1] = h
        out = h @ U[0].T
        if c is not None:
            out = out + c
        return out, hs, pre

    def forward(self, theta, X):
        r"""
        Return the predictions, an array of shape ``(N, n_0)``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: LayeredModel([1, 1, 1], bias=True).forward(np.array([2., 3., 1., 5.]), np.ones((1, 1))).tolist()
            [[13.0]]
        """
        return self._forward(np.asarray(theta, dtype=float), X)[0]

    def activation_pattern(self, theta, X):
        r"""
        Return the signs (`-1, 0, 1`) of all hidden pre-activations, concatenated
        along the columns (``None`` for a linear network).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: LayeredModel([1, 2, 1], relu=True).activation_pattern(np.array([1., 1., 0., 1.]), np.ones((1, 1))).tolist()
            [[0, 1]]
        """
        if not self.relu:
            return None
        return np.sign(self.preactivations(theta, X)).astype(int)

    def preactivations(self, theta, X):
        r"""
        Return all hidden pre-activations, an array ``(N, n_1 + ... + n_{q-1})``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: LayeredModel([1, 2, 1], relu=True).preactivations(np.array([1., 1., 2., -1.]), np.ones((1, 1))).tolist()
            [[2.0, -1.0]]
        """
        _, _, pre = self._forward(np.asarray(theta, dtype=float), X)
        return np.concatenate([pre[i] for i in range(1, self.q)], axis=1) if self.q > 1 \
            else np.zeros((X.shape[0], 0))

    def loss_and_grad(self, theta, X, Y, loss="square"):
        r"""
        Return ``(L, grad)`` by backpropagation (exact matrix formulas).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: L, g = LayeredModel([1, 1, 1]).loss_and_grad(np.array([2., 3.]), np.ones((1, 1)), np.zeros((1, 1)))
            sage: float(L), g.tolist()
            (18.0, [18.0, 12.0])
        """
        theta = np.asarray(theta, dtype=float)
        out, hs, pre = self._forward(theta, X)
        L, G = loss_and_residual(out, Y, loss)
        return L, self._backward(theta, hs, pre, G)[0]

    def _backward(self, theta, hs, pre, G, input_grad=False):
        r"""
        Backpropagate ``G`` `= \partial L / \partial\,\mathrm{output}` through the
        forward pass ``hs``, ``pre`` of :meth:`_forward`: return the gradient in
        `\theta` and (with ``input_grad``) `\partial L / \partial X` (else ``None``).

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.flows.models import LayeredModel
            sage: m = LayeredModel([1, 1, 1])
            sage: out, hs, pre = m._forward(np.array([2., 3.]), np.ones((1, 1)))
            sage: g, dX = m._backward(np.array([2., 3.]), hs, pre, np.ones((1, 1)), input_grad=True)
            sage: g.tolist(), dX.tolist()
            ([3.0, 2.0], [[6.0]])
        """
        U = self.weights(theta)
        grad = np.empty(self.D)
        if self._output_slice is not None:
            grad[self._output_slice] = G.sum(axis=0)
        for i in range(1, self.q + 1):      # G = dL/d(output of layer U_i)
            s, _, transposed = self._weight_slots[i - 1]
            g = G.T @ hs[i]
            grad[s] = (g.T if transposed else g).ravel()
            if i < self.q:
                G = G @ U[i - 1]
                if self.relu:
                    G = G * (pre[i] > 0)
                if self.bias:
                    grad[self._bias_slices[i - 1]] = G.sum(axis=0)
        return grad, (G @ U[self.q - 1] if input_grad else None)


class ReparametrizedModel(NumericModel):
    r"""
    A user model `g(\theta, X) = f(\phi(\theta), X)` for a polynomial `\phi`.

    INPUT:

    - ``phi`` -- a :class:`~sage_conslaw.core.reparametrization.Reparametrization`
    - ``f`` -- a Python callable ``f(z, X)`` on numpy arrays (``z`` of length
      `d`, ``X`` of shape ``(N, input dim)``) returning ``(N, output dim)``
    - ``grad_f`` -- a callable ``grad_f(z, X)`` returning the Jacobian
      `\partial f / \partial z`, shape ``(N, output dim, d)``

    The gradient is `\partial\phi(\theta)^\top \nabla_z`, with `\partial\phi`
    from the exact derivatives of the Sage polynomials.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw import Reparametrization
        sage: from sage_conslaw.flows.models import ReparametrizedModel
        sage: R.<u,v> = QQ[]
        sage: f = lambda z, X: X * z[0]
        sage: grad_f = lambda z, X: X[:, :, None]
        sage: m = ReparametrizedModel(Reparametrization([u*v]), f, grad_f); m
        numeric model f(phi(theta), x) with phi: QQ^2 -> QQ^1
        sage: L, g = m.loss_and_grad(np.array([2., 3.]), np.ones((1, 1)), np.zeros((1, 1)))
        sage: float(L), g.tolist()
        (18.0, [18.0, 12.0])
    """

    def __init__(self, phi, f, grad_f, input_dim=None, output_dim=None):
        """
        TESTS::

            sage: from sage_conslaw.flows.models import ReparametrizedModel
            sage: ReparametrizedModel(3, None, None)
            Traceback (most recent call last):
            ...
            TypeError: phi must be a Reparametrization, got 3
        """
        if not isinstance(phi, Reparametrization):
            raise TypeError("phi must be a Reparametrization, got %r" % (phi,))
        if f is None and grad_f is None:
            raise TypeError("a general Reparametrization needs a model f: pass model=(phi, f, grad_f) "
                            "with f(z, X) and its Jacobian grad_f(z, X) of shape (N, output dim, d)")
        if not callable(f) or not callable(grad_f):
            raise TypeError("f and grad_f must be callables f(z, X), grad_f(z, X)")
        self.reparametrization = phi
        self.f, self.grad_f = f, grad_f
        self.D = phi.D
        self.input_dim, self.output_dim = input_dim, output_dim

    def __repr__(self):
        """
        TESTS::

            sage: from sage_conslaw import Reparametrization
            sage: from sage_conslaw.flows.models import ReparametrizedModel
            sage: R.<u,v> = QQ[]
            sage: ReparametrizedModel(Reparametrization([u*v, u]), lambda z, X: X, lambda z, X: X)
            numeric model f(phi(theta), x) with phi: QQ^2 -> QQ^2
        """
        return "numeric model f(phi(theta), x) with phi: QQ^%s -> QQ^%s" % (self.D, self.reparametrization.d)

    def forward(self, theta, X):
        r"""
        Return `f(\phi(\theta), X)`.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw import Reparametrization
            sage: from sage_conslaw.flows.models import ReparametrizedModel
            sage: R.<u,v> = QQ[]
            sage: m = ReparametrizedModel(Reparametrization([u*v]), lambda z, X: X * z[0], lambda z, X: X[:, :, None])
            sage: m.forward(np.array([2., 3.]), np.ones((1, 1))).tolist()
            [[6.0]]
        """
        return np.asarray(self.f(self.phi(theta), X), dtype=float).reshape(X.shape[0], -1)

    def loss_and_grad(self, theta, X, Y, loss="square"):
        r"""
        Return ``(L, grad)`` with `\nabla_\theta = \partial\phi^\top \nabla_z`.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw import Reparametrization
            sage: from sage_conslaw.flows.models import ReparametrizedModel
            sage: R.<u,v> = QQ[]
            sage: m = ReparametrizedModel(Reparametrization([u*v]), lambda z, X: X * z[0], lambda z, X: X[:, :, None])
            sage: m.loss_and_grad(np.array([1., 1.]), np.ones((1, 1)), np.ones((1, 1)))[1].tolist()
            [0.0, 0.0]
        """
        theta = np.asarray(theta, dtype=float)
        z = self.phi(theta)
        pred = np.asarray(self.f(z, X), dtype=float).reshape(Y.shape)
        L, G = loss_and_residual(pred, Y, loss)
        Jf = np.asarray(self.grad_f(z, X), dtype=float).reshape(Y.shape + (z.shape[0],))
        gz = np.einsum("no,nod->d", G, Jf)
        return L, self.phi_jacobian(theta).T @ gz


@register_twin(Architecture)
def reparametrized_twin(model, f=None, grad_f=None, input_dim=None, output_dim=None):
    r"""
    The twin of an architecture without one of its own: `g(\theta, X) = f(\phi(\theta), X)`
    (:class:`ReparametrizedModel`), with `\phi` compiled from its polynomials.

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import Architecture
        sage: from sage_conslaw.flows.models import reparametrized_twin
        sage: A = Architecture([('a', (1, 1)), ('b', (1, 1))], lambda M: [M['a'][0, 0] * M['b'][0, 0]])
        sage: reparametrized_twin(A, lambda z, X: X * z[0], lambda z, X: X[:, :, None])
        numeric model f(phi(theta), x) with phi: QQ^2 -> QQ^1
    """
    return ReparametrizedModel(model, f, grad_f, input_dim, output_dim)


@register_twin(LayeredNetwork)
def layered_twin(model):
    r"""
    The twin of a layered network (linear, ReLU): a :class:`LayeredModel`
    (backpropagation) on the same layout.

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
        sage: from sage_conslaw.flows.models import layered_twin
        sage: layered_twin(LinearNetwork([2, 3])), layered_twin(ReLUNetwork([2, 3, 2], bias=True))
        (numeric linear network [2, 3] (D = 6), numeric ReLU network [2, 3, 2] with biases (D = 17))
    """
    return LayeredModel(layout=model.layout(), relu=model.relu, reparametrization=model)


@register_twin(MatrixFactorization)
def matrix_factorization_twin(model):
    r"""
    The twin of a matrix factorization: the linear network `[n, r, m]` with
    `V = U_2^\top` stored transposed.

    EXAMPLES::

        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: MatrixFactorization(3, 2, 2).numeric_model()
        numeric matrix factorization U V^T, U: 3 x 2, V: 2 x 2 (D = 10)
        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.models import matrix_factorization_twin; twin_builder(MatrixFactorization) is matrix_factorization_twin
        True
    """
    return LayeredModel(layout=model.layout(), reparametrization=model,
                        name="matrix factorization U V^T, U: %s x %s, V: %s x %s"
                        % (model.n, model.r, model.m, model.r))


@register_twin(NMF)
def nmf_twin(model):
    r"""
    The twin of an NMF: the linear network `x \mapsto UVx` on the same layout
    (see :func:`~sage_conslaw.flows.second_order.mirror_flow`).

    EXAMPLES::

        sage: from sage_conslaw.architectures import NMF
        sage: NMF(2, 1, 3).numeric_model()
        numeric NMF [2, 1, 3] (D = 5)
        sage: from sage_conslaw.architectures import NMF
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.models import nmf_twin; twin_builder(NMF) is nmf_twin
        True
    """
    return LayeredModel(layout=model.layout(), relu=False, reparametrization=model, name="NMF %s" % list(model.sizes))


@register_twin(ICNN)
def icnn_twin(model):
    r"""
    The twin of an ICNN, `x \mapsto U\sigma(Vx + b)` (a ReLU network with a
    hidden bias and no output bias, on the same layout).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import ICNN
        sage: ICNN(1, 2, 3).numeric_model()
        numeric ICNN [1, 2, 3] (D = 8)
        sage: net = ICNN(1, 2, 1, bias=True); m = net.numeric_model(); m
        numeric ICNN [1, 2, 1] with bias (D = 6)
        sage: theta = net.point(U=[[1, 2]], V=[[1], [-1]], b=[[1], [1]])
        sage: m.forward(np.array(theta, dtype=float), np.array([[2.], [0.]])).ravel().tolist()   # 3 + 0, 1 + 2*1
        [3.0, 3.0]
        sage: from sage_conslaw.architectures import ICNN
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.models import icnn_twin; twin_builder(ICNN) is icnn_twin
        True
    """
    return LayeredModel(layout=model.layout(), relu=True, reparametrization=model,
                        name="ICNN %s%s" % (list(model.sizes), " with bias" if model.bias else ""))


@register_twin(ScalarTimesVector)
def scalar_times_vector_twin(model):
    r"""
    The twin of Example 3.8: the model `x \mapsto u \langle v, x\rangle`, i.e. the
    linear network `[1, 1, d]`.

    EXAMPLES::

        sage: from sage_conslaw.architectures import ScalarTimesVector
        sage: ScalarTimesVector(3).numeric_model()
        numeric Example 3.8 model x -> u <v, x>, v in R^3 (D = 4)
        sage: from sage_conslaw.architectures import ScalarTimesVector
        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.flows.models import scalar_times_vector_twin; twin_builder(ScalarTimesVector) is scalar_times_vector_twin
        True
    """
    return LayeredModel(layout=model.layout(), reparametrization=model,
                        name="Example 3.8 model x -> u <v, x>, v in R^%s" % model.dim_v)


def trainable_architectures():
    r"""
    Return the names of the architectures of :mod:`sage_conslaw.architectures`
    that have a numeric twin of their own (a builder registered in
    :mod:`~sage_conslaw.core.registry`, other than the default of
    :class:`~sage_conslaw.architectures.base.Architecture`, which needs a model
    ``f``), in the order of that module: what
    :func:`~sage_conslaw.flows.train.train` trains without more input.

    EXAMPLES::

        sage: from sage_conslaw.flows.models import trainable_architectures
        sage: trainable_architectures()
        ['LinearNetwork', 'MatrixFactorization', 'ReLUNetwork', 'ScalarTimesVector', 'Attention', 'MultiHeadAttention', 'ConvNetwork', 'Residual', 'Sequential', 'NMF', 'ICNN']
    """
    default = TWINS[Architecture]
    found = [getattr(architectures, name) for name in architectures.__all__]   # loads them (PEP 562)
    return [obj.__name__ for obj in found
            if isinstance(obj, type) and issubclass(obj, Architecture) and obj is not Architecture
            and twin_builder(obj) not in (None, default)]


def numeric_model(model):
    r"""
    Return the numeric twin of a model: ``model.numeric_model()`` for an
    architecture (each builds its own twin on its own parameter layout).

    INPUT:

    - ``model`` -- an architecture with a numeric twin (:func:`trainable_architectures`:
      :class:`LinearNetwork`, :class:`ReLUNetwork`, with or without biases,
      :class:`MatrixFactorization`, :class:`ScalarTimesVector`: the model `x
      \mapsto u \langle v, x\rangle`, NMF, ICNN, and the sequence blocks of
      :mod:`~sage_conslaw.flows.twins`: attention, multi-head attention,
      convolution, residual blocks and sequences of blocks),
      a tuple ``(phi, f, grad_f)`` (see :class:`ReparametrizedModel`), or a
      :class:`NumericModel` (returned as it is)

    EXAMPLES::

        sage: from sage_conslaw.architectures import ReLUNetwork, MatrixFactorization, ScalarTimesVector
        sage: from sage_conslaw.flows.models import numeric_model
        sage: numeric_model(ReLUNetwork([2, 3, 2], bias=True))
        numeric ReLU network [2, 3, 2] with biases (D = 17)
        sage: numeric_model(MatrixFactorization(3, 2, 2))
        numeric matrix factorization U V^T, U: 3 x 2, V: 2 x 2 (D = 10)
        sage: numeric_model(ScalarTimesVector(3))
        numeric Example 3.8 model x -> u <v, x>, v in R^3 (D = 4)
        sage: numeric_model(3)
        Traceback (most recent call last):
        ...
        TypeError: cannot train 3: pass an architecture with a numeric twin (LinearNetwork, MatrixFactorization, ReLUNetwork, ScalarTimesVector, Attention, MultiHeadAttention, ConvNetwork, Residual, Sequential, NMF, ICNN) or a tuple (phi, f, grad_f)
        sage: R.<u,v> = QQ[]
        sage: from sage_conslaw import Reparametrization
        sage: numeric_model(Reparametrization([u*v]))
        Traceback (most recent call last):
        ...
        TypeError: a general Reparametrization needs a model f: pass model=(phi, f, grad_f) with f(z, X) and its Jacobian grad_f(z, X) of shape (N, output dim, d)
    """
    if isinstance(model, NumericModel):
        return model
    if isinstance(model, tuple):
        if len(model) != 3:
            raise TypeError("a model tuple must be (phi, f, grad_f), got %s entries" % len(model))
        return ReparametrizedModel(*model)
    twin = getattr(model, "numeric_model", None)
    if callable(twin):
        return twin()
    if isinstance(model, Reparametrization):
        return ReparametrizedModel(model, None, None)
    raise TypeError("cannot train %r: pass an architecture with a numeric twin (%s) or a tuple (phi, f, grad_f)"
                    % (model, ", ".join(trainable_architectures())))
