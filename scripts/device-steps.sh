# Helpers for one GPU-machine call (sourced by device-cuda-run.sh and device-session.sh): time-limited steps that never
# stop the script, and bench commands whose JSON report goes to $json. Sourced from the repository root; sets what a call
# needs unless the caller did: OUT (the folder that comes back), the kernel cache, budget (BUDGET_S seconds), log, json.
OUT=${OUT:-/tmp/mambair-out}
mkdir -p "$OUT"
export MAMBAIR_CUDA_CACHE=${MAMBAIR_CUDA_CACHE:-/tmp/mambair-cuda-cache}
budget=${BUDGET_S:-570}
log=$OUT/run.log
json=$OUT/bench.jsonl
left() { echo $(( budget - SECONDS )); }
step() { # name timeout command...: runs with a time limit, logs, never stops the script; sets $rc
  local name=$1 t=$2; shift 2
  [ "$t" -gt "$(left)" ] && t=$(left)
  if [ "$t" -le 5 ]; then echo "=== $name: skipped (no time left)" | tee -a "$log"; rc=124; return; fi
  echo "=== $name (limit ${t}s, $(date -u +%T))" >> "$log"
  local t0=$SECONDS
  timeout "$t" "$@" >> "$log" 2>&1; rc=$?
  echo "=== $name: rc=$rc in $((SECONDS - t0))s" | tee -a "$log"
}
variant_label() { # the build variant and the kernel switches set for this command
  echo "${MAMBAIR_CUDA_SCAN_VARIANT:-default}${MAMBAIR_CUDA_FOURWAY:+ fourway=$MAMBAIR_CUDA_FOURWAY}${MAMBAIR_CUDA_CHAN_BLOCK:+ block=$MAMBAIR_CUDA_CHAN_BLOCK}${MAMBAIR_CUDA_SCAN_ROWS:+ rows=$MAMBAIR_CUDA_SCAN_ROWS}"
}
bench() { # name timeout args...: a bench command whose stdout is one JSON report
  local name=$1 t=$2; shift 2
  [ "$t" -gt "$(left)" ] && t=$(left)
  if [ "$t" -le 5 ]; then echo "=== $name: skipped (no time left)" | tee -a "$log"; return; fi
  local t0=$SECONDS
  echo "=== $name (variant $(variant_label))" >> "$log"
  timeout "$t" ${BENCH_PREFIX:-} bash scripts/device-run.sh "$@" > "$OUT/tmp.json" 2>> "$log"; local rc=$?
  if [ $rc -eq 0 ]; then python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "variant": sys.argv[3], "report": json.load(open(sys.argv[2]))}))' "$name" "$OUT/tmp.json" "$(variant_label)" >> "$json"
  else cat "$OUT/tmp.json" >> "$log"; fi
  echo "=== $name: rc=$rc in $((SECONDS - t0))s" | tee -a "$log"
  rm -f "$OUT/tmp.json"
}
