r"""
Architectures: one module per family of reparametrizations.

- :mod:`~sage_conslaw.architectures.linear` -- deep linear networks, matrix factorization
- :mod:`~sage_conslaw.architectures.relu` -- deep ReLU networks (path products), with or without biases
- :mod:`~sage_conslaw.architectures.toy` -- the paper's toy examples and random vector fields

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
    sage: LinearNetwork([2, 2, 2]).number_of_conservation_laws()
    3
    sage: ReLUNetwork([2, 2, 2]).number_of_conservation_laws()
    2
"""
from sage_conslaw.architectures.linear import LinearNetwork, MatrixFactorization  # noqa: F401
from sage_conslaw.architectures.relu import ReLUNetwork  # noqa: F401
from sage_conslaw.architectures.toy import (uv, product, ScalarTimesVector,  # noqa: F401
                                            scalar_times_vector, random_vector_fields)
