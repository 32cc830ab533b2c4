// Multi-device objects: every place that accepts a buffer, event, executable, channel or
// command buffer checks that it belongs to this device, in both command buffer modes, when
// the call is made. One table (OwnershipRows) lists each (call, operand position); every
// row is made with the operand of another device in the middle of a recording of each
// mode, must return its code from the call itself, and must leave the recording usable:
// it still ends, runs, and writes exactly what its valid commands write, while the other
// device's buffer keeps its contents.
//
// The table runs against three kinds of "other device":
//   AnotherDriver       the other simulated driver (fake-hip for fake-cuda, else fake-cuda);
//                       on a real GPU, a fake-cuda device
//   SameDriverOtherGpu  the same driver on a simulated GPU of its own (simulated only)
//   SamePlatform        two devices of one simulated platform (platform=NAME), which
//                       share one simulated GPU; the rows run on device 0 with device 1's
//                       objects (on a real GPU both are fake-cuda devices)
//
// It also pins the QueueExecute decisions: a one-shot buffer runs once; an unended buffer
// is refused at the call with its signal semaphores untouched; a signal at or below its
// semaphore's value is OUT_OF_RANGE at the call, as Semaphore::Signal is; and a refused
// submission does not use up a one-shot buffer.
//
// Collective rows need a channel of one participant on each device
// (CreateChannelGroup({device})); where a device cannot make one (a real GPU without
// NCCL/RCCL), those rows are skipped.
#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

constexpr uint32_t kCount = 256;
constexpr size_t kWords = kCount * sizeof(uint32_t);
constexpr size_t kMarksLength = 512;
constexpr uint32_t kScale = 3;
constexpr uint32_t kBias = 7;
constexpr uint32_t kBeforeWord = 0x13131313u;  // recorded before the refused call
constexpr uint32_t kAfterWord = 0x57575757u;   // recorded after it
constexpr uint32_t kSideWord = 0x2B2B2B2Bu;    // what a row's own submissions write
constexpr uint32_t kStrayWord = 0xEEEEEEEEu;   // what a wrongly accepted command writes

const char* ModeName(CommandBufferMode mode) {
  return mode == CommandBufferMode::kGraph ? "graph" : "stream";
}
constexpr CommandBufferMode kModes[] = {CommandBufferMode::kGraph, CommandBufferMode::kStream};

std::span<const uint8_t> U8(std::span<const uint32_t> words) {
  return {reinterpret_cast<const uint8_t*>(words.data()), words.size_bytes()};
}

std::vector<uint8_t> Words(size_t length, uint32_t word) {
  std::vector<uint8_t> bytes(length);
  for (size_t i = 0; i + 4 <= length; i += 4) std::memcpy(&bytes[i], &word, 4);
  return bytes;
}

Status SubmitAndWaitOn(Device& device, CommandBuffer& commands) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> done, device.CreateSemaphore(0));
  CommandBuffer* list[] = {&commands};
  const SemaphorePoint signals[] = {{done.get(), 1}};
  GPUHAL_RETURN_IF_ERROR(device.QueueExecute(kAnyQueue, {}, signals, list));
  return done->Wait(1, LongTimeout());
}

Result<std::vector<uint8_t>> ReadOn(Device& device, Buffer& buffer) {
  std::vector<uint8_t> bytes(buffer.byte_length());
  GPUHAL_RETURN_IF_ERROR(device.ReadBuffer(buffer, 0, std::as_writable_bytes(std::span(bytes))));
  return bytes;
}

Status WriteOn(Device& device, Buffer& buffer, std::span<const uint8_t> bytes) {
  return device.WriteBuffer(std::as_bytes(bytes), buffer, 0);
}

// One device's view of a pair: its own objects, and objects of the other device.
struct Env {
  Device* self = nullptr;
  Device* other = nullptr;
  // The other device's.
  Kernels other_kernels;
  Ref<Buffer> foreign_buffer;  // kWords, foreign_initial
  std::vector<uint8_t> foreign_initial;
  Ref<Event> foreign_event;
  Ref<CommandBuffer> foreign_graph;   // reusable, ended, fills foreign_buffer
  Ref<CommandBuffer> foreign_stream;  // the same in stream mode
  Ref<Channel> foreign_channel;       // null when the other device makes none
  // Its own.
  Kernels kernels;  // entry point 0: cts_scale_add
  PipelineLayout* layout = nullptr;
  std::vector<uint32_t> a_words;
  Ref<Buffer> a, b, out, marks, side, indirect;
  Ref<Event> event;
  Ref<Channel> channel;  // null when the device makes none
  std::vector<uint8_t> out_initial, marks_initial;
};

Status PrepareEnv(Env& env, Device& self, Device& other) {
  env.self = &self;
  env.other = &other;
  GPUHAL_ASSIGN_OR_RETURN(env.other_kernels, LoadKernelsOn(other, {"cts_scale_add"}));
  GPUHAL_ASSIGN_OR_RETURN(env.foreign_buffer, other.AllocateBuffer({}, kWords));
  env.foreign_initial = PatternBytes(kWords, 21);
  GPUHAL_RETURN_IF_ERROR(WriteOn(other, *env.foreign_buffer, env.foreign_initial));
  GPUHAL_ASSIGN_OR_RETURN(env.foreign_event, other.CreateEvent());
  for (CommandBufferMode mode : kModes) {
    GPUHAL_ASSIGN_OR_RETURN(
        Ref<CommandBuffer> foreign,
        other.CreateCommandBuffer({.usage = CommandBufferUsage::kReusable, .mode = mode}));
    GPUHAL_RETURN_IF_ERROR(foreign->Begin());
    GPUHAL_RETURN_IF_ERROR(foreign->FillBuffer({env.foreign_buffer.get()}, &kStrayWord, 4));
    GPUHAL_RETURN_IF_ERROR(foreign->End());
    (mode == CommandBufferMode::kGraph ? env.foreign_graph : env.foreign_stream) =
        std::move(foreign);
  }
  {
    Device* group[] = {&other};
    Result<std::vector<Ref<Channel>>> channels = other.CreateChannelGroup(group);
    if (channels.ok()) env.foreign_channel = (*channels)[0];
  }

  GPUHAL_ASSIGN_OR_RETURN(env.kernels, LoadKernelsOn(self, {"cts_scale_add"}));
  env.layout = &env.kernels.layout(0);
  env.a_words = PatternWords(kCount, 1);
  GPUHAL_ASSIGN_OR_RETURN(env.a, self.AllocateBuffer({}, kWords));
  GPUHAL_RETURN_IF_ERROR(WriteOn(self, *env.a, U8(env.a_words)));
  GPUHAL_ASSIGN_OR_RETURN(env.b, self.AllocateBuffer({}, kWords));
  GPUHAL_RETURN_IF_ERROR(WriteOn(self, *env.b, PatternBytes(kWords, 2)));
  GPUHAL_ASSIGN_OR_RETURN(env.out, self.AllocateBuffer({}, kWords));
  GPUHAL_ASSIGN_OR_RETURN(env.marks, self.AllocateBuffer({}, kMarksLength));
  GPUHAL_ASSIGN_OR_RETURN(env.side, self.AllocateBuffer({}, 64));
  GPUHAL_ASSIGN_OR_RETURN(env.indirect, self.AllocateBuffer({}, 16));
  const uint32_t counts[] = {kCount / 64, 1, 1, 0};
  GPUHAL_RETURN_IF_ERROR(WriteOn(self, *env.indirect, U8(counts)));
  GPUHAL_ASSIGN_OR_RETURN(env.event, self.CreateEvent());
  {
    Device* group[] = {&self};
    Result<std::vector<Ref<Channel>>> channels = self.CreateChannelGroup(group);
    if (channels.ok()) env.channel = (*channels)[0];
  }
  env.out_initial = PatternBytes(kWords, 3);
  env.marks_initial = PatternBytes(kMarksLength, 4);
  return OkStatus();
}

// A row: the call made with another device's object in one operand position, while
// `recording` (a command buffer of `mode`, made by env.self) is recording.
using RowCall = std::function<Status(Env&, CommandBuffer& recording, CommandBufferMode mode)>;

struct Row {
  std::string call;
  std::string operand;
  StatusCode code;
  RowCall run;
  bool collective = false;       // needs env.channel
  bool foreign_channel = false;  // needs env.foreign_channel
};

BufferBarrier Barrier(Buffer* buffer) {
  return {AccessScope::kTransferWrite, AccessScope::kTransferRead, {buffer}};
}

constexpr CollectiveOp kSum{CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kUint32};

std::vector<Row> OwnershipRows() {
  using SC = StatusCode;
  std::vector<Row> rows;
  auto add = [&](std::string call, std::string operand, RowCall run,
                 SC code = SC::kInvalidArgument) {
    rows.push_back({std::move(call), std::move(operand), code, std::move(run)});
  };
  auto add_collective = [&](std::string operand, RowCall run, bool foreign_channel) {
    rows.push_back({"Collective", std::move(operand), SC::kInvalidArgument, std::move(run), true,
                    foreign_channel});
  };

  // Commands, refused when recorded.
  add("FillBuffer", "target", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.FillBuffer({e.foreign_buffer.get()}, &kStrayWord, 4);
  });
  add("UpdateBuffer", "target", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    const uint32_t words[4] = {kStrayWord, kStrayWord, kStrayWord, kStrayWord};
    return r.UpdateBuffer(words, {e.foreign_buffer.get(), 0, sizeof(words)});
  });
  add("CopyBuffer", "source", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.CopyBuffer({e.foreign_buffer.get(), 0, 64}, *e.marks, 256);
  });
  add("CopyBuffer", "target", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.CopyBuffer({e.b.get(), 0, 64}, *e.foreign_buffer, 0);
  });
  add("DiscardBuffer", "buffer", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.DiscardBuffer({e.foreign_buffer.get()});
  });
  // A push that applied its first binding would make the dispatch read b, not a.
  add("PushDescriptorSet", "first binding", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    const BufferBinding bindings[] = {{0, e.foreign_buffer.get()}, {3, e.b.get()}};
    return r.PushDescriptorSet(*e.layout, 0, bindings);
  });
  add("PushDescriptorSet", "later binding", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    const BufferBinding bindings[] = {{0, e.b.get()}, {3, e.foreign_buffer.get()}};
    return r.PushDescriptorSet(*e.layout, 0, bindings);
  });
  add("PushDescriptorSet", "binding of a later set",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        const BufferBinding bindings[] = {{0, e.foreign_buffer.get()}};
        return r.PushDescriptorSet(*e.layout, 1, bindings);
      });
  add("DispatchIndirect", "parameter buffer", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.DispatchIndirect(*e.kernels.executable, 0, {e.foreign_buffer.get(), 0, 12});
  });
  add("Dispatch", "executable", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.Dispatch(*e.other_kernels.executable, 0, {kCount / 64, 1, 1});
  });
  add("DispatchIndirect", "executable", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.DispatchIndirect(*e.other_kernels.executable, 0, {e.indirect.get(), 0, 12});
  });
  add("SignalEvent", "event", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.SignalEvent(*e.foreign_event, ExecutionStage::kTransfer);
  });
  add("ResetEvent", "event", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    return r.ResetEvent(*e.foreign_event, ExecutionStage::kTransfer);
  });
  add("WaitEvents", "first event", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    Event* events[] = {e.foreign_event.get(), e.event.get()};
    return r.WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {});
  });
  add("WaitEvents", "later event", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    Event* events[] = {e.event.get(), e.foreign_event.get()};
    return r.WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {}, {});
  });
  add("WaitEvents", "buffer barrier", [](Env& e, CommandBuffer& r, CommandBufferMode) {
    Event* events[] = {e.event.get()};
    const BufferBarrier barriers[] = {Barrier(e.marks.get()), Barrier(e.foreign_buffer.get())};
    return r.WaitEvents(events, ExecutionStage::kTransfer, ExecutionStage::kTransfer, {},
                        barriers);
  });
  add("ExecutionBarrier", "first buffer barrier",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        const BufferBarrier barriers[] = {Barrier(e.foreign_buffer.get()), Barrier(e.out.get())};
        return r.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, barriers);
      });
  add("ExecutionBarrier", "later buffer barrier",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        const BufferBarrier barriers[] = {Barrier(e.out.get()), Barrier(e.foreign_buffer.get())};
        return r.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, barriers);
      });
  add("ExecuteCommands", "graph-mode nested buffer",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        return r.ExecuteCommands(*e.foreign_graph);
      });
  add("ExecuteCommands", "stream-mode nested buffer",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        return r.ExecuteCommands(*e.foreign_stream);
      });
  add_collective(
      "channel",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        return r.Collective(*e.foreign_channel, kSum, 0, {e.a.get(), 0, 256},
                            {e.marks.get(), 256, 256}, 64);
      },
      /*foreign_channel=*/true);
  add_collective(
      "send buffer",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        return r.Collective(*e.channel, kSum, 0, {e.foreign_buffer.get(), 0, 256},
                            {e.marks.get(), 256, 256}, 64);
      },
      false);
  add_collective(
      "recv buffer",
      [](Env& e, CommandBuffer& r, CommandBufferMode) {
        return r.Collective(*e.channel, kSum, 0, {e.a.get(), 0, 256},
                            {e.foreign_buffer.get(), 0, 256}, 64);
      },
      false);

  // Queue calls, refused when made; the rows also check that nothing was signalled.
  const auto submit_foreign = [](Env& e, CommandBuffer& foreign) -> Status {
    Result<Ref<Semaphore>> signal = e.self->CreateSemaphore(0);
    if (!signal.ok()) return signal.status();
    CommandBuffer* list[] = {&foreign};
    const SemaphorePoint signals[] = {{signal->get(), 1}};
    Status status = e.self->QueueExecute(kAnyQueue, {}, signals, list);
    Result<uint64_t> value = (*signal)->Query();
    EXPECT_TRUE(value.ok() && *value == 0) << "a refused submission signalled";
    return status;
  };
  add("QueueExecute", "graph-mode command buffer",
      [submit_foreign](Env& e, CommandBuffer&, CommandBufferMode) {
        return submit_foreign(e, *e.foreign_graph);
      });
  add("QueueExecute", "stream-mode command buffer",
      [submit_foreign](Env& e, CommandBuffer&, CommandBufferMode) {
        return submit_foreign(e, *e.foreign_stream);
      });
  // The device's own one-shot buffer ahead of the foreign one is not used up.
  add("QueueExecute", "later command buffer", [](Env& e, CommandBuffer&, CommandBufferMode mode) {
    Result<Ref<CommandBuffer>> own = e.self->CreateCommandBuffer({.mode = mode});
    if (!own.ok()) return own.status();
    GPUHAL_RETURN_IF_ERROR((*own)->Begin());
    GPUHAL_RETURN_IF_ERROR((*own)->FillBuffer({e.side.get()}, &kSideWord, 4));
    GPUHAL_RETURN_IF_ERROR((*own)->End());
    GPUHAL_RETURN_IF_ERROR(WriteOn(*e.self, *e.side, std::vector<uint8_t>(64, 0)));
    CommandBuffer* list[] = {own->get(), e.foreign_graph.get()};
    const Status status = e.self->QueueExecute(kAnyQueue, {}, {}, list);
    const Status again = SubmitAndWaitOn(*e.self, **own);
    EXPECT_OK(again) << "the refused submission used up the one-shot buffer: " << again;
    Result<std::vector<uint8_t>> side = ReadOn(*e.self, *e.side);
    EXPECT_TRUE(side.ok() && *side == Words(64, kSideWord));
    return status;
  });
  add("QueueDealloca", "buffer", [](Env& e, CommandBuffer&, CommandBufferMode) {
    return e.self->QueueDealloca(kAnyQueue, {}, {}, *e.foreign_buffer);
  });
  add("ReadBuffer", "buffer", [](Env& e, CommandBuffer&, CommandBufferMode) {
    std::vector<std::byte> bytes(64);
    return e.self->ReadBuffer(*e.foreign_buffer, 0, bytes);
  });
  add("WriteBuffer", "buffer", [](Env& e, CommandBuffer&, CommandBufferMode) {
    const std::vector<uint8_t> bytes = Words(64, kStrayWord);
    return e.self->WriteBuffer(std::as_bytes(std::span(bytes)), *e.foreign_buffer, 0);
  });

  // The QueueExecute rules of the device's own buffers.
  add(
      "QueueExecute", "one-shot buffer submitted again",
      [](Env& e, CommandBuffer&, CommandBufferMode mode) {
        Result<Ref<CommandBuffer>> once = e.self->CreateCommandBuffer({.mode = mode});
        if (!once.ok()) return once.status();
        GPUHAL_RETURN_IF_ERROR((*once)->Begin());
        GPUHAL_RETURN_IF_ERROR((*once)->FillBuffer({e.side.get()}, &kSideWord, 4));
        GPUHAL_RETURN_IF_ERROR((*once)->End());
        GPUHAL_RETURN_IF_ERROR(SubmitAndWaitOn(*e.self, **once));
        GPUHAL_RETURN_IF_ERROR(WriteOn(*e.self, *e.side, std::vector<uint8_t>(64, 0)));
        GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> signal, e.self->CreateSemaphore(0));
        CommandBuffer* list[] = {once->get()};
        const SemaphorePoint signals[] = {{signal.get(), 1}};
        const Status status = e.self->QueueExecute(kAnyQueue, {}, signals, list);
        // Nothing ran: the queue's later barrier finds the side buffer still clear.
        GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> after, e.self->CreateSemaphore(0));
        const SemaphorePoint after_signals[] = {{after.get(), 1}};
        GPUHAL_RETURN_IF_ERROR(e.self->QueueBarrier(kAnyQueue, {}, after_signals));
        GPUHAL_RETURN_IF_ERROR(after->Wait(1, LongTimeout()));
        std::this_thread::sleep_for(kSettleTime);
        Result<std::vector<uint8_t>> side = ReadOn(*e.self, *e.side);
        EXPECT_TRUE(side.ok() && *side == std::vector<uint8_t>(64, 0)) << "it ran again";
        Result<uint64_t> value = signal->Query();
        EXPECT_TRUE(value.ok() && *value == 0) << "the refused submission signalled";
        return status;
      },
      SC::kFailedPrecondition);
  add(
      "QueueExecute", "command buffer not ended",
      [](Env& e, CommandBuffer&, CommandBufferMode mode) {
        Result<Ref<CommandBuffer>> unended = e.self->CreateCommandBuffer({.mode = mode});
        if (!unended.ok()) return unended.status();
        GPUHAL_RETURN_IF_ERROR((*unended)->Begin());
        GPUHAL_RETURN_IF_ERROR((*unended)->FillBuffer({e.side.get()}, &kSideWord, 4));
        GPUHAL_RETURN_IF_ERROR(WriteOn(*e.self, *e.side, std::vector<uint8_t>(64, 0)));
        GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> signal, e.self->CreateSemaphore(0));
        CommandBuffer* list[] = {unended->get()};
        const SemaphorePoint signals[] = {{signal.get(), 1}};
        const Status status = e.self->QueueExecute(kAnyQueue, {}, signals, list);
        Result<uint64_t> value = signal->Query();
        EXPECT_TRUE(value.ok() && *value == 0) << "the refused submission signalled";
        // Ended, it is submitted once as usual.
        GPUHAL_RETURN_IF_ERROR((*unended)->End());
        const Status ran = SubmitAndWaitOn(*e.self, **unended);
        EXPECT_OK(ran) << ran;
        Result<std::vector<uint8_t>> side = ReadOn(*e.self, *e.side);
        EXPECT_TRUE(side.ok() && *side == Words(64, kSideWord));
        return status;
      },
      SC::kFailedPrecondition);
  return rows;
}

const std::vector<Row>& Table() {
  static const std::vector<Row> table = OwnershipRows();
  return table;
}

std::atomic<int> next_platform{0};

class OwnershipTest : public ConformanceTest {
 protected:
  struct UriParts {
    std::string scheme;    // the device's own scheme
    std::string query;     // schedule and mode, for the devices a case opens
  };
  UriParts Parts() {
    UriParts parts{"", "schedule=threaded"};
    Result<DeviceUri> uri = DeviceUri::Parse(GetParam().uri);
    if (!uri.ok()) return parts;
    parts.scheme = uri->scheme;
    if (auto schedule = uri->Param("schedule"); schedule && simulated()) {
      parts.query = "schedule=" + std::string(*schedule);
    }
    if (auto mode = uri->Param("mode")) parts.query += "&mode=" + std::string(*mode);
    return parts;
  }
  // The simulated driver closest to the device: its own driver when simulated.
  std::string SimulatedScheme() { return simulated() ? Parts().scheme : "fake-cuda"; }

  Result<Ref<Device>> OpenAnotherDriver() {
    const std::string scheme = Parts().scheme == "fake-cuda" ? "fake-hip" : "fake-cuda";
    return CreateDevice(scheme + "://0?" + Parts().query, allocator());
  }
  Result<Ref<Device>> OpenSameDriverOtherGpu() {
    return CreateDevice(SimulatedScheme() + "://0?" + Parts().query, allocator());
  }
  // Devices 0 and 1 of a fresh simulated platform.
  Result<std::vector<Ref<Device>>> OpenPlatformPair() {
    const std::string platform = "ownership" + std::to_string(next_platform.fetch_add(1));
    std::vector<Ref<Device>> devices;
    for (int ordinal = 0; ordinal < 2; ++ordinal) {
      GPUHAL_ASSIGN_OR_RETURN(
          Ref<Device> device,
          CreateDevice(SimulatedScheme() + "://" + std::to_string(ordinal) +
                           "?devices=2&platform=" + platform + "&" + Parts().query,
                       allocator()));
      devices.push_back(std::move(device));
    }
    return devices;
  }

  // One row in one mode: records around the refused call, runs, and checks the bytes.
  void RunRow(Env& env, const Row& row, CommandBufferMode mode) {
    Device& self = *env.self;
    ASSERT_OK(WriteOn(*env.other, *env.foreign_buffer, env.foreign_initial));
    ASSERT_OK(WriteOn(self, *env.out, env.out_initial));
    ASSERT_OK(WriteOn(self, *env.marks, env.marks_initial));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> recording,
                             self.CreateCommandBuffer({.mode = mode}));
    ASSERT_OK(recording->Begin());
    const BufferBinding inputs[] = {{0, env.a.get()}, {3, env.a.get()}};
    const BufferBinding output[] = {{0, env.out.get()}};
    const uint32_t constants[] = {kScale, kBias, kCount};
    ASSERT_OK(recording->PushDescriptorSet(*env.layout, 0, inputs));
    ASSERT_OK(recording->PushDescriptorSet(*env.layout, 1, output));
    ASSERT_OK(recording->PushConstants(*env.layout, 0, U8(constants)));
    ASSERT_OK(recording->FillBuffer({env.marks.get(), 0, 64}, &kBeforeWord, 4));

    const Status refused = row.run(env, *recording, mode);
    EXPECT_EQ(StatusCodeName(refused.code()), StatusCodeName(row.code)) << refused;

    ASSERT_OK(recording->Dispatch(*env.kernels.executable, 0, {kCount / 64, 1, 1}));
    ASSERT_OK(recording->FillBuffer({env.marks.get(), 64, 64}, &kAfterWord, 4));
    ASSERT_OK(recording->End());
    ASSERT_OK(SubmitAndWaitOn(self, *recording));

    std::vector<uint32_t> expected_out(kCount);
    for (uint32_t i = 0; i < kCount; ++i) {
      expected_out[i] = env.a_words[i] * kScale + env.a_words[i] + kBias;
    }
    std::vector<uint8_t> expected_marks = env.marks_initial;
    for (size_t i = 0; i < 64; i += 4) std::memcpy(&expected_marks[i], &kBeforeWord, 4);
    for (size_t i = 64; i < 128; i += 4) std::memcpy(&expected_marks[i], &kAfterWord, 4);
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> out, ReadOn(self, *env.out));
    EXPECT_TRUE(out == std::vector<uint8_t>(U8(expected_out).begin(), U8(expected_out).end()))
        << "the dispatch after the refused call read other bindings or constants";
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> marks, ReadOn(self, *env.marks));
    EXPECT_TRUE(marks == expected_marks) << "the recording wrote other bytes";
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> foreign,
                             ReadOn(*env.other, *env.foreign_buffer));
    EXPECT_TRUE(foreign == env.foreign_initial) << "the other device's buffer was written";
  }

  // Every row in both modes; names the failed ones.
  void RunTable(Device& self, Device& other) {
    Env env;
    ASSERT_OK(PrepareEnv(env, self, other));
    const ::testing::TestResult& result =
        *::testing::UnitTest::GetInstance()->current_test_info()->result();
    size_t run = 0, skipped = 0;
    std::vector<std::string> failed;
    for (const Row& row : Table()) {
      for (CommandBufferMode mode : kModes) {
        if ((row.collective && !env.channel) || (row.foreign_channel && !env.foreign_channel)) {
          ++skipped;
          continue;
        }
        const std::string name = StrCat(row.call, " ", row.operand, " (", ModeName(mode), ")");
        SCOPED_TRACE(name);
        const int parts = result.total_part_count();
        RunRow(env, row, mode);
        ++run;
        if (result.total_part_count() != parts) failed.push_back(name);
      }
    }
    RecordProperty("cases", static_cast<int>(run));
    RecordProperty("skipped_cases", static_cast<int>(skipped));
    std::string names;
    for (const std::string& name : failed) names += "\n  " + name;
    EXPECT_TRUE(failed.empty()) << failed.size() << " of " << run << " rows failed:" << names;
  }

  // A one-shot buffer of `mode` that fills `buffer` with `word`.
  Result<Ref<CommandBuffer>> FillOnce(Buffer& buffer, uint32_t word, CommandBufferMode mode,
                                      bool end = true) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands,
                            device().CreateCommandBuffer({.mode = mode}));
    GPUHAL_RETURN_IF_ERROR(commands->Begin());
    GPUHAL_RETURN_IF_ERROR(commands->FillBuffer({&buffer}, &word, 4));
    if (end) GPUHAL_RETURN_IF_ERROR(commands->End());
    return commands;
  }
  Status Clear(Buffer& buffer) {
    return WriteOn(device(), buffer, std::vector<uint8_t>(buffer.byte_length(), 0));
  }
  // Waits for everything submitted so far, then a while longer.
  Status Drain() {
    GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> drained, NewSemaphore(0));
    const SemaphorePoint signals[] = {{drained.get(), 1}};
    GPUHAL_RETURN_IF_ERROR(device().QueueBarrier(kAnyQueue, {}, signals));
    GPUHAL_RETURN_IF_ERROR(drained->Wait(1, LongTimeout()));
    std::this_thread::sleep_for(kSettleTime);
    return OkStatus();
  }
};
CTS_INSTANTIATE(OwnershipTest);

TEST_P(OwnershipTest, TableSize) {
  RecordProperty("rows", static_cast<int>(Table().size()));
  RecordProperty("rows_x_modes", static_cast<int>(Table().size() * std::size(kModes)));
  EXPECT_FALSE(Table().empty());
}

TEST_P(OwnershipTest, AnotherDriver) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> other, OpenAnotherDriver());
  RunTable(device(), *other);
}

TEST_P(OwnershipTest, SameDriverOtherGpu) {
  if (!simulated()) GTEST_SKIP() << "a real GPU's peers of its own driver are not assumed";
  ASSERT_OK_AND_ASSIGN(Ref<Device> other, OpenSameDriverOtherGpu());
  RunTable(device(), *other);
}

TEST_P(OwnershipTest, SamePlatform) {
  ASSERT_OK_AND_ASSIGN(std::vector<Ref<Device>> pair, OpenPlatformPair());
  RunTable(*pair[0], *pair[1]);
}

// The regression: device 0 of a platform must refuse device 1's reusable command buffer
// in ExecuteCommands. Graph mode used to accept it, and device 0's submission then wrote
// device 1's buffer. Every combination of the parent's and the nested buffer's modes.
TEST_P(OwnershipTest, SamePlatformNestedCommandBufferIsRefused) {
  ASSERT_OK_AND_ASSIGN(std::vector<Ref<Device>> pair, OpenPlatformPair());
  Device& d0 = *pair[0];
  Device& d1 = *pair[1];
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> theirs, d1.AllocateBuffer({}, 256));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> ours, d0.AllocateBuffer({}, 256));
  const std::vector<uint8_t> initial = PatternBytes(256, 11);
  for (CommandBufferMode parent_mode : kModes) {
    for (CommandBufferMode nested_mode : kModes) {
      SCOPED_TRACE(StrCat("parent ", ModeName(parent_mode), ", nested ", ModeName(nested_mode)));
      ASSERT_OK(WriteOn(d1, *theirs, initial));
      ASSERT_OK(WriteOn(d0, *ours, initial));
      ASSERT_OK_AND_ASSIGN(
          Ref<CommandBuffer> nested,
          d1.CreateCommandBuffer({.usage = CommandBufferUsage::kReusable, .mode = nested_mode}));
      ASSERT_OK(nested->Begin());
      ASSERT_OK(nested->FillBuffer({theirs.get()}, &kStrayWord, 4));
      ASSERT_OK(nested->End());

      ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> parent,
                               d0.CreateCommandBuffer({.mode = parent_mode}));
      ASSERT_OK(parent->Begin());
      ASSERT_OK(parent->FillBuffer({ours.get(), 0, 128}, &kBeforeWord, 4));
      EXPECT_THAT(parent->ExecuteCommands(*nested), StatusIs(StatusCode::kInvalidArgument));
      ASSERT_OK(parent->FillBuffer({ours.get(), 128, 128}, &kAfterWord, 4));
      ASSERT_OK(parent->End());
      ASSERT_OK(SubmitAndWaitOn(d0, *parent));
      // Submitted to device 0 directly it is refused too.
      CommandBuffer* list[] = {nested.get()};
      EXPECT_THAT(d0.QueueExecute(kAnyQueue, {}, {}, list), StatusIs(StatusCode::kInvalidArgument));

      ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> their_bytes, ReadOn(d1, *theirs));
      EXPECT_TRUE(their_bytes == initial) << "device 0 wrote device 1's buffer";
      std::vector<uint8_t> expected = Words(128, kBeforeWord);
      const std::vector<uint8_t> after = Words(128, kAfterWord);
      expected.insert(expected.end(), after.begin(), after.end());
      ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> our_bytes, ReadOn(d0, *ours));
      EXPECT_TRUE(our_bytes == expected);
      // Device 1 runs its own buffer as usual.
      ASSERT_OK(SubmitAndWaitOn(d1, *nested));
      ASSERT_OK_AND_ASSIGN(their_bytes, ReadOn(d1, *theirs));
      EXPECT_TRUE(their_bytes == Words(256, kStrayWord));
    }
  }
}

// A one-shot command buffer runs once: the second QueueExecute is FAILED_PRECONDITION,
// signals nothing, and runs nothing.
TEST_P(OwnershipTest, OneShotSubmittedTwiceRunsOnce) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  for (CommandBufferMode mode : kModes) {
    SCOPED_TRACE(ModeName(mode));
    ASSERT_OK(Clear(*buffer));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> once, FillOnce(*buffer, kSideWord, mode));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> timeline, NewSemaphore(0));
    ASSERT_OK(Submit(*once, {}, {{timeline.get(), 1}}));
    ASSERT_OK(timeline->Wait(1, LongTimeout()));
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == Words(256, kSideWord));

    ASSERT_OK(Clear(*buffer));
    EXPECT_THAT(Submit(*once, {}, {{timeline.get(), 2}}), StatusIs(StatusCode::kFailedPrecondition));
    ASSERT_OK(Drain());
    ASSERT_OK_AND_ASSIGN(uint64_t value, timeline->Query());
    EXPECT_EQ(value, 1u) << "the refused submission signalled";
    ASSERT_OK_AND_ASSIGN(bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == std::vector<uint8_t>(256, 0)) << "the one-shot buffer ran again";
  }
}

// An unended command buffer is refused at the call with FAILED_PRECONDITION, and its
// signal semaphores (a device one and a host one) are left as they were.
TEST_P(OwnershipTest, UnendedCommandBufferIsRefusedAtTheCall) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  for (CommandBufferMode mode : kModes) {
    SCOPED_TRACE(ModeName(mode));
    ASSERT_OK(Clear(*buffer));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> unended,
                             FillOnce(*buffer, kSideWord, mode, /*end=*/false));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> on_device, NewSemaphore(3));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> on_host, NewHostSemaphore(0));
    EXPECT_THAT(Submit(*unended, {}, {{on_device.get(), 4}, {on_host.get(), 1}}), StatusIs(StatusCode::kFailedPrecondition));
    ASSERT_OK(Drain());
    ASSERT_OK_AND_ASSIGN(uint64_t device_value, on_device->Query());
    ASSERT_OK_AND_ASSIGN(uint64_t host_value, on_host->Query());
    EXPECT_EQ(device_value, 3u);
    EXPECT_EQ(host_value, 0u);
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == std::vector<uint8_t>(256, 0)) << "the unended buffer ran";
    // Ended, the same one-shot buffer is submitted once as usual.
    ASSERT_OK(unended->End());
    ASSERT_OK(Submit(*unended, {}, {{on_device.get(), 4}, {on_host.get(), 1}}));
    ASSERT_OK(on_host->Wait(1, LongTimeout()));
    ASSERT_OK(on_device->Wait(4, LongTimeout()));
    ASSERT_OK_AND_ASSIGN(bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == Words(256, kSideWord));
  }
}

// A queue signal must raise its semaphore's value, as Semaphore::Signal must: one at or
// below the current value is OUT_OF_RANGE at the call, and nothing is submitted or
// signalled (not even the submission's other, valid signals).
TEST_P(OwnershipTest, SignalNotAboveCurrentValueIsOutOfRange) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  for (CommandBufferMode mode : kModes) {
    SCOPED_TRACE(ModeName(mode));
    ASSERT_OK(Clear(*buffer));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> at_five, NewSemaphore(5));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> fresh, NewSemaphore(0));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> once, FillOnce(*buffer, kSideWord, mode));
    for (uint64_t value : {uint64_t{5}, uint64_t{3}}) {
      SCOPED_TRACE(StrCat("signal to ", value));
      EXPECT_THAT(at_five->Signal(value), StatusIs(StatusCode::kOutOfRange));  // the host rule, for reference
      EXPECT_THAT(Submit(*once, {}, {{at_five.get(), value}}), StatusIs(StatusCode::kOutOfRange));
      EXPECT_THAT(Submit(*once, {}, {{fresh.get(), 1}, {at_five.get(), value}}), StatusIs(StatusCode::kOutOfRange));
      const SemaphorePoint barrier_signals[] = {{at_five.get(), value}};
      EXPECT_THAT(device().QueueBarrier(kAnyQueue, {}, barrier_signals), StatusIs(StatusCode::kOutOfRange));
    }
    ASSERT_OK(Drain());
    ASSERT_OK_AND_ASSIGN(uint64_t value, at_five->Query());
    EXPECT_EQ(value, 5u);
    ASSERT_OK_AND_ASSIGN(value, fresh->Query());
    EXPECT_EQ(value, 0u) << "a refused submission signalled its valid signal";
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == std::vector<uint8_t>(256, 0)) << "a refused submission ran";
    // The refused submissions did not use up the one-shot buffer.
    ASSERT_OK(Submit(*once, {}, {{at_five.get(), 6}}));
    ASSERT_OK(at_five->Wait(6, LongTimeout()));
    ASSERT_OK_AND_ASSIGN(bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == Words(256, kSideWord));
  }
}

// A QueueExecute refused for any reason leaves a one-shot buffer unsubmitted: submitted
// again correctly afterwards, it runs.
TEST_P(OwnershipTest, RefusedSubmissionDoesNotConsumeOneShot) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> other, OpenAnotherDriver());
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> foreign,
                           other->CreateCommandBuffer({.usage = CommandBufferUsage::kReusable}));
  ASSERT_OK(foreign->Begin());
  ASSERT_OK(foreign->End());
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  for (CommandBufferMode mode : kModes) {
    SCOPED_TRACE(ModeName(mode));
    ASSERT_OK(Clear(*buffer));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> once, FillOnce(*buffer, kSideWord, mode));
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> unended,
                             FillOnce(*buffer, kStrayWord, mode, /*end=*/false));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> at_two, NewSemaphore(2));
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
    // A signal that would not raise its semaphore.
    EXPECT_THAT(Submit(*once, {}, {{at_two.get(), 2}}), StatusIs(StatusCode::kOutOfRange));
    // A later command buffer of another device, unended, or null.
    CommandBuffer* with_foreign[] = {once.get(), foreign.get()};
    EXPECT_THAT(device().QueueExecute(kAnyQueue, {}, {}, with_foreign), StatusIs(StatusCode::kInvalidArgument));
    CommandBuffer* with_unended[] = {once.get(), unended.get()};
    EXPECT_THAT(device().QueueExecute(kAnyQueue, {}, {}, with_unended), StatusIs(StatusCode::kFailedPrecondition));
    CommandBuffer* with_null[] = {once.get(), nullptr};
    EXPECT_THAT(device().QueueExecute(kAnyQueue, {}, {}, with_null), StatusIs(StatusCode::kInvalidArgument));
    // The same buffer twice in one submission: the second claim is refused.
    CommandBuffer* twice[] = {once.get(), once.get()};
    EXPECT_THAT(device().QueueExecute(kAnyQueue, {}, {}, twice), StatusIs(StatusCode::kFailedPrecondition));
    ASSERT_OK(Drain());
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == std::vector<uint8_t>(256, 0)) << "a refused submission ran";

    ASSERT_OK(Submit(*once, {}, {{done.get(), 1}}));
    ASSERT_OK(done->Wait(1, LongTimeout()));
    ASSERT_OK_AND_ASSIGN(bytes, ReadBytes(*buffer));
    EXPECT_TRUE(bytes == Words(256, kSideWord));
    EXPECT_THAT(Submit(*once, {}, {{done.get(), 2}}), StatusIs(StatusCode::kFailedPrecondition));
    ASSERT_OK(unended->End());
  }
}

}  // namespace
}  // namespace gpuhal::conformance
