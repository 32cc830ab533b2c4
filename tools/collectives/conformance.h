// The collective conformance cases, run by one rank: every collective kind, reduction
// and element type, batched and interleaved with other commands, through command buffers
// of one mode, with every result checked on the host against values computed there.
//
// Every rank of the channel runs the same cases in the same order (collectives match by
// order), each from its own thread or process.
#ifndef GPUHAL_TOOLS_COLLECTIVES_CONFORMANCE_H_
#define GPUHAL_TOOLS_COLLECTIVES_CONFORMANCE_H_

#include <string>
#include <vector>

#include "gpuhal/channel.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/device.h"
#include "gpuhal/status.h"

namespace gpuhal::collectives {

struct CaseResult {
  std::string name;  // e.g. "graph/all-reduce/float16"
  Status status;     // OK, or what failed (a submission, or the first wrong element)
};

std::vector<CaseResult> RunConformance(Device& device, Channel& channel, CommandBufferMode mode);

// A JSON array of the results (names, "ok", messages).
std::string CaseResultsJson(const std::vector<CaseResult>& results);

}  // namespace gpuhal::collectives

#endif  // GPUHAL_TOOLS_COLLECTIVES_CONFORMANCE_H_
