#!/usr/bin/env bash
# The GPU machine's training session for the bundled default models and the synthetic-TextZoom experiment (issue 9),
# from the bundle of `scripts/device-bundle.sh --data --no-tests --no-refvec`. The runs are started as their own
# process sessions (setsid), so they outlive one device call: `start` launches them and watches for a while, later
# calls `watch` (made while the machine is still held) and `collect` copies what there is to $OUT.
#   bash scripts/device-train.sh start MINUTES WATCH_S   runs stop by themselves after MINUTES (checkpoint + state saved)
#   bash scripts/device-train.sh watch WATCH_S           progress every 60 s for WATCH_S seconds, or until all have ended
#   bash scripts/device-train.sh collect                 per run a .tar of models/net_g_latest.pth, options, log, CSV,
#                                                        TensorBoard events and plots (≤ 16 MiB each), into $OUT
# Runs: light ×2 and light ×4 on BSDS400 (validated on Set5), light ×2 on 20k synthetic TextZoom pairs with L1 alone
# and with the gradient-profile term. Everything lives under /tmp/mambair-train (the carried folders are left alone).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
root=/tmp/mambair-train
exp=$root/experiments
mkdir -p "$exp" "$root/logs"
export MAMBAIR_CUDA_CACHE=$root/cuda-cache
cli() { "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/cli/MambaIR.Cli.dll" "$@"; }

launch() { # name minutes args...
  local name=$1 minutes=$2; shift 2
  setsid nohup "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/cli/MambaIR.Cli.dll" train "$@" --device cuda --experiments-root "$exp" \
    --time-limit "$minutes" > "$root/logs/$name.log" 2>&1 < /dev/null &
  echo "started $name (pid $!, ${minutes} min)"
}

status() {
  date -u +%T
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
  for f in "$root"/logs/*.log; do
    [ -f "$f" ] || continue
    printf '%s: %s\n' "$(basename "$f" .log)" "$(grep -E 'iter:|# psnr|Stopping|End of training|error|Error' "$f" | tail -2 | cut -c1-200 | tr '\n' ' ')"
  done
}

watch() { # seconds
  local until=$((SECONDS + $1))
  while [ $SECONDS -lt $until ]; do
    status
    pgrep -f "MambaIR.Cli.dll train" >/dev/null || { echo "all runs have ended"; return; }
    sleep $(( until - SECONDS < 60 ? (until - SECONDS > 0 ? until - SECONDS : 1) : 60 ))
  done
  status
}

case ${1:-} in
start)
  minutes=$2 watch_s=$3
  { date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc; } 2>&1
  if command -v nvidia-cuda-mps-control >/dev/null; then nvidia-cuda-mps-control -d && echo "MPS daemon started"; else echo "no MPS"; fi
  # The GPU checks (scan edge cases, the network, the multi-tensor optimiser) while the TextZoom data is made on the CPU;
  # should the optimiser kernels disagree with the per-tensor path, the runs use the latter.
  cli runtime --check cuda > "$root/logs/check.txt" 2>&1 &
  check_pid=$!
  t0=$SECONDS
  cli textzoom generate --out "$root/tz/train" --count 20000 --seed 0 --difficulty mixed > "$root/logs/tz-generate.txt" 2>&1 &
  gen_pids=($!)
  for d in easy:1001 medium:1002 hard:1003; do
    cli textzoom generate --out "$root/tz/test/${d%%:*}" --count 50 --seed "${d##*:}" --difficulty "${d%%:*}" >/dev/null 2>&1 &
    gen_pids+=($!)
  done
  wait $check_pid
  grep -E "^check|FAILED" "$root/logs/check.txt" | cut -c1-160
  if grep -q "check optimiser.*FAILED" "$root/logs/check.txt" || ! grep -q "check optimiser" "$root/logs/check.txt"; then
    export MAMBAIR_FUSED_OPTIMIZER=0; echo "multi-tensor optimiser not verified: per-tensor path"
  fi
  common=(datasets:train:num_worker_per_gpu=3 logger:save_checkpoint_freq=500 logger:print_freq=100 train:optim_g:lr=3e-4 train:warmup_iter=200)
  launch light_x2 "$minutes" -opt options/train/bsds400/train_MambaIR_lightSR_x2_BSDS400.yml --force_yml "${common[@]}" \
    datasets:train:dataroot_gt=.device/data/BSDS400 datasets:val:dataroot_gt=.device/data/Set5/HR/x2 \
    train:total_iter=3000 "train:scheduler:milestones=[2000,2600]" val:val_freq=500
  launch light_x4 "$minutes" -opt options/train/bsds400/train_MambaIR_lightSR_x4_BSDS400.yml --force_yml "${common[@]}" \
    datasets:train:dataroot_gt=.device/data/BSDS400 datasets:val:dataroot_gt=.device/data/Set5/HR/x4 \
    path:pretrain_network_g=~ path:strict_load_g=true train:total_iter=3000 "train:scheduler:milestones=[2000,2600]" val:val_freq=500
  # Synthetic TextZoom: 20k training pairs (seed 0, mixed) and small test subsets (the full ones are made and evaluated
  # on the CPU machine: the generator is deterministic per seed and index).
  wait "${gen_pids[@]}"
  echo "TextZoom data: $(tail -c 200 "$root/logs/tz-generate.txt" | tr '\r' '\n' | tail -1) in $((SECONDS - t0)) s"
  left=$(python3 -c "print(round($minutes - ($SECONDS - $t0) / 60, 2))")
  for run in plain:train_MambaIR_light_x2_TextZoomSynth.yml gradient:train_MambaIR_light_x2_TextZoomSynth_GradientProfile.yml; do
    launch "tz_${run%%:*}" "$left" -opt "options/train/textzoom_synthetic/${run##*:}" --force_yml "${common[@]}" \
      datasets:train:dataroot=$root/tz/train datasets:val_1:dataroot=$root/tz/test/easy datasets:val_2:dataroot=$root/tz/test/medium \
      datasets:val_3:dataroot=$root/tz/test/hard train:total_iter=2500 "train:scheduler:milestones=[1700,2200]" val:val_freq=1000000000
  done
  watch "$watch_s"
  ;;
watch) watch "$2" ;;
collect)
  OUT=${OUT:-/tmp/mambair-out}; mkdir -p "$OUT"
  for d in "$exp"/*/; do
    n=$(basename "$d")
    files=(); for f in models/net_g_latest.pth "*.yml" "train_*.log" "*.csv" tb_logger "*.png" plots; do compgen -G "$d$f" >/dev/null && files+=($(cd "$d" && compgen -G "$f")); done
    latest=$(cd "$d" && ls models/net_g_*.pth 2>/dev/null | grep -v latest | sort -t_ -k3 -n | tail -1)
    [ -f "$d/models/net_g_latest.pth" ] || files+=($latest)
    tar -C "$d" -cf "$OUT/$n.tar" "${files[@]}" && ls -la "$OUT/$n.tar"
  done
  tar -C "$root" -czf "$OUT/logs.tgz" logs
  ;;
*) echo "usage: $0 start MINUTES WATCH_S | watch WATCH_S | collect" >&2; exit 2 ;;
esac
