#!/usr/bin/env bash
# Checks scripts/mkl-amd.sh on a copy in a temporary folder: off → LD_PRELOAD unchanged; no compiler → unchanged,
# said once; on an AMD CPU with a compiler → the library in front, exporting MKL's vendor test, not added twice.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
mkdir -p "$T/scripts" "$T/lib/src/main/native"
cp "$ROOT/scripts/mkl-amd.sh" "$T/scripts/"; cp "$ROOT/lib/src/main/native/mkl_amd.c" "$T/lib/src/main/native/"
fails=0
# an LD_PRELOAD that was already there: a real, harmless library, so that ld.so has nothing to complain about
OTHER=$(ls /lib/x86_64-linux-gnu/libm.so.6 /usr/lib/x86_64-linux-gnu/libm.so.6 /lib64/libm.so.6 2>/dev/null | head -1)
OTHER=${OTHER:-/lib/libm.so.6}
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }
out=$(DLAB_MKL_AMD=0 LD_PRELOAD=$OTHER "$T/scripts/mkl-amd.sh" 2>/dev/null)
check "DLAB_MKL_AMD=0 leaves LD_PRELOAD as it was" '[[ "$out" == "$OTHER" ]]'
if grep -q -m1 '^vendor_id.*AuthenticAMD' /proc/cpuinfo 2>/dev/null && [[ "$(uname -m)" == x86_64 ]]; then
  out=$(CC=no-such-cc LD_PRELOAD= "$T/scripts/mkl-amd.sh" 2>"$T/err1"); CC=no-such-cc "$T/scripts/mkl-amd.sh" >/dev/null 2>"$T/err2"
  check "no C compiler: nothing preloaded, said once" '[[ -z "$out" && -s "$T/err1" && ! -s "$T/err2" ]]'
  if command -v "${CC:-cc}" >/dev/null; then
    out=$(LD_PRELOAD=$OTHER "$T/scripts/mkl-amd.sh")
    check "AMD with a compiler: the library in front of the old value" '[[ "$out" == "$T/.native/libdlab_mkl_amd.so:$OTHER" ]]'
    check "the library exports mkl_serv_intel_cpu_true" 'nm -D "$T/.native/libdlab_mkl_amd.so" | grep -q " T mkl_serv_intel_cpu_true"'
    again=$(LD_PRELOAD="$out" "$T/scripts/mkl-amd.sh")
    check "a second call does not add it twice" '[[ "$again" == "$out" ]]'
  else
    echo "skip the build checks: no C compiler here"
  fi
else
  out=$(LD_PRELOAD=$OTHER "$T/scripts/mkl-amd.sh")
  check "not an AMD x86-64 CPU: LD_PRELOAD unchanged" '[[ "$out" == "$OTHER" ]]'
fi
echo "test-mkl-amd: $fails failed"
exit $(( fails > 0 ))
