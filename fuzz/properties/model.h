// The reference model of timeline semantics: for a program (and the faults that the run
// reports as fired), which submissions must complete, must fail, must stay blocked, or
// may legitimately go either way; each semaphore's final value or failure; what every
// host signal returns; and, for a paused burst, what must be issued without a host trip.
//
// Fixpoints, computed from nothing upwards so that cycles (a submission waiting on its
// own signal, two waiting on each other) end up blocked:
//   C+  may complete: not faulted, every wait may be reached.
//   F+  may fail:     faulted, or some wait's semaphore may fail before the value.
//   F!  must fail:    faulted, or some wait's semaphore must fail and can never reach it.
// Then: F! -> fail; C+ and not F+ -> complete; neither C+ nor F+ -> blocked; else either.
// "Either" arises only from real races, e.g. a device-driven semaphore that one
// submission advances and another fails: whether a waiter sees the value or the failure
// depends on which lands first, on a GPU as here.
#ifndef GPUHAL_FUZZ_PROPERTIES_MODEL_H_
#define GPUHAL_FUZZ_PROPERTIES_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/properties/program.h"
#include "gpuhal/status.h"

namespace gpuhal::properties {

// Failure codes a submission or semaphore may carry, as a bit set.
enum FailureCode : uint32_t {
  kHostFailCode = 1u << 0,  // ABORTED: a host Fail()
  kFaultCode = 1u << 1,     // INTERNAL: an injected vendor fault
  kCleanupCode = 1u << 2,   // CANCELLED: the end-of-program cleanup
};
uint32_t FailureCodeBit(StatusCode code);  // 0 for any other code

enum class Outcome : uint8_t { kComplete, kFail, kBlocked, kEither };

struct SubmissionExpectation {
  Outcome outcome = Outcome::kEither;
  uint32_t codes = 0;    // failure codes it may end with
  bool may_run = false;  // when it fails: its commands may still have run on the GPU
};

struct SemaphoreExpectation {
  bool definite = false;
  bool failed = false;
  uint64_t value = 0;
  uint32_t codes = 0;
  uint64_t max_reachable = 0;  // the largest value any signal may bring it to
  bool may_fail = false;
};

struct ModelResult {
  std::vector<SubmissionExpectation> submissions;
  std::vector<SemaphoreExpectation> semaphores;
  // For each op: a host signal's expected status code (kOk, kOutOfRange, kAborted).
  std::vector<StatusCode> host_signal_codes;
  // For each op and each host-driven semaphore: its accepted value and failure right
  // after that op, in program order (exact for sequential programs, and for each
  // semaphore on its own thread).
  std::vector<std::vector<uint64_t>> host_value_after;
  std::vector<std::vector<bool>> host_failed_after;
};

struct FiredFaults {
  std::vector<bool> issue;       // per submission
  std::vector<bool> completion;  // per submission
};

// The program's outcome after its first `op_count` ops.
ModelResult Evaluate(const Program& program, size_t op_count, const FiredFaults& faults);

// For a failure-free sequential program paused at ops[pause] and resumed at
// ops[resume]: what the device must report just before the resume. Completion
// observation is off during the burst, so only device-side event waits can release
// submissions on device-driven semaphores.
struct BurstExpectation {
  size_t pending_actions = 0;
  size_t in_flight_actions = 0;
  uint64_t device_event_waits = 0;  // added during the burst
};
BurstExpectation ExpectBurst(const Program& program, size_t pause, size_t resume);

}  // namespace gpuhal::properties

#endif  // GPUHAL_FUZZ_PROPERTIES_MODEL_H_
