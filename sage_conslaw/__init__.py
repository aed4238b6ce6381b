r"""
sage_conslaw: exact conservation laws of gradient flows of reparametrized models.

Implements "Abide by the Law and Follow the Flow: Conservation Laws for
Gradient Flows" (Marcotte, Gribonval, Peyré, NeurIPS 2023) in SageMath.

EXAMPLES::

    sage: from sage_conslaw import Reparametrization, lie_trace
    sage: R.<u,v> = QQ[]
    sage: Reparametrization([u*v]).polynomial_conservation_laws(2)
    [u^2 - v^2]
"""
# passagemath is modular and some Sage modules import each other in a cycle;
# loading the categories layer first fixes the import order (a no-op on a
# classic Sage install, where it is already loaded or absent).
try:
    import sage.all__sagemath_categories  # noqa: F401
except ImportError:
    pass

from sage_conslaw.core.fields import PolynomialVectorFields, PolynomialVectorField  # noqa: E402
from sage_conslaw.core.trace import lie_trace, LieTraceResult  # noqa: E402
from sage_conslaw.core.reparametrization import Reparametrization  # noqa: E402
from sage_conslaw.core.laws import polynomial_laws  # noqa: E402

__all__ = ["PolynomialVectorFields", "PolynomialVectorField", "lie_trace", "LieTraceResult",
           "Reparametrization", "polynomial_laws"]

# The blocks of "Transformative or Conservative?" (ICML 2025) and the laws of a subset of parameters.
from sage_conslaw.architectures import (Attention, MultiHeadAttention, ConvNetwork,  # noqa: E402
                                        Residual, Sequential)
from sage_conslaw.core.subsets import laws_of_subset  # noqa: E402
__all__ += ["Attention", "MultiHeadAttention", "ConvNetwork", "Residual", "Sequential", "laws_of_subset"]

__version__ = "0.1.0"
