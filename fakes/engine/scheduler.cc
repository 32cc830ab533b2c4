// Execution: which ready operation runs next and what running it does. Shared by both
// modes; deterministic mode calls RunOneLocked from the driving host thread, threaded mode
// from worker threads.
#include <atomic>
#include <cstring>
#include <thread>

#include "fakes/engine/engine.h"
#include "fakes/engine/engine_state.h"

namespace gpuhal::fake {
namespace {

thread_local bool t_inside_host_function = false;

const char* MemsetName(uint8_t element_bytes) {
  return element_bytes == 1 ? "memset8" : element_bytes == 2 ? "memset16" : "memset32";
}

const char* MemcpyName(const MemcpyParams& params) {
  if (params.src.is_host()) return params.dst.is_host() ? "memcpy_htoh" : "memcpy_htod";
  return params.dst.is_host() ? "memcpy_dtoh" : "memcpy_dtod";
}

bool WaitConditionHolds(uint32_t current, uint32_t value, WaitCondition condition) {
  switch (condition) {
    case WaitCondition::kGeq: return static_cast<int32_t>(current - value) >= 0;
    case WaitCondition::kEq: return current == value;
    case WaitCondition::kAnd: return (current & value) != 0;
    case WaitCondition::kNor: return ~(current | value) != 0;
  }
  return false;
}

}  // namespace

bool InsideHostFunction() { return t_inside_host_function; }

bool Engine::PointCompleteLocked(const StreamPoint& point) {
  if (point.stream == 0) return true;
  Stream* stream = streams_.Find(point.stream);
  return stream == nullptr || stream->completed_seq >= point.seq;
}

uint64_t Engine::ClockNs() {
  if (workers_.empty()) return virtual_now_ns_;
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - epoch_)
                                   .count());
}

uint64_t Engine::NowNs() {
  std::lock_guard lock(mu_);
  return ClockNs();
}

void Engine::AddTraceLocked(const char* name, const Stream& stream, uint64_t start,
                            uint64_t end) {
  trace_.Add(TraceSpan{name, static_cast<uint32_t>(stream.device), stream.ordinal, start, end});
}

uint64_t Engine::PendingOperationCount() {
  std::lock_guard lock(mu_);
  return pending_ops_;
}

bool Engine::Step() {
  if (InsideHostFunction()) return false;
  std::unique_lock lock(mu_);
  return RunOneLocked(lock);
}

Error Engine::RunUntilIdle() {
  std::unique_lock lock(mu_);
  return WaitLocked(lock, [&] { return pending_ops_ == 0; });
}

void Engine::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (RunOneLocked(lock)) continue;
    ++idle_workers_;
    // The timeout re-checks waits on host-written memory, which signal nothing.
    work_cv_.wait_for(lock, std::chrono::milliseconds(1));
    --idle_workers_;
  }
}

void Engine::OnBecameHeadLocked(Stream& stream) {
  auto* collective = std::get_if<CollectiveOp>(&stream.queue.front().body);
  if (collective == nullptr) return;
  bool faulted = DeviceErrorLocked(stream.device) != Error::kOk;
  for (auto& [instance, slot] : collective->batch->parts) {
    ++instance->arrived_count;
    if (faulted && instance->error == Error::kOk && !instance->performed) {
      instance->error = Error::kCollectiveFailed;
      instance->error_message = "a participating rank's device has faulted";
    }
  }
}

bool Engine::GraphNodeRunnableLocked(GraphLaunch& launch, uint32_t node) {
  if (launch.data->nodes[node].node.kind != GraphNodeKind::kEventWait) return true;
  return PointCompleteLocked(launch.wait_points[node]);
}

bool Engine::IsReadyLocked(Stream& stream) {
  if (DeviceErrorLocked(stream.device) != Error::kOk) return true;  // completes as failed
  OpBody& body = stream.queue.front().body;
  switch (body.index()) {
    case 6: return PointCompleteLocked(std::get<EventWaitOp>(body).target);
    case 7: {
      const WaitValueOp& wait = std::get<WaitValueOp>(body);
      uint8_t* host = memory_.Translate(wait.address, 4, nullptr);
      if (host == nullptr) return true;  // faults when run
      uint32_t current =
          std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(host)).load(
              std::memory_order_acquire);
      return WaitConditionHolds(current, wait.value, wait.condition);
    }
    case 11: {
      GraphLaunch& launch = *std::get<GraphLaunchOp>(body).launch;
      if (launch.completed == launch.data->nodes.size()) return true;
      for (uint32_t node : launch.ready)
        if (GraphNodeRunnableLocked(launch, node)) return true;
      return false;
    }
    case 12: {
      for (auto& [instance, slot] : std::get<CollectiveOp>(body).batch->parts) {
        if (instance->error == Error::kOk && !instance->comm->aborted && !instance->performed &&
            !instance->all_arrived()) {
          return false;
        }
      }
      return true;
    }
    default: return true;
  }
}
static_assert(std::is_same_v<std::variant_alternative_t<6, OpBody>, EventWaitOp>);
static_assert(std::is_same_v<std::variant_alternative_t<7, OpBody>, WaitValueOp>);
static_assert(std::is_same_v<std::variant_alternative_t<11, OpBody>, GraphLaunchOp>);
static_assert(std::is_same_v<std::variant_alternative_t<12, OpBody>, CollectiveOp>);

bool Engine::RunOneLocked(std::unique_lock<std::mutex>& lock) {
  ready_scratch_.clear();
  for (Stream* stream : active_)
    if (!stream->busy && IsReadyLocked(*stream)) ready_scratch_.push_back(stream);
  if (ready_scratch_.empty()) return false;
  Stream* chosen = ready_scratch_.size() == 1
                       ? ready_scratch_[0]
                       : ready_scratch_[prng_.Below(ready_scratch_.size())];
  ExecuteHeadLocked(lock, *chosen);
  return true;
}

void Engine::CompleteHeadLocked(Stream& stream) {
  stream.completed_seq = stream.queue.front().seq;
  stream.queue.pop_front();
  --pending_ops_;
  --devices_[stream.device]->pending_ops;
  if (!stream.queue.empty()) {
    OnBecameHeadLocked(stream);
  } else {
    int index = stream.active_index;
    active_[index] = active_.back();
    active_[index]->active_index = index;
    active_.pop_back();
    stream.active_index = -1;
    if (stream.destroyed) streams_.Erase(stream.handle);  // `stream` is gone now
  }
  if (host_waiters_ > 0) done_cv_.notify_all();
  if (idle_workers_ > 0) work_cv_.notify_all();
}

void Engine::ExecuteHeadLocked(std::unique_lock<std::mutex>& lock, Stream& stream) {
  OpBody& body = stream.queue.front().body;
  if (DeviceErrorLocked(stream.device) != Error::kOk) {
    if (auto* collective = std::get_if<CollectiveOp>(&body)) {
      FailCollectiveLocked(*collective->batch, Error::kCollectiveFailed,
                           "a participating rank's device has faulted");
    }
    CompleteHeadLocked(stream);
    return;
  }
  if (auto* graph = std::get_if<GraphLaunchOp>(&body)) {
    RunGraphStepLocked(lock, stream, *graph->launch);
    return;
  }
  if (auto* host = std::get_if<HostFnOp>(&body)) {
    RunHostFunction(lock, stream, *host);
    CompleteHeadLocked(stream);
    return;
  }
  uint64_t start = ClockNs();
  const char* name = "op";
  uint64_t duration = RunBodyLocked(stream, body);
  switch (body.index()) {
    case 1: name = MemsetName(std::get<MemsetParams>(body).element_bytes); break;
    case 2: name = MemcpyName(std::get<MemcpyParams>(body)); break;
    case 3: name = std::get<KernelOp>(body).kernel->name.c_str(); break;
    case 5: name = "event_record"; break;
    case 6: name = "event_wait"; break;
    case 7: name = "wait_value32"; break;
    case 8: name = "write_value32"; break;
    case 9: name = "alloc_async"; break;
    case 10: name = "free_async"; break;
    case 12:
      name = CollectiveName(std::get<CollectiveOp>(body).batch->parts.front().first->kind);
      break;
    default: break;
  }
  if (workers_.empty()) virtual_now_ns_ += duration;
  AddTraceLocked(name, stream, start, ClockNs());
  CompleteHeadLocked(stream);
}

void Engine::RunHostFunction(std::unique_lock<std::mutex>& lock, Stream& stream,
                             HostFnOp host) {
  stream.busy = true;
  ++busy_streams_;
  uint64_t start = ClockNs();
  uint64_t real_ns = host_fn_real_ns_;
  uint64_t virtual_ns = host_fn_virtual_ns_;
  // Unlocked, so that a slow host function does not stall other streams and so that it
  // may call back into the engine (front ends forbid vendor calls; the engine does not).
  lock.unlock();
  if (real_ns) std::this_thread::sleep_for(std::chrono::nanoseconds(real_ns));
  bool was_inside = t_inside_host_function;
  t_inside_host_function = true;
  host.fn(host.user_data);
  t_inside_host_function = was_inside;
  lock.lock();
  stream.busy = false;
  --busy_streams_;
  if (workers_.empty()) virtual_now_ns_ += virtual_ns;
  AddTraceLocked("host_function", stream, start, ClockNs());
}

void Engine::RunGraphStepLocked(std::unique_lock<std::mutex>& lock, Stream& stream,
                                GraphLaunch& launch) {
  const uint32_t node_count = static_cast<uint32_t>(launch.data->nodes.size());
  if (launch.completed == node_count) {
    CompleteHeadLocked(stream);
    return;
  }
  node_scratch_.clear();
  for (uint32_t i = 0; i < launch.ready.size(); ++i)
    if (GraphNodeRunnableLocked(launch, launch.ready[i])) node_scratch_.push_back(i);
  uint32_t position = node_scratch_.size() == 1
                          ? node_scratch_[0]
                          : node_scratch_[prng_.Below(node_scratch_.size())];
  uint32_t node = launch.ready[position];
  launch.ready[position] = launch.ready.back();
  launch.ready.pop_back();
  const ExecNode& exec_node = launch.data->nodes[node];
  if (exec_node.node.kind == GraphNodeKind::kHost) {
    RunHostFunction(lock, stream, exec_node.node.host);
  } else if (exec_node.node.kind != GraphNodeKind::kEmpty) {
    uint64_t start = ClockNs();
    uint64_t duration = RunGraphNodeLocked(stream, exec_node);
    if (workers_.empty()) virtual_now_ns_ += duration;
    const char* name = "graph_node";
    switch (exec_node.node.kind) {
      case GraphNodeKind::kKernel: name = exec_node.node.kernel.kernel->name.c_str(); break;
      case GraphNodeKind::kMemset: name = MemsetName(exec_node.node.memset.element_bytes); break;
      case GraphNodeKind::kMemcpy: name = MemcpyName(exec_node.node.memcpy); break;
      case GraphNodeKind::kEventRecord: name = "event_record"; break;
      case GraphNodeKind::kEventWait: name = "event_wait"; break;
      default: break;
    }
    AddTraceLocked(name, stream, start, ClockNs());
  }
  CompleteGraphNode(launch, node);
  if (launch.completed == node_count) CompleteHeadLocked(stream);
}

uint64_t Engine::RunGraphNodeLocked(Stream& stream, const ExecNode& exec_node) {
  const GraphNode& node = exec_node.node;
  switch (node.kind) {
    case GraphNodeKind::kKernel:
      RunKernelLocked(stream, node.kernel);
      return 2000 + node.kernel.grid.volume() * node.kernel.block.volume() / 64;
    case GraphNodeKind::kMemset:
      RunMemsetLocked(stream, node.memset);
      return 1000 + node.memset.count * node.memset.element_bytes / 64;
    case GraphNodeKind::kMemcpy:
      RunMemcpyLocked(stream, node.memcpy);
      return 1000 + node.memcpy.bytes / 64;
    case GraphNodeKind::kEventRecord:
      if (Event* event = events_.Find(node.event)) {
        event->has_timestamp = true;
        event->timestamp_ns = ClockNs();
      }
      return 100;
    default: return 100;
  }
}

void Engine::RunMemsetLocked(Stream& stream, const MemsetParams& params) {
  uint64_t bytes = params.count * params.element_bytes;
  if (bytes == 0) return;
  std::string why;
  uint8_t* target = memory_.Translate(params.dst, bytes, &why);
  if (target == nullptr) {
    RecordFaultLocked(stream.device, Error::kIllegalAddress, "memset: " + why);
    return;
  }
  if (params.element_bytes == 1) {
    std::memset(target, static_cast<int>(params.value & 0xff), bytes);
  } else if (params.element_bytes == 2) {
    uint16_t value = static_cast<uint16_t>(params.value);
    for (uint64_t i = 0; i < params.count; ++i) std::memcpy(target + 2 * i, &value, 2);
  } else {
    for (uint64_t i = 0; i < params.count; ++i) std::memcpy(target + 4 * i, &params.value, 4);
  }
}

void Engine::RunMemcpyLocked(Stream& stream, const MemcpyParams& params) {
  if (params.bytes == 0) return;
  std::string why;
  uint8_t* dst = params.dst.is_host()
                     ? static_cast<uint8_t*>(params.dst.host)
                     : memory_.Translate(params.dst.device_address, params.bytes, &why);
  if (dst == nullptr) {
    RecordFaultLocked(stream.device, Error::kIllegalAddress, "memcpy destination: " + why);
    return;
  }
  const uint8_t* src = params.src.is_host()
                           ? static_cast<const uint8_t*>(params.src.host)
                           : memory_.Translate(params.src.device_address, params.bytes, &why);
  if (src == nullptr) {
    RecordFaultLocked(stream.device, Error::kIllegalAddress, "memcpy source: " + why);
    return;
  }
  std::memmove(dst, src, params.bytes);
}

void Engine::RunKernelLocked(Stream& stream, const KernelOp& kernel) {
  if (!fault_injector_.empty()) {
    if (fault_injector_.Check("kernel:" + kernel.kernel->name)) {
      RecordFaultLocked(stream.device, Error::kKernelFault,
                        "kernel " + kernel.kernel->name + ": injected fault");
      return;
    }
  }
  KernelContext context(memory_, *kernel.kernel, kernel.args.data(), kernel.grid, kernel.block,
                        kernel.shared_memory_bytes, stream.device, options_.warp_size);
  kernel.kernel->fn(context);
  if (context.faulted())
    RecordFaultLocked(stream.device, context.fault(), context.fault_message());
}

void Engine::FailCollectiveLocked(CollectiveBatch& batch, Error error,
                                  const std::string& message) {
  for (auto& [instance, slot] : batch.parts) {
    if (instance->performed || instance->error != Error::kOk) continue;
    instance->error = error;
    instance->error_message = message;
    if (instance->comm->async_error == Error::kOk) {
      instance->comm->async_error = error;
      instance->comm->async_error_message = message;
    }
  }
}

void Engine::RunCollectiveLocked(Stream& stream, CollectiveBatch& batch) {
  for (auto& [instance, slot] : batch.parts) {
    Comm& comm = *instance->comm;
    if (comm.aborted && !instance->performed && instance->error == Error::kOk) {
      instance->error = Error::kAborted;
      instance->error_message = "communicator aborted";
    }
    if (instance->error == Error::kOk && !instance->performed) PerformCollective(*instance, memory_);
    if (instance->error == Error::kOk) continue;
    if (stream.fault == Error::kOk) {
      stream.fault = instance->error;
      stream.fault_message = instance->error_message;
    }
    if (comm.async_error == Error::kOk) {
      comm.async_error = instance->error;
      comm.async_error_message = instance->error_message;
    }
  }
}

uint64_t Engine::RunBodyLocked(Stream& stream, const OpBody& body) {
  switch (body.index()) {
    case 0: return 100;
    case 1: {
      const MemsetParams& params = std::get<MemsetParams>(body);
      RunMemsetLocked(stream, params);
      return 1000 + params.count * params.element_bytes / 64;
    }
    case 2: {
      const MemcpyParams& params = std::get<MemcpyParams>(body);
      RunMemcpyLocked(stream, params);
      return 1000 + params.bytes / 64;
    }
    case 3: {
      const KernelOp& kernel = std::get<KernelOp>(body);
      RunKernelLocked(stream, kernel);
      return 2000 + kernel.grid.volume() * kernel.block.volume() / 64;
    }
    case 5: {
      const EventRecordOp& record = std::get<EventRecordOp>(body);
      Event* event = events_.Find(record.event);
      if (event && event->record_serial == record.record_serial) {
        event->has_timestamp = true;
        event->timestamp_ns = ClockNs();
      }
      return 100;
    }
    case 6: return 100;  // readiness did the waiting
    case 7: {
      std::string why;
      if (memory_.Translate(std::get<WaitValueOp>(body).address, 4, &why) == nullptr)
        RecordFaultLocked(stream.device, Error::kIllegalAddress, "wait_value32: " + why);
      return 100;
    }
    case 8: {
      const WriteValueOp& write = std::get<WriteValueOp>(body);
      std::string why;
      uint8_t* host = memory_.Translate(write.address, 4, &why);
      if (host == nullptr) {
        RecordFaultLocked(stream.device, Error::kIllegalAddress, "write_value32: " + why);
      } else {
        std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(host))
            .store(write.value, std::memory_order_release);
      }
      return 100;
    }
    case 9: {
      Allocation* a = memory_.FindByBase(std::get<AllocAsyncOp>(body).address);
      if (a && a->state == Allocation::State::kPending) a->state = Allocation::State::kLive;
      return 200;
    }
    case 10: {
      Allocation* a = memory_.FindByBase(std::get<FreeAsyncOp>(body).address);
      if (a && a->state != Allocation::State::kFreed) FreeLocked(a->base);
      return 200;
    }
    case 12: {
      CollectiveBatch& batch = *std::get<CollectiveOp>(body).batch;
      RunCollectiveLocked(stream, batch);
      uint64_t bytes = 0;
      for (auto& [instance, slot] : batch.parts)
        bytes += instance->args[slot].count * DataTypeSize(instance->args[slot].type);
      return 5000 + bytes / 32;
    }
    default: return 100;
  }
}

}  // namespace gpuhal::fake
