// The "cuda" driver: NVIDIA GPUs through the CUDA driver API, loaded at run time, run by
// the single-source GPU device instantiated here for CudaVendor.
#ifndef GPUHAL_BACKENDS_CUDA_CUDA_DRIVER_H_
#define GPUHAL_BACKENDS_CUDA_CUDA_DRIVER_H_

#include <memory>

#include "backends/cuda/cuda_vendor.h"
#include "backends/gpu/gpu_device.h"
#include "backends/cuda/cuda_registration.h"
#include "gpuhal/driver.h"
#include "gpuhal/status.h"

// Instantiated once, in cuda_driver.cc.
extern template class gpuhal::gpu::GpuDevice<gpuhal::cuda::CudaVendor>;

namespace gpuhal::cuda {

inline constexpr std::string_view kCudaScheme = "cuda";

// A device over any filled CUDA symbol table: libcuda's, or the simulated GPU's.
Result<Ref<Device>> CreateCudaDevice(const gpu::GpuPlatform<CudaVendor>& platform, int ordinal,
                                     const DeviceParams& params, DeviceInfo info,
                                     Allocator& host_allocator);
}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_CUDA_DRIVER_H_
