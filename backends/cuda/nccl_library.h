// Loading NCCL: libnccl.so.2 opened at run time and every NcclSymbols member resolved.
#ifndef GPUHAL_BACKENDS_CUDA_NCCL_LIBRARY_H_
#define GPUHAL_BACKENDS_CUDA_NCCL_LIBRARY_H_

#include <string_view>

#include "backends/cuda/nccl_symbols.h"
#include "gpuhal/core/dynamic_library.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::cuda {

inline constexpr std::string_view kNcclLibraryName = "libnccl.so.2";

// A complete NcclSymbols table and the library it points into, kept open while referenced.
using NcclLibrary = LoadedSymbols<NcclSymbols>;

// Opens `library_name` (tests pass a stub) and resolves every symbol. UNAVAILABLE when
// the library cannot be opened (naming it and quoting the loader) or lacks any symbol
// (naming each missing symbol and the library).
Result<Ref<NcclLibrary>> LoadNcclLibrary(std::string_view library_name = kNcclLibraryName);

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_NCCL_LIBRARY_H_
