#include "backends/hip/rccl_library.h"

#include <string>
#include <utility>
#include <vector>

namespace gpuhal::hip {

Result<Ref<RcclLibrary>> LoadRcclLibrary(std::string_view library_name) {
  GPUHAL_ASSIGN_OR_RETURN(DynamicLibrary library, DynamicLibrary::Open(library_name));
  RcclSymbols symbols;
  std::vector<std::string> missing;
#define GPUHAL_RCCL_SYMBOL(name)                                      \
  if (void* address = library.FindSymbol(#name)) {                    \
    symbols.name = reinterpret_cast<decltype(symbols.name)>(address); \
  } else {                                                            \
    missing.push_back(#name);                                         \
  }
#include "backends/hip/rccl_symbols.inc"
  if (!missing.empty()) {
    // ncclCommSplit, the newest function listed, arrived in RCCL 2.18 (ROCm 6.0).
    return MissingSymbolsError(library.name(), missing,
                               "gpuhal needs RCCL 2.18 (ROCm 6.0) or newer");
  }
  return Ref<RcclLibrary>::Adopt(new RcclLibrary(std::move(library), symbols));
}

}  // namespace gpuhal::hip
