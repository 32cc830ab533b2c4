#include "backends/cuda/nccl_status.h"

namespace gpuhal::cuda {
namespace {

struct KnownResult {
  ncclResult_t result;
  const char* name;
  const char* description;  // As ncclGetErrorString words it.
};

constexpr KnownResult kKnownResults[] = {
    {ncclSuccess, "ncclSuccess", "no error"},
    {ncclUnhandledCudaError, "ncclUnhandledCudaError",
     "unhandled cuda error (run with NCCL_DEBUG=INFO for details)"},
    {ncclSystemError, "ncclSystemError",
     "unhandled system error (run with NCCL_DEBUG=INFO for details)"},
    {ncclInternalError, "ncclInternalError",
     "internal error - please report this issue to the NCCL developers"},
    {ncclInvalidArgument, "ncclInvalidArgument",
     "invalid argument (run with NCCL_DEBUG=WARN for details)"},
    {ncclInvalidUsage, "ncclInvalidUsage", "invalid usage (run with NCCL_DEBUG=WARN for details)"},
    {ncclRemoteError, "ncclRemoteError", "remote process exited or there was a network error"},
    {ncclInProgress, "ncclInProgress", "NCCL operation in progress"},
};

const KnownResult* FindKnownResult(ncclResult_t result) {
  for (const KnownResult& known : kKnownResults) {
    if (known.result == result) return &known;
  }
  return nullptr;
}

}  // namespace

StatusCode NcclResultCode(ncclResult_t result) {
  switch (result) {
    case ncclSuccess:
      return StatusCode::kOk;
    case ncclInvalidArgument:
      return StatusCode::kInvalidArgument;
    case ncclInvalidUsage:
      return StatusCode::kFailedPrecondition;
    case ncclInProgress:
    case ncclSystemError:
    case ncclRemoteError:
      return StatusCode::kUnavailable;
    case ncclUnhandledCudaError:
    case ncclInternalError:
      return StatusCode::kInternal;
    default:
      return StatusCode::kUnknown;
  }
}

std::string NcclErrorName(ncclResult_t result) {
  if (const KnownResult* known = FindKnownResult(result)) return known->name;
  return StrCat("NCCL error ", static_cast<int>(result));
}

std::string NcclErrorDescription(ncclResult_t result, const NcclSymbols* symbols) {
  if (symbols && symbols->ncclGetErrorString) {
    const char* description = symbols->ncclGetErrorString(result);
    if (description && *description) return description;
  }
  if (const KnownResult* known = FindKnownResult(result)) return known->description;
  return std::string();
}

Status NcclResultToStatus(ncclResult_t result, std::string_view call, const NcclSymbols* symbols) {
  if (result == ncclSuccess) return OkStatus();
  std::string description = NcclErrorDescription(result, symbols);
  std::string message = StrCat(call, ": ", NcclErrorName(result));
  if (!description.empty()) message += StrCat(" (", description, ")");
  return Status(NcclResultCode(result), message);
}

}  // namespace gpuhal::cuda
