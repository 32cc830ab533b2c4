#include "backends/hip/rccl_status.h"

#include "backends/gpu/collective_result.h"

namespace gpuhal::hip {

GPUHAL_CHECK_COLLECTIVE_RESULT_VALUES();

namespace {

const char* LibraryDescription(ncclResult_t result, const RcclSymbols* symbols) {
  return symbols && symbols->ncclGetErrorString ? symbols->ncclGetErrorString(result) : nullptr;
}

}  // namespace

StatusCode RcclResultCode(ncclResult_t result) {
  return gpu::CollectiveResultCode(static_cast<int>(result));
}

std::string RcclErrorName(ncclResult_t result) {
  return gpu::CollectiveErrorName(static_cast<int>(result), "RCCL");
}

std::string RcclErrorDescription(ncclResult_t result, const RcclSymbols* symbols) {
  return gpu::CollectiveErrorDescription(static_cast<int>(result),
                                         LibraryDescription(result, symbols));
}

Status RcclResultToStatus(ncclResult_t result, std::string_view call, const RcclSymbols* symbols) {
  if (result == ncclSuccess) return OkStatus();
  return gpu::CollectiveResultToStatus(static_cast<int>(result), call, "RCCL",
                                       LibraryDescription(result, symbols));
}

}  // namespace gpuhal::hip
