r"""
A SageMath Jupyter kernel that works on the passagemath wheels: ``sage-conslaw jupyter install``.

The ``sagemath`` kernel spec that ``passagemath-repl`` installs runs
``python3 -m sage.repl.ipython_kernel``, which imports ``sage.all_cmdline``:
that module only exists in a full Sage (``passagemath-standard`` or a classic
install), so on the lighter install of ``pip install 'sage_conslaw[passagemath]'``
the kernel dies at start (``No module named 'sage.all_cmdline'``).

``sage-conslaw jupyter install`` writes a kernel spec of the same name,
``sagemath`` (so notebooks made for Sage open on it), into the environment
(``sys.prefix``, the default), the user's Jupyter directory (``--user``) or a
given prefix (``--prefix``).  It runs ``python -m sage_conslaw.jupyter``
with the environment's Python, which provides ``sage.all_cmdline`` from the
installed parts (everything of ``sage.all__sagemath_singular``: the same
namespace as the package's doctests) and starts Sage's own, unchanged
``SageKernel`` (Sage preparser, ``R.<x,y> = QQ[]``, ``2^3``, LaTeX output).
On a full Sage install the command changes nothing: Sage's own kernel works.

EXAMPLES::

    sage: from sage_conslaw.jupyter import kernel_spec, full_sage
    sage: spec = kernel_spec()
    sage: spec['argv'][1:]
    ['-m', 'sage_conslaw.jupyter', '-f', '{connection_file}']
    sage: spec['language'], full_sage()
    ('sage', False)
"""
import importlib.util
import json
import os
import re
import sys
import tempfile
import types

import sage

from sage_conslaw.core.checks import boolean

#: The name of the kernel spec: that of Sage's own kernel, which notebooks made for Sage ask for.
KERNEL_NAME = "sagemath"
#: The name Jupyter shows.
DISPLAY_NAME = "SageMath (passagemath)"


def full_sage():
    r"""
    Return whether this is a full Sage install (it has ``sage.all_cmdline``), without importing it.

    EXAMPLES::

        sage: from sage_conslaw.jupyter import full_sage
        sage: full_sage()     # the passagemath wheels of the package's tests
        False
    """
    try:
        return importlib.util.find_spec("sage.all_cmdline") is not None
    except ImportError:   # pragma: no cover  (no ``sage`` at all)
        return False


def provide_all_cmdline():
    r"""
    Make ``import sage.all_cmdline`` work on a modular passagemath install; return the module.

    On a full Sage install, return Sage's own module unchanged.

    EXAMPLES::

        sage: import subprocess, sys
        sage: code = ("from sage_conslaw.jupyter import provide_all_cmdline; m = provide_all_cmdline(); "
        ....:         "from sage.all_cmdline import QQ, matrix; print(m.__name__, QQ, matrix(QQ, 1, [1]).rank())")
        sage: print(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)  # long time
        sage.all_cmdline Rational Field 1
    """
    if "sage.all_cmdline" in sys.modules:
        return sys.modules["sage.all_cmdline"]
    if full_sage():   # pragma: no cover  (a full Sage: nothing to provide)
        return importlib.import_module("sage.all_cmdline")
    mod = types.ModuleType("sage.all_cmdline")
    mod.__doc__ = "sage.all_cmdline provided by sage_conslaw.jupyter from the installed passagemath parts"
    exec("import sage.all__sagemath_categories\n"
         "from sage.all__sagemath_repl import *\n"
         "from sage.all__sagemath_singular import *\n", mod.__dict__)
    sys.modules["sage.all_cmdline"] = mod
    sage.all_cmdline = mod
    return mod


def kernel_spec(python=None):
    r"""
    Return the ``kernel.json`` dict of the kernel, run by ``python`` (default: this Python).

    EXAMPLES::

        sage: from sage_conslaw.jupyter import kernel_spec
        sage: kernel_spec('/env/bin/python')
        {'argv': ['/env/bin/python', '-m', 'sage_conslaw.jupyter', '-f', '{connection_file}'],
         'display_name': 'SageMath (passagemath)', 'language': 'sage', 'metadata': {'debugger': True}}
    """
    return {"argv": [python or sys.executable, "-m", "sage_conslaw.jupyter", "-f", "{connection_file}"],
            "display_name": DISPLAY_NAME, "language": "sage", "metadata": {"debugger": True}}


def check_kernel_name(name):
    r"""
    Return the name Jupyter gives a kernel of name ``name`` (lower case, as
    Jupyter stores kernel names), or raise ``ValueError`` for a name that is
    not a kernel name (letters, digits, ``.``, ``_`` and ``-``, not starting
    with a dot: never a path).

    EXAMPLES::

        sage: from sage_conslaw.jupyter import check_kernel_name
        sage: check_kernel_name('sagemath'), check_kernel_name('MyKernel')
        ('sagemath', 'mykernel')
        sage: check_kernel_name('../../evil')
        Traceback (most recent call last):
        ...
        ValueError: the kernel name '../../evil' is not a name: use letters, digits, '.', '_' and '-' (not starting with '.')
    """
    if not isinstance(name, str) or not re.fullmatch(r'[A-Za-z0-9_-][A-Za-z0-9._-]*', name):
        raise ValueError("the kernel name %r is not a name: use letters, digits, '.', '_' and '-' (not starting "
                         "with '.')" % (name,))
    return name.lower()


def install(prefix=None, user=False, name=KERNEL_NAME):
    r"""
    Register the kernel with Jupyter; return the directory of the spec, or ``None`` on a full Sage.

    INPUT:

    - ``prefix`` -- install into ``PREFIX/share/jupyter/kernels`` (default: ``sys.prefix``,
      the running environment, unless ``user``)
    - ``user`` -- install into the user's Jupyter data directory (``jupyter --data-dir``)
    - ``name`` -- the kernel name (default ``'sagemath'``; Jupyter stores it in
      lower case, see :func:`check_kernel_name`)

    The kernel's directory is readable by everyone (mode 0755, the spec 0644),
    like the other kernels of a shared environment.  On a full Sage install
    nothing is written (Sage's own kernel works) and ``None`` is returned.

    EXAMPLES::

        sage: from sage_conslaw.jupyter import install
        sage: import json, os
        sage: prefix = tmp_dir()
        sage: path = install(prefix=prefix)
        sage: path == os.path.join(prefix, 'share', 'jupyter', 'kernels', 'sagemath')
        True
        sage: json.load(open(os.path.join(path, 'kernel.json')))['argv'][1:3]
        ['-m', 'sage_conslaw.jupyter']
        sage: oct(os.stat(path).st_mode & 0o777), oct(os.stat(os.path.join(path, 'kernel.json')).st_mode & 0o777)
        ('0o755', '0o644')
        sage: install(prefix='')
        Traceback (most recent call last):
        ...
        ValueError: the prefix is empty: give a directory (the kernel goes into PREFIX/share/jupyter/kernels)
        sage: install(prefix=prefix, user=True)
        Traceback (most recent call last):
        ...
        ValueError: give either a prefix or user=True, not both

    On a full Sage nothing changes::

        sage: import sage_conslaw.jupyter as j
        sage: full, j.full_sage = j.full_sage, lambda: True
        sage: j.install(prefix=tmp_dir()) is None
        True
        sage: j.full_sage = full
    """
    user = boolean(user, "user")
    if prefix is not None and user:
        raise ValueError("give either a prefix or user=True, not both")
    if prefix is not None and not str(prefix).strip():
        raise ValueError("the prefix is empty: give a directory (the kernel goes into PREFIX/share/jupyter/kernels)")
    name = check_kernel_name(name)
    if full_sage():
        return None
    from jupyter_client.kernelspec import KernelSpecManager
    with tempfile.TemporaryDirectory() as source:
        with open(os.path.join(source, "kernel.json"), "w") as f:
            json.dump(kernel_spec(), f, indent=1)
        os.chmod(source, 0o755)                     # copied with the spec: not a private 0700 directory
        os.chmod(os.path.join(source, "kernel.json"), 0o644)
        if not user and prefix is None:
            prefix = sys.prefix
        return KernelSpecManager().install_kernel_spec(source, name, user=user, prefix=prefix)


def main(argv=None):
    r"""
    Start the kernel (what Jupyter runs: ``python -m sage_conslaw.jupyter -f CONNECTION_FILE``).

    TESTS::

        sage: from sage_conslaw.jupyter import main
        sage: import inspect, subprocess, sys
        sage: 'SageKernel' in inspect.getsource(main)
        True
        sage: out = subprocess.run([sys.executable, "-m", "sage_conslaw.jupyter", "--help"],
        ....:                      capture_output=True, text=True)   # long time
        sage: out.returncode, 'ipython-kernel' in out.stdout   # long time
        (0, True)

    The kernel itself is tested by ``tests/test_doors.py`` (Sage syntax in a
    started kernel) and ``tests/test_worksheets.py`` (the worksheets on it).
    """
    provide_all_cmdline()
    from ipykernel.kernelapp import IPKernelApp
    from sage.repl.ipython_kernel.kernel import SageKernel
    IPKernelApp.launch_instance(argv=argv, kernel_class=SageKernel)


if __name__ == "__main__":
    main()
