#!/usr/bin/env bash
# Packs what a GPU machine without .NET needs into .device/ (git-ignored), as xz archives that scripts/device-run.sh and
# scripts/device-test.sh unpack on first use:
#   dotnet.tar.xz  the .NET runtime, less what no MambaIR.NET command loads (debugger and alternative-GC libraries,
#                  data, HTTP and VB assemblies, and XML unless the tests travel: 25 → ~18 MB, so that the training photographs fit the 64 MiB a
#                  device call carries; check with `bash scripts/device-bundle.sh --check` here, which runs the CLI and
#                  xunit's runner over the CUDA tests on the trimmed runtime);
#   cli.tar.xz     a framework-dependent Release build of the CLI without libtorch's CPU libraries, which the
#                  machine's PyTorch replaces (MAMBAIR_LIBTORCH=.../site-packages/torch/lib);
#   tests.tar.xz   the test assembly with xunit's console runner (no SDK needed there), unless --no-tests; its folder also
#                  holds the CLI (the tests reference it), which device-run.sh uses when cli.tar.xz is left out (--no-cli);
#   refvec/        the MambaIR reference vectors of ../shared/refvec (../shared does not travel), unless --no-refvec;
#   data/          with --data: ../shared/train/BSDS400 and the Set5 HR images (training and validation); with --set5:
#                  Set5 ×2 HR and MATLAB-bicubic LR (evaluation on the GPU, scripts/device-session.sh 2);
#   clibase.tar.xz with --base=COMMIT: that commit's CLI, built as cli.tar.xz is (folder clibase/), and this machine's
#                  libjemalloc.so.2 where it has one: the two builds scripts/device-cpu-ab.sh compares on the host's CPU.
# Usage: bash scripts/device-bundle.sh [--data | --data-images=N (the first N photographs only)] [--set5] [--no-tests] [--no-cli] [--no-refvec] [--base=COMMIT] [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
data=0 images=0 set5=0 tests=1 cli=1 refvec=1 check=0 base=""
for a in "$@"; do case $a in --data) data=1 ;; --data-images=*) data=1 images=${a#*=} ;; --set5) set5=1 ;; --no-tests) tests=0 ;; --no-cli) cli=0 ;; --no-refvec) refvec=0 ;; --base=*) base=${a#*=} ;; --check) check=1 ;; *) echo "unknown option $a" >&2; exit 2 ;; esac; done
[ $cli = 0 ] && { [ $tests = 0 ] || [ $check = 1 ]; } && { echo "--no-cli needs the tests (their folder holds the CLI) and no --check" >&2; exit 2; }
out=.device
rm -rf "$out"; mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

strip_natives() { # libtorch CPU binaries (hundreds of MB), natives of other platforms, ONNX Runtime (text recognition runs on the CPU machine)
  local d=$1
  find "$d" \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' -o -name 'libshm*' -o -name 'libaoti*' -o -name 'libbackend_with_compiler*' \
       -o -name 'libjitbackend*' -o -name 'libnnapi*' -o -name 'libonnxruntime*' \) -delete
  find "$d" -path '*runtimes*' \( -name '*.dll' -o -name '*.dylib' \) -delete
  rm -rf "$d"/runtimes/{win*,osx*,linux-arm*,linux-musl*} 2>/dev/null || true
}

# pack_cli TREE NAME: a framework-dependent Release build of TREE's CLI into $out/NAME.tar.xz (folder NAME/).
pack_cli() {
  dotnet publish "$1/src/MambaIR.Cli" -c Release -r linux-x64 --self-contained false -o "$stage/$2" -v q -nologo >/dev/null
  strip_natives "$stage/$2"
  rm -f "$stage/$2"/*.xml "$stage/$2"/*.pdb
  rm -rf "$stage/$2/models" # the bundled models travel in the working tree (assets/models); device-env.sh links them
  XZ_OPT=-9e tar -C "$stage" -cJf "$out/$2.tar.xz" "$2"
}

[ $cli = 1 ] && pack_cli . cli
if [ -n "$base" ]; then
  git worktree add -q --detach "$stage/base" "$base"
  pack_cli "$stage/base" clibase
  git worktree remove --force "$stage/base"
  jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  [ -f $jemalloc ] && cp $jemalloc "$out/"
fi

# The runtime, trimmed (see the header).
mkdir -p "$stage/dotnet"
cp -a /usr/share/dotnet/dotnet /usr/share/dotnet/host "$stage/dotnet/"
mkdir -p "$stage/dotnet/shared"; cp -a /usr/share/dotnet/shared/Microsoft.NETCore.App "$stage/dotnet/shared/"
fw=$(ls -d "$stage"/dotnet/shared/Microsoft.NETCore.App/*)
rm -f "$fw"/{libmscordaccore.so,libmscordbi.so,libclrgc.so,libclrgcexp.so,libcoreclrtraceptprovider.so,createdump}
# xunit's console runner loads System.Private.Xml(.Linq) at start: they stay when the tests travel.
[ $tests = 0 ] && rm -f "$fw"/System.Private.Xml.dll "$fw"/System.Private.Xml.Linq.dll
rm -f "$fw"/System.Data.Common.dll "$fw"/Microsoft.VisualBasic.Core.dll \
      "$fw"/System.Private.DataContractSerialization.dll "$fw"/System.Net.Http.dll "$fw"/System.Net.Security.dll "$fw"/System.Net.Quic.dll \
      "$fw"/System.Net.Mail.dll "$fw"/System.Net.HttpListener.dll "$fw"/System.Net.WebSockets*.dll "$fw"/System.Linq.AsyncEnumerable.dll
XZ_OPT=-9e tar -C "$stage" -cJf "$out/dotnet.tar.xz" dotnet

if [ $tests = 1 ]; then
  # Tests: the build output without libtorch's CPU binaries and other platforms' natives, plus xunit's console runner.
  dotnet build tests/MambaIR.Tests -c Release -v q -nologo >/dev/null
  src=tests/MambaIR.Tests/bin/Release/net10.0
  mkdir -p "$stage/tests/runtimes/linux-x64/native"
  find "$src" -maxdepth 1 -type f -exec cp {} "$stage/tests/" \;
  rm -f "$stage"/tests/*.pdb "$stage"/tests/*.xml
  cp "$src/runtimes/linux-x64/native/"*.so* "$stage/tests/runtimes/linux-x64/native/"
  strip_natives "$stage/tests"
  runner=$(ls -d ~/.nuget/packages/xunit.runner.console/*/tools/netcoreapp2.0 2>/dev/null | tail -1 || true)
  if [ -z "$runner" ]; then
    tmp=$(mktemp -d)
    printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup><ItemGroup><PackageReference Include="xunit.runner.console" Version="2.4.1" /></ItemGroup></Project>' > "$tmp/r.csproj"
    dotnet restore "$tmp/r.csproj" -v q >/dev/null
    rm -rf "$tmp"
    runner=$(ls -d ~/.nuget/packages/xunit.runner.console/*/tools/netcoreapp2.0 | tail -1)
  fi
  cp -n "$runner"/* "$stage/tests/"
  tar -C "$stage" -cJf "$out/tests.tar.xz" tests
fi

if [ $refvec = 1 ] && [ -d ../shared/refvec ]; then
  mkdir -p "$out/refvec"
  for j in ../shared/refvec/*.json; do
    n=$(basename "$j" .json)
    grep -q '"arch": "MambaIR"' "$j" && cp "$j" "../shared/refvec/$n.pth" "../shared/refvec/$n.io.safetensors" "$out/refvec/"
  done
fi

if [ $data = 1 ]; then
  mkdir -p "$out/data"
  if [ "$images" -gt 0 ]; then mkdir -p "$out/data/BSDS400"; ls ../shared/train/BSDS400 | sort | head -n "$images" | while read -r f; do cp "../shared/train/BSDS400/$f" "$out/data/BSDS400/"; done
  else cp -r ../shared/train/BSDS400 "$out/data/BSDS400"; fi
  for x in 2 4; do mkdir -p "$out/data/Set5/HR"; cp -r ../shared/benchmarks/Set5/HR/x$x "$out/data/Set5/HR/"; done   # validation (Set14 is evaluated on the CPU machine)
fi

if [ $set5 = 1 ]; then
  for d in HR LRBI; do mkdir -p "$out/data/Set5/$d"; cp -r ../shared/benchmarks/Set5/$d/x2 "$out/data/Set5/$d/"; done
fi

if [ $check = 1 ]; then
  # The trimmed runtime runs the CLI's commands that the GPU runs use (here on the CPU).
  rt=$(mktemp -d); tar -C "$rt" -xJf "$out/dotnet.tar.xz"; tar -C "$stage" -xJf "$out/cli.tar.xz"
  # The bundle has no CPU libtorch (the GPU machine's PyTorch provides one): use the NuGet cache's here.
  lt=$(ls -d ~/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | tail -1)
  MAMBAIR_LIBTORCH=${MAMBAIR_LIBTORCH:-$lt} DOTNET_ROOT=$rt/dotnet "$rt/dotnet/dotnet" "$stage/cli/MambaIR.Cli.dll" runtime >/dev/null && echo "trimmed runtime: runtime OK"
  if [ $tests = 1 ]; then
    # xunit's console runner on the trimmed runtime, as device-test.sh starts it (the GPU tests skip here, without CUDA).
    tar -C "$stage" -xJf "$out/tests.tar.xz"
    MAMBAIR_LIBTORCH=${MAMBAIR_LIBTORCH:-$lt} DOTNET_ROOT=$rt/dotnet DOTNET_ROLL_FORWARD=Major "$rt/dotnet/dotnet" "$stage/tests/xunit.console.dll" "$stage/tests/MambaIR.Tests.dll" \
      -noshadow -nocolor -namespace MambaIR.Tests.Cuda | grep -E "Total:" && echo "trimmed runtime: test runner OK"
  fi
  rm -rf "$rt"
fi
du -sh "$out"/* "$out"
# What travels to the device: this bundle plus the tracked working tree, 64 MiB in all.
echo "with the tracked tree: $(( ($(du -cb "$out"/* | tail -1 | cut -f1) + $(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)) / 1048576 )) MiB of 64"
