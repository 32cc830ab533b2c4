// gpuhal-info: lists the registered drivers and the devices each one can open, and says
// which device "default://" picks. Runs anywhere: a missing vendor library or GPU is
// reported, not fatal.
#include <cstdio>
#include <string>
#include <vector>

#include "gpuhal/driver.h"

int main() {
  gpuhal::DriverRegistry& registry = gpuhal::DriverRegistry::Default();
  const std::vector<gpuhal::Driver*> drivers = registry.drivers();
  std::printf("gpuhal drivers: %zu\n", drivers.size());
  size_t real_devices = 0;
  for (gpuhal::Driver* driver : drivers) {
    const std::string scheme(driver->scheme());
    gpuhal::Result<std::vector<gpuhal::DeviceInfo>> devices = driver->EnumerateDevices();
    if (!devices.ok()) {
      std::printf("  %s://  %s: not available: %s\n", scheme.c_str(),
                  driver->simulated() ? "simulated" : "hardware",
                  devices.status().ToString().c_str());
      continue;
    }
    std::printf("  %s://  %s: %zu device(s)\n", scheme.c_str(),
                driver->simulated() ? "simulated" : "hardware", devices->size());
    for (const gpuhal::DeviceInfo& device : *devices) {
      std::printf("    %-16s %s, %.1f GiB\n", device.uri.c_str(), device.name.c_str(),
                  static_cast<double>(device.total_memory_bytes) / (1ull << 30));
      if (!driver->simulated()) ++real_devices;
    }
  }
  if (real_devices == 0) std::printf("no GPU found: default:// uses the simulated GPU\n");
  gpuhal::Result<std::string> default_uri = registry.ResolveDefaultUri();
  if (default_uri.ok()) {
    std::printf("default:// -> %s\n", default_uri->c_str());
  } else {
    std::printf("default:// cannot be resolved: %s\n", default_uri.status().ToString().c_str());
  }
  return 0;
}
