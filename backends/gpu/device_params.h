// Reading DeviceParams from a device URI's query ("cuda://0?mode=stream&queues=2").
// Every driver of the single-source backend parses its query here, so that a key means
// the same thing on every vendor and a typo is reported instead of ignored.
#ifndef GPUHAL_BACKENDS_GPU_DEVICE_PARAMS_H_
#define GPUHAL_BACKENDS_GPU_DEVICE_PARAMS_H_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "gpuhal/core/block_pool.h"
#include "gpuhal/device.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

inline constexpr uint32_t kMaxQueueCount = 64;  // one bit per queue in a QueueAffinity
// Bigger blocks only waste memory: a command buffer's arena takes blocks one at a time.
inline constexpr size_t kMaxArenaBlockSize = size_t{64} << 20;
inline constexpr uint32_t kMaxEventPoolCapacity = 1u << 20;

namespace device_params_internal {

inline Result<uint64_t> ParseUnsigned(std::string_view key, std::string_view text, uint64_t min,
                                      uint64_t max) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError("device URI parameter ", key, "=", text,
                                " is not an unsigned integer");
  }
  if (value < min || value > max) {
    return InvalidArgumentError("device URI parameter ", key, "=", text, " is outside [", min, ", ",
                                max, "]");
  }
  return value;
}

}  // namespace device_params_internal

// Parses `query` into DeviceParams, starting from the defaults. Keys listed in
// `platform_keys` belong to the caller (for example the simulated GPU's seed) and are
// skipped. INVALID_ARGUMENT naming the key for an unknown key or a bad value.
inline Result<DeviceParams> ParseDeviceParams(
    std::span<const std::pair<std::string, std::string>> query,
    std::span<const std::string_view> platform_keys = {}) {
  using device_params_internal::ParseUnsigned;
  DeviceParams params;
  for (const auto& [key, value] : query) {
    bool is_platform_key = false;
    for (std::string_view platform_key : platform_keys) is_platform_key |= key == platform_key;
    if (is_platform_key) continue;

    if (key == "mode") {
      if (value == "graph") {
        params.command_buffer_mode = CommandBufferMode::kGraph;
      } else if (value == "stream") {
        params.command_buffer_mode = CommandBufferMode::kStream;
      } else {
        return InvalidArgumentError("device URI parameter mode=", value,
                                    " is not 'graph' or 'stream'");
      }
    } else if (key == "event_pool") {
      GPUHAL_ASSIGN_OR_RETURN(uint64_t capacity,
                              ParseUnsigned(key, value, 0, kMaxEventPoolCapacity));
      params.event_pool_capacity = static_cast<uint32_t>(capacity);
    } else if (key == "arena_block") {
      GPUHAL_ASSIGN_OR_RETURN(
          uint64_t bytes, ParseUnsigned(key, value, BlockPool::kMinBlockSize, kMaxArenaBlockSize));
      params.arena_block_size = static_cast<size_t>(bytes);
    } else if (key == "async_alloc") {
      if (value != "0" && value != "1") {
        return InvalidArgumentError("device URI parameter async_alloc=", value, " is not 0 or 1");
      }
      params.async_allocations = value == "1";
    } else if (key == "queues") {
      GPUHAL_ASSIGN_OR_RETURN(uint64_t count, ParseUnsigned(key, value, 1, kMaxQueueCount));
      params.queue_count = static_cast<uint32_t>(count);
    } else {
      std::string known = "mode, event_pool, arena_block, async_alloc, queues";
      for (std::string_view platform_key : platform_keys) {
        known += ", ";
        known += platform_key;
      }
      return InvalidArgumentError("unknown device URI parameter '", key, "'; known: ", known);
    }
  }
  return params;
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_DEVICE_PARAMS_H_
