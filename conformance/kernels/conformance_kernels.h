// The conformance kernels (conformance_kernels.inc) as the suite and gpuhal-demo see them:
// each kernel's pipeline layout, and executable containers built from them at run time
// with a "fake" target for the simulated GPU and a "ptx" target when the build had nvcc.
#ifndef GPUHAL_CONFORMANCE_KERNELS_CONFORMANCE_KERNELS_H_
#define GPUHAL_CONFORMANCE_KERNELS_CONFORMANCE_KERNELS_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "gpuhal/core/executable_builder.h"

namespace gpuhal::kernels {

// Every conformance kernel runs 64 threads per workgroup along x.
inline constexpr std::array<uint32_t, 3> kBlockSize{64, 1, 1};

struct KernelSpec {
  std::string_view name;
  LayoutShape layout;
};

// Every conformance kernel, in the order of conformance_kernels.inc.
std::span<const KernelSpec> AllKernels();
// Null for a name that is not a conformance kernel.
const KernelSpec* FindKernel(std::string_view name);

// The PTX of every kernel, for compute_75 and later; empty when the build had no nvcc.
std::string_view ConformancePtx();

struct ContainerTargets {
  bool fake = true;
  bool ptx = true;  // only added when ConformancePtx() is not empty
};

// A container whose entry points are `names` in order (so entry point i is names[i]), each
// with the kernel's own layout and kBlockSize. Aborts on an unknown name: that is a bug in
// the caller, not a condition to test.
std::vector<uint8_t> BuildKernelContainer(std::initializer_list<std::string_view> names,
                                          ContainerTargets targets = {});
std::vector<uint8_t> BuildKernelContainer(std::span<const std::string_view> names,
                                          ContainerTargets targets = {});

// Workgroups that cover `count` elements at kBlockSize threads each.
inline uint32_t WorkgroupsFor(uint64_t count) {
  return static_cast<uint32_t>((count + kBlockSize[0] - 1) / kBlockSize[0]);
}

}  // namespace gpuhal::kernels

#endif  // GPUHAL_CONFORMANCE_KERNELS_CONFORMANCE_KERNELS_H_
