// Many threads submitting at once. Each of 8-16 host threads records and submits its own
// chain of dispatches across a device's three queues; a dispatch adds its own previous
// output to the output of another thread's dispatch, waiting for both on their threads'
// chain semaphores (so data passes between threads, in both directions of wait and
// signal order), some dispatches also wait on a host semaphore that the main thread
// fails midway, and threads wait on any or all of several semaphores as they go. On the
// threaded simulated GPU, with sparse completion forced on and off and vendor calls'
// timing perturbed from a seed (CallJitter), so that the windows between two calls of
// one submission are entered by other threads. Checked: every dispatch either succeeds
// with exactly the bytes its inputs determine, or fails, and fails whenever one of its
// inputs failed; nothing hangs; the device is quiescent and its memory back at the end.
// CI runs it under ThreadSanitizer. A RapidCheck property runs generated variants.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backends/gpu/gpu_device_diagnostics.h"
#include "conformance/kernels/conformance_kernels.h"
#include "fakes/drivers/fake_drivers.h"
#include "gpuhal/gpuhal.h"

namespace gpuhal::concurrency {
namespace {

using std::chrono::seconds;

constexpr uint32_t kQueues = 3;
constexpr uint32_t kWords = 64;  // per output buffer
constexpr auto kWait = seconds(30);

// What one run does: generated from a seed (the test) or by RapidCheck (the property).
struct Plan {
  struct Step {
    int cross_thread = -1;  // -1: no input from another thread
    int cross_step = 0;     // the other thread's step whose output is the second input
    bool poisoned = false;  // also waits on the host semaphore the main thread fails
    bool wait_any_after = false;  // the thread then waits on any of its last two points
  };
  const char* scheme = "fake-cuda";
  CommandBufferMode mode = CommandBufferMode::kGraph;
  bool sparse_completion = false;
  uint64_t jitter_seed = 1;
  std::vector<std::vector<Step>> threads;  // steps of each thread, in submission order
};

std::string Describe(const Plan& plan) {
  std::ostringstream out;
  out << plan.scheme << (plan.mode == CommandBufferMode::kGraph ? " graph" : " stream")
      << (plan.sparse_completion ? " sparse" : " eager") << " jitter=" << plan.jitter_seed
      << ", " << plan.threads.size() << " threads:";
  for (size_t t = 0; t < plan.threads.size(); ++t) {
    out << "\n  thread " << t << ":";
    for (const Plan::Step& step : plan.threads[t]) {
      out << " [";
      if (step.cross_thread >= 0) out << "+" << step.cross_thread << "." << step.cross_step;
      if (step.poisoned) out << " poison";
      if (step.wait_any_after) out << " any";
      out << "]";
    }
  }
  return out.str();
}

// Inputs of other threads come only from lower-numbered threads, so the waits form no
// cycle whatever the submission order.
Plan PlanFromSeed(uint64_t seed, const char* scheme, CommandBufferMode mode, bool sparse,
                  int thread_count) {
  std::mt19937_64 random(seed);
  auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  Plan plan;
  plan.scheme = scheme;
  plan.mode = mode;
  plan.sparse_completion = sparse;
  plan.jitter_seed = seed + 1;
  plan.threads.resize(thread_count);
  for (int t = 0; t < thread_count; ++t) {
    const int steps = 4 + static_cast<int>(random() % 5);
    for (int i = 0; i < steps; ++i) {
      Plan::Step step;
      if (t > 0 && chance(60)) {
        step.cross_thread = static_cast<int>(random() % t);
        step.cross_step = static_cast<int>(random() % 4);  // every thread has 4 or more
      }
      step.poisoned = chance(2);
      step.wait_any_after = chance(20);
      plan.threads[t].push_back(step);
    }
  }
  return plan;
}

// The value a step writes to word k of its output when both inputs succeeded.
uint32_t Scale(int t) { return 2u + static_cast<uint32_t>(t % 3); }
uint32_t Bias(int t, int i) { return static_cast<uint32_t>(t * 131 + i * 7 + 1); }
uint32_t SeedWord(int t, uint32_t k) { return static_cast<uint32_t>(t * 1000) + k; }

class PlanRun {
 public:
  explicit PlanRun(const Plan& plan) : plan_(plan) {}

  size_t verified() const { return verified_; }
  size_t failed() const { return failed_; }

  // Empty when everything held; otherwise what did not.
  std::vector<std::string> Execute() {
    Setup();
    if (!problems_.empty()) return problems_;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < plan_.threads.size(); ++t) {
      threads.emplace_back([&, t] {
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        SubmitChain(static_cast<int>(t));
      });
    }
    go.store(true, std::memory_order_release);
    // The poisoned steps wait on `poison_`: fail it while the threads still submit.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    poison_->Fail(AbortedError("the main thread failed the poison semaphore"));
    for (std::thread& thread : threads) thread.join();
    Check();
    Teardown();
    return problems_;
  }

 private:
  struct StepState {
    Ref<Buffer> out;
    Ref<Semaphore> done;
    Status outcome;
  };

  void Problem(std::string what) {
    std::lock_guard<std::mutex> lock(problems_mutex_);
    problems_.push_back(std::move(what));
  }

  void Setup() {
    if (!fake::RegisterFakeDrivers(registry_).ok()) return Problem("registering the fake drivers");
    const std::string uri = std::string(plan_.scheme) +
                            "://0?schedule=threaded&queues=" + std::to_string(kQueues) +
                            "&jitter=" + std::to_string(plan_.jitter_seed) + "&mode=" +
                            (plan_.mode == CommandBufferMode::kGraph ? "graph" : "stream");
    Result<Ref<Device>> device = registry_.CreateDevice(uri, allocator_);
    if (!device.ok()) return Problem("CreateDevice: " + device.status().ToString());
    device_ = *device;
    if (plan_.sparse_completion) {
      gpu::DiagnosticsOf(*device_)->ForceSparseCompletionForTesting(true);
    }
    const DescriptorSetLayoutBinding set0[] = {{0}, {3}};
    const DescriptorSetLayoutBinding set1[] = {{0}};
    Result<Ref<DescriptorSetLayout>> inputs = device_->CreateDescriptorSetLayout(set0);
    Result<Ref<DescriptorSetLayout>> outputs = device_->CreateDescriptorSetLayout(set1);
    if (!inputs.ok() || !outputs.ok()) return Problem("descriptor set layouts");
    DescriptorSetLayout* sets[] = {inputs->get(), outputs->get()};
    Result<Ref<PipelineLayout>> layout = device_->CreatePipelineLayout(sets, 3);
    if (!layout.ok()) return Problem("pipeline layout: " + layout.status().ToString());
    layout_ = *layout;
    const std::vector<uint8_t> container = kernels::BuildKernelContainer({"cts_scale_add"});
    PipelineLayout* layouts[] = {layout_.get()};
    ExecutableParams params;
    params.container = container;
    params.pipeline_layouts = layouts;
    Result<Ref<Executable>> executable = device_->LoadExecutable(params);
    if (!executable.ok()) return Problem("LoadExecutable: " + executable.status().ToString());
    executable_ = *executable;
    Result<Ref<Semaphore>> poison = CreateHostSemaphore(0, allocator_);
    if (!poison.ok()) return Problem("poison semaphore");
    poison_ = *poison;
    Result<Ref<Buffer>> zeros = device_->AllocateBuffer({}, kWords * 4);
    if (!zeros.ok()) return Problem("zeros buffer");
    zeros_ = *zeros;
    std::vector<uint32_t> zero_words(kWords, 0);
    if (!device_->WriteBuffer(std::as_bytes(std::span(zero_words)), *zeros_, 0).ok()) {
      return Problem("writing the zeros buffer");
    }
    const size_t thread_count = plan_.threads.size();
    chains_.resize(thread_count);
    seeds_.resize(thread_count);
    steps_.resize(thread_count);
    for (size_t t = 0; t < thread_count; ++t) {
      Result<Ref<Semaphore>> chain = device_->CreateSemaphore(0);
      Result<Ref<Buffer>> seed = device_->AllocateBuffer({}, kWords * 4);
      if (!chain.ok() || !seed.ok()) return Problem("per-thread objects");
      chains_[t] = *chain;
      seeds_[t] = *seed;
      std::vector<uint32_t> words(kWords);
      for (uint32_t k = 0; k < kWords; ++k) words[k] = SeedWord(static_cast<int>(t), k);
      if (!device_->WriteBuffer(std::as_bytes(std::span(words)), *seeds_[t], 0).ok()) {
        return Problem("writing a seed buffer");
      }
      // Every step's output and semaphore exist before any thread starts: another
      // thread may wait on them before this one submits.
      for (size_t i = 0; i < plan_.threads[t].size(); ++i) {
        Result<Ref<Buffer>> out = device_->AllocateBuffer({}, kWords * 4);
        Result<Ref<Semaphore>> done = device_->CreateSemaphore(0);
        if (!out.ok() || !done.ok()) return Problem("per-step objects");
        steps_[t].push_back({*out, *done, OkStatus()});
      }
    }
  }

  Status RecordStep(int t, int i, CommandBuffer& commands) {
    const Plan::Step& step = plan_.threads[t][i];
    Buffer& x = i == 0 ? *seeds_[t] : *steps_[t][i - 1].out;
    Buffer& y = step.cross_thread >= 0 ? *steps_[step.cross_thread][step.cross_step].out
                                       : *zeros_;
    const BufferBinding inputs[] = {{0, &x}, {3, &y}};
    const BufferBinding outputs[] = {{0, steps_[t][i].out.get()}};
    const uint32_t constants[] = {Scale(t), Bias(t, i), kWords};
    GPUHAL_RETURN_IF_ERROR(commands.Begin());
    GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(*layout_, 0, inputs));
    GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(*layout_, 1, outputs));
    GPUHAL_RETURN_IF_ERROR(commands.PushConstants(
        *layout_, 0, {reinterpret_cast<const uint8_t*>(constants), sizeof(constants)}));
    GPUHAL_RETURN_IF_ERROR(
        commands.Dispatch(*executable_, 0, {kernels::WorkgroupsFor(kWords), 1, 1}));
    return commands.End();
  }

  void SubmitChain(int t) {
    for (int i = 0; i < static_cast<int>(plan_.threads[t].size()); ++i) {
      const Plan::Step& step = plan_.threads[t][i];
      CommandBufferParams params;
      params.mode = plan_.mode;
      Result<Ref<CommandBuffer>> commands = device_->CreateCommandBuffer(params);
      if (!commands.ok()) return Problem("CreateCommandBuffer: " + commands.status().ToString());
      if (Status recorded = RecordStep(t, i, **commands); !recorded.ok()) {
        return Problem("recording thread " + std::to_string(t) + " step " + std::to_string(i) +
                       ": " + recorded.ToString());
      }
      std::vector<SemaphorePoint> waits;
      if (i > 0) waits.push_back({chains_[t].get(), static_cast<uint64_t>(i)});
      if (step.cross_thread >= 0) {
        waits.push_back({chains_[step.cross_thread].get(),
                         static_cast<uint64_t>(step.cross_step + 1)});
      }
      if (step.poisoned) waits.push_back({poison_.get(), 1});
      const SemaphorePoint signals[] = {{chains_[t].get(), static_cast<uint64_t>(i + 1)},
                                        {steps_[t][i].done.get(), 1}};
      CommandBuffer* list[] = {commands->get()};
      const QueueAffinity queue = QueueAffinity{1} << ((t + i) % kQueues);
      if (Status submitted = device_->QueueExecute(queue, waits, signals, list);
          !submitted.ok()) {
        return Problem("QueueExecute of thread " + std::to_string(t) + " step " +
                       std::to_string(i) + ": " + submitted.ToString());
      }
      if (step.wait_any_after && i > 0) {
        // Either point may be reached first, or fail; the answer must be true of it.
        const SemaphorePoint points[] = {{steps_[t][i].done.get(), 1},
                                         {steps_[t][i - 1].done.get(), 1}};
        Result<size_t> any = WaitAnySemaphore(points, Timeout::After(kWait));
        if (any.ok()) {
          Result<uint64_t> value = points[*any].semaphore->Query();
          if (!value.ok() || *value < 1) {
            Problem("WaitAnySemaphore said point " + std::to_string(*any) +
                    " was reached, but it is not");
          }
        } else if (any.status().code() == StatusCode::kDeadlineExceeded) {
          Problem("hang: WaitAnySemaphore of thread " + std::to_string(t));
        }
      }
    }
  }

  // The outcomes, against what the plan allows.
  void Check() {
    const size_t thread_count = plan_.threads.size();
    // Every step's outcome (bounded: a hang is a problem, not a wait forever).
    std::vector<SemaphorePoint> all;
    for (size_t t = 0; t < thread_count; ++t) {
      for (StepState& step : steps_[t]) {
        step.outcome = step.done->Wait(1, Timeout::After(kWait));
        if (step.outcome.code() == StatusCode::kDeadlineExceeded) {
          Problem("hang: a step's semaphore was neither reached nor failed in " +
                  std::to_string(kWait.count()) + " s");
          return;
        }
      }
    }
    for (size_t t = 0; t < thread_count; ++t) {
      for (size_t i = 0; i < steps_[t].size(); ++i) {
        const Plan::Step& step = plan_.threads[t][i];
        const StepState& state = steps_[t][i];
        const std::string name = "thread " + std::to_string(t) + " step " + std::to_string(i);
        const bool previous_failed = i > 0 && !steps_[t][i - 1].outcome.ok();
        const bool cross_failed =
            step.cross_thread >= 0 && !steps_[step.cross_thread][step.cross_step].outcome.ok();
        const bool must_fail = step.poisoned || previous_failed || cross_failed;
        if (must_fail) {
          ++failed_;
          if (state.outcome.ok()) Problem(name + " succeeded although an input failed");
          continue;
        }
        if (!state.outcome.ok()) {
          // Allowed only when a semaphore it waited on failed (a wait made after its
          // semaphore failed fails, even for a value reached before).
          const bool waited_on_failure =
              (i > 0 && !chains_[t]->Query().ok()) ||
              (step.cross_thread >= 0 && !chains_[step.cross_thread]->Query().ok());
          if (!waited_on_failure) {
            Problem(name + " failed with none of its inputs failed: " +
                    state.outcome.ToString());
          }
          continue;
        }
        ++verified_;
        // Succeeded: exactly the bytes its inputs determine.
        std::vector<uint32_t> x(kWords), y(kWords, 0), out(kWords);
        if (!Read(i == 0 ? *seeds_[t] : *steps_[t][i - 1].out, x) ||
            (step.cross_thread >= 0 &&
             !Read(*steps_[step.cross_thread][step.cross_step].out, y)) ||
            !Read(*state.out, out)) {
          return Problem("reading the outputs back");
        }
        for (uint32_t k = 0; k < kWords; ++k) {
          const uint32_t expected =
              x[k] * Scale(static_cast<int>(t)) + y[k] + Bias(static_cast<int>(t), static_cast<int>(i));
          if (out[k] != expected) {
            Problem(name + " word " + std::to_string(k) + " is " + std::to_string(out[k]) +
                    ", expected " + std::to_string(expected));
            break;
          }
        }
      }
    }
  }

  bool Read(Buffer& buffer, std::vector<uint32_t>& words) {
    return device_->ReadBuffer(buffer, 0, std::as_writable_bytes(std::span(words))).ok();
  }

  void Teardown() {
    // Quiescent: nothing pending or in flight, every pooled object back.
    gpu::GpuDeviceDiagnostics* diagnostics = gpu::DiagnosticsOf(*device_);
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    gpu::GpuDeviceCounts counts = diagnostics->counts();
    auto quiet = [&] {
      counts = diagnostics->counts();
      return counts.actions.pending_actions == 0 && counts.actions.live_actions == 0 &&
             counts.in_flight_actions == 0 && counts.acquired_events == 0 &&
             counts.announced_device_signals == 0;
    };
    while (!quiet() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!quiet()) {
      Problem("not quiescent: " + std::to_string(counts.actions.live_actions) + " live actions, " +
              std::to_string(counts.in_flight_actions) + " in flight, " +
              std::to_string(counts.acquired_events) + " events held");
    }
    if (counts.event_over_releases != 0) Problem("events released more often than acquired");
    steps_.clear();
    chains_.clear();
    seeds_.clear();
    zeros_.reset();
    poison_.reset();
    executable_.reset();
    layout_.reset();
    device_.reset();
    if (allocator_.live_bytes() != 0) {
      Problem("leak: " + std::to_string(allocator_.live_bytes()) + " bytes of host memory");
    }
  }

  const Plan& plan_;
  size_t verified_ = 0;  // steps that succeeded, bytes checked
  size_t failed_ = 0;    // steps that had to fail, and did
  std::mutex problems_mutex_;
  std::vector<std::string> problems_;  // guarded by problems_mutex_
  CountingAllocator allocator_;        // outlives everything below
  DriverRegistry registry_;
  Ref<Device> device_;
  Ref<PipelineLayout> layout_;
  Ref<Executable> executable_;
  Ref<Semaphore> poison_;
  Ref<Buffer> zeros_;
  std::vector<Ref<Semaphore>> chains_;
  std::vector<Ref<Buffer>> seeds_;
  std::vector<std::vector<StepState>> steps_;
};

struct Config {
  const char* scheme;
  CommandBufferMode mode;
  bool sparse;
};

std::string ConfigName(const ::testing::TestParamInfo<Config>& info) {
  std::string name = std::string(info.param.scheme) + "_" +
                     (info.param.mode == CommandBufferMode::kGraph ? "graph" : "stream") +
                     (info.param.sparse ? "_sparse" : "_eager");
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

// Seeds per configuration: GPUHAL_CONCURRENCY_SEEDS (default 4).
int SeedCount() {
  const char* text = std::getenv("GPUHAL_CONCURRENCY_SEEDS");
  const int seeds = text ? std::atoi(text) : 4;
  return seeds > 0 ? seeds : 4;
}

class ConcurrentSubmissionTest : public ::testing::TestWithParam<Config> {};

TEST_P(ConcurrentSubmissionTest, TwelveThreadsChainDataAcrossThreeQueues) {
  size_t verified = 0, failed = 0;
  for (int seed = 1; seed <= SeedCount(); ++seed) {
    const Plan plan = PlanFromSeed(static_cast<uint64_t>(seed), GetParam().scheme,
                                   GetParam().mode, GetParam().sparse, 12);
    PlanRun run(plan);
    const std::vector<std::string> problems = run.Execute();
    if (!problems.empty()) {
      ADD_FAILURE() << "seed " << seed << ": " << problems.front() << " (" << problems.size()
                    << " problems)\n" << Describe(plan);
      return;
    }
    verified += run.verified();
    failed += run.failed();
  }
  std::printf("%d seeds: %zu steps checked byte for byte, %zu failed as they had to\n",
              SeedCount(), verified, failed);
}

INSTANTIATE_TEST_SUITE_P(
    Simulated, ConcurrentSubmissionTest,
    ::testing::Values(Config{"fake-cuda", CommandBufferMode::kGraph, false},
                      Config{"fake-cuda", CommandBufferMode::kGraph, true},
                      Config{"fake-cuda", CommandBufferMode::kStream, false},
                      Config{"fake-cuda", CommandBufferMode::kStream, true},
                      Config{"fake-hip", CommandBufferMode::kGraph, false},
                      Config{"fake-hip", CommandBufferMode::kGraph, true},
                      Config{"fake-hip", CommandBufferMode::kStream, false},
                      Config{"fake-hip", CommandBufferMode::kStream, true}),
    ConfigName);

// Generated variants: thread counts 8-16, chains of 2-8 steps, any cross-thread inputs,
// poison and wait-any steps, both vendors, modes and completion pacings, jitter seeds.
rc::Gen<Plan> GenPlan() {
  return rc::gen::exec([] {
    Plan plan;
    plan.scheme = *rc::gen::element("fake-cuda", "fake-hip");
    plan.mode = *rc::gen::element(CommandBufferMode::kGraph, CommandBufferMode::kStream);
    plan.sparse_completion = *rc::gen::arbitrary<bool>();
    plan.jitter_seed = 1 + *rc::gen::inRange<uint64_t>(0, 1u << 30);
    const int thread_count = *rc::gen::inRange(8, 17);
    plan.threads.resize(thread_count);
    for (int t = 0; t < thread_count; ++t) {
      const int steps = *rc::gen::inRange(2, 9);
      for (int i = 0; i < steps; ++i) {
        Plan::Step step;
        if (t > 0 && *rc::gen::weightedElement<bool>({{2, false}, {3, true}})) {
          step.cross_thread = *rc::gen::inRange(0, t);
          step.cross_step = *rc::gen::inRange(0, 2);  // every thread has 2 or more
        }
        step.poisoned = *rc::gen::weightedElement<bool>({{24, false}, {1, true}});
        step.wait_any_after = *rc::gen::weightedElement<bool>({{4, false}, {1, true}});
        plan.threads[t].push_back(step);
      }
    }
    return plan;
  });
}

// Programs per run: GPUHAL_CONCURRENCY_PROGRAMS (default 10).
int ProgramCount() {
  const char* text = std::getenv("GPUHAL_CONCURRENCY_PROGRAMS");
  const int programs = text ? std::atoi(text) : 10;
  return programs > 0 ? programs : 10;
}

TEST(ConcurrentSubmissionProperty, GeneratedPlansHold) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = ProgramCount();
  rc::detail::TestMetadata metadata;
  metadata.id = "ConcurrentSubmissionProperty/GeneratedPlansHold";
  const rc::detail::TestResult result = rc::detail::checkTestable(
      [] {
        const Plan plan = *GenPlan();
        const std::vector<std::string> problems = PlanRun(plan).Execute();
        if (!problems.empty()) RC_FAIL(problems.front() + "\n" + Describe(plan));
      },
      metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) return;
  std::ostringstream report;
  rc::detail::printResultMessage(result, report);
  ADD_FAILURE() << report.str() << "\nRapidCheck seed: " << params.seed << " (RC_PARAMS=\"seed="
                << params.seed << "\")";
}

}  // namespace
}  // namespace gpuhal::concurrency
