// Transactional commands: for every command buffer call and every state, a rejected call
// leaves the recording exactly as it was. Each case takes a command buffer to a state,
// makes one call that must be refused with the code of the validation rule table
// (runtime/src/gpuhal/core/validating_command_buffer.h), finishes the recording, and
// compares the bytes it writes with those of a control recording that went through the
// same steps without the rejected call. The recording pushes bindings and push constants
// before the rejected call and dispatches with them after it, so a refused
// PushDescriptorSet or PushConstants that applied part of itself shows in the bytes.
//
// The cases form one table of (state, rejected call): RejectedCalls() lists each call
// with the states it is refused in, and each TEST_P below runs one state's rows.
//
// Operands of another device come from a second device: on the simulated GPU a device of
// the same driver on a simulated GPU of its own; on a real GPU a fake-cuda device, which
// every build has.
//
// Collectives: a channel of one participant made with CreateChannelGroup({device}).
// Where the device cannot make one (a real GPU without NCCL/RCCL), the Collective rows
// and the recording's collective are skipped.
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

enum class State : uint32_t {
  kInitial,             // created, Begin not called
  kRecordingEmpty,      // begun, nothing recorded
  kRecordingPopulated,  // begun, bindings and constants pushed, commands recorded, a
                        // debug group open
  kEnded,               // reusable, recorded and ended
  kOneShotEnded,        // one-shot, recorded and ended
  kReRecorded,          // reusable, recorded, ended and submitted, then begun again
};

const char* StateName(State state) {
  switch (state) {
    case State::kInitial: return "initial";
    case State::kRecordingEmpty: return "recording, nothing recorded";
    case State::kRecordingPopulated: return "recording, bindings/constants pushed";
    case State::kEnded: return "ended (reusable)";
    case State::kOneShotEnded: return "ended (one-shot)";
    case State::kReRecorded: return "reusable, re-recording";
  }
  return "?";
}

constexpr uint32_t Bit(State state) { return uint32_t{1} << static_cast<uint32_t>(state); }
constexpr uint32_t kRecording =
    Bit(State::kRecordingEmpty) | Bit(State::kRecordingPopulated) | Bit(State::kReRecorded);
constexpr uint32_t kNotRecording =
    Bit(State::kInitial) | Bit(State::kEnded) | Bit(State::kOneShotEnded);
// Recording states in which no binding was pushed since Begin.
constexpr uint32_t kNothingPushed = Bit(State::kRecordingEmpty) | Bit(State::kReRecorded);

constexpr uint32_t kCount = 256;  // words each dispatch writes
constexpr size_t kWords = kCount * sizeof(uint32_t);
constexpr size_t kResultsLength = 2048;
constexpr uint32_t kScale = 3;
constexpr uint32_t kBias = 7;
constexpr uint32_t kFillWord = 0x11111111u;
constexpr uint32_t kNestedWord = 0x22222222u;
constexpr uint32_t kMarkerWord = 0xA5A5A5A5u;
constexpr uint32_t kStrayWord = 0xEEEEEEEEu;  // what rejected calls would write
constexpr size_t kCollectiveOffset = 1536;     // in `results`
constexpr size_t kCollectiveElements = 64;

// Everything the recordings name. Declared so that the other device goes last.
struct Env {
  Ref<Device> other;
  Kernels other_kernels;
  Ref<Buffer> foreign_buffer;
  Ref<Event> foreign_event;
  Ref<CommandBuffer> foreign_graph;   // reusable, ended, CommandBufferMode::kGraph
  Ref<CommandBuffer> foreign_stream;  // reusable, ended, CommandBufferMode::kStream
  Ref<Channel> foreign_channel;       // null when the other device makes none

  Kernels kernels;  // entry point 0: cts_scale_add
  PipelineLayout* layout = nullptr;
  std::vector<uint32_t> a_words, b_words;
  Ref<Buffer> a, b;        // dispatch inputs, kWords each
  Ref<Buffer> out;         // dispatch output, kWords
  Ref<Buffer> results;     // transfers, kResultsLength
  Ref<Buffer> indirect;    // {kCount / 64, 1, 1}
  Ref<Buffer> scratch;     // discarded, never compared
  Ref<Buffer> read_only;   // kTransferSource only
  Ref<Buffer> no_source;   // no kTransferSource
  Ref<Buffer> no_indirect; // no kDispatchIndirectParameters
  Ref<Buffer> large;       // past UpdateBuffer's limit
  Ref<Buffer> odd_view;    // results at offset 2
  Ref<Event> event, event2;
  Ref<CommandBuffer> nested;           // reusable: fills results[768, 1024)
  Ref<CommandBuffer> nested_one_shot;  // one-shot, ended
  Ref<CommandBuffer> nested_unended;   // reusable, begun, not ended
  Ref<Channel> channel;                // null when the device makes none
  std::vector<uint8_t> update_data;    // 256 bytes
  std::vector<uint8_t> too_big;        // 64 KiB + 1
  std::vector<uint8_t> out_initial, results_initial;
};

using Call = std::function<Status(CommandBuffer&, Env&)>;

struct RejectedCall {
  std::string name;
  StatusCode code;
  uint32_t states;  // Bit(State) of each state the call is refused in
  Call call;
  bool collective = false;        // needs env.channel
  bool foreign_channel = false;  // needs env.foreign_channel
};

struct Case {
  State state;
  const RejectedCall* call;
};

std::span<const uint8_t> U8(std::span<const uint32_t> words) {
  return {reinterpret_cast<const uint8_t*>(words.data()), words.size_bytes()};
}

constexpr CollectiveOp kSum{CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kUint32};

// The recording every case makes, as steps: a state that is "populated" has run the
// first kPopulatedSteps. A half-applied push before the rejected call would change what
// the DispatchIndirect after it writes.
using Step = std::function<Status(CommandBuffer&, Env&)>;
constexpr size_t kPopulatedSteps = 7;

const std::vector<Step>& Script() {
  static const std::vector<Step> steps = {
      [](CommandBuffer& c, Env&) { return c.BeginDebugGroup("transaction", 0xFF00FFFFu); },
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.results.get(), 0, 256}, &kFillWord, 4);
      },
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.update_data.data(), {e.results.get(), 256, 256});
      },
      [](CommandBuffer& c, Env& e) {
        const BufferBinding bindings[] = {{0, e.a.get()}, {3, e.a.get()}};
        return c.PushDescriptorSet(*e.layout, 0, bindings);
      },
      [](CommandBuffer& c, Env& e) {
        const BufferBinding bindings[] = {{0, e.out.get()}};
        return c.PushDescriptorSet(*e.layout, 1, bindings);
      },
      [](CommandBuffer& c, Env& e) {
        const uint32_t constants[] = {kScale, kBias, kCount};
        return c.PushConstants(*e.layout, 0, U8(constants));
      },
      [](CommandBuffer& c, Env& e) {
        return c.Dispatch(*e.kernels.executable, 0, {kCount / 64, 1, 1});
      },
      // kPopulatedSteps: the populated state stops here.
      [](CommandBuffer& c, Env&) { return c.EndDebugGroup(); },
      [](CommandBuffer& c, Env& e) {
        const MemoryBarrier memory[] = {{AccessScope::kMemoryWrite, AccessScope::kMemoryRead}};
        const BufferBarrier buffers[] = {
            {AccessScope::kDispatchWrite, AccessScope::kDispatchWrite, {e.out.get()}}};
        return c.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, memory, buffers);
      },
      // Reads the bindings and constants pushed before the populated point.
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.indirect.get(), 0, 12});
      },
      [](CommandBuffer& c, Env& e) { return c.CopyBuffer({e.a.get(), 0, 256}, *e.results, 512); },
      [](CommandBuffer& c, Env& e) {
        GPUHAL_RETURN_IF_ERROR(c.SignalEvent(*e.event, ExecutionStage::kTransfer));
        return c.SignalEvent(*e.event2, ExecutionStage::kTransfer);
      },
      [](CommandBuffer& c, Env& e) {
        Event* events[] = {e.event.get(), e.event2.get()};
        const MemoryBarrier memory[] = {{AccessScope::kTransferWrite, AccessScope::kTransferRead}};
        const BufferBarrier buffers[] = {
            {AccessScope::kTransferWrite, AccessScope::kTransferRead, {e.results.get(), 0, 1024}}};
        return c.WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, memory,
                            buffers);
      },
      [](CommandBuffer& c, Env& e) {
        GPUHAL_RETURN_IF_ERROR(c.ResetEvent(*e.event, ExecutionStage::kTransfer));
        return c.ResetEvent(*e.event2, ExecutionStage::kTransfer);
      },
      [](CommandBuffer& c, Env& e) { return c.DiscardBuffer({e.scratch.get()}); },
      [](CommandBuffer& c, Env& e) { return c.ExecuteCommands(*e.nested); },
      [](CommandBuffer& c, Env& e) {
        if (!e.channel) return OkStatus();
        return c.Collective(*e.channel, kSum, 0, {e.a.get(), 0, kCollectiveElements * 4},
                            {e.results.get(), kCollectiveOffset, kCollectiveElements * 4},
                            kCollectiveElements);
      },
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.results.get(), 1024, 4}, &kMarkerWord, 4);
      },
  };
  return steps;
}

Status RunSteps(CommandBuffer& commands, Env& env, size_t begin, size_t end) {
  const std::vector<Step>& steps = Script();
  for (size_t i = begin; i < end; ++i) {
    Status status = steps[i](commands, env);
    if (!status.ok()) return status.WithContext(StrCat("script step ", i));
  }
  return OkStatus();
}

// The rows of the table: each call with the states it is refused in.
std::vector<RejectedCall> RejectedCalls() {
  using SC = StatusCode;
  std::vector<RejectedCall> calls;
  auto add = [&](std::string name, SC code, uint32_t states, Call call) {
    calls.push_back({std::move(name), code, states, std::move(call)});
  };
  auto add_collective = [&](std::string name, SC code, uint32_t states, Call call,
                            bool foreign_channel = false) {
    calls.push_back({std::move(name), code, states, std::move(call), true, foreign_channel});
  };
  // Outside Begin()/End(): every call, with operands that would be valid while recording.
  add("Begin: a one-shot buffer is recorded once", SC::kFailedPrecondition,
      Bit(State::kOneShotEnded), [](CommandBuffer& c, Env&) { return c.Begin(); });
  add("End: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env&) { return c.End(); });
  add("BeginDebugGroup: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env&) { return c.BeginDebugGroup("late", 0); });
  add("EndDebugGroup: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env&) { return c.EndDebugGroup(); });
  add("ExecutionBarrier: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env&) {
        return c.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {});
      });
  add("SignalEvent: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) { return c.SignalEvent(*e.event, ExecutionStage::kAll); });
  add("ResetEvent: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) { return c.ResetEvent(*e.event, ExecutionStage::kAll); });
  add("WaitEvents: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) {
        Event* events[] = {e.event.get()};
        return c.WaitEvents(events, ExecutionStage::kAll, ExecutionStage::kAll, {}, {});
      });
  add("DiscardBuffer: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) { return c.DiscardBuffer({e.scratch.get()}); });
  add("FillBuffer: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) { return c.FillBuffer({e.results.get()}, &kStrayWord, 4); });
  add("UpdateBuffer: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.too_big.data(), {e.results.get(), 0, 64});
      });
  add("CopyBuffer: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) { return c.CopyBuffer({e.b.get(), 0, 64}, *e.results, 0); });
  add("PushConstants: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) {
        const uint32_t constants[] = {100, 200, 300};
        return c.PushConstants(*e.layout, 0, U8(constants));
      });
  add("PushDescriptorSet: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) {
        const BufferBinding bindings[] = {{0, e.b.get()}, {3, e.b.get()}};
        return c.PushDescriptorSet(*e.layout, 0, bindings);
      });
  add("Dispatch: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) {
        return c.Dispatch(*e.kernels.executable, 0, {kCount / 64, 1, 1});
      });
  add("DispatchIndirect: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.indirect.get(), 0, 12});
      });
  add("ExecuteCommands: not recording", SC::kFailedPrecondition, kNotRecording,
      [](CommandBuffer& c, Env& e) { return c.ExecuteCommands(*e.nested); });
  add_collective("Collective: not recording", SC::kFailedPrecondition, kNotRecording,
                 [](CommandBuffer& c, Env& e) {
                   return c.Collective(*e.channel, kSum, 0, {e.b.get(), 0, 256},
                                       {e.results.get(), 0, 256}, 64);
                 });

  // Begin, End and debug groups while recording.
  add("Begin: already recording", SC::kFailedPrecondition, kRecording,
      [](CommandBuffer& c, Env&) { return c.Begin(); });
  add("End: a debug group is open", SC::kFailedPrecondition, Bit(State::kRecordingPopulated),
      [](CommandBuffer& c, Env&) { return c.End(); });
  add("EndDebugGroup: none open", SC::kFailedPrecondition, kNothingPushed,
      [](CommandBuffer& c, Env&) { return c.EndDebugGroup(); });

  // Barriers.
  const auto barrier = [](BufferRange range) {
    return BufferBarrier{AccessScope::kTransferWrite, AccessScope::kTransferRead, range};
  };
  add("ExecutionBarrier: null buffer barrier", SC::kInvalidArgument, kRecording,
      [barrier](CommandBuffer& c, Env&) {
        const BufferBarrier barriers[] = {barrier({nullptr})};
        return c.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, barriers);
      });
  add("ExecutionBarrier: buffer barrier outside its buffer", SC::kOutOfRange, kRecording,
      [barrier](CommandBuffer& c, Env& e) {
        const BufferBarrier barriers[] = {barrier({e.out.get(), 2000, 100})};
        return c.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, barriers);
      });
  add("ExecutionBarrier: buffer barrier of another device", SC::kInvalidArgument, kRecording,
      [barrier](CommandBuffer& c, Env& e) {
        const BufferBarrier barriers[] = {barrier({e.foreign_buffer.get()})};
        return c.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, barriers);
      });
  add("ExecutionBarrier: later buffer barrier of another device", SC::kInvalidArgument,
      kRecording, [barrier](CommandBuffer& c, Env& e) {
        const BufferBarrier barriers[] = {barrier({e.out.get()}),
                                          barrier({e.foreign_buffer.get()})};
        return c.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, barriers);
      });

  // Events.
  add("SignalEvent: event of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.SignalEvent(*e.foreign_event, ExecutionStage::kTransfer);
      });
  add("ResetEvent: event of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.ResetEvent(*e.foreign_event, ExecutionStage::kTransfer);
      });
  const auto wait = [](CommandBuffer& c, std::span<Event* const> events,
                       std::span<const BufferBarrier> barriers) {
    return c.WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {},
                        barriers);
  };
  add("WaitEvents: null event", SC::kInvalidArgument, kRecording,
      [wait](CommandBuffer& c, Env&) {
        Event* events[] = {nullptr};
        return wait(c, events, {});
      });
  add("WaitEvents: event of another device", SC::kInvalidArgument, kRecording,
      [wait](CommandBuffer& c, Env& e) {
        Event* events[] = {e.foreign_event.get()};
        return wait(c, events, {});
      });
  add("WaitEvents: later event of another device", SC::kInvalidArgument, kRecording,
      [wait](CommandBuffer& c, Env& e) {
        Event* events[] = {e.event.get(), e.foreign_event.get()};
        return wait(c, events, {});
      });
  add("WaitEvents: null buffer barrier", SC::kInvalidArgument, kRecording,
      [wait, barrier](CommandBuffer& c, Env& e) {
        Event* events[] = {e.event.get()};
        const BufferBarrier barriers[] = {barrier({nullptr})};
        return wait(c, events, barriers);
      });
  add("WaitEvents: buffer barrier outside its buffer", SC::kOutOfRange, kRecording,
      [wait, barrier](CommandBuffer& c, Env& e) {
        Event* events[] = {e.event.get()};
        const BufferBarrier barriers[] = {barrier({e.results.get(), kResultsLength, 1})};
        return wait(c, events, barriers);
      });
  add("WaitEvents: buffer barrier of another device", SC::kInvalidArgument, kRecording,
      [wait, barrier](CommandBuffer& c, Env& e) {
        Event* events[] = {e.event.get()};
        const BufferBarrier barriers[] = {barrier({e.results.get()}),
                                          barrier({e.foreign_buffer.get()})};
        return wait(c, events, barriers);
      });

  // Discard.
  add("DiscardBuffer: null buffer", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env&) { return c.DiscardBuffer({nullptr}); });
  add("DiscardBuffer: range outside the buffer", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) { return c.DiscardBuffer({e.scratch.get(), 300, 10}); });
  add("DiscardBuffer: buffer of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.DiscardBuffer({e.foreign_buffer.get()}); });

  // Fill.
  add("FillBuffer: null pattern", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.FillBuffer({e.results.get()}, nullptr, 4); });
  add("FillBuffer: pattern length 3", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.FillBuffer({e.results.get()}, &kStrayWord, 3); });
  add("FillBuffer: null buffer", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env&) { return c.FillBuffer({nullptr}, &kStrayWord, 4); });
  add("FillBuffer: offset not a multiple of the pattern", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.results.get(), 2, 8}, &kStrayWord, 4);
      });
  add("FillBuffer: length not a multiple of the pattern", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.results.get(), 0, 6}, &kStrayWord, 4);
      });
  add("FillBuffer: subspan misaligned in its allocation", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.odd_view.get(), 0, 8}, &kStrayWord, 4);
      });
  add("FillBuffer: range past the end", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.results.get(), kResultsLength - 4, 8}, &kStrayWord, 4);
      });
  add("FillBuffer: offset past the end, whole buffer", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.results.get(), kResultsLength + 4, kWholeBuffer}, &kStrayWord, 1);
      });
  add("FillBuffer: target lacks kTransferTarget", SC::kPermissionDenied, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.read_only.get()}, &kStrayWord, 4);
      });
  add("FillBuffer: buffer of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.FillBuffer({e.foreign_buffer.get()}, &kStrayWord, 4);
      });

  // Update.
  add("UpdateBuffer: kWholeBuffer length", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.too_big.data(), {e.results.get(), 0, kWholeBuffer});
      });
  add("UpdateBuffer: over 64 KiB", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.too_big.data(), {e.large.get(), 0, e.too_big.size()});
      });
  add("UpdateBuffer: null source", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.UpdateBuffer(nullptr, {e.results.get(), 0, 16}); });
  add("UpdateBuffer: null buffer", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.UpdateBuffer(e.too_big.data(), {nullptr, 0, 16}); });
  add("UpdateBuffer: range past the end", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.too_big.data(), {e.results.get(), kResultsLength - 8, 16});
      });
  add("UpdateBuffer: target lacks kTransferTarget", SC::kPermissionDenied, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.too_big.data(), {e.read_only.get(), 0, 16});
      });
  add("UpdateBuffer: buffer of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.UpdateBuffer(e.too_big.data(), {e.foreign_buffer.get(), 0, 16});
      });

  // Copy.
  add("CopyBuffer: ranges overlap", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.CopyBuffer({e.results.get(), 0, 100}, *e.results, 50);
      });
  add("CopyBuffer: null source", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.CopyBuffer({nullptr}, *e.results, 0); });
  add("CopyBuffer: source range past the end", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.CopyBuffer({e.b.get(), kWords - 24, 100}, *e.results, 0);
      });
  add("CopyBuffer: target range past the end", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.CopyBuffer({e.b.get(), 0, 100}, *e.results, kResultsLength - 48);
      });
  add("CopyBuffer: source lacks kTransferSource", SC::kPermissionDenied, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.CopyBuffer({e.no_source.get(), 0, 16}, *e.results, 0);
      });
  add("CopyBuffer: target lacks kTransferTarget", SC::kPermissionDenied, kRecording,
      [](CommandBuffer& c, Env& e) { return c.CopyBuffer({e.b.get(), 0, 16}, *e.read_only, 0); });
  add("CopyBuffer: source of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.CopyBuffer({e.foreign_buffer.get(), 0, 16}, *e.results, 0);
      });
  add("CopyBuffer: target of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.CopyBuffer({e.b.get(), 0, 16}, *e.foreign_buffer, 0);
      });

  // Push constants: values that would change the output if any part of them landed.
  add("PushConstants: offset not a multiple of 4", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        const uint32_t constants[] = {100};
        return c.PushConstants(*e.layout, 2, U8(constants));
      });
  add("PushConstants: size not a multiple of 4", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        const uint32_t constants[] = {100, 200};
        return c.PushConstants(*e.layout, 0, U8(constants).first(6));
      });
  add("PushConstants: past the layout's constants", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        const uint32_t constants[] = {100, 200, 300};
        return c.PushConstants(*e.layout, 4, U8(constants));
      });
  add("PushConstants: one word too many", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        const uint32_t constants[] = {100, 200, 300, 400};
        return c.PushConstants(*e.layout, 0, U8(constants));
      });

  // Push descriptor sets: every refused push names b first, so a push that applied its
  // leading bindings would make the dispatch read b instead of a.
  const auto push = [](CommandBuffer& c, Env& e, uint32_t set,
                       std::initializer_list<BufferBinding> bindings) {
    return c.PushDescriptorSet(*e.layout, set, std::span(bindings.begin(), bindings.size()));
  };
  add("PushDescriptorSet: set out of range", SC::kOutOfRange, kRecording,
      [push](CommandBuffer& c, Env& e) { return push(c, e, 2, {{0, e.b.get()}}); });
  add("PushDescriptorSet: ordinal not in the set", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) { return push(c, e, 0, {{1, e.b.get()}}); });
  add("PushDescriptorSet: later ordinal not in the set", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.b.get()}, {1, e.b.get()}});
      });
  add("PushDescriptorSet: ordinal repeated", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.b.get()}, {0, e.b.get()}});
      });
  add("PushDescriptorSet: more bindings than the set has", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.b.get()}, {3, e.b.get()}, {1, e.b.get()}});
      });
  add("PushDescriptorSet: later binding null", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) { return push(c, e, 0, {{0, e.b.get()}, {3, nullptr}}); });
  add("PushDescriptorSet: later binding lacks kDispatchStorage", SC::kPermissionDenied,
      kRecording, [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.b.get()}, {3, e.read_only.get()}});
      });
  add("PushDescriptorSet: later binding range outside its buffer", SC::kOutOfRange, kRecording,
      [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.b.get()}, {3, e.a.get(), kWords + 16}});
      });
  add("PushDescriptorSet: first binding of another device", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.foreign_buffer.get()}, {3, e.b.get()}});
      });
  add("PushDescriptorSet: later binding of another device", SC::kInvalidArgument, kRecording,
      [push](CommandBuffer& c, Env& e) {
        return push(c, e, 0, {{0, e.b.get()}, {3, e.foreign_buffer.get()}});
      });
  add("PushDescriptorSet: output set binding of another device", SC::kInvalidArgument,
      kRecording,
      [push](CommandBuffer& c, Env& e) { return push(c, e, 1, {{0, e.foreign_buffer.get()}}); });

  // Dispatch.
  add("Dispatch: entry point out of range", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) { return c.Dispatch(*e.kernels.executable, 1, {1, 1, 1}); });
  add("Dispatch: executable of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.Dispatch(*e.other_kernels.executable, 0, {kCount / 64, 1, 1});
      });
  add("Dispatch: bindings not pushed in this recording", SC::kFailedPrecondition,
      kNothingPushed, [](CommandBuffer& c, Env& e) {
        return c.Dispatch(*e.kernels.executable, 0, {kCount / 64, 1, 1});
      });
  add("DispatchIndirect: null parameter buffer", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {nullptr, 0, 12});
      });
  add("DispatchIndirect: buffer lacks kDispatchIndirectParameters", SC::kPermissionDenied,
      kRecording, [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.no_indirect.get(), 0, 12});
      });
  add("DispatchIndirect: range under 12 bytes", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.indirect.get(), 0, 8});
      });
  add("DispatchIndirect: offset not a multiple of 4", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.indirect.get(), 2, 12});
      });
  add("DispatchIndirect: range outside the buffer", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.indirect.get(), 8, 12});
      });
  add("DispatchIndirect: entry point out of range", SC::kOutOfRange, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 1, {e.indirect.get(), 0, 12});
      });
  add("DispatchIndirect: parameter buffer of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.foreign_buffer.get(), 0, 12});
      });
  add("DispatchIndirect: executable of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.other_kernels.executable, 0, {e.indirect.get(), 0, 12});
      });
  add("DispatchIndirect: bindings not pushed in this recording", SC::kFailedPrecondition,
      kNothingPushed, [](CommandBuffer& c, Env& e) {
        return c.DispatchIndirect(*e.kernels.executable, 0, {e.indirect.get(), 0, 12});
      });

  // Nesting. (Every buffer here allows every category, so the category rule cannot be
  // broken by a nested buffer.)
  add("ExecuteCommands: itself", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env&) { return c.ExecuteCommands(c); });
  add("ExecuteCommands: one-shot nested buffer", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.ExecuteCommands(*e.nested_one_shot); });
  add("ExecuteCommands: nested buffer not ended", SC::kFailedPrecondition, kRecording,
      [](CommandBuffer& c, Env& e) { return c.ExecuteCommands(*e.nested_unended); });
  add("ExecuteCommands: graph-mode buffer of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.ExecuteCommands(*e.foreign_graph); });
  add("ExecuteCommands: stream-mode buffer of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) { return c.ExecuteCommands(*e.foreign_stream); });

  // Collectives over the device's channel of one participant.
  const auto collective = [](CommandBuffer& c, Env& e, CollectiveOp op, CollectiveParam param,
                             BufferRange send, BufferRange recv, size_t count) {
    return c.Collective(*e.channel, op, param, send, recv, count);
  };
  add_collective("Collective: all-reduce without a reduction op", SC::kInvalidArgument,
                 kRecording, [collective](CommandBuffer& c, Env& e) {
                   return collective(
                       c, e, {CollectiveKind::kAllReduce, ReductionOp::kNone, ElementType::kUint32},
                       0, {e.b.get(), 0, 256}, {e.results.get(), 0, 256}, 64);
                 });
  add_collective("Collective: element count overflows", SC::kInvalidArgument, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {e.b.get()}, {e.results.get()},
                                     SIZE_MAX / 2);
                 });
  add_collective("Collective: unknown element type", SC::kInvalidArgument, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e,
                                     {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                      static_cast<ElementType>(200)},
                                     0, {e.b.get(), 0, 256}, {e.results.get(), 0, 256}, 64);
                 });
  add_collective("Collective: reduce root out of range", SC::kOutOfRange, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(
                       c, e, {CollectiveKind::kReduce, ReductionOp::kSum, ElementType::kUint32},
                       1, {e.b.get(), 0, 256}, {e.results.get(), 0, 256}, 64);
                 });
  add_collective("Collective: null send buffer", SC::kInvalidArgument, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {nullptr}, {e.results.get(), 0, 256}, 64);
                 });
  add_collective("Collective: null recv buffer", SC::kInvalidArgument, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {e.b.get(), 0, 256}, {nullptr}, 64);
                 });
  add_collective("Collective: send range too small", SC::kOutOfRange, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {e.b.get(), 0, 128},
                                     {e.results.get(), 0, 256}, 64);
                 });
  add_collective("Collective: recv range too small", SC::kOutOfRange, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {e.b.get(), 0, 256},
                                     {e.results.get(), 0, 128}, 64);
                 });
  add_collective("Collective: send buffer of another device", SC::kInvalidArgument, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {e.foreign_buffer.get(), 0, 256},
                                     {e.results.get(), 0, 256}, 64);
                 });
  add_collective("Collective: recv buffer of another device", SC::kInvalidArgument, kRecording,
                 [collective](CommandBuffer& c, Env& e) {
                   return collective(c, e, kSum, 0, {e.b.get(), 0, 256},
                                     {e.foreign_buffer.get(), 0, 256}, 64);
                 });
  add_collective(
      "Collective: channel of another device", SC::kInvalidArgument, kRecording,
      [](CommandBuffer& c, Env& e) {
        return c.Collective(*e.foreign_channel, kSum, 0, {e.b.get(), 0, 256},
                            {e.results.get(), 0, 256}, 64);
      },
      /*foreign_channel=*/true);
  return calls;
}

const std::vector<RejectedCall>& Table() {
  static const std::vector<RejectedCall> table = RejectedCalls();
  return table;
}

constexpr State kStates[] = {State::kInitial,      State::kRecordingEmpty,
                             State::kRecordingPopulated, State::kEnded,
                             State::kOneShotEnded, State::kReRecorded};

// The (state, rejected call) cases of one state.
std::vector<Case> CasesOf(State state) {
  std::vector<Case> cases;
  for (const RejectedCall& call : Table()) {
    if (call.states & Bit(state)) cases.push_back({state, &call});
  }
  return cases;
}

class TransactionTest : public ConformanceTest {
 protected:
  // A device of the same driver on a simulated GPU of its own; fake-cuda for a real GPU.
  std::string OtherDeviceUri() {
    Result<DeviceUri> uri = DeviceUri::Parse(GetParam().uri);
    std::string scheme = "fake-cuda";
    std::string query = "schedule=threaded";
    if (uri.ok() && simulated()) {
      scheme = uri->scheme;
      if (auto schedule = uri->Param("schedule")) query = "schedule=" + std::string(*schedule);
    }
    if (uri.ok()) {
      if (auto mode = uri->Param("mode")) query += "&mode=" + std::string(*mode);
    }
    return scheme + "://0?" + query;
  }

  Status Prepare(Env& env) {
    Device& d = device();
    // The other device and its objects.
    GPUHAL_ASSIGN_OR_RETURN(env.other, CreateDevice(OtherDeviceUri(), allocator()));
    GPUHAL_ASSIGN_OR_RETURN(env.other_kernels, LoadKernelsOn(*env.other, {"cts_scale_add"}));
    GPUHAL_ASSIGN_OR_RETURN(env.foreign_buffer, env.other->AllocateBuffer({}, kWords));
    const std::vector<uint8_t> foreign_initial = PatternBytes(kWords, 9);
    GPUHAL_RETURN_IF_ERROR(
        env.other->WriteBuffer(std::as_bytes(std::span(foreign_initial)), *env.foreign_buffer, 0));
    GPUHAL_ASSIGN_OR_RETURN(env.foreign_event, env.other->CreateEvent());
    for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
      GPUHAL_ASSIGN_OR_RETURN(
          Ref<CommandBuffer> foreign,
          env.other->CreateCommandBuffer({.usage = CommandBufferUsage::kReusable, .mode = mode}));
      GPUHAL_RETURN_IF_ERROR(foreign->Begin());
      GPUHAL_RETURN_IF_ERROR(foreign->FillBuffer({env.foreign_buffer.get()}, &kStrayWord, 4));
      GPUHAL_RETURN_IF_ERROR(foreign->End());
      (mode == CommandBufferMode::kGraph ? env.foreign_graph : env.foreign_stream) =
          std::move(foreign);
    }
    {
      Device* group[] = {env.other.get()};
      Result<std::vector<Ref<Channel>>> channels = env.other->CreateChannelGroup(group);
      if (channels.ok()) env.foreign_channel = (*channels)[0];
    }

    // The device's own objects.
    GPUHAL_ASSIGN_OR_RETURN(env.kernels, LoadKernels({"cts_scale_add"}));
    env.layout = &env.kernels.layout(0);
    env.a_words = PatternWords(kCount, 1);
    env.b_words = PatternWords(kCount, 2);
    GPUHAL_ASSIGN_OR_RETURN(env.a, NewBufferWithWords(env.a_words));
    GPUHAL_ASSIGN_OR_RETURN(env.b, NewBufferWithWords(env.b_words));
    GPUHAL_ASSIGN_OR_RETURN(env.out, NewBuffer(kWords));
    GPUHAL_ASSIGN_OR_RETURN(env.results, NewBuffer(kResultsLength));
    const uint32_t counts[] = {kCount / 64, 1, 1, 0};
    GPUHAL_ASSIGN_OR_RETURN(env.indirect, NewBufferWithWords(counts));
    GPUHAL_ASSIGN_OR_RETURN(env.scratch, NewBuffer(256));
    GPUHAL_ASSIGN_OR_RETURN(env.read_only,
                            NewBuffer(256, {.usage = BufferUsage::kTransferSource}));
    GPUHAL_ASSIGN_OR_RETURN(
        env.no_source,
        NewBuffer(256, {.usage = BufferUsage::kTransferTarget | BufferUsage::kDispatchStorage}));
    GPUHAL_ASSIGN_OR_RETURN(
        env.no_indirect,
        NewBuffer(64, {.usage = BufferUsage::kTransfer | BufferUsage::kDispatchStorage}));
    GPUHAL_ASSIGN_OR_RETURN(env.large, NewBuffer(80 * 1024));
    GPUHAL_ASSIGN_OR_RETURN(env.odd_view, env.results->Subspan(2, 100));
    GPUHAL_ASSIGN_OR_RETURN(env.event, d.CreateEvent());
    GPUHAL_ASSIGN_OR_RETURN(env.event2, d.CreateEvent());
    env.update_data = PatternBytes(256, 5);
    env.too_big.assign(64 * 1024 + 1, 0xEE);
    env.out_initial = PatternBytes(kWords, 3);
    env.results_initial = PatternBytes(kResultsLength, 4);

    GPUHAL_ASSIGN_OR_RETURN(
        env.nested, Record(
                        [&](CommandBuffer& c) {
                          return c.FillBuffer({env.results.get(), 768, 256}, &kNestedWord, 4);
                        },
                        {.usage = CommandBufferUsage::kReusable}));
    GPUHAL_ASSIGN_OR_RETURN(env.nested_one_shot, Record([&](CommandBuffer& c) {
                              return c.FillBuffer({env.results.get(), 1792, 64}, &kStrayWord, 4);
                            }));
    GPUHAL_ASSIGN_OR_RETURN(env.nested_unended,
                            d.CreateCommandBuffer({.usage = CommandBufferUsage::kReusable}));
    GPUHAL_RETURN_IF_ERROR(env.nested_unended->Begin());
    GPUHAL_RETURN_IF_ERROR(
        env.nested_unended->FillBuffer({env.results.get(), 1856, 64}, &kStrayWord, 4));
    {
      Device* group[] = {&d};
      Result<std::vector<Ref<Channel>>> channels = d.CreateChannelGroup(group);
      if (channels.ok()) env.channel = (*channels)[0];
    }
    return OkStatus();
  }

  // What the script writes: `out` then `results`.
  static std::vector<uint8_t> Expected(const Env& env) {
    std::vector<uint32_t> out(kCount);
    for (uint32_t i = 0; i < kCount; ++i) out[i] = env.a_words[i] * kScale + env.a_words[i] + kBias;
    std::vector<uint8_t> bytes(kWords);
    std::memcpy(bytes.data(), out.data(), kWords);
    std::vector<uint8_t> results = env.results_initial;
    for (size_t i = 0; i < 256; i += 4) std::memcpy(&results[i], &kFillWord, 4);
    std::memcpy(&results[256], env.update_data.data(), 256);
    std::memcpy(&results[512], env.a_words.data(), 256);
    for (size_t i = 768; i < 1024; i += 4) std::memcpy(&results[i], &kNestedWord, 4);
    std::memcpy(&results[1024], &kMarkerWord, 4);
    if (env.channel) {
      // All-reduce over one participant: a copy.
      std::memcpy(&results[kCollectiveOffset], env.a_words.data(), kCollectiveElements * 4);
    }
    bytes.insert(bytes.end(), results.begin(), results.end());
    return bytes;
  }

  static CommandBufferParams ParamsFor(State state) {
    const bool reusable = state == State::kEnded || state == State::kReRecorded;
    return {.usage = reusable ? CommandBufferUsage::kReusable : CommandBufferUsage::kOneShot};
  }

  // Takes a fresh command buffer to `state`.
  Status Reach(State state, CommandBuffer& commands, Env& env) {
    const size_t all = Script().size();
    switch (state) {
      case State::kInitial:
        return OkStatus();
      case State::kRecordingEmpty:
        return commands.Begin();
      case State::kRecordingPopulated:
        GPUHAL_RETURN_IF_ERROR(commands.Begin());
        return RunSteps(commands, env, 0, kPopulatedSteps);
      case State::kEnded:
      case State::kOneShotEnded:
        GPUHAL_RETURN_IF_ERROR(commands.Begin());
        GPUHAL_RETURN_IF_ERROR(RunSteps(commands, env, 0, all));
        return commands.End();
      case State::kReRecorded: {
        // A first recording that pushes b and other constants, submitted once.
        GPUHAL_RETURN_IF_ERROR(commands.Begin());
        const uint32_t word = 0x5A5A5A5Au;
        GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({env.results.get()}, &word, 4));
        const BufferBinding set0[] = {{0, env.b.get()}, {3, env.b.get()}};
        const BufferBinding set1[] = {{0, env.out.get()}};
        GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(*env.layout, 0, set0));
        GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(*env.layout, 1, set1));
        const uint32_t constants[] = {5, 9, kCount};
        GPUHAL_RETURN_IF_ERROR(commands.PushConstants(*env.layout, 0, U8(constants)));
        GPUHAL_RETURN_IF_ERROR(commands.Dispatch(*env.kernels.executable, 0, {kCount / 64, 1, 1}));
        GPUHAL_RETURN_IF_ERROR(commands.End());
        GPUHAL_RETURN_IF_ERROR(SubmitAndWait(commands));
        return commands.Begin();
      }
    }
    return InternalError("unknown state");
  }

  // Finishes the recording from `state` the same way whatever was refused in between.
  Status Finish(State state, CommandBuffer& commands, Env& env) {
    const size_t all = Script().size();
    switch (state) {
      case State::kInitial:
        GPUHAL_RETURN_IF_ERROR(commands.Begin());
        GPUHAL_RETURN_IF_ERROR(RunSteps(commands, env, 0, all));
        return commands.End();
      case State::kRecordingEmpty:
      case State::kReRecorded:
        GPUHAL_RETURN_IF_ERROR(RunSteps(commands, env, 0, all));
        return commands.End();
      case State::kRecordingPopulated:
        GPUHAL_RETURN_IF_ERROR(RunSteps(commands, env, kPopulatedSteps, all));
        return commands.End();
      case State::kEnded:
      case State::kOneShotEnded:
        return OkStatus();
    }
    return InternalError("unknown state");
  }

  // Resets the outputs, runs `commands`, and returns `out` followed by `results`.
  Result<std::vector<uint8_t>> Replay(CommandBuffer& commands, Env& env) {
    GPUHAL_RETURN_IF_ERROR(
        device().WriteBuffer(std::as_bytes(std::span(env.out_initial)), *env.out, 0));
    GPUHAL_RETURN_IF_ERROR(
        device().WriteBuffer(std::as_bytes(std::span(env.results_initial)), *env.results, 0));
    GPUHAL_RETURN_IF_ERROR(SubmitAndWait(commands));
    GPUHAL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadBytes(*env.out));
    GPUHAL_ASSIGN_OR_RETURN(std::vector<uint8_t> results, ReadBytes(*env.results));
    bytes.insert(bytes.end(), results.begin(), results.end());
    return bytes;
  }

  void RunCase(const Case& c, Env& env, const std::vector<uint8_t>& expected) {
    const RejectedCall& call = *c.call;
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> tested,
                             device().CreateCommandBuffer(ParamsFor(c.state)));
    ASSERT_OK(Reach(c.state, *tested, env));
    const Status refused = call.call(*tested, env);
    EXPECT_EQ(StatusCodeName(refused.code()), StatusCodeName(call.code)) << refused;
    ASSERT_OK(Finish(c.state, *tested, env));

    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> control,
                             device().CreateCommandBuffer(ParamsFor(c.state)));
    ASSERT_OK(Reach(c.state, *control, env));
    ASSERT_OK(Finish(c.state, *control, env));

    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> tested_bytes, Replay(*tested, env));
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> control_bytes, Replay(*control, env));
    EXPECT_TRUE(tested_bytes == control_bytes)
        << "the rejected call changed what the recording writes";
    EXPECT_TRUE(control_bytes == expected) << "the control recording wrote unexpected bytes";
  }

  // Runs every case of `state`, continuing past failures, and names the failed ones.
  void RunState(State state) {
    Env env;
    ASSERT_OK(Prepare(env));
    const std::vector<uint8_t> expected = Expected(env);
    const ::testing::TestResult& result =
        *::testing::UnitTest::GetInstance()->current_test_info()->result();
    size_t run = 0, skipped = 0;
    std::vector<std::string> failed;
    for (const Case& c : CasesOf(state)) {
      if ((c.call->collective && !env.channel) ||
          (c.call->foreign_channel && !env.foreign_channel)) {
        ++skipped;
        continue;
      }
      SCOPED_TRACE(StrCat(StateName(state), " / ", c.call->name));
      const int parts = result.total_part_count();
      RunCase(c, env, expected);
      ++run;
      if (result.total_part_count() != parts) failed.push_back(c.call->name);
    }
    RecordProperty("cases", static_cast<int>(run));
    RecordProperty("skipped_cases", static_cast<int>(skipped));
    std::string names;
    for (const std::string& name : failed) names += "\n  " + name;
    EXPECT_TRUE(failed.empty()) << failed.size() << " of " << run << " cases of state '"
                                << StateName(state) << "' failed:" << names;
  }
};
CTS_INSTANTIATE(TransactionTest);

TEST_P(TransactionTest, Initial) { RunState(State::kInitial); }
TEST_P(TransactionTest, RecordingEmpty) { RunState(State::kRecordingEmpty); }
TEST_P(TransactionTest, RecordingPopulated) { RunState(State::kRecordingPopulated); }
TEST_P(TransactionTest, Ended) { RunState(State::kEnded); }
TEST_P(TransactionTest, OneShotEnded) { RunState(State::kOneShotEnded); }
TEST_P(TransactionTest, ReRecorded) { RunState(State::kReRecorded); }

// The table's size, so a run reports it: every state has cases, and every row is used.
TEST_P(TransactionTest, TableCoversEveryStateAndRow) {
  size_t total = 0;
  for (State state : kStates) {
    const size_t count = CasesOf(state).size();
    EXPECT_GT(count, 0u) << StateName(state);
    total += count;
  }
  for (const RejectedCall& call : Table()) EXPECT_NE(call.states, 0u) << call.name;
  RecordProperty("table_rows", static_cast<int>(Table().size()));
  RecordProperty("cases", static_cast<int>(total));
}

// The regression: a push whose later binding belongs to another device is refused as a
// whole. Push {0: a, 3: a}, then {0: b, 3: other device's buffer} -> INVALID_ARGUMENT;
// the dispatch must read a at ordinal 0, not b. In both command buffer modes.
TEST_P(TransactionTest, RefusedPushKeepsEveryEarlierBinding) {
  Env env;
  ASSERT_OK(Prepare(env));
  for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
    SCOPED_TRACE(mode == CommandBufferMode::kGraph ? "graph" : "stream");
    ASSERT_OK(device().WriteBuffer(std::as_bytes(std::span(env.out_initial)), *env.out, 0));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> commands,
                             device().CreateCommandBuffer({.mode = mode}));
    ASSERT_OK(commands->Begin());
    const BufferBinding first[] = {{0, env.a.get()}, {3, env.a.get()}};
    const BufferBinding refused[] = {{0, env.b.get()}, {3, env.foreign_buffer.get()}};
    const BufferBinding output[] = {{0, env.out.get()}};
    const uint32_t constants[] = {kScale, kBias, kCount};
    ASSERT_OK(commands->PushDescriptorSet(*env.layout, 0, first));
    ASSERT_OK(commands->PushDescriptorSet(*env.layout, 1, output));
    ASSERT_OK(commands->PushConstants(*env.layout, 0, U8(constants)));
    EXPECT_THAT(commands->PushDescriptorSet(*env.layout, 0, refused), StatusIs(StatusCode::kInvalidArgument));
    ASSERT_OK(commands->Dispatch(*env.kernels.executable, 0, {kCount / 64, 1, 1}));
    ASSERT_OK(commands->End());
    ASSERT_OK(SubmitAndWait(*commands));
    ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*env.out));
    std::vector<uint32_t> expected(kCount);
    for (uint32_t i = 0; i < kCount; ++i) {
      expected[i] = env.a_words[i] * kScale + env.a_words[i] + kBias;
    }
    EXPECT_EQ(words, expected) << "the refused push changed binding 0";
  }
}

}  // namespace
}  // namespace gpuhal::conformance
