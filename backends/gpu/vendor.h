// The contract between the single-source driver (backends/gpu) and a vendor.
//
// The driver is written once, as templates over a `Vendor` type. A Vendor is a small,
// copyable value (the symbol table pointer and the device's context) whose member
// functions are thin inline calls into the injected symbol table, each returning a
// Status that names the vendor call that failed. Nothing in a Vendor decides anything:
// every ordering, pooling and retry decision lives in backends/gpu, once.
//
// Implementations: CudaVendor (backends/cuda/cuda_vendor.h) over the CUDA driver API, and
// HipVendor (backends/hip/hip_vendor.h) over the HIP runtime API. Each is filled from the
// real library or from the simulated GPU; the driver cannot tell which.
#ifndef GPUHAL_BACKENDS_GPU_VENDOR_H_
#define GPUHAL_BACKENDS_GPU_VENDOR_H_

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "gpuhal/status.h"

namespace gpuhal::gpu {

// Device memory addresses as integers, whatever the vendor's pointer type.
using DeviceAddress = uint64_t;

enum class CopyDirection : uint8_t { kHostToDevice, kDeviceToHost, kDeviceToDevice };

struct DeviceDescription {
  std::string name;
  uint64_t total_memory_bytes = 0;
};

struct KernelLaunch {
  std::array<uint32_t, 3> grid{1, 1, 1};
  std::array<uint32_t, 3> block{1, 1, 1};
  uint32_t shared_memory_bytes = 0;
  void** arguments = nullptr;  // one pointer per kernel parameter, vendor ABI
};

// The members every Vendor provides. (Handles are the vendor's own opaque types.)
template <typename V>
concept Vendor = std::copyable<V> && requires(const V v, typename V::Stream stream,
                                              typename V::Event event) {
  { V::kName } -> std::convertible_to<std::string_view>;
  typename V::Symbols;
  typename V::Library;  // ref-counted owner of the symbol table
  typename V::Context;
  typename V::Stream;
  typename V::Event;
  typename V::Graph;
  typename V::GraphExec;
  typename V::GraphNode;
  typename V::Module;
  typename V::Function;
  typename V::MemoryPool;
  typename V::HostFunction;
  { v.CreateStream() } -> std::same_as<Result<typename V::Stream>>;
  { v.RecordEvent(event, stream) } -> std::same_as<Status>;
  { v.StreamWaitEvent(stream, event) } -> std::same_as<Status>;
  { v.QueryEvent(event) } -> std::same_as<Result<bool>>;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_VENDOR_H_
