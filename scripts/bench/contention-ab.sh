#!/usr/bin/env bash
# Quiet against busy, the reference (../shared/baselines/bench.py) and ours (./dlab bench) alternated ROUNDS
# times: the text encoder (SD 1.5, batch 2) and the UNet (SD 1.5, 256², batch 2), each timed once on a quiet
# machine and once while one busy loop (sh -c 'while :; do :; done') competes for the cores. Prints the medians
# and each side's busy ÷ quiet (docs/performance.md, "Under contention").
# Needs the reference environment: eval "$(SKIP_APT=1 ../shared/baselines/setup_env.sh | tail -1)" first.
#   scripts/bench/contention-ab.sh CHECKOUT [ROUNDS]
set -u
P=$(cd "$1" && pwd); ROUNDS=${2:-2}
B=$(cd "$P/../shared/baselines" 2>/dev/null && pwd) || { echo "no ../shared/baselines beside $P"; exit 2; }
[ -n "${PYTHONPATH:-}" ] || { echo "no reference environment: eval the last line of setup_env.sh first"; exit 2; }
ref() { OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$B/bench.py" "$@" 2>/dev/null | sed -n 's/^RESULT //p' \
        | /usr/bin/python3 -c "import json,sys; print(round(json.load(sys.stdin)['timing']['median_s']*1000,1))"; }
jav() { (cd "$P" && ./dlab bench "$@" 2>&1) | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' | tail -1; }
busy() { sh -c 'while :; do :; done' & L=$!; "$@"; kill $L; wait $L 2>/dev/null; }
ratio() { awk -v q="$1" -v b="$2" 'BEGIN { if (q == "" || b == "") print "n/a"; else printf "%.2fx", b / q }'; }
row() {  # name, reference args, java args
  local name=$1 rq rb jq jb; local -a ra jv; IFS='|' read -r -a ra <<< "$2"; IFS='|' read -r -a jv <<< "$3"
  rq=$(ref ${ra[@]}); rb=$(busy ref ${ra[@]}); jq=$(jav ${jv[@]}); jb=$(busy jav ${jv[@]})
  echo "$name: reference $rq / $rb ms ($(ratio "$rq" "$rb")), ours $jq / $jb ms ($(ratio "$jq" "$jb"))  [quiet / busy]"
}
for ((k = 0; k < ROUNDS; k++)); do
  echo "round $k"
  row "  text-encoder sd15 b2" "clip --config sd15 --runs 10" "text-encoder --config sd15 --batch 2 --runs 10"
  row "  unet sd15 256 b2    " "unet --config sd15 --latent 32 --runs 3" "unet --config sd15 --height 256 --width 256 --batch 2 --runs 3"
done
