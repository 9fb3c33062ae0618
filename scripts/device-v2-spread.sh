#!/usr/bin/env bash
# One GPU-machine call for issue 12's routing spread: a time-boxed MambaIRv2-light ×2 training on BSDS400 (deterministic
# routing, as options/train/bsds400/train_MambaIRv2_lightSR_x2_BSDS400.yml trains), then Set5 ×2 with that checkpoint in
# the deterministic mode and with the official Gumbel routing over 10 seeds (one `eval --spread`, which reports both). From the bundle of
# `bash scripts/device-bundle.sh --data --set5 --no-tests --no-refvec` (BSDS400 travels in part when the whole does not fit:
# device-bundle.sh --data-images=N). Usage: bash scripts/device-v2-spread.sh MINUTES. The checkpoint, the log and
# the spread tables come back in $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/mambair-out}; mkdir -p "$OUT"
minutes=${1:?minutes of training}
export MAMBAIR_CUDA_CACHE=/tmp/mambair-cuda-cache NCCL_NVLS_ENABLE=0
run() { bash scripts/device-run.sh "$@"; }
exp=/tmp/v2spread
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; echo "training images: $(ls .device/data/BSDS400 | wc -l)"; } | tee "$OUT/run.log"
run train -opt options/train/bsds400/train_MambaIRv2_lightSR_x2_BSDS400.yml --device cuda --experiments-root "$exp" --quiet \
  --time-limit "$minutes" --force_yml datasets:train:dataroot_gt=.device/data/BSDS400 datasets:val:dataroot_gt=.device/data/Set5/HR/x2 \
  datasets:train:num_worker_per_gpu=12 train:total_iter=4000 "train:scheduler:milestones=[2500,3400]" "train:optim_g:lr=!!float 5e-4" \
  train:warmup_iter=200 val:val_freq=1000 logger:save_checkpoint_freq=1000 logger:print_freq=100 >> "$OUT/run.log" 2>&1
echo "train: rc=$? after ${SECONDS}s" | tee -a "$OUT/run.log"
d=$exp/MambaIRv2_lightSR_x2_BSDS400
grep -hE "iter:|psnr|Stopping|End of training" "$d"/train_*.log 2>/dev/null | tail -12 | cut -c1-220 | tee -a "$OUT/run.log"
# A run stopped by its time limit saves net_g_{iter}.pth (net_g_latest.pth only at the end of the schedule): the newest.
ckpt=$d/models/net_g_latest.pth
[ -f "$ckpt" ] || ckpt=$(ls "$d"/models/net_g_*.pth 2>/dev/null | sort -t_ -k3 -n | tail -1)
[ -n "$ckpt" ] && [ -f "$ckpt" ] || { echo "no checkpoint" | tee -a "$OUT/run.log"; exit 1; }
cp "$ckpt" "$OUT/v2_light_x2_gpu.pth"; cp "$d"/train_*.log "$OUT/train.log" 2>/dev/null
run eval -m "$ckpt" --dataset .device/data/Set5 --scale 2 --device cuda --spread 10 --seed 0 --json "$OUT/spread.json" --markdown "$OUT/spread.md" 2>&1 | tail -8 | tee -a "$OUT/run.log"
echo "done in ${SECONDS}s" | tee -a "$OUT/run.log"
