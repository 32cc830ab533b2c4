// The CUDA- and NCCL-shaped front ends: the shared vendor-semantics scenarios, then what
// is particular to the CUDA platform.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/cuda/cuda_test_api.h"
#include "fakes/gpu/slot_binding.h"
#include "fakes/gpu/testing/vendor_semantics_tests.h"
#include "gtest/gtest.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake::testing {
namespace {

using CudaConfigs = ::testing::Types<VendorConfig<CudaApi, SchedulingMode::kDeterministic>,
                                     VendorConfig<CudaApi, SchedulingMode::kThreaded>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, VendorTest, CudaConfigs, VendorConfigNames);

// ---------------------------------------------------------------------------------------
// The CUDA platform itself: tables, slots, contexts, errors, determinism.

TEST(FakeCudaPlatformTest, EveryTableIsComplete) {
  auto cuda_platform = FakeCudaPlatform::Create({});
  ASSERT_OK(cuda_platform);
  EXPECT_TRUE(cuda::UnsetCudaSymbols((*cuda_platform)->cuda_symbols()).empty());
  EXPECT_TRUE(cuda::UnsetNcclSymbols((*cuda_platform)->nccl_symbols()).empty());
}

TEST(FakeCudaPlatformTest, SlotsRunOutAndAreReusedAfterRelease) {
  std::vector<Ref<FakeCudaPlatform>> platforms;
  for (int i = 0; i < kFakePlatformSlotCount; ++i) {
    auto platform = FakeCudaPlatform::Create({});
    ASSERT_OK(platform) << i;
    platforms.push_back(std::move(platform).value());
  }
  auto refused = FakeCudaPlatform::Create({});
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  const cuda::CudaSymbols* stale = &platforms.back()->cuda_symbols();
  platforms.pop_back();
  EXPECT_EQ(CUDA_ERROR_DEINITIALIZED, stale->cuInit(0));
  auto reused = FakeCudaPlatform::Create({});
  ASSERT_OK(reused);
  EXPECT_EQ(CUDA_SUCCESS, (*reused)->cuda_symbols().cuInit(0));
}

TEST(FakeCudaPlatformTest, PlatformsAreIndependentAndRejectEachOthersHandles) {
  EngineOptions seven, nine;
  seven.seed = 7;
  nine.seed = 9;
  nine.device_count = 2;
  CudaApi a(seven);
  CudaApi b(nine);
  ASSERT_EQ(0, a.Init());
  ASSERT_EQ(0, b.Init(1));
  int count = 0;
  ASSERT_EQ(0, a.cu->cuDeviceGetCount(&count));
  EXPECT_EQ(count, 1);
  ASSERT_EQ(0, b.cu->cuDeviceGetCount(&count));
  EXPECT_EQ(count, 2);
  CUstream stream_of_a;
  ASSERT_EQ(0, a.CreateStream(&stream_of_a));
  EXPECT_EQ(CUDA_ERROR_INVALID_HANDLE, b.Sync(stream_of_a));
  EXPECT_EQ(CUDA_ERROR_INVALID_HANDLE, b.DestroyStream(stream_of_a));
  EXPECT_EQ(0, a.Sync(stream_of_a));
  CUcontext context_of_a;
  ASSERT_EQ(0, a.cu->cuDevicePrimaryCtxRetain(&context_of_a, 0));
  EXPECT_EQ(CUDA_ERROR_INVALID_CONTEXT, b.cu->cuCtxSetCurrent(context_of_a));
}

TEST(FakeCudaPlatformTest, CudaContextsAreBoundPerThread) {
  CudaApi api({});
  ASSERT_EQ(0, api.cu->cuInit(0));
  CUstream stream;
  EXPECT_EQ(CUDA_ERROR_INVALID_CONTEXT, api.CreateStream(&stream));
  ASSERT_EQ(0, api.SetDevice(0));
  EXPECT_EQ(0, api.CreateStream(&stream));
  std::thread([&] {
    CUstream other;
    EXPECT_EQ(CUDA_ERROR_INVALID_CONTEXT, api.CreateStream(&other));
  }).join();
}

TEST(FakeCudaPlatformTest, CurrentContextIsReportedPerThreadAndPerPlatform) {
  CudaApi api({});
  CudaApi other_platform({});
  ASSERT_EQ(0, api.cu->cuInit(0));
  ASSERT_EQ(0, other_platform.cu->cuInit(0));
  CUcontext current = reinterpret_cast<CUcontext>(1);
  EXPECT_EQ(CUDA_ERROR_INVALID_VALUE, api.cu->cuCtxGetCurrent(nullptr));
  ASSERT_EQ(0, api.cu->cuCtxGetCurrent(&current));
  EXPECT_EQ(current, nullptr);  // none bound yet: success and null, as CUDA reports it
  CUcontext context = nullptr;
  ASSERT_EQ(0, api.cu->cuDevicePrimaryCtxRetain(&context, 0));
  ASSERT_EQ(0, api.cu->cuCtxSetCurrent(context));
  ASSERT_EQ(0, api.cu->cuCtxGetCurrent(&current));
  EXPECT_EQ(current, context);
  ASSERT_EQ(0, other_platform.cu->cuCtxGetCurrent(&current));
  EXPECT_EQ(current, nullptr);
  std::thread([&] {
    CUcontext on_other_thread = reinterpret_cast<CUcontext>(1);
    EXPECT_EQ(0, api.cu->cuCtxGetCurrent(&on_other_thread));
    EXPECT_EQ(on_other_thread, nullptr);
  }).join();
  ASSERT_EQ(0, api.cu->cuCtxSetCurrent(nullptr));
  ASSERT_EQ(0, api.cu->cuCtxGetCurrent(&current));
  EXPECT_EQ(current, nullptr);
}

TEST(FakeCudaPlatformTest, CallsBeforeInitFail) {
  CudaApi cuda_api({});
  int count;
  EXPECT_EQ(CUDA_ERROR_NOT_INITIALIZED, cuda_api.cu->cuDeviceGetCount(&count));
}

TEST(FakeCudaPlatformTest, ErrorNamesAndStringsAreTheVendors) {
  CudaApi cuda_api({});
  const char* text = nullptr;
  ASSERT_EQ(0, cuda_api.cu->cuGetErrorName(CUDA_ERROR_OUT_OF_MEMORY, &text));
  EXPECT_STREQ(text, "CUDA_ERROR_OUT_OF_MEMORY");
  ASSERT_EQ(0, cuda_api.cu->cuGetErrorString(CUDA_ERROR_LAUNCH_FAILED, &text));
  EXPECT_STREQ(text, "unspecified launch failure");
  EXPECT_EQ(CUDA_ERROR_INVALID_VALUE,
            cuda_api.cu->cuGetErrorName(static_cast<CUresult>(1000), &text));
  EXPECT_STREQ(cuda_api.nccl->ncclGetErrorString(ncclInvalidArgument),
               "invalid argument (run with NCCL_DEBUG=WARN for details)");
  int version = 0;
  ASSERT_EQ(ncclSuccess, cuda_api.nccl->ncclGetVersion(&version));
  EXPECT_EQ(version, NCCL_VERSION_CODE);
}

// Deterministic mode through the front end: same seed, same trace; other seeds, other
// interleavings of independent work.
std::string TraceOf(uint64_t seed) {
  EngineOptions options;
  options.seed = seed;
  options.record_trace = true;
  CudaApi api(options);
  EXPECT_EQ(0, api.Init());
  constexpr int kStreams = 4;
  CUstream streams[kStreams];
  uint64_t buffers[kStreams];
  for (int s = 0; s < kStreams; ++s) {
    EXPECT_EQ(0, api.CreateStream(&streams[s]));
    EXPECT_EQ(0, api.Malloc(&buffers[s], 4096));
  }
  for (int round = 0; round < 8; ++round) {
    for (int s = 0; s < kStreams; ++s) {
      EXPECT_EQ(0, api.Memset8(buffers[s], static_cast<uint8_t>(round), 4096, streams[s]));
      EXPECT_EQ(0, api.Memset32(buffers[s], round, 16, streams[s]));
    }
  }
  for (int s = 0; s < kStreams; ++s) EXPECT_EQ(0, api.Sync(streams[s]));
  return api.engine().ChromeTraceJson();
}

TEST(FakeCudaPlatformTest, DeterministicRunsReproduceTheirTrace) {
  std::string first = TraceOf(11);
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, TraceOf(11));
  std::set<std::string> traces;
  for (uint64_t seed = 1; seed <= 4; ++seed) traces.insert(TraceOf(seed));
  EXPECT_GT(traces.size(), 1u);
}

}  // namespace
}  // namespace gpuhal::fake::testing
