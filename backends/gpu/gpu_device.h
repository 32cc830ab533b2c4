// The device of the single-source GPU driver: one CUDA or HIP device (or its simulated
// twin), with its queues, allocator, event pool, device-signal tally, completion pacing
// and the scheduler that orders queue work by semaphores. Instantiated once per vendor
// in backends/cuda and backends/hip.
#ifndef GPUHAL_BACKENDS_GPU_GPU_DEVICE_H_
#define GPUHAL_BACKENDS_GPU_GPU_DEVICE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include "backends/gpu/command_buffer_device.h"
#include "backends/gpu/completion_pacing.h"
#include "backends/gpu/device_collectives.h"
#include "backends/gpu/device_signals.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/gpu_channel.h"
#include "backends/gpu/gpu_buffer.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/gpu_device_diagnostics.h"
#include "backends/gpu/gpu_operand_check.h"
#include "backends/gpu/gpu_queue.h"
#include "backends/gpu/gpu_semaphore.h"
#include "backends/gpu/action_scheduler.h"
#include "backends/gpu/queue_action.h"
#include "backends/gpu/vendor.h"
#include "backends/gpu/vendor_binding.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/core/validating_command_buffer.h"
#include "gpuhal/device.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// A filled symbol table and what keeps it loaded: a vendor library, or a simulated GPU.
template <Vendor V>
struct GpuPlatform {
  const typename V::Symbols* symbols = nullptr;
  Ref<RefCounted> symbol_owner;
  bool simulated = false;
  // Opens NCCL/RCCL when a device first needs it for a channel; null: the platform has
  // no collectives library.
  CollectiveLoader<V> load_collectives = nullptr;
};

// Allocations the device makes for itself never need more: vendor allocations are
// aligned to at least this.
inline constexpr size_t kMaxBufferAlignment = 256;

template <Vendor V>
class GpuDevice final : public Device, public GpuDeviceDiagnostics {
 public:
  static Result<Ref<Device>> Create(const GpuPlatform<V>& platform, int ordinal,
                                    const DeviceParams& params, DeviceInfo info,
                                    Allocator& host_allocator) {
    V vendor{};
    vendor.symbols = platform.symbols;
    GPUHAL_RETURN_IF_ERROR(vendor.Initialize());
    GPUHAL_ASSIGN_OR_RETURN(
        Ref<VendorBinding<V>> binding,
        VendorBinding<V>::Open(host_allocator, vendor, ordinal, platform.symbol_owner));
    Ref<GpuDevice> device =
        MakeRef<GpuDevice>(host_allocator, host_allocator, params, std::move(info),
                           std::move(binding), platform.simulated, platform.load_collectives);
    if (!device) {
      return ResourceExhaustedError("device: the host allocator could not provide ",
                                    sizeof(GpuDevice), " bytes");
    }
    GPUHAL_RETURN_IF_ERROR(device->Initialize());
    return Ref<Device>(std::move(device));
  }

  const DeviceInfo& info() const override { return info_; }
  const DeviceParams& params() const override { return params_; }
  Allocator& host_allocator() const override { return host_allocator_; }

  const GpuContext<V>& context() const { return context_; }

  GpuDeviceCounts counts() const override {
    GpuDeviceCounts counts;
    counts.actions = scheduler_->counts();
    for (GpuQueue<V>* queue : queues()) {
      counts.in_flight_actions += queue->in_flight_count();
      counts.inline_retired_actions += queue->inline_retired_count();
    }
    counts.live_events = events_->live_count();
    counts.acquired_events = events_->acquired_count();
    counts.idle_events = events_->idle_count();
    counts.event_over_releases = events_->over_release_count();
    counts.announced_device_signals = signal_tally_->held();
    counts.host_waiters = pacing_->host_waiters();
    return counts;
  }

  RefCounted& symbol_owner() const override { return *binding_->symbol_owner(); }

  void SetCompletionPausedForTesting(bool paused) override {
    for (GpuQueue<V>* queue : queues()) queue->SetCompletionPausedForTesting(paused);
  }

  void ForceSparseCompletionForTesting(bool forced) override {
    pacing_->ForceSparseForTesting(forced);
  }

  // Objects -----------------------------------------------------------------------------

  Result<Ref<Buffer>> AllocateBuffer(const BufferParams& params, size_t byte_length) override {
    GPUHAL_RETURN_IF_ERROR(CheckBufferParams(params, "AllocateBuffer"));
    GPUHAL_ASSIGN_OR_RETURN(typename GpuBuffer<V>::Memory memory,
                            AllocateMemory(params, byte_length));
    GPUHAL_ASSIGN_OR_RETURN(
        Ref<GpuBuffer<V>> buffer,
        GpuBuffer<V>::Create(host_allocator_, binding_, params, byte_length, memory));
    return Ref<Buffer>(std::move(buffer));
  }

  Result<Ref<Semaphore>> CreateSemaphore(uint64_t initial_value) override {
    GPUHAL_ASSIGN_OR_RETURN(
        Ref<GpuSemaphore<V>> semaphore,
        GpuSemaphore<V>::Create(host_allocator_, initial_value, binding_, events_,
                                signal_tally_, pacing_));
    return Ref<Semaphore>(std::move(semaphore));
  }

  Result<Ref<Event>> CreateEvent() override {
    GPUHAL_RETURN_IF_ERROR(binding_->Current());
    return CreateGpuEvent<V>(context_);
  }

  Result<Ref<CommandBuffer>> CreateCommandBuffer(const CommandBufferParams& params) override {
    const CommandBufferMode mode = params.mode == CommandBufferMode::kDeviceDefault
                                       ? params_.command_buffer_mode
                                       : params.mode;
    GPUHAL_RETURN_IF_ERROR(binding_->Current());
    return CreateGpuCommandBuffer<V>(context_, params, mode);
  }

  Result<Ref<Executable>> LoadExecutable(const ExecutableParams& params) override {
    GPUHAL_RETURN_IF_ERROR(binding_->Current());
    return LoadGpuExecutable<V>(context_, params);
  }

  Result<ChannelId> CreateChannelId() override {
    GPUHAL_ASSIGN_OR_RETURN(Ref<DeviceCollectives<V>> collectives, Collectives());
    return collectives->api().CreateUniqueId();
  }
  Result<Ref<Channel>> CreateChannel(const ChannelParams& params) override {
    GPUHAL_ASSIGN_OR_RETURN(Ref<DeviceCollectives<V>> collectives, Collectives());
    return GpuChannel<V>::Create(std::move(collectives), params);
  }
  Result<std::vector<Ref<Channel>>> CreateChannelGroup(std::span<Device* const> devices) override {
    std::vector<Ref<DeviceCollectives<V>>> members;
    bool includes_this = false;
    for (size_t i = 0; i < devices.size(); ++i) {
      auto* device = dynamic_cast<GpuDevice*>(devices[i]);
      if (!device) {
        return InvalidArgumentError("CreateChannelGroup: devices[", i, "] is ",
                                    devices[i] ? "not a " : "null, not a ", V::kName,
                                    " device like ", info_.uri);
      }
      includes_this |= device == this;
      GPUHAL_ASSIGN_OR_RETURN(Ref<DeviceCollectives<V>> collectives, device->Collectives());
      if (!members.empty() && collectives->library_identity() != members[0]->library_identity()) {
        return InvalidArgumentError(
            "CreateChannelGroup: devices[", i, "] (", device->info_.uri,
            ") is on another platform than devices[0] (", devices[0]->info().uri,
            "); a group's devices must share one ", V::kName,
            " platform (for the simulated GPU: one platform=NAME)");
      }
      members.push_back(std::move(collectives));
    }
    if (!includes_this) {
      return InvalidArgumentError("CreateChannelGroup: call it on one of the group's devices");
    }
    return GpuChannel<V>::CreateGroup(members);
  }

  // Queue operations --------------------------------------------------------------------

  Status QueueExecute(QueueAffinity affinity, std::span<const SemaphorePoint> waits,
                      std::span<const SemaphorePoint> signals,
                      std::span<CommandBuffer* const> command_buffers) override {
    GPUHAL_ASSIGN_OR_RETURN(uint32_t queue, SelectQueue(affinity, "QueueExecute"));
    GPUHAL_RETURN_IF_ERROR(CheckPoints(waits, "QueueExecute", "waits"));
    GPUHAL_RETURN_IF_ERROR(CheckPoints(signals, "QueueExecute", "signals"));
    GPUHAL_RETURN_IF_ERROR(CheckSignalValues(signals, "QueueExecute"));
    GPUHAL_RETURN_IF_ERROR(BeginSubmissions(command_buffers));
    ActionRequest<V> request;
    request.queue_index = queue;
    request.waits = waits;
    request.signals = signals;
    request.command_buffers = command_buffers;
    bool accepted = false;
    Status status = scheduler_->Submit(request, &accepted);
    if (!accepted) CancelSubmissions(command_buffers, command_buffers.size());
    return status;
  }

  // The memory is reserved in stream order on the queue at once (so the buffer has its
  // address now, for recording), and `signals` are reached once `waits` are.
  Result<Ref<Buffer>> QueueAlloca(QueueAffinity affinity, std::span<const SemaphorePoint> waits,
                                  std::span<const SemaphorePoint> signals,
                                  const BufferParams& params, size_t byte_length) override {
    GPUHAL_ASSIGN_OR_RETURN(uint32_t queue, SelectQueue(affinity, "QueueAlloca"));
    GPUHAL_RETURN_IF_ERROR(CheckPoints(waits, "QueueAlloca", "waits"));
    GPUHAL_RETURN_IF_ERROR(CheckPoints(signals, "QueueAlloca", "signals"));
    GPUHAL_RETURN_IF_ERROR(CheckSignalValues(signals, "QueueAlloca"));
    GPUHAL_RETURN_IF_ERROR(CheckBufferParams(params, "QueueAlloca"));
    typename GpuBuffer<V>::Memory memory;
    if (has_memory_pool_ && !HasHostAccess(params.type)) {
      GPUHAL_ASSIGN_OR_RETURN(
          memory.address, queues_[queue]->AllocateAsync(memory_pool_, AllocationSize(byte_length)));
      memory.kind = GpuMemoryKind::kQueueAllocation;
    } else {
      GPUHAL_ASSIGN_OR_RETURN(memory, AllocateMemory(params, byte_length));
    }
    GPUHAL_ASSIGN_OR_RETURN(
        Ref<GpuBuffer<V>> buffer,
        GpuBuffer<V>::Create(host_allocator_, binding_, params, byte_length, memory));
    ActionRequest<V> request;
    request.queue_index = queue;
    request.waits = waits;
    request.signals = signals;
    GPUHAL_RETURN_IF_ERROR(scheduler_->Submit(request));
    return Ref<Buffer>(std::move(buffer));
  }

  // A queue allocation is freed in stream order once `waits` are reached; any other
  // buffer of this device keeps its memory until its last reference goes, and the
  // deallocation only orders `signals` after `waits`.
  Status QueueDealloca(QueueAffinity affinity, std::span<const SemaphorePoint> waits,
                       std::span<const SemaphorePoint> signals, Buffer& buffer) override {
    GPUHAL_ASSIGN_OR_RETURN(uint32_t queue, SelectQueue(affinity, "QueueDealloca"));
    GPUHAL_RETURN_IF_ERROR(CheckPoints(waits, "QueueDealloca", "waits"));
    GPUHAL_RETURN_IF_ERROR(CheckPoints(signals, "QueueDealloca", "signals"));
    GPUHAL_RETURN_IF_ERROR(CheckSignalValues(signals, "QueueDealloca"));
    auto* allocation = AsGpuBuffer<V>(buffer);
    if (!allocation || !allocation->IsReachableFrom(context_.vendor)) {
      return InvalidArgumentError("QueueDealloca: the buffer was not allocated by this ", V::kName,
                                  " device",
                                  &buffer.allocated_buffer() != &buffer
                                      ? " (it is a subspan; deallocate the allocation itself)"
                                      : "");
    }
    ActionRequest<V> request;
    request.kind = ActionKind::kDeallocate;
    request.queue_index = queue;
    request.waits = waits;
    request.signals = signals;
    request.deallocation = allocation;
    return scheduler_->Submit(request);
  }

  // Work is issued as soon as its waits allow; nothing is batched.
  Status QueueFlush(QueueAffinity affinity) override {
    return SelectQueue(affinity, "QueueFlush").status();
  }

  Status ReadBuffer(Buffer& source, size_t source_offset, std::span<std::byte> target) override {
    GPUHAL_ASSIGN_OR_RETURN(DeviceAddress address,
                            TransferAddress(source, source_offset, target.size(), "ReadBuffer"));
    GPUHAL_ASSIGN_OR_RETURN(uint32_t queue, SelectQueue(source.queue_affinity(), "ReadBuffer"));
    return queues_[queue]->Read(address, target);
  }

  Status WriteBuffer(std::span<const std::byte> source, Buffer& target,
                     size_t target_offset) override {
    GPUHAL_ASSIGN_OR_RETURN(DeviceAddress address,
                            TransferAddress(target, target_offset, source.size(), "WriteBuffer"));
    GPUHAL_ASSIGN_OR_RETURN(uint32_t queue, SelectQueue(target.queue_affinity(), "WriteBuffer"));
    return queues_[queue]->Write(source, address);
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  GpuDevice(Allocator& host_allocator, const DeviceParams& params, DeviceInfo info,
            Ref<VendorBinding<V>> binding, bool simulated, CollectiveLoader<V> load_collectives)
      : host_allocator_(host_allocator),
        params_(params),
        info_(std::move(info)),
        binding_(std::move(binding)),
        load_collectives_(load_collectives) {
    context_.vendor = binding_->vendor();
    context_.host_allocator = &host_allocator_;
    context_.params = &params_;
    context_.symbol_owner = binding_.get();
    context_.simulated = simulated;
  }

  ~GpuDevice() override {
    if (scheduler_) {
      // Nothing may wait forever on a device that is gone.
      scheduler_->CancelPending(
          CancelledError("the ", V::kName, " device ", info_.uri,
                         " was destroyed while this work still waited on semaphores"));
    }
    // Each queue completes what is in flight before it goes.
    for (GpuQueue<V>* queue : queues()) queue->Release();
    if (queues_) host_allocator_.Free(queues_);
    if (scheduler_) {
      scheduler_->WaitUntilIdle();
      scheduler_->~ActionScheduler();
      host_allocator_.Free(scheduler_);
    }
  }

  Status Initialize() {
    GPUHAL_ASSIGN_OR_RETURN(block_pool_,
                            BlockPool::Create(host_allocator_, params_.arena_block_size));
    context_.block_pool = block_pool_.get();
    GPUHAL_ASSIGN_OR_RETURN(action_block_pool_,
                            BlockPool::Create(host_allocator_, kActionArenaBlockBytes));
    GPUHAL_ASSIGN_OR_RETURN(
        events_, GpuEventPool<V>::Create(host_allocator_, binding_, params_.event_pool_capacity));
    GPUHAL_ASSIGN_OR_RETURN(signal_tally_, DeviceSignalTally::Create(host_allocator_));
    GPUHAL_ASSIGN_OR_RETURN(pacing_, CompletionPacing::Create(host_allocator_));
    GPUHAL_ASSIGN_OR_RETURN(operand_check_, GpuOperandCheck<V>::Create(context_));
    context_.operand_check = operand_check_.get();
    GPUHAL_ASSIGN_OR_RETURN(V vendor, binding_->Current());
    if (params_.async_allocations) {
      // Devices without stream-ordered pools fall back to allocating at call time.
      Result<typename V::MemoryPool> pool = vendor.DefaultMemoryPool();
      has_memory_pool_ = pool.ok();
      if (pool.ok()) memory_pool_ = *pool;
    }

    void* scheduler_memory =
        host_allocator_.Allocate(sizeof(ActionScheduler<V>), alignof(ActionScheduler<V>));
    void* queue_memory =
        host_allocator_.Allocate(sizeof(GpuQueue<V>*) * params_.queue_count, alignof(GpuQueue<V>*));
    if (!scheduler_memory || !queue_memory) {
      host_allocator_.Free(scheduler_memory);
      host_allocator_.Free(queue_memory);
      return ResourceExhaustedError(
          "device: the host allocator could not provide the "
          "scheduler and ",
          params_.queue_count, " queues");
    }
    scheduler_ = new (scheduler_memory)
        ActionScheduler<V>(host_allocator_, *action_block_pool_, *events_);
    queues_ = static_cast<GpuQueue<V>**>(queue_memory);
    for (uint32_t i = 0; i < params_.queue_count; ++i) {
      GPUHAL_ASSIGN_OR_RETURN(
          Ref<GpuQueue<V>> queue,
          GpuQueue<V>::Create(host_allocator_, context_, binding_, events_, pacing_, i,
                              &ActionScheduler<V>::OnActionComplete, scheduler_));
      queues_[queue_count_++] = queue.release();
    }
    scheduler_->set_queues(queues());
    return OkStatus();
  }

  std::span<GpuQueue<V>* const> queues() const { return {queues_, queue_count_}; }

  Result<uint32_t> SelectQueue(QueueAffinity affinity, const char* operation) const {
    const QueueAffinity existing = params_.queue_count >= 64
                                       ? ~QueueAffinity{0}
                                       : (QueueAffinity{1} << params_.queue_count) - 1;
    const QueueAffinity usable = affinity & existing;
    if (usable == 0) {
      return InvalidArgumentError(operation, ": queue affinity 0x", std::hex, affinity, std::dec,
                                  " names none of the device's ", params_.queue_count, " queues");
    }
    return static_cast<uint32_t>(std::countr_zero(usable));
  }

  static Status CheckPoints(std::span<const SemaphorePoint> points, const char* operation,
                            const char* name) {
    for (size_t i = 0; i < points.size(); ++i) {
      if (!points[i].semaphore) {
        return InvalidArgumentError(operation, ": ", name, "[", i, "].semaphore is null");
      }
      if (!AsTimelineSemaphore(points[i].semaphore)) {
        return InvalidArgumentError(operation, ": ", name, "[", i,
                                    "].semaphore was not made by gpuhal; use a device's "
                                    "CreateSemaphore or CreateHostSemaphore");
      }
    }
    return OkStatus();
  }

  // A queue signal must raise its semaphore's value, as a host Signal must: one already
  // at or past it is OUT_OF_RANGE when the submission is made, and nothing is submitted.
  // (A signal overtaken later, by another that completes first with a higher value, is
  // absorbed: values only move forward.) A failed semaphore is accepted: the
  // submission's failure reaches it as any other.
  static Status CheckSignalValues(std::span<const SemaphorePoint> signals,
                                  const char* operation) {
    for (size_t i = 0; i < signals.size(); ++i) {
      Result<uint64_t> current = signals[i].semaphore->Query();
      if (current.ok() && signals[i].value <= *current) {
        return OutOfRangeError(operation, ": signals[", i, "] would signal the semaphore to ",
                               signals[i].value, " but its value is already ", *current,
                               "; a signal must increase it");
      }
    }
    return OkStatus();
  }

  // Checks each command buffer of a submission (not null, made by this device, ended)
  // and claims it: a one-shot buffer runs once (ValidatingCommandBuffer::BeginSubmission).
  // On an error nothing stays claimed.
  Status BeginSubmissions(std::span<CommandBuffer* const> command_buffers) {
    for (size_t i = 0; i < command_buffers.size(); ++i) {
      Status status = BeginSubmission(command_buffers[i]);
      if (!status.ok()) {
        CancelSubmissions(command_buffers, i);
        return status.WithContext(StrCat("QueueExecute: command_buffers[", i, "]"));
      }
    }
    return OkStatus();
  }
  Status BeginSubmission(CommandBuffer* command_buffer) {
    if (!command_buffer) return InvalidArgumentError("the command buffer is null");
    GPUHAL_RETURN_IF_ERROR(CheckCommandBufferDevice<V>(context_.symbol_owner, *command_buffer));
    if (auto* validating = DynCast<ValidatingCommandBuffer>(command_buffer)) {
      return validating->BeginSubmission();
    }
    // Only a caller that unwrapped the shim gets here; the issue checks the state.
    return OkStatus();
  }
  // Gives back the claims of the first `count` command buffers.
  static void CancelSubmissions(std::span<CommandBuffer* const> command_buffers, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      if (auto* validating = DynCast<ValidatingCommandBuffer>(command_buffers[i])) {
        validating->CancelSubmission();
      }
    }
  }

  static Status CheckBufferParams(const BufferParams& params, const char* operation) {
    if (params.min_alignment != 0 && (!std::has_single_bit(params.min_alignment) ||
                                      params.min_alignment > kMaxBufferAlignment)) {
      return InvalidArgumentError(operation, ": min_alignment ", params.min_alignment,
                                  " is not a power of two up to ", kMaxBufferAlignment);
    }
    return OkStatus();
  }

  static bool HasHostAccess(MemoryType type) {
    return (type & MemoryType::kHostVisible) != MemoryType::kNone;
  }
  // Vendors refuse zero-byte allocations; an empty buffer still gets a distinct address.
  static size_t AllocationSize(size_t byte_length) { return byte_length ? byte_length : 1; }

  Result<typename GpuBuffer<V>::Memory> AllocateMemory(const BufferParams& params,
                                                       size_t byte_length) {
    GPUHAL_ASSIGN_OR_RETURN(V vendor, binding_->Current());
    typename GpuBuffer<V>::Memory memory;
    if (HasHostAccess(params.type)) {
      GPUHAL_ASSIGN_OR_RETURN(void* host, vendor.AllocateHost(AllocationSize(byte_length)));
      Result<DeviceAddress> address = vendor.DeviceAddressOfHost(host);
      if (!address.ok()) {
        vendor.FreeHost(host).IgnoreError();
        return address.status();
      }
      memory.kind = GpuMemoryKind::kHost;
      memory.host = static_cast<std::byte*>(host);
      memory.address = *address;
    } else {
      GPUHAL_ASSIGN_OR_RETURN(memory.address, vendor.Allocate(AllocationSize(byte_length)));
      memory.kind = GpuMemoryKind::kDevice;
    }
    return memory;
  }

  Result<DeviceAddress> TransferAddress(Buffer& buffer, size_t offset, size_t length,
                                        const char* operation) {
    GPUHAL_RETURN_IF_ERROR(buffer.ResolveRange(offset, length, operation));
    Result<DeviceAddress> base = DeviceAddressOf(context_, buffer);
    if (!base.ok()) return base.status().WithContext(operation);
    return *base + offset;
  }

  // What this device's channels share, made on first use (the library is opened then).
  Result<Ref<DeviceCollectives<V>>> Collectives() {
    std::lock_guard<std::mutex> lock(collectives_mutex_);
    if (collectives_) return collectives_;
    if (!load_collectives_) {
      return UnimplementedError("channels: the ", info_.driver,
                                " platform has no collectives library (NCCL/RCCL)");
    }
    Result<CollectiveLibrary<V>> library = load_collectives_(*binding_->symbol_owner());
    if (!library.ok()) return library.status().WithContext("channels on " + info_.uri);
    GPUHAL_ASSIGN_OR_RETURN(collectives_, DeviceCollectives<V>::Create(host_allocator_, binding_,
                                                                       *std::move(library)));
    return collectives_;
  }

  Allocator& host_allocator_;
  const DeviceParams params_;
  const DeviceInfo info_;
  Ref<VendorBinding<V>> binding_;
  const CollectiveLoader<V> load_collectives_;
  std::mutex collectives_mutex_;
  Ref<DeviceCollectives<V>> collectives_;  // guarded by collectives_mutex_
  GpuContext<V> context_{};
  Ref<BlockPool> block_pool_;
  // Queue actions keep their arena and resource set blocks while pooled; with the
  // command buffers' block size (32 KiB by default) each pending submission held 66 KB
  // (gpuhal-bench BM_Memory). A typical action needs a few hundred bytes, and an arena
  // gives larger requests a block of their own.
  static constexpr size_t kActionArenaBlockBytes = 1024;
  Ref<BlockPool> action_block_pool_;
  Ref<GpuEventPool<V>> events_;
  Ref<DeviceSignalTally> signal_tally_;
  Ref<CompletionPacing> pacing_;
  Ref<GpuOperandCheck<V>> operand_check_;  // context_.operand_check
  bool has_memory_pool_ = false;
  typename V::MemoryPool memory_pool_{};
  // Owned: made in the host allocator's memory by Initialize, destroyed by the destructor
  // once it is idle (after the queues, whose completion threads call into it).
  ActionScheduler<V>* scheduler_ = nullptr;
  // Owned: an array of queue_count_ queues from the host allocator, each entry holding
  // one reference to its queue; the destructor releases them, then frees the array.
  GpuQueue<V>** queues_ = nullptr;
  size_t queue_count_ = 0;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_DEVICE_H_
