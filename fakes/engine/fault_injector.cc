#include "fakes/engine/fault_injector.h"

namespace gpuhal::fake {

void FaultInjector::AddRule(FaultRule rule) {
  std::lock_guard lock(mu_);
  uint64_t seed = rule.seed;
  rules_.push_back(ActiveRule{std::move(rule), 0, 0, Prng(seed)});
  has_rules_.store(true, std::memory_order_release);
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
  has_rules_.store(false, std::memory_order_release);
}

std::optional<int> FaultInjector::Check(std::string_view entry_point) {
  if (!has_rules_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mu_);
  std::optional<int> result;
  // Every matching rule counts the call, even when an earlier rule already fired, so
  // that "the nth call" means the nth call and not the nth unfailed one.
  for (ActiveRule& active : rules_) {
    if (active.rule.entry_point != entry_point) continue;
    ++active.calls;
    bool exhausted = active.rule.max_fires != 0 && active.fires >= active.rule.max_fires;
    bool fires = false;
    if (active.rule.nth_call != 0) {
      fires = active.calls == active.rule.nth_call;
    } else if (active.rule.fraction > 0.0) {
      fires = active.prng.NextDouble() < active.rule.fraction;
    }
    if (fires && !exhausted) {
      ++active.fires;
      if (!result) result = active.rule.error_code;
    }
  }
  return result;
}

uint64_t FaultInjector::CallCount(std::string_view entry_point) const {
  std::lock_guard lock(mu_);
  for (const ActiveRule& active : rules_)
    if (active.rule.entry_point == entry_point) return active.calls;
  return 0;
}

}  // namespace gpuhal::fake
