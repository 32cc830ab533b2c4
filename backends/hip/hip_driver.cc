#include "backends/hip/hip_driver.h"

#include <memory>
#include <utility>

#include "backends/gpu/command_half.h"
#include "backends/gpu/gpu_driver.h"
#include "backends/gpu/vendor_library_driver.h"
#include "backends/hip/hip_library.h"
#include "backends/hip/rccl_collective_api.h"
#include "backends/hip/rccl_library.h"

template class gpuhal::gpu::GpuDevice<gpuhal::hip::HipVendor>;

namespace gpuhal::hip {
namespace {

struct HipLibraries {
  static Result<Ref<HipLibrary>> LoadDriver() { return LoadHipLibrary(); }
  static Result<Ref<RcclLibrary>> LoadCollectives() { return LoadRcclLibrary(); }
};

}  // namespace

Result<Ref<Device>> CreateHipDevice(const gpu::GpuPlatform<HipVendor>& platform, int ordinal,
                                    const DeviceParams& params, DeviceInfo info,
                                    Allocator& host_allocator) {
  return gpu::GpuDevice<HipVendor>::Create(platform, ordinal, params, std::move(info),
                                           host_allocator);
}

std::unique_ptr<Driver> CreateHipDriver() {
  using Driver = gpu::VendorLibraryDriver<HipVendor, HipLibraries>;
  return std::make_unique<Driver>(kHipScheme, &CreateHipDevice);
}

Status RegisterHipDriver(DriverRegistry& registry) {
  return registry.Register(CreateHipDriver());
}

}  // namespace gpuhal::hip
