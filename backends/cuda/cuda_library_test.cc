#include "backends/cuda/cuda_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "backends/cuda/cuda_status.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::cuda {
namespace {

using ::testing::HasSubstr;

// Exports only cuGetProcAddress_v2 and controls for the test (testdata/cuda_driver_stub.cc).
constexpr char kDriverStub[] = GPUHAL_TEST_CUDA_DRIVER_STUB;
// A library without cuGetProcAddress_v2.
constexpr char kNotADriver[] = GPUHAL_TEST_NCCL_STUB;

// The stub's controls, reached through a second dlopen of the same file, which shares
// the instance the loader opened.
class DriverStub {
 public:
  DriverStub() {
    Result<DynamicLibrary> library = DynamicLibrary::Open(kDriverStub);
    EXPECT_OK(library) << library.status();
    if (!library.ok()) return;
    library_ = std::move(library).value();
    set_missing_ = reinterpret_cast<void (*)(const char*, int)>(
        library_.FindSymbol("gpuhal_stub_set_missing"));
    requested_version_ = reinterpret_cast<int (*)(const char*)>(
        library_.FindSymbol("gpuhal_stub_requested_version"));
    requested_flags_ = reinterpret_cast<uint64_t (*)(const char*)>(
        library_.FindSymbol("gpuhal_stub_requested_flags"));
    SetMissing("", CU_GET_PROC_ADDRESS_SUCCESS);
  }
  ~DriverStub() { SetMissing("", CU_GET_PROC_ADDRESS_SUCCESS); }

  void SetMissing(const char* name, CUdriverProcAddressQueryResult result) {
    set_missing_(name, result);
  }
  int RequestedVersion(const char* name) { return requested_version_(name); }
  uint64_t RequestedFlags(const char* name) { return requested_flags_(name); }

 private:
  DynamicLibrary library_;
  void (*set_missing_)(const char*, int) = nullptr;
  int (*requested_version_)(const char*) = nullptr;
  uint64_t (*requested_flags_)(const char*) = nullptr;
};

TEST(CudaLibraryTest, MissingLibraryIsUnavailableAndNamed) {
  Result<Ref<CudaLibrary>> library = LoadCudaLibrary("libgpuhal_no_such_cuda.so.1");
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_THAT(library.status().message(), HasSubstr("cannot load libgpuhal_no_such_cuda.so.1: "));
}

TEST(CudaLibraryTest, LibraryWithoutGetProcAddressNamesIt) {
  Result<Ref<CudaLibrary>> library = LoadCudaLibrary(kNotADriver);
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_EQ(library.status().message(),
            StrCat(kNotADriver, " does not provide cuGetProcAddress_v2; gpuhal needs an NVIDIA "
                                "driver that supports CUDA 12.0 or newer"));
}

TEST(CudaLibraryTest, ResolvesEverySymbolAtItsListedVersion) {
  DriverStub stub;
  Result<Ref<CudaLibrary>> library = LoadCudaLibrary(kDriverStub);
  ASSERT_OK(library) << library.status();
  EXPECT_THAT(UnsetCudaSymbols((*library)->symbols()), ::testing::IsEmpty());
  EXPECT_EQ((*library)->library().name(), kDriverStub);
  // The version selects the ABI the member's type was declared with.
  EXPECT_EQ(stub.RequestedVersion("cuMemAlloc"), 3020);
  EXPECT_EQ(stub.RequestedVersion("cuGraphAddKernelNode"), 12000);
  EXPECT_EQ(stub.RequestedVersion("cuStreamWaitValue32"), 11070);
  EXPECT_EQ(stub.RequestedFlags("cuMemAlloc"), uint64_t{CU_GET_PROC_ADDRESS_DEFAULT});
  // Looked up by the unversioned name: cuGetProcAddress maps it to the ABI.
  EXPECT_EQ(stub.RequestedVersion("cuMemAlloc_v2"), -1);
}

TEST(CudaLibraryTest, MissingSymbolIsUnavailableNamingSymbolAndLibrary) {
  DriverStub stub;
  stub.SetMissing("cuGraphExecKernelNodeSetParams", CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
  Result<Ref<CudaLibrary>> library = LoadCudaLibrary(kDriverStub);
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_EQ(library.status().message(),
            StrCat(kDriverStub, " does not provide cuGraphExecKernelNodeSetParams; gpuhal needs "
                                "an NVIDIA driver that supports CUDA 12.0 or newer"));
}

TEST(CudaLibraryTest, SymbolNeedingNewerDriverNamesTheVersion) {
  DriverStub stub;
  stub.SetMissing("cuGraphAddKernelNode", CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);
  Result<Ref<CudaLibrary>> library = LoadCudaLibrary(kDriverStub);
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_THAT(library.status().message(),
              HasSubstr("does not provide cuGraphAddKernelNode (CUDA 12.0); gpuhal needs an "
                        "NVIDIA driver that supports CUDA 12.0 or newer"));
}

TEST(CudaLibraryTest, TableKeepsTheLibraryLoaded) {
  Ref<CudaLibrary> library;
  {
    DriverStub stub;
    Result<Ref<CudaLibrary>> loaded = LoadCudaLibrary(kDriverStub);
    ASSERT_OK(loaded) << loaded.status();
    library = *loaded;
  }
  // The stub's own handle is gone; the table's keeps the code mapped.
  EXPECT_TRUE(library->library().is_open());
  EXPECT_NE(library->library().FindSymbol("cuGetProcAddress_v2"), nullptr);
}

// Runs only where an NVIDIA driver is installed: the real library resolves every symbol,
// and the built-in error names and descriptions agree with the driver's.
TEST(CudaLibraryTest, RealDriverResolvesEverySymbol) {
  Result<Ref<CudaLibrary>> library = LoadCudaLibrary();
  if (!library.ok() && library.status().message().starts_with("cannot load")) {
    GTEST_SKIP() << library.status();
  }
  ASSERT_OK(library) << library.status();
  const CudaSymbols& symbols = (*library)->symbols();
  EXPECT_THAT(UnsetCudaSymbols(symbols), ::testing::IsEmpty());
  int version = 0;
  ASSERT_OK(GPUHAL_CUDA_CALL(symbols, cuDriverGetVersion, &version));
  EXPECT_GE(version, 12000);
  for (int code = 0; code < 1000; ++code) {
    CUresult result = static_cast<CUresult>(code);
    const char* name = nullptr;
    if (symbols.cuGetErrorName(result, &name) != CUDA_SUCCESS) continue;
    std::string built_in_name = CudaErrorName(result);
    if (!built_in_name.starts_with("CUDA error ")) {
      EXPECT_EQ(built_in_name, name) << code;
    }
    const char* description = nullptr;
    ASSERT_EQ(symbols.cuGetErrorString(result, &description), CUDA_SUCCESS);
    std::string built_in = CudaErrorDescription(result);
    if (!built_in.empty()) {
      EXPECT_EQ(built_in, description) << name;
    }
  }
}

}  // namespace
}  // namespace gpuhal::cuda
