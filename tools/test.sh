#!/usr/bin/env bash
# Builds and runs the whole test suite under one CMake preset (default: "default";
# also "asan" or "tsan"), after installing any missing Debian packages. Under the
# default preset it also installs gpuhal and builds two applications against the package
# (tools/consumer, and examples/pipeline with its own tests).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
bash tools/install_deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"

if [ "$preset" = default ]; then
  prefix="$PWD/build/default/install-check"
  rm -rf "$prefix" build/consumer
  cmake --install build/default --prefix "$prefix" >/dev/null
  # The package installs the public headers and nothing else under include/.
  internal="$(find "$prefix/include" -type f ! -path "$prefix/include/gpuhal/*" | head -n 5)"
  if [ -n "$internal" ]; then
    echo "the installed package holds headers outside include/gpuhal: $internal" >&2
    exit 1
  fi
  cmake -S tools/consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build build/consumer >/dev/null
  ./build/consumer/gpuhal_consumer
  # An application outside gpuhal: its kernels built by gpuhal_add_kernels, its own tests
  # run on the simulated GPU.
  rm -rf build/pipeline
  cmake -S examples/pipeline -B build/pipeline -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build build/pipeline >/dev/null
  ctest --test-dir build/pipeline --output-on-failure
fi
