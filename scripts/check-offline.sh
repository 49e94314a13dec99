#!/usr/bin/env bash
# Proves that nothing reaches the network at run time: runs the CLI in a network namespace with no
# interfaces up (unshare -n) and an empty DJL cache, so the natives must come from the jars.
# Prints one PASS/FAIL line per check and exits non-zero on any failure.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
if ! unshare -n true 2>/dev/null; then
  echo "offline: FAIL cannot create a network namespace (unshare -n needs root or user namespaces)"
  exit 1
fi
"$HERE/dlab" --help >/dev/null  # build outside the namespace (Maven may need the registry)
pass=0; fail=0
run() {
  local name="$1"; shift
  if out="$(unshare -n env DJL_CACHE_DIR="$cache" ENGINE_CACHE_DIR="$cache" "$@" 2>&1)"; then
    echo "offline: PASS $name :: $(echo "$out" | tail -1)"; pass=$((pass+1))
  else
    echo "offline: FAIL $name"; echo "$out" | tail -20; fail=$((fail+1))
  fi
}
run "engine starts with no network and an empty DJL cache" "$HERE/dlab" engine
for extra in "$HERE"/scripts/offline.d/*.sh; do
  [[ -f "$extra" ]] || continue
  run "$(basename "$extra" .sh)" bash "$extra"
done
echo "offline: $pass passed, $fail failed"
(( fail == 0 ))
