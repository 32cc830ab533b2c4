#include "backends/cuda/cuda_symbols.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>

#include "backends/cuda/cuda_status.h"

namespace gpuhal::cuda {
namespace {

// Members carry the unversioned vendor name with the current ABI's signature, whatever
// cuda.h's renaming macros say.
static_assert(std::is_same_v<decltype(CudaSymbols::cuMemAlloc),
                             CUresult(CUDAAPI*)(CUdeviceptr*, size_t)>);
static_assert(std::is_same_v<decltype(CudaSymbols::cuMemAlloc), PFN_cuMemAlloc_v3020>);
static_assert(std::is_same_v<decltype(CudaSymbols::cuStreamWaitValue32),
                             PFN_cuStreamWaitValue32_v11070>);
static_assert(std::is_same_v<decltype(CudaSymbols::cuGraphAddKernelNode),
                             PFN_cuGraphAddKernelNode_v12000>);

TEST(CudaSymbolsTest, ListHasExpectedCountAndNoDuplicates) {
  EXPECT_EQ(kCudaSymbolCount, 69u);
  std::set<std::string_view> unique(std::begin(kCudaSymbolNames), std::end(kCudaSymbolNames));
  EXPECT_EQ(unique.size(), kCudaSymbolCount);
  // The names are the unversioned ones; the version column picks the ABI.
  for (std::string_view name : kCudaSymbolNames) {
    EXPECT_THAT(std::string(name), ::testing::Not(::testing::EndsWith("_v2"))) << name;
  }
  EXPECT_EQ(kCudaSymbolNames[0], "cuInit");
  EXPECT_TRUE(unique.contains("cuMemAlloc"));
  EXPECT_TRUE(unique.contains("cuGraphInstantiateWithFlags"));
}

TEST(CudaSymbolsTest, DefaultTableIsEmpty) {
  CudaSymbols symbols;
  EXPECT_EQ(UnsetCudaSymbols(symbols).size(), kCudaSymbolCount);
}

// Every CUDA driver function returns CUresult, so one template can fake them all.
template <typename Fn>
struct NotSupported;
template <typename... Args>
struct NotSupported<CUresult(CUDAAPI*)(Args...)> {
  static CUresult CUDAAPI Call(Args...) { return CUDA_ERROR_NOT_SUPPORTED; }
};

TEST(CudaSymbolsTest, TableIsFilledThroughTheList) {
  // The pattern the simulated GPU uses, with a fake per function instead of a template.
  CudaSymbols symbols;
#define GPUHAL_CUDA_SYMBOL(name, version) \
  symbols.name = &NotSupported<decltype(symbols.name)>::Call;
#include "backends/cuda/cuda_symbols.inc"
  EXPECT_THAT(UnsetCudaSymbols(symbols), ::testing::IsEmpty());

  CUdeviceptr pointer = 0;
  EXPECT_EQ(symbols.cuMemAlloc(&pointer, 64), CUDA_ERROR_NOT_SUPPORTED);
  Status status = GPUHAL_CUDA_CALL(symbols, cuMemAlloc, &pointer, 64);
  EXPECT_TRUE(IsUnimplemented(status));
  // The table's cuGetErrorName fails too, so the built-in names are used.
  EXPECT_EQ(status.message(), "cuMemAlloc: CUDA_ERROR_NOT_SUPPORTED (operation not supported)");
}

TEST(CudaSymbolsTest, UnsetListsMissingMembersInOrder) {
  CudaSymbols symbols;
#define GPUHAL_CUDA_SYMBOL(name, version) \
  symbols.name = &NotSupported<decltype(symbols.name)>::Call;
#include "backends/cuda/cuda_symbols.inc"
  symbols.cuInit = nullptr;
  symbols.cuGetErrorString = nullptr;
  EXPECT_THAT(UnsetCudaSymbols(symbols), ::testing::ElementsAre("cuInit", "cuGetErrorString"));
}

}  // namespace
}  // namespace gpuhal::cuda
