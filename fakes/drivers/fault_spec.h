// The simulated GPU's fault and trace options, as a device URI or a test writes them:
//
//   fail=RULE[,RULE...]   RULE is NAME@N (the Nth call of vendor function NAME fails) or
//                         NAME%P (each call of NAME fails with probability P in (0, 1],
//                         drawn from the device's seed). NAME is a function of the
//                         device's vendor library or its collectives library (cuMemAlloc,
//                         cuLaunchKernel, ncclAllReduce; hipMalloc on fake-hip). An
//                         allocation fails with out-of-memory, a collective with a system
//                         error, anything else with launch-failed.
//   lose=N                the device is lost after N vendor calls: every later call that
//                         touches it fails, as after a real GPU falls off the bus.
//   fault_kernel=NAME[@N][,...]  the Nth launch (default the first) of kernel NAME faults
//                         (sticky, as a kernel's illegal access on a GPU).
//   memory=SIZE           device memory: bytes, or a number with KiB, MiB or GiB.
//   trace=FILE            a Chrome trace of the device's work is written to FILE when the
//                         simulated GPU is released.
//
// Calls are counted from the moment the rules are added (device creation, for a URI).
// Every malformed part is INVALID_ARGUMENT naming that part.
#ifndef GPUHAL_FAKES_DRIVERS_FAULT_SPEC_H_
#define GPUHAL_FAKES_DRIVERS_FAULT_SPEC_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/engine/engine.h"
#include "fakes/engine/fault_injector.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

// What one vendor's simulated GPU understands: its function names and its error codes.
struct FaultVocabulary {
  std::string_view vendor;  // "fake-cuda"
  std::span<const std::string_view> vendor_functions;
  std::span<const std::string_view> collective_functions;
  int out_of_memory = 0;
  int launch_failed = 0;
  int collective_failed = 0;
  // The vendor's name of a CUDA function (or the name itself), for a hint when a spec
  // names the other vendor's function.
  std::string (*translate_cuda_name)(std::string_view cuda_name) = nullptr;
};

// The faults a spec asks for, ready to add to an engine.
struct FaultPlan {
  std::vector<FaultRule> rules;
  std::optional<uint64_t> lose_after_calls;
  // memory= of a spec given to InjectFaults: every device's new memory cap (a URI's
  // memory= sizes the simulated GPU when it is made instead).
  std::optional<uint64_t> memory_bytes;
  bool empty() const { return rules.empty() && !lose_after_calls && !memory_bytes; }
};

// Parses the values of fail=, lose= and fault_kernel= (each may be absent); `seed` seeds
// the fractional rules.
Result<FaultPlan> ParseFaultPlan(std::optional<std::string_view> fail,
                                 std::optional<std::string_view> lose,
                                 std::optional<std::string_view> fault_kernel,
                                 const FaultVocabulary& vocabulary, uint64_t seed);

// Parses "key=value&key=value" with the keys fail, lose, fault_kernel and memory and no
// others: the form the public InjectFaults takes.
Result<FaultPlan> ParseFaultSpec(std::string_view spec, const FaultVocabulary& vocabulary,
                                 uint64_t seed);

// Adds the plan's rules to `engine`; lose= makes every device of the engine lost.
void ApplyFaultPlan(const FaultPlan& plan, Engine& engine);

// A whole unsigned decimal number, or nothing (empty text, a sign, junk, overflow).
std::optional<uint64_t> ParseUnsignedDecimal(std::string_view text);

// "4096", "64KiB", "64MiB", "1GiB" as bytes; INVALID_ARGUMENT naming `key` otherwise.
Result<uint64_t> ParseByteSize(std::string_view key, std::string_view text);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_DRIVERS_FAULT_SPEC_H_
