#!/usr/bin/env bash
# Tests scripts/ensure-deps.sh without Debian packages: fake java/javac/mvn/jupyter/python commands in a
# temporary folder are the ONLY things on PATH, so the script must judge commands and versions (as with a
# pip/venv, conda or Homebrew Jupyter), pass when everything is there, and otherwise fail with exactly one
# line naming what is missing. Then it runs against a real virtual environment with Jupyter installed by pip
# (DLAB_TEST_VENV=DIR, else one made with pip and cached), ahead of the real JDK and Maven.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/ensure-deps.sh"
BASH_BIN="$(command -v bash)"
T="$(mktemp -d "${TMPDIR:-/tmp}/dlab-ensure-deps.XXXXXX")"
trap 'rm -rf "$T"' EXIT
pass=0; fail=0

# A fake platform: bin/ with shims; each variable empty = that command absent.
#   JAVA/JAVAC: "-version" output; MVN: "mvn -v" first line; NBCONVERT/NOTEBOOK: 0 or 1 (works or not);
#   PYMODS: the modules the fake Python can import; SHEBANG: 1 = jupyter's shebang names the fake Python
make_platform() {
  local d="$T/$1"; rm -rf "$d"; mkdir -p "$d/bin" "$d/py"
  shim() { printf '#!%s\n%s\n' "$BASH_BIN" "$2" > "$d/bin/$1"; chmod +x "$d/bin/$1"; }
  [[ -n "${JAVA-}" ]] && shim java "echo '$JAVA' >&2"
  [[ -n "${JAVAC-}" ]] && shim javac "echo '$JAVAC' >&2"
  [[ -n "${MVN-}" ]] && shim mvn "echo '$MVN'; echo 'Maven home: /opt/maven'"
  [[ -n "${UNSHARE-1}" ]] && shim unshare "exit 0"
  # the venv's interpreter lives outside bin/ (as conda's or Homebrew's may): only jupyter's shebang finds it.
  # Given a script it runs it (as the real one runs jupyter); "-c 'import m'" succeeds for the modules in PYMODS.
  printf '#!%s\nif [[ -f "$1" ]]; then exec %s "$@"; fi\nfor m in %s; do [[ "$2" == "import $m" ]] && exit 0; done\nexit 1\n' \
    "$BASH_BIN" "$BASH_BIN" "${PYMODS-}" > "$d/py/python3.12"
  chmod +x "$d/py/python3.12"
  if [[ -n "${JUPYTER-1}" ]]; then
    printf '#!%s\ncase "$1" in nbconvert) exit %s;; notebook) exit %s;; esac\nexit 2\n' \
      "$d/py/python3.12" "${NBCONVERT:-0}" "${NOTEBOOK:-0}" > "$d/bin/jupyter"
    chmod +x "$d/bin/jupyter"
  fi
  echo "$d/bin"
}

run_case() {  # name mode expected-rc expected-missing-list ("" = no output at all)
  local name="$1" mode="$2" want_rc="$3" want="$4" bin out rc
  bin="$(make_platform "$name")"
  out="$(PATH="$bin" DLAB_NO_INSTALL=1 "$BASH_BIN" "$SCRIPT" "$mode" 2>&1)"; rc=$?
  local lines=0; [[ -n "$out" ]] && lines=$(printf '%s\n' "$out" | grep -c '')
  if [[ $rc -eq $want_rc && ( -z "$want" && -z "$out" || -n "$want" && "$out" == "ensure-deps: missing: $want. Install them"* && $lines -eq 1 ) ]]; then
    pass=$((pass+1)); echo "ok    $name: rc=$rc ${out:+-> $out}"
  else
    fail=$((fail+1)); echo "FAIL  $name: rc=$rc (want $want_rc), $lines lines, output: $out (want: '$want')"
  fi
}

# everything present, as a pip venv would provide it (jupyter's Python outside PATH)
export JAVA='openjdk version "17.0.15" 2025-04-15' JAVAC='javac 17.0.15' MVN='Apache Maven 3.9.6 (bc0240f3c744dd6b6ec2920b3cd08dcc295161ae)'
export PYMODS='jupyter_client nbclient nbformat' NBCONVERT=0 NOTEBOOK=0 JUPYTER=1 UNSHARE=1
run_case all-present headless 0 ""
run_case all-present-interactive interactive 0 ""
JAVA='openjdk version "21" 2023-09-19' JAVAC='javac 21' MVN=$'\e[1mApache Maven 3.8.1\e[m' run_case java21-maven381-colour headless 0 ""
JAVA='openjdk version "11.0.2" 2019-01-15' run_case java-11 headless 1 "java >= 17 (found 11.0.2)"
JAVA='java version "1.8.0_292"' JAVAC='javac 1.8.0_292' run_case java-8 headless 1 "java >= 17 (found 1.8.0_292); javac >= 17 (found 1.8.0_292)"
JAVAC= run_case no-javac headless 1 "javac >= 17 (not on PATH)"
MVN='Apache Maven 3.6.3' run_case maven-3.6 headless 1 "mvn >= 3.8 (found 3.6.3)"
MVN= run_case no-maven headless 1 "mvn >= 3.8 (not on PATH)"
JUPYTER= run_case no-jupyter headless 1 "jupyter (not on PATH)"
NBCONVERT=1 run_case no-nbconvert headless 1 "jupyter nbconvert (the nbconvert package)"
PYMODS='nbformat' run_case no-jupyter-client headless 1 "Python modules jupyter_client nbclient (for $T/no-jupyter-client/py/python3.12)"
NOTEBOOK=1 run_case no-notebook-headless headless 0 ""
NOTEBOOK=1 run_case no-notebook-interactive interactive 1 "jupyter notebook (the notebook package)"
if [[ "$OSTYPE" == linux* ]]; then UNSHARE= run_case no-unshare headless 1 "unshare (util-linux)"; fi
JAVAC= MVN= JUPYTER= run_case three-missing headless 1 "javac >= 17 (not on PATH); mvn >= 3.8 (not on PATH); jupyter (not on PATH)"

# as root with apt-get (Debian/Ubuntu): installs the packages for what is missing, then checks again
if [[ $EUID -eq 0 ]]; then
  bin="$(MVN= NBCONVERT=1 make_platform apt)"
  printf '#!%s\necho "$*" >> %s/apt.log\n' "$BASH_BIN" "$T" > "$bin/apt-get"; chmod +x "$bin/apt-get"
  out="$(PATH="$bin" "$BASH_BIN" "$SCRIPT" headless 2>&1)"; rc=$?
  if [[ $rc -eq 1 && "$(cat "$T/apt.log" 2>/dev/null)" == $'update -qq\ninstall -y -qq --no-install-recommends maven jupyter-nbconvert' \
        && "$out" == *"ensure-deps: missing: mvn >= 3.8 (not on PATH); jupyter nbconvert (the nbconvert package). Install them"* ]]; then
    pass=$((pass+1)); echo "ok    root+apt-get: installs maven jupyter-nbconvert, then checks again (still missing with a fake apt-get)"
  else
    fail=$((fail+1)); echo "FAIL  root+apt-get: rc=$rc, apt-get calls: $(cat "$T/apt.log" 2>/dev/null | tr '\n' '|'), output: $out"
  fi
fi

# a real pip-installed Jupyter in a virtual environment, ahead of the real JDK and Maven: DLAB_TEST_VENV=DIR, else
# one made here with pip (kept in the cache for the next run); skipped when pip cannot reach the packages.
venv="${DLAB_TEST_VENV:-}"
if [[ -z "$venv" ]]; then
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/diffusionlab/ensure-deps-venv"
  if ! "$venv/bin/jupyter" nbconvert --version >/dev/null 2>&1; then
    rm -rf "$venv"
    if ! { python3 -m venv "$venv" && timeout 240 "$venv/bin/pip" install -q --disable-pip-version-check --retries 0 --timeout 10 \
          jupyter_client nbconvert nbclient nbformat; } >"$T/pip.log" 2>&1; then
      echo "(the pip venv case is skipped: pip could not install jupyter_client nbconvert nbclient nbformat here: $(tail -1 "$T/pip.log"))"
      rm -rf "$venv"; venv=""
    fi
  fi
fi
if [[ -n "$venv" ]]; then
  p="$venv/bin:$(dirname "$(command -v java)"):$(dirname "$(command -v javac)"):$(dirname "$(command -v mvn)"):/usr/bin:/bin"
  if [[ "$(PATH="$p" command -v jupyter)" == "$venv/bin/jupyter" ]] && out="$(PATH="$p" DLAB_NO_INSTALL=1 "$SCRIPT" headless 2>&1)"; then
    pass=$((pass+1)); echo "ok    venv $venv: passes with jupyter nbconvert $(PATH="$p" jupyter nbconvert --version) from pip"
  else
    fail=$((fail+1)); echo "FAIL  venv $venv: jupyter is $(PATH="$p" command -v jupyter); $out"
  fi
fi
echo "ensure-deps: $pass passed, $fail failed"
(( fail == 0 ))
