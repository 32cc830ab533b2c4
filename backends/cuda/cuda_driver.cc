#include "backends/cuda/cuda_driver.h"

#include <memory>
#include <utility>

#include "backends/cuda/cuda_library.h"
#include "backends/cuda/nccl_collective_api.h"
#include "backends/cuda/nccl_library.h"
#include "backends/gpu/command_half.h"
#include "backends/gpu/gpu_driver.h"
#include "backends/gpu/vendor_library_driver.h"

template class gpuhal::gpu::GpuDevice<gpuhal::cuda::CudaVendor>;

namespace gpuhal::cuda {
namespace {

struct CudaLibraries {
  static Result<Ref<CudaLibrary>> LoadDriver() { return LoadCudaLibrary(); }
  static Result<Ref<NcclLibrary>> LoadCollectives() { return LoadNcclLibrary(); }
};

}  // namespace

Result<Ref<Device>> CreateCudaDevice(const gpu::GpuPlatform<CudaVendor>& platform, int ordinal,
                                     const DeviceParams& params, DeviceInfo info,
                                     Allocator& host_allocator) {
  return gpu::GpuDevice<CudaVendor>::Create(platform, ordinal, params, std::move(info),
                                            host_allocator);
}

std::unique_ptr<Driver> CreateCudaDriver() {
  using Driver = gpu::VendorLibraryDriver<CudaVendor, CudaLibraries>;
  return std::make_unique<Driver>(kCudaScheme, &CreateCudaDevice);
}

Status RegisterCudaDriver(DriverRegistry& registry) {
  return registry.Register(CreateCudaDriver());
}

}  // namespace gpuhal::cuda
