r"""
A tiny GPT-style block: RMSNorm, rotary multi-head causal attention, a SwiGLU MLP, residuals.

Tokens `t_0, \dots, t_{L-1}` of a vocabulary of size `V` are embedded (`x_m =
E[t_m]`), then

.. MATH::

    x' = x + \sum_h \mathrm{Attn}_h(\gamma_1 \odot \hat x), \quad
    x'' = x' + W_3(\mathrm{SiLU}(W_1 (\gamma_2 \odot \hat x')) \odot W_2 (\gamma_2 \odot \hat x')), \quad
    \mathrm{logits} = U (\gamma_3 \odot \hat x''),

with `\hat z = z / \sqrt{\|z\|^2/d + \varepsilon}` (RMSNorm, PyTorch's default
`\varepsilon` is the float epsilon: positive) and causal rotary attention
(:mod:`~sage_conslaw.architectures.rotary`; `O_h \in \RR^{d_v \times d}`
writes into the residual stream).

**`\phi`.**  The normalizations themselves have no parameter; the block
factors through the polynomial `\phi` made of `E`, the rotary plane forms of
`Q_h \operatorname{diag}(\gamma_1)` and `K_h \operatorname{diag}(\gamma_1)`,
`\operatorname{diag}(\gamma_1) V_h^\top O_h`, `W_1 \operatorname{diag}(\gamma_2)`,
the units `W_3[:, k] \otimes W_2[k, :] \operatorname{diag}(\gamma_2)` and
`U \operatorname{diag}(\gamma_3)`.  Its laws, from the declared symmetries:

- one per rotation plane of each head, `\|Q_{h,i}\|^2 - \|K_{h,i}\|^2`;
- `V_h V_h^\top - O_h O_h^\top` per head (`GL(d_v)`);
- each gain against the columns it feeds: `\gamma_{1,j}^2 - \sum_h (\|Q_h[:, j]\|^2 + \|K_h[:, j]\|^2 +
  \|V_h[:, j]\|^2)`, `\gamma_{2,j}^2 - \|W_1[:, j]\|^2 - \|W_2[:, j]\|^2`, `\gamma_{3,j}^2 - \|U[:, j]\|^2`;
- one per SwiGLU unit, `\|W_3[:, k]\|^2 - \|W_2[k, :]\|^2`.

The count of `\phi` is certified by the engine, part by part (the attention,
the MLP and the readout have disjoint parameters), and at any size (the
11,360-parameter block: 320 laws) block by block modulo a prime by
:func:`sage_conslaw.torch.modern.tinygpt_phi_count`.  That the *network* has no
other law does not follow from `\phi`: its gradients span less than `W_\phi` (the
rotations of the residual stream, :meth:`TinyGPT.residual_rotation_fields`, are a
symmetry of the block and not of `\phi`), so Theorem 2.14's route does not
apply and only brackets of its fields can prove it:
:meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace` (ball
arithmetic, first-level brackets) proves it at small sizes (`D = 36, 92, 124`
with each `\varepsilon` below, `186` and `264` with the default; 0.5 to 200 s),
and :func:`sage_conslaw.torch.modern.tinygpt_network_count` at any size with an
even number of heads and `d_k \in \{4, 8\}` (the 11,360-parameter block: 320
laws, about 90 s): one rank modulo a prime, with brackets of two levels, at a
special rational point where the scores and the MLP output vanish and a Taylor
polynomial surrogate of the block is exact.
With `\varepsilon = 0` the block has one
more law, the scaling of the residual stream (:meth:`TinyGPT.network_symmetry_laws`);
PyTorch's default `\varepsilon = 2^{-52}` breaks it at relative size about
`10^{-20}` (a singular value of the scaled gradient rows at `D = 36`), below
float64's rounding (a float64 oracle counts one law more) but not below the
balls' precision: certified, the block then has exactly the laws of `\phi`.

EXAMPLES::

    sage: from sage_conslaw.architectures.gpt import TinyGPT
    sage: gpt = TinyGPT(3, 4, 1, 2, 2, 2, length=3); gpt
    Tiny GPT block: vocabulary 3, width 4, 1 head (d_k = 2, d_v = 2), SwiGLU hidden 2, 3 positions: D = 92 parameters
    sage: gpt.number_of_laws_formula()       # 1 plane + 3 (V, O) + 3 x 4 gains + 2 units
    18
    sage: res = gpt.lie_trace(); res.number_of_laws, res.certified
    (18, True)

The network itself, certified (ball arithmetic with brackets)::

    sage: small = TinyGPT(2, 2, 1, 2, 2, 1)
    sage: small.network_trace()
    Network count: 11 conservation laws (D = 36, rank of the network's gradients >= 25), certified
    sage: TinyGPT(2, 2, 1, 2, 2, 1, eps=0).network_trace().number_of_laws     # and the scaling law
    12
    sage: gpt.network_trace().certified        # long time (8 s)
    True
"""
from sage.matrix.constructor import diagonal_matrix, matrix
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.compose import Block
from sage_conslaw.architectures.functional import NetworkLaws, silu, softmax
from sage_conslaw.architectures.linear import balancedness
from sage_conslaw.architectures.normalization import check_eps
from sage_conslaw.architectures.rotary import _ball_field, _dot, _matvec, _rotate, plane_rows
from sage_conslaw.core.checks import positive_integer


class TinyGPT(NetworkLaws, Block):
    r"""
    A GPT-style block on token sequences (see the module documentation).

    INPUT:

    - ``vocab``, ``d`` -- the vocabulary size and the width of the residual stream
    - ``heads``, ``d_k``, ``d_v`` -- the heads and their key (even: rotation planes) and value dimensions
    - ``hidden`` -- the SwiGLU units
    - ``length`` -- positions of a sample (default 4)
    - ``eps`` -- `\varepsilon` of the RMSNorms (default `2^{-52}`, PyTorch's float64 default)
    - ``base`` -- the RoPE base (default 10000)

    EXAMPLES::

        sage: from sage_conslaw.architectures.gpt import TinyGPT
        sage: TinyGPT(3, 4, 1, 3, 2, 2)
        Traceback (most recent call last):
        ...
        ValueError: d_k must be even (rotation planes), got 3
    """

    #: The rotations of the residual stream are a symmetry of the block and not of `\phi`
    #: (:meth:`residual_rotation_fields`): its gradients never span `W_\phi`.
    GRADIENTS_MAY_SPAN_PHI = False

    PHI_NOTE = ("these are the laws of phi, each a law of the block; that the block has no other is not proven here "
                "(network_trace(): ball arithmetic with brackets, small sizes; tinygpt_network_count(): "
                "an even number of heads, d_k = 4 or 8)")

    def __init__(self, vocab, d, heads, d_k, d_v, hidden, length=4, eps=QQ((1, 2 ** 52)), base=10000):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: TinyGPT(2, 2, 2, 2, 1, 1).parameter_names()
            ['E', 'g1', 'Q1', 'K1', 'V1', 'O1', 'Q2', 'K2', 'V2', 'O2', 'g2', 'W1', 'W2', 'W3', 'g3', 'U']
        """
        self.vocab, self.width = positive_integer(vocab, "vocab"), positive_integer(d, "d")
        self.heads, self.d_k = positive_integer(heads, "the number of heads"), positive_integer(d_k, "d_k")
        if self.d_k % 2:
            raise ValueError("d_k must be even (rotation planes), got %s" % self.d_k)
        self.d_v, self.hidden = positive_integer(d_v, "d_v"), positive_integer(hidden, "hidden")
        self.length, self.base = positive_integer(length, "length"), positive_integer(base, "base")
        self.eps = check_eps(eps)
        self.input_shape = (self.length,)
        V, dd = self.vocab, self.width
        shapes = [("E", (V, dd), "weight", 0), ("g1", (dd, 1), "parameter", 1)]
        for s in self._suffixes():
            shapes += [("Q" + s, (self.d_k, dd), "weight", 1), ("K" + s, (self.d_k, dd), "weight", 1),
                       ("V" + s, (self.d_v, dd), "weight", 1), ("O" + s, (self.d_v, dd), "weight", 1)]
        shapes += [("g2", (dd, 1), "parameter", 2), ("W1", (self.hidden, dd), "weight", 2),
                   ("W2", (self.hidden, dd), "weight", 2), ("W3", (dd, self.hidden), "weight", 2),
                   ("g3", (dd, 1), "parameter", 3), ("U", (V, dd), "weight", 3)]
        Block.__init__(self, shapes, self._components_from, V, V)

    def _suffixes(self):
        r"""The suffixes of the heads.

        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: TinyGPT(2, 2, 3, 2, 1, 1)._suffixes()
            ['1', '2', '3']
        """
        return [str(h) for h in range(1, self.heads + 1)]

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: TinyGPT(2, 2, 2, 2, 1, 1)
            Tiny GPT block: vocabulary 2, width 2, 2 heads (d_k = 2, d_v = 1), SwiGLU hidden 1, 4 positions: D = 44 parameters
        """
        return ("Tiny GPT block: vocabulary %s, width %s, %s head%s (d_k = %s, d_v = %s), SwiGLU hidden %s, "
                "%s positions: D = %s parameters" % (self.vocab, self.width, self.heads, "s" if self.heads > 1 else "",
                                                     self.d_k, self.d_v, self.hidden, self.length, self.D))

    def _components_from(self, M):
        r"""
        `\phi` (see the module documentation).

        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: len(TinyGPT(2, 2, 1, 2, 1, 1).components())     # E 4, planes 4+4, VO 4, W1 2, unit 4, U 4
            26
            sage: gpt = TinyGPT(2, 2, 1, 2, 1, 1); gpt._components_from(gpt.parameters()) == list(gpt.components())
            True
        """
        G1, G2, G3 = (diagonal_matrix(M[g].list()) for g in ("g1", "g2", "g3"))
        J = matrix(QQ, [[0, 1], [-1, 0]])
        phis = M["E"].list()
        for s in self._suffixes():
            Q, K = M["Q" + s] * G1, M["K" + s] * G1
            for rows in plane_rows(self.d_k):
                Qi, Ki = Q.matrix_from_rows(rows), K.matrix_from_rows(rows)
                phis += (Qi.transpose() * Ki).list() + (Qi.transpose() * J * Ki).list()
            phis += (G1 * M["V" + s].transpose() * M["O" + s]).list()
        W2 = M["W2"] * G2
        phis += (M["W1"] * G2).list()
        for k in range(self.hidden):
            phis += [u * v for u in M["W3"].column(k) for v in W2.row(k)]
        return phis + (M["U"] * G3).list()

    def known_conservation_laws(self):
        r"""
        The laws of the module documentation.

        EXAMPLES::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: gpt = TinyGPT(2, 2, 1, 2, 1, 1)
            sage: len(gpt.known_conservation_laws()) == gpt.number_of_laws_formula()
            True
        """
        M = self.parameters()
        sq = lambda v: sum(x ** 2 for x in v)
        laws = []
        for s in self._suffixes():
            Q, K = M["Q" + s], M["K" + s]
            for rows in plane_rows(self.d_k):
                laws.append(sq(Q.matrix_from_rows(rows).list()) - sq(K.matrix_from_rows(rows).list()))
            laws += balancedness(M["V" + s].transpose(), M["O" + s])
        for j in range(self.width):
            laws.append(M["g1"][j, 0] ** 2 - sum(sq(M[n + s].column(j)) for s in self._suffixes() for n in "QKV"))
        for j in range(self.width):
            laws.append(M["g2"][j, 0] ** 2 - sq(M["W1"].column(j)) - sq(M["W2"].column(j)))
        for k in range(self.hidden):
            laws.append(sq(M["W3"].column(k)) - sq(M["W2"].row(k)))
        for j in range(self.width):
            laws.append(M["g3"][j, 0] ** 2 - sq(M["U"].column(j)))
        return laws

    def phi_kernel_fields(self, theta):
        r"""
        The values at ``theta`` of `m = 3d + h + H(d_k + d_v^2)` linear vector fields `\xi` with
        `J_\phi(\theta)\,\xi(\theta) = 0` at every `\theta`, as the rows of a (dense) matrix over `\QQ`.

        Each is the derivative at `t = 0` of a one-parameter group of the parameters that leaves
        `\phi` invariant (module documentation):

        - gain `j` of each RMSNorm (`\gamma_{1,j}`, `\gamma_{2,j}`, `\gamma_{3,j}`): `\gamma_j \mapsto e^t
          \gamma_j` and the columns `j` it feeds `\mapsto e^{-t}` (`Q_h, K_h, V_h`; `W_1, W_2`; `U`):
          `Q\,\mathrm{diag}(\gamma)`, `\mathrm{diag}(\gamma) V^\top`, `W\,\mathrm{diag}(\gamma)` are unchanged;
        - SwiGLU unit `k`: `W_3[:, k] \mapsto e^t W_3[:, k]`, `W_2[k, :] \mapsto e^{-t} W_2[k, :]`;
        - rotation plane `i` of head `h`: `(Q_i, K_i) \mapsto (e^t Q_i, e^{-t} K_i)` and `(R_t Q_i, R_t K_i)`
          (a rotation: `R_t^\top R_t = I`, `R_t^\top J R_t = J`), which keep `Q_i^\top K_i` and `Q_i^\top J K_i`;
        - `GL(d_v)` of head `h`, generator `E_{ab}`: `V \mapsto e^{tE_{ab}} V`, `O \mapsto e^{-tE_{ba}} O`
          (`V^\top O` unchanged).

        So `\dim\ker J_\phi \ge m` wherever these `m` values are independent (an open set):
        `\mathrm{rank}\, J_\phi \le D - m` there.

        EXAMPLES::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: gpt = TinyGPT(2, 2, 1, 2, 1, 1)
            sage: th = [QQ((k % 5 + 1, k % 3 + 1)) for k in range(gpt.D)]
            sage: X = gpt.phi_kernel_fields(th); X.dimensions(), X.rank()      # 3 * 2 + 1 + (2 + 1)
            ((10, 32), 10)
            sage: (gpt.jacobian(th) * X.transpose()).is_zero()
            True
            sage: gpt.phi_kernel_fields([1, 2])
            Traceback (most recent call last):
            ...
            ValueError: the point has 2 coordinates, the block has D = 32
        """
        theta = [QQ(t) for t in theta]
        if len(theta) != self.D:
            raise ValueError("the point has %s coordinates, the block has D = %s" % (len(theta), self.D))
        L = {P.name: P for P in self.layout()}
        at = lambda name, i, j: L[name].offset + i * L[name].shape[1] + j
        rows = []

        def field(pairs):
            # pairs: (coordinate, coefficient) with the field's component at that coordinate = coefficient
            row = {}
            for c, v in pairs:
                if v:
                    row[c] = row.get(c, 0) + v
            rows.append(row)

        d, dk, dv = self.width, self.d_k, self.d_v
        col = lambda name, j: [(at(name, i, j), -theta[at(name, i, j)]) for i in range(L[name].shape[0])]
        for j in range(d):
            field([(at("g1", j, 0), theta[at("g1", j, 0)])]
                  + [e for s in self._suffixes() for n in "QKV" for e in col(n + s, j)])
        for j in range(d):
            field([(at("g2", j, 0), theta[at("g2", j, 0)])] + col("W1", j) + col("W2", j))
        for j in range(d):
            field([(at("g3", j, 0), theta[at("g3", j, 0)])] + col("U", j))
        for k in range(self.hidden):
            field([(at("W3", i, k), theta[at("W3", i, k)]) for i in range(d)]
                  + [(at("W2", k, j), -theta[at("W2", k, j)]) for j in range(d)])
        for s in self._suffixes():
            Q, K, V, O = ("Q" + s, "K" + s, "V" + s, "O" + s)
            for i in range(dk // 2):
                e, o = 2 * i, 2 * i + 1
                field([(at(Q, r, j), theta[at(Q, r, j)]) for r in (e, o) for j in range(d)]
                      + [(at(K, r, j), -theta[at(K, r, j)]) for r in (e, o) for j in range(d)])
                # d/dt R_t x = J' x, J' = [[0, -1], [1, 0]]: (x_e, x_o) -> (-x_o, x_e)
                field([(at(M, e, j), -theta[at(M, o, j)]) for M in (Q, K) for j in range(d)]
                      + [(at(M, o, j), theta[at(M, e, j)]) for M in (Q, K) for j in range(d)])
            for a in range(dv):
                for b in range(dv):
                    field([(at(V, a, j), theta[at(V, b, j)]) for j in range(d)]
                          + [(at(O, b, j), -theta[at(O, a, j)]) for j in range(d)])
        # dense: Sage's rank of a sparse matrix over QQ takes minutes at a few hundred rows
        return matrix(QQ, len(rows), self.D, {(r, c): v for r, row in enumerate(rows) for c, v in row.items()},
                      sparse=False)

    def residual_rotation_fields(self, theta):
        r"""
        The values at ``theta`` (gains nonzero) of the `d(d-1)/2` fields of the rotations of the
        residual stream, a symmetry of the *network* that is not one of `\phi`, as the rows of a
        (dense) matrix over `\QQ`.

        **Proof that the network is invariant.**  RMSNorm commutes with an orthogonal `A`
        (`\|Az\| = \|z\|`, any `\varepsilon`).  Rotate the residual stream, `x \mapsto Ax`: `E \mapsto E A^\top`,
        the writers `O_h \mapsto O_h A^\top` and `W_3 \mapsto A W_3`, and each reader `M` behind a gain
        `\gamma` (`Q_h, K_h, V_h` behind `\gamma_1`; `W_1, W_2` behind `\gamma_2`; `U` behind `\gamma_3`)
        `M \mapsto M\,\mathrm{diag}(\gamma) A^\top \mathrm{diag}(\gamma)^{-1}`: then `M (\gamma \odot
        \widehat{Ax}) = M\,\mathrm{diag}(\gamma)\,\hat x` is unchanged, the attention and SwiGLU outputs are
        rotated with the stream, and the logits are unchanged.  The field of `A = e^{tS}`, `S = E_{ab} -
        E_{ba}`, is the derivative at `t = 0`.  So every gradient `\nabla_\theta g(\theta, x)` is orthogonal
        to these fields; `E` moves under them but under none of :meth:`phi_kernel_fields`, so when both
        families are independent at `\theta`, `\mathrm{rank}\, W_g(\theta) \le D - m - d(d-1)/2 <
        \mathrm{rank}\, J_\phi(\theta)` wherever `J_\phi` has rank `D - m`: the network's fields span
        less than `W_\phi` and `W_g = W_\phi` (Theorem 2.14's route) never holds for this block.

        EXAMPLES::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: gpt = TinyGPT(3, 3, 1, 2, 1, 1)
            sage: th = [QQ((k % 5 + 1, k % 3 + 1)) for k in range(gpt.D)]
            sage: R = gpt.residual_rotation_fields(th); R.dimensions()
            (3, 54)
            sage: X = gpt.phi_kernel_fields(th); X.stack(R).rank() == X.rank() + 3
            True
            sage: (gpt.jacobian(th) * R.transpose()).is_zero()     # not a symmetry of phi
            False
        """
        theta = [QQ(t) for t in theta]
        if len(theta) != self.D:
            raise ValueError("the point has %s coordinates, the block has D = %s" % (len(theta), self.D))
        L = {P.name: P for P in self.layout()}
        at = lambda name, i, j: L[name].offset + i * L[name].shape[1] + j
        val = lambda name, i, j: theta[at(name, i, j)]
        gain = lambda g, j: theta[at(g, j, 0)]
        if any(gain(g, j) == 0 for g in ("g1", "g2", "g3") for j in range(self.width)):
            raise ValueError("a gain is zero at theta: the rotation fields divide by the gains")
        readers = [(n + s, "g1") for s in self._suffixes() for n in "QKV"] + [("W1", "g2"), ("W2", "g2"), ("U", "g3")]
        writers_right = ["E"] + ["O" + s for s in self._suffixes()]          # M -> M A^T
        entries = {}
        r = 0
        for a in range(self.width):
            for b in range(a + 1, self.width):
                def put(c, v):
                    if v:
                        entries[(r, c)] = entries.get((r, c), 0) + v
                for M in writers_right:             # (M S^T)[i, a] = M[i, b], [i, b] = -M[i, a]
                    for i in range(L[M].shape[0]):
                        put(at(M, i, a), val(M, i, b))
                        put(at(M, i, b), -val(M, i, a))
                for M, g in readers:                                          # M diag(g) S^T diag(g)^{-1}
                    for i in range(L[M].shape[0]):
                        put(at(M, i, a), val(M, i, b) * gain(g, b) / gain(g, a))
                        put(at(M, i, b), -val(M, i, a) * gain(g, a) / gain(g, b))
                for k in range(self.hidden):        # (S W3)[a, k] = W3[b, k], [b, k] = -W3[a, k]
                    put(at("W3", a, k), val("W3", b, k))
                    put(at("W3", b, k), -val("W3", a, k))
                r += 1
        return matrix(QQ, r, self.D, entries, sparse=False)

    def network_symmetry_laws(self):
        r"""
        With `\varepsilon = 0`, the scaling of the residual stream (`E`, every `O_h` and `W_3` times
        `\lambda > 0`: every RMSNorm input is scaled, every RMSNorm output unchanged) conserves
        `\|E\|^2 + \sum_h \|O_h\|^2 + \|W_3\|^2`; with `\varepsilon > 0` it is no symmetry (no law declared).

        EXAMPLES::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: TinyGPT(2, 2, 1, 2, 1, 1).network_symmetry_laws()
            []
            sage: h, = TinyGPT(1, 1, 1, 2, 1, 1, eps=0).network_symmetry_laws(); h
            E_0_0^2 + O1_0_0^2 + W3_0_0^2
        """
        if self.eps != 0:
            return []
        M = self.parameters()
        names = ["E"] + ["O" + s for s in self._suffixes()] + ["W3"]
        return [sum(x ** 2 for n in names for x in M[n].list())]

    def number_of_laws_formula(self):
        r"""
        The number of the known laws, independent at a generic point (checked by the engine on the sizes
        tried): `H (d_k/2 + r(2 d_v + 1 - r)/2) + 3d + h` with `r = \min(2d, d_v)` (Proposition 4.2 for `V^\top O`).

        EXAMPLES::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: TinyGPT(16, 32, 4, 8, 8, 64).number_of_laws_formula()     # 4 (4 + 36) + 3 * 32 + 64
            320
        """
        r = min(2 * self.width, self.d_v)
        return self.heads * (self.d_k // 2 + r * (2 * self.d_v + 1 - r) // 2) + 3 * self.width + self.hidden

    def _number_of_output_rows(self, x):
        r"""`L V` logits per sample.

        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: TinyGPT(3, 2, 1, 2, 1, 1, length=5)._number_of_output_rows(None)
            15
        """
        return self.length * self.vocab

    def _unpack(self, params):
        r"""
        The parameters by name (lists of rows; gains as lists).

        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: M = TinyGPT(1, 1, 1, 2, 1, 1)._unpack(list(range(17))); M['g1'], M['Q1']
            ([1], [[2], [3]])
        """
        L = self.layout()
        return L.as_lists(params, vectors=[n for n in L.names() if n[0] == "g"])

    def _rms(self, x, g):
        r"""
        `g \odot x / \sqrt{\|x\|^2/d + \varepsilon}`.

        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: RB = RealBallField(53)
            sage: TinyGPT(1, 2, 1, 2, 1, 1, eps=0)._rms([RB(3), RB(4)], [1, 2])
            [[0.84852813742385... +/- ...], [2.2627416997969... +/- ...]]
        """
        sq = [xi * xi for xi in x]
        inv = 1 / (sum(sq[1:], sq[0]) / len(x) + self.eps).sqrt()
        return [gi * (xi * inv) for gi, xi in zip(g, x)]

    def _network_output(self, params, x):
        r"""
        The logits (`L \times V`, flattened) on parameter jets (or balls) and a sequence of token ids ``x``.

        TESTS::

            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: from sage_conslaw.architectures.functional import Jet
            sage: RB = RealBallField(53)
            sage: gpt = TinyGPT(2, 2, 1, 2, 1, 1, length=2)
            sage: out = gpt._network_output([Jet(RB(k) / 7) for k in range(1, gpt.D + 1)], [0, 1]); len(out)
            4
        """
        RB = _ball_field(params)
        M = self._unpack(params)
        L = self.length
        X = [list(M["E"][int(t)]) for t in x]
        omegas = [RB(self.base) ** (RB(-2 * i) / self.d_k) for i in range(self.d_k // 2)]
        cos = [[(m * w).cos() for w in omegas] for m in range(L)]
        sin = [[(m * w).sin() for w in omegas] for m in range(L)]
        A = [self._rms(xm, M["g1"]) for xm in X]
        X1 = [list(xm) for xm in X]
        for s in self._suffixes():
            q = [_rotate(_matvec(M["Q" + s], a), cos[m], sin[m]) for m, a in enumerate(A)]
            k = [_rotate(_matvec(M["K" + s], a), cos[m], sin[m]) for m, a in enumerate(A)]
            v = [_matvec(M["V" + s], a) for a in A]
            O = M["O" + s]
            y = [[_dot([O[c][j] for c in range(self.d_v)], vn) for j in range(self.width)] for vn in v]
            for m in range(L):
                S = softmax([_dot(q[m], k[n]) for n in range(m + 1)])       # causal
                for j in range(self.width):
                    X1[m][j] = X1[m][j] + _dot(S, [y[n][j] for n in range(m + 1)])
        out = []
        for m in range(L):
            b = self._rms(X1[m], M["g2"])
            u = [silu(z) * w for z, w in zip(_matvec(M["W1"], b), _matvec(M["W2"], b))]
            x2 = [a + c for a, c in zip(X1[m], _matvec(M["W3"], u))]
            out += _matvec(M["U"], self._rms(x2, M["g3"]))
        return out

    def _random_input(self, rng):
        r"""
        A random sequence of `L` token ids.

        TESTS::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.gpt import TinyGPT
            sage: len(TinyGPT(3, 2, 1, 2, 1, 1, length=5)._random_input(np.random.default_rng(int(0))))
            5
        """
        return [int(t) for t in rng.integers(0, self.vocab, size=self.length)]
