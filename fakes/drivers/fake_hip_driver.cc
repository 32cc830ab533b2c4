// "fake-hip": the HIP device over the HIP-shaped simulated GPU.
#include <memory>
#include <string>

#include "backends/hip/hip_driver.h"
#include "backends/hip/rccl_collective_api.h"
#include "fakes/drivers/fake_drivers_internal.h"
#include "fakes/drivers/fake_gpu_driver.h"
#include "fakes/hip/fake_hip_platform.h"

namespace gpuhal::fake {
namespace {

const hip::HipSymbols& HipSymbolsOf(const FakeHipPlatform& platform) {
  return platform.hip_symbols();
}
const hip::RcclSymbols& RcclSymbolsOf(const FakeHipPlatform& platform) {
  return platform.rccl_symbols();
}

}  // namespace

std::unique_ptr<Driver> CreateFakeHipDriver(FakeDriverOptions options) {
  return std::make_unique<FakeGpuDriver<hip::HipVendor, FakeHipPlatform, &HipSymbolsOf,
                                         &RcclSymbolsOf>>(
      kFakeHipScheme, &hip::CreateHipDevice, options);
}

Engine* FakeHipEngineOf(gpuhal::Device& device) {
  FakeHipPlatform* platform = SimulatedPlatformOf<FakeHipPlatform>(device);
  return platform ? &platform->engine() : nullptr;
}

FaultRule FakeHipLaunchFailureRule(std::string_view entry_point) {
  FaultRule rule;
  rule.entry_point = std::string(entry_point);
  rule.error_code = hipErrorLaunchFailure;
  rule.nth_call = 1;
  return rule;
}

}  // namespace gpuhal::fake
