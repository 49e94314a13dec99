#!/usr/bin/env bash
# The shapes trainer, two checkouts side by side on the same machine: OLD with its defaults against NEW with 1 and
# with 2 data-parallel workers, and with 2 workers on the C library's malloc (DLAB_JEMALLOC=0; ./dlab preloads
# jemalloc for train-shapes when installed), the same work (standard v1 size, batch 16, the text encoder trained
# with the UNet), alternated ROUNDS times. Prints each run's VAE and UNet s/step and last losses, then the median
# s/step of each side and NEW's speed-up over OLD (docs/performance.md).
#   scripts/bench/trainer-ab.sh OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]
set -u
OLD=$(cd "$1" && pwd); NEW=$(cd "$2" && pwd); ROUNDS=${3:-2}; TMP=$(mktemp -d)
steps=(--vae-steps 60 --unet-steps 120 --checkpoint-every 100000 --quiet)
sides=(old new1 new2 new2-glibc)
for ((k = 0; k < ROUNDS; k++)); do
  for side in "${sides[@]}"; do
    case $side in
      old)  (cd "$OLD" && ./dlab train-shapes "${steps[@]}" --out "$TMP/$side-$k" 2>&1) ;;
      new1) (cd "$NEW" && ./dlab train-shapes "${steps[@]}" --text-pretrain-steps 0 --workers 1 --out "$TMP/$side-$k" 2>&1) ;;
      new2) (cd "$NEW" && ./dlab train-shapes "${steps[@]}" --text-pretrain-steps 0 --workers 2 --out "$TMP/$side-$k" 2>&1) ;;
      new2-glibc) (cd "$NEW" && DLAB_JEMALLOC=0 ./dlab train-shapes "${steps[@]}" --text-pretrain-steps 0 --workers 2 --out "$TMP/$side-$k" 2>&1) ;;
    esac > "$TMP/$side-$k.log"
    grep -E 'steps, [0-9.]+ s/step' "$TMP/$side-$k.log" | sed -E 's/.*, ([0-9.]+) s\/step.*/\1/' | tr '\n' ' ' > "$TMP/$side-$k.s"
    echo "round $k $side: $(grep -E 'steps, [0-9.]+ s/step|^malloc' "$TMP/$side-$k.log" | tr '\n' ' ')"
  done
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for side in "${sides[@]}"; do
  vae=$(for ((k = 0; k < ROUNDS; k++)); do cut -d' ' -f1 "$TMP/$side-$k.s"; echo; done | grep . | median)
  unet=$(for ((k = 0; k < ROUNDS; k++)); do cut -d' ' -f2 "$TMP/$side-$k.s"; echo; done | grep . | median)
  echo "median $side: VAE $vae s/step, UNet $unet s/step"
  eval "m_${side//-/_}_vae=$vae m_${side//-/_}_unet=$unet"
done
for side in new1 new2 new2-glibc; do
  v="m_${side//-/_}_vae"; u="m_${side//-/_}_unet"
  awk -v s="$side" -v ov="$m_old_vae" -v ou="$m_old_unet" -v nv="${!v}" -v nu="${!u}" \
    'BEGIN {printf "%s over old: VAE %.2fx, UNet %.2fx the steps per second (medians)\n", s, ov / nv, ou / nu}'
done
rm -rf "$TMP"
