#!/usr/bin/env bash
# Checks that lib/pom.xml picks the PyTorch CPU natives of the platform Maven runs on (os family/name/arch),
# none on a platform without a CPU build, and none with -Ddlab.gpu. Only Linux runs here, so Maven is started
# with a faked os.name/os.arch (scripts/natives/FakePlatformMaven.java) and asked for its active profiles.
# Also checks that the kernelspec's classpath uses the platform's path separator.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MH="$(mvn -v 2>/dev/null | sed -n 's/^Maven home: //p' | sed 's/\x1b\[[0-9;]*m//g')"
CW="$(ls "$MH"/boot/plexus-classworlds*.jar 2>/dev/null | head -1)"
[[ -n "$CW" ]] || { echo "test-natives-profiles: plexus-classworlds jar not found under '$MH/boot'"; exit 1; }
pass=0; fail=0
check() {  # os.name os.arch expected-profile|none [extra mvn args]
  local name="$1" arch="$2" want="$3"; shift 3
  local got
  got="$(java -Dmaven.home="$MH" -Dmaven.multiModuleProjectDirectory="$ROOT" -Dclassworlds.conf="$MH/bin/m2.conf" \
      -cp "$CW" scripts/natives/FakePlatformMaven.java "$name" "$arch" -B -ntp -q help:active-profiles -pl lib "$@" \
      -Doutput="$ROOT/target/natives-profiles.txt" >/dev/null 2>&1; \
      grep -o 'natives-[a-z0-9_-]*' "$ROOT/target/natives-profiles.txt" 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')"
  [[ -z "$got" ]] && got=none
  if [[ "$got" == "$want" ]]; then pass=$((pass+1)); echo "ok    $name/$arch $*: $got"
  else fail=$((fail+1)); echo "FAIL  $name/$arch $*: expected $want, got $got"; fi
  rm -f "$ROOT/target/natives-profiles.txt"
}
mkdir -p target
check Linux amd64 natives-linux-x86_64
check Linux aarch64 natives-linux-aarch64
check "Mac OS X" aarch64 natives-osx-aarch64
check "Windows 11" amd64 natives-win-x86_64
check "Mac OS X" x86_64 none
check Linux amd64 none -Ddlab.gpu
# the kernelspec joins the notebook classpath with the platform's separator (Windows: ';'), which the kernel splits on
for sep in ':' ';'; do
  mvn -B -ntp -q -pl kernel resources:copy-resources@kernelspec "-Dpath.separator=$sep" >/dev/null 2>&1
  line="$(grep -o '"-Ddlab.classpath=[^"]*"' kernel/target/kernelspec/diffusionlab/kernel.json 2>/dev/null)"
  if [[ "$line" == *"/lib/target/classes$sep"*"/lib/target/lib/*\"" ]]; then pass=$((pass+1)); echo "ok    kernelspec with path.separator '$sep': $line"
  else fail=$((fail+1)); echo "FAIL  kernelspec with path.separator '$sep': $line"; fi
done
mvn -B -ntp -q -pl kernel resources:copy-resources@kernelspec >/dev/null 2>&1
echo "natives profiles: $pass passed, $fail failed"
(( fail == 0 ))
