#!/usr/bin/env bash
# Command 2 of the README: every test. JUnit (library + kernel, parity with the fixtures), the
# offline check, the kernel's end-to-end test, and every notebook executed headless in quick mode.
# Ends with one line: "total: N passed, M failed".
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
start=$(date +%s)
# The tests and quick-mode notebooks use tiny models: one torch thread avoids per-op thread hand-offs
# that made them 5-8x slower on a busy 2-core machine (classroom runs keep torch's default).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"  # no spin-waiting threads on a shared machine
export LD_PRELOAD="$(scripts/mkl-amd.sh)"  # MKL's full kernels on AMD CPUs too (docs/performance.md)
scripts/ensure-deps.sh headless || exit 1

fixtures="${DLAB_FIXTURES:-$HERE/../shared/fixtures}"
if [[ ! -d "$fixtures" ]]; then
  if [[ "${DLAB_REQUIRE_FIXTURES:-0}" == 1 ]]; then
    echo "test.sh: the parity fixtures are required here but $fixtures does not exist (set DLAB_FIXTURES)"
    echo "total: 0 passed, 1 failed"
    exit 1
  fi
  echo "test.sh: no fixtures at $fixtures: the parity tests will be skipped"
fi

failed_steps=()
step() {
  local name="$1"; shift
  echo; echo "=== $name ==="
  local t0=$(date +%s)
  if "$@"; then echo "=== $name: ok ($(( $(date +%s) - t0 )) s)"; else echo "=== $name: FAILED ($(( $(date +%s) - t0 )) s)"; failed_steps+=("$name"); fi
}

rm -f target/notebooks-run.log
step "maven: build and JUnit" mvn -B -ntp clean verify
step "notebooks: committed as source (nbformat 4, no outputs)" /usr/bin/python3 scripts/check-notebooks.py
step "offline: no network at run time" scripts/check-offline.sh
step "example: the library as a dependency (outside the checkout)" scripts/test-example.sh
step "setup: natives profile per platform, kernelspec path separator" scripts/test-natives-profiles.sh
step "setup: ensure-deps without Debian packages" scripts/test-ensure-deps.sh
step "setup: the MKL preload for AMD CPUs" scripts/test-mkl-amd.sh
if [[ -x scripts/test-kernel.sh ]]; then step "kernel: end to end" scripts/test-kernel.sh; fi
mkdir -p target
if [[ -x scripts/run-notebooks.sh ]]; then
  step "notebooks: headless, quick mode" bash -c 'set -o pipefail; DLAB_QUICK=1 scripts/run-notebooks.sh 2>&1 | tee target/notebooks-run.log'
fi

# One summary line over everything that ran.
for s in "${failed_steps[@]}"; do echo "failed step: $s"; done
echo "time: $(( $(date +%s) - start )) s"
/usr/bin/python3 - "$HERE" "${#failed_steps[@]}" <<'PY'
import glob, sys, os, re, xml.etree.ElementTree as ET
home, failed_steps = sys.argv[1], int(sys.argv[2])
tests = fails = skipped = 0
for f in glob.glob(os.path.join(home, "*/target/surefire-reports/TEST-*.xml")):
    r = ET.parse(f).getroot()
    tests += int(r.get("tests", 0)); skipped += int(r.get("skipped", 0))
    fails += int(r.get("failures", 0)) + int(r.get("errors", 0))
print(f"JUnit: {tests - fails - skipped} passed, {fails} failed, {skipped} skipped")
nb_pass = nb_fail = 0
log = os.path.join(home, "target/notebooks-run.log")
if os.path.exists(log):
    for m in re.finditer(r"^notebooks: (\d+) passed, (\d+) failed", open(log).read(), re.M):
        nb_pass, nb_fail = int(m.group(1)), int(m.group(2))
    print(f"notebooks: {nb_pass} passed, {nb_fail} failed")
passed = tests - fails - skipped + nb_pass
failed = fails + nb_fail + (failed_steps if fails + nb_fail == 0 else 0)
print(f"total: {passed} passed, {failed} failed")
sys.exit(1 if failed_steps or failed else 0)
PY
