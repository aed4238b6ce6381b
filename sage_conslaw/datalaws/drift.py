r"""
The exact drift of a conservation law under one step of a discrete method,
as a polynomial in the step size `\eta`.

A law `h` is conserved by the gradient *flow*: `\langle\nabla h, g\rangle =
0` for every gradient `g` the flow can take. A step of gradient descent
`\theta' = \theta - \eta g` moves it by

.. MATH::

    h(\theta - \eta g) - h(\theta) = \sum_{k \ge 2} \frac{(-\eta)^k}{k!}\, D^k h(\theta)[g, \dots, g],

a polynomial in `\eta` of degree `\deg h` with no term of degree `< 2`: for
a quadratic law exactly `\tfrac12 \eta^2 g^\top \nabla^2 h\, g`. SGD takes the
gradient of a mini-batch, which is orthogonal to `\nabla h` as well (for the
laws of every data set, and for the laws of a data set that contains the
batch). The heavy ball of PyTorch (``torch.optim.SGD(momentum=beta)``: `b
\leftarrow \beta b + g`, `\theta \leftarrow \theta - \eta b`) steps along
`\beta b + g`, whose past part is not orthogonal to `\nabla h(\theta)`: its
drift has a term in `\eta`. :func:`one_step_drift` computes the polynomial
exactly, in Sage's polynomial ring in `\eta` over the field of the point.

EXAMPLES:

Balancedness of `\phi(u, v) = uv` under one step on the loss `\frac12(uv -
y)^2`::

    sage: from sage_conslaw.datalaws.drift import one_step_drift, leading_term, quadratic_drift
    sage: R.<u,v> = QQ[]
    sage: h = u^2 - v^2
    sage: theta = vector(QQ, [2, 1]); r = theta[0] * theta[1] - 5      # residual uv - y
    sage: g = vector(QQ, [r * theta[1], r * theta[0]])                 # the gradient
    sage: P = one_step_drift(h, theta, g); P
    -27*eta^2
    sage: leading_term(P), quadratic_drift(h, theta, g)
    ((2, -27), -27)
"""
from sage.matrix.constructor import matrix
from sage.modules.free_module_element import vector
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ
from sage.structure.element import get_coercion_model

from sage_conslaw.core import checks
from sage_conslaw.core.points import to_exact_polynomial

#: The discrete methods whose one-step drift is known exactly.
DRIFT_METHODS = ("gd", "sgd", "heavy_ball")


def _exact_vector(v, D, what):
    r"""
    Return ``v`` as a list of `D` exact numbers (floats converted exactly).

    TESTS::

        sage: from sage_conslaw.datalaws.drift import _exact_vector
        sage: _exact_vector([1, 0.5], 2, "the gradient")
        [1, 1/2]
        sage: _exact_vector([1], 2, "the gradient")
        Traceback (most recent call last):
        ...
        ValueError: the gradient has 1 coordinates, expected D = 2
        sage: _exact_vector(['a', 1], 2, "the gradient")
        Traceback (most recent call last):
        ...
        TypeError: the gradient must hold numbers, got 'a' (str)
    """
    if hasattr(v, "detach") and hasattr(v, "cpu"):        # a tensor
        v = v.detach().cpu().double().numpy()
    v = list(v)
    if len(v) != D:
        raise ValueError("%s has %s coordinates, expected D = %s" % (what, len(v), D))
    out = []
    for x in v:
        if isinstance(x, (str, bytes)):
            raise TypeError("%s must hold numbers, got %r (%s)" % (what, x, type(x).__name__))
        if isinstance(x, float) or (hasattr(x, "parent") and callable(x.parent)
                                    and hasattr(x.parent(), "is_exact") and not x.parent().is_exact()) \
                or type(x).__module__ == "numpy":
            n, d = float(x).as_integer_ratio()
            out.append(QQ(n) / QQ(d))
        else:
            out.append(x)
    return out


def one_step_drift(h, theta, gradient, method="gd", buffer=None, momentum=0.9, name="eta"):
    r"""
    Return `h(\theta') - h(\theta)` for one step of ``method`` from `\theta`,
    as a polynomial in the step size `\eta`, exactly.

    INPUT:

    - ``h`` -- a polynomial (the law)
    - ``theta`` -- the point (exact numbers; floats are converted exactly)
    - ``gradient`` -- the gradient `g` of the step (the full loss for ``'gd'``,
      the mini-batch loss for ``'sgd'``)
    - ``method`` -- ``'gd'`` or ``'sgd'`` (`\theta' = \theta - \eta g`), or
      ``'heavy_ball'`` (PyTorch's: `\theta' = \theta - \eta(\beta b + g)` with
      the momentum ``buffer`` `b` of the previous step; the package's
      ``train(method='momentum')`` has the velocity `v = -\eta b`)
    - ``buffer`` -- the momentum buffer `b` (``'heavy_ball'`` only; default `0`)
    - ``momentum`` -- `\beta` (``'heavy_ball'`` only; exact, or a float converted exactly)
    - ``name`` -- the name of the variable `\eta`

    OUTPUT: an element of ``K[eta]``, ``K`` the field of the point and the gradient

    EXAMPLES:

    A law of degree 4 moves at order `\eta^2` and up to `\eta^4` (here `g \perp \nabla h`)::

        sage: from sage_conslaw.datalaws.drift import one_step_drift
        sage: R.<a,b> = QQ[]
        sage: one_step_drift((a^2 - b^2)^2, [1, 2], [2, 1])
        9*eta^4 - 18*eta^2
        sage: one_step_drift(a^2 - b^2, [1, 2], [2, 1], method='heavy_ball', buffer=[1, 1], momentum=1/2)
        4*eta^2 + eta

    The heavy ball without a past is gradient descent::

        sage: one_step_drift(a^2 - b^2, [1, 2], [2, 1], method='heavy_ball') == one_step_drift(a^2 - b^2, [1, 2], [2, 1])
        True
        sage: one_step_drift(a^2, [1, 2], [2, 1], method='adam')
        Traceback (most recent call last):
        ...
        ValueError: method must be one of 'gd', 'sgd', 'heavy_ball', got 'adam'
        sage: one_step_drift(a^2, [1, 2], [2, 1], buffer=[1, 1])
        Traceback (most recent call last):
        ...
        ValueError: a momentum buffer is given with method='gd': the buffer is for method='heavy_ball'
    """
    checks.one_of(method, DRIFT_METHODS, "method")
    if not hasattr(h, "parent") or not hasattr(h.parent(), "ngens"):
        raise TypeError("h must be a polynomial, got %r" % (h,))
    R = h.parent()
    h = to_exact_polynomial(h, R, "the law")
    D = R.ngens()
    theta = _exact_vector(theta, D, "the point")
    g = _exact_vector(gradient, D, "the gradient")
    if method == "heavy_ball":
        b = [0] * D if buffer is None else _exact_vector(buffer, D, "the momentum buffer")
        beta = _exact_vector([momentum], 1, "the momentum")[0]
        step = [beta * x + y for x, y in zip(b, g)]
    else:
        if buffer is not None:
            raise ValueError("a momentum buffer is given with method=%r: the buffer is for method='heavy_ball'"
                             % method)
        step = g
    K = get_coercion_model().common_parent(R.base_ring(), *[x.parent() if hasattr(x, "parent") else QQ
                                                             for x in theta + step])
    S = PolynomialRing(K, name)
    eta = S.gen()
    moved = [S(t) - eta * S(d) for t, d in zip(theta, step)]
    return S(h(*moved)) - S(h(*[S(t) for t in theta]))


def leading_term(drift):
    r"""
    Return ``(k, c)``: the lowest power `\eta^k` of a drift polynomial and its
    coefficient (``(None, 0)`` for the zero polynomial: the law does not move).

    EXAMPLES::

        sage: from sage_conslaw.datalaws.drift import leading_term
        sage: S.<eta> = QQ[]
        sage: leading_term(3*eta^4 - 2*eta^2), leading_term(S(0))
        ((2, -2), (None, 0))
    """
    if drift == 0:
        return None, 0
    k = drift.valuation()
    return k, drift[k]


def quadratic_drift(h, theta, gradient):
    r"""
    Return the closed form `\tfrac12 g^\top \nabla^2 h(\theta)\, g` of the
    `\eta^2` coefficient of the drift (exact; the whole drift when `h` is
    quadratic and `g \perp \nabla h(\theta)`).

    EXAMPLES::

        sage: from sage_conslaw.datalaws.drift import quadratic_drift, one_step_drift
        sage: R.<a,b,c> = QQ[]
        sage: h = a*b - c^2; theta, g = [1, 2, 3], [1, -1, 1/3]
        sage: quadratic_drift(h, theta, g), one_step_drift(h, theta, g)[2]
        (-10/9, -10/9)
    """
    R = h.parent()
    D = R.ngens()
    theta = _exact_vector(theta, D, "the point")
    g = _exact_vector(gradient, D, "the gradient")
    index = {x: i for i, x in enumerate(R.gens())}
    used = [x for x in R.gens() if x in h.variables()]          # the Hessian lives on the variables of h
    H = matrix([[h.derivative(x).derivative(y)(*theta) for y in used] for x in used])
    gh = vector([g[index[x]] for x in used])
    return gh * H * gh / 2 if used else 0
