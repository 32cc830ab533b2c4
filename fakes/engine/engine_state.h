// The engine's bookkeeping objects. Internal to the engine; front ends use engine.h only.
#ifndef GPUHAL_FAKES_ENGINE_ENGINE_STATE_H_
#define GPUHAL_FAKES_ENGINE_ENGINE_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fakes/engine/collectives.h"
#include "fakes/engine/graph.h"
#include "fakes/engine/ops.h"
#include "fakes/engine/ring_queue.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

struct Device {
  int index = 0;
  uint64_t memory_limit = 0;
  uint64_t memory_used = 0;  // device allocations + pool reservations
  uint64_t pending_ops = 0;
  uint64_t default_pool = 0;
  Error fault = Error::kOk;  // sticky
  std::string fault_message;
};

struct Stream {
  uint64_t handle = 0;
  int device = 0;
  uint32_t ordinal = 0;  // creation order: the trace's thread id
  bool destroyed = false;
  bool busy = false;  // its head runs with the engine lock released
  int active_index = -1;
  uint64_t enqueued_seq = 0;
  uint64_t completed_seq = 0;
  Error fault = Error::kOk;  // stream-level (collective) failures
  std::string fault_message;
  RingQueue<Op> queue;
};

struct Event {
  StreamPoint last_record;  // stream == 0: never recorded
  uint64_t record_serial = 0;
  bool has_timestamp = false;
  uint64_t timestamp_ns = 0;
};

struct Pool {
  int device = 0;
  uint64_t release_threshold = 0;
  uint64_t reserved = 0;  // charged to the device
  uint64_t used = 0;      // live + pending allocations
  bool is_default = false;
};

struct Module {
  std::vector<std::string> names;
  std::vector<KernelId> kernels;
};

struct ExecGraph {
  std::shared_ptr<ExecGraphData> data;  // copied on write while a launch holds it
};

struct CommRef {
  std::shared_ptr<Comm> comm;
};

}  // namespace gpuhal::fake



#include "fakes/engine/engine.h"

namespace gpuhal::fake {

// Blocks until done() holds. Deterministic mode drives the simulation from this thread;
// threaded mode sleeps until workers report completions.
template <typename Predicate>
Error Engine::WaitLocked(std::unique_lock<std::mutex>& lock, Predicate done) {
  if (done()) return Error::kOk;
  if (InsideHostFunction()) return Error::kNotPermitted;
  if (workers_.empty()) {
    while (!done()) {
      if (RunOneLocked(lock)) continue;
      if (busy_streams_ > 0) {  // another host thread runs a host function; await it
        ++host_waiters_;
        done_cv_.wait(lock);
        --host_waiters_;
        continue;
      }
      return Error::kDeadlock;
    }
    return Error::kOk;
  }
  ++host_waiters_;
  done_cv_.wait(lock, [&] { return done(); });
  --host_waiters_;
  return Error::kOk;
}

}  // namespace gpuhal::fake
#endif  // GPUHAL_FAKES_ENGINE_ENGINE_STATE_H_
