#include "backends/cuda/cuda_status.h"

#include <gtest/gtest.h>

#include <cstring>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::cuda {
namespace {

struct Case {
  CUresult result;
  StatusCode code;
  const char* message;
};

class CudaStatusTest : public ::testing::TestWithParam<Case> {};

TEST_P(CudaStatusTest, MapsCodeAndNamesCallAndError) {
  const Case& c = GetParam();
  Status status = CudaResultToStatus(c.result, "cuMemAlloc");
  EXPECT_EQ(status.code(), c.code) << status;
  EXPECT_EQ(status.message(), c.message);
  EXPECT_EQ(CudaResultCode(c.result), c.code);
}

INSTANTIATE_TEST_SUITE_P(
    EveryClass, CudaStatusTest,
    ::testing::Values(
        Case{CUDA_ERROR_OUT_OF_MEMORY, StatusCode::kResourceExhausted,
             "cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)"},
        Case{CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, StatusCode::kResourceExhausted,
             "cuMemAlloc: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (too many resources requested for "
             "launch)"},
        Case{CUDA_ERROR_INVALID_VALUE, StatusCode::kInvalidArgument,
             "cuMemAlloc: CUDA_ERROR_INVALID_VALUE (invalid argument)"},
        Case{CUDA_ERROR_INVALID_HANDLE, StatusCode::kInvalidArgument,
             "cuMemAlloc: CUDA_ERROR_INVALID_HANDLE (invalid resource handle)"},
        Case{CUDA_ERROR_INVALID_CONTEXT, StatusCode::kInvalidArgument,
             "cuMemAlloc: CUDA_ERROR_INVALID_CONTEXT (invalid device context)"},
        Case{CUDA_ERROR_NOT_READY, StatusCode::kUnavailable,
             "cuMemAlloc: CUDA_ERROR_NOT_READY (device not ready)"},
        Case{CUDA_ERROR_NOT_FOUND, StatusCode::kNotFound,
             "cuMemAlloc: CUDA_ERROR_NOT_FOUND (named symbol not found)"},
        Case{CUDA_ERROR_NOT_SUPPORTED, StatusCode::kUnimplemented,
             "cuMemAlloc: CUDA_ERROR_NOT_SUPPORTED (operation not supported)"},
        Case{CUDA_ERROR_NOT_PERMITTED, StatusCode::kPermissionDenied,
             "cuMemAlloc: CUDA_ERROR_NOT_PERMITTED (operation not permitted)"},
        Case{CUDA_ERROR_LAUNCH_FAILED, StatusCode::kInternal,
             "cuMemAlloc: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)"},
        Case{CUDA_ERROR_ILLEGAL_ADDRESS, StatusCode::kInternal,
             "cuMemAlloc: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)"},
        Case{CUDA_ERROR_ECC_UNCORRECTABLE, StatusCode::kInternal,
             "cuMemAlloc: CUDA_ERROR_ECC_UNCORRECTABLE (uncorrectable ECC error encountered)"},
        Case{CUDA_ERROR_NOT_INITIALIZED, StatusCode::kUnavailable,
             "cuMemAlloc: CUDA_ERROR_NOT_INITIALIZED (initialization error)"},
        Case{CUDA_ERROR_NO_DEVICE, StatusCode::kUnavailable,
             "cuMemAlloc: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)"},
        Case{CUDA_ERROR_DEINITIALIZED, StatusCode::kUnavailable,
             "cuMemAlloc: CUDA_ERROR_DEINITIALIZED (driver shutting down)"},
        Case{CUDA_ERROR_UNKNOWN, StatusCode::kUnknown,
             "cuMemAlloc: CUDA_ERROR_UNKNOWN (unknown error)"},
        // A code without a built-in name: still names the call and the number.
        Case{CUDA_ERROR_PROFILER_DISABLED, StatusCode::kUnknown, "cuMemAlloc: CUDA error 5"},
        Case{static_cast<CUresult>(1000), StatusCode::kUnknown, "cuMemAlloc: CUDA error 1000"}));

TEST(CudaStatusTest, SuccessIsOk) {
  EXPECT_OK(CudaResultToStatus(CUDA_SUCCESS, "cuInit"));
  CudaSymbols symbols;
  EXPECT_OK(CudaCall(symbols, CUDA_SUCCESS, "cuInit"));
}

// A table's own error functions take precedence over the built-in names.
CUresult CUDAAPI TableErrorName(CUresult, const char** name) {
  *name = "CUDA_ERROR_FROM_TABLE";
  return CUDA_SUCCESS;
}
CUresult CUDAAPI TableErrorString(CUresult, const char** description) {
  *description = "described by the table";
  return CUDA_SUCCESS;
}
CUresult CUDAAPI UnknownErrorName(CUresult, const char** name) {
  *name = nullptr;
  return CUDA_ERROR_INVALID_VALUE;
}

TEST(CudaStatusTest, UsesTheTablesErrorFunctionsWhenPresent) {
  CudaSymbols symbols;
  symbols.cuGetErrorName = &TableErrorName;
  symbols.cuGetErrorString = &TableErrorString;
  Status status = CudaCall(symbols, CUDA_ERROR_OUT_OF_MEMORY, "cuMemAllocFromPoolAsync");
  EXPECT_TRUE(IsResourceExhausted(status));
  EXPECT_EQ(status.message(),
            "cuMemAllocFromPoolAsync: CUDA_ERROR_FROM_TABLE (described by the table)");
}

TEST(CudaStatusTest, FallsBackWhenTheTableCannotNameTheCode) {
  CudaSymbols symbols;
  symbols.cuGetErrorName = &UnknownErrorName;
  symbols.cuGetErrorString = &UnknownErrorName;
  EXPECT_EQ(CudaCall(symbols, CUDA_ERROR_INVALID_VALUE, "cuStreamCreate").message(),
            "cuStreamCreate: CUDA_ERROR_INVALID_VALUE (invalid argument)");
}

CUresult CUDAAPI FailWithOutOfMemory(CUdeviceptr*, size_t) { return CUDA_ERROR_OUT_OF_MEMORY; }

Status AllocateOrReturn(const CudaSymbols& symbols, CUdeviceptr* pointer) {
  GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(symbols, cuMemAlloc, pointer, 1 << 20));
  return InternalError("not reached");
}

TEST(CudaStatusTest, CallMacroNamesTheFunction) {
  CudaSymbols symbols;
  symbols.cuMemAlloc = &FailWithOutOfMemory;
  CUdeviceptr pointer = 0;
  Status status = AllocateOrReturn(symbols, &pointer);
  EXPECT_EQ(status.ToString(),
            "RESOURCE_EXHAUSTED: cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
}

}  // namespace
}  // namespace gpuhal::cuda
