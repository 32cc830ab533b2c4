// What NCCL's and RCCL's result codes mean to gpuhal, written once for both: RCCL keeps
// NCCL's API, so the two libraries' ncclResult_t enumerators have the same names and
// values (each vendor's status file checks that at compile time). Vendor-free, because
// CUDA and HIP headers cannot share a translation unit; callers pass the code as an int.
#ifndef GPUHAL_BACKENDS_GPU_COLLECTIVE_RESULT_H_
#define GPUHAL_BACKENDS_GPU_COLLECTIVE_RESULT_H_

#include <string>
#include <string_view>

#include "gpuhal/status.h"

namespace gpuhal::gpu {

// ncclResult_t's values, as both libraries number them.
enum class CollectiveResult : int {
  kSuccess = 0,
  kUnhandledCudaError = 1,
  kSystemError = 2,
  kInternalError = 3,
  kInvalidArgument = 4,
  kInvalidUsage = 5,
  kRemoteError = 6,
  kInProgress = 7,
};

struct KnownCollectiveResult {
  CollectiveResult result;
  const char* name;
  const char* description;  // as ncclGetErrorString words it
};

inline constexpr KnownCollectiveResult kKnownCollectiveResults[] = {
    {CollectiveResult::kSuccess, "ncclSuccess", "no error"},
    {CollectiveResult::kUnhandledCudaError, "ncclUnhandledCudaError",
     "unhandled cuda error (run with NCCL_DEBUG=INFO for details)"},
    {CollectiveResult::kSystemError, "ncclSystemError",
     "unhandled system error (run with NCCL_DEBUG=INFO for details)"},
    {CollectiveResult::kInternalError, "ncclInternalError",
     "internal error - please report this issue to the NCCL developers"},
    {CollectiveResult::kInvalidArgument, "ncclInvalidArgument",
     "invalid argument (run with NCCL_DEBUG=WARN for details)"},
    {CollectiveResult::kInvalidUsage, "ncclInvalidUsage",
     "invalid usage (run with NCCL_DEBUG=WARN for details)"},
    {CollectiveResult::kRemoteError, "ncclRemoteError",
     "remote process exited or there was a network error"},
    {CollectiveResult::kInProgress, "ncclInProgress", "NCCL operation in progress"},
};

inline const KnownCollectiveResult* FindKnownCollectiveResult(int result) {
  for (const KnownCollectiveResult& known : kKnownCollectiveResults) {
    if (static_cast<int>(known.result) == result) return &known;
  }
  return nullptr;
}

inline StatusCode CollectiveResultCode(int result) {
  switch (static_cast<CollectiveResult>(result)) {
    case CollectiveResult::kSuccess:
      return StatusCode::kOk;
    case CollectiveResult::kInvalidArgument:
      return StatusCode::kInvalidArgument;
    case CollectiveResult::kInvalidUsage:
      return StatusCode::kFailedPrecondition;
    case CollectiveResult::kInProgress:
    case CollectiveResult::kSystemError:
    case CollectiveResult::kRemoteError:
      return StatusCode::kUnavailable;
    case CollectiveResult::kUnhandledCudaError:
    case CollectiveResult::kInternalError:
      return StatusCode::kInternal;
  }
  return StatusCode::kUnknown;
}

// "ncclInvalidUsage", or "<library> error <code>" for a code this table does not know.
inline std::string CollectiveErrorName(int result, std::string_view library) {
  if (const KnownCollectiveResult* known = FindKnownCollectiveResult(result)) return known->name;
  return StrCat(library, " error ", result);
}

// The library's own words when it gave any (`from_library`, may be null), else ours.
inline std::string CollectiveErrorDescription(int result, const char* from_library) {
  if (from_library && *from_library) return from_library;
  if (const KnownCollectiveResult* known = FindKnownCollectiveResult(result)) {
    return known->description;
  }
  return std::string();
}

inline Status CollectiveResultToStatus(int result, std::string_view call,
                                       std::string_view library, const char* from_library) {
  if (result == static_cast<int>(CollectiveResult::kSuccess)) return OkStatus();
  const std::string description = CollectiveErrorDescription(result, from_library);
  std::string message = StrCat(call, ": ", CollectiveErrorName(result, library));
  if (!description.empty()) message += StrCat(" (", description, ")");
  return Status(CollectiveResultCode(result), message);
}

}  // namespace gpuhal::gpu

// Placed in each vendor's status file, where its ncclResult_t is visible: its
// enumerators must be the values the shared table describes.
#define GPUHAL_CHECK_COLLECTIVE_RESULT_VALUES()                                              \
  static_assert(ncclSuccess == 0 && ncclUnhandledCudaError == 1 && ncclSystemError == 2 &&  \
                    ncclInternalError == 3 && ncclInvalidArgument == 4 &&                    \
                    ncclInvalidUsage == 5 && ncclRemoteError == 6 && ncclInProgress == 7,    \
                "the library's ncclResult_t values differ from gpu::CollectiveResult's")

#endif  // GPUHAL_BACKENDS_GPU_COLLECTIVE_RESULT_H_
