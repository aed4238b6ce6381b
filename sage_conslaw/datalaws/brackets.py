r"""
Nested brackets of data fields in ball arithmetic, at any depth: elements
`[X_{i_0}, [X_{i_1}, \dots, [X_{i_{k-1}}, X_{i_k}]]]` of `\mathrm{Lie}(W_X)`
evaluated at `\theta` exactly enclosed (Arb balls), by nested dual numbers
through the network's own forward pass (no hand-written derivative).

A field is a function of the parameter values (numbers of any kind: balls,
dual numbers of them, ...); the bracket of two fields is
`[F, G](\theta) = DG(\theta)\,F(\theta) - DF(\theta)\,G(\theta)`, each
directional derivative the dual part of the field at `\theta + \varepsilon v`.
Depth `k` costs about `2^k` forward passes on `k`-fold dual numbers.

EXAMPLES::

    sage: from sage_conslaw.datalaws.brackets import nested_bracket_rank
    sage: from sage_conslaw.architectures.functional import tanh
    sage: f = lambda p, x: [p[2] * tanh(p[0] * x + p[1])]
    sage: [nested_bracket_rank(f, [QQ(1)/2, QQ(1)/3, 2], [QQ(1), QQ(2)], depth) for depth in (0, 1, 2)]
    [2, 3, 3]
"""
import numpy as np

from sage.matrix.constructor import matrix
from sage.rings.real_arb import RealBallField

from sage_conslaw.architectures.attention import _certified_rank, rank_in_balls    # noqa: F401 (its home; re-exported)
from sage_conslaw.architectures.functional import Dual, jet_gradients
from sage_conslaw.network.balls import PRECISION


def gradient_field(forward, x, o):
    r"""
    The field `\nabla_\theta g_o(\theta, x)` as a function ``F(values, zero)``
    of the parameter values (``zero``: the zero of their kind).

    EXAMPLES::

        sage: from sage_conslaw.datalaws.brackets import gradient_field
        sage: F = gradient_field(lambda p, x: [p[0] * p[1] * x], 3, 0)
        sage: RB = RealBallField(53); F([RB(1), RB(2)], RB(0))
        [6.000000000000000, 3.000000000000000]
    """
    def F(values, zero):
        g = jet_gradients(forward, values, x, zero)
        if g is None:
            raise ArithmeticError("an activation region is not certain at this input")
        return g[o]
    return F


def bracket_field(F, G):
    r"""
    The field `[F, G] = DG\,F - DF\,G` (same calling convention as :func:`gradient_field`).

    EXAMPLES::

        sage: from sage_conslaw.datalaws.brackets import gradient_field, bracket_field
        sage: f = lambda p, x: [p[0] * p[1] * x]
        sage: Z = bracket_field(gradient_field(f, 1, 0), gradient_field(f, 2, 0))
        sage: RB = RealBallField(53); Z([RB(1), RB(2)], RB(0))       # the fields x (v, u) commute
        [0, 0]
    """
    def Z(values, zero):
        f, g = F(values, zero), G(values, zero)
        dz = Dual(zero, zero)
        DG_f = G([Dual(v, c) for v, c in zip(values, f)], dz)
        DF_g = F([Dual(v, c) for v, c in zip(values, g)], dz)
        return [_dual_part(a, zero) - _dual_part(b, zero) for a, b in zip(DG_f, DF_g)]
    return Z


def _dual_part(a, zero):
    r"""
    The dual part of ``a`` (`0` when ``a`` is a plain number: it did not depend on `\varepsilon`).

    TESTS::

        sage: from sage_conslaw.datalaws.brackets import _dual_part
        sage: from sage_conslaw.architectures.functional import Dual
        sage: RB = RealBallField(53); _dual_part(Dual(RB(1), RB(2)), RB(0)), _dual_part(0, RB(0))
        (2.000000000000000, 0)
    """
    return a.b if isinstance(a, Dual) else zero


def nested_bracket_rank(forward, theta, inputs, depth, count=None, seed=0, precision=PRECISION, outputs=None):
    r"""
    A proven lower bound of `\dim \mathrm{Lie}(W_X)(\theta)`: the rank, by a
    ball determinant, of the data fields `\nabla g_o(\theta, x)` (``forward(params, x)``
    on every input of ``inputs``) and of ``count`` random left-normed nested
    brackets of them at each depth `1, \dots,` ``depth`` (default ``count``: the
    number of fields plus 4); an input whose activation region is not certain
    is left out (the bound stays a bound). The precision is doubled up to 3 times.

    EXAMPLES::

        sage: from sage_conslaw.datalaws.brackets import nested_bracket_rank
        sage: f = lambda p, x: [p[0] * p[1] * x]
        sage: nested_bracket_rank(f, [1, 2], [QQ(1), QQ(2)], 3)
        1
    """
    def rows_at(RB):
        zero = RB(0)
        vals = [RB(t) for t in theta]
        fields = []
        for x in inputs:
            g = jet_gradients(forward, vals, x, zero)
            if g is None:
                continue
            fields += [gradient_field(forward, x, o) for o in range(len(g))]
        if not fields:
            return None
        n = count if count is not None else len(fields) + 4
        rows = [F(vals, zero) for F in fields]
        r = np.random.default_rng(int(seed))
        for k in range(1, depth + 1):
            for _ in range(n):
                idx = r.integers(0, len(fields), size=k + 1)
                Z = fields[int(idx[-1])]
                for i in reversed(idx[:-1]):
                    Z = bracket_field(fields[int(i)], Z)
                rows.append(Z(vals, zero))
        return matrix(RB, [[RB(c) if not hasattr(c, 'mid') else c for c in row] for row in rows])

    return rank_in_balls(rows_at, precision)
