#!/usr/bin/env bash
# Regenerate doc/census_findings.rst: the census of linear networks (widths <= 5,
# depth <= 4: 3,875 networks) and of ReLU networks without and with biases
# (widths <= 4, depth <= 4: 1,344 each), on a local Dask cluster of this
# machine's cores (or on the cluster of $SCHEDULER), then the findings page.
# Interrupted, it resumes where it stopped (the rows are kept in $OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
OUT="${OUT:-benchmarks/census}"
SCHED=()
if [ -n "${SCHEDULER:-}" ]; then SCHED=(--scheduler "$SCHEDULER"); fi
"$PY" -m sage_conslaw census --family linear --max-width 5 --max-depth 4 "${SCHED[@]}" --out "$OUT/linear"
"$PY" -m sage_conslaw census --family relu --max-width 4 --max-depth 4 "${SCHED[@]}" --out "$OUT/relu"
"$PY" -m sage_conslaw census --family relu --bias --max-width 4 --max-depth 4 "${SCHED[@]}" --out "$OUT/relu-bias"
"$PY" -m sage_conslaw.census.findings "$OUT/linear" "$OUT/relu" "$OUT/relu-bias" --out doc/census_findings.rst
