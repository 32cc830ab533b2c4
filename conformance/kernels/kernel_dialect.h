// The kernel dialect: one kernel source compiles both as CUDA kernels (nvcc, for PTX) and
// as host functions that the simulated GPU runs. A kernel is written per thread, as in
// CUDA:
//
//   GPUHAL_KERNEL(cts_fill_u32, GPUHAL_BUFFER(uint32_t) out, uint32_t count, uint32_t value) {
//     const uint32_t i = GPUHAL_GLOBAL_ID_X;
//     if (i < count) out[i] = value;
//   }
//
// Parameters follow gpuhal's kernel argument ABI: the bindings of set 0 in ordinal order,
// then set 1, ..., then each 32-bit push constant. A binding is a 64-bit device address:
// GPUHAL_BUFFER(T) is a raw T* under nvcc and, on the host, an accessor that checks every
// element access against the simulated GPU's address space, so an out-of-bounds access
// becomes a device fault instead of host memory corruption.
//
// On the host a kernel runs its whole grid in one call: GPUHAL_KERNEL defines the
// per-thread body and registers a wrapper that unpacks the arguments and calls the body
// for every thread of every block (blocks in order, threads in order, one host thread),
// stopping at the first fault. Host kernels therefore need no atomics for correctness,
// but the source must still use GPUHAL_ATOMIC_ADD where GPU threads race.
#ifndef GPUHAL_CONFORMANCE_KERNELS_KERNEL_DIALECT_H_
#define GPUHAL_CONFORMANCE_KERNELS_KERNEL_DIALECT_H_

#if defined(__CUDACC__)

#include <cstdint>

#define GPUHAL_KERNEL(name, ...) extern "C" __global__ void name(__VA_ARGS__)
#define GPUHAL_BUFFER(T) T* __restrict__
#define GPUHAL_GLOBAL_ID_X (blockIdx.x * blockDim.x + threadIdx.x)
#define GPUHAL_THREAD_ID_X (threadIdx.x)
#define GPUHAL_BLOCK_ID(axis) (blockIdx.axis)
#define GPUHAL_GRID_DIM(axis) (gridDim.axis)
#define GPUHAL_BLOCK_DIM(axis) (blockDim.axis)
#define GPUHAL_ATOMIC_ADD(lvalue, value) atomicAdd(&(lvalue), (value))

#else  // the simulated GPU

#include "conformance/kernels/host_kernel_abi.h"

#define GPUHAL_KERNEL(name, ...)                                                        \
  static void name##_gpuhal_thread(const ::gpuhal::kernels::ThreadIndex& gpuhal_thread, \
                                   __VA_ARGS__);                                        \
  static const ::gpuhal::kernels::HostKernelRegistrar name##_gpuhal_registrar(          \
      #name, &::gpuhal::kernels::RunGrid<&name##_gpuhal_thread>,                        \
      ::gpuhal::kernels::ParamSizesOf(&name##_gpuhal_thread));                          \
  static void name##_gpuhal_thread(                                                     \
      [[maybe_unused]] const ::gpuhal::kernels::ThreadIndex& gpuhal_thread, __VA_ARGS__)
#define GPUHAL_BUFFER(T) ::gpuhal::kernels::DeviceBuffer<T>
#define GPUHAL_GLOBAL_ID_X \
  (gpuhal_thread.block_id.x * gpuhal_thread.block_dim.x + gpuhal_thread.thread_id.x)
#define GPUHAL_THREAD_ID_X (gpuhal_thread.thread_id.x)
#define GPUHAL_BLOCK_ID(axis) (gpuhal_thread.block_id.axis)
#define GPUHAL_GRID_DIM(axis) (gpuhal_thread.grid_dim.axis)
#define GPUHAL_BLOCK_DIM(axis) (gpuhal_thread.block_dim.axis)
#define GPUHAL_ATOMIC_ADD(lvalue, value) ((lvalue) += (value))

#endif

#endif  // GPUHAL_CONFORMANCE_KERNELS_KERNEL_DIALECT_H_
