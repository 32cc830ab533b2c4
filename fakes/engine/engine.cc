// Engine API: argument checking and enqueueing. Execution lives in scheduler.cc.
#include "fakes/engine/engine.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fakes/engine/engine_state.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {
namespace {

template <typename Id>
uint64_t Raw(Id id) {
  return static_cast<uint64_t>(id);
}

// Operations a host thread issued between GroupStart and GroupEnd.
struct PendingGroup {
  int depth = 0;
  Engine* engine = nullptr;
  struct Item {
    StreamId stream;
    std::shared_ptr<CollectiveInstance> instance;
    int slot;
  };
  std::vector<Item> items;
};
thread_local PendingGroup t_group;

}  // namespace

Engine::Engine(const EngineOptions& options)
    : options_(options), prng_(options.seed), epoch_(std::chrono::steady_clock::now()) {
  trace_.set_enabled(options.record_trace || !options.trace_path.empty());
  if (options.jitter_seed != 0) {
    CallJitter jitter;
    jitter.seed = options.jitter_seed;
    fault_injector_.SetJitter(jitter);
  }
  for (int i = 0; i < options_.device_count; ++i) {
    auto device = std::make_unique<Device>();
    device->index = i;
    device->memory_limit = options_.device_memory_bytes;
    auto pool = std::make_unique<Pool>();
    pool->device = i;
    pool->is_default = true;
    device->default_pool = pools_.Insert(std::move(pool));
    devices_.push_back(std::move(device));
  }
  if (options_.mode == SchedulingMode::kThreaded) {
    for (int i = 0; i < std::max(1, options_.worker_threads); ++i)
      workers_.emplace_back([this] { WorkerLoop(); });
  }
}

Engine::~Engine() {
  if (!options_.trace_path.empty()) {
    // No caller to return to: say it where the user will see it.
    std::string why;
    if (!WriteTraceFile(options_.trace_path, &why)) {
      std::fprintf(stderr, "gpuhal: the simulated GPU's trace could not be written to '%s': %s\n",
                   options_.trace_path.c_str(), why.c_str());
    }
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  // Open instances point back at their communicator; break the cycle.
  comms_.ForEach([](CommRef& ref) {
    ref.comm->open_collectives.clear();
    ref.comm->open_p2p.clear();
  });
}

// ---------------------------------------------------------------------------------------
// Lookups

Stream* Engine::LiveStreamLocked(StreamId id) {
  Stream* stream = streams_.Find(Raw(id));
  return stream && !stream->destroyed ? stream : nullptr;
}

Event* Engine::LiveEventLocked(EventId id) { return events_.Find(Raw(id)); }

Error Engine::DeviceErrorLocked(int device) const { return devices_[device]->fault; }

Error Engine::CheckStreamLocked(StreamId id, Stream** out) {
  Stream* stream = LiveStreamLocked(id);
  if (stream == nullptr) return Error::kInvalidHandle;
  if (Error fault = DeviceErrorLocked(stream->device); fault != Error::kOk) return fault;
  *out = stream;
  return Error::kOk;
}

void Engine::RecordFaultLocked(int device, Error error, std::string message) {
  Device& d = *devices_[device];
  if (d.fault != Error::kOk && d.fault != Error::kIllegalAddress &&
      d.fault != Error::kKernelFault) {
    return;  // a lost device stays lost
  }
  if (d.fault != Error::kOk && error != Error::kDeviceLost) return;  // first fault wins
  d.fault = error;
  d.fault_message = std::move(message);
}

Error Engine::DeviceFault(int device, std::string* message) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  if (message) *message = devices_[device]->fault_message;
  return devices_[device]->fault;
}

Error Engine::InjectDeviceLost(int device) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  {
    std::lock_guard lock(mu_);
    RecordFaultLocked(device, Error::kDeviceLost, "device lost (injected)");
  }
  // Queued work on the device now completes as failed; wake whoever runs it.
  work_cv_.notify_all();
  done_cv_.notify_all();
  return Error::kOk;
}

// ---------------------------------------------------------------------------------------
// Memory

Error Engine::Allocate(int device, uint64_t bytes, uint64_t* address) {
  if (device < 0 || device >= device_count() || address == nullptr) return Error::kInvalidValue;
  if (bytes == 0) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Device& d = *devices_[device];
  if (d.fault != Error::kOk) return d.fault;
  if (bytes > d.memory_limit - std::min(d.memory_limit, d.memory_used)) {
    return Error::kOutOfMemory;
  }
  Allocation* allocation;
  Error error = memory_.Allocate(bytes, AllocationKind::kDevice, device,
                                 Allocation::State::kLive, &allocation);
  if (error != Error::kOk) return error;
  d.memory_used += bytes;
  *address = allocation->base;
  return Error::kOk;
}

Error Engine::FreeLocked(uint64_t address) {
  Allocation* a = memory_.FindByBase(address);
  if (a == nullptr || a->state == Allocation::State::kFreed ||
      a->kind == AllocationKind::kRegisteredHost) {
    return Error::kInvalidValue;
  }
  if (a->kind == AllocationKind::kDevice) {
    devices_[a->device]->memory_used -= a->size;
  } else if (a->kind == AllocationKind::kStreamOrdered) {
    if (Pool* pool = pools_.Find(a->pool)) {
      pool->used -= a->size;
    } else {
      devices_[a->device]->memory_used -= a->size;
    }
  }
  memory_.Release(a);
  return Error::kOk;
}

Error Engine::Free(uint64_t address) {
  std::lock_guard lock(mu_);
  Allocation* a = memory_.FindByBase(address);
  if (a && a->kind == AllocationKind::kPinnedHost) return Error::kInvalidValue;
  return FreeLocked(address);
}

Error Engine::AllocateHost(int device, uint64_t bytes, void** host, uint64_t* device_address) {
  if (device < 0 || device >= device_count() || host == nullptr) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Allocation* allocation;
  Error error = memory_.Allocate(bytes, AllocationKind::kPinnedHost, device,
                                 Allocation::State::kLive, &allocation);
  if (error != Error::kOk) return error;
  *host = allocation->data;
  if (device_address) *device_address = allocation->base;
  return Error::kOk;
}

Error Engine::FreeHost(void* host) {
  std::lock_guard lock(mu_);
  Allocation* a = memory_.FindHost(host);
  if (a == nullptr || a->kind != AllocationKind::kPinnedHost || a->data != host)
    return Error::kInvalidValue;
  memory_.Release(a);
  return Error::kOk;
}

Error Engine::RegisterHost(int device, void* host, uint64_t bytes, uint64_t* device_address) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Allocation* allocation;
  Error error = memory_.Register(host, bytes, device, &allocation);
  if (error != Error::kOk) return error;
  if (device_address) *device_address = allocation->base;
  return Error::kOk;
}

Error Engine::UnregisterHost(void* host) {
  std::lock_guard lock(mu_);
  Allocation* a = memory_.FindHost(host);
  if (a == nullptr || a->kind != AllocationKind::kRegisteredHost || a->data != host)
    return Error::kInvalidValue;
  memory_.Release(a);
  return Error::kOk;
}

Error Engine::HostDeviceAddress(const void* host, uint64_t* device_address) {
  std::lock_guard lock(mu_);
  Allocation* a = memory_.FindHost(host);
  if (a == nullptr) return Error::kInvalidValue;
  *device_address = a->base + (static_cast<const uint8_t*>(host) - a->data);
  return Error::kOk;
}

Error Engine::GetAllocationInfo(uint64_t address, AllocationInfo* info) {
  std::lock_guard lock(mu_);
  Allocation* a = memory_.FindContaining(address);
  if (a == nullptr || a->state == Allocation::State::kFreed) return Error::kInvalidValue;
  *info = AllocationInfo{a->base, a->size, a->device, a->kind,
                         a->kind == AllocationKind::kPinnedHost ||
                                 a->kind == AllocationKind::kRegisteredHost
                             ? a->data
                             : nullptr};
  return Error::kOk;
}

Error Engine::SetDeviceMemoryLimit(int device, uint64_t bytes) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  devices_[device]->memory_limit = bytes;
  return Error::kOk;
}

Error Engine::GetMemoryUsage(int device, uint64_t* used, uint64_t* limit) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  if (used) *used = devices_[device]->memory_used;
  if (limit) *limit = devices_[device]->memory_limit;
  return Error::kOk;
}

Error Engine::ReadMemory(uint64_t address, void* out, uint64_t bytes) {
  if (bytes == 0) return Error::kOk;
  std::lock_guard lock(mu_);
  const uint8_t* source = memory_.Translate(address, bytes, nullptr);
  if (source == nullptr) return Error::kInvalidValue;
  std::memcpy(out, source, bytes);
  return Error::kOk;
}

Error Engine::WriteMemory(uint64_t address, const void* data, uint64_t bytes) {
  if (bytes == 0) return Error::kOk;
  std::lock_guard lock(mu_);
  uint8_t* target = memory_.Translate(address, bytes, nullptr);
  if (target == nullptr) return Error::kInvalidValue;
  std::memcpy(target, data, bytes);
  return Error::kOk;
}

// ---------------------------------------------------------------------------------------
// Streams

Error Engine::CreateStream(int device, StreamId* out) {
  if (device < 0 || device >= device_count() || out == nullptr) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  if (Error fault = DeviceErrorLocked(device); fault != Error::kOk) return fault;
  auto stream = std::make_unique<Stream>();
  Stream* raw = stream.get();
  raw->device = device;
  raw->ordinal = static_cast<uint32_t>(next_stream_ordinal_++);
  raw->handle = streams_.Insert(std::move(stream));
  *out = static_cast<StreamId>(raw->handle);
  return Error::kOk;
}

Error Engine::DestroyStream(StreamId id) {
  std::lock_guard lock(mu_);
  Stream* stream = LiveStreamLocked(id);
  if (stream == nullptr) return Error::kInvalidHandle;
  stream->destroyed = true;
  // A stream with queued work lives on until it drains (CompleteHeadLocked frees it).
  if (stream->queue.empty() && !stream->busy) streams_.Erase(stream->handle);
  return Error::kOk;
}

Error Engine::StreamDevice(StreamId id, int* device) {
  std::lock_guard lock(mu_);
  Stream* stream = LiveStreamLocked(id);
  if (stream == nullptr) return Error::kInvalidHandle;
  *device = stream->device;
  return Error::kOk;
}

void Engine::EnqueueLocked(Stream& stream, OpBody&& body) {
  bool was_empty = stream.queue.empty();
  stream.queue.push_back(Op{++stream.enqueued_seq, std::move(body)});
  ++pending_ops_;
  ++devices_[stream.device]->pending_ops;
  if (was_empty) {
    stream.active_index = static_cast<int>(active_.size());
    active_.push_back(&stream);
    OnBecameHeadLocked(stream);
  }
  if (!workers_.empty()) work_cv_.notify_one();
}

Error Engine::EnqueueMemset(StreamId id, const MemsetParams& params) {
  if (params.element_bytes != 1 && params.element_bytes != 2 && params.element_bytes != 4)
    return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, params);
  return Error::kOk;
}

Error Engine::EnqueueMemcpy(StreamId id, const MemcpyParams& params) {
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, params);
  return Error::kOk;
}

Error Engine::EnqueueKernel(StreamId id, const LaunchParams& params) {
  const KernelInfo* kernel = kernels_.Get(params.kernel);
  if (kernel == nullptr) return Error::kInvalidHandle;
  if (params.grid.volume() == 0 || params.block.volume() == 0) return Error::kInvalidValue;
  if (params.args == nullptr && !kernel->param_sizes.empty()) return Error::kInvalidValue;
  KernelOp op;
  op.kernel = kernel;
  op.grid = params.grid;
  op.block = params.block;
  op.shared_memory_bytes = params.shared_memory_bytes;
  op.args.Pack(*kernel, params.args);  // the caller's array dies when this call returns
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, std::move(op));
  return Error::kOk;
}

Error Engine::EnqueueHostFunction(StreamId id, HostFn fn, void* user_data) {
  if (fn == nullptr) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, HostFnOp{fn, user_data});
  return Error::kOk;
}

Error Engine::EnqueueWaitValue32(StreamId id, uint64_t address, uint32_t value,
                                 WaitCondition condition) {
  if (address % 4 != 0) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, WaitValueOp{address, value, condition});
  return Error::kOk;
}

Error Engine::EnqueueWriteValue32(StreamId id, uint64_t address, uint32_t value) {
  if (address % 4 != 0) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, WriteValueOp{address, value});
  return Error::kOk;
}

Error Engine::QueryStream(StreamId id) {
  std::lock_guard lock(mu_);
  Stream* stream = LiveStreamLocked(id);
  if (stream == nullptr) return Error::kInvalidHandle;
  if (Error fault = DeviceErrorLocked(stream->device); fault != Error::kOk) return fault;
  if (stream->fault != Error::kOk) return stream->fault;
  return stream->completed_seq == stream->enqueued_seq ? Error::kOk : Error::kNotReady;
}

Error Engine::SynchronizeStream(StreamId id) {
  std::unique_lock lock(mu_);
  Stream* stream = LiveStreamLocked(id);
  if (stream == nullptr) return Error::kInvalidHandle;
  uint64_t handle = stream->handle;
  StreamPoint point{handle, stream->enqueued_seq};
  Error error = WaitLocked(lock, [&] { return PointCompleteLocked(point); });
  if (error != Error::kOk) return error;
  stream = streams_.Find(handle);
  if (stream == nullptr) return Error::kOk;
  TrimPoolsLocked(stream->device);
  if (Error fault = DeviceErrorLocked(stream->device); fault != Error::kOk) return fault;
  return stream->fault;
}

Error Engine::SynchronizeDevice(int device) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::unique_lock lock(mu_);
  Device& d = *devices_[device];
  Error error = WaitLocked(lock, [&] { return d.pending_ops == 0; });
  if (error != Error::kOk) return error;
  TrimPoolsLocked(device);
  return d.fault;
}

// ---------------------------------------------------------------------------------------
// Events

Error Engine::CreateEvent(EventId* out) {
  if (out == nullptr) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  *out = static_cast<EventId>(events_.Insert(std::make_unique<Event>()));
  return Error::kOk;
}

Error Engine::DestroyEvent(EventId id) {
  std::lock_guard lock(mu_);
  return events_.Erase(Raw(id)) ? Error::kOk : Error::kInvalidHandle;
}

Error Engine::RecordEvent(EventId event_id, StreamId stream_id) {
  std::lock_guard lock(mu_);
  Event* event = LiveEventLocked(event_id);
  if (event == nullptr) return Error::kInvalidHandle;
  Stream* stream;
  if (Error error = CheckStreamLocked(stream_id, &stream); error != Error::kOk) return error;
  event->has_timestamp = false;
  ++event->record_serial;
  EnqueueLocked(*stream, EventRecordOp{Raw(event_id), event->record_serial});
  event->last_record = StreamPoint{stream->handle, stream->enqueued_seq};
  return Error::kOk;
}

Error Engine::StreamWaitEvent(StreamId stream_id, EventId event_id) {
  std::lock_guard lock(mu_);
  Event* event = LiveEventLocked(event_id);
  if (event == nullptr) return Error::kInvalidHandle;
  Stream* stream;
  if (Error error = CheckStreamLocked(stream_id, &stream); error != Error::kOk) return error;
  EnqueueLocked(*stream, EventWaitOp{event->last_record});
  return Error::kOk;
}

bool Engine::EventCompleteLocked(const Event& event) {
  return PointCompleteLocked(event.last_record);
}

Error Engine::QueryEvent(EventId id) {
  std::lock_guard lock(mu_);
  Event* event = LiveEventLocked(id);
  if (event == nullptr) return Error::kInvalidHandle;
  if (!EventCompleteLocked(*event)) return Error::kNotReady;
  if (Stream* stream = streams_.Find(event->last_record.stream))
    return DeviceErrorLocked(stream->device);
  return Error::kOk;
}

Error Engine::SynchronizeEvent(EventId id) {
  std::unique_lock lock(mu_);
  Event* event = LiveEventLocked(id);
  if (event == nullptr) return Error::kInvalidHandle;
  StreamPoint point = event->last_record;
  Error error = WaitLocked(lock, [&] { return PointCompleteLocked(point); });
  if (error != Error::kOk) return error;
  if (Stream* stream = streams_.Find(point.stream)) {
    TrimPoolsLocked(stream->device);
    return DeviceErrorLocked(stream->device);
  }
  return Error::kOk;
}

Error Engine::EventElapsedNs(EventId start_id, EventId end_id, uint64_t* nanoseconds) {
  std::lock_guard lock(mu_);
  Event* start = LiveEventLocked(start_id);
  Event* end = LiveEventLocked(end_id);
  if (start == nullptr || end == nullptr) return Error::kInvalidHandle;
  if (start->last_record.stream == 0 || end->last_record.stream == 0)
    return Error::kInvalidHandle;
  if (!start->has_timestamp || !end->has_timestamp) return Error::kNotReady;
  *nanoseconds = end->timestamp_ns >= start->timestamp_ns
                     ? end->timestamp_ns - start->timestamp_ns
                     : 0;
  return Error::kOk;
}

// ---------------------------------------------------------------------------------------
// Pools

Error Engine::DefaultPool(int device, PoolId* pool) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  *pool = static_cast<PoolId>(devices_[device]->default_pool);
  return Error::kOk;
}

Error Engine::CreatePool(int device, PoolId* out) {
  if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  auto pool = std::make_unique<Pool>();
  pool->device = device;
  *out = static_cast<PoolId>(pools_.Insert(std::move(pool)));
  return Error::kOk;
}

void Engine::ReleasePoolBytesLocked(Pool& pool, uint64_t bytes) {
  pool.reserved -= bytes;
  devices_[pool.device]->memory_used -= bytes;
}

Error Engine::DestroyPool(PoolId id) {
  std::lock_guard lock(mu_);
  Pool* pool = pools_.Find(Raw(id));
  if (pool == nullptr || pool->is_default) return Error::kInvalidHandle;
  // Bytes still in use stay charged to the device until those allocations are freed.
  ReleasePoolBytesLocked(*pool, pool->reserved - pool->used);
  pools_.Erase(Raw(id));
  return Error::kOk;
}

Error Engine::SetPoolReleaseThreshold(PoolId id, uint64_t bytes) {
  std::lock_guard lock(mu_);
  Pool* pool = pools_.Find(Raw(id));
  if (pool == nullptr) return Error::kInvalidHandle;
  pool->release_threshold = bytes;
  return Error::kOk;
}

Error Engine::TrimPool(PoolId id, uint64_t min_bytes_to_keep) {
  std::lock_guard lock(mu_);
  Pool* pool = pools_.Find(Raw(id));
  if (pool == nullptr) return Error::kInvalidHandle;
  uint64_t keep = std::max(pool->used, std::min(pool->reserved, min_bytes_to_keep));
  ReleasePoolBytesLocked(*pool, pool->reserved - keep);
  return Error::kOk;
}

void Engine::TrimPoolsLocked(int device) {
  pools_.ForEach([&](Pool& pool) {
    if (pool.device != device) return;
    uint64_t keep = pool.used + std::min(pool.reserved - pool.used, pool.release_threshold);
    ReleasePoolBytesLocked(pool, pool.reserved - keep);
  });
}

Error Engine::GetPoolUsage(PoolId id, uint64_t* used, uint64_t* reserved) {
  std::lock_guard lock(mu_);
  Pool* pool = pools_.Find(Raw(id));
  if (pool == nullptr) return Error::kInvalidHandle;
  if (used) *used = pool->used;
  if (reserved) *reserved = pool->reserved;
  return Error::kOk;
}

Error Engine::AllocAsync(StreamId stream_id, PoolId pool_id, uint64_t bytes, uint64_t* address) {
  if (bytes == 0 || address == nullptr) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(stream_id, &stream); error != Error::kOk) return error;
  Device& device = *devices_[stream->device];
  uint64_t pool_handle = pool_id == PoolId::kNull ? device.default_pool : Raw(pool_id);
  Pool* pool = pools_.Find(pool_handle);
  if (pool == nullptr) return Error::kInvalidHandle;
  if (pool->device != stream->device) return Error::kInvalidValue;
  uint64_t idle = pool->reserved - pool->used;
  if (bytes > idle) {
    uint64_t grow = bytes - idle;
    if (grow > device.memory_limit - std::min(device.memory_limit, device.memory_used))
      return Error::kOutOfMemory;
    device.memory_used += grow;
    pool->reserved += grow;
  }
  Allocation* allocation;
  Error error = memory_.Allocate(bytes, AllocationKind::kStreamOrdered, stream->device,
                                 Allocation::State::kPending, &allocation);
  if (error != Error::kOk) return error;
  allocation->pool = pool_handle;
  pool->used += bytes;
  *address = allocation->base;
  EnqueueLocked(*stream, AllocAsyncOp{allocation->base});
  return Error::kOk;
}

Error Engine::FreeAsync(StreamId stream_id, uint64_t address) {
  std::lock_guard lock(mu_);
  Stream* stream;
  if (Error error = CheckStreamLocked(stream_id, &stream); error != Error::kOk) return error;
  Allocation* a = memory_.FindByBase(address);
  if (a == nullptr || a->kind != AllocationKind::kStreamOrdered || a->free_enqueued ||
      a->state == Allocation::State::kFreed) {
    return Error::kInvalidValue;
  }
  a->free_enqueued = true;
  EnqueueLocked(*stream, FreeAsyncOp{address});
  return Error::kOk;
}

// ---------------------------------------------------------------------------------------
// Modules

Error Engine::LoadModule(const char* image, ModuleId* out, std::string* why) {
  auto module = std::make_unique<Module>();
  Error error = kernels_.LoadModuleImage(image, &module->names, &module->kernels, why);
  if (error != Error::kOk) return error;
  std::lock_guard lock(mu_);
  *out = static_cast<ModuleId>(modules_.Insert(std::move(module)));
  return Error::kOk;
}

Error Engine::UnloadModule(ModuleId id) {
  std::lock_guard lock(mu_);
  return modules_.Erase(Raw(id)) ? Error::kOk : Error::kInvalidHandle;
}

Error Engine::GetModuleFunction(ModuleId id, std::string_view name, KernelId* kernel) {
  std::lock_guard lock(mu_);
  Module* module = modules_.Find(Raw(id));
  if (module == nullptr) return Error::kInvalidHandle;
  for (size_t i = 0; i < module->names.size(); ++i) {
    if (module->names[i] == name) {
      *kernel = module->kernels[i];
      return Error::kOk;
    }
  }
  return Error::kNotFound;
}

// ---------------------------------------------------------------------------------------
// Graphs

Error Engine::CreateGraph(GraphId* out) {
  std::lock_guard lock(mu_);
  *out = static_cast<GraphId>(graphs_.Insert(std::make_unique<GraphTemplate>()));
  return Error::kOk;
}

Error Engine::DestroyGraph(GraphId id) {
  std::lock_guard lock(mu_);
  return graphs_.Erase(Raw(id)) ? Error::kOk : Error::kInvalidHandle;
}

namespace {

Error MakeKernelOp(const KernelRegistry& kernels, const LaunchParams& params, KernelOp* op) {
  const KernelInfo* kernel = kernels.Get(params.kernel);
  if (kernel == nullptr) return Error::kInvalidHandle;
  if (params.grid.volume() == 0 || params.block.volume() == 0) return Error::kInvalidValue;
  if (params.args == nullptr && !kernel->param_sizes.empty()) return Error::kInvalidValue;
  op->kernel = kernel;
  op->grid = params.grid;
  op->block = params.block;
  op->shared_memory_bytes = params.shared_memory_bytes;
  op->args.Pack(*kernel, params.args);
  return Error::kOk;
}

}  // namespace

Error Engine::AddGraphNode(GraphId id, const GraphNodeParams& params,
                           std::span<const uint32_t> dependencies, uint32_t* out) {
  GraphNode node;
  node.kind = params.kind;
  switch (params.kind) {
    case GraphNodeKind::kEmpty: break;
    case GraphNodeKind::kKernel:
      if (Error e = MakeKernelOp(kernels_, params.kernel, &node.kernel); e != Error::kOk)
        return e;
      break;
    case GraphNodeKind::kMemset:
      if (params.memset.element_bytes != 1 && params.memset.element_bytes != 2 &&
          params.memset.element_bytes != 4)
        return Error::kInvalidValue;
      node.memset = params.memset;
      break;
    case GraphNodeKind::kMemcpy: node.memcpy = params.memcpy; break;
    case GraphNodeKind::kHost:
      if (params.host_fn == nullptr) return Error::kInvalidValue;
      node.host = HostFnOp{params.host_fn, params.host_user_data};
      break;
    case GraphNodeKind::kEventRecord:
    case GraphNodeKind::kEventWait: node.event = Raw(params.event); break;
    case GraphNodeKind::kChildGraph: break;
  }
  std::lock_guard lock(mu_);
  GraphTemplate* graph = graphs_.Find(Raw(id));
  if (graph == nullptr) return Error::kInvalidHandle;
  if ((params.kind == GraphNodeKind::kEventRecord || params.kind == GraphNodeKind::kEventWait) &&
      LiveEventLocked(params.event) == nullptr) {
    return Error::kInvalidHandle;
  }
  if (params.kind == GraphNodeKind::kChildGraph) {
    GraphTemplate* child = graphs_.Find(Raw(params.child));
    if (child == nullptr || child == graph) return Error::kInvalidHandle;
    node.child = std::make_shared<const GraphTemplate>(*child);
  }
  for (uint32_t dependency : dependencies) {
    if (dependency >= graph->nodes.size()) return Error::kInvalidValue;
    if (std::find(node.dependencies.begin(), node.dependencies.end(), dependency) ==
        node.dependencies.end()) {
      node.dependencies.push_back(dependency);
    }
  }
  graph->nodes.push_back(std::move(node));
  if (out) *out = static_cast<uint32_t>(graph->nodes.size() - 1);
  return Error::kOk;
}

Error Engine::SetGraphKernelNodeParams(GraphId id, uint32_t node, const LaunchParams& params) {
  KernelOp op;
  if (Error e = MakeKernelOp(kernels_, params, &op); e != Error::kOk) return e;
  std::lock_guard lock(mu_);
  GraphTemplate* graph = graphs_.Find(Raw(id));
  if (graph == nullptr) return Error::kInvalidHandle;
  if (node >= graph->nodes.size() || graph->nodes[node].kind != GraphNodeKind::kKernel)
    return Error::kInvalidValue;
  graph->nodes[node].kernel = std::move(op);
  return Error::kOk;
}

Error Engine::GraphNodeCount(GraphId id, uint32_t* count) {
  std::lock_guard lock(mu_);
  GraphTemplate* graph = graphs_.Find(Raw(id));
  if (graph == nullptr) return Error::kInvalidHandle;
  *count = static_cast<uint32_t>(graph->nodes.size());
  return Error::kOk;
}

Error Engine::InstantiateGraph(GraphId id, GraphExecId* out) {
  std::lock_guard lock(mu_);
  GraphTemplate* graph = graphs_.Find(Raw(id));
  if (graph == nullptr) return Error::kInvalidHandle;
  auto exec = std::make_unique<ExecGraph>();
  exec->data = ::gpuhal::fake::InstantiateGraph(*graph);
  *out = static_cast<GraphExecId>(execs_.Insert(std::move(exec)));
  return Error::kOk;
}

Error Engine::DestroyGraphExec(GraphExecId id) {
  std::lock_guard lock(mu_);
  return execs_.Erase(Raw(id)) ? Error::kOk : Error::kInvalidHandle;
}

Error Engine::SetExecKernelNodeParams(GraphExecId id, uint32_t node, const LaunchParams& params) {
  KernelOp op;
  if (Error e = MakeKernelOp(kernels_, params, &op); e != Error::kOk) return e;
  std::lock_guard lock(mu_);
  ExecGraph* exec = execs_.Find(Raw(id));
  if (exec == nullptr) return Error::kInvalidHandle;
  if (node >= exec->data->exec_index_of_template_node.size()) return Error::kInvalidValue;
  uint32_t index = exec->data->exec_index_of_template_node[node];
  if (exec->data->nodes[index].node.kind != GraphNodeKind::kKernel) return Error::kInvalidValue;
  // Launches in flight share the old snapshot; copy it before writing.
  if (exec->data.use_count() > 1) exec->data = std::make_shared<ExecGraphData>(*exec->data);
  exec->data->nodes[index].node.kernel = std::move(op);
  return Error::kOk;
}

Error Engine::LaunchGraph(GraphExecId id, StreamId stream_id) {
  std::lock_guard lock(mu_);
  ExecGraph* exec = execs_.Find(Raw(id));
  if (exec == nullptr) return Error::kInvalidHandle;
  Stream* stream;
  if (Error error = CheckStreamLocked(stream_id, &stream); error != Error::kOk) return error;
  std::unique_ptr<GraphLaunch> launch = StartGraphLaunch(exec->data);
  launch->stream_seq = stream->enqueued_seq + 1;
  const ExecGraphData& data = *launch->data;
  // Event nodes act at launch time in stream order: waits capture the latest record now,
  // records make later waits wait for this launch.
  for (size_t i = 0; i < data.nodes.size(); ++i) {
    const GraphNode& node = data.nodes[i].node;
    if (node.kind == GraphNodeKind::kEventWait) {
      if (Event* event = events_.Find(node.event)) launch->wait_points[i] = event->last_record;
    }
  }
  for (const ExecNode& exec_node : data.nodes) {
    if (exec_node.node.kind != GraphNodeKind::kEventRecord) continue;
    if (Event* event = events_.Find(exec_node.node.event)) {
      event->has_timestamp = false;
      ++event->record_serial;
      event->last_record = StreamPoint{stream->handle, launch->stream_seq};
    }
  }
  EnqueueLocked(*stream, GraphLaunchOp{std::move(launch)});
  return Error::kOk;
}

// ---------------------------------------------------------------------------------------
// Collectives

Error Engine::CreateComm(std::span<const int> devices, CommId* out) {
  if (devices.empty() || out == nullptr) return Error::kInvalidValue;
  for (int device : devices)
    if (device < 0 || device >= device_count()) return Error::kInvalidValue;
  auto comm = std::make_shared<Comm>();
  comm->devices.assign(devices.begin(), devices.end());
  size_t ranks = devices.size();
  comm->next_collective.assign(ranks, 0);
  comm->next_p2p.assign(ranks * ranks, 0);
  comm->next_p2p_recv.assign(ranks * ranks, 0);
  std::lock_guard lock(mu_);
  *out = static_cast<CommId>(comms_.Insert(std::make_unique<CommRef>(CommRef{std::move(comm)})));
  return Error::kOk;
}

Error Engine::DestroyComm(CommId id) {
  std::lock_guard lock(mu_);
  CommRef* ref = comms_.Find(Raw(id));
  if (ref == nullptr) return Error::kInvalidHandle;
  // Instances not every rank joined can never run; dropping them breaks the
  // instance -> communicator reference cycle.
  ref->comm->open_collectives.clear();
  ref->comm->open_p2p.clear();
  comms_.Erase(Raw(id));
  return Error::kOk;
}

Error Engine::CommRankCount(CommId id, int* ranks) {
  std::lock_guard lock(mu_);
  CommRef* ref = comms_.Find(Raw(id));
  if (ref == nullptr) return Error::kInvalidHandle;
  *ranks = ref->comm->rank_count();
  return Error::kOk;
}

Error Engine::AbortComm(CommId id) {
  {
    std::lock_guard lock(mu_);
    CommRef* ref = comms_.Find(Raw(id));
    if (ref == nullptr) return Error::kInvalidHandle;
    ref->comm->aborted = true;
    if (ref->comm->async_error == Error::kOk) {
      ref->comm->async_error = Error::kAborted;
      ref->comm->async_error_message = "communicator aborted";
    }
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  return Error::kOk;
}

Error Engine::CommAsyncError(CommId id, std::string* message) {
  std::lock_guard lock(mu_);
  CommRef* ref = comms_.Find(Raw(id));
  if (ref == nullptr) return Error::kInvalidHandle;
  if (message) *message = ref->comm->async_error_message;
  return ref->comm->async_error;
}

void Engine::GroupStart() {
  if (t_group.depth++ == 0) t_group.engine = this;
}

void Engine::AbandonGroup() {
  if (t_group.depth == 0 || --t_group.depth > 0) return;
  std::vector<PendingGroup::Item> items = std::move(t_group.items);
  t_group.items.clear();
  t_group.engine = nullptr;
  {
    std::lock_guard lock(mu_);
    CollectiveBatch batch;
    for (const PendingGroup::Item& item : items) batch.parts.emplace_back(item.instance, item.slot);
    FailCollectiveLocked(batch, Error::kCollectiveFailed,
                         "a participating rank's group of collectives failed to end");
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
}

Error Engine::GroupEnd() {
  if (t_group.depth == 0) return Error::kInvalidValue;
  if (--t_group.depth > 0) return Error::kOk;
  std::vector<PendingGroup::Item> items = std::move(t_group.items);
  t_group.items.clear();
  t_group.engine = nullptr;
  std::lock_guard lock(mu_);
  Error result = Error::kOk;
  // One stream operation per stream, in order of each stream's first call.
  std::vector<bool> taken(items.size(), false);
  for (size_t i = 0; i < items.size(); ++i) {
    if (taken[i]) continue;
    auto batch = std::make_unique<CollectiveBatch>();
    for (size_t j = i; j < items.size(); ++j) {
      if (taken[j] || items[j].stream != items[i].stream) continue;
      taken[j] = true;
      batch->parts.emplace_back(items[j].instance, items[j].slot);
    }
    Stream* stream;
    Error error = CheckStreamLocked(items[i].stream, &stream);
    if (error != Error::kOk) {
      FailCollectiveLocked(*batch, error, "stream of a grouped collective is unusable");
      if (result == Error::kOk) result = error;
      continue;
    }
    EnqueueLocked(*stream, CollectiveOp{std::move(batch)});
  }
  return result;
}

Error Engine::EnqueueCollective(CommId comm_id, int rank, const CollectiveArgs& args, int peer,
                                StreamId stream_id) {
  std::lock_guard lock(mu_);
  CommRef* ref = comms_.Find(Raw(comm_id));
  if (ref == nullptr) return Error::kInvalidHandle;
  std::shared_ptr<Comm> comm = ref->comm;
  if (comm->aborted) return Error::kAborted;
  int ranks = comm->rank_count();
  if (rank < 0 || rank >= ranks) return Error::kInvalidValue;
  Stream* stream;
  if (Error error = CheckStreamLocked(stream_id, &stream); error != Error::kOk) return error;
  if (stream->device != comm->devices[rank]) return Error::kInvalidValue;
  if (t_group.depth > 0 && t_group.engine != this) return Error::kInvalidValue;

  std::shared_ptr<CollectiveInstance> instance;
  int slot;
  int participants;
  if (args.kind == CollectiveKind::kSendRecv) {
    if (peer < 0 || peer >= ranks || peer == rank) return Error::kInvalidValue;
    bool sending = args.send != 0 || args.recv == 0;
    int sender = sending ? rank : peer;
    int receiver = sending ? peer : rank;
    uint64_t& counter = sending ? comm->next_p2p[sender * ranks + receiver]
                                : comm->next_p2p_recv[sender * ranks + receiver];
    auto key = std::make_tuple(sender, receiver, counter++);
    slot = sending ? 0 : 1;
    participants = 2;
    auto it = comm->open_p2p.find(key);
    if (it == comm->open_p2p.end()) {
      it = comm->open_p2p.emplace(key, std::make_shared<CollectiveInstance>()).first;
    }
    instance = it->second;
    if (instance->joined.empty()) {
      instance->devices = {comm->devices[sender], comm->devices[receiver]};
    }
    if (instance->joined_count + 1 == participants) comm->open_p2p.erase(it);
  } else {
    participants = ranks;
    slot = rank;
    uint64_t sequence = comm->next_collective[rank]++;
    auto it = comm->open_collectives.find(sequence);
    if (it == comm->open_collectives.end()) {
      it = comm->open_collectives.emplace(sequence, std::make_shared<CollectiveInstance>()).first;
    }
    instance = it->second;
    if (instance->joined.empty()) instance->devices = comm->devices;
    if (instance->joined_count + 1 == participants) comm->open_collectives.erase(it);
  }
  if (instance->joined.empty()) {
    instance->comm = comm;
    instance->kind = args.kind;
    instance->args.resize(participants);
    instance->joined.assign(participants, false);
  }
  if (instance->kind != args.kind && instance->error == Error::kOk) {
    instance->error = Error::kCollectiveMismatch;
    instance->error_message = "ranks called different collectives";
  }
  instance->args[slot] = args;
  instance->joined[slot] = true;
  ++instance->joined_count;

  if (t_group.depth > 0) {
    t_group.items.push_back({stream_id, std::move(instance), slot});
    return Error::kOk;
  }
  auto batch = std::make_unique<CollectiveBatch>();
  batch->parts.emplace_back(std::move(instance), slot);
  EnqueueLocked(*stream, CollectiveOp{std::move(batch)});
  return Error::kOk;
}

Error Engine::AllReduce(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t count,
                        DataType type, ReduceOp op, StreamId stream) {
  return EnqueueCollective(comm, rank,
                           {CollectiveKind::kAllReduce, send, recv, count, type, op, 0}, -1,
                           stream);
}

Error Engine::AllGather(CommId comm, int rank, uint64_t send, uint64_t recv,
                        uint64_t send_count, DataType type, StreamId stream) {
  return EnqueueCollective(
      comm, rank, {CollectiveKind::kAllGather, send, recv, send_count, type, ReduceOp::kSum, 0},
      -1, stream);
}

Error Engine::ReduceScatter(CommId comm, int rank, uint64_t send, uint64_t recv,
                            uint64_t recv_count, DataType type, ReduceOp op, StreamId stream) {
  return EnqueueCollective(
      comm, rank, {CollectiveKind::kReduceScatter, send, recv, recv_count, type, op, 0}, -1,
      stream);
}

Error Engine::Reduce(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t count,
                     DataType type, ReduceOp op, int root, StreamId stream) {
  return EnqueueCollective(comm, rank,
                           {CollectiveKind::kReduce, send, recv, count, type, op, root}, -1,
                           stream);
}

Error Engine::Broadcast(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t count,
                        DataType type, int root, StreamId stream) {
  return EnqueueCollective(
      comm, rank, {CollectiveKind::kBroadcast, send, recv, count, type, ReduceOp::kSum, root}, -1,
      stream);
}

Error Engine::Send(CommId comm, int rank, uint64_t send, uint64_t count, DataType type,
                   int peer, StreamId stream) {
  if (send == 0) return Error::kInvalidValue;
  return EnqueueCollective(
      comm, rank, {CollectiveKind::kSendRecv, send, 0, count, type, ReduceOp::kSum, 0}, peer,
      stream);
}

Error Engine::Recv(CommId comm, int rank, uint64_t recv, uint64_t count, DataType type,
                   int peer, StreamId stream) {
  if (recv == 0) return Error::kInvalidValue;
  return EnqueueCollective(
      comm, rank, {CollectiveKind::kSendRecv, 0, recv, count, type, ReduceOp::kSum, 0}, peer,
      stream);
}

// ---------------------------------------------------------------------------------------
// Traces

std::string Engine::ChromeTraceJson() {
  std::lock_guard lock(mu_);
  const std::string metadata = StrCat(
      "\"seed\":", options_.seed, ",\"schedule\":\"",
      options_.mode == SchedulingMode::kDeterministic ? "deterministic" : "threaded",
      "\",\"devices\":", options_.device_count);
  return trace_.ToChromeJson(device_count(), metadata);
}

void Engine::SetTraceEnabled(bool enabled) {
  std::lock_guard lock(mu_);
  trace_.set_enabled(enabled);
}

bool Engine::trace_enabled() {
  std::lock_guard lock(mu_);
  return trace_.enabled();
}

bool Engine::WriteTraceFile(const std::string& path, std::string* why) {
  const std::string json = ChromeTraceJson();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    if (why) *why = std::strerror(errno);
    return false;
  }
  const bool written = std::fwrite(json.data(), 1, json.size(), file) == json.size();
  const int write_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    if (why) *why = std::strerror(written ? errno : write_errno);
    return false;
  }
  return true;
}

void Engine::ClearTrace() {
  std::lock_guard lock(mu_);
  trace_.Clear();
}

void Engine::SetHostFunctionCost(uint64_t virtual_ns, uint64_t real_ns) {
  std::lock_guard lock(mu_);
  host_fn_virtual_ns_ = virtual_ns;
  host_fn_real_ns_ = real_ns;
}

}  // namespace gpuhal::fake
