// A stream-mode recording resolved once: the vendor calls its replay makes, with every
// operand resolved (kernel function, packed parameters, device addresses, event handles).
//
// A stream-mode submission replays its deferred recording onto the queue's stream, and a
// replay resolves each command again: the executable's kernel, the buffers' addresses,
// the bound arguments packed for the kernel. None of that changes while the recording
// stands (it retains every object it names, and a buffer's address is fixed for its
// life), so the first submission of a reusable recording prepares a plan of the calls
// instead (StreamCommandBuffer, preparing, notes each call rather than making it), keeps
// it in the recording's arena (DeferredCommandBuffer::PrepareOnce), and every submission
// makes the plan's calls. A chain of single-dispatch submissions spent about 900 of its
// 2,900 instructions per hop replaying (gpuhal-bench BM_SemaphoreChainTraced under
// callgrind; docs/performance.md).
//
// What resolution depends on is the recording and the device (its symbol table and
// context), so a plan serves submissions to the device it was prepared for; another
// device's submission of the same recording replays it. A recording whose replay needs
// more than calls on the stream cannot be prepared and is replayed every time: indirect
// dispatch (reads its workgroup count at issue), nested command buffers and collectives.
#ifndef GPUHAL_BACKENDS_GPU_STREAM_REPLAY_PLAN_H_
#define GPUHAL_BACKENDS_GPU_STREAM_REPLAY_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>

#include "backends/gpu/command_operands.h"
#include "backends/gpu/kernel_arguments.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/core/deferred_command_buffer.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// One vendor call on the stream, its operands resolved.
template <Vendor V>
struct StreamCall {
  enum class Kind : uint8_t {
    kLaunch,
    kFill,
    kCopyHostToDevice,
    kCopyDeviceToDevice,
    kRecordEvent,
    kWaitEvent,
  };

  Kind kind = Kind::kLaunch;
  // kLaunch: the kernel, and its entry point's name for error messages (owned by the
  // executable, which the recording retains).
  typename V::Function function{};
  KernelLaunch launch;
  std::string_view entry_name;
  // kFill: `count` elements of `pattern_length` bytes; copies: `length` bytes.
  DeviceAddress target = 0;
  DeviceAddress source = 0;
  const void* host_source = nullptr;
  size_t length = 0;
  size_t count = 0;
  uint32_t pattern = 0;
  uint32_t pattern_length = 0;
  typename V::Event event{};

  // Makes the call on `stream`.
  Status IssueOn(const V& vendor, typename V::Stream stream) const {
    switch (kind) {
      case Kind::kLaunch: {
        Status status = vendor.Launch(function, launch, stream);
        if (!status.ok()) [[unlikely]] {
          return status.WithContext(StrCat("dispatch of '", entry_name, "'"));
        }
        return status;
      }
      case Kind::kFill:
        return vendor.FillAsync(target, pattern, pattern_length, count, stream);
      case Kind::kCopyHostToDevice:
        return vendor.CopyHostToDeviceAsync(target, host_source, length, stream);
      case Kind::kCopyDeviceToDevice:
        return vendor.CopyDeviceToDeviceAsync(target, source, length, stream);
      case Kind::kRecordEvent:
        return vendor.RecordEvent(event, stream);
      case Kind::kWaitEvent:
        return vendor.StreamWaitEvent(stream, event);
    }
    return InternalError("unknown stream call kind ", static_cast<int>(kind));
  }
};

// The calls of one recording for one device, in order. Lives in the recording's arena.
template <Vendor V>
class StreamReplayPlan {
 public:
  // Identifies plans among a recording's prepared forms (DeferredCommandBuffer::prepared).
  static constexpr char kKind = 0;

  // The plan prepared for `vendor`'s device, or null.
  static const StreamReplayPlan* Find(const DeferredCommandBuffer& recording, const V& vendor) {
    const auto* plan = static_cast<const StreamReplayPlan*>(recording.prepared(&kKind));
    return plan && plan->Serves(vendor) ? plan : nullptr;
  }

  // Makes every call on `stream`, stopping at the first that fails: its status then
  // names the recorded command it came from, as a replay's would.
  Status IssueOn(const V& vendor, typename V::Stream stream) const {
    for (const Entry* entry = first_; entry; entry = entry->next) {
      Status status = entry->call.IssueOn(vendor, stream);
      if (!status.ok()) [[unlikely]] {
        return status.WithContext(StrCat("replaying command ", entry->command_index, " (",
                                         entry->command_name, ")"));
      }
    }
    return OkStatus();
  }

  bool Serves(const V& vendor) const { return IsSameDevice(vendor, vendor_); }

 private:
  template <Vendor>
  friend class StreamPlanBuilder;

  struct Entry {
    StreamCall<V> call;
    const Entry* next = nullptr;
    size_t command_index = 0;
    const char* command_name = "";
  };
  static_assert(std::is_trivially_destructible_v<Entry> && std::is_trivially_destructible_v<V>,
                "plans live in an arena, which runs no destructors");

  explicit StreamReplayPlan(const V& vendor) : vendor_(vendor) {}

  V vendor_;
  const Entry* first_ = nullptr;
};

// Collects a plan while a recording is replayed onto a StreamCommandBuffer that prepares
// (see that class). Not thread-safe: one preparation at a time per recording.
template <Vendor V>
class StreamPlanBuilder {
 public:
  StreamPlanBuilder(Arena& arena, const V& vendor) : arena_(arena), vendor_(vendor) {}
  StreamPlanBuilder(const StreamPlanBuilder&) = delete;
  StreamPlanBuilder& operator=(const StreamPlanBuilder&) = delete;

  // For DeferredCommandBuffer::Replay's `before_each`: the command being replayed.
  static void NoteCommand(void* builder, size_t index) {
    static_cast<StreamPlanBuilder*>(builder)->command_index_ = index;
  }

  // Appends `call`, made by the recorded command `command_name`.
  Status Add(const StreamCall<V>& call, const char* command_name) {
    auto* entry = arena_.New<typename StreamReplayPlan<V>::Entry>();
    if (!entry) return ResourceExhaustedError("out of host memory preparing a stream replay");
    entry->call = call;
    entry->command_index = command_index_;
    entry->command_name = command_name;
    *tail_ = entry;
    tail_ = &entry->next;
    return OkStatus();
  }

  // Storage for a launch's `count` parameters that lives as long as the plan.
  Result<KernelArgumentStorage> ArgumentStorage(uint32_t count) {
    auto* values = arena_.AllocateArray<KernelArgumentSlot>(count);
    auto* pointers = arena_.AllocateArray<void*>(count);
    if (count > 0 && (!values || !pointers)) {
      return ResourceExhaustedError("out of host memory preparing ", count,
                                    " kernel parameters of a stream replay");
    }
    return KernelArgumentStorage{{values, count}, {pointers, count}};
  }

  // A command the plan cannot hold: the recording is replayed every time instead.
  Status Refuse(const char* command_name) {
    refused_ = true;
    return UnimplementedError(command_name, " cannot be prepared for a stream replay");
  }

  // The plan, or null when a command was refused or memory ran out.
  const StreamReplayPlan<V>* Finish() {
    if (refused_) return nullptr;
    void* memory = arena_.Allocate(sizeof(StreamReplayPlan<V>), alignof(StreamReplayPlan<V>));
    if (!memory) return nullptr;
    auto* plan = new (memory) StreamReplayPlan<V>(vendor_);
    plan->first_ = first_;
    return plan;
  }

 private:
  using Entry = typename StreamReplayPlan<V>::Entry;

  Arena& arena_;
  const V vendor_;
  const Entry* first_ = nullptr;
  const Entry** tail_ = &first_;
  size_t command_index_ = 0;
  bool refused_ = false;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_STREAM_REPLAY_PLAN_H_
