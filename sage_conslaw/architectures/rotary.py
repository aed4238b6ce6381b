r"""
Attention with rotary (RoPE) or sinusoidal position encodings.

A head maps `L` tokens `x_0, \dots, x_{L-1} \in \RR^{d_{in}}` to
`\sum_n \mathrm{softmax}_n(s_{mn})\, O^\top V x_n` with scores

.. MATH::

    s_{mn} = (R_m Q x_m)^\top (R_n K x_n) = x_m^\top Q^\top R_{n-m} K x_n,

`Q, K \in \RR^{d_k \times d_{in}}`, `V \in \RR^{d_v \times d_{in}}`, `O \in
\RR^{d_v \times d_{out}}` (the layout of
:class:`~sage_conslaw.architectures.attention.MultiHeadAttention`), and `R_m`
the rotation by the angles `m \omega_i`, `\omega_i = \mathrm{base}^{-2i/d_k}`,
of the planes `(2i, 2i+1)` (an odd last coordinate is not rotated).  On plane
`i`, `R_{n-m} = \cos((n-m)\omega_i) I_i + \sin((n-m)\omega_i) J_i`, so over the
positions the scores span the forms `Q_i^\top K_i` and `Q_i^\top J K_i`
(`Q_i`: the two rows of plane `i`, `J` the rotation by `\pi/2`): the head
factors through the polynomial

.. MATH::

    \phi = \bigl((Q_i^\top K_i,\ Q_i^\top J K_i)_{i},\ (q^\top k \text{ of an odd last row}),\ V^\top O\bigr),

with rational coefficients, whatever the (irrational) frequencies.  The
symmetries of a plane are `Q_i \mapsto A Q_i`, `K_i \mapsto A^{-\top} K_i`
with `A = aI + bJ` (rotations and scalings): the rotation gives no law and
the scaling one, `\|Q_i\|^2 - \|K_i\|^2`.  Plain attention (and sinusoidal
encodings, which are added to the inputs and change nothing of `\phi`) has
the `GL(d_k)` of `Q^\top K` instead.  Values and outputs keep `V^\top O`.

:meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace`
proves, with the softmax and the true frequencies in ball arithmetic, that the
network's gradients span `W_\phi` (or reach `D - N` with the declared laws).

EXAMPLES::

    sage: from sage_conslaw.architectures.rotary import RotaryAttention
    sage: att = RotaryAttention(3, 2, 1, 2); att
    Rotary attention: 1 head, d_in = 3, d_k = 2, d_v = 1, d_out = 2, 3 positions: D = 17 parameters
    sage: att.known_conservation_laws()[0]
    Q_0_0^2 + Q_0_1^2 + Q_0_2^2 + Q_1_0^2 + Q_1_1^2 + Q_1_2^2 - K_0_0^2 - K_0_1^2 - K_0_2^2 - K_1_0^2 - K_1_1^2 - K_1_2^2
    sage: att.lie_trace().number_of_laws         # one per plane + V/O's one
    2
    sage: RotaryAttention(3, 2, 1, 2, positional=None).lie_trace().number_of_laws   # plain: d_k (d_k + 1) / 2 + 1
    4
"""
from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.functional import DualField, Jet, NetworkLaws, softmax
from sage_conslaw.architectures.linear import balancedness
from sage_conslaw.core.checks import positive_integer

#: The position encodings: rotary (RoPE), sinusoidal (added to the inputs), none.
POSITIONALS = ("rotary", "sinusoidal", None)


def plane_rows(d_k):
    r"""
    The row indices of each rotation plane: ``[[0, 1], [2, 3], ...]``, and ``[d_k - 1]`` for an odd last row.

    EXAMPLES::

        sage: from sage_conslaw.architectures.rotary import plane_rows
        sage: plane_rows(5)
        [[0, 1], [2, 3], [4]]
    """
    planes = [[2 * i, 2 * i + 1] for i in range(d_k // 2)]
    return planes + ([[d_k - 1]] if d_k % 2 else [])


class RotaryAttention(NetworkLaws, Block):
    r"""
    Multi-head attention with rotary (default), sinusoidal or no position encoding (see the module documentation).

    INPUT:

    - ``d_in``, ``d_k``, ``d_v``, ``d_out`` -- the dimensions of one head
    - ``heads`` -- the number of heads (default 1); parameters ``Q1, K1, V1, O1, Q2, ...`` (``Q, K, V, O`` for one)
    - ``positional`` -- ``'rotary'`` (default), ``'sinusoidal'`` or ``None``
    - ``length`` -- the number `L` of positions of a sample (default 3)
    - ``base`` -- the base of the frequencies (default 10000, as RoPE and the sinusoids)

    EXAMPLES::

        sage: from sage_conslaw.architectures.rotary import RotaryAttention
        sage: RotaryAttention(2, 3, 1, 1, heads=2, positional='sinusoidal', length=4)
        Sinusoidal-encoding attention: 2 heads, d_in = 2, d_k = 3, d_v = 1, d_out = 1, 4 positions: D = 30 parameters
        sage: RotaryAttention(2, 2, 1, 1, positional='alibi')
        Traceback (most recent call last):
        ...
        ValueError: positional must be one of 'rotary', 'sinusoidal', None, got 'alibi'
    """

    PHI_NOTE = ("these are the laws of phi; network_trace() proves, with the softmax and the true frequencies "
                "in ball arithmetic, that the network has no other near the point")

    def __init__(self, d_in, d_k, d_v, d_out, heads=1, positional='rotary', length=3, base=10000):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: att = RotaryAttention(2, 2, 1, 1, heads=2); att.parameter_names(), att.input_shape
            (['Q1', 'K1', 'V1', 'O1', 'Q2', 'K2', 'V2', 'O2'], (3, 2))
        """
        self.d_in, self.d_k = positive_integer(d_in, "d_in"), positive_integer(d_k, "d_k")
        self.d_v, self.d_out = positive_integer(d_v, "d_v"), positive_integer(d_out, "d_out")
        self.heads = positive_integer(heads, "the number of heads")
        if positional not in POSITIONALS:
            raise ValueError("positional must be one of 'rotary', 'sinusoidal', None, got %r" % (positional,))
        self.positional = positional
        self.length = positive_integer(length, "length")
        self.base = positive_integer(base, "base")
        self.input_shape = (self.length, self.d_in)
        shapes = []
        for s in self._suffixes():
            shapes += [("Q" + s, (self.d_k, self.d_in), "weight"), ("K" + s, (self.d_k, self.d_in), "weight"),
                       ("V" + s, (self.d_v, self.d_in), "weight"), ("O" + s, (self.d_v, self.d_out), "weight")]
        Block.__init__(self, shapes, self._components_from, self.d_in, self.d_out)

    def _suffixes(self):
        r"""The suffixes of the heads' parameter names (none for one head).

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RotaryAttention(1, 1, 1, 1)._suffixes(), RotaryAttention(1, 1, 1, 1, heads=2)._suffixes()
            ([''], ['1', '2'])
        """
        return [""] if self.heads == 1 else [str(h) for h in range(1, self.heads + 1)]

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RotaryAttention(1, 1, 1, 1, positional=None)
            Attention (no position encoding): 1 head, d_in = 1, d_k = 1, d_v = 1, d_out = 1, 3 positions: D = 4 parameters
        """
        kind = {"rotary": "Rotary attention", "sinusoidal": "Sinusoidal-encoding attention",
                None: "Attention (no position encoding)"}[self.positional]
        return "%s: %s head%s, d_in = %s, d_k = %s, d_v = %s, d_out = %s, %s positions: D = %s parameters" % (
            kind, self.heads, "s" if self.heads > 1 else "", self.d_in, self.d_k, self.d_v, self.d_out,
            self.length, self.D)

    def _components_from(self, M):
        r"""
        `\phi`: per head, the plane forms `Q_i^\top K_i`, `Q_i^\top J K_i` (rotary) or `Q^\top K`, then `V^\top O`.

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RotaryAttention(1, 2, 1, 1).components()
            (Q_0_0*K_0_0 + Q_1_0*K_1_0, -Q_1_0*K_0_0 + Q_0_0*K_1_0, V_0_0*O_0_0)
            sage: att = RotaryAttention(2, 3, 1, 1); att._components_from(att.parameters()) == list(att.components())
            True
        """
        phis = []
        J = matrix(QQ, [[0, 1], [-1, 0]])
        for s in self._suffixes():
            Q, K = M["Q" + s], M["K" + s]
            if self.positional == "rotary":
                for rows in plane_rows(self.d_k):
                    Qi, Ki = Q.matrix_from_rows(rows), K.matrix_from_rows(rows)
                    phis += (Qi.transpose() * Ki).list()
                    if len(rows) == 2:
                        phis += (Qi.transpose() * J * Ki).list()
            else:
                phis += (Q.transpose() * K).list()
            phis += (M["V" + s].transpose() * M["O" + s]).list()
        return phis

    def known_conservation_laws(self):
        r"""
        Per head: one law per rotation plane `\|Q_i\|^2 - \|K_i\|^2` (rotary), or the entries of
        `Q Q^\top - K K^\top` (plain and sinusoidal); and the entries of `V V^\top - O O^\top`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: len(RotaryAttention(2, 5, 2, 2).known_conservation_laws())    # 3 planes + 3
            6
            sage: len(RotaryAttention(2, 5, 2, 2, positional=None).known_conservation_laws())   # 15 + 3
            18
        """
        M = self.parameters()
        laws = []
        for s in self._suffixes():
            Q, K = M["Q" + s], M["K" + s]
            if self.positional == "rotary":
                for rows in plane_rows(self.d_k):
                    laws.append(sum(q ** 2 for q in Q.matrix_from_rows(rows).list())
                                - sum(k ** 2 for k in K.matrix_from_rows(rows).list()))
            else:
                laws += balancedness(Q.transpose(), K)
            laws += balancedness(M["V" + s].transpose(), M["O" + s])
        return laws

    def _number_of_output_rows(self, x):
        r"""`L\, d_{out}` outputs per sample.

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RotaryAttention(1, 1, 1, 2, length=4)._number_of_output_rows(None)
            8
        """
        return self.length * self.d_out

    def _rotations(self, RB):
        r"""
        ``(cos, sin)`` of the angles `m \omega_i` (balls), by position `m` and plane `i`.

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: c, s = RotaryAttention(1, 2, 1, 1, length=2)._rotations(RealBallField(53)); c[1][0], s[1][0]
            ([0.5403023058681...], [0.8414709848078...])
        """
        omegas = [RB(self.base) ** (RB(-2 * i) / self.d_k) for i in range(self.d_k // 2)]
        cos = [[(m * w).cos() for w in omegas] for m in range(self.length)]
        sin = [[(m * w).sin() for w in omegas] for m in range(self.length)]
        return cos, sin

    def _sinusoids(self, RB):
        r"""
        The sinusoidal encodings `p_m` (balls): `\sin(m / \mathrm{base}^{2i/d})` at `2i`, `\cos` at `2i+1`.

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RotaryAttention(2, 1, 1, 1, length=2)._sinusoids(RealBallField(53))[1]
            [[0.8414709848078...], [0.5403023058681...]]
        """
        d = self.d_in
        out = []
        for m in range(self.length):
            row = []
            for j in range(d):
                a = RB(m) / RB(self.base) ** (RB(2 * (j // 2)) / d)
                row.append(a.sin() if j % 2 == 0 else a.cos())
            out.append(row)
        return out

    def _network_output(self, params, x):
        r"""
        The layer on parameter jets (or balls) ``params`` and a flattened sequence ``x`` of `L` tokens.

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RB = RealBallField(53)
            sage: att = RotaryAttention(1, 1, 1, 1, length=2)      # one unrotated coordinate: plain attention
            sage: att._network_output([RB(0), RB(0), RB(2), RB(3)], [1, 3])     # equal scores: the mean of 6 x
            [12.00000000000000, 12.00000000000000]
        """
        RB = _ball_field(params)
        L, d = self.length, self.d_in
        X = [list(x[m * d:(m + 1) * d]) for m in range(L)]
        if self.positional == "sinusoidal":
            P = self._sinusoids(RB)
            X = [[xi + pi for xi, pi in zip(xm, pm)] for xm, pm in zip(X, P)]
        if self.positional == "rotary":
            cos, sin = self._rotations(RB)
        out = [[0] * self.d_out for _ in range(L)]
        for s in self._suffixes():
            M = self._head(params, s)
            q = [_matvec(M["Q"], xm) for xm in X]
            k = [_matvec(M["K"], xm) for xm in X]
            if self.positional == "rotary":
                q = [_rotate(qm, cos[m], sin[m]) for m, qm in enumerate(q)]
                k = [_rotate(km, cos[m], sin[m]) for m, km in enumerate(k)]
            # O^T V x_n, by token
            v = [_matvec(M["V"], xm) for xm in X]
            y = [[_dot([M["O"][a][o] for a in range(self.d_v)], vn) for o in range(self.d_out)] for vn in v]
            for m in range(L):
                S = softmax([_dot(q[m], k[n]) for n in range(L)])
                for o in range(self.d_out):
                    out[m][o] = out[m][o] + _dot(S, [y[n][o] for n in range(L)])
        return [o for row in out for o in row]

    def _head(self, params, s):
        r"""
        The matrices of head ``s`` (lists of rows) from the list of parameter values.

        TESTS::

            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: RotaryAttention(1, 1, 1, 2)._head(list(range(5)), '')
            {'K': [[1]], 'O': [[3, 4]], 'Q': [[0]], 'V': [[2]]}
        """
        out = {}
        for name in ("Q", "K", "V", "O"):
            P = self.layout()[name + s]
            r, c = P.shape
            flat = params[P.offset:P.offset + r * c]
            out[name] = [flat[i * c:(i + 1) * c] for i in range(r)]
        return out

    def _random_input(self, rng):
        r"""
        A random sequence of `L` tokens (flattened): rationals `k/4`, `1 \le |k| \le 4`.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.rotary import RotaryAttention
            sage: len(RotaryAttention(3, 1, 1, 1, length=4)._random_input(np.random.default_rng(int(0))))
            12
        """
        n = self.length * self.d_in
        return [QQ((int(k) * int(s), 4)) for k, s in zip(rng.integers(1, 5, size=n), rng.choice([-1, 1], size=n))]


def _ball_field(params):
    r"""
    The field of the numbers of ``params`` (jets' values, balls, dual numbers).

    TESTS::

        sage: from sage_conslaw.architectures.rotary import _ball_field
        sage: from sage_conslaw.architectures.functional import Jet
        sage: _ball_field([Jet(RealBallField(20)(1))])
        Real ball field with 20 bits of precision
    """
    v = params[0]
    v = v.value if isinstance(v, Jet) else v
    P = v.parent()
    while isinstance(P, DualField):
        P = P.base
    return P


def _dot(a, b):
    r"""
    `\sum_i a_i b_i` (jets or numbers).

    TESTS::

        sage: from sage_conslaw.architectures.rotary import _dot
        sage: _dot([1, 2], [3, 4])
        11
    """
    s = a[0] * b[0]
    for ai, bi in zip(a[1:], b[1:]):
        s = ai * bi + s
    return s


def _matvec(W, x):
    r"""
    `W x` for a list of rows ``W``.

    TESTS::

        sage: from sage_conslaw.architectures.rotary import _matvec
        sage: _matvec([[1, 2], [3, 4]], [1, 1])
        [3, 7]
    """
    return [_dot(row, x) for row in W]


def _rotate(q, cos, sin):
    r"""
    Rotate the planes `(2i, 2i+1)` of ``q`` by the angles of ``cos``, ``sin`` (an odd last coordinate stays).

    TESTS::

        sage: from sage_conslaw.architectures.rotary import _rotate
        sage: _rotate([1, 0, 5], [0], [1])
        [0, 1, 5]
    """
    out = list(q)
    for i, (c, s) in enumerate(zip(cos, sin)):
        a, b = q[2 * i], q[2 * i + 1]
        out[2 * i], out[2 * i + 1] = a * c - b * s, a * s + b * c
    return out
