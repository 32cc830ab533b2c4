// The driver template behind "fake-cuda" and "fake-hip": a GpuDriver whose platform is a
// freshly made simulated GPU per device, configured from the URI. Included by exactly
// one translation unit per vendor (CUDA and HIP headers cannot share one).
#ifndef GPUHAL_FAKES_DRIVERS_FAKE_GPU_DRIVER_H_
#define GPUHAL_FAKES_DRIVERS_FAKE_GPU_DRIVER_H_

#include <iterator>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "backends/gpu/gpu_device_diagnostics.h"
#include "backends/gpu/device_collectives.h"
#include "backends/gpu/gpu_driver.h"
#include "fakes/drivers/fake_drivers.h"
#include "fakes/drivers/fault_spec.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

// `Platform::Create(EngineOptions)` makes the simulated GPU; its vendor_symbols() and
// collective_symbols() are the vendor's table and its NCCL/RCCL table.
//
// Each device gets a simulated GPU of its own, unless its URI names a shared platform
// (platform=NAME): then every device naming NAME, while any of them lives, shares one
// simulated GPU, made with the first one's options — which is what channels between
// devices of one process need (the simulated NCCL spans the devices of one engine).
template <typename Vendor, typename Platform>
class FakeGpuDriver final : public gpu::GpuDriver<Vendor> {
 public:
  using typename gpu::GpuDriver<Vendor>::DeviceFactory;
  FakeGpuDriver(std::string_view scheme, DeviceFactory create_device,
                const FaultVocabulary& vocabulary, FakeDriverOptions options)
      : gpu::GpuDriver<Vendor>(std::string(scheme), /*simulated=*/true, create_device),
        vocabulary_(vocabulary), options_(options) {}

 protected:
  Result<gpu::GpuPlatform<Vendor>> OpenPlatform(const DeviceUri* uri) override {
    EngineOptions options;
    std::string shared_name;
    FaultPlan faults;
    if (uri) {
      GPUHAL_ASSIGN_OR_RETURN(options, EngineOptionsFromUri(*uri));
      if (auto name = uri->Param("platform")) shared_name = std::string(*name);
      GPUHAL_ASSIGN_OR_RETURN(faults, ParseFaultPlan(uri->Param("fail"), uri->Param("lose"),
                                                     uri->Param("fault_kernel"), vocabulary_,
                                                     options.seed));
    }
    options.record_trace = options_.record_trace;
    Ref<Platform> simulated;
    if (shared_name.empty()) {
      GPUHAL_ASSIGN_OR_RETURN(simulated, Platform::Create(options));
      if (options_.configure_engine) options_.configure_engine(simulated->engine());
    } else {
      GPUHAL_ASSIGN_OR_RETURN(simulated, SharedPlatform(shared_name, options));
    }
    ApplyFaultPlan(faults, simulated->engine());
    gpu::GpuPlatform<Vendor> platform;
    platform.symbols = &simulated->vendor_symbols();
    platform.symbol_owner = Ref<RefCounted>(simulated.get());
    platform.simulated = true;
    platform.load_collectives = &LoadCollectives;
    return platform;
  }
  std::span<const std::string_view> platform_keys() const override { return kFakePlatformUriKeys; }

 private:
  static Result<gpu::CollectiveLibrary<Vendor>> LoadCollectives(RefCounted& symbol_owner) {
    auto* platform = dynamic_cast<Platform*>(&symbol_owner);
    if (!platform) return InternalError("a simulated device's symbol owner is not its platform");
    gpu::CollectiveLibrary<Vendor> library;
    library.symbols = &platform->collective_symbols();
    library.owner = Ref<RefCounted>(platform);
    return library;
  }

  const FaultVocabulary& vocabulary_;  // static, the vendor's
  const FakeDriverOptions options_;

  Result<Ref<Platform>> SharedPlatform(const std::string& name, const EngineOptions& options) {
    std::lock_guard<std::mutex> lock(shared_mutex_);
    // Platforms only the map still holds have no device left: release them, so that a
    // name can start afresh and slots are not used up. The count is exact enough: only
    // this function hands out new references, under this lock.
    for (auto it = shared_.begin(); it != shared_.end();) {
      it = it->second->ref_count_for_testing() == 1 ? shared_.erase(it) : std::next(it);
    }
    if (auto it = shared_.find(name); it != shared_.end()) {
      const EngineOptions& existing = it->second->engine().options();
      if (existing.device_count != options.device_count || existing.seed != options.seed ||
          existing.mode != options.mode ||
          existing.device_memory_bytes != options.device_memory_bytes) {
        return InvalidArgumentError("simulated GPU platform=", name,
                                    " is already open with other seed, schedule, devices or "
                                    "memory parameters; give every device of a platform the "
                                    "same ones");
      }
      return it->second;
    }
    GPUHAL_ASSIGN_OR_RETURN(Ref<Platform> platform, Platform::Create(options));
    if (options_.configure_engine) options_.configure_engine(platform->engine());
    shared_.emplace(name, platform);
    return platform;
  }

  std::mutex shared_mutex_;
  std::map<std::string, Ref<Platform>> shared_;  // guarded by shared_mutex_
};

// The simulated GPU platform of type Platform under `device`, or null.
template <typename Platform>
Platform* SimulatedPlatformOf(gpuhal::Device& device) {
  gpu::GpuDeviceDiagnostics* diagnostics = gpu::DiagnosticsOf(device);
  return diagnostics ? dynamic_cast<Platform*>(&diagnostics->symbol_owner()) : nullptr;
}

// The engine of `device`'s simulated platform of type Platform, or null.
template <typename Platform>
Engine* SimulatedEngineOf(gpuhal::Device& device) {
  Platform* platform = SimulatedPlatformOf<Platform>(device);
  return platform ? &platform->engine() : nullptr;
}

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_DRIVERS_FAKE_GPU_DRIVER_H_
