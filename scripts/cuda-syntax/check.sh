#!/usr/bin/env bash
# Type-checks the CUDA C of the scan kernels with clang (no CUDA toolkit or GPU needed): the sources as the library
# concatenates them (CudaScanKernels.Source), in the configurations it compiles. NVRTC on the GPU machine stays the judge;
# this catches syntax and type errors on the development machine first. Needs clang (clang-14 or later).
set -euo pipefail
cd "$(dirname "$0")/../.."
cc=$(command -v clang || command -v clang-14 || true)
[ -n "$cc" ] || { echo "clang not found" >&2; exit 2; }
src=$(mktemp --suffix=.cu)
trap 'rm -f "$src"' EXIT
python3 - "$src" <<'PY'
import re, sys, textwrap
files = ["ScanKernelSource.cs", "LaneScanKernelSource.cs", "ChannelScanKernelSource.cs", "FourWayScanKernelSource.cs"]
out = []
for f in files:
    s = open("src/MambaIR/Ops/Cuda/" + f).read()
    out.append(textwrap.dedent(re.search(r'"""\n(.*?)\n\s*""";', s, re.S).group(1)))
open(sys.argv[1], "w").write("\n".join(out))
PY
check() { "$cc" -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -fsyntax-only -std=c++17 \
  -include scripts/cuda-syntax/stub.h "$@" "$src"; }
for n in 1 10 16 17; do
  check -DSCALAR_DOUBLE=1 -DNSTATE=$n -DITEMS=4 -DROWS_MAX=4
  for b in 32 64 128; do check -DSCALAR_DOUBLE=0 -DNSTATE=$n -DITEMS=8 -DROWS_MAX=4 -DCHAN=1 -DCHAN_BLOCK=$b -DCHAN_WINDOW=64; done
  check -DSCALAR_DOUBLE=0 -DNSTATE=$n -DITEMS=8 -DROWS_MAX=4 -DSPT=2 -DLPC=8 -DLWIN=64
done
echo "CUDA sources type-check"
