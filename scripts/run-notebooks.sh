#!/usr/bin/env bash
# Executes notebooks headless with the "diffusionlab" kernel; fails on any cell error or timeout.
#   scripts/run-notebooks.sh                      # every notebooks/*.ipynb, then notebooks/solutions/*.ipynb
#   scripts/run-notebooks.sh notebooks/01-*.ipynb # just these
# Executed copies go to target/notebooks/. Per-cell timeout: $DLAB_CELL_TIMEOUT seconds (default 600).
# The freshly built kernelspec is installed into $JUPYTER_DATA_DIR, or into a temporary one when that is
# unset, so the user's own Jupyter setup is never touched. CI sets DLAB_QUICK=1 for short runs.
# Prints one line per notebook (name PASS|FAIL seconds) and ends with: notebooks: N passed, M failed
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/notebooks"
TIMEOUT="${DLAB_CELL_TIMEOUT:-600}"
mkdir -p "$OUT"

CLEANUP=""
if [[ -z "${JUPYTER_DATA_DIR:-}" ]]; then
  export JUPYTER_DATA_DIR="$(mktemp -d)"
  CLEANUP="$JUPYTER_DATA_DIR"
fi
if [[ -z "${JUPYTER_RUNTIME_DIR:-}" ]]; then
  export JUPYTER_RUNTIME_DIR="$JUPYTER_DATA_DIR/runtime"
fi
trap '[[ -n "$CLEANUP" ]] && rm -rf "$CLEANUP"' EXIT
if ! msg=$("$ROOT/scripts/install-kernel.sh" 2>&1); then
  echo "$msg" >&2
  exit 1
fi

if [[ $# -gt 0 ]]; then
  NOTEBOOKS=("$@")
else
  shopt -s nullglob
  # the solution notebooks prove that the exercise checks accept right answers
  NOTEBOOKS=("$ROOT"/notebooks/*.ipynb "$ROOT"/notebooks/solutions/*.ipynb)
fi
if [[ ${#NOTEBOOKS[@]} -eq 0 ]]; then
  echo "run-notebooks: no notebooks found" >&2
  echo "notebooks: 0 passed, 0 failed"
  exit 1
fi

passed=0
failed=0
for nb in "${NOTEBOOKS[@]}"; do
  name="$(basename "$nb")"
  log="$OUT/${name%.ipynb}.log"
  start=$(date +%s.%N)
  if [[ ! -f "$nb" ]]; then
    echo "run-notebooks: no such notebook: $nb" > "$log"
    ok=1
  else
    jupyter nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=diffusionlab \
      --ExecutePreprocessor.timeout="$TIMEOUT" \
      --output-dir "$OUT" "$nb" > "$log" 2>&1
    ok=$?
  fi
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  if [[ $ok -eq 0 ]]; then
    passed=$((passed + 1))
    printf '%-40s PASS %8ss\n' "$name" "$secs"
  else
    failed=$((failed + 1))
    printf '%-40s FAIL %8ss\n' "$name" "$secs"
    # the cell error (or timeout) as nbconvert reported it
    grep -v -E "Debugger warning|frozen modules|PYDEVD|Xfrozen_modules|Debugging will proceed" "$log" | tail -n 25 | sed 's/^/    /'
  fi
done
echo "notebooks: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
