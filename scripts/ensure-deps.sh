#!/usr/bin/env bash
# Installs the Debian packages Diffusion Lab needs, when missing.
#   scripts/ensure-deps.sh headless     JDK 17, Maven, Jupyter for headless notebook runs (tests, CI)
#   scripts/ensure-deps.sh interactive  the above plus the Jupyter Notebook server (./lab.sh)
# As root it runs apt-get; otherwise it prints the exact apt line and stops.
set -euo pipefail
mode="${1:-headless}"
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
for p in jupyter-nbconvert jupyter-client python3-nbclient python3-nbformat; do have_pkg "$p" || need+=("$p"); done
if [[ "$mode" == interactive ]]; then
  have_pkg jupyter-notebook || need+=(jupyter-notebook)
fi
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
if (( ${#need[@]} == 0 )); then
  exit 0
fi
line="apt-get install -y --no-install-recommends ${need[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "Diffusion Lab needs these Debian packages. Run as root (or with sudo):" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
echo "Installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
