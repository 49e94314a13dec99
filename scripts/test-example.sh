#!/usr/bin/env bash
# The library as a dependency, as a student uses it: installs it into the local Maven repository, copies
# examples/student-project to a temporary folder outside the checkout, checks its dependency tree (no test
# library, no slf4j binding coming from the library, the platform's PyTorch natives), builds it offline and
# runs it with no DLAB_HOME: it must write an image and per-word attention maps, with the model extracted
# from the jar into a fresh cache folder.
#   DLAB_EXAMPLE_SKIP_INSTALL=1  skip the `mvn install` (the library is already in ~/.m2)
#   DLAB_M2_REPO=DIR             use DIR as the local Maven repository (several checkouts sharing ~/.m2
#                                would otherwise install their own diffusionlab-* snapshots over each other)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { echo "test-example: $*" >&2; exit 1; }
repo=(); [[ -n "${DLAB_M2_REPO:-}" ]] && repo=("-Dmaven.repo.local=$DLAB_M2_REPO")
mvn() { command mvn -B -ntp -o -q ${repo[@]+"${repo[@]}"} "$@"; }
if [[ "${DLAB_EXAMPLE_SKIP_INSTALL:-0}" != 1 ]]; then
  (cd "$ROOT" && mvn install -pl lib -am -DskipTests) || fail "mvn install of the library failed"
fi
TMP="$(mktemp -d "${TMPDIR:-/tmp}/dlab-example.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
cp -r "$ROOT/examples/student-project" "$TMP/"
cd "$TMP/student-project"
unset DLAB_HOME DLAB_MODEL DLAB_CACHE
export XDG_CACHE_HOME="$TMP/cache"

mvn dependency:tree -DoutputFile="$TMP/tree.txt" || fail "mvn dependency:tree failed"
if grep -Ei 'junit|opentest4j|apiguardian|mockito' "$TMP/tree.txt"; then fail "a test library reaches the example (tree above)"; fi
# the example's own slf4j-simple is a direct dependency ("+- " at depth 1); nothing below the library may bring a binding
if grep -E '^(\||  ) .*(slf4j-simple|slf4j-nop|slf4j-reload4j|logback-classic|log4j-slf4j)' "$TMP/tree.txt"; then
  fail "an slf4j binding comes from the library (tree above)"
fi
grep -q 'dev.diffusionlab:diffusionlab-lib:jar:0.1.0-SNAPSHOT:compile' "$TMP/tree.txt" || fail "diffusionlab-lib missing from the tree"
if [[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]]; then
  grep -q 'ai.djl.pytorch:pytorch-native-cpu:jar:linux-x86_64' "$TMP/tree.txt" || fail "linux-x86_64 natives not selected: $(cat "$TMP/tree.txt")"
fi
echo "dependency tree: $(grep -c . "$TMP/tree.txt") lines, no junit, no slf4j binding from the library"

mvn package || fail "the example does not build offline"
cd "$TMP"
java -Djava.awt.headless=true -cp "$TMP/student-project/target/classes:$TMP/student-project/target/lib/*" \
  org.example.student.AttentionDemo "$TMP/out" "on the left a red circle and at the bottom a small blue square" | tee "$TMP/run.log"
[[ -f "$TMP/out/image.png" ]] || fail "no image written"
size="$(od -An -tu1 -j16 -N8 "$TMP/out/image.png" | awk '{print $3*256+$4 "x" $7*256+$8}')"
[[ "$size" == 64x64 ]] || fail "image is $size, expected the v2 shapes world's 64x64"
for f in grid.png stats.json stats.csv; do [[ -s "$TMP/out/attention/$f" ]] || fail "attention/$f missing"; done
for w in red circle blue square; do
  ls "$TMP/out/attention/" | grep -Eq "^[0-9]+-$w\.png$" || fail "no attention map for '$w' in $(ls "$TMP/out/attention" | tr '\n' ' ')"
done
ls -d "$XDG_CACHE_HOME"/diffusionlab/shapes-world-* >/dev/null 2>&1 || fail "the model was not extracted into the cache"
grep -q "model: $XDG_CACHE_HOME/diffusionlab/shapes-world-" "$TMP/run.log" || fail "the model did not come from the jar"
echo "example: image $size, $(ls "$TMP/out/attention" | wc -l) attention files, model from the jar at $(ls -d "$XDG_CACHE_HOME"/diffusionlab/shapes-world-*)"
