// Channels and collective commands of the GPU driver, through the public API, on the
// simulated GPU's NCCL (fake-cuda) and RCCL (fake-hip): every collective kind, reduction
// and element type, with 2, 3, 4 and 8 ranks, in graph and stream mode, checked against
// results computed on the host; plus batching around other commands, reuse, and failures
// (mismatched ranks, a rank whose device is lost, a rank whose NCCL call fails), each of
// which must fail every rank's submission and its semaphores.
//
// The ranks are devices of one simulated platform (platform=NAME) driven from this one
// process, under the threaded schedule: each device's completion thread waits on its own
// work while the other ranks are still being submitted, which the deterministic
// schedule (nothing runs until a host waits) would report as a deadlock.
#include <gtest/gtest.h>

#include <ostream>

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "fakes/drivers/fake_drivers.h"
#include "fakes/engine/engine.h"
#include "tools/collectives/element_values.h"
#include "gpuhal/allocator.h"
#include "gpuhal/channel.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu {
namespace {

using std::chrono::seconds;
constexpr auto kWait = seconds(30);

// Host values of every element type, and the reductions' inputs and results: shared
// with the multi-GPU runner.
using collectives::Decode;
using collectives::Encode;
using collectives::kAllReductions;
using collectives::kAllTypes;
using collectives::Reduced;
using collectives::ReductionInput;
using collectives::Tagged;

// ---- Fixture ---------------------------------------------------------------------------

struct CollectiveConfig {
  const char* scheme;
  int ranks;
  CommandBufferMode mode;
};

std::string ConfigName(const ::testing::TestParamInfo<CollectiveConfig>& info) {
  std::string name = std::string(info.param.scheme) + "_" + std::to_string(info.param.ranks) +
                     "ranks_" + (info.param.mode == CommandBufferMode::kGraph ? "graph" : "stream");
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

// What CTest prints after "GetParam() =".
void PrintTo(const CollectiveConfig& config, std::ostream* out) {
  *out << config.scheme << ", " << config.ranks << " ranks, "
       << (config.mode == CommandBufferMode::kGraph ? "graph" : "stream") << " mode";
}

std::atomic<int> next_platform{0};

class CollectiveTest : public ::testing::TestWithParam<CollectiveConfig> {
 protected:
  using Recorder = std::function<Status(CommandBuffer&, int rank)>;

  void SetUp() override {
    ASSERT_OK(fake::RegisterFakeDrivers(registry_));
    platform_ = "collectives" + std::to_string(next_platform.fetch_add(1));
    for (int rank = 0; rank < ranks(); ++rank) {
      Result<Ref<Device>> device = registry_.CreateDevice(Uri(rank), allocator_);
      ASSERT_OK(device) << device.status();
      devices_.push_back(*device);
    }
    std::vector<Device*> list;
    for (auto& device : devices_) list.push_back(device.get());
    Result<std::vector<Ref<Channel>>> channels = devices_[0]->CreateChannelGroup(list);
    ASSERT_OK(channels) << channels.status();
    channels_ = *channels;
  }

  void TearDown() override {
    channels_.clear();
    devices_.clear();
    EXPECT_EQ(allocator_.live_bytes(), 0u);
  }

  int ranks() const { return GetParam().ranks; }
  std::string Uri(int rank) const {
    return std::string(GetParam().scheme) + "://" + std::to_string(rank) +
           "?devices=" + std::to_string(ranks()) + "&platform=" + platform_ +
           "&schedule=threaded";
  }

  Ref<Buffer> NewBuffer(int rank, size_t bytes) {
    Result<Ref<Buffer>> buffer = devices_[rank]->AllocateBuffer(BufferParams{}, bytes);
    EXPECT_OK(buffer) << buffer.status();
    return buffer.ok() ? *buffer : Ref<Buffer>();
  }
  Ref<Buffer> NewBufferWith(int rank, const std::vector<uint8_t>& bytes) {
    Ref<Buffer> buffer = NewBuffer(rank, bytes.size());
    if (buffer) {
      EXPECT_OK(devices_[rank]
                      ->WriteBuffer(std::as_bytes(std::span(bytes)), *buffer, 0)
                      );
    }
    return buffer;
  }
  std::vector<uint8_t> Read(int rank, Buffer& buffer) {
    std::vector<uint8_t> bytes(buffer.byte_length());
    Status status = devices_[rank]->ReadBuffer(buffer, 0, std::as_writable_bytes(std::span(bytes)));
    EXPECT_OK(status) << status;
    return bytes;
  }

  Result<Ref<CommandBuffer>> Record(int rank, const Recorder& record,
                                    CommandBufferUsage usage = CommandBufferUsage::kOneShot) {
    CommandBufferParams params;
    params.mode = GetParam().mode;
    params.usage = usage;
    GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands,
                            devices_[rank]->CreateCommandBuffer(params));
    GPUHAL_RETURN_IF_ERROR(commands->Begin());
    GPUHAL_RETURN_IF_ERROR(record(*commands, rank));
    GPUHAL_RETURN_IF_ERROR(commands->End());
    return commands;
  }

  // Records `record` on every rank, submits each, and returns each rank's outcome (the
  // wait on its signal semaphore).
  std::vector<Status> RunOnAllRanks(const Recorder& record) {
    std::vector<Ref<CommandBuffer>> buffers;
    for (int rank = 0; rank < ranks(); ++rank) {
      Result<Ref<CommandBuffer>> commands = Record(rank, record);
      EXPECT_OK(commands) << "rank " << rank << ": " << commands.status();
      if (!commands.ok()) return {commands.status()};
      buffers.push_back(*commands);
    }
    return SubmitAll(buffers);
  }
  std::vector<Status> SubmitAll(const std::vector<Ref<CommandBuffer>>& buffers) {
    std::vector<Ref<Semaphore>> done;
    std::vector<Status> outcomes(ranks());
    for (int rank = 0; rank < ranks(); ++rank) {
      Result<Ref<Semaphore>> semaphore = devices_[rank]->CreateSemaphore(0);
      EXPECT_OK(semaphore);
      done.push_back(*semaphore);
      SemaphorePoint signal{done.back().get(), 1};
      CommandBuffer* list[] = {buffers[rank].get()};
      outcomes[rank] = devices_[rank]->QueueExecute(kAnyQueue, {}, {&signal, 1}, list);
    }
    for (int rank = 0; rank < ranks(); ++rank) {
      if (outcomes[rank].ok()) outcomes[rank] = done[rank]->Wait(1, Timeout::After(kWait));
    }
    return outcomes;
  }
  void ExpectAllOk(const std::vector<Status>& outcomes) {
    for (size_t rank = 0; rank < outcomes.size(); ++rank) {
      EXPECT_OK(outcomes[rank]) << "rank " << rank << ": " << outcomes[rank];
    }
  }
  // Every rank failed, with a status that names an NCCL error.
  void ExpectAllFailedNamingNccl(const std::vector<Status>& outcomes) {
    ASSERT_EQ(outcomes.size(), static_cast<size_t>(ranks()));
    for (int rank = 0; rank < ranks(); ++rank) {
      EXPECT_FALSE(outcomes[rank].ok()) << "rank " << rank;
      EXPECT_NE(outcomes[rank].ToString().find("nccl"), std::string::npos)
          << "rank " << rank << ": " << outcomes[rank];
    }
  }

  fake::Engine& engine() { return *fake::SimulatedEngineOf(*devices_[0]); }

  CountingAllocator allocator_;
  DriverRegistry registry_;
  std::string platform_;
  std::vector<Ref<Device>> devices_;
  std::vector<Ref<Channel>> channels_;
};

// ---- Channels --------------------------------------------------------------------------

TEST_P(CollectiveTest, GroupGivesEachDeviceItsRank) {
  ASSERT_EQ(channels_.size(), static_cast<size_t>(ranks()));
  for (int rank = 0; rank < ranks(); ++rank) {
    EXPECT_EQ(channels_[rank]->rank(), rank);
    EXPECT_EQ(channels_[rank]->count(), ranks());
  }
}

TEST_P(CollectiveTest, ChannelsFromAnExchangedIdJoinFromOneThreadPerRank) {
  Result<ChannelId> id = devices_[0]->CreateChannelId();
  ASSERT_OK(id) << id.status();
  std::vector<Result<Ref<Channel>>> joined(ranks(), Result<Ref<Channel>>(UnknownError("unset")));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < ranks(); ++rank) {
    threads.emplace_back([&, rank] {
      ChannelParams params;
      params.id = *id;  // in a real program: sent by file, socket or MPI
      params.rank = rank;
      params.count = ranks();
      joined[rank] = devices_[rank]->CreateChannel(params);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int rank = 0; rank < ranks(); ++rank) {
    ASSERT_OK(joined[rank]) << joined[rank].status();
    EXPECT_EQ((*joined[rank])->rank(), rank);
    EXPECT_EQ((*joined[rank])->count(), ranks());
  }
  // They work: an all-reduce over the new channels.
  channels_.clear();
  for (auto& channel : joined) channels_.push_back(*channel);
  const size_t n = 8;
  std::vector<Ref<Buffer>> buffers;
  for (int rank = 0; rank < ranks(); ++rank) {
    buffers.push_back(NewBufferWith(rank, Encode(ElementType::kInt32, std::vector<double>(n, 1))));
  }
  ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    return commands.Collective(*channels_[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kInt32},
                               0, {buffers[rank].get(), 0, kWholeBuffer},
                               {buffers[rank].get(), 0, kWholeBuffer}, n);
  }));
  for (int rank = 0; rank < ranks(); ++rank) {
    EXPECT_EQ(Decode(ElementType::kInt32, Read(rank, *buffers[rank])),
              std::vector<double>(n, ranks()));
  }
}

TEST_P(CollectiveTest, SplitByParityThenReduceWithinEachHalf) {
  std::vector<Result<Ref<Channel>>> split(ranks(), Result<Ref<Channel>>(UnknownError("unset")));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < ranks(); ++rank) {
    // Ranks 0, 2, 4... and 1, 3, 5...; within a half, the highest old rank comes first.
    threads.emplace_back([&, rank] { split[rank] = channels_[rank]->Split(rank % 2, -rank); });
  }
  for (std::thread& thread : threads) thread.join();
  for (int rank = 0; rank < ranks(); ++rank) {
    ASSERT_OK(split[rank]) << split[rank].status();
    const int half = (ranks() - rank % 2 + 1) / 2;
    EXPECT_EQ((*split[rank])->count(), half) << "rank " << rank;
    // Keys -rank order the half descending by old rank.
    int position = 0;
    for (int other = rank + 2; other < ranks(); other += 2) ++position;
    EXPECT_EQ((*split[rank])->rank(), position) << "rank " << rank;
  }
  std::vector<Ref<Buffer>> buffers;
  for (int rank = 0; rank < ranks(); ++rank) {
    buffers.push_back(
        NewBufferWith(rank, Encode(ElementType::kFloat32, std::vector<double>(4, rank))));
  }
  ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    return commands.Collective(**split[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                ElementType::kFloat32},
                               0, {buffers[rank].get(), 0, kWholeBuffer},
                               {buffers[rank].get(), 0, kWholeBuffer}, 4);
  }));
  for (int rank = 0; rank < ranks(); ++rank) {
    double expected = 0;
    for (int other = rank % 2; other < ranks(); other += 2) expected += other;
    EXPECT_EQ(Decode(ElementType::kFloat32, Read(rank, *buffers[rank])),
              std::vector<double>(4, expected))
        << "rank " << rank;
  }
}

TEST_P(CollectiveTest, NegativeSplitColorJoinsNoChannel) {
  std::vector<Result<Ref<Channel>>> split(ranks(), Result<Ref<Channel>>(UnknownError("unset")));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < ranks(); ++rank) {
    threads.emplace_back([&, rank] { split[rank] = channels_[rank]->Split(rank == 0 ? -1 : 0, 0); });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_OK(split[0]) << split[0].status();
  EXPECT_FALSE(*split[0]);
  for (int rank = 1; rank < ranks(); ++rank) {
    ASSERT_OK(split[rank]) << split[rank].status();
    EXPECT_EQ((*split[rank])->count(), ranks() - 1);
  }
}

TEST_P(CollectiveTest, GroupAcrossPlatformsAndChannelsOfOtherDevicesAreRejected) {
  Result<Ref<Device>> stranger =
      registry_.CreateDevice(std::string(GetParam().scheme) + "://0", allocator_);
  ASSERT_OK(stranger) << stranger.status();
  Device* list[] = {devices_[0].get(), stranger->get()};
  Result<std::vector<Ref<Channel>>> group = devices_[0]->CreateChannelGroup(list);
  EXPECT_EQ(group.status().code(), StatusCode::kInvalidArgument) << group.status();

  // Rank 1's channel recorded on rank 0's device.
  Ref<Buffer> buffer = NewBuffer(0, 64);
  CommandBufferParams params;
  params.mode = GetParam().mode;
  Result<Ref<CommandBuffer>> commands = devices_[0]->CreateCommandBuffer(params);
  ASSERT_OK(commands);
  ASSERT_OK((*commands)->Begin());
  Status status = (*commands)->Collective(
      *channels_[1], {CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kFloat32}, 0,
      {buffer.get(), 0, 64}, {buffer.get(), 0, 64}, 16);
  // Refused when recorded, in both modes.
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
}

// ---- Every collective, reduction and element type --------------------------------------

TEST_P(CollectiveTest, AllReduceEveryReductionAndTypeInOneBatchPerType) {
  const size_t n = 37;
  for (ElementType type : kAllTypes) {
    SCOPED_TRACE(::testing::Message() << "element type " << static_cast<int>(type));
    // [rank][op] send and recv buffers.
    std::vector<std::vector<Ref<Buffer>>> sends(ranks()), recvs(ranks());
    for (int rank = 0; rank < ranks(); ++rank) {
      for (ReductionOp op : kAllReductions) {
        std::vector<double> input(n);
        for (size_t i = 0; i < n; ++i) input[i] = ReductionInput(op, rank, ranks(), i);
        sends[rank].push_back(NewBufferWith(rank, Encode(type, input)));
        recvs[rank].push_back(NewBuffer(rank, n * ElementTypeSize(type)));
      }
    }
    ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) -> Status {
      for (size_t o = 0; o < std::size(kAllReductions); ++o) {
        GPUHAL_RETURN_IF_ERROR(commands.Collective(
            *channels_[rank], {CollectiveKind::kAllReduce, kAllReductions[o], type}, 0,
            {sends[rank][o].get(), 0, kWholeBuffer}, {recvs[rank][o].get(), 0, kWholeBuffer}, n));
      }
      return OkStatus();
    }));
    for (int rank = 0; rank < ranks(); ++rank) {
      for (size_t o = 0; o < std::size(kAllReductions); ++o) {
        std::vector<double> expected(n);
        for (size_t i = 0; i < n; ++i) expected[i] = Reduced(kAllReductions[o], ranks(), i);
        EXPECT_EQ(Decode(type, Read(rank, *recvs[rank][o])), expected)
            << "rank " << rank << " reduction " << static_cast<int>(kAllReductions[o]);
      }
    }
  }
}

TEST_P(CollectiveTest, ReduceAndReduceScatterEveryReduction) {
  const size_t n = 12;
  const ElementType type = ElementType::kFloat32;
  const int root = ranks() - 1;
  for (ReductionOp op : kAllReductions) {
    SCOPED_TRACE(::testing::Message() << "reduction " << static_cast<int>(op));
    std::vector<Ref<Buffer>> reduce_send, reduce_recv, scatter_send, scatter_recv;
    for (int rank = 0; rank < ranks(); ++rank) {
      std::vector<double> input(n), scatter_input(n * ranks());
      for (size_t i = 0; i < n; ++i) input[i] = ReductionInput(op, rank, ranks(), i);
      for (size_t i = 0; i < scatter_input.size(); ++i)
        scatter_input[i] = ReductionInput(op, rank, ranks(), i);
      reduce_send.push_back(NewBufferWith(rank, Encode(type, input)));
      reduce_recv.push_back(rank == root ? NewBuffer(rank, n * 4) : Ref<Buffer>());
      scatter_send.push_back(NewBufferWith(rank, Encode(type, scatter_input)));
      scatter_recv.push_back(NewBuffer(rank, n * 4));
    }
    ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) -> Status {
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          *channels_[rank], {CollectiveKind::kReduce, op, type}, root,
          {reduce_send[rank].get(), 0, kWholeBuffer},
          {reduce_recv[rank].get(), 0, reduce_recv[rank] ? kWholeBuffer : 0}, n));
      return commands.Collective(*channels_[rank], {CollectiveKind::kReduceScatter, op, type}, 0,
                                 {scatter_send[rank].get(), 0, kWholeBuffer},
                                 {scatter_recv[rank].get(), 0, kWholeBuffer}, n);
    }));
    std::vector<double> expected(n);
    for (size_t i = 0; i < n; ++i) expected[i] = Reduced(op, ranks(), i);
    EXPECT_EQ(Decode(type, Read(root, *reduce_recv[root])), expected);
    for (int rank = 0; rank < ranks(); ++rank) {
      for (size_t i = 0; i < n; ++i) expected[i] = Reduced(op, ranks(), rank * n + i);
      EXPECT_EQ(Decode(type, Read(rank, *scatter_recv[rank])), expected) << "rank " << rank;
    }
  }
}

TEST_P(CollectiveTest, DataMovementKindsOfEveryTypeInOneBatch) {
  // All-gather, broadcast, a ring of send/recv and all-to-all, for every element type,
  // all in one command buffer per rank (one NCCL group).
  const size_t n = 6;
  const int root = 1 % ranks();
  const size_t types = std::size(kAllTypes);
  struct Buffers {
    Ref<Buffer> gather_send, gather_recv, bcast, ring_send, ring_recv, a2a_send, a2a_recv;
  };
  std::vector<std::vector<Buffers>> b(ranks(), std::vector<Buffers>(types));
  for (int rank = 0; rank < ranks(); ++rank) {
    for (size_t t = 0; t < types; ++t) {
      const ElementType type = kAllTypes[t];
      const size_t size = ElementTypeSize(type);
      std::vector<double> mine(n), a2a(n * ranks());
      for (size_t i = 0; i < n; ++i) mine[i] = Tagged(rank, i);
      for (size_t i = 0; i < a2a.size(); ++i) a2a[i] = Tagged(rank, i);
      Buffers& x = b[rank][t];
      x.gather_send = NewBufferWith(rank, Encode(type, mine));
      x.gather_recv = NewBuffer(rank, n * ranks() * size);
      x.bcast = rank == root ? NewBufferWith(rank, Encode(type, mine)) : NewBuffer(rank, n * size);
      x.ring_send = NewBufferWith(rank, Encode(type, mine));
      x.ring_recv = NewBuffer(rank, n * size);
      x.a2a_send = NewBufferWith(rank, Encode(type, a2a));
      x.a2a_recv = NewBuffer(rank, n * ranks() * size);
    }
  }
  ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) -> Status {
    Channel& channel = *channels_[rank];
    const uint32_t next = static_cast<uint32_t>((rank + 1) % ranks());
    const uint32_t previous = static_cast<uint32_t>((rank + ranks() - 1) % ranks());
    for (size_t t = 0; t < types; ++t) {
      const ElementType type = kAllTypes[t];
      Buffers& x = b[rank][t];
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          channel, {CollectiveKind::kAllGather, ReductionOp::kNone, type}, 0,
          {x.gather_send.get(), 0, kWholeBuffer}, {x.gather_recv.get(), 0, kWholeBuffer}, n));
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          channel, {CollectiveKind::kBroadcast, ReductionOp::kNone, type}, root,
          {x.bcast.get(), 0, kWholeBuffer}, {x.bcast.get(), 0, kWholeBuffer}, n));
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          channel, {CollectiveKind::kAllToAll, ReductionOp::kNone, type}, 0,
          {x.a2a_send.get(), 0, kWholeBuffer}, {x.a2a_recv.get(), 0, kWholeBuffer},
          n * ranks()));
      // Each rank sends first and receives second: only the group makes this work.
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          channel, {CollectiveKind::kSend, ReductionOp::kNone, type}, next,
          {x.ring_send.get(), 0, kWholeBuffer}, {}, n));
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          channel, {CollectiveKind::kRecv, ReductionOp::kNone, type}, previous, {},
          {x.ring_recv.get(), 0, kWholeBuffer}, n));
    }
    return OkStatus();
  }));
  for (int rank = 0; rank < ranks(); ++rank) {
    const int previous = (rank + ranks() - 1) % ranks();
    for (size_t t = 0; t < types; ++t) {
      SCOPED_TRACE(::testing::Message() << "rank " << rank << " type " << t);
      const ElementType type = kAllTypes[t];
      Buffers& x = b[rank][t];
      std::vector<double> gathered, broadcast(n), ring(n), a2a;
      for (int source = 0; source < ranks(); ++source) {
        for (size_t i = 0; i < n; ++i) gathered.push_back(Tagged(source, i));
      }
      for (size_t i = 0; i < n; ++i) {
        broadcast[i] = Tagged(root, i);
        ring[i] = Tagged(previous, i);
      }
      // Block `source` of the result is block `rank` of source's input.
      for (int source = 0; source < ranks(); ++source) {
        for (size_t i = 0; i < n; ++i) a2a.push_back(Tagged(source, rank * n + i));
      }
      EXPECT_EQ(Decode(type, Read(rank, *x.gather_recv)), gathered);
      EXPECT_EQ(Decode(type, Read(rank, *x.bcast)), broadcast);
      EXPECT_EQ(Decode(type, Read(rank, *x.ring_recv)), ring);
      EXPECT_EQ(Decode(type, Read(rank, *x.a2a_recv)), a2a);
    }
  }
}

// ---- Batching around other commands, and reuse ------------------------------------------

TEST_P(CollectiveTest, CollectivesOrderAgainstFillsAndCopiesInTheSameBuffer) {
  // fill(send) ; all-reduce(send -> mid) ; copy(mid -> out) ; all-reduce(out -> out) ;
  // barrier ; fill(tail): each collective must see the command before it and be seen
  // by the one after.
  const size_t n = 16;
  std::vector<Ref<Buffer>> send, mid, out, tail;
  for (int rank = 0; rank < ranks(); ++rank) {
    send.push_back(NewBuffer(rank, n * 4));
    mid.push_back(NewBuffer(rank, n * 4));
    out.push_back(NewBuffer(rank, n * 4));
    tail.push_back(NewBuffer(rank, 4));
  }
  const CollectiveOp sum{CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kUint32};
  ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) -> Status {
    const uint32_t value = static_cast<uint32_t>(rank + 1);
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({send[rank].get(), 0, kWholeBuffer}, &value, 4));
    GPUHAL_RETURN_IF_ERROR(commands.Collective(*channels_[rank], sum, 0,
                                               {send[rank].get(), 0, kWholeBuffer},
                                               {mid[rank].get(), 0, kWholeBuffer}, n));
    GPUHAL_RETURN_IF_ERROR(commands.CopyBuffer({mid[rank].get(), 0, kWholeBuffer}, *out[rank], 0));
    GPUHAL_RETURN_IF_ERROR(commands.Collective(*channels_[rank], sum, 0,
                                               {out[rank].get(), 0, kWholeBuffer},
                                               {out[rank].get(), 0, kWholeBuffer}, n));
    GPUHAL_RETURN_IF_ERROR(
        commands.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {}));
    const uint32_t marker = 0xABCD;
    return commands.FillBuffer({tail[rank].get(), 0, kWholeBuffer}, &marker, 4);
  }));
  const double total = ranks() * (ranks() + 1) / 2.0;
  for (int rank = 0; rank < ranks(); ++rank) {
    EXPECT_EQ(Decode(ElementType::kUint32, Read(rank, *mid[rank])), std::vector<double>(n, total));
    EXPECT_EQ(Decode(ElementType::kUint32, Read(rank, *out[rank])),
              std::vector<double>(n, total * ranks()));
    EXPECT_EQ(Decode(ElementType::kUint32, Read(rank, *tail[rank])),
              std::vector<double>(1, 0xABCD));
  }
}

TEST_P(CollectiveTest, ReusableBufferRunsItsCollectivesEachTime) {
  const size_t n = 5;
  std::vector<Ref<Buffer>> data;
  std::vector<Ref<CommandBuffer>> buffers;
  for (int rank = 0; rank < ranks(); ++rank) {
    data.push_back(NewBufferWith(rank, Encode(ElementType::kInt64, std::vector<double>(n, 1))));
    Result<Ref<CommandBuffer>> commands = Record(
        rank,
        [&](CommandBuffer& commands, int r) {
          return commands.Collective(*channels_[r],
                                     {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                      ElementType::kInt64},
                                     0, {data[r].get(), 0, kWholeBuffer},
                                     {data[r].get(), 0, kWholeBuffer}, n);
        },
        CommandBufferUsage::kReusable);
    ASSERT_OK(commands) << commands.status();
    buffers.push_back(*commands);
  }
  for (int round = 1; round <= 3; ++round) {
    ExpectAllOk(SubmitAll(buffers));
    for (int rank = 0; rank < ranks(); ++rank) {
      EXPECT_EQ(Decode(ElementType::kInt64, Read(rank, *data[rank])),
                std::vector<double>(n, std::pow(ranks(), round)));
    }
  }
}

TEST_P(CollectiveTest, NestedCommandBufferCarriesItsCollectives) {
  const size_t n = 4;
  std::vector<Ref<Buffer>> data;
  std::vector<Ref<CommandBuffer>> inner;
  for (int rank = 0; rank < ranks(); ++rank) {
    data.push_back(NewBuffer(rank, n * 4));
    Result<Ref<CommandBuffer>> commands = Record(
        rank,
        [&](CommandBuffer& commands, int r) {
          return commands.Collective(*channels_[r],
                                     {CollectiveKind::kAllReduce, ReductionOp::kMaximum,
                                      ElementType::kInt32},
                                     0, {data[r].get(), 0, kWholeBuffer},
                                     {data[r].get(), 0, kWholeBuffer}, n);
        },
        CommandBufferUsage::kReusable);
    ASSERT_OK(commands) << commands.status();
    inner.push_back(*commands);
  }
  ExpectAllOk(RunOnAllRanks([&](CommandBuffer& commands, int rank) -> Status {
    const int32_t value = rank * 10;
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({data[rank].get(), 0, kWholeBuffer}, &value, 4));
    return commands.ExecuteCommands(*inner[rank]);
  }));
  for (int rank = 0; rank < ranks(); ++rank) {
    EXPECT_EQ(Decode(ElementType::kInt32, Read(rank, *data[rank])),
              std::vector<double>(n, (ranks() - 1) * 10));
  }
}

// ---- Failures ---------------------------------------------------------------------------

TEST_P(CollectiveTest, MismatchedCountsFailEveryRankWithTheNcclError) {
  std::vector<Ref<Buffer>> data;
  for (int rank = 0; rank < ranks(); ++rank) data.push_back(NewBuffer(rank, 64));
  std::vector<Status> outcomes = RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    const size_t n = rank == ranks() - 1 ? 8 : 16;  // the last rank disagrees
    return commands.Collective(*channels_[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                ElementType::kFloat32},
                               0, {data[rank].get(), 0, kWholeBuffer},
                               {data[rank].get(), 0, kWholeBuffer}, n);
  });
  ExpectAllFailedNamingNccl(outcomes);
  // The channel stays failed: the next collective is refused with the first error.
  std::vector<Status> again = RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    return commands.Collective(*channels_[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                ElementType::kFloat32},
                               0, {data[rank].get(), 0, kWholeBuffer},
                               {data[rank].get(), 0, kWholeBuffer}, 16);
  });
  for (int rank = 0; rank < ranks(); ++rank) {
    EXPECT_EQ(again[rank].code(), StatusCode::kFailedPrecondition) << again[rank];
  }
}

TEST_P(CollectiveTest, MismatchedTypesFailEveryRank) {
  std::vector<Ref<Buffer>> data;
  for (int rank = 0; rank < ranks(); ++rank) data.push_back(NewBuffer(rank, 64));
  ExpectAllFailedNamingNccl(RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    const ElementType type = rank == 0 ? ElementType::kInt32 : ElementType::kFloat32;
    return commands.Collective(*channels_[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum, type}, 0,
                               {data[rank].get(), 0, kWholeBuffer},
                               {data[rank].get(), 0, kWholeBuffer}, 16);
  }));
}

TEST_P(CollectiveTest, ARankWhoseDeviceIsLostFailsEveryRank) {
  std::vector<Ref<Buffer>> data;
  for (int rank = 0; rank < ranks(); ++rank) data.push_back(NewBuffer(rank, 64));
  const int lost = ranks() / 2;
  ASSERT_EQ(engine().InjectDeviceLost(lost), fake::Error::kOk);
  std::vector<Status> outcomes = RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    return commands.Collective(*channels_[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                ElementType::kFloat32},
                               0, {data[rank].get(), 0, kWholeBuffer},
                               {data[rank].get(), 0, kWholeBuffer}, 16);
  });
  ASSERT_EQ(outcomes.size(), static_cast<size_t>(ranks()));
  for (int rank = 0; rank < ranks(); ++rank) {
    EXPECT_FALSE(outcomes[rank].ok()) << "rank " << rank;
    if (rank != lost) {
      EXPECT_NE(outcomes[rank].ToString().find("nccl"), std::string::npos) << outcomes[rank];
    }
  }
}

TEST_P(CollectiveTest, ARankWhoseNcclCallFailsAbortsSoThatEveryRankFails) {
  std::vector<Ref<Buffer>> data;
  for (int rank = 0; rank < ranks(); ++rank) data.push_back(NewBuffer(rank, 64));
  fake::FaultRule rule;
  rule.entry_point = "ncclAllReduce";
  rule.error_code = 2;  // ncclSystemError, for NCCL and RCCL alike
  rule.nth_call = 1;
  engine().fault_injector().AddRule(rule);
  ExpectAllFailedNamingNccl(RunOnAllRanks([&](CommandBuffer& commands, int rank) {
    return commands.Collective(*channels_[rank],
                               {CollectiveKind::kAllReduce, ReductionOp::kSum,
                                ElementType::kFloat32},
                               0, {data[rank].get(), 0, kWholeBuffer},
                               {data[rank].get(), 0, kWholeBuffer}, 16);
  }));
}

std::vector<CollectiveConfig> AllConfigs() {
  std::vector<CollectiveConfig> configs;
  for (const char* scheme : {"fake-cuda", "fake-hip"}) {
    for (int ranks : {2, 3, 4, 8}) {
      for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
        configs.push_back({scheme, ranks, mode});
      }
    }
  }
  return configs;
}

INSTANTIATE_TEST_SUITE_P(Fake, CollectiveTest, ::testing::ValuesIn(AllConfigs()), ConfigName);

}  // namespace
}  // namespace gpuhal::gpu
