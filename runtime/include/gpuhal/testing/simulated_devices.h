// GoogleTest support for applications that test their GPU code on the simulated GPU
// (target gpuhal::testing; the test links GoogleTest itself).
//
//   TEST(Pipeline, SumsOnEverySchedule) {
//     gpuhal::testing::ForEachSimulatedDevice({.seeds = 8}, [](const auto& run) {
//       ASSERT_OK_AND_ASSIGN(auto device, gpuhal::CreateDevice(run.uri, run.allocator));
//       ... the test body ...
//     });  // each run's device must have given back every host byte by now
//   }
//
// Runs cover seeds x {deterministic, threaded} x {graph, stream} x {fake-cuda, fake-hip}.
// A failing run is reported with the URI that reproduces it, and a run whose allocator
// still holds bytes after the body returns fails with the byte count.
#ifndef GPUHAL_TESTING_SIMULATED_DEVICES_H_
#define GPUHAL_TESTING_SIMULATED_DEVICES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gpuhal/allocator.h"

namespace gpuhal::testing {

struct SimulatedDeviceOptions {
  uint32_t seeds = 4;         // seeds first_seed, first_seed + 1, ...
  uint64_t first_seed = 1;
  std::vector<std::string> schemes = {"fake-cuda", "fake-hip"};
  std::vector<std::string> schedules = {"deterministic", "threaded"};
  std::vector<std::string> modes = {"graph", "stream"};
  std::string extra_params;   // appended to every URI, e.g. "memory=64MiB"
};

struct SimulatedDeviceRun {
  std::string uri;            // scheme://0?seed=S&schedule=...&mode=...[&extra]
  uint64_t seed = 0;
  Allocator& allocator;       // create the run's device with it
};

// The URIs of every run, in the order ForEachSimulatedDevice runs them.
inline std::vector<std::string> SimulatedDeviceUris(const SimulatedDeviceOptions& options) {
  std::vector<std::string> uris;
  for (const std::string& scheme : options.schemes)
    for (uint32_t s = 0; s < options.seeds; ++s)
      for (const std::string& schedule : options.schedules)
        for (const std::string& mode : options.modes) {
          std::string uri = scheme + "://0?seed=" + std::to_string(options.first_seed + s) +
                            "&schedule=" + schedule + "&mode=" + mode;
          if (!options.extra_params.empty()) uri += "&" + options.extra_params;
          uris.push_back(std::move(uri));
        }
  return uris;
}

// Runs `body` once per URI; stops at the first run that fails fatally.
inline void ForEachSimulatedDevice(const SimulatedDeviceOptions& options,
                                   const std::function<void(const SimulatedDeviceRun&)>& body) {
  const std::vector<std::string> uris = SimulatedDeviceUris(options);
  for (size_t i = 0; i < uris.size(); ++i) {
    SCOPED_TRACE("reproduce with device URI " + uris[i]);
    // On the heap: a CountingAllocator aborts when destroyed with bytes live, and a
    // leak should fail this run, not end the test program.
    auto* allocator = new CountingAllocator();
    const uint64_t seed =
        options.first_seed + (i / (options.schedules.size() * options.modes.size())) % options.seeds;
    body(SimulatedDeviceRun{uris[i], seed, *allocator});
    EXPECT_EQ(allocator->live_bytes(), 0u)
        << allocator->live_allocations() << " host allocations of the device are still live";
    if (allocator->live_bytes() == 0) delete allocator;
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace gpuhal::testing

#endif  // GPUHAL_TESTING_SIMULATED_DEVICES_H_
