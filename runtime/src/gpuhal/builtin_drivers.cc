// DriverRegistry::Default(): the registry of built-in drivers. Built as its own library
// (gpuhal_builtin_drivers), above the backends and the simulated GPU it names; the
// registry itself (core/driver_registry.cc) names no backend.
#include <cstdio>

#include "backends/cuda/cuda_registration.h"
#include "backends/hip/hip_registration.h"
#include "fakes/drivers/fake_drivers.h"
#include "gpuhal/driver.h"

namespace gpuhal {
namespace {

// Registration fails only on a duplicate scheme, which would be a build defect; say so
// loudly rather than start with a driver missing.
void RegisterOrReport(Status status) {
  if (!status.ok()) {
    std::fprintf(stderr, "gpuhal: registering a built-in driver failed: %s\n",
                 status.ToString().c_str());
  }
}

}  // namespace

// Order matters: default:// takes the first real driver with a device, so CUDA is
// preferred over HIP, and the simulated GPU comes last.
DriverRegistry& DriverRegistry::Default() {
  static DriverRegistry* registry = [] {
    auto* created = new DriverRegistry();  // never destroyed: devices may outlive main()
    RegisterOrReport(cuda::RegisterCudaDriver(*created));
    RegisterOrReport(hip::RegisterHipDriver(*created));
    RegisterOrReport(fake::RegisterFakeDrivers(*created));
    return created;
  }();
  return *registry;
}

Result<Ref<Device>> CreateDevice(std::string_view uri, Allocator& host_allocator) {
  return DriverRegistry::Default().CreateDevice(uri, host_allocator);
}

}  // namespace gpuhal
