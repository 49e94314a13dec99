#!/usr/bin/env bash
# Prints the LD_PRELOAD value to run libtorch with: the current one, with the MKL vendor fix in front
# (lib/src/main/native/mkl_amd.c, compiled into .native/ on first use) when it applies: an AMD x86-64
# Linux CPU, a C compiler (cc, or $CC), and DLAB_MKL_AMD not 0. Otherwise the current value unchanged,
# with one line on stderr (once per checkout) when only the compiler is missing. Used by ./dlab, ./test.sh, ./lab.sh:
#   export LD_PRELOAD="$(scripts/mkl-amd.sh)"
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
current="${LD_PRELOAD:-}"
keep() { printf '%s\n' "$current"; exit 0; }
[[ "${DLAB_MKL_AMD:-1}" == 0 ]] && keep
[[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]] || keep
grep -q -m1 '^vendor_id.*AuthenticAMD' /proc/cpuinfo 2>/dev/null || keep
src="$ROOT/lib/src/main/native/mkl_amd.c"
so="$ROOT/.native/libdlab_mkl_amd.so"
case "$so" in *[[:space:]:]*) echo "mkl-amd: the checkout path has a space or colon, which LD_PRELOAD cannot carry: MKL stays on its AVX2 path" >&2; keep;; esac
if [[ ! -f "$so" || "$src" -nt "$so" ]]; then
  cc="${CC:-cc}"
  if ! command -v "$cc" >/dev/null 2>&1; then
    if [[ ! -f "$ROOT/.native/no-compiler-said" ]]; then  # said once per checkout, not on every ./dlab call
      echo "mkl-amd: no C compiler ($cc): MKL keeps its slower AVX2 path on this AMD CPU (apt-get install gcc lifts that; docs/performance.md)" >&2
      mkdir -p "$ROOT/.native" && touch "$ROOT/.native/no-compiler-said"
    fi
    keep
  fi
  mkdir -p "$ROOT/.native"
  tmp="$so.$$"
  if ! "$cc" -O2 -shared -fPIC -o "$tmp" "$src" 2>/dev/null; then
    rm -f "$tmp"; echo "mkl-amd: $cc could not compile $src: MKL keeps its AVX2 path" >&2; keep
  fi
  mv -f "$tmp" "$so"
fi
case ":$current:" in *":$so:"*) keep;; esac
printf '%s\n' "$so${current:+:$current}"
