// What every channel of one device shares: the device's vendor binding (to make the
// device current and keep its context open), the NCCL/RCCL symbol table and what keeps
// it loaded, and the lock that serializes collective calls on the device.
//
// NCCL communicators are not thread-safe, and a group (ncclGroupStart..End) must not
// interleave with another thread's calls on the same communicators. Every channel of a
// device lives on that device, so one lock per device covers every batch: taken from
// GroupStart to GroupEnd by whichever queue issues the batch.
//
// The library is opened on a device's first channel use, never at device creation, so
// that a machine without NCCL/RCCL still runs everything else.
#ifndef GPUHAL_BACKENDS_GPU_DEVICE_COLLECTIVES_H_
#define GPUHAL_BACKENDS_GPU_DEVICE_COLLECTIVES_H_

#include <mutex>
#include <utility>

#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "gpuhal/allocator.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// A loaded collectives library: its symbol table and the object that keeps it loaded.
template <Vendor V>
struct CollectiveLibrary {
  const typename V::Collectives::Symbols* symbols = nullptr;
  Ref<RefCounted> owner;
};

// Opens the platform's collectives library. `symbol_owner` is what keeps the platform's
// vendor symbol table loaded (a simulated GPU passes its own NCCL/RCCL table from it).
template <Vendor V>
using CollectiveLoader = Result<CollectiveLibrary<V>> (*)(RefCounted& symbol_owner);

template <Vendor V>
class DeviceCollectives final : public RefCounted {
 public:
  using Api = typename V::Collectives;

  static Result<Ref<DeviceCollectives>> Create(Allocator& allocator, Ref<VendorBinding<V>> binding,
                                               CollectiveLibrary<V> library) {
    Ref<DeviceCollectives> collectives =
        MakeRef<DeviceCollectives>(allocator, allocator, std::move(binding), std::move(library));
    if (!collectives) {
      return ResourceExhaustedError("channels: the host allocator could not provide ",
                                    sizeof(DeviceCollectives), " bytes");
    }
    return collectives;
  }

  const Api& api() const { return api_; }
  Allocator& allocator() const { return allocator_; }
  const V& vendor() const { return binding_->vendor(); }
  // Which collectives library this device runs, for telling whether two devices can
  // share a channel group. A real driver loads one table per device, all pointing into
  // the one library dlopen returns; the simulated GPU binds a table to each platform. So
  // the code behind a function, not the table's address, identifies the library.
  const void* library_identity() const {
    return reinterpret_cast<const void*>(api_.symbols->ncclGroupStart);
  }
  // Makes the device current on the calling thread: NCCL picks the device of a new
  // communicator, and launches, on the current device.
  Status MakeCurrent() const { return binding_->Current().status(); }
  std::mutex& issue_mutex() { return issue_mutex_; }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  DeviceCollectives(Allocator& allocator, Ref<VendorBinding<V>> binding,
                    CollectiveLibrary<V> library)
      : allocator_(allocator),
        binding_(std::move(binding)),
        library_owner_(std::move(library.owner)) {
    api_.symbols = library.symbols;
  }

  Allocator& allocator_;
  Ref<VendorBinding<V>> binding_;
  Ref<RefCounted> library_owner_;
  Api api_{};
  std::mutex issue_mutex_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_DEVICE_COLLECTIVES_H_
