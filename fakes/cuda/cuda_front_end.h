// The CUDA driver API over one simulated GPU engine: GpuFrontEnd<CudaTraits>
// (fakes/gpu/gpu_front_end.h) under the driver's names. Each public member function has
// the name and exact signature of the driver function it stands for, so a slot's table can
// be filled with Trampoline<CudaFrontEnd, kSlot, &CudaFrontEnd::cuMemAlloc, ...>::Call
// (fakes/gpu/slot_binding.h); a missing member or a wrong signature fails to compile.
// Most forward to the shared front end; what is CUDA's own is defined in cuda_front_end.cc.
//
// Contexts: one primary context per device; each thread has its own current context per
// front end (cuCtxSetCurrent), and calls that need a device use it
// (CUDA_ERROR_INVALID_CONTEXT when there is none).
#ifndef GPUHAL_FAKES_CUDA_CUDA_FRONT_END_H_
#define GPUHAL_FAKES_CUDA_CUDA_FRONT_END_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "backends/cuda/cuda_symbols.h"
#include "fakes/cuda/cuda_errors.h"
#include "fakes/cuda/cuda_handles.h"
#include "fakes/gpu/gpu_front_end.h"

namespace gpuhal::fake {

struct CudaTraits {
  using Result = CUresult;
  using Stream = CUstream_st;
  using Event = CUevent_st;
  using Pool = CUmemPoolHandle_st;
  using Module = CUmod_st;
  using Function = CUfunc_st;
  using Graph = CUgraph_st;
  using GraphNode = CUgraphNode_st;
  using GraphExec = CUgraphExec_st;
  using DevicePtr = CUdeviceptr_v2;
  using PoolAttribute = CUmemPool_attribute;

  static uint64_t Address(CUdeviceptr_v2 pointer) { return pointer; }
  static CUdeviceptr_v2 Pointer(uint64_t address) { return address; }
  static bool IsDefaultStream(const CUstream_st* stream) {
    return stream == nullptr || stream == CU_STREAM_LEGACY || stream == CU_STREAM_PER_THREAD;
  }
  static CUresult FromEngine(Error error) { return ToCudaResult(error); }

  static constexpr const std::string_view* kSymbolNames = cuda::kCudaSymbolNames;
  static constexpr int kDefaultDevice = -1;  // no current context
  static constexpr int kVersion = CUDA_VERSION;
  static constexpr const char* kShape = "CUDA";
  static constexpr unsigned kStreamFlags = CU_STREAM_NON_BLOCKING;
  static constexpr unsigned kEventFlags =
      CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING | CU_EVENT_INTERPROCESS;
  static constexpr unsigned kHostAllocFlags =
      CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_WRITECOMBINED;
  static constexpr unsigned kWriteValueFlags = CU_STREAM_WRITE_VALUE_NO_MEMORY_BARRIER;
  static constexpr unsigned long long kGraphInstantiateFlags =
      CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY;
  // The condition is the low four bits of cuStreamWaitValue32's flags.
  static constexpr unsigned kWaitConditionMask = 0xf;
  static constexpr unsigned kWaitEq = CU_STREAM_WAIT_VALUE_EQ;
  static constexpr unsigned kWaitAnd = CU_STREAM_WAIT_VALUE_AND;
  static constexpr unsigned kWaitNor = CU_STREAM_WAIT_VALUE_NOR;
  static constexpr CUmemAllocationType kPinnedAllocation = CU_MEM_ALLOCATION_TYPE_PINNED;
  static constexpr CUmemLocationType kDeviceLocation = CU_MEM_LOCATION_TYPE_DEVICE;
  static constexpr CUmemPool_attribute kPoolReleaseThreshold = CU_MEMPOOL_ATTR_RELEASE_THRESHOLD;
  static constexpr CUmemPool_attribute kPoolAttributesWithoutEffect[] = {
      CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES, CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC,
      CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES, CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH,
      CU_MEMPOOL_ATTR_USED_MEM_HIGH};

  static constexpr CUresult kSuccess = CUDA_SUCCESS;
  static constexpr CUresult kInvalidValue = CUDA_ERROR_INVALID_VALUE;
  static constexpr CUresult kInvalidHandle = CUDA_ERROR_INVALID_HANDLE;
  static constexpr CUresult kInvalidDevice = CUDA_ERROR_INVALID_DEVICE;
  static constexpr CUresult kNotInitialized = CUDA_ERROR_NOT_INITIALIZED;
  static constexpr CUresult kDeinitialized = CUDA_ERROR_DEINITIALIZED;
  static constexpr CUresult kNoCurrentDevice = CUDA_ERROR_INVALID_CONTEXT;
  static constexpr CUresult kNotPermitted = CUDA_ERROR_NOT_PERMITTED;
  static constexpr CUresult kNotSupported = CUDA_ERROR_NOT_SUPPORTED;
  static constexpr CUresult kInvalidImage = CUDA_ERROR_INVALID_IMAGE;
  static constexpr CUresult kHostMemoryAlreadyRegistered =
      CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
  static constexpr CUresult kHostMemoryNotRegistered = CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
  static constexpr CUresult kInvalidLaunchFunction = CUDA_ERROR_INVALID_HANDLE;
  static constexpr CUresult kInvalidNodeFunction = CUDA_ERROR_INVALID_VALUE;
  using JitOption = CUjit_option;
  static constexpr JitOption kJitErrorLog = CU_JIT_ERROR_LOG_BUFFER;
  static constexpr JitOption kJitErrorLogBytes = CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
};

class CudaFrontEnd : public GpuFrontEnd<CudaTraits> {
 public:
  // `slot` keys the per-thread current context; `engine` must outlive this.
  CudaFrontEnd(Engine& engine, int slot);
  ~CudaFrontEnd();

  // ---- The driver API (backends/cuda/cuda_symbols.inc) ----
  CUresult cuInit(unsigned int Flags) { return Init(Flags); }
  CUresult cuDriverGetVersion(int* driverVersion) { return DriverGetVersion(driverVersion); }
  CUresult cuDeviceGetCount(int* count) { return GetDeviceCount(count); }
  CUresult cuDeviceGet(CUdevice_v1* device, int ordinal) { return DeviceGet(device, ordinal); }
  CUresult cuDeviceGetName(char* name, int len, CUdevice_v1 dev) {
    return DeviceGetName(name, len, dev);
  }
  CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice_v1 dev);
  CUresult cuDeviceTotalMem(size_t* bytes, CUdevice_v1 dev) { return DeviceTotalMem(bytes, dev); }
  CUresult cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice_v1 dev);
  CUresult cuDevicePrimaryCtxRelease(CUdevice_v1 dev);
  CUresult cuCtxSetCurrent(CUcontext ctx);
  CUresult cuCtxGetCurrent(CUcontext* pctx);
  CUresult cuStreamCreate(CUstream* phStream, unsigned int Flags) {
    return StreamCreate(phStream, Flags);
  }
  CUresult cuStreamDestroy(CUstream hStream) { return StreamDestroy(hStream); }
  CUresult cuStreamSynchronize(CUstream hStream) { return StreamSynchronize(hStream); }
  CUresult cuStreamQuery(CUstream hStream) { return StreamQuery(hStream); }
  CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags) {
    return StreamWaitEvent(hStream, hEvent, Flags);
  }
  CUresult cuStreamWaitValue32(CUstream stream, CUdeviceptr_v2 addr, cuuint32_t value,
                               unsigned int flags) {
    return StreamWaitValue32(stream, addr, value, flags);
  }
  CUresult cuStreamWriteValue32(CUstream stream, CUdeviceptr_v2 addr, cuuint32_t value,
                                unsigned int flags) {
    return StreamWriteValue32(stream, addr, value, flags);
  }
  CUresult cuEventCreate(CUevent* phEvent, unsigned int Flags) {
    return EventCreate(phEvent, Flags);
  }
  CUresult cuEventDestroy(CUevent hEvent) { return EventDestroy(hEvent); }
  CUresult cuEventRecord(CUevent hEvent, CUstream hStream) { return EventRecord(hEvent, hStream); }
  CUresult cuEventQuery(CUevent hEvent) { return EventQuery(hEvent); }
  CUresult cuEventSynchronize(CUevent hEvent) { return EventSynchronize(hEvent); }
  CUresult cuMemAlloc(CUdeviceptr_v2* dptr, size_t bytesize) { return MemAlloc(dptr, bytesize); }
  CUresult cuMemFree(CUdeviceptr_v2 dptr) { return MemFree(dptr); }
  CUresult cuMemHostAlloc(void** pp, size_t bytesize, unsigned int Flags) {
    return HostAlloc(pp, bytesize, Flags);
  }
  CUresult cuMemFreeHost(void* p) { return HostFree(p); }
  CUresult cuMemHostRegister(void* p, size_t bytesize, unsigned int Flags) {
    return HostRegister(p, bytesize);
  }
  CUresult cuMemHostUnregister(void* p) { return HostUnregister(p); }
  CUresult cuMemHostGetDevicePointer(CUdeviceptr_v2* pdptr, void* p, unsigned int Flags) {
    return HostGetDevicePointer(pdptr, p, Flags);
  }
  CUresult cuMemPoolCreate(CUmemoryPool* pool, const CUmemPoolProps_v1* poolProps) {
    return MemPoolCreate(pool, poolProps);
  }
  CUresult cuMemPoolDestroy(CUmemoryPool pool) { return MemPoolDestroy(pool); }
  CUresult cuMemPoolSetAttribute(CUmemoryPool pool, CUmemPool_attribute attr, void* value) {
    return MemPoolSetAttribute(pool, attr, value);
  }
  CUresult cuMemPoolTrimTo(CUmemoryPool pool, size_t minBytesToKeep) {
    return MemPoolTrimTo(pool, minBytesToKeep);
  }
  CUresult cuDeviceGetDefaultMemPool(CUmemoryPool* pool_out, CUdevice_v1 dev) {
    return DeviceGetDefaultMemPool(pool_out, dev);
  }
  CUresult cuMemAllocFromPoolAsync(CUdeviceptr_v2* dptr, size_t bytesize, CUmemoryPool pool,
                                   CUstream hStream) {
    return MemAllocFromPoolAsync(dptr, bytesize, pool, hStream);
  }
  CUresult cuMemFreeAsync(CUdeviceptr_v2 dptr, CUstream hStream) {
    return MemFreeAsync(dptr, hStream);
  }
  CUresult cuMemsetD8(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N) {
    return Memset(dstDevice, uc, 1, N, nullptr, true);
  }
  CUresult cuMemsetD16(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N) {
    return Memset(dstDevice, us, 2, N, nullptr, true);
  }
  CUresult cuMemsetD32(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N) {
    return Memset(dstDevice, ui, 4, N, nullptr, true);
  }
  CUresult cuMemsetD8Async(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N,
                           CUstream hStream) {
    return Memset(dstDevice, uc, 1, N, hStream, false);
  }
  CUresult cuMemsetD16Async(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N,
                            CUstream hStream) {
    return Memset(dstDevice, us, 2, N, hStream, false);
  }
  CUresult cuMemsetD32Async(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N,
                            CUstream hStream) {
    return Memset(dstDevice, ui, 4, N, hStream, false);
  }
  CUresult cuMemcpyHtoD(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount) {
    return Memcpy({DeviceRef(dstDevice), MemoryRef::Host(srcHost), ByteCount}, nullptr, true);
  }
  CUresult cuMemcpyDtoH(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
    return Memcpy({MemoryRef::Host(dstHost), DeviceRef(srcDevice), ByteCount}, nullptr, true);
  }
  CUresult cuMemcpyDtoD(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice, size_t ByteCount) {
    return Memcpy({DeviceRef(dstDevice), DeviceRef(srcDevice), ByteCount}, nullptr, true);
  }
  CUresult cuMemcpyHtoDAsync(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount,
                             CUstream hStream) {
    return Memcpy({DeviceRef(dstDevice), MemoryRef::Host(srcHost), ByteCount}, hStream, false);
  }
  CUresult cuMemcpyDtoHAsync(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount,
                             CUstream hStream) {
    return Memcpy({MemoryRef::Host(dstHost), DeviceRef(srcDevice), ByteCount}, hStream, false);
  }
  CUresult cuMemcpyDtoDAsync(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice,
                             size_t ByteCount, CUstream hStream) {
    return Memcpy({DeviceRef(dstDevice), DeviceRef(srcDevice), ByteCount}, hStream, false);
  }
  CUresult cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int numOptions,
                              CUjit_option* options, void** optionValues) {
    return ModuleLoad(module, image, {options, numOptions}, optionValues);
  }
  CUresult cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name) {
    return ModuleGetFunction(hfunc, hmod, name);
  }
  CUresult cuModuleUnload(CUmodule hmod) { return ModuleUnload(hmod); }
  CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
                          unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
                          unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
                          void** kernelParams, void** extra) {
    return LaunchKernel(f, {gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ},
                        sharedMemBytes, hStream, kernelParams, extra);
  }
  CUresult cuLaunchHostFunc(CUstream hStream, CUhostFn fn, void* userData) {
    return LaunchHostFunc(hStream, fn, userData);
  }
  CUresult cuGraphCreate(CUgraph* phGraph, unsigned int flags) {
    return GraphCreate(phGraph, flags);
  }
  CUresult cuGraphDestroy(CUgraph hGraph) { return GraphDestroy(hGraph); }
  CUresult cuGraphAddKernelNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                const CUgraphNode* dependencies, size_t numDependencies,
                                const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams) {
    return AddKernelNode(phGraphNode, hGraph, dependencies, numDependencies,
                         ReadKernelNode(nodeParams));
  }
  CUresult cuGraphAddMemsetNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                const CUgraphNode* dependencies, size_t numDependencies,
                                const CUDA_MEMSET_NODE_PARAMS_v1* memsetParams, CUcontext ctx) {
    if (!IsOwnContext(ctx)) return CUDA_ERROR_INVALID_VALUE;
    return AddMemsetNode(phGraphNode, hGraph, dependencies, numDependencies, memsetParams);
  }
  CUresult cuGraphAddMemcpyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                const CUgraphNode* dependencies, size_t numDependencies,
                                const CUDA_MEMCPY3D_v2* copyParams, CUcontext ctx);
  CUresult cuGraphAddEmptyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                               const CUgraphNode* dependencies, size_t numDependencies) {
    return AddNode(phGraphNode, hGraph, dependencies, numDependencies, GraphNodeParams{});
  }
  CUresult cuGraphAddEventRecordNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                     const CUgraphNode* dependencies, size_t numDependencies,
                                     CUevent event) {
    return AddEventNode(phGraphNode, hGraph, dependencies, numDependencies, event,
                        GraphNodeKind::kEventRecord);
  }
  CUresult cuGraphAddEventWaitNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                   const CUgraphNode* dependencies, size_t numDependencies,
                                   CUevent event) {
    return AddEventNode(phGraphNode, hGraph, dependencies, numDependencies, event,
                        GraphNodeKind::kEventWait);
  }
  CUresult cuGraphAddChildGraphNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                    const CUgraphNode* dependencies, size_t numDependencies,
                                    CUgraph childGraph) {
    return AddChildGraphNode(phGraphNode, hGraph, dependencies, numDependencies, childGraph);
  }
  CUresult cuGraphInstantiateWithFlags(CUgraphExec* phGraphExec, CUgraph hGraph,
                                       unsigned long long flags) {
    return GraphInstantiate(phGraphExec, hGraph, flags);
  }
  CUresult cuGraphLaunch(CUgraphExec hGraph, CUstream hStream) {
    return GraphLaunch(hGraph, hStream);
  }
  CUresult cuGraphExecDestroy(CUgraphExec hGraphExec) { return GraphExecDestroy(hGraphExec); }
  CUresult cuGraphExecKernelNodeSetParams(CUgraphExec hGraphExec, CUgraphNode hNode,
                                          const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams) {
    return GraphExecKernelNodeSetParams(hGraphExec, hNode, ReadKernelNode(nodeParams));
  }
  CUresult cuGetErrorName(CUresult error, const char** pStr);
  CUresult cuGetErrorString(CUresult error, const char** pStr);

 private:
  // The calling thread's current context of this front end, or null.
  CUctx_st* CurrentContext() const;
  bool IsOwnContext(const CUctx_st* context) const;
  static KernelNode ReadKernelNode(const CUDA_KERNEL_NODE_PARAMS_v2* params);

  std::mutex context_mu_;  // guards CUctx_st::retain_count
  std::vector<std::unique_ptr<CUctx_st>> contexts_;  // per device
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_CUDA_CUDA_FRONT_END_H_
