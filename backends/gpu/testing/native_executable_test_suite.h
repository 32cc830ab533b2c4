// Loading executables through the vendor module API, and rejecting malformed or
// mismatched containers. A type-parameterized suite over the vendor, instantiated by
// native_executable_cuda_test.cc and native_executable_hip_test.cc.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_NATIVE_EXECUTABLE_TEST_SUITE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_NATIVE_EXECUTABLE_TEST_SUITE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/gpu/testing/command_test_harness.h"
#include "backends/gpu/native_executable.h"
#include "gpuhal/core/executable_builder.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

template <typename V>
class NativeExecutableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gpu = FakeGpu<V>::Create();
    ASSERT_OK(gpu) << gpu.status();
    gpu_ = std::move(*gpu);
    auto one_buffer = gpu_->StorageLayout({1}, 1);
    auto two_buffers = gpu_->StorageLayout({2}, 0);
    ASSERT_TRUE(one_buffer.ok() && two_buffers.ok());
    fill_layout_ = *one_buffer;
    add_one_layout_ = *two_buffers;
  }

  // fill_u32 (one buffer, one constant) and add_one (two buffers), with the given targets.
  std::vector<uint8_t> Container(const std::vector<std::pair<std::string, std::string>>& targets,
                                 std::vector<std::string> symbols = {"fill_u32", "add_one"}) {
    ExecutableBuilder builder;
    builder.AddEntryPoint("fill", {64, 2, 1}, 256,
                          LayoutShape::StorageBuffers(std::vector<uint32_t>{1}, 1));
    builder.AddEntryPoint("increment", {32, 1, 1}, 0,
                          LayoutShape::StorageBuffers(std::vector<uint32_t>{2}, 0));
    for (const auto& [name, code] : targets) builder.AddTarget(name, code, symbols);
    return builder.Build();
  }
  std::string FakeImage() {
    const std::string kernels[] = {"fill_u32", "add_one"};
    return FakeModuleImage(kernels);
  }
  Result<Ref<Executable>> Load(const std::vector<uint8_t>& container,
                               std::vector<PipelineLayout*> layouts = {}) {
    if (layouts.empty()) layouts = {fill_layout_.get(), add_one_layout_.get()};
    ExecutableParams params;
    params.container = container;
    params.pipeline_layouts = layouts;
    return LoadGpuExecutable(gpu_->context(), params);
  }

  std::unique_ptr<FakeGpu<V>> gpu_;
  Ref<PipelineLayout> fill_layout_;
  Ref<PipelineLayout> add_one_layout_;
};
TYPED_TEST_SUITE_P(NativeExecutableTest);

TYPED_TEST_P(NativeExecutableTest, LoadsTheFakeTargetWithEntryPointMetadata) {
  std::vector<uint8_t> container = this->Container({{"fake", this->FakeImage()}});
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable, this->Load(container));
  container.assign(container.size(), 0);  // only read during the load
  ASSERT_EQ(executable->entry_point_count(), 2u);
  const EntryPointInfo& fill = executable->entry_point(0);
  EXPECT_EQ(fill.name, "fill");
  EXPECT_EQ(fill.block_size, (std::array<uint32_t, 3>{64, 2, 1}));
  EXPECT_EQ(fill.shared_memory_bytes, 256u);
  EXPECT_EQ(fill.layout, this->fill_layout_.get());
  EXPECT_EQ(executable->entry_point(1).name, "increment");
  EXPECT_EQ(executable->entry_point(1).layout, this->add_one_layout_.get());
  ASSERT_OK_AND_ASSIGN(uint32_t ordinal, executable->LookupEntryPoint("increment"));
  EXPECT_EQ(ordinal, 1u);
  auto* native = dynamic_cast<NativeExecutable<TypeParam>*>(executable.get());
  ASSERT_NE(native, nullptr);
  EXPECT_EQ(native->target(), "fake");
  EXPECT_NE(native->function(0), native->function(1));
}

TYPED_TEST_P(NativeExecutableTest, RetainsTheLayouts) {
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable,
                       this->Load(this->Container({{"fake", this->FakeImage()}})));
  const int32_t before = this->fill_layout_->ref_count_for_testing();
  executable.reset();
  EXPECT_EQ(this->fill_layout_->ref_count_for_testing(), before - 1);
}

TYPED_TEST_P(NativeExecutableTest, PrefersTheFakeTargetOnTheSimulatedGpu) {
  std::vector<std::pair<std::string, std::string>> targets = {{"fake", this->FakeImage()}};
  for (std::string_view name : TypeParam::kExecutableTargets) {
    targets.insert(targets.begin(), {std::string(name), "not loadable here"});
  }
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable, this->Load(this->Container(targets)));
  EXPECT_EQ(dynamic_cast<NativeExecutable<TypeParam>*>(executable.get())->target(), "fake");
}

// PTX is text without a terminating NUL in the container; the simulated CUDA front end
// accepts it by looking up its entry names among the registered fake kernels.
TYPED_TEST_P(NativeExecutableTest, LoadsUnterminatedPtxWhenThereIsNoFakeTarget) {
  if (TypeParam::kName != std::string_view("cuda")) GTEST_SKIP() << "PTX is a CUDA target";
  const std::string ptx =
      ".version 8.0\n.target sm_80\n.address_size 64\n"
      ".visible .entry fill_u32(.param .u64 a, .param .u32 b) { ret; }\n"
      ".visible .entry add_one(.param .u64 a, .param .u64 b) { ret; }";
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable, this->Load(this->Container({{"ptx", ptx}})));
  EXPECT_EQ(dynamic_cast<NativeExecutable<TypeParam>*>(executable.get())->target(), "ptx");
}

TYPED_TEST_P(NativeExecutableTest, NoLoadableTargetIsNotFoundListingTheContainersTargets) {
  auto result = this->Load(this->Container({{"spirv", "x"}, {"metal", "y"}}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound) << result.status();
  const std::string message(result.status().message());
  EXPECT_THAT(message, ::testing::HasSubstr("spirv, metal"));
  EXPECT_THAT(message, ::testing::HasSubstr("fake"));
  EXPECT_THAT(message, ::testing::HasSubstr(std::string(TypeParam::kExecutableTargets[0])));
}

TYPED_TEST_P(NativeExecutableTest, TruncatedAndCorruptContainersAreRejected) {
  const std::vector<uint8_t> container = this->Container({{"fake", this->FakeImage()}});
  for (size_t cut : {size_t{1}, size_t{16}, container.size() / 2}) {
    std::vector<uint8_t> truncated(container.begin(), container.end() - cut);
    auto result = this->Load(truncated);
    ASSERT_FALSE(result.ok()) << cut;
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss) << result.status();
  }
  std::vector<uint8_t> garbage(256, 0x5A);
  EXPECT_FALSE(this->Load(garbage).ok());
  EXPECT_FALSE(this->Load({}).ok());
}

TYPED_TEST_P(NativeExecutableTest, LayoutCountMustMatchTheEntryPoints) {
  const std::vector<uint8_t> container = this->Container({{"fake", this->FakeImage()}});
  auto result = this->Load(container, {this->fill_layout_.get()});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), ::testing::HasSubstr("2 entry points"));
  auto null_layout = this->Load(container, {this->fill_layout_.get(), nullptr});
  EXPECT_EQ(null_layout.status().code(), StatusCode::kInvalidArgument) << null_layout.status();
}

TYPED_TEST_P(NativeExecutableTest, LayoutShapeMismatchNamesTheEntryPoint) {
  const std::vector<uint8_t> container = this->Container({{"fake", this->FakeImage()}});
  auto result = this->Load(container, {this->add_one_layout_.get(), this->add_one_layout_.get()});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), ::testing::HasSubstr("fill"));
}

TYPED_TEST_P(NativeExecutableTest, MissingKernelSymbolIsNamed) {
  auto result =
      this->Load(this->Container({{"fake", this->FakeImage()}}, {"fill_u32", "no_such_kernel"}));
  ASSERT_FALSE(result.ok());
  const std::string message(result.status().message());
  EXPECT_THAT(message, ::testing::HasSubstr("no_such_kernel"));
  EXPECT_THAT(message, ::testing::HasSubstr("increment"));
}

TYPED_TEST_P(NativeExecutableTest, ModuleNamingAnUnregisteredKernelFailsToLoad) {
  const std::string kernels[] = {"fill_u32", "never_registered"};
  auto result = this->Load(this->Container({{"fake", FakeModuleImage(kernels)}}));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), ::testing::HasSubstr("'fake' target"));
}

REGISTER_TYPED_TEST_SUITE_P(NativeExecutableTest, LoadsTheFakeTargetWithEntryPointMetadata,
                            RetainsTheLayouts, PrefersTheFakeTargetOnTheSimulatedGpu,
                            LoadsUnterminatedPtxWhenThereIsNoFakeTarget,
                            NoLoadableTargetIsNotFoundListingTheContainersTargets,
                            TruncatedAndCorruptContainersAreRejected,
                            LayoutCountMustMatchTheEntryPoints,
                            LayoutShapeMismatchNamesTheEntryPoint, MissingKernelSymbolIsNamed,
                            ModuleNamingAnUnregisteredKernelFailsToLoad);

GPUHAL_VENDOR_TYPED_SUITE(NativeExecutableTest);

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_NATIVE_EXECUTABLE_TEST_SUITE_H_
