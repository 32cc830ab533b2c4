#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gpuhal/driver.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

TEST(DeviceUriTest, ParsesSchemeOrdinalAndQuery) {
  Result<DeviceUri> uri = DeviceUri::Parse("fake-cuda://3?seed=7&mode=stream");
  ASSERT_OK(uri) << uri.status();
  EXPECT_EQ(uri->scheme, "fake-cuda");
  EXPECT_EQ(uri->ordinal, 3u);
  ASSERT_EQ(uri->params.size(), 2u);
  EXPECT_EQ(uri->Param("seed"), "7");
  EXPECT_EQ(uri->Param("mode"), "stream");
  EXPECT_FALSE(uri->Param("absent").has_value());
  EXPECT_EQ(uri->ToString(), "fake-cuda://3?seed=7&mode=stream");
}

TEST(DeviceUriTest, MissingOrdinalMeansZero) {
  Result<DeviceUri> uri = DeviceUri::Parse("default://");
  ASSERT_OK(uri);
  EXPECT_EQ(uri->scheme, "default");
  EXPECT_EQ(uri->ordinal, 0u);
}

TEST(DeviceUriTest, RejectsMalformedUrisNamingThePart) {
  struct Case {
    const char* uri;
    const char* mentions;
  };
  const std::vector<Case> cases = {
      {"cuda", "has no '://'"},
      {"://0", "has scheme ''"},
      {"CUDA://0", "has scheme 'CUDA'"},
      {"cuda://x", "device ordinal 'x'"},
      {"cuda://-1", "device ordinal '-1'"},
      {"cuda://0?seed", "query parameter 'seed'"},
      {"cuda://0?=1", "query parameter '=1'"},
      {"cuda://0?a=1&&b=2", "query parameter ''"},
      {"cuda://0?a=1&a=2", "sets 'a' twice"},
  };
  for (const Case& c : cases) {
    Result<DeviceUri> uri = DeviceUri::Parse(c.uri);
    ASSERT_FALSE(uri.ok()) << c.uri;
    EXPECT_TRUE(IsInvalidArgument(uri.status())) << c.uri;
    EXPECT_NE(uri.status().message().find(c.mentions), std::string_view::npos)
        << c.uri << ": " << uri.status();
  }
}

class FakeDriver final : public Driver {
 public:
  FakeDriver(std::string scheme, bool simulated, int device_count)
      : scheme_(std::move(scheme)), simulated_(simulated), device_count_(device_count) {}
  std::string_view scheme() const override { return scheme_; }
  bool simulated() const override { return simulated_; }
  Result<std::vector<DeviceInfo>> EnumerateDevices() override {
    if (device_count_ < 0) return UnavailableError("lib", scheme_, ".so not found");
    std::vector<DeviceInfo> devices;
    for (int i = 0; i < device_count_; ++i) {
      devices.push_back(DeviceInfo{StrCat(scheme_, "://", i), "test", scheme_, 0, simulated_});
    }
    return devices;
  }
  Result<Ref<Device>> CreateDevice(const DeviceUri& uri, Allocator&) override {
    last_uri = uri.ToString();
    return UnimplementedError("test driver makes no devices");
  }
  std::string last_uri;

 private:
  std::string scheme_;
  bool simulated_;
  int device_count_;
};

class DriverRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("GPUHAL_DEVICE"); }
  void TearDown() override { unsetenv("GPUHAL_DEVICE"); }
};

TEST_F(DriverRegistryTest, RegisterRejectsDuplicatesNullAndDefault) {
  DriverRegistry registry;
  EXPECT_OK(registry.Register(std::make_unique<FakeDriver>("a", false, 0)));
  EXPECT_TRUE(IsAlreadyExists(registry.Register(std::make_unique<FakeDriver>("a", true, 0))));
  EXPECT_TRUE(IsInvalidArgument(registry.Register(nullptr)));
  EXPECT_TRUE(IsInvalidArgument(registry.Register(std::make_unique<FakeDriver>("default", 0, 0))));
  ASSERT_EQ(registry.drivers().size(), 1u);
  EXPECT_FALSE(registry.Find("a")->simulated());
  EXPECT_EQ(registry.Find("b"), nullptr);
}

TEST_F(DriverRegistryTest, UnknownSchemeListsRegisteredOnes) {
  DriverRegistry registry;
  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("cuda", false, 0)));
  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("fake-cuda", true, 1)));
  Result<Ref<Device>> device = registry.CreateDevice("vulkan://0");
  EXPECT_TRUE(IsNotFound(device.status()));
  EXPECT_EQ(device.status().message(),
            "no driver for scheme 'vulkan' (registered: cuda, fake-cuda)");
}

TEST_F(DriverRegistryTest, DefaultPrefersFirstRealDeviceThenSimulated) {
  DriverRegistry registry;
  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("fake-cuda", true, 1)));
  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("cuda", false, -1)));
  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("hip", false, 0)));
  EXPECT_EQ(*registry.ResolveDefaultUri(), "fake-cuda://0");

  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("real", false, 2)));
  EXPECT_EQ(*registry.ResolveDefaultUri(), "real://0");
  EXPECT_TRUE(IsUnimplemented(registry.CreateDevice("default://").status()));
  EXPECT_EQ(static_cast<FakeDriver*>(registry.Find("real"))->last_uri, "real://0");
}

TEST_F(DriverRegistryTest, EnvironmentOverridesDefault) {
  DriverRegistry registry;
  ASSERT_OK(registry.Register(std::make_unique<FakeDriver>("fake-hip", true, 1)));
  setenv("GPUHAL_DEVICE", "fake-hip://2?seed=5", 1);
  EXPECT_EQ(*registry.ResolveDefaultUri(), "fake-hip://2?seed=5");
  (void)registry.CreateDevice("default://");
  EXPECT_EQ(static_cast<FakeDriver*>(registry.Find("fake-hip"))->last_uri,
            "fake-hip://2?seed=5");
  setenv("GPUHAL_DEVICE", "default://", 1);
  EXPECT_TRUE(IsInvalidArgument(registry.ResolveDefaultUri().status()));
}

TEST_F(DriverRegistryTest, DefaultWithNoDriversIsNotFound) {
  DriverRegistry registry;
  EXPECT_TRUE(IsNotFound(registry.CreateDevice("default://").status()));
}

}  // namespace
}  // namespace gpuhal
