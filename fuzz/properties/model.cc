#include "fuzz/properties/model.h"

#include <algorithm>
#include <limits>

namespace gpuhal::properties {
namespace {

constexpr size_t kNever = std::numeric_limits<size_t>::max();

// How a wait on a host-driven semaphore ends, from the host ops alone.
enum class HostWaitState : uint8_t { kReach, kFail, kNever, kEither };

struct HostState {
  std::vector<uint64_t> value;    // accepted value at the end of the prefix
  std::vector<bool> failed;
  std::vector<size_t> fail_op;    // the op that failed it first
};

class Evaluator {
 public:
  Evaluator(const Program& program, size_t op_count, const FiredFaults& faults)
      : p_(program), op_count_(std::min(op_count, program.ops.size())), faults_(faults) {}

  ModelResult Run() {
    const size_t n = p_.submissions.size();
    const size_t m = p_.semaphores.size();
    submit_op_.assign(n, kNever);
    ModelResult result;
    result.host_signal_codes.assign(p_.ops.size(), StatusCode::kOk);
    host_.value.assign(m, 0);
    host_.failed.assign(m, false);
    host_.fail_op.assign(m, kNever);
    for (size_t i = 0; i < op_count_; ++i) {
      const Op& op = p_.ops[i];
      switch (op.kind) {
        case OpKind::kSubmit:
          submit_op_[op.index] = i;
          break;
        case OpKind::kHostSignal:
          if (host_.failed[op.index]) {
            result.host_signal_codes[i] = StatusCode::kAborted;
          } else if (op.value > host_.value[op.index]) {
            host_.value[op.index] = op.value;
          } else {
            result.host_signal_codes[i] = StatusCode::kOutOfRange;
          }
          break;
        case OpKind::kHostFail:
          if (!host_.failed[op.index]) {
            host_.failed[op.index] = true;
            host_.fail_op[op.index] = i;
          }
          break;
        default:
          break;
      }
      result.host_value_after.push_back(host_.value);
      result.host_failed_after.push_back(host_.failed);
    }

    faulted_.assign(n, false);
    for (size_t x = 0; x < n; ++x) {
      faulted_[x] = submitted(x) && ((x < faults_.issue.size() && faults_.issue[x]) ||
                                     (x < faults_.completion.size() && faults_.completion[x]));
    }

    // C+: may complete.
    may_complete_.assign(n, false);
    Fixpoint(may_complete_, [&](size_t x) {
      if (faulted_[x]) return false;
      for (const Point& wait : p_.submissions[x].waits) {
        if (!MayReach(x, wait)) return false;
      }
      return true;
    });
    // F+: may fail.
    may_fail_.assign(n, false);
    Fixpoint(may_fail_, [&](size_t x) {
      if (faulted_[x]) return true;
      for (const Point& wait : p_.submissions[x].waits) {
        if (MayFail(x, wait)) return true;
      }
      return false;
    });
    // F!: must fail.
    must_fail_.assign(n, false);
    Fixpoint(must_fail_, [&](size_t x) {
      if (faulted_[x]) return true;
      for (const Point& wait : p_.submissions[x].waits) {
        if (MustFail(x, wait)) return true;
      }
      return false;
    });
    // May have run on the GPU although it failed: a faulted submission ran its commands;
    // one issued with a GPU-side wait on a submission whose failure shows only at its
    // completion runs too, and learns of the failure at its own completion.
    std::vector<bool> gpu_side_failure(n, false);
    Fixpoint(gpu_side_failure, [&](size_t x) {
      if (x < faults_.completion.size() && faults_.completion[x]) return true;
      for (const Point& wait : p_.submissions[x].waits) {
        const SemaphoreSpec& spec = p_.semaphores[wait.semaphore];
        if (spec.driver != Driver::kDevice || spec.object != Object::kDevice) continue;
        for (size_t y = 0; y < p_.submissions.size(); ++y) {
          if (gpu_side_failure[y] && Signals(y, wait.semaphore, wait.value)) return true;
        }
      }
      return false;
    });
    // Failure codes, grown to a fixpoint.
    std::vector<uint32_t> codes(n, 0);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t x = 0; x < n; ++x) {
        if (!submitted(x) || !may_fail_[x]) continue;
        uint32_t c = faulted_[x] ? uint32_t{kFaultCode} : 0u;
        for (const Point& wait : p_.submissions[x].waits) {
          if (!MayFail(x, wait)) continue;
          if (p_.semaphores[wait.semaphore].driver == Driver::kHost) {
            c |= kHostFailCode;
          } else {
            for (size_t y = 0; y < n; ++y) {
              if (may_fail_[y] && Signals(y, wait.semaphore, 0)) c |= codes[y];
            }
          }
        }
        if ((c | codes[x]) != codes[x]) {
          codes[x] |= c;
          changed = true;
        }
      }
    }

    result.submissions.resize(n);
    for (size_t x = 0; x < n; ++x) {
      SubmissionExpectation& e = result.submissions[x];
      e.codes = codes[x];
      e.may_run = faulted_[x] || gpu_side_failure[x];
      if (!submitted(x)) {
        e.outcome = Outcome::kBlocked;
      } else if (must_fail_[x]) {
        e.outcome = Outcome::kFail;
      } else if (may_complete_[x] && !may_fail_[x]) {
        e.outcome = Outcome::kComplete;
      } else if (!may_complete_[x] && !may_fail_[x]) {
        e.outcome = Outcome::kBlocked;
      } else {
        e.outcome = Outcome::kEither;
      }
    }

    result.semaphores.resize(m);
    for (size_t s = 0; s < m; ++s) {
      SemaphoreExpectation& e = result.semaphores[s];
      if (p_.semaphores[s].driver == Driver::kHost) {
        e.definite = true;
        e.failed = host_.failed[s];
        e.value = host_.value[s];
        e.codes = e.failed ? uint32_t{kHostFailCode} : 0u;
        e.max_reachable = host_.value[s];
        e.may_fail = e.failed;
        continue;
      }
      bool any_may_fail = false, any_must_fail = false;
      for (size_t y = 0; y < n; ++y) {
        if (!Signals(y, s, 0)) continue;
        for (const Point& signal : p_.submissions[y].signals) {
          if (signal.semaphore == s && may_complete_[y]) {
            e.max_reachable = std::max(e.max_reachable, signal.value);
          }
        }
        if (may_fail_[y]) {
          any_may_fail = true;
          e.codes |= codes[y];
        }
        any_must_fail |= must_fail_[y];
      }
      e.may_fail = any_may_fail;
      if (!any_may_fail) {
        e.definite = true;
        e.value = e.max_reachable;
      } else if (any_must_fail) {
        e.definite = true;
        e.failed = true;
      }
    }
    return result;
  }

 private:
  bool submitted(size_t x) const { return submit_op_[x] != kNever; }

  // Whether submission y (submitted in the prefix) signals semaphore s to >= value.
  bool Signals(size_t y, uint32_t s, uint64_t value) const {
    if (!submitted(y)) return false;
    for (const Point& signal : p_.submissions[y].signals) {
      if (signal.semaphore == s && signal.value >= value) return true;
    }
    return false;
  }

  HostWaitState HostWait(size_t x, const Point& wait) const {
    const uint32_t s = wait.semaphore;
    const bool reached = host_.value[s] >= wait.value;  // the value stops at a failure
    const bool failed = host_.failed[s];
    if (p_.sequential()) {
      // A semaphore that has failed fails every wait made after it, reached or not.
      if (failed && submit_op_[x] > host_.fail_op[s]) return HostWaitState::kFail;
      if (reached) return HostWaitState::kReach;
      return failed ? HostWaitState::kFail : HostWaitState::kNever;
    }
    if (reached && failed) return HostWaitState::kEither;
    if (reached) return HostWaitState::kReach;
    return failed ? HostWaitState::kFail : HostWaitState::kNever;
  }

  bool MayReach(size_t x, const Point& wait) const {
    if (p_.semaphores[wait.semaphore].driver == Driver::kHost) {
      const HostWaitState state = HostWait(x, wait);
      return state == HostWaitState::kReach || state == HostWaitState::kEither;
    }
    for (size_t y = 0; y < p_.submissions.size(); ++y) {
      if (may_complete_[y] && Signals(y, wait.semaphore, wait.value)) return true;
    }
    return false;
  }

  bool MayFail(size_t x, const Point& wait) const {
    if (p_.semaphores[wait.semaphore].driver == Driver::kHost) {
      const HostWaitState state = HostWait(x, wait);
      return state == HostWaitState::kFail || state == HostWaitState::kEither;
    }
    // Any failing signaller fails the whole semaphore; a waiter that comes after the
    // failure fails even if the value was reached first.
    for (size_t y = 0; y < p_.submissions.size(); ++y) {
      if (may_fail_[y] && Signals(y, wait.semaphore, 0)) return true;
    }
    return false;
  }

  bool MustFail(size_t x, const Point& wait) const {
    if (p_.semaphores[wait.semaphore].driver == Driver::kHost) {
      return HostWait(x, wait) == HostWaitState::kFail;
    }
    if (MayReach(x, wait)) return false;
    for (size_t y = 0; y < p_.submissions.size(); ++y) {
      if (must_fail_[y] && Signals(y, wait.semaphore, 0)) return true;
    }
    return false;
  }

  template <typename Rule>
  void Fixpoint(std::vector<bool>& set, Rule rule) {
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t x = 0; x < set.size(); ++x) {
        if (set[x] || !submitted(x)) continue;
        if (rule(x)) {
          set[x] = true;
          changed = true;
        }
      }
    }
  }

  const Program& p_;
  const size_t op_count_;
  const FiredFaults& faults_;
  std::vector<size_t> submit_op_;
  HostState host_;
  std::vector<bool> faulted_, may_complete_, may_fail_, must_fail_;
};

}  // namespace

uint32_t FailureCodeBit(StatusCode code) {
  switch (code) {
    case StatusCode::kAborted:
      return kHostFailCode;
    case StatusCode::kInternal:
      return kFaultCode;
    case StatusCode::kCancelled:
      return kCleanupCode;
    default:
      return 0;
  }
}

ModelResult Evaluate(const Program& program, size_t op_count, const FiredFaults& faults) {
  return Evaluator(program, op_count, faults).Run();
}

BurstExpectation ExpectBurst(const Program& program, size_t pause, size_t resume) {
  const FiredFaults none;
  const ModelResult at_pause = Evaluate(program, pause, none);
  const ModelResult at_resume = Evaluate(program, resume, none);
  const size_t n = program.submissions.size();
  const size_t m = program.semaphores.size();

  std::vector<bool> candidate(n, false), completed(n, false);
  for (size_t i = 0; i < resume; ++i) {
    const Op& op = program.ops[i];
    if (op.kind != OpKind::kSubmit) continue;
    if (i < pause && at_pause.submissions[op.index].outcome == Outcome::kComplete) {
      completed[op.index] = true;
    } else {
      candidate[op.index] = true;
    }
  }
  // Values the host can see: device-driven ones stop at the pause.
  std::vector<uint64_t> value(m, 0);
  for (size_t s = 0; s < m; ++s) {
    if (program.semaphores[s].driver == Driver::kHost) {
      value[s] = resume > 0 ? at_resume.host_value_after[resume - 1][s] : 0;
    }
  }
  for (size_t x = 0; x < n; ++x) {
    if (!completed[x]) continue;
    for (const Point& signal : program.submissions[x].signals) {
      value[signal.semaphore] = std::max(value[signal.semaphore], signal.value);
    }
  }
  std::vector<bool> issued(n, false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t x = 0; x < n; ++x) {
      if (!candidate[x] || issued[x]) continue;
      bool ready = true;
      for (const Point& wait : program.submissions[x].waits) {
        if (value[wait.semaphore] >= wait.value) continue;
        const SemaphoreSpec& spec = program.semaphores[wait.semaphore];
        bool by_event = false;
        if (spec.driver == Driver::kDevice && spec.object == Object::kDevice) {
          for (size_t y = 0; y < n && !by_event; ++y) {
            if (!issued[y]) continue;
            for (const Point& signal : program.submissions[y].signals) {
              by_event |= signal.semaphore == wait.semaphore && signal.value >= wait.value;
            }
          }
        }
        if (!by_event) {
          ready = false;
          break;
        }
      }
      if (ready) {
        issued[x] = true;
        changed = true;
      }
    }
  }
  // A wait takes an issued signaller's event only when that issues its submission: one
  // still pending on another wait keeps watching the semaphore itself, so that a failure
  // of the signalling work reaches it at once (P4).
  BurstExpectation expectation;
  for (size_t x = 0; x < n; ++x) {
    if (!candidate[x]) continue;
    ++(issued[x] ? expectation.in_flight_actions : expectation.pending_actions);
    if (!issued[x]) continue;
    for (const Point& wait : program.submissions[x].waits) {
      if (value[wait.semaphore] >= wait.value) continue;
      const SemaphoreSpec& spec = program.semaphores[wait.semaphore];
      if (spec.driver != Driver::kDevice || spec.object != Object::kDevice) continue;
      bool by_event = false;
      for (size_t y = 0; y < n && !by_event; ++y) {
        if (!issued[y]) continue;
        for (const Point& signal : program.submissions[y].signals) {
          by_event |= signal.semaphore == wait.semaphore && signal.value >= wait.value;
        }
      }
      if (by_event) ++expectation.device_event_waits;
    }
  }
  return expectation;
}

}  // namespace gpuhal::properties
