#include "backends/cuda/nccl_symbols.h"

namespace gpuhal::cuda {

std::vector<std::string_view> UnsetNcclSymbols(const NcclSymbols& symbols) {
  std::vector<std::string_view> unset;
#define GPUHAL_NCCL_SYMBOL(name) \
  if (symbols.name == nullptr) unset.push_back(#name);
#include "backends/cuda/nccl_symbols.inc"
  return unset;
}

}  // namespace gpuhal::cuda
