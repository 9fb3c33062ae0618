#!/usr/bin/env bash
# Alternating A/B runs of `mambair bench model --json` for two builds on a shared machine (load varies between runs, so
# each pair runs back to back and the ratio is taken per pair): prints each run, the medians of A and B, and the median
# over the pairs of A/B (the speed-up of B). Usage: scripts/bench-alternate.sh CLI_A CLI_B PAIRS -- bench-model-args...
# A key one of the builds does not report (an older build without CPU times) is left out of the summary.
# e.g. scripts/bench-alternate.sh /tmp/main/.../MambaIR.Cli src/MambaIR.Cli/bin/Release/net10.0/MambaIR.Cli 5 -- --preset light-x2 --size 64x64 --threads 2
set -euo pipefail
a=$1; b=$2; pairs=$3; shift 3; [ "${1:-}" = "--" ] && shift
out=$(mktemp -d)
for i in $(seq 1 "$pairs"); do
  for side in A B; do
    cli=$a; [ $side = B ] && cli=$b
    "$cli" bench model --json "$@" > "$out/$side.$i.json"
    python3 - "$out/$side.$i.json" "$side" "$i" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); kb = r.get("PeakBytesPerInputPixel")
cpu = f", user {r['UserCpuMsPerImage']:.0f} ms, sys {r['SystemCpuMsPerImage']:.0f} ms" if "UserCpuMsPerImage" in r else ""
print(f"{sys.argv[2]}{sys.argv[3]} load {sys.argv[4]}: median {r['MedianMs']:.1f} ms (min {r['MinMs']:.1f}){cpu}"
      + (f", peak {kb/1024:.2f} KiB/pixel" if kb is not None else ""), flush=True)
PY
  done
done
python3 - "$out" "$pairs" <<'PY'
import json, sys, statistics as st
d, n = sys.argv[1], int(sys.argv[2])
load = lambda s, i: json.load(open(f"{d}/{s}.{i}.json"))
A = [load("A", i) for i in range(1, n + 1)]; B = [load("B", i) for i in range(1, n + 1)]
med = lambda xs: st.median(xs)
for key in ("MedianMs", "MinMs", "UserCpuMsPerImage", "SystemCpuMsPerImage"):
    if not all(key in r for r in A + B): continue   # a build from before bench model reported CPU time
    a = [r[key] for r in A]; b = [r[key] for r in B]
    print(f"{key}: A median {med(a):.1f}, B median {med(b):.1f}, A/B per pair median {med([x / y for x, y in zip(a, b)]):.2f}, ratio of medians {med(a) / med(b):.2f}")
for s, R in (("A", A), ("B", B)):
    kb = [r["PeakBytesPerInputPixel"] for r in R if r.get("PeakBytesPerInputPixel") is not None]
    if kb and all("UserCpuMsPerImage" in r for r in R): print(f"{s}: peak above rest per input pixel, median {med(kb)/1024:.2f} KiB; system/user median {med([r['SystemCpuMsPerImage']/r['UserCpuMsPerImage'] for r in R]):.3f}")
PY
