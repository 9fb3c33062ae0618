#!/usr/bin/env bash
# Data-parallel training on the GPU machine (issue 13), from the bundle of `scripts/device-bundle.sh --data --no-tests --no-refvec`.
#   bash scripts/device-dist.sh check            any CUDA machine (1 GPU is enough): `runtime --check cuda`, whose last
#                                                lines include the 1-rank NCCL binding check (NCCL found, comm init,
#                                                all-reduce/broadcast bit-identical on the device)
#   bash scripts/device-dist.sh equal ITERS      ≥ 2 GPUs: the quick-start model, 2 ranks × batch_size_per_gpu 4 against
#                                                1 GPU with num_gpu 2 (batch 8): per-iteration losses side by side and
#                                                the largest relative difference (expect float32 reduction noise)
#   bash scripts/device-dist.sh scale OPT ITERS N...   iterations/s and per-GPU memory for --gpus N of option file OPT
# Everything is written under /tmp/mambair-dist and the summaries are copied to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
root=/tmp/mambair-dist
mkdir -p "$root" "${OUT:-$root/out}"
out=${OUT:-$root/out}
export MAMBAIR_CUDA_CACHE=$root/cuda-cache NCCL_NVLS_ENABLE=0
cli() { "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/cli/MambaIR.Cli.dll" "$@"; }
gpus=$(nvidia-smi --list-gpus | wc -l)
echo "GPUs: $gpus"; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader

losses() { # experiment folder → "iter loss" lines from the training CSV
  local csv=$1/training_log.csv
  awk -F, 'NR > 1 { print $1, $4 }' "$csv"
}

case ${1:-} in
check)
  cli runtime --check cuda 2>&1 | tee "$out/runtime-check.txt" | tail -8
  ;;
equal)
  iters=${2:-50}
  [ "$gpus" -ge 2 ] || { echo "blocked: needs 2 GPUs, this machine has $gpus"; exit 3; }
  opt=options/train/quickstart_MambaIR_tiny_x2_BSDS400.yml
  common=(--quiet --force_yml train:total_iter=$iters datasets:train:batch_size_per_gpu=4 network_g:drop_path_rate=0 logger:save_checkpoint_freq=100000 val:val_freq=100000)
  cli train -opt $opt --device cuda:0 --experiments-root "$root/one" "${common[@]}" num_gpu=2 > "$out/equal-1gpu.log" 2>&1
  cli train -opt $opt --gpus 2 --experiments-root "$root/two" "${common[@]}" > "$out/equal-2gpu.log" 2>&1
  paste <(losses "$root/one"/*/) <(losses "$root/two"/*/) | awk '{ d = ($2 - $4) / ($2 == 0 ? 1 : $2); if (d < 0) d = -d; if (d > m) m = d; print } END { printf "max relative loss difference %.3e\n", m }' | tee "$out/equal-losses.txt" | tail -3
  ;;
scale)
  opt=$2 iters=$3; shift 3
  for n in "$@"; do
    [ "$n" -le "$gpus" ] || { echo "--gpus $n: blocked, $gpus GPUs here"; continue; }
    nvidia-smi --query-gpu=index,memory.used --format=csv,noheader -l 5 > "$root/mem-$n.txt" &
    smi=$!
    t0=$SECONDS
    cli train -opt "$opt" --gpus "$n" --quiet --experiments-root "$root/scale-$n" --force_yml train:total_iter=$iters logger:save_checkpoint_freq=100000 val:val_freq=100000 > "$out/scale-$n.log" 2>&1
    rc=$?
    kill $smi
    echo "--gpus $n: rc $rc, $((SECONDS - t0)) s for $iters iterations; peak memory per GPU (MiB): $(sort -t, -k2 -n "$root/mem-$n.txt" | awk -F, '{ m[$1] = $2 } END { for (g in m) printf "%s:%s ", g, m[g] }')" | tee -a "$out/scale.txt"
    grep -E "Phase times|iter:" "$out/scale-$n.log" | tail -2 | tee -a "$out/scale.txt"
  done
  ;;
*) sed -n 2,9p "$0"; exit 2 ;;
esac
