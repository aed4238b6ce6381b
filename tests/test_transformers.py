"""Property tests of the ICML 2025 blocks over many small sizes: attention heads
(two matrix factorizations, Prop. 4.2/4.3), multi-head attention (per-head laws),
1-D convolutions (one law per hidden channel), residual blocks (= the block),
sequences (union of the blocks' laws, merged linear products) and laws of a
subset of the parameters (= the block in isolation).  Every count is certified;
every known law is checked exactly against every generator.

Oracles independent of the engine: the closed forms of the first paper, the
parametrization itself (phi at a point against the products computed by hand,
numerically the layer's output against f(phi, x)), and direct Jacobian ranks.
"""
import itertools
import random

import numpy as np
import pytest

import sage_conslaw  # noqa: F401
from sage_conslaw.architectures import (Attention, MultiHeadAttention, ConvNetwork, Residual, Sequential,
                                        LinearNetwork, ReLUNetwork, MatrixFactorization)
from sage_conslaw.architectures.linear import known_independent_laws_formula, lie_dimension_formula
from sage_conslaw.core.subsets import laws_of_subset

from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ


def rational_point(model, seed):
    """Distinct nonzero rationals (not from the library's sampler)."""
    rng = random.Random(seed)
    return [QQ((rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 4))) for _ in range(model.D)]


def certified_count(model):
    res = model.lie_trace()
    assert res.certified, res
    return res


def assert_known_laws_exact(model):
    laws = model.known_conservation_laws()
    assert laws
    for h in laws:
        assert model.is_conservation_law(h), h


ATTENTION_SIZES = [s for s in itertools.product([1, 2, 3], [1, 2, 3], [1, 2], [1, 2, 3]) if sum(s) <= 8]


# ---------------------------------------------------------------------------
# one attention head = two matrix factorizations
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("d_in,d_k,d_v,d_out", ATTENTION_SIZES)
def test_attention_head_closed_forms(d_in, d_k, d_v, d_out):
    att = Attention(d_in, d_k, d_v, d_out)
    res = certified_count(att)
    # Q^T K = U W^T with U = Q^T (d_in x d_k), W = K^T: n = m = d_in, r = d_k;
    # V^T O with U = V^T (d_in x d_v), W = O^T (d_out x d_v): n = d_in, m = d_out, r = d_v
    laws = known_independent_laws_formula(d_in, d_in, d_k) + known_independent_laws_formula(d_in, d_out, d_v)
    dim = lie_dimension_formula(d_in, d_in, d_k) + lie_dimension_formula(d_in, d_out, d_v)
    assert res.number_of_laws == laws == att.number_of_laws_formula()
    assert res.dimension == dim == att.lie_dimension_formula()
    assert att.number_of_known_laws() == laws
    # the two factorizations, with the package's MatrixFactorization (orientation check)
    mf_counts = [MatrixFactorization(n, m, r).lie_trace().number_of_laws for _, (n, m, r) in att.factorizations()]
    assert sum(mf_counts) == laws


@pytest.mark.parametrize("d_in,d_k,d_v,d_out", ATTENTION_SIZES[::3])
def test_attention_known_laws_exact(d_in, d_k, d_v, d_out):
    for bias in (False, True):
        assert_known_laws_exact(Attention(d_in, d_k, d_v, d_out, bias=bias))


@pytest.mark.parametrize("seed", range(4))
def test_attention_phi_is_the_products(seed):
    rng = random.Random(seed)
    d_in, d_k, d_v, d_out = (rng.randint(1, 3) for _ in range(4))
    att = Attention(d_in, d_k, d_v, d_out)
    th = rational_point(att, seed)
    M = att.unflatten(th)
    phi = [f(*th) for f in att.components()]
    expected = (M['Q'].transpose() * M['K']).list() + (M['V'].transpose() * M['O']).list()
    assert phi == expected


@pytest.mark.parametrize("seed,bias", [(s, b) for s in range(4) for b in (False, True)])
def test_attention_output_factors_through_phi(seed, bias):
    """Numerically: the layer's output is f(phi, X) for the phi of the package."""
    rng = np.random.default_rng(seed)
    d_in, heads, d_k, d_v, d_out = 2, 2, 2, 1, 3
    mha = MultiHeadAttention(d_in, heads, d_k, d_v, d_out, bias=bias)
    th = [QQ(int(x)) for x in rng.integers(-3, 4, size=mha.D)]
    X = rng.normal(size=(4, d_in))
    phi = np.array([float(f(*th)) for f in mha.components()])
    out, k = np.zeros((4, d_out)), 0
    Xt = np.hstack([X, np.ones((4, 1))]) if bias else X
    for _ in range(heads):
        a = Xt.shape[1] * d_in
        A = phi[k:k + a].reshape(Xt.shape[1], d_in)
        B = phi[k + a:k + a + d_in * d_out].reshape(d_in, d_out)
        k += a + d_in * d_out
        Z = Xt @ A @ X.T
        S = np.exp(Z - Z.max(axis=1, keepdims=True))
        out += S / S.sum(axis=1, keepdims=True) @ X @ B
    if bias:
        out += phi[k:]
    assert np.allclose(out, mha.output(th, X))


# ---------------------------------------------------------------------------
# multi-head attention versus one head
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("d_in,d_k,d_v,d_out", ATTENTION_SIZES[::2])
@pytest.mark.parametrize("heads", [2, 3])
def test_multihead_equals_sum_of_heads(d_in, d_k, d_v, d_out, heads):
    for bias in (False, True):
        mha = MultiHeadAttention(d_in, heads, d_k, d_v, d_out, bias=bias)
        head = Attention(d_in, d_k, d_v, d_out, bias=bias)
        r_mha, r_head = certified_count(mha), certified_count(head)
        # with biases the output bias is shared: D is not heads * D_head, the laws are
        assert r_mha.number_of_laws == heads * r_head.number_of_laws == mha.number_of_laws_formula()
        assert len(mha.known_conservation_laws()) == heads * len(head.known_conservation_laws())


@pytest.mark.parametrize("sizes", [(1, 2, 1, 1, 1), (2, 2, 1, 1, 2), (2, 2, 2, 1, 1), (1, 3, 1, 1, 1)])
def test_multihead_functional_space_is_w_phi(sizes):
    """The softmax model's gradients span W_phi (certified in ball arithmetic): no more laws."""
    for bias in (False, True):
        mha = MultiHeadAttention(*sizes, bias=bias)
        lower, dim = mha.functional_rank(seed=1)
        assert dim > 0 and lower == dim


def test_key_bias_has_zero_gradient():
    att = Attention(2, 2, 1, 2, bias=True)
    bk = att.parameters()['bk'].list()
    assert all(att.is_conservation_law(b) for b in bk)
    assert all(f.degree(b) <= 0 for f in att.components() for b in bk)


# ---------------------------------------------------------------------------
# convolution: one law per hidden channel
# ---------------------------------------------------------------------------

CONV_SIZES = [s for s in itertools.product([1, 2], [1, 2, 3], [1, 2], [1, 2, 3], [1, 2])
              if s[0] * s[3] + s[2] * s[4] <= 7]


@pytest.mark.parametrize("c_in,c_h,c_out,k1,k2", CONV_SIZES)
def test_conv_one_law_per_hidden_channel(c_in, c_h, c_out, k1, k2):
    for bias in (False, True):
        net = ConvNetwork(c_in, c_h, c_out, k1, k2, bias=bias)
        res = certified_count(net)
        assert res.number_of_laws == c_h == net.number_of_known_laws()
        # the same count as the two-layer ReLU network on C_in K1 inputs and C_out K2 outputs (Ex. 3.5)
        assert res.number_of_laws == ReLUNetwork([c_out * k2, c_h, c_in * k1]).lie_trace().number_of_laws


@pytest.mark.parametrize("c_in,c_h,c_out,k1,k2", CONV_SIZES[::4])
def test_conv_known_laws_exact(c_in, c_h, c_out, k1, k2):
    assert_known_laws_exact(ConvNetwork(c_in, c_h, c_out, k1, k2, bias=True))


def conv1d(x, w, b):
    """Valid 1-D cross-correlation (torch.nn.Conv1d, stride 1, no padding)."""
    C_out, C_in, K = w.shape
    T = x.shape[1] - K + 1
    y = np.zeros((C_out, T))
    for o in range(C_out):
        for t in range(T):
            y[o, t] = (w[o] * x[:, t:t + K]).sum() + (b[o] if b is not None else 0)
    return y


@pytest.mark.parametrize("seed", range(5))
def test_conv_output_is_linear_in_phi_for_a_fixed_pattern(seed):
    """The network equals f(phi, x), f linear in phi with coefficients eps * x (the reparametrization)."""
    rng = np.random.default_rng(seed)
    C_in, C_h, C_out, K1, K2 = 2, 3, 2, 2, 3
    net = ConvNetwork(C_in, C_h, C_out, K1, K2, bias=True)
    th = [QQ(int(v)) for v in rng.integers(-4, 5, size=net.D)]
    M = {k: np.array([float(a) for a in v.list()]).reshape(v.dimensions()) for k, v in net.unflatten(th).items()}
    w1, w2 = M['W1'].reshape(C_h, C_in, K1), M['W2'].reshape(C_out, C_h, K2)
    x = rng.normal(size=(C_in, 9))
    pre = conv1d(x, w1, M['b1'][:, 0])
    y = conv1d(np.maximum(pre, 0), w2, M['b2'][:, 0])
    eps = (pre > 0).astype(float)
    phi = np.array([float(f(*th)) for f in net.components()])
    T = y.shape[1]
    n_w = C_out * C_h * K2 * C_in * K1
    for o in range(C_out):
        for t in range(T):
            coeff = np.zeros(net.d)
            k = 0
            for oo in range(C_out):
                for c in range(C_h):
                    for k2 in range(K2):
                        for i in range(C_in):
                            for k1 in range(K1):
                                if oo == o:
                                    coeff[k] = eps[c, t + k2] * x[i, t + k2 + k1]
                                k += 1
            for oo in range(C_out):
                for c in range(C_h):
                    for k2 in range(K2):
                        if oo == o:
                            coeff[n_w + (oo * C_h + c) * K2 + k2] = eps[c, t + k2]
            coeff[n_w + C_out * C_h * K2 + o] = 1
            assert abs(coeff @ phi - y[o, t]) < 1e-9


# ---------------------------------------------------------------------------
# residual = block; sequential = union; coarser products
# ---------------------------------------------------------------------------

RESIDUAL_BLOCKS = [lambda: Attention(2, 1, 1, 2), lambda: Attention(2, 2, 1, 2, bias=True),
                   lambda: MultiHeadAttention(2, 2, 1, 1, 2), lambda: ConvNetwork(2, 2, 2, 2, 1),
                   lambda: ReLUNetwork([3, 2, 3]), lambda: ReLUNetwork([2, 3, 2], bias=True),
                   lambda: LinearNetwork([2, 3, 2]), lambda: MatrixFactorization(2, 2, 3)]


@pytest.mark.parametrize("make", RESIDUAL_BLOCKS)
def test_residual_equals_block(make):
    block = make()
    res = Residual(block)
    assert res.polynomial_ring() is block.polynomial_ring()
    assert res.components() == block.components()
    assert res.gradient_fields() == block.gradient_fields()
    r1, r2 = certified_count(res), certified_count(block)
    assert r1.number_of_laws == r2.number_of_laws and r1.dimensions == r2.dimensions
    assert res.known_conservation_laws() == block.known_conservation_laws()
    assert Residual(Residual(block)).components() == block.components()


def test_residual_needs_equal_dimensions():
    with pytest.raises(ValueError, match="equal input and output"):
        Residual(Attention(2, 1, 1, 3))
    with pytest.raises(ValueError, match="equal input and output"):
        Residual(ConvNetwork(1, 2, 2, 1, 1))
    with pytest.raises(TypeError, match="must be an architecture"):
        Residual("attention")


@pytest.mark.parametrize("seed", range(6))
def test_sequential_is_union_of_blocks(seed):
    rng = random.Random(seed)
    d = rng.randint(1, 2)
    pool = [lambda: Attention(d, rng.randint(1, 2), 1, d), lambda: Residual(ReLUNetwork([d, rng.randint(1, 3), d])),
            lambda: ConvNetwork(d, rng.randint(1, 2), d, rng.randint(1, 2), 1),
            lambda: MultiHeadAttention(d, 2, 1, 1, d, bias=True)]
    blocks = [rng.choice(pool)() for _ in range(rng.randint(2, 3))]
    net = Sequential(blocks)
    res = certified_count(net)
    assert net.D == sum(b.D for b in blocks)
    assert res.number_of_laws == sum(certified_count(b).number_of_laws for b in blocks)
    # the direct sum (block by block) against the trace of the whole family at the same point
    whole = net.lie_trace(point=res.point, laws=net.known_conservation_laws())
    assert whole.certified and whole.number_of_laws == res.number_of_laws and whole.dimensions[-1] == res.dimension
    # laws of each block's parameters inside the network = the block in isolation
    for name, block in net.blocks().items():
        sub = laws_of_subset(net, net.block_parameters(name)).lie_trace()
        assert sub.certified and sub.number_of_laws == block.lie_trace().number_of_laws


@pytest.mark.parametrize("dims", [[2, 3, 2], [1, 2, 3, 2], [3, 1, 2], [2, 2, 2, 2], [2, 1, 3, 1, 2]])
def test_sequential_merges_linear_layers(dims):
    # layers applied in order: the first block maps dims[-1] -> dims[-2]
    layers = [LinearNetwork([dims[i - 1], dims[i]]) for i in range(len(dims) - 1, 0, -1)]
    net = Sequential(layers)
    assert net.groups() == [('linear product', list(range(len(layers))))]
    whole = LinearNetwork(dims)
    assert certified_count(net).number_of_laws == certified_count(whole).number_of_laws
    assert_known_laws_exact(net)
    # without the merge: each single matrix has no law
    assert Sequential(layers, merge_linear=False).number_of_conservation_laws() == 0


def test_sequential_bad_input():
    with pytest.raises(ValueError, match="outputs dimension 2 but block L2 expects input dimension 3"):
        Sequential([Attention(2, 1, 1, 2), Attention(3, 1, 1, 3)])
    with pytest.raises(TypeError, match="list of blocks"):
        Sequential(Attention(2, 1, 1, 2))
    with pytest.raises(ValueError, match="distinct"):
        Sequential([Attention(1, 1, 1, 1)] * 2, names=['a', 'a'])
    with pytest.raises(ValueError, match="identifiers"):
        Sequential([Attention(1, 1, 1, 1)], names=['a b'])


# ---------------------------------------------------------------------------
# laws of a subset of parameters
# ---------------------------------------------------------------------------

def test_subset_laws_are_laws_of_the_model():
    net = Sequential([LinearNetwork([2, 2]), LinearNetwork([2, 2]), Attention(2, 1, 1, 2)])
    sub = laws_of_subset(net, ['L1_U1', 'L2_U1'])
    res = sub.lie_trace()
    assert res.certified and res.number_of_laws == 3
    R = net.polynomial_ring()
    for h in sub.polynomial_conservation_laws(2):
        assert net.is_conservation_law(R(h))
    # one layer of the product alone: no law
    assert laws_of_subset(net, ['L1_U1']).number_of_conservation_laws() == 0


def test_subset_of_unmoved_coordinates():
    att = Attention(1, 1, 1, 1, bias=True)
    sub = laws_of_subset(att, ['bk'])
    assert sub.fields() == [] and sub.number_of_conservation_laws() == 1


def test_subset_bad_input():
    with pytest.raises(ValueError, match="unknown parameter"):
        laws_of_subset(Attention(1, 1, 1, 1), ['W'])
    with pytest.raises(TypeError, match="needs a model"):
        laws_of_subset(3, ['W'])
    with pytest.raises(ValueError, match="at least one"):
        laws_of_subset(Attention(1, 1, 1, 1), [])


# ---------------------------------------------------------------------------
# bad shapes
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("args,err", [((0, 1, 1, 1), ValueError), ((1, 1, 1, "2"), TypeError),
                                      ((1, 1.5, 1, 1), TypeError), ((1, True, 1, 1), TypeError)])
def test_attention_bad_sizes(args, err):
    with pytest.raises(err):
        Attention(*args)


def test_block_points():
    att = Attention(2, 1, 1, 2)
    with pytest.raises(ValueError, match="must be a 1 x 2 matrix"):
        att.point(Q=[[1, 2, 3]], K=[[1, 2]], V=[[1, 1]], O=[[1, 1]])
    with pytest.raises(ValueError, match="missing parameter"):
        att.point(Q=[[1, 2]])
    net = ConvNetwork(2, 1, 1, 2, 1)
    assert net.point(w1=np.array([[[1, 2], [3, 4]]]), w2=[[[5]]]) == net.point(W1=[[1, 2, 3, 4]], W2=[[5]])
    with pytest.raises(ValueError, match="shape"):
        net.point(w1=[[[1, 2]]], w2=[[[5]]])
    with pytest.raises(TypeError, match="must be True or False"):
        ConvNetwork(1, 1, 1, 1, 1, bias='yes')


# ---------------------------------------------------------------------------
# the reproduction table
# ---------------------------------------------------------------------------

def test_reproduction_quick_all_certified():
    from sage_conslaw.reproduction import PAPERS
    paper = PAPERS['transformers']
    report = paper.module().reproduce_tables(progress=False, **paper.quick())
    assert len(report.rows) == sum(paper.quick().values())
    assert report.all_match and report.all_certified
    assert {r['check'] for r in report.rows} == set(paper.quick())


def test_reproduction_command_line(capsys):
    from sage_conslaw.cli import main
    assert main(["reproduce", "--paper", "transformers", "--quick", "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "checks agree with the reference (all certified)" in out
    assert main(["reproduce", "--paper", "transformers", "--list", "--attention", "2", "--multihead", "0",
                 "--functional", "0", "--conv", "0", "--residual", "0", "--sequential", "0",
                 "--linear_product", "0", "--subset", "0"]) == 0
    assert "attention" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# the flows of the momentum issue (ICML 2024) on the ICML 2025 blocks
# ---------------------------------------------------------------------------

FLOWS = {"heavy ball": lambda m: __import__("sage_conslaw").HeavyBall(m),
         "heavy ball, friction 1": lambda m: __import__("sage_conslaw").HeavyBall(m, friction=1),
         "mirror": lambda m: __import__("sage_conslaw").Preconditioned(m, "mirror"),
         "weight decay": lambda m: __import__("sage_conslaw").WeightDecay(m, 1)}


@pytest.mark.parametrize("flow", sorted(FLOWS))
@pytest.mark.parametrize("make", [lambda: Attention(1, 2, 2, 1), lambda: ConvNetwork(1, 2, 1, 2, 1),
                                  lambda: MultiHeadAttention(1, 2, 1, 1, 1, bias=True)])
def test_flows_on_blocks_residual_equals_block(flow, make):
    block = make()
    lifted, lifted_res = FLOWS[flow](block), FLOWS[flow](Residual(block))
    r1, r2 = lifted.lie_trace(), lifted_res.lie_trace()
    assert 0 <= r1.number_of_laws <= lifted.D
    # x + g has the block's phi, hence the same lifted family and the same count
    assert r1.number_of_laws == r2.number_of_laws and r1.dimensions == r2.dimensions
    for h in lifted.known_conservation_laws():
        assert lifted.is_conservation_law(h)


def test_heavy_ball_attention_head():
    """One head under heavy ball: with d_in = d_out = 1 and d_k = d_v = 2 both products are
    MF(1, 1, 2), which keeps 2 momentum laws each (found: 4 for the head); with d_k = d_v = 1 none."""
    from sage_conslaw import HeavyBall
    res = HeavyBall(Attention(1, 2, 2, 1)).lie_trace()
    mf = HeavyBall(MatrixFactorization(1, 1, 2)).lie_trace()
    assert res.number_of_laws == 2 * mf.number_of_laws == 4
    assert HeavyBall(Attention(1, 1, 1, 1)).number_of_conservation_laws() == 0


# ---------------------------------------------------------------------------
# the convolution's functional space (exact over QQ, ReLU included)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("c_h,c_out,k1,k2", [(1, 1, 1, 1), (2, 1, 1, 2), (2, 2, 2, 1), (3, 1, 2, 2), (2, 2, 3, 2),
                                             (3, 2, 1, 3)])
@pytest.mark.parametrize("bias", [False, True])
def test_conv_functional_space_two_input_channels(c_h, c_out, k1, k2, bias):
    """With two input channels the network's gradients (exact, ReLU included) span W_phi:
    the network itself has exactly the laws of phi near the point (one per hidden channel)."""
    net = ConvNetwork(2, c_h, c_out, k1, k2, bias=bias)
    rank, dim = net.functional_rank()
    assert rank == dim == net.D - c_h


@pytest.mark.parametrize("seed", range(4))
def test_conv_functional_rank_never_exceeds_w_phi(seed):
    rng = random.Random(seed)
    net = ConvNetwork(1, rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 2),
                      bias=rng.random() < 0.5)
    rank, dim = net.functional_rank(seed=seed)
    assert rank <= dim


def test_conv_scalar_input_same_sign_has_one_more_law():
    """One input channel, pointwise kernels, no bias, w1 > 0: both channels act on the same inputs,
    every gradient of the network is proportional to one field, and a law mixing the channels appears."""
    from sage_conslaw import FieldFamily, lie_trace
    net = ConvNetwork(1, 2, 1, 1, 1)
    a0, a1, c0, c1 = net.polynomial_ring().gens()
    assert net.functional_rank(point=[1, 2, 3, -1]) == (1, 2)
    X = FieldFamily([[c0, c1, a0, a1]])
    extra = a0 * c1 - a1 * c0
    assert X.is_conservation_law(extra) and not net.is_conservation_law(extra)
    res = lie_trace(X, laws=net.known_conservation_laws() + [extra])
    assert res.certified and res.number_of_laws == 3


def test_sequential_of_a_non_list_is_a_clear_type_error():
    for bad in (3, None, 2.5):
        with pytest.raises(TypeError, match=r"^Sequential takes a list of blocks, e.g. Sequential\(\[block1, block2\]\), got"):
            Sequential(bad)


# review finding 3: the count of a block is the count of the laws of phi, and says so
def test_block_counts_say_they_are_the_laws_of_phi():
    res = ConvNetwork(1, 2, 1, 1, 1).lie_trace()
    assert res.certified and res.number_of_laws == 2
    assert "laws of phi" in res.reason and "can have more" in res.reason
    assert "doc/transformers.rst" in res.reason and "ConvNetwork(1, 2, 1, 1, 1)" in res.reason
    assert "laws of phi" in str(res)
    for net in (Attention(1, 1, 1, 2), MultiHeadAttention(2, 2, 1, 1, 2), Residual(Attention(2, 1, 1, 2))):
        res = net.lie_trace()
        assert "laws of phi" in res.reason and "functional_rank" in res.reason and "point" in res.reason
    net = Sequential([Attention(2, 1, 1, 2), ReLUNetwork([3, 2], bias=True)], check_dimensions=False)
    for res in (net.lie_trace(), net.lie_trace(laws=net.known_conservation_laws())):
        assert "laws of phi" in res.reason and res.reason.count("laws of phi") == 1
    # the note is appended once, whatever the path
    res = ConvNetwork(2, 2, 1, 1, 1).lie_trace(laws=ConvNetwork(2, 2, 1, 1, 1).known_conservation_laws())
    assert res.reason.count("laws of phi") == 1
