#include "backends/cuda/nccl_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "backends/cuda/nccl_status.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::cuda {
namespace {

using ::testing::HasSubstr;

// Provides ncclGetVersion and ncclGetErrorString only (testdata/nccl_stub.cc).
constexpr char kNcclStub[] = GPUHAL_TEST_NCCL_STUB;

TEST(NcclSymbolsTest, ListHasExpectedCountAndNoDuplicates) {
  EXPECT_EQ(kNcclSymbolCount, 20u);
  std::set<std::string_view> unique(std::begin(kNcclSymbolNames), std::end(kNcclSymbolNames));
  EXPECT_EQ(unique.size(), kNcclSymbolCount);
  EXPECT_EQ(UnsetNcclSymbols(NcclSymbols{}).size(), kNcclSymbolCount);
}

TEST(NcclLibraryTest, MissingLibraryIsUnavailableAndNamed) {
  Result<Ref<NcclLibrary>> library = LoadNcclLibrary("libgpuhal_no_such_nccl.so.2");
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_THAT(library.status().message(), HasSubstr("cannot load libgpuhal_no_such_nccl.so.2: "));
}

TEST(NcclLibraryTest, MissingSymbolsAreUnavailableNamingSymbolsAndLibrary) {
  Result<Ref<NcclLibrary>> library = LoadNcclLibrary(kNcclStub);
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  // The first eight of the eighteen missing symbols, in list order, then a count.
  EXPECT_EQ(library.status().message(),
            StrCat(kNcclStub,
                   " does not provide ncclGetUniqueId, ncclCommInitRank, ncclCommInitAll, "
                   "ncclCommSplit, ncclCommDestroy, ncclCommAbort, ncclCommGetAsyncError, "
                   "ncclCommCount and 10 more; gpuhal needs NCCL 2.18 or newer"));
}

// Runs only where NCCL is installed; needs no GPU.
TEST(NcclLibraryTest, RealLibraryResolvesEverySymbol) {
  Result<Ref<NcclLibrary>> library = LoadNcclLibrary();
  if (!library.ok() && library.status().message().starts_with("cannot load")) {
    GTEST_SKIP() << library.status();
  }
  ASSERT_OK(library) << library.status();
  const NcclSymbols& symbols = (*library)->symbols();
  EXPECT_THAT(UnsetNcclSymbols(symbols), ::testing::IsEmpty());
  int version = 0;
  ASSERT_OK(GPUHAL_NCCL_CALL(symbols, ncclGetVersion, &version));
  EXPECT_GE(version, 21800);
  // The built-in descriptions are NCCL's own words.
  for (int code = 1; code < ncclNumResults; ++code) {
    ncclResult_t result = static_cast<ncclResult_t>(code);
    EXPECT_EQ(NcclErrorDescription(result), symbols.ncclGetErrorString(result)) << code;
  }
}

}  // namespace
}  // namespace gpuhal::cuda
