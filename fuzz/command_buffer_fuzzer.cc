// libFuzzer target: command buffer recording through the validating shim, on simulated
// GPU devices of both vendors in both command buffer modes.
//
// Each input picks a device and decodes into a sequence of random commands with random
// arguments (buffers and subspans of several sizes and usages, device events, pipeline
// layouts, an executable, nested command buffers). Every call goes through a
// ValidatingCommandBuffer wrapping the device's own command buffer, with a spy between
// the two that sees what the shim let through. Beyond "no crash, no leak, no sanitizer
// report", the target aborts when:
//  - the device command buffer rejects a transfer, barrier, event or debug-group command
//    that the shim accepted (e.g. a fixed cap on graph nodes between barriers);
//  - the driver's graph command buffer, called without any shim, accepts push constants
//    or a descriptor set index that the shim rejects as out of range (its own bound checks
//    must hold: the shim is a layer an embedder could drop);
//  - a recorded command buffer without dispatches, submitted, does not complete cleanly.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "conformance/kernels/conformance_kernels.h"
#include "fuzz/fuzz_input.h"
#include "gpuhal/core/executable_format.h"
#include "gpuhal/core/validating_command_buffer.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "fakes/drivers/fake_drivers.h"

namespace gpuhal::fuzzing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "command_buffer_fuzzer: %s\n", message.c_str());
  std::abort();
}

// Between the shim and the device's command buffer: remembers whether the last call got
// through the shim, and what the device said.
class Spy final : public CommandBuffer {
 public:
  explicit Spy(CommandBuffer& wrapped) : CommandBuffer(wrapped.params()), wrapped_(&wrapped) {}

  void Reset() { reached_ = false; }
  bool reached() const { return reached_; }
  const Status& device_status() const { return status_; }

  Status Begin() override { return Pass(wrapped_->Begin()); }
  Status End() override { return Pass(wrapped_->End()); }
  Status BeginDebugGroup(std::string_view label, uint32_t color) override {
    return Pass(wrapped_->BeginDebugGroup(label, color));
  }
  Status EndDebugGroup() override { return Pass(wrapped_->EndDebugGroup()); }
  Status ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                          std::span<const MemoryBarrier> memory,
                          std::span<const BufferBarrier> buffers) override {
    return Pass(wrapped_->ExecutionBarrier(source, target, memory, buffers));
  }
  Status SignalEvent(Event& event, ExecutionStage source) override {
    return Pass(wrapped_->SignalEvent(event, source));
  }
  Status ResetEvent(Event& event, ExecutionStage source) override {
    return Pass(wrapped_->ResetEvent(event, source));
  }
  Status WaitEvents(std::span<Event* const> events, ExecutionStage source, ExecutionStage target,
                    std::span<const MemoryBarrier> memory,
                    std::span<const BufferBarrier> buffers) override {
    return Pass(wrapped_->WaitEvents(events, source, target, memory, buffers));
  }
  Status DiscardBuffer(BufferRange range) override { return Pass(wrapped_->DiscardBuffer(range)); }
  Status FillBuffer(BufferRange target, const void* pattern, size_t length) override {
    return Pass(wrapped_->FillBuffer(target, pattern, length));
  }
  Status UpdateBuffer(const void* source, BufferRange target) override {
    return Pass(wrapped_->UpdateBuffer(source, target));
  }
  Status CopyBuffer(BufferRange source, Buffer& target, size_t offset) override {
    return Pass(wrapped_->CopyBuffer(source, target, offset));
  }
  Status PushConstants(PipelineLayout& layout, size_t offset,
                       std::span<const uint8_t> values) override {
    return Pass(wrapped_->PushConstants(layout, offset, values));
  }
  Status PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                           std::span<const BufferBinding> bindings) override {
    return Pass(wrapped_->PushDescriptorSet(layout, set, bindings));
  }
  Status Dispatch(Executable& executable, uint32_t entry_point, WorkgroupCount count) override {
    return Pass(wrapped_->Dispatch(executable, entry_point, count));
  }
  Status DispatchIndirect(Executable& executable, uint32_t entry_point,
                          BufferRange count) override {
    return Pass(wrapped_->DispatchIndirect(executable, entry_point, count));
  }
  Status ExecuteCommands(CommandBuffer& commands) override {
    return Pass(wrapped_->ExecuteCommands(commands));
  }
  Status Collective(Channel& channel, CollectiveOp op, CollectiveParam param, BufferRange send,
                    BufferRange recv, size_t count) override {
    return Pass(wrapped_->Collective(channel, op, param, send, recv, count));
  }
  CommandBuffer* Unwrapped() override { return wrapped_.get(); }

 private:
  Status Pass(Status status) {
    reached_ = true;
    status_ = status;
    return status;
  }
  Ref<CommandBuffer> wrapped_;
  bool reached_ = false;
  Status status_;
};

// One simulated device and everything the commands name, made once per device.
struct Target {
  Ref<Device> device;
  std::vector<Ref<Buffer>> buffers;
  std::vector<Ref<Event>> events;
  std::vector<Ref<PipelineLayout>> layouts;  // [0] matches the executable's entry points
  Ref<Executable> executable;
};

Status MakeTarget(DriverRegistry& registry, const char* uri, Target& target) {
  GPUHAL_ASSIGN_OR_RETURN(target.device, registry.CreateDevice(uri));
  Device& device = *target.device;
  const size_t sizes[] = {4, 64, 256, 4096};
  for (size_t size : sizes) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> buffer, device.AllocateBuffer(BufferParams{}, size));
    target.buffers.push_back(buffer);
  }
  BufferParams source_only;
  source_only.usage = BufferUsage::kTransferSource;
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> read_only, device.AllocateBuffer(source_only, 256));
  target.buffers.push_back(read_only);
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> subspan, target.buffers[3]->Subspan(100, 1000));
  target.buffers.push_back(subspan);
  for (int i = 0; i < 2; ++i) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<Event> event, device.CreateEvent());
    target.events.push_back(event);
  }
  // The executable: cts_fill_u32(out, value, count) and cts_iota(out, base, count).
  std::vector<uint8_t> container = kernels::BuildKernelContainer({"cts_fill_u32", "cts_iota"},
                                                                 {.fake = true, .ptx = false});
  std::vector<PipelineLayout*> per_entry;
  for (std::string_view name : {"cts_fill_u32", "cts_iota"}) {
    const kernels::KernelSpec* spec = kernels::FindKernel(name);
    std::vector<Ref<DescriptorSetLayout>> sets;
    std::vector<DescriptorSetLayout*> raw_sets;
    for (const DescriptorSetShape& set : spec->layout.sets) {
      std::vector<DescriptorSetLayoutBinding> bindings;
      for (const BindingShape& binding : set.bindings) bindings.push_back({binding.ordinal});
      GPUHAL_ASSIGN_OR_RETURN(Ref<DescriptorSetLayout> made,
                              device.CreateDescriptorSetLayout(bindings));
      raw_sets.push_back(made.get());
      sets.push_back(made);
    }
    GPUHAL_ASSIGN_OR_RETURN(Ref<PipelineLayout> layout,
                            device.CreatePipelineLayout(raw_sets, spec->layout.push_constant_count));
    target.layouts.push_back(layout);
    per_entry.push_back(layout.get());
  }
  ExecutableParams params;
  params.container = container;
  params.pipeline_layouts = per_entry;
  GPUHAL_ASSIGN_OR_RETURN(target.executable, device.LoadExecutable(params));
  // Layouts with no push constants, with the most, and with two sets.
  const DescriptorSetLayoutBinding two[] = {{0}, {1}};
  const DescriptorSetLayoutBinding one[] = {{4}};
  GPUHAL_ASSIGN_OR_RETURN(Ref<DescriptorSetLayout> set_two, device.CreateDescriptorSetLayout(two));
  GPUHAL_ASSIGN_OR_RETURN(Ref<DescriptorSetLayout> set_one, device.CreateDescriptorSetLayout(one));
  DescriptorSetLayout* both[] = {set_two.get(), set_one.get()};
  for (uint32_t constants : {0u, kMaxPushConstants, 3u}) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<PipelineLayout> layout, device.CreatePipelineLayout(both, constants));
    target.layouts.push_back(layout);
  }
  return OkStatus();
}

// The registry and the four devices every input runs on, made by the first input and
// torn down at exit, devices before the drivers that made them: LeakSanitizer's exit
// check must find nothing of theirs, and their teardown is code under test too.
class Fixture {
 public:
  Fixture() {
    if (!fake::RegisterFakeDrivers(registry_).ok()) Die("cannot register the fake drivers");
    const char* uris[] = {"fake-cuda://0?mode=graph", "fake-cuda://0?mode=stream",
                          "fake-hip://0?mode=graph", "fake-hip://0?mode=stream"};
    targets_.resize(std::size(uris));
    for (size_t i = 0; i < std::size(uris); ++i) {
      Status status = MakeTarget(registry_, uris[i], targets_[i]);
      if (!status.ok()) Die(std::string(uris[i]) + ": " + status.ToString());
    }
  }
  std::vector<Target>& targets() { return targets_; }

 private:
  DriverRegistry registry_;
  std::vector<Target> targets_;  // declared after registry_, so destroyed before it
};

std::vector<Target>& Targets() {
  static Fixture fixture;
  return fixture.targets();
}

constexpr ExecutionStage Stage(uint8_t bits) {
  return static_cast<ExecutionStage>(bits & static_cast<uint32_t>(ExecutionStage::kAll));
}

// A range of one of the target's buffers, sometimes whole, sometimes random.
BufferRange Range(FuzzInput& in, Target& target) {
  Buffer* buffer = target.buffers[in.Below(target.buffers.size())].get();
  if (in.U8() % 4 == 0) return {buffer, 0, kWholeBuffer};
  return {buffer, static_cast<size_t>(in.Size()), static_cast<size_t>(in.Size())};
}

enum class Kind : uint8_t {
  kBegin, kEnd, kBeginDebugGroup, kEndDebugGroup, kBarrier, kSignalEvent, kResetEvent,
  kWaitEvents, kDiscard, kFill, kUpdate, kCopy, kPushConstants, kPushDescriptorSet,
  kDispatch, kDispatchIndirect, kExecuteCommands, kManyFills, kCount
};

// Commands the device must accept whenever the shim does.
bool MustAcceptWhenValid(Kind kind) {
  switch (kind) {
    case Kind::kBegin: case Kind::kEnd: case Kind::kBeginDebugGroup: case Kind::kEndDebugGroup:
    case Kind::kBarrier: case Kind::kSignalEvent: case Kind::kResetEvent: case Kind::kWaitEvents:
    case Kind::kDiscard: case Kind::kFill: case Kind::kUpdate: case Kind::kCopy:
    case Kind::kManyFills:
      return true;
    default:
      return false;
  }
}

// Records a couple of fills into a reusable command buffer to nest.
Ref<CommandBuffer> MakeNested(FuzzInput& in, Target& target) {
  CommandBufferParams params;
  params.usage = in.Bool() ? CommandBufferUsage::kReusable : CommandBufferUsage::kOneShot;
  Result<Ref<CommandBuffer>> nested = target.device->CreateCommandBuffer(params);
  if (!nested.ok()) Die("CreateCommandBuffer (nested): " + nested.status().ToString());
  if (in.Bool()) {
    const uint32_t pattern = 0xABCD0000u;
    (*nested)->Begin().IgnoreError();
    (*nested)->FillBuffer({target.buffers[2].get(), 0, 64}, &pattern, 4).IgnoreError();
    if (in.Bool()) (*nested)->End().IgnoreError();
  }
  return *nested;
}

}  // namespace
}  // namespace gpuhal::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpuhal;
  using namespace gpuhal::fuzzing;
  FuzzInput in(data, size);
  const uint8_t target_index = in.U8() % 4;
  Target& target = Targets()[target_index];
  Device& device = *target.device;
  // Graph mode records straight into the driver's graph command buffer; stream mode
  // records into a deferred command buffer and reaches the driver only at submission.
  const bool graph_mode = target_index % 2 == 0;

  CommandBufferParams params;
  params.usage = in.Bool() ? CommandBufferUsage::kReusable : CommandBufferUsage::kOneShot;
  params.categories = static_cast<CommandCategory>(in.U8() % 8);
  if (params.categories == CommandCategory::kNone) params.categories = CommandCategory::kAny;
  // The device hands out its command buffers already wrapped in a validating shim; the
  // spy goes under a shim of our own, straight onto the driver's command buffer.
  Result<Ref<CommandBuffer>> raw = device.CreateCommandBuffer(params);
  if (!raw.ok()) Die("CreateCommandBuffer: " + raw.status().ToString());
  Ref<Spy> spy = MakeRef<Spy>(device.host_allocator(), *(*raw)->Unwrapped());
  Result<Ref<ValidatingCommandBuffer>> shim =
      ValidatingCommandBuffer::Create(device.host_allocator(), *spy);
  if (!shim.ok()) Die("ValidatingCommandBuffer::Create: " + shim.status().ToString());
  CommandBuffer& commands = **shim;
  // For the bound-check differential: the driver's own command buffer, called directly
  // (begun through its shim), whose bound checks must hold without any shim.
  Result<Ref<CommandBuffer>> direct = device.CreateCommandBuffer(params);
  if (!direct.ok() || !(*direct)->Begin().ok()) Die("cannot begin the direct command buffer");
  CommandBuffer& unshimmed = *(*direct)->Unwrapped();
  Ref<CommandBuffer> nested = MakeNested(in, target);

  bool dispatched = false;
  for (int step = 0; step < 96 && !in.empty(); ++step) {
    const Kind kind = static_cast<Kind>(in.U8() % static_cast<uint8_t>(Kind::kCount));
    spy->Reset();
    Status status;
    std::string what;
    switch (kind) {
      case Kind::kBegin:
        status = commands.Begin();
        break;
      case Kind::kEnd:
        status = commands.End();
        break;
      case Kind::kBeginDebugGroup:
        status = commands.BeginDebugGroup(std::string(in.U8() % 24, 'g'), in.U32());
        break;
      case Kind::kEndDebugGroup:
        status = commands.EndDebugGroup();
        break;
      case Kind::kBarrier: {
        std::vector<MemoryBarrier> memory(in.U8() % 3);
        std::vector<BufferBarrier> buffers(in.U8() % 3);
        for (BufferBarrier& barrier : buffers) barrier.range = Range(in, target);
        if (in.U8() % 8 == 0 && !buffers.empty()) buffers[0].range.buffer = nullptr;
        status = commands.ExecutionBarrier(Stage(in.U8()), Stage(in.U8()), memory, buffers);
        break;
      }
      case Kind::kSignalEvent:
        status = commands.SignalEvent(*target.events[in.Below(2)], Stage(in.U8()));
        break;
      case Kind::kResetEvent:
        status = commands.ResetEvent(*target.events[in.Below(2)], Stage(in.U8()));
        break;
      case Kind::kWaitEvents: {
        std::vector<Event*> events;
        for (uint32_t i = in.U8() % 3; i > 0; --i) {
          events.push_back(in.U8() % 8 ? target.events[in.Below(2)].get() : nullptr);
        }
        status = commands.WaitEvents(events, Stage(in.U8()), Stage(in.U8()), {}, {});
        break;
      }
      case Kind::kDiscard:
        status = commands.DiscardBuffer(Range(in, target));
        break;
      case Kind::kFill: {
        const uint32_t pattern = in.U32();
        const size_t lengths[] = {1, 2, 4, 3, 0, 8};
        status = commands.FillBuffer(Range(in, target), &pattern, lengths[in.Below(6)]);
        break;
      }
      case Kind::kUpdate: {
        std::vector<uint8_t> bytes(in.U8() % 2 ? in.U8() : in.Below(70000));
        for (size_t i = 0; i < bytes.size() && i < 64; ++i) bytes[i] = in.U8();
        BufferRange range = Range(in, target);
        if (in.Bool()) range.length = bytes.size();
        // UpdateBuffer reads range.length source bytes; a shorter source would be this
        // harness overflowing its own vector, not a driver bug. Lengths past the limit
        // stay unbacked: the shim must reject them before reading anything.
        if (range.length <= ValidatingCommandBuffer::kMaxUpdateLength &&
            bytes.size() < range.length) {
          bytes.resize(range.length);
        }
        status = commands.UpdateBuffer(in.U8() % 16 ? bytes.data() : nullptr, range);
        break;
      }
      case Kind::kCopy: {
        BufferRange source = Range(in, target);
        Buffer& destination = *target.buffers[in.Below(target.buffers.size())];
        status = commands.CopyBuffer(source, destination, static_cast<size_t>(in.Size()));
        break;
      }
      case Kind::kPushConstants: {
        PipelineLayout& layout = *target.layouts[in.Below(target.layouts.size())];
        std::vector<uint8_t> values(in.U8() % 2 ? in.U8() % 40 : in.Below(300));
        for (uint8_t& value : values) value = in.U8();
        const size_t offset = static_cast<size_t>(in.Size());
        status = commands.PushConstants(layout, offset, values);
        if (graph_mode && status.code() == StatusCode::kOutOfRange &&
            unshimmed.PushConstants(layout, offset, values).ok()) {
          Die("the device command buffer accepted push constants at offset " +
              std::to_string(offset) + ", " + std::to_string(values.size()) +
              " bytes, beyond the layout's " + std::to_string(layout.push_constant_count()) +
              " constants");
        }
        break;
      }
      case Kind::kPushDescriptorSet: {
        PipelineLayout& layout = *target.layouts[in.Below(target.layouts.size())];
        std::vector<BufferBinding> bindings(in.U8() % 4);
        for (BufferBinding& binding : bindings) {
          const BufferRange range = Range(in, target);
          binding = {static_cast<uint32_t>(in.U8() % 6), range.buffer, range.offset, range.length};
        }
        const uint32_t set = in.U8() % 8 ? in.Below(3) : in.U32();
        status = commands.PushDescriptorSet(layout, set, bindings);
        if (graph_mode && status.code() == StatusCode::kOutOfRange && set >= layout.set_count() &&
            unshimmed.PushDescriptorSet(layout, set, bindings).ok()) {
          Die("the device command buffer accepted descriptor set " + std::to_string(set) +
              " of a layout with " + std::to_string(layout.set_count()) + " sets");
        }
        break;
      }
      case Kind::kDispatch:
        status = commands.Dispatch(*target.executable, in.Below(3),
                                   {in.U8() % 4u, in.U8() % 4u, in.U8() % 2u});
        dispatched |= status.ok();
        break;
      case Kind::kDispatchIndirect:
        status = commands.DispatchIndirect(*target.executable, in.Below(3), Range(in, target));
        dispatched |= status.ok();
        break;
      case Kind::kExecuteCommands:
        status = commands.ExecuteCommands(in.U8() % 8 ? *nested : commands);
        break;
      case Kind::kManyFills: {
        // Many independent nodes between two barriers: no fixed cap may apply.
        const uint32_t count = 24 + in.U8() % 48;
        Buffer& buffer = *target.buffers[3];
        for (uint32_t i = 0; i < count && status.ok(); ++i) {
          spy->Reset();
          const uint32_t pattern = i;
          status = commands.FillBuffer({&buffer, (i % 1024) * 4, 4}, &pattern, 4);
          if (spy->reached() && !spy->device_status().ok()) break;
        }
        break;
      }
      case Kind::kCount:
        break;
    }
    if (spy->reached() && !spy->device_status().ok() && MustAcceptWhenValid(kind)) {
      Die("the device command buffer rejected a command the validating shim accepted (kind " +
          std::to_string(static_cast<int>(kind)) + "): " + spy->device_status().ToString());
    }
  }

  // Run what was recorded, unless it dispatches: the kernels trust their arguments, so a
  // random dispatch may fault the simulated GPU, and that would be the input's fault.
  if ((*shim)->is_recorded() && !dispatched) {
    Result<Ref<Semaphore>> done = device.CreateSemaphore(0);
    if (!done.ok()) Die("CreateSemaphore: " + done.status().ToString());
    SemaphorePoint signal{done->get(), 1};
    CommandBuffer* list[] = {&commands};
    Status submitted = device.QueueExecute(kAnyQueue, {}, {&signal, 1}, list);
    if (submitted.ok()) {
      Status waited = (*done)->Wait(1, Timeout::After(std::chrono::seconds(20)));
      if (!waited.ok()) Die("a valid command buffer did not complete: " + waited.ToString());
    } else if (params.categories != CommandCategory::kAny &&
               submitted.code() == StatusCode::kFailedPrecondition) {
      // Category or state mismatches at submission are the input's fault.
    } else if (submitted.code() != StatusCode::kFailedPrecondition &&
               submitted.code() != StatusCode::kInvalidArgument) {
      Die("QueueExecute of a recorded command buffer: " + submitted.ToString());
    }
  }
  return 0;
}
