// A two-queue pipeline: upload, transform on queue 0, sum on queue 1, download.
//
//   input --transform (queue 0)--> output --sum (queue 1)--> total
//
// The sum is submitted first, waiting on a semaphore the transform signals later (wait
// before signal); the host waits only for the sum. Every failure comes back as a Status
// that names what failed, and leaves nothing queued or allocated behind.
#ifndef PIPELINE_PIPELINE_H_
#define PIPELINE_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "gpuhal/gpuhal.h"

namespace pipeline {

struct Result {
  std::vector<uint32_t> output;  // input[i] * multiplier + addend
  uint32_t total = 0;            // the sum of output, modulo 2^32
};

class Pipeline {
 public:
  // Loads the kernels onto `device`. The sum runs on queue 1 when the device has two
  // queues (the "queues=2" URI key), else on queue 0 behind the transform.
  static gpuhal::Result<std::unique_ptr<Pipeline>> Create(gpuhal::Device& device);

  gpuhal::Result<Result> Run(std::span<const uint32_t> input, uint32_t multiplier,
                             uint32_t addend, gpuhal::Timeout timeout);

 private:
  Pipeline(gpuhal::Device& device) : device_(device) {}

  gpuhal::Device& device_;  // outlives the pipeline
  gpuhal::Ref<gpuhal::PipelineLayout> transform_layout_;
  gpuhal::Ref<gpuhal::PipelineLayout> sum_layout_;
  gpuhal::Ref<gpuhal::Executable> executable_;
};

// The same computation on the host, for checking.
Result Expected(std::span<const uint32_t> input, uint32_t multiplier, uint32_t addend);

}  // namespace pipeline

#endif  // PIPELINE_PIPELINE_H_
