// "fake-cuda": the CUDA device over the CUDA-shaped simulated GPU.
#include <memory>
#include <string>

#include "backends/cuda/cuda_driver.h"
#include "backends/cuda/cuda_symbols.h"
#include "backends/gpu/collective_result.h"
#include "backends/cuda/nccl_collective_api.h"
#include "backends/cuda/nccl_symbols.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "fakes/drivers/fake_drivers_internal.h"
#include "fakes/drivers/fake_gpu_driver.h"

namespace gpuhal::fake {

std::unique_ptr<Driver> CreateFakeCudaDriver(FakeDriverOptions options) {
  return std::make_unique<FakeGpuDriver<cuda::CudaVendor, FakeCudaPlatform>>(
      kFakeCudaScheme, &cuda::CreateCudaDevice, FakeCudaFaultVocabulary(), options);
}

Engine* FakeCudaEngineOf(gpuhal::Device& device) {
  return SimulatedEngineOf<FakeCudaPlatform>(device);
}

FaultRule FakeCudaLaunchFailureRule(std::string_view entry_point) {
  return LaunchFailureRule(entry_point, FakeCudaErrorCodes().launch_failed);
}

FakeErrorCodes FakeCudaErrorCodes() {
  return {CUDA_ERROR_OUT_OF_MEMORY, CUDA_ERROR_LAUNCH_FAILED, CUDA_ERROR_INVALID_VALUE};
}

const FaultVocabulary& FakeCudaFaultVocabulary() {
  static const FaultVocabulary vocabulary{
      .vendor = kFakeCudaScheme,
      .vendor_functions = cuda::kCudaSymbolNames,
      .collective_functions = cuda::kNcclSymbolNames,
      .out_of_memory = CUDA_ERROR_OUT_OF_MEMORY,
      .launch_failed = CUDA_ERROR_LAUNCH_FAILED,
      .collective_failed = static_cast<int>(gpu::CollectiveResult::kSystemError),
      .translate_cuda_name = nullptr,
  };
  return vocabulary;
}

}  // namespace gpuhal::fake
