// Queue ordering, semaphores, failure propagation, allocation and bookkeeping of the GPU
// device, on the simulated GPU through the fake-cuda and fake-hip drivers, under both the
// deterministic and the threaded schedule. Only queue operations that need no command
// buffers are used: barriers, host and device semaphores, alloca/dealloca and
// synchronous transfers.
#include <gtest/gtest.h>

#include <ostream>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends/gpu/completion_pacing.h"
#include "backends/gpu/gpu_device_diagnostics.h"
#include "fakes/drivers/fake_drivers.h"
#include "gpuhal/allocator.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kLongWait = seconds(20);

struct DeviceConfig {
  const char* scheme;
  const char* schedule;
};

// What CTest prints after "GetParam() =".
void PrintTo(const DeviceConfig& config, std::ostream* out) {
  *out << config.scheme << "://0?schedule=" << config.schedule;
}

std::string ConfigName(const ::testing::TestParamInfo<DeviceConfig>& info) {
  std::string name = std::string(info.param.scheme) + "_" + info.param.schedule;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

class GpuQueueTest : public ::testing::TestWithParam<DeviceConfig> {
 protected:
  void SetUp() override {
    ASSERT_OK(fake::RegisterFakeDrivers(registry_));
    device_ = OpenDevice("");
    ASSERT_TRUE(device_);
  }

  void TearDown() override {
    if (device_) ExpectQuiescent(*device_);
    device_.reset();
    other_device_.reset();
    EXPECT_EQ(allocator_.live_bytes(), 0u);
  }

  bool threaded() const { return std::string(GetParam().schedule) == "threaded"; }

  std::string Uri(const std::string& extra) const {
    std::string uri = std::string(GetParam().scheme) + "://0?schedule=" + GetParam().schedule;
    if (!extra.empty()) uri += "&" + extra;
    return uri;
  }

  Ref<Device> OpenDevice(const std::string& extra) {
    Result<Ref<Device>> device = registry_.CreateDevice(Uri(extra), allocator_);
    EXPECT_OK(device) << device.status();
    return device.ok() ? *device : Ref<Device>();
  }

  GpuDeviceDiagnostics& diagnostics(Device& device) { return *DiagnosticsOf(device); }

  // Ends a pause of the completion threads once the run of issues before it is over, so
  // that they observe eagerly: a completion fault injected into the next event wait
  // (fake::InjectLaunchFailureOnNextEventWait) then meets that wait. Right after a rapid
  // run of issues they would observe sparsely, by querying, and never wait.
  void ResumeCompletionEagerly(Device& device) {
    std::this_thread::sleep_for(4 * CompletionPacing::kRapidIssueGap);
    diagnostics(device).SetCompletionPausedForTesting(false);
  }
  GpuDeviceCounts counts() { return diagnostics(*device_).counts(); }

  // Waits (bounded) until nothing is pending or in flight and every pooled object has
  // come back, then checks it.
  void ExpectQuiescent(Device& device) {
    const auto deadline = std::chrono::steady_clock::now() + kLongWait;
    GpuDeviceCounts now;
    for (;;) {
      now = diagnostics(device).counts();
      const bool quiet = now.actions.pending_actions == 0 && now.actions.live_actions == 0 &&
                         now.in_flight_actions == 0 && now.acquired_events == 0 &&
                         now.announced_device_signals == 0;
      if (quiet || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(milliseconds(1));
    }
    EXPECT_EQ(now.actions.pending_actions, 0u);
    EXPECT_EQ(now.actions.live_actions, 0u);
    EXPECT_EQ(now.in_flight_actions, 0u);
    EXPECT_EQ(now.acquired_events, 0u);
    EXPECT_EQ(now.announced_device_signals, 0u);
    EXPECT_EQ(now.event_over_releases, 0u);
    EXPECT_LE(now.idle_events, device.params().event_pool_capacity);
  }

  Ref<Semaphore> DeviceSemaphore(uint64_t value = 0, Device* device = nullptr) {
    Result<Ref<Semaphore>> semaphore = (device ? device : device_.get())->CreateSemaphore(value);
    EXPECT_OK(semaphore) << semaphore.status();
    return *semaphore;
  }
  Ref<Semaphore> HostSemaphore(uint64_t value = 0) {
    Result<Ref<Semaphore>> semaphore = CreateHostSemaphore(value, allocator_);
    EXPECT_OK(semaphore) << semaphore.status();
    return *semaphore;
  }

  Status Barrier(std::vector<SemaphorePoint> waits, std::vector<SemaphorePoint> signals,
                 QueueAffinity affinity = kAnyQueue) {
    return device_->QueueBarrier(affinity, waits, signals);
  }

  // Polls `done` every millisecond for up to kLongWait; its last answer.
  template <typename Done>
  static bool Eventually(Done&& done) {
    const auto deadline = std::chrono::steady_clock::now() + kLongWait;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    return done();
  }

  static bool Reached(Semaphore& semaphore, uint64_t value) {
    return semaphore.Wait(value, Timeout::Immediate()).ok();
  }
  static Status WaitLong(Semaphore& semaphore, uint64_t value) {
    return semaphore.Wait(value, Timeout::After(kLongWait));
  }

  // Gives the simulated GPU every chance to run what it may: the deterministic engine
  // runs what is ready; the threaded one gets time.
  void LetDeviceRun(Device& device) {
    if (threaded()) {
      std::this_thread::sleep_for(milliseconds(20));
    } else {
      fake::Engine* engine = fake::SimulatedEngineOf(device);
      ASSERT_NE(engine, nullptr);
      while (engine->Step()) {
      }
    }
  }

  CountingAllocator allocator_;
  DriverRegistry registry_;
  Ref<Device> device_;
  Ref<Device> other_device_;
};

INSTANTIATE_TEST_SUITE_P(FakeDevices, GpuQueueTest,
                         ::testing::Values(DeviceConfig{"fake-cuda", "deterministic"},
                                         DeviceConfig{"fake-cuda", "threaded"},
                                         DeviceConfig{"fake-hip", "deterministic"},
                                         DeviceConfig{"fake-hip", "threaded"}),
                         ConfigName);

// Wait before signal, in every direction ------------------------------------------------

TEST_P(GpuQueueTest, WaitBeforeSignalInEveryDirection) {
  for (bool wait_on_device : {false, true}) {
    for (bool signal_device : {false, true}) {
      SCOPED_TRACE(::testing::Message() << (wait_on_device ? "device" : "host") << " -> "
                                      << (signal_device ? "device" : "host"));
      Ref<Semaphore> waited = wait_on_device ? DeviceSemaphore() : HostSemaphore();
      Ref<Semaphore> signalled = signal_device ? DeviceSemaphore() : HostSemaphore();
      ASSERT_OK(Barrier({{waited.get(), 1}}, {{signalled.get(), 1}}));
      LetDeviceRun(*device_);
      EXPECT_FALSE(Reached(*signalled, 1));
      EXPECT_EQ(counts().actions.pending_actions, 1u);
      if (wait_on_device) {
        ASSERT_OK(Barrier({}, {{waited.get(), 1}}));
      } else {
        ASSERT_OK(waited->Signal(1));
      }
      EXPECT_OK(WaitLong(*signalled, 1));
      EXPECT_OK(WaitLong(*waited, 1));
    }
  }
}

TEST_P(GpuQueueTest, DeviceToDeviceWaitIsIssuedOnTheGpuWithoutAHostTrip) {
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(Barrier({}, {{produced.get(), 1}}));
  ASSERT_OK(Barrier({{produced.get(), 1}}, {{consumed.get(), 1}}));
  // The consumer is issued already, waiting on the producer's event on the GPU, while the
  // host has not seen the producer complete.
  GpuDeviceCounts now = counts();
  EXPECT_EQ(now.actions.pending_actions, 0u);
  EXPECT_EQ(now.in_flight_actions, 2u);
  EXPECT_EQ(now.actions.device_event_waits, 1u);
  EXPECT_EQ(*produced->Query(), 0u);
  if (!threaded()) {
    // Nothing has driven the deterministic GPU: the producer has not even run.
    EXPECT_GT(fake::SimulatedEngineOf(*device_)->PendingOperationCount(), 0u);
  }
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  EXPECT_OK(WaitLong(*consumed, 1));
  EXPECT_EQ(*produced->Query(), 1u);
}

TEST_P(GpuQueueTest, DeviceWaitAcrossQueuesIsServedByTheEvent) {
  device_.reset();
  device_ = OpenDevice("queues=2");
  ASSERT_TRUE(device_);
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(Barrier({}, {{produced.get(), 1}}, /*affinity=*/1));
  ASSERT_OK(Barrier({{produced.get(), 1}}, {{consumed.get(), 1}}, /*affinity=*/2));
  EXPECT_EQ(counts().actions.device_event_waits, 1u);
  EXPECT_EQ(counts().in_flight_actions, 2u);
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  EXPECT_OK(WaitLong(*consumed, 1));
}

TEST_P(GpuQueueTest, PendingDeviceWaitIsReleasedByARecordedDeviceSignal) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  // The consumer waits first; nothing signals `produced` yet.
  ASSERT_OK(Barrier({{produced.get(), 1}}, {{consumed.get(), 1}}));
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{produced.get(), 1}}));
  EXPECT_EQ(counts().actions.pending_actions, 2u);
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(gate->Signal(1));
  // Releasing the producer recorded its device signal, which served the consumer.
  EXPECT_EQ(counts().actions.pending_actions, 0u);
  EXPECT_EQ(counts().actions.device_event_waits, 1u);
  EXPECT_EQ(counts().in_flight_actions, 2u);
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  EXPECT_OK(WaitLong(*consumed, 1));
}

// Reference mistake 1: an event handed out before it is recorded lets work run early.
TEST_P(GpuQueueTest, ConsumerSubmittedBeforeProducerDoesNotRunEarly) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  ASSERT_OK(Barrier({{produced.get(), 1}}, {{consumed.get(), 1}}));
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{produced.get(), 1}}));
  for (int i = 0; i < 3; ++i) LetDeviceRun(*device_);
  EXPECT_FALSE(Reached(*consumed, 1));
  EXPECT_FALSE(Reached(*produced, 1));
  EXPECT_EQ(counts().actions.pending_actions, 2u);
  EXPECT_EQ(counts().acquired_events, 0u);  // no event was taken for an unrecorded signal

  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(WaitLong(*consumed, 1));
  EXPECT_EQ(*produced->Query(), 1u);
}

// During a rapid run of issues completion threads only publish what they find done, and
// the next submission retires it (completion_pacing.h). Forced here, so that the test
// does not depend on how fast this machine submits.
TEST_P(GpuQueueTest, SubmissionsRetireWhatSparseCompletionFoundDone) {
  device_ = OpenDevice("queues=2");
  diagnostics(*device_).ForceSparseCompletionForTesting(true);
  Ref<Semaphore> chain = DeviceSemaphore();
  uint64_t value = 0;
  const auto deadline = std::chrono::steady_clock::now() + kLongWait;
  while (counts().inline_retired_actions == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_OK(Barrier({{chain.get(), value}}, {{chain.get(), value + 1}},
                        QueueAffinity{1} << (value % 2))
                    );
    ++value;
    // The threaded engine runs beside this loop; submitting without pause gives each of
    // the completion threads' observations submissions to retire what it found.
    if (!threaded()) LetDeviceRun(*device_);
  }
  EXPECT_GT(counts().inline_retired_actions, 0u);
  // What no submission takes, the completion threads retire themselves.
  ASSERT_OK(WaitLong(*chain, value));
  ExpectQuiescent(*device_);
  diagnostics(*device_).ForceSparseCompletionForTesting(false);
}

// Host waiters, single or through WaitSemaphores, make completion eager while they wait
// (completion_pacing.h): the device counts them.
TEST_P(GpuQueueTest, HostWaitersAreCountedWhileTheyWait) {
  Ref<Semaphore> first = DeviceSemaphore();
  Ref<Semaphore> second = DeviceSemaphore();
  EXPECT_EQ(counts().host_waiters, 0u);
  std::thread single([&] { EXPECT_OK(WaitLong(*first, 1)); });
  std::thread multiple([&] {
    const SemaphorePoint points[] = {{first.get(), 1}, {second.get(), 1}};
    EXPECT_OK(WaitSemaphores(WaitMode::kAll, points, Timeout::After(kLongWait)));
  });
  EXPECT_TRUE(Eventually([&] { return counts().host_waiters == 3; }))
      << counts().host_waiters << " host waiters";  // one wait, and a wait on two points
  ASSERT_OK(first->Signal(1));
  single.join();
  ASSERT_OK(second->Signal(1));
  multiple.join();
  EXPECT_EQ(counts().host_waiters, 0u);
}

TEST_P(GpuQueueTest, PausedCompletionIsNotRetiredBySubmissions) {
  diagnostics(*device_).ForceSparseCompletionForTesting(true);
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  Ref<Semaphore> done = DeviceSemaphore();
  for (uint64_t value = 1; value <= 20; ++value) {
    ASSERT_OK(Barrier({}, {{done.get(), value}}));
    LetDeviceRun(*device_);
  }
  EXPECT_EQ(counts().in_flight_actions, 20u);
  EXPECT_EQ(counts().inline_retired_actions, 0u);
  EXPECT_FALSE(Reached(*done, 1));
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  ASSERT_OK(WaitLong(*done, 20));
  diagnostics(*device_).ForceSparseCompletionForTesting(false);
}

// Sparse observation reads what it needs from a ring of the last 64 issues; with more
// in flight it walks the in-flight list instead, and both must find the work done.
TEST_P(GpuQueueTest, SparseCompletionFindsWorkDoneBeyondItsIssueRecords) {
  diagnostics(*device_).ForceSparseCompletionForTesting(true);
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  Ref<Semaphore> done = DeviceSemaphore();
  constexpr uint64_t kIssues = 150;
  for (uint64_t value = 1; value <= kIssues; ++value) {
    ASSERT_OK(Barrier({}, {{done.get(), value}}));
  }
  // The deterministic simulated GPU runs only when the host synchronizes, which sparse
  // observation never does.
  if (!threaded()) LetDeviceRun(*device_);
  EXPECT_EQ(counts().in_flight_actions, kIssues);
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  ASSERT_OK(WaitLong(*done, kIssues));
  ExpectQuiescent(*device_);
  diagnostics(*device_).ForceSparseCompletionForTesting(false);
}

// Reference mistake 2: one wait matching several signals must take exactly one event.
TEST_P(GpuQueueTest, OneWaitMatchingSeveralSignalsTakesOneEvent) {
  const GpuDeviceCounts initial = counts();
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  for (uint64_t value = 1; value <= 3; ++value) {
    ASSERT_OK(Barrier({}, {{produced.get(), value}}));
  }
  EXPECT_EQ(counts().announced_device_signals, 3u);
  ASSERT_OK(Barrier({{produced.get(), 1}}, {{consumed.get(), 1}}));
  EXPECT_EQ(counts().actions.device_event_waits, 1u);
  EXPECT_EQ(counts().acquired_events, 4u);  // three producers and the consumer
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  ASSERT_OK(WaitLong(*consumed, 1));
  ASSERT_OK(WaitLong(*produced, 3));
  ExpectQuiescent(*device_);
  EXPECT_EQ(counts().acquired_events, initial.acquired_events);
  EXPECT_EQ(counts().live_events, counts().idle_events);
}

// Reference mistake 3: the action must copy the caller's arrays.
TEST_P(GpuQueueTest, CallerArraysMayChangeRightAfterSubmission) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> intended = DeviceSemaphore();
  Ref<Semaphore> decoy = DeviceSemaphore();
  auto waits =
      std::make_unique<std::vector<SemaphorePoint>>(std::vector<SemaphorePoint>{{gate.get(), 1}});
  auto signals = std::make_unique<std::vector<SemaphorePoint>>(
      std::vector<SemaphorePoint>{{intended.get(), 7}});
  ASSERT_OK(device_->QueueBarrier(kAnyQueue, *waits, *signals));
  (*waits)[0] = {decoy.get(), 100};
  (*signals)[0] = {decoy.get(), 5};
  waits.reset();
  signals.reset();
  ASSERT_OK(gate->Signal(1));
  EXPECT_OK(WaitLong(*intended, 7));
  EXPECT_EQ(*decoy->Query(), 0u);
}

// A submission keeps what it names alive until it is finished, however often it names
// it (the caller may drop its references at once), and then lets go of all of it.
TEST_P(GpuQueueTest, ASubmissionHoldsWhatItNamesUntilItIsFinished) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> chain = DeviceSemaphore(1);
  CommandBufferParams params;
  params.usage = CommandBufferUsage::kReusable;
  Result<Ref<CommandBuffer>> commands = device_->CreateCommandBuffer(params);
  ASSERT_OK(commands) << commands.status();
  ASSERT_OK((*commands)->Begin());
  ASSERT_OK((*commands)->End());
  const int chain_references = chain->ref_count_for_testing();
  const int gate_references = gate->ref_count_for_testing();
  const int command_references = (*commands)->ref_count_for_testing();
  // The chain's semaphore is named three times, the gate twice.
  const SemaphorePoint waits[] = {{gate.get(), 1}, {chain.get(), 1}, {gate.get(), 1}};
  const SemaphorePoint signals[] = {{chain.get(), 2}, {chain.get(), 3}};
  CommandBuffer* list[] = {commands->get(), commands->get()};
  ASSERT_OK(device_->QueueExecute(kAnyQueue, waits, signals, list));
  EXPECT_GT(chain->ref_count_for_testing(), chain_references);
  EXPECT_GT(gate->ref_count_for_testing(), gate_references);
  EXPECT_GT((*commands)->ref_count_for_testing(), command_references);
  ASSERT_OK(gate->Signal(1));
  ASSERT_OK(WaitLong(*chain, 3));
  EXPECT_TRUE(Eventually([&] {
    return chain->ref_count_for_testing() == chain_references &&
           gate->ref_count_for_testing() == gate_references &&
           (*commands)->ref_count_for_testing() == command_references;
  })) << chain->ref_count_for_testing() << " " << gate->ref_count_for_testing() << " "
      << (*commands)->ref_count_for_testing();
}

// What the work does, not only when semaphores say it ended: a consumer on another
// queue copies what a producer fills, in graph and in stream mode.
class GpuQueueDataTest : public GpuQueueTest {
 protected:
  struct Pipeline {
    Ref<Buffer> source;
    Ref<Buffer> target;
    Ref<CommandBuffer> produce;
    Ref<CommandBuffer> consume;
  };

  Pipeline MakePipeline(CommandBufferMode mode) {
    Pipeline pipeline;
    pipeline.source = *device_->AllocateBuffer({}, kBytes);
    pipeline.target = *device_->AllocateBuffer({}, kBytes);
    const std::vector<std::byte> zeros(kBytes);
    EXPECT_OK(device_->WriteBuffer(zeros, *pipeline.source, 0));
    EXPECT_OK(device_->WriteBuffer(zeros, *pipeline.target, 0));
    CommandBufferParams params;
    params.mode = mode;
    pipeline.produce = *device_->CreateCommandBuffer(params);
    pipeline.consume = *device_->CreateCommandBuffer(params);
    const uint32_t pattern = 0x11111111;
    EXPECT_OK(pipeline.produce->Begin());
    EXPECT_OK(pipeline.produce->FillBuffer({pipeline.source.get(), 0, kBytes}, &pattern, 4));
    EXPECT_OK(pipeline.produce->End());
    EXPECT_OK(pipeline.consume->Begin());
    EXPECT_OK(pipeline.consume->CopyBuffer({pipeline.source.get(), 0, kBytes}, *pipeline.target, 0));
    EXPECT_OK(pipeline.consume->End());
    return pipeline;
  }

  Status Execute(QueueAffinity queue, std::vector<SemaphorePoint> waits,
                 std::vector<SemaphorePoint> signals, CommandBuffer& command_buffer) {
    CommandBuffer* command_buffers[] = {&command_buffer};
    return device_->QueueExecute(queue, waits, signals, command_buffers);
  }

  void ExpectCopied(Pipeline& pipeline) {
    std::vector<std::byte> read(kBytes);
    ASSERT_OK(device_->ReadBuffer(*pipeline.target, 0, read));
    for (size_t i = 0; i < kBytes; ++i) ASSERT_EQ(read[i], std::byte{0x11}) << i;
  }

  static constexpr size_t kBytes = 4096;
};

INSTANTIATE_TEST_SUITE_P(FakeDevices, GpuQueueDataTest,
                         ::testing::Values(DeviceConfig{"fake-cuda", "deterministic"},
                                         DeviceConfig{"fake-cuda", "threaded"},
                                         DeviceConfig{"fake-hip", "deterministic"},
                                         DeviceConfig{"fake-hip", "threaded"}),
                         ConfigName);

TEST_P(GpuQueueDataTest, ConsumerSubmittedFirstSeesTheProducersData) {
  for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
    SCOPED_TRACE(mode == CommandBufferMode::kGraph ? "graph" : "stream");
    device_.reset();
    device_ = OpenDevice("queues=2");
    ASSERT_TRUE(device_);
    Pipeline pipeline = MakePipeline(mode);
    Ref<Semaphore> gate = HostSemaphore();
    Ref<Semaphore> produced = DeviceSemaphore();
    Ref<Semaphore> consumed = DeviceSemaphore();
    // The caller's command buffer array changes right after submission (reference
    // mistake 3): the consumer must still run what was submitted.
    auto consumers = std::make_unique<std::vector<CommandBuffer*>>(1, pipeline.consume.get());
    ASSERT_OK(device_
                    ->QueueExecute(2, std::vector<SemaphorePoint>{{produced.get(), 1}},
                                   std::vector<SemaphorePoint>{{consumed.get(), 1}}, *consumers)
                    );
    (*consumers)[0] = pipeline.produce.get();
    consumers.reset();
    ASSERT_OK(Execute(1, {{gate.get(), 1}}, {{produced.get(), 1}}, *pipeline.produce));
    LetDeviceRun(*device_);
    EXPECT_FALSE(Reached(*consumed, 1));
    ASSERT_OK(gate->Signal(1));
    ASSERT_OK(WaitLong(*consumed, 1));
    ExpectCopied(pipeline);
  }
}

TEST_P(GpuQueueDataTest, GpuSideWaitOrdersTheConsumerAfterTheProducer) {
  for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
    SCOPED_TRACE(mode == CommandBufferMode::kGraph ? "graph" : "stream");
    device_.reset();
    device_ = OpenDevice("queues=2");
    ASSERT_TRUE(device_);
    Pipeline pipeline = MakePipeline(mode);
    Ref<Semaphore> produced = DeviceSemaphore();
    Ref<Semaphore> consumed = DeviceSemaphore();
    diagnostics(*device_).SetCompletionPausedForTesting(true);
    ASSERT_OK(Execute(1, {}, {{produced.get(), 1}}, *pipeline.produce));
    ASSERT_OK(Execute(2, {{produced.get(), 1}}, {{consumed.get(), 1}}, *pipeline.consume));
    EXPECT_EQ(counts().actions.device_event_waits, 1u);
    diagnostics(*device_).SetCompletionPausedForTesting(false);
    ASSERT_OK(WaitLong(*consumed, 1));
    ExpectCopied(pipeline);
  }
}

// Ordering at scale --------------------------------------------------------------------

TEST_P(GpuQueueTest, ChainOfHundredSubmissions) {
  Ref<Semaphore> timeline = DeviceSemaphore();
  for (uint64_t i = 0; i < 100; ++i) {
    ASSERT_OK(Barrier({{timeline.get(), i}}, {{timeline.get(), i + 1}}));
  }
  EXPECT_OK(WaitLong(*timeline, 100));
}

TEST_P(GpuQueueTest, ChainOfHundredSubmissionsInReverseOrder) {
  Ref<Semaphore> gate = HostSemaphore();
  std::vector<Ref<Semaphore>> links;
  for (int i = 0; i <= 100; ++i) links.push_back(i % 2 ? HostSemaphore() : DeviceSemaphore());
  // Link i waits on link i-1 and signals link i; submitted last link first.
  for (int i = 100; i >= 1; --i) {
    ASSERT_OK(Barrier({{links[i - 1].get(), 1}}, {{links[i].get(), 1}}));
  }
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{links[0].get(), 1}}));
  EXPECT_EQ(counts().actions.pending_actions, 101u);
  ASSERT_OK(gate->Signal(1));
  EXPECT_OK(WaitLong(*links[100], 1));
}

TEST_P(GpuQueueTest, FanOutFanIn) {
  device_.reset();
  device_ = OpenDevice("queues=3");
  ASSERT_TRUE(device_);
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> root = DeviceSemaphore();
  Ref<Semaphore> joined = DeviceSemaphore();
  std::vector<Ref<Semaphore>> branches;
  std::vector<SemaphorePoint> branch_points;
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{root.get(), 1}}, 1));
  for (int i = 0; i < 12; ++i) {
    branches.push_back(i % 3 == 2 ? HostSemaphore() : DeviceSemaphore());
    branch_points.push_back({branches.back().get(), 1});
    ASSERT_OK(Barrier({{root.get(), 1}}, {{branches.back().get(), 1}}, QueueAffinity{1} << (i % 3)));
  }
  ASSERT_OK(device_->QueueBarrier(4, branch_points, std::vector<SemaphorePoint>{{joined.get(), 1}}));
  EXPECT_FALSE(Reached(*joined, 1));
  ASSERT_OK(gate->Signal(1));
  EXPECT_OK(WaitLong(*joined, 1));
  for (Ref<Semaphore>& branch : branches) EXPECT_EQ(*branch->Query(), 1u);
}

TEST_P(GpuQueueTest, LargerSignalSatisfiesSmallerWait) {
  Ref<Semaphore> device_timeline = DeviceSemaphore();
  Ref<Semaphore> host_timeline = HostSemaphore();
  Ref<Semaphore> from_device = DeviceSemaphore();
  Ref<Semaphore> from_host = DeviceSemaphore();
  ASSERT_OK(Barrier({{device_timeline.get(), 3}}, {{from_device.get(), 1}}));
  ASSERT_OK(Barrier({{host_timeline.get(), 3}}, {{from_host.get(), 1}}));
  ASSERT_OK(Barrier({}, {{device_timeline.get(), 5}}));
  ASSERT_OK(host_timeline->Signal(5));
  EXPECT_OK(WaitLong(*from_device, 1));
  EXPECT_OK(WaitLong(*from_host, 1));
  // And a wait submitted after the larger signal was issued.
  Ref<Semaphore> late = DeviceSemaphore();
  ASSERT_OK(Barrier({{device_timeline.get(), 4}}, {{late.get(), 1}}));
  EXPECT_OK(WaitLong(*late, 1));
}

TEST_P(GpuQueueTest, MultiSemaphoreWaitsAllAndAnyWithTimeouts) {
  Ref<Semaphore> first = DeviceSemaphore();
  Ref<Semaphore> second = HostSemaphore();
  Ref<Semaphore> gate = HostSemaphore();
  const std::vector<SemaphorePoint> both = {{first.get(), 1}, {second.get(), 1}};
  EXPECT_TRUE(IsDeadlineExceeded(
      device_->WaitSemaphores(WaitMode::kAll, both, Timeout::After(milliseconds(10)))));
  EXPECT_TRUE(
      IsDeadlineExceeded(device_->WaitSemaphores(WaitMode::kAny, both, Timeout::Immediate())));
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{first.get(), 1}}));
  ASSERT_OK(gate->Signal(1));
  EXPECT_OK(device_->WaitSemaphores(WaitMode::kAny, both, Timeout::After(kLongWait)));
  Result<size_t> index = WaitAnySemaphore(both, Timeout::After(kLongWait));
  ASSERT_OK(index);
  EXPECT_EQ(*index, 0u);
  EXPECT_TRUE(IsDeadlineExceeded(
      device_->WaitSemaphores(WaitMode::kAll, both, Timeout::After(milliseconds(10)))));
  ASSERT_OK(second->Signal(1));
  EXPECT_OK(device_->WaitSemaphores(WaitMode::kAll, both, Timeout::After(kLongWait)));
}

TEST_P(GpuQueueTest, SemaphoresOfAnotherDeviceWorkThroughTheHost) {
  other_device_ = OpenDevice("");
  ASSERT_TRUE(other_device_);
  Ref<Semaphore> theirs = DeviceSemaphore(0, other_device_.get());
  Ref<Semaphore> ours = DeviceSemaphore();
  ASSERT_OK(Barrier({{theirs.get(), 1}}, {{ours.get(), 1}}));
  ASSERT_OK(other_device_->QueueBarrier(kAnyQueue, {}, std::vector<SemaphorePoint>{{theirs.get(), 1}})
          );
  EXPECT_OK(WaitLong(*ours, 1));
  EXPECT_EQ(counts().actions.device_event_waits, 0u);
  // Our queue may also signal their semaphore.
  ASSERT_OK(Barrier({}, {{theirs.get(), 2}}));
  EXPECT_OK(WaitLong(*theirs, 2));
  ExpectQuiescent(*other_device_);
}

// Failure propagation -------------------------------------------------------------------

TEST_P(GpuQueueTest, HostFailureReachesEveryDownstreamSemaphore) {
  Ref<Semaphore> upstream = HostSemaphore();
  Ref<Semaphore> first = DeviceSemaphore();
  Ref<Semaphore> second = DeviceSemaphore();
  Ref<Semaphore> last = HostSemaphore();
  Ref<Semaphore> bystander = DeviceSemaphore();
  ASSERT_OK(Barrier({{upstream.get(), 1}}, {{first.get(), 1}}));
  ASSERT_OK(Barrier({{first.get(), 1}}, {{second.get(), 1}, {bystander.get(), 1}}));
  ASSERT_OK(Barrier({{second.get(), 1}}, {{last.get(), 1}}));

  std::thread waiter([&] {
    const Status status = WaitLong(*last, 1);
    EXPECT_TRUE(IsAborted(status)) << status;
  });
  upstream->Fail(AbortedError("upstream gave up"));
  waiter.join();
  for (Semaphore* semaphore : {first.get(), second.get(), last.get(), bystander.get()}) {
    Result<uint64_t> value = semaphore->Query();
    ASSERT_FALSE(value.ok());
    EXPECT_TRUE(IsAborted(value.status()));
    EXPECT_NE(value.status().message().find("upstream gave up"), std::string_view::npos);
  }
  // Work submitted after the failure fails at once, without running.
  Ref<Semaphore> later = DeviceSemaphore();
  ASSERT_OK(Barrier({{second.get(), 1}}, {{later.get(), 1}}));
  EXPECT_TRUE(IsAborted(WaitLong(*later, 1)));
}

TEST_P(GpuQueueTest, DeviceFaultReachesDownstreamSemaphoresAndHostWaiters) {
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  Ref<Semaphore> after = HostSemaphore();
  // The consumer is issued with a GPU-side wait before the producer's fault is seen; it
  // must still fail its signals.
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(Barrier({}, {{produced.get(), 1}}));
  ASSERT_OK(Barrier({{produced.get(), 1}}, {{consumed.get(), 1}}));
  ASSERT_OK(Barrier({{consumed.get(), 1}}, {{after.get(), 1}}));
  EXPECT_EQ(counts().actions.device_event_waits, 2u);
  ASSERT_OK(fake::InjectLaunchFailureOnNextEventWait(*device_));
  ResumeCompletionEagerly(*device_);
  EXPECT_FALSE(WaitLong(*produced, 1).ok());
  EXPECT_FALSE(WaitLong(*consumed, 1).ok());
  EXPECT_FALSE(WaitLong(*after, 1).ok());
  EXPECT_FALSE(after->Query().ok());
}

// Found by the timeline properties (P4): a submission pending on a host-driven wait
// must not take a GPU-side wait on another semaphore's recorded signal and stop watching
// that semaphore; when the signalling work faults, the submission fails at once rather
// than when its host wait is finally satisfied.
TEST_P(GpuQueueTest, PendingSubmissionFailsAtOnceWhenTheWorkItAlsoWaitsOnFaults) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  ASSERT_OK(Barrier({{gate.get(), 1}, {produced.get(), 1}}, {{consumed.get(), 1}}));
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(Barrier({}, {{produced.get(), 1}}));
  // The producer's signal is recorded, but the consumer is still held by the gate: it
  // takes no event yet.
  EXPECT_EQ(counts().actions.pending_actions, 1u);
  EXPECT_EQ(counts().actions.device_event_waits, 0u);
  ASSERT_OK(fake::InjectLaunchFailureOnNextEventWait(*device_));
  ResumeCompletionEagerly(*device_);
  EXPECT_FALSE(WaitLong(*produced, 1).ok());
  const Status consumer = WaitLong(*consumed, 1);
  EXPECT_FALSE(consumer.ok());
  EXPECT_FALSE(IsDeadlineExceeded(consumer)) << consumer;
  EXPECT_EQ(counts().actions.pending_actions, 0u);
  ExpectQuiescent(*device_);
}

// Found by the timeline properties (P6) after the change above: when the gate opens, the
// consumer's one remaining wait is on a recorded device signal, so it must be issued at
// once with a GPU-side wait, not held until the host sees the producer complete.
TEST_P(GpuQueueTest, GateOpeningLastIssuesAtOnceOnARecordedDeviceSignal) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> produced = DeviceSemaphore();
  Ref<Semaphore> consumed = DeviceSemaphore();
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(Barrier({}, {{produced.get(), 1}}));
  ASSERT_OK(Barrier({{produced.get(), 1}, {gate.get(), 1}}, {{consumed.get(), 1}}));
  EXPECT_EQ(counts().actions.pending_actions, 1u);
  EXPECT_EQ(counts().actions.device_event_waits, 0u);
  ASSERT_OK(gate->Signal(1));
  const GpuDeviceCounts now = counts();
  EXPECT_EQ(now.actions.pending_actions, 0u);
  EXPECT_EQ(now.in_flight_actions, 2u);
  EXPECT_EQ(now.actions.device_event_waits, 1u);
  EXPECT_EQ(*produced->Query(), 0u);
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  EXPECT_OK(WaitLong(*consumed, 1));
}

// A host waiter watching a device signal's event must return once the semaphore fails,
// even though that event never completes (on the simulated GPU a failed completion wait
// leaves the work unrun); the failure, not a timeout, is the answer.
TEST_P(GpuQueueTest, HostWaitOnAFaultedSignalReturnsTheFailureBeforeItsDeadline) {
  Ref<Semaphore> produced = DeviceSemaphore();
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  ASSERT_OK(Barrier({}, {{produced.get(), 1}}));
  ASSERT_OK(fake::InjectLaunchFailureOnNextEventWait(*device_));
  ResumeCompletionEagerly(*device_);
  const auto start = std::chrono::steady_clock::now();
  const Status status = produced->Wait(1, Timeout::After(std::chrono::seconds(5)));
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(IsDeadlineExceeded(status)) << status;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_P(GpuQueueTest, LostDeviceFailsWorkInsteadOfHanging) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> produced = DeviceSemaphore();
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{produced.get(), 1}}));
  ASSERT_EQ(fake::SimulatedEngineOf(*device_)->InjectDeviceLost(0), fake::Error::kOk);
  ASSERT_OK(gate->Signal(1));
  EXPECT_FALSE(WaitLong(*produced, 1).ok());
}

TEST_P(GpuQueueTest, DestroyingTheDeviceFailsPendingWork) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> produced = DeviceSemaphore();
  ASSERT_OK(Barrier({{gate.get(), 1}}, {{produced.get(), 1}}));
  device_.reset();
  EXPECT_TRUE(IsCancelled(produced->Wait(1, Timeout::Immediate())));
}

// Allocation ----------------------------------------------------------------------------

TEST_P(GpuQueueTest, AllocaDeallocaCyclesOrderedBySemaphoresDoNotBlock) {
  Ref<Semaphore> gate = HostSemaphore();
  Ref<Semaphore> timeline = DeviceSemaphore();
  constexpr uint64_t kCycles = 20;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < kCycles; ++i) {
    const std::vector<SemaphorePoint> alloca_waits =
        i == 0 ? std::vector<SemaphorePoint>{{gate.get(), 1}}
               : std::vector<SemaphorePoint>{{timeline.get(), 3 * i}};
    Result<Ref<Buffer>> buffer =
        device_->QueueAlloca(kAnyQueue, alloca_waits,
                             std::vector<SemaphorePoint>{{timeline.get(), 3 * i + 1}}, {}, 4096);
    ASSERT_OK(buffer) << buffer.status();
    ASSERT_OK(Barrier({{timeline.get(), 3 * i + 1}}, {{timeline.get(), 3 * i + 2}}));
    ASSERT_OK(device_
            ->QueueDealloca(kAnyQueue, std::vector<SemaphorePoint>{{timeline.get(), 3 * i + 2}},
                            std::vector<SemaphorePoint>{{timeline.get(), 3 * i + 3}}, **buffer)
            );
  }
  // Everything was accepted while the first wait is still unsatisfied.
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  EXPECT_EQ(*timeline->Query(), 0u);
  ASSERT_OK(gate->Signal(1));
  EXPECT_OK(WaitLong(*timeline, 3 * kCycles));
}

TEST_P(GpuQueueTest, AllocaBufferHoldsDataUntilDeallocated) {
  for (const char* async : {"async_alloc=1", "async_alloc=0"}) {
    SCOPED_TRACE(async);
    device_.reset();
    device_ = OpenDevice(async);
    ASSERT_TRUE(device_);
    Ref<Semaphore> timeline = DeviceSemaphore();
    Result<Ref<Buffer>> buffer = device_->QueueAlloca(
        kAnyQueue, {}, std::vector<SemaphorePoint>{{timeline.get(), 1}}, {}, 256);
    ASSERT_OK(buffer) << buffer.status();
    ASSERT_OK(WaitLong(*timeline, 1));
    std::vector<std::byte> written(256), read(256);
    for (size_t i = 0; i < written.size(); ++i) written[i] = std::byte(i * 7);
    ASSERT_OK(device_->WriteBuffer(written, **buffer, 0));
    ASSERT_OK(device_->ReadBuffer(**buffer, 0, read));
    EXPECT_EQ(written, read);
    ASSERT_OK(device_
                    ->QueueDealloca(kAnyQueue, {}, std::vector<SemaphorePoint>{{timeline.get(), 2}},
                                    **buffer)
                    );
    EXPECT_OK(WaitLong(*timeline, 2));
    ExpectQuiescent(*device_);
  }
}

// Buffers and transfers -----------------------------------------------------------------

TEST_P(GpuQueueTest, DeviceLocalBuffersAndSubspansRoundTrip) {
  Result<Ref<Buffer>> buffer = device_->AllocateBuffer({}, 1024);
  ASSERT_OK(buffer) << buffer.status();
  Result<Ref<Buffer>> view = (*buffer)->Subspan(256, 128);
  ASSERT_OK(view);
  std::vector<std::byte> zeros(1024), pattern(128, std::byte{0x5a}), read(1024);
  ASSERT_OK(device_->WriteBuffer(zeros, **buffer, 0));
  ASSERT_OK(device_->WriteBuffer(pattern, **view, 0));
  ASSERT_OK(device_->ReadBuffer(**buffer, 0, read));
  for (size_t i = 0; i < read.size(); ++i) {
    ASSERT_EQ(read[i], i >= 256 && i < 384 ? std::byte{0x5a} : std::byte{0}) << i;
  }
  EXPECT_TRUE(IsOutOfRange(device_->ReadBuffer(**view, 64, std::span(read).first(128))));
  EXPECT_FALSE((*buffer)->Map(MappingAccess::kRead).ok());
}

TEST_P(GpuQueueTest, HostVisibleBuffersMapAndMatchTransfers) {
  BufferParams params;
  params.type = MemoryType::kHostLocal;
  params.usage = BufferUsage::kDefault | BufferUsage::kMapping;
  Result<Ref<Buffer>> buffer = device_->AllocateBuffer(params, 64);
  ASSERT_OK(buffer) << buffer.status();
  {
    Result<MappedMemory> mapped = (*buffer)->Map(MappingAccess::kWrite);
    ASSERT_OK(mapped) << mapped.status();
    for (size_t i = 0; i < 64; ++i) mapped->data()[i] = std::byte(i);
  }
  std::vector<std::byte> read(16);
  ASSERT_OK(device_->ReadBuffer(**buffer, 8, read));
  for (size_t i = 0; i < read.size(); ++i) EXPECT_EQ(read[i], std::byte(i + 8));
}

TEST_P(GpuQueueTest, LargeTransfersAreChunked) {
  constexpr size_t kBytes = (size_t{9} << 20) + 3;
  Result<Ref<Buffer>> buffer = device_->AllocateBuffer({}, kBytes);
  ASSERT_OK(buffer) << buffer.status();
  std::vector<std::byte> written(kBytes), read(kBytes);
  for (size_t i = 0; i < kBytes; ++i) written[i] = std::byte(i * 131 >> 3);
  ASSERT_OK(device_->WriteBuffer(written, **buffer, 0));
  ASSERT_OK(device_->ReadBuffer(**buffer, 0, read));
  EXPECT_TRUE(written == read);
}

// A transfer whose chunk fails after its copy was enqueued (no event to record it with,
// the record or the wait for it failing) must not free the staging memory the copy still
// reads or writes: the copy would run on freed pinned memory, which the simulated GPU
// reports as a sticky illegal address (and ASan as a use after free). Afterwards the
// device works and the memory is back.
TEST_P(GpuQueueTest, FailedTransfersKeepTheirStagingUntilTheCopyIsDone) {
  struct Case {
    const char* cuda_entry_point;
    bool read;
  };
  const Case cases[] = {{"cuEventCreate", false},      {"cuEventCreate", true},
                        {"cuEventRecord", false},      {"cuEventRecord", true},
                        {"cuEventSynchronize", false}, {"cuEventSynchronize", true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.cuda_entry_point << (c.read ? " read" : " write"));
    // No idle events: every chunk creates its event.
    device_ = OpenDevice("event_pool=0");
    ASSERT_TRUE(device_);
    constexpr size_t kBytes = 4096;
    Result<Ref<Buffer>> buffer = device_->AllocateBuffer({}, kBytes);
    ASSERT_OK(buffer) << buffer.status();
    std::vector<std::byte> old_bytes(kBytes, std::byte{0x11}), new_bytes(kBytes, std::byte{0x22});
    ASSERT_OK(device_->WriteBuffer(old_bytes, **buffer, 0));

    fake::Engine& engine = *fake::SimulatedEngineOf(*device_);
    Result<fake::FakeErrorCodes> codes = fake::FakeErrorCodesOf(*device_);
    Result<std::string> entry_point = fake::FakeEntryPointName(*device_, c.cuda_entry_point);
    ASSERT_TRUE(codes.ok() && entry_point.ok());
    fake::FaultRule rule;
    rule.entry_point = *entry_point;
    rule.error_code = codes->out_of_memory;
    rule.nth_call = 1;
    engine.fault_injector().AddRule(rule);
    std::vector<std::byte> read(kBytes);
    const Status failed = c.read ? device_->ReadBuffer(**buffer, 0, read)
                                 : device_->WriteBuffer(new_bytes, **buffer, 0);
    EXPECT_FALSE(failed.ok()) << "the injected failure was not reported";
    engine.fault_injector().Clear();

    // The device is unharmed: no fault from a copy on freed memory, and transfers work.
    std::string fault;
    EXPECT_EQ(engine.DeviceFault(0, &fault), fake::Error::kOk) << fault;
    ASSERT_OK(device_->WriteBuffer(new_bytes, **buffer, 0));
    ASSERT_OK(device_->ReadBuffer(**buffer, 0, read));
    EXPECT_TRUE(read == new_bytes);
    buffer->reset();
    ExpectQuiescent(*device_);
    device_.reset();
    EXPECT_EQ(allocator_.live_bytes(), 0u);
  }
}

// Submissions: what QueueExecute refuses at the call --------------------------------------

// A queue signal must raise its semaphore, as a host Signal must: one at or below the
// current value is OUT_OF_RANGE when submitted, and nothing is submitted.
TEST_P(GpuQueueTest, QueueSignalsMustRaiseTheValueAsHostSignalsMust) {
  Ref<Semaphore> timeline = DeviceSemaphore(5);
  Ref<Semaphore> untouched = DeviceSemaphore(0);
  EXPECT_EQ(timeline->Signal(5).code(), StatusCode::kOutOfRange);
  for (uint64_t value : {uint64_t{0}, uint64_t{4}, uint64_t{5}}) {
    SCOPED_TRACE(::testing::Message() << "signal to " << value);
    EXPECT_EQ(Barrier({}, {{untouched.get(), 1}, {timeline.get(), value}}).code(),
              StatusCode::kOutOfRange);
    Result<Ref<Buffer>> buffer = device_->QueueAlloca(
        kAnyQueue, {}, std::vector<SemaphorePoint>{{timeline.get(), value}}, {}, 64);
    EXPECT_EQ(buffer.status().code(), StatusCode::kOutOfRange);
  }
  // Nothing ran: the other signal of the refused submissions was never reached.
  std::this_thread::sleep_for(milliseconds(5));
  if (!threaded()) LetDeviceRun(*device_);
  EXPECT_FALSE(Reached(*untouched, 1));
  ASSERT_OK(Barrier({}, {{timeline.get(), 6}}));
  EXPECT_OK(WaitLong(*timeline, 6));
  // A failed semaphore is accepted (its failure is what the submission's waiters see).
  Ref<Semaphore> failed = DeviceSemaphore(3);
  failed->Fail(AbortedError("given up"));
  EXPECT_OK(Barrier({}, {{failed.get(), 1}}));
}

TEST_P(GpuQueueTest, BuffersOfAnotherDeviceAreRejected) {
  other_device_ = OpenDevice("");
  ASSERT_TRUE(other_device_);
  Result<Ref<Buffer>> theirs = other_device_->AllocateBuffer({}, 64);
  ASSERT_OK(theirs);
  std::vector<std::byte> bytes(64);
  EXPECT_TRUE(IsInvalidArgument(device_->ReadBuffer(**theirs, 0, bytes)));
  EXPECT_TRUE(IsInvalidArgument(device_->QueueDealloca(kAnyQueue, {}, {}, **theirs)));
}

// Parameters and unimplemented parts ---------------------------------------------------

TEST_P(GpuQueueTest, UriParametersAreParsedAndCheckedByName) {
  Ref<Device> tuned =
      OpenDevice("mode=stream&event_pool=4&arena_block=4096&queues=2&async_alloc=0");
  ASSERT_TRUE(tuned);
  EXPECT_EQ(tuned->params().command_buffer_mode, CommandBufferMode::kStream);
  EXPECT_EQ(tuned->params().event_pool_capacity, 4u);
  EXPECT_EQ(tuned->params().arena_block_size, 4096u);
  EXPECT_EQ(tuned->params().queue_count, 2u);
  EXPECT_FALSE(tuned->params().async_allocations);
  EXPECT_TRUE(tuned->info().simulated);
  ExpectQuiescent(*tuned);
  tuned.reset();

  for (const char* bad : {"colour=blue", "mode=fast", "queues=0", "event_pool=x", "async_alloc=2",
                          "arena_block=16", "schedule=random"}) {
    Result<Ref<Device>> device = registry_.CreateDevice(Uri(bad), allocator_);
    ASSERT_FALSE(device.ok()) << bad;
    EXPECT_TRUE(IsInvalidArgument(device.status())) << device.status();
    const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    EXPECT_NE(device.status().message().find(key), std::string_view::npos) << device.status();
  }
  Result<Ref<Device>> missing =
      registry_.CreateDevice(std::string(GetParam().scheme) + "://3", allocator_);
  EXPECT_TRUE(IsNotFound(missing.status())) << missing.status();
}

TEST_P(GpuQueueTest, QueueAffinityMustNameAQueue) {
  Ref<Semaphore> done = DeviceSemaphore();
  EXPECT_TRUE(IsInvalidArgument(Barrier({}, {{done.get(), 1}}, /*affinity=*/2)));
  EXPECT_TRUE(IsInvalidArgument(Barrier({}, {{nullptr, 1}})));
  EXPECT_OK(device_->QueueFlush(kAnyQueue));
}

// Collectives themselves are tested in collective_test.cc; here only that a device of
// either schedule opens its NCCL/RCCL and makes a one-participant channel.
TEST_P(GpuQueueTest, ChannelOfOneParticipant) {
  Result<ChannelId> id = device_->CreateChannelId();
  ASSERT_OK(id) << id.status();
  ChannelParams params;
  params.id = *id;
  params.count = 1;
  Result<Ref<Channel>> channel = device_->CreateChannel(params);
  ASSERT_OK(channel) << channel.status();
  EXPECT_EQ((*channel)->rank(), 0);
  EXPECT_EQ((*channel)->count(), 1);
  params.rank = 1;
  EXPECT_TRUE(IsInvalidArgument(device_->CreateChannel(params).status()));
}

TEST_P(GpuQueueTest, EventPoolBeyondCapacityReturnsToItsBounds) {
  device_.reset();
  device_ = OpenDevice("event_pool=2");
  ASSERT_TRUE(device_);
  Ref<Semaphore> timeline = DeviceSemaphore();
  diagnostics(*device_).SetCompletionPausedForTesting(true);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_OK(Barrier({}, {{timeline.get(), i}}));
  EXPECT_EQ(counts().acquired_events, 10u);
  diagnostics(*device_).SetCompletionPausedForTesting(false);
  ASSERT_OK(WaitLong(*timeline, 10));
  ExpectQuiescent(*device_);
  EXPECT_LE(counts().live_events, 2u);
}

}  // namespace
}  // namespace gpuhal::gpu
