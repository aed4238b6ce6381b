"""Execute every worksheet (``worksheets/*.ipynb``) headlessly on the SageMath kernel.

Each notebook runs with ``nbclient`` on the ``sagemath`` kernel, from the
repository root (so the kernel imports the working tree's ``sage_conslaw``),
and the test fails on any cell error or after 300 s.

The kernel spec is written into a temporary ``JUPYTER_PATH`` by
``worksheets/sage_kernel.py``: it starts Sage's own ``SageKernel`` (Sage
preparser, LaTeX output) with the Python running the tests, and supplies
``sage.all_cmdline``, which the kernel needs and the modular passagemath
wheels do not ship.  With a full Sage install it changes nothing.

The worksheets are stored without outputs; this test also checks that.
"""
import glob
import importlib.util
import os
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKSHEETS = sorted(glob.glob(os.path.join(ROOT, "worksheets", "*.ipynb")))
TIMEOUT = 300          # seconds, per notebook (cell timeout and overall budget)
KERNEL = "sagemath"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def _load_kernel_module():
    spec = importlib.util.spec_from_file_location(
        "sage_kernel", os.path.join(ROOT, "worksheets", "sage_kernel.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A JUPYTER_PATH holding the ``sagemath`` kernel spec for this Python."""
    prefix = tmp_path_factory.mktemp("jupyter")
    _load_kernel_module().install(prefix=str(prefix), name=KERNEL)
    return {"JUPYTER_PATH": os.path.join(str(prefix), "share", "jupyter"),
            "PYTHONPATH": os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
            "MPLBACKEND": "Agg"}


def test_there_are_worksheets():
    names = [os.path.basename(p) for p in WORKSHEETS]
    assert len(names) >= 7, names


@pytest.mark.parametrize("path", WORKSHEETS, ids=[os.path.basename(p) for p in WORKSHEETS])
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, \
                "%s: store worksheets without outputs" % os.path.basename(path)


@pytest.mark.parametrize("path", WORKSHEETS, ids=[os.path.basename(p) for p in WORKSHEETS])
def test_worksheet_runs(path, kernel_env, monkeypatch):
    for k, v in kernel_env.items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT, startup_timeout=120, kernel_name=KERNEL,
                                     resources={"metadata": {"path": ROOT}})
    t0 = time.time()
    client.execute()        # raises CellExecutionError on the first failing cell
    seconds = time.time() - t0
    assert seconds < TIMEOUT, "%s took %.0f s" % (os.path.basename(path), seconds)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    sys.stdout.write("\n%s: %.1f s\n" % (os.path.basename(path), seconds))
