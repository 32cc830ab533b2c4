// Threaded mode under load: many host threads, many streams, events between them. Meant
// for ThreadSanitizer runs as much as for its assertions.
#include <atomic>
#include <thread>
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

void AddOne(KernelContext& context) {
  uint64_t* counter = context.Pointer<uint64_t>(context.Arg<uint64_t>(0));
  if (counter) ++*counter;
}

struct Counter {
  std::atomic<int> value{0};
};
void CountHost(void* user_data) { static_cast<Counter*>(user_data)->value.fetch_add(1); }

TEST(ThreadedStressTest, ManyThreadsStreamsAndEvents) {
  EngineOptions options = Options(SchedulingMode::kThreaded, 2);
  options.worker_threads = 4;
  options.record_trace = true;
  Engine engine(options);
  KernelId add_one = engine.kernels().Register("add_one", AddOne, {8});
  constexpr int kThreads = 4, kStreamsPerThread = 4, kRounds = 200;
  std::vector<EventId> shared_events(kThreads);
  for (EventId& event : shared_events) ASSERT_OK(engine.CreateEvent(&event));
  Counter host_calls;
  std::vector<uint64_t> counters(kThreads * kStreamsPerThread);
  for (size_t i = 0; i < counters.size(); ++i)
    ASSERT_OK(engine.Allocate(static_cast<int>(i % 2), 8, &counters[i]));

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<StreamId> streams(kStreamsPerThread);
      for (int s = 0; s < kStreamsPerThread; ++s)
        EXPECT_OK(engine.CreateStream((t + s) % 2, &streams[s]));
      for (int round = 0; round < kRounds; ++round) {
        for (int s = 0; s < kStreamsPerThread; ++s) {
          uint64_t& counter = counters[t * kStreamsPerThread + s];
          // counters[i] lives on device i % 2; kernels may touch any device's memory here.
          void* args[] = {&counter};
          EXPECT_OK(engine.EnqueueKernel(streams[s], {add_one, {}, {}, 0, args}));
          if (round % 8 == 0) {
            EXPECT_OK(engine.EnqueueHostFunction(streams[s], CountHost, &host_calls));
          }
        }
        EventId mine = shared_events[t];
        EXPECT_OK(engine.RecordEvent(mine, streams[round % kStreamsPerThread]));
        // Wait on another thread's event, whatever its latest record is right now.
        EXPECT_OK(engine.StreamWaitEvent(streams[(round + 1) % kStreamsPerThread],
                                         shared_events[(t + 1) % kThreads]));
        if (round % 50 == 0) {
          Error query = engine.QueryEvent(mine);
          EXPECT_TRUE(query == Error::kOk || query == Error::kNotReady);
          EXPECT_OK(engine.SynchronizeEvent(mine));
        }
      }
      for (StreamId stream : streams) {
        EXPECT_OK(engine.SynchronizeStream(stream));
        EXPECT_OK(engine.DestroyStream(stream));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_OK(engine.RunUntilIdle());
  for (uint64_t address : counters) {
    uint64_t value;
    ASSERT_OK(engine.ReadMemory(address, &value, 8));
    EXPECT_EQ(value, uint64_t{kRounds});
  }
  EXPECT_EQ(host_calls.value.load(), kThreads * kStreamsPerThread * (kRounds / 8));
  EXPECT_NE(engine.ChromeTraceJson().find("add_one"), std::string::npos);
}

TEST(ThreadedStressTest, CollectivesFromOneThreadPerRank) {
  EngineOptions options = Options(SchedulingMode::kThreaded, 4);
  Engine engine(options);
  std::vector<int> devices = {0, 1, 2, 3};
  CommId comm;
  ASSERT_OK(engine.CreateComm(devices, &comm));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 4; ++rank) {
    threads.emplace_back([&, rank] {
      StreamId stream;
      EXPECT_OK(engine.CreateStream(rank, &stream));
      uint64_t buffer;
      EXPECT_OK(engine.Allocate(rank, 8 * 16, &buffer));
      for (int iteration = 0; iteration < 50; ++iteration) {
        std::vector<int64_t> values(16, rank + iteration);
        EXPECT_OK(engine.EnqueueMemcpy(
            stream, {MemoryRef::Device(buffer), MemoryRef::Host(values.data()), 8 * 16}));
        EXPECT_OK(engine.AllReduce(comm, rank, buffer, buffer, 16, DataType::kInt64,
                                   ReduceOp::kSum, stream));
        std::vector<int64_t> out(16);
        EXPECT_OK(engine.EnqueueMemcpy(
            stream, {MemoryRef::Host(out.data()), MemoryRef::Device(buffer), 8 * 16}));
        EXPECT_OK(engine.SynchronizeStream(stream));
        for (int64_t v : out) EXPECT_EQ(v, 6 + 4 * iteration);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace gpuhal::fake
