// "fake-hip" with tracing on (see traced_fake_cuda_driver.cc).
#include <memory>

#include "backends/gpu/gpu_driver.h"
#include "backends/hip/hip_driver.h"
#include "fakes/drivers/fake_drivers.h"
#include "fakes/hip/fake_hip_platform.h"
#include "fuzz/properties/traced_fake_drivers.h"

namespace gpuhal::properties {
namespace {

class TracedFakeHipDriver final : public gpu::GpuDriver<hip::HipVendor> {
 public:
  TracedFakeHipDriver()
      : gpu::GpuDriver<hip::HipVendor>(std::string(fake::kFakeHipScheme), /*simulated=*/true,
                                       &hip::CreateHipDevice) {}

 protected:
  Result<gpu::GpuPlatform<hip::HipVendor>> OpenPlatform(const DeviceUri* uri) override {
    fake::EngineOptions options;
    if (uri) {
      GPUHAL_ASSIGN_OR_RETURN(options, fake::EngineOptionsFromUri(*uri));
    }
    options.record_trace = true;
    GPUHAL_ASSIGN_OR_RETURN(Ref<fake::FakeHipPlatform> simulated,
                            fake::FakeHipPlatform::Create(options));
    gpu::GpuPlatform<hip::HipVendor> platform;
    platform.symbols = &simulated->hip_symbols();
    platform.symbol_owner = Ref<RefCounted>(simulated.get());
    platform.simulated = true;
    return platform;
  }
  std::span<const std::string_view> platform_keys() const override {
    return fake::kFakePlatformUriKeys;
  }
};

}  // namespace

std::unique_ptr<Driver> CreateTracedFakeHipDriver() {
  return std::make_unique<TracedFakeHipDriver>();
}

fake::FaultRule HipIssueFaultRule() {
  fake::FaultRule rule;
  rule.entry_point = "hipEventRecord";
  rule.error_code = hipErrorLaunchFailure;
  rule.nth_call = 1;
  return rule;
}

}  // namespace gpuhal::properties
