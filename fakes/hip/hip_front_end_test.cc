// The HIP- and RCCL-shaped front ends: the shared vendor-semantics scenarios, then what
// is particular to the HIP platform.
#include <string>
#include <thread>
#include <vector>

#include "fakes/gpu/slot_binding.h"
#include "fakes/gpu/testing/vendor_semantics_tests.h"
#include "fakes/hip/hip_test_api.h"
#include "gtest/gtest.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake::testing {
namespace {

using HipConfigs = ::testing::Types<VendorConfig<HipApi, SchedulingMode::kDeterministic>,
                                    VendorConfig<HipApi, SchedulingMode::kThreaded>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Hip, VendorTest, HipConfigs, VendorConfigNames);

TEST(FakeHipPlatformTest, EveryTableIsComplete) {
  auto platform = FakeHipPlatform::Create({});
  ASSERT_OK(platform);
  EXPECT_TRUE(hip::UnsetHipSymbols((*platform)->hip_symbols()).empty());
  EXPECT_TRUE(hip::UnsetRcclSymbols((*platform)->rccl_symbols()).empty());
}

TEST(FakeHipPlatformTest, SlotsRunOutAndAreReusedAfterRelease) {
  std::vector<Ref<FakeHipPlatform>> platforms;
  for (int i = 0; i < kFakePlatformSlotCount; ++i) {
    auto platform = FakeHipPlatform::Create({});
    ASSERT_OK(platform) << i;
    platforms.push_back(std::move(platform).value());
  }
  EXPECT_EQ(FakeHipPlatform::Create({}).status().code(), StatusCode::kResourceExhausted);
  const hip::HipSymbols* stale = &platforms.back()->hip_symbols();
  platforms.pop_back();
  EXPECT_EQ(hipErrorDeinitialized, stale->hipInit(0));
}

TEST(FakeHipPlatformTest, CurrentDeviceIsPerThreadAndStartsAtZero) {
  EngineOptions options;
  options.device_count = 2;
  HipApi api(options);
  ASSERT_EQ(hipErrorNotInitialized, api.h->hipSetDevice(0));
  ASSERT_EQ(0, api.Init(1));
  int device = -1;
  ASSERT_EQ(0, api.h->hipGetDevice(&device));
  EXPECT_EQ(device, 1);
  std::thread([&] {
    int other = -1;
    EXPECT_EQ(0, api.h->hipGetDevice(&other));
    EXPECT_EQ(other, 0);
  }).join();
  EXPECT_EQ(hipErrorInvalidDevice, api.h->hipSetDevice(2));
}

TEST(FakeHipPlatformTest, ErrorNamesAndStringsAreHips) {
  HipApi api({});
  EXPECT_STREQ(api.h->hipGetErrorName(hipErrorIllegalAddress), "hipErrorIllegalAddress");
  EXPECT_STREQ(api.h->hipGetErrorString(hipErrorOutOfMemory), "out of memory");
  EXPECT_STREQ(api.h->hipGetErrorName(static_cast<hipError_t>(2000)), "hipErrorUnknown");
  int count;
  EXPECT_EQ(hipErrorNotInitialized, api.h->hipGetDeviceCount(&count));
}

TEST(FakeHipPlatformTest, HipAndCudaPlatformsUseSeparateSlots) {
  std::vector<Ref<FakeHipPlatform>> platforms;
  for (int i = 0; i < kFakePlatformSlotCount; ++i)
    platforms.push_back(FakeHipPlatform::Create({}).value());
  // The CUDA platform kind has slots of its own (tested in the CUDA test binary); here the
  // HIP slots are full and HIP tables still work.
  EXPECT_EQ(hipSuccess, platforms.front()->hip_symbols().hipInit(0));
}

}  // namespace
}  // namespace gpuhal::fake::testing
