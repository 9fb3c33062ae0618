#!/usr/bin/env bash
# One GPU-machine call for the fused CUDA scan: correctness checks, benchmarks, GPU tests. Needs the bundle of
# scripts/device-bundle.sh (.device/). Logs go to $OUT: run.log (everything), bench.jsonl (one JSON report per line).
# Usage: bash scripts/device-cuda-run.sh [all|check|bench|tests]...   (default: all, in that order)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/mambair-out}
mkdir -p "$OUT"
export MAMBAIR_CUDA_CACHE=${MAMBAIR_CUDA_CACHE:-/tmp/mambair-cuda-cache}
budget=${BUDGET_S:-570}
log=$OUT/run.log
json=$OUT/bench.jsonl
R() { bash scripts/device-run.sh "$@"; }
left() { echo $(( budget - SECONDS )); }
step() { # name timeout command...: runs with a time limit, logs, never stops the script
  local name=$1 t=$2; shift 2
  [ "$t" -gt "$(left)" ] && t=$(left)
  if [ "$t" -le 5 ]; then echo "=== $name: skipped (no time left)" | tee -a "$log"; return; fi
  echo "=== $name (limit ${t}s, $(date -u +%T))" >> "$log"
  local t0=$SECONDS
  timeout "$t" "$@" >> "$log" 2>&1; local rc=$?
  echo "=== $name: rc=$rc in $((SECONDS - t0))s" | tee -a "$log"
}
bench() { # name timeout args...: a bench command whose stdout is one JSON report
  local name=$1 t=$2; shift 2
  [ "$t" -gt "$(left)" ] && t=$(left)
  if [ "$t" -le 5 ]; then echo "=== $name: skipped (no time left)" | tee -a "$log"; return; fi
  local t0=$SECONDS
  timeout "$t" bash scripts/device-run.sh "$@" > "$OUT/tmp.json" 2>> "$log"; local rc=$?
  if [ $rc -eq 0 ]; then python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "report": json.load(open(sys.argv[2]))}))' "$name" "$OUT/tmp.json" >> "$json"
  else cat "$OUT/tmp.json" >> "$log"; fi
  echo "=== $name: rc=$rc in $((SECONDS - t0))s" | tee -a "$log"
  rm -f "$OUT/tmp.json"
}
what=${*:-all}
{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; nproc; } 2>&1 | tee -a "$log"
case " $what " in *" all "*|*" check "*)
  step check 200 bash scripts/device-run.sh runtime --check cuda --refvec .device/refvec
  grep -E "^check|CUDA kernels|scan on CUDA|scan-f" "$log" | tail -40 ;;
esac
case " $what " in *" all "*|*" bench "*)
  bench scan-classic-b4 60 bench scan --device cuda --shape classic-b4 --no-reference --json --repeat 20 --warmup 3
  bench scan-classic-b1 40 bench scan --device cuda --shape classic --no-reference --json --repeat 20 --warmup 3
  bench scan-light-b1 40 bench scan --device cuda --shape light --no-reference --json --repeat 20 --warmup 3
  # Segments per row for the scan at one image (few rows, long sequences): automatic vs forced counts.
  for seg in auto 1 4 11 32; do
    [ $seg = auto ] && unset MAMBAIR_CUDA_SCAN_SEGMENTS || export MAMBAIR_CUDA_SCAN_SEGMENTS=$seg
    bench "scan-light-256-seg$seg" 40 bench scan --device cuda --shape light --size 256x256 --no-reference --json --repeat 10 --warmup 2
  done
  for seg in auto 1 2 6; do
    [ $seg = auto ] && unset MAMBAIR_CUDA_SCAN_SEGMENTS || export MAMBAIR_CUDA_SCAN_SEGMENTS=$seg
    bench "scan-classic-256-seg$seg" 40 bench scan --device cuda --shape classic --size 256x256 --no-reference --json --repeat 10 --warmup 2
  done
  unset MAMBAIR_CUDA_SCAN_SEGMENTS
  for p in light-x2 classic-x2; do for s in 64 128 256 512; do
    bench "model-$p-$s" 90 bench model --device cuda --preset $p --size ${s}x$s --json --repeat 5 --warmup 2
  done; done
  bench train-light-x2-b16 90 bench train --device cuda --preset light-x2 --batch 16 --patch 64 --json --repeat 5 --warmup 2
  bench train-classic-x2-b4 90 bench train --device cuda --preset classic-x2 --batch 4 --patch 64 --json --repeat 5 --warmup 2
  python3 - "$json" <<'PY' | tee -a "$log"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line); n, x = r["name"], r["report"]
    if isinstance(x, list):
        for s in x:
            for m in s["Kernel"]:
                print(f"{n:24s} {m['Backend']:8s} fwd {m['ForwardMs']:.3f} ms  fwd+bwd {m['ForwardBackwardMs'] or 0:.3f} ms  peak {m.get('PeakDeviceMemoryMb') or 0:.0f} MB")
    elif "Height" in x:
        print(f"{n:24s} {x['Backend']:8s} median {x['MedianMs']:.1f} ms (min {x['MinMs']:.1f})  scan {x['ScanMsPerImage']:.1f} ms/{x['ScanCallsPerImage']} calls  peak {x.get('PeakDeviceMemoryMb') or 0:.0f} MB")
    else:
        print(f"{n:24s} {x['Backend']:8s} step median {x['MedianMs']:.1f} ms (min {x['MinMs']:.1f})  peak {x.get('PeakDeviceMemoryMb') or 0:.0f} MB")
PY
  ;;
esac
case " $what " in *" all "*|*" tests "*)
  step tests 240 bash scripts/device-test.sh -namespace MambaIR.Tests.Cuda -verbose
  grep -E "\[FAIL\]|Total:|Error Message|relative error|beyond" "$log" | tail -40 ;;
esac
echo "done in ${SECONDS}s"
