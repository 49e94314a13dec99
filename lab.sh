#!/usr/bin/env bash
# Command 1 of the README: set up and open the notebooks.
# Installs what is missing (Debian packages as root; otherwise prints the apt line and stops), builds
# the library and the kernel, installs the "Java (Diffusion Lab)" kernelspec, and starts Jupyter on
# notebooks/ (the URL with its token is printed by Jupyter). Options: --port N (default 8888),
# --ip ADDR (default 127.0.0.1), --no-start (set up only).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
port=8888; ip=127.0.0.1; start=1
while (( $# )); do
  case "$1" in
    --port) port="$2"; shift 2;;
    --ip) ip="$2"; shift 2;;
    --no-start) start=0; shift;;
    -h|--help) sed -n '2,7p' "$0"; exit 0;;
    *) echo "lab.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
scripts/ensure-deps.sh interactive
echo "Building Diffusion Lab (first time: a few minutes, Maven downloads about 200 MB)..."
t0=$(date +%s)
mvn -B -q -ntp package -DskipTests
touch lib/target/.dlab-built
echo "Built in $(( $(date +%s) - t0 )) s."
scripts/install-kernel.sh
(( start )) || { echo "Set up done. Start later with ./lab.sh"; exit 0; }
extra=()
[[ $(id -u) -eq 0 ]] && extra+=(--allow-root)
echo "Starting Jupyter on notebooks/ (Ctrl-C to stop). Open the URL below; start with 00-getting-started.ipynb."
exec jupyter notebook --no-browser --ip="$ip" --port="$port" --notebook-dir="$HERE/notebooks" "${extra[@]}"
