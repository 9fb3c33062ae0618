#!/usr/bin/env bash
# Runs the test assembly bundled by device-bundle.sh on the GPU machine with xunit's console runner, against the
# machine's PyTorch CUDA libtorch. Usage: bash scripts/device-test.sh [xunit.console arguments, e.g. -trait Category=Cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
rt=/tmp/dotnet
if [ ! -x "$rt/dotnet" ]; then mkdir -p "$rt"; tar -C "$rt" -xJf .device/dotnet.tar.xz; fi
torchlib=${MAMBAIR_LIBTORCH:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
export MAMBAIR_LIBTORCH="$torchlib" DOTNET_ROOT="$rt" DOTNET_ROLL_FORWARD=Major
export MAMBAIR_REFVEC_DIR=${MAMBAIR_REFVEC_DIR:-$PWD/.device/refvec}
# The runner's folder is the test folder, so the tests find the repository (and the bridge) from there.
exec "$rt/dotnet" .device/tests/xunit.console.dll .device/tests/MambaIR.Tests.dll -noshadow -nocolor "$@"
