// RCCL's ncclResult_t -> gpuhal::Status, as backends/cuda/nccl_status.h does for NCCL
// (RCCL's codes and wording are NCCL's), e.g.
//   INVALID_ARGUMENT: ncclAllReduce: ncclInvalidArgument (invalid argument (run with ...))
//
//   GPUHAL_RETURN_IF_ERROR(GPUHAL_RCCL_CALL(rccl, ncclGroupEnd));
#ifndef GPUHAL_BACKENDS_HIP_RCCL_STATUS_H_
#define GPUHAL_BACKENDS_HIP_RCCL_STATUS_H_

#include <string>
#include <string_view>

#include "backends/hip/rccl_symbols.h"
#include "gpuhal/status.h"

namespace gpuhal::hip {

// ncclInvalidArgument INVALID_ARGUMENT; ncclInvalidUsage FAILED_PRECONDITION;
// ncclInProgress, ncclSystemError, ncclRemoteError UNAVAILABLE; ncclUnhandledCudaError
// (a failed HIP call), ncclInternalError INTERNAL; anything else UNKNOWN.
StatusCode RcclResultCode(ncclResult_t result);

std::string RcclErrorName(ncclResult_t result);
std::string RcclErrorDescription(ncclResult_t result, const RcclSymbols* symbols = nullptr);

// OK for ncclSuccess; otherwise "<call>: <name> (<description>)" with RcclResultCode.
Status RcclResultToStatus(ncclResult_t result, std::string_view call,
                          const RcclSymbols* symbols = nullptr);

inline Status RcclCall(const RcclSymbols& symbols, ncclResult_t result, std::string_view call) {
  if (result == ncclSuccess) [[likely]] return OkStatus();
  return RcclResultToStatus(result, call, &symbols);
}

}  // namespace gpuhal::hip

#define GPUHAL_RCCL_CALL(symbols, function, ...) \
  ::gpuhal::hip::RcclCall((symbols), (symbols).function(__VA_ARGS__), #function)

#endif  // GPUHAL_BACKENDS_HIP_RCCL_STATUS_H_
