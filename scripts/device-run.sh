#!/usr/bin/env bash
# Runs the bundled CLI on the GPU machine against its PyTorch's CUDA libtorch (see device-bundle.sh).
# Usage: bash scripts/device-run.sh ARGS...   (the arguments of `mambair`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/device-env.sh
exec "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/cli/MambaIR.Cli.dll" "$@"
