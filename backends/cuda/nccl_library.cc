#include "backends/cuda/nccl_library.h"

#include <string>
#include <utility>
#include <vector>

namespace gpuhal::cuda {

Result<Ref<NcclLibrary>> LoadNcclLibrary(std::string_view library_name) {
  GPUHAL_ASSIGN_OR_RETURN(DynamicLibrary library, DynamicLibrary::Open(library_name));
  NcclSymbols symbols;
  std::vector<std::string> missing;
#define GPUHAL_NCCL_SYMBOL(name)                                              \
  if (void* address = library.FindSymbol(#name)) {                            \
    symbols.name = reinterpret_cast<decltype(symbols.name)>(address);         \
  } else {                                                                    \
    missing.push_back(#name);                                                 \
  }
#include "backends/cuda/nccl_symbols.inc"
  if (!missing.empty()) {
    // ncclCommSplit, the newest function listed, arrived in NCCL 2.18.
    return MissingSymbolsError(library.name(), missing, "gpuhal needs NCCL 2.18 or newer");
  }
  return Ref<NcclLibrary>::Adopt(new NcclLibrary(std::move(library), symbols));
}

}  // namespace gpuhal::cuda
