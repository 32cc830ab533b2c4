#include "fakes/nccl/collective_errors.h"

namespace gpuhal::fake {

CollectiveResult ToCollectiveResult(Error error) {
  switch (error) {
    case Error::kOk: return CollectiveResult::kSuccess;
    case Error::kInvalidValue:
    case Error::kInvalidHandle:
    case Error::kNotFound: return CollectiveResult::kInvalidArgument;
    case Error::kOutOfMemory: return CollectiveResult::kSystemError;
    case Error::kNotReady: return CollectiveResult::kInProgress;
    case Error::kIllegalAddress:
    case Error::kKernelFault:
    case Error::kDeviceLost: return CollectiveResult::kUnhandledDeviceError;
    case Error::kNotPermitted:
    case Error::kAborted:
    case Error::kCollectiveMismatch: return CollectiveResult::kInvalidUsage;
    case Error::kCollectiveFailed: return CollectiveResult::kRemoteError;
    case Error::kInvalidImage:
    case Error::kDeadlock: return CollectiveResult::kInternalError;
  }
  return CollectiveResult::kInternalError;
}

const char* CollectiveResultString(int result) {
  switch (static_cast<CollectiveResult>(result)) {
    case CollectiveResult::kSuccess: return "no error";
    case CollectiveResult::kUnhandledDeviceError:
      return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
    case CollectiveResult::kSystemError:
      return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
    case CollectiveResult::kInternalError:
      return "internal error - please report this issue to the NCCL developers";
    case CollectiveResult::kInvalidArgument:
      return "invalid argument (run with NCCL_DEBUG=WARN for details)";
    case CollectiveResult::kInvalidUsage:
      return "invalid usage (run with NCCL_DEBUG=WARN for details)";
    case CollectiveResult::kRemoteError:
      return "remote process exited or there was a network error";
    case CollectiveResult::kInProgress: return "NCCL operation in progress";
  }
  return "unknown result code";
}

}  // namespace gpuhal::fake
