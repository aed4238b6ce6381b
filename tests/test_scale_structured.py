"""Structured counts of attention and convolutions (equivalent_parts_trace), against
independent computations.

- the decomposition itself, symbolically: every component of phi lies in exactly
  one part, and the components of a part, renamed, are exactly those of the
  model it is traced as (a two-layer linear network per product of a head, the
  ReLU network of the kernel products, the output bias as coordinates);
- on many random shapes (seeded), the structured count equals the count of the
  whole family by the generic engine (the direct sum of its symbolic parts,
  certified) and the closed form of the known laws, at the default point and at
  a given random point (the same dimensions there);
- an autograd oracle (tests/torch_oracle.py) on PyTorch modules of the same
  shapes: the numeric count of the network's own gradients equals ours;
- the sizes of the issue are certified in seconds.
"""
import random
import time
from collections import Counter

import pytest

from sage_conslaw.architectures import (Attention, ConvNetwork, LinearNetwork, MultiHeadAttention, ReLUNetwork,
                                        Residual, Sequential)
from sage_conslaw.architectures.compose import Block


def _attention_shapes(n, seed):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        heads = rng.randint(1, 3)
        d_in, d_k, d_v, d_out = (rng.randint(1, 4) for _ in range(4))
        bias = rng.random() < 0.4
        m = MultiHeadAttention(d_in, heads, d_k, d_v, d_out, bias=bias) if heads > 1 else \
            Attention(d_in, d_k, d_v, d_out, bias=bias)
        if m.D <= 90:
            out.append(m)
    return out


def _conv_shapes(n, seed):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        m = ConvNetwork(rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 3),
                        rng.randint(1, 3), bias=rng.random() < 0.5)
        if m.D <= 60:
            out.append(m)
    return out


def _sequences(n, seed):
    # residual streams and stacks: attention (residual or not), convolutions, ReLU blocks, linear runs
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        blocks = []
        for _ in range(rng.randint(2, 4)):
            kind = rng.choice(["att", "res", "conv", "relu", "lin"])
            if kind in ("att", "res"):
                b = _attention_shapes(1, rng.randint(0, 10 ** 6))[0]
                blocks.append(Residual(b) if kind == "res" and b.input_dimension == b.output_dimension else b)
            elif kind == "conv":
                blocks.append(_conv_shapes(1, rng.randint(0, 10 ** 6))[0])
            elif kind == "relu":
                blocks.append(ReLUNetwork([rng.randint(1, 3) for _ in range(3)], bias=rng.random() < 0.5))
            else:
                blocks.append(LinearNetwork([rng.randint(1, 3), rng.randint(1, 3)]))
        net = Sequential(blocks, check_dimensions=False)
        if net.D <= 120:
            out.append(net)
    return out


MODELS = _attention_shapes(24, 1) + _conv_shapes(16, 2) + _sequences(10, 3)


def _renamed_components(model, ks, psi):
    R = model.polynomial_ring()
    f = psi.polynomial_ring().hom([R.gen(k) for k in ks], R)
    return Counter(f(c) for c in psi.components())


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_parts_are_the_models_they_are_traced_as(model):
    R = model.polynomial_ring()
    parts = model.equivalent_parts()
    assert sorted(k for ks, _, _ in parts for k in ks) == list(range(model.D))
    comps = [c for c in model.components() if c != 0]
    owner = []
    for c in comps:
        used = {R.gens().index(v) for v in c.variables()}
        inside = [i for i, (ks, _, _) in enumerate(parts) if used <= set(ks)]
        assert len(inside) == 1, (c, inside)
        owner.append(inside[0])
    for i, (ks, psi, _) in enumerate(parts):
        mine = Counter(c for c, o in zip(comps, owner) if o == i)
        if psi is None:
            assert not mine                    # free coordinates: no component involves them
        else:
            assert _renamed_components(model, ks, psi) == mine


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_structured_count_equals_the_generic_count(model):
    fast = model.lie_trace()
    whole = Block.lie_trace(model)             # the generic engine on the symbolic phi
    assert fast.certified and whole.certified
    formula = model.number_of_laws_formula() if hasattr(model, "number_of_laws_formula") else whole.number_of_laws
    assert fast.number_of_laws == whole.number_of_laws == formula
    assert fast.dimension == whole.dimension
    assert "each part is, up to the order of its coordinates" in fast.reason or "computed as the linear" in fast.reason
    # at one given point, the same dimensions of the trace
    pt = model.random_point(7)
    a, b = model.lie_trace(point=pt), Block.lie_trace(model, point=pt)
    assert a.point == b.point == pt
    assert a.dimension == b.dimension and a.certified == b.certified


@pytest.mark.parametrize("model", MODELS[:8], ids=repr)
def test_known_laws_are_laws_and_independent(model):
    # the count's complement is spanned by the known laws: their number of
    # independent gradients is the certified count
    res = model.lie_trace()
    assert all(model.is_conservation_law(h) for h in model.known_conservation_laws())
    assert model.number_of_independent_laws(model.known_conservation_laws()) == res.number_of_laws


def _value_parts(n, seed):
    from sage_conslaw.architectures.attention import _ValueBiasPart
    rng = random.Random(seed)
    return [_ValueBiasPart(rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 3))
            for _ in range(n)]


@pytest.mark.parametrize("part", _value_parts(16, 4), ids=repr)
def test_value_part_with_biases_has_the_algebra_of_its_linear_networks(part):
    # the proposition of _ValueBiasPart: Lie(W_phi) = the per-head linear networks [d_in + 1, d_v, d_out] + b_o,
    # although phi sums the heads' bias rows; against the generic engine on the symbolic phi, at the default
    # point and at a given one (the same dimensions at every point)
    fast, whole = part.lie_trace(), Block.lie_trace(part)
    assert fast.certified and whole.certified and fast.number_of_laws == whole.number_of_laws
    assert "ideal generated" in fast.reason
    special = [1] * part.D                                    # all ones, and every b_v zero: special points
    no_bv = list(part.random_point(5))
    for P in part.layout():
        if P.name.startswith("bv"):
            no_bv[P.slice] = [0] * P.size
    for pt in (part.random_point(3), special, no_bv):
        assert part.lie_trace(point=pt).dimension == Block.lie_trace(part, point=pt).dimension
    # the upper bound: phi is a linear function of the per-head products, so W_phi lies in their span
    assert len(part.known_conservation_laws()) >= fast.number_of_laws


def test_torch_oracle_attention_and_conv():
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import numeric_lie_trace

    class Head(torch.nn.Module):
        def __init__(self, d_in, d_k, d_v, d_out):
            super().__init__()
            g = torch.Generator().manual_seed(0)
            self.Q = torch.nn.Parameter(torch.randn(d_k, d_in, generator=g))
            self.K = torch.nn.Parameter(torch.randn(d_k, d_in, generator=g))
            self.V = torch.nn.Parameter(torch.randn(d_v, d_in, generator=g))
            self.O = torch.nn.Parameter(torch.randn(d_v, d_out, generator=g))

        def forward(self, X):                      # X: batch x tokens x d_in
            S = torch.softmax(X @ self.Q.T @ self.K @ X.transpose(1, 2) / 4, dim=-1)
            return S @ X @ self.V.T @ self.O

    for shape in [(2, 1, 1, 2), (2, 2, 1, 1), (3, 2, 2, 2)]:
        num = numeric_lie_trace(Head(*shape), (3, shape[0]), depth=2, scales=(1,))
        assert num["laws"] == Attention(*shape).lie_trace().number_of_laws, (shape, num)

    torch.manual_seed(0)
    for C_in, C_h, C_out, K1, K2 in [(1, 2, 1, 2, 2), (2, 3, 2, 2, 1)]:
        conv = torch.nn.Sequential(torch.nn.Conv1d(C_in, C_h, K1, bias=False), torch.nn.ReLU(),
                                   torch.nn.Conv1d(C_h, C_out, K2, bias=False))
        num = numeric_lie_trace(conv, (C_in, K1 + K2 + 3), depth=2)
        assert num["laws"] == ConvNetwork(C_in, C_h, C_out, K1, K2).lie_trace().number_of_laws, num


def test_sizes_once_refused_are_answered():
    # refused before (the whole phi's expansion): answered now, certified, without a ring of D variables
    for model, laws in [(Attention(60, 60, 60, 60), 2 * 1830), (Attention(60, 60, 60, 60, bias=True), 3720),
                        (ConvNetwork(1, 1, 1, 16000, 16000), 1)]:
        res = model.lie_trace()
        assert res.certified and res.number_of_laws == laws == model.number_of_laws_formula()
        assert "_formed_mats" not in model.__dict__       # the symbolic parameters were never formed


@pytest.mark.slow
def test_issue_sizes_in_seconds():
    for model, laws in [(Attention(20, 20, 20, 20), 420), (ConvNetwork(1, 8, 8, 64, 16), 8),
                        (Attention(100, 100, 100, 100), 10100), (ConvNetwork(4, 64, 4, 64, 16, bias=True), 64)]:
        t = time.time()
        res = model.lie_trace()
        assert res.certified and res.number_of_laws == laws == model.number_of_laws_formula()
        assert time.time() - t < 60
