#!/usr/bin/env bash
# The whole test suite, from a fresh machine: creates a virtual environment,
# installs the package with SageMath (passagemath wheels) and the test tools,
# then runs the Sage doctests of the package (and of the doctested pages of
# doc/) and the pytest suite.  Exits non-zero if either fails.
# The `jupyter` extra (JupyterLab) is not installed: the worksheet tests only
# need a kernel (ipykernel, nbclient: in `test`), registered by the tests
# themselves with `sage-conslaw jupyter install --prefix TMP`.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${SAGE_CONSLAW_VENV:-.venv}"
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV" || exit 1
fi
"$PY" -m pip install -q --upgrade pip || exit 1
# the torch extra (sage_conslaw.torch, tests/test_torch.py); 2.13.0 is the CPU build
"$PY" -m pip install -q ".[passagemath,test,torch]" "torch==2.13.0" || exit 1

status=0
echo "== Sage doctests =="
"$PY" -m sage.doctest --environment=sage.all__sagemath_singular --long \
    --nthreads 2 --warn-long 30 sage_conslaw doc/index.rst doc/tutorial.rst doc/reproduction.rst || status=1
echo "== pytest =="
"$PY" -m pytest -q tests || status=1
exit $status
