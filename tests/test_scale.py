"""The structured trace (sage_conslaw.core.jets) against the generic engine.

Properties over many shapes: the random elements of W_0 evaluated by matrix
products are the gradients of the same combination of the components of phi;
nested brackets on jets equal the brackets of the symbolic fields; the
counts of network_trace equal those of the generic engine, certified.
"""
import itertools
import random

import numpy as np
import pytest

from sage.rings.integer_ring import ZZ

from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
from sage_conslaw.core.jets import Jet, NetworkFamily, linbox_matrix, network_trace
from sage_conslaw.core.modular import DEFAULT_PRIME, rank_mod_p

P = DEFAULT_PRIME


def _shapes(n, seed, max_width=3, max_depth=3):
    rng = random.Random(seed)
    return [[rng.randint(1, max_width) for _ in range(rng.randint(2, max_depth) + 1)] for _ in range(n)]


def _combination(net, family, coefs):
    """The polynomial <C, phi> of the coefficients drawn by NetworkFamily."""
    if family.family == 'linear':
        C = coefs[0]
        phi = net.components()
        n0, nq = family.dims[0], family.dims[-1]
        return sum(ZZ(int(C[a, b])) * phi[a * nq + b] for a in range(n0) for b in range(nq))
    c, alpha = coefs
    c = [[ZZ(int(t)) for t in v[0]] for v in c]
    alpha = [ZZ(int(t)) for t in alpha[0]]
    U = net.weights()
    q = len(family.dims) - 1
    f = 0
    for j in itertools.product(*[range(n) for n in family.dims]):
        term = 1
        for i in range(q + 1):
            term *= c[i][j[i]]
        for i in range(1, q + 1):
            term *= U[i - 1][j[i - 1], j[i]]
        f += term
    if family.bias:
        for i in range(1, q):
            b = net.parameters()["b%s" % i]
            for j in itertools.product(*[range(n) for n in family.dims[:i + 1]]):
                term = alpha[i] * b[j[i], 0]
                for l in range(i + 1):
                    term *= c[l][j[l]]
                for l in range(1, i + 1):
                    term *= U[l - 1][j[l - 1], j[l]]
                f += term
        f += sum(alpha[0] * c[0][j0] * net.parameters()["c"][j0, 0] for j0 in range(family.dims[0]))
    return f


@pytest.mark.parametrize("kind", ["linear", "relu", "relu-bias"])
def test_fields_are_gradients_of_combinations(kind):
    for dims in _shapes(6, hash(kind) % 1000):
        bias = kind == "relu-bias"
        net = LinearNetwork(dims) if kind == "linear" else ReLUNetwork(dims, bias=bias)
        W = NetworkFamily(kind.split('-')[0], dims, bias)
        assert W.D == net.D and W.d == net.d
        rng = np.random.default_rng(len(dims))
        coefs = W.random_coefficients(1, rng, P)
        x = [int(t) for t in net.random_point(3)]
        got = W.field(coefs if kind != "linear" else coefs, Jet(np.array([[x]], dtype=float) % P, P)).coefs[0, 0]
        f = _combination(net, W, coefs if kind != "linear" else (coefs[0],))
        R = net.polynomial_ring()
        expected = [ZZ(f.derivative(v)(*x)) % P for v in R.gens()]
        assert expected == [int(t) for t in got], dims


def test_brackets_on_jets_are_symbolic_brackets():
    net = LinearNetwork([2, 2, 3])
    W = NetworkFamily('linear', [2, 2, 3])
    x = [int(t) for t in net.random_point(1)]
    for depth in (1, 2):
        rng = np.random.default_rng(depth)
        vals = W.bracket_values(x, depth, 1, rng, P)[0]
        rng = np.random.default_rng(depth)
        coefs = [W.random_coefficients(1, rng, P) for _ in range(depth + 1)]
        V = net.vector_fields()
        fields = [V.gradient(_combination(net, W, (C[0],))) for C in coefs]
        Z = fields[-1]
        for X in reversed(fields[:-1]):
            Z = X._bracket_(Z)
        assert [int(t) for t in vals] == [ZZ(c(*x)) % P for c in Z.components()]


@pytest.mark.parametrize("kind", ["linear", "relu", "relu-bias"])
def test_counts_agree_with_the_generic_engine(kind):
    for dims in _shapes(8, 7 + len(kind), max_width=4, max_depth=4):
        bias = kind == "relu-bias"
        net = LinearNetwork(dims) if kind == "linear" else ReLUNetwork(dims, bias=bias)
        res = net.lie_trace(method='fast')
        r = network_trace(NetworkFamily(kind.split('-')[0], dims, bias), point=res.point)
        assert r['number_of_laws'] >= res.number_of_laws - 0 or not r['certified']
        if res.certified and r['certified']:
            assert r['number_of_laws'] == res.number_of_laws, dims
        if res.certified and res.known_laws == r['known_laws']:
            assert r['certified'], dims


def test_linbox_matrix_from_one_buffer():
    A = np.floor(np.random.default_rng(0).random((30, 40)) * P)
    A[10] = (A[3] + 2 * A[4]) % P
    M = linbox_matrix(A, P)
    assert M.nrows() == 30 and int(M[7, 9]) == int(A[7, 9])
    assert M.rank() == rank_mod_p(A, P) == 29
