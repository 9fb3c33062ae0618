#!/usr/bin/env bash
# On the GPU machine, from the bundle of `scripts/device-bundle.sh --no-tests --no-refvec`: issue 10's rows with cuDNN's
# convolution autotuning off (libtorch's default: cuDNN's heuristic) and on (MAMBAIR_CUDNN_BENCHMARK=1, as BasicSR runs),
# alternating, each command in its own process, float32 with TF32 off. Results (JSON and a summary) go to $OUT.
#   bash scripts/device-cudnn.sh [REPEAT (default 5)]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
repeat=${1:-5}
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } | tee "$OUT/session.txt"
rows=("model classic-x2 256x256" "model light-x2 256x256" "model classic-x2 128x128" "train classic-x2 4" "model classic-x2 64x64" "model light-x2 64x64" "train light-x2 16")
for row in "${rows[@]}"; do
  set -- $row
  for tune in 0 1; do
    name="$1_$2_$3_cudnn$tune"
    if [ "$1" = model ]; then args=(bench model --device cuda --preset "$2" --size "$3" --repeat "$repeat" --warmup 2 --json)
    else args=(bench train --device cuda --preset "$2" --batch "$3" --patch 64 --repeat "$repeat" --warmup 3 --json); fi
    MAMBAIR_CUDNN_BENCHMARK=$tune cli "${args[@]}" > "$OUT/$name.json" 2> "$OUT/$name.err"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], 'median', round(r['MedianMs'],1), 'ms, min', round(r['MinMs'],1))" "$OUT/$name.json" "$name" || tail -3 "$OUT/$name.err"
  done
done | tee "$OUT/summary.txt"
