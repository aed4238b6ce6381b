r"""
Architectures: one module per family of reparametrizations.

- :mod:`~sage_conslaw.architectures.base` -- the parameter layout (:class:`~sage_conslaw.architectures.base.ParameterLayout`)
  and the base classes every architecture builds on
- :mod:`~sage_conslaw.architectures.linear` -- deep linear networks, matrix factorization
- :mod:`~sage_conslaw.architectures.relu` -- deep ReLU networks (path products), with or without biases
- :mod:`~sage_conslaw.architectures.toy` -- the paper's toy examples and random vector fields
- :mod:`~sage_conslaw.architectures.attention` -- attention heads, multi-head attention (ICML 2025)
- :mod:`~sage_conslaw.architectures.conv` -- two-layer 1-D convolutional ReLU networks (ICML 2025)
- :mod:`~sage_conslaw.architectures.compose` -- residual blocks and sequences of blocks (ICML 2025)
- :mod:`~sage_conslaw.architectures.nmf` -- nonnegative matrix factorization, mirror flow (ICML 2024)
- :mod:`~sage_conslaw.architectures.icnn` -- two-layer input-convex networks, mirror flow on the output layer (ICML 2024)
- :mod:`~sage_conslaw.architectures.functional` -- the laws of the network itself: its gradients in ball arithmetic
- :mod:`~sage_conslaw.architectures.activations` -- MLPs with GELU, SiLU, tanh, sigmoid, softplus or ReLU
- :mod:`~sage_conslaw.architectures.swiglu` -- gated units: SwiGLU, GEGLU, ReGLU, GLU
- :mod:`~sage_conslaw.architectures.normalization` -- LayerNorm and RMSNorm between linear maps
- :mod:`~sage_conslaw.architectures.rotary` -- attention with rotary (RoPE) or sinusoidal position encodings
- :mod:`~sage_conslaw.architectures.moe` -- mixtures of experts, softmax or top-k router

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
    sage: LinearNetwork([2, 2, 2]).number_of_conservation_laws()
    3
    sage: ReLUNetwork([2, 2, 2]).number_of_conservation_laws()
    2
"""
from sage_conslaw.architectures.base import Architecture, Parameter, ParameterLayout  # noqa: F401
from sage_conslaw.architectures.linear import LinearNetwork, MatrixFactorization  # noqa: F401
from sage_conslaw.architectures.relu import ReLUNetwork  # noqa: F401
from sage_conslaw.architectures.toy import (uv, product, ScalarTimesVector,  # noqa: F401
                                            scalar_times_vector, random_vector_fields)
from sage_conslaw.architectures.attention import Attention, MultiHeadAttention  # noqa: F401
from sage_conslaw.architectures.conv import ConvNetwork  # noqa: F401
from sage_conslaw.architectures.compose import Residual, Sequential  # noqa: F401
from sage_conslaw.architectures.nmf import NMF  # noqa: F401
from sage_conslaw.architectures.icnn import ICNN  # noqa: F401
from sage_conslaw.architectures.activations import MLP  # noqa: F401
from sage_conslaw.architectures.swiglu import GatedMLP  # noqa: F401
from sage_conslaw.architectures.normalization import NormalizedMLP  # noqa: F401
from sage_conslaw.architectures.rotary import RotaryAttention  # noqa: F401
from sage_conslaw.architectures.moe import MixtureOfExperts  # noqa: F401
