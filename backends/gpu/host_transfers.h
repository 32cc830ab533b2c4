// A queue's synchronous host transfers (Device::ReadBuffer and WriteBuffer): copies
// between host memory and device addresses through pinned staging memory, in chunks,
// ordered after everything issued on the queue's stream so far.
//
// The staging memory is freed only once no copy into or out of it can still be queued:
// when a chunk fails after its copy was enqueued (no event to record, or the wait for it
// failed), the stream is synchronized first, and when even that fails the memory is kept
// until the queue goes (FreeAbandonedStaging); freeing pinned memory a copy still uses is
// undefined on a GPU.
#ifndef GPUHAL_BACKENDS_GPU_HOST_TRANSFERS_H_
#define GPUHAL_BACKENDS_GPU_HOST_TRANSFERS_H_

#include <cstddef>
#include <cstring>
#include <mutex>
#include <span>
#include <vector>

#include "backends/gpu/event_pool.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class HostTransfers {
 public:
  // Copies are enqueued on `stream` under `issue_mutex` (the queue's, which orders work
  // onto the stream), and waited for on events from `events`; all outlive this object.
  HostTransfers(typename V::Stream stream, std::mutex& issue_mutex, GpuEventPool<V>& events)
      : stream_(stream), issue_mutex_(issue_mutex), events_(events) {}
  HostTransfers(const HostTransfers&) = delete;
  HostTransfers& operator=(const HostTransfers&) = delete;

  Status Write(const V& vendor, std::span<const std::byte> source, DeviceAddress target) {
    return Transfer(vendor, source.size(),
                    [&](std::byte* staging, size_t offset, size_t length,
                        bool after_sync) -> Status {
                      if (after_sync) return OkStatus();
                      std::memcpy(staging, source.data() + offset, length);
                      return vendor.CopyHostToDeviceAsync(target + offset, staging, length,
                                                          stream_);
                    });
  }
  Status Read(const V& vendor, DeviceAddress source, std::span<std::byte> target) {
    return Transfer(vendor, target.size(),
                    [&](std::byte* staging, size_t offset, size_t length,
                        bool after_sync) -> Status {
                      if (after_sync) {
                        std::memcpy(target.data() + offset, staging, length);
                        return OkStatus();
                      }
                      return vendor.CopyDeviceToHostAsync(staging, source + offset, length,
                                                          stream_);
                    });
  }

  // Called by the queue as it goes, before it destroys the stream: synchronizes the
  // stream and frees the staging memory failed transfers left. A device that still cannot
  // be synchronized is lost, and its queued copies never run.
  void FreeAbandonedStaging(const V& vendor) {
    std::lock_guard<std::mutex> lock(abandoned_mutex_);
    if (abandoned_.empty()) return;
    vendor.SynchronizeStream(stream_).IgnoreError();
    for (void* staging : abandoned_) vendor.FreeHost(staging).IgnoreError();
    abandoned_.clear();
  }

 private:
  static constexpr size_t kChunkBytes = size_t{4} << 20;

  // Moves `total` bytes through a pinned staging buffer in chunks. `step(staging, offset,
  // length, after_sync)` enqueues a chunk's copy (after_sync false) and consumes it once
  // the stream has caught up (after_sync true).
  template <typename Step>
  Status Transfer(const V& vendor, size_t total, Step&& step) {
    if (total == 0) return OkStatus();
    const size_t staging_bytes = total < kChunkBytes ? total : kChunkBytes;
    GPUHAL_ASSIGN_OR_RETURN(void* staging_memory, vendor.AllocateHost(staging_bytes));
    auto* staging = static_cast<std::byte*>(staging_memory);
    Status status;
    bool copy_may_be_queued = false;
    for (size_t offset = 0; offset < total && status.ok(); offset += staging_bytes) {
      const size_t length = total - offset < staging_bytes ? total - offset : staging_bytes;
      status = TransferChunk(vendor, copy_may_be_queued, [&](bool after_sync) {
        return step(staging, offset, length, after_sync);
      });
    }
    if (copy_may_be_queued && !vendor.SynchronizeStream(stream_).ok()) {
      std::lock_guard<std::mutex> lock(abandoned_mutex_);
      abandoned_.push_back(staging);
      return status;
    }
    vendor.FreeHost(staging).IgnoreError();
    return status;
  }

  // One chunk: its copy, then a wait for it. `copy_may_be_queued` is set once the copy
  // is enqueued and cleared once the wait has seen it finish.
  template <typename Chunk>
  Status TransferChunk(const V& vendor, bool& copy_may_be_queued, Chunk&& chunk) {
    PooledEvent<V>* done = nullptr;
    {
      // Ordered after the queue's issued work; waiting happens outside the lock so that
      // other issues proceed meanwhile.
      std::lock_guard<std::mutex> issue_lock(issue_mutex_);
      GPUHAL_RETURN_IF_ERROR(chunk(false));
      copy_may_be_queued = true;
      GPUHAL_ASSIGN_OR_RETURN(done, events_.Acquire());
      const Status recorded = vendor.RecordEvent(done->handle(), stream_);
      if (!recorded.ok()) {
        done->Release();
        return recorded;
      }
    }
    Status status = vendor.SynchronizeEvent(done->handle());
    done->Release();
    GPUHAL_RETURN_IF_ERROR(status);
    copy_may_be_queued = false;
    return chunk(true);
  }

  const typename V::Stream stream_;
  std::mutex& issue_mutex_;
  GpuEventPool<V>& events_;
  std::mutex abandoned_mutex_;
  std::vector<void*> abandoned_;  // guarded by abandoned_mutex_: see FreeAbandonedStaging
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_HOST_TRANSFERS_H_
