// Deterministic mode: the same seed gives a byte-identical trace; different seeds give
// different interleavings of independent work. Also the trace format and throughput.
#include <chrono>
#include <cstdio>
#include <set>
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

void Increment(KernelContext& context) {
  uint32_t* counter = context.Pointer<uint32_t>(context.Arg<uint64_t>(0));
  if (counter) ++*counter;
}

struct Workload {
  std::string trace;
  std::vector<int> host_order;
};

// Four streams of independent work on two devices, tied together by a couple of events.
Workload RunWorkload(uint64_t seed) {
  EngineOptions options = Options(SchedulingMode::kDeterministic, 2, seed);
  options.record_trace = true;
  Engine engine(options);
  KernelId increment = engine.kernels().Register("increment", Increment, {8});
  std::vector<StreamId> streams(4);
  std::vector<uint64_t> counters(4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_OK(engine.CreateStream(i % 2, &streams[i]));
    EXPECT_OK(engine.Allocate(i % 2, 64, &counters[i]));
  }
  EventId event;
  EXPECT_OK(engine.CreateEvent(&event));
  OrderLog log;
  std::vector<LogEntry> entries;
  entries.reserve(64);
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 4; ++i) {
      void* args[] = {&counters[i]};
      EXPECT_OK(engine.EnqueueKernel(streams[i], {increment, {}, {}, 0, args}));
      EXPECT_OK(engine.EnqueueMemset(streams[i], {counters[i] + 8, 0, 4, 4}));
      entries.push_back({&log, round * 4 + i});
      EXPECT_OK(engine.EnqueueHostFunction(streams[i], AppendToLog, &entries.back()));
    }
    EXPECT_OK(engine.RecordEvent(event, streams[round % 4]));
    EXPECT_OK(engine.StreamWaitEvent(streams[(round + 1) % 4], event));
  }
  EXPECT_OK(engine.RunUntilIdle());
  for (int i = 0; i < 4; ++i) {
    uint32_t value;
    EXPECT_OK(engine.ReadMemory(counters[i], &value, 4));
    EXPECT_EQ(value, 8u);
  }
  return {engine.ChromeTraceJson(), log.values()};
}

TEST(DeterminismTest, SameSeedGivesByteIdenticalTrace) {
  Workload a = RunWorkload(42), b = RunWorkload(42);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.host_order, b.host_order);
  EXPECT_NE(a.trace.find("\"traceEvents\""), std::string::npos);
  EXPECT_NE(a.trace.find("\"name\":\"increment\""), std::string::npos);
  EXPECT_NE(a.trace.find("\"name\":\"host_function\""), std::string::npos);
  EXPECT_NE(a.trace.find("\"ph\":\"X\""), std::string::npos);
}

TEST(DeterminismTest, DifferentSeedsInterleaveIndependentWorkDifferently) {
  std::set<std::vector<int>> orders;
  std::set<std::string> traces;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Workload w = RunWorkload(seed);
    orders.insert(w.host_order);
    traces.insert(w.trace);
  }
  EXPECT_GE(orders.size(), 2u);
  EXPECT_GE(traces.size(), 2u);
}

TEST(DeterminismTest, TraceCarriesVirtualTimesPerDeviceAndStream) {
  EngineOptions options = Options(SchedulingMode::kDeterministic, 1, 3);
  options.record_trace = true;
  Engine engine(options);
  StreamId stream;
  ASSERT_OK(engine.CreateStream(0, &stream));
  uint64_t a;
  ASSERT_OK(engine.Allocate(0, 64, &a));
  ASSERT_OK(engine.EnqueueMemset(stream, {a, 0, 2, 32}));
  ASSERT_OK(engine.SynchronizeStream(stream));
  std::string trace = engine.ChromeTraceJson();
  EXPECT_NE(trace.find("{\"name\":\"memset16\",\"ph\":\"X\",\"ts\":0.000,\"dur\":1.001,"
                       "\"pid\":0,\"tid\":1}"),
            std::string::npos)
      << trace;
  engine.ClearTrace();
  EXPECT_EQ(engine.ChromeTraceJson().find("memset16"), std::string::npos);
}

// Throughput of simple operations in deterministic mode (enqueue + run), one core.
TEST(DeterminismTest, SimpleOperationThroughput) {
  Engine engine(Options(SchedulingMode::kDeterministic, 1, 9));
  std::vector<StreamId> streams(4);
  for (StreamId& s : streams) ASSERT_OK(engine.CreateStream(0, &s));
  uint64_t a;
  ASSERT_OK(engine.Allocate(0, 64, &a));
  EventId event;
  ASSERT_OK(engine.CreateEvent(&event));
  const int kBatches = 2000, kPerBatch = 100;
  auto start = std::chrono::steady_clock::now();
  for (int batch = 0; batch < kBatches; ++batch) {
    for (int i = 0; i < kPerBatch; ++i) {
      StreamId s = streams[i % 4];
      switch (i % 4) {
        case 0: ASSERT_OK(engine.EnqueueMemset(s, {a, 1, 4, 4})); break;
        case 1: ASSERT_OK(engine.RecordEvent(event, s)); break;
        case 2: ASSERT_OK(engine.StreamWaitEvent(s, event)); break;
        case 3: ASSERT_OK(engine.EnqueueWriteValue32(s, a, i)); break;
      }
    }
    ASSERT_OK(engine.RunUntilIdle());
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double ops_per_second = kBatches * kPerBatch / seconds;
  std::printf("deterministic mode: %.0f simple operations per second\n", ops_per_second);
  RecordProperty("ops_per_second", static_cast<int>(ops_per_second));
  EXPECT_GT(ops_per_second, 50'000);  // loose: sanitizer and debug builds run here too
}

}  // namespace
}  // namespace gpuhal::fake
