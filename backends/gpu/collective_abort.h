// What a failed submission does to the channels of its collectives. A collective runs
// only once every rank has issued its part: when a submission fails before all of its
// command buffers were issued on this rank (its issue failed part way, or a wait it
// needed failed and it never ran), its peers' parts would wait for this rank forever.
// So every channel its command buffers use is aborted (GpuChannel::FailAtIssue): the
// peers' collectives fail, and their submissions with them, instead of hanging.
#ifndef GPUHAL_BACKENDS_GPU_COLLECTIVE_ABORT_H_
#define GPUHAL_BACKENDS_GPU_COLLECTIVE_ABORT_H_

#include <mutex>

#include "backends/gpu/collective_batch.h"
#include "backends/gpu/gpu_channel.h"
#include "backends/gpu/graph_command_buffer.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/core/null_command_buffer.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
void AbortCollectivesOf(CommandBuffer& command_buffer, const Status& failure);

namespace collective_abort_internal {

template <Vendor V>
void Abort(Channel& channel, const Status& failure) {
  auto* gpu_channel = dynamic_cast<GpuChannel<V>*>(&channel);
  if (!gpu_channel) return;
  std::lock_guard<std::mutex> lock(gpu_channel->collectives().issue_mutex());
  gpu_channel->FailAtIssue(failure.WithContext(
      "a submission holding this channel's collective failed before this rank issued it"));
}

// A stream-mode recording is replayed onto this to find its channels; every other
// command is ignored.
template <Vendor V>
class ChannelAborter final : public NullCommandBuffer {
 public:
  ChannelAborter(const CommandBufferParams& params, const Status& failure)
      : NullCommandBuffer(params), failure_(failure) {}

  Status Collective(Channel& channel, CollectiveOp, CollectiveParam, BufferRange, BufferRange,
                    size_t) override {
    Abort<V>(channel, failure_);
    return OkStatus();
  }
  Status ExecuteCommands(CommandBuffer& commands) override {
    AbortCollectivesOf<V>(commands, failure_);
    return OkStatus();
  }

 private:
  const Status& failure_;
};

}  // namespace collective_abort_internal

// Aborts every channel `command_buffer` (seen through shims) issues collectives on.
template <Vendor V>
void AbortCollectivesOf(CommandBuffer& command_buffer, const Status& failure) {
  if (auto* graph = DynCast<GraphCommandBuffer<V>>(&command_buffer)) {
    graph->ForEachCollectiveBatch([&](const CollectiveBatch<V>& batch) {
      for (const CollectiveCall<V>* call = batch.first; call; call = call->next) {
        collective_abort_internal::Abort<V>(*call->channel, failure);
      }
    });
    return;
  }
  if (auto* deferred = DynCast<DeferredCommandBuffer>(&command_buffer)) {
    collective_abort_internal::ChannelAborter<V> aborter(deferred->params(), failure);
    // Only a recording that has ended can have been submitted.
    deferred->Replay(aborter).IgnoreError();
  }
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COLLECTIVE_ABORT_H_
