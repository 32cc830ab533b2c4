// Runs a program on the simulated GPU and checks it against the reference model.
#ifndef GPUHAL_FUZZ_PROPERTIES_RUNNER_H_
#define GPUHAL_FUZZ_PROPERTIES_RUNNER_H_

#include <string>
#include <vector>

#include "fuzz/properties/program.h"

namespace gpuhal::properties {

// The properties; every violation names one.
enum class Property : int {
  kOrdering = 1,
  kLiveness = 2,
  kMonotonic = 3,
  kFailurePropagation = 4,
  kHygiene = 5,
  kNoHostHop = 6,
  kEquivalence = 7,
};
const char* PropertyName(Property property);

struct Violation {
  Property property;
  std::string message;
};

struct RunOptions {
  // Runs the program a second time on the same device and requires that the device's
  // host allocations did not grow between the two quiescent points.
  bool check_growth = false;
  // Keeps the Chrome trace in the report even when nothing went wrong.
  bool keep_trace = false;
};

struct RunReport {
  std::vector<Violation> violations;
  // What must be the same on every vendor, mode and schedule (property 7): outcomes,
  // tags and scratch words of submissions the model pins down, and final semaphore
  // states that it pins down.
  std::string projection;
  std::string trace_json;  // the simulated GPU's Chrome trace (on a violation, or asked for)
  uint64_t device_event_waits = 0;
  bool ok() const { return violations.empty(); }
  std::string Describe() const;
};

RunReport RunProgram(const Program& program, const RunConfig& config,
                     const RunOptions& options = {});

}  // namespace gpuhal::properties

#endif  // GPUHAL_FUZZ_PROPERTIES_RUNNER_H_
