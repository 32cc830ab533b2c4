#include "fuzz/properties/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "backends/gpu/gpu_device_diagnostics.h"
#include "fakes/drivers/fake_drivers.h"
#include "fuzz/properties/model.h"
#include "fuzz/properties/traced_fake_drivers.h"
#include "gpuhal/allocator.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "gpuhal/semaphore.h"

namespace gpuhal::properties {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// Long enough that only a real hang reaches it, even under sanitizers on a busy machine.
constexpr auto kLongWait = seconds(10);
// For a submission that has failed or is about to: only a lost wake-up takes this long.
constexpr auto kFaultWait = seconds(2);

DriverRegistry& Registry() {
  // Never destroyed: devices made from it may outlive static destruction in a failing run
  // that leaks them on purpose (see Leak below).
  static DriverRegistry* registry = [] {
    auto* made = new DriverRegistry();
    RegisterTracedFakeDrivers(*made).IgnoreError();
    return made;
  }();
  return *registry;
}

// Values the command buffers write: nonzero and distinct per submission and word, so a
// read-back says exactly whose command wrote what.
uint32_t TagOf(size_t x) { return 0x7A000000u | (static_cast<uint32_t>(x + 1) << 8) | 0x5Au; }
uint32_t ScratchOf(size_t x, size_t j) {
  return 0x5C000000u | (static_cast<uint32_t>(x) << 12) | static_cast<uint32_t>(j + 1);
}
constexpr uint32_t kDecoyPattern = 0xDEC0DEC0u;

struct SemaphoreState {
  bool failed = false;
  uint64_t value = 0;
  Status status;
};

SemaphoreState StateOf(Semaphore& semaphore) {
  SemaphoreState state;
  Result<uint64_t> queried = semaphore.Query();
  if (queried.ok()) {
    state.value = *queried;
  } else {
    state.failed = true;
    state.status = queried.status();
  }
  return state;
}

std::string Describe(const SemaphoreState& state) {
  return state.failed ? state.status.ToString() : std::to_string(state.value);
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kComplete:
      return "complete";
    case Outcome::kFail:
      return "fail";
    case Outcome::kBlocked:
      return "stay blocked";
    case Outcome::kEither:
      return "go either way";
  }
  return "?";
}

class Violations {
 public:
  void Add(Property property, std::string message) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (list_.size() < 32) list_.push_back({property, std::move(message)});
  }
  std::vector<Violation> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(list_);
  }
  bool empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    return list_.empty();
  }

 private:
  std::mutex mutex_;
  std::vector<Violation> list_;
};

// One observer's view of the semaphores over time (property 3): values never go down,
// and a failure, once seen, stays with the same status.
class MonotonicObserver {
 public:
  MonotonicObserver(const std::vector<Ref<Semaphore>>& semaphores, Violations& violations,
                    const char* who)
      : semaphores_(semaphores), violations_(violations), who_(who), last_(semaphores.size()) {}

  void Sample() {
    for (size_t s = 0; s < semaphores_.size(); ++s) {
      const SemaphoreState now = StateOf(*semaphores_[s]);
      const SemaphoreState& before = last_[s];
      if (before.failed && (!now.failed || !(now.status == before.status))) {
        violations_.Add(Property::kMonotonic,
                        StrCat(who_, ": s", s, " was failed (", before.status.ToString(),
                               ") and then read ", Describe(now)));
      } else if (!before.failed && !now.failed && now.value < before.value) {
        violations_.Add(Property::kMonotonic, StrCat(who_, ": s", s, " went from ", before.value,
                                                     " down to ", now.value));
      }
      last_[s] = now;
    }
  }

 private:
  const std::vector<Ref<Semaphore>>& semaphores_;
  Violations& violations_;
  const char* who_;
  std::vector<SemaphoreState> last_;
};

struct HostWaiter {
  std::thread thread;
  bool started = false;  // set and read by host thread 0 only
  std::atomic<bool> finished{false};
  Status status;
};

// A host wait that must end well before kLongWait. One that returns a result other than
// DEADLINE_EXCEEDED only once its deadline has passed slept through the event that
// decided it (a lost wake-up): with Timeout::Infinite() it would never have returned.
Status BoundedWait(Semaphore& semaphore, uint64_t value, SteadyClock::duration limit,
                   Violations& violations, const std::string& what) {
  const auto start = SteadyClock::now();
  Status status = semaphore.Wait(value, Timeout::After(limit));
  if (!IsDeadlineExceeded(status) && SteadyClock::now() - start >= limit) {
    violations.Add(Property::kLiveness,
                   StrCat(what, ": the host wait returned ", status.ToString(),
                          " only at its deadline, although nothing it waited for "
                          "was still to happen (a lost wake-up)"));
  }
  return status;
}

class ProgramRun {
 public:
  ProgramRun(const Program& program, const RunConfig& config, CountingAllocator& allocator)
      : p_(program), config_(config), allocator_(allocator) {}

  RunReport Run(const RunOptions& options) {
    RunReport report;
    if (Setup()) {
      const size_t bytes_before = allocator_.live_bytes();
      Execute();
      Check(report);
      Cleanup();
      if (options.check_growth && !leak_ && violations_.empty()) CheckGrowth(bytes_before);
      (void)bytes_before;
    }
    if ((options.keep_trace || !violations_.empty()) && device_) {
      if (fake::Engine* engine = fake::SimulatedEngineOf(*device_)) {
        report.trace_json = engine->ChromeTraceJson();
      }
    }
    report.device_event_waits = device_event_waits_;
    Release();
    report.violations = violations_.Take();
    return report;
  }

  bool leaked() const { return leak_; }

 private:
  size_t n() const { return p_.submissions.size(); }
  size_t m() const { return p_.semaphores.size(); }
  gpu::GpuDeviceCounts counts() { return gpu::DiagnosticsOf(*device_)->counts(); }

  bool Setup() {
    Result<Ref<Device>> device = Registry().CreateDevice(config_.DeviceUri(p_.queue_count),
                                                         allocator_);
    if (!device.ok()) {
      violations_.Add(Property::kHygiene, StrCat("CreateDevice: ", device.status().ToString()));
      return false;
    }
    device_ = *device;
    engine_ = fake::SimulatedEngineOf(*device_);
    if (!engine_ || !gpu::DiagnosticsOf(*device_)) {
      violations_.Add(Property::kHygiene, "the device is not a simulated GPU device");
      return false;
    }
    gpu::DiagnosticsOf(*device_)->ForceSparseCompletionForTesting(config_.sparse_completion);
    return CreateObjects();
  }

  bool CreateObjects() {
    auto fail = [&](const char* what, const Status& status) {
      violations_.Add(Property::kHygiene, StrCat(what, ": ", status.ToString()));
      return false;
    };
    semaphores_.clear();
    for (const SemaphoreSpec& spec : p_.semaphores) {
      Result<Ref<Semaphore>> made = spec.object == Object::kDevice
                                        ? device_->CreateSemaphore(0)
                                        : CreateHostSemaphore(0, allocator_);
      if (!made.ok()) return fail("CreateSemaphore", made.status());
      semaphores_.push_back(*made);
    }
    done_.clear();
    for (size_t x = 0; x < n(); ++x) {
      Result<Ref<Semaphore>> made = device_->CreateSemaphore(0);
      if (!made.ok()) return fail("CreateSemaphore", made.status());
      done_.push_back(*made);
    }
    Result<Ref<Semaphore>> decoy = device_->CreateSemaphore(0);
    if (!decoy.ok()) return fail("CreateSemaphore", decoy.status());
    decoy_semaphore_ = *decoy;

    // Each submission's barrier chain gets its own words of one buffer.
    chain_plans_.clear();
    chain_bases_.clear();
    uint32_t chain_words = 0;
    for (size_t x = 0; x < n(); ++x) {
      chain_plans_.push_back(
          barrier_chain::MakePlan(p_.submissions[x].chain, static_cast<uint32_t>(x)));
      if (!chain_plans_.back().ok()) {
        violations_.Add(Property::kHygiene, StrCat("X", x, ": not a barrier chain: ",
                                                   chain_plans_.back().error));
        return false;
      }
      chain_bases_.push_back(chain_words);
      chain_words += chain_plans_.back().words;
    }
    const size_t count = std::max<size_t>(n(), 1);
    struct Made {
      Ref<Buffer>* buffer;
      size_t bytes;
    } buffers[] = {{&tags_, count * 4},
                   {&snapshots_, count * count * 4},
                   {&scratch_, count * kMaxExtraFills * 4},
                   {&chains_, std::max<size_t>(chain_words, 1) * 4},
                   {&decoy_buffer_, 4}};
    for (Made& made : buffers) {
      Result<Ref<Buffer>> buffer = device_->AllocateBuffer(BufferParams{}, made.bytes);
      if (!buffer.ok()) return fail("AllocateBuffer", buffer.status());
      *made.buffer = *buffer;
      std::vector<std::byte> zeros(made.bytes);
      Status written = device_->WriteBuffer(zeros, **made.buffer, 0);
      if (!written.ok()) return fail("WriteBuffer", written);
    }

    command_buffers_.clear();
    for (size_t x = 0; x < n(); ++x) {
      Result<Ref<CommandBuffer>> made = device_->CreateCommandBuffer(CommandBufferParams{});
      if (!made.ok()) return fail("CreateCommandBuffer", made.status());
      Status recorded = Record(**made, x);
      if (!recorded.ok()) return fail("recording", recorded);
      command_buffers_.push_back(*made);
    }
    Result<Ref<CommandBuffer>> decoy_commands = device_->CreateCommandBuffer(CommandBufferParams{});
    if (!decoy_commands.ok()) return fail("CreateCommandBuffer", decoy_commands.status());
    decoy_commands_ = *decoy_commands;
    Status recorded = decoy_commands_->Begin();
    if (recorded.ok()) {
      recorded = decoy_commands_->FillBuffer({decoy_buffer_.get(), 0, 4}, &kDecoyPattern, 4);
    }
    if (recorded.ok()) recorded = decoy_commands_->End();
    if (!recorded.ok()) return fail("recording the decoy", recorded);
    return true;
  }

  Status Record(CommandBuffer& commands, size_t x) {
    const Submission& submission = p_.submissions[x];
    const size_t count = n();
    GPUHAL_RETURN_IF_ERROR(commands.Begin());
    GPUHAL_RETURN_IF_ERROR(
        commands.CopyBuffer({tags_.get(), 0, count * 4}, *snapshots_, x * count * 4));
    GPUHAL_RETURN_IF_ERROR(
        commands.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {}));
    for (uint32_t j = 0; j < submission.extra_fills; ++j) {
      const uint32_t pattern = ScratchOf(x, j);
      GPUHAL_RETURN_IF_ERROR(commands.FillBuffer(
          {scratch_.get(), (x * kMaxExtraFills + j) * 4, 4}, &pattern, 4));
    }
    GPUHAL_RETURN_IF_ERROR(
        commands.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {}));
    for (const std::vector<barrier_chain::Command>& stage : chain_plans_[x].stages) {
      for (const barrier_chain::Command& command : stage) {
        GPUHAL_RETURN_IF_ERROR(RecordChainCommand(commands, chain_bases_[x], command));
      }
      GPUHAL_RETURN_IF_ERROR(
          commands.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {}));
    }
    const uint32_t tag = TagOf(x);
    if (submission.tag_write == TagWrite::kFill) {
      GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({tags_.get(), x * 4, 4}, &tag, 4));
    } else {
      GPUHAL_RETURN_IF_ERROR(commands.UpdateBuffer(&tag, {tags_.get(), x * 4, 4}));
    }
    return commands.End();
  }

  Status RecordChainCommand(CommandBuffer& commands, uint32_t base,
                            const barrier_chain::Command& command) {
    const size_t target = (base + command.target) * 4;
    switch (command.op) {
      case barrier_chain::Op::kFill:
        return commands.FillBuffer({chains_.get(), target, 4}, &command.value, 4);
      case barrier_chain::Op::kUpdate:
        return commands.UpdateBuffer(&command.value, {chains_.get(), target, 4});
      case barrier_chain::Op::kCopy:
        return commands.CopyBuffer({chains_.get(), (base + command.source) * 4, command.words * 4},
                                   *chains_, target);
      case barrier_chain::Op::kDispatch:
      case barrier_chain::Op::kNested:
        break;
    }
    return UnimplementedError("the property programs' chains hold fills, updates and copies");
  }

  // Property 1 inside a command buffer: a submission whose tag was written ran its whole
  // barrier chain first, and the chain's words are the plan's, byte for byte. A blocked
  // submission's chain was never touched.
  void CheckChain(size_t x, bool ran, Outcome outcome, const std::vector<uint32_t>& chains,
                  const std::string& where) {
    const barrier_chain::Plan& plan = chain_plans_[x];
    if (!ran && outcome != Outcome::kBlocked) return;
    const std::vector<uint32_t> expected =
        ran ? barrier_chain::Evaluate(plan) : std::vector<uint32_t>(plan.words, 0);
    for (uint32_t i = 0; i < plan.words; ++i) {
      const uint32_t got = chains[chain_bases_[x] + i];
      if (got == expected[i]) continue;
      violations_.Add(Property::kOrdering,
                      StrCat(where, "; its barrier chain ",
                             barrier_chain::ToString(p_.submissions[x].chain), " has word ", i,
                             " = ", got, ", not ", expected[i], " (written by ",
                             barrier_chain::DescribeWriter(plan, i),
                             ran ? "): a command ran before one of the stage before it"
                                 : "): a blocked submission's commands ran"));
      return;
    }
  }

  // Waits (bounded) until nothing is in flight and every live action is a pending one:
  // everything that could be issued has been, and has finished.
  bool Quiesce() {
    const auto deadline = SteadyClock::now() + kLongWait;
    for (;;) {
      const gpu::GpuDeviceCounts now = counts();
      if (now.in_flight_actions == 0 && now.actions.live_actions == now.actions.pending_actions) {
        return true;
      }
      if (SteadyClock::now() > deadline) {
        violations_.Add(Property::kLiveness,
                        StrCat("no quiescence within 10 s: ", now.in_flight_actions,
                               " in flight, ", now.actions.live_actions, " live, ",
                               now.actions.pending_actions, " pending actions"));
        return false;
      }
      std::this_thread::sleep_for(microseconds(50));
    }
  }

  Status Submit(size_t x) {
    const Submission& submission = p_.submissions[x];
    waits_.clear();
    signals_.clear();
    for (const Point& wait : submission.waits) {
      waits_.push_back({semaphores_[wait.semaphore].get(), wait.value});
    }
    for (const Point& signal : submission.signals) {
      signals_.push_back({semaphores_[signal.semaphore].get(), signal.value});
    }
    signals_.push_back({done_[x].get(), 1});
    commands_.assign(1, command_buffers_[x].get());
    const QueueAffinity affinity = QueueAffinity{1} << submission.queue;  // a bit mask
    Status status = device_->QueueExecute(affinity, waits_, signals_, commands_);
    // The arrays are the caller's again: scribble over them, so that a driver that kept
    // a pointer waits on, signals or runs the decoy, which the checks notice.
    for (SemaphorePoint& point : waits_) point = {decoy_semaphore_.get(), 1};
    for (SemaphorePoint& point : signals_) point = {decoy_semaphore_.get(), 1};
    for (CommandBuffer*& commands : commands_) commands = decoy_commands_.get();
    return status;
  }

  void RunSubmit(size_t op_index, size_t x) {
    const Fault fault = p_.submissions[x].fault;
    gpu::GpuDeviceDiagnostics& diagnostics = *gpu::DiagnosticsOf(*device_);
    fake::FaultInjector& injector = engine_->fault_injector();
    Status status;
    if (fault == Fault::kIssue) {
      // Once quiescent and with completions unobserved, nothing else issues work
      // meanwhile (a completion handler already running could release and issue another
      // submission): the first event record is this submission's, if it is issued.
      Quiesce();
      diagnostics.SetCompletionPausedForTesting(true);
      injector.AddRule(config_.vendor == Vendor::kCuda ? CudaIssueFaultRule()
                                                       : HipIssueFaultRule());
      status = Submit(x);
      fired_.issue[x] =
          injector.CallCount(config_.vendor == Vendor::kCuda ? "cuEventRecord" : "hipEventRecord") >= 1;
      injector.Clear();
      diagnostics.SetCompletionPausedForTesting(false);
    } else if (fault == Fault::kCompletion) {
      Quiesce();
      diagnostics.SetCompletionPausedForTesting(true);
      status = Submit(x);
      // The injected failure hits the next event wait on the device. Host waits on a
      // device semaphore wait on its signal's event too, so a waiter thread still running
      // could take the fault meant for the completion thread: then it is not injected.
      bool waiters_running = false;
      for (const std::unique_ptr<HostWaiter>& waiter : host_waiters_) {
        waiters_running |= waiter->started && !waiter->finished.load();
      }
      const bool alone = counts().in_flight_actions == 1 && !waiters_running;
      if (alone) fake::InjectLaunchFailureOnNextEventWait(*device_).IgnoreError();
      diagnostics.SetCompletionPausedForTesting(false);
      if (alone) {
        BoundedWait(*done_[x], 1, kFaultWait, violations_,
                    StrCat("op ", op_index, ": X", x, " after its injected completion fault"))
            .IgnoreError();
        fired_.completion[x] = injector.CallCount(config_.vendor == Vendor::kCuda
                                                      ? "cuEventSynchronize"
                                                      : "hipEventSynchronize") >= 1;
        injector.Clear();
      }
    } else {
      status = Submit(x);
    }
    if (!status.ok() && !fired_.issue[x]) {
      violations_.Add(Property::kLiveness,
                      StrCat("op ", op_index, ": QueueExecute(X", x, ") returned ",
                             status.ToString()));
    }
  }

  void RunHostOp(size_t i) {
    const Op& op = p_.ops[i];
    Semaphore& semaphore = *semaphores_[op.index];
    switch (op.kind) {
      case OpKind::kHostSignal: {
        // Published before the call: a tag seen after this point may rely on it.
        uint64_t seen = attempted_[op.index].load();
        while (seen < op.value && !attempted_[op.index].compare_exchange_weak(seen, op.value)) {
        }
        op_status_[i] = semaphore.Signal(op.value);
        break;
      }
      case OpKind::kHostFail:
        semaphore.Fail(AbortedError("host failed semaphore s", op.index, " at op ", i));
        break;
      default:
        break;
    }
  }

  void Execute() {
    const size_t op_count = p_.ops.size();
    op_status_.assign(op_count, Status());
    observations_.assign(op_count, {});
    observed_attempts_.assign(op_count, {});
    attempted_ = std::make_unique<std::atomic<uint64_t>[]>(m());
    for (size_t s = 0; s < m(); ++s) attempted_[s].store(0);
    fired_.issue.assign(n(), false);
    fired_.completion.assign(n(), false);
    waits_.reserve(16);
    signals_.reserve(16);
    host_waiters_.clear();
    for (size_t i = 0; i < op_count; ++i) {
      if (p_.ops[i].kind == OpKind::kHostWaiter) host_waiters_.push_back(std::make_unique<HostWaiter>());
    }

    // Other host threads: each runs the signals and fails of its own semaphores, in
    // program order, with seeded jitter.
    std::vector<std::thread> threads;
    std::atomic<bool> start{false};
    for (uint32_t t = 1; t < p_.host_threads; ++t) {
      threads.emplace_back([this, t, &start] {
        std::mt19937_64 jitter(config_.seed * 31 + t);
        while (!start.load()) std::this_thread::yield();
        for (size_t i = 0; i < p_.ops.size(); ++i) {
          if (p_.ThreadOf(p_.ops[i]) != t) continue;
          if (jitter() % 2) std::this_thread::sleep_for(microseconds(jitter() % 50));
          RunHostOp(i);
        }
      });
    }
    std::atomic<bool> sampling{true};
    std::thread sampler;
    if (config_.schedule == Schedule::kThreaded) {
      sampler = std::thread([this, &sampling] {
        MonotonicObserver observer(semaphores_, violations_, "sampler thread");
        while (sampling.load()) {
          observer.Sample();
          std::this_thread::sleep_for(microseconds(20));
        }
        observer.Sample();
      });
    }
    MonotonicObserver observer(semaphores_, violations_, "host thread 0");
    start.store(true);

    size_t pause_op = 0;
    uint64_t event_waits_at_pause = 0;
    size_t waiter = 0;
    for (size_t i = 0; i < op_count; ++i) {
      const Op& op = p_.ops[i];
      if (p_.ThreadOf(op) != 0) continue;
      switch (op.kind) {
        case OpKind::kSubmit:
          RunSubmit(i, op.index);
          break;
        case OpKind::kHostSignal:
        case OpKind::kHostFail:
          RunHostOp(i);
          break;
        case OpKind::kHostWait: {
          const Timeout timeout = op.timeout_us ? Timeout::After(microseconds(op.timeout_us))
                                                : Timeout::Immediate();
          op_status_[i] = semaphores_[op.index]->Wait(op.value, timeout);
          break;
        }
        case OpKind::kHostWaiter: {
          HostWaiter& w = *host_waiters_[waiter++];
          w.started = true;
          Ref<Semaphore> semaphore = semaphores_[op.index];
          const uint64_t value = op.value;
          w.thread = std::thread([&w, semaphore, value] {
            w.status = semaphore->Wait(value, Timeout::Infinite());
            w.finished.store(true);
          });
          break;
        }
        case OpKind::kObserve: {
          std::vector<std::byte> bytes(n() * 4);
          Status read = device_->ReadBuffer(*tags_, 0, bytes);
          if (!read.ok()) {
            violations_.Add(Property::kLiveness, StrCat("op ", i, ": ReadBuffer: ", read.ToString()));
            break;
          }
          observations_[i].resize(n());
          if (!bytes.empty()) std::memcpy(observations_[i].data(), bytes.data(), bytes.size());
          for (size_t s = 0; s < m(); ++s) observed_attempts_[i].push_back(attempted_[s].load());
          break;
        }
        case OpKind::kPause:
          Quiesce();
          pause_op = i;
          event_waits_at_pause = counts().actions.device_event_waits;
          gpu::DiagnosticsOf(*device_)->SetCompletionPausedForTesting(true);
          break;
        case OpKind::kResume: {
          const gpu::GpuDeviceCounts now = counts();
          if (!p_.HasFailures() && p_.sequential()) CheckBurst(pause_op, i, now, event_waits_at_pause);
          device_event_waits_ += now.actions.device_event_waits - event_waits_at_pause;
          gpu::DiagnosticsOf(*device_)->SetCompletionPausedForTesting(false);
          break;
        }
      }
      observer.Sample();
    }
    for (std::thread& thread : threads) thread.join();
    sampling.store(false);
    if (sampler.joinable()) sampler.join();
    observer.Sample();
    // A program that ends paused must not stall the checks that follow.
    gpu::DiagnosticsOf(*device_)->SetCompletionPausedForTesting(false);
  }

  void CheckBurst(size_t pause, size_t resume, const gpu::GpuDeviceCounts& now,
                  uint64_t event_waits_at_pause) {
    const BurstExpectation expected = ExpectBurst(p_, pause, resume);
    const uint64_t event_waits = now.actions.device_event_waits - event_waits_at_pause;
    if (now.actions.pending_actions != expected.pending_actions ||
        now.in_flight_actions != expected.in_flight_actions ||
        event_waits != expected.device_event_waits) {
      violations_.Add(
          Property::kNoHostHop,
          StrCat("ops ", pause, "..", resume, " with completions unobserved: expected ",
                 expected.pending_actions, " pending / ", expected.in_flight_actions,
                 " issued / ", expected.device_event_waits, " GPU-side event waits, device has ",
                 now.actions.pending_actions, " / ", now.in_flight_actions, " / ", event_waits,
                 " (a device->device wait on an issued signal must be issued at once, on "
                 "the GPU; a wait on a signal not yet issued must not be)"));
    }
  }

  void Check(RunReport& report) {
    model_ = Evaluate(p_, p_.ops.size(), fired_);
    // Liveness first: what the model says ends must end.
    for (size_t x = 0; x < n(); ++x) {
      const Outcome outcome = model_.submissions[x].outcome;
      if (outcome != Outcome::kComplete && outcome != Outcome::kFail) continue;
      Status waited = BoundedWait(*done_[x], 1, kLongWait, violations_, StrCat("X", x));
      if (IsDeadlineExceeded(waited)) {
        violations_.Add(outcome == Outcome::kComplete ? Property::kLiveness
                                                      : Property::kFailurePropagation,
                        StrCat("X", x, " must ", OutcomeName(outcome),
                               " but had not finished after 10 s"));
      }
    }
    Quiesce();

    const size_t count = n();
    std::vector<uint32_t> tags(count), snapshots(count * count),
        scratch(count * kMaxExtraFills), chains(chains_->byte_length() / 4);
    uint32_t decoy = 0;
    Read(*tags_, tags);
    Read(*snapshots_, snapshots);
    Read(*scratch_, scratch);
    Read(*chains_, chains);
    {
      std::vector<uint32_t> one(1);
      Read(*decoy_buffer_, one);
      decoy = one[0];
    }
    std::vector<SemaphoreState> done(count), final_states(m());
    for (size_t x = 0; x < count; ++x) done[x] = StateOf(*done_[x]);
    for (size_t s = 0; s < m(); ++s) final_states[s] = StateOf(*semaphores_[s]);

    std::ostringstream projection;
    for (size_t x = 0; x < count; ++x) {
      const SubmissionExpectation& e = model_.submissions[x];
      const SemaphoreState& d = done[x];
      const bool ran = tags[x] == TagOf(x);
      const char* observed = d.failed ? "failed" : d.value == 1 ? "completed" : "is still pending";
      std::string where = StrCat("X", x, " (model: ", OutcomeName(e.outcome), ") ", observed,
                                 d.failed ? StrCat(" with ", d.status.ToString()) : "");
      if (tags[x] != 0 && !ran) {
        violations_.Add(Property::kOrdering, StrCat(where, "; its tag word holds ", tags[x]));
      }
      switch (e.outcome) {
        case Outcome::kComplete:
          if (d.failed) violations_.Add(Property::kFailurePropagation, where);
          if (!d.failed && d.value != 1) violations_.Add(Property::kLiveness, where);
          if (!ran) violations_.Add(Property::kOrdering, where + "; its commands did not run");
          for (uint32_t j = 0; j < p_.submissions[x].extra_fills; ++j) {
            if (scratch[x * kMaxExtraFills + j] != ScratchOf(x, j)) {
              violations_.Add(Property::kOrdering,
                              StrCat(where, "; its fill #", j, " wrote ",
                                     scratch[x * kMaxExtraFills + j], ", not ", ScratchOf(x, j)));
              break;
            }
          }
          break;
        case Outcome::kFail:
          if (!d.failed) violations_.Add(Property::kFailurePropagation, where);
          if (ran && !e.may_run) {
            violations_.Add(Property::kFailurePropagation,
                            where + "; its commands ran although it was downstream of a failure");
          }
          break;
        case Outcome::kBlocked:
          if (d.failed) violations_.Add(Property::kFailurePropagation, where + " with nothing failed upstream");
          if (!d.failed && d.value == 1) violations_.Add(Property::kOrdering, where);
          if (ran) violations_.Add(Property::kOrdering, where + "; its commands ran");
          break;
        case Outcome::kEither:
          break;
      }
      if (d.failed && (FailureCodeBit(d.status.code()) & e.codes) == 0 &&
          e.outcome != Outcome::kBlocked) {
        violations_.Add(Property::kFailurePropagation,
                        StrCat(where, "; no failure upstream has that code"));
      }
      if (ran) CheckOrdering(x, tags, snapshots);
      CheckChain(x, ran, e.outcome, chains, where);
      if (e.outcome == Outcome::kComplete) {
        projection << "X" << x << " completed tag " << tags[x] << ";";
      } else if (e.outcome == Outcome::kFail) {
        projection << "X" << x << " failed " << StatusCodeName(d.status.code()) << ";";
      } else if (e.outcome == Outcome::kBlocked) {
        projection << "X" << x << " blocked " << tags[x] << ";";
      }
    }
    // Mid-program observations: a tag seen then needed its host-driven waits signalled.
    for (size_t i = 0; i < observations_.size(); ++i) {
      if (observations_[i].empty()) continue;
      for (size_t x = 0; x < count; ++x) {
        if (observations_[i][x] != TagOf(x)) continue;
        for (const Point& wait : p_.submissions[x].waits) {
          if (p_.semaphores[wait.semaphore].driver != Driver::kHost) continue;
          if (observed_attempts_[i][wait.semaphore] < wait.value) {
            violations_.Add(Property::kOrdering,
                            StrCat("op ", i, ": X", x, " had run, but the host had not yet signalled s",
                                   wait.semaphore, " to ", wait.value, " (only to ",
                                   observed_attempts_[i][wait.semaphore], ")"));
          }
        }
      }
    }
    for (size_t s = 0; s < m(); ++s) {
      const SemaphoreExpectation& e = model_.semaphores[s];
      const SemaphoreState& f = final_states[s];
      if (!e.definite) continue;
      const std::string expected = e.failed ? "failed" : std::to_string(e.value);
      if (e.failed != f.failed || (!e.failed && e.value != f.value)) {
        violations_.Add(e.failed != f.failed ? Property::kFailurePropagation
                        : f.value < e.value  ? Property::kLiveness
                                             : Property::kOrdering,
                        StrCat("s", s, " ends at ", Describe(f), ", the model says ", expected));
      } else if (f.failed && (FailureCodeBit(f.status.code()) & e.codes) == 0) {
        violations_.Add(Property::kFailurePropagation,
                        StrCat("s", s, " failed with ", f.status.ToString(),
                               "; no failure upstream has that code"));
      }
      projection << "s" << s << "=" << (f.failed ? std::string(StatusCodeName(f.status.code()))
                                                 : std::to_string(f.value))
                 << ";";
    }
    // Host op results.
    for (size_t i = 0; i < p_.ops.size(); ++i) {
      const Op& op = p_.ops[i];
      if (op.kind == OpKind::kHostSignal) {
        const StatusCode expected = model_.host_signal_codes[i];
        if (op_status_[i].code() != expected) {
          violations_.Add(Property::kMonotonic,
                          StrCat("op ", i, ": Signal(s", op.index, ", ", op.value, ") returned ",
                                 op_status_[i].ToString(), ", expected ", StatusCodeName(expected)));
        }
      } else if (op.kind == OpKind::kHostWait) {
        CheckHostWait(i, op, op_status_[i]);
      }
    }
    if (decoy != 0 || StateOf(*decoy_semaphore_).failed || StateOf(*decoy_semaphore_).value != 0) {
      violations_.Add(Property::kOrdering,
                      "the driver used a caller's wait/signal/command-buffer array after "
                      "QueueExecute returned (the decoy it was scribbled with was used)");
    }
    report.projection = projection.str();
  }

  void CheckHostWait(size_t i, const Op& op, const Status& status) {
    const SemaphoreExpectation& e = model_.semaphores[op.index];
    if (status.ok()) {
      if (e.max_reachable < op.value) {
        violations_.Add(Property::kOrdering,
                        StrCat("op ", i, ": host wait on s", op.index, " >= ", op.value,
                               " returned OK, but nothing can bring it past ", e.max_reachable));
      }
    } else if (IsDeadlineExceeded(status)) {
      if (p_.sequential() && p_.semaphores[op.index].driver == Driver::kHost &&
          !model_.host_failed_after[i][op.index] && model_.host_value_after[i][op.index] >= op.value) {
        violations_.Add(Property::kLiveness,
                        StrCat("op ", i, ": host wait on s", op.index, " >= ", op.value,
                               " timed out although the host had signalled it to ",
                               model_.host_value_after[i][op.index]));
      }
    } else if (!e.may_fail) {
      violations_.Add(Property::kFailurePropagation,
                      StrCat("op ", i, ": host wait on s", op.index, " returned ",
                             status.ToString(), " but it cannot fail"));
    }
  }

  // Property 1 on the GPU's timeline: when X's commands started, each of its waits on a
  // device-driven semaphore had some signaller of a large enough value finished.
  void CheckOrdering(size_t x, const std::vector<uint32_t>& tags,
                     const std::vector<uint32_t>& snapshots) {
    const size_t count = n();
    for (const Point& wait : p_.submissions[x].waits) {
      if (p_.semaphores[wait.semaphore].driver == Driver::kHost) {
        if (attempted_[wait.semaphore].load() < wait.value) {
          violations_.Add(Property::kOrdering,
                          StrCat("X", x, " ran, but the host never signalled s", wait.semaphore,
                                 " to ", wait.value));
        }
        continue;
      }
      bool satisfied = false;
      std::string signallers;
      for (size_t y = 0; y < count && !satisfied; ++y) {
        for (const Point& signal : p_.submissions[y].signals) {
          if (signal.semaphore != wait.semaphore || signal.value < wait.value) continue;
          signallers += StrCat(" X", y);
          if (snapshots[x * count + y] == TagOf(y)) satisfied = true;
        }
      }
      if (!satisfied) {
        violations_.Add(Property::kOrdering,
                        StrCat("X", x, " started before any signaller of s", wait.semaphore, " >= ",
                               wait.value, " had finished (signallers:",
                               signallers.empty() ? " none" : signallers, ")"));
      }
    }
    (void)tags;
  }

  void Read(Buffer& buffer, std::vector<uint32_t>& words) {
    std::vector<std::byte> bytes(words.size() * 4);
    Status read = device_->ReadBuffer(buffer, 0, bytes);
    if (!read.ok()) {
      violations_.Add(Property::kLiveness, StrCat("ReadBuffer: ", read.ToString()));
      return;
    }
    // An empty vector's data() may be null, which memcpy must never see.
    if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());
  }

  void Cleanup() {
    const Status cleanup = CancelledError("end of program");
    for (Ref<Semaphore>& semaphore : semaphores_) semaphore->Fail(cleanup);
    for (Ref<Semaphore>& semaphore : done_) semaphore->Fail(cleanup);
    // Nobody may be left blocked: every host waiter returns.
    const auto deadline = SteadyClock::now() + kLongWait;
    for (size_t i = 0, w = 0; i < p_.ops.size(); ++i) {
      if (p_.ops[i].kind != OpKind::kHostWaiter) continue;
      HostWaiter& waiter = *host_waiters_[w++];
      while (!waiter.finished.load() && SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(microseconds(100));
      }
      if (!waiter.finished.load()) {
        violations_.Add(Property::kLiveness,
                        StrCat("op ", i, ": the host waiter on s", p_.ops[i].index,
                               " was still blocked 10 s after every semaphore failed"));
        waiter.thread.detach();
        leak_ = true;
        continue;
      }
      waiter.thread.join();
      const SemaphoreExpectation& e = model_.semaphores[p_.ops[i].index];
      if (waiter.status.ok() && e.max_reachable < p_.ops[i].value) {
        violations_.Add(Property::kOrdering,
                        StrCat("op ", i, ": the host waiter on s", p_.ops[i].index, " >= ",
                               p_.ops[i].value, " returned OK, but nothing can bring it past ",
                               e.max_reachable));
      }
    }
    for (size_t x = 0; x < n(); ++x) {
      if (model_.submissions[x].outcome != Outcome::kBlocked) continue;
      Status waited = BoundedWait(*done_[x], 1, kLongWait, violations_, StrCat("blocked X", x));
      if (waited.code() != StatusCode::kCancelled) {
        violations_.Add(Property::kFailurePropagation,
                        StrCat("X", x, " was blocked; after every semaphore failed its "
                                       "done-semaphore wait returned ",
                               waited.ToString()));
      }
    }
    // Hygiene: everything taken from a pool went back.
    const auto quiet_deadline = SteadyClock::now() + kLongWait;
    gpu::GpuDeviceCounts now;
    for (;;) {
      now = counts();
      const bool quiet = now.actions.pending_actions == 0 && now.actions.live_actions == 0 &&
                         now.in_flight_actions == 0 && now.acquired_events == 0 &&
                         now.announced_device_signals == 0;
      if (quiet || SteadyClock::now() > quiet_deadline) break;
      std::this_thread::sleep_for(microseconds(100));
    }
    if (now.event_over_releases != 0) {
      violations_.Add(Property::kHygiene,
                      StrCat("the event pool saw ", now.event_over_releases,
                             " over-release(s): an event reference was released more often "
                             "than taken, so the event could be handed out while still held"));
    }
    if (now.actions.pending_actions || now.actions.live_actions || now.in_flight_actions ||
        now.acquired_events || now.announced_device_signals ||
        now.idle_events > device_->params().event_pool_capacity) {
      violations_.Add(Property::kHygiene,
                      StrCat("after quiescence: ", now.actions.pending_actions, " pending, ",
                             now.actions.live_actions, " live actions, ", now.in_flight_actions,
                             " in flight, ", now.acquired_events, " acquired events, ",
                             now.announced_device_signals, " device-signal announcements, ", now.idle_events,
                             " idle events (capacity ", device_->params().event_pool_capacity,
                             ")"));
    }
  }

  void DropProgramObjects() {
    semaphores_.clear();
    done_.clear();
    command_buffers_.clear();
    tags_.reset();
    snapshots_.reset();
    scratch_.reset();
    chains_.reset();
    decoy_buffer_.reset();
    decoy_commands_.reset();
    decoy_semaphore_.reset();
  }

  // The same program again on the same device, eight more times. The device's own host
  // memory (pools, free lists, arenas) grows while it warms up to the program's peak
  // (measured: up to four repetitions) and then stays flat; memory that still grows on
  // each of the last three repetitions is leaking per run.
  void CheckGrowth(size_t bytes_before_first) {
    constexpr int kRepetitions = 8;
    DropProgramObjects();
    std::vector<size_t> after = {allocator_.live_bytes()};
    for (int repeat = 0; repeat < kRepetitions; ++repeat) {
      if (!CreateObjects()) return;
      Execute();
      RunReport ignored;
      Check(ignored);
      Cleanup();
      DropProgramObjects();
      after.push_back(allocator_.live_bytes());
    }
    const size_t n = after.size();
    if (after[n - 3] > after[n - 4] && after[n - 2] > after[n - 3] && after[n - 1] > after[n - 2]) {
      std::string sizes;
      for (size_t bytes : after) sizes += StrCat(" ", bytes);
      violations_.Add(Property::kHygiene,
                      StrCat("the device's host memory still grows on every one of the last "
                             "three of ", kRepetitions + 1, " runs of the program (bytes live "
                             "before it: ", bytes_before_first, "; after each run:", sizes, ")"));
    }
  }

  void Release() {
    if (leak_) {
      // Something is still blocked inside the device: keep it all alive rather than
      // destroy objects under it.
      new Ref<Device>(device_);
      new std::vector<Ref<Semaphore>>(semaphores_);
      new std::vector<Ref<Semaphore>>(done_);
      return;
    }
    for (std::unique_ptr<HostWaiter>& waiter : host_waiters_) {
      if (waiter->thread.joinable()) waiter->thread.join();
    }
    DropProgramObjects();
    device_.reset();
    if (allocator_.live_bytes() != 0) {
      violations_.Add(Property::kHygiene,
                      StrCat(allocator_.live_bytes(), " bytes in ", allocator_.live_allocations(),
                             " host allocations still live after the device was released"));
      leak_ = true;  // CountingAllocator aborts when destroyed with live memory
    }
  }

  const Program& p_;
  const RunConfig& config_;
  CountingAllocator& allocator_;
  Violations violations_;
  bool leak_ = false;

  Ref<Device> device_;
  fake::Engine* engine_ = nullptr;
  std::vector<Ref<Semaphore>> semaphores_;
  std::vector<Ref<Semaphore>> done_;
  std::vector<Ref<CommandBuffer>> command_buffers_;
  Ref<Buffer> tags_, snapshots_, scratch_, chains_, decoy_buffer_;
  std::vector<barrier_chain::Plan> chain_plans_;
  std::vector<uint32_t> chain_bases_;  // each submission's first word in chains_
  Ref<CommandBuffer> decoy_commands_;
  Ref<Semaphore> decoy_semaphore_;

  std::vector<SemaphorePoint> waits_, signals_;
  std::vector<CommandBuffer*> commands_;
  std::vector<Status> op_status_;
  std::vector<std::vector<uint32_t>> observations_;
  std::vector<std::vector<uint64_t>> observed_attempts_;
  std::unique_ptr<std::atomic<uint64_t>[]> attempted_;
  std::vector<std::unique_ptr<HostWaiter>> host_waiters_;
  FiredFaults fired_;
  ModelResult model_;
  uint64_t device_event_waits_ = 0;
};

}  // namespace

const char* PropertyName(Property property) {
  switch (property) {
    case Property::kOrdering:
      return "P1 ordering";
    case Property::kLiveness:
      return "P2 liveness";
    case Property::kMonotonic:
      return "P3 monotonic values";
    case Property::kFailurePropagation:
      return "P4 failure propagation";
    case Property::kHygiene:
      return "P5 hygiene";
    case Property::kNoHostHop:
      return "P6 no host hop";
    case Property::kEquivalence:
      return "P7 equivalence";
  }
  return "?";
}

std::string RunReport::Describe() const {
  std::ostringstream os;
  for (const Violation& violation : violations) {
    os << "  [" << PropertyName(violation.property) << "] " << violation.message << "\n";
  }
  return os.str();
}

RunReport RunProgram(const Program& program, const RunConfig& config, const RunOptions& options) {
  auto* allocator = new CountingAllocator();
  ProgramRun run(program, config, *allocator);
  RunReport report = run.Run(options);
  if (!run.leaked()) delete allocator;
  return report;
}

}  // namespace gpuhal::properties
