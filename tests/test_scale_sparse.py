"""The certificate of linear networks that are not square: the decomposition of
the trace under the sign changes of neurons at sparse points
(LinearPathFamily.sign_certificate), against independent computations.

- the class decomposition itself: the projection of values of brackets on
  every class stays in their span (dense ranks), and every known law's
  gradient lies in one class (symbolic gradients);
- on many random shapes (depth 2 to 5, widths 1 to 6, with bottlenecks of
  width 1): where the certificate holds, its count equals the count at a random
  point by dense elimination (the existing engine, certified), and the rank at
  the sparse point by dense elimination equals D - N;
- the large shapes of the issue are certified in seconds.
"""
import random
import time

import numpy as np
import pytest

from sage.rings.integer_ring import ZZ

from sage_conslaw.architectures import LinearNetwork
from sage_conslaw.core.jets import LinearPathFamily, _eliminate, network_trace
from sage_conslaw.core.modular import DEFAULT_PRIME, rank_mod_p
from sage_conslaw.core.points import random_point

P = DEFAULT_PRIME


def _shapes(n, seed):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        dims = [rng.randint(1, 6) for _ in range(rng.randint(2, 5) + 1)]
        if len(set(dims)) > 1 and sum(a * b for a, b in zip(dims, dims[1:])) <= 90:
            out.append(dims)
    return out


SHAPES = _shapes(40, 1) + [[2, 7, 3, 5], [3, 1, 3], [1, 3, 1], [5, 1, 5, 1], [2, 1, 4, 3, 4], [4, 2, 4, 2],
                           [1, 1, 2, 1, 3], [6, 1, 1, 6], [2, 6, 6, 2]]


@pytest.mark.parametrize("dims", [[2, 3, 2], [3, 5, 2, 4], [2, 7, 3, 5], [1, 4, 2, 3, 1]])
def test_sign_classes_split_the_trace(dims):
    # the projection of elements of W_k(x) on each class lies in W_k(x): adding
    # the projections of random brackets does not raise the rank of their span
    W = LinearPathFamily(dims)
    for x in W.sparse_points():
        classes, count = W.sign_classes(x)
        rng = np.random.default_rng(int(0))
        V = np.vstack([W.bracket_values(x, k, W.D + 8, rng, P) for k in range(3)])
        projections = [np.where(classes[None] == c, V, 0) for c in range(count)]
        assert rank_mod_p(np.vstack([V] + projections), P) == rank_mod_p(V, P)


@pytest.mark.parametrize("dims", [[2, 3, 2], [3, 5, 2, 4], [1, 4, 2, 3, 1]])
def test_law_gradients_lie_in_one_class_and_match_the_symbolic_laws(dims):
    W = LinearPathFamily(dims)
    net = LinearNetwork(dims)
    g = net.polynomial_ring().gens()
    for x in W.sparse_points():
        classes, count = W.sign_classes(x)
        H = np.array([[int(h.derivative(t)(*[ZZ(a) for a in x])) % P for t in g]
                      for h in net.known_conservation_laws()], dtype=float)
        for row in H:
            assert len(set(classes[row != 0].tolist())) <= 1
        assert int(W._law_class_ranks(x, classes, count, P).sum()) == rank_mod_p(H, P)


@pytest.mark.parametrize("dims", SHAPES)
def test_sparse_certificate_agrees_with_dense_elimination(dims):
    W = LinearPathFamily(dims)
    x = W.certificate_point()
    at_random = network_trace(W, point=list(random_point(W.D, seed=0)))
    if x is None:
        return
    # a certificate proves the generic count: it is the certified count at a random point
    dims_, target, N, why = W.sign_certificate(x)
    assert why is None and dims_[-1] == target == W.D - N
    assert at_random['certified'] and at_random['number_of_laws'] == N
    # and the rank at the sparse point by dense elimination is D - N
    rank = _eliminate(W, x.astype(float) % P, W.D, P, 8, np.random.default_rng(int(1)), None)[0][-1]
    assert rank == W.D - N
    r = network_trace(W, point='certificate')
    assert r['certified'] and r['number_of_laws'] == N and 'sparse point' in r['point']


def test_the_certificate_covers_most_shapes_where_the_known_laws_are_all():
    # those certified at a random point (the known laws are all the laws there)
    covered = total = 0
    for dims in SHAPES:
        W = LinearPathFamily(dims)
        if network_trace(W)['certified'] and len(dims) > 2:
            total += 1
            covered += W.certificate_point() is not None
    assert covered >= 0.8 * total, (covered, total)


def test_shapes_with_extra_laws_get_no_certificate_point():
    # [1, 2, 3, 1] has a law of degree 4 beyond the known ones: no point can prove D - N
    for dims in ([1, 2, 3, 1], [1, 4, 4, 1]):
        W = LinearPathFamily(dims)
        assert W.certificate_point() is None
        assert not network_trace(W)['certified']


def test_a_given_point_is_traced_at_that_point():
    # lie_trace(point=...) answers for the given point, even a sparse singular one (sign classes apply there too)
    W = LinearPathFamily([2, 3, 2])
    for x in ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 2, 0, 0, 3, 0, 0, 0, 0], list(W.sparse_points()[1])):
        res = LinearNetwork([2, 3, 2]).lie_trace(point=x)
        dense = _eliminate(W, np.array(x, dtype=float), W.D, P, 8, np.random.default_rng(int(0)), None)[0][-1]
        assert res.dimensions[-1] == dense
        laws = np.array([[int(h.derivative(t)(*x)) for t in LinearNetwork([2, 3, 2]).polynomial_ring().gens()]
                         for h in LinearNetwork([2, 3, 2]).known_conservation_laws()])
        assert res.certified == (dense == W.D - rank_mod_p(laws, P))


@pytest.mark.parametrize("dims,laws", [([50, 40, 60, 30], None), ([100, 50, 100, 50], None), ([2, 7, 3, 5], 31)])
def test_large_non_square_networks_are_certified_in_seconds(dims, laws):
    W = LinearPathFamily(dims)
    t = time.time()
    r = network_trace(W, point='certificate')
    assert r['certified'] and time.time() - t < 60
    assert laws is None or r['number_of_laws'] == laws
    # the generic known-law count: on every hidden layer, rk (2 n_i + 1 - rk) / 2 with rk the rank of
    # [U_i; U_{i+1}^T] (Proposition 4.2 of the paper, layer by layer), all layers independent
    expected = sum(min(n, a + b) * (2 * n + 1 - min(n, a + b)) // 2 for a, n, b in zip(dims, dims[1:], dims[2:]))
    assert r['number_of_laws'] == expected
