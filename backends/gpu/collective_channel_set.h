// The channels a submission's collectives ran on, so that its completion can ask each
// for NCCL's asynchronous error.
//
// NCCL reports most failures only asynchronously (a peer that failed, ranks that
// disagreed on an operation, a network error): the stream's work still "completes".
// So a submission with collectives is done only once its completion event has passed
// AND ncclCommGetAsyncError is clean on every channel it used; otherwise its signal
// semaphores fail with the NCCL error.
//
// Entries live in the submission's arena; the channels are retained by the submission's
// command buffers. Not thread-safe: used by whoever owns the submission at the time
// (the issuing thread, then the completion thread).
#ifndef GPUHAL_BACKENDS_GPU_COLLECTIVE_CHANNEL_SET_H_
#define GPUHAL_BACKENDS_GPU_COLLECTIVE_CHANNEL_SET_H_

#include "backends/gpu/gpu_channel.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class CollectiveChannelSet {
 public:
  explicit CollectiveChannelSet(Arena& arena) : arena_(arena) {}
  CollectiveChannelSet(const CollectiveChannelSet&) = delete;
  CollectiveChannelSet& operator=(const CollectiveChannelSet&) = delete;

  bool empty() const { return first_ == nullptr; }

  Status Add(GpuChannel<V>* channel) {
    // A submission uses a handful of channels: a scan beats any index.
    for (const Entry* entry = first_; entry; entry = entry->next) {
      if (entry->channel == channel) return OkStatus();
    }
    auto* entry = arena_.New<Entry>();
    if (!entry) {
      return ResourceExhaustedError("queue submission: out of host memory noting the channels "
                                    "of its collectives");
    }
    entry->channel = channel;
    entry->next = first_;
    first_ = entry;
    return OkStatus();
  }

  // The submission's verdict once its work has ended with `device_status`: the first
  // channel's NCCL error if any channel has one (it names the error), else
  // `device_status`.
  Status CheckAfterCompletion(const Status& device_status) const {
    for (const Entry* entry = first_; entry; entry = entry->next) {
      Status async = entry->channel->CheckAsyncError();
      if (!async.ok()) return async;
    }
    return device_status;
  }

  // Forgets the entries; the caller resets the arena they live in.
  void Reset() { first_ = nullptr; }

 private:
  struct Entry {
    GpuChannel<V>* channel = nullptr;
    Entry* next = nullptr;
  };

  Arena& arena_;
  Entry* first_ = nullptr;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COLLECTIVE_CHANNEL_SET_H_
