#include "backends/cuda/cuda_driver.h"

#include <memory>
#include <mutex>
#include <utility>

#include "backends/cuda/cuda_library.h"
#include "backends/cuda/nccl_collective_api.h"
#include "backends/cuda/nccl_library.h"
#include "backends/gpu/gpu_command_buffer.h"
#include "backends/gpu/gpu_driver.h"

template class gpuhal::gpu::GpuDevice<gpuhal::cuda::CudaVendor>;

namespace gpuhal::cuda {
namespace {

// Opened per device on its first channel; the loader keeps one handle per open, so no
// cache is needed here.
Result<gpu::CollectiveLibrary<CudaVendor>> LoadNcclCollectives(RefCounted&) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<NcclLibrary> library, LoadNcclLibrary());
  gpu::CollectiveLibrary<CudaVendor> collectives;
  collectives.symbols = &library->symbols();
  collectives.owner = Ref<RefCounted>(library.get());
  return collectives;
}

class CudaDriver final : public gpu::GpuDriver<CudaVendor> {
 public:
  CudaDriver() : GpuDriver(std::string(kCudaScheme), /*simulated=*/false, &CreateCudaDevice) {}

 protected:
  Result<gpu::GpuPlatform<CudaVendor>> OpenPlatform(const DeviceUri*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!library_) {
      // Not cached on failure: the library may be installed later in a long-lived process.
      GPUHAL_ASSIGN_OR_RETURN(library_, LoadCudaLibrary());
    }
    gpu::GpuPlatform<CudaVendor> platform;
    platform.symbols = &library_->symbols();
    platform.symbol_owner = Ref<RefCounted>(library_.get());
    platform.load_collectives = &LoadNcclCollectives;
    return platform;
  }

 private:
  std::mutex mutex_;
  Ref<CudaLibrary> library_;
};

}  // namespace

Result<Ref<Device>> CreateCudaDevice(const gpu::GpuPlatform<CudaVendor>& platform, int ordinal,
                                     const DeviceParams& params, DeviceInfo info,
                                     Allocator& host_allocator) {
  return gpu::GpuDevice<CudaVendor>::Create(platform, ordinal, params, std::move(info),
                                            host_allocator);
}

std::unique_ptr<Driver> CreateCudaDriver() { return std::make_unique<CudaDriver>(); }

Status RegisterCudaDriver(DriverRegistry& registry) {
  return registry.Register(CreateCudaDriver());
}

}  // namespace gpuhal::cuda
