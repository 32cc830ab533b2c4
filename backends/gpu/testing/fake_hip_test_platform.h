// The simulated HIP platform for the command half's tests (command_test_harness.h).
#ifndef GPUHAL_BACKENDS_GPU_TESTING_FAKE_HIP_TEST_PLATFORM_H_
#define GPUHAL_BACKENDS_GPU_TESTING_FAKE_HIP_TEST_PLATFORM_H_

#include "backends/gpu/testing/command_test_harness.h"
#include "backends/hip/rccl_collective_api.h"  // the command buffers record collectives
#include "backends/hip/hip_vendor.h"
#include "fakes/drivers/fake_drivers.h"
#include "fakes/hip/fake_hip_platform.h"

namespace gpuhal::gpu::testing {

template <>
struct FakePlatform<hip::HipVendor> {
  static constexpr const char* kName = "FakeHip";
  static Result<Ref<RefCounted>> Create(hip::HipVendor& vendor) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<fake::FakeHipPlatform> platform, fake::FakeHipPlatform::Create({}));
    vendor.symbols = &platform->hip_symbols();
    return Ref<RefCounted>(std::move(platform));
  }
  // The simulated GPU behind a platform Create returned, to inject faults into.
  static fake::Engine& EngineOf(RefCounted& platform) {
    return static_cast<fake::FakeHipPlatform&>(platform).engine();
  }
  // Makes the next kernel launch fail as a faulting launch does.
  static fake::FaultRule LaunchFailureRule() { return fake::FakeHipLaunchFailureRule("hipModuleLaunchKernel"); }
};

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_FAKE_HIP_TEST_PLATFORM_H_
