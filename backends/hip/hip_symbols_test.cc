#include "backends/hip/hip_symbols.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <type_traits>

#include "backends/hip/hip_status.h"

namespace gpuhal::hip {
namespace {

static_assert(std::is_same_v<decltype(HipSymbols::hipMalloc), hipError_t (*)(void**, size_t)>);
static_assert(std::is_same_v<decltype(HipSymbols::hipGetErrorName), const char* (*)(hipError_t)>);
// Default arguments in the HIP headers do not carry over: the table's callers pass all.
static_assert(std::is_same_v<decltype(HipSymbols::hipStreamWaitValue32),
                             hipError_t (*)(hipStream_t, void*, uint32_t, unsigned, uint32_t)>);

TEST(HipSymbolsTest, ListHasExpectedCountAndNoDuplicates) {
  EXPECT_EQ(kHipSymbolCount, 67u);
  std::set<std::string_view> unique(std::begin(kHipSymbolNames), std::end(kHipSymbolNames));
  EXPECT_EQ(unique.size(), kHipSymbolCount);
  EXPECT_EQ(kHipSymbolNames[0], "hipInit");
  EXPECT_TRUE(unique.contains("hipModuleLaunchKernel"));
  EXPECT_EQ(UnsetHipSymbols(HipSymbols{}).size(), kHipSymbolCount);
}

// A fake for every signature in the list: all HIP functions here return hipError_t
// except the two error-text functions.
template <typename Fn>
struct NotSupported;
template <typename... Args>
struct NotSupported<hipError_t (*)(Args...)> {
  static hipError_t Call(Args...) { return hipErrorNotSupported; }
};
template <>
struct NotSupported<const char* (*)(hipError_t)> {
  static const char* Call(hipError_t) { return nullptr; }
};

TEST(HipSymbolsTest, TableIsFilledThroughTheList) {
  HipSymbols symbols;
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters) \
  symbols.name = &NotSupported<decltype(symbols.name)>::Call;
#include "backends/hip/hip_symbols.inc"
  EXPECT_THAT(UnsetHipSymbols(symbols), ::testing::IsEmpty());

  void* pointer = nullptr;
  Status status = GPUHAL_HIP_CALL(symbols, hipMalloc, &pointer, 64);
  EXPECT_TRUE(IsUnimplemented(status));
  EXPECT_EQ(status.message(), "hipMalloc: hipErrorNotSupported (operation not supported)");
}

}  // namespace
}  // namespace gpuhal::hip
