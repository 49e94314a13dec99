#!/usr/bin/env bash
# The shapes trainer, two checkouts side by side on the same machine: OLD with its defaults against NEW with 1 and
# with 2 data-parallel workers, the same work (standard v1 size, batch 16, the text encoder trained with the UNet),
# alternated ROUNDS times. Prints each run's VAE and UNet s/step and last losses (docs/performance.md).
#   scripts/bench/trainer-ab.sh OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]
set -u
OLD=$(cd "$1" && pwd); NEW=$(cd "$2" && pwd); ROUNDS=${3:-2}; TMP=$(mktemp -d)
steps=(--vae-steps 60 --unet-steps 120 --checkpoint-every 100000 --quiet)
for ((k = 0; k < ROUNDS; k++)); do
  for side in old new1 new2; do
    case $side in
      old)  (cd "$OLD" && ./dlab train-shapes "${steps[@]}" --out "$TMP/$side-$k" 2>&1) ;;
      new1) (cd "$NEW" && ./dlab train-shapes "${steps[@]}" --text-pretrain-steps 0 --workers 1 --out "$TMP/$side-$k" 2>&1) ;;
      new2) (cd "$NEW" && ./dlab train-shapes "${steps[@]}" --text-pretrain-steps 0 --workers 2 --out "$TMP/$side-$k" 2>&1) ;;
    esac > "$TMP/$side-$k.log"
    echo "round $k $side: $(grep -E 'steps, [0-9.]+ s/step' "$TMP/$side-$k.log" | tr '\n' ' ')"
  done
done
rm -rf "$TMP"
