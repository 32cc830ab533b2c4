#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <type_traits>

#include "backends/hip/rccl_library.h"
#include "backends/hip/rccl_status.h"
#include "backends/hip/rccl_symbols.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::hip {
namespace {

using ::testing::HasSubstr;

// Provides ncclGetVersion and ncclGetErrorString only.
constexpr char kRcclStub[] = GPUHAL_TEST_RCCL_STUB;

// RCCL's ABI: NCCL's, with HIP streams.
static_assert(sizeof(ncclUniqueId) == 128);
static_assert(sizeof(ncclRedOp_t) == sizeof(int));
static_assert(ncclFloat8e5m2 == 11 && ncclNumTypes == 12 && ncclAvg == 4 && ncclInProgress == 7);
static_assert(std::is_same_v<decltype(RcclSymbols::ncclSend),
                             ncclResult_t (*)(const void*, size_t, ncclDataType_t, int, ncclComm_t,
                                              hipStream_t)>);

TEST(RcclSymbolsTest, ListHasExpectedCountAndNoDuplicates) {
  EXPECT_EQ(kRcclSymbolCount, 20u);
  std::set<std::string_view> unique(std::begin(kRcclSymbolNames), std::end(kRcclSymbolNames));
  EXPECT_EQ(unique.size(), kRcclSymbolCount);
  EXPECT_EQ(UnsetRcclSymbols(RcclSymbols{}).size(), kRcclSymbolCount);
}

TEST(RcclLibraryTest, MissingLibraryIsUnavailableAndNamed) {
  Result<Ref<RcclLibrary>> library = LoadRcclLibrary("libgpuhal_no_such_rccl.so");
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_THAT(library.status().message(), HasSubstr("cannot load libgpuhal_no_such_rccl.so: "));
}

TEST(RcclLibraryTest, MissingSymbolsAreUnavailableNamingSymbolsAndLibrary) {
  Result<Ref<RcclLibrary>> library = LoadRcclLibrary(kRcclStub);
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_EQ(library.status().message(),
            StrCat(kRcclStub,
                   " does not provide ncclGetUniqueId, ncclCommInitRank, ncclCommInitAll, "
                   "ncclCommSplit, ncclCommDestroy, ncclCommAbort, ncclCommGetAsyncError, "
                   "ncclCommCount and 10 more; gpuhal needs RCCL 2.18 (ROCm 6.0) or newer"));
}

TEST(RcclStatusTest, MapsEachCode) {
  struct Case {
    ncclResult_t result;
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {ncclUnhandledCudaError, StatusCode::kInternal,
       "ncclAllReduce: ncclUnhandledCudaError (unhandled cuda error (run with NCCL_DEBUG=INFO "
       "for details))"},
      {ncclSystemError, StatusCode::kUnavailable,
       "ncclAllReduce: ncclSystemError (unhandled system error (run with NCCL_DEBUG=INFO for "
       "details))"},
      {ncclInternalError, StatusCode::kInternal,
       "ncclAllReduce: ncclInternalError (internal error - please report this issue to the "
       "NCCL developers)"},
      {ncclInvalidArgument, StatusCode::kInvalidArgument,
       "ncclAllReduce: ncclInvalidArgument (invalid argument (run with NCCL_DEBUG=WARN for "
       "details))"},
      {ncclInvalidUsage, StatusCode::kFailedPrecondition,
       "ncclAllReduce: ncclInvalidUsage (invalid usage (run with NCCL_DEBUG=WARN for details))"},
      {ncclRemoteError, StatusCode::kUnavailable,
       "ncclAllReduce: ncclRemoteError (remote process exited or there was a network error)"},
      {ncclInProgress, StatusCode::kUnavailable,
       "ncclAllReduce: ncclInProgress (NCCL operation in progress)"},
      {static_cast<ncclResult_t>(12), StatusCode::kUnknown, "ncclAllReduce: RCCL error 12"},
  };
  for (const Case& c : cases) {
    Status status = RcclResultToStatus(c.result, "ncclAllReduce");
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_EQ(status.message(), c.message);
  }
  EXPECT_OK(RcclResultToStatus(ncclSuccess, "ncclAllReduce"));
}

ncclResult_t FailGroupEnd() { return ncclInvalidUsage; }

TEST(RcclStatusTest, CallMacroNamesTheFunction) {
  RcclSymbols symbols;
  symbols.ncclGroupEnd = &FailGroupEnd;
  Status status = GPUHAL_RCCL_CALL(symbols, ncclGroupEnd);
  EXPECT_TRUE(IsFailedPrecondition(status));
  EXPECT_EQ(status.message(),
            "ncclGroupEnd: ncclInvalidUsage (invalid usage (run with NCCL_DEBUG=WARN for "
            "details))");
}

}  // namespace
}  // namespace gpuhal::hip
