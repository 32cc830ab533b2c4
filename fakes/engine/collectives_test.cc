// Collectives over 2, 3, 4 and 8 ranks with exact results, groups, send/recv, abort and
// rank faults.
#include <cmath>
#include <cstring>
#include <vector>

#include "fakes/engine/half.h"
#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

struct Ranks {
  std::unique_ptr<Engine> engine;
  CommId comm;
  std::vector<StreamId> streams;
};

Ranks MakeRanks(SchedulingMode mode, int count, uint64_t seed = 1) {
  Ranks ranks;
  ranks.engine = std::make_unique<Engine>(Options(mode, count, seed));
  std::vector<int> devices;
  for (int i = 0; i < count; ++i) {
    devices.push_back(i);
    StreamId stream;
    EXPECT_OK(ranks.engine->CreateStream(i, &stream));
    ranks.streams.push_back(stream);
  }
  EXPECT_OK(ranks.engine->CreateComm(devices, &ranks.comm));
  return ranks;
}

template <typename T>
uint64_t Upload(Engine& engine, int device, const std::vector<T>& values) {
  uint64_t address = 0;
  EXPECT_OK(engine.Allocate(device, std::max<size_t>(1, values.size()) * sizeof(T), &address));
  EXPECT_OK(engine.WriteMemory(address, values.data(), values.size() * sizeof(T)));
  return address;
}

template <typename T>
std::vector<T> Download(Engine& engine, uint64_t address, size_t count) {
  std::vector<T> values(count);
  EXPECT_OK(engine.ReadMemory(address, values.data(), count * sizeof(T)));
  return values;
}

void SyncAll(Ranks& ranks) {
  for (StreamId stream : ranks.streams) EXPECT_OK(ranks.engine->SynchronizeStream(stream));
}

struct CollectiveCase {
  SchedulingMode mode;
  int ranks;
};

class CollectiveTest : public ::testing::TestWithParam<CollectiveCase> {};
INSTANTIATE_TEST_SUITE_P(
    RankCounts, CollectiveTest,
    ::testing::Values(CollectiveCase{SchedulingMode::kDeterministic, 2},
                      CollectiveCase{SchedulingMode::kDeterministic, 3},
                      CollectiveCase{SchedulingMode::kDeterministic, 4},
                      CollectiveCase{SchedulingMode::kDeterministic, 8},
                      CollectiveCase{SchedulingMode::kThreaded, 2},
                      CollectiveCase{SchedulingMode::kThreaded, 3},
                      CollectiveCase{SchedulingMode::kThreaded, 4},
                      CollectiveCase{SchedulingMode::kThreaded, 8}),
    [](const auto& info) {
      return std::string(info.param.mode == SchedulingMode::kDeterministic ? "Det" : "Thr") +
             std::to_string(info.param.ranks);
    });

template <typename T>
void CheckAllReduce(Ranks& ranks, DataType type, ReduceOp op, T (*value)(int rank, int i),
                    T (*expected)(int ranks, int i)) {
  const int n = static_cast<int>(ranks.streams.size());
  const int count = 5;
  std::vector<uint64_t> send(n), recv(n);
  for (int r = 0; r < n; ++r) {
    std::vector<T> values(count);
    for (int i = 0; i < count; ++i) values[i] = value(r, i);
    send[r] = Upload(*ranks.engine, r, values);
    recv[r] = Upload(*ranks.engine, r, std::vector<T>(count));
  }
  ranks.engine->GroupStart();  // one thread issues every rank's call, as with NCCL
  for (int r = 0; r < n; ++r)
    ASSERT_OK(ranks.engine->AllReduce(ranks.comm, r, send[r], recv[r], count, type, op,
                                      ranks.streams[r]));
  ASSERT_OK(ranks.engine->GroupEnd());
  SyncAll(ranks);
  for (int r = 0; r < n; ++r) {
    std::vector<T> out = Download<T>(*ranks.engine, recv[r], count);
    for (int i = 0; i < count; ++i)
      EXPECT_EQ(out[i], expected(n, i)) << "rank " << r << " element " << i;
  }
}

TEST_P(CollectiveTest, AllReduceEveryOpAndType) {
  Ranks ranks = MakeRanks(GetParam().mode, GetParam().ranks);
  // Sum of (r + 1) * (i + 1) over r = (i + 1) * n (n + 1) / 2.
  CheckAllReduce<int32_t>(ranks, DataType::kInt32, ReduceOp::kSum,
                          [](int r, int i) { return (r + 1) * (i + 1); },
                          [](int n, int i) { return (i + 1) * n * (n + 1) / 2; });
  CheckAllReduce<int8_t>(ranks, DataType::kInt8, ReduceOp::kMin,
                         [](int r, int i) { return static_cast<int8_t>(-r - i); },
                         [](int n, int i) { return static_cast<int8_t>(-(n - 1) - i); });
  CheckAllReduce<uint8_t>(ranks, DataType::kUint8, ReduceOp::kMax,
                          [](int r, int i) { return static_cast<uint8_t>(r * 10 + i); },
                          [](int n, int i) { return static_cast<uint8_t>((n - 1) * 10 + i); });
  CheckAllReduce<uint32_t>(ranks, DataType::kUint32, ReduceOp::kProd,
                           [](int r, int i) { return static_cast<uint32_t>(i + 2); },
                           [](int n, int i) {
                             uint32_t p = 1;
                             for (int k = 0; k < n; ++k) p *= i + 2;
                             return p;
                           });
  CheckAllReduce<int64_t>(ranks, DataType::kInt64, ReduceOp::kAvg,
                          [](int r, int i) { return int64_t{r} * 1000000000000 + i * 8; },
                          [](int n, int i) {
                            int64_t sum = 0;
                            for (int r = 0; r < n; ++r) sum += int64_t{r} * 1000000000000 + i * 8;
                            return sum / n;
                          });
  CheckAllReduce<uint64_t>(ranks, DataType::kUint64, ReduceOp::kSum,
                           [](int r, int i) { return (uint64_t{1} << 40) + r; },
                           [](int n, int i) {
                             return n * (uint64_t{1} << 40) + uint64_t(n) * (n - 1) / 2;
                           });
  CheckAllReduce<float>(ranks, DataType::kFloat32, ReduceOp::kSum,
                        [](int r, int i) { return 0.5f * r + i; },
                        [](int n, int i) {
                          float acc = 0.0f + i;
                          for (int r = 1; r < n; ++r) acc += 0.5f * r + i;
                          return acc;
                        });
  CheckAllReduce<double>(ranks, DataType::kFloat64, ReduceOp::kAvg,
                         [](int r, int i) { return double(r) + i; },
                         [](int n, int i) {
                           double acc = i;
                           for (int r = 1; r < n; ++r) acc += double(r) + i;
                           return acc / n;
                         });
  CheckAllReduce<uint16_t>(ranks, DataType::kFloat16, ReduceOp::kSum,
                           [](int r, int i) { return FloatToHalf(0.25f * r + i); },
                           [](int n, int i) {
                             float sum = 0;
                             for (int r = 0; r < n; ++r) sum += 0.25f * r + i;
                             return FloatToHalf(sum);  // exact: small multiples of 1/4
                           });
  CheckAllReduce<uint16_t>(ranks, DataType::kBfloat16, ReduceOp::kMax,
                           [](int r, int i) { return FloatToBfloat16(float(r * 2 - i)); },
                           [](int n, int i) { return FloatToBfloat16(float((n - 1) * 2 - i)); });
}

TEST_P(CollectiveTest, AllGatherReduceScatterReduceBroadcast) {
  Ranks ranks = MakeRanks(GetParam().mode, GetParam().ranks);
  Engine& engine = *ranks.engine;
  const int n = GetParam().ranks;
  const int count = 3;
  std::vector<uint64_t> send(n), gathered(n), scatter_send(n), scattered(n), reduced(n),
      broadcast(n);
  for (int r = 0; r < n; ++r) {
    send[r] = Upload(engine, r, std::vector<int32_t>{r * 10, r * 10 + 1, r * 10 + 2});
    gathered[r] = Upload(engine, r, std::vector<int32_t>(count * n));
    std::vector<int32_t> chunks(count * n);
    for (int i = 0; i < count * n; ++i) chunks[i] = r + i;
    scatter_send[r] = Upload(engine, r, chunks);
    scattered[r] = Upload(engine, r, std::vector<int32_t>(count));
    reduced[r] = Upload(engine, r, std::vector<int32_t>(count, -1));
    broadcast[r] = Upload(engine, r, std::vector<int32_t>(count));
  }
  const int root = n - 1;
  engine.GroupStart();
  for (int r = 0; r < n; ++r) {
    StreamId s = ranks.streams[r];
    ASSERT_OK(engine.AllGather(ranks.comm, r, send[r], gathered[r], count, DataType::kInt32, s));
    ASSERT_OK(engine.ReduceScatter(ranks.comm, r, scatter_send[r], scattered[r], count,
                                   DataType::kInt32, ReduceOp::kSum, s));
    ASSERT_OK(engine.Reduce(ranks.comm, r, send[r], reduced[r], count, DataType::kInt32,
                            ReduceOp::kMax, root, s));
    ASSERT_OK(engine.Broadcast(ranks.comm, r, send[r], broadcast[r], count, DataType::kInt32,
                               root, s));
  }
  ASSERT_OK(engine.GroupEnd());
  SyncAll(ranks);
  for (int r = 0; r < n; ++r) {
    std::vector<int32_t> all = Download<int32_t>(engine, gathered[r], count * n);
    for (int source = 0; source < n; ++source)
      for (int i = 0; i < count; ++i) EXPECT_EQ(all[source * count + i], source * 10 + i);
    std::vector<int32_t> mine = Download<int32_t>(engine, scattered[r], count);
    for (int i = 0; i < count; ++i) {
      int32_t sum = 0;
      for (int source = 0; source < n; ++source) sum += source + r * count + i;
      EXPECT_EQ(mine[i], sum);
    }
    std::vector<int32_t> max = Download<int32_t>(engine, reduced[r], count);
    for (int i = 0; i < count; ++i) EXPECT_EQ(max[i], r == root ? (n - 1) * 10 + i : -1);
    std::vector<int32_t> b = Download<int32_t>(engine, broadcast[r], count);
    for (int i = 0; i < count; ++i) EXPECT_EQ(b[i], root * 10 + i);
  }
}

TEST_P(CollectiveTest, SendRecvRingInAGroup) {
  Ranks ranks = MakeRanks(GetParam().mode, GetParam().ranks);
  Engine& engine = *ranks.engine;
  const int n = GetParam().ranks;
  std::vector<uint64_t> send(n), recv(n);
  for (int r = 0; r < n; ++r) {
    send[r] = Upload(engine, r, std::vector<uint64_t>{uint64_t(r) * 7, uint64_t(r) * 7 + 1});
    recv[r] = Upload(engine, r, std::vector<uint64_t>(2));
  }
  // Everyone sends to the next rank and receives from the previous one. Without the group
  // each rank's send would wait for a receive queued behind it.
  engine.GroupStart();
  for (int r = 0; r < n; ++r) {
    ASSERT_OK(engine.Send(ranks.comm, r, send[r], 2, DataType::kUint64, (r + 1) % n,
                          ranks.streams[r]));
    ASSERT_OK(engine.Recv(ranks.comm, r, recv[r], 2, DataType::kUint64, (r + n - 1) % n,
                          ranks.streams[r]));
  }
  ASSERT_OK(engine.GroupEnd());
  SyncAll(ranks);
  for (int r = 0; r < n; ++r) {
    int from = (r + n - 1) % n;
    EXPECT_EQ(Download<uint64_t>(engine, recv[r], 2),
              (std::vector<uint64_t>{uint64_t(from) * 7, uint64_t(from) * 7 + 1}));
  }
}

TEST_P(CollectiveTest, RankFaultFailsEveryRank) {
  Ranks ranks = MakeRanks(GetParam().mode, GetParam().ranks);
  Engine& engine = *ranks.engine;
  const int n = GetParam().ranks;
  std::vector<uint64_t> buffers(n);
  for (int r = 0; r < n; ++r) buffers[r] = Upload(engine, r, std::vector<float>(4));
  engine.GroupStart();
  for (int r = 0; r < n; ++r) {
    uint64_t send = r == 1 ? buffers[r] + 1000 : buffers[r];  // rank 1 passes a bad buffer
    ASSERT_OK(engine.AllReduce(ranks.comm, r, send, buffers[r], 4, DataType::kFloat32,
                               ReduceOp::kSum, ranks.streams[r]));
  }
  ASSERT_OK(engine.GroupEnd());
  for (int r = 0; r < n; ++r)
    EXPECT_EQ(Error::kIllegalAddress, engine.SynchronizeStream(ranks.streams[r])) << r;
  std::string message;
  EXPECT_EQ(Error::kIllegalAddress, engine.CommAsyncError(ranks.comm, &message));
  EXPECT_NE(message.find("all_reduce"), std::string::npos) << message;
}

TEST(CollectiveDeterministicTest, LostDeviceFailsTheOtherRanks) {
  Ranks ranks = MakeRanks(SchedulingMode::kDeterministic, 3);
  Engine& engine = *ranks.engine;
  std::vector<uint64_t> buffers(3);
  for (int r = 0; r < 3; ++r) buffers[r] = Upload(engine, r, std::vector<float>(4));
  for (int r = 0; r < 2; ++r) {
    ASSERT_OK(engine.AllReduce(ranks.comm, r, buffers[r], buffers[r], 4, DataType::kFloat32,
                               ReduceOp::kSum, ranks.streams[r]));
  }
  uint64_t gate;
  ASSERT_OK(engine.Allocate(2, 4, &gate));
  ASSERT_OK(engine.EnqueueWaitValue32(ranks.streams[2], gate, 1, WaitCondition::kEq));
  ASSERT_OK(engine.AllReduce(ranks.comm, 2, buffers[2], buffers[2], 4, DataType::kFloat32,
                             ReduceOp::kSum, ranks.streams[2]));
  EXPECT_EQ(Error::kNotReady, engine.QueryStream(ranks.streams[0]));
  ASSERT_OK(engine.InjectDeviceLost(2));
  EXPECT_EQ(Error::kCollectiveFailed, engine.SynchronizeStream(ranks.streams[0]));
  EXPECT_EQ(Error::kCollectiveFailed, engine.SynchronizeStream(ranks.streams[1]));
  EXPECT_EQ(Error::kDeviceLost, engine.SynchronizeStream(ranks.streams[2]));
}

TEST(CollectiveDeterministicTest, AbortReleasesWaitingRanks) {
  Ranks ranks = MakeRanks(SchedulingMode::kDeterministic, 2);
  Engine& engine = *ranks.engine;
  uint64_t buffer = Upload(engine, 0, std::vector<float>(4));
  ASSERT_OK(engine.AllReduce(ranks.comm, 0, buffer, buffer, 4, DataType::kFloat32,
                             ReduceOp::kSum, ranks.streams[0]));
  EXPECT_EQ(Error::kDeadlock, engine.SynchronizeStream(ranks.streams[0]));  // rank 1 missing
  ASSERT_OK(engine.AbortComm(ranks.comm));
  EXPECT_EQ(Error::kAborted, engine.SynchronizeStream(ranks.streams[0]));
  EXPECT_EQ(Error::kAborted, engine.AllReduce(ranks.comm, 1, buffer, buffer, 4,
                                              DataType::kFloat32, ReduceOp::kSum,
                                              ranks.streams[1]));
}

TEST(CollectiveDeterministicTest, MismatchedCallsFail) {
  Ranks ranks = MakeRanks(SchedulingMode::kDeterministic, 2);
  Engine& engine = *ranks.engine;
  uint64_t b0 = Upload(engine, 0, std::vector<float>(4));
  uint64_t b1 = Upload(engine, 1, std::vector<float>(4));
  ASSERT_OK(engine.AllReduce(ranks.comm, 0, b0, b0, 4, DataType::kFloat32, ReduceOp::kSum,
                             ranks.streams[0]));
  ASSERT_OK(engine.AllReduce(ranks.comm, 1, b1, b1, 3, DataType::kFloat32, ReduceOp::kSum,
                             ranks.streams[1]));
  EXPECT_EQ(Error::kCollectiveMismatch, engine.SynchronizeStream(ranks.streams[0]));
  EXPECT_EQ(Error::kInvalidValue,  // rank 0's comm device is 0, not 1
            engine.AllReduce(ranks.comm, 0, b0, b0, 4, DataType::kFloat32, ReduceOp::kSum,
                             ranks.streams[1]));
}

TEST(HalfTest, RoundTripsAndRoundsToNearestEven) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(1e6f), 0x7c00);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  for (uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(FloatToHalf(HalfToFloat(h)), h);
  EXPECT_EQ(FloatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(Bfloat16ToFloat(0x4040), 3.0f);
}

}  // namespace
}  // namespace gpuhal::fake
