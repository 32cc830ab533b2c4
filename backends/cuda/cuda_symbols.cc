#include "backends/cuda/cuda_symbols.h"

namespace gpuhal::cuda {
namespace {

// A name that is still a macro would expand differently in the member declaration and
// at each use; catch it here, where the fix (an #undef in cuda_symbols.h) is obvious.
#define GPUHAL_STRINGIZE_(x) #x
#define GPUHAL_EXPANDED_NAME_(x) GPUHAL_STRINGIZE_(x)
#define GPUHAL_CUDA_SYMBOL(name, version)                                   \
  static_assert(std::string_view(#name) == GPUHAL_EXPANDED_NAME_(name),    \
                #name " is a macro in cuda.h: add #undef " #name            \
                " to backends/cuda/cuda_symbols.h");
#include "backends/cuda/cuda_symbols.inc"
#undef GPUHAL_EXPANDED_NAME_
#undef GPUHAL_STRINGIZE_

}  // namespace

std::vector<std::string_view> UnsetCudaSymbols(const CudaSymbols& symbols) {
  std::vector<std::string_view> unset;
#define GPUHAL_CUDA_SYMBOL(name, version) \
  if (symbols.name == nullptr) unset.push_back(#name);
#include "backends/cuda/cuda_symbols.inc"
  return unset;
}

}  // namespace gpuhal::cuda
