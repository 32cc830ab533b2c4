// Registering the "cuda" driver, with no vendor type in sight: code that assembles a
// registry (which may also register the other vendor, whose headers clash with these)
// includes only this.
#ifndef GPUHAL_BACKENDS_CUDA_CUDA_REGISTRATION_H_
#define GPUHAL_BACKENDS_CUDA_CUDA_REGISTRATION_H_

#include <memory>

#include "gpuhal/driver.h"
#include "gpuhal/status.h"

namespace gpuhal::cuda {

// The "cuda" driver. The vendor library is loaded on first use, not here: EnumerateDevices
// and CreateDevice return UNAVAILABLE naming the library when it cannot be loaded.
std::unique_ptr<Driver> CreateCudaDriver();

// Registers CreateCudaDriver() with `registry`.
Status RegisterCudaDriver(DriverRegistry& registry);

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_CUDA_REGISTRATION_H_
