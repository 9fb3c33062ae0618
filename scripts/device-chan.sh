#!/usr/bin/env bash
# GPU-machine calls for the channel-per-thread forward (issue 10 §1), after `bash scripts/device-bundle.sh` (tests, CLI,
# reference vectors). Logs and bench.jsonl go to $OUT (see device-steps.sh). The lane kernel (MAMBAIR_CUDA_SCAN_VARIANT=lanes,
# the previous default) and the channel kernel (the default now) alternate on every row, each command in its own process.
#   bash scripts/device-chan.sh 1   the GPU tests; `bench scan` on the official scan row, the classic block at 256×256 and
#                                   MambaIR-light at 256×256; classic ×2 forwards at 64², 128², 256², 512²
#   bash scripts/device-chan.sh 2   light ×2 forwards at 64², 128², 256², 512²; the two training steps of issue 10
#   bash scripts/device-chan.sh 3   the GPU tests, `bench scan` as in 1, then every row of 1 and 2 with the default build only
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-steps.sh
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; } 2>&1 | tee -a "$log"
both() { # name timeout args...: the row with the lane kernel, then with the channel kernel
  local name=$1 t=$2; shift 2
  MAMBAIR_CUDA_SCAN_VARIANT=lanes bench "$name" "$t" "$@"
  MAMBAIR_CUDA_SCAN_VARIANT=chan bench "$name" "$t" "$@"
}
tests_and_scans() { # the GPU tests, then `bench scan` of both kernels on the three scan rows
  step gpu-tests 260 bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda
  grep -E "^=== TEST EXECUTION SUMMARY|Total: |\[FAIL\]" "$log" | tail -8
  bench scan-classic-b4 60 bench scan --device cuda --shape classic-b4 --variants lanes,chan --no-reference --json --repeat 20 --warmup 3
  bench scan-classic-256 60 bench scan --device cuda --shape classic --size 256x256 --variants lanes,chan --no-reference --json --repeat 10 --warmup 2
  bench scan-light-256 60 bench scan --device cuda --shape light --size 256x256 --variants lanes,chan --no-reference --json --repeat 10 --warmup 2
}
case ${1:-} in
1)
  tests_and_scans
  for s in 64 128 256 512; do both "model-classic-x2-$s" 45 bench model --device cuda --preset classic-x2 --size ${s}x$s --json --repeat 5 --warmup 2; done
  ;;
2)
  for s in 64 128 256 512; do both "model-light-x2-$s" 40 bench model --device cuda --preset light-x2 --size ${s}x$s --json --repeat 5 --warmup 2; done
  both train-light-x2-b16 70 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 3
  both train-classic-x2-b4 70 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 3
  ;;
3)
  tests_and_scans
  for p in classic-x2 light-x2; do for s in 64 128 256 512; do bench "model-$p-$s" 45 bench model --device cuda --preset $p --size ${s}x$s --json --repeat 5 --warmup 2; done; done
  bench train-light-x2-b16 70 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 3
  bench train-classic-x2-b4 70 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 3
  ;;
*) sed -n 2,9p "$0"; exit 2 ;;
esac
python3 scripts/device-summary.py "$json" | tee -a "$log"
echo "done in ${SECONDS}s"
