#!/usr/bin/env bash
# One GPU-machine call for the lane-per-state forward kernel (issue 10 §1), after `bash scripts/device-bundle.sh --no-cli`:
#   1. the GPU tests (the kernel's NVRTC build in every configuration, the scan tests with every lane layout and segments);
#   2. `bench scan` of the window kernel (global-u1) against lanes-s1 / -s2 / -s4 on the official scan row (classic, batch 4,
#      64×64), the classic block on one 256×256 image and MambaIR-light on one 256×256 image;
#   3. `bench model` (classic ×2 at 64², 128², 256², light ×2 at 256²) and `bench train` with the window kernel's forward
#      (global-u1) and with the default lane forward (lanes), alternating.
# Logs go to $OUT (run.log, bench.jsonl; see device-steps.sh). Usage: bash scripts/device-lanes.sh [tests|scan|model]...
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-steps.sh
what=${*:-tests scan model}
has() { case " $what " in *" $1 "*) return 0 ;; esac; return 1; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; } 2>&1 | tee -a "$log"
if has tests; then
  step tests 200 bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda
  grep -E "\[FAIL\]|Total:|error|Assert" "$log" | head -30
fi
variants=global-u1,lanes-s1,lanes-s2,lanes-s4
if has scan; then
  bench scan-classic-b4 60 bench scan --device cuda --shape classic-b4 --variants $variants --no-reference --json --repeat 20 --warmup 3
  bench scan-classic-256 60 bench scan --device cuda --shape classic --size 256x256 --variants $variants --no-reference --json --repeat 10 --warmup 2
  bench scan-light-256 60 bench scan --device cuda --shape light --size 256x256 --variants $variants --no-reference --json --repeat 10 --warmup 2
  python3 scripts/device-summary.py "$json" | tee -a "$log"
  # The lane layout with the fastest forward on the official scan row.
  best=$(python3 - "$json" <<'EOF'
import json, sys
best = None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["name"] != "scan-classic-b4": continue
    for s in r["report"]:
        for m in s["Kernel"]:
            b = m["Backend"]
            if "lanes" in b and (best is None or m["ForwardMs"] < best[1]): best = (b.split("[")[1].split("]")[0], m["ForwardMs"])
print(best[0] if best else "lanes-s1")
EOF
  )
  echo "fastest lane layout: $best" | tee -a "$log"
fi
if has model; then
  for p in classic-x2:64 classic-x2:128 classic-x2:256 light-x2:256; do
    for v in global-u1 lanes; do
      MAMBAIR_CUDA_SCAN_VARIANT=$v bench "model-${p%%:*}-${p##*:}" 40 bench model --device cuda --preset ${p%%:*} --size ${p##*:}x${p##*:} --json --repeat 5 --warmup 2
    done
  done
  for v in global-u1 lanes; do
    MAMBAIR_CUDA_SCAN_VARIANT=$v bench train-classic-x2-b4 60 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 2
    MAMBAIR_CUDA_SCAN_VARIANT=$v bench train-light-x2-b16 60 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 2
  done
  python3 scripts/device-summary.py "$json" | tee -a "$log"
fi
echo "done in ${SECONDS}s"
