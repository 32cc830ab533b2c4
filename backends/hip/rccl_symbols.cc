#include "backends/hip/rccl_symbols.h"

namespace gpuhal::hip {

std::vector<std::string_view> UnsetRcclSymbols(const RcclSymbols& symbols) {
  std::vector<std::string_view> unset;
#define GPUHAL_RCCL_SYMBOL(name) \
  if (symbols.name == nullptr) unset.push_back(#name);
#include "backends/hip/rccl_symbols.inc"
  return unset;
}

}  // namespace gpuhal::hip
