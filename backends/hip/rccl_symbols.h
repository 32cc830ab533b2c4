// RcclSymbols: the RCCL API as gpuhal sees it, a struct of function pointers.
//
// Filled by LoadRcclLibrary (backends/hip/rccl_library.h) from librccl, or by the
// simulated GPU from its fakes.
#ifndef GPUHAL_BACKENDS_HIP_RCCL_SYMBOLS_H_
#define GPUHAL_BACKENDS_HIP_RCCL_SYMBOLS_H_

#include <cstddef>
#include <iterator>
#include <string_view>
#include <vector>

#include "backends/hip/rccl_types.h"

namespace gpuhal::hip {

// One member per line of rccl_symbols.inc, named and typed as the vendor's function.
// A default-constructed table has every member null.
struct RcclSymbols {
#define GPUHAL_RCCL_SYMBOL(name) PFN_##name name = nullptr;
#include "backends/hip/rccl_symbols.inc"
};

// The member names, in list order.
inline constexpr std::string_view kRcclSymbolNames[] = {
#define GPUHAL_RCCL_SYMBOL(name) #name,
#include "backends/hip/rccl_symbols.inc"
};
inline constexpr size_t kRcclSymbolCount = std::size(kRcclSymbolNames);

// The names of the members of `symbols` that are null, in list order.
std::vector<std::string_view> UnsetRcclSymbols(const RcclSymbols& symbols);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_RCCL_SYMBOLS_H_
