#!/usr/bin/env bash
# The GPU-machine calls that the open issues needed, each within one 10-minute call, after `bash
# scripts/device-bundle.sh --set5 --no-cli` (the tests, whose folder holds the CLI, the reference vectors and Set5: ≈ 53 MiB
# with the tracked tree, of the 64 MiB a call carries). Both run the GPU tests (`bash scripts/device-test.sh -namespace
# MambaIR.Tests.Cuda`). Logs and bench.jsonl go to $OUT (see device-steps.sh):
#   bash scripts/device-session.sh 1   the CUDA checks incl. the 1-rank NCCL binding and the overlapped all-reduce on NCCL's
#                                      stream (issue 13); MambaIRv2-B ×2 at 64×64 in three processes (issue 12); the host's CPU
#                                      on 2 pinned cores: light ×2 64² / 128² beside SwinIR-light (scripts/swinir_light_bench.py) and issue 11's figures,
#                                      v2-light / v2-B ×2 64² beside issue 12's CPU figures
#   bash scripts/device-session.sh 2   the GPU tests; reduced precision on the GPU (issue 10 §3): light / classic ×2 at 128² and 256²
#                                      in float32, bfloat16, float16, with TF32 on; isolated training steps with the
#                                      multi-tensor optimiser; the bundled ×2 model's Set5 PSNR in each dtype on the GPU
set -uo pipefail
cd "$(dirname "$0")/.."
export NCCL_NVLS_ENABLE=0
source scripts/device-steps.sh
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; lscpu | grep -E "Model name|^CPU\(s\)"; } 2>&1 | tee -a "$log"
set5=.device/data/Set5
case ${1:-} in
1)
  step check 170 bash scripts/device-run.sh runtime --check cuda --refvec .device/refvec
  grep -E "NCCL|^check" "$log" | tail -6
  for i in 1 2 3; do bench "model-v2-b-x2-64-run$i" 40 bench model --device cuda --preset v2-b-x2 --size 64x64 --json --repeat 5 --warmup 2; done
  # SwinIR-light x2 in PyTorch on the same 2 pinned cores (a re-implementation; see the script), then ours.
  step swinir-light-cpu2 90 taskset -c 0,1 /opt/torch/.venv/bin/python scripts/swinir_light_bench.py --threads 2 --sizes 64,128 --repeat 5
  grep '"SwinIR' "$log" | tail -2
  for p in light-x2:64 light-x2:128 v2-light-x2:64 v2-b-x2:64; do
    BENCH_PREFIX="taskset -c 0,1" bench "cpu2-${p%%:*}-${p##*:}" 60 bench model --device cpu --threads 2 --preset ${p%%:*} --size ${p##*:}x${p##*:} --json --repeat 5 --warmup 1
  done
  step gpu-tests "$(left)" bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda
  grep -E "^=== TEST EXECUTION SUMMARY|Total: " "$log" | tail -2
  ;;
2)
  # After `bash scripts/device-bundle.sh --set5 --no-cli` (the tests' folder holds the CLI): the GPU tests first.
  step gpu-tests 240 bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda
  grep -E "^=== TEST EXECUTION SUMMARY|Total: |\[FAIL\]" "$log" | tail -8
  for p in light-x2 classic-x2; do for s in 128 256; do for d in float32 bfloat16 float16; do
    bench "model-$p-$s-$d" 40 bench model --device cuda --preset $p --size ${s}x$s --dtype $d --json --repeat 5 --warmup 2
  done; bench "model-$p-$s-tf32" 40 bench model --device cuda --preset $p --size ${s}x$s --tf32 on --json --repeat 5 --warmup 2; done; done
  bench train-light-x2-b16 80 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 2
  bench train-classic-x2-b4 80 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 2
  for d in float32 bfloat16 float16; do
    step "eval-set5-$d" 60 bash scripts/device-run.sh eval -m mambair-light-x2 --dataset $set5 --scale 2 --device cuda --dtype $d --quiet
    grep -E "^Set5 " "$log" | tail -1
  done
  ;;
*) sed -n 2,11p "$0"; exit 2 ;;
esac
python3 scripts/device-summary.py "$json" | tee -a "$log"
echo "done in ${SECONDS}s"
