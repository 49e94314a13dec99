#!/usr/bin/env bash
# Installs the "diffusionlab" Jupyter kernelspec built by `mvn package` (kernel/target/kernelspec/diffusionlab).
#   scripts/install-kernel.sh               # per user: $JUPYTER_DATA_DIR/kernels, default ~/.local/share/jupyter/kernels
#   scripts/install-kernel.sh --sys-prefix  # into the active Python environment (venv/conda) instead
# Works as root and non-root. The kernel.json holds absolute paths of this checkout: rerun after moving it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC="$ROOT/kernel/target/kernelspec/diffusionlab"
JAR="$ROOT/kernel/target/diffusionlab-kernel.jar"
if [[ ! -f "$SPEC/kernel.json" || ! -f "$JAR" ]]; then
  echo "install-kernel: $SPEC/kernel.json or $JAR missing; build first: mvn -B package -DskipTests" >&2
  exit 1
fi
if [[ ! -d "$ROOT/lib/target/classes" ]]; then
  echo "install-kernel: warning: lib/target/classes missing; notebooks will not see the library until lib is built" >&2
fi
MODE=--user
case "${1:-}" in
  "") ;;
  --user|--sys-prefix) MODE="$1" ;;
  *) echo "usage: scripts/install-kernel.sh [--user|--sys-prefix]" >&2; exit 2 ;;
esac
# On AMD CPUs the kernel preloads the MKL vendor fix, as ./dlab does (lib/src/main/native/mkl_amd.c).
preload="$(LD_PRELOAD= "$ROOT/scripts/mkl-amd.sh")"
if [[ -n "$preload" ]]; then
  TMP_SPEC="$(mktemp -d)"; trap 'rm -rf "$TMP_SPEC"' EXIT
  cp -r "$SPEC" "$TMP_SPEC/"; SPEC="$TMP_SPEC/diffusionlab"
  python3 - "$SPEC/kernel.json" "$preload" <<'PY'
import json, sys
path, preload = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
spec.setdefault("env", {})["LD_PRELOAD"] = preload
json.dump(spec, open(path, "w"), indent=2)
PY
fi
jupyter kernelspec install "$MODE" --replace --name diffusionlab "$SPEC"
