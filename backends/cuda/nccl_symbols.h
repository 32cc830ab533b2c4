// NcclSymbols: the NCCL API as gpuhal sees it, a struct of function pointers.
//
// Filled by LoadNcclLibrary (backends/cuda/nccl_library.h) from libnccl, or by the
// simulated GPU from its fakes.
#ifndef GPUHAL_BACKENDS_CUDA_NCCL_SYMBOLS_H_
#define GPUHAL_BACKENDS_CUDA_NCCL_SYMBOLS_H_

#include <nccl.h>

#include <cstddef>
#include <iterator>
#include <string_view>
#include <vector>

namespace gpuhal::cuda {

// One member per line of nccl_symbols.inc, named and typed as the vendor's function.
// A default-constructed table has every member null.
struct NcclSymbols {
#define GPUHAL_NCCL_SYMBOL(name) decltype(&::name) name = nullptr;
#include "backends/cuda/nccl_symbols.inc"
};

// The member names, in list order.
inline constexpr std::string_view kNcclSymbolNames[] = {
#define GPUHAL_NCCL_SYMBOL(name) #name,
#include "backends/cuda/nccl_symbols.inc"
};
inline constexpr size_t kNcclSymbolCount = std::size(kNcclSymbolNames);

// The names of the members of `symbols` that are null, in list order.
std::vector<std::string_view> UnsetNcclSymbols(const NcclSymbols& symbols);

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_NCCL_SYMBOLS_H_
