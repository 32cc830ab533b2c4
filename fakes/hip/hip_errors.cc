#include "fakes/hip/hip_errors.h"

namespace gpuhal::fake {

hipError_t ToHipError(Error error) {
  switch (error) {
    case Error::kOk: return hipSuccess;
    case Error::kInvalidValue: return hipErrorInvalidValue;
    case Error::kInvalidHandle: return hipErrorInvalidHandle;
    case Error::kOutOfMemory: return hipErrorOutOfMemory;
    case Error::kNotReady: return hipErrorNotReady;
    case Error::kIllegalAddress: return hipErrorIllegalAddress;
    case Error::kKernelFault: return hipErrorLaunchFailure;
    case Error::kDeviceLost: return hipErrorLaunchFailure;
    case Error::kNotFound: return hipErrorNotFound;
    case Error::kInvalidImage: return hipErrorInvalidImage;
    case Error::kNotPermitted: return hipErrorNotSupported;
    case Error::kAborted: return hipErrorLaunchFailure;
    case Error::kCollectiveMismatch: return hipErrorLaunchFailure;
    case Error::kCollectiveFailed: return hipErrorLaunchFailure;
    case Error::kDeadlock: return hipErrorLaunchTimeOut;
  }
  return hipErrorUnknown;
}

}  // namespace gpuhal::fake
