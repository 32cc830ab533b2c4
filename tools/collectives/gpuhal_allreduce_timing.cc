// The gpuhal side of allreduce_timing.h.
//
// Each rank gets a thread: NCCL may block a collective's launch until its peers launch
// theirs (for example while it connects lazily), so one thread submitting every rank's
// work in turn could wait on itself. Per size, every rank records one reusable command
// buffer holding one all-reduce, submits it for the warm-up, then — after all ranks
// meet — submits it `iterations` times back to back on its queue, signalling only the
// last submission, and waits for that. The time is from the meeting until the slowest
// rank's last all-reduce is done.
#include <barrier>
#include <chrono>
#include <cstdint>
#include <thread>

#include "gpuhal/semaphore.h"
#include "tools/collectives/allreduce_timing.h"

namespace gpuhal::collectives {
namespace {

constexpr auto kWaitLimit = std::chrono::seconds(120);

struct RankState {
  Device* device = nullptr;
  Channel* channel = nullptr;
  Ref<Semaphore> done;
  uint64_t value = 0;
  Ref<Buffer> send, recv;
  Ref<CommandBuffer> all_reduce;
  Status status;
};

Status Prepare(RankState& rank, size_t bytes, CommandBufferMode mode) {
  GPUHAL_ASSIGN_OR_RETURN(rank.send, rank.device->AllocateBuffer(BufferParams{}, bytes));
  GPUHAL_ASSIGN_OR_RETURN(rank.recv, rank.device->AllocateBuffer(BufferParams{}, bytes));
  // Defined inputs (fills are device-side, so even 1 GiB is quick).
  CommandBufferParams params;
  params.mode = mode;
  GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> fill, rank.device->CreateCommandBuffer(params));
  const float one = 1.0f;
  GPUHAL_RETURN_IF_ERROR(fill->Begin());
  GPUHAL_RETURN_IF_ERROR(fill->FillBuffer({rank.send.get(), 0, bytes}, &one, 4));
  GPUHAL_RETURN_IF_ERROR(fill->End());
  CommandBuffer* fill_list[] = {fill.get()};
  GPUHAL_RETURN_IF_ERROR(rank.device->QueueExecute(kAnyQueue, {}, {}, fill_list));

  params.usage = CommandBufferUsage::kReusable;
  GPUHAL_ASSIGN_OR_RETURN(rank.all_reduce, rank.device->CreateCommandBuffer(params));
  GPUHAL_RETURN_IF_ERROR(rank.all_reduce->Begin());
  GPUHAL_RETURN_IF_ERROR(rank.all_reduce->Collective(
      *rank.channel, {CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kFloat32}, 0,
      {rank.send.get(), 0, bytes}, {rank.recv.get(), 0, bytes}, bytes / 4));
  return rank.all_reduce->End();
}

// Submits the all-reduce `count` times, the last one signalling, and waits for it.
Status SubmitAndWait(RankState& rank, int count) {
  CommandBuffer* list[] = {rank.all_reduce.get()};
  for (int i = 0; i + 1 < count; ++i) {
    GPUHAL_RETURN_IF_ERROR(rank.device->QueueExecute(kAnyQueue, {}, {}, list));
  }
  SemaphorePoint signal{rank.done.get(), ++rank.value};
  GPUHAL_RETURN_IF_ERROR(rank.device->QueueExecute(kAnyQueue, {}, {&signal, 1}, list));
  return rank.done->Wait(rank.value, Timeout::After(kWaitLimit));
}

}  // namespace

Result<std::vector<double>> TimeGpuhalAllReduce(std::span<Device* const> devices,
                                                std::span<Channel* const> channels,
                                                CommandBufferMode mode,
                                                const std::vector<size_t>& sizes) {
  const size_t ranks = devices.size();
  std::vector<RankState> state(ranks);
  for (size_t r = 0; r < ranks; ++r) {
    state[r].device = devices[r];
    state[r].channel = channels[r];
    GPUHAL_ASSIGN_OR_RETURN(state[r].done, devices[r]->CreateSemaphore(0));
  }
  std::vector<double> seconds(sizes.size(), 0.0);
  std::barrier meeting(static_cast<std::ptrdiff_t>(ranks));
  std::chrono::steady_clock::time_point start, end;
  std::vector<std::thread> threads;
  for (size_t r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      RankState& rank = state[r];
      for (size_t s = 0; s < sizes.size(); ++s) {
        const size_t bytes = sizes[s];
        if (rank.status.ok()) rank.status = Prepare(rank, bytes, mode);
        if (rank.status.ok()) rank.status = SubmitAndWait(rank, WarmupIterationsFor(bytes));
        meeting.arrive_and_wait();
        if (r == 0) start = std::chrono::steady_clock::now();
        meeting.arrive_and_wait();
        if (rank.status.ok()) rank.status = SubmitAndWait(rank, TimedIterationsFor(bytes));
        meeting.arrive_and_wait();
        if (r == 0) {
          end = std::chrono::steady_clock::now();
          seconds[s] = std::chrono::duration<double>(end - start).count() / TimedIterationsFor(bytes);
        }
        rank.all_reduce.reset();
        rank.send.reset();
        rank.recv.reset();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t r = 0; r < ranks; ++r) {
    if (!state[r].status.ok()) {
      return state[r].status.WithContext(StrCat("gpuhal all-reduce on rank ", r));
    }
  }
  return seconds;
}

}  // namespace gpuhal::collectives
