#include "backends/hip/hip_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backends/hip/hip_status.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::hip {
namespace {

using ::testing::HasSubstr;

// Provides hipInit, hipGetErrorName and hipGetErrorString only.
constexpr char kHipStub[] = GPUHAL_TEST_HIP_RUNTIME_STUB;

TEST(HipLibraryTest, MissingLibraryIsUnavailableAndNamed) {
  Result<Ref<HipLibrary>> library = LoadHipLibrary("libgpuhal_no_such_amdhip64.so");
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_THAT(library.status().message(), HasSubstr("cannot load libgpuhal_no_such_amdhip64.so: "));
}

TEST(HipLibraryTest, MissingSymbolsAreUnavailableNamingSymbolsAndLibrary) {
  Result<Ref<HipLibrary>> library = LoadHipLibrary(kHipStub);
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  // hipInit is present, so the list starts at the second entry; 64 are missing.
  EXPECT_EQ(library.status().message(),
            StrCat(kHipStub,
                   " does not provide hipDriverGetVersion, hipGetDeviceCount, hipDeviceGet, "
                   "hipDeviceGetName, hipDeviceGetAttribute, hipDeviceTotalMem, hipSetDevice, "
                   "hipGetDevice and 56 more; gpuhal needs the HIP runtime of ROCm 6.0 or newer"));
}

// Runs only where the HIP runtime is installed; resolves symbols without calling any,
// so it needs no GPU. An older runtime must be refused, naming exactly what it lacks.
TEST(HipLibraryTest, RealLibraryResolvesEverySymbolOrNamesWhatIsMissing) {
  Result<DynamicLibrary> real = DynamicLibrary::Open(kHipLibraryName);
  if (!real.ok()) GTEST_SKIP() << real.status();
  std::vector<std::string> absent;
  for (std::string_view name : kHipSymbolNames) {
    if (!real->FindSymbol(std::string(name).c_str())) absent.emplace_back(name);
  }

  Result<Ref<HipLibrary>> library = LoadHipLibrary();
  if (absent.empty()) {
    ASSERT_OK(library) << library.status();
    EXPECT_THAT(UnsetHipSymbols((*library)->symbols()), ::testing::IsEmpty());
    return;
  }
  ASSERT_FALSE(library.ok());
  EXPECT_EQ(library.status(),
            MissingSymbolsError(kHipLibraryName, absent,
                                "gpuhal needs the HIP runtime of ROCm 6.0 or newer"));
  GTEST_SKIP() << "this HIP runtime is too old for gpuhal: " << library.status();
}

}  // namespace
}  // namespace gpuhal::hip
