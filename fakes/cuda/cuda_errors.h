// The CUDA driver's view of engine errors, and the driver's error names and texts.
#ifndef GPUHAL_FAKES_CUDA_CUDA_ERRORS_H_
#define GPUHAL_FAKES_CUDA_CUDA_ERRORS_H_

#include "backends/cuda/cuda_symbols.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

// What the real driver reports in the same situation. Device faults are sticky in both:
// an illegal access is CUDA_ERROR_ILLEGAL_ADDRESS, a faulting kernel, a lost device or a
// failed collective CUDA_ERROR_LAUNCH_FAILED. A deterministic-mode wait that can never
// finish (a real GPU would hang) is CUDA_ERROR_LAUNCH_TIMEOUT.
CUresult ToCudaResult(Error error);

struct CudaErrorText {
  CUresult result;
  const char* name;         // "CUDA_ERROR_OUT_OF_MEMORY"
  const char* description;  // "out of memory"
};
// Null for a value that is not a CUresult of cuda.h.
const CudaErrorText* FindCudaErrorText(CUresult result);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_CUDA_CUDA_ERRORS_H_
