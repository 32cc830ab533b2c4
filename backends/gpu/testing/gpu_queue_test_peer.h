// Test access to a GpuQueue's retirement state, for setting up interleavings that timing
// alone reaches only rarely: publishing completions as a sparse observer would, taking
// the retire token, taking the in-flight list off and putting it back.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_GPU_QUEUE_TEST_PEER_H_
#define GPUHAL_BACKENDS_GPU_TESTING_GPU_QUEUE_TEST_PEER_H_

#include <cstdint>
#include <mutex>

#include "backends/gpu/gpu_queue.h"
#include "backends/gpu/queue_action.h"
#include "backends/gpu/vendor.h"

namespace gpuhal::gpu::testing {

template <Vendor V>
class GpuQueueTestPeer {
 public:
  // As the completion thread's sparse observation does when it finds `sequence` done.
  static void Publish(GpuQueue<V>& queue, uint64_t sequence) {
    queue.completed_through_.store(sequence, std::memory_order_release);
  }
  static bool TryTakeRetireToken(GpuQueue<V>& queue) { return queue.TryTakeRetireToken(); }
  static void ReturnRetireToken(GpuQueue<V>& queue) { queue.ReturnRetireToken(); }
  // Takes every in-flight action off the list (the caller holds the retire token), as an
  // inline retirement pass does with what was published.
  static QueueAction<V>* DetachAll(GpuQueue<V>& queue) {
    std::lock_guard<std::mutex> lock(queue.mutex_);
    return queue.DetachThroughLocked(UINT64_MAX);
  }
  static void Reattach(GpuQueue<V>& queue, QueueAction<V>* chain) { queue.Reattach(chain); }
  // Whether the completion thread sleeps on its condition variable.
  static bool CompletionSleeping(GpuQueue<V>& queue) {
    return queue.completion_sleeping_.load();
  }
};

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_GPU_QUEUE_TEST_PEER_H_
