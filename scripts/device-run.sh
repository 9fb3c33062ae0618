#!/usr/bin/env bash
# Runs a bundled program on the GPU machine against its PyTorch's CUDA libtorch (see device-bundle.sh).
# Usage: bash scripts/device-run.sh ARGS...   (the arguments of `mambair`)
set -euo pipefail
cd "$(dirname "$0")/.."
rt=/tmp/dotnet
if [ ! -x "$rt/dotnet" ]; then mkdir -p "$rt"; tar -C "$rt" -xJf .device/dotnet.tar.xz; fi
torchlib=${MAMBAIR_LIBTORCH:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
export MAMBAIR_LIBTORCH="$torchlib" DOTNET_ROOT="$rt"   # no LD_LIBRARY_PATH needed: the loader preloads by full path
exec "$rt/dotnet" .device/cli/MambaIR.Cli.dll "$@"
