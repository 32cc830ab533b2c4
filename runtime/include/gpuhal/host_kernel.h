// Host kernels: the simulated GPU's version of an application's kernels.
//
// On fake-cuda:// and fake-hip:// a kernel is a host function that runs a whole launch.
// Applications rarely write one by hand: <gpuhal/kernel.h> turns one kernel source into
// PTX, HSACO and a host kernel, and gpuhal_add_kernels() (CMake) builds the container and
// the library below. What a container's "fake" target names is looked up in the library
// published under the container's scope, so two libraries may both have a kernel called
// "scale" without colliding:
//
//   gpuhal::HostKernelLibrary kernels("my_kernels");
//   GPUHAL_RETURN_IF_ERROR(kernels.Add("scale", &RunScale, {8, 4}));
//   GPUHAL_RETURN_IF_ERROR(kernels.Publish());  // loadable until `kernels` is destroyed
#ifndef GPUHAL_HOST_KERNEL_H_
#define GPUHAL_HOST_KERNEL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpuhal/status.h"

namespace gpuhal {

struct KernelDim3 {
  uint32_t x = 1, y = 1, z = 1;
};

// One launch as its host kernel sees it; valid for the duration of the call. Every
// access to device memory is checked: a bad one faults the launch (the device reports
// a kernel fault, as a GPU reports an illegal address) instead of touching host memory.
class HostKernelLaunch {
 public:
  virtual KernelDim3 grid() const = 0;
  virtual KernelDim3 block() const = 0;
  virtual uint32_t dynamic_shared_memory_bytes() const = 0;
  // The vendor's warp (wavefront) size: 32 on fake-cuda, 64 on fake-hip.
  virtual uint32_t warp_size() const = 0;
  virtual std::string_view kernel_name() const = 0;

  virtual size_t argument_count() const = 0;
  // Copies argument `index` into `out`; false, with the launch faulted, when the index or
  // the size disagrees with the kernel's registered parameters.
  virtual bool ReadArgument(size_t index, void* out, size_t size) = 0;

  // The host bytes behind device address `address` and in *bytes_to_end how many bytes
  // of its allocation start there; null, without a fault, when `address` is not in live
  // device memory (a kernel may be passed a pointer it never uses).
  virtual uint8_t* Resolve(uint64_t address, uint64_t* bytes_to_end) = 0;
  // The host bytes behind [address, address + bytes), or null with the launch faulted
  // for the reason (out of bounds, use after free, unmapped).
  virtual uint8_t* Access(uint64_t address, uint64_t bytes) = 0;

  // Faults the launch with `message`; the first fault of a launch is the one reported.
  virtual void Fault(std::string_view message) = 0;
  bool faulted() const { return faulted_; }

 protected:
  ~HostKernelLaunch() = default;
  // Set by the implementation when the launch faults; read on every thread, so not virtual.
  bool faulted_ = false;
};

using HostKernelFn = void (*)(HostKernelLaunch& launch);

struct HostKernel {
  std::string name;
  HostKernelFn fn = nullptr;
  // Each parameter's size in bytes, in order (a buffer binding is an 8-byte address).
  std::vector<uint32_t> parameter_sizes;
};

// An application's host kernels under one scope name. Not thread-safe until published;
// after Publish the library is read-only and may be used from any thread.
class HostKernelLibrary {
 public:
  // `scope` is what containers name (gpuhal_add_kernels uses its TARGET's name).
  explicit HostKernelLibrary(std::string scope);
  ~HostKernelLibrary();  // withdraws the library; executables already loaded keep working
  HostKernelLibrary(const HostKernelLibrary&) = delete;
  HostKernelLibrary& operator=(const HostKernelLibrary&) = delete;

  // ALREADY_EXISTS for a name the library has; INVALID_ARGUMENT for an empty name, a
  // name with whitespace or '/', or a null function; FAILED_PRECONDITION once published.
  Status Add(std::string_view name, HostKernelFn fn, std::vector<uint32_t> parameter_sizes);

  // Makes the kernels loadable by every simulated device of the process. ALREADY_EXISTS
  // when another live library holds the scope; INVALID_ARGUMENT for an empty scope or one
  // with whitespace or '/'; FAILED_PRECONDITION when published already.
  Status Publish();

  const std::string& scope() const { return scope_; }
  std::span<const HostKernel> kernels() const { return kernels_; }

  // What the simulated GPU loads: the kernel `name` of the library published as
  // `scope`. NOT_FOUND naming whichever of the two is missing.
  static Result<HostKernel> FindPublished(std::string_view scope, std::string_view name);

 private:
  std::string scope_;
  std::vector<HostKernel> kernels_;
  bool published_ = false;
};

}  // namespace gpuhal

#endif  // GPUHAL_HOST_KERNEL_H_
