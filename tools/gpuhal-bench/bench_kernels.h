// The benchmark kernels (bench_kernels.ptx) as gpuhal and the raw driver see them: the
// PTX for a real GPU, host versions for the simulated GPU, and an executable container
// holding both.
#ifndef GPUHAL_TOOLS_GPUHAL_BENCH_BENCH_KERNELS_H_
#define GPUHAL_TOOLS_GPUHAL_BENCH_BENCH_KERNELS_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gpuhal/core/executable_format.h"

namespace gpuhal::bench {

// Entry point ordinals in the container.
inline constexpr uint32_t kNoopEntryPoint = 0;  // bench_noop(u64 buffer, u32 value)
inline constexpr uint32_t kSpinEntryPoint = 1;  // bench_spin(u32 duration_ns)
inline constexpr std::array<uint32_t, 3> kBenchBlockSize{32, 1, 1};

// bench_noop: set 0 holds one binding, then one push constant.
LayoutShape NoopLayout();
// bench_spin: no bindings, one push constant.
LayoutShape SpinLayout();

std::string_view BenchKernelsPtx();

// Entry points bench_noop and bench_spin, with "fake" and "ptx" targets.
std::vector<uint8_t> BuildBenchContainer();

}  // namespace gpuhal::bench

#endif  // GPUHAL_TOOLS_GPUHAL_BENCH_BENCH_KERNELS_H_
