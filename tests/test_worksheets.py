"""Execute every worksheet (``worksheets/*.ipynb``) headlessly on the SageMath kernel.

Each notebook runs with ``nbclient`` on the ``sagemath`` kernel, from the
repository root (so the kernel imports the working tree's ``sage_conslaw``),
and the test fails on any cell error or after 300 s.

The kernel is registered exactly as the README tells users to, by the
command ``sage-conslaw jupyter install``, with ``--prefix`` pointing at a
temporary directory that the test then puts on ``JUPYTER_PATH`` (so the
machine's own Jupyter setup is untouched).  The kernel starts Sage's own
``SageKernel`` (Sage preparser, LaTeX output) with the environment's Python,
and supplies ``sage.all_cmdline``, which the kernel needs and the modular
passagemath wheels do not ship (see :mod:`sage_conslaw.jupyter`).  On a full
Sage install the command changes nothing and the test uses Sage's kernel.

The worksheets are stored without outputs; this test also checks that.
"""
import glob
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKSHEETS = sorted(glob.glob(os.path.join(ROOT, "worksheets", "*.ipynb")))
TIMEOUT = 300          # seconds, per notebook (cell timeout and overall budget)
KERNEL = "sagemath"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


SCRIPT = os.path.join(os.path.dirname(sys.executable), "sage-conslaw")


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A JUPYTER_PATH holding the ``sagemath`` kernel spec, written by ``sage-conslaw jupyter install``."""
    prefix = tmp_path_factory.mktemp("jupyter")
    env = {"PYTHONPATH": os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
           "MPLBACKEND": "Agg"}
    assert os.path.exists(SCRIPT), "the console script %s is not installed (pip install .)" % SCRIPT
    proc = subprocess.run([SCRIPT, "jupyter", "install", "--prefix", str(prefix)], capture_output=True,
                          text=True, cwd=ROOT, env=dict(os.environ, **env), timeout=300)
    assert proc.returncode == 0, proc.stderr
    if "nothing changed" not in proc.stdout:       # on a full Sage, its own kernel is used
        assert os.path.exists(os.path.join(str(prefix), "share", "jupyter", "kernels", KERNEL, "kernel.json"))
        env["JUPYTER_PATH"] = os.path.join(str(prefix), "share", "jupyter")
    return env


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
