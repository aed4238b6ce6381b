"""A new layer kind is one module and one registration: an op kind defined and
registered here, in the test module only (no file of the package edited), is
read by the torch.fx reader (``network_from_module``, ``from_torch``),
evaluated in the package's arithmetics against the PyTorch module, and counted
like the same layer written with ops the package already has.

A new *unit layer* (a pointwise convolution, declared by ``unit_axis`` and
``patches``) also goes through the data route (``graph_data_trace``: explicit
unit laws, regions, live entries) and counts like ``nn.Conv1d`` of kernel 1."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

torch.set_num_threads(1)

import sage_conslaw  # noqa: E402,F401
from sage.rings.rational_field import QQ  # noqa: E402
from sage_conslaw.network.backends import ObjectBackend, evaluate  # noqa: E402
from sage_conslaw.network.fx import network_from_module, readers  # noqa: E402
from sage_conslaw.network.ops import OPS, Op, register_op  # noqa: E402
from sage_conslaw.datalaws.graph import graph_data_trace  # noqa: E402
from sage_conslaw.torch import from_torch  # noqa: E402
from torch_oracle import numeric_lie_trace  # noqa: E402


class Square(nn.Module):
    """A layer of the user's own: the entrywise square."""

    def forward(self, x):
        return x * x


class SquareOp(Op):
    """The op kind of ``Square``: a polynomial, read from the module class itself."""
    name = 'square_test'
    kind = 'polynomial'
    torch_modules = (Square,)

    def forward(self, B, args, attrs, node):
        return B.mul(args[0], args[0])

    def scaling(self, S, args, attrs, node):
        out = S.fresh(tuple(args[0].shape))
        S.term(out, args[0], args[0])
        return out

    def contraction(self, shapes, attrs):
        return 1


@pytest.fixture
def square():
    """Register the op kind for one test, and leave the registry as it was."""
    register_op(SquareOp)
    try:
        yield OPS['square_test']
    finally:
        del OPS['square_test']


def square_net(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), Square(), nn.Linear(4, 2))


def test_without_the_registration_the_module_is_traced_through():
    net = network_from_module(square_net(0))
    assert [n.op for n in net.ops()] == ['linear', 'mul', 'linear']


def test_the_registered_kind_reads_the_module(square):
    net = network_from_module(square_net(0))
    assert [n.op for n in net.ops()] == ['linear', 'square_test', 'linear']
    assert readers()[0][Square] is square


def test_the_new_kind_evaluates_like_the_pytorch_module(square):
    for seed in range(5):
        module = square_net(seed).double()
        tm = from_torch(module)
        assert 'square_test' in [n.op for n in tm.model.network.ops()]
        x = torch.randn(6, 3, dtype=torch.float64)
        theta = tm.exact_theta()
        xq = np.array([[QQ(v.as_integer_ratio()[0]) / v.as_integer_ratio()[1] for v in row] for row in x.tolist()],
                      dtype=object)                      # the doubles, exactly
        exact = evaluate(tm.model.network, ObjectBackend('exact'), list(theta), xq)
        got = np.array([[float(v) for v in row] for row in exact[tm.model.network.outputs[0]]])
        with torch.no_grad():
            want = module(x).numpy()
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12)


def test_the_new_kind_counts_like_the_same_layer_written_with_mul(square):
    for seed in range(3):
        module = square_net(seed)
        res = from_torch(module).model.lie_trace()
        assert res.certified, res.reason
        del OPS['square_test']                # the same network, the square read as x * x
        try:
            ref = from_torch(module).model.lie_trace()
        finally:
            register_op(SquareOp)
        assert ref.certified, ref.reason
        assert res.number_of_laws == ref.number_of_laws
        assert res.number_of_laws == numeric_lie_trace(module, (3,))['laws']


def test_two_kinds_reading_one_thing_is_an_error(square):
    class Other(SquareOp):
        name = 'square_test_2'
        torch_modules = (Square,)
    register_op(Other)
    try:
        with pytest.raises(ValueError, match="both read"):
            network_from_module(square_net(0))
    finally:
        del OPS['square_test_2']


def test_an_unread_module_is_named():
    with pytest.raises(ValueError, match=r"fx node _1 \(call_module Softmax\): no op kind"):
        network_from_module(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1)))


def test_a_number_term_stays_exact():
    class Shift(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)

        def forward(self, x):
            return self.a(x) + 0.1
    net = network_from_module(Shift())
    (c,) = [n for n in net.nodes if n.role == 'constant']
    v = c.value.item()
    assert v.parent() is QQ and v == QQ((0.1).as_integer_ratio()[0]) / (0.1).as_integer_ratio()[1]


class Pointwise(nn.Module):
    """A layer of the user's own: ``y[o, t] = sum_c W[o, c] x[c, t] + b[o]`` on ``(channels, positions)``."""

    def __init__(self, cin, cout, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.randn(cout)) if bias else None

    def forward(self, x):
        y = torch.einsum('oc,bct->bot', self.weight, x)
        return y + self.bias[None, :, None] if self.bias is not None else y


class PointwiseOp(Op):
    """Its op kind: a unit layer (units on axis 0 of the output), written with the backends' generic primitives."""
    name = 'pointwise_test'
    kind = 'polynomial'
    unit_axis = 0
    torch_modules = (Pointwise,)

    def read_fx(self, fx, node, module):
        return fx.op(self.name, fx.module_arguments(node, module))

    def shape(self, shapes, attrs, where):
        x, W = shapes[0], shapes[1]
        if len(x) != 2 or len(W) != 2 or x[0] != W[1]:
            raise ValueError("%s: the pointwise layer %s cannot read shape %s" % (where, W, x))
        return (W[0], x[1])

    def forward(self, B, args, attrs, node):
        y = B.permute(B.tensordot(args[0], args[1], ([1], [1])), (0, 2, 1))       # (batch, out, positions)
        return B.add(y, B.reshape(args[2], (1, -1, 1))) if len(args) > 2 else y

    def patches(self, x, W_shape, attrs, zero):
        return np.transpose(x, (0, 2, 1))                # (batch, positions, channels)

    def scaling(self, S, args, attrs, node):
        x, W = args[0], args[1]
        out = S.fresh((W.shape[0], x.shape[1]))
        S.term(out[:, None, :], W[:, :, None], x[None, :, :])
        if len(args) > 2:
            S.term(out, args[2][:, None])
        return out

    def contraction(self, shapes, attrs):
        return shapes[1][1] + (1 if len(shapes) > 2 else 0)


@pytest.fixture
def pointwise():
    """Register the unit layer for one test, and leave the registry as it was."""
    register_op(PointwiseOp)
    try:
        yield OPS['pointwise_test']
    finally:
        del OPS['pointwise_test']


def pointwise_pair(seed, bias=True):
    """The same network twice: with the new layer, and with ``nn.Conv1d`` of kernel 1 (the same weights)."""
    torch.manual_seed(seed)
    a, b = Pointwise(2, 3, bias), Pointwise(3, 2, bias)
    ca, cb = nn.Conv1d(2, 3, 1, bias=bias), nn.Conv1d(3, 2, 1, bias=bias)
    with torch.no_grad():
        for p, c in ((a, ca), (b, cb)):
            c.weight.copy_(p.weight[:, :, None])
            if bias:
                c.bias.copy_(p.bias)
    return nn.Sequential(a, nn.ReLU(), b), nn.Sequential(ca, nn.ReLU(), cb)


def _data_count(module, X, values, route):
    net = from_torch(module, input_shape=(2, 4)).model.network
    # the same point in each network's own layout (a kernel of size 1 has one more index, 0)
    theta = [values[(pname, tuple(idx)[:2])] for _, pname, idx in net.layout()]
    try:
        res = graph_data_trace(net, X, point=theta, route=route)
    except ValueError as e:                     # a data point on a kink: the same for both networks
        return ('kink', str(e).split(':')[0]), [n.op for n in net.ops()]
    kinds = {k: len(v) for k, v in res.laws_by_kind().items()}
    return (res.number_of_laws, res.certified, kinds), [n.op for n in net.ops()]


@pytest.mark.parametrize("route", [None, 'exact'])
def test_a_new_unit_layer_goes_through_the_data_route(pointwise, route):
    rng = np.random.default_rng(1)
    seen_frozen = False
    for seed in range(4):
        mine, ref = pointwise_pair(seed, bias=seed % 2 == 0)
        theta = {(name, idx): QQ(int(rng.integers(-9, 10))) / 7 + QQ(1) / 11
                 for name, p in mine.named_parameters() for idx in np.ndindex(*p.shape)}
        X = rng.integers(-3, 4, size=(3, 2, 4)).tolist()
        if seed % 2:
            for x in X:                         # a channel zero everywhere: frozen directions
                x[1] = [0, 0, 0, 0]
        got, ops = _data_count(mine, X, theta, route)
        want, ref_ops = _data_count(ref, X, theta, route)
        assert ops == ['pointwise_test', 'relu', 'pointwise_test'] and ref_ops == ['conv1d', 'relu', 'conv1d']
        assert got == want
        if got[0] != 'kink':
            assert got[1], "the count should be certified on this small network"
            seen_frozen = seen_frozen or got[2]['frozen'] > 0
    assert seen_frozen
