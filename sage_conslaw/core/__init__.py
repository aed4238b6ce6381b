r"""
The exact engine: vector fields and brackets, prime-field linear algebra,
the Lie-algebra trace, and polynomial conservation laws.
"""
