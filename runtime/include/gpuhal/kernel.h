// The kernel dialect: one kernel source that nvcc compiles to PTX or cubin, hipcc to
// HSACO, and a C++ compiler to a host kernel for the simulated GPU. Kernels are written
// per thread, as in CUDA:
//
//   GPUHAL_KERNEL(scale, GPUHAL_BUFFER(float) data, uint32_t count, float factor) {
//     const uint32_t i = GPUHAL_GLOBAL_ID_X;
//     if (i < count) data[i] *= factor;
//   }
//
// Parameters follow gpuhal's kernel argument ABI: the bindings of set 0 in ordinal order,
// then set 1, ..., then each 32-bit push constant. GPUHAL_BUFFER(T) is a raw T* on a GPU
// and, on the simulated GPU, an accessor that checks every element access against the
// device's memory, so an out-of-bounds access becomes a device fault rather than host
// memory corruption.
//
// On the simulated GPU a launch runs its whole grid in one call, block after block and
// thread after thread on one host thread, stopping at the first fault. The dialect has
// no shared memory or barriers yet; use GPUHAL_ATOMIC_ADD wherever GPU threads would race.
//
// gpuhal_add_kernels() (CMake) compiles a kernel file for every target the machine can
// build and collects the host kernels of a translation unit into a HostKernelLibrary
// with GPUHAL_ADD_TRANSLATION_UNIT_KERNELS.
#ifndef GPUHAL_KERNEL_H_
#define GPUHAL_KERNEL_H_

#if defined(__CUDACC__) || defined(__HIPCC__)

#if defined(__HIPCC__)
#include <hip/hip_runtime.h>
#endif
#include <stdint.h>

#define GPUHAL_KERNEL(name, ...) extern "C" __global__ void name(__VA_ARGS__)
#define GPUHAL_BUFFER(T) T* __restrict__
#define GPUHAL_GLOBAL_ID_X (blockIdx.x * blockDim.x + threadIdx.x)
#define GPUHAL_THREAD_ID_X (threadIdx.x)
#define GPUHAL_BLOCK_ID(axis) (blockIdx.axis)
#define GPUHAL_GRID_DIM(axis) (gridDim.axis)
#define GPUHAL_BLOCK_DIM(axis) (blockDim.axis)
#define GPUHAL_ATOMIC_ADD(lvalue, value) atomicAdd(&(lvalue), (value))

#else  // the simulated GPU

#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "gpuhal/host_kernel.h"
#include "gpuhal/status.h"

namespace gpuhal::kernel_abi {

// What CUDA's blockIdx, blockDim, threadIdx and gridDim say, for one host-run thread.
struct ThreadIndex {
  KernelDim3 block_id{0, 0, 0};
  KernelDim3 block_dim;
  KernelDim3 thread_id{0, 0, 0};
  KernelDim3 grid_dim;
};

// A kernel's view of a binding. The allocation is resolved once per launch, so an
// in-bounds element costs one compare; any other access goes through the launch's
// checked path, which faults it with the reason, and lands in a per-thread scratch
// element so the kernel body needs no error handling.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer(HostKernelLaunch* launch, uint64_t address) : launch_(launch), address_(address) {
    uint64_t bytes_to_end = 0;
    base_ = reinterpret_cast<T*>(launch->Resolve(address, &bytes_to_end));
    count_ = base_ == nullptr ? 0 : bytes_to_end / sizeof(T);
  }

  T& operator[](uint64_t index) const {
    if (index < count_) [[likely]] return base_[index];
    return Checked(index);
  }

 private:
  T& Checked(uint64_t index) const {
    if (index <= (UINT64_MAX - address_) / sizeof(T)) {
      if (uint8_t* host = launch_->Access(address_ + index * sizeof(T), sizeof(T)))
        return *reinterpret_cast<T*>(host);
    } else {
      launch_->Fault("element index overflows the 64-bit address space");
    }
    thread_local std::remove_const_t<T> scratch{};
    return scratch;
  }

  HostKernelLaunch* launch_;
  uint64_t address_;
  T* base_ = nullptr;
  uint64_t count_ = 0;
};

template <typename T>
struct KernelArg {
  static_assert(std::is_trivially_copyable_v<T>, "kernel parameters are plain values");
  static constexpr uint32_t kSize = sizeof(T);
  static T Read(HostKernelLaunch& launch, size_t index) {
    T value{};
    launch.ReadArgument(index, &value, sizeof(T));
    return value;
  }
};
template <typename T>
struct KernelArg<DeviceBuffer<T>> {
  static constexpr uint32_t kSize = sizeof(uint64_t);  // a device address
  static DeviceBuffer<T> Read(HostKernelLaunch& launch, size_t index) {
    uint64_t address = 0;
    launch.ReadArgument(index, &address, sizeof(address));
    return DeviceBuffer<T>(&launch, address);
  }
};

template <typename... Args>
std::vector<uint32_t> ParamSizesOf(void (*)(const ThreadIndex&, Args...)) {
  return {KernelArg<Args>::kSize...};
}

template <typename... Args, size_t... I>
std::tuple<Args...> ReadArgs(HostKernelLaunch& launch, std::index_sequence<I...>) {
  return std::tuple<Args...>{KernelArg<Args>::Read(launch, I)...};
}

template <typename... Args>
void RunGridOf(HostKernelLaunch& launch, void (*body)(const ThreadIndex&, Args...)) {
  std::tuple<Args...> args = ReadArgs<Args...>(launch, std::index_sequence_for<Args...>{});
  if (launch.faulted()) return;  // argument sizes disagree with the registration
  ThreadIndex index;
  index.grid_dim = launch.grid();
  index.block_dim = launch.block();
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
              if (launch.faulted()) return;  // a fault ends the launch
            }
      }
}

// The host kernel that runs `Body` over a launch's whole grid.
template <auto Body>
void RunGrid(HostKernelLaunch& launch) {
  RunGridOf(launch, Body);
}

// The kernels one translation unit defines, in definition order.
struct TranslationUnitKernel {
  const char* name;
  HostKernelFn fn;
  std::vector<uint32_t> (*parameter_sizes)();
  const TranslationUnitKernel* next = nullptr;
};
struct TranslationUnitKernels {
  const TranslationUnitKernel* first = nullptr;
  const TranslationUnitKernel** last = &first;
};

// Adds `kernels` to `library`, stopping at the first refusal (a duplicate name).
inline Status AddKernels(const TranslationUnitKernels& kernels, HostKernelLibrary& library) {
  for (const TranslationUnitKernel* kernel = kernels.first; kernel; kernel = kernel->next) {
    GPUHAL_RETURN_IF_ERROR(library.Add(kernel->name, kernel->fn, kernel->parameter_sizes()));
  }
  return OkStatus();
}

// Appends itself to its translation unit's list when constructed (static initialization
// runs in definition order within a translation unit).
struct TranslationUnitKernelLink : TranslationUnitKernel {
  TranslationUnitKernelLink(TranslationUnitKernels& list, TranslationUnitKernel kernel)
      : TranslationUnitKernel(kernel) {
    *list.last = this;
    list.last = &next;
  }
};

namespace {
// One list per translation unit (internal linkage), so kernels of different libraries
// never meet in a process-wide namespace.
inline TranslationUnitKernels& ThisTranslationUnitsKernels() {
  static TranslationUnitKernels kernels;
  return kernels;
}
}  // namespace

}  // namespace gpuhal::kernel_abi

#define GPUHAL_KERNEL(name, ...)                                                            \
  static void name##_gpuhal_thread(const ::gpuhal::kernel_abi::ThreadIndex& gpuhal_thread,  \
                                   __VA_ARGS__);                                            \
  static const ::gpuhal::kernel_abi::TranslationUnitKernelLink name##_gpuhal_link(          \
      ::gpuhal::kernel_abi::ThisTranslationUnitsKernels(),                                  \
      {#name, &::gpuhal::kernel_abi::RunGrid<&name##_gpuhal_thread>,                        \
       [] { return ::gpuhal::kernel_abi::ParamSizesOf(&name##_gpuhal_thread); }});          \
  static void name##_gpuhal_thread(                                                         \
      [[maybe_unused]] const ::gpuhal::kernel_abi::ThreadIndex& gpuhal_thread, __VA_ARGS__)
#define GPUHAL_BUFFER(T) ::gpuhal::kernel_abi::DeviceBuffer<T>
#define GPUHAL_GLOBAL_ID_X \
  (gpuhal_thread.block_id.x * gpuhal_thread.block_dim.x + gpuhal_thread.thread_id.x)
#define GPUHAL_THREAD_ID_X (gpuhal_thread.thread_id.x)
#define GPUHAL_BLOCK_ID(axis) (gpuhal_thread.block_id.axis)
#define GPUHAL_GRID_DIM(axis) (gpuhal_thread.grid_dim.axis)
#define GPUHAL_BLOCK_DIM(axis) (gpuhal_thread.block_dim.axis)
#define GPUHAL_ATOMIC_ADD(lvalue, value) ((lvalue) += (value))

// Adds every kernel defined so far in this translation unit to a HostKernelLibrary;
// a Status (ALREADY_EXISTS for a name the library has).
#define GPUHAL_ADD_TRANSLATION_UNIT_KERNELS(library) \
  ::gpuhal::kernel_abi::AddKernels(::gpuhal::kernel_abi::ThisTranslationUnitsKernels(), (library))

#endif

#endif  // GPUHAL_KERNEL_H_
