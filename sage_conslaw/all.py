r"""
Everything a Sage session of this package needs, in one import line.

``from sage_conslaw.all import *`` (Sage's convention for the namespace of a
package) gives

- the Sage basics: ``QQ``, ``ZZ``, ``GF``, ``PolynomialRing``, ``matrix``,
  ``vector``, ``random_matrix``, ``latex``, ... -- all of ``sage.all`` on a
  full Sage install, all of ``sage.all__sagemath_singular`` (the parts that
  ``pip install 'sage_conslaw[passagemath]'`` brings) otherwise;
- every public name of the package (:data:`sage_conslaw.CATALOG`), loaded
  lazily with Sage's :func:`~sage.misc.lazy_import.lazy_import`: a name costs
  nothing until it is used.

It works in the ``sage`` REPL of the install (which starts with "sage.all is
not available; this is a limited REPL" on the passagemath wheels), in plain
Python (without the preparser: ``R = PolynomialRing(QQ, 'u, v')``) and in the
Jupyter kernel of ``sage-conslaw jupyter install``.

Sage's symbolic ring (``var``, ``SR``, ``pi``, ``solve``) and ``plot`` are
not in the ``passagemath`` extra: they are other wheels
(``passagemath-symbolics``, 44 MB, with GSL and SymPy; ``passagemath-plot``),
which this package never needs (its laws are polynomials over `\QQ` or a prime
field, and its figures are Matplotlib's).  ``pip install
'sage_conslaw[passagemath,symbolics]'`` adds them, and this module then exports
them too.  A full Sage install has them all.

A package name never hides a Sage name: those listed in :data:`SHADOWED` (the
toy example ``product``, as Sage's own ``product`` is the symbolic product) stay
Sage's, and the package's are reached as ``sage_conslaw.product``.

EXAMPLES::

    sage: from sage_conslaw.all import *
    sage: R.<u,v> = QQ[]
    sage: Reparametrization([u*v]).polynomial_conservation_laws(2)
    [u^2 - v^2]
    sage: LinearNetwork([2, 3, 2]).lie_trace().number_of_laws
    6
    sage: matrix(GF(7), [[1, 2], [3, 4]]).rank(), latex(u^2)
    (2, u^{2})

In plain Python::

    sage: import subprocess, sys
    sage: code = ("from sage_conslaw.all import *; R = PolynomialRing(QQ, 'u, v'); u, v = R.gens(); "
    ....:         "print(Reparametrization([u*v]).polynomial_conservation_laws(2))")
    sage: print(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)  # long time
    [u^2 - v^2]
"""
try:
    import sage.all__sagemath_categories  # noqa: F401  (import order of the modular wheels)
except ImportError:   # pragma: no cover
    pass
try:
    from sage.all import *  # noqa: F401,F403  (a full Sage install)
except ImportError:
    from sage.all__sagemath_singular import *  # noqa: F401,F403  (the passagemath wheels)
    try:   # the symbolic ring, if its wheel is there (the `symbolics` extra)
        from sage.all__sagemath_symbolics import *  # noqa: F401,F403
    except ImportError:
        pass
    try:   # Sage's plot, if its wheel is there (the `symbolics` extra)
        from sage.all__sagemath_plot import *  # noqa: F401,F403
    except ImportError:
        pass

from importlib.util import find_spec as _find_spec

from sage.misc.lazy_import import LazyImport as _LazyImport, lazy_import as _lazy_import

from sage_conslaw import CATALOG as _CATALOG, module_available as _module_available

#: The package names not exported here because Sage already uses them.
SHADOWED = []

#: The names that Sage's namespace keeps only as deprecated aliases ("Importing trace from
#: here is deprecated"), imported here from their own modules instead: the same objects,
#: without the warning (which the documentation build and every ``dir()`` would print).
HOMES = {'trace': 'sage.misc.trace', 'verbose': 'sage.misc.verbose', 'Profiler': 'sage.misc.profiler',
         'banner': 'sage.misc.banner', 'installed_packages': 'sage.misc.package',
         'is_package_installed': 'sage.misc.package', 'package_versions': 'sage.misc.package',
         'runsnake': 'sage.misc.dev_tools', 'set_edit_template': 'sage.misc.edit_module'}

#: Deprecated aliases of Sage's namespace with no home on this install, left out
#: (``benchmark`` points to ``sage.all``, which the passagemath wheels do not have).
DROPPED = []


def _undeprecate(namespace):
    r"""
    Replace the deprecated lazy aliases of ``namespace`` by lazy imports from
    their homes (:data:`HOMES`); drop those without one; return the dropped names.

    TESTS::

        sage: import warnings
        sage: from sage_conslaw import all as a
        sage: with warnings.catch_warnings():
        ....:     warnings.simplefilter('error')
        ....:     a.trace.__name__, a.verbose.__name__
        ('trace', 'verbose')
        sage: [n for n in dir(a) if isinstance(getattr(a, n, None), a._LazyImport) and a._LazyImport._get_deprecation_issue(getattr(a, n))]
        []
        sage: a._undeprecate({'x': 1})          # nothing deprecated, nothing dropped
        []
        sage: a.DROPPED
        ['benchmark']
    """
    dropped = []
    for name, value in list(namespace.items()):
        if isinstance(value, _LazyImport) and _LazyImport._get_deprecation_issue(value):
            if name in HOMES and _find_spec(HOMES[name]) is not None:
                del namespace[name]
                _lazy_import(HOMES[name], name, namespace=namespace)
            else:
                del namespace[name]
                dropped.append(name)
    return dropped


def _export(namespace):
    r"""
    Put a lazy import of every installed name of the catalog into ``namespace``,
    except those that would hide a Sage name (recorded in :data:`SHADOWED`).

    TESTS::

        sage: from sage_conslaw import all as a
        sage: ns = {'product': 'a Sage name'}
        sage: a._export(ns)
        ['product']
        sage: ns['product'], type(ns['ReLUNetwork']).__name__
        ('a Sage name', 'LazyImport')
        sage: ns['ReLUNetwork']([2, 2, 2]).number_of_conservation_laws()
        2
        sage: 'Attention' in ns or not a._module_available(a._CATALOG['Attention'])
        True
    """
    shadowed = []
    for name, module in _CATALOG.items():
        if name in namespace:
            shadowed.append(name)
        elif _module_available(module):
            _lazy_import(module, name, namespace=namespace)
    return shadowed


DROPPED.extend(_undeprecate(globals()))
SHADOWED.extend(_export(globals()))
