#!/usr/bin/env bash
# Installs the Debian packages gpuhal builds and tests with, only those missing.
# The CUDA toolkit (headers, NCCL header) is expected at /usr/local/cuda; vendor
# libraries are never linked, so no GPU driver is needed to build or test.
set -euo pipefail

packages=(cmake ninja-build g++ clang libclang-rt-14-dev python3
          libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
          libflatbuffers-dev flatbuffers-compiler libamdhip64-dev)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
