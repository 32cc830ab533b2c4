// ncclResult_t -> gpuhal::Status, naming the call and NCCL's error, e.g.
//   INVALID_ARGUMENT: ncclAllReduce: ncclInvalidArgument (invalid argument (run with ...))
//
//   GPUHAL_RETURN_IF_ERROR(GPUHAL_NCCL_CALL(nccl, ncclGroupEnd));
#ifndef GPUHAL_BACKENDS_CUDA_NCCL_STATUS_H_
#define GPUHAL_BACKENDS_CUDA_NCCL_STATUS_H_

#include <string>
#include <string_view>

#include "backends/cuda/nccl_symbols.h"
#include "gpuhal/status.h"

namespace gpuhal::cuda {

// The canonical code for `result`:
//   ncclInvalidArgument                       INVALID_ARGUMENT
//   ncclInvalidUsage (calls out of order)     FAILED_PRECONDITION
//   ncclInProgress (non-blocking init)        UNAVAILABLE: poll ncclCommGetAsyncError
//   ncclSystemError, ncclRemoteError          UNAVAILABLE: a peer, socket or shared
//                                             memory failed, not this process's GPU
//   ncclUnhandledCudaError, ncclInternalError INTERNAL
//   anything else                             UNKNOWN
StatusCode NcclResultCode(ncclResult_t result);

// "ncclInvalidArgument" (NCCL has no name function; the names are nccl.h's), or
// "NCCL error <number>" for a code this build does not know.
std::string NcclErrorName(ncclResult_t result);
// From symbols->ncclGetErrorString when present, else NCCL's wording built in.
std::string NcclErrorDescription(ncclResult_t result, const NcclSymbols* symbols = nullptr);

// OK for ncclSuccess; otherwise "<call>: <name> (<description>)" with NcclResultCode.
Status NcclResultToStatus(ncclResult_t result, std::string_view call,
                          const NcclSymbols* symbols = nullptr);

inline Status NcclCall(const NcclSymbols& symbols, ncclResult_t result, std::string_view call) {
  if (result == ncclSuccess) [[likely]] return OkStatus();
  return NcclResultToStatus(result, call, &symbols);
}

}  // namespace gpuhal::cuda

// Calls symbols.function(args...) and converts its result, naming the function.
#define GPUHAL_NCCL_CALL(symbols, function, ...) \
  ::gpuhal::cuda::NcclCall((symbols), (symbols).function(__VA_ARGS__), #function)

#endif  // GPUHAL_BACKENDS_CUDA_NCCL_STATUS_H_
