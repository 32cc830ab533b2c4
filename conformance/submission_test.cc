// Queue submissions ordered by semaphores: signal, wait, chains, fan-out and fan-in,
// waits submitted before their signals, host and device waits mixed, and wait-any.
#include <thread>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class SubmissionTest : public ConformanceTest {
 protected:
  Result<Ref<CommandBuffer>> FillCommands(Buffer& buffer, uint32_t value) {
    return Record([&](CommandBuffer& commands) {
      return commands.FillBuffer({&buffer, 0, kWholeBuffer}, &value, sizeof(value));
    });
  }
  Result<Ref<CommandBuffer>> CopyCommands(Buffer& source, Buffer& target) {
    return Record([&](CommandBuffer& commands) {
      return commands.CopyBuffer({&source, 0, kWholeBuffer}, target, 0);
    });
  }
  // True when `semaphore` has not reached `value` after giving wrongly released work
  // time to run.
  static bool StillPending(Semaphore& semaphore, uint64_t value) {
    std::this_thread::sleep_for(kSettleTime);
    Result<uint64_t> current = semaphore.Query();
    return current.ok() && *current < value;
  }
  void ExpectWords(Buffer& buffer, uint32_t value) {
    Result<std::vector<uint32_t>> words = ReadWords(buffer);
    ASSERT_OK(words) << words.status();
    EXPECT_EQ(*words, std::vector<uint32_t>(words->size(), value));
  }
};
CTS_INSTANTIATE(SubmissionTest);

TEST_P(SubmissionTest, EmptySubmissionSignals) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  const SemaphorePoint signal[] = {{done.get(), 1}};
  ASSERT_OK(device().QueueBarrier(kAnyQueue, {}, signal));
  EXPECT_OK(done->Wait(1, LongTimeout()));
}

TEST_P(SubmissionTest, SignalsEverySemaphoreAfterTheWork) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(4096));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> first, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> second, NewSemaphore(10));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, FillCommands(*buffer, 0xA5A5F00Du));
  ASSERT_OK(Submit(*fill, {}, {{first.get(), 1}, {second.get(), 11}}));
  fill.reset();  // the submission keeps what it needs alive
  ASSERT_OK(first->Wait(1, LongTimeout()));
  ASSERT_OK(second->Wait(11, LongTimeout()));
  ExpectWords(*buffer, 0xA5A5F00Du);
}

TEST_P(SubmissionTest, WaitSubmittedBeforeHostSignal) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(1024));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, FillCommands(*buffer, 7));
  ASSERT_OK(Submit(*fill, {{gate.get(), 1}}, {{done.get(), 1}}));
  EXPECT_TRUE(StillPending(*done, 1)) << "ran before its wait was signalled";
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(done->Wait(1, LongTimeout()));
  ExpectWords(*buffer, 7);
}

TEST_P(SubmissionTest, HostSemaphoreGatesDeviceWork) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, FillCommands(*buffer, 9));
  ASSERT_OK(Submit(*fill, {{gate.get(), 2}}, {{done.get(), 1}}));
  ASSERT_OK(gate->Signal(1));
  EXPECT_TRUE(StillPending(*done, 1)) << "a wait on 2 was released by 1";
  ASSERT_OK(gate->Signal(2));
  ASSERT_OK(done->Wait(1, LongTimeout()));
  ExpectWords(*buffer, 9);
}

// 100 dependent dispatches, all submitted before the first may start: each waits on the
// value its predecessor signals, so the result counts how many ran, in order.
TEST_P(SubmissionTest, ChainOfOneHundred) {
  constexpr uint32_t kCount = 256;
  constexpr int kLinks = 100;
  ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_add_one"}));
  const std::vector<uint32_t> initial = PatternWords(kCount, 1);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> ping, NewBufferWithWords(initial));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> pong, NewBuffer(kCount * 4));
  Ref<CommandBuffer> steps[2];
  for (int i = 0; i < 2; ++i) {
    Buffer* in = i == 0 ? ping.get() : pong.get();
    Buffer* out = i == 0 ? pong.get() : ping.get();
    ASSERT_OK_AND_ASSIGN(steps[i], Record(
                                           [&](CommandBuffer& commands) {
                                             const SetBindings sets[] = {{0, {{0, in}, {1, out}}}};
                                             const uint32_t constants[] = {kCount};
                                             return RecordDispatch(
                                                 commands, kernels, 0, sets, constants,
                                                 {kernels::WorkgroupsFor(kCount), 1, 1});
                                           },
                                           {.usage = CommandBufferUsage::kReusable}));
  }
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> chain, NewSemaphore(0));
  for (int link = 0; link < kLinks; ++link) {
    const SemaphorePoint wait =
        link == 0 ? SemaphorePoint{gate.get(), 1} : SemaphorePoint{chain.get(), uint64_t(link)};
    ASSERT_OK(Submit(*steps[link % 2], {wait}, {{chain.get(), uint64_t(link) + 1}}));
  }
  EXPECT_TRUE(StillPending(*chain, 1));
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(chain->Wait(kLinks, LongTimeout()));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> result, ReadWords(*ping));
  std::vector<uint32_t> expected = initial;
  for (uint32_t& word : expected) word += kLinks;
  EXPECT_EQ(result, expected);
}

// Submitted last-first: every link waits on a value that no submission made so far
// will signal, so the queue must hold them all and release them in dependency order.
TEST_P(SubmissionTest, ChainSubmittedInReverse) {
  constexpr int kLinks = 16;
  std::vector<Ref<Buffer>> buffers;
  const std::vector<uint8_t> source = PatternBytes(100, 3);
  for (int i = 0; i <= kLinks; ++i) {
    Result<Ref<Buffer>> buffer = i == 0 ? NewBufferWith(source) : NewBuffer(source.size());
    ASSERT_OK(buffer) << buffer.status();
    buffers.push_back(std::move(buffer).value());
  }
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> chain, NewSemaphore(0));
  for (int link = kLinks - 1; link >= 0; --link) {
    ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> copy,
                             CopyCommands(*buffers[link], *buffers[link + 1]));
    ASSERT_OK(
        Submit(*copy, {{chain.get(), uint64_t(link) + 1}}, {{chain.get(), uint64_t(link) + 2}}));
  }
  EXPECT_TRUE(StillPending(*chain, 2));
  ASSERT_OK(chain->Signal(1));
  ASSERT_OK(chain->Wait(kLinks + 1, LongTimeout()));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> result, ReadBytes(*buffers[kLinks]));
  EXPECT_EQ(result, source);
}

TEST_P(SubmissionTest, FanOutAndFanIn) {
  constexpr int kBranches = 4;
  constexpr size_t kSlice = 512;
  const std::vector<uint8_t> source_bytes = PatternBytes(kSlice * kBranches, 5);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> source, NewBuffer(source_bytes.size()));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> middle, NewBuffer(source_bytes.size()));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> result, NewBuffer(source_bytes.size()));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> produced, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> joined, NewSemaphore(0));
  std::vector<Ref<Semaphore>> branch_done;
  for (int i = 0; i < kBranches; ++i) {
    ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
    branch_done.push_back(std::move(done));
  }

  // The join first, then the branches, then the producer: everything waits before its
  // signal exists.
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> join, CopyCommands(*middle, *result));
  std::vector<SemaphorePoint> join_waits;
  for (auto& done : branch_done) join_waits.push_back({done.get(), 1});
  CommandBuffer* join_list[] = {join.get()};
  const SemaphorePoint join_signal[] = {{joined.get(), 1}};
  ASSERT_OK(device().QueueExecute(kAnyQueue, join_waits, join_signal, join_list));
  for (int i = 0; i < kBranches; ++i) {
    ASSERT_OK_AND_ASSIGN(
        Ref<CommandBuffer> branch, Record([&](CommandBuffer& commands) {
          return commands.CopyBuffer({source.get(), i * kSlice, kSlice}, *middle, i * kSlice);
        }));
    ASSERT_OK(Submit(*branch, {{produced.get(), 1}}, {{branch_done[i].get(), 1}}));
  }
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> produce, Record([&](CommandBuffer& commands) {
        return commands.UpdateBuffer(source_bytes.data(), {source.get(), 0, source_bytes.size()});
      }));
  EXPECT_TRUE(StillPending(*joined, 1));
  ASSERT_OK(Submit(*produce, {}, {{produced.get(), 1}}));
  ASSERT_OK(joined->Wait(1, LongTimeout()));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*result));
  EXPECT_EQ(bytes, source_bytes);
}

TEST_P(SubmissionTest, MixedHostAndDeviceWaits) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> first, NewBuffer(256));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> second, NewBuffer(256));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> host_gate, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> device_gate, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> first_done, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, FillCommands(*first, 0x11223344u));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> copy, CopyCommands(*first, *second));
  // `copy` waits on the host semaphore and on `first_done`, which device work signals.
  ASSERT_OK(Submit(*copy, {{host_gate.get(), 1}, {first_done.get(), 1}}, {{done.get(), 1}}));
  ASSERT_OK(Submit(*fill, {{device_gate.get(), 1}}, {{first_done.get(), 1}}));
  ASSERT_OK(host_gate->Signal(1));
  EXPECT_TRUE(StillPending(*done, 1)) << "released with a device wait unmet";
  ASSERT_OK(device_gate->Signal(1));
  ASSERT_OK(done->Wait(1, LongTimeout()));
  ExpectWords(*second, 0x11223344u);
}

TEST_P(SubmissionTest, WaitAnyOnDeviceSignals) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate_a, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate_b, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done_a, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done_b, NewSemaphore(0));
  const SemaphorePoint wait_a[] = {{gate_a.get(), 1}}, signal_a[] = {{done_a.get(), 1}};
  const SemaphorePoint wait_b[] = {{gate_b.get(), 1}}, signal_b[] = {{done_b.get(), 1}};
  ASSERT_OK(device().QueueBarrier(kAnyQueue, wait_a, signal_a));
  ASSERT_OK(device().QueueBarrier(kAnyQueue, wait_b, signal_b));
  const SemaphorePoint either[] = {{done_a.get(), 1}, {done_b.get(), 1}};
  EXPECT_THAT(WaitAnySemaphore(either, Timeout::Immediate()), StatusIs(StatusCode::kDeadlineExceeded));
  ASSERT_OK(gate_b->Signal(1));
  Result<size_t> index = WaitAnySemaphore(either, LongTimeout());
  ASSERT_OK(index) << index.status();
  EXPECT_EQ(*index, 1u);
  // Unblock the other one so the device has nothing held at release.
  ASSERT_OK(gate_a->Signal(1));
  EXPECT_OK(device().WaitSemaphores(WaitMode::kAll, either, LongTimeout()));
}

TEST_P(SubmissionTest, LargerDeviceSignalSatisfiesSmallerWaits) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(512));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> progress, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, FillCommands(*buffer, 0xBEEF));
  const SemaphorePoint wait_gate[] = {{gate.get(), 1}}, signal_ten[] = {{progress.get(), 10}};
  ASSERT_OK(device().QueueBarrier(kAnyQueue, wait_gate, signal_ten));
  ASSERT_OK(Submit(*fill, {{progress.get(), 3}}, {{done.get(), 1}}));
  EXPECT_TRUE(StillPending(*done, 1));
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(progress->Wait(7, LongTimeout()));
  ASSERT_OK(done->Wait(1, LongTimeout()));
  ExpectWords(*buffer, 0xBEEF);
  Result<uint64_t> value = progress->Query();
  ASSERT_OK(value);
  EXPECT_EQ(*value, 10u);
}

TEST_P(SubmissionTest, SeveralCommandBuffersInOneSubmission) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> a, NewBuffer(128));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b, NewBuffer(128));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill_a, FillCommands(*a, 1));
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill_b, FillCommands(*b, 2));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> done, NewSemaphore(0));
  CommandBuffer* list[] = {fill_a.get(), fill_b.get()};
  const SemaphorePoint signal[] = {{done.get(), 1}};
  ASSERT_OK(device().QueueExecute(kAnyQueue, {}, signal, list));
  ASSERT_OK(done->Wait(1, LongTimeout()));
  ExpectWords(*a, 1);
  ExpectWords(*b, 2);
}

}  // namespace
}  // namespace gpuhal::conformance
