#!/usr/bin/env bash
# Issue 11's same-run CPU comparison on the GPU machine's host (16 quiet cores; both builds pinned to cores 0 and 1):
# `mambair bench model --device cpu --threads 2` of two builds alternating run by run (scripts/bench-alternate.sh), for
# classic ×2 and light ×2 at 64×64. A = .device/clibase.tar.xz (the earlier commit's CLI), B = .device/cli.tar.xz, run as
# ./mambair runs it (jemalloc preloaded when .device/libjemalloc.so.2 travels: the host has none). Bundle first with
# `bash scripts/device-bundle.sh --no-tests --no-refvec --base=COMMIT` (issue 11's start: 72d8b9a) and carry .device.
# Usage: bash scripts/device-cpu-ab.sh [PAIRS]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
pairs=${1:-6}
[ -d "$DEVICE_UNPACKED/clibase" ] || tar -C "$DEVICE_UNPACKED" -xJf .device/clibase.tar.xz
w=$(mktemp -d)
printf '#!/usr/bin/env bash\nexec taskset -c 0,1 "%s" "%s" "$@"\n' "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/clibase/MambaIR.Cli.dll" > "$w/a"
pre=""; [ -f .device/libjemalloc.so.2 ] && pre="LD_PRELOAD=$PWD/.device/libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1"
printf '#!/usr/bin/env bash\nexec env %s taskset -c 0,1 "%s" "%s" "$@"\n' "$pre" "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/cli/MambaIR.Cli.dll" > "$w/b"
chmod +x "$w/a" "$w/b"
{ date -u; lscpu | grep -E "Model name|^CPU\(s\)|L2 cache"; uptime; } | tee "$OUT/cpu-ab.log"
for p in classic-x2 light-x2; do
  echo "== $p 64x64, A = clibase, B = cli" | tee -a "$OUT/cpu-ab.log"
  bash scripts/bench-alternate.sh "$w/a" "$w/b" "$pairs" -- --device cpu --threads 2 --preset $p --size 64x64 --repeat 5 --warmup 1 2>&1 | tee -a "$OUT/cpu-ab.log"
done
