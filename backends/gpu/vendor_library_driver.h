// The driver of a real vendor: its platform is the vendor's library, opened on first use
// and kept, and its collectives library is opened for each device's first channel. The
// CUDA and HIP drivers are this template with their own loaders (backends/cuda,
// backends/hip): `Libraries` provides
//   static Result<Ref<typename V::Library>> LoadDriver();
//   static Result<Ref<L>> LoadCollectives();  // L has symbols() for V's collectives
#ifndef GPUHAL_BACKENDS_GPU_VENDOR_LIBRARY_DRIVER_H_
#define GPUHAL_BACKENDS_GPU_VENDOR_LIBRARY_DRIVER_H_

#include <mutex>
#include <string>
#include <string_view>

#include "backends/gpu/gpu_driver.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V, typename Libraries>
class VendorLibraryDriver final : public GpuDriver<V> {
 public:
  VendorLibraryDriver(std::string_view scheme, typename GpuDriver<V>::DeviceFactory create_device)
      : GpuDriver<V>(std::string(scheme), /*simulated=*/false, create_device) {}

 protected:
  Result<GpuPlatform<V>> OpenPlatform(const DeviceUri*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!library_) {
      // Not kept on failure: the library may be installed later in a long-lived process.
      GPUHAL_ASSIGN_OR_RETURN(library_, Libraries::LoadDriver());
    }
    GpuPlatform<V> platform;
    platform.symbols = &library_->symbols();
    platform.symbol_owner = Ref<RefCounted>(library_.get());
    platform.load_collectives = &LoadCollectives;
    return platform;
  }

 private:
  // The loader keeps one handle per open, so each device's channels hold their own.
  static Result<CollectiveLibrary<V>> LoadCollectives(RefCounted&) {
    GPUHAL_ASSIGN_OR_RETURN(auto library, Libraries::LoadCollectives());
    CollectiveLibrary<V> collectives;
    collectives.symbols = &library->symbols();
    collectives.owner = Ref<RefCounted>(library.get());
    return collectives;
  }

  std::mutex mutex_;
  Ref<typename V::Library> library_;  // guarded by mutex_
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_VENDOR_LIBRARY_DRIVER_H_
