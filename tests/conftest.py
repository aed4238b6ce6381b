"""Shared pytest configuration for the sage_conslaw property tests.

``import sage_conslaw`` must come first: it fixes the import order of the
modular passagemath distributions.
"""
import os
import shutil
import sys
import tempfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import sage_conslaw  # noqa: E402,F401


def pytest_configure(config):
    """The ``slow`` marker; and every child process of the tests (the command line, Dask's workers, Jupyter
    kernels) makes its temporary files in one directory of this run, set before the test modules build their
    environments and removed at the end: a child that a test kills cannot remove its Sage temporary directory
    (``sage_*``), and would leave it in ``/tmp`` for good."""
    config.addinivalue_line("markers", "slow: a larger case (deselect with -m 'not slow')")
    config._children_tmp = (tempfile.mkdtemp(prefix="sage_conslaw_tests_"), os.environ.get("TMPDIR"))
    os.environ["TMPDIR"] = config._children_tmp[0]


def pytest_unconfigure(config):
    """Remove the children's temporary directory (:func:`pytest_configure`) and give ``TMPDIR`` back."""
    where, before = getattr(config, "_children_tmp", (None, None))
    if where is None:
        return
    shutil.rmtree(where, ignore_errors=True)
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before

