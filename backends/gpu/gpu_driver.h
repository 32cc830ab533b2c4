// The Driver of the single-source GPU backend, shared by the real CUDA and HIP drivers
// and by the simulated GPU's: each supplies only where its symbol table comes from
// (OpenPlatform) and which URI query keys are its own; enumeration, URI parameters and
// device creation are the same for all.
#ifndef GPUHAL_BACKENDS_GPU_GPU_DRIVER_H_
#define GPUHAL_BACKENDS_GPU_GPU_DRIVER_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/gpu/device_params.h"
#include "backends/gpu/gpu_device.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/driver.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GpuDriver : public Driver {
 public:
  // Makes the device; a function so that the device is instantiated once per vendor, in
  // that vendor's backend, rather than in every driver that opens it.
  using DeviceFactory = Result<Ref<Device>> (*)(const GpuPlatform<V>& platform, int ordinal,
                                                const DeviceParams& params, DeviceInfo info,
                                                Allocator& host_allocator);

  GpuDriver(std::string scheme, bool simulated, DeviceFactory create_device)
      : scheme_(std::move(scheme)), simulated_(simulated), create_device_(create_device) {}

  std::string_view scheme() const override { return scheme_; }
  bool simulated() const override { return simulated_; }

  Result<std::vector<DeviceInfo>> EnumerateDevices() override {
    GPUHAL_ASSIGN_OR_RETURN(GpuPlatform<V> platform, OpenPlatform(nullptr));
    GPUHAL_ASSIGN_OR_RETURN(V vendor, InitializedVendor(platform));
    GPUHAL_ASSIGN_OR_RETURN(int count, vendor.DeviceCount());
    std::vector<DeviceInfo> devices;
    for (int ordinal = 0; ordinal < count; ++ordinal) {
      GPUHAL_ASSIGN_OR_RETURN(DeviceDescription description, vendor.Describe(ordinal));
      devices.push_back(MakeInfo(ordinal, std::move(description)));
    }
    return devices;
  }

  Result<Ref<Device>> CreateDevice(const DeviceUri& uri, Allocator& host_allocator) override {
    GPUHAL_ASSIGN_OR_RETURN(DeviceParams params, ParseDeviceParams(uri.params, platform_keys()));
    GPUHAL_ASSIGN_OR_RETURN(GpuPlatform<V> platform, OpenPlatform(&uri));
    GPUHAL_ASSIGN_OR_RETURN(V vendor, InitializedVendor(platform));
    GPUHAL_ASSIGN_OR_RETURN(int count, vendor.DeviceCount());
    if (uri.ordinal >= static_cast<uint32_t>(count)) {
      return NotFoundError(scheme_, "://", uri.ordinal, ": no such device; the ", scheme_,
                           " driver found ", count, " device", count == 1 ? "" : "s");
    }
    const int ordinal = static_cast<int>(uri.ordinal);
    GPUHAL_ASSIGN_OR_RETURN(DeviceDescription description, vendor.Describe(ordinal));
    DeviceInfo info = MakeInfo(ordinal, std::move(description));
    info.uri = uri.ToString();
    return create_device_(platform, ordinal, params, std::move(info), host_allocator);
  }

 protected:
  // The symbol table to open devices with. `uri` is null when enumerating, else the
  // device URI (whose platform_keys() parameters the driver interprets).
  virtual Result<GpuPlatform<V>> OpenPlatform(const DeviceUri* uri) = 0;
  // URI query keys that belong to the platform rather than to DeviceParams.
  virtual std::span<const std::string_view> platform_keys() const { return {}; }

 private:
  static Result<V> InitializedVendor(const GpuPlatform<V>& platform) {
    V vendor{};
    vendor.symbols = platform.symbols;
    GPUHAL_RETURN_IF_ERROR(vendor.Initialize());
    return vendor;
  }

  DeviceInfo MakeInfo(int ordinal, DeviceDescription description) const {
    DeviceInfo info;
    info.uri = StrCat(scheme_, "://", ordinal);
    info.name = std::move(description.name);
    info.driver = scheme_;
    info.total_memory_bytes = description.total_memory_bytes;
    info.simulated = simulated_;
    return info;
  }

  const std::string scheme_;
  const bool simulated_;
  const DeviceFactory create_device_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_DRIVER_H_
