// Makes chosen calls of a named entry point fail. The engine stores an opaque integer per
// rule; a front end asks Check("cuMemAlloc") and returns the integer as its vendor error,
// so the engine never learns what the number means.
#ifndef GPUHAL_FAKES_ENGINE_FAULT_INJECTOR_H_
#define GPUHAL_FAKES_ENGINE_FAULT_INJECTOR_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/engine/prng.h"

namespace gpuhal::fake {

struct FaultRule {
  std::string entry_point;  // exact name, e.g. "cuMemAlloc" or "kernel:saxpy"
  int error_code = 0;       // returned by Check when the rule fires
  // Fires on the nth call (1-based) counted from when the rule was added; 0 = unused.
  uint64_t nth_call = 0;
  // When nth_call == 0: fires on each call with this probability, drawn from a PRNG seeded
  // with `seed`, so a failing run can be replayed.
  double fraction = 0.0;
  uint64_t seed = 0;
  // How many times the rule may fire; 0 = unlimited.
  uint64_t max_fires = 1;
};

class FaultInjector {
 public:
  void AddRule(FaultRule rule);
  void Clear();
  // The error code of the first rule that fires for this call, if any. Thread-safe; cheap
  // when there are no rules.
  std::optional<int> Check(std::string_view entry_point);
  // How many calls of `entry_point` Check has seen since its first rule was added.
  uint64_t CallCount(std::string_view entry_point) const;
  bool empty() const { return !has_rules_.load(std::memory_order_acquire); }

 private:
  struct ActiveRule {
    FaultRule rule;
    uint64_t calls = 0;
    uint64_t fires = 0;
    Prng prng;
  };
  mutable std::mutex mu_;
  std::atomic<bool> has_rules_{false};
  std::vector<ActiveRule> rules_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_FAULT_INJECTOR_H_
