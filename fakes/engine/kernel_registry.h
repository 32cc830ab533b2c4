// Kernels of the simulated GPU are host functions registered by name. A kernel runs its
// whole grid in one call and reaches device memory only through KernelContext, which
// checks every access against the address space.
//
// Module image format (what a front end's cuModuleLoadData/hipModuleLoadData receives):
// NUL-terminated text whose first line is "gpuhal-fake-module" and whose other lines are
// "kernel <name>" or "scope <name>"; blank lines and lines starting with '#' are ignored.
// A kernel after "scope S" is kernel <name> of the HostKernelLibrary an application
// published as S (gpuhal/host_kernel.h); before any scope line, a kernel registered with
// the registry itself. Loading checks that every named kernel exists.
#ifndef GPUHAL_FAKES_ENGINE_KERNEL_REGISTRY_H_
#define GPUHAL_FAKES_ENGINE_KERNEL_REGISTRY_H_

#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fakes/engine/memory.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

class KernelContext;
using KernelFn = void (*)(KernelContext& context);

struct KernelInfo {
  std::string name;   // as the kernel's source names it
  std::string scope;  // the HostKernelLibrary it came from; empty for registered kernels
  KernelFn fn = nullptr;
  void* user_data = nullptr;
  std::vector<uint32_t> param_sizes;
  std::vector<uint32_t> param_offsets;  // into the packed argument block
  uint32_t args_bytes = 0;
};

class KernelContext {
 public:
  KernelContext(AddressSpace& memory, const KernelInfo& kernel, const uint8_t* args, Dim3 grid,
                Dim3 block, uint32_t shared_memory_bytes, int device, uint32_t warp_size = 32)
      : memory_(memory), kernel_(kernel), args_(args), grid_(grid), block_(block),
        shared_memory_bytes_(shared_memory_bytes), device_(device), warp_size_(warp_size) {}

  Dim3 grid() const { return grid_; }
  Dim3 block() const { return block_; }
  uint32_t shared_memory_bytes() const { return shared_memory_bytes_; }
  int device() const { return device_; }
  uint32_t warp_size() const { return warp_size_; }
  void* user_data() const { return kernel_.user_data; }
  const std::string& name() const { return kernel_.name; }

  size_t arg_count() const { return kernel_.param_sizes.size(); }
  // Parameter i's value; a size mismatch is a kernel bug and faults.
  template <typename T>
  T Arg(size_t i) {
    T value{};
    if (i >= kernel_.param_sizes.size() || kernel_.param_sizes[i] != sizeof(T)) {
      Fault("kernel argument index or size mismatch");
      return value;
    }
    std::memcpy(&value, args_ + kernel_.param_offsets[i], sizeof(T));
    return value;
  }

  // Host bytes behind [address, address + bytes) or null after recording an
  // illegal-address fault; the kernel should return once it sees null.
  uint8_t* Access(uint64_t address, uint64_t bytes);
  // The host bytes behind `address` and how many bytes of its live allocation follow;
  // null (no fault) outside live memory.
  uint8_t* Resolve(uint64_t address, uint64_t* bytes_to_end);
  const uint8_t* args() const { return args_; }
  const KernelInfo& kernel() const { return kernel_; }
  template <typename T>
  T* Pointer(uint64_t address, uint64_t count = 1) {
    return reinterpret_cast<T*>(Access(address, count * sizeof(T)));
  }

  // Makes the launch fail with a sticky kernel fault on the device.
  void Fault(std::string_view message);

  bool faulted() const { return fault_ != Error::kOk; }
  Error fault() const { return fault_; }
  const std::string& fault_message() const { return fault_message_; }

 private:
  AddressSpace& memory_;
  const KernelInfo& kernel_;
  const uint8_t* args_;
  Dim3 grid_, block_;
  uint32_t shared_memory_bytes_;
  int device_;
  uint32_t warp_size_;
  Error fault_ = Error::kOk;
  std::string fault_message_;
};

// Thread-safe. Registered kernels live as long as the registry (pointers stay valid).
class KernelRegistry {
 public:
  // Registering a name again replaces what the name resolves to from then on. A kernel of
  // a host kernel library is registered with its scope and found as "scope/name".
  KernelId Register(std::string_view name, KernelFn fn, std::vector<uint32_t> param_sizes,
                    void* user_data = nullptr, std::string_view scope = {});
  KernelId Find(std::string_view name) const;  // kNull when unknown
  const KernelInfo* Get(KernelId id) const;    // null when unknown

  // Parses a module image; on success `names` holds its kernel names as the module's
  // functions are looked up and `kernels` their ids. A scoped kernel is copied from its
  // published HostKernelLibrary into this registry the first time a module names it.
  // On failure *why (if given) says what is wrong, for the loader's error log.
  Error LoadModuleImage(const char* image, std::vector<std::string>* names,
                        std::vector<KernelId>* kernels, std::string* why = nullptr);

 private:
  mutable std::mutex mu_;
  std::deque<KernelInfo> kernels_;
  std::unordered_map<std::string, KernelId> by_name_;  // key: name, or scope/name
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_KERNEL_REGISTRY_H_
