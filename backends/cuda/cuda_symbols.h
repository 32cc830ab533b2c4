// CudaSymbols: the CUDA driver API as gpuhal sees it, a struct of function pointers.
//
// Filled by LoadCudaLibrary (backends/cuda/cuda_library.h) from the real driver, or by
// the simulated GPU from its fakes. Driver code calls `symbols.cuMemAlloc(&ptr, size)`
// and never the linked function, which is what lets one driver run on either.
#ifndef GPUHAL_BACKENDS_CUDA_CUDA_SYMBOLS_H_
#define GPUHAL_BACKENDS_CUDA_CUDA_SYMBOLS_H_

#include <cuda.h>
#include <cudaTypedefs.h>

#include <cstddef>
#include <iterator>
#include <string_view>
#include <vector>

// cuda.h renames many API functions to their current ABI (cuMemAlloc -> cuMemAlloc_v2,
// cuStreamQuery -> cuStreamQuery or its _ptsz form, ...). Left in place, those macros
// would rename the table's members as well, so `symbols.cuMemAlloc` would mean a member
// whose name depends on the compile flags of each file. gpuhal never calls a linked CUDA
// function (nothing links libcuda), so the macros have no use here: each member's ABI is
// chosen explicitly by the version column of cuda_symbols.inc. cuda_symbols.cc fails to
// compile if a name in the list is still a macro, so this list cannot fall behind cuda.h.
#undef cuDeviceTotalMem
#undef cuDevicePrimaryCtxRelease
#undef cuStreamDestroy
#undef cuStreamSynchronize
#undef cuStreamQuery
#undef cuStreamWaitEvent
#undef cuStreamWaitValue32
#undef cuStreamWriteValue32
#undef cuEventDestroy
#undef cuEventRecord
#undef cuMemAlloc
#undef cuMemFree
#undef cuMemHostRegister
#undef cuMemHostGetDevicePointer
#undef cuMemAllocFromPoolAsync
#undef cuMemFreeAsync
#undef cuMemsetD8
#undef cuMemsetD16
#undef cuMemsetD32
#undef cuMemsetD8Async
#undef cuMemsetD16Async
#undef cuMemsetD32Async
#undef cuMemcpyHtoD
#undef cuMemcpyDtoH
#undef cuMemcpyDtoD
#undef cuMemcpyHtoDAsync
#undef cuMemcpyDtoHAsync
#undef cuMemcpyDtoDAsync
#undef cuLaunchKernel
#undef cuLaunchHostFunc
#undef cuGraphAddKernelNode
#undef cuGraphLaunch
#undef cuGraphExecKernelNodeSetParams

namespace gpuhal::cuda {

// One member per line of cuda_symbols.inc, named and typed as the vendor's function.
// A default-constructed table has every member null.
struct CudaSymbols {
#define GPUHAL_CUDA_SYMBOL(name, version) PFN_##name##_v##version name = nullptr;
#include "backends/cuda/cuda_symbols.inc"
};

// The member names, in list order, e.g. for checking that a table is complete.
inline constexpr std::string_view kCudaSymbolNames[] = {
#define GPUHAL_CUDA_SYMBOL(name, version) #name,
#include "backends/cuda/cuda_symbols.inc"
};
inline constexpr size_t kCudaSymbolCount = std::size(kCudaSymbolNames);

// The names of the members of `symbols` that are null, in list order.
std::vector<std::string_view> UnsetCudaSymbols(const CudaSymbols& symbols);

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_CUDA_SYMBOLS_H_
