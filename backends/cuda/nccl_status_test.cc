#include "backends/cuda/nccl_status.h"

#include <gtest/gtest.h>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::cuda {
namespace {

struct Case {
  ncclResult_t result;
  StatusCode code;
  const char* message;
};

class NcclStatusTest : public ::testing::TestWithParam<Case> {};

TEST_P(NcclStatusTest, MapsCodeAndNamesCallAndError) {
  const Case& c = GetParam();
  Status status = NcclResultToStatus(c.result, "ncclAllReduce");
  EXPECT_EQ(status.code(), c.code) << status;
  EXPECT_EQ(status.message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    EveryCode, NcclStatusTest,
    ::testing::Values(
        Case{ncclUnhandledCudaError, StatusCode::kInternal,
             "ncclAllReduce: ncclUnhandledCudaError (unhandled cuda error (run with "
             "NCCL_DEBUG=INFO for details))"},
        Case{ncclSystemError, StatusCode::kUnavailable,
             "ncclAllReduce: ncclSystemError (unhandled system error (run with NCCL_DEBUG=INFO "
             "for details))"},
        Case{ncclInternalError, StatusCode::kInternal,
             "ncclAllReduce: ncclInternalError (internal error - please report this issue to "
             "the NCCL developers)"},
        Case{ncclInvalidArgument, StatusCode::kInvalidArgument,
             "ncclAllReduce: ncclInvalidArgument (invalid argument (run with NCCL_DEBUG=WARN "
             "for details))"},
        Case{ncclInvalidUsage, StatusCode::kFailedPrecondition,
             "ncclAllReduce: ncclInvalidUsage (invalid usage (run with NCCL_DEBUG=WARN for "
             "details))"},
        Case{ncclRemoteError, StatusCode::kUnavailable,
             "ncclAllReduce: ncclRemoteError (remote process exited or there was a network "
             "error)"},
        Case{ncclInProgress, StatusCode::kUnavailable,
             "ncclAllReduce: ncclInProgress (NCCL operation in progress)"},
        Case{static_cast<ncclResult_t>(12), StatusCode::kUnknown, "ncclAllReduce: NCCL error 12"}));

const char* TableErrorString(ncclResult_t) { return "from the table"; }

TEST(NcclStatusTest, SuccessIsOkAndTableDescriptionWins) {
  EXPECT_OK(NcclResultToStatus(ncclSuccess, "ncclGroupEnd"));
  NcclSymbols symbols;
  symbols.ncclGetErrorString = &TableErrorString;
  EXPECT_OK(NcclCall(symbols, ncclSuccess, "ncclGroupEnd"));
  EXPECT_EQ(NcclCall(symbols, ncclInvalidUsage, "ncclGroupEnd").message(),
            "ncclGroupEnd: ncclInvalidUsage (from the table)");
}

ncclResult_t FailGroupEnd() { return ncclInvalidUsage; }

TEST(NcclStatusTest, CallMacroNamesTheFunction) {
  NcclSymbols symbols;
  symbols.ncclGroupEnd = &FailGroupEnd;
  Status status = GPUHAL_NCCL_CALL(symbols, ncclGroupEnd);
  EXPECT_TRUE(IsFailedPrecondition(status));
  EXPECT_EQ(status.message(),
            "ncclGroupEnd: ncclInvalidUsage (invalid usage (run with NCCL_DEBUG=WARN for "
            "details))");
}

}  // namespace
}  // namespace gpuhal::cuda
