#include "backends/cuda/nccl_status.h"

#include "backends/gpu/collective_result.h"

namespace gpuhal::cuda {

GPUHAL_CHECK_COLLECTIVE_RESULT_VALUES();

namespace {

const char* LibraryDescription(ncclResult_t result, const NcclSymbols* symbols) {
  return symbols && symbols->ncclGetErrorString ? symbols->ncclGetErrorString(result) : nullptr;
}

}  // namespace

StatusCode NcclResultCode(ncclResult_t result) {
  return gpu::CollectiveResultCode(static_cast<int>(result));
}

std::string NcclErrorName(ncclResult_t result) {
  return gpu::CollectiveErrorName(static_cast<int>(result), "NCCL");
}

std::string NcclErrorDescription(ncclResult_t result, const NcclSymbols* symbols) {
  return gpu::CollectiveErrorDescription(static_cast<int>(result),
                                         LibraryDescription(result, symbols));
}

Status NcclResultToStatus(ncclResult_t result, std::string_view call, const NcclSymbols* symbols) {
  if (result == ncclSuccess) return OkStatus();
  return gpu::CollectiveResultToStatus(static_cast<int>(result), call, "NCCL",
                                       LibraryDescription(result, symbols));
}

}  // namespace gpuhal::cuda
