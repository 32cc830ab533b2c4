// What the vendor-neutral part of the fake drivers needs from each vendor's translation
// unit.
#ifndef GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_INTERNAL_H_
#define GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_INTERNAL_H_

#include <string>
#include <string_view>

#include "fakes/drivers/fake_drivers.h"
#include "fakes/drivers/fault_spec.h"
#include "fakes/engine/engine.h"
#include "fakes/engine/fault_injector.h"
#include "gpuhal/device.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

// The engine under a device of that vendor's fake driver, or null.
Engine* FakeCudaEngineOf(gpuhal::Device& device);
Engine* FakeHipEngineOf(gpuhal::Device& device);

// Each vendor's error codes (FakeErrorCodesOf) and entry point names (FakeEntryPointName).
FakeErrorCodes FakeCudaErrorCodes();
FakeErrorCodes FakeHipErrorCodes();
Result<std::string> FakeHipEntryPointName(std::string_view cuda_name);
// What each vendor's fault specs may name (fault_spec.h).
const FaultVocabulary& FakeCudaFaultVocabulary();
const FaultVocabulary& FakeHipFaultVocabulary();

// A rule failing the next call of `entry_point` with `launch_failed_code`.
FaultRule LaunchFailureRule(std::string_view entry_point, int launch_failed_code);


}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_INTERNAL_H_
