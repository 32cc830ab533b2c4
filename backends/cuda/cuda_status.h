// CUresult -> gpuhal::Status: every failed driver call becomes a Status that names the
// call and the driver's own error name and text, e.g.
//   RESOURCE_EXHAUSTED: cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)
//
// Call sites read:
//   GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(symbols, cuMemAlloc, &pointer, size));
// or, where the result is needed before it becomes a Status:
//   CUresult result = symbols.cuEventQuery(event);
//   if (result == CUDA_ERROR_NOT_READY) return false;
//   GPUHAL_RETURN_IF_ERROR(CudaCall(symbols, result, "cuEventQuery"));
#ifndef GPUHAL_BACKENDS_CUDA_CUDA_STATUS_H_
#define GPUHAL_BACKENDS_CUDA_CUDA_STATUS_H_

#include <string>
#include <string_view>

#include "backends/cuda/cuda_symbols.h"
#include "gpuhal/status.h"

namespace gpuhal::cuda {

// The canonical code for `result`:
//   out of memory, launch out of resources               RESOURCE_EXHAUSTED
//   invalid value/handle/context/device/image/PTX        INVALID_ARGUMENT
//   not ready                                            UNAVAILABLE
//   not initialized, deinitialized, no device, stub
//     library, device unavailable, driver mismatch       UNAVAILABLE
//   not found (symbol, file)                             NOT_FOUND
//   not supported, needs a newer driver                  UNIMPLEMENTED
//   not permitted, device not licensed                   PERMISSION_DENIED
//   launch failed, illegal address/instruction, ECC,
//     assert, hardware stack, launch timeout, ...        INTERNAL
//   anything else                                        UNKNOWN
// The device faults are INTERNAL rather than ABORTED because they are sticky: the
// context is unusable afterwards and retrying the operation cannot succeed.
// CUDA_ERROR_NOT_READY is not a failure for query calls (cuStreamQuery, cuEventQuery):
// callers test for it before converting, as in the example above.
StatusCode CudaResultCode(CUresult result);

// The error's name, such as "CUDA_ERROR_OUT_OF_MEMORY": from symbols->cuGetErrorName
// when the table has it and knows the code, else from a built-in table of the common
// codes (so tests and half-filled tables need no driver), else "CUDA error <number>".
std::string CudaErrorName(CUresult result, const CudaSymbols* symbols = nullptr);
// The driver's description ("out of memory"), found the same way; empty when unknown.
std::string CudaErrorDescription(CUresult result, const CudaSymbols* symbols = nullptr);

// OK for CUDA_SUCCESS; otherwise a Status with CudaResultCode(result) and the message
// "<call>: <name> (<description>)".
Status CudaResultToStatus(CUresult result, std::string_view call,
                          const CudaSymbols* symbols = nullptr);

// The form used at call sites: success costs one comparison.
inline Status CudaCall(const CudaSymbols& symbols, CUresult result, std::string_view call) {
  if (result == CUDA_SUCCESS) [[likely]] return OkStatus();
  return CudaResultToStatus(result, call, &symbols);
}

}  // namespace gpuhal::cuda

// Calls symbols.function(args...) and converts its result, naming the function.
#define GPUHAL_CUDA_CALL(symbols, function, ...) \
  ::gpuhal::cuda::CudaCall((symbols), (symbols).function(__VA_ARGS__), #function)

#endif  // GPUHAL_BACKENDS_CUDA_CUDA_STATUS_H_
