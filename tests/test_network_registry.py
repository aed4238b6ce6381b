"""A new layer kind is one module and one registration: an op kind defined and
registered here, in the test module only (no file of the package edited), is
read by the torch.fx reader (``network_from_module``, ``from_torch``),
evaluated in the package's arithmetics against the PyTorch module, and counted
like the same layer written with ops the package already has."""
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
