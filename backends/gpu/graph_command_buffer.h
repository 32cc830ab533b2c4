// Graph mode: a command buffer recorded into CUDA/HIP graphs and instantiated at End().
//
// Dependencies. Each command becomes a node that depends on the current *barrier node*
// (none at the start). Nodes added since the last barrier are remembered, without a cap,
// in a growable array in the recording's arena. An execution barrier turns them into the
// new barrier node: the node itself when there is exactly one, otherwise an empty node
// that joins them all. So work between barriers runs concurrently and a barrier costs at
// most one extra node.
//
// Segments. Neither vendor can launch a kernel whose grid lives in device memory, so an
// indirect dispatch splits the recording: the commands before it form one graph, the
// dispatch is issued from the host after reading its workgroup count in stream order
// (indirect_dispatch.h), and the commands after it form the next graph. Issue launches
// the segments in order on one stream, which also orders everything across the split.
//
// Collectives. Consecutive Collective commands form one batch (collective_batch.h), issued
// as one NCCL group. NCCL enqueues its work on a stream, not into a graph, so a batch is
// a segment of its own, like an indirect dispatch: the graph recorded before it is closed,
// the batch is issued between the graph launches, and any other command (or End) first
// closes the batch. Stream order then puts the collectives after everything recorded
// before them and before everything recorded after them.
//
// Templates. End() instantiates each segment's graph. A one-shot buffer then destroys
// the graph template; a reusable buffer keeps it, because executing it from another
// graph command buffer (ExecuteCommands) adds it as a child graph node, which clones the
// template. Begin() on a reusable buffer destroys the previous recording's graphs and
// executables and starts over.
//
// Lifetimes. Update data and kernel parameters live in the arena, and every buffer,
// executable, event and nested command buffer a command names is retained, until the
// buffer is re-recorded or destroyed; submissions keep the command buffer alive.
#ifndef GPUHAL_BACKENDS_GPU_GRAPH_COMMAND_BUFFER_H_
#define GPUHAL_BACKENDS_GPU_GRAPH_COMMAND_BUFFER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <string_view>

#include "backends/gpu/collective_batch.h"
#include "backends/gpu/collective_channel_set.h"
#include "backends/gpu/command_operands.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/gpu_event.h"
#include "backends/gpu/indirect_dispatch.h"
#include "backends/gpu/kernel_arguments.h"
#include "backends/gpu/native_executable.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/core/resource_set.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GraphCommandBuffer final : public CommandBuffer {
 public:
  using GraphNode = typename V::GraphNode;
  using Dependencies = std::span<const GraphNode>;

  static constexpr char kTypeTag = 0;  // see CommandBuffer::TypeTag
  const void* TypeTag() const override { return &kTypeTag; }

  static Result<Ref<GraphCommandBuffer>> Create(const GpuContext<V>& context,
                                                const CommandBufferParams& params) {
    Ref<GraphCommandBuffer> command_buffer =
        MakeRef<GraphCommandBuffer>(*context.host_allocator, context, params);
    if (!command_buffer) {
      return ResourceExhaustedError("out of host memory creating a graph command buffer");
    }
    return command_buffer;
  }

  bool is_recorded() const { return state_ == State::kRecorded; }
  // The device that created this buffer: its vendor binding, GpuContext::symbol_owner
  // (command_buffer_device.h).
  const RefCounted* device_identity() const { return symbol_owner_.get(); }

  // Launches the recording on `stream`: each segment's graph in order, and each indirect
  // dispatch and collective batch between them. Safe to call from several queues at
  // once. The channels of the collectives are noted in `channels` (when given).
  Status Issue(typename V::Stream stream, CollectiveChannelSet<V>* channels = nullptr) const {
    std::lock_guard<std::mutex> lock(staging_mutex_);
    return IssueWith(stream, staging_, channels);
  }
  // As Issue, reading indirect workgroup counts through the caller's staging memory.
  Status IssueWith(typename V::Stream stream, IndirectParameterStaging<V>& staging,
                   CollectiveChannelSet<V>* channels = nullptr) const {
    if (state_ != State::kRecorded) {
      return FailedPreconditionError(
          "issuing a graph command buffer that has not ended recording; call End() first");
    }
    for (const Segment* segment = first_segment_; segment; segment = segment->next) {
      if (segment->indirect) {
        GPUHAL_RETURN_IF_ERROR(IssueIndirectDispatch(vendor_, *segment->indirect, stream, staging));
      } else if (segment->collectives) {
        GPUHAL_RETURN_IF_ERROR(
            IssueCollectiveBatch(vendor_, *segment->collectives, stream, channels));
      } else {
        GPUHAL_RETURN_IF_ERROR(vendor_.LaunchGraph(segment->exec, stream));
      }
    }
    return OkStatus();
  }

  // Calls visit(const CollectiveBatch<V>&) for each batch of collectives the recording
  // issues, those of nested command buffers included.
  template <typename Visit>
  void ForEachCollectiveBatch(Visit&& visit) const {
    for (const Segment* segment = first_segment_; segment; segment = segment->next) {
      if (segment->collectives) visit(*segment->collectives);
    }
  }

  // Introspection for tests and tracing.
  size_t segment_count() const { return segment_count_; }
  size_t node_count() const { return node_count_; }
  size_t pending_node_count() const { return pending_count_; }
  std::string_view current_debug_group() const {
    return debug_group_ ? debug_group_->label : std::string_view();
  }

  Status Begin() override {
    if (state_ == State::kRecording) {
      return FailedPreconditionError("Begin on a graph command buffer that is already recording");
    }
    if (state_ == State::kRecorded && params().usage == CommandBufferUsage::kOneShot) {
      return FailedPreconditionError(
          "a one-shot command buffer is recorded once; create a "
          "kReusable command buffer to re-record it");
    }
    ReleaseRecording();
    GPUHAL_RETURN_IF_ERROR(vendor_.MakeCurrent());
    state_ = State::kRecording;
    return OkStatus();
  }

  Status End() override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("End"));
    GPUHAL_RETURN_IF_ERROR(vendor_.MakeCurrent());
    GPUHAL_RETURN_IF_ERROR(CloseSegment());
    state_ = State::kRecorded;
    return OkStatus();
  }

  // Debug groups have no device-side effect in a graph; the labels are kept so that
  // tooling can tell where a command was recorded.
  Status BeginDebugGroup(std::string_view label, uint32_t color_rgba) override {
    GPUHAL_RETURN_IF_ERROR(CheckRecording("BeginDebugGroup"));
    auto* group = arena_.New<DebugGroup>();
    bool ok = group != nullptr;
    if (ok) group->label = arena_.Copy(label, ok);
    if (!ok) return ArenaExhausted("BeginDebugGroup");
    group->parent = debug_group_;
    debug_group_ = group;
    return OkStatus();
  }
  Status EndDebugGroup() override {
    GPUHAL_RETURN_IF_ERROR(CheckRecording("EndDebugGroup"));
    if (!debug_group_) return FailedPreconditionError("EndDebugGroup with no open debug group");
    debug_group_ = debug_group_->parent;
    return OkStatus();
  }

  Status ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                          std::span<const MemoryBarrier> memory_barriers,
                          std::span<const BufferBarrier> buffer_barriers) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("ExecutionBarrier"));
    return CloseBarrierScope();
  }

  // The record node depends on everything recorded so far (the nodes since the barrier,
  // or the barrier itself), so the event fires only after all earlier commands.
  Status SignalEvent(Event& event, ExecutionStage source) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("SignalEvent"));
    GPUHAL_ASSIGN_OR_RETURN(typename V::Event handle, ResolveEvent(vendor_, event, "SignalEvent"));
    GPUHAL_RETURN_IF_ERROR(Retain(&event));
    GPUHAL_RETURN_IF_ERROR(OpenGraph());
    const Dependencies after =
        pending_count_ ? Dependencies(pending_nodes_, pending_count_) : BarrierDependencies();
    return AddNode("SignalEvent", vendor_.AddEventRecordNode(open_graph_, after, handle));
  }
  // Vendor events cannot be reset: a wait on an unrecorded event passes at once, and
  // recording overwrites the previous state. The next SignalEvent re-records the event,
  // which is all a reset has to guarantee for a later wait, so this is a no-op.
  Status ResetEvent(Event& event, ExecutionStage source) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("ResetEvent"));
    return ResolveEvent(vendor_, event, "ResetEvent").status();
  }
  // Each event becomes a wait node after the current barrier; the wait nodes, together
  // with the nodes recorded since the barrier, then become the new barrier so that every
  // later command waits for the events. (Conservative: later commands also wait for the
  // earlier ones, which a finer split barrier would not require.)
  Status WaitEvents(std::span<Event* const> events, ExecutionStage source, ExecutionStage target,
                    std::span<const MemoryBarrier> memory_barriers,
                    std::span<const BufferBarrier> buffer_barriers) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("WaitEvents"));
    for (Event* event : events) {
      if (!event) return InvalidArgumentError("WaitEvents was given a null event");
      GPUHAL_ASSIGN_OR_RETURN(typename V::Event handle,
                              ResolveEvent(vendor_, *event, "WaitEvents"));
      GPUHAL_RETURN_IF_ERROR(Retain(event));
      GPUHAL_RETURN_IF_ERROR(OpenGraph());
      GPUHAL_RETURN_IF_ERROR(AddNode(
          "WaitEvents", vendor_.AddEventWaitNode(open_graph_, BarrierDependencies(), handle)));
    }
    return CloseBarrierScope();
  }

  // Nothing to do on the device: the contents simply become undefined.
  Status DiscardBuffer(BufferRange range) override { return CheckRecording("DiscardBuffer"); }

  Status FillBuffer(BufferRange target, const void* pattern, size_t pattern_length) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("FillBuffer"));
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange range,
                            ResolveDeviceRange(vendor_, target, "FillBuffer target"));
    GPUHAL_ASSIGN_OR_RETURN(FillOperands fill,
                            ResolveFillPattern(pattern, pattern_length, range.length));
    if (fill.count == 0) return OkStatus();
    GPUHAL_RETURN_IF_ERROR(Retain(target.buffer));
    GPUHAL_RETURN_IF_ERROR(OpenGraph());
    return AddNode("FillBuffer",
                   vendor_.AddFillNode(open_graph_, BarrierDependencies(), range.address,
                                       fill.pattern, pattern_length, fill.count));
  }

  // The bytes are copied into the arena now; the memcpy node reads that copy each time
  // the graph runs.
  Status UpdateBuffer(const void* source, BufferRange target) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("UpdateBuffer"));
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange range,
                            ResolveDeviceRange(vendor_, target, "UpdateBuffer target"));
    if (range.length == 0) return OkStatus();
    if (!source) return InvalidArgumentError("UpdateBuffer source is null");
    void* copy = arena_.Allocate(range.length, 16);
    if (!copy) return ArenaExhausted("UpdateBuffer");
    std::memcpy(copy, source, range.length);
    GPUHAL_RETURN_IF_ERROR(Retain(target.buffer));
    GPUHAL_RETURN_IF_ERROR(OpenGraph());
    return AddNode(
        "UpdateBuffer",
        vendor_.AddCopyNode(open_graph_, BarrierDependencies(), CopyDirection::kHostToDevice,
                            range.address, reinterpret_cast<uint64_t>(copy), range.length));
  }

  Status CopyBuffer(BufferRange source, Buffer& target, size_t target_offset) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("CopyBuffer"));
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange from,
                            ResolveDeviceRange(vendor_, source, "CopyBuffer source"));
    GPUHAL_ASSIGN_OR_RETURN(
        DeviceRange to,
        ResolveDeviceRange(vendor_, BufferRange{&target, target_offset, from.length},
                           "CopyBuffer target"));
    if (from.length == 0) return OkStatus();
    GPUHAL_RETURN_IF_ERROR(Retain(source.buffer));
    GPUHAL_RETURN_IF_ERROR(Retain(&target));
    GPUHAL_RETURN_IF_ERROR(OpenGraph());
    return AddNode("CopyBuffer", vendor_.AddCopyNode(open_graph_, BarrierDependencies(),
                                                     CopyDirection::kDeviceToDevice, to.address,
                                                     from.address, from.length));
  }

  Status PushConstants(PipelineLayout& layout, size_t offset,
                       std::span<const uint8_t> values) override {
    GPUHAL_RETURN_IF_ERROR(CheckRecording("PushConstants"));
    return arguments_.PushConstants(layout, offset, values);
  }
  Status PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                           std::span<const BufferBinding> bindings) override {
    GPUHAL_RETURN_IF_ERROR(CheckRecording("PushDescriptorSet"));
    for (const BufferBinding& binding : bindings) GPUHAL_RETURN_IF_ERROR(Retain(binding.buffer));
    return arguments_.PushDescriptorSet(
        layout, set, bindings, [this](Buffer& buffer) { return DeviceAddressOn(vendor_, buffer); });
  }

  Status Dispatch(Executable& executable, uint32_t entry_point,
                  WorkgroupCount workgroup_count) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("Dispatch"));
    GPUHAL_ASSIGN_OR_RETURN(DispatchKernel<V> kernel,
                            ResolveDispatchKernel(vendor_, executable, entry_point));
    GPUHAL_ASSIGN_OR_RETURN(void** arguments, PackArguments(kernel));
    if (IsEmptyGrid(workgroup_count)) return OkStatus();
    GPUHAL_RETURN_IF_ERROR(Retain(&executable));
    KernelLaunch launch;
    launch.grid = workgroup_count;
    launch.block = kernel.entry->block_size;
    launch.shared_memory_bytes = kernel.entry->shared_memory_bytes;
    launch.arguments = arguments;
    GPUHAL_RETURN_IF_ERROR(OpenGraph());
    Status status = AddNode("Dispatch", vendor_.AddKernelNode(open_graph_, BarrierDependencies(),
                                                              kernel.function, launch));
    if (!status.ok()) return status.WithContext(StrCat("dispatch of '", kernel.entry->name, "'"));
    return OkStatus();
  }

  // Ends the current graph segment and records the dispatch as a segment of its own; see
  // the file comment and indirect_dispatch.h for what it costs at issue time.
  Status DispatchIndirect(Executable& executable, uint32_t entry_point,
                          BufferRange workgroup_count) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("DispatchIndirect"));
    GPUHAL_ASSIGN_OR_RETURN(DispatchKernel<V> kernel,
                            ResolveDispatchKernel(vendor_, executable, entry_point));
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange count, ResolveDeviceRange(vendor_, workgroup_count,
                                                                  "DispatchIndirect parameters"));
    if (count.length < kIndirectParametersLength) {
      return InvalidArgumentError("DispatchIndirect parameters hold ", count.length,
                                  " bytes; the workgroup count needs ", kIndirectParametersLength);
    }
    GPUHAL_ASSIGN_OR_RETURN(void** arguments, PackArguments(kernel));
    auto* dispatch = arena_.New<IndirectDispatch<V>>();
    if (!dispatch) return ArenaExhausted("DispatchIndirect");
    dispatch->function = kernel.function;
    dispatch->block = kernel.entry->block_size;
    dispatch->shared_memory_bytes = kernel.entry->shared_memory_bytes;
    dispatch->arguments = arguments;
    dispatch->workgroup_count_address = count.address;
    dispatch->entry_point_name = kernel.entry->name;
    GPUHAL_RETURN_IF_ERROR(Retain(&executable));
    GPUHAL_RETURN_IF_ERROR(Retain(workgroup_count.buffer));
    return AppendIndirectSegment(dispatch);
  }

  // A graph command buffer runs as child graph nodes (and its indirect dispatches as
  // segments of this buffer); a deferred one is replayed into this recording. Either way
  // the nested commands see this buffer's bound arguments, and this buffer gets its own
  // back afterwards, so nesting never changes what a later dispatch here receives.
  Status ExecuteCommands(CommandBuffer& commands) override {
    GPUHAL_RETURN_IF_ERROR(BeginCommand("ExecuteCommands"));
    if (auto* nested = DynCast<GraphCommandBuffer>(&commands)) {
      if (nested == this) return InvalidArgumentError("a command buffer cannot execute itself");
      if (nested->device_identity() != device_identity()) return NestedOfAnotherDevice();
      GPUHAL_RETURN_IF_ERROR(Retain(&commands));
      return AppendNestedGraph(*nested);
    }
    if (auto* nested = DynCast<DeferredCommandBuffer>(&commands)) {
      if (nested->owner() != device_identity()) return NestedOfAnotherDevice();
      if (!nested->is_recorded()) {
        return FailedPreconditionError("nested command buffer has not ended recording");
      }
      GPUHAL_RETURN_IF_ERROR(Retain(&commands));
      const KernelArgumentState saved = arguments_;
      Status status = nested->Replay(*this);
      arguments_ = saved;
      return status.WithContext("ExecuteCommands");
    }
    return InvalidArgumentError("ExecuteCommands: the nested command buffer is neither a ",
                                V::kName, " graph command buffer nor a deferred one");
  }

  // Joins the open batch of collectives (see the file comment).
  Status Collective(Channel& channel, CollectiveOp op, CollectiveParam param, BufferRange send,
                    BufferRange recv, size_t element_count) override {
    GPUHAL_RETURN_IF_ERROR(CheckRecording("Collective"));
    GPUHAL_ASSIGN_OR_RETURN(CollectiveCall<V> resolved,
                            ResolveCollective(vendor_, channel, op, param, send, recv,
                                              element_count));
    if (!open_batch_) {
      open_batch_ = arena_.New<CollectiveBatch<V>>();
      if (!open_batch_) return ArenaExhausted("Collective");
    }
    auto* call = arena_.New<CollectiveCall<V>>(resolved);
    if (!call) return ArenaExhausted("Collective");
    GPUHAL_RETURN_IF_ERROR(Retain(&channel));
    if (send.buffer) GPUHAL_RETURN_IF_ERROR(Retain(send.buffer));
    if (recv.buffer) GPUHAL_RETURN_IF_ERROR(Retain(recv.buffer));
    open_batch_->Append(call);
    return OkStatus();
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  enum class State : uint8_t { kInitial, kRecording, kRecorded };

  // One graph, or one indirect dispatch. Lives in the arena.
  struct Segment {
    Segment* next = nullptr;
    typename V::Graph graph{};  // kept for reusable buffers only
    typename V::GraphExec exec{};
    const IndirectDispatch<V>* indirect = nullptr;  // set for an indirect segment
    const CollectiveBatch<V>* collectives = nullptr;  // set for a collective segment
  };
  struct DebugGroup {
    DebugGroup* parent = nullptr;
    std::string_view label;
  };

  GraphCommandBuffer(const GpuContext<V>& context, const CommandBufferParams& params)
      : CommandBuffer(params),
        vendor_(context.vendor),
        symbol_owner_(context.symbol_owner),
        block_pool_(context.block_pool),
        arena_(*context.block_pool),
        resources_(*context.block_pool) {}
  ~GraphCommandBuffer() override { ReleaseRecording(); }

  Status CheckRecording(const char* command) const {
    if (state_ == State::kRecording) [[likely]]
      return OkStatus();
    return FailedPreconditionError(command, " outside Begin()/End() on a graph command buffer");
  }
  // Every command but Collective (and those with no device work) ends the open batch of
  // collectives first, so that the batch runs before the command.
  Status BeginCommand(const char* command) {
    GPUHAL_RETURN_IF_ERROR(CheckRecording(command));
    if (!open_batch_) [[likely]]
      return OkStatus();
    GPUHAL_RETURN_IF_ERROR(AppendCollectiveSegment(open_batch_));
    open_batch_ = nullptr;
    return OkStatus();
  }
  static Status NestedOfAnotherDevice() {
    return InvalidArgumentError("ExecuteCommands: the nested command buffer was created by "
                                "another ", V::kName, " device; record it on this one");
  }
  static Status ArenaExhausted(const char* command) {
    return ResourceExhaustedError(command, ": out of host memory for the recording's arena");
  }
  Status Retain(const RefCounted* object) {
    Status status = resources_.Insert(object);
    if (!status.ok()) return status.WithContext("retaining a command's operand");
    return OkStatus();
  }

  Dependencies BarrierDependencies() const {
    return barrier_node_ ? Dependencies(&barrier_node_, 1) : Dependencies();
  }

  // The current segment's graph, created with its first node.
  Status OpenGraph() {
    if (open_graph_) [[likely]]
      return OkStatus();
    GPUHAL_ASSIGN_OR_RETURN(open_graph_, vendor_.CreateGraph());
    return OkStatus();
  }

  Status AddNode(const char* command, Result<GraphNode> node) {
    if (!node.ok()) return node.status().WithContext(command);
    ++node_count_;
    return RememberPending(*node);
  }

  // Appends to the nodes since the last barrier, doubling the array in the arena when
  // full. The old array stays in the arena: at most as many bytes again, and the array
  // is reused after every barrier.
  Status RememberPending(GraphNode node) {
    if (pending_count_ == pending_capacity_) {
      const size_t capacity = std::max<size_t>(64, pending_capacity_ * 2);
      GraphNode* grown = arena_.AllocateArray<GraphNode>(capacity);
      if (!grown) return ArenaExhausted("recording a graph node");
      if (pending_count_) std::memcpy(grown, pending_nodes_, pending_count_ * sizeof(GraphNode));
      pending_nodes_ = grown;
      pending_capacity_ = capacity;
    }
    pending_nodes_[pending_count_++] = node;
    return OkStatus();
  }

  Status CloseBarrierScope() {
    if (pending_count_ == 0) return OkStatus();
    if (pending_count_ == 1) {
      barrier_node_ = pending_nodes_[0];
    } else {
      Result<GraphNode> join =
          vendor_.AddEmptyNode(open_graph_, Dependencies(pending_nodes_, pending_count_));
      if (!join.ok()) return join.status().WithContext("ExecutionBarrier");
      ++node_count_;
      barrier_node_ = *join;
    }
    pending_count_ = 0;
    return OkStatus();
  }

  Result<void**> PackArguments(const DispatchKernel<V>& kernel) {
    const PipelineLayout& layout = *kernel.entry->layout;
    const uint32_t count = layout.argument_count();
    if (count == 0) return static_cast<void**>(nullptr);
    auto* values = arena_.AllocateArray<KernelArgumentSlot>(count);
    auto* pointers = arena_.AllocateArray<void*>(count);
    if (!values || !pointers) return ArenaExhausted("packing kernel arguments");
    GPUHAL_RETURN_IF_ERROR(
        arguments_.Pack(layout, kernel.entry->name, {{values, count}, {pointers, count}}));
    return pointers;
  }

  Status AppendSegment(Segment* segment) {
    if (last_segment_) {
      last_segment_->next = segment;
    } else {
      first_segment_ = segment;
    }
    last_segment_ = segment;
    ++segment_count_;
    return OkStatus();
  }

  // Instantiates the graph recorded since the last split (if any command added a node).
  Status CloseSegment() {
    if (!open_graph_) return OkStatus();
    auto* segment = arena_.New<Segment>();
    if (!segment) return ArenaExhausted("closing a graph segment");
    Result<typename V::GraphExec> exec = vendor_.InstantiateGraph(open_graph_);
    if (!exec.ok()) return exec.status().WithContext("instantiating the command buffer's graph");
    segment->exec = *exec;
    if (params().usage == CommandBufferUsage::kReusable) {
      segment->graph = open_graph_;
    } else {
      vendor_.DestroyGraph(open_graph_).IgnoreError();  // the executable is independent
    }
    open_graph_ = {};
    barrier_node_ = {};
    pending_count_ = 0;
    return AppendSegment(segment);
  }

  Status AppendIndirectSegment(const IndirectDispatch<V>* dispatch) {
    GPUHAL_RETURN_IF_ERROR(CloseSegment());
    auto* segment = arena_.New<Segment>();
    if (!segment) return ArenaExhausted("DispatchIndirect");
    segment->indirect = dispatch;
    return AppendSegment(segment);
  }

  Status AppendCollectiveSegment(const CollectiveBatch<V>* batch) {
    GPUHAL_RETURN_IF_ERROR(CloseSegment());
    auto* segment = arena_.New<Segment>();
    if (!segment) return ArenaExhausted("Collective");
    segment->collectives = batch;
    return AppendSegment(segment);
  }

  Status AppendNestedGraph(const GraphCommandBuffer& nested) {
    if (!nested.is_recorded()) {
      return FailedPreconditionError(
          "ExecuteCommands: the nested command buffer has not ended "
          "recording; call its End() first");
    }
    for (const Segment* segment = nested.first_segment_; segment; segment = segment->next) {
      if (segment->indirect) {
        // The dispatch record lives in the nested buffer's arena, which the retain keeps.
        GPUHAL_RETURN_IF_ERROR(AppendIndirectSegment(segment->indirect));
        continue;
      }
      if (segment->collectives) {
        // Likewise the batch, whose channels the nested buffer retains.
        GPUHAL_RETURN_IF_ERROR(AppendCollectiveSegment(segment->collectives));
        continue;
      }
      if (!segment->graph) {
        return FailedPreconditionError(
            "ExecuteCommands: the nested graph command buffer is "
            "one-shot, so its graph was released at End(); create "
            "it kReusable");
      }
      GPUHAL_RETURN_IF_ERROR(OpenGraph());
      GPUHAL_RETURN_IF_ERROR(
          AddNode("ExecuteCommands",
                  vendor_.AddChildGraphNode(open_graph_, BarrierDependencies(), segment->graph)));
    }
    return OkStatus();
  }

  // Destroys the graphs and executables of the previous recording and frees its memory.
  void ReleaseRecording() {
    // Destruction fails only for a context that is already gone; nothing to report to.
    for (Segment* segment = first_segment_; segment; segment = segment->next) {
      if (segment->exec) vendor_.DestroyGraphExec(segment->exec).IgnoreError();
      if (segment->graph) vendor_.DestroyGraph(segment->graph).IgnoreError();
    }
    if (open_graph_) vendor_.DestroyGraph(open_graph_).IgnoreError();
    open_graph_ = {};
    first_segment_ = last_segment_ = nullptr;
    segment_count_ = 0;
    node_count_ = 0;
    barrier_node_ = {};
    pending_nodes_ = nullptr;
    pending_count_ = pending_capacity_ = 0;
    debug_group_ = nullptr;
    open_batch_ = nullptr;
    arguments_ = KernelArgumentState();
    resources_.Reset();
    arena_.Reset();
  }

  V vendor_;
  Ref<RefCounted> symbol_owner_;  // the symbol table must outlive the graphs
  Ref<BlockPool> block_pool_;     // declared before the arena and set that use it
  Arena arena_;
  ResourceSet resources_;
  State state_ = State::kInitial;

  Segment* first_segment_ = nullptr;
  Segment* last_segment_ = nullptr;
  size_t segment_count_ = 0;
  size_t node_count_ = 0;

  typename V::Graph open_graph_{};
  GraphNode barrier_node_{};
  GraphNode* pending_nodes_ = nullptr;  // in the arena
  size_t pending_count_ = 0;
  size_t pending_capacity_ = 0;

  DebugGroup* debug_group_ = nullptr;
  CollectiveBatch<V>* open_batch_ = nullptr;  // in the arena; null when no batch is open
  KernelArgumentState arguments_;

  mutable std::mutex staging_mutex_;
  mutable IndirectParameterStaging<V> staging_;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GRAPH_COMMAND_BUFFER_H_
