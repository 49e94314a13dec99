#!/usr/bin/env bash
# ./dlab generate on the embedded random-weight default model, with no network (check-offline.sh runs
# this inside `unshare -n`): the PNG must exist and be non-empty.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)/offline.png"
trap 'rm -rf "$(dirname "$out")"' EXIT
env -u DLAB_MODEL "$HERE/dlab" generate --prompt "a red circle above a blue square" --steps 2 --seed 1 --out "$out" 2>/dev/null
[[ -s "$out" ]] && head -c 8 "$out" | od -An -tx1 | grep -q '89 50 4e 47' && echo "wrote a PNG of $(stat -c %s "$out") bytes offline"
