#!/usr/bin/env bash
# One GPU-machine call for the fused CUDA scan: correctness checks, GPU tests, a sweep of the kernel's build variants,
# benchmarks with the fastest one. Needs the bundle of scripts/device-bundle.sh (.device/). Logs go to $OUT: run.log
# (everything), bench.jsonl (one JSON report per line), variant.txt (the variant the benchmarks used).
# Usage: bash scripts/device-cuda-run.sh [all|check|tests|sweep|bench]...   (default: all, in that order)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-steps.sh
what=${*:-all}
has() { case " $what " in *" all "*|*" $1 "*) return 0 ;; esac; return 1; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; nproc; } 2>&1 | tee -a "$log"
if has check; then
  step check 150 bash scripts/device-run.sh runtime --check cuda --refvec .device/refvec
  if [ $rc -ne 0 ]; then
    # The default build variant failed: check the shared-memory variant (the first design) and benchmark with it if it passes.
    export MAMBAIR_CUDA_SCAN_VARIANT=smem-u1
    step check-smem-u1 120 bash scripts/device-run.sh runtime --check cuda
  fi
  grep -E "^check|CUDA kernels|scan on CUDA|scan-f" "$log" | tail -30
fi
if has tests; then
  step tests 150 bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda -verbose
  grep -E "\[FAIL\]|Total:" "$log" | tail -12
fi
if has sweep; then
  v=global-u1,global-u2,smem-u1
  bench sweep-classic-b4 60 bench scan --device cuda --shape classic-b4 --no-reference --json --repeat 20 --warmup 3 --variants $v
  bench sweep-classic-256 60 bench scan --device cuda --shape classic --size 256x256 --no-reference --json --repeat 10 --warmup 2 --variants $v
  bench sweep-light-256 90 bench scan --device cuda --shape light --size 256x256 --no-reference --json --repeat 10 --warmup 2 --variants $v --segments 22,48
  python3 - "$json" "$OUT/variant.txt" <<'PY' | tee -a "$log"
import json, sys, collections
best = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r["name"].startswith("sweep-"): continue
    for s in r["report"]:
        for m in s["Kernel"]:
            lab = m["Backend"]; var = lab[lab.index("[") + 1:-1].split(",")[0] if "[" in lab else "default"
            t = m["ForwardBackwardMs"] or m["ForwardMs"]
            print(f"{r['name']:20s} {lab:28s} fwd {m['ForwardMs']:.3f} ms  fwd+bwd {t:.3f} ms")
            best[r["name"]][var] = min(best[r["name"]].get(var, 1e9), t)
variants = set.intersection(*[set(d) for d in best.values()]) if best else set()
score = {v: sum(d[v] / min(d.values()) for d in best.values()) for v in variants}
choice = min(score, key=score.get) if score else "global-u2"
print("variant scores (sum of time / best time over the sweep shapes):", {k: round(x, 3) for k, x in sorted(score.items())}, "->", choice)
open(sys.argv[2], "w").write(choice + "\n")
PY
  [ -s "$OUT/variant.txt" ] && export MAMBAIR_CUDA_SCAN_VARIANT=$(cat "$OUT/variant.txt")
fi
if has bench; then
  bench scan-classic-b4 60 bench scan --device cuda --shape classic-b4 --no-reference --json --repeat 20 --warmup 3
  for p in light-x2 classic-x2; do for s in 64 128 256 512; do
    bench "model-$p-$s" 90 bench model --device cuda --preset $p --size ${s}x$s --json --repeat 5 --warmup 2
  done; done
  bench train-light-x2-b16 90 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 2
  bench train-classic-x2-b4 90 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 2
  python3 scripts/device-summary.py "$json" | tee -a "$log"
fi
echo "done in ${SECONDS}s"
