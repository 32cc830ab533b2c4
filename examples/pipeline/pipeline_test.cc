// The pipeline's own tests, run on the simulated GPU over seeds, schedules, command
// buffer modes and both vendors' front ends, with each class of fault injected: the
// pipeline must report the failure (naming the vendor call), leak nothing and never hang.
#include "pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gpuhal/testing/simulated_devices.h"
#include "gpuhal/testing/status_matchers.h"

namespace {

using ::gpuhal::StatusCode;
using ::gpuhal::testing::ForEachSimulatedDevice;
using ::gpuhal::testing::SimulatedDeviceOptions;
using ::gpuhal::testing::SimulatedDeviceRun;
using ::gpuhal::testing::StatusIs;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

const gpuhal::Timeout kTimeout = gpuhal::Timeout::After(std::chrono::seconds(30));

std::vector<uint32_t> Input(uint32_t count) {
  std::vector<uint32_t> input(count);
  for (uint32_t i = 0; i < count; ++i) input[i] = i * 2654435761u + 11;
  return input;
}

bool IsHip(const std::string& uri) { return uri.starts_with("fake-hip"); }
bool IsGraph(const std::string& uri) { return uri.find("mode=graph") != std::string::npos; }

// How each vendor spells the calls a fault names.
std::string AllocFunction(const std::string& uri) { return IsHip(uri) ? "hipMalloc" : "cuMemAlloc"; }
std::string LaunchFunction(const std::string& uri) {
  if (IsGraph(uri)) return IsHip(uri) ? "hipGraphLaunch" : "cuGraphLaunch";
  return IsHip(uri) ? "hipModuleLaunchKernel" : "cuLaunchKernel";
}

SimulatedDeviceOptions Options(uint32_t seeds, std::string extra = "") {
  SimulatedDeviceOptions options;
  options.seeds = seeds;
  options.extra_params = "queues=2" + (extra.empty() ? "" : "&" + extra);
  return options;
}

TEST(PipelineTest, MatchesTheHostOnEveryDevice) {
  const std::vector<uint32_t> input = Input(10'000);
  const pipeline::Result expected = pipeline::Expected(input, 3, 7);
  ForEachSimulatedDevice(Options(4), [&](const SimulatedDeviceRun& run) {
    ASSERT_OK_AND_ASSIGN(gpuhal::Ref<gpuhal::Device> device,
                         gpuhal::CreateDevice(run.uri, run.allocator));
    ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
    ASSERT_OK_AND_ASSIGN(pipeline::Result result, pipeline->Run(input, 3, 7, kTimeout));
    EXPECT_EQ(result.output, expected.output);
    EXPECT_EQ(result.total, expected.total);
  });
}

// Each fault class: the run fails with a status naming the vendor call, or (for faults
// that may miss) succeeds with the right answer; the device is then released cleanly.
void ExpectReportedOrCorrect(const gpuhal::Result<pipeline::Result>& result,
                             const std::vector<uint32_t>& input, const std::string& function) {
  if (result.ok()) {
    EXPECT_EQ(result->total, pipeline::Expected(input, 3, 7).total);
  } else {
    EXPECT_THAT(result.status().message(), HasSubstr(function)) << result.status();
  }
}

TEST(PipelineTest, AFailedDeviceAllocationIsReported) {
  ForEachSimulatedDevice(Options(1), [&](const SimulatedDeviceRun& run) {
    ASSERT_OK_AND_ASSIGN(auto device, gpuhal::CreateDevice(run.uri, run.allocator));
    ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
    ASSERT_OK(gpuhal::simulated::InjectFaults(*device, "fail=" + AllocFunction(run.uri) + "@2"));
    EXPECT_THAT(pipeline->Run(Input(1000), 3, 7, kTimeout),
                StatusIs(StatusCode::kResourceExhausted, HasSubstr(AllocFunction(run.uri))));
  });
}

TEST(PipelineTest, AFailedLaunchIsReported) {
  ForEachSimulatedDevice(Options(1), [&](const SimulatedDeviceRun& run) {
    const std::string launch = LaunchFunction(run.uri);
    ASSERT_OK_AND_ASSIGN(auto device,
                         gpuhal::CreateDevice(run.uri + "&fail=" + launch + "@1", run.allocator));
    ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
    auto result = pipeline->Run(Input(1000), 3, 7, kTimeout);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr(launch));
  });
}

TEST(PipelineTest, RandomLaunchFailuresAreReportedOrHarmless) {
  const std::vector<uint32_t> input = Input(1000);
  ForEachSimulatedDevice(Options(6), [&](const SimulatedDeviceRun& run) {
    const std::string launch = LaunchFunction(run.uri);
    ASSERT_OK_AND_ASSIGN(auto device,
                         gpuhal::CreateDevice(run.uri + "&fail=" + launch + "%0.5", run.allocator));
    ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
    for (int i = 0; i < 4; ++i) ExpectReportedOrCorrect(pipeline->Run(input, 3, 7, kTimeout), input, launch);
  });
}

TEST(PipelineTest, ALostDeviceFailsEveryLaterRun) {
  const std::vector<uint32_t> input = Input(1000);
  for (int calls : {0, 5, 20, 40, 80}) {
    SCOPED_TRACE("lose=" + std::to_string(calls));
    ForEachSimulatedDevice(Options(1, "lose=" + std::to_string(calls)),
                           [&](const SimulatedDeviceRun& run) {
      gpuhal::Result<gpuhal::Ref<gpuhal::Device>> device = gpuhal::CreateDevice(run.uri, run.allocator);
      if (!device.ok()) return;  // lost while opening: reported by CreateDevice itself
      auto pipeline = pipeline::Pipeline::Create(**device);
      if (!pipeline.ok()) return;
      auto first = (*pipeline)->Run(input, 3, 7, kTimeout);
      auto second = (*pipeline)->Run(input, 3, 7, kTimeout);
      EXPECT_FALSE(second.ok()) << "a lost device ran the pipeline";
      // Whichever call meets the lost device first is named, with the vendor's code.
      if (!second.ok()) {
        EXPECT_THAT(second.status().message(),
                    ContainsRegex(IsHip(run.uri) ? "hip[A-Za-z0-9]+: hipErrorLaunchFailure"
                                                 : "cu[A-Za-z0-9]+: CUDA_ERROR_LAUNCH_FAILED"));
      }
    });
  }
}

TEST(PipelineTest, ACappedDeviceMemoryRefusesTheBuffers) {
  ForEachSimulatedDevice(Options(1, "memory=64KiB"), [&](const SimulatedDeviceRun& run) {
    ASSERT_OK_AND_ASSIGN(auto device, gpuhal::CreateDevice(run.uri, run.allocator));
    ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
    EXPECT_THAT(pipeline->Run(Input(32 * 1024), 3, 7, kTimeout),
                StatusIs(StatusCode::kResourceExhausted, HasSubstr(AllocFunction(run.uri))));
    // What fits still runs.
    EXPECT_OK(pipeline->Run(Input(1024), 3, 7, kTimeout));
  });
}

TEST(PipelineTest, AFaultingKernelFailsTheRun) {
  ForEachSimulatedDevice(Options(1, "fault_kernel=sum"), [&](const SimulatedDeviceRun& run) {
    ASSERT_OK_AND_ASSIGN(auto device, gpuhal::CreateDevice(run.uri, run.allocator));
    ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
    auto result = pipeline->Run(Input(1000), 3, 7, kTimeout);
    ASSERT_FALSE(result.ok());
    // A kernel fault is sticky, as on a GPU: the next vendor call that reaches the device
    // reports it (the completion's event wait, or an event the next submission records),
    // and the status names that call.
    EXPECT_THAT(result.status().message(),
                ContainsRegex(IsHip(run.uri) ? "hip[A-Za-z0-9]+: hipErrorLaunchFailure"
                                             : "cu[A-Za-z0-9]+: CUDA_ERROR_LAUNCH_FAILED"));
  });
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(PipelineTest, ASeedGivesTheSameTraceEveryTime) {
  const std::vector<uint32_t> input = Input(1000);
  const std::string path = ::testing::TempDir() + "pipeline_trace.json";
  std::string traces[2];
  for (std::string& trace : traces) {
    gpuhal::CountingAllocator allocator;
    {
      ASSERT_OK_AND_ASSIGN(auto device,
                           gpuhal::CreateDevice("fake-cuda://0?seed=7&queues=2&trace=" + path, allocator));
      ASSERT_OK_AND_ASSIGN(auto pipeline, pipeline::Pipeline::Create(*device));
      ASSERT_OK(pipeline->Run(input, 3, 7, kTimeout));
    }
    trace = ReadFile(path);  // written when the device is released
  }
  EXPECT_EQ(traces[0], traces[1]);
  EXPECT_THAT(traces[0], HasSubstr("\"name\":\"transform\""));
  EXPECT_THAT(traces[0], HasSubstr("\"name\":\"sum\""));
  EXPECT_THAT(traces[0], HasSubstr("\"seed\":7"));
}

TEST(PipelineTest, AMalformedFaultSpecNamesTheBadPart) {
  gpuhal::CountingAllocator allocator;
  EXPECT_THAT(gpuhal::CreateDevice("fake-cuda://0?fail=cuMemAlloc@x", allocator),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cuMemAlloc@x")));
  EXPECT_THAT(gpuhal::CreateDevice("fake-cuda://0?fail=cuNoSuchCall@1", allocator),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cuNoSuchCall")));
}

}  // namespace
