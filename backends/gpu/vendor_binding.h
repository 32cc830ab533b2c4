// A vendor value opened on one device, shared by everything that must reach the device
// after the Device object itself may be gone: buffers free their memory through it, and
// event pools destroy their events through it. The device context stays open, and the
// symbol table loaded, until the last holder lets go.
#ifndef GPUHAL_BACKENDS_GPU_VENDOR_BINDING_H_
#define GPUHAL_BACKENDS_GPU_VENDOR_BINDING_H_

#include <utility>

#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class VendorBinding final : public RefCounted {
 public:
  // Opens device `ordinal` on `vendor` (whose symbol table `symbol_owner` keeps alive).
  static Result<Ref<VendorBinding>> Open(Allocator& allocator, V vendor, int ordinal,
                                         Ref<RefCounted> symbol_owner) {
    GPUHAL_RETURN_IF_ERROR(vendor.Open(ordinal));
    Ref<VendorBinding> binding = MakeRef<VendorBinding>(allocator, vendor, std::move(symbol_owner));
    if (!binding) {
      vendor.Close().IgnoreError();
      return ResourceExhaustedError("device: the host allocator could not provide ",
                                    sizeof(VendorBinding), " bytes for the vendor binding");
    }
    return binding;
  }

  const V& vendor() const { return vendor_; }
  RefCounted* symbol_owner() const { return symbol_owner_.get(); }

  // Makes the device current on the calling thread (CUDA binds contexts per thread) and
  // returns the vendor value to call through.
  Result<V> Current() const {
    GPUHAL_RETURN_IF_ERROR(vendor_.MakeCurrent());
    return vendor_;
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  VendorBinding(V vendor, Ref<RefCounted> symbol_owner)
      : vendor_(vendor), symbol_owner_(std::move(symbol_owner)) {}
  ~VendorBinding() override { vendor_.Close().IgnoreError(); }

  V vendor_;
  Ref<RefCounted> symbol_owner_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_VENDOR_BINDING_H_
