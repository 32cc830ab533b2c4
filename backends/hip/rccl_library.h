// Loading RCCL: librccl opened at run time and every RcclSymbols member resolved.
#ifndef GPUHAL_BACKENDS_HIP_RCCL_LIBRARY_H_
#define GPUHAL_BACKENDS_HIP_RCCL_LIBRARY_H_

#include <string_view>

#include "backends/hip/rccl_symbols.h"
#include "gpuhal/core/dynamic_library.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::hip {

inline constexpr std::string_view kRcclLibraryName = "librccl.so";

// A complete RcclSymbols table and the library it points into, kept open while referenced.
using RcclLibrary = LoadedSymbols<RcclSymbols>;

// Opens `library_name` (tests pass a stub) and resolves every symbol. UNAVAILABLE when
// the library cannot be opened (naming it and quoting the loader) or lacks any symbol
// (naming each missing symbol and the library).
Result<Ref<RcclLibrary>> LoadRcclLibrary(std::string_view library_name = kRcclLibraryName);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_RCCL_LIBRARY_H_
