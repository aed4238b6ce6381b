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

The names are those of :data:`sage_conslaw.CATALOG` whose module is here; each
module is loaded on first use of one of its names (PEP 562, as the top level
of the package), so a count of a linear network does not load attention or the
convolutions.  The names are the objects themselves (not proxies):
they can be subclassed and compared by identity::

    sage: import sage_conslaw.architectures as A
    sage: A.LinearNetwork is __import__('sage_conslaw.architectures.linear', fromlist=['x']).LinearNetwork
    True
    sage: 'Attention' in dir(A), 'LinearNetwork' in A.__all__
    (True, True)
"""
from importlib import import_module

from sage_conslaw import CATALOG, module_available

#: The public names of the architectures and the module defining each (from :data:`sage_conslaw.CATALOG`).
NAMES = {name: module for name, module in CATALOG.items()
         if module.startswith(__name__ + ".") and module_available(module)}

__all__ = list(NAMES)


def __getattr__(name):
    r"""
    Load a name of :data:`NAMES` from its module on first access (PEP 562).

    TESTS::

        sage: import sage_conslaw.architectures as A
        sage: A.__getattr__('NMF').__name__
        'NMF'
        sage: A.no_such_name
        Traceback (most recent call last):
        ...
        AttributeError: module 'sage_conslaw.architectures' has no attribute 'no_such_name'
    """
    module = NAMES.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    r"""
    The module's attributes, including the names not loaded yet.

    TESTS::

        sage: import sage_conslaw.architectures as A
        sage: set(A.__all__) <= set(dir(A))
        True
    """
    return sorted(set(globals()) | set(__all__))
