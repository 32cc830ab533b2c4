// Fault injection: the nth call, a seeded fraction, device loss, kernel faults, memory
// exhaustion and slow host functions.
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

TEST(FaultInjectorTest, FailsTheNthCallOnly) {
  FaultInjector injector;
  EXPECT_FALSE(injector.Check("cuMemAlloc"));
  injector.AddRule({"cuMemAlloc", /*error_code=*/2, /*nth_call=*/3});
  EXPECT_FALSE(injector.Check("cuMemAlloc"));
  EXPECT_FALSE(injector.Check("cuMemFree"));
  EXPECT_FALSE(injector.Check("cuMemAlloc"));
  EXPECT_EQ(injector.Check("cuMemAlloc"), 2);
  EXPECT_FALSE(injector.Check("cuMemAlloc"));
  EXPECT_EQ(injector.CallCount("cuMemAlloc"), 4u);
  injector.Clear();
  EXPECT_TRUE(injector.empty());
}

std::vector<bool> FractionPattern(uint64_t seed) {
  FaultInjector injector;
  FaultRule rule{"cuLaunchKernel", 719};
  rule.fraction = 0.3;
  rule.seed = seed;
  rule.max_fires = 0;
  injector.AddRule(rule);
  std::vector<bool> fired;
  for (int i = 0; i < 1000; ++i) {
    std::optional<int> code = injector.Check("cuLaunchKernel");
    if (code) {
      EXPECT_EQ(*code, 719);
    }
    fired.push_back(code.has_value());
  }
  return fired;
}

TEST(FaultInjectorTest, SeededFractionIsReproducible) {
  std::vector<bool> a = FractionPattern(5), b = FractionPattern(5), c = FractionPattern(6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  int fires = 0;
  for (bool fired : a) fires += fired;
  EXPECT_GT(fires, 230);
  EXPECT_LT(fires, 370);
}

TEST(FaultInjectorTest, MaxFiresLimitsARule) {
  FaultInjector injector;
  FaultRule rule{"x", 1};
  rule.fraction = 1.0;
  rule.max_fires = 2;
  injector.AddRule(rule);
  EXPECT_TRUE(injector.Check("x"));
  EXPECT_TRUE(injector.Check("x"));
  EXPECT_FALSE(injector.Check("x"));
}

using FaultTest = EngineModeTest;
INSTANTIATE_BOTH_MODES(FaultTest);

void Noop(KernelContext&) {}

TEST_P(FaultTest, InjectedKernelFaultIsSticky) {
  auto engine = Make();
  KernelId noop = engine->kernels().Register("noop", Noop, {});
  engine->fault_injector().AddRule({"kernel:noop", 0, /*nth_call=*/2});
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  ASSERT_OK(engine->EnqueueKernel(stream, {noop, {}, {}, 0, nullptr}));
  ASSERT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->EnqueueKernel(stream, {noop, {}, {}, 0, nullptr}));
  EXPECT_EQ(Error::kKernelFault, engine->SynchronizeStream(stream));
  EXPECT_EQ(Error::kKernelFault, engine->EnqueueKernel(stream, {noop, {}, {}, 0, nullptr}));
}

TEST_P(FaultTest, DeviceLostFailsQueuedAndLaterWork) {
  auto engine = Make(2);
  StreamId stream, other;
  ASSERT_OK(engine->CreateStream(0, &stream));
  ASSERT_OK(engine->CreateStream(1, &other));
  uint64_t gate;
  ASSERT_OK(engine->Allocate(0, 4, &gate));
  OrderLog log;
  LogEntry entry{&log, 1};
  ASSERT_OK(engine->EnqueueWaitValue32(stream, gate, 1, WaitCondition::kEq));  // never true
  ASSERT_OK(engine->EnqueueHostFunction(stream, AppendToLog, &entry));
  ASSERT_OK(engine->InjectDeviceLost(0));
  EXPECT_EQ(Error::kDeviceLost, engine->SynchronizeStream(stream));
  EXPECT_TRUE(log.values().empty());  // work after the loss never ran
  EXPECT_EQ(Error::kDeviceLost, engine->EnqueueMemset(stream, {gate, 0, 1, 1}));
  uint64_t address;
  EXPECT_EQ(Error::kDeviceLost, engine->Allocate(0, 16, &address));
  EXPECT_EQ(Error::kDeviceLost, engine->SynchronizeDevice(0));
  EXPECT_OK(engine->SynchronizeDevice(1));
  ASSERT_OK(engine->EnqueueHostFunction(other, AppendToLog, &entry));
  EXPECT_OK(engine->SynchronizeStream(other));
}

TEST_P(FaultTest, MemoryExhaustionAtTheLimit) {
  auto engine = Make();
  ASSERT_OK(engine->SetDeviceMemoryLimit(0, 4096));
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  std::vector<uint64_t> allocations;
  uint64_t address;
  while (engine->Allocate(0, 1000, &address) == Error::kOk) allocations.push_back(address);
  EXPECT_EQ(allocations.size(), 4u);
  EXPECT_EQ(Error::kOutOfMemory, engine->AllocAsync(stream, PoolId::kNull, 100, &address));
  ASSERT_OK(engine->Free(allocations.back()));
  ASSERT_OK(engine->AllocAsync(stream, PoolId::kNull, 100, &address));
  EXPECT_OK(engine->SynchronizeStream(stream));
}

TEST(FaultDeterministicTest, SlowHostFunctionsCostVirtualTime) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  StreamId stream;
  ASSERT_OK(engine.CreateStream(0, &stream));
  OrderLog log;
  LogEntry entry{&log, 1};
  engine.SetHostFunctionCost(5'000'000, 0);
  uint64_t before = engine.NowNs();
  ASSERT_OK(engine.EnqueueHostFunction(stream, AppendToLog, &entry));
  ASSERT_OK(engine.SynchronizeStream(stream));
  EXPECT_GE(engine.NowNs() - before, 5'000'000u);
}

TEST(FaultThreadedTest, SlowHostFunctionsDoNotBlockOtherStreams) {
  Engine engine(Options(SchedulingMode::kThreaded));
  engine.SetHostFunctionCost(0, 50'000'000);  // 50 ms
  StreamId slow, fast;
  ASSERT_OK(engine.CreateStream(0, &slow));
  ASSERT_OK(engine.CreateStream(0, &fast));
  OrderLog log;
  LogEntry slow_entry{&log, 1};
  uint64_t address;
  ASSERT_OK(engine.Allocate(0, 64, &address));
  ASSERT_OK(engine.EnqueueHostFunction(slow, AppendToLog, &slow_entry));
  ASSERT_OK(engine.EnqueueMemset(fast, {address, 1, 1, 64}));
  ASSERT_OK(engine.SynchronizeStream(fast));
  EXPECT_EQ(Error::kNotReady, engine.QueryStream(slow));  // still sleeping
  ASSERT_OK(engine.SynchronizeStream(slow));
  EXPECT_EQ(log.values(), std::vector<int>{1});
}

}  // namespace
}  // namespace gpuhal::fake
