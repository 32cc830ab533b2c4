// The public simulated-GPU test API (gpuhal/simulated_gpu.h) over the fake drivers.
#include "gpuhal/simulated_gpu.h"

#include <string>

#include "fakes/drivers/fake_drivers_internal.h"
#include "fakes/drivers/fault_spec.h"

namespace gpuhal::simulated {
namespace {

struct Simulated {
  fake::Engine* engine = nullptr;
  const fake::FaultVocabulary* vocabulary = nullptr;
};

Result<Simulated> SimulatedOf(Device& device) {
  if (fake::Engine* engine = fake::FakeCudaEngineOf(device))
    return Simulated{engine, &fake::FakeCudaFaultVocabulary()};
  if (fake::Engine* engine = fake::FakeHipEngineOf(device))
    return Simulated{engine, &fake::FakeHipFaultVocabulary()};
  return FailedPreconditionError("device ", device.info().uri,
                                 " does not run on the simulated GPU; fault injection and "
                                 "traces need a fake-cuda:// or fake-hip:// device");
}

}  // namespace

bool IsSimulated(Device& device) { return SimulatedOf(device).ok(); }

Status InjectFaults(Device& device, std::string_view spec) {
  GPUHAL_ASSIGN_OR_RETURN(Simulated simulated, SimulatedOf(device));
  GPUHAL_ASSIGN_OR_RETURN(
      fake::FaultPlan plan,
      fake::ParseFaultSpec(spec, *simulated.vocabulary, simulated.engine->options().seed));
  fake::ApplyFaultPlan(plan, *simulated.engine);
  return OkStatus();
}

Status ClearFaults(Device& device) {
  GPUHAL_ASSIGN_OR_RETURN(Simulated simulated, SimulatedOf(device));
  simulated.engine->fault_injector().Clear();
  return OkStatus();
}

Status StartTrace(Device& device) {
  GPUHAL_ASSIGN_OR_RETURN(Simulated simulated, SimulatedOf(device));
  simulated.engine->SetTraceEnabled(true);
  return OkStatus();
}

Result<std::string> TraceJson(Device& device) {
  GPUHAL_ASSIGN_OR_RETURN(Simulated simulated, SimulatedOf(device));
  return simulated.engine->ChromeTraceJson();
}

Status WriteTrace(Device& device, std::string_view path) {
  GPUHAL_ASSIGN_OR_RETURN(Simulated simulated, SimulatedOf(device));
  std::string why;
  if (!simulated.engine->WriteTraceFile(std::string(path), &why)) {
    return PermissionDeniedError("the trace cannot be written to '", path, "': ", why);
  }
  return OkStatus();
}

}  // namespace gpuhal::simulated
