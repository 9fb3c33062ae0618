#!/usr/bin/env bash
# MambaIRv2 on the GPU machine: whole-network forward latency of v2-light ×2 and v2-B ×2 (random weights, fp32, one
# image) at 64², 128² and 256², for comparison with the official figures of issue 12 (H200, PyTorch + mamba_ssm:
# v2-light ×2 83 / 115 / 143 ms, v2-B ×2 131 / 158 / 551 ms). Needs the bundle of scripts/device-bundle.sh (.device/).
# Writes to $OUT: v2-bench.jsonl (one line per run: {"name", "report"} with the `bench model --json` report),
# v2-bench.txt (a summary table) and run.log (everything, including failures).
# Usage: bash scripts/device-v2-bench.sh [REPEAT]   (default 5 timed runs after 2 warm-up runs)
# Optional: V2_CHECKPOINT=path/to/net_g_latest.pth SET5=path/to/Set5 (a benchmark folder with HR/x2, or HR images)
# also runs `mambair eval --spread ${SPREAD:-10}` with that checkpoint on the GPU and writes spread.json / spread.md:
# Set5 PSNR/SSIM with the deterministic routing and min/median/max/std over the Gumbel seeds 0..K-1.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/mambair-out}
mkdir -p "$OUT"
export MAMBAIR_CUDA_CACHE=${MAMBAIR_CUDA_CACHE:-/tmp/mambair-cuda-cache}
repeat=${1:-5}
budget=${BUDGET_S:-560}
log=$OUT/run.log
json=$OUT/v2-bench.jsonl
: > "$json"
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; nproc; } 2>&1 | tee -a "$log"
for p in v2-light-x2 v2-b-x2; do
  for s in 64 128 256; do
    left=$(( budget - SECONDS ))
    if [ "$left" -le 10 ]; then echo "=== $p-$s: skipped (no time left)" | tee -a "$log"; continue; fi
    t=$(( left < 120 ? left : 120 ))
    echo "=== $p ${s}x$s (limit ${t}s, $(date -u +%T))" >> "$log"
    t0=$SECONDS
    timeout "$t" bash scripts/device-run.sh bench model --device cuda --preset "$p" --size "${s}x$s" --json --repeat "$repeat" --warmup 2 > "$OUT/tmp.json" 2>> "$log"
    rc=$?
    if [ $rc -eq 0 ]; then
      python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "report": json.load(open(sys.argv[2]))}))' "$p-$s" "$OUT/tmp.json" >> "$json"
    else
      cat "$OUT/tmp.json" >> "$log"
    fi
    echo "=== $p-$s: rc=$rc in $((SECONDS - t0))s" | tee -a "$log"
    rm -f "$OUT/tmp.json"
  done
done
python3 - "$json" <<'PY' | tee "$OUT/v2-bench.txt"
import json, sys
official = {("v2-light-x2", 64): 83, ("v2-light-x2", 128): 115, ("v2-light-x2", 256): 143,
            ("v2-b-x2", 64): 131, ("v2-b-x2", 128): 158, ("v2-b-x2", 256): 551}   # issue 12, H200, PyTorch + mamba_ssm
print(f"{'network':12s} {'size':>8s} {'median ms':>10s} {'min ms':>8s} {'scan ms':>8s} {'peak MB':>8s} {'official ms':>12s}")
for line in open(sys.argv[1]):
    r = json.loads(line); x = r["report"]; p, s = r["name"].rsplit("-", 1); s = int(s)
    print(f"{p:12s} {str(s)+'x'+str(s):>8s} {x['MedianMs']:10.1f} {x['MinMs']:8.1f} {x['ScanMsPerImage']:8.1f} {x.get('PeakDeviceMemoryMb') or 0:8.0f} {official[(p, s)]:12d}")
PY
if [ -n "${V2_CHECKPOINT:-}" ] && [ -n "${SET5:-}" ]; then
  left=$(( budget - SECONDS ))
  if [ "$left" -gt 20 ]; then
    echo "=== spread ${SPREAD:-10} seeds, $V2_CHECKPOINT on $SET5 (limit ${left}s)" | tee -a "$log"
    timeout "$left" bash scripts/device-run.sh eval --model "$V2_CHECKPOINT" --dataset "$SET5:Set5" --spread "${SPREAD:-10}" --seed 0 \
      --device cuda --json "$OUT/spread.json" --markdown "$OUT/spread.md" 2>> "$log" | tee -a "$log"
  else echo "=== spread: skipped (no time left)" | tee -a "$log"; fi
fi
echo "done in ${SECONDS}s" | tee -a "$log"
