// Loading HIP: libamdhip64 opened at run time and every HipSymbols member resolved.
#ifndef GPUHAL_BACKENDS_HIP_HIP_LIBRARY_H_
#define GPUHAL_BACKENDS_HIP_HIP_LIBRARY_H_

#include <string_view>

#include "backends/hip/hip_symbols.h"
#include "gpuhal/core/dynamic_library.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::hip {

inline constexpr std::string_view kHipLibraryName = "libamdhip64.so";

// A complete HipSymbols table and the library it points into, kept open while referenced.
using HipLibrary = LoadedSymbols<HipSymbols>;

// Opens `library_name` (tests pass a stub) and resolves every symbol by its exported
// name. Does not call hipInit. UNAVAILABLE when the library cannot be opened (naming it
// and quoting the loader) or lacks any symbol (naming each missing symbol and the library).
Result<Ref<HipLibrary>> LoadHipLibrary(std::string_view library_name = kHipLibraryName);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_HIP_LIBRARY_H_
