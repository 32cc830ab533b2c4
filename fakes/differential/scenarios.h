// The differential suite: scenarios written only against `const cuda::CudaSymbols&`, run
// unchanged on the simulated GPU's CUDA table and on the real driver (libcuda.so.1), so a
// difference in observable behaviour between the fake and CUDA shows up as a failing
// scenario on real hardware.
//
// A scenario gets a table whose driver is initialized and whose device 0 primary context
// is current on the calling thread. It returns what it observed (bytes read back, orders,
// result codes, as bytes) and the suite compares that with the scenario's expected bytes,
// which are computed on the host without any driver.
#ifndef GPUHAL_FAKES_DIFFERENTIAL_SCENARIOS_H_
#define GPUHAL_FAKES_DIFFERENTIAL_SCENARIOS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "backends/cuda/cuda_symbols.h"
#include "gpuhal/status.h"

namespace gpuhal::fake::differential {

using Observation = std::vector<uint8_t>;

struct Scenario {
  std::string_view name;
  Result<Observation> (*run)(const cuda::CudaSymbols& cu);
  Observation (*expected)();
};

// Every scenario, in a fixed order.
std::span<const Scenario> Scenarios();

// The PTX of the one kernel scenarios launch, gpuhal_diff_store_u32(u32* target, u32 value),
// and its fake twin's name (registered as a built-in fake kernel by this library).
extern const char kStoreKernelPtx[];
inline constexpr char kStoreKernelName[] = "gpuhal_diff_store_u32";

}  // namespace gpuhal::fake::differential

#endif  // GPUHAL_FAKES_DIFFERENTIAL_SCENARIOS_H_
