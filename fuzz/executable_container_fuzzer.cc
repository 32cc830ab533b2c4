// libFuzzer target: ParseExecutableContainer must reject any malformed container with a
// status, never crash or read outside the input. Seed corpus: corpus/executable_container/.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gpuhal/core/executable_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = gpuhal::ParseExecutableContainer(std::span<const uint8_t>(data, size));
  if (parsed.ok()) {
    // Touch everything a loader would, so ASan checks that the spans stay in the input.
    size_t checksum = 0;
    for (const gpuhal::ParsedTarget& target : parsed->targets) {
      for (uint8_t byte : target.code) checksum += byte;
      (void)parsed->FindTarget(target.name);
    }
    volatile size_t sink = checksum;
    (void)sink;
  }
  return 0;
}
