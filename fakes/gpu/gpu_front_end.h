// The CUDA driver API and the HIP runtime API over one simulated GPU engine, written once
// for both, as CollectiveFrontEnd<Vendor> (fakes/nccl/collective_front_end.h) is for NCCL
// and RCCL. CudaFrontEnd and HipFrontEnd derive from GpuFrontEnd<Traits> and give each
// vendor function its member of the vendor's name and exact signature (which the symbol
// tables' trampolines need, fakes/gpu/slot_binding.h); those members forward here, and
// keep only what really differs between the vendors: CUDA's primary contexts and
// hipSetDevice, device attributes, the vendors' structs for graph copies and kernel
// nodes, and error texts.
//
// Every call translates one for one to engine calls and maps engine errors to the
// vendor's codes. The trampoline first runs Preamble: injected faults (by vendor name),
// then the vendor's refusal of a call made inside a host function.
//
// `Traits` supplies the vendor's types, codes and constants:
//   using Result;  // CUresult, hipError_t
//   using Stream, Event, Pool, Module, Function, Graph, GraphNode, GraphExec;  // the
//                  // vendor's handle structs, made of fakes/gpu/gpu_handles.h
//   using DevicePtr;                               // CUdeviceptr, void*
//   using PoolAttribute;                           // CUmemPool_attribute, hipMemPoolAttr
//   static uint64_t Address(DevicePtr);  static DevicePtr Pointer(uint64_t);
//   static bool IsDefaultStream(const Stream*);    // NULL and the vendor's special streams
//   static Result FromEngine(Error);               // ToCudaResult, ToHipError
//   static constexpr const std::string_view* kSymbolNames;  // the symbol list, in order
//   static constexpr int kDefaultDevice;  // a thread's device before it binds one: -1 for
//                                         // none (CUDA: no current context), 0 (HIP)
//   static constexpr int kVersion;  static constexpr const char* kShape;  // "CUDA"
//   static constexpr unsigned kStreamFlags, kEventFlags, kHostAllocFlags, kWriteValueFlags;
//   static constexpr unsigned long long kGraphInstantiateFlags;  // the flags accepted
//   static constexpr unsigned kWaitConditionMask, kWaitEq, kWaitAnd, kWaitNor;
//   static constexpr <allocation type> kPinnedAllocation;  <location type> kDeviceLocation;
//   static constexpr PoolAttribute kPoolReleaseThreshold, kPoolAttributesWithoutEffect[];
//   static constexpr Result kSuccess, kInvalidValue, kInvalidHandle, kInvalidDevice,
//     kNotInitialized, kDeinitialized, kNotPermitted, kNotSupported,
//     kInvalidImage, kHostMemoryAlreadyRegistered, kHostMemoryNotRegistered,
//     kInvalidLaunchFunction (a launch's function), kInvalidNodeFunction (a kernel node's),
//     and kNoCurrentDevice where kDefaultDevice is -1.
//
// The NULL stream is one engine stream per device, made on first use, with no implicit
// synchronization with other streams: gpuhal creates every stream non-blocking, which the
// real drivers do not synchronize with the NULL stream either.
#ifndef GPUHAL_FAKES_GPU_GPU_FRONT_END_H_
#define GPUHAL_FAKES_GPU_GPU_FRONT_END_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/gpu/fake_module_image.h"
#include "fakes/gpu/owned_handles.h"
#include "fakes/gpu/slot_binding.h"
#include "fakes/engine/engine.h"
#include "fakes/gpu/gpu_handles.h"

namespace gpuhal::fake {

// A kernel node's parameters, read from the vendor's struct.
template <typename Function>
struct KernelNodeArgs {
  Function* function = nullptr;
  Dim3 grid;
  Dim3 block;
  uint32_t shared_memory_bytes = 0;
  void** args = nullptr;
  bool packed = false;  // packed arguments (`extra`, or CUDA's `kern`): not simulated
};

template <typename Traits>
class GpuFrontEnd {
 public:
  using ErrorCode = typename Traits::Result;
  static constexpr ErrorCode kUnbound = Traits::kDeinitialized;

  // `slot` keys the per-thread current device; `engine` must outlive this.
  GpuFrontEnd(Engine& engine, int slot)
      : engine_(engine), slot_(slot), serial_(next_serial_.fetch_add(1)) {
    null_streams_.assign(engine_.device_count(), StreamId::kNull);
    for (int device = 0; device < engine_.device_count(); ++device) {
      auto pool = std::make_unique<Pool>();
      pool->owner = this;
      pool->device = device;
      pool->is_default = true;
      engine_.DefaultPool(device, &pool->id);
      default_pools_.push_back(std::move(pool));
    }
  }
  GpuFrontEnd(const GpuFrontEnd&) = delete;
  GpuFrontEnd& operator=(const GpuFrontEnd&) = delete;

  Engine& engine() { return engine_; }

  ErrorCode Preamble(size_t symbol_index) {
    FaultInjector& injector = engine_.fault_injector();
    if (!injector.empty()) {
      if (std::optional<int> code = injector.Check(Traits::kSymbolNames[symbol_index]))
        return static_cast<ErrorCode>(*code);
    }
    if (InsideHostFunction()) return Traits::kNotPermitted;
    return Traits::kSuccess;
  }

  // For the collectives front end: the engine stream of `stream` (NULL: the device's NULL
  // stream), which must run on `device`.
  Error ResolveStreamOnDevice(typename Traits::Stream* stream, int device, StreamId* id) {
    if (!Traits::IsDefaultStream(stream)) {
      if (!streams_.Contains(stream)) return Error::kInvalidHandle;
      if (stream->device != device) return Error::kInvalidValue;
      *id = stream->id;
      return Error::kOk;
    }
    if (device < 0 || device >= engine_.device_count()) return Error::kInvalidValue;
    std::lock_guard lock(null_stream_mu_);
    if (null_streams_[device] == StreamId::kNull) {
      if (Error error = engine_.CreateStream(device, &null_streams_[device]); error != Error::kOk)
        return error;
    }
    *id = null_streams_[device];
    return Error::kOk;
  }

  // For the collectives front end: the calling thread's current device (0 when it has
  // none, as the CUDA runtime's cudaGetDevice reports).
  Error CollectiveDevice(int* device) {
    const int bound = BoundDevice();
    *device = bound < 0 ? 0 : bound;
    return Error::kOk;
  }

 protected:
  using Result = ErrorCode;
  using Stream = typename Traits::Stream;
  using Event = typename Traits::Event;
  using Pool = typename Traits::Pool;
  using Module = typename Traits::Module;
  using Function = typename Traits::Function;
  using Graph = typename Traits::Graph;
  using GraphNode = typename Traits::GraphNode;
  using GraphExec = typename Traits::GraphExec;
  using DevicePtr = typename Traits::DevicePtr;
  using KernelNode = std::optional<KernelNodeArgs<Function>>;
  static constexpr Result kSuccess = Traits::kSuccess;
  static constexpr Result kInvalidValue = Traits::kInvalidValue;

  ~GpuFrontEnd() = default;

  static MemoryRef DeviceRef(DevicePtr pointer) {
    return MemoryRef::Device(Traits::Address(pointer));
  }

  Result FromEngine(Error error) const { return Traits::FromEngine(error); }

  Result CheckInitialized() const {
    return initialized_.load(std::memory_order_acquire) ? kSuccess : Traits::kNotInitialized;
  }

  Result CheckDevice(int device) const {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    return device >= 0 && device < engine_.device_count() ? kSuccess : Traits::kInvalidDevice;
  }

  // The calling thread's current device of this front end: what it last bound, else
  // Traits::kDefaultDevice. The serial tells a binding made for an earlier front end in
  // the same slot from one made for this one.
  int BoundDevice() const {
    const DeviceBinding& binding = t_bindings_[slot_];
    return binding.serial == serial_ ? binding.device : Traits::kDefaultDevice;
  }
  // Binds per thread (-1: none). One binding per slot, so that fake platforms in one
  // process do not share a current device.
  void BindDevice(int device) { t_bindings_[slot_] = DeviceBinding{serial_, device}; }

  // The current device, failing with its sticky fault like the real drivers.
  Result CurrentDevice(int* device) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    const int bound = BoundDevice();
    if constexpr (Traits::kDefaultDevice < 0) {
      if (bound < 0) return Traits::kNoCurrentDevice;
    }
    *device = bound;
    return FromEngine(engine_.DeviceFault(bound));
  }

  Result ResolveStream(Stream* stream, StreamId* id) {
    *id = StreamId::kNull;
    if (Traits::IsDefaultStream(stream)) {
      int device;
      if (Result result = CurrentDevice(&device); result != kSuccess) return result;
      return FromEngine(ResolveStreamOnDevice(nullptr, device, id));
    }
    if (!streams_.Contains(stream)) return Traits::kInvalidHandle;
    *id = stream->id;
    return kSuccess;
  }

  // ---- Initialization and devices ----

  Result Init(unsigned int flags) {
    if (flags != 0) return kInvalidValue;
    initialized_.store(true, std::memory_order_release);
    return kSuccess;
  }

  Result DriverGetVersion(int* version) {
    if (version == nullptr) return kInvalidValue;
    *version = Traits::kVersion;
    return kSuccess;
  }

  Result GetDeviceCount(int* count) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    if (count == nullptr) return kInvalidValue;
    *count = engine_.device_count();
    return kSuccess;
  }

  Result DeviceGet(int* device, int ordinal) {
    if (device == nullptr) return kInvalidValue;
    if (Result result = CheckDevice(ordinal); result != kSuccess) return result;
    *device = ordinal;
    return kSuccess;
  }

  Result DeviceGetName(char* name, int len, int device) {
    if (Result result = CheckDevice(device); result != kSuccess) return result;
    if (name == nullptr || len <= 0) return kInvalidValue;
    std::snprintf(name, static_cast<size_t>(len), "gpuhal simulated GPU %d (%s-shaped)", device,
                  Traits::kShape);
    return kSuccess;
  }

  // `value`: the attribute's value on `device`; none for an attribute the vendor lacks.
  Result DeviceGetAttribute(int* pi, std::optional<int> value, int device) {
    if (Result result = CheckDevice(device); result != kSuccess) return result;
    if (pi == nullptr || !value) return kInvalidValue;
    *pi = *value;
    return kSuccess;
  }

  Result DeviceTotalMem(size_t* bytes, int device) {
    if (Result result = CheckDevice(device); result != kSuccess) return result;
    if (bytes == nullptr) return kInvalidValue;
    uint64_t limit = 0;
    if (Result result = FromEngine(engine_.GetMemoryUsage(device, nullptr, &limit));
        result != kSuccess) {
      return result;
    }
    *bytes = static_cast<size_t>(limit);
    return kSuccess;
  }

  // ---- Streams ----

  Result StreamCreate(Stream** stream, unsigned int flags) {
    if (stream == nullptr || (flags & ~Traits::kStreamFlags) != 0) return kInvalidValue;
    int device;
    if (Result result = CurrentDevice(&device); result != kSuccess) return result;
    auto handle = std::make_unique<Stream>();
    handle->owner = this;
    handle->device = device;
    if (Result result = FromEngine(engine_.CreateStream(device, &handle->id));
        result != kSuccess) {
      return result;
    }
    *stream = streams_.Add(std::move(handle));
    return kSuccess;
  }

  Result StreamDestroy(Stream* stream) {
    std::unique_ptr<Stream> handle = streams_.Remove(stream);
    if (handle == nullptr) return Traits::kInvalidHandle;
    return FromEngine(engine_.DestroyStream(handle->id));
  }

  Result StreamSynchronize(Stream* stream) {
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.SynchronizeStream(id));
  }

  Result StreamQuery(Stream* stream) {
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.QueryStream(id));
  }

  Result StreamWaitEvent(Stream* stream, Event* event, unsigned int flags) {
    if (!events_.Contains(event)) return Traits::kInvalidHandle;
    if (flags != 0) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.StreamWaitEvent(id, event->id));
  }

  Result StreamWaitValue32(Stream* stream, DevicePtr address, uint32_t value,
                           unsigned int flags) {
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.EnqueueWaitValue32(id, Traits::Address(address), value,
                                                 ToWaitCondition(flags)));
  }

  Result StreamWriteValue32(Stream* stream, DevicePtr address, uint32_t value,
                            unsigned int flags) {
    if ((flags & ~Traits::kWriteValueFlags) != 0) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.EnqueueWriteValue32(id, Traits::Address(address), value));
  }

  // ---- Events ----

  Result EventCreate(Event** event, unsigned int flags) {
    if (event == nullptr || (flags & ~Traits::kEventFlags) != 0) return kInvalidValue;
    int device;
    if (Result result = CurrentDevice(&device); result != kSuccess) return result;
    auto handle = std::make_unique<Event>();
    handle->owner = this;
    if (Result result = FromEngine(engine_.CreateEvent(&handle->id)); result != kSuccess)
      return result;
    *event = events_.Add(std::move(handle));
    return kSuccess;
  }

  Result EventDestroy(Event* event) {
    std::unique_ptr<Event> handle = events_.Remove(event);
    if (handle == nullptr) return Traits::kInvalidHandle;
    return FromEngine(engine_.DestroyEvent(handle->id));
  }

  Result EventRecord(Event* event, Stream* stream) {
    if (!events_.Contains(event)) return Traits::kInvalidHandle;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.RecordEvent(event->id, id));
  }

  Result EventQuery(Event* event) {
    if (!events_.Contains(event)) return Traits::kInvalidHandle;
    return FromEngine(engine_.QueryEvent(event->id));
  }

  Result EventSynchronize(Event* event) {
    if (!events_.Contains(event)) return Traits::kInvalidHandle;
    return FromEngine(engine_.SynchronizeEvent(event->id));
  }

  // ---- Device and host memory ----

  Result MemAlloc(DevicePtr* pointer, size_t bytes) {
    if (pointer == nullptr || bytes == 0) return kInvalidValue;
    int device;
    if (Result result = CurrentDevice(&device); result != kSuccess) return result;
    uint64_t address = 0;
    if (Result result = FromEngine(engine_.Allocate(device, bytes, &address)); result != kSuccess)
      return result;
    *pointer = Traits::Pointer(address);
    return kSuccess;
  }

  Result MemFree(DevicePtr pointer) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    if (Traits::Address(pointer) == 0) return kSuccess;
    return FromEngine(engine_.Free(Traits::Address(pointer)));
  }

  Result HostAlloc(void** pointer, size_t bytes, unsigned int flags) {
    if (pointer == nullptr || bytes == 0 || (flags & ~Traits::kHostAllocFlags) != 0)
      return kInvalidValue;
    int device;
    if (Result result = CurrentDevice(&device); result != kSuccess) return result;
    return FromEngine(engine_.AllocateHost(device, bytes, pointer, nullptr));
  }

  Result HostFree(void* pointer) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    return FromEngine(engine_.FreeHost(pointer));
  }

  Result HostRegister(void* pointer, size_t bytes) {
    if (pointer == nullptr || bytes == 0) return kInvalidValue;
    int device;
    if (Result result = CurrentDevice(&device); result != kSuccess) return result;
    Error error = engine_.RegisterHost(device, pointer, bytes, nullptr);
    return error == Error::kInvalidValue ? Traits::kHostMemoryAlreadyRegistered
                                         : FromEngine(error);
  }

  Result HostUnregister(void* pointer) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    Error error = engine_.UnregisterHost(pointer);
    return error == Error::kInvalidValue ? Traits::kHostMemoryNotRegistered : FromEngine(error);
  }

  Result HostGetDevicePointer(DevicePtr* device_pointer, void* pointer, unsigned int flags) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    if (device_pointer == nullptr || pointer == nullptr || flags != 0) return kInvalidValue;
    uint64_t address = 0;
    if (Result result = FromEngine(engine_.HostDeviceAddress(pointer, &address));
        result != kSuccess) {
      return result;
    }
    *device_pointer = Traits::Pointer(address);
    return kSuccess;
  }

  // ---- Stream-ordered memory pools ----

  template <typename PoolProps>
  Result MemPoolCreate(Pool** pool, const PoolProps* props) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    if (pool == nullptr || props == nullptr || props->allocType != Traits::kPinnedAllocation ||
        props->location.type != Traits::kDeviceLocation) {
      return kInvalidValue;
    }
    int device = props->location.id;
    if (device < 0 || device >= engine_.device_count()) return Traits::kInvalidDevice;
    auto handle = std::make_unique<Pool>();
    handle->owner = this;
    handle->device = device;
    if (Result result = FromEngine(engine_.CreatePool(device, &handle->id)); result != kSuccess)
      return result;
    *pool = pools_.Add(std::move(handle));
    return kSuccess;
  }

  Result MemPoolDestroy(Pool* pool) {
    std::unique_ptr<Pool> handle = pools_.Remove(pool);
    if (handle == nullptr) return kInvalidValue;  // also for a default pool
    return FromEngine(engine_.DestroyPool(handle->id));
  }

  Result MemPoolSetAttribute(Pool* pool, typename Traits::PoolAttribute attribute, void* value) {
    Pool* handle = FindPool(pool);
    if (handle == nullptr || value == nullptr) return kInvalidValue;
    if (attribute == Traits::kPoolReleaseThreshold) {
      return FromEngine(
          engine_.SetPoolReleaseThreshold(handle->id, *static_cast<const uint64_t*>(value)));
    }
    // Reuse policies only widen which freed blocks an allocation may take; the engine
    // never reuses addresses, so they change nothing observable.
    for (auto without_effect : Traits::kPoolAttributesWithoutEffect)
      if (attribute == without_effect) return kSuccess;
    return kInvalidValue;
  }

  Result MemPoolTrimTo(Pool* pool, size_t bytes_to_keep) {
    Pool* handle = FindPool(pool);
    if (handle == nullptr) return kInvalidValue;
    return FromEngine(engine_.TrimPool(handle->id, bytes_to_keep));
  }

  Result DeviceGetDefaultMemPool(Pool** pool, int device) {
    if (Result result = CheckDevice(device); result != kSuccess) return result;
    if (pool == nullptr) return kInvalidValue;
    *pool = default_pools_[device].get();
    return kSuccess;
  }

  Result MemAllocFromPoolAsync(DevicePtr* pointer, size_t bytes, Pool* pool, Stream* stream) {
    Pool* handle = FindPool(pool);
    if (pointer == nullptr || handle == nullptr || bytes == 0) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    uint64_t address = 0;
    if (Result result = FromEngine(engine_.AllocAsync(id, handle->id, bytes, &address));
        result != kSuccess) {
      return result;
    }
    *pointer = Traits::Pointer(address);
    return kSuccess;
  }

  Result MemFreeAsync(DevicePtr pointer, Stream* stream) {
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.FreeAsync(id, Traits::Address(pointer)));
  }

  // ---- Fills and copies ----
  // The synchronous forms (a null stream, `synchronous`) run on the current device's NULL
  // stream and wait for it, so they are ordered after earlier NULL-stream work and return
  // when done.

  Result Memset(DevicePtr pointer, uint32_t value, uint8_t element_bytes, size_t count,
                Stream* stream, bool synchronous) {
    const uint64_t dst = Traits::Address(pointer);
    if (dst % element_bytes != 0) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    if (count == 0) return kSuccess;
    MemsetParams params{dst, value, element_bytes, count};
    if (Result result = FromEngine(engine_.EnqueueMemset(id, params)); result != kSuccess)
      return result;
    return synchronous ? FromEngine(engine_.SynchronizeStream(id)) : kSuccess;
  }

  Result Memcpy(const MemcpyParams& params, Stream* stream, bool synchronous) {
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    if (params.bytes == 0) return kSuccess;
    if ((params.dst.is_host() ? params.dst.host == nullptr : params.dst.device_address == 0) ||
        (params.src.is_host() ? params.src.host == nullptr : params.src.device_address == 0)) {
      return kInvalidValue;
    }
    if (Result result = FromEngine(engine_.EnqueueMemcpy(id, params)); result != kSuccess)
      return result;
    return synchronous ? FromEngine(engine_.SynchronizeStream(id)) : kSuccess;
  }

  // ---- Modules and launches ----

  // Of the JIT options, only the error log is read: it receives why a load failed,
  // NUL-terminated, as the vendors' loaders write it.
  Result ModuleLoad(Module** module, const void* image,
                    std::span<const typename Traits::JitOption> options = {},
                    void* const* option_values = nullptr) {
    if (module == nullptr || image == nullptr) return kInvalidValue;
    char* error_log = nullptr;
    size_t error_log_bytes = 0;
    for (size_t i = 0; option_values != nullptr && i < options.size(); ++i) {
      if (options[i] == Traits::kJitErrorLog) error_log = static_cast<char*>(option_values[i]);
      if (options[i] == Traits::kJitErrorLogBytes)
        error_log_bytes = reinterpret_cast<uintptr_t>(option_values[i]);
    }
    int device;
    if (Result result = CurrentDevice(&device); result != kSuccess) return result;
    std::string fake_image = ToFakeModuleImage(static_cast<const char*>(image));
    auto handle = std::make_unique<Module>();
    handle->owner = this;
    std::string why;
    Error error = engine_.LoadModule(fake_image.c_str(), &handle->id, &why);
    if (error != Error::kOk && error_log != nullptr && error_log_bytes > 0) {
      const size_t length = std::min(why.size(), error_log_bytes - 1);
      std::memcpy(error_log, why.data(), length);
      error_log[length] = '\0';
    }
    // A module that names a kernel nobody registered could not be linked: the vendors'
    // nearest report is an image they cannot use.
    if (error == Error::kNotFound) return Traits::kInvalidImage;
    if (error != Error::kOk) return FromEngine(error);
    *module = modules_.Add(std::move(handle));
    return kSuccess;
  }

  Result ModuleGetFunction(Function** function, Module* module, const char* name) {
    if (!modules_.Contains(module)) return Traits::kInvalidHandle;
    if (function == nullptr || name == nullptr) return kInvalidValue;
    std::lock_guard lock(module->mu);
    if (auto it = module->functions.find(name); it != module->functions.end()) {
      *function = it->second;
      return kSuccess;
    }
    auto handle = std::make_unique<Function>();
    handle->owner = this;
    if (Result result = FromEngine(engine_.GetModuleFunction(module->id, name, &handle->kernel));
        result != kSuccess) {
      return result;
    }
    Function* raw = functions_.Add(std::move(handle));
    module->functions.emplace(name, raw);
    *function = raw;
    return kSuccess;
  }

  Result ModuleUnload(Module* module) {
    std::unique_ptr<Module> handle = modules_.Remove(module);
    if (handle == nullptr) return Traits::kInvalidHandle;
    for (auto& [name, function] : handle->functions) functions_.Remove(function);
    return FromEngine(engine_.UnloadModule(handle->id));
  }

  Result LaunchKernel(Function* function, Dim3 grid, Dim3 block, unsigned int shared_memory_bytes,
                      Stream* stream, void** kernel_params, void** extra) {
    if (!functions_.Contains(function)) return Traits::kInvalidLaunchFunction;
    // The packed `extra` form would need the kernel's parameter layout, which fake kernels
    // lack.
    if (extra != nullptr) return Traits::kNotSupported;
    if (block.volume() > 1024) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    LaunchParams params;
    params.kernel = function->kernel;
    params.grid = grid;
    params.block = block;
    params.shared_memory_bytes = shared_memory_bytes;
    params.args = kernel_params;
    return FromEngine(engine_.EnqueueKernel(id, params));
  }

  Result LaunchHostFunc(Stream* stream, HostFn fn, void* user_data) {
    if (fn == nullptr) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.EnqueueHostFunction(id, fn, user_data));
  }

  // ---- Graphs ----

  Result GraphCreate(Graph** graph, unsigned int flags) {
    if (Result result = CheckInitialized(); result != kSuccess) return result;
    if (graph == nullptr || flags != 0) return kInvalidValue;
    auto handle = std::make_unique<Graph>();
    handle->owner = this;
    if (Result result = FromEngine(engine_.CreateGraph(&handle->id)); result != kSuccess)
      return result;
    *graph = graphs_.Add(std::move(handle));
    return kSuccess;
  }

  Result GraphDestroy(Graph* graph) {
    std::unique_ptr<Graph> handle = graphs_.Remove(graph);
    if (handle == nullptr) return kInvalidValue;
    for (GraphNode* node : handle->nodes) nodes_.Remove(node);
    return FromEngine(engine_.DestroyGraph(handle->id));
  }

  Result AddNode(GraphNode** node, Graph* graph, GraphNode* const* dependencies,
                 size_t dependency_count, const GraphNodeParams& params) {
    if (node == nullptr || !graphs_.Contains(graph)) return kInvalidValue;
    if (dependency_count != 0 && dependencies == nullptr) return kInvalidValue;
    std::vector<uint32_t> indices;
    indices.reserve(dependency_count);
    for (size_t i = 0; i < dependency_count; ++i) {
      if (!nodes_.Contains(dependencies[i]) || dependencies[i]->graph != graph)
        return kInvalidValue;
      indices.push_back(dependencies[i]->index);
    }
    std::lock_guard lock(graph->mu);
    uint32_t index = 0;
    if (Result result = FromEngine(engine_.AddGraphNode(graph->id, params, indices, &index));
        result != kSuccess) {
      return result;
    }
    auto handle = std::make_unique<GraphNode>();
    handle->graph = graph;
    handle->index = index;
    GraphNode* raw = nodes_.Add(std::move(handle));
    graph->nodes.push_back(raw);
    *node = raw;
    return kSuccess;
  }

  Result AddKernelNode(GraphNode** node, Graph* graph, GraphNode* const* dependencies,
                       size_t dependency_count, const KernelNode& kernel) {
    GraphNodeParams params;
    params.kind = GraphNodeKind::kKernel;
    if (Result result = ToLaunchParams(kernel, &params.kernel); result != kSuccess) return result;
    return AddNode(node, graph, dependencies, dependency_count, params);
  }

  // `Params`: the vendor's memset node struct (dst, value, elementSize, width, height).
  template <typename Params>
  Result AddMemsetNode(GraphNode** node, Graph* graph, GraphNode* const* dependencies,
                       size_t dependency_count, const Params* memset) {
    if (memset == nullptr) return kInvalidValue;
    const unsigned element = memset->elementSize;
    const uint64_t dst = Traits::Address(memset->dst);
    if ((element != 1 && element != 2 && element != 4) || memset->width == 0 ||
        dst % element != 0) {
      return kInvalidValue;
    }
    // Pitched 2D fills would take one engine node per row; gpuhal records 1D fills only.
    if (memset->height > 1) return Traits::kNotSupported;
    GraphNodeParams params;
    params.kind = GraphNodeKind::kMemset;
    params.memset =
        MemsetParams{dst, memset->value, static_cast<uint8_t>(element), memset->width};
    return AddNode(node, graph, dependencies, dependency_count, params);
  }

  Result AddEventNode(GraphNode** node, Graph* graph, GraphNode* const* dependencies,
                      size_t dependency_count, Event* event, GraphNodeKind kind) {
    if (!events_.Contains(event)) return kInvalidValue;
    GraphNodeParams params;
    params.kind = kind;
    params.event = event->id;
    return AddNode(node, graph, dependencies, dependency_count, params);
  }

  Result AddChildGraphNode(GraphNode** node, Graph* graph, GraphNode* const* dependencies,
                           size_t dependency_count, Graph* child) {
    if (!graphs_.Contains(child) || child == graph) return kInvalidValue;
    GraphNodeParams params;
    params.kind = GraphNodeKind::kChildGraph;
    params.child = child->id;
    return AddNode(node, graph, dependencies, dependency_count, params);
  }

  Result GraphInstantiate(GraphExec** exec, Graph* graph, unsigned long long flags) {
    if (exec == nullptr || !graphs_.Contains(graph)) return kInvalidValue;
    // Auto-free-on-launch and device launch concern graph memory nodes and device-side
    // launches, neither of which gpuhal records; upload and priority change no result.
    if ((flags & ~Traits::kGraphInstantiateFlags) != 0) return kInvalidValue;
    auto handle = std::make_unique<GraphExec>();
    handle->owner = this;
    {
      std::lock_guard lock(graph->mu);
      if (Result result = FromEngine(engine_.InstantiateGraph(graph->id, &handle->id));
          result != kSuccess) {
        return result;
      }
    }
    *exec = execs_.Add(std::move(handle));
    return kSuccess;
  }

  Result GraphLaunch(GraphExec* exec, Stream* stream) {
    if (!execs_.Contains(exec)) return kInvalidValue;
    StreamId id;
    if (Result result = ResolveStream(stream, &id); result != kSuccess) return result;
    return FromEngine(engine_.LaunchGraph(exec->id, id));
  }

  Result GraphExecDestroy(GraphExec* exec) {
    std::unique_ptr<GraphExec> handle = execs_.Remove(exec);
    if (handle == nullptr) return kInvalidValue;
    return FromEngine(engine_.DestroyGraphExec(handle->id));
  }

  Result GraphExecKernelNodeSetParams(GraphExec* exec, GraphNode* node, const KernelNode& kernel) {
    if (!execs_.Contains(exec) || !nodes_.Contains(node)) return kInvalidValue;
    LaunchParams launch;
    if (Result result = ToLaunchParams(kernel, &launch); result != kSuccess) return result;
    return FromEngine(engine_.SetExecKernelNodeParams(exec->id, node->index, launch));
  }

 private:
  struct DeviceBinding {
    uint64_t serial = 0;
    int device = -1;
  };

  static WaitCondition ToWaitCondition(unsigned int flags) {
    switch (flags & Traits::kWaitConditionMask) {
      case Traits::kWaitEq: return WaitCondition::kEq;
      case Traits::kWaitAnd: return WaitCondition::kAnd;
      case Traits::kWaitNor: return WaitCondition::kNor;
      default: return WaitCondition::kGeq;
    }
  }

  Pool* FindPool(Pool* pool) {
    for (const auto& own : default_pools_)
      if (own.get() == pool) return own.get();
    return pools_.Contains(pool) ? pool : nullptr;
  }

  Result ToLaunchParams(const KernelNode& kernel, LaunchParams* launch) {
    if (!kernel) return kInvalidValue;
    if (kernel->packed) return Traits::kNotSupported;
    if (!functions_.Contains(kernel->function)) return Traits::kInvalidNodeFunction;
    if (kernel->block.volume() > 1024) return kInvalidValue;
    launch->kernel = kernel->function->kernel;
    launch->grid = kernel->grid;
    launch->block = kernel->block;
    launch->shared_memory_bytes = kernel->shared_memory_bytes;
    launch->args = kernel->args;
    return kSuccess;
  }

  static inline std::atomic<uint64_t> next_serial_{1};
  static inline thread_local DeviceBinding t_bindings_[kFakePlatformSlotCount];

  Engine& engine_;
  const int slot_;
  const uint64_t serial_;  // distinguishes this front end from earlier ones in the slot
  std::atomic<bool> initialized_{false};
  std::mutex null_stream_mu_;
  std::vector<StreamId> null_streams_;                 // per device
  std::vector<std::unique_ptr<Pool>> default_pools_;  // per device
  OwnedHandles<Stream> streams_;
  OwnedHandles<Event> events_;
  OwnedHandles<Pool> pools_;
  OwnedHandles<Module> modules_;
  OwnedHandles<Function> functions_;
  OwnedHandles<Graph> graphs_;
  OwnedHandles<GraphNode> nodes_;
  OwnedHandles<GraphExec> execs_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_GPU_GPU_FRONT_END_H_
