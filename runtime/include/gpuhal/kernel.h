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
// Indices: GPUHAL_GLOBAL_ID(x|y|z), GPUHAL_THREAD_ID(axis), GPUHAL_BLOCK_ID(axis),
// GPUHAL_BLOCK_DIM(axis), GPUHAL_GRID_DIM(axis) (GPUHAL_GLOBAL_ID_X and GPUHAL_THREAD_ID_X
// are shorthands), and GPUHAL_WARP_SIZE (32 on NVIDIA, 64 on AMD and on fake-hip).
//
// Atomics, each returning the old value, on 32- and 64-bit integers (signed or not):
// GPUHAL_ATOMIC_ADD(lvalue, v) (also float), GPUHAL_ATOMIC_MIN, GPUHAL_ATOMIC_MAX,
// GPUHAL_ATOMIC_EXCH(lvalue, v) (also float) and GPUHAL_ATOMIC_CAS(lvalue, expected,
// desired). Any other type is a compile error on every compiler, not a different result.
//
// On the simulated GPU a launch runs its whole grid in one call, block after block and
// thread after thread on one host thread, stopping at the first fault. The dialect has
// no shared memory or barriers yet; use the atomics wherever GPU threads would race.
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

#include <type_traits>

// The vendors' atomics take int, unsigned int, long long (min and max), unsigned long long
// and float. A dialect integer maps onto the vendor word of its size and signedness, except
// that a 64-bit signed add, exchange or compare-and-swap, the same bit operation either
// way, uses unsigned long long. A type with no word for an operation has no `type`, so
// using it fails to compile.
namespace gpuhal_kernel_atomics {
template <unsigned kBytes, bool kSigned, bool kCompares>
struct IntWord { using type = unsigned long long; };
template <bool kCompares> struct IntWord<4, true, kCompares> { using type = int; };
template <bool kCompares> struct IntWord<4, false, kCompares> { using type = unsigned int; };
template <> struct IntWord<8, true, true> { using type = long long; };

// kCompares: min and max; kFloat: float is supported (add and exchange).
template <typename T, bool kCompares, bool kFloat, typename = void>
struct Word {};
template <typename T, bool kCompares, bool kFloat>
struct Word<T, kCompares, kFloat,
            std::enable_if_t<std::is_integral<T>::value && (sizeof(T) == 4 || sizeof(T) == 8)>> {
  using type = typename IntWord<sizeof(T), std::is_signed<T>::value, kCompares>::type;
};
template <bool kCompares>
struct Word<float, kCompares, true> { using type = float; };
template <typename T> struct Same { using type = T; };
template <typename T> using NoDeduce = typename Same<T>::type;

template <typename T>
__device__ T AtomicAdd(T* p, NoDeduce<T> v) {
  using W = typename Word<T, false, true>::type;
  return static_cast<T>(atomicAdd(reinterpret_cast<W*>(p), static_cast<W>(v)));
}
template <typename T>
__device__ T AtomicMin(T* p, NoDeduce<T> v) {
  using W = typename Word<T, true, false>::type;
  return static_cast<T>(atomicMin(reinterpret_cast<W*>(p), static_cast<W>(v)));
}
template <typename T>
__device__ T AtomicMax(T* p, NoDeduce<T> v) {
  using W = typename Word<T, true, false>::type;
  return static_cast<T>(atomicMax(reinterpret_cast<W*>(p), static_cast<W>(v)));
}
template <typename T>
__device__ T AtomicExch(T* p, NoDeduce<T> v) {
  using W = typename Word<T, false, true>::type;
  return static_cast<T>(atomicExch(reinterpret_cast<W*>(p), static_cast<W>(v)));
}
template <typename T>
__device__ T AtomicCas(T* p, NoDeduce<T> expected, NoDeduce<T> desired) {
  using W = typename Word<T, false, false>::type;
  return static_cast<T>(atomicCAS(reinterpret_cast<W*>(p), static_cast<W>(expected),
                                  static_cast<W>(desired)));
}
}  // namespace gpuhal_kernel_atomics

#define GPUHAL_KERNEL(name, ...) extern "C" __global__ void name(__VA_ARGS__)
#define GPUHAL_BUFFER(T) T* __restrict__
#define GPUHAL_GLOBAL_ID(axis) (blockIdx.axis * blockDim.axis + threadIdx.axis)
#define GPUHAL_GLOBAL_ID_X GPUHAL_GLOBAL_ID(x)
#define GPUHAL_THREAD_ID(axis) (threadIdx.axis)
#define GPUHAL_THREAD_ID_X (threadIdx.x)
#define GPUHAL_BLOCK_ID(axis) (blockIdx.axis)
#define GPUHAL_GRID_DIM(axis) (gridDim.axis)
#define GPUHAL_BLOCK_DIM(axis) (blockDim.axis)
#define GPUHAL_WARP_SIZE (warpSize)
#define GPUHAL_ATOMIC_ADD(lvalue, value) ::gpuhal_kernel_atomics::AtomicAdd(&(lvalue), (value))
#define GPUHAL_ATOMIC_MIN(lvalue, value) ::gpuhal_kernel_atomics::AtomicMin(&(lvalue), (value))
#define GPUHAL_ATOMIC_MAX(lvalue, value) ::gpuhal_kernel_atomics::AtomicMax(&(lvalue), (value))
#define GPUHAL_ATOMIC_EXCH(lvalue, value) ::gpuhal_kernel_atomics::AtomicExch(&(lvalue), (value))
#define GPUHAL_ATOMIC_CAS(lvalue, expected, desired) \
  ::gpuhal_kernel_atomics::AtomicCas(&(lvalue), (expected), (desired))

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
  uint32_t warp_size = 32;
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
  index.warp_size = launch.warp_size();
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

// The atomics, for threads that run one at a time: plain read-modify-writes, typed as on
// a GPU (the same types compile, and the others do not).
template <typename T>
concept AtomicInteger = std::is_integral_v<T> && (sizeof(T) == 4 || sizeof(T) == 8) &&
                        !std::is_same_v<T, bool>;
template <typename T>
concept AtomicAddable = AtomicInteger<T> || std::is_same_v<T, float>;
template <AtomicAddable T>
T AtomicAdd(T* p, std::type_identity_t<T> v) {
  const T old = *p;
  if constexpr (std::is_integral_v<T>) {
    *p = static_cast<T>(static_cast<std::make_unsigned_t<T>>(old) +
                        static_cast<std::make_unsigned_t<T>>(v));  // wraps, as on a GPU
  } else {
    *p = old + v;
  }
  return old;
}
template <AtomicInteger T>
T AtomicMin(T* p, std::type_identity_t<T> v) {
  const T old = *p;
  if (v < old) *p = v;
  return old;
}
template <AtomicInteger T>
T AtomicMax(T* p, std::type_identity_t<T> v) {
  const T old = *p;
  if (v > old) *p = v;
  return old;
}
template <AtomicAddable T>
T AtomicExch(T* p, std::type_identity_t<T> v) {
  const T old = *p;
  *p = v;
  return old;
}
template <AtomicInteger T>
T AtomicCas(T* p, std::type_identity_t<T> expected, std::type_identity_t<T> desired) {
  const T old = *p;
  if (old == expected) *p = desired;
  return old;
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
#define GPUHAL_GLOBAL_ID(axis) \
  (gpuhal_thread.block_id.axis * gpuhal_thread.block_dim.axis + gpuhal_thread.thread_id.axis)
#define GPUHAL_GLOBAL_ID_X GPUHAL_GLOBAL_ID(x)
#define GPUHAL_THREAD_ID(axis) (gpuhal_thread.thread_id.axis)
#define GPUHAL_THREAD_ID_X (gpuhal_thread.thread_id.x)
#define GPUHAL_BLOCK_ID(axis) (gpuhal_thread.block_id.axis)
#define GPUHAL_GRID_DIM(axis) (gpuhal_thread.grid_dim.axis)
#define GPUHAL_BLOCK_DIM(axis) (gpuhal_thread.block_dim.axis)
#define GPUHAL_WARP_SIZE (gpuhal_thread.warp_size)
#define GPUHAL_ATOMIC_ADD(lvalue, value) ::gpuhal::kernel_abi::AtomicAdd(&(lvalue), (value))
#define GPUHAL_ATOMIC_MIN(lvalue, value) ::gpuhal::kernel_abi::AtomicMin(&(lvalue), (value))
#define GPUHAL_ATOMIC_MAX(lvalue, value) ::gpuhal::kernel_abi::AtomicMax(&(lvalue), (value))
#define GPUHAL_ATOMIC_EXCH(lvalue, value) ::gpuhal::kernel_abi::AtomicExch(&(lvalue), (value))
#define GPUHAL_ATOMIC_CAS(lvalue, expected, desired) \
  ::gpuhal::kernel_abi::AtomicCas(&(lvalue), (expected), (desired))

// Adds every kernel defined so far in this translation unit to a HostKernelLibrary;
// a Status (ALREADY_EXISTS for a name the library has).
#define GPUHAL_ADD_TRANSLATION_UNIT_KERNELS(library) \
  ::gpuhal::kernel_abi::AddKernels(::gpuhal::kernel_abi::ThisTranslationUnitsKernels(), (library))

#endif

#endif  // GPUHAL_KERNEL_H_
