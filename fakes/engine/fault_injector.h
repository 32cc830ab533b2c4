// Makes chosen calls of a named entry point fail, counts the calls, and perturbs their
// timing. The engine stores an opaque integer per rule; a front end asks
// Check("cuMemAlloc") before every vendor call and returns the integer as its vendor
// error, so the engine never learns what the number means.
#ifndef GPUHAL_FAKES_ENGINE_FAULT_INJECTOR_H_
#define GPUHAL_FAKES_ENGINE_FAULT_INJECTOR_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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

// Seeded timing perturbation of vendor calls, in the manner of FoundationDB's BUGGIFY:
// before a chosen call runs, the calling thread may yield or sleep, so that the windows
// between two calls of one operation (an event acquired and then recorded, a signal
// announced and then published) are actually entered by other threads. Which calls are
// perturbed is drawn from a PRNG seeded with `seed`, in the order the calls reach the
// injector; with several threads that order, and so the perturbation, varies from run to
// run, but a seed still picks a reproducible mix.
struct CallJitter {
  uint64_t seed = 1;
  double yield_fraction = 0.25;   // of the chosen calls that yield first
  double sleep_fraction = 0.02;   // of the chosen calls that sleep first
  std::chrono::microseconds max_sleep{200};  // a sleep lasts [1, max_sleep] us
  std::vector<std::string> entry_points;     // empty: every entry point
};

class FaultInjector {
 public:
  void AddRule(FaultRule rule);
  void Clear();  // rules only; counting and jitter stay as set
  // The error code of the first rule that fires for this call, if any; first yields or
  // sleeps when jitter chose this call, and counts it when counting. Thread-safe; one
  // relaxed load when none of these is in use.
  std::optional<int> Check(std::string_view entry_point);
  // How many calls of `entry_point` Check has seen since its first rule was added.
  uint64_t CallCount(std::string_view entry_point) const;
  bool empty() const { return !active_.load(std::memory_order_acquire); }

  // Counts every call by entry point from now on (a fault sweep's first, fault-free run
  // learns which entry points a workload calls and how often).
  void EnableCallCounting();
  std::map<std::string, uint64_t, std::less<>> CallCounts() const;

  // Perturbs the timing of calls from now on; std::nullopt turns it off.
  void SetJitter(std::optional<CallJitter> jitter);
  // Calls perturbed so far (yields and sleeps).
  uint64_t jittered_calls() const { return jittered_calls_.load(std::memory_order_relaxed); }

  // Holds every call of `entry_point` made from now on inside Check, before it runs,
  // until ReleaseHeldCalls: a test parks the threads that make such calls (a completion
  // thread inside its event query, say) to set up an interleaving on cue.
  void HoldCalls(std::string entry_point);
  // Lets the held calls go on, and stops holding new ones.
  void ReleaseHeldCalls();
  // Calls being held now.
  size_t held_call_count() const;

  // Calls `lose` once, when the call after the next `calls` vendor calls reaches Check
  // (kernel launches, "kernel:NAME", do not count); that call and every later one then
  // meet whatever `lose` did (a lost device). `lose` runs outside the injector's lock.
  void LoseDeviceAfter(uint64_t calls, std::function<void()> lose);

 private:
  struct ActiveRule {
    FaultRule rule;
    uint64_t calls = 0;
    uint64_t fires = 0;
    Prng prng;
  };
  void UpdateActiveLocked();

  mutable std::mutex mu_;
  // Whether rules, counting or jitter are in use: Check's fast path.
  std::atomic<bool> active_{false};
  std::vector<ActiveRule> rules_;             // guarded by mu_
  bool counting_ = false;                     // guarded by mu_
  std::map<std::string, uint64_t, std::less<>> counts_;  // guarded by mu_
  std::optional<CallJitter> jitter_;          // guarded by mu_
  Prng jitter_prng_;                          // guarded by mu_
  std::atomic<uint64_t> jittered_calls_{0};
  std::optional<std::string> held_entry_point_;  // guarded by mu_
  size_t held_calls_ = 0;                         // guarded by mu_
  std::condition_variable held_released_;         // with mu_
  std::optional<uint64_t> lose_after_calls_;      // guarded by mu_
  uint64_t calls_toward_loss_ = 0;                // guarded by mu_
  std::function<void()> lose_device_;             // guarded by mu_; reset once called
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_FAULT_INJECTOR_H_
