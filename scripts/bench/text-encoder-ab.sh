#!/usr/bin/env bash
# The text encoder (SD 1.5 config, batch 2): the reference (../shared/baselines/bench.py), ours, and ours with the batch
# split off, alternated ROUNDS times; with --contention each is also timed while one busy loop runs.
# Needs the reference environment: eval "$(SKIP_APT=1 ../shared/baselines/setup_env.sh | tail -1)" first.
#   scripts/bench/text-encoder-ab.sh CHECKOUT [ROUNDS] [--contention]
set -u
P=$(cd "$1" && pwd); ROUNDS=${2:-3}; BUSY=${3:-}
B=$(cd "$P/../shared/baselines" 2>/dev/null && pwd) || { echo "no ../shared/baselines beside $P"; exit 2; }
[ -n "${PYTHONPATH:-}" ] || { echo "no reference environment: eval the last line of setup_env.sh first"; exit 2; }
ref() { OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$B/bench.py" clip --config sd15 --runs 10 2>/dev/null | sed -n 's/^RESULT //p' \
        | /usr/bin/python3 -c "import json,sys; print(round(json.load(sys.stdin)['timing']['median_s']*1000,1))"; }
jav() { (cd "$P" && ./dlab bench text-encoder --config sd15 --batch 2 --runs 10 2>&1) | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' | tail -1; }
three() { echo "reference $(ref) ms, ours $(jav) ms, ours with DLAB_BATCH_PARALLEL=0 $(DLAB_BATCH_PARALLEL=0 jav) ms"; }
for ((k = 0; k < ROUNDS; k++)); do
  echo "round $k quiet: $(three)"
  if [ "$BUSY" = --contention ]; then
    sh -c 'while :; do :; done' & L=$!
    echo "round $k busy:  $(three)"
    kill $L
  fi
done
