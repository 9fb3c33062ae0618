#!/usr/bin/env bash
# GPU-machine calls for the four-way SS2D kernel (issue 10 §2), after `bash scripts/device-bundle.sh --no-cli` (tests with the
# CLI, reference vectors). Logs and bench.jsonl go to $OUT (see device-steps.sh). The per-direction path
# (MAMBAIR_CUDA_FOURWAY=0, the default) and the four-way kernel (MAMBAIR_CUDA_FOURWAY=1) alternate on every row, each
# command in its own process.
#   bash scripts/device-fourway.sh 0   the GPU tests; the rows short of issue 10's goal both ways and with 128-channel blocks
#   bash scripts/device-fourway.sh 1   the GPU tests; every forward row of issue 10 both ways; then the forwards and `bench
#                                      scan` with 128-channel blocks (MAMBAIR_CUDA_CHAN_BLOCK=128)
#                                      and the scan's forward + backward with 8 warps per window-kernel block (MAMBAIR_CUDA_SCAN_ROWS=8)
#   bash scripts/device-fourway.sh 2   the GPU tests with 128-channel blocks; every row with them, and the training steps
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-steps.sh
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; } 2>&1 | tee -a "$log"
both() { # name timeout args...: the row with the per-direction path, then with the four-way kernel
  local name=$1 t=$2; shift 2
  MAMBAIR_CUDA_FOURWAY=0 bench "$name" "$t" "$@"
  MAMBAIR_CUDA_FOURWAY=1 bench "$name" "$t" "$@"
}
tests() { # the GPU tests
  step gpu-tests 260 bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda
  grep -E "^=== TEST EXECUTION SUMMARY|Total: |\[FAIL\]" "$log" | tail -8
}
model() { bench "model-$1-$2" 45 bench model --device cuda --preset $1 --size $2x$2 --json --repeat 5 --warmup 2; }
scans() {
  bench scan-classic-b4 60 bench scan --device cuda --shape classic-b4 --variants chan --no-reference --json --repeat 20 --warmup 3
  bench scan-classic-256 60 bench scan --device cuda --shape classic --size 256x256 --variants chan --no-reference --json --repeat 10 --warmup 2
  bench scan-light-256 60 bench scan --device cuda --shape light --size 256x256 --variants chan --no-reference --json --repeat 10 --warmup 2
}
export MAMBAIR_CUDA_FOURWAY=1   # the tests and the rows not alternated: the four-way kernel
case ${1:-} in
0)
  tests
  for r in "classic-x2 128" "light-x2 256" "classic-x2 256" "light-x2 64"; do
    set -- $r; both "model-$1-$2" 45 bench model --device cuda --preset $1 --size $2x$2 --json --repeat 5 --warmup 2
    MAMBAIR_CUDA_CHAN_BLOCK=128 model $1 $2
  done
  ;;
1)
  tests
  for r in "classic-x2 128" "classic-x2 256" "light-x2 256" "light-x2 64" "classic-x2 64" "light-x2 128"; do
    set -- $r; both "model-$1-$2" 45 bench model --device cuda --preset $1 --size $2x$2 --json --repeat 5 --warmup 2
  done
  for r in "classic-x2 128" "classic-x2 256" "light-x2 256"; do set -- $r; MAMBAIR_CUDA_CHAN_BLOCK=128 model $1 $2; done
  scans; MAMBAIR_CUDA_CHAN_BLOCK=128 scans
  for r in "light-x2 512" "classic-x2 512"; do set -- $r; both "model-$1-$2" 60 bench model --device cuda --preset $1 --size $2x$2 --json --repeat 5 --warmup 2; done
  for rows in 8 4 8; do
    MAMBAIR_CUDA_SCAN_ROWS=$rows bench scan-classic-b4-rows$rows 60 bench scan --device cuda --shape classic-b4 --variants chan --no-reference --json --repeat 20 --warmup 3
  done
  ;;
2)
  export MAMBAIR_CUDA_CHAN_BLOCK=128
  tests
  for p in classic-x2 light-x2; do for s in 64 128 256 512; do model $p $s; done; done
  scans
  bench train-light-x2-b16 70 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 3
  bench train-classic-x2-b4 70 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 3
  ;;
*) sed -n 2,10p "$0"; exit 2 ;;
esac
python3 scripts/device-summary.py "$json" | tee -a "$log"
echo "done in ${SECONDS}s"
