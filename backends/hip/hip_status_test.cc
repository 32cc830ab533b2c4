#include "backends/hip/hip_status.h"

#include <gtest/gtest.h>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::hip {
namespace {

struct Case {
  hipError_t error;
  StatusCode code;
  const char* message;
};

class HipStatusTest : public ::testing::TestWithParam<Case> {};

TEST_P(HipStatusTest, MapsCodeAndNamesCallAndError) {
  const Case& c = GetParam();
  Status status = HipErrorToStatus(c.error, "hipMalloc");
  EXPECT_EQ(status.code(), c.code) << status;
  EXPECT_EQ(status.message(), c.message);
  EXPECT_EQ(HipErrorCode(c.error), c.code);
}

INSTANTIATE_TEST_SUITE_P(
    EveryClass, HipStatusTest,
    ::testing::Values(
        Case{hipErrorOutOfMemory, StatusCode::kResourceExhausted,
             "hipMalloc: hipErrorOutOfMemory (out of memory)"},
        Case{hipErrorInvalidValue, StatusCode::kInvalidArgument,
             "hipMalloc: hipErrorInvalidValue (invalid argument)"},
        Case{hipErrorInvalidHandle, StatusCode::kInvalidArgument,
             "hipMalloc: hipErrorInvalidHandle (invalid resource handle)"},
        Case{hipErrorInvalidContext, StatusCode::kInvalidArgument,
             "hipMalloc: hipErrorInvalidContext (invalid device context)"},
        Case{hipErrorNotReady, StatusCode::kUnavailable,
             "hipMalloc: hipErrorNotReady (device not ready)"},
        Case{hipErrorNotFound, StatusCode::kNotFound,
             "hipMalloc: hipErrorNotFound (named symbol not found)"},
        Case{hipErrorNotSupported, StatusCode::kUnimplemented,
             "hipMalloc: hipErrorNotSupported (operation not supported)"},
        Case{hipErrorLaunchFailure, StatusCode::kInternal,
             "hipMalloc: hipErrorLaunchFailure (unspecified launch failure)"},
        Case{hipErrorIllegalAddress, StatusCode::kInternal,
             "hipMalloc: hipErrorIllegalAddress (an illegal memory access was encountered)"},
        Case{hipErrorECCNotCorrectable, StatusCode::kInternal,
             "hipMalloc: hipErrorECCNotCorrectable (uncorrectable ECC error encountered)"},
        Case{hipErrorNotInitialized, StatusCode::kUnavailable,
             "hipMalloc: hipErrorNotInitialized (initialization error)"},
        Case{hipErrorNoDevice, StatusCode::kUnavailable,
             "hipMalloc: hipErrorNoDevice (no ROCm-capable device is detected)"},
        Case{hipErrorDeinitialized, StatusCode::kUnavailable,
             "hipMalloc: hipErrorDeinitialized (driver shutting down)"},
        Case{hipErrorUnknown, StatusCode::kUnknown, "hipMalloc: hipErrorUnknown (unknown error)"},
        Case{hipErrorProfilerDisabled, StatusCode::kUnknown, "hipMalloc: HIP error 5"}));

TEST(HipStatusTest, SuccessIsOk) {
  EXPECT_OK(HipErrorToStatus(hipSuccess, "hipInit"));
  HipSymbols symbols;
  EXPECT_OK(HipCall(symbols, hipSuccess, "hipInit"));
}

const char* NameFromTable(hipError_t) { return "hipErrorFromTable"; }
const char* DescriptionFromTable(hipError_t) { return "described by the table"; }
// What HIP before 6.0 does: the "string" is the name again.
const char* NameAgain(hipError_t error) {
  return error == hipErrorOutOfMemory ? "hipErrorOutOfMemory" : "hipErrorUnknown";
}

TEST(HipStatusTest, UsesTheTablesErrorFunctionsWhenPresent) {
  HipSymbols symbols;
  symbols.hipGetErrorName = &NameFromTable;
  symbols.hipGetErrorString = &DescriptionFromTable;
  EXPECT_EQ(HipCall(symbols, hipErrorOutOfMemory, "hipMallocFromPoolAsync").message(),
            "hipMallocFromPoolAsync: hipErrorFromTable (described by the table)");
}

TEST(HipStatusTest, ReplacesADescriptionThatOnlyRepeatsTheName) {
  HipSymbols symbols;
  symbols.hipGetErrorName = &NameAgain;
  symbols.hipGetErrorString = &NameAgain;
  EXPECT_EQ(HipCall(symbols, hipErrorOutOfMemory, "hipMalloc").message(),
            "hipMalloc: hipErrorOutOfMemory (out of memory)");
}

}  // namespace
}  // namespace gpuhal::hip
