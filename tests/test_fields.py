"""Property tests of the Lie algebra of polynomial vector fields (core/fields.py).

The bracket is checked against an independent implementation of
[X, Y] = (dX) Y - (dY) X built from plain ``derivative`` calls, and the
Lie-algebra axioms (antisymmetry, Jacobi, bilinearity) on random and
handmade fields.
"""
import random

import pytest

import sage_conslaw  # noqa: F401  (bootstraps the Sage import order)
from sage_conslaw import PolynomialVectorFields
from sage_conslaw.architectures import random_vector_fields, ReLUNetwork

from sage.rings.rational_field import QQ
from sage.rings.integer_ring import ZZ
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.matrix.constructor import matrix
from sage.modules.free_module_element import vector


# ---------------------------------------------------------------------------
# independent helpers
# ---------------------------------------------------------------------------

def manual_bracket(X, Y):
    """[X, Y]_i = sum_j d_j X_i * Y_j - d_j Y_i * X_j, from scratch."""
    R = X.parent().polynomial_ring()
    g = R.gens()
    Xc, Yc = X.components(), Y.components()
    D = len(g)
    return [sum((Xc[i].derivative(g[j]) * Yc[j] - Yc[i].derivative(g[j]) * Xc[j]
                 for j in range(D)), R.zero()) for i in range(D)]


def random_poly(R, rng, degree, terms=4, bound=5):
    g = R.gens()
    out = R.zero()
    for _ in range(terms):
        c = QQ((rng.randint(-bound, bound), rng.randint(1, 3)))
        m = R.one()
        for _ in range(rng.randint(0, degree)):
            m *= rng.choice(g)
        out += c * m
    return out


def random_field(V, rng, degree):
    R = V.polynomial_ring()
    return V([random_poly(R, rng, degree) for _ in range(V.ambient_dimension())])


CASES = [(D, deg, seed) for D in (1, 2, 3, 4) for deg in (1, 2) for seed in (0, 1)]


def ring(D):
    return PolynomialRing(QQ, 'x', D)


# ---------------------------------------------------------------------------
# bracket: definition and axioms
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("D,deg,seed", CASES)
def test_bracket_matches_definition(D, deg, seed):
    V = PolynomialVectorFields(ring(D))
    rng = random.Random(seed)
    X, Y = random_field(V, rng, deg), random_field(V, rng, deg)
    assert list(X.bracket(Y).components()) == manual_bracket(X, Y)
    assert V.bracket(X, Y) == X.bracket(Y)


@pytest.mark.parametrize("D,d,deg,seed", [(2, 2, 2, 0), (3, 2, 2, 1), (3, 3, 1, 2), (4, 3, 2, 3), (2, 3, 3, 4)])
def test_bracket_of_random_vector_fields_matches_definition(D, d, deg, seed):
    W = random_vector_fields(D, d, deg, seed=seed)
    for X in W:
        for Y in W:
            assert list(X.bracket(Y).components()) == manual_bracket(X, Y)


@pytest.mark.parametrize("D,deg,seed", CASES)
def test_antisymmetry(D, deg, seed):
    V = PolynomialVectorFields(ring(D))
    rng = random.Random(100 + seed)
    X, Y = random_field(V, rng, deg), random_field(V, rng, deg)
    assert X.bracket(Y) == -Y.bracket(X)
    assert not X.bracket(X)
    assert X.bracket(X) == V.zero()


@pytest.mark.parametrize("D,deg,seed", CASES)
def test_jacobi_identity(D, deg, seed):
    V = PolynomialVectorFields(ring(D))
    rng = random.Random(200 + seed)
    X, Y, Z = (random_field(V, rng, deg) for _ in range(3))
    total = X.bracket(Y.bracket(Z)) + Y.bracket(Z.bracket(X)) + Z.bracket(X.bracket(Y))
    assert total == V.zero()


def test_jacobi_identity_random_vector_fields():
    X, Y, Z = random_vector_fields(3, 3, 2, seed=5)
    V = X.parent()
    assert X.bracket(Y.bracket(Z)) + Y.bracket(Z.bracket(X)) + Z.bracket(X.bracket(Y)) == V.zero()


@pytest.mark.parametrize("D,deg,seed", CASES)
def test_bilinearity(D, deg, seed):
    V = PolynomialVectorFields(ring(D))
    rng = random.Random(300 + seed)
    X, Y, Z = (random_field(V, rng, deg) for _ in range(3))
    a, b = QQ((rng.randint(-7, 7), rng.randint(1, 5))), QQ((rng.randint(-7, 7), rng.randint(1, 5)))
    assert (a * X + b * Y).bracket(Z) == a * X.bracket(Z) + b * Y.bracket(Z)
    assert Z.bracket(a * X + b * Y) == a * Z.bracket(X) + b * Z.bracket(Y)


def test_bracket_is_not_c_infinity_linear():
    # [X, fY] = f[X, Y] + (X.f) Y: multiplying by a polynomial is not a scalar.
    R = ring(2)
    x0, x1 = R.gens()
    V = PolynomialVectorFields(R)
    X, Y = V([x1, 0]), V([1, x0])
    f = x0
    lhs = X.bracket(f * Y)
    Xf = sum(X.components()[j] * f.derivative(R.gen(j)) for j in range(2))
    rhs = f * X.bracket(Y) - Xf * Y   # sign: [X, fY] = (dX)(fY) - d(fY) X
    assert lhs == rhs


# ---------------------------------------------------------------------------
# linear fields: the sign convention [A theta, B theta] = (AB - BA) theta
# ---------------------------------------------------------------------------

def random_int_matrix(D, rng, bound=4):
    return matrix(QQ, D, D, [rng.randint(-bound, bound) for _ in range(D * D)])


@pytest.mark.parametrize("D", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_field_bracket_is_commutator(D, seed):
    V = PolynomialVectorFields(ring(D))
    rng = random.Random(seed * 10 + D)
    A, B = random_int_matrix(D, rng), random_int_matrix(D, rng)
    XA, XB = V.linear_field(A), V.linear_field(B)
    assert XA.bracket(XB) == V.linear_field(A * B - B * A)
    # and not the opposite sign (unless the commutator vanishes)
    if A * B != B * A:
        assert XA.bracket(XB) != V.linear_field(B * A - A * B)


@pytest.mark.parametrize("D", [1, 2, 3, 4])
def test_linear_field_values_and_jacobian(D):
    R = ring(D)
    V = PolynomialVectorFields(R)
    rng = random.Random(D)
    A = random_int_matrix(D, rng)
    X = V.linear_field(A)
    assert X.jacobian() == A.change_ring(R)
    pt = [QQ((rng.randint(-9, 9), rng.randint(1, 4))) for _ in range(D)]
    assert X(pt) == A * vector(QQ, pt)


def test_elementary_commutator_sign():
    # E12 and E21 in gl(2): [E12, E21] = E11 - E22.
    R = ring(2)
    x0, x1 = R.gens()
    V = PolynomialVectorFields(R)
    E12 = V.linear_field(matrix(QQ, [[0, 1], [0, 0]]))
    E21 = V.linear_field(matrix(QQ, [[0, 0], [1, 0]]))
    assert E12 == V([x1, 0])
    assert E12.bracket(E21) == V([x0, -x1])


def test_rotations_generate_so3():
    R = ring(3)
    V = PolynomialVectorFields(R)
    L = [matrix(QQ, 3, 3, {(i, j): 1, (j, i): -1}) for i, j in ((0, 1), (1, 2), (0, 2))]
    X = [V.linear_field(M) for M in L]
    # [L01, L12] = L01 L12 - L12 L01
    assert X[0].bracket(X[1]) == V.linear_field(L[0] * L[1] - L[1] * L[0])
    assert X[0].bracket(X[1]) != V.zero()


# ---------------------------------------------------------------------------
# gradients, Jacobians, evaluation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("D,deg,seed", CASES)
def test_gradient_components_are_partial_derivatives(D, deg, seed):
    R = ring(D)
    V = PolynomialVectorFields(R)
    rng = random.Random(400 + seed)
    f = random_poly(R, rng, deg + 1)
    g = random_poly(R, rng, deg + 1)
    G = V.gradient(f)
    assert list(G.components()) == [f.derivative(x) for x in R.gens()]
    assert V.gradient(f + 3 * g) == G + 3 * V.gradient(g)
    assert V.gradient(R(7)) == V.zero()
    # the Jacobian of a gradient is the (symmetric) Hessian
    H = G.jacobian()
    assert H == H.transpose()
    assert H == matrix(R, D, D, lambda i, j: f.derivative(R.gen(i)).derivative(R.gen(j)))


@pytest.mark.parametrize("seed", range(4))
def test_bracket_of_gradients_uses_hessians(seed):
    R = ring(3)
    V = PolynomialVectorFields(R)
    rng = random.Random(500 + seed)
    f, g = random_poly(R, rng, 3), random_poly(R, rng, 3)
    Gf, Gg = V.gradient(f), V.gradient(g)
    expected = Gf.jacobian() * vector(R, Gg.components()) - Gg.jacobian() * vector(R, Gf.components())
    assert vector(R, Gf.bracket(Gg).components()) == expected


@pytest.mark.parametrize("D,deg,seed", CASES)
def test_evaluation_is_exact_and_consistent(D, deg, seed):
    R = ring(D)
    V = PolynomialVectorFields(R)
    rng = random.Random(600 + seed)
    X, Y = random_field(V, rng, deg), random_field(V, rng, deg)
    pt = [QQ((rng.randint(-9, 9), rng.randint(1, 7))) for _ in range(D)]
    val = X(pt)
    assert list(val) == [c(*pt) for c in X.components()]
    assert val.base_ring() is QQ
    assert X(*pt) == val
    assert X(tuple(pt)) == val
    # pointwise bracket formula: [X,Y](p) = dX(p) Y(p) - dY(p) X(p)
    JX = X.jacobian().apply_map(lambda c: c(*pt), QQ)
    JY = Y.jacobian().apply_map(lambda c: c(*pt), QQ)
    assert X.bracket(Y)(pt) == JX * Y(pt) - JY * X(pt)


def test_sparse_path_product_gradients_bracket():
    # sparse fields (gradients of ReLU path products) take the sparse code path
    net = ReLUNetwork([2, 2, 2])
    G = net.gradient_fields()
    for X in G[:4]:
        for Y in G:
            assert list(X.bracket(Y).components()) == manual_bracket(X, Y)


def test_construction_and_vector_space_structure():
    R = ring(3)
    x0, x1, x2 = R.gens()
    V = PolynomialVectorFields(R)
    X = V([x0 * x1, 1, QQ((1, 2)) * x2 ** 2])
    assert V(vector(R, [x0 * x1, 1, x2 ** 2 / 2])) == X
    assert V(X) == X
    assert X.degree() == 2
    assert V.zero().degree() == -1
    assert X - X == V.zero()
    assert 2 * X == X + X
    assert X.support() == (0, 1, 2)
    assert V([0, x1, 0]).support() == (1,)
    assert V.ambient_dimension() == 3
    assert V.polynomial_ring() is R
    assert PolynomialVectorFields(R) is V


def test_fields_over_a_prime_field_are_refused():
    from sage.rings.finite_rings.finite_field_constructor import GF
    with pytest.raises(TypeError, match="characteristic 7"):
        PolynomialVectorFields(PolynomialRing(GF(7), 'y', 2))


def test_fields_over_a_real_number_field():
    from sage.rings.number_field.number_field import QuadraticField
    R = PolynomialRing(QuadraticField(2), 'y', 2)
    V = PolynomialVectorFields(R)
    y0, y1 = R.gens()
    X, Y = V([y1 ** 2, y0]), V([y0, 3 * y1])
    assert list(X.bracket(Y).components()) == manual_bracket(X, Y)
    assert X.bracket(Y) == -Y.bracket(X)


def test_integer_ring_fields_bracket():
    # ZZ coefficients are accepted as exact; the bracket stays correct.
    R = PolynomialRing(ZZ, 'z', 2)
    V = PolynomialVectorFields(R)
    z0, z1 = R.gens()
    X, Y = V([z1, z0 ** 2]), V([z0, z1])
    assert list(X.bracket(Y).components()) == manual_bracket(X, Y)
