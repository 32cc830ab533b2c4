// What the vendor-neutral part of the fake drivers needs from each vendor's translation
// unit.
#ifndef GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_INTERNAL_H_
#define GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_INTERNAL_H_

#include "fakes/engine/engine.h"
#include "fakes/engine/fault_injector.h"
#include "gpuhal/device.h"

namespace gpuhal::fake {

// The engine under a device of that vendor's fake driver, or null.
Engine* FakeCudaEngineOf(gpuhal::Device& device);
Engine* FakeHipEngineOf(gpuhal::Device& device);


}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_DRIVERS_FAKE_DRIVERS_INTERNAL_H_
