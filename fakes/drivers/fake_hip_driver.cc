// "fake-hip": the HIP device over the HIP-shaped simulated GPU.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "backends/hip/hip_driver.h"
#include "backends/hip/hip_symbols.h"
#include "backends/hip/rccl_collective_api.h"
#include "backends/hip/rccl_symbols.h"
#include "backends/gpu/collective_result.h"
#include "fakes/drivers/fake_drivers_internal.h"
#include "fakes/drivers/fake_gpu_driver.h"
#include "fakes/hip/fake_hip_platform.h"

namespace gpuhal::fake {

std::unique_ptr<Driver> CreateFakeHipDriver(FakeDriverOptions options) {
  return std::make_unique<FakeGpuDriver<hip::HipVendor, FakeHipPlatform>>(
      kFakeHipScheme, &hip::CreateHipDevice, FakeHipFaultVocabulary(), options);
}

Engine* FakeHipEngineOf(gpuhal::Device& device) {
  return SimulatedEngineOf<FakeHipPlatform>(device);
}

FaultRule FakeHipLaunchFailureRule(std::string_view entry_point) {
  return LaunchFailureRule(entry_point, FakeHipErrorCodes().launch_failed);
}

FakeErrorCodes FakeHipErrorCodes() {
  return {hipErrorOutOfMemory, hipErrorLaunchFailure, hipErrorInvalidValue};
}

Result<std::string> FakeHipEntryPointName(std::string_view cuda_name) {
  // Where HIP's name is not CUDA's with "cu" read as "hip".
  static constexpr std::pair<std::string_view, std::string_view> kRenamed[] = {
      {"cuDeviceGetCount", "hipGetDeviceCount"},
      {"cuCtxSetCurrent", "hipSetDevice"},
      {"cuCtxGetCurrent", "hipGetDevice"},
      {"cuStreamCreate", "hipStreamCreateWithFlags"},
      {"cuEventCreate", "hipEventCreateWithFlags"},
      {"cuMemAlloc", "hipMalloc"},
      {"cuMemFree", "hipFree"},
      {"cuMemHostAlloc", "hipHostMalloc"},
      {"cuMemFreeHost", "hipHostFree"},
      {"cuMemHostRegister", "hipHostRegister"},
      {"cuMemHostUnregister", "hipHostUnregister"},
      {"cuMemHostGetDevicePointer", "hipHostGetDevicePointer"},
      {"cuMemAllocFromPoolAsync", "hipMallocFromPoolAsync"},
      {"cuMemFreeAsync", "hipFreeAsync"},
      {"cuLaunchKernel", "hipModuleLaunchKernel"},
  };
  std::string name;
  for (const auto& [cuda, hip] : kRenamed) {
    if (cuda == cuda_name) name = std::string(hip);
  }
  if (name.empty() && cuda_name.starts_with("cu")) {
    name = "hip" + std::string(cuda_name.substr(2));
  }
  for (std::string_view hip_name : hip::kHipSymbolNames) {
    if (hip_name == name) return name;
  }
  return NotFoundError("the HIP table has no counterpart of CUDA's ", cuda_name);
}

const FaultVocabulary& FakeHipFaultVocabulary() {
  static const FaultVocabulary vocabulary{
      .vendor = kFakeHipScheme,
      .vendor_functions = hip::kHipSymbolNames,
      .collective_functions = hip::kRcclSymbolNames,
      .out_of_memory = hipErrorOutOfMemory,
      .launch_failed = hipErrorLaunchFailure,
      .collective_failed = static_cast<int>(gpu::CollectiveResult::kSystemError),
      .translate_cuda_name =
          [](std::string_view cuda_name) {
            Result<std::string> name = FakeHipEntryPointName(cuda_name);
            return name.ok() ? *name : std::string(cuda_name);
          },
  };
  return vocabulary;
}

}  // namespace gpuhal::fake
