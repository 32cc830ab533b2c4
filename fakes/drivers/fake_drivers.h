// The simulated GPU's drivers: "fake-cuda" and "fake-hip". Their devices are the very
// same single-source GPU devices as "cuda" and "hip", run over the CUDA- and HIP-shaped
// front ends of a simulated GPU instead of the vendor libraries.
//
// Each device gets a simulated GPU of its own, configured from the URI query:
//   seed=N                            the deterministic schedule's seed (default 0)
//   schedule=deterministic|threaded   who runs the device's work (default deterministic)
//   devices=K                         simulated devices on the platform (default 1)
//   memory=SIZE                       memory per simulated device: bytes or KiB/MiB/GiB
//                                     (default 1GiB)
//   platform=NAME                     share one simulated GPU with every live device whose
//                                     URI names NAME (needed for channels between
//                                     devices: fake-cuda://1?devices=4&platform=ring)
//   jitter=N                          nonzero: vendor calls yield or sleep at random,
//                                     seeded by N, to widen race windows (CallJitter in
//                                     fakes/engine/fault_injector.h); default 0, off
//   fail=, lose=, fault_kernel=, trace=  faults and a trace file (fakes/drivers/fault_spec.h)
// Every other key is a DeviceParams key (see backends/gpu/device_params.h).
#ifndef GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_H_
#define GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_H_

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "fakes/engine/engine.h"
#include "fakes/engine/fault_injector.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

inline constexpr std::string_view kFakeCudaScheme = "fake-cuda";
inline constexpr std::string_view kFakeHipScheme = "fake-hip";
inline constexpr std::array<std::string_view, 10> kFakePlatformUriKeys = {
    "seed", "schedule", "devices", "memory", "platform", "jitter",
    "fail", "lose", "fault_kernel", "trace"};

// The simulated GPU's options from a device URI's query (only the keys above; the rest
// are ignored here). INVALID_ARGUMENT naming a bad value.
Result<EngineOptions> EngineOptionsFromUri(const DeviceUri& uri);

// How a fake driver makes its simulated GPUs, beyond what a device URI says.
struct FakeDriverOptions {
  // Every simulated GPU records a Chrome trace (Engine::trace); no URI key turns it on.
  bool record_trace = false;
  // Called with each simulated GPU the driver makes, before any vendor call reaches it:
  // for fault rules, call counting or jitter that must cover opening the device too.
  std::function<void(Engine&)> configure_engine;
};

std::unique_ptr<Driver> CreateFakeCudaDriver(FakeDriverOptions options = {});
std::unique_ptr<Driver> CreateFakeHipDriver(FakeDriverOptions options = {});

// Registers "fake-cuda" and "fake-hip".
Status RegisterFakeDrivers(DriverRegistry& registry);

// For tests: the simulated GPU under a device of these drivers (null for any other
// device), to drive its schedule, read its trace or inject faults.
Engine* SimulatedEngineOf(gpuhal::Device& device);

// For tests: makes the next wait for a device event on `device` (the queue completion's,
// or a transfer's) report a failed launch, as a real GPU reports a kernel fault.
// INVALID_ARGUMENT for a device not made by these drivers.
Status InjectLaunchFailureOnNextEventWait(gpuhal::Device& device);

// For tests: a rule that makes the next call of the vendor's `entry_point` (for example
// "cuEventRecord") return the vendor's launch-failure code.
FaultRule FakeCudaLaunchFailureRule(std::string_view entry_point);
FaultRule FakeHipLaunchFailureRule(std::string_view entry_point);

// For fault injection: vendor error codes as the device's vendor spells them, for
// FaultRule::error_code.
struct FakeErrorCodes {
  int out_of_memory = 0;  // CUDA_ERROR_OUT_OF_MEMORY, hipErrorOutOfMemory
  int launch_failed = 0;  // CUDA_ERROR_LAUNCH_FAILED, hipErrorLaunchFailure
  int invalid_value = 0;  // CUDA_ERROR_INVALID_VALUE, hipErrorInvalidValue
};
// INVALID_ARGUMENT for a device not made by these drivers.
Result<FakeErrorCodes> FakeErrorCodesOf(gpuhal::Device& device);

// For fault injection: the device's vendor's name of a CUDA driver entry point that the
// GPU driver calls ("cuEventCreate" is "hipEventCreateWithFlags" on fake-hip). NOT_FOUND
// for a name the HIP table has no counterpart of; INVALID_ARGUMENT for a device not made
// by these drivers.
Result<std::string> FakeEntryPointName(gpuhal::Device& device, std::string_view cuda_name);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_H_
