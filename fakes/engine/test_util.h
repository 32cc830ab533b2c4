// Helpers shared by the engine's tests.
#ifndef GPUHAL_FAKES_ENGINE_TEST_UTIL_H_
#define GPUHAL_FAKES_ENGINE_TEST_UTIL_H_

#include <memory>
#include <vector>

#include "fakes/engine/engine.h"
#include "gtest/gtest.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {

// ASSERT_OK and EXPECT_OK take an Error too: gpuhal/testing/status_matchers.h finds
// ToStatus(Error) (types.h) by argument-dependent lookup.

inline EngineOptions Options(SchedulingMode mode, int devices = 1, uint64_t seed = 1) {
  EngineOptions options;
  options.mode = mode;
  options.device_count = devices;
  options.seed = seed;
  return options;
}

// Tests that hold in both modes are parameterized over the mode.
class EngineModeTest : public ::testing::TestWithParam<SchedulingMode> {
 protected:
  std::unique_ptr<Engine> Make(int devices = 1, uint64_t seed = 1) {
    return std::make_unique<Engine>(Options(GetParam(), devices, seed));
  }
};

inline std::string ModeName(const ::testing::TestParamInfo<SchedulingMode>& info) {
  return info.param == SchedulingMode::kDeterministic ? "Deterministic" : "Threaded";
}

#define INSTANTIATE_BOTH_MODES(Suite)                                                   \
  INSTANTIATE_TEST_SUITE_P(Modes, Suite,                                                 \
                           ::testing::Values(SchedulingMode::kDeterministic,             \
                                             SchedulingMode::kThreaded),                 \
                           ModeName)

// Records the order host functions ran in. Append is called from host functions, which
// never run concurrently with each other on one stream but may on different streams.
class OrderLog {
 public:
  void Append(int value) {
    std::lock_guard lock(mu_);
    values_.push_back(value);
  }
  std::vector<int> values() {
    std::lock_guard lock(mu_);
    return values_;
  }

 private:
  std::mutex mu_;
  std::vector<int> values_;
};

struct LogEntry {
  OrderLog* log;
  int value;
};

inline void AppendToLog(void* user_data) {
  auto* entry = static_cast<LogEntry*>(user_data);
  entry->log->Append(entry->value);
}

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_TEST_UTIL_H_
