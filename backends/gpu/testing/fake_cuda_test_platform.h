// The simulated CUDA platform for the command half's tests (command_test_harness.h).
#ifndef GPUHAL_BACKENDS_GPU_TESTING_FAKE_CUDA_TEST_PLATFORM_H_
#define GPUHAL_BACKENDS_GPU_TESTING_FAKE_CUDA_TEST_PLATFORM_H_

#include "backends/cuda/cuda_vendor.h"
#include "backends/cuda/nccl_collective_api.h"  // the command buffers record collectives
#include "backends/gpu/testing/command_test_harness.h"
#include "fakes/drivers/fake_drivers.h"
#include "fakes/cuda/fake_cuda_platform.h"

namespace gpuhal::gpu::testing {

template <>
struct FakePlatform<cuda::CudaVendor> {
  static constexpr const char* kName = "FakeCuda";
  static Result<Ref<RefCounted>> Create(cuda::CudaVendor& vendor) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<fake::FakeCudaPlatform> platform,
                            fake::FakeCudaPlatform::Create({}));
    vendor.symbols = &platform->cuda_symbols();
    return Ref<RefCounted>(std::move(platform));
  }
  // The simulated GPU behind a platform Create returned, to inject faults into.
  static fake::Engine& EngineOf(RefCounted& platform) {
    return static_cast<fake::FakeCudaPlatform&>(platform).engine();
  }
  // Makes the next kernel launch fail as a faulting launch does.
  static fake::FaultRule LaunchFailureRule() { return fake::FakeCudaLaunchFailureRule("cuLaunchKernel"); }
};

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_FAKE_CUDA_TEST_PLATFORM_H_
