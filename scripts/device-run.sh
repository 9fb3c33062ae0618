#!/usr/bin/env bash
# Runs the bundled CLI on the GPU machine against its PyTorch's CUDA libtorch (see device-bundle.sh).
# Usage: bash scripts/device-run.sh ARGS...   (the arguments of `mambair`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
# The published CLI, or the one in the tests' folder when the bundle left cli.tar.xz out (--no-cli).
cli=$DEVICE_UNPACKED/cli/MambaIR.Cli.dll
[ -f "$cli" ] || cli=$DEVICE_UNPACKED/tests/MambaIR.Cli.dll
exec "$DOTNET_ROOT/dotnet" "$cli" "$@"
