// Random programs over timeline semaphores, queues and command buffers: what the
// property tests generate, run on the simulated GPU (runner.h) and predict with the
// reference model (model.h).
//
// A program has a handful of user semaphores, each either host-driven (only host ops
// signal and fail it) or device-driven (only submissions signal it; it fails when a
// signalling submission fails). Keeping the two apart keeps the model exact: a host
// signal racing a device signal on one semaphore would make OUT_OF_RANGE depend on
// timing. Either kind may be a device semaphore or a host-only semaphore. For the same
// reason the submissions signal each device-driven semaphore to increasing values in
// submission order (a queue signal must raise the value it finds when submitted), though
// their completions across queues arrive in any order.
//
// Every submission waits and signals at random (waits on values nobody signals yet, or
// ever; larger signals satisfying smaller waits; several waiters on one value) and runs
// one command buffer that makes its execution observable:
//   1. copy the whole tag array into the submission's own snapshot row,
//   2. barrier,
//   3. `extra_fills` fills of its own scratch words (concurrent graph nodes),
//   4. barrier,
//   5. its barrier chain (conformance/barrier_chain.h): K stages of 2-8 fills, updates
//      and copies in its own words, a barrier after each, in which every command reads
//      or rewrites what every command of the stage before touched,
//   6. write its own tag (fill or update).
// The snapshot row says which submissions had finished their commands when this one
// started, which is how ordering is checked on the GPU's own timeline. The chain's words
// say whether the barriers inside the command buffer held: a command run before one of
// the previous stage's leaves different bytes (for some schedule seed), and the runner
// compares every word with the plan's evaluation once the tag is written.
#ifndef GPUHAL_FUZZ_PROPERTIES_PROGRAM_H_
#define GPUHAL_FUZZ_PROPERTIES_PROGRAM_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/barrier_chain.h"

namespace gpuhal::properties {

enum class Driver : uint8_t { kHost, kDevice };      // who signals the semaphore
enum class Object : uint8_t { kDevice, kHostOnly };  // device->CreateSemaphore or CreateHostSemaphore

struct SemaphoreSpec {
  Driver driver = Driver::kDevice;
  Object object = Object::kDevice;
};

struct Point {
  uint32_t semaphore = 0;
  uint64_t value = 0;
};

enum class TagWrite : uint8_t { kFill, kUpdate };

// Injected vendor faults. kIssue: the vendor's event record that ends the submission's
// issue fails (the submission is issued with completion observation paused, so only it
// can hit the fault). kCompletion: the completion thread's wait on the submission's
// completion event reports a failed launch, as a GPU reports a kernel fault (the
// submission is issued alone, after everything earlier has finished). A fault applies
// only when the submission is issued at once; the runner records whether it fired.
enum class Fault : uint8_t { kNone, kIssue, kCompletion };

struct Submission {
  uint32_t queue = 0;
  std::vector<Point> waits;
  std::vector<Point> signals;  // device-driven semaphores only
  TagWrite tag_write = TagWrite::kFill;
  uint32_t extra_fills = 0;  // up to kMaxExtraFills
  // Stages of fills, updates and copies (empty: none), at most kMaxChainWords words.
  std::vector<barrier_chain::Stage> chain;
  Fault fault = Fault::kNone;
};

enum class OpKind : uint8_t {
  kSubmit,      // index: submission (submissions are submitted in index order)
  kHostSignal,  // index: host-driven semaphore, value
  kHostFail,    // index: host-driven semaphore
  kHostWait,    // index: semaphore, value, timeout_us (0: Timeout::Immediate())
  kHostWaiter,  // index: semaphore, value: a thread that waits without a timeout
  kObserve,     // reads the tag array back mid-program
  kPause,       // waits for quiescence, then stops completion observation
  kResume,      // checks what the pause predicts, then resumes completion
};

struct Op {
  OpKind kind = OpKind::kSubmit;
  uint32_t index = 0;
  uint64_t value = 0;
  uint32_t timeout_us = 0;
};

struct Program {
  uint32_t queue_count = 1;
  // 1: thread 0 does everything. >1: host signals and fails of semaphore s run on
  // thread 1 + s % (host_threads - 1), concurrently with thread 0's other ops.
  uint32_t host_threads = 1;
  std::vector<SemaphoreSpec> semaphores;
  std::vector<Submission> submissions;
  std::vector<Op> ops;

  bool sequential() const { return host_threads <= 1; }
  // Whether anything in it can fail before the end-of-program cleanup.
  bool HasFailures() const;
  // The thread that runs ops[i].
  uint32_t ThreadOf(const Op& op) const;
};

enum class Vendor : uint8_t { kCuda, kHip };
enum class Mode : uint8_t { kGraph, kStream };
enum class Schedule : uint8_t { kDeterministic, kThreaded };

struct RunConfig {
  Vendor vendor = Vendor::kCuda;
  Mode mode = Mode::kGraph;
  Schedule schedule = Schedule::kDeterministic;
  uint64_t seed = 0;  // the simulated GPU's schedule seed (and the host threads' jitter)
  // Completion threads observe sparsely throughout, as during a rapid run of issues, so
  // that submitting threads retire what they find done, in batches
  // (GpuDeviceDiagnostics::ForceSparseCompletionForTesting). Threaded schedule only: the
  // deterministic simulated GPU advances only when the host synchronizes.
  bool sparse_completion = false;

  std::string DeviceUri(uint32_t queue_count) const;
};

inline constexpr uint32_t kMaxExtraFills = 40;
// The words one submission's barrier chain may span (its blocks grow with wide stages).
inline constexpr uint32_t kMaxChainWords = 1024;

// Human-readable forms, printed with every counterexample. RapidCheck finds these by
// argument-dependent lookup.
void showValue(const Program& program, std::ostream& os);
void showValue(const RunConfig& config, std::ostream& os);
std::string ToString(const Program& program);
std::string ToString(const RunConfig& config);

}  // namespace gpuhal::properties

#endif  // GPUHAL_FUZZ_PROPERTIES_PROGRAM_H_
