# Sourced by the device-*.sh scripts: unpacks the bundle of device-bundle.sh once (into .device/, beside the archives) and sets
# DOTNET_ROOT, MAMBAIR_LIBTORCH (the machine's PyTorch CUDA libtorch) and DEVICE_UNPACKED.
export DEVICE_UNPACKED=${DEVICE_UNPACKED:-$PWD/.device}
mkdir -p "$DEVICE_UNPACKED"
(
  flock 9
  for part in dotnet cli tests; do
    if [ -f .device/$part.tar.xz ] && [ ! -d "$DEVICE_UNPACKED/$part" ]; then tar -C "$DEVICE_UNPACKED" -xJf .device/$part.tar.xz; fi
  done
  # The bundled models are not in the archive (the working tree carries them): the CLI finds them in models/ beside it.
  for d in cli tests; do
    if [ -d "$DEVICE_UNPACKED/$d" ] && [ ! -e "$DEVICE_UNPACKED/$d/models" ]; then ln -s "$PWD/assets/models" "$DEVICE_UNPACKED/$d/models"; fi
  done
) 9>"$DEVICE_UNPACKED/.lock"
export DOTNET_ROOT=$DEVICE_UNPACKED/dotnet DOTNET_ROLL_FORWARD=Major
export MAMBAIR_LIBTORCH=${MAMBAIR_LIBTORCH:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
# Where a device script leaves its results (the device tool's $OUT comes back), the kernel cache, and the bundled CLI.
export OUT=${OUT:-/tmp/mambair-out}; mkdir -p "$OUT"
export MAMBAIR_CUDA_CACHE=${MAMBAIR_CUDA_CACHE:-/tmp/mambair-cuda-cache}
cli() { "$DOTNET_ROOT/dotnet" "$DEVICE_UNPACKED/cli/MambaIR.Cli.dll" "$@"; }
