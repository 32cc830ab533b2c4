#include "backends/hip/hip_status.h"

namespace gpuhal::hip {
namespace {

struct KnownError {
  hipError_t error;
  const char* name;
  const char* description;
};

// The common codes, for when no runtime (or no hipGetErrorName) is at hand. The
// descriptions are the ones current HIP releases give.
constexpr KnownError kKnownErrors[] = {
    {hipSuccess, "hipSuccess", "no error"},
    {hipErrorInvalidValue, "hipErrorInvalidValue", "invalid argument"},
    {hipErrorOutOfMemory, "hipErrorOutOfMemory", "out of memory"},
    {hipErrorNotInitialized, "hipErrorNotInitialized", "initialization error"},
    {hipErrorDeinitialized, "hipErrorDeinitialized", "driver shutting down"},
    {hipErrorInsufficientDriver, "hipErrorInsufficientDriver",
     "driver version is insufficient for runtime version"},
    {hipErrorNoDevice, "hipErrorNoDevice", "no ROCm-capable device is detected"},
    {hipErrorInvalidDevice, "hipErrorInvalidDevice", "invalid device ordinal"},
    {hipErrorInvalidImage, "hipErrorInvalidImage", "device kernel image is invalid"},
    {hipErrorInvalidContext, "hipErrorInvalidContext", "invalid device context"},
    {hipErrorInvalidHandle, "hipErrorInvalidHandle", "invalid resource handle"},
    {hipErrorNotFound, "hipErrorNotFound", "named symbol not found"},
    {hipErrorNotReady, "hipErrorNotReady", "device not ready"},
    {hipErrorIllegalAddress, "hipErrorIllegalAddress", "an illegal memory access was encountered"},
    {hipErrorLaunchOutOfResources, "hipErrorLaunchOutOfResources",
     "too many resources requested for launch"},
    {hipErrorLaunchFailure, "hipErrorLaunchFailure", "unspecified launch failure"},
    {hipErrorECCNotCorrectable, "hipErrorECCNotCorrectable", "uncorrectable ECC error encountered"},
    {hipErrorAssert, "hipErrorAssert", "device-side assert triggered"},
    {hipErrorNotSupported, "hipErrorNotSupported", "operation not supported"},
    {hipErrorUnknown, "hipErrorUnknown", "unknown error"},
};

const KnownError* FindKnownError(hipError_t error) {
  for (const KnownError& known : kKnownErrors) {
    if (known.error == error) return &known;
  }
  return nullptr;
}

}  // namespace

StatusCode HipErrorCode(hipError_t error) {
  switch (error) {
    case hipSuccess:
      return StatusCode::kOk;
    case hipErrorOutOfMemory:
    case hipErrorLaunchOutOfResources:
      return StatusCode::kResourceExhausted;
    case hipErrorInvalidValue:
    case hipErrorInvalidDevice:
    case hipErrorInvalidDevicePointer:
    case hipErrorInvalidImage:
    case hipErrorInvalidContext:
    case hipErrorContextIsDestroyed:
    case hipErrorInvalidHandle:
    case hipErrorInvalidKernelFile:
    case hipErrorInvalidSource:
    case hipErrorNoBinaryForGpu:
    case hipErrorInvalidDeviceFunction:
    case hipErrorInvalidConfiguration:
      return StatusCode::kInvalidArgument;
    case hipErrorNotReady:
    case hipErrorNotInitialized:
    case hipErrorDeinitialized:
    case hipErrorNoDevice:
    case hipErrorInsufficientDriver:
      return StatusCode::kUnavailable;
    case hipErrorNotFound:
    case hipErrorFileNotFound:
    case hipErrorSharedObjectSymbolNotFound:
      return StatusCode::kNotFound;
    case hipErrorNotSupported:
    case hipErrorPeerAccessUnsupported:
    case hipErrorStreamCaptureUnsupported:
      return StatusCode::kUnimplemented;
    case hipErrorLaunchFailure:
    case hipErrorIllegalAddress:
    case hipErrorECCNotCorrectable:
    case hipErrorAssert:
    case hipErrorLaunchTimeOut:
    case hipErrorPriorLaunchFailure:
      return StatusCode::kInternal;
    default:
      return StatusCode::kUnknown;
  }
}

std::string HipErrorName(hipError_t error, const HipSymbols* symbols) {
  if (symbols && symbols->hipGetErrorName) {
    const char* name = symbols->hipGetErrorName(error);
    if (name && *name) return name;
  }
  if (const KnownError* known = FindKnownError(error)) return known->name;
  return StrCat("HIP error ", static_cast<int>(error));
}

std::string HipErrorDescription(hipError_t error, const HipSymbols* symbols) {
  if (symbols && symbols->hipGetErrorString) {
    const char* description = symbols->hipGetErrorString(error);
    // HIP before 6.0 answers with the error's name, which says nothing new.
    if (description && *description && HipErrorName(error, symbols) != description) {
      return description;
    }
  }
  if (const KnownError* known = FindKnownError(error)) return known->description;
  return std::string();
}

Status HipErrorToStatus(hipError_t error, std::string_view call, const HipSymbols* symbols) {
  if (error == hipSuccess) return OkStatus();
  std::string description = HipErrorDescription(error, symbols);
  std::string message = StrCat(call, ": ", HipErrorName(error, symbols));
  if (!description.empty()) message += StrCat(" (", description, ")");
  return Status(HipErrorCode(error), message);
}

}  // namespace gpuhal::hip
