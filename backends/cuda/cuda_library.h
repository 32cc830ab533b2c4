// Loading the CUDA driver: libcuda.so.1 opened at run time, every CudaSymbols member
// resolved through cuGetProcAddress at the ABI version its list line names.
#ifndef GPUHAL_BACKENDS_CUDA_CUDA_LIBRARY_H_
#define GPUHAL_BACKENDS_CUDA_CUDA_LIBRARY_H_

#include <string_view>

#include "backends/cuda/cuda_symbols.h"
#include "gpuhal/core/dynamic_library.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::cuda {

// The driver's soname; what the NVIDIA driver installs and what CUDA programs load.
inline constexpr std::string_view kCudaLibraryName = "libcuda.so.1";

// A complete CudaSymbols table and the library it points into, kept open while referenced.
using CudaLibrary = LoadedSymbols<CudaSymbols>;

// Opens `library_name` (tests pass a stub) and resolves every symbol. Does not call
// cuInit. UNAVAILABLE when the library cannot be opened (naming it and quoting the
// loader), when it lacks cuGetProcAddress_v2 (a driver older than CUDA 12), or when any
// symbol is missing or needs a newer driver (naming each such symbol and the library).
Result<Ref<CudaLibrary>> LoadCudaLibrary(std::string_view library_name = kCudaLibraryName);

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_CUDA_LIBRARY_H_
