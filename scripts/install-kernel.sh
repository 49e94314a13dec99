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
jupyter kernelspec install "$MODE" --replace --name diffusionlab "$SPEC"
