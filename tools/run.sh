#!/usr/bin/env bash
# The main job: install what is missing, build, and run gpuhal on the default device
# (the first GPU, or the simulated GPU when there is none): list the drivers and devices,
# then run the demo pipeline. GPUHAL_DEVICE picks another device.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target gpuhal-info gpuhal-demo
./build/default/tools/gpuhal-info/gpuhal-info
./build/default/tools/gpuhal-demo/gpuhal-demo
