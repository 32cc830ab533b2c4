// Stream-ordered allocation: validity follows stream order; pools honour the device limit
// and their release threshold.
#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

using PoolTest = EngineModeTest;
INSTANTIATE_BOTH_MODES(PoolTest);

TEST_P(PoolTest, AllocationIsValidOnlyBetweenItsAllocAndFreeInStreamOrder) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t address;
  ASSERT_OK(engine->AllocAsync(stream, PoolId::kNull, 64, &address));
  ASSERT_OK(engine->EnqueueMemset(stream, {address, 5, 1, 64}));
  ASSERT_OK(engine->FreeAsync(stream, address));
  EXPECT_OK(engine->SynchronizeStream(stream));
  EXPECT_EQ(Error::kInvalidValue, engine->FreeAsync(stream, address));  // double free

  ASSERT_OK(engine->AllocAsync(stream, PoolId::kNull, 64, &address));
  ASSERT_OK(engine->FreeAsync(stream, address));
  ASSERT_OK(engine->EnqueueMemset(stream, {address, 5, 1, 64}));  // after the free
  EXPECT_EQ(Error::kIllegalAddress, engine->SynchronizeStream(stream));
}

TEST(PoolDeterministicTest, UseOnAnotherStreamBeforeTheAllocRunsFaults) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  StreamId allocating, using_stream;
  ASSERT_OK(engine.CreateStream(0, &allocating));
  ASSERT_OK(engine.CreateStream(0, &using_stream));
  uint64_t gate;
  ASSERT_OK(engine.Allocate(0, 4, &gate));
  ASSERT_OK(engine.EnqueueWaitValue32(allocating, gate, 1, WaitCondition::kEq));
  uint64_t address;
  ASSERT_OK(engine.AllocAsync(allocating, PoolId::kNull, 64, &address));
  ASSERT_OK(engine.EnqueueMemset(using_stream, {address, 5, 1, 64}));  // no ordering: bug
  EXPECT_EQ(Error::kIllegalAddress, engine.SynchronizeStream(using_stream));
  std::string message;
  engine.DeviceFault(0, &message);
  EXPECT_NE(message.find("before stream-ordered alloc"), std::string::npos) << message;
}

TEST_P(PoolTest, PoolRespectsDeviceLimitAndReleaseThreshold) {
  auto engine = Make();
  ASSERT_OK(engine->SetDeviceMemoryLimit(0, 1000));
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  PoolId pool;
  ASSERT_OK(engine->CreatePool(0, &pool));
  uint64_t a, b;
  ASSERT_OK(engine->AllocAsync(stream, pool, 600, &a));
  EXPECT_EQ(Error::kOutOfMemory, engine->AllocAsync(stream, pool, 600, &b));
  ASSERT_OK(engine->FreeAsync(stream, a));
  ASSERT_OK(engine->SetPoolReleaseThreshold(pool, 1000));
  ASSERT_OK(engine->SynchronizeStream(stream));
  uint64_t used, reserved, device_used;
  ASSERT_OK(engine->GetPoolUsage(pool, &used, &reserved));
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(reserved, 600u);  // kept: under the release threshold
  ASSERT_OK(engine->GetMemoryUsage(0, &device_used, nullptr));
  EXPECT_EQ(device_used, 600u);
  uint64_t plain;
  EXPECT_EQ(Error::kOutOfMemory, engine->Allocate(0, 600, &plain));
  ASSERT_OK(engine->AllocAsync(stream, pool, 500, &b));  // reuses the reserve
  ASSERT_OK(engine->FreeAsync(stream, b));
  ASSERT_OK(engine->SetPoolReleaseThreshold(pool, 0));
  ASSERT_OK(engine->SynchronizeStream(stream));  // trims to the threshold
  ASSERT_OK(engine->GetPoolUsage(pool, &used, &reserved));
  EXPECT_EQ(reserved, 0u);
  ASSERT_OK(engine->Allocate(0, 600, &plain));
  ASSERT_OK(engine->Free(plain));
  ASSERT_OK(engine->AllocAsync(stream, pool, 300, &a));
  ASSERT_OK(engine->FreeAsync(stream, a));
  ASSERT_OK(engine->SetPoolReleaseThreshold(pool, 1000));
  ASSERT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->TrimPool(pool, 100));
  ASSERT_OK(engine->GetPoolUsage(pool, &used, &reserved));
  EXPECT_EQ(reserved, 100u);
  ASSERT_OK(engine->DestroyPool(pool));
  ASSERT_OK(engine->GetMemoryUsage(0, &device_used, nullptr));
  EXPECT_EQ(device_used, 0u);
}

}  // namespace
}  // namespace gpuhal::fake
