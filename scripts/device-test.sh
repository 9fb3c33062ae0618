#!/usr/bin/env bash
# Runs the test assembly bundled by device-bundle.sh on the GPU machine with xunit's console runner, against the
# machine's PyTorch CUDA libtorch. Usage: bash scripts/device-test.sh [xunit.console arguments, e.g. -trait Category=Cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
export MAMBAIR_REFVEC_DIR=${MAMBAIR_REFVEC_DIR:-$PWD/.device/refvec}
# The runner's folder is the test folder, so the tests find the repository (and the bridge) from there.
exec "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/tests/xunit.console.dll" "$DEVICE_UNPACKED/tests/MambaIR.Tests.dll" -noshadow -nocolor "$@"
