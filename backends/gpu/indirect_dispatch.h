// Indirect dispatch: a kernel launch whose workgroup count is read from device memory
// when the dispatch executes, never when it is recorded.
//
// Neither CUDA nor HIP launches a kernel with a grid taken from device memory, so the
// count is read on the host *in stream order* at issue time: copy the 12 bytes to pinned
// host memory on the stream, synchronize the stream, then launch with what arrived.
//
// Known cost: the synchronize blocks the issuing thread (which holds the queue's issue
// lock) until every earlier command on the stream has finished, and the GPU idles between
// the copy and the launch. A device-side alternative (a launcher kernel with dynamic
// parallelism, or a graph conditional node) would avoid both and is a later improvement.
#ifndef GPUHAL_BACKENDS_GPU_INDIRECT_DISPATCH_H_
#define GPUHAL_BACKENDS_GPU_INDIRECT_DISPATCH_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// Three uint32 workgroup counts.
inline constexpr size_t kIndirectParametersLength = 3 * sizeof(uint32_t);

// Everything an indirect dispatch needs at issue time, captured at record time.
// Trivially destructible: it lives in a recording's arena.
template <Vendor V>
struct IndirectDispatch {
  typename V::Function function{};
  std::array<uint32_t, 3> block{1, 1, 1};
  uint32_t shared_memory_bytes = 0;
  void** arguments = nullptr;  // packed parameters, in the same arena
  DeviceAddress workgroup_count_address = 0;
  std::string_view entry_point_name;  // owned by the (retained) executable
};

// Pinned host memory that receives the workgroup count. Allocated on first use, because
// most recordings have no indirect dispatch and pinned allocations are slow.
template <Vendor V>
class IndirectParameterStaging {
 public:
  IndirectParameterStaging() = default;
  IndirectParameterStaging(const IndirectParameterStaging&) = delete;
  IndirectParameterStaging& operator=(const IndirectParameterStaging&) = delete;
  ~IndirectParameterStaging() {
    // Every read synchronized its stream, so no copy into the memory is in flight.
    if (host_) vendor_.FreeHost(host_).IgnoreError();
  }

  // The workgroup count at `address` once every earlier command on `stream` is done.
  // Blocks the calling thread until then.
  Result<WorkgroupCount> Read(const V& vendor, typename V::Stream stream, DeviceAddress address) {
    if (!host_) {
      GPUHAL_ASSIGN_OR_RETURN(host_, vendor.AllocateHost(kIndirectParametersLength));
      vendor_ = vendor;
    }
    GPUHAL_RETURN_IF_ERROR(
        vendor.CopyDeviceToHostAsync(host_, address, kIndirectParametersLength, stream));
    GPUHAL_RETURN_IF_ERROR(vendor.SynchronizeStream(stream));
    WorkgroupCount count;
    std::memcpy(count.data(), host_, kIndirectParametersLength);
    return count;
  }

 private:
  V vendor_{};
  void* host_ = nullptr;
};

// Reads the count and launches. A zero count in any dimension launches nothing, as in
// Vulkan (the vendors reject empty grids).
template <Vendor V>
Status IssueIndirectDispatch(const V& vendor, const IndirectDispatch<V>& dispatch,
                             typename V::Stream stream, IndirectParameterStaging<V>& staging) {
  Result<WorkgroupCount> count = staging.Read(vendor, stream, dispatch.workgroup_count_address);
  if (!count.ok()) {
    return count.status().WithContext(StrCat("reading the workgroup count of indirect dispatch '",
                                             dispatch.entry_point_name, "'"));
  }
  if ((*count)[0] == 0 || (*count)[1] == 0 || (*count)[2] == 0) return OkStatus();
  KernelLaunch launch;
  launch.grid = *count;
  launch.block = dispatch.block;
  launch.shared_memory_bytes = dispatch.shared_memory_bytes;
  launch.arguments = dispatch.arguments;
  Status status = vendor.Launch(dispatch.function, launch, stream);
  if (!status.ok()) {
    return status.WithContext(StrCat("indirect dispatch of '", dispatch.entry_point_name,
                                     "' with workgroup count ", launch.grid[0], "x", launch.grid[1],
                                     "x", launch.grid[2]));
  }
  return OkStatus();
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_INDIRECT_DISPATCH_H_
