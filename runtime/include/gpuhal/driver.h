// Drivers and the registry that turns a device URI into a Device.
//
// Devices are named by URI: "cuda://0", "hip://0", "fake-cuda://0?seed=7",
// "fake-hip://0", and "default://", which picks the first real GPU and falls back to the
// simulated GPU ("fake-cuda://0"). The environment variable GPUHAL_DEVICE overrides what
// "default://" means.
#ifndef GPUHAL_DRIVER_H_
#define GPUHAL_DRIVER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpuhal/allocator.h"
#include "gpuhal/device.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

// scheme://ordinal?key=value&key=value
struct DeviceUri {
  std::string scheme;
  uint32_t ordinal = 0;
  std::vector<std::pair<std::string, std::string>> params;

  // INVALID_ARGUMENT naming the malformed part.
  static Result<DeviceUri> Parse(std::string_view uri);
  std::string ToString() const;
  std::optional<std::string_view> Param(std::string_view key) const;
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string_view scheme() const = 0;
  // Simulated drivers are skipped when "default://" looks for a real GPU.
  virtual bool simulated() const = 0;
  // The devices this driver can open; empty (not an error) when it finds none.
  // UNAVAILABLE when the vendor library cannot be loaded, naming it.
  virtual Result<std::vector<DeviceInfo>> EnumerateDevices() = 0;
  // INVALID_ARGUMENT for an unknown query key or a bad value; NOT_FOUND for an ordinal
  // with no device.
  virtual Result<Ref<Device>> CreateDevice(const DeviceUri& uri, Allocator& host_allocator) = 0;
};

class DriverRegistry {
 public:
  DriverRegistry();
  ~DriverRegistry();
  DriverRegistry(const DriverRegistry&) = delete;
  DriverRegistry& operator=(const DriverRegistry&) = delete;

  // ALREADY_EXISTS when the scheme is taken.
  Status Register(std::unique_ptr<Driver> driver);
  // Null when no driver has the scheme.
  Driver* Find(std::string_view scheme) const;
  // In registration order.
  std::vector<Driver*> drivers() const;

  // Resolves "default://" (see above), then asks the driver of the URI's scheme.
  // NOT_FOUND naming the scheme and listing the registered ones.
  Result<Ref<Device>> CreateDevice(std::string_view uri,
                                   Allocator& host_allocator = Allocator::System());
  // What "default://" means right now: GPUHAL_DEVICE if set, else the first device of
  // the first real driver that has one, else the first simulated driver's device 0.
  Result<std::string> ResolveDefaultUri();

  // The registry with every built-in driver (CUDA, HIP, the simulated GPU) registered.
  static DriverRegistry& Default();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// DriverRegistry::Default().CreateDevice(uri, host_allocator).
Result<Ref<Device>> CreateDevice(std::string_view uri = "default://",
                                 Allocator& host_allocator = Allocator::System());

}  // namespace gpuhal

#endif  // GPUHAL_DRIVER_H_
