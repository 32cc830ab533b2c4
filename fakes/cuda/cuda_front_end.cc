#include "fakes/cuda/cuda_front_end.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "fakes/cuda/cuda_errors.h"
#include "fakes/cuda/fake_module_image.h"
#include "fakes/cuda/slot_binding.h"

namespace gpuhal::fake {
namespace {

// cuCtxSetCurrent binds per thread. One entry per slot, so that fake platforms in one
// process do not share a current context; the serial tells a binding made for an earlier
// front end in the same slot from one made for the current front end.
struct CurrentContextBinding {
  uint64_t serial = 0;
  CUctx_st* context = nullptr;
};
thread_local CurrentContextBinding t_current_context[kFakePlatformSlotCount];

std::atomic<uint64_t> g_next_front_end_serial{1};

bool IsDefaultStream(CUstream stream) {
  return stream == nullptr || stream == CU_STREAM_LEGACY || stream == CU_STREAM_PER_THREAD;
}

int DeviceAttribute(CUdevice_attribute attribute, int device) {
  switch (attribute) {
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: return 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: return 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: return 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: return 64;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: return 2147483647;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: return 65535;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: return 65535;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: return 48 * 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: return 227 * 1024;
    case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: return 64 * 1024;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: return 32;
    case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: return 65536;
    case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: return 1000000;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: return 4;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: return 2048;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: return 9;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: return 0;
    case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: return 1;
    case CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: return 2;
    case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: return 1;
    case CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY: return 1;
    case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED: return 1;
    case CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: return device;
    default: return 0;
  }
}

WaitCondition ToWaitCondition(unsigned int flags) {
  switch (flags & 0xf) {
    case CU_STREAM_WAIT_VALUE_EQ: return WaitCondition::kEq;
    case CU_STREAM_WAIT_VALUE_AND: return WaitCondition::kAnd;
    case CU_STREAM_WAIT_VALUE_NOR: return WaitCondition::kNor;
    default: return WaitCondition::kGeq;
  }
}

// One end of a graph memcpy node: host memory, or a device (or unified) address.
bool ToMemoryRef(CUmemorytype type, const void* host, CUdeviceptr device, size_t offset,
                 MemoryRef* ref) {
  switch (type) {
    case CU_MEMORYTYPE_HOST:
      *ref = MemoryRef::Host(static_cast<const uint8_t*>(host) + offset);
      return host != nullptr;
    case CU_MEMORYTYPE_DEVICE:
    case CU_MEMORYTYPE_UNIFIED:
      *ref = MemoryRef::Device(device + offset);
      return true;
    default: return false;  // arrays are not simulated
  }
}

}  // namespace

CudaFrontEnd::CudaFrontEnd(Engine& engine, int slot)
    : engine_(engine), slot_(slot), serial_(g_next_front_end_serial.fetch_add(1)) {
  for (int device = 0; device < engine_.device_count(); ++device) {
    auto context = std::make_unique<CUctx_st>();
    context->owner = this;
    context->device = device;
    contexts_.push_back(std::move(context));
    auto pool = std::make_unique<CUmemPoolHandle_st>();
    pool->owner = this;
    pool->device = device;
    pool->is_default = true;
    engine_.DefaultPool(device, &pool->id);
    default_pools_.push_back(std::move(pool));
  }
}

CudaFrontEnd::~CudaFrontEnd() = default;

CUresult CudaFrontEnd::Preamble(size_t symbol_index) {
  FaultInjector& injector = engine_.fault_injector();
  if (!injector.empty()) {
    if (std::optional<int> code = injector.Check(cuda::kCudaSymbolNames[symbol_index]))
      return static_cast<CUresult>(*code);
  }
  if (InsideHostFunction()) return CUDA_ERROR_NOT_PERMITTED;
  return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------------------
// Helpers

CUresult CudaFrontEnd::CheckInitialized() const {
  return initialized_.load(std::memory_order_acquire) ? CUDA_SUCCESS
                                                      : CUDA_ERROR_NOT_INITIALIZED;
}

CUresult CudaFrontEnd::CheckDevice(CUdevice_v1 dev) const {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  return dev >= 0 && dev < engine_.device_count() ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

bool CudaFrontEnd::IsOwnContext(const CUctx_st* context) const {
  return std::any_of(contexts_.begin(), contexts_.end(),
                     [&](const auto& own) { return own.get() == context; });
}

CUctx_st* CudaFrontEnd::CurrentContext() const {
  const CurrentContextBinding& binding = t_current_context[slot_];
  return binding.serial == serial_ ? binding.context : nullptr;
}

CUresult CudaFrontEnd::CurrentDevice(int* device) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  CUctx_st* context = CurrentContext();
  if (context == nullptr) return CUDA_ERROR_INVALID_CONTEXT;
  *device = context->device;
  return ToCudaResult(engine_.DeviceFault(context->device));
}

CUresult CudaFrontEnd::ResolveStream(CUstream stream, StreamId* id) {
  if (IsDefaultStream(stream)) {
    int device;
    if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
    return ToCudaResult(ResolveStreamOnDevice(nullptr, device, id));
  }
  if (!streams_.Contains(stream)) return CUDA_ERROR_INVALID_HANDLE;
  *id = stream->id;
  return CUDA_SUCCESS;
}

Error CudaFrontEnd::ResolveStreamOnDevice(CUstream stream, int device, StreamId* id) {
  if (!IsDefaultStream(stream)) {
    if (!streams_.Contains(stream)) return Error::kInvalidHandle;
    if (stream->device != device) return Error::kInvalidValue;
    *id = stream->id;
    return Error::kOk;
  }
  if (device < 0 || device >= engine_.device_count()) return Error::kInvalidValue;
  CUctx_st& context = *contexts_[device];
  std::lock_guard lock(context_mu_);
  if (context.null_stream == StreamId::kNull) {
    if (Error error = engine_.CreateStream(device, &context.null_stream); error != Error::kOk)
      return error;
  }
  *id = context.null_stream;
  return Error::kOk;
}

Error CudaFrontEnd::CollectiveDevice(int* device) {
  CUctx_st* context = CurrentContext();
  *device = context ? context->device : 0;
  return Error::kOk;
}

CUmemPoolHandle_st* CudaFrontEnd::FindPool(CUmemoryPool pool) {
  for (const auto& own : default_pools_)
    if (own.get() == pool) return own.get();
  return pools_.Contains(pool) ? pool : nullptr;
}

// ---------------------------------------------------------------------------------------
// Initialization and devices

CUresult CudaFrontEnd::cuInit(unsigned int Flags) {
  if (Flags != 0) return CUDA_ERROR_INVALID_VALUE;
  initialized_.store(true, std::memory_order_release);
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDriverGetVersion(int* driverVersion) {
  if (driverVersion == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *driverVersion = CUDA_VERSION;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDeviceGetCount(int* count) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (count == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *count = engine_.device_count();
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDeviceGet(CUdevice_v1* device, int ordinal) {
  if (device == nullptr) return CUDA_ERROR_INVALID_VALUE;
  if (CUresult result = CheckDevice(ordinal); result != CUDA_SUCCESS) return result;
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDeviceGetName(char* name, int len, CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  if (name == nullptr || len <= 0) return CUDA_ERROR_INVALID_VALUE;
  std::snprintf(name, static_cast<size_t>(len), "gpuhal simulated GPU %d (CUDA-shaped)", dev);
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib,
                                            CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  if (pi == nullptr || attrib <= 0 || attrib >= CU_DEVICE_ATTRIBUTE_MAX)
    return CUDA_ERROR_INVALID_VALUE;
  *pi = DeviceAttribute(attrib, dev);
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDeviceTotalMem(size_t* bytes, CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  if (bytes == nullptr) return CUDA_ERROR_INVALID_VALUE;
  uint64_t limit = 0;
  if (CUresult result = ToCudaResult(engine_.GetMemoryUsage(dev, nullptr, &limit));
      result != CUDA_SUCCESS) {
    return result;
  }
  *bytes = static_cast<size_t>(limit);
  return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------------------
// Contexts

CUresult CudaFrontEnd::cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  if (pctx == nullptr) return CUDA_ERROR_INVALID_VALUE;
  std::lock_guard lock(context_mu_);
  ++contexts_[dev]->retain_count;
  *pctx = contexts_[dev].get();
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDevicePrimaryCtxRelease(CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  std::lock_guard lock(context_mu_);
  if (contexts_[dev]->retain_count == 0) return CUDA_ERROR_INVALID_CONTEXT;
  // The context's state (its NULL stream) lives on: the engine keeps the device's memory
  // and streams regardless, and a retain after the last release gets the same context.
  --contexts_[dev]->retain_count;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuCtxSetCurrent(CUcontext ctx) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (ctx != nullptr && !IsOwnContext(ctx)) return CUDA_ERROR_INVALID_CONTEXT;
  t_current_context[slot_] = CurrentContextBinding{serial_, ctx};
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuCtxGetCurrent(CUcontext* pctx) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (pctx == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *pctx = CurrentContext();
  return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------------------
// Streams

CUresult CudaFrontEnd::cuStreamCreate(CUstream* phStream, unsigned int Flags) {
  if (phStream == nullptr || (Flags & ~unsigned{CU_STREAM_NON_BLOCKING}) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  int device;
  if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
  auto stream = std::make_unique<CUstream_st>();
  stream->owner = this;
  stream->device = device;
  if (CUresult result = ToCudaResult(engine_.CreateStream(device, &stream->id));
      result != CUDA_SUCCESS) {
    return result;
  }
  *phStream = streams_.Add(std::move(stream));
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuStreamDestroy(CUstream hStream) {
  std::unique_ptr<CUstream_st> stream = streams_.Remove(hStream);
  if (stream == nullptr) return CUDA_ERROR_INVALID_HANDLE;
  return ToCudaResult(engine_.DestroyStream(stream->id));
}

CUresult CudaFrontEnd::cuStreamSynchronize(CUstream hStream) {
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.SynchronizeStream(id));
}

CUresult CudaFrontEnd::cuStreamQuery(CUstream hStream) {
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.QueryStream(id));
}

CUresult CudaFrontEnd::cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags) {
  if (!events_.Contains(hEvent)) return CUDA_ERROR_INVALID_HANDLE;
  if (Flags != CU_EVENT_WAIT_DEFAULT) return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.StreamWaitEvent(id, hEvent->id));
}

CUresult CudaFrontEnd::cuStreamWaitValue32(CUstream stream, CUdeviceptr_v2 addr,
                                           cuuint32_t value, unsigned int flags) {
  StreamId id;
  if (CUresult result = ResolveStream(stream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.EnqueueWaitValue32(id, addr, value, ToWaitCondition(flags)));
}

CUresult CudaFrontEnd::cuStreamWriteValue32(CUstream stream, CUdeviceptr_v2 addr,
                                            cuuint32_t value, unsigned int flags) {
  if ((flags & ~unsigned{CU_STREAM_WRITE_VALUE_NO_MEMORY_BARRIER}) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(stream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.EnqueueWriteValue32(id, addr, value));
}

// ---------------------------------------------------------------------------------------
// Events

CUresult CudaFrontEnd::cuEventCreate(CUevent* phEvent, unsigned int Flags) {
  constexpr unsigned kKnownFlags = CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING |
                                   CU_EVENT_INTERPROCESS;
  if (phEvent == nullptr || (Flags & ~kKnownFlags) != 0) return CUDA_ERROR_INVALID_VALUE;
  int device;
  if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
  auto event = std::make_unique<CUevent_st>();
  event->owner = this;
  if (CUresult result = ToCudaResult(engine_.CreateEvent(&event->id)); result != CUDA_SUCCESS)
    return result;
  *phEvent = events_.Add(std::move(event));
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuEventDestroy(CUevent hEvent) {
  std::unique_ptr<CUevent_st> event = events_.Remove(hEvent);
  if (event == nullptr) return CUDA_ERROR_INVALID_HANDLE;
  return ToCudaResult(engine_.DestroyEvent(event->id));
}

CUresult CudaFrontEnd::cuEventRecord(CUevent hEvent, CUstream hStream) {
  if (!events_.Contains(hEvent)) return CUDA_ERROR_INVALID_HANDLE;
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.RecordEvent(hEvent->id, id));
}

CUresult CudaFrontEnd::cuEventQuery(CUevent hEvent) {
  if (!events_.Contains(hEvent)) return CUDA_ERROR_INVALID_HANDLE;
  return ToCudaResult(engine_.QueryEvent(hEvent->id));
}

CUresult CudaFrontEnd::cuEventSynchronize(CUevent hEvent) {
  if (!events_.Contains(hEvent)) return CUDA_ERROR_INVALID_HANDLE;
  return ToCudaResult(engine_.SynchronizeEvent(hEvent->id));
}

// ---------------------------------------------------------------------------------------
// Device and host memory

CUresult CudaFrontEnd::cuMemAlloc(CUdeviceptr_v2* dptr, size_t bytesize) {
  if (dptr == nullptr || bytesize == 0) return CUDA_ERROR_INVALID_VALUE;
  int device;
  if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
  uint64_t address = 0;
  if (CUresult result = ToCudaResult(engine_.Allocate(device, bytesize, &address));
      result != CUDA_SUCCESS) {
    return result;
  }
  *dptr = address;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuMemFree(CUdeviceptr_v2 dptr) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (dptr == 0) return CUDA_SUCCESS;
  return ToCudaResult(engine_.Free(dptr));
}

CUresult CudaFrontEnd::cuMemHostAlloc(void** pp, size_t bytesize, unsigned int Flags) {
  constexpr unsigned kKnownFlags =
      CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_WRITECOMBINED;
  if (pp == nullptr || bytesize == 0 || (Flags & ~kKnownFlags) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  int device;
  if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.AllocateHost(device, bytesize, pp, nullptr));
}

CUresult CudaFrontEnd::cuMemFreeHost(void* p) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.FreeHost(p));
}

CUresult CudaFrontEnd::cuMemHostRegister(void* p, size_t bytesize, unsigned int Flags) {
  if (p == nullptr || bytesize == 0) return CUDA_ERROR_INVALID_VALUE;
  int device;
  if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
  Error error = engine_.RegisterHost(device, p, bytesize, nullptr);
  return error == Error::kInvalidValue ? CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED
                                       : ToCudaResult(error);
}

CUresult CudaFrontEnd::cuMemHostUnregister(void* p) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  Error error = engine_.UnregisterHost(p);
  return error == Error::kInvalidValue ? CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED
                                       : ToCudaResult(error);
}

CUresult CudaFrontEnd::cuMemHostGetDevicePointer(CUdeviceptr_v2* pdptr, void* p,
                                                 unsigned int Flags) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (pdptr == nullptr || p == nullptr || Flags != 0) return CUDA_ERROR_INVALID_VALUE;
  uint64_t address = 0;
  if (CUresult result = ToCudaResult(engine_.HostDeviceAddress(p, &address));
      result != CUDA_SUCCESS) {
    return result;
  }
  *pdptr = address;
  return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------------------
// Stream-ordered memory pools

CUresult CudaFrontEnd::cuMemPoolCreate(CUmemoryPool* pool, const CUmemPoolProps_v1* poolProps) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (pool == nullptr || poolProps == nullptr ||
      poolProps->allocType != CU_MEM_ALLOCATION_TYPE_PINNED ||
      poolProps->location.type != CU_MEM_LOCATION_TYPE_DEVICE) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  int device = poolProps->location.id;
  if (device < 0 || device >= engine_.device_count()) return CUDA_ERROR_INVALID_DEVICE;
  auto handle = std::make_unique<CUmemPoolHandle_st>();
  handle->owner = this;
  handle->device = device;
  if (CUresult result = ToCudaResult(engine_.CreatePool(device, &handle->id));
      result != CUDA_SUCCESS) {
    return result;
  }
  *pool = pools_.Add(std::move(handle));
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuMemPoolDestroy(CUmemoryPool pool) {
  std::unique_ptr<CUmemPoolHandle_st> handle = pools_.Remove(pool);
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;  // also for a default pool
  return ToCudaResult(engine_.DestroyPool(handle->id));
}

CUresult CudaFrontEnd::cuMemPoolSetAttribute(CUmemoryPool pool, CUmemPool_attribute attr,
                                             void* value) {
  CUmemPoolHandle_st* handle = FindPool(pool);
  if (handle == nullptr || value == nullptr) return CUDA_ERROR_INVALID_VALUE;
  switch (attr) {
    case CU_MEMPOOL_ATTR_RELEASE_THRESHOLD:
      return ToCudaResult(
          engine_.SetPoolReleaseThreshold(handle->id, *static_cast<const cuuint64_t*>(value)));
    // Reuse policies only widen which freed blocks an allocation may take; the engine
    // never reuses addresses, so they change nothing observable.
    case CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES:
    case CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC:
    case CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES:
    case CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH:
    case CU_MEMPOOL_ATTR_USED_MEM_HIGH: return CUDA_SUCCESS;
    default: return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult CudaFrontEnd::cuMemPoolTrimTo(CUmemoryPool pool, size_t minBytesToKeep) {
  CUmemPoolHandle_st* handle = FindPool(pool);
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  return ToCudaResult(engine_.TrimPool(handle->id, minBytesToKeep));
}

CUresult CudaFrontEnd::cuDeviceGetDefaultMemPool(CUmemoryPool* pool_out, CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  if (pool_out == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *pool_out = default_pools_[dev].get();
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuMemAllocFromPoolAsync(CUdeviceptr_v2* dptr, size_t bytesize,
                                               CUmemoryPool pool, CUstream hStream) {
  CUmemPoolHandle_st* handle = FindPool(pool);
  if (dptr == nullptr || handle == nullptr || bytesize == 0) return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  uint64_t address = 0;
  if (CUresult result = ToCudaResult(engine_.AllocAsync(id, handle->id, bytesize, &address));
      result != CUDA_SUCCESS) {
    return result;
  }
  *dptr = address;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuMemFreeAsync(CUdeviceptr_v2 dptr, CUstream hStream) {
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.FreeAsync(id, dptr));
}

// ---------------------------------------------------------------------------------------
// Fills and copies. The synchronous forms run on the current context's NULL stream and
// wait for it, so they are ordered after earlier NULL-stream work and return when done.

CUresult CudaFrontEnd::EnqueueMemset(CUdeviceptr_v2 dst, uint32_t value, uint8_t element_bytes,
                                     size_t count, CUstream stream, bool synchronous) {
  if (dst % element_bytes != 0) return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(stream, &id); result != CUDA_SUCCESS) return result;
  if (count == 0) return CUDA_SUCCESS;
  MemsetParams params{dst, value, element_bytes, count};
  if (CUresult result = ToCudaResult(engine_.EnqueueMemset(id, params)); result != CUDA_SUCCESS)
    return result;
  return synchronous ? ToCudaResult(engine_.SynchronizeStream(id)) : CUDA_SUCCESS;
}

CUresult CudaFrontEnd::EnqueueMemcpy(const MemcpyParams& params, CUstream stream,
                                     bool synchronous) {
  StreamId id;
  if (CUresult result = ResolveStream(stream, &id); result != CUDA_SUCCESS) return result;
  if (params.bytes == 0) return CUDA_SUCCESS;
  if ((params.dst.is_host() ? params.dst.host == nullptr : params.dst.device_address == 0) ||
      (params.src.is_host() ? params.src.host == nullptr : params.src.device_address == 0)) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (CUresult result = ToCudaResult(engine_.EnqueueMemcpy(id, params)); result != CUDA_SUCCESS)
    return result;
  return synchronous ? ToCudaResult(engine_.SynchronizeStream(id)) : CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuMemsetD8(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N) {
  return EnqueueMemset(dstDevice, uc, 1, N, nullptr, true);
}
CUresult CudaFrontEnd::cuMemsetD16(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N) {
  return EnqueueMemset(dstDevice, us, 2, N, nullptr, true);
}
CUresult CudaFrontEnd::cuMemsetD32(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N) {
  return EnqueueMemset(dstDevice, ui, 4, N, nullptr, true);
}
CUresult CudaFrontEnd::cuMemsetD8Async(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N,
                                       CUstream hStream) {
  return EnqueueMemset(dstDevice, uc, 1, N, hStream, false);
}
CUresult CudaFrontEnd::cuMemsetD16Async(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N,
                                        CUstream hStream) {
  return EnqueueMemset(dstDevice, us, 2, N, hStream, false);
}
CUresult CudaFrontEnd::cuMemsetD32Async(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N,
                                        CUstream hStream) {
  return EnqueueMemset(dstDevice, ui, 4, N, hStream, false);
}

CUresult CudaFrontEnd::cuMemcpyHtoD(CUdeviceptr_v2 dstDevice, const void* srcHost,
                                    size_t ByteCount) {
  return EnqueueMemcpy({MemoryRef::Device(dstDevice), MemoryRef::Host(srcHost), ByteCount},
                       nullptr, true);
}
CUresult CudaFrontEnd::cuMemcpyDtoH(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
  return EnqueueMemcpy({MemoryRef::Host(dstHost), MemoryRef::Device(srcDevice), ByteCount},
                       nullptr, true);
}
CUresult CudaFrontEnd::cuMemcpyDtoD(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice,
                                    size_t ByteCount) {
  return EnqueueMemcpy({MemoryRef::Device(dstDevice), MemoryRef::Device(srcDevice), ByteCount},
                       nullptr, true);
}
CUresult CudaFrontEnd::cuMemcpyHtoDAsync(CUdeviceptr_v2 dstDevice, const void* srcHost,
                                         size_t ByteCount, CUstream hStream) {
  return EnqueueMemcpy({MemoryRef::Device(dstDevice), MemoryRef::Host(srcHost), ByteCount},
                       hStream, false);
}
CUresult CudaFrontEnd::cuMemcpyDtoHAsync(void* dstHost, CUdeviceptr_v2 srcDevice,
                                         size_t ByteCount, CUstream hStream) {
  return EnqueueMemcpy({MemoryRef::Host(dstHost), MemoryRef::Device(srcDevice), ByteCount},
                       hStream, false);
}
CUresult CudaFrontEnd::cuMemcpyDtoDAsync(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice,
                                         size_t ByteCount, CUstream hStream) {
  return EnqueueMemcpy({MemoryRef::Device(dstDevice), MemoryRef::Device(srcDevice), ByteCount},
                       hStream, false);
}

// ---------------------------------------------------------------------------------------
// Modules and launches

CUresult CudaFrontEnd::cuModuleLoadDataEx(CUmodule* module, const void* image,
                                          unsigned int numOptions, CUjit_option* options,
                                          void** optionValues) {
  if (module == nullptr || image == nullptr) return CUDA_ERROR_INVALID_VALUE;
  int device;
  if (CUresult result = CurrentDevice(&device); result != CUDA_SUCCESS) return result;
  std::string fake_image = ToFakeModuleImage(static_cast<const char*>(image));
  auto handle = std::make_unique<CUmod_st>();
  handle->owner = this;
  Error error = engine_.LoadModule(fake_image.c_str(), &handle->id);
  // A module that names a kernel nobody registered could not be linked: the driver's
  // nearest report is an image it cannot use.
  if (error == Error::kNotFound) return CUDA_ERROR_INVALID_IMAGE;
  if (error != Error::kOk) return ToCudaResult(error);
  *module = modules_.Add(std::move(handle));
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name) {
  if (!modules_.Contains(hmod)) return CUDA_ERROR_INVALID_HANDLE;
  if (hfunc == nullptr || name == nullptr) return CUDA_ERROR_INVALID_VALUE;
  std::lock_guard lock(hmod->mu);
  if (auto it = hmod->functions.find(name); it != hmod->functions.end()) {
    *hfunc = it->second;
    return CUDA_SUCCESS;
  }
  auto function = std::make_unique<CUfunc_st>();
  function->owner = this;
  if (CUresult result = ToCudaResult(engine_.GetModuleFunction(hmod->id, name, &function->kernel));
      result != CUDA_SUCCESS) {
    return result;
  }
  CUfunc_st* raw = functions_.Add(std::move(function));
  hmod->functions.emplace(name, raw);
  *hfunc = raw;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuModuleUnload(CUmodule hmod) {
  std::unique_ptr<CUmod_st> module = modules_.Remove(hmod);
  if (module == nullptr) return CUDA_ERROR_INVALID_HANDLE;
  for (auto& [name, function] : module->functions) functions_.Remove(function);
  return ToCudaResult(engine_.UnloadModule(module->id));
}

CUresult CudaFrontEnd::cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
                                      unsigned int gridDimZ, unsigned int blockDimX,
                                      unsigned int blockDimY, unsigned int blockDimZ,
                                      unsigned int sharedMemBytes, CUstream hStream,
                                      void** kernelParams, void** extra) {
  if (!functions_.Contains(f)) return CUDA_ERROR_INVALID_HANDLE;
  // The packed `extra` form would need the PTX parameter layout, which fake kernels lack.
  if (extra != nullptr) return CUDA_ERROR_NOT_SUPPORTED;
  if (uint64_t{blockDimX} * blockDimY * blockDimZ > 1024) return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  LaunchParams params;
  params.kernel = f->kernel;
  params.grid = {gridDimX, gridDimY, gridDimZ};
  params.block = {blockDimX, blockDimY, blockDimZ};
  params.shared_memory_bytes = sharedMemBytes;
  params.args = kernelParams;
  return ToCudaResult(engine_.EnqueueKernel(id, params));
}

CUresult CudaFrontEnd::cuLaunchHostFunc(CUstream hStream, CUhostFn fn, void* userData) {
  if (fn == nullptr) return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.EnqueueHostFunction(id, fn, userData));
}

// ---------------------------------------------------------------------------------------
// Graphs

CUresult CudaFrontEnd::cuGraphCreate(CUgraph* phGraph, unsigned int flags) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (phGraph == nullptr || flags != 0) return CUDA_ERROR_INVALID_VALUE;
  auto graph = std::make_unique<CUgraph_st>();
  graph->owner = this;
  if (CUresult result = ToCudaResult(engine_.CreateGraph(&graph->id)); result != CUDA_SUCCESS)
    return result;
  *phGraph = graphs_.Add(std::move(graph));
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuGraphDestroy(CUgraph hGraph) {
  std::unique_ptr<CUgraph_st> graph = graphs_.Remove(hGraph);
  if (graph == nullptr) return CUDA_ERROR_INVALID_VALUE;
  for (CUgraphNode_st* node : graph->nodes) nodes_.Remove(node);
  return ToCudaResult(engine_.DestroyGraph(graph->id));
}

CUresult CudaFrontEnd::AddNode(CUgraphNode* node, CUgraph graph, const CUgraphNode* dependencies,
                               size_t dependency_count, const GraphNodeParams& params) {
  if (node == nullptr || !graphs_.Contains(graph)) return CUDA_ERROR_INVALID_VALUE;
  if (dependency_count != 0 && dependencies == nullptr) return CUDA_ERROR_INVALID_VALUE;
  std::vector<uint32_t> indices;
  indices.reserve(dependency_count);
  for (size_t i = 0; i < dependency_count; ++i) {
    if (!nodes_.Contains(dependencies[i]) || dependencies[i]->graph != graph)
      return CUDA_ERROR_INVALID_VALUE;
    indices.push_back(dependencies[i]->index);
  }
  std::lock_guard lock(graph->mu);
  uint32_t index = 0;
  if (CUresult result = ToCudaResult(engine_.AddGraphNode(graph->id, params, indices, &index));
      result != CUDA_SUCCESS) {
    return result;
  }
  auto handle = std::make_unique<CUgraphNode_st>();
  handle->graph = graph;
  handle->index = index;
  CUgraphNode_st* raw = nodes_.Add(std::move(handle));
  graph->nodes.push_back(raw);
  *node = raw;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::ToLaunchParams(const CUDA_KERNEL_NODE_PARAMS_v2* params,
                                      LaunchParams* launch) {
  if (params == nullptr) return CUDA_ERROR_INVALID_VALUE;
  if (params->kern != nullptr || params->extra != nullptr) return CUDA_ERROR_NOT_SUPPORTED;
  if (!functions_.Contains(params->func)) return CUDA_ERROR_INVALID_VALUE;
  if (uint64_t{params->blockDimX} * params->blockDimY * params->blockDimZ > 1024)
    return CUDA_ERROR_INVALID_VALUE;
  launch->kernel = params->func->kernel;
  launch->grid = {params->gridDimX, params->gridDimY, params->gridDimZ};
  launch->block = {params->blockDimX, params->blockDimY, params->blockDimZ};
  launch->shared_memory_bytes = params->sharedMemBytes;
  launch->args = params->kernelParams;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuGraphAddKernelNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                            const CUgraphNode* dependencies,
                                            size_t numDependencies,
                                            const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams) {
  GraphNodeParams params;
  params.kind = GraphNodeKind::kKernel;
  if (CUresult result = ToLaunchParams(nodeParams, &params.kernel); result != CUDA_SUCCESS)
    return result;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

CUresult CudaFrontEnd::cuGraphAddMemsetNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                            const CUgraphNode* dependencies,
                                            size_t numDependencies,
                                            const CUDA_MEMSET_NODE_PARAMS_v1* memsetParams,
                                            CUcontext ctx) {
  if (memsetParams == nullptr || !IsOwnContext(ctx)) return CUDA_ERROR_INVALID_VALUE;
  const unsigned element = memsetParams->elementSize;
  if ((element != 1 && element != 2 && element != 4) || memsetParams->width == 0 ||
      memsetParams->dst % element != 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  // Pitched 2D fills would take one engine node per row; gpuhal records 1D fills only.
  if (memsetParams->height > 1) return CUDA_ERROR_NOT_SUPPORTED;
  GraphNodeParams params;
  params.kind = GraphNodeKind::kMemset;
  params.memset = MemsetParams{memsetParams->dst, memsetParams->value,
                               static_cast<uint8_t>(element), memsetParams->width};
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

CUresult CudaFrontEnd::cuGraphAddMemcpyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                            const CUgraphNode* dependencies,
                                            size_t numDependencies,
                                            const CUDA_MEMCPY3D_v2* copyParams, CUcontext ctx) {
  if (copyParams == nullptr || !IsOwnContext(ctx)) return CUDA_ERROR_INVALID_VALUE;
  const CUDA_MEMCPY3D_v2& copy = *copyParams;
  if (copy.WidthInBytes == 0) return CUDA_ERROR_INVALID_VALUE;
  // Only linear copies: what 1D copies (Height = Depth = 1) describe.
  if (copy.Height > 1 || copy.Depth > 1 || copy.srcY != 0 || copy.srcZ != 0 || copy.dstY != 0 ||
      copy.dstZ != 0) {
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  GraphNodeParams params;
  params.kind = GraphNodeKind::kMemcpy;
  if (!ToMemoryRef(copy.srcMemoryType, copy.srcHost, copy.srcDevice, copy.srcXInBytes,
                   &params.memcpy.src) ||
      !ToMemoryRef(copy.dstMemoryType, copy.dstHost, copy.dstDevice, copy.dstXInBytes,
                   &params.memcpy.dst)) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  params.memcpy.bytes = copy.WidthInBytes;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

CUresult CudaFrontEnd::cuGraphAddEmptyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                           const CUgraphNode* dependencies,
                                           size_t numDependencies) {
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, GraphNodeParams{});
}

CUresult CudaFrontEnd::cuGraphAddEventRecordNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                                 const CUgraphNode* dependencies,
                                                 size_t numDependencies, CUevent event) {
  if (!events_.Contains(event)) return CUDA_ERROR_INVALID_VALUE;
  GraphNodeParams params;
  params.kind = GraphNodeKind::kEventRecord;
  params.event = event->id;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

CUresult CudaFrontEnd::cuGraphAddEventWaitNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                               const CUgraphNode* dependencies,
                                               size_t numDependencies, CUevent event) {
  if (!events_.Contains(event)) return CUDA_ERROR_INVALID_VALUE;
  GraphNodeParams params;
  params.kind = GraphNodeKind::kEventWait;
  params.event = event->id;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

CUresult CudaFrontEnd::cuGraphAddChildGraphNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                                const CUgraphNode* dependencies,
                                                size_t numDependencies, CUgraph childGraph) {
  if (!graphs_.Contains(childGraph) || childGraph == hGraph) return CUDA_ERROR_INVALID_VALUE;
  GraphNodeParams params;
  params.kind = GraphNodeKind::kChildGraph;
  params.child = childGraph->id;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

CUresult CudaFrontEnd::cuGraphInstantiateWithFlags(CUgraphExec* phGraphExec, CUgraph hGraph,
                                                   unsigned long long flags) {
  if (phGraphExec == nullptr || !graphs_.Contains(hGraph)) return CUDA_ERROR_INVALID_VALUE;
  // Auto-free-on-launch and device launch concern graph memory nodes and device-side
  // launches, neither of which gpuhal records; upload and priority change no result.
  if ((flags & ~static_cast<unsigned long long>(CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY)) !=
      0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  auto exec = std::make_unique<CUgraphExec_st>();
  exec->owner = this;
  {
    std::lock_guard lock(hGraph->mu);
    if (CUresult result = ToCudaResult(engine_.InstantiateGraph(hGraph->id, &exec->id));
        result != CUDA_SUCCESS) {
      return result;
    }
  }
  *phGraphExec = execs_.Add(std::move(exec));
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuGraphLaunch(CUgraphExec hGraph, CUstream hStream) {
  if (!execs_.Contains(hGraph)) return CUDA_ERROR_INVALID_VALUE;
  StreamId id;
  if (CUresult result = ResolveStream(hStream, &id); result != CUDA_SUCCESS) return result;
  return ToCudaResult(engine_.LaunchGraph(hGraph->id, id));
}

CUresult CudaFrontEnd::cuGraphExecDestroy(CUgraphExec hGraphExec) {
  std::unique_ptr<CUgraphExec_st> exec = execs_.Remove(hGraphExec);
  if (exec == nullptr) return CUDA_ERROR_INVALID_VALUE;
  return ToCudaResult(engine_.DestroyGraphExec(exec->id));
}

CUresult CudaFrontEnd::cuGraphExecKernelNodeSetParams(
    CUgraphExec hGraphExec, CUgraphNode hNode, const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams) {
  if (!execs_.Contains(hGraphExec) || !nodes_.Contains(hNode)) return CUDA_ERROR_INVALID_VALUE;
  LaunchParams launch;
  if (CUresult result = ToLaunchParams(nodeParams, &launch); result != CUDA_SUCCESS)
    return result;
  return ToCudaResult(engine_.SetExecKernelNodeParams(hGraphExec->id, hNode->index, launch));
}

// ---------------------------------------------------------------------------------------
// Errors

CUresult CudaFrontEnd::cuGetErrorName(CUresult error, const char** pStr) {
  if (pStr == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const CudaErrorText* text = FindCudaErrorText(error);
  *pStr = text ? text->name : nullptr;
  return text ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult CudaFrontEnd::cuGetErrorString(CUresult error, const char** pStr) {
  if (pStr == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const CudaErrorText* text = FindCudaErrorText(error);
  *pStr = text ? text->description : nullptr;
  return text ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

}  // namespace gpuhal::fake
