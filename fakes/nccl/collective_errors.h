// NCCL's (and RCCL's, which keeps NCCL's values) view of engine errors, and NCCL's texts.
#ifndef GPUHAL_FAKES_NCCL_COLLECTIVE_ERRORS_H_
#define GPUHAL_FAKES_NCCL_COLLECTIVE_ERRORS_H_

#include "fakes/engine/types.h"

namespace gpuhal::fake {

// ncclResult_t values, shared by NCCL and RCCL.
enum class CollectiveResult : int {
  kSuccess = 0,
  kUnhandledDeviceError = 1,  // ncclUnhandledCudaError
  kSystemError = 2,
  kInternalError = 3,
  kInvalidArgument = 4,
  kInvalidUsage = 5,
  kRemoteError = 6,
  kInProgress = 7,
};

// Device faults under a collective are NCCL's "unhandled CUDA error"; a peer's failure is
// a remote error; calls on an aborted communicator or with mismatched peers are misuse.
CollectiveResult ToCollectiveResult(Error error);
// ncclGetErrorString's text for `result`.
const char* CollectiveResultString(int result);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_NCCL_COLLECTIVE_ERRORS_H_
