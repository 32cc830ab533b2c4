// Submitting a prebuilt command buffer allocates no host memory once warmed up: queue
// actions, their arenas, wait and signal slots, device-signal timepoints and completion
// events all come from pools that a few warm-up submissions fill.
#include <gtest/gtest.h>

#include <ostream>

#include <string>
#include <vector>

#include "gpuhal/gpuhal.h"
#include "tools/gpuhal-bench/bench_kernels.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

constexpr int kWarmUpSubmissions = 16;  // rounds of two submissions
constexpr int kMeasuredSubmissions = 200;  // rounds of two submissions
// A deadline, so made fresh for every wait.
Timeout WaitTimeout() { return Timeout::After(std::chrono::seconds(30)); }

struct Case {
  const char* name;
  const char* uri;
};

// What CTest prints after "GetParam() =".
void PrintTo(const Case& test_case, std::ostream* out) { *out << test_case.uri; }

class SubmissionAllocationTest : public ::testing::TestWithParam<Case> {};

// One submission per iteration, each waiting on the previous one's signal through a
// device semaphore and on a host-signalled gate, so the pending, device-wait and
// host-wait paths all run.
TEST_P(SubmissionAllocationTest, ZeroHostAllocationsPerSubmissionAfterWarmUp) {
  CountingAllocator counting;
  {
    Result<Ref<Device>> created = CreateDevice(GetParam().uri, counting);
    ASSERT_OK(created) << created.status().ToString();
    Ref<Device> device = *created;

    const DescriptorSetLayoutBinding binding{0};
    auto set_layout = device->CreateDescriptorSetLayout({&binding, 1});
    ASSERT_OK(set_layout) << set_layout.status().ToString();
    DescriptorSetLayout* sets[] = {set_layout->get()};
    auto noop_layout = device->CreatePipelineLayout(sets, 1);
    auto spin_layout = device->CreatePipelineLayout({}, 1);
    ASSERT_TRUE(noop_layout.ok() && spin_layout.ok());
    const std::vector<uint8_t> container = bench::BuildBenchContainer();
    PipelineLayout* layouts[] = {noop_layout->get(), spin_layout->get()};
    ExecutableParams executable_params;
    executable_params.container = container;
    executable_params.pipeline_layouts = layouts;
    auto executable = device->LoadExecutable(executable_params);
    ASSERT_OK(executable) << executable.status().ToString();
    auto buffer = device->AllocateBuffer(BufferParams{}, 4096);
    ASSERT_OK(buffer);

    CommandBufferParams params;
    params.usage = CommandBufferUsage::kReusable;
    auto commands = device->CreateCommandBuffer(params);
    ASSERT_OK(commands);
    CommandBuffer& recorded = **commands;
    ASSERT_OK(recorded.Begin());
    const BufferBinding bound{0, buffer->get()};
    ASSERT_OK(recorded.PushDescriptorSet(**noop_layout, 0, {&bound, 1}));
    const uint32_t value = 7;
    ASSERT_OK(recorded
                    .PushConstants(**noop_layout, 0,
                                   {reinterpret_cast<const uint8_t*>(&value), sizeof(value)})
                    );
    for (int i = 0; i < 4; ++i) {
      ASSERT_OK(recorded.Dispatch(**executable, bench::kNoopEntryPoint, {1, 1, 1}));
    }
    ASSERT_OK(recorded.End());

    auto chain = device->CreateSemaphore(0);
    auto gate = device->CreateSemaphore(0);
    ASSERT_TRUE(chain.ok() && gate.ok());
    CommandBuffer* list[] = {&recorded};
    uint64_t step = 0;
    auto submit = [&](bool wait) -> Status {
      ++step;
      // Held until the gate opens (host wait path), then chained on the device.
      const SemaphorePoint first_waits[] = {{gate->get(), step}, {chain->get(), 2 * step - 2}};
      const SemaphorePoint first_signal{chain->get(), 2 * step - 1};
      GPUHAL_RETURN_IF_ERROR(device->QueueExecute(kAnyQueue, first_waits, {&first_signal, 1}, list));
      const SemaphorePoint second_wait{chain->get(), 2 * step - 1};
      const SemaphorePoint second_signal{chain->get(), 2 * step};
      GPUHAL_RETURN_IF_ERROR(
          device->QueueExecute(kAnyQueue, {&second_wait, 1}, {&second_signal, 1}, list));
      GPUHAL_RETURN_IF_ERROR((*gate)->Signal(step));
      return wait ? (*chain)->Wait(2 * step, WaitTimeout()) : OkStatus();
    };
    // Warm-up as a burst, so that the pools (actions, arena blocks, timepoints, events)
    // grow past what the measured rounds ever hold at once: a measured round's actions
    // may still be finishing on the completion thread when the next round starts.
    for (int i = 0; i < kWarmUpSubmissions; ++i) ASSERT_OK(submit(false));
    ASSERT_OK((*chain)->Wait(2 * step, WaitTimeout()));
    const uint64_t allocations_before = counting.allocation_count();
    const size_t live_before = counting.live_bytes();
    for (int i = 0; i < kMeasuredSubmissions; ++i) ASSERT_OK(submit(true));
    EXPECT_EQ(counting.allocation_count(), allocations_before)
        << (counting.allocation_count() - allocations_before) << " host allocations in "
        << 2 * kMeasuredSubmissions << " submissions";
    EXPECT_EQ(counting.live_bytes(), live_before);
  }
  EXPECT_EQ(counting.live_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, SubmissionAllocationTest,
    ::testing::Values(Case{"fake_cuda_stream", "fake-cuda://0?mode=stream"},
                      Case{"fake_cuda_graph", "fake-cuda://0?mode=graph"},
                      Case{"fake_cuda_threaded_stream", "fake-cuda://0?mode=stream&schedule=threaded"},
                      Case{"fake_cuda_threaded_graph", "fake-cuda://0?mode=graph&schedule=threaded"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gpuhal
