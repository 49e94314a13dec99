#!/usr/bin/env bash
# Writes the course readable without running it: every notebook of notebooks/ executed in FULL (class) mode,
# converted to HTML under docs/course/ with an index.html, so a reader on GitHub sees every figure.
#   scripts/export-course.sh                 # all notebooks (about 15 min on 2 cores)
#   scripts/export-course.sh notebooks/02-*.ipynb
# Needs the build (mvn -o -q package -DskipTests), Jupyter's nbconvert (scripts/ensure-deps.sh headless) and pngquant.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/docs/course"
cd "$ROOT"
if [[ $# -gt 0 ]]; then NOTEBOOKS=("$@"); else NOTEBOOKS=(notebooks/*.ipynb); fi
unset DLAB_QUICK   # full mode: the sizes and steps a class sees
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export LD_PRELOAD="$(scripts/mkl-amd.sh)"
command -v pngquant >/dev/null || { echo "export-course: needs pngquant to keep the pages small (apt-get install pngquant)" >&2; exit 1; }
STYLE='body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;line-height:1.45}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:85%} img{max-width:100%}
table{border-collapse:collapse;font-size:90%} td,th{border:1px solid #ccc;padding:2px 6px}
.jp-InputPrompt,.jp-OutputPrompt,.prompt{display:none} .jp-Cell{margin-bottom:1em}'
status=0
scripts/run-notebooks.sh "${NOTEBOOKS[@]}" || status=1   # a failing notebook is reported, the others still exported
mkdir -p "$OUT"
for nb in "${NOTEBOOKS[@]}"; do
  name="$(basename "$nb" .ipynb)"
  if [[ ! -f "target/notebooks/$name.ipynb" ]]; then echo "no executed copy of $name: not exported" >&2; continue; fi
  # executed copy from run-notebooks.sh -> figures quantised (pngquant) -> self-contained HTML with the bare
  # template (the full one adds ~550 KiB of CSS per page) and a few lines of style
  small="$(mktemp --suffix=.ipynb)"
  /usr/bin/env python3 scripts/shrink-notebook.py "target/notebooks/$name.ipynb" "$small" "$ROOT"
  jupyter nbconvert --to html --template basic --output-dir "$OUT" --output "$name" "$small" >/dev/null 2>&1
  rm -f "$small"
  { echo "<!doctype html><meta charset=utf-8><title>$name</title><style>$STYLE</style>"
    echo "<p><a href=\"index.html\">Diffusion Lab course</a> · $name, executed in full mode</p>"
    cat "$OUT/$name.html"; } > "$OUT/$name.tmp" && mv "$OUT/$name.tmp" "$OUT/$name.html"
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
