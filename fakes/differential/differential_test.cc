// Runs every differential scenario on each target: the simulated GPU's CUDA table in both
// scheduling modes (always), and the real driver, libcuda.so.1, when it loads and reports
// a device (otherwise those cases are skipped, saying why). Each case compares what the
// scenario observed with the scenario's expected bytes.
//
// On a machine with an NVIDIA GPU, run the binary on its own:
//   ./fakes_differential_test                       # every target
//   ./fakes_differential_test --gtest_filter='Real/*'
// GPUHAL_DIFFERENTIAL_CUDA_LIBRARY names another driver library to load instead.
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "backends/cuda/cuda_library.h"
#include "backends/cuda/cuda_status.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "fakes/differential/scenarios.h"
#include "gtest/gtest.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake::differential {
namespace {

enum class Target { kFakeDeterministic, kFakeThreaded, kReal };

std::string TargetName(Target target) {
  switch (target) {
    case Target::kFakeDeterministic: return "FakeDeterministic";
    case Target::kFakeThreaded: return "FakeThreaded";
    case Target::kReal: return "Real";
  }
  return "Unknown";
}
// For GoogleTest's parameter printout (found by argument-dependent lookup).
void PrintTo(Target target, std::ostream* os) { *os << TargetName(target); }

// The real driver, loaded once per process; null (with a reason) when unavailable.
struct RealDriver {
  Ref<cuda::CudaLibrary> library;
  std::string unavailable_reason;
};
const RealDriver& LoadRealDriver() {
  static const RealDriver driver = [] {
    RealDriver loaded;
    const char* override_name = std::getenv("GPUHAL_DIFFERENTIAL_CUDA_LIBRARY");
    auto library = cuda::LoadCudaLibrary(override_name ? override_name : cuda::kCudaLibraryName);
    if (!library.ok()) {
      loaded.unavailable_reason = "no CUDA driver: " + library.status().ToString();
      return loaded;
    }
    const cuda::CudaSymbols& cu = (*library)->symbols();
    int count = 0;
    if (CUresult result = cu.cuInit(0); result != CUDA_SUCCESS) {
      loaded.unavailable_reason =
          "cuInit failed: " + cuda::CudaErrorName(result, &cu);
      return loaded;
    }
    if (CUresult result = cu.cuDeviceGetCount(&count); result != CUDA_SUCCESS || count == 0) {
      loaded.unavailable_reason = "the CUDA driver reports no device";
      return loaded;
    }
    loaded.library = std::move(library).value();
    return loaded;
  }();
  return driver;
}

class DifferentialTest : public ::testing::TestWithParam<std::tuple<Target, size_t>> {
 protected:
  Target target() const { return std::get<0>(GetParam()); }
  const Scenario& scenario() const { return Scenarios()[std::get<1>(GetParam())]; }

  void SetUp() override {
    if (target() == Target::kReal) {
      const RealDriver& driver = LoadRealDriver();
      if (!driver.library) {
        GTEST_SKIP() << "real GPU skipped (" << driver.unavailable_reason << ")";
      }
      symbols_ = &driver.library->symbols();
    } else {
      EngineOptions options;
      options.mode = target() == Target::kFakeDeterministic ? SchedulingMode::kDeterministic
                                                            : SchedulingMode::kThreaded;
      options.seed = 1 + std::get<1>(GetParam());
      auto platform = FakeCudaPlatform::Create(options);
      ASSERT_OK(platform) << platform.status().ToString();
      platform_ = std::move(platform).value();
      symbols_ = &platform_->cuda_symbols();
    }
    const cuda::CudaSymbols& cu = *symbols_;
    ASSERT_EQ(CUDA_SUCCESS, cu.cuInit(0));
    ASSERT_EQ(CUDA_SUCCESS, cu.cuDevicePrimaryCtxRetain(&context_, 0));
    ASSERT_EQ(CUDA_SUCCESS, cu.cuCtxSetCurrent(context_));
  }

  void TearDown() override {
    if (symbols_ == nullptr || context_ == nullptr) return;
    symbols_->cuCtxSetCurrent(nullptr);
    symbols_->cuDevicePrimaryCtxRelease(0);
  }

  const cuda::CudaSymbols* symbols_ = nullptr;
  Ref<FakeCudaPlatform> platform_;
  CUcontext context_ = nullptr;
};

TEST_P(DifferentialTest, ObservesTheExpectedBytes) {
  Result<Observation> observed = scenario().run(*symbols_);
  ASSERT_OK(observed) << scenario().name << " on " << TargetName(target()) << ": "
                             << observed.status().ToString();
  Observation expected = scenario().expected();
  ASSERT_EQ(observed->size(), expected.size()) << scenario().name;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(static_cast<int>((*observed)[i]), static_cast<int>(expected[i]))
        << scenario().name << " on " << TargetName(target()) << ": first difference at byte "
        << i;
  }
}

std::vector<size_t> ScenarioIndices() {
  std::vector<size_t> indices;
  for (size_t i = 0; i < Scenarios().size(); ++i) indices.push_back(i);
  return indices;
}

std::string CaseName(const ::testing::TestParamInfo<DifferentialTest::ParamType>& info) {
  return std::string(Scenarios()[std::get<1>(info.param)].name);
}

INSTANTIATE_TEST_SUITE_P(FakeDeterministic, DifferentialTest,
                         ::testing::Combine(::testing::Values(Target::kFakeDeterministic),
                                            ::testing::ValuesIn(ScenarioIndices())),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(FakeThreaded, DifferentialTest,
                         ::testing::Combine(::testing::Values(Target::kFakeThreaded),
                                            ::testing::ValuesIn(ScenarioIndices())),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(Real, DifferentialTest,
                         ::testing::Combine(::testing::Values(Target::kReal),
                                            ::testing::ValuesIn(ScenarioIndices())),
                         CaseName);

}  // namespace
}  // namespace gpuhal::fake::differential
