// Property tests of gpuhal's timeline semaphores and queues: random programs (program.h)
// on the simulated GPU, checked against the reference model (model.h) by the runner
// (runner.h). One RapidCheck property per property of the issue; each generates the
// programs that stress its property hardest, and each fails on any violation at all.
//
// How many programs: GPUHAL_PROPERTY_PROGRAMS, else RC_PARAMS' max_success, else the
// build's default (2,000; fewer under sanitizers). GPUHAL_SOAK_SECONDS=N instead runs
// every property over and over with fresh seeds for N seconds in total.
// GPUHAL_PROPERTY_SCHEDULE pins the simulated GPU's schedule; GPUHAL_PROPERTY_TRACE_DIR
// says where failing runs' Chrome traces go. See docs/properties.md for reproducing a failure
// from its seed.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <iostream>
#include <random>
#include <span>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include "fuzz/properties/program.h"
#include "fuzz/properties/runner.h"
#include "gpuhal/testing/status_matchers.h"

#ifndef GPUHAL_PROPERTY_DEFAULT_PROGRAMS
#define GPUHAL_PROPERTY_DEFAULT_PROGRAMS 2000
#endif

namespace gpuhal::properties {
namespace {

// What a property's generator may produce.
struct Profile {
  bool failures = false;        // host Fail() of host-driven semaphores
  bool faults = false;          // injected vendor faults (sequential programs only)
  bool host_threads = false;    // host signals from several threads
  bool pauses = false;          // paused bursts (failure-free sequential programs only)
  int invalid_signal_weight = 1;
  int observe_weight = 1;
  int waiter_weight = 1;
  int wait_weight = 1;
};

// A weighted pick from a list built at run time (weightedElement wants a literal list).
OpKind PickWeighted(const std::vector<std::pair<uint32_t, OpKind>>& kinds) {
  uint32_t total = 0;
  for (const auto& [weight, kind] : kinds) total += weight;
  uint32_t pick = *rc::gen::inRange<uint32_t>(0, total);
  for (const auto& [weight, kind] : kinds) {
    if (pick < weight) return kind;
    pick -= weight;
  }
  return kinds.back().second;
}

// A barrier chain (conformance/barrier_chain.h): 2 to 8 stages of 2 to 8 fills, updates
// and copies, short and narrow ones more often than long and wide ones. Where a stage
// would take the chain past kMaxChainWords it is narrowed, down to two commands (which
// bring the next stage's blocks back to two words), and where even that does not fit
// the chain ends there; the first two stages always fit.
std::vector<barrier_chain::Stage> GenChain() {
  using barrier_chain::Op;
  using barrier_chain::Stage;
  const uint32_t stages = *rc::gen::weightedElement<uint32_t>(
      {{4, 2}, {4, 3}, {3, 4}, {2, 5}, {1, 6}, {1, 7}, {1, 8}});
  std::vector<Stage> chain;
  auto words = [&chain] { return barrier_chain::MakePlan(chain).words; };
  for (uint32_t s = 0; s < stages; ++s) {
    const uint32_t width = *rc::gen::weightedElement<uint32_t>(
        {{4, 2}, {4, 3}, {3, 4}, {2, 5}, {1, 6}, {1, 7}, {1, 8}});
    Stage stage;
    for (uint32_t j = 0; j < width; ++j) {
      // Seeds are fills and updates; later, gathers are copies and overwriters fills and
      // updates, where the stage before allows them (Legalize makes the rest copies).
      stage.push_back(s == 0 ? *rc::gen::element(Op::kFill, Op::kUpdate)
                             : *rc::gen::weightedElement<Op>(
                                   {{4, Op::kCopy}, {1, Op::kFill}, {1, Op::kUpdate}}));
    }
    barrier_chain::Legalize(chain, stage);
    chain.push_back(stage);
    while (words() > kMaxChainWords && chain.back().size() > barrier_chain::kMinWidth) {
      chain.back().pop_back();
      barrier_chain::Legalize(std::span(chain.data(), s), chain.back());
    }
    if (words() > kMaxChainWords) {
      chain.pop_back();
      break;
    }
  }
  return chain;
}

rc::Gen<Program> GenProgram(Profile profile) {
  return rc::gen::exec([profile]() {
    Program p;
    p.queue_count = *rc::gen::inRange<uint32_t>(1, 3);
    const bool threads =
        profile.host_threads && *rc::gen::weightedElement<bool>({{2, false}, {1, true}});
    p.host_threads = threads ? *rc::gen::inRange<uint32_t>(2, 4) : 1;
    const bool failures = profile.failures && *rc::gen::weightedElement<bool>({{1, false}, {2, true}});
    const bool faults = profile.faults && !threads;
    const bool pauses = profile.pauses && !threads && !failures && !faults;

    const uint32_t semaphore_count = *rc::gen::inRange<uint32_t>(2, 5);
    std::vector<uint32_t> host_driven, device_driven;
    for (uint32_t s = 0; s < semaphore_count; ++s) {
      SemaphoreSpec spec;
      spec.driver = *rc::gen::element(Driver::kHost, Driver::kDevice);
      spec.object = *rc::gen::weightedElement<Object>({{4, Object::kDevice}, {1, Object::kHostOnly}});
      (spec.driver == Driver::kHost ? host_driven : device_driven).push_back(s);
      p.semaphores.push_back(spec);
    }
    std::vector<uint64_t> host_value(semaphore_count, 0);
    // The highest value any submission so far signals each semaphore to: a queue signal
    // must raise the value it finds when it is submitted (OUT_OF_RANGE otherwise), and
    // device-driven semaphores are signalled only by submissions, made in order by thread
    // 0, so strictly increasing values keep every submission valid whatever the timing.
    // Completions across queues still arrive out of order.
    std::vector<uint64_t> device_value(semaphore_count, 0);

    const uint32_t max_submissions = *rc::gen::inRange<uint32_t>(1, 9);
    const uint32_t op_budget = *rc::gen::inRange<uint32_t>(1, 17);
    bool paused = false;
    auto gen_value = [] { return *rc::gen::inRange<uint64_t>(1, 7); };
    for (uint32_t i = 0; i < op_budget; ++i) {
      const bool can_submit = p.submissions.size() < max_submissions;
      const bool can_signal = !host_driven.empty();
      std::vector<std::pair<uint32_t, OpKind>> kinds;  // (weight, kind)
      if (can_submit) kinds.push_back({6, OpKind::kSubmit});
      if (can_signal) kinds.push_back({4, OpKind::kHostSignal});
      if (!paused) {
        if (can_signal && failures) kinds.push_back({1, OpKind::kHostFail});
        kinds.push_back({static_cast<uint32_t>(profile.wait_weight), OpKind::kHostWait});
        kinds.push_back({static_cast<uint32_t>(profile.waiter_weight), OpKind::kHostWaiter});
        kinds.push_back({static_cast<uint32_t>(profile.observe_weight), OpKind::kObserve});
        if (pauses) kinds.push_back({2, OpKind::kPause});
      } else {
        kinds.push_back({2, OpKind::kResume});
      }
      Op op;
      op.kind = PickWeighted(kinds);
      switch (op.kind) {
        case OpKind::kSubmit: {
          Submission x;
          x.queue = *rc::gen::inRange<uint32_t>(0, p.queue_count);
          const uint32_t wait_count = *rc::gen::weightedElement<uint32_t>({{2, 0}, {4, 1}, {3, 2}, {1, 3}});
          for (uint32_t w = 0; w < wait_count; ++w) {
            x.waits.push_back({*rc::gen::inRange<uint32_t>(0, semaphore_count), gen_value()});
          }
          if (!device_driven.empty()) {
            const uint32_t signal_count = *rc::gen::weightedElement<uint32_t>({{1, 0}, {4, 1}, {2, 2}});
            for (uint32_t k = 0; k < signal_count; ++k) {
              const uint32_t semaphore = *rc::gen::elementOf(device_driven);
              device_value[semaphore] += *rc::gen::inRange<uint64_t>(1, 3);
              x.signals.push_back({semaphore, device_value[semaphore]});
            }
          }
          x.tag_write = *rc::gen::element(TagWrite::kFill, TagWrite::kUpdate);
          // Now and then more concurrent graph nodes between two barriers than any small
          // fixed cap would hold.
          x.extra_fills = *rc::gen::weightedElement<uint32_t>(
              {{12, 0}, {6, *rc::gen::inRange<uint32_t>(1, 4)},
               {1, *rc::gen::inRange<uint32_t>(33, kMaxExtraFills + 1)}});
          x.chain = GenChain();
          if (faults) {
            x.fault = *rc::gen::weightedElement<Fault>(
                {{6, Fault::kNone}, {1, Fault::kIssue}, {1, Fault::kCompletion}});
          }
          op.index = static_cast<uint32_t>(p.submissions.size());
          p.submissions.push_back(x);
          break;
        }
        case OpKind::kHostSignal: {
          op.index = *rc::gen::elementOf(host_driven);
          const bool invalid = *rc::gen::weightedElement<bool>(
              {{8, false}, {static_cast<uint32_t>(profile.invalid_signal_weight), true}});
          if (invalid) {
            op.value = *rc::gen::inRange<uint64_t>(0, host_value[op.index] + 1);
          } else {
            op.value = host_value[op.index] + *rc::gen::inRange<uint64_t>(1, 3);
            host_value[op.index] = op.value;
          }
          break;
        }
        case OpKind::kHostFail:
          op.index = *rc::gen::elementOf(host_driven);
          break;
        case OpKind::kHostWait:
          op.index = *rc::gen::inRange<uint32_t>(0, semaphore_count);
          op.value = gen_value();
          op.timeout_us = *rc::gen::element<uint32_t>(0, 100, 1000);
          break;
        case OpKind::kHostWaiter:
          op.index = *rc::gen::inRange<uint32_t>(0, semaphore_count);
          op.value = gen_value();
          break;
        case OpKind::kPause:
          paused = true;
          break;
        case OpKind::kResume:
          paused = false;
          break;
        case OpKind::kObserve:
          break;
      }
      p.ops.push_back(op);
    }
    if (paused) p.ops.push_back(Op{OpKind::kResume});
    return p;
  });
}

rc::Gen<RunConfig> GenConfig() {
  return rc::gen::exec([] {
    RunConfig config;
    config.vendor = *rc::gen::element(Vendor::kCuda, Vendor::kHip);
    config.mode = *rc::gen::element(Mode::kGraph, Mode::kStream);
    config.schedule = *rc::gen::weightedElement<Schedule>(
        {{3, Schedule::kDeterministic}, {1, Schedule::kThreaded}});
    // GPUHAL_PROPERTY_SCHEDULE=threaded|deterministic pins it (ThreadSanitizer runs want
    // the worker threads of the threaded schedule).
    if (const char* schedule = std::getenv("GPUHAL_PROPERTY_SCHEDULE")) {
      config.schedule = std::string(schedule) == "threaded" ? Schedule::kThreaded
                                                            : Schedule::kDeterministic;
    }
    config.seed = *rc::gen::noShrink(rc::gen::arbitrary<uint32_t>());
    // Sparse observation only queries events, which drives the threaded simulated GPU
    // (it runs by itself) but not the deterministic one.
    config.sparse_completion =
        config.schedule == Schedule::kThreaded && *rc::gen::arbitrary<bool>();
    return config;
  });
}

std::atomic<uint64_t> programs_run{0};

// A program that deadlocks the host thread running it cannot report itself: a watchdog
// prints it (with its device URI and the round's RapidCheck seed) and aborts once a single
// run has taken GPUHAL_PROPERTY_HANG_SECONDS (default 120; every bounded wait inside a
// run is 10 s).
class Watchdog {
 public:
  static Watchdog& Get() {
    static Watchdog* watchdog = new Watchdog();  // never destroyed: its thread runs on
    return *watchdog;
  }
  void Start(std::string what) {
    std::lock_guard<std::mutex> lock(mutex_);
    what_ = std::move(what);
    started_ = std::chrono::steady_clock::now();
    running_ = true;
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = false;
  }
  void set_round_seed(uint64_t seed) { round_seed_.store(seed); }

 private:
  Watchdog() {
    const char* env = std::getenv("GPUHAL_PROPERTY_HANG_SECONDS");
    limit_ = env ? std::atof(env) : 120.0;
    std::thread([this] { Loop(); }).detach();
  }
  void Loop() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      std::lock_guard<std::mutex> lock(mutex_);
      if (!running_) continue;
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      if (seconds < limit_) continue;
      std::fprintf(stderr,
                   "[ property ] HANG: one program has run for %.0f s (a deadlock?); aborting.\n"
                   "%sRapidCheck seed of this run: %llu (RC_PARAMS=\"seed=%llu\")\n",
                   seconds, what_.c_str(), static_cast<unsigned long long>(round_seed_.load()),
                   static_cast<unsigned long long>(round_seed_.load()));
      std::abort();
    }
  }
  std::mutex mutex_;
  std::string what_;
  std::chrono::steady_clock::time_point started_;
  bool running_ = false;
  double limit_ = 120.0;
  std::atomic<uint64_t> round_seed_{0};
};

// A failing program can take seconds (bounded waits running out), and RapidCheck shrinks
// by rerunning candidates. Past this budget after a property's first failure, candidates
// are skipped (they count as passing), so shrinking stops at the smallest failing
// program found so far: what it prints still fails, it may just not be minimal.
// GPUHAL_PROPERTY_SHRINK_SECONDS changes it.
std::chrono::steady_clock::time_point first_failure;
bool failed_yet = false;

bool ShrinkBudgetSpent() {
  if (!failed_yet) return false;
  const char* env = std::getenv("GPUHAL_PROPERTY_SHRINK_SECONDS");
  const double budget = env ? std::atof(env) : 60.0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - first_failure).count() >
         budget;
}

// Prints the first failure of a property as it happened, before shrinking: a failure
// that depends on timing may not fail again while RapidCheck shrinks it.
void NoteFailure(const std::string& what) {
  if (!failed_yet) {
    first_failure = std::chrono::steady_clock::now();
    std::fprintf(stderr, "[ property ] first failure, before shrinking:\n%s\n", what.c_str());
  }
  failed_yet = true;
}

std::string WriteTrace(const std::string& property, const std::string& json) {
  const char* dir = std::getenv("GPUHAL_PROPERTY_TRACE_DIR");
  const std::string path =
      std::string(dir && *dir ? dir : ".") + "/gpuhal_property_" + property + ".trace.json";
  std::ofstream out(path);
  out << json;
  return out ? path : "(could not write " + path + ")";
}

void RunAndCheck(const std::string& property, const Program& program, const RunConfig& config,
                 const RunOptions& options = {}) {
  if (ShrinkBudgetSpent()) return;
  const auto start = std::chrono::steady_clock::now();
  Watchdog::Get().Start("program #" + std::to_string(programs_run.load() + 1) + ", device " +
                        config.DeviceUri(program.queue_count) + "\n" + ToString(program));
  const RunReport report = RunProgram(program, config, options);
  Watchdog::Get().Stop();
  programs_run.fetch_add(1);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (seconds > 2.0 && report.ok()) {
    // Not a failure (a busy machine is slow), but a program this slow usually means a
    // bounded wait ran out: worth a look.
    std::fprintf(stderr, "[ property ] slow program (%.1f s) on %s:\n%s", seconds,
                 config.DeviceUri(program.queue_count).c_str(), ToString(program).c_str());
  }
  if (report.ok()) return;
  // Each failing run overwrites the file, so after shrinking it holds the trace of the
  // smallest counterexample.
  const std::string trace = WriteTrace(property, report.trace_json);
  const std::string what = "device " + config.DeviceUri(program.queue_count) +
                           " (schedule seed " + std::to_string(config.seed) + ")\n" +
                           report.Describe() + ToString(program) +
                           "Chrome trace of this run: " + trace;
  NoteFailure(what);
  RC_FAIL(what);
}

int ProgramsPerProperty() {
  if (const char* env = std::getenv("GPUHAL_PROPERTY_PROGRAMS")) return std::atoi(env);
  const char* params = std::getenv("RC_PARAMS");
  if (params && std::string(params).find("max_success") != std::string::npos) {
    return rc::detail::configuration().testParams.maxSuccess;
  }
  return GPUHAL_PROPERTY_DEFAULT_PROGRAMS;
}

double SoakSeconds() {
  const char* env = std::getenv("GPUHAL_SOAK_SECONDS");
  return env ? std::atof(env) : 0.0;
}

// Runs `property` for the configured number of programs (or, soaking, for its share of
// the time budget in rounds of fresh seeds) and prints counts and rate.
template <typename Testable>
void Check(const char* name, Testable&& testable) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const uint64_t before = programs_run.load();
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double soak = SoakSeconds() / 7.0;  // seven properties share the budget
  failed_yet = false;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  std::mt19937_64 seeds(std::random_device{}());
  do {
    params.maxSuccess = soak > 0 ? 200 : ProgramsPerProperty();
    if (soak > 0) params.seed = seeds();
    Watchdog::Get().set_round_seed(params.seed);
    const rc::detail::TestResult result =
        rc::detail::configuration().reproduce.empty()
            ? rc::detail::checkTestable(testable, metadata, params)
            : rc::detail::checkTestable(testable, metadata);  // RC_PARAMS="reproduce=..."
    if (!result.template is<rc::detail::SuccessResult>()) {
      std::ostringstream message;
      rc::detail::printResultMessage(result, message);
      FAIL() << name << ": " << message.str() << "\nRapidCheck seed of this run: "
             << params.seed << " (RC_PARAMS=\"seed=" << params.seed << "\")";
      return;
    }
  } while (soak > 0 && elapsed() < soak);
  const uint64_t programs = programs_run.load() - before;
  std::printf("[ property ] %s: %llu programs in %.1f s (%.0f programs/s)\n", name,
              static_cast<unsigned long long>(programs), elapsed(), programs / elapsed());
}

// The harness's drivers record the simulated GPU's trace (traced_fake_drivers.h), which
// every counterexample carries: a two-submission chain's trace has its spans.
TEST(TimelineProperties, RunsCarryTheSimulatedGpusTrace) {
  Program program;
  program.semaphores = {SemaphoreSpec{}};
  program.submissions = {Submission{.signals = {{0, 1}}},
                         Submission{.waits = {{0, 1}}, .signals = {{0, 2}}}};
  program.ops = {Op{.kind = OpKind::kSubmit, .index = 0}, Op{.kind = OpKind::kSubmit, .index = 1}};
  for (const Vendor vendor : {Vendor::kCuda, Vendor::kHip}) {
    RunConfig config;
    config.vendor = vendor;
    RunOptions options;
    options.keep_trace = true;
    const RunReport report = RunProgram(program, config, options);
    EXPECT_TRUE(report.ok()) << report.Describe();
    EXPECT_NE(report.trace_json.find("\"traceEvents\""), std::string::npos);
    EXPECT_NE(report.trace_json.find("\"ph\":\"X\""), std::string::npos) << report.trace_json;
  }
}

TEST(TimelineProperties, P1_Ordering) {
  Profile profile;
  profile.host_threads = true;
  profile.observe_weight = 3;
  Check("P1 ordering", [profile] {
    RunAndCheck("P1_Ordering", *GenProgram(profile), *GenConfig());
  });
}

TEST(TimelineProperties, P2_Liveness) {
  Profile profile;
  profile.host_threads = true;
  profile.waiter_weight = 3;
  profile.wait_weight = 3;
  Check("P2 liveness", [profile] {
    RunAndCheck("P2_Liveness", *GenProgram(profile), *GenConfig());
  });
}

TEST(TimelineProperties, P3_MonotonicValues) {
  Profile profile;
  profile.failures = true;
  profile.host_threads = true;
  profile.invalid_signal_weight = 4;
  Check("P3 monotonic values", [profile] {
    RunAndCheck("P3_MonotonicValues", *GenProgram(profile), *GenConfig());
  });
}

TEST(TimelineProperties, P4_FailurePropagation) {
  Profile profile;
  profile.failures = true;
  profile.faults = true;
  profile.host_threads = true;
  profile.waiter_weight = 2;
  Check("P4 failure propagation", [profile] {
    RunAndCheck("P4_FailurePropagation", *GenProgram(profile), *GenConfig());
  });
}

TEST(TimelineProperties, P5_Hygiene) {
  Profile profile;
  profile.failures = true;
  profile.faults = true;
  profile.host_threads = true;
  Check("P5 hygiene", [profile] {
    const Program program = *GenProgram(profile);
    const RunConfig config = *GenConfig();
    RunOptions options;
    // Not after an injected completion fault: the faulted submission's work may still be
    // queued on the simulated GPU (a real GPU's launch failure would have stopped it) and
    // run after the program's buffers are gone, faulting the device for the repetition.
    // And only where the run repeats itself: deterministic schedule, one host thread, no
    // host waits (whose timeouts, and waiter threads, make the pools' peaks, and with them
    // the memory kept, vary from run to run).
    options.check_growth = program.sequential() && config.schedule == Schedule::kDeterministic;
    for (const Submission& submission : program.submissions) {
      options.check_growth &= submission.fault != Fault::kCompletion;
    }
    for (const Op& op : program.ops) {
      options.check_growth &= op.kind != OpKind::kHostWait && op.kind != OpKind::kHostWaiter;
    }
    RunAndCheck("P5_Hygiene", program, config, options);
  });
}

TEST(TimelineProperties, P6_NoHostHop) {
  Profile profile;
  profile.pauses = true;
  Check("P6 no host hop", [profile] {
    RunAndCheck("P6_NoHostHop", *GenProgram(profile), *GenConfig());
  });
}

// The same program on fake-cuda and fake-hip, in graph and stream mode, under one
// schedule seed: what the model pins down must come out identical everywhere.
TEST(TimelineProperties, P7_Equivalence) {
  // Faults stay out: whether one fires depends on what was issued when, which may
  // legitimately differ between vendors and modes.
  Profile profile;
  profile.failures = true;
  Check("P7 equivalence", [profile] {
    const Program program = *GenProgram(profile);
    RunConfig base = *GenConfig();
    if (ShrinkBudgetSpent()) return;
    std::string first_projection;
    std::string first_name;
    for (Vendor vendor : {Vendor::kCuda, Vendor::kHip}) {
      for (Mode mode : {Mode::kGraph, Mode::kStream}) {
        RunConfig config = base;
        config.vendor = vendor;
        config.mode = mode;
        Watchdog::Get().Start("program #" + std::to_string(programs_run.load() + 1) +
                              ", device " + config.DeviceUri(program.queue_count) + "\n" +
                              ToString(program));
        const RunReport report = RunProgram(program, config);
        Watchdog::Get().Stop();
        programs_run.fetch_add(1);
        const std::string name = config.DeviceUri(program.queue_count);
        if (!report.ok()) {
          const std::string trace = WriteTrace("P7_Equivalence", report.trace_json);
          const std::string what = "device " + name + "\n" + report.Describe() +
                                   ToString(program) + "Chrome trace of this run: " + trace;
          NoteFailure(what);
          RC_FAIL(what);
        }
        if (first_name.empty()) {
          first_name = name;
          first_projection = report.projection;
        } else if (report.projection != first_projection) {
          const std::string what = "[P7 equivalence] " + first_name + " and " + name +
                                   " disagree:\n  " + first_projection + "\n  " +
                                   report.projection + "\n" + ToString(program);
          NoteFailure(what);
          RC_FAIL(what);
        }
      }
    }
  });
}

}  // namespace
}  // namespace gpuhal::properties
