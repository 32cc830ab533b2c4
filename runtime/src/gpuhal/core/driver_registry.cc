#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <mutex>

#include "gpuhal/driver.h"

namespace gpuhal {

namespace {

constexpr std::string_view kDefaultScheme = "default";
constexpr std::string_view kDeviceEnvironmentVariable = "GPUHAL_DEVICE";

bool IsSchemeCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

Result<DeviceUri> DeviceUri::Parse(std::string_view uri) {
  const size_t separator = uri.find("://");
  if (separator == std::string_view::npos) {
    return InvalidArgumentError("device URI '", uri,
                                "' has no '://'; expected scheme://ordinal?key=value, "
                                "e.g. cuda://0 or fake-cuda://0?seed=7");
  }
  DeviceUri parsed;
  parsed.scheme = std::string(uri.substr(0, separator));
  if (parsed.scheme.empty() ||
      !std::all_of(parsed.scheme.begin(), parsed.scheme.end(), IsSchemeCharacter)) {
    return InvalidArgumentError("device URI '", uri, "' has scheme '", parsed.scheme,
                                "'; a scheme is lowercase letters, digits and '-'");
  }
  std::string_view rest = uri.substr(separator + 3);
  const size_t query_start = rest.find('?');
  const std::string_view ordinal_text = rest.substr(0, query_start);
  if (!ordinal_text.empty()) {
    const char* end = ordinal_text.data() + ordinal_text.size();
    auto [last, error] = std::from_chars(ordinal_text.data(), end, parsed.ordinal);
    if (error != std::errc() || last != end) {
      return InvalidArgumentError("device URI '", uri, "' has device ordinal '", ordinal_text,
                                  "'; expected a non-negative integer");
    }
  }
  if (query_start == std::string_view::npos) return parsed;

  std::string_view query = rest.substr(query_start + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t equals = pair.find('=');
    if (pair.empty() || equals == 0 || equals == std::string_view::npos) {
      return InvalidArgumentError("device URI '", uri, "' has query parameter '", pair,
                                  "'; expected key=value");
    }
    std::string key(pair.substr(0, equals));
    if (parsed.Param(key).has_value()) {
      return InvalidArgumentError("device URI '", uri, "' sets '", key, "' twice");
    }
    parsed.params.emplace_back(std::move(key), std::string(pair.substr(equals + 1)));
  }
  return parsed;
}

std::string DeviceUri::ToString() const {
  std::string text = StrCat(scheme, "://", ordinal);
  char separator = '?';
  for (const auto& [key, value] : params) {
    text += StrCat(separator, key, "=", value);
    separator = '&';
  }
  return text;
}

std::optional<std::string_view> DeviceUri::Param(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

struct DriverRegistry::State {
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Driver>> drivers;
};

DriverRegistry::DriverRegistry() : state_(std::make_unique<State>()) {}
DriverRegistry::~DriverRegistry() = default;

Status DriverRegistry::Register(std::unique_ptr<Driver> driver) {
  if (!driver) return InvalidArgumentError("cannot register a null driver");
  if (driver->scheme() == kDefaultScheme) {
    return InvalidArgumentError("scheme 'default' is reserved for picking a device");
  }
  std::lock_guard lock(state_->mutex);
  for (const auto& existing : state_->drivers) {
    if (existing->scheme() == driver->scheme()) {
      return AlreadyExistsError("a driver for scheme '", driver->scheme(),
                                "' is already registered");
    }
  }
  state_->drivers.push_back(std::move(driver));
  return OkStatus();
}

Driver* DriverRegistry::Find(std::string_view scheme) const {
  std::lock_guard lock(state_->mutex);
  for (const auto& driver : state_->drivers) {
    if (driver->scheme() == scheme) return driver.get();
  }
  return nullptr;
}

std::vector<Driver*> DriverRegistry::drivers() const {
  std::lock_guard lock(state_->mutex);
  std::vector<Driver*> result;
  for (const auto& driver : state_->drivers) result.push_back(driver.get());
  return result;
}

Result<std::string> DriverRegistry::ResolveDefaultUri() {
  if (const char* configured = std::getenv(kDeviceEnvironmentVariable.data());
      configured && *configured) {
    if (std::string_view(configured).starts_with("default://")) {
      return InvalidArgumentError(kDeviceEnvironmentVariable, "='", configured,
                                  "' cannot name default:// itself");
    }
    return std::string(configured);
  }
  const std::vector<Driver*> all = drivers();
  for (Driver* driver : all) {
    if (driver->simulated()) continue;
    Result<std::vector<DeviceInfo>> devices = driver->EnumerateDevices();
    // A vendor library that is absent just means no such GPU here.
    if (devices.ok() && !devices->empty()) return devices->front().uri;
  }
  for (Driver* driver : all) {
    if (driver->simulated()) return StrCat(driver->scheme(), "://0");
  }
  return NotFoundError("default:// found no GPU and no simulated driver is registered");
}

Result<Ref<Device>> DriverRegistry::CreateDevice(std::string_view uri,
                                                 Allocator& host_allocator) {
  GPUHAL_ASSIGN_OR_RETURN(DeviceUri parsed, DeviceUri::Parse(uri));
  if (parsed.scheme == kDefaultScheme) {
    GPUHAL_ASSIGN_OR_RETURN(std::string resolved, ResolveDefaultUri());
    GPUHAL_ASSIGN_OR_RETURN(parsed, DeviceUri::Parse(resolved));
    if (parsed.scheme == kDefaultScheme) {
      return InvalidArgumentError("default:// resolved to itself");
    }
  }
  Driver* driver = Find(parsed.scheme);
  if (!driver) {
    std::string known;
    for (Driver* d : drivers()) known += StrCat(known.empty() ? "" : ", ", d->scheme());
    return NotFoundError("no driver for scheme '", parsed.scheme, "' (registered: ",
                         known.empty() ? "none" : known, ")");
  }
  return driver->CreateDevice(parsed, host_allocator);
}

// DriverRegistry::Default() and CreateDevice() are in ../builtin_drivers.cc, a library of
// their own (gpuhal_builtin_drivers): they name every backend, and gpuhal_runtime none.

}  // namespace gpuhal
