r"""
sage_conslaw: exact conservation laws of gradient flows of reparametrized models.

Implements "Abide by the Law and Follow the Flow: Conservation Laws for
Gradient Flows" (Marcotte, Gribonval, Peyré, NeurIPS 2023) in SageMath.

Every public name of the package can be imported from the top level, e.g.
``from sage_conslaw import LinearNetwork, ReLUNetwork, lie_trace``; the names
are loaded on first use, so ``import sage_conslaw`` stays cheap.  In a Sage
session, ``from sage_conslaw.all import *`` gives them all together with the
Sage basics (see :mod:`sage_conslaw.all`).

EXAMPLES::

    sage: from sage_conslaw import Reparametrization, LinearNetwork
    sage: R.<u,v> = QQ[]
    sage: Reparametrization([u*v]).polynomial_conservation_laws(2)
    [u^2 - v^2]
    sage: LinearNetwork([2, 2, 2]).number_of_conservation_laws()
    3

The submodules keep working as before::

    sage: from sage_conslaw.architectures import LinearNetwork as L
    sage: L is LinearNetwork
    True
"""
import importlib
import os

# passagemath is modular and some Sage modules import each other in a cycle;
# loading the categories layer first fixes the import order (a no-op on a
# classic Sage install, where it is already loaded or absent).
try:
    import sage.all__sagemath_categories  # noqa: F401
except ImportError:
    pass

__version__ = "0.1.0"

from sage_conslaw.core.registry import register_providers  # noqa: E402

# The modules of the upper floors that register the numeric twins and the
# ``data=`` handler of the core, imported by the core's registry on first need
# (a registration from the top, lazy: the numeric floor costs PyTorch).
register_providers(twins=["sage_conslaw.flows.models", "sage_conslaw.flows.twins"],
                   handlers={"data": "sage_conslaw.datalaws.network"})

#: The public names of the package and the module that defines each: the one
#: place to add a name (the top level, ``__all__`` and :mod:`sage_conslaw.all`
#: read it).  A name whose module is not in the installed package is skipped.
CATALOG = {
    # the engine
    "PolynomialVectorFields": "sage_conslaw.core.fields",
    "PolynomialVectorField": "sage_conslaw.core.fields",
    "lie_trace": "sage_conslaw.core.trace",
    "LieTraceResult": "sage_conslaw.core.trace",
    "polynomial_laws": "sage_conslaw.core.laws",
    "laws_supported_on": "sage_conslaw.core.laws",
    "Reparametrization": "sage_conslaw.core.reparametrization",
    "ConservationModel": "sage_conslaw.core.model",
    "GeneratorFamily": "sage_conslaw.core.families",
    "GradientFamily": "sage_conslaw.core.families",
    "FieldFamily": "sage_conslaw.core.families",
    # the families of models, and what an architecture is made of
    "Architecture": "sage_conslaw.architectures.base",
    "Parameter": "sage_conslaw.architectures.base",
    "ParameterLayout": "sage_conslaw.architectures.base",
    "LinearNetwork": "sage_conslaw.architectures.linear",
    "MatrixFactorization": "sage_conslaw.architectures.linear",
    "ReLUNetwork": "sage_conslaw.architectures.relu",
    "uv": "sage_conslaw.architectures.toy",
    "product": "sage_conslaw.architectures.toy",
    "ScalarTimesVector": "sage_conslaw.architectures.toy",
    "scalar_times_vector": "sage_conslaw.architectures.toy",
    "random_vector_fields": "sage_conslaw.architectures.toy",
    "Attention": "sage_conslaw.architectures.attention",
    "MultiHeadAttention": "sage_conslaw.architectures.attention",
    "ConvNetwork": "sage_conslaw.architectures.conv",
    "Residual": "sage_conslaw.architectures.compose",
    "Sequential": "sage_conslaw.architectures.compose",
    "NMF": "sage_conslaw.architectures.nmf",
    "ICNN": "sage_conslaw.architectures.icnn",
    "MLP": "sage_conslaw.architectures.activations",
    "GatedMLP": "sage_conslaw.architectures.swiglu",
    "NormalizedMLP": "sage_conslaw.architectures.normalization",
    "RotaryAttention": "sage_conslaw.architectures.rotary",
    "MixtureOfExperts": "sage_conslaw.architectures.moe",
    "TinyGPT": "sage_conslaw.architectures.gpt",
    "laws_of_subset": "sage_conslaw.core.subsets",
    # dynamics beyond the gradient flow (Marcotte et al., ICML 2024)
    "HeavyBall": "sage_conslaw.dynamics.momentum",
    "Nesterov": "sage_conslaw.dynamics.momentum",
    "Preconditioned": "sage_conslaw.dynamics.preconditioned",
    "WeightDecay": "sage_conslaw.dynamics.weight_decay",
    # training (numerical simulation of the flows and their discretizations)
    "train": "sage_conslaw.flows.train",
    "Trajectory": "sage_conslaw.flows.trajectory",
    "make_dataset": "sage_conslaw.flows.data",
    "initial_point": "sage_conslaw.flows.data",
    "register_method": "sage_conslaw.flows.descents",
    "example_3_8": "sage_conslaw.flows.intrinsic",
    # the laws of the user's data set
    "data_lie_trace": "sage_conslaw.datalaws.network",
    "DataModel": "sage_conslaw.datalaws.network",
    # networks as graphs: the laws of the network itself (the certificate needs the torch extra)
    "Network": "sage_conslaw.network.graph",
    "NetworkModel": "sage_conslaw.network.model",
    "network_of": "sage_conslaw.network.families",
    # PyTorch models (needs the torch extra; loaded only when used)
    "from_torch": "sage_conslaw.torch.mapping",
    "TorchMap": "sage_conslaw.torch.mapping",
    "LawMonitor": "sage_conslaw.torch.monitor",
    # the papers' tables
    "reproduce_tables": "sage_conslaw.reproduction.tables",
    # censuses of architectures on a Dask cluster (the census extra; loaded only when used);
    # the function census is sage_conslaw.census.census: a name here cannot be a subpackage's
    "CensusResult": "sage_conslaw.census.run",
}

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def module_available(module):
    r"""
    Return whether ``module`` (a dotted name inside ``sage_conslaw``) is part of
    the installed package, without importing anything.

    EXAMPLES::

        sage: from sage_conslaw import module_available
        sage: module_available("sage_conslaw.core.trace"), module_available("sage_conslaw.flows")
        (True, True)
        sage: module_available("sage_conslaw.no_such_module")
        False
    """
    path = os.path.join(_ROOT, *module.split("."))
    return os.path.isfile(path + ".py") or os.path.isfile(os.path.join(path, "__init__.py"))


def available_names():
    r"""
    Return the names of :data:`CATALOG` whose module is installed, in catalog order.

    EXAMPLES::

        sage: from sage_conslaw import available_names
        sage: names = available_names()
        sage: 'lie_trace' in names and 'ReLUNetwork' in names and 'MatrixFactorization' in names
        True
    """
    return [name for name, module in CATALOG.items() if module_available(module)]


__all__ = available_names()


def __getattr__(name):
    r"""
    Load a public name of :data:`CATALOG` on first access (PEP 562).

    TESTS::

        sage: import sage_conslaw
        sage: sage_conslaw.__getattr__("ReLUNetwork")
        <class 'sage_conslaw.architectures.relu.ReLUNetwork'>
        sage: sage_conslaw.__getattr__("no_such_name")
        Traceback (most recent call last):
        ...
        AttributeError: module 'sage_conslaw' has no attribute 'no_such_name'
    """
    module = CATALOG.get(name)
    if module is None or not module_available(module):
        raise AttributeError("module 'sage_conslaw' has no attribute %r" % name)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    r"""
    The module's attributes, including the public names not loaded yet.

    TESTS::

        sage: import sage_conslaw
        sage: 'LinearNetwork' in dir(sage_conslaw) and 'CATALOG' in dir(sage_conslaw)
        True
    """
    return sorted(set(globals()) | set(__all__))
