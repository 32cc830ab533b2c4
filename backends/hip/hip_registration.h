// Registering the "hip" driver, with no vendor type in sight: code that assembles a
// registry (which may also register the other vendor, whose headers clash with these)
// includes only this.
#ifndef GPUHAL_BACKENDS_HIP_HIP_REGISTRATION_H_
#define GPUHAL_BACKENDS_HIP_HIP_REGISTRATION_H_

#include <memory>

#include "gpuhal/driver.h"
#include "gpuhal/status.h"

namespace gpuhal::hip {

// The "hip" driver. The vendor library is loaded on first use, not here: EnumerateDevices
// and CreateDevice return UNAVAILABLE naming the library when it cannot be loaded.
std::unique_ptr<Driver> CreateHipDriver();

// Registers CreateHipDriver() with `registry`.
Status RegisterHipDriver(DriverRegistry& registry);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_HIP_REGISTRATION_H_
