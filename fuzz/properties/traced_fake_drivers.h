// The simulated GPU's drivers again, under the same "fake-cuda" and "fake-hip" schemes and
// URI parameters, but with the engine's Chrome trace switched on. The property tests
// register these in a registry of their own so that every program's trace can be written
// out when it fails: the stock drivers leave tracing off and no URI key turns it on.
#ifndef GPUHAL_FUZZ_PROPERTIES_TRACED_FAKE_DRIVERS_H_
#define GPUHAL_FUZZ_PROPERTIES_TRACED_FAKE_DRIVERS_H_

#include <memory>

#include "fakes/engine/fault_injector.h"
#include "gpuhal/driver.h"
#include "gpuhal/status.h"

namespace gpuhal::properties {

std::unique_ptr<Driver> CreateTracedFakeCudaDriver();
std::unique_ptr<Driver> CreateTracedFakeHipDriver();

// Registers both under "fake-cuda" and "fake-hip".
Status RegisterTracedFakeDrivers(DriverRegistry& registry);

// A rule that makes the vendor's next event record (the one that ends a submission's
// issue) fail with the vendor's launch-failure code.
fake::FaultRule CudaIssueFaultRule();
fake::FaultRule HipIssueFaultRule();

}  // namespace gpuhal::properties

#endif  // GPUHAL_FUZZ_PROPERTIES_TRACED_FAKE_DRIVERS_H_
