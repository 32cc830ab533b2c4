// Streams, events, host functions, memsets, memcpys, value waits and sticky faults, in
// both scheduling modes.
#include <atomic>
#include <cstring>
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

using StreamTest = EngineModeTest;
INSTANTIATE_BOTH_MODES(StreamTest);

TEST_P(StreamTest, OperationsOnOneStreamRunInOrder) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  OrderLog log;
  std::vector<LogEntry> entries;
  entries.reserve(100);
  for (int i = 0; i < 100; ++i) {
    entries.push_back({&log, i});
    ASSERT_OK(engine->EnqueueHostFunction(stream, AppendToLog, &entries.back()));
  }
  ASSERT_OK(engine->SynchronizeStream(stream));
  std::vector<int> expected(100);
  for (int i = 0; i < 100; ++i) expected[i] = i;
  EXPECT_EQ(log.values(), expected);
}

TEST_P(StreamTest, MemsetOfEachWidthAndMemcpyOfEachDirection) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t a, b;
  ASSERT_OK(engine->Allocate(0, 64, &a));
  ASSERT_OK(engine->Allocate(0, 64, &b));
  uint8_t bytes[64];
  ASSERT_OK(engine->EnqueueMemset(stream, {a, 0xab, 1, 64}));
  ASSERT_OK(engine->EnqueueMemcpy(stream, {MemoryRef::Host(bytes), MemoryRef::Device(a), 64}));
  ASSERT_OK(engine->SynchronizeStream(stream));
  for (uint8_t byte : bytes) EXPECT_EQ(byte, 0xab);

  uint16_t halves[32];
  ASSERT_OK(engine->EnqueueMemset(stream, {a, 0x1234, 2, 32}));
  ASSERT_OK(engine->EnqueueMemcpy(stream, {MemoryRef::Host(halves), MemoryRef::Device(a), 64}));
  ASSERT_OK(engine->SynchronizeStream(stream));
  for (uint16_t half : halves) EXPECT_EQ(half, 0x1234);

  uint32_t words[16];
  ASSERT_OK(engine->EnqueueMemset(stream, {a, 0xdeadbeef, 4, 15}));  // last word untouched
  ASSERT_OK(engine->EnqueueMemcpy(stream, {MemoryRef::Device(b), MemoryRef::Device(a), 64}));
  ASSERT_OK(engine->EnqueueMemcpy(stream, {MemoryRef::Host(words), MemoryRef::Device(b), 64}));
  ASSERT_OK(engine->SynchronizeStream(stream));
  for (int i = 0; i < 15; ++i) EXPECT_EQ(words[i], 0xdeadbeefu);
  EXPECT_EQ(words[15], 0x12341234u);

  uint32_t source[16];
  for (int i = 0; i < 16; ++i) source[i] = i * 3;
  ASSERT_OK(engine->EnqueueMemcpy(stream, {MemoryRef::Device(a), MemoryRef::Host(source), 64}));
  ASSERT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->ReadMemory(a, words, 64));
  EXPECT_EQ(0, std::memcmp(words, source, 64));
  EXPECT_EQ(Error::kInvalidValue, engine->EnqueueMemset(stream, {a, 0, 3, 1}));
}

TEST_P(StreamTest, OutOfBoundsAccessIsAStickyDeviceFault) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t a;
  ASSERT_OK(engine->Allocate(0, 64, &a));
  ASSERT_OK(engine->EnqueueMemset(stream, {a, 0, 1, 65}));
  EXPECT_EQ(Error::kIllegalAddress, engine->SynchronizeStream(stream));
  std::string message;
  EXPECT_EQ(Error::kIllegalAddress, engine->DeviceFault(0, &message));
  EXPECT_NE(message.find("out of bounds"), std::string::npos) << message;
  // Sticky: later calls touching the device report it.
  EXPECT_EQ(Error::kIllegalAddress, engine->EnqueueMemset(stream, {a, 0, 1, 1}));
  EXPECT_EQ(Error::kIllegalAddress, engine->SynchronizeDevice(0));
  StreamId other;
  EXPECT_EQ(Error::kIllegalAddress, engine->CreateStream(0, &other));
}

TEST_P(StreamTest, UseAfterFreeIsADeviceFault) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t a;
  ASSERT_OK(engine->Allocate(0, 64, &a));
  ASSERT_OK(engine->Free(a));
  uint32_t out[4];
  ASSERT_OK(engine->EnqueueMemcpy(stream, {MemoryRef::Host(out), MemoryRef::Device(a), 16}));
  EXPECT_EQ(Error::kIllegalAddress, engine->SynchronizeStream(stream));
  std::string message;
  engine->DeviceFault(0, &message);
  EXPECT_NE(message.find("use after free"), std::string::npos) << message;
}

TEST_P(StreamTest, FaultOnOneDeviceLeavesOthersAlone) {
  auto engine = Make(2);
  StreamId s0, s1;
  ASSERT_OK(engine->CreateStream(0, &s0));
  ASSERT_OK(engine->CreateStream(1, &s1));
  ASSERT_OK(engine->EnqueueMemset(s0, {12345, 0, 1, 1}));
  EXPECT_EQ(Error::kIllegalAddress, engine->SynchronizeStream(s0));
  uint64_t b;
  ASSERT_OK(engine->Allocate(1, 16, &b));
  ASSERT_OK(engine->EnqueueMemset(s1, {b, 1, 1, 16}));
  EXPECT_OK(engine->SynchronizeStream(s1));
}

TEST_P(StreamTest, EventOrdersWorkAcrossStreams) {
  auto engine = Make();
  for (int round = 0; round < 20; ++round) {
    StreamId producer, consumer;
    ASSERT_OK(engine->CreateStream(0, &producer));
    ASSERT_OK(engine->CreateStream(0, &consumer));
    EventId event;
    ASSERT_OK(engine->CreateEvent(&event));
    OrderLog log;
    LogEntry first{&log, 1}, second{&log, 2}, third{&log, 3};
    ASSERT_OK(engine->EnqueueHostFunction(producer, AppendToLog, &first));
    ASSERT_OK(engine->EnqueueHostFunction(producer, AppendToLog, &second));
    ASSERT_OK(engine->RecordEvent(event, producer));
    ASSERT_OK(engine->StreamWaitEvent(consumer, event));
    ASSERT_OK(engine->EnqueueHostFunction(consumer, AppendToLog, &third));
    ASSERT_OK(engine->SynchronizeStream(consumer));
    EXPECT_EQ(log.values(), (std::vector<int>{1, 2, 3}));
    ASSERT_OK(engine->SynchronizeStream(producer));
    ASSERT_OK(engine->DestroyEvent(event));
    ASSERT_OK(engine->DestroyStream(producer));
    ASSERT_OK(engine->DestroyStream(consumer));
  }
}

TEST_P(StreamTest, WaitOnNeverRecordedEventCompletesAtOnce) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  EventId event;
  ASSERT_OK(engine->CreateEvent(&event));
  EXPECT_OK(engine->QueryEvent(event));
  EXPECT_OK(engine->SynchronizeEvent(event));
  ASSERT_OK(engine->StreamWaitEvent(stream, event));
  EXPECT_OK(engine->SynchronizeStream(stream));
}

// The trap the driver must avoid: a wait enqueued before the record does not wait for it.
TEST(StreamDeterministicTest, WaitBeforeRecordDoesNotWaitForLaterRecord) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  StreamId producer, consumer;
  ASSERT_OK(engine.CreateStream(0, &producer));
  ASSERT_OK(engine.CreateStream(0, &consumer));
  uint64_t flag;
  ASSERT_OK(engine.Allocate(0, 4, &flag));
  EventId event;
  ASSERT_OK(engine.CreateEvent(&event));
  ASSERT_OK(engine.StreamWaitEvent(consumer, event));  // never recorded yet: no-op
  ASSERT_OK(engine.EnqueueWaitValue32(producer, flag, 1, WaitCondition::kEq));  // blocks
  ASSERT_OK(engine.RecordEvent(event, producer));
  EXPECT_OK(engine.SynchronizeStream(consumer));
  EXPECT_EQ(Error::kNotReady, engine.QueryEvent(event));
  EXPECT_EQ(Error::kDeadlock, engine.SynchronizeEvent(event));
  uint32_t one = 1;
  ASSERT_OK(engine.WriteMemory(flag, &one, 4));
  EXPECT_OK(engine.SynchronizeEvent(event));
}

TEST_P(StreamTest, ReRecordingMovesTheCaptureForLaterWaitsOnly) {
  auto engine = Make();
  StreamId a, b, waiter1, waiter2;
  ASSERT_OK(engine->CreateStream(0, &a));
  ASSERT_OK(engine->CreateStream(0, &b));
  ASSERT_OK(engine->CreateStream(0, &waiter1));
  ASSERT_OK(engine->CreateStream(0, &waiter2));
  uint64_t gate_a, gate_b;
  ASSERT_OK(engine->Allocate(0, 4, &gate_a));
  ASSERT_OK(engine->Allocate(0, 4, &gate_b));
  EventId event;
  ASSERT_OK(engine->CreateEvent(&event));
  ASSERT_OK(engine->EnqueueWaitValue32(a, gate_a, 1, WaitCondition::kGeq));
  ASSERT_OK(engine->RecordEvent(event, a));
  ASSERT_OK(engine->StreamWaitEvent(waiter1, event));  // sees the record on a
  ASSERT_OK(engine->EnqueueWaitValue32(b, gate_b, 1, WaitCondition::kGeq));
  ASSERT_OK(engine->RecordEvent(event, b));
  ASSERT_OK(engine->StreamWaitEvent(waiter2, event));  // sees the record on b
  // Release only b: waiter2 finishes, waiter1 (still waiting for a) does not.
  uint32_t one = 1;
  ASSERT_OK(engine->WriteMemory(gate_b, &one, 4));
  EXPECT_OK(engine->SynchronizeStream(waiter2));
  EXPECT_EQ(Error::kNotReady, engine->QueryStream(waiter1));
  EXPECT_OK(engine->QueryEvent(event));  // the latest record (on b) is done
  ASSERT_OK(engine->WriteMemory(gate_a, &one, 4));
  EXPECT_OK(engine->SynchronizeStream(waiter1));
  EXPECT_OK(engine->SynchronizeDevice(0));
}

TEST_P(StreamTest, WaitAndWriteValue32Conditions) {
  auto engine = Make();
  StreamId waiter, writer;
  ASSERT_OK(engine->CreateStream(0, &waiter));
  ASSERT_OK(engine->CreateStream(0, &writer));
  uint64_t word;
  ASSERT_OK(engine->Allocate(0, 4, &word));
  struct Case {
    WaitCondition condition;
    uint32_t operand;
    uint32_t satisfying;
  };
  for (Case c : {Case{WaitCondition::kGeq, 5, 7}, Case{WaitCondition::kGeq, 0xfffffff0u, 3},
                 Case{WaitCondition::kEq, 42, 42}, Case{WaitCondition::kAnd, 0x10, 0x30},
                 Case{WaitCondition::kNor, 0xffff0000u, 0x0000ff00u}}) {
    uint32_t zero = c.condition == WaitCondition::kNor ? 0xffffffffu : 0;
    if (c.condition == WaitCondition::kGeq && c.operand == 0xfffffff0u) zero = 0xffffff00u;
    ASSERT_OK(engine->WriteMemory(word, &zero, 4));
    OrderLog log;
    LogEntry after_wait{&log, 2}, before_write{&log, 1};
    ASSERT_OK(engine->EnqueueWaitValue32(waiter, word, c.operand, c.condition));
    ASSERT_OK(engine->EnqueueHostFunction(waiter, AppendToLog, &after_wait));
    ASSERT_OK(engine->EnqueueHostFunction(writer, AppendToLog, &before_write));
    ASSERT_OK(engine->EnqueueWriteValue32(writer, word, c.satisfying));
    ASSERT_OK(engine->SynchronizeStream(waiter));
    EXPECT_EQ(log.values(), (std::vector<int>{1, 2})) << static_cast<int>(c.condition);
  }
  EXPECT_EQ(Error::kInvalidValue, engine->EnqueueWaitValue32(waiter, word + 2, 0,
                                                             WaitCondition::kEq));
}

TEST_P(StreamTest, WaitValueOnRegisteredHostMemoryWrittenByTheHost) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  alignas(4) uint32_t flag = 0;
  uint64_t address;
  ASSERT_OK(engine->RegisterHost(0, &flag, 4, &address));
  ASSERT_OK(engine->EnqueueWaitValue32(stream, address, 1, WaitCondition::kEq));
  EXPECT_EQ(Error::kNotReady, engine->QueryStream(stream));
  std::atomic_ref<uint32_t>(flag).store(1);
  EXPECT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->UnregisterHost(&flag));
}

struct HostFlagProbe {
  Engine* engine;
  StreamId stream;
  bool inside = false;
  Error sync_from_inside = Error::kOk;
};

void ProbeInsideHostFunction(void* user_data) {
  auto* probe = static_cast<HostFlagProbe*>(user_data);
  probe->inside = InsideHostFunction();
  probe->sync_from_inside = probe->engine->SynchronizeStream(probe->stream);
}

TEST_P(StreamTest, InsideHostFunctionFlagIsSetOnlyInside) {
  auto engine = Make();
  StreamId stream, other;
  ASSERT_OK(engine->CreateStream(0, &stream));
  ASSERT_OK(engine->CreateStream(0, &other));
  uint64_t gate;
  ASSERT_OK(engine->Allocate(0, 4, &gate));
  ASSERT_OK(engine->EnqueueWaitValue32(other, gate, 1, WaitCondition::kEq));
  HostFlagProbe probe{engine.get(), other};
  EXPECT_FALSE(InsideHostFunction());
  ASSERT_OK(engine->EnqueueHostFunction(stream, ProbeInsideHostFunction, &probe));
  ASSERT_OK(engine->SynchronizeStream(stream));
  EXPECT_TRUE(probe.inside);
  EXPECT_EQ(probe.sync_from_inside, Error::kNotPermitted);
  EXPECT_FALSE(InsideHostFunction());
  uint32_t one = 1;
  ASSERT_OK(engine->WriteMemory(gate, &one, 4));
  EXPECT_OK(engine->SynchronizeDevice(0));
}

TEST_P(StreamTest, DestroyedHandlesAreReportedNotDereferenced) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  EventId event;
  ASSERT_OK(engine->CreateEvent(&event));
  ASSERT_OK(engine->DestroyStream(stream));
  ASSERT_OK(engine->DestroyEvent(event));
  EXPECT_EQ(Error::kInvalidHandle, engine->EnqueueMemset(stream, {0, 0, 1, 1}));
  EXPECT_EQ(Error::kInvalidHandle, engine->SynchronizeStream(stream));
  EXPECT_EQ(Error::kInvalidHandle, engine->QueryEvent(event));
  EXPECT_EQ(Error::kInvalidHandle, engine->DestroyStream(stream));
  EXPECT_EQ(Error::kInvalidHandle, engine->QueryStream(static_cast<StreamId>(12345)));
  StreamId reused;
  ASSERT_OK(engine->CreateStream(0, &reused));
  EXPECT_NE(reused, stream);  // same slot, new generation
  EXPECT_EQ(Error::kInvalidHandle, engine->QueryStream(stream));
}

TEST_P(StreamTest, DestroyedStreamStillRunsItsWork) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  OrderLog log;
  LogEntry entry{&log, 9};
  EventId event;
  ASSERT_OK(engine->CreateEvent(&event));
  ASSERT_OK(engine->EnqueueHostFunction(stream, AppendToLog, &entry));
  ASSERT_OK(engine->RecordEvent(event, stream));
  ASSERT_OK(engine->DestroyStream(stream));
  ASSERT_OK(engine->SynchronizeEvent(event));
  EXPECT_EQ(log.values(), std::vector<int>{9});
  EXPECT_OK(engine->RunUntilIdle());
}

TEST_P(StreamTest, EventElapsedTime) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  EventId start, end;
  ASSERT_OK(engine->CreateEvent(&start));
  ASSERT_OK(engine->CreateEvent(&end));
  uint64_t elapsed;
  EXPECT_EQ(Error::kInvalidHandle, engine->EventElapsedNs(start, end, &elapsed));
  uint64_t a;
  ASSERT_OK(engine->Allocate(0, 1 << 20, &a));
  ASSERT_OK(engine->RecordEvent(start, stream));
  ASSERT_OK(engine->EnqueueMemset(stream, {a, 0, 1, 1 << 20}));
  ASSERT_OK(engine->RecordEvent(end, stream));
  ASSERT_OK(engine->SynchronizeEvent(end));
  ASSERT_OK(engine->EventElapsedNs(start, end, &elapsed));
  EXPECT_GT(elapsed, 0u);
}

TEST(StreamDeterministicTest, NothingRunsUntilDriven) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  StreamId stream;
  ASSERT_OK(engine.CreateStream(0, &stream));
  OrderLog log;
  LogEntry entry{&log, 1};
  ASSERT_OK(engine.EnqueueHostFunction(stream, AppendToLog, &entry));
  EXPECT_EQ(Error::kNotReady, engine.QueryStream(stream));
  EXPECT_TRUE(log.values().empty());
  EXPECT_EQ(engine.PendingOperationCount(), 1u);
  EXPECT_TRUE(engine.Step());
  EXPECT_FALSE(engine.Step());
  EXPECT_EQ(log.values(), std::vector<int>{1});
  EXPECT_GT(engine.NowNs(), 0u);
}

}  // namespace
}  // namespace gpuhal::fake
