#include "fakes/cuda/cuda_errors.h"

namespace gpuhal::fake {

CUresult ToCudaResult(Error error) {
  switch (error) {
    case Error::kOk: return CUDA_SUCCESS;
    case Error::kInvalidValue: return CUDA_ERROR_INVALID_VALUE;
    case Error::kInvalidHandle: return CUDA_ERROR_INVALID_HANDLE;
    case Error::kOutOfMemory: return CUDA_ERROR_OUT_OF_MEMORY;
    case Error::kNotReady: return CUDA_ERROR_NOT_READY;
    case Error::kIllegalAddress: return CUDA_ERROR_ILLEGAL_ADDRESS;
    case Error::kKernelFault: return CUDA_ERROR_LAUNCH_FAILED;
    case Error::kDeviceLost: return CUDA_ERROR_LAUNCH_FAILED;
    case Error::kNotFound: return CUDA_ERROR_NOT_FOUND;
    case Error::kInvalidImage: return CUDA_ERROR_INVALID_IMAGE;
    case Error::kNotPermitted: return CUDA_ERROR_NOT_PERMITTED;
    case Error::kAborted: return CUDA_ERROR_LAUNCH_FAILED;
    case Error::kCollectiveMismatch: return CUDA_ERROR_LAUNCH_FAILED;
    case Error::kCollectiveFailed: return CUDA_ERROR_LAUNCH_FAILED;
    case Error::kDeadlock: return CUDA_ERROR_LAUNCH_TIMEOUT;
  }
  return CUDA_ERROR_UNKNOWN;
}

}  // namespace gpuhal::fake
