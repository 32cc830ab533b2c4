// Timing float32 sum all-reduces over a sweep of message sizes, two ways in one process:
// through gpuhal (a reusable command buffer per rank, submitted from one thread per rank)
// and through NCCL directly (ncclCommInitAll, one grouped ncclAllReduce per iteration
// across the devices, as nccl-tests does), so that the two can be compared on the same
// machine in the same run.
#ifndef GPUHAL_TOOLS_COLLECTIVES_ALLREDUCE_TIMING_H_
#define GPUHAL_TOOLS_COLLECTIVES_ALLREDUCE_TIMING_H_

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "gpuhal/channel.h"
#include "gpuhal/device.h"
#include "gpuhal/status.h"

namespace gpuhal::collectives {

// Enough iterations that small messages are timed over tens of milliseconds and large
// ones over about 16 GiB reduced (tens of milliseconds on NVLink), which keeps a whole
// 8 B .. 1 GiB sweep within seconds.
inline int TimedIterationsFor(size_t bytes) {
  const size_t budget = size_t{16} << 30;
  return static_cast<int>(std::clamp<size_t>(budget / std::max<size_t>(bytes, 1), 10, 1000));
}
inline int WarmupIterationsFor(size_t bytes) {
  return std::max(2, TimedIterationsFor(bytes) / 10);
}

// nccl-tests' bus bandwidth of an all-reduce, in GB/s: what each link carries, so that
// it compares across rank counts.
inline double AllReduceBusBandwidth(size_t bytes, double seconds, int ranks) {
  return static_cast<double>(bytes) / seconds * 2.0 * (ranks - 1) / ranks / 1e9;
}

// Seconds per all-reduce, one per entry of `sizes` (bytes, multiples of 4), through
// gpuhal: devices[i] with channels[i].
Result<std::vector<double>> TimeGpuhalAllReduce(std::span<Device* const> devices,
                                                std::span<Channel* const> channels,
                                                CommandBufferMode mode,
                                                const std::vector<size_t>& sizes);

// The same through NCCL directly, on CUDA devices 0 .. device_count-1. UNAVAILABLE when
// libcuda.so.1 or libnccl.so.2 cannot be loaded.
Result<std::vector<double>> TimeRawNcclAllReduce(int device_count, const std::vector<size_t>& sizes);

}  // namespace gpuhal::collectives

#endif  // GPUHAL_TOOLS_COLLECTIVES_ALLREDUCE_TIMING_H_
