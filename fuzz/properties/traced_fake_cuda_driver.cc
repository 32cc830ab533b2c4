// "fake-cuda" with tracing on. CUDA and HIP headers cannot share a translation unit, so
// each vendor has its own file.
#include <memory>

#include "backends/cuda/cuda_driver.h"
#include "backends/gpu/gpu_driver.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "fakes/drivers/fake_drivers.h"
#include "fuzz/properties/traced_fake_drivers.h"

namespace gpuhal::properties {
namespace {

class TracedFakeCudaDriver final : public gpu::GpuDriver<cuda::CudaVendor> {
 public:
  TracedFakeCudaDriver()
      : gpu::GpuDriver<cuda::CudaVendor>(std::string(fake::kFakeCudaScheme), /*simulated=*/true,
                                         &cuda::CreateCudaDevice) {}

 protected:
  Result<gpu::GpuPlatform<cuda::CudaVendor>> OpenPlatform(const DeviceUri* uri) override {
    fake::EngineOptions options;
    if (uri) {
      GPUHAL_ASSIGN_OR_RETURN(options, fake::EngineOptionsFromUri(*uri));
    }
    options.record_trace = true;
    GPUHAL_ASSIGN_OR_RETURN(Ref<fake::FakeCudaPlatform> simulated,
                            fake::FakeCudaPlatform::Create(options));
    gpu::GpuPlatform<cuda::CudaVendor> platform;
    platform.symbols = &simulated->cuda_symbols();
    platform.symbol_owner = Ref<RefCounted>(simulated.get());
    platform.simulated = true;
    return platform;
  }
  std::span<const std::string_view> platform_keys() const override {
    return fake::kFakePlatformUriKeys;
  }
};

}  // namespace

std::unique_ptr<Driver> CreateTracedFakeCudaDriver() {
  return std::make_unique<TracedFakeCudaDriver>();
}

fake::FaultRule CudaIssueFaultRule() {
  fake::FaultRule rule;
  rule.entry_point = "cuEventRecord";
  rule.error_code = CUDA_ERROR_LAUNCH_FAILED;
  rule.nth_call = 1;
  return rule;
}

Status RegisterTracedFakeDrivers(DriverRegistry& registry) {
  GPUHAL_RETURN_IF_ERROR(registry.Register(CreateTracedFakeCudaDriver()));
  return registry.Register(CreateTracedFakeHipDriver());
}

}  // namespace gpuhal::properties
