// hipError_t -> gpuhal::Status, naming the call and HIP's error name and text, e.g.
//   RESOURCE_EXHAUSTED: hipMalloc: hipErrorOutOfMemory (out of memory)
//
//   GPUHAL_RETURN_IF_ERROR(GPUHAL_HIP_CALL(symbols, hipMalloc, &pointer, size));
// or, where the result is needed first:
//   hipError_t result = symbols.hipEventQuery(event);
//   if (result == hipErrorNotReady) return false;
//   GPUHAL_RETURN_IF_ERROR(HipCall(symbols, result, "hipEventQuery"));
#ifndef GPUHAL_BACKENDS_HIP_HIP_STATUS_H_
#define GPUHAL_BACKENDS_HIP_HIP_STATUS_H_

#include <string>
#include <string_view>

#include "backends/hip/hip_symbols.h"
#include "gpuhal/status.h"

namespace gpuhal::hip {

// The canonical code for `error`, with the same classes as CudaResultCode
// (backends/cuda/cuda_status.h): out of memory RESOURCE_EXHAUSTED; invalid value,
// handle, context, device, image INVALID_ARGUMENT; not ready, not initialized, no device,
// deinitialized, insufficient driver UNAVAILABLE; not found NOT_FOUND; not supported
// UNIMPLEMENTED; launch failure, illegal address, ECC, assert and other sticky device
// faults INTERNAL; anything else UNKNOWN. hipErrorNotReady is not a failure for query
// calls: callers test for it before converting.
StatusCode HipErrorCode(hipError_t error);

// "hipErrorOutOfMemory": from symbols->hipGetErrorName when present, else built in for
// the common codes, else "HIP error <number>".
std::string HipErrorName(hipError_t error, const HipSymbols* symbols = nullptr);
// "out of memory": from symbols->hipGetErrorString when it describes the error (older
// HIP returns the name again), else built in for the common codes; empty when unknown.
std::string HipErrorDescription(hipError_t error, const HipSymbols* symbols = nullptr);

// OK for hipSuccess; otherwise "<call>: <name> (<description>)" with HipErrorCode.
Status HipErrorToStatus(hipError_t error, std::string_view call,
                        const HipSymbols* symbols = nullptr);

inline Status HipCall(const HipSymbols& symbols, hipError_t error, std::string_view call) {
  if (error == hipSuccess) [[likely]] return OkStatus();
  return HipErrorToStatus(error, call, &symbols);
}

}  // namespace gpuhal::hip

// Calls symbols.function(args...) and converts its result, naming the function.
#define GPUHAL_HIP_CALL(symbols, function, ...) \
  ::gpuhal::hip::HipCall((symbols), (symbols).function(__VA_ARGS__), #function)

#endif  // GPUHAL_BACKENDS_HIP_HIP_STATUS_H_
