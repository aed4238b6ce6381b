"""
The laws of a data set on the modern families read as network graphs
(sage_conslaw.network.families.network_of): MLP (per-layer activations) and
NormalizedMLP (LayerNorm / RMSNorm).

- the graph's function is the family's: values and parameter gradients of
  the graph (ball arithmetic, the graph's own ops) and of the family's
  functional forward overlap at random points and inputs, so the two share
  theta coordinate by coordinate;
- the graph's generic count equals the family's certified network count;
- family.lie_trace(data=X): generic and many data give the generic count,
  certified; low-rank data give more laws (each first-layer neuron freezes the
  directions of its incoming weights and bias orthogonal to the (x_i, 1)),
  certified or an honest interval that contains them.
"""
import numpy as np
import pytest
from sage.all__sagemath_singular import QQ, RealBallField

from sage_conslaw.architectures import MatrixFactorization, Sequential
from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.functional import Jet
from sage_conslaw.architectures.normalization import NormalizedMLP
from sage_conslaw.architectures.swiglu import GatedMLP
from sage_conslaw.architectures.icnn import ICNN
from sage_conslaw.network.balls import network_forward
from sage_conslaw.network.certificate import POINT_BOUND, random_point
from sage_conslaw.network.families import network_of

RB = RealBallField(128)

MLPS = [MLP(2, [3], 1, 'gelu'), MLP(3, [2, 2], 2, ['relu', 'softplus'], bias=False),
        MLP(2, [3, 2], 1, ['tanh', 'sigmoid']), MLP(2, [2], 2, 'silu'), MLP(2, [3], 1, 'linear'),
        MLP(1, [4], 3, 'softplus'), MLP(3, [2, 3, 2], 1, ['silu', 'relu', 'gelu'])]
NORMED = [NormalizedMLP(2, 3, 2, 'layer', eps=0), NormalizedMLP(2, 3, 1, 'rms', eps=QQ((1, 10))),
          NormalizedMLP(3, 2, 2, 'layer', eps=1e-5, affine=False), NormalizedMLP(2, 3, 2, 'rms', bias=False),
          NormalizedMLP(2, 4, 1, 'layer', eps=QQ((1, 3)), bias=False)]
GATED = [GatedMLP(3, 2, 2), GatedMLP(2, 3, 1, gate='relu', bias=True), GatedMLP(2, 2, 2, gate='softplus', bias=True),
         GatedMLP(2, 2, 1, gate='linear'), GatedMLP(3, 2, 1, gate='gelu', bias=True)]
FAMILIES = MLPS + NORMED + GATED


def _close(u, v):
    d = RB(u) - RB(v)
    return d.contains_zero() and d.rad() < 1e-25


@pytest.mark.parametrize("fam", FAMILIES, ids=repr)
def test_graph_function_is_the_family_function(fam):
    net = network_of(fam)
    assert net.D == fam.D
    assert [v for v, _, _ in net.layout()] == list(fam.polynomial_ring().variable_names())
    f = network_forward(net)
    rng = np.random.default_rng(7)
    compared = 0
    for _ in range(12):
        theta = [Jet.variable(RB(QQ((int(k), 4))), i) for i, k in enumerate(rng.integers(-8, 9, size=fam.D))]
        x = [QQ((int(k), 4)) for k in rng.integers(-8, 9, size=fam.d_in)]
        try:
            a = fam._network_output(theta, [RB(v) for v in x])
        except ArithmeticError:                 # a ReLU exactly at its kink: draw again
            continue
        b = f(theta, (np.array(x, dtype=object),))
        compared += 1
        assert len(a) == len(b) == fam.d_out
        for u, v in zip(a, b):
            assert _close(u.value, v.value)
            for k in range(fam.D):              # the same theta, coordinate by coordinate
                assert _close(u.gradient.get(k, 0), v.gradient.get(k, 0))
    assert compared >= 6


@pytest.mark.parametrize("fam", FAMILIES, ids=repr)
def test_graph_generic_count_is_the_family_count(fam):
    pytest.importorskip("torch")
    from sage_conslaw.network import NetworkModel
    # a ReLU layer may be dead at a random point (then the rank there is lower): the first certified seed
    g = next((r for r in (NetworkModel(network_of(fam)).lie_trace(seed=s) for s in range(4)) if r.certified), None)
    h = next((r for r in (fam.network_trace(seed=s) for s in range(4)) if r.certified), fam.network_trace())
    assert g is not None
    if h.certified:
        assert g.number_of_laws == h.number_of_laws
    else:                                       # the family declares some laws only: a lower bound
        assert g.number_of_laws >= h.number_of_laws


def _generic_data(d_in, N, seed):
    rng = np.random.default_rng(seed)
    return [[QQ((int(a), 7)) for a in row] for row in rng.integers(-20, 21, size=(N, d_in))]


def _point(fam, seed=0):
    return random_point(fam.D, seed=seed, bound=POINT_BOUND)


@pytest.mark.parametrize("fam", [f for f in FAMILIES if f.d_in > 1 and not {'relu', 'linear'} & set(getattr(f, 'activations', [getattr(f, 'gate', None)]))], ids=repr)
def test_generic_data_give_the_generic_count(fam):
    # analytic networks: no activation pattern, so many generic points reach the generic count
    res = fam.lie_trace(data=_generic_data(fam.d_in, 40, 1), point=_point(fam))
    generic = fam.network_trace()
    assert generic.certified
    assert res.certified, res.reason
    assert res.number_of_laws == generic.number_of_laws
    assert len(res.laws()) == res.number_of_laws


@pytest.mark.parametrize("fam", [MLP(2, [3], 1, 'relu'), MLP(3, [2, 2], 2, ['relu', 'softplus'], bias=False),
                                 MLP(2, [2, 2], 1, ['relu', 'tanh'])], ids=repr)
def test_generic_data_relu(fam):
    # a ReLU network on data: at least the generic laws (a neuron may be dead or tied on the data)
    res = fam.lie_trace(data=_generic_data(fam.d_in, 40, 2), point=_point(fam, 3))
    assert res.number_of_laws >= fam.network_trace().number_of_laws
    assert len(res.laws()) <= res.number_of_laws
    if res.certified:
        assert len(res.laws()) == res.number_of_laws


@pytest.mark.parametrize("fam", [MLP(3, [3], 1, 'gelu'), MLP(3, [2], 2, 'tanh'), MLP(3, [2, 2], 1, ['silu', 'relu']),
                                 NormalizedMLP(3, 2, 1, 'rms', eps=1), NormalizedMLP(3, 2, 2, 'layer', eps=0)],
                         ids=repr)
def test_low_rank_data(fam):
    # the data on a line through 0: with the bias, each first-layer neuron sees (x, 1) in a plane,
    # and freezes d_in + bias - 2 directions of its incoming weights
    rng = np.random.default_rng(5)
    v = [1, -2, 3]
    X = [[QQ((int(a), 3)) * c for c in v] for a in rng.integers(-9, 10, size=30)]
    res = fam.lie_trace(data=X, point=_point(fam, 1))
    generic = fam.network_trace().number_of_laws
    first = fam.hidden[0] if isinstance(fam, MLP) else fam.hidden
    frozen = first * (fam.d_in + (1 if fam.bias else 0) - 2)
    lower, upper = len(res.laws()), res.number_of_laws
    assert lower <= upper
    assert lower >= frozen                     # the frozen directions are explicit laws
    assert upper >= generic
    if res.certified:
        assert lower == upper
    else:
        assert "between" in repr(res) or "not certified" in res.reason


def test_composition_of_an_mlp():
    seq = Sequential([MLP(2, [2], 2, 'tanh'), NormalizedMLP(2, 2, 1, 'rms', eps=1)])
    net = network_of(seq)
    assert net.D == seq.D
    res = seq.lie_trace(data=_generic_data(2, 30, 4), point=_point(seq))
    assert len(res.laws()) <= res.number_of_laws


def test_refused_families():
    with pytest.raises(TypeError, match="MatrixFactorization"):
        MatrixFactorization(2, 2, 2).lie_trace(data=[[1, 2]])
    with pytest.raises(ValueError, match="coordinates"):       # the ICNN's mirror flow is read (datalaws.family)
        ICNN(2, 2, 1).lie_trace(data=[[1, 2]])
    with pytest.raises(ValueError, match="coordinates"):
        MLP(2, [2], 1).lie_trace(data=[[1, 2, 3]])


def test_core_install_without_torch():
    # a core-only install: the ReLU MLP goes the exact symbolic route, an analytic one the ball route
    import subprocess
    import sys
    code = """
import sys; sys.modules['torch'] = None
from sage.all__sagemath_singular import QQ
from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.normalization import NormalizedMLP
X = [[QQ((i, 3)), QQ((i, 3))] for i in range(-8, 9)]
th = [4, 6, -18, -4, 12, 11, 5, -1, 10]
a = MLP(2, [2], 1, 'gelu').lie_trace(data=X, point=th)
b = MLP(2, [2], 1, 'relu').lie_trace(data=[[1, 2], [2, -1], [3, 1], [-1, -2], [1, 5], [2, 7]], point=th)
c = NormalizedMLP(2, 2, 1, 'rms', eps=1).lie_trace(data=[[1, 2], [2, -1], [3, 1], [-1, -2], [1, 5], [2, 7]])
print(a.number_of_laws, a.certified, b.certified, len(b.laws()) == b.number_of_laws, c.certified)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["2", "True", "True", "True", "True"]
