r"""
The exact engine: vector fields and brackets, prime-field linear algebra,
the Lie-algebra trace, and polynomial conservation laws.

EXAMPLES::

    sage: from sage_conslaw.core.fields import PolynomialVectorFields
    sage: from sage_conslaw.core.trace import lie_trace
    sage: R.<x,y> = QQ[]
    sage: lie_trace([PolynomialVectorFields(R).gradient(x*y)], laws=[x^2 - y^2]).number_of_laws
    1
"""
