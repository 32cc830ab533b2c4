// HipSymbols: the HIP runtime API as gpuhal sees it, a struct of function pointers.
//
// Filled by LoadHipLibrary (backends/hip/hip_library.h) from libamdhip64, or by the
// simulated GPU from its fakes. Driver code calls `symbols.hipMalloc(&ptr, size)` and
// never the linked function, which is what lets one driver run on either.
#ifndef GPUHAL_BACKENDS_HIP_HIP_SYMBOLS_H_
#define GPUHAL_BACKENDS_HIP_HIP_SYMBOLS_H_

#include <cstddef>
#include <iterator>
#include <string_view>
#include <vector>

#include "backends/hip/hip_headers.h"

namespace gpuhal::hip {

// One member per line of hip_symbols.inc, named and typed as the vendor's function.
// A default-constructed table has every member null.
struct HipSymbols {
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters) \
  return_type(*name) parameters = nullptr;
#include "backends/hip/hip_symbols.inc"
};

// The member names, in list order, e.g. for checking that a table is complete.
inline constexpr std::string_view kHipSymbolNames[] = {
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters) #name,
#include "backends/hip/hip_symbols.inc"
};
inline constexpr size_t kHipSymbolCount = std::size(kHipSymbolNames);

// The names of the members of `symbols` that are null, in list order.
std::vector<std::string_view> UnsetHipSymbols(const HipSymbols& symbols);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_HIP_SYMBOLS_H_
