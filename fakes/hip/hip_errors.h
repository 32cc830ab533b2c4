// HIP's view of engine errors, and HIP's error names and texts.
#ifndef GPUHAL_FAKES_HIP_HIP_ERRORS_H_
#define GPUHAL_FAKES_HIP_HIP_ERRORS_H_

#include "backends/hip/hip_symbols.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

// As ToCudaResult: an illegal access is hipErrorIllegalAddress; a faulting kernel, a lost
// device or a failed collective hipErrorLaunchFailure; a call HIP forbids where it is made
// (inside a host function) hipErrorNotSupported; a deterministic-mode wait that can never
// finish hipErrorLaunchTimeOut.
hipError_t ToHipError(Error error);

struct HipErrorText {
  hipError_t error;
  const char* name;         // "hipErrorOutOfMemory"
  const char* description;  // "out of memory"
};
// Null for a value that is not a hipError_t of the HIP headers.
const HipErrorText* FindHipErrorText(hipError_t error);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_HIP_HIP_ERRORS_H_
