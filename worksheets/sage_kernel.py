r"""
Launch the SageMath Jupyter kernel, also on a modular passagemath install.

The ``sagemath`` kernel spec that ``passagemath-repl`` installs runs
``python -m sage.repl.ipython_kernel``, which imports ``sage.all_cmdline``:
that module only exists in a full Sage (``passagemath-standard``), so on the
lighter install of ``pip install '.[passagemath]'`` the kernel dies at start.
This launcher provides ``sage.all_cmdline`` from the installed parts
(``sage.all__sagemath_repl`` and ``sage.all__sagemath_singular``: the same
environment as the package's doctests) when it is missing, then starts the
unchanged ``SageKernel`` (Sage preparser, ``R.<x,y> = QQ[]``, ``2^3``, LaTeX
display).  With a full Sage it changes nothing.

Usage::

    python worksheets/sage_kernel.py install   # kernel spec "sagemath" in sys.prefix
    python worksheets/sage_kernel.py -f CONNECTION_FILE   # what Jupyter runs
"""
import json
import os
import shutil
import sys
import types

KERNEL_NAME = "sagemath"


def provide_all_cmdline():
    """Make ``import sage.all_cmdline`` work on a modular passagemath install."""
    try:
        import sage.all_cmdline  # noqa: F401  (full Sage: nothing to do)
        return
    except ImportError:
        pass
    mod = types.ModuleType("sage.all_cmdline")
    mod.__doc__ = "sage.all_cmdline provided by sage_kernel.py from the installed passagemath parts"
    exec("import sage.all__sagemath_categories\n"
         "from sage.all__sagemath_repl import *\n"
         "from sage.all__sagemath_singular import *\n", mod.__dict__)
    sys.modules["sage.all_cmdline"] = mod
    import sage
    sage.all_cmdline = mod


def kernel_spec(launcher):
    """The ``kernel.json`` dict of a kernel that runs ``launcher``."""
    return {"argv": [sys.executable, launcher, "-f", "{connection_file}"],
            "display_name": "SageMath (passagemath)", "language": "sage"}


def install(prefix=None, name=KERNEL_NAME):
    """Write the kernel spec ``name`` into ``PREFIX/share/jupyter/kernels`` (default: ``sys.prefix``)."""
    prefix = sys.prefix if prefix is None else prefix
    target = os.path.join(prefix, "share", "jupyter", "kernels", name)
    os.makedirs(target, exist_ok=True)
    launcher = os.path.join(target, "sage_kernel.py")
    if os.path.abspath(__file__) != os.path.abspath(launcher):
        shutil.copyfile(__file__, launcher)
    with open(os.path.join(target, "kernel.json"), "w") as f:
        json.dump(kernel_spec(launcher), f, indent=1)
    return target


def main():
    provide_all_cmdline()
    from ipykernel.kernelapp import IPKernelApp
    from sage.repl.ipython_kernel.kernel import SageKernel
    IPKernelApp.launch_instance(kernel_class=SageKernel)


if __name__ == "__main__":
    if sys.argv[1:2] == ["install"]:
        print("installed kernel spec in %s" % install(sys.argv[2] if len(sys.argv) > 2 else None))
    else:
        main()
