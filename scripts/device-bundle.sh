#!/usr/bin/env bash
# Packs what a GPU machine without .NET needs into .device/ (git-ignored): a copy of the .NET runtime and a
# framework-dependent Release build of the CLI without libtorch's own CPU libraries, which the
# machine's PyTorch replaces (MAMBAIR_LIBTORCH=.../site-packages/torch/lib).
# On the GPU machine: bash scripts/device-run.sh runtime --check cuda
set -euo pipefail
cd "$(dirname "$0")/.."
out=.device
rm -rf "$out"; mkdir -p "$out"
dotnet publish src/MambaIR.Cli -c Release -r linux-x64 --self-contained false -o "$out/cli" -v q -nologo >/dev/null
for d in "$out"/cli; do
  [ -d "$d" ] || continue
  # Drop libtorch CPU binaries (hundreds of MB) and natives of other platforms; keep TorchSharp's bridge.
  find "$d" -path '*runtimes*' \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' -o -name 'libshm*' -o -name 'libaoti*' \
       -o -name 'libbackend_with_compiler*' -o -name 'libjitbackend*' -o -name 'libnnapi*' -o -name '*.dll' -o -name '*.dylib' \) -delete
  rm -rf "$d"/runtimes/{win*,osx*,linux-arm*,linux-musl*} 2>/dev/null || true
  find "$d" -maxdepth 1 \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' -o -name 'libshm*' -o -name 'libaoti*' -o -name 'libbackend_with*' -o -name 'libjitbackend*' -o -name 'libnnapi*' \) -delete
  # ONNX Runtime and Skia serve text recognition and rendering, which the GPU runs do not need (keeps the bundle small).
  rm -f "$d"/libonnxruntime*.so "$d"/libSkiaSharp.so
done
tar -C /usr/share/dotnet -cJf "$out/dotnet.tar.xz" dotnet host shared/Microsoft.NETCore.App
du -sh "$out"/* 
