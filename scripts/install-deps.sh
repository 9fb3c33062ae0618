#!/usr/bin/env bash
# Installs what the build and tests need beyond the .NET SDK. Idempotent; safe to run often.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet restore MambaIR.NET.slnx
