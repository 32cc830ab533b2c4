// The simulated GPU's drivers with tracing on (traced_fake_drivers.h).
#include "fuzz/properties/traced_fake_drivers.h"

#include "fakes/drivers/fake_drivers.h"

namespace gpuhal::properties {
namespace {

fake::FakeDriverOptions Traced() {
  fake::FakeDriverOptions options;
  options.record_trace = true;
  return options;
}

}  // namespace

std::unique_ptr<Driver> CreateTracedFakeCudaDriver() { return fake::CreateFakeCudaDriver(Traced()); }
std::unique_ptr<Driver> CreateTracedFakeHipDriver() { return fake::CreateFakeHipDriver(Traced()); }

fake::FaultRule CudaIssueFaultRule() { return fake::FakeCudaLaunchFailureRule("cuEventRecord"); }
fake::FaultRule HipIssueFaultRule() { return fake::FakeHipLaunchFailureRule("hipEventRecord"); }

Status RegisterTracedFakeDrivers(DriverRegistry& registry) {
  GPUHAL_RETURN_IF_ERROR(registry.Register(CreateTracedFakeCudaDriver()));
  return registry.Register(CreateTracedFakeHipDriver());
}

}  // namespace gpuhal::properties
