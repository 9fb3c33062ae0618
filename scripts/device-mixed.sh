#!/usr/bin/env bash
# The GPU machine's mixed-precision session (issue 10 §3), from the bundle of `scripts/device-bundle.sh --data --no-tests --no-refvec`:
# training-step benchmarks in float32 and with --mixed-precision bf16 (the issue's two rows: light ×2 batch 16 and classic
# ×2 batch 4, LR patch 64), then two identical short trainings of light ×2 on BSDS400 (same seed and data order), one in
# float32 and one mixed, run side by side, each validated on Set5 ×2 at its last iteration. Everything goes to $OUT.
#   bash scripts/device-mixed.sh ITERATIONS [SEEDS (default 10)] [--no-bench]    e.g. 600 "10 11" --no-bench: four runs
# (float32 and mixed for each seed), validated every 100 iterations.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
iters=${1:-800}
seeds=${2:-10}
bench=1; [ "${3:-}" = --no-bench ] && bench=0
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; git log -1 --format=%h 2>/dev/null; } | tee "$OUT/session.txt"
[ $bench = 1 ] && for row in "light-x2 16" "classic-x2 4"; do
  set -- $row
  for mode in float32 bf16; do
    extra=(); [ $mode = bf16 ] && extra=(--mixed-precision bf16)
    cli bench train --device cuda --preset "$1" --batch "$2" --patch 64 --repeat 10 --warmup 3 --json "${extra[@]}" > "$OUT/train_$1_$mode.json" 2> "$OUT/train_$1_$mode.err"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], 'median', round(r['MedianMs'],1), 'ms, min', round(r['MinMs'],1), 'peak', r['PeakDeviceMemoryMb'])" "$OUT/train_$1_$mode.json" "$1" "$mode" || tail -3 "$OUT/train_$1_$mode.err"
  done
done | tee "$OUT/bench.txt"
val_freq=$(( iters < 100 ? iters : 100 ))
exp=/tmp/mambair-mixed
common=(datasets:train:num_worker_per_gpu=3 logger:print_freq=100 train:optim_g:lr=3e-4 train:warmup_iter=200
  datasets:train:dataroot_gt=.device/data/BSDS400 datasets:val:dataroot_gt=.device/data/Set5/HR/x2
  train:total_iter=$iters "train:scheduler:milestones=[$((iters * 10)),$((iters * 11))]" val:val_freq=$val_freq logger:save_checkpoint_freq=$iters)
for seed in $seeds; do
  for mode in float32 bf16; do
    extra=(); [ $mode = bf16 ] && extra=(--mixed-precision bf16)
    cli train -opt options/train/bsds400/train_MambaIR_lightSR_x2_BSDS400.yml --force_yml "${common[@]}" name=mixed_${mode}_$seed manual_seed=$seed \
      --device cuda --experiments-root "$exp" -q "${extra[@]}" > "$OUT/run_${mode}_$seed.log" 2>&1 &
  done
done
wait
for seed in $seeds; do
  for mode in float32 bf16; do
    echo "== $mode seed $seed"; grep -E "iter: *$iters,|# psnr|End of training|rror" "$OUT/run_${mode}_$seed.log" | cut -c1-200
  done
done | tee "$OUT/runs.txt"
