#!/usr/bin/env bash
# Writes the course readable without running it: every notebook of notebooks/ executed in FULL (class) mode,
# converted to HTML under docs/course/ with an index.html, so a reader on GitHub sees every figure.
#   scripts/export-course.sh                 # all notebooks (about 15 min on 2 cores)
#   scripts/export-course.sh notebooks/02-*.ipynb
# Needs the build (mvn -o -q package -DskipTests) and Jupyter's nbconvert (scripts/ensure-deps.sh headless).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/docs/course"
cd "$ROOT"
if [[ $# -gt 0 ]]; then NOTEBOOKS=("$@"); else NOTEBOOKS=(notebooks/*.ipynb); fi
unset DLAB_QUICK   # full mode: the sizes and steps a class sees
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
status=0
scripts/run-notebooks.sh "${NOTEBOOKS[@]}" || status=1   # a failing notebook is reported, the others still exported
mkdir -p "$OUT"
for nb in "${NOTEBOOKS[@]}"; do
  name="$(basename "$nb" .ipynb)"
  if [[ ! -f "target/notebooks/$name.ipynb" ]]; then echo "no executed copy of $name: not exported" >&2; continue; fi
  # executed copy from run-notebooks.sh -> self-contained HTML (figures embedded), without the input prompts' numbers
  jupyter nbconvert --to html --output-dir "$OUT" --output "$name" "target/notebooks/$name.ipynb" >/dev/null 2>&1
  echo "wrote docs/course/$name.html ($(du -k "$OUT/$name.html" | cut -f1) KiB)"
done
{
  echo "<!doctype html><meta charset=utf-8><title>Diffusion Lab: the course, executed</title>"
  echo "<h1>Diffusion Lab: the course, executed in full mode</h1>"
  echo "<p>Each page is a notebook of <code>notebooks/</code> run top to bottom by <code>scripts/export-course.sh</code> on $(date -u +%Y-%m-%d) (2-core CPU, fp32). Run them yourself with <code>./lab.sh</code>.</p><ul>"
  for f in "$OUT"/*.html; do
    n="$(basename "$f" .html)"; [[ "$n" == index ]] && continue
    echo "<li><a href=\"$n.html\">$n</a></li>"
  done
  echo "</ul>"
} > "$OUT/index.html"
echo "docs/course: $(du -sh "$OUT" | cut -f1) in $(ls "$OUT" | wc -l) files"
exit $status
