#!/usr/bin/env bash
# Checks the commands Diffusion Lab needs, wherever they come from (Debian packages, a pip virtual
# environment, conda, Homebrew, SDKMAN...): it runs them and reads their versions, it does not look
# for package records.
#   scripts/ensure-deps.sh headless     java and javac >= 17, mvn >= 3.8, jupyter with nbconvert, and the
#                                       Python that runs jupyter importing jupyter_client, nbclient, nbformat
#   scripts/ensure-deps.sh interactive  the above plus the notebook server (jupyter notebook), for ./lab.sh
# When something is missing: as root on Debian/Ubuntu (apt-get present) it installs the Debian packages and
# checks again (DLAB_NO_INSTALL=1 turns that off); otherwise it prints ONE line naming what is missing and
# exits 1. Uses bash builtins only besides the checked commands (tested with fake commands on PATH:
# scripts/test-ensure-deps.sh).
set -uo pipefail
mode="${1:-headless}"
case "$mode" in headless|interactive) ;; *) echo "usage: scripts/ensure-deps.sh [headless|interactive]" >&2; exit 2 ;; esac

missing=()   # what to tell the user
debs=()      # the Debian packages that provide it

# The Java version in "java -version" / "javac -version" output: sets VER ("17.0.15", "1.8.0_292") and MAJOR (17, 8).
jdk_version() {
  VER="" MAJOR=0
  local re='(version|javac|java) "?([0-9]+)((\.[0-9]+)*)(_[0-9]+)?'
  if [[ "$1" =~ $re ]]; then
    VER="${BASH_REMATCH[2]}${BASH_REMATCH[3]}${BASH_REMATCH[5]}"
    MAJOR="${BASH_REMATCH[2]}"
    local rest="${BASH_REMATCH[3]}"
    if (( MAJOR == 1 )) && [[ "$rest" =~ ^\.([0-9]+) ]]; then MAJOR="${BASH_REMATCH[1]}"; fi  # 1.8 is Java 8
  fi
}

check_jdk_tool() {  # command debian-package
  local cmd="$1" deb="$2" out
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("$cmd >= 17 (not on PATH)"); debs+=("$deb"); return
  fi
  jdk_version "$("$cmd" -version 2>&1)"
  if [[ -z "$VER" ]]; then
    missing+=("$cmd >= 17 ('$cmd -version' printed no version)"); debs+=("$deb")
  elif (( MAJOR < 17 )); then
    missing+=("$cmd >= 17 (found $VER)"); debs+=("$deb")
  fi
}

check_jdk_tool java openjdk-17-jdk-headless
check_jdk_tool javac openjdk-17-jdk-headless

if ! command -v mvn >/dev/null 2>&1; then
  missing+=("mvn >= 3.8 (not on PATH)"); debs+=(maven)
else
  out="$(mvn -v 2>&1)"
  if [[ "$out" =~ Apache\ Maven[^0-9]*([0-9]+)\.([0-9]+)(\.[0-9]+)? ]]; then
    mv="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
    if (( BASH_REMATCH[1] < 3 || (BASH_REMATCH[1] == 3 && BASH_REMATCH[2] < 8) )); then
      missing+=("mvn >= 3.8 (found $mv)"); debs+=(maven)
    fi
  else
    missing+=("mvn >= 3.8 ('mvn -v' printed no Maven version)"); debs+=(maven)
  fi
fi

if ! command -v jupyter >/dev/null 2>&1; then
  missing+=("jupyter (not on PATH)"); debs+=(jupyter-nbconvert jupyter-client python3-nbclient python3-nbformat)
else
  if ! jupyter nbconvert --version >/dev/null 2>&1; then
    missing+=("jupyter nbconvert (the nbconvert package)"); debs+=(jupyter-nbconvert)
  fi
  # The Python that runs jupyter (its shebang: a venv's, conda's, Homebrew's or /usr/bin/python3) must
  # import the client libraries that run-notebooks.sh and test-kernel.sh use.
  py=python3
  read -r first < "$(command -v jupyter)" 2>/dev/null || first=""
  if [[ "$first" =~ ^\#\!([^[:space:]]*python[0-9.]*)$ ]]; then py="${BASH_REMATCH[1]}"; fi
  mods=()
  for m in jupyter_client nbclient nbformat; do
    "$py" -c "import $m" >/dev/null 2>&1 || mods+=("$m")
  done
  if (( ${#mods[@]} > 0 )); then
    missing+=("Python modules ${mods[*]} (for $py)"); debs+=(jupyter-client python3-nbclient python3-nbformat)
  fi
  if [[ "$mode" == interactive ]] && ! jupyter notebook --version >/dev/null 2>&1; then
    missing+=("jupyter notebook (the notebook package)"); debs+=(jupyter-notebook)
  fi
fi

# scripts/check-offline.sh runs the CLI in a network namespace (Linux only)
if [[ "$OSTYPE" == linux* ]] && ! command -v unshare >/dev/null 2>&1; then
  missing+=("unshare (util-linux)"); debs+=(util-linux)
fi

(( ${#missing[@]} == 0 )) && exit 0

joined="$(IFS=';'; echo "${missing[*]}")"
joined="${joined//;/; }"
if [[ $EUID -eq 0 && "${DLAB_NO_INSTALL:-0}" != 1 && "${DLAB_ENSURE_DEPS_RECHECK:-0}" != 1 ]] && command -v apt-get >/dev/null 2>&1; then
  # Debian/Ubuntu as root: install the packages, then check the commands again
  uniq=(); for d in "${debs[@]}"; do [[ " ${uniq[*]} " == *" $d "* ]] || uniq+=("$d"); done
  echo "ensure-deps: missing $joined; installing Debian packages: ${uniq[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${uniq[@]}" >&2 || {
    echo "ensure-deps: apt-get install ${uniq[*]} failed" >&2; exit 1; }
  DLAB_ENSURE_DEPS_RECHECK=1 exec "$BASH" "${BASH_SOURCE[0]}" "$mode"
fi
echo "ensure-deps: missing: $joined. Install them (JDK 17+, Maven 3.8+, and e.g. 'pip install jupyter_client nbconvert nbclient nbformat notebook' in a venv, conda or Homebrew) and put them on PATH; see README, 'Setup outside Debian'." >&2
exit 1
