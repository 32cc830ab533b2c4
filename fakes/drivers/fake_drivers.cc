#include "fakes/drivers/fake_drivers.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "fakes/drivers/fake_drivers_internal.h"
#include "fakes/drivers/fault_spec.h"

namespace gpuhal::fake {
namespace {

Result<uint64_t> ParseUnsigned(std::string_view key, std::string_view text, uint64_t min,
                               uint64_t max) {
  const std::optional<uint64_t> value = ParseUnsignedDecimal(text);
  if (!value || *value < min || *value > max) {
    return InvalidArgumentError("simulated GPU URI parameter ", key, "=", text,
                                " is not an integer in [", min, ", ", max, "]");
  }
  return *value;
}

}  // namespace

Result<EngineOptions> EngineOptionsFromUri(const DeviceUri& uri) {
  EngineOptions options;
  if (auto seed = uri.Param("seed")) {
    GPUHAL_ASSIGN_OR_RETURN(options.seed, ParseUnsigned("seed", *seed, 0, UINT64_MAX));
  }
  if (auto schedule = uri.Param("schedule")) {
    if (*schedule == "deterministic") {
      options.mode = SchedulingMode::kDeterministic;
    } else if (*schedule == "threaded") {
      options.mode = SchedulingMode::kThreaded;
    } else {
      return InvalidArgumentError("simulated GPU URI parameter schedule=", *schedule,
                                  " is not 'deterministic' or 'threaded'");
    }
  }
  if (auto devices = uri.Param("devices")) {
    GPUHAL_ASSIGN_OR_RETURN(uint64_t count, ParseUnsigned("devices", *devices, 1, 64));
    options.device_count = static_cast<int>(count);
  }
  if (auto jitter = uri.Param("jitter")) {
    GPUHAL_ASSIGN_OR_RETURN(options.jitter_seed, ParseUnsigned("jitter", *jitter, 0, UINT64_MAX));
  }
  if (auto memory = uri.Param("memory")) {
    GPUHAL_ASSIGN_OR_RETURN(options.device_memory_bytes, ParseByteSize("memory", *memory));
  }
  if (auto trace = uri.Param("trace")) {
    if (trace->empty()) return InvalidArgumentError("simulated GPU URI parameter trace= names no file");
    // Opened now (and emptied) so that an unwritable path fails device creation, not the
    // write at the end that has no caller to tell.
    std::FILE* file = std::fopen(std::string(*trace).c_str(), "wb");
    if (file == nullptr) {
      return PermissionDeniedError("simulated GPU URI parameter trace=", *trace,
                                   ": the file cannot be written: ", std::strerror(errno));
    }
    std::fclose(file);
    options.trace_path = std::string(*trace);
  }
  return options;
}

Status RegisterFakeDrivers(DriverRegistry& registry) {
  GPUHAL_RETURN_IF_ERROR(registry.Register(CreateFakeCudaDriver()));
  return registry.Register(CreateFakeHipDriver());
}

Engine* SimulatedEngineOf(gpuhal::Device& device) {
  if (Engine* engine = FakeCudaEngineOf(device)) return engine;
  return FakeHipEngineOf(device);
}

Status InjectLaunchFailureOnNextEventWait(gpuhal::Device& device) {
  if (Engine* engine = FakeCudaEngineOf(device)) {
    engine->fault_injector().AddRule(FakeCudaLaunchFailureRule("cuEventSynchronize"));
    return OkStatus();
  }
  if (Engine* engine = FakeHipEngineOf(device)) {
    engine->fault_injector().AddRule(FakeHipLaunchFailureRule("hipEventSynchronize"));
    return OkStatus();
  }
  return InvalidArgumentError("the device (", device.info().uri,
                              ") was not made by the fake-cuda or fake-hip driver");
}

FaultRule LaunchFailureRule(std::string_view entry_point, int launch_failed_code) {
  FaultRule rule;
  rule.entry_point = std::string(entry_point);
  rule.error_code = launch_failed_code;
  rule.nth_call = 1;
  return rule;
}

Result<FakeErrorCodes> FakeErrorCodesOf(gpuhal::Device& device) {
  if (FakeCudaEngineOf(device)) return FakeCudaErrorCodes();
  if (FakeHipEngineOf(device)) return FakeHipErrorCodes();
  return InvalidArgumentError("the device (", device.info().uri,
                              ") was not made by the fake-cuda or fake-hip driver");
}

Result<std::string> FakeEntryPointName(gpuhal::Device& device, std::string_view cuda_name) {
  if (FakeCudaEngineOf(device)) return std::string(cuda_name);
  if (FakeHipEngineOf(device)) return FakeHipEntryPointName(cuda_name);
  return InvalidArgumentError("the device (", device.info().uri,
                              ") was not made by the fake-cuda or fake-hip driver");
}

}  // namespace gpuhal::fake
