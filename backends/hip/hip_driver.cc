#include "backends/hip/hip_driver.h"

#include <memory>
#include <mutex>
#include <utility>

#include "backends/gpu/gpu_command_buffer.h"
#include "backends/gpu/gpu_driver.h"
#include "backends/hip/hip_library.h"
#include "backends/hip/rccl_collective_api.h"
#include "backends/hip/rccl_library.h"

template class gpuhal::gpu::GpuDevice<gpuhal::hip::HipVendor>;

namespace gpuhal::hip {
namespace {

// Opened per device on its first channel; the loader keeps one handle per open, so no
// cache is needed here.
Result<gpu::CollectiveLibrary<HipVendor>> LoadRcclCollectives(RefCounted&) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<RcclLibrary> library, LoadRcclLibrary());
  gpu::CollectiveLibrary<HipVendor> collectives;
  collectives.symbols = &library->symbols();
  collectives.owner = Ref<RefCounted>(library.get());
  return collectives;
}

class HipDriver final : public gpu::GpuDriver<HipVendor> {
 public:
  HipDriver() : GpuDriver(std::string(kHipScheme), /*simulated=*/false, &CreateHipDevice) {}

 protected:
  Result<gpu::GpuPlatform<HipVendor>> OpenPlatform(const DeviceUri*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!library_) {
      // Not cached on failure: the library may be installed later in a long-lived process.
      GPUHAL_ASSIGN_OR_RETURN(library_, LoadHipLibrary());
    }
    gpu::GpuPlatform<HipVendor> platform;
    platform.symbols = &library_->symbols();
    platform.symbol_owner = Ref<RefCounted>(library_.get());
    platform.load_collectives = &LoadRcclCollectives;
    return platform;
  }

 private:
  std::mutex mutex_;
  Ref<HipLibrary> library_;
};

}  // namespace

Result<Ref<Device>> CreateHipDevice(const gpu::GpuPlatform<HipVendor>& platform, int ordinal,
                                    const DeviceParams& params, DeviceInfo info,
                                    Allocator& host_allocator) {
  return gpu::GpuDevice<HipVendor>::Create(platform, ordinal, params, std::move(info),
                                           host_allocator);
}

std::unique_ptr<Driver> CreateHipDriver() { return std::make_unique<HipDriver>(); }

Status RegisterHipDriver(DriverRegistry& registry) { return registry.Register(CreateHipDriver()); }

}  // namespace gpuhal::hip
