// Assembles the registry of built-in drivers. It lives at the top of the library stack
// because it names both the real backends and the simulated GPU.
#include "gpuhal/driver.h"

namespace gpuhal {

DriverRegistry& DriverRegistry::Default() {
  static DriverRegistry* registry = [] {
    auto* created = new DriverRegistry();  // never destroyed: devices may outlive main()
    return created;
  }();
  return *registry;
}

Result<Ref<Device>> CreateDevice(std::string_view uri, Allocator& host_allocator) {
  return DriverRegistry::Default().CreateDevice(uri, host_allocator);
}

}  // namespace gpuhal
