"""
Independent test oracles shared by the pytest modules: written from scratch
with plain Sage matrices, never with the package's own linear algebra, so that
a test compares the package with something else.
"""
from sage.all__sagemath_singular import QQ, matrix


def coefficient_rank(polys):
    """The dimension of the QQ-span of ``polys``: the rank of their coefficient matrix."""
    polys = [p for p in polys if p]
    if not polys:
        return 0
    monos = sorted({m for p in polys for m in p.monomials()})
    index = {m: i for i, m in enumerate(monos)}
    M = matrix(QQ, len(polys), len(monos))
    for r, p in enumerate(polys):
        for c, m in zip(p.coefficients(), p.monomials()):
            M[r, index[m]] = c
    return M.rank()


def span_contains(big, small):
    """Whether the span of ``big`` contains ``small``."""
    return coefficient_rank(list(big) + list(small)) == coefficient_rank(big)


def same_span(a, b):
    """Whether two lists of polynomials span the same space."""
    return coefficient_rank(a) == coefficient_rank(b) == coefficient_rank(list(a) + list(b))
