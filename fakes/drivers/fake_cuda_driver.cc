// "fake-cuda": the CUDA device over the CUDA-shaped simulated GPU.
#include <memory>
#include <string>

#include "backends/cuda/cuda_driver.h"
#include "backends/cuda/nccl_collective_api.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "fakes/drivers/fake_drivers_internal.h"
#include "fakes/drivers/fake_gpu_driver.h"

namespace gpuhal::fake {
namespace {

const cuda::CudaSymbols& CudaSymbolsOf(const FakeCudaPlatform& platform) {
  return platform.cuda_symbols();
}
const cuda::NcclSymbols& NcclSymbolsOf(const FakeCudaPlatform& platform) {
  return platform.nccl_symbols();
}

}  // namespace

std::unique_ptr<Driver> CreateFakeCudaDriver(FakeDriverOptions options) {
  return std::make_unique<FakeGpuDriver<cuda::CudaVendor, FakeCudaPlatform, &CudaSymbolsOf,
                                         &NcclSymbolsOf>>(
      kFakeCudaScheme, &cuda::CreateCudaDevice, options);
}

Engine* FakeCudaEngineOf(gpuhal::Device& device) {
  FakeCudaPlatform* platform = SimulatedPlatformOf<FakeCudaPlatform>(device);
  return platform ? &platform->engine() : nullptr;
}

FaultRule FakeCudaLaunchFailureRule(std::string_view entry_point) {
  FaultRule rule;
  rule.entry_point = std::string(entry_point);
  rule.error_code = CUDA_ERROR_LAUNCH_FAILED;
  rule.nth_call = 1;
  return rule;
}

FakeErrorCodes FakeCudaErrorCodes() {
  FakeErrorCodes codes;
  codes.out_of_memory = CUDA_ERROR_OUT_OF_MEMORY;
  codes.launch_failed = CUDA_ERROR_LAUNCH_FAILED;
  codes.invalid_value = CUDA_ERROR_INVALID_VALUE;
  return codes;
}

}  // namespace gpuhal::fake
