#include "backends/hip/hip_library.h"

#include <string>
#include <utility>
#include <vector>

namespace gpuhal::hip {

Result<Ref<HipLibrary>> LoadHipLibrary(std::string_view library_name) {
  GPUHAL_ASSIGN_OR_RETURN(DynamicLibrary library, DynamicLibrary::Open(library_name));
  HipSymbols symbols;
  std::vector<std::string> missing;
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters)              \
  if (void* address = library.FindSymbol(#name)) {                    \
    symbols.name = reinterpret_cast<decltype(symbols.name)>(address); \
  } else {                                                            \
    missing.push_back(#name);                                         \
  }
#include "backends/hip/hip_symbols.inc"
  if (!missing.empty()) {
    // HIP 5.x headers declare some listed functions (hipLaunchHostFunc) that its
    // libamdhip64 does not export, so the header version alone proves nothing.
    return MissingSymbolsError(library.name(), missing,
                               "gpuhal needs the HIP runtime of ROCm 6.0 or newer");
  }
  return Ref<HipLibrary>::Adopt(new HipLibrary(std::move(library), symbols));
}

}  // namespace gpuhal::hip
