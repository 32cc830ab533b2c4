// The simulated GPU's test calls (gpuhal/simulated_gpu.h) on every device: on a simulated
// one they inject faults and record traces; on a real GPU each refuses with
// FAILED_PRECONDITION naming the device, and changes nothing.
#include <string>

#include "conformance/conformance_fixture.h"
#include "gpuhal/simulated_gpu.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

using ::testing::HasSubstr;

class SimulatedGpuApiTest : public ConformanceTest {};
CTS_INSTANTIATE(SimulatedGpuApiTest);

TEST_P(SimulatedGpuApiTest, FaultsAndTracesNeedASimulatedDevice) {
  EXPECT_EQ(simulated::IsSimulated(device()), simulated());
  if (simulated()) {
    ASSERT_OK(simulated::StartTrace(device()));
    ASSERT_OK(RunAndWait([](CommandBuffer&) { return OkStatus(); }));
    ASSERT_OK_AND_ASSIGN(std::string trace, simulated::TraceJson(device()));
    EXPECT_THAT(trace, HasSubstr("\"traceEvents\""));
    EXPECT_THAT(simulated::InjectFaults(device(), "lose=soon"),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("lose=soon")));
    EXPECT_OK(simulated::ClearFaults(device()));
    return;
  }
  const std::string uri = device().info().uri;
  EXPECT_THAT(simulated::InjectFaults(device(), "lose=0"),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr(uri)));
  EXPECT_THAT(simulated::ClearFaults(device()), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(simulated::StartTrace(device()), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(simulated::TraceJson(device()), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(simulated::WriteTrace(device(), "unused.json"),
              StatusIs(StatusCode::kFailedPrecondition));
  // The refused lose=0 lost nothing: the device still runs work.
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(256));
  const uint32_t pattern = 0x5a5a5a5au;
  EXPECT_OK(RunAndWait([&](CommandBuffer& commands) {
    return commands.FillBuffer({buffer.get()}, &pattern, sizeof(pattern));
  }));
}

}  // namespace
}  // namespace gpuhal::conformance
