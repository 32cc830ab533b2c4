// The driver template behind "fake-cuda" and "fake-hip": a GpuDriver whose platform is a
// freshly made simulated GPU per device, configured from the URI. Included by exactly
// one translation unit per vendor (CUDA and HIP headers cannot share one).
#ifndef GPUHAL_FAKES_DRIVERS_FAKE_GPU_DRIVER_H_
#define GPUHAL_FAKES_DRIVERS_FAKE_GPU_DRIVER_H_

#include <span>
#include <string>
#include <string_view>

#include "backends/gpu/gpu_device_diagnostics.h"
#include "backends/gpu/gpu_driver.h"
#include "fakes/drivers/fake_drivers.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

// `Platform::Create(EngineOptions)` makes the simulated GPU; `SymbolsOf` picks the
// vendor's symbol table from it.
template <typename Vendor, typename Platform,
          const typename Vendor::Symbols& (*SymbolsOf)(const Platform&)>
class FakeGpuDriver final : public gpu::GpuDriver<Vendor> {
 public:
  using typename gpu::GpuDriver<Vendor>::DeviceFactory;
  FakeGpuDriver(std::string_view scheme, DeviceFactory create_device)
      : gpu::GpuDriver<Vendor>(std::string(scheme), /*simulated=*/true, create_device) {}

 protected:
  Result<gpu::GpuPlatform<Vendor>> OpenPlatform(const DeviceUri* uri) override {
    EngineOptions options;
    if (uri) {
      GPUHAL_ASSIGN_OR_RETURN(options, EngineOptionsFromUri(*uri));
    }
    GPUHAL_ASSIGN_OR_RETURN(Ref<Platform> simulated, Platform::Create(options));
    gpu::GpuPlatform<Vendor> platform;
    platform.symbols = &SymbolsOf(*simulated);
    platform.symbol_owner = Ref<RefCounted>(simulated.get());
    platform.simulated = true;
    return platform;
  }
  std::span<const std::string_view> platform_keys() const override { return kFakePlatformUriKeys; }
};

// The simulated GPU platform of type Platform under `device`, or null.
template <typename Platform>
Platform* SimulatedPlatformOf(gpuhal::Device& device) {
  gpu::GpuDeviceDiagnostics* diagnostics = gpu::DiagnosticsOf(device);
  return diagnostics ? dynamic_cast<Platform*>(&diagnostics->symbol_owner()) : nullptr;
}

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_DRIVERS_FAKE_GPU_DRIVER_H_
