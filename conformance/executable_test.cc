// Loading executables: what loads (each kernel's layout, PTX where the device takes it),
// what is rejected and with which code (truncated containers, no loadable target,
// layouts that do not match), and that recorded work keeps its executable alive.
#include <string>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class ExecutableTest : public ConformanceTest {
 protected:
  Result<Ref<Executable>> Load(std::span<const uint8_t> container,
                               std::vector<PipelineLayout*> layouts) {
    ExecutableParams params;
    params.container = container;
    params.pipeline_layouts = layouts;
    return device().LoadExecutable(params);
  }
  Result<Ref<PipelineLayout>> LayoutOf(std::string_view kernel) {
    return NewLayout(kernels::FindKernel(kernel)->layout);
  }
};
CTS_INSTANTIATE(ExecutableTest);

TEST_P(ExecutableTest, TruncatedContainersAreDataLoss) {
  const std::vector<uint8_t> container = kernels::BuildKernelContainer({"cts_iota"});
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> layout, LayoutOf("cts_iota"));
  ASSERT_OK(Load(container, {layout.get()}));
  for (size_t cut : {size_t{1}, size_t{4}, container.size() / 2, container.size() - 16}) {
    // A fresh vector per cut: the loader may require 4-byte aligned bytes, and a vector's
    // storage is.
    SCOPED_TRACE(::testing::Message() << "cut " << cut << " of " << container.size() << " bytes");
    const std::vector<uint8_t> truncated(container.begin(), container.end() - cut);
    EXPECT_THAT(Load(truncated, {layout.get()}), StatusIs(StatusCode::kDataLoss));
  }
  EXPECT_THAT(Load({}, {layout.get()}), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(ExecutableTest, ContainerWithOnlyUnknownTargetsIsRejected) {
  const std::vector<std::string> symbols = {"cts_iota"};
  ExecutableBuilder builder;
  builder.AddEntryPoint("cts_iota", kernels::kBlockSize, 0,
                        kernels::FindKernel("cts_iota")->layout);
  builder.AddTarget("spirv", std::string_view("not code for any device"), symbols);
  const std::vector<uint8_t> container = builder.Build();
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> layout, LayoutOf("cts_iota"));
  EXPECT_THAT(Load(container, {layout.get()}), StatusIs(StatusCode::kNotFound));
}

TEST_P(ExecutableTest, LayoutMismatchesAreInvalidArgument) {
  const std::vector<uint8_t> container =
      kernels::BuildKernelContainer({"cts_iota", "cts_scale_add"});
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> iota, LayoutOf("cts_iota"));
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> scale_add, LayoutOf("cts_scale_add"));
  ASSERT_OK(Load(container, {iota.get(), scale_add.get()}));

  // Swapped: set count and push constants differ.
  EXPECT_THAT(Load(container, {scale_add.get(), iota.get()}), StatusIs(StatusCode::kInvalidArgument));
  // One push constant too many.
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> extra_constant,
                           NewLayout({kernels::FindKernel("cts_iota")->layout.sets, 3}));
  EXPECT_THAT(Load(container, {extra_constant.get(), scale_add.get()}), StatusIs(StatusCode::kInvalidArgument));
  // Set 0 with ordinals {0, 1} where the kernel declares {0, 3}.
  LayoutShape wrong_ordinal = kernels::FindKernel("cts_scale_add")->layout;
  wrong_ordinal.sets[0].bindings[1].ordinal = 1;
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> wrong_binding, NewLayout(wrong_ordinal));
  EXPECT_THAT(Load(container, {iota.get(), wrong_binding.get()}), StatusIs(StatusCode::kInvalidArgument));
  // Fewer layouts than entry points.
  EXPECT_THAT(Load(container, {iota.get()}), StatusIs(StatusCode::kInvalidArgument));
}

// The same PTX a real GPU runs: on the simulated GPU its entry names resolve to the host
// kernels of the same names.
TEST_P(ExecutableTest, PtxOnlyContainerRuns) {
  if (kernels::ConformancePtx().empty()) GTEST_SKIP() << "built without nvcc";
  const std::string& driver = device().info().driver;
  if (driver.find("cuda") == std::string::npos) GTEST_SKIP() << "PTX is a CUDA target";
  constexpr uint32_t kCount = 200;
  const std::vector<uint8_t> container =
      kernels::BuildKernelContainer({"cts_iota"}, {.fake = false, .ptx = true});
  ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> layout, LayoutOf("cts_iota"));
  Kernels kernels;
  kernels.layouts.push_back(layout);
  if (device().info().simulated) {
    // The simulated GPU runs host kernels; it has no host version of a PTX-only kernel
    // and says so, naming the first kernel of the PTX it cannot run.
    EXPECT_THAT(Load(container, {layout.get()}),
                StatusIs(StatusCode::kInvalidArgument,
                         ::testing::HasSubstr("has no host version registered")));
    return;
  }
  ASSERT_OK_AND_ASSIGN(kernels.executable, Load(container, {layout.get()}));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBuffer(kCount * 4));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    const SetBindings sets[] = {{0, {{0, out.get()}}}};
    const uint32_t constants[] = {1, kCount};
    return RecordDispatch(commands, kernels, 0, sets, constants,
                          {kernels::WorkgroupsFor(kCount), 1, 1});
  }));
  std::vector<uint32_t> expected(kCount);
  for (uint32_t i = 0; i < kCount; ++i) expected[i] = i + 1;
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_EQ(words, expected);
}

TEST_P(ExecutableTest, RecordedWorkKeepsExecutableAlive) {
  constexpr uint32_t kCount = 64;
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, NewBuffer(kCount * 4));
  Ref<CommandBuffer> commands;
  {
    ASSERT_OK_AND_ASSIGN(Kernels kernels, LoadKernels({"cts_fill_u32"}));
    ASSERT_OK_AND_ASSIGN(
        commands, Record([&](CommandBuffer& recording) {
          const SetBindings sets[] = {{0, {{0, out.get()}}}};
          const uint32_t constants[] = {0x77777777u, kCount};
          return RecordDispatch(recording, kernels, 0, sets, constants, {1, 1, 1});
        }));
  }  // the test's references to the executable and layouts are gone
  ASSERT_OK(SubmitAndWait(*commands));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*out));
  EXPECT_EQ(words, std::vector<uint32_t>(kCount, 0x77777777u));
}

TEST_P(ExecutableTest, EveryConformanceKernelLoadsTogether) {
  std::vector<std::string_view> names;
  std::vector<Ref<PipelineLayout>> layouts;
  std::vector<PipelineLayout*> layout_pointers;
  for (const kernels::KernelSpec& spec : kernels::AllKernels()) {
    names.push_back(spec.name);
    ASSERT_OK_AND_ASSIGN(Ref<PipelineLayout> layout, NewLayout(spec.layout));
    layout_pointers.push_back(layout.get());
    layouts.push_back(std::move(layout));
  }
  const std::vector<uint8_t> container = kernels::BuildKernelContainer(names);
  ASSERT_OK_AND_ASSIGN(Ref<Executable> executable, Load(container, layout_pointers));
  ASSERT_EQ(executable->entry_point_count(), names.size());
  for (uint32_t i = 0; i < names.size(); ++i) EXPECT_EQ(executable->entry_point(i).name, names[i]);
}

}  // namespace
}  // namespace gpuhal::conformance
