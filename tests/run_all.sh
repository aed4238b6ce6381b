#!/usr/bin/env bash
# The whole test suite, from a fresh machine, in two virtual environments:
#
# 1. core: the README's install, `.[passagemath,test]` -- no torch, no dask, no
#    scikit-learn.  The Sage doctests of the package must pass there, the
#    examples tagged `# optional - torch` / `dask` / `sklearn` skipped (Sage's
#    doctester runs a tagged example only when its tag is in --optional).
# 2. full: torch first, from PyTorch's CPU wheel index (as PyTorch documents
#    it; installed after the extras, `torch>=2.1` may resolve to a CUDA build
#    of several GB), then `.[passagemath,test,torch,census]`.  The Sage doctests
#    with every optional tag enabled (also the doctested pages of doc/), then
#    pytest over tests/ (which also runs the README's examples in the install's
#    `sage` shell, the worksheets on the kernel of `sage-conslaw jupyter install`,
#    and builds doc/ with -W).
#
# Exits non-zero if anything fails.  The environments are `.venv-core` and
# `.venv` (or $SAGE_CONSLAW_CORE_VENV and $SAGE_CONSLAW_VENV); an existing one
# is reused.  The `jupyter` extra (JupyterLab) is not needed: the worksheet
# tests only need a kernel (ipykernel, nbclient: in `test`).
set -uo pipefail
cd "$(dirname "$0")/.."
CORE="${SAGE_CONSLAW_CORE_VENV:-.venv-core}"
FULL="${SAGE_CONSLAW_VENV:-.venv}"
# PyTorch's index of CPU wheels; its dependencies come from PyPI.  Where that
# host cannot be reached but pip has the wheel locally (find-links), one try is enough.
TORCH_INDEX="${SAGE_CONSLAW_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
TORCH_RETRIES="${SAGE_CONSLAW_TORCH_RETRIES:-0}"
# the CPU build, pinned by its local label: never a CUDA build from PyPI, even if
# the CPU index cannot be reached and PyPI has a newer torch
TORCH="${SAGE_CONSLAW_TORCH:-torch==2.13.0+cpu}"
OPTIONAL="sage,torch,dask,sklearn"

venv() {    # venv DIR: create it if needed, with a recent pip
    if [ ! -x "$1/bin/python" ]; then
        python3 -m venv "$1" || return 1
    fi
    "$1/bin/python" -m pip install -q --upgrade pip
}

# One directory for this run, removed at exit: the doctesters' reports (for the summary at the
# end), and every temporary file of the children (pip's unpacked wheels, Sage's `sage_*`
# directories, which a process killed by a test cannot remove itself).
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export TMPDIR="$WORK"
LOG="$WORK/doctests.log"

doctests() {   # doctests PYTHON [OPTIONS...] FILES...
    local py="$1"; shift
    "$py" -m sage.doctest --environment=sage.all__sagemath_singular --long --nthreads 2 --warn-long 30 "$@" \
        2>&1 | tee -a "$LOG"
    return "${PIPESTATUS[0]}"
}

failures() {   # the failed doctest examples of $LOG again, whole, after the long pytest output
    python3 - "$LOG" <<'PY'
import re, sys
text = open(sys.argv[1], errors='replace').read()
for chunk in re.split(r'^\*{70}$', text, flags=re.M):
    if 'Failed example:' in chunk or 'Exception raised:' in chunk:
        print('*' * 70 + '\n' + '\n'.join(chunk.strip('\n').splitlines()[:80]))
PY
}

# Disk: both environments take 4.8 GB (PyTorch's CPU wheel 4 GB of it) and pip unpacks
# the wheels in $TMPDIR first; refuse at once, by name, rather than fail halfway in pip.
NEED_MB="${SAGE_CONSLAW_NEED_MB:-6144}"
for where in "$CORE" "$FULL" "${TMPDIR:-/tmp}"; do
    while [ ! -d "$where" ]; do where="$(dirname "$where")"; done   # the nearest existing folder
    free_mb=$(df -Pm "$where" | awk 'NR == 2 {print $4}')
    if [ "${free_mb:-0}" -lt "$NEED_MB" ]; then
        echo "run_all.sh: $free_mb MB free on the disk of $where; the two environments need $NEED_MB MB" >&2
        exit 1
    fi
done

status=0
t0=$SECONDS
echo "== core install: .[passagemath,test] (no torch, dask, scikit-learn) =="
venv "$CORE" && "$CORE/bin/python" -m pip install -q ".[passagemath,test]" || exit 1
echo "   $((SECONDS - t0)) s"
echo "== core: Sage doctests (optional examples skipped) =="
doctests "$CORE/bin/python" sage_conslaw || status=1

t1=$SECONDS
echo "== full install: torch (CPU index), then .[passagemath,test,torch,census] =="
venv "$FULL" || exit 1
"$FULL/bin/python" -m pip install -q --retries "$TORCH_RETRIES" "$TORCH" \
    --index-url "$TORCH_INDEX" --extra-index-url https://pypi.org/simple || exit 1
"$FULL/bin/python" -m pip install -q ".[passagemath,test,torch,census]" || exit 1
echo "   $((SECONDS - t1)) s"
echo "== full: Sage doctests, --optional=$OPTIONAL =="
doctests "$FULL/bin/python" --optional="$OPTIONAL" \
    sage_conslaw doc/index.rst doc/tutorial.rst doc/reproduction.rst || status=1
echo "== full: pytest =="
"$FULL/bin/python" -m pytest -q tests || status=1
if [ "$status" -ne 0 ]; then
    echo "== the failed doctests, again =="
    failures
fi
echo "== total $((SECONDS - t0)) s, status $status =="
exit $status
