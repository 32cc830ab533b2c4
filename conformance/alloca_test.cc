// Queue-ordered allocation: QueueAlloca hands out a buffer whose memory is usable once its
// signal is reached; QueueDealloca releases it after its waits. Cycles of both, ordered
// only by semaphores and submitted before anything runs.
#include <thread>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class AllocaTest : public ConformanceTest {};
CTS_INSTANTIATE(AllocaTest);

TEST_P(AllocaTest, AllocaUseDealloca) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> timeline, NewSemaphore(0));
  const SemaphorePoint allocated[] = {{timeline.get(), 1}};
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer,
                           device().QueueAlloca(kAnyQueue, {}, allocated, BufferParams{}, 4096));
  EXPECT_EQ(buffer->byte_length(), 4096u);
  const uint32_t value = 0x5EED5EEDu;
  ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> fill, Record([&](CommandBuffer& commands) {
                             return commands.FillBuffer({buffer.get()}, &value, 4);
                           }));
  ASSERT_OK(Submit(*fill, {{timeline.get(), 1}}, {{timeline.get(), 2}}));
  ASSERT_OK(timeline->Wait(2, LongTimeout()));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*buffer));
  EXPECT_EQ(words, std::vector<uint32_t>(1024, value));
  const SemaphorePoint used[] = {{timeline.get(), 2}}, freed[] = {{timeline.get(), 3}};
  ASSERT_OK(device().QueueDealloca(kAnyQueue, used, freed, *buffer));
  ASSERT_OK(timeline->Wait(3, LongTimeout()));
}

TEST_P(AllocaTest, AllocaWaitsForItsWaits) {
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> allocated, NewSemaphore(0));
  const SemaphorePoint waits[] = {{gate.get(), 1}}, signals[] = {{allocated.get(), 1}};
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer,
                           device().QueueAlloca(kAnyQueue, waits, signals, BufferParams{}, 256));
  std::this_thread::sleep_for(kSettleTime);
  EXPECT_THAT(allocated->Wait(1, Timeout::Immediate()), StatusIs(StatusCode::kDeadlineExceeded));
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(allocated->Wait(1, LongTimeout()));
  const SemaphorePoint free_waits[] = {{allocated.get(), 1}}, freed[] = {{allocated.get(), 2}};
  ASSERT_OK(device().QueueDealloca(kAnyQueue, free_waits, freed, *buffer));
  ASSERT_OK(allocated->Wait(2, LongTimeout()));
}

// Twenty alloca -> fill -> copy out -> dealloca cycles on one timeline, all submitted
// behind a host gate: each cycle's scratch memory may reuse the previous cycle's, so a
// dealloca released too early, or an alloca usable too early, corrupts a result.
TEST_P(AllocaTest, CyclesOrderedBySemaphores) {
  constexpr int kCycles = 20;
  constexpr size_t kSlot = 1024;
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> results, NewBuffer(kSlot * kCycles));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> gate, NewHostSemaphore(0));
  ASSERT_OK_AND_ASSIGN(Ref<Semaphore> timeline, NewSemaphore(0));
  uint64_t value = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    const SemaphorePoint alloca_wait =
        cycle == 0 ? SemaphorePoint{gate.get(), 1} : SemaphorePoint{timeline.get(), value};
    const SemaphorePoint alloca_signal = {timeline.get(), ++value};
    ASSERT_OK_AND_ASSIGN(Ref<Buffer> scratch,
                             device().QueueAlloca(kAnyQueue, {&alloca_wait, 1}, {&alloca_signal, 1},
                                                  BufferParams{}, kSlot));
    const uint32_t pattern = 0x01010101u * static_cast<uint32_t>(cycle + 1);
    const MemoryBarrier barrier[] = {{AccessScope::kTransferWrite, AccessScope::kTransferRead}};
    ASSERT_OK_AND_ASSIGN(
        Ref<CommandBuffer> work, Record([&](CommandBuffer& commands) {
          GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({scratch.get()}, &pattern, 4));
          GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(ExecutionStage::kTransfer,
                                                           ExecutionStage::kTransfer, barrier, {}));
          return commands.CopyBuffer({scratch.get()}, *results, cycle * kSlot);
        }));
    ASSERT_OK(Submit(*work, {{timeline.get(), value}}, {{timeline.get(), value + 1}}));
    ++value;
    const SemaphorePoint dealloca_wait = {timeline.get(), value};
    const SemaphorePoint dealloca_signal = {timeline.get(), ++value};
    ASSERT_OK(
        device().QueueDealloca(kAnyQueue, {&dealloca_wait, 1}, {&dealloca_signal, 1}, *scratch));
  }
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(timeline->Wait(value, LongTimeout()));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*results));
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    EXPECT_EQ(
        std::vector<uint8_t>(bytes.begin() + cycle * kSlot, bytes.begin() + (cycle + 1) * kSlot),
        std::vector<uint8_t>(kSlot, static_cast<uint8_t>(cycle + 1)))
        << "cycle " << cycle;
  }
}

}  // namespace
}  // namespace gpuhal::conformance
