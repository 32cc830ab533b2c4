#include "fakes/engine/fault_injector.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace gpuhal::fake {

void FaultInjector::UpdateActiveLocked() {
  active_.store(!rules_.empty() || counting_ || jitter_.has_value() ||
                    held_entry_point_.has_value() || lose_after_calls_.has_value(),
                std::memory_order_release);
}

void FaultInjector::HoldCalls(std::string entry_point) {
  std::lock_guard lock(mu_);
  held_entry_point_ = std::move(entry_point);
  UpdateActiveLocked();
}

void FaultInjector::ReleaseHeldCalls() {
  {
    std::lock_guard lock(mu_);
    held_entry_point_.reset();
    UpdateActiveLocked();
  }
  held_released_.notify_all();
}

size_t FaultInjector::held_call_count() const {
  std::lock_guard lock(mu_);
  return held_calls_;
}

void FaultInjector::LoseDeviceAfter(uint64_t calls, std::function<void()> lose) {
  std::lock_guard lock(mu_);
  lose_after_calls_ = calls;
  calls_toward_loss_ = 0;
  lose_device_ = std::move(lose);
  UpdateActiveLocked();
}

void FaultInjector::AddRule(FaultRule rule) {
  std::lock_guard lock(mu_);
  uint64_t seed = rule.seed;
  rules_.push_back(ActiveRule{std::move(rule), 0, 0, Prng(seed)});
  UpdateActiveLocked();
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
  UpdateActiveLocked();
}

void FaultInjector::EnableCallCounting() {
  std::lock_guard lock(mu_);
  counting_ = true;
  UpdateActiveLocked();
}

std::map<std::string, uint64_t, std::less<>> FaultInjector::CallCounts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void FaultInjector::SetJitter(std::optional<CallJitter> jitter) {
  std::lock_guard lock(mu_);
  jitter_ = std::move(jitter);
  if (jitter_) jitter_prng_ = Prng(jitter_->seed);
  UpdateActiveLocked();
}

std::optional<int> FaultInjector::Check(std::string_view entry_point) {
  if (!active_.load(std::memory_order_acquire)) return std::nullopt;
  std::optional<int> result;
  enum class Perturbation { kNone, kYield, kSleep } perturbation = Perturbation::kNone;
  std::chrono::microseconds sleep{0};
  std::function<void()> lose_device;
  {
    std::unique_lock lock(mu_);
    if (held_entry_point_ && *held_entry_point_ == entry_point) {
      ++held_calls_;
      held_released_.wait(lock, [&] { return !held_entry_point_ || *held_entry_point_ != entry_point; });
      --held_calls_;
    }
    if (lose_after_calls_ && lose_device_ && !entry_point.starts_with("kernel:") &&
        ++calls_toward_loss_ > *lose_after_calls_) {
      lose_device = std::move(lose_device_);
      lose_device_ = nullptr;
    }
    if (counting_) {
      auto it = counts_.find(entry_point);
      if (it == counts_.end()) it = counts_.emplace(std::string(entry_point), 0).first;
      ++it->second;
    }
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
    if (jitter_ && (jitter_->entry_points.empty() ||
                    std::find(jitter_->entry_points.begin(), jitter_->entry_points.end(),
                              entry_point) != jitter_->entry_points.end())) {
      const double draw = jitter_prng_.NextDouble();
      if (draw < jitter_->sleep_fraction) {
        perturbation = Perturbation::kSleep;
        const uint64_t max_us = std::max<int64_t>(1, jitter_->max_sleep.count());
        sleep = std::chrono::microseconds(1 + jitter_prng_.Below(max_us));
      } else if (draw < jitter_->sleep_fraction + jitter_->yield_fraction) {
        perturbation = Perturbation::kYield;
      }
    }
  }
  if (lose_device) lose_device();
  // Outside the lock: the point is to let other threads run meanwhile.
  if (perturbation == Perturbation::kYield) {
    jittered_calls_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::yield();
  } else if (perturbation == Perturbation::kSleep) {
    jittered_calls_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(sleep);
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
