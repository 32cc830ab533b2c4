// The "hip" driver: AMD GPUs through the HIP runtime API, loaded at run time, run by
// the single-source GPU device instantiated here for HipVendor.
#ifndef GPUHAL_BACKENDS_HIP_HIP_DRIVER_H_
#define GPUHAL_BACKENDS_HIP_HIP_DRIVER_H_

#include <memory>

#include "backends/gpu/gpu_device.h"
#include "backends/hip/hip_vendor.h"
#include "backends/hip/hip_registration.h"
#include "gpuhal/driver.h"
#include "gpuhal/status.h"

// Instantiated once, in hip_driver.cc.
extern template class gpuhal::gpu::GpuDevice<gpuhal::hip::HipVendor>;

namespace gpuhal::hip {

inline constexpr std::string_view kHipScheme = "hip";

// A device over any filled HIP symbol table: libamdhip64's, or the simulated GPU's.
Result<Ref<Device>> CreateHipDevice(const gpu::GpuPlatform<HipVendor>& platform, int ordinal,
                                    const DeviceParams& params, DeviceInfo info,
                                    Allocator& host_allocator);
}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_HIP_DRIVER_H_
