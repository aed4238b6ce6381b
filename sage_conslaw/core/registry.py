r"""
The registry of numeric twins: which function builds the float64 twin of a
model, keyed by the model's class.

It lives in the bottom floor so that the floors above can meet without
importing each other upwards: an architecture (``architectures/``) asks for
its twin with :func:`numeric_twin` (this is what
:meth:`~sage_conslaw.architectures.base.Architecture.numeric_model` does),
and the numeric floor (``flows/``), which imports the architectures, registers
the twin of each with :func:`register_twin`.  Neither imports the other in a
function.

The numeric floor registers its twins when it is imported.  A model may ask
for its twin before that: the modules that register twins (and handlers) are
then loaded by name, through :func:`importlib.import_module`, from
:data:`PROVIDERS` and :data:`HANDLER_PROVIDERS`.  This floor names no upper
module: those tables are empty here and filled by the top of the package
(``sage_conslaw/__init__.py``, next to ``CATALOG``, which names the public
names the same way) with :func:`register_providers`, a registration from the
upper floor that stays lazy (importing the numeric floor costs PyTorch).

EXAMPLES::

    sage: from sage_conslaw.core.registry import numeric_twin, twin_builder
    sage: from sage_conslaw.architectures import LinearNetwork, Attention
    sage: numeric_twin(LinearNetwork([2, 3]))
    numeric linear network [2, 3] (D = 6)
    sage: twin_builder(Attention).__name__
    'attention_twin'

A class of its own, registered like the package's::

    sage: from sage_conslaw.core.registry import register_twin, TWINS
    sage: class Toy:
    ....:     pass
    sage: @register_twin(Toy)
    ....: def toy_twin(model, scale=1):
    ....:     return ("toy twin", scale)
    sage: numeric_twin(Toy(), scale=2)
    ('toy twin', 2)
    sage: del TWINS[Toy]
    sage: numeric_twin(Toy())
    Traceback (most recent call last):
    ...
    TypeError: <...Toy object at 0x...> has no numeric twin: no twin is registered for Toy or its base classes (register one with sage_conslaw.core.registry.register_twin)
"""
import importlib

#: The twin builders: a class -> ``builder(model, **options)``, returning the twin.
TWINS = {}

#: The modules that register twins, loaded (once) when a twin is asked for
#: before they are imported; declared by an upper floor (:func:`register_providers`).
PROVIDERS = []


def register_twin(cls):
    r"""
    Return a decorator that registers ``builder(model, **options)`` as the
    twin builder of ``cls`` and of its subclasses that have none of their own.

    EXAMPLES::

        sage: from sage_conslaw.core.registry import register_twin, numeric_twin, TWINS
        sage: class Toy:
        ....:     pass
        sage: register_twin(Toy)(lambda model: "twin of a toy") is not None
        True
        sage: numeric_twin(Toy())
        'twin of a toy'
        sage: del TWINS[Toy]
        sage: register_twin(3)
        Traceback (most recent call last):
        ...
        TypeError: register a twin for a class, got 3
    """
    if not isinstance(cls, type):
        raise TypeError("register a twin for a class, got %r" % (cls,))

    def register(builder):
        TWINS[cls] = builder
        return builder
    return register


def _load_providers():
    r"""
    Import the modules of :data:`PROVIDERS` (each registers its twins).

    TESTS::

        sage: from sage_conslaw.core.registry import _load_providers, TWINS
        sage: _load_providers(); len(TWINS) >= 10
        True
    """
    for name in PROVIDERS:
        importlib.import_module(name)


def twin_builder(cls):
    r"""
    Return the twin builder of the class ``cls`` (the first registered along
    its method resolution order), or ``None``.

    EXAMPLES::

        sage: from sage_conslaw.core.registry import twin_builder
        sage: from sage_conslaw.architectures import ReLUNetwork, MatrixFactorization
        sage: twin_builder(ReLUNetwork).__name__, twin_builder(MatrixFactorization).__name__
        ('layered_twin', 'matrix_factorization_twin')
        sage: twin_builder(int) is None
        True
    """
    _load_providers()
    for base in cls.__mro__:
        if base in TWINS:
            return TWINS[base]
    return None


def numeric_twin(model, *args, **options):
    r"""
    Return the numeric twin of ``model``: the registered builder of its class
    called on ``model`` and the options.

    EXAMPLES::

        sage: from sage_conslaw.core.registry import numeric_twin
        sage: from sage_conslaw.architectures import ConvNetwork
        sage: numeric_twin(ConvNetwork(1, 1, 1, 2, 1), length=4)    # optional - torch
        numeric 1-D convolutional ReLU network 1 -> 1 -> 1 channels, kernels 2 and 1, without biases on signals of length 4 (D = 3)
        sage: numeric_twin("abc")
        Traceback (most recent call last):
        ...
        TypeError: 'abc' has no numeric twin: no twin is registered for str or its base classes (register one with sage_conslaw.core.registry.register_twin)
    """
    builder = twin_builder(type(model))
    if builder is None:
        raise TypeError("%r has no numeric twin: no twin is registered for %s or its base classes (register one "
                        "with sage_conslaw.core.registry.register_twin)" % (model, type(model).__name__))
    return builder(model, *args, **options)


# ---------------------------------------------------------------------------
# Handlers: options of the core's methods computed by an upper floor
# ---------------------------------------------------------------------------

#: The handlers, by name: ``'data'`` is ``handler(model, X, point=..., **options)``,
#: the laws of gradient flows on a fixed data set (``model.lie_trace(data=X)``).
HANDLERS = {}

#: The module that registers each handler, loaded (once) when it is asked for
#: before that module is imported; declared by an upper floor (:func:`register_providers`).
HANDLER_PROVIDERS = {}


def register_providers(twins=(), handlers=None):
    r"""
    Declare, from an upper floor, the modules that register twins (``twins``,
    module names) and handlers (``handlers``, a dict: handler name -> module
    name): each is imported the first time a twin or that handler is asked for.

    EXAMPLES::

        sage: from sage_conslaw.core.registry import register_providers, PROVIDERS, HANDLER_PROVIDERS
        sage: 'sage_conslaw.flows.twins' in PROVIDERS, HANDLER_PROVIDERS['data']      # the package's, from its top
        (True, 'sage_conslaw.datalaws.network')
        sage: register_providers(twins=['sage_conslaw.flows.twins'], handlers={'data': 'sage_conslaw.datalaws.network'})
        sage: PROVIDERS.count('sage_conslaw.flows.twins')
        1
        sage: register_providers(twins='sage_conslaw.flows.twins')
        Traceback (most recent call last):
        ...
        TypeError: twins must be a list of module names, got 'sage_conslaw.flows.twins'
    """
    if isinstance(twins, str):
        raise TypeError("twins must be a list of module names, got %r" % (twins,))
    for name in twins:
        if name not in PROVIDERS:
            PROVIDERS.append(name)
    HANDLER_PROVIDERS.update(handlers or {})


def register_handler(name):
    r"""
    Return a decorator that registers a function as the handler ``name``.

    EXAMPLES::

        sage: from sage_conslaw.core.registry import register_handler, handler, HANDLERS
        sage: register_handler('toy')(lambda x: 2 * x) is not None
        True
        sage: handler('toy')(3)
        6
        sage: del HANDLERS['toy']
    """
    def register(function):
        HANDLERS[name] = function
        return function
    return register


def handler(name):
    r"""
    Return the handler ``name``, loading its provider module first if needed.

    EXAMPLES::

        sage: from sage_conslaw.core.registry import handler
        sage: handler('data').__name__
        'data_lie_trace'
        sage: handler('nothing')
        Traceback (most recent call last):
        ...
        ValueError: no handler 'nothing' is registered (the handlers are: data)
    """
    if name not in HANDLERS and name in HANDLER_PROVIDERS:
        importlib.import_module(HANDLER_PROVIDERS[name])
    if name not in HANDLERS:
        raise ValueError("no handler %r is registered (the handlers are: %s)"
                         % (name, ", ".join(sorted(set(HANDLERS) | set(HANDLER_PROVIDERS)))))
    return HANDLERS[name]
