// A device: one GPU (real or simulated) with its queues. Everything an application does
// starts here: allocate buffers, record command buffers, submit them ordered by
// semaphores.
#ifndef GPUHAL_DEVICE_H_
#define GPUHAL_DEVICE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpuhal/allocator.h"
#include "gpuhal/buffer.h"
#include "gpuhal/channel.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/event.h"
#include "gpuhal/executable.h"
#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/status.h"
#include "gpuhal/time.h"

namespace gpuhal {

struct DeviceInfo {
  std::string uri;     // canonical, e.g. "cuda://0"
  std::string name;    // e.g. "NVIDIA H100 80GB HBM3" or "simulated GPU"
  std::string driver;  // the driver scheme that made it
  uint64_t total_memory_bytes = 0;
  bool simulated = false;
};

// Tunables, set from the device URI's query (e.g. "cuda://0?mode=stream&event_pool=64").
struct DeviceParams {
  CommandBufferMode command_buffer_mode = CommandBufferMode::kGraph;  // "mode"
  // Idle events kept for reuse. A rapid run of submissions holds about two events per
  // action in flight, and completion threads retire such runs in batches
  // (backends/gpu/completion_pacing.h): below that the pool destroys and recreates
  // events on every batch.
  uint32_t event_pool_capacity = 128;                                 // "event_pool"
  size_t arena_block_size = 32 * 1024;                                // "arena_block"
  bool async_allocations = true;                                      // "async_alloc"
  uint32_t queue_count = 1;                                           // "queues"
};

class Device : public RefCounted {
 public:
  virtual const DeviceInfo& info() const = 0;
  virtual const DeviceParams& params() const = 0;
  // The allocator every host allocation made for this device goes through.
  virtual Allocator& host_allocator() const = 0;

  // Objects ----------------------------------------------------------------------------

  virtual Result<Ref<Buffer>> AllocateBuffer(const BufferParams& params, size_t byte_length) = 0;
  virtual Result<Ref<Semaphore>> CreateSemaphore(uint64_t initial_value) = 0;
  virtual Result<Ref<Event>> CreateEvent() = 0;
  virtual Result<Ref<CommandBuffer>> CreateCommandBuffer(const CommandBufferParams& params) = 0;
  virtual Result<Ref<Executable>> LoadExecutable(const ExecutableParams& params) = 0;

  Result<Ref<DescriptorSetLayout>> CreateDescriptorSetLayout(
      std::span<const DescriptorSetLayoutBinding> bindings) {
    return DescriptorSetLayout::Create(host_allocator(), bindings);
  }
  Result<Ref<PipelineLayout>> CreatePipelineLayout(std::span<DescriptorSetLayout* const> sets,
                                                   uint32_t push_constant_count) {
    return PipelineLayout::Create(host_allocator(), sets, push_constant_count);
  }

  // A fresh channel id; send it to every participant before CreateChannel.
  virtual Result<ChannelId> CreateChannelId() = 0;
  // Joins channel `params.id` as `params.rank` of `params.count`. Blocks until every
  // participant has joined.
  virtual Result<Ref<Channel>> CreateChannel(const ChannelParams& params) = 0;
  // For several devices driven by this one process: one channel per device, rank i on
  // devices[i], made together from the calling thread, with no id to exchange. This
  // device must be one of them, and all must come from its driver and platform (for the
  // simulated GPU: URIs naming the same platform=NAME). Blocks until all are made.
  virtual Result<std::vector<Ref<Channel>>> CreateChannelGroup(
      std::span<Device* const> devices) = 0;

  // Queue operations -------------------------------------------------------------------
  //
  // None of these blocks the calling thread on device work or on its waits. Work whose
  // waits are not yet satisfiable is held and issued once they are; a wait on a value
  // that is already being produced on a device is issued at once, ordered on the GPU.
  // When work fails, the failure reaches every signal semaphore and everything that
  // waits on them. Wait and signal arrays and command buffer arrays are copied.

  virtual Status QueueExecute(QueueAffinity affinity, std::span<const SemaphorePoint> waits,
                              std::span<const SemaphorePoint> signals,
                              std::span<CommandBuffer* const> command_buffers) = 0;
  // Signals `signals` once `waits` are reached and earlier work on the queue is done.
  Status QueueBarrier(QueueAffinity affinity, std::span<const SemaphorePoint> waits,
                      std::span<const SemaphorePoint> signals) {
    return QueueExecute(affinity, waits, signals, {});
  }
  // Returns a buffer at once whose memory becomes usable once `waits` are reached and
  // the allocation is made; `signals` tell when. Using it earlier is an ordering error.
  virtual Result<Ref<Buffer>> QueueAlloca(QueueAffinity affinity,
                                          std::span<const SemaphorePoint> waits,
                                          std::span<const SemaphorePoint> signals,
                                          const BufferParams& params, size_t byte_length) = 0;
  // Releases `buffer`'s memory once `waits` are reached.
  virtual Status QueueDealloca(QueueAffinity affinity, std::span<const SemaphorePoint> waits,
                               std::span<const SemaphorePoint> signals, Buffer& buffer) = 0;
  // Pushes any batched work to the device.
  virtual Status QueueFlush(QueueAffinity affinity) = 0;

  // Host waits. Semaphores of other devices and host semaphores may be mixed in.
  virtual Status WaitSemaphores(WaitMode mode, std::span<const SemaphorePoint> points,
                                Timeout timeout) {
    return gpuhal::WaitSemaphores(mode, points, timeout);
  }

  // Synchronous transfers between host memory and any buffer of this device, for
  // setup and checking; they wait for the queue's earlier work.
  virtual Status ReadBuffer(Buffer& source, size_t source_offset, std::span<std::byte> target) = 0;
  virtual Status WriteBuffer(std::span<const std::byte> source, Buffer& target,
                             size_t target_offset) = 0;

 protected:
  Device() = default;
};

}  // namespace gpuhal

#endif  // GPUHAL_DEVICE_H_
