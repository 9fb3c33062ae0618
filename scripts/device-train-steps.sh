#!/usr/bin/env bash
# On the GPU machine, from the bundle of `scripts/device-bundle.sh --no-tests --no-refvec`: issue 10's two training-step
# rows (light ×2 batch 16, classic ×2 batch 4, LR patch 64) as `mambair train` runs them now (cuDNN autotuning on), in
# float32 and mixed bfloat16, and in float32 with autotuning off (MAMBAIR_CUDNN_BENCHMARK=0) for comparison; each
# command in its own process, TF32 off. Results go to $OUT.   bash scripts/device-train-steps.sh [REPEAT (default 10)]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
repeat=${1:-10}
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } | tee "$OUT/session.txt"
for row in "light-x2 16" "classic-x2 4"; do
  set -- $row
  for mode in float32 bf16 float32-heuristic; do
    extra=(); tune=    # empty: the default (autotuning on for training)
    [ $mode = bf16 ] && extra=(--mixed-precision bf16)
    [ $mode = float32-heuristic ] && tune=0
    MAMBAIR_CUDNN_BENCHMARK=$tune cli bench train --device cuda --preset "$1" --batch "$2" --patch 64 \
      --repeat "$repeat" --warmup 3 --json "${extra[@]}" > "$OUT/train_$1_$mode.json" 2> "$OUT/train_$1_$mode.err"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], 'median', round(r['MedianMs'],1), 'ms, min', round(r['MinMs'],1), 'peak', r['PeakDeviceMemoryMb'], 'MB;', r.get('CudnnAutotune'))" "$OUT/train_$1_$mode.json" "$1" "$mode" || tail -3 "$OUT/train_$1_$mode.err"
  done
done | tee "$OUT/summary.txt"
