// The host side of the kernel dialect (kernel_dialect.h): how a kernel written per thread
// becomes one host function that runs a whole grid on the simulated GPU. Included only
// by the dialect when it is not compiled by nvcc.
#ifndef GPUHAL_CONFORMANCE_KERNELS_HOST_KERNEL_ABI_H_
#define GPUHAL_CONFORMANCE_KERNELS_HOST_KERNEL_ABI_H_

#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "fakes/gpu/builtin_fake_kernels.h"
#include "fakes/engine/kernel_registry.h"
#include "fakes/engine/types.h"

namespace gpuhal::kernels {

// What CUDA's blockIdx, blockDim, threadIdx and gridDim say, for one host-run thread.
struct ThreadIndex {
  fake::Dim3 block_id{0, 0, 0};
  fake::Dim3 block_dim;
  fake::Dim3 thread_id{0, 0, 0};
  fake::Dim3 grid_dim;
};

// A kernel's view of a binding: element i is translated through the simulated GPU's
// address space on every access. Past the end of the allocation the access records an
// illegal-address fault on the launch and lands in a per-thread scratch element, so the
// kernel body needs no error handling; the grid loop stops after the faulting thread.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer(fake::KernelContext* context, uint64_t address)
      : context_(context), address_(address) {}

  T& operator[](uint64_t index) const {
    if (T* element = context_->Pointer<T>(address_ + index * sizeof(T), 1)) return *element;
    thread_local std::remove_const_t<T> scratch{};
    return scratch;
  }

 private:
  fake::KernelContext* context_;
  uint64_t address_;
};

template <typename T>
struct KernelArg {
  static constexpr uint32_t kSize = sizeof(T);
  static T Read(fake::KernelContext& context, size_t index) { return context.Arg<T>(index); }
};
template <typename T>
struct KernelArg<DeviceBuffer<T>> {
  static constexpr uint32_t kSize = sizeof(uint64_t);  // a device address
  static DeviceBuffer<T> Read(fake::KernelContext& context, size_t index) {
    return DeviceBuffer<T>(&context, context.Arg<uint64_t>(index));
  }
};

template <typename... Args>
std::vector<uint32_t> ParamSizesOf(void (*)(const ThreadIndex&, Args...)) {
  return {KernelArg<Args>::kSize...};
}

template <typename... Args, size_t... I>
std::tuple<Args...> ReadArgs(fake::KernelContext& context, std::index_sequence<I...>) {
  return std::tuple<Args...>{KernelArg<Args>::Read(context, I)...};
}

template <typename... Args>
void RunGridOf(fake::KernelContext& context, void (*body)(const ThreadIndex&, Args...)) {
  std::tuple<Args...> args = ReadArgs<Args...>(context, std::index_sequence_for<Args...>{});
  if (context.faulted()) return;  // argument sizes disagree with the registration
  ThreadIndex index;
  index.grid_dim = context.grid();
  index.block_dim = context.block();
  auto call = [&](const Args&... unpacked) { body(index, unpacked...); };
  for (uint32_t bz = 0; bz < index.grid_dim.z; ++bz)
    for (uint32_t by = 0; by < index.grid_dim.y; ++by)
      for (uint32_t bx = 0; bx < index.grid_dim.x; ++bx) {
        index.block_id = {bx, by, bz};
        for (uint32_t tz = 0; tz < index.block_dim.z; ++tz)
          for (uint32_t ty = 0; ty < index.block_dim.y; ++ty)
            for (uint32_t tx = 0; tx < index.block_dim.x; ++tx) {
              index.thread_id = {tx, ty, tz};
              std::apply(call, args);
              if (context.faulted()) return;
            }
      }
}

// A KernelFn for the simulated GPU that runs `Body` over the launch's whole grid.
template <auto Body>
void RunGrid(fake::KernelContext& context) {
  RunGridOf(context, Body);
}

// Registers a dialect kernel as a built-in kernel of every simulated GPU created from
// now on, and remembers its name (RegisteredHostKernelNames).
struct HostKernelRegistrar {
  HostKernelRegistrar(std::string_view name, fake::KernelFn fn, std::vector<uint32_t> param_sizes);
};

// Names of every kernel registered through the dialect, in registration order.
const std::vector<std::string_view>& RegisteredHostKernelNames();

}  // namespace gpuhal::kernels

#endif  // GPUHAL_CONFORMANCE_KERNELS_HOST_KERNEL_ABI_H_
