// The simulated GPU's public test surface, used as an application uses it: fault specs
// (URI and InjectFaults), traces, host kernel libraries and the kernel dialect, on both
// simulated vendors in both command buffer modes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gpuhal/core/executable_builder.h"
#include "gpuhal/gpuhal.h"
#include "gpuhal/kernel.h"
#include "gpuhal/testing/simulated_devices.h"
#include "gpuhal/testing/status_matchers.h"

// A kernel for the tests below, in the public dialect. set 0: {0: out}; constants: count.
GPUHAL_KERNEL(write_index, GPUHAL_BUFFER(uint32_t) out, uint32_t count) {
  const uint32_t i = GPUHAL_GLOBAL_ID_X;
  if (i < count) out[i] = i * 3 + 1;
}

namespace gpuhal {
namespace {

using ::gpuhal::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::string_view kScope = "simulated_gpu_test";

// Published once for the whole test program, as an application would.
void PublishKernels() {
  static const bool published = [] {
    auto* library = new HostKernelLibrary(std::string(kScope));
    EXPECT_OK(GPUHAL_ADD_TRANSLATION_UNIT_KERNELS(*library));
    EXPECT_OK(library->Publish());
    return true;
  }();
  (void)published;
}

std::vector<uint8_t> Container(std::string_view fake_module) {
  ExecutableBuilder builder;
  LayoutShape shape;
  shape.sets.push_back(DescriptorSetShape{{{0}}});
  shape.push_constant_count = 1;
  builder.AddEntryPoint("write_index", {64, 1, 1}, 0, shape);
  const std::vector<std::string> symbols = {"write_index"};
  builder.AddTarget("fake", fake_module, symbols);
  return builder.Build();
}

struct Loaded {
  Ref<PipelineLayout> layout;
  Ref<Executable> executable;
};

Result<Loaded> Load(Device& device, std::string_view fake_module) {
  const DescriptorSetLayoutBinding bindings[] = {{0}};
  GPUHAL_ASSIGN_OR_RETURN(Ref<DescriptorSetLayout> set, device.CreateDescriptorSetLayout(bindings));
  DescriptorSetLayout* sets[] = {set.get()};
  Loaded loaded;
  GPUHAL_ASSIGN_OR_RETURN(loaded.layout, device.CreatePipelineLayout(sets, 1));
  const std::vector<uint8_t> container = Container(fake_module);
  PipelineLayout* layouts[] = {loaded.layout.get()};
  ExecutableParams params;
  params.container = container;
  params.pipeline_layouts = layouts;
  GPUHAL_ASSIGN_OR_RETURN(loaded.executable, device.LoadExecutable(params));
  return loaded;
}

// Writes out[i] = 3i + 1 for `count` elements of a buffer of `buffer_elements`.
Status RunWriteIndex(Device& device, const Loaded& loaded, Buffer& out, uint32_t count) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands, device.CreateCommandBuffer({}));
  GPUHAL_RETURN_IF_ERROR(commands->Begin());
  const BufferBinding bindings[] = {{0, &out}};
  GPUHAL_RETURN_IF_ERROR(commands->PushDescriptorSet(*loaded.layout, 0, bindings));
  GPUHAL_RETURN_IF_ERROR(commands->PushConstants(
      *loaded.layout, 0, {reinterpret_cast<const uint8_t*>(&count), sizeof(count)}));
  GPUHAL_RETURN_IF_ERROR(commands->Dispatch(*loaded.executable, 0, {(count + 63) / 64, 1, 1}));
  GPUHAL_RETURN_IF_ERROR(commands->End());
  GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> done, device.CreateSemaphore(0));
  const SemaphorePoint signal{done.get(), 1};
  CommandBuffer* list[] = {commands.get()};
  GPUHAL_RETURN_IF_ERROR(device.QueueExecute(kAnyQueue, {}, {&signal, 1}, list));
  return done->Wait(1, Timeout::After(std::chrono::seconds(30)));
}

std::string ConfigName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.find(':'));
  name += info.param.find("threaded") != std::string::npos ? "_threaded" : "_deterministic";
  name += info.param.find("graph") != std::string::npos ? "_graph" : "_stream";
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

class SimulatedGpuTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { PublishKernels(); }
  std::string Uri(std::string_view extra = "") const {
    return GetParam() + (extra.empty() ? "" : "&" + std::string(extra));
  }
  bool hip() const { return GetParam().starts_with("fake-hip"); }
  std::string Alloc() const { return hip() ? "hipMalloc" : "cuMemAlloc"; }
  CountingAllocator allocator_;
};

TEST_P(SimulatedGpuTest, RunsADialectKernelFromAPublishedLibrary) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  EXPECT_TRUE(simulated::IsSimulated(*device));
  ASSERT_OK_AND_ASSIGN(Loaded loaded,
                       Load(*device, "gpuhal-fake-module\nscope simulated_gpu_test\nkernel write_index\n"));
  constexpr uint32_t kCount = 1000;
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, device->AllocateBuffer({}, kCount * 4));
  ASSERT_OK(RunWriteIndex(*device, loaded, *out, kCount));
  std::vector<uint32_t> words(kCount);
  ASSERT_OK(device->ReadBuffer(*out, 0, std::as_writable_bytes(std::span(words))));
  for (uint32_t i = 0; i < kCount; ++i) ASSERT_EQ(words[i], i * 3 + 1) << "element " << i;
}

TEST_P(SimulatedGpuTest, AnOutOfBoundsElementFaultsTheDevice) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  ASSERT_OK_AND_ASSIGN(Loaded loaded,
                       Load(*device, "gpuhal-fake-module\nscope simulated_gpu_test\nkernel write_index\n"));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, device->AllocateBuffer({}, 100 * 4));
  // 101 elements into a 100-element buffer: the last thread writes past the end.
  EXPECT_THAT(RunWriteIndex(*device, loaded, *out, 101),
              StatusIs(StatusCode::kInternal, HasSubstr(hip() ? "hipErrorIllegalAddress"
                                                              : "CUDA_ERROR_ILLEGAL_ADDRESS")));
}

TEST_P(SimulatedGpuTest, AModuleNamingAnUnknownKernelOrScopeIsRefusedWithTheName) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  EXPECT_THAT(Load(*device, "gpuhal-fake-module\nscope simulated_gpu_test\nkernel missing\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("host kernel library 'simulated_gpu_test' has no kernel named "
                                 "'missing'")));
  EXPECT_THAT(Load(*device, "gpuhal-fake-module\nscope nobody\nkernel write_index\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("no host kernel library is published as 'nobody'")));
  // Outside any scope, a name is looked up among the simulated GPU's own kernels only:
  // an application's kernel is not found there.
  EXPECT_THAT(Load(*device, "gpuhal-fake-module\nkernel write_index\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("kernel 'write_index' has no host version")));
}

TEST_P(SimulatedGpuTest, FailsTheNthCallOfANamedFunction) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  ASSERT_OK(simulated::InjectFaults(*device, "fail=" + Alloc() + "@2"));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> first, device->AllocateBuffer({}, 4096));
  EXPECT_THAT(device->AllocateBuffer({}, 4096),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr(Alloc())));
  EXPECT_OK(device->AllocateBuffer({}, 4096));  // only the second call fails
}

TEST_P(SimulatedGpuTest, AFractionOfCallsFailsReproduciblyForASeed) {
  auto failures = [&](uint64_t seed) {
    CountingAllocator allocator;
    std::vector<bool> failed;
    {
      Result<Ref<Device>> device = CreateDevice(
          Uri("seed=" + std::to_string(seed) + "&fail=" + Alloc() + "%0.3"), allocator);
      EXPECT_OK(device);
      if (!device.ok()) return failed;
      for (int i = 0; i < 40; ++i) failed.push_back(!(*device)->AllocateBuffer({}, 256).ok());
    }
    return failed;
  };
  // Seeds 1 and 2 would give other draws; the seed is passed through the URI and the
  // draws are per rule, so a failing run replays exactly.
  const std::vector<bool> first = failures(11);
  EXPECT_EQ(first, failures(11));
  const size_t count = std::count(first.begin(), first.end(), true);
  EXPECT_GT(count, 0u);
  EXPECT_LT(count, first.size());
}

TEST_P(SimulatedGpuTest, CapsDeviceMemory) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri("memory=64KiB"), allocator_));
  EXPECT_THAT(device->AllocateBuffer({}, 128 * 1024),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr(Alloc())));
  EXPECT_OK(device->AllocateBuffer({}, 16 * 1024));
}

TEST_P(SimulatedGpuTest, ALostDeviceFailsEveryLaterCall) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  ASSERT_OK(simulated::InjectFaults(*device, "lose=0"));
  EXPECT_THAT(device->AllocateBuffer({}, 4096), StatusIs(StatusCode::kInternal, HasSubstr(Alloc())));
  EXPECT_THAT(device->AllocateBuffer({}, 4096), StatusIs(StatusCode::kInternal));
  ASSERT_OK(simulated::ClearFaults(*device));
  EXPECT_THAT(device->AllocateBuffer({}, 4096), StatusIs(StatusCode::kInternal));  // stays lost
}

TEST_P(SimulatedGpuTest, FaultsANamedKernel) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri("fault_kernel=write_index@2"), allocator_));
  ASSERT_OK_AND_ASSIGN(Loaded loaded,
                       Load(*device, "gpuhal-fake-module\nscope simulated_gpu_test\nkernel write_index\n"));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, device->AllocateBuffer({}, 64 * 4));
  EXPECT_OK(RunWriteIndex(*device, loaded, *out, 64));
  EXPECT_THAT(RunWriteIndex(*device, loaded, *out, 64),
              StatusIs(StatusCode::kInternal,
                       HasSubstr(hip() ? "hipErrorLaunchFailure" : "CUDA_ERROR_LAUNCH_FAILED")));
}

TEST_P(SimulatedGpuTest, FailsANamedCollectiveCall) {
  // NCCL and RCCL both spell it ncclAllReduce.
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri("fail=ncclAllReduce@1"), allocator_));
  Device* group[] = {device.get()};
  ASSERT_OK_AND_ASSIGN(std::vector<Ref<Channel>> channels, device->CreateChannelGroup(group));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> data, device->AllocateBuffer({}, 64 * 4));
  auto all_reduce = [&]() -> Status {
    GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands, device->CreateCommandBuffer({}));
    GPUHAL_RETURN_IF_ERROR(commands->Begin());
    const CollectiveOp op{CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kFloat32};
    GPUHAL_RETURN_IF_ERROR(commands->Collective(*channels[0], op, 0, {data.get(), 0, 256},
                                                {data.get(), 0, 256}, 64));
    GPUHAL_RETURN_IF_ERROR(commands->End());
    GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> done, device->CreateSemaphore(0));
    const SemaphorePoint signal{done.get(), 1};
    CommandBuffer* list[] = {commands.get()};
    GPUHAL_RETURN_IF_ERROR(device->QueueExecute(kAnyQueue, {}, {&signal, 1}, list));
    return done->Wait(1, Timeout::After(std::chrono::seconds(30)));
  };
  const Status failed = all_reduce();
  EXPECT_FALSE(failed.ok());
  EXPECT_THAT(failed.message(), HasSubstr("ncclAllReduce")) << failed;
}

TEST_P(SimulatedGpuTest, AMalformedFaultSpecNamesItsBadPartAndAddsNothing) {
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  const std::string alloc = Alloc();
  const std::pair<std::string, std::string> cases[] = {
      {"fail=" + alloc, "expected NAME@N"},
      {"fail=" + alloc + "@0", "is not an integer of at least 1"},
      {"fail=" + alloc + "@two", "'two' is not an integer"},
      {"fail=" + alloc + "%1.5", "'1.5' is not a number in (0, 1]"},
      {"fail=" + alloc + "%0", "'0' is not a number in (0, 1]"},
      {"fail=noSuchCall@1", "noSuchCall is not a function of"},
      {"lose=soon", "lose=soon"},
      {"fault_kernel=@2", "expected a kernel name"},
      {"fault_kernel=k@x", "launch number 'x'"},
      {"retry=3", "'retry=3' is not fail="},
      {"fail=" + alloc + "@1&fail=" + alloc + "@2", "sets 'fail' twice"},
      // A good rule before a bad one: nothing of the spec is added.
      {"fail=" + alloc + "@1,bogus", "fail=bogus"},
  };
  for (const auto& [spec, message] : cases) {
    EXPECT_THAT(simulated::InjectFaults(*device, spec),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(message)))
        << spec;
  }
  EXPECT_OK(device->AllocateBuffer({}, 4096));  // no rule of a refused spec was added
  EXPECT_THAT(CreateDevice(Uri("fail=" + alloc + "@zero"), allocator_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr(alloc + "@zero")));
  EXPECT_THAT(CreateDevice(Uri("memory=12XB"), allocator_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("memory=12XB is not a size")));
}

TEST(SimulatedGpuHintTest, NamesHipsSpellingOfACudaFunction) {
  CountingAllocator allocator;
  EXPECT_THAT(CreateDevice("fake-hip://0?fail=cuMemAlloc@1", allocator),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("did you mean hipMalloc?")));
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// On the deterministic schedule only: the threaded one times spans by the host clock.
class SimulatedGpuTraceTest : public SimulatedGpuTest {};

TEST_P(SimulatedGpuTraceTest, TracesAreTheSameBytesForASeed) {
  const std::string path = ::testing::TempDir() + "simulated_gpu_test_trace.json";
  std::string traces[2];
  for (std::string& trace : traces) {
    {
      ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri("seed=5&trace=" + path), allocator_));
      ASSERT_OK_AND_ASSIGN(Loaded loaded,
                           Load(*device, "gpuhal-fake-module\nscope simulated_gpu_test\nkernel write_index\n"));
      ASSERT_OK_AND_ASSIGN(Ref<Buffer> out, device->AllocateBuffer({}, 256 * 4));
      ASSERT_OK(RunWriteIndex(*device, loaded, *out, 256));
      ASSERT_OK_AND_ASSIGN(std::string live, simulated::TraceJson(*device));
      EXPECT_THAT(live, HasSubstr("\"name\":\"write_index\""));
    }
    trace = ReadFile(path);
  }
  EXPECT_EQ(traces[0], traces[1]);
  EXPECT_THAT(traces[0], HasSubstr("\"seed\":5"));
  EXPECT_THAT(traces[0], HasSubstr("\"name\":\"thread_name\""));
}

TEST_P(SimulatedGpuTest, AnUnwritableTraceIsAClearStatus) {
  EXPECT_THAT(CreateDevice(Uri("trace=/nonexistent-directory/trace.json"), allocator_),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("/nonexistent-directory/trace.json")));
  ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(Uri(), allocator_));
  ASSERT_OK(simulated::StartTrace(*device));
  EXPECT_THAT(simulated::WriteTrace(*device, "/nonexistent-directory/trace.json"),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("No such file or directory")));
}

INSTANTIATE_TEST_SUITE_P(
    Devices, SimulatedGpuTest,
    ::testing::Values("fake-cuda://0?schedule=deterministic&mode=graph",
                      "fake-cuda://0?schedule=threaded&mode=stream",
                      "fake-hip://0?schedule=deterministic&mode=stream",
                      "fake-hip://0?schedule=threaded&mode=graph"),
    ConfigName);

INSTANTIATE_TEST_SUITE_P(
    Devices, SimulatedGpuTraceTest,
    ::testing::Values("fake-cuda://0?schedule=deterministic&mode=graph",
                      "fake-cuda://0?schedule=deterministic&mode=stream",
                      "fake-hip://0?schedule=deterministic&mode=graph",
                      "fake-hip://0?schedule=deterministic&mode=stream"),
    ConfigName);

TEST(HostKernelLibraryTest, RefusesDuplicatesAndMalformedNames) {
  auto noop = [](HostKernelLaunch&) {};
  HostKernelLibrary library("host_kernel_library_test");
  ASSERT_OK(library.Add("a", noop, {4}));
  EXPECT_THAT(library.Add("a", noop, {4}),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("already has a kernel named 'a'")));
  EXPECT_THAT(library.Add("", noop, {}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(library.Add("a/b", noop, {}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(library.Add("b", nullptr, {}), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK(library.Publish());
  EXPECT_THAT(library.Add("c", noop, {}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(library.Publish(), StatusIs(StatusCode::kFailedPrecondition));

  HostKernelLibrary same_scope("host_kernel_library_test");
  EXPECT_THAT(same_scope.Publish(), StatusIs(StatusCode::kAlreadyExists,
                                             HasSubstr("give each library its own scope")));
  HostKernelLibrary bad_scope("two words");
  EXPECT_THAT(bad_scope.Publish(), StatusIs(StatusCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(HostKernel found, HostKernelLibrary::FindPublished("host_kernel_library_test", "a"));
  EXPECT_EQ(found.parameter_sizes, std::vector<uint32_t>{4});
}

TEST(HostKernelLibraryTest, TwoLibrariesMayShareAKernelName) {
  auto first = [](HostKernelLaunch&) {};
  auto second = [](HostKernelLaunch&) {};
  HostKernelLibrary one("library_one"), two("library_two");
  ASSERT_OK(one.Add("scale", first, {}));
  ASSERT_OK(two.Add("scale", second, {}));
  ASSERT_OK(one.Publish());
  ASSERT_OK(two.Publish());
  ASSERT_OK_AND_ASSIGN(HostKernel from_one, HostKernelLibrary::FindPublished("library_one", "scale"));
  ASSERT_OK_AND_ASSIGN(HostKernel from_two, HostKernelLibrary::FindPublished("library_two", "scale"));
  EXPECT_NE(from_one.fn, from_two.fn);
}

TEST(HostKernelLibraryTest, ADestroyedLibraryIsNoLongerFound) {
  {
    HostKernelLibrary library("short_lived");
    ASSERT_OK(library.Add("k", [](HostKernelLaunch&) {}, {}));
    ASSERT_OK(library.Publish());
    EXPECT_OK(HostKernelLibrary::FindPublished("short_lived", "k"));
  }
  EXPECT_THAT(HostKernelLibrary::FindPublished("short_lived", "k"),
              StatusIs(StatusCode::kNotFound, HasSubstr("no host kernel library is published")));
  HostKernelLibrary again("short_lived");  // the scope is free again
  EXPECT_OK(again.Publish());
}

TEST(SimulatedDevicesTest, CoversEverySchemeSeedScheduleAndMode) {
  gpuhal::testing::SimulatedDeviceOptions options;
  options.seeds = 2;
  options.extra_params = "queues=2";
  const std::vector<std::string> uris = gpuhal::testing::SimulatedDeviceUris(options);
  ASSERT_EQ(uris.size(), 2u * 2u * 2u * 2u);
  EXPECT_EQ(uris.front(), "fake-cuda://0?seed=1&schedule=deterministic&mode=graph&queues=2");
  EXPECT_EQ(uris.back(), "fake-hip://0?seed=2&schedule=threaded&mode=stream&queues=2");
  int runs = 0;
  gpuhal::testing::ForEachSimulatedDevice(options, [&](const gpuhal::testing::SimulatedDeviceRun& run) {
    ASSERT_OK_AND_ASSIGN(Ref<Device> device, CreateDevice(run.uri, run.allocator));
    EXPECT_EQ(device->params().queue_count, 2u);
    ++runs;
  });
  EXPECT_EQ(runs, 16);
}

}  // namespace
}  // namespace gpuhal
