#include "gpuhal/executable.h"

#include <gtest/gtest.h>

#include "gpuhal/core/testing/test_objects.h"

namespace gpuhal {
namespace {

TEST(ExecutableTest, LookupEntryPointFindsOrdinal) {
  CountingAllocator allocator;
  {
    auto executable = MakeRef<testing::TestExecutable>(
        allocator, std::initializer_list<std::string_view>{"fill", "scale", "reduce"}, nullptr);
    EXPECT_EQ(*executable->LookupEntryPoint("fill"), 0u);
    EXPECT_EQ(*executable->LookupEntryPoint("reduce"), 2u);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

TEST(ExecutableTest, LookupMissingEntryPointListsAvailable) {
  CountingAllocator allocator;
  {
    auto executable = MakeRef<testing::TestExecutable>(
        allocator, std::initializer_list<std::string_view>{"fill", "scale"}, nullptr);
    auto ordinal = executable->LookupEntryPoint("scal");
    EXPECT_EQ(ordinal.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(ordinal.status().message(),
              "executable has no entry point named 'scal'; available: 'fill', 'scale'");
    auto empty = MakeRef<testing::TestExecutable>(
        allocator, std::initializer_list<std::string_view>{}, nullptr);
    EXPECT_NE(empty->LookupEntryPoint("x").status().message().find("available: none"),
              std::string_view::npos);
  }
  EXPECT_EQ(allocator.live_bytes(), 0u);
}

}  // namespace
}  // namespace gpuhal
