"""Sphinx configuration of the sage_conslaw documentation.

Build with ``make -C doc html`` (warnings are errors) or
``python -m sphinx -W --keep-going -b html doc doc/_build/html``.

The docstrings are in Sage style: ``EXAMPLES::`` blocks with ``sage:``
prompts, LaTeX between single backquotes (Sage's default role is math),
``.. MATH::`` blocks (docutils directive names are case-insensitive, so this
is the standard ``math`` directive) and Sage's ``\\QQ``, ``\\RR``, ``\\ZZ``
macros, defined below for MathJax.
"""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)

# Import the package first: it fixes the import order of the modular
# passagemath distributions before autodoc imports the submodules.
import sage_conslaw  # noqa: E402

project = "sage_conslaw"
author = "sage_conslaw developers"
copyright = "2024, sage_conslaw developers (GPL-2.0-or-later)"
release = version = sage_conslaw.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

# `x^2` in a docstring is LaTeX, as in Sage's documentation.
default_role = "math"

# Literal blocks are Sage sessions: highlight as Python where that works,
# silently plain otherwise ('default' never warns).
highlight_language = "default"

autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autoclass_content = "both"

mathjax3_config = {
    "tex": {
        "macros": {
            "QQ": r"\mathbf{Q}",
            "RR": r"\mathbf{R}",
            "ZZ": r"\mathbf{Z}",
            "CC": r"\mathbf{C}",
        }
    }
}

nitpicky = False
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "Exact conservation laws of gradient flows, in SageMath"}


def _skip_lazy_imports(app, what, name, obj, skip, options):
    """A Sage ``lazy_import`` at module level (``flows/twins.py``'s PyTorch, the
    reproductions' architectures) is another module's object, not a member to document."""
    from sage.misc.lazy_import import LazyImport
    return True if type(obj) is LazyImport else None


def setup(app):
    app.connect("autodoc-skip-member", _skip_lazy_imports)
