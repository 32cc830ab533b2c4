#include "gpuhal/core/dynamic_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

using ::testing::HasSubstr;

// libm is part of every glibc system, so it stands in for a vendor library.
constexpr char kPresentLibrary[] = "libm.so.6";

TEST(DynamicLibraryTest, MissingLibraryIsUnavailableAndNamed) {
  Result<DynamicLibrary> library = DynamicLibrary::Open("libgpuhal_no_such_library.so.7");
  ASSERT_FALSE(library.ok());
  EXPECT_TRUE(IsUnavailable(library.status()));
  EXPECT_THAT(library.status().message(),
              HasSubstr("cannot load libgpuhal_no_such_library.so.7: "));
  // The loader's explanation follows, which names the file again.
  EXPECT_THAT(library.status().message(), HasSubstr("No such file"));
}

TEST(DynamicLibraryTest, EmptyNameIsInvalid) {
  EXPECT_TRUE(IsInvalidArgument(DynamicLibrary::Open("").status()));
}

TEST(DynamicLibraryTest, ResolvesSymbolsOfAnOpenLibrary) {
  Result<DynamicLibrary> library = DynamicLibrary::Open(kPresentLibrary);
  ASSERT_OK(library) << library.status();
  EXPECT_TRUE(library->is_open());
  EXPECT_EQ(library->name(), kPresentLibrary);
  Result<void*> cos = library->GetSymbol("cos");
  ASSERT_OK(cos) << cos.status();
  EXPECT_EQ(reinterpret_cast<double (*)(double)>(*cos)(0.0), 1.0);
  EXPECT_EQ(library->FindSymbol("cos"), *cos);
}

TEST(DynamicLibraryTest, MissingSymbolIsUnavailableNamingSymbolAndLibrary) {
  Result<DynamicLibrary> library = DynamicLibrary::Open(kPresentLibrary);
  ASSERT_OK(library) << library.status();
  EXPECT_EQ(library->FindSymbol("gpuhal_no_such_symbol"), nullptr);
  Result<void*> symbol = library->GetSymbol("gpuhal_no_such_symbol");
  ASSERT_FALSE(symbol.ok());
  EXPECT_TRUE(IsUnavailable(symbol.status()));
  EXPECT_THAT(symbol.status().message(),
              HasSubstr("libm.so.6 does not provide gpuhal_no_such_symbol: "));
}

TEST(DynamicLibraryTest, MoveTransfersOwnership) {
  Result<DynamicLibrary> opened = DynamicLibrary::Open(kPresentLibrary);
  ASSERT_OK(opened) << opened.status();
  DynamicLibrary first = std::move(opened).value();
  DynamicLibrary second = std::move(first);
  EXPECT_FALSE(first.is_open());  // NOLINT(bugprone-use-after-move): checking the contract.
  EXPECT_EQ(first.FindSymbol("cos"), nullptr);
  EXPECT_TRUE(IsFailedPrecondition(first.GetSymbol("cos").status()));
  EXPECT_TRUE(second.is_open());
  DynamicLibrary third;
  third = std::move(second);
  EXPECT_TRUE(third.is_open());
  EXPECT_NE(third.FindSymbol("cos"), nullptr);
}

struct MathSymbols {
  double (*cos)(double);
};

TEST(DynamicLibraryTest, LoadedSymbolsKeepTheLibraryOpen) {
  Ref<LoadedSymbols<MathSymbols>> loaded;
  {
    Result<DynamicLibrary> library = DynamicLibrary::Open(kPresentLibrary);
    ASSERT_OK(library) << library.status();
    MathSymbols symbols{reinterpret_cast<double (*)(double)>(library->FindSymbol("cos"))};
    loaded = Ref<LoadedSymbols<MathSymbols>>::Adopt(
        new LoadedSymbols<MathSymbols>(std::move(library).value(), symbols));
  }
  ASSERT_TRUE(loaded->library().is_open());
  EXPECT_EQ(loaded->symbols().cos(0.0), 1.0);
  EXPECT_EQ(loaded->library().name(), kPresentLibrary);
}

TEST(DynamicLibraryTest, MissingSymbolsErrorNamesThemAndTheRequirement) {
  std::vector<std::string> missing = {"ncclCommSplit", "ncclCommAbort"};
  Status status = MissingSymbolsError("libnccl.so.2", missing, "gpuhal needs NCCL 2.18 or newer");
  EXPECT_TRUE(IsUnavailable(status));
  EXPECT_EQ(status.message(),
            "libnccl.so.2 does not provide ncclCommSplit, ncclCommAbort; "
            "gpuhal needs NCCL 2.18 or newer");
  EXPECT_EQ(MissingSymbolsError("libx.so", missing, "").message(),
            "libx.so does not provide ncclCommSplit, ncclCommAbort");
}

TEST(DynamicLibraryTest, MissingSymbolsErrorShortensLongLists) {
  std::vector<std::string> missing;
  for (int i = 0; i < 10; ++i) missing.push_back("f" + std::to_string(i));
  EXPECT_EQ(MissingSymbolsError("libx.so", missing, "").message(),
            "libx.so does not provide f0, f1, f2, f3, f4, f5, f6, f7 and 2 more");
}

}  // namespace
}  // namespace gpuhal
