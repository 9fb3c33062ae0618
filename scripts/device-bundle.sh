#!/usr/bin/env bash
# Packs what a GPU machine without .NET needs into .device/ (git-ignored): a copy of the .NET runtime, a
# framework-dependent Release build of the CLI without libtorch's own CPU libraries, which the
# machine's PyTorch replaces (MAMBAIR_LIBTORCH=.../site-packages/torch/lib), the test assembly with xunit's console
# runner (no SDK needed there), and the reference vectors of ../shared/refvec (which does not travel).
# On the GPU machine: bash scripts/device-run.sh runtime --check cuda --refvec .device/refvec
#                     bash scripts/device-test.sh [xunit.console arguments, e.g. -trait Category=Cuda]
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

# Tests: the build output without libtorch's CPU binaries and other platforms' natives, plus xunit's console runner.
dotnet build tests/MambaIR.Tests -c Release -v q -nologo >/dev/null
src=tests/MambaIR.Tests/bin/Release/net10.0
mkdir -p "$out/tests/runtimes/linux-x64/native"
find "$src" -maxdepth 1 -type f -exec cp {} "$out/tests/" \;
cp "$src/runtimes/linux-x64/native/libLibTorchSharp.so" "$out/tests/runtimes/linux-x64/native/"
runner=$(ls -d ~/.nuget/packages/xunit.runner.console/*/tools/netcoreapp2.0 2>/dev/null | tail -1 || true)
if [ -z "$runner" ]; then
  tmp=$(mktemp -d)
  printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup><ItemGroup><PackageReference Include="xunit.runner.console" Version="2.4.1" /></ItemGroup></Project>' > "$tmp/r.csproj"
  dotnet restore "$tmp/r.csproj" -v q >/dev/null
  rm -rf "$tmp"
  runner=$(ls -d ~/.nuget/packages/xunit.runner.console/*/tools/netcoreapp2.0 | tail -1)
fi
cp -n "$runner"/* "$out/tests/"

# Reference vectors (MambaIR ones: json, weights, tensors).
if [ -d ../shared/refvec ]; then
  mkdir -p "$out/refvec"
  for j in ../shared/refvec/*.json; do
    n=$(basename "$j" .json)
    grep -q '"arch": "MambaIR"' "$j" && cp "$j" "../shared/refvec/$n.pth" "../shared/refvec/$n.io.safetensors" "$out/refvec/"
  done
fi
du -sh "$out"/* "$out"
