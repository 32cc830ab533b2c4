// The HIP runtime API over one simulated GPU engine: GpuFrontEnd<HipTraits>
// (fakes/gpu/gpu_front_end.h) under HIP's names, the HIP twin of CudaFrontEnd. Each public
// member function has the name and exact signature of the HIP function it stands for; a
// slot's table is filled with trampolines to them (fakes/gpu/slot_binding.h). Most
// forward to the shared front end; what is HIP's own is defined in hip_front_end.cc.
//
// Devices: each thread has its own current device per front end (hipSetDevice), device 0
// until set, as in HIP.
#ifndef GPUHAL_FAKES_HIP_HIP_FRONT_END_H_
#define GPUHAL_FAKES_HIP_HIP_FRONT_END_H_

#include <cstdint>
#include <string_view>

#include "backends/hip/hip_symbols.h"
#include "fakes/gpu/gpu_front_end.h"
#include "fakes/hip/hip_errors.h"
#include "fakes/hip/hip_handles.h"

namespace gpuhal::fake {

struct HipTraits {
  using Result = hipError_t;
  using Stream = ihipStream_t;
  using Event = ihipEvent_t;
  using Pool = ihipMemPoolHandle_t;
  using Module = ihipModule_t;
  using Function = ihipModuleSymbol_t;
  using Graph = ihipGraph;
  using GraphNode = hipGraphNode;
  using GraphExec = hipGraphExec;
  using DevicePtr = void*;
  using PoolAttribute = hipMemPoolAttr;

  static uint64_t Address(const void* pointer) { return reinterpret_cast<uintptr_t>(pointer); }
  static void* Pointer(uint64_t address) { return reinterpret_cast<void*>(address); }
  static bool IsDefaultStream(const ihipStream_t* stream) {
    return stream == nullptr || stream == hipStreamPerThread;
  }
  static hipError_t FromEngine(Error error) { return ToHipError(error); }

  static constexpr const std::string_view* kSymbolNames = hip::kHipSymbolNames;
  static constexpr int kDefaultDevice = 0;
  static constexpr int kVersion = HIP_VERSION;
  static constexpr const char* kShape = "HIP";
  static constexpr unsigned kStreamFlags = hipStreamNonBlocking;
  static constexpr unsigned kEventFlags = hipEventBlockingSync | hipEventDisableTiming |
                                          hipEventInterprocess | hipEventReleaseToDevice |
                                          hipEventReleaseToSystem;
  static constexpr unsigned kHostAllocFlags =
      hipHostMallocPortable | hipHostMallocMapped | hipHostMallocWriteCombined |
      hipHostMallocNumaUser | hipHostMallocCoherent | hipHostMallocNonCoherent;
  static constexpr unsigned kWriteValueFlags = ~0u;  // any
  // Auto-free-on-launch concerns graph memory nodes, which gpuhal never records.
  static constexpr unsigned long long kGraphInstantiateFlags = 0;
  static constexpr unsigned kWaitConditionMask = ~0u;
  static constexpr unsigned kWaitEq = hipStreamWaitValueEq;
  static constexpr unsigned kWaitAnd = hipStreamWaitValueAnd;
  static constexpr unsigned kWaitNor = hipStreamWaitValueNor;
  static constexpr hipMemAllocationType kPinnedAllocation = hipMemAllocationTypePinned;
  static constexpr hipMemLocationType kDeviceLocation = hipMemLocationTypeDevice;
  static constexpr hipMemPoolAttr kPoolReleaseThreshold = hipMemPoolAttrReleaseThreshold;
  static constexpr hipMemPoolAttr kPoolAttributesWithoutEffect[] = {
      hipMemPoolReuseFollowEventDependencies, hipMemPoolReuseAllowOpportunistic,
      hipMemPoolReuseAllowInternalDependencies, hipMemPoolAttrReservedMemHigh,
      hipMemPoolAttrUsedMemHigh};

  static constexpr hipError_t kSuccess = hipSuccess;
  static constexpr hipError_t kInvalidValue = hipErrorInvalidValue;
  static constexpr hipError_t kInvalidHandle = hipErrorInvalidHandle;
  static constexpr hipError_t kInvalidDevice = hipErrorInvalidDevice;
  static constexpr hipError_t kNotInitialized = hipErrorNotInitialized;
  static constexpr hipError_t kDeinitialized = hipErrorDeinitialized;
  static constexpr hipError_t kNotPermitted = hipErrorNotSupported;  // inside a host function
  static constexpr hipError_t kNotSupported = hipErrorNotSupported;
  static constexpr hipError_t kInvalidImage = hipErrorInvalidImage;
  static constexpr hipError_t kHostMemoryAlreadyRegistered = hipErrorHostMemoryAlreadyRegistered;
  static constexpr hipError_t kHostMemoryNotRegistered = hipErrorHostMemoryNotRegistered;
  static constexpr hipError_t kInvalidLaunchFunction = hipErrorInvalidResourceHandle;
  static constexpr hipError_t kInvalidNodeFunction = hipErrorInvalidDeviceFunction;
  using JitOption = hipJitOption;
  static constexpr JitOption kJitErrorLog = hipJitOptionErrorLogBuffer;
  static constexpr JitOption kJitErrorLogBytes = hipJitOptionErrorLogBufferSizeBytes;
};

class HipFrontEnd : public GpuFrontEnd<HipTraits> {
 public:
  // `slot` keys the per-thread current device; `engine` must outlive this.
  HipFrontEnd(Engine& engine, int slot) : GpuFrontEnd(engine, slot) {}

  // ---- The runtime API (backends/hip/hip_symbols.inc) ----
  hipError_t hipInit(unsigned int flags) { return Init(flags); }
  hipError_t hipDriverGetVersion(int* driverVersion) { return DriverGetVersion(driverVersion); }
  hipError_t hipGetDeviceCount(int* count) { return GetDeviceCount(count); }
  hipError_t hipDeviceGet(hipDevice_t* device, int ordinal) { return DeviceGet(device, ordinal); }
  hipError_t hipDeviceGetName(char* name, int len, hipDevice_t device) {
    return DeviceGetName(name, len, device);
  }
  hipError_t hipDeviceGetAttribute(int* pi, hipDeviceAttribute_t attr, int deviceId);
  hipError_t hipDeviceTotalMem(size_t* bytes, hipDevice_t device) {
    return DeviceTotalMem(bytes, device);
  }
  hipError_t hipSetDevice(int deviceId);
  hipError_t hipGetDevice(int* deviceId);
  hipError_t hipStreamCreateWithFlags(hipStream_t* stream, unsigned int flags) {
    return StreamCreate(stream, flags);
  }
  hipError_t hipStreamDestroy(hipStream_t stream) { return StreamDestroy(stream); }
  hipError_t hipStreamSynchronize(hipStream_t stream) { return StreamSynchronize(stream); }
  hipError_t hipStreamQuery(hipStream_t stream) { return StreamQuery(stream); }
  hipError_t hipStreamWaitEvent(hipStream_t stream, hipEvent_t event, unsigned int flags) {
    return StreamWaitEvent(stream, event, flags);
  }
  hipError_t hipStreamWaitValue32(hipStream_t stream, void* ptr, uint32_t value, unsigned int flags,
                                  uint32_t mask) {
    // The engine compares whole words; a partial mask is a capability gpuhal never uses.
    if (mask != 0xffffffffu) return hipErrorNotSupported;
    return StreamWaitValue32(stream, ptr, value, flags);
  }
  hipError_t hipStreamWriteValue32(hipStream_t stream, void* ptr, uint32_t value,
                                   unsigned int flags) {
    return StreamWriteValue32(stream, ptr, value, flags);
  }
  hipError_t hipEventCreateWithFlags(hipEvent_t* event, unsigned flags) {
    return EventCreate(event, flags);
  }
  hipError_t hipEventDestroy(hipEvent_t event) { return EventDestroy(event); }
  hipError_t hipEventRecord(hipEvent_t event, hipStream_t stream) {
    return EventRecord(event, stream);
  }
  hipError_t hipEventQuery(hipEvent_t event) { return EventQuery(event); }
  hipError_t hipEventSynchronize(hipEvent_t event) { return EventSynchronize(event); }
  hipError_t hipMalloc(void** ptr, size_t size);
  hipError_t hipFree(void* ptr) { return MemFree(ptr); }
  hipError_t hipHostMalloc(void** ptr, size_t size, unsigned int flags) {
    return HostAlloc(ptr, size, flags);
  }
  hipError_t hipHostFree(void* ptr) { return ptr == nullptr ? CheckInitialized() : HostFree(ptr); }
  hipError_t hipHostRegister(void* hostPtr, size_t sizeBytes, unsigned int flags) {
    return HostRegister(hostPtr, sizeBytes);
  }
  hipError_t hipHostUnregister(void* hostPtr) { return HostUnregister(hostPtr); }
  hipError_t hipHostGetDevicePointer(void** devPtr, void* hstPtr, unsigned int flags) {
    return HostGetDevicePointer(devPtr, hstPtr, flags);
  }
  hipError_t hipMemPoolCreate(hipMemPool_t* mem_pool, const hipMemPoolProps* pool_props) {
    return MemPoolCreate(mem_pool, pool_props);
  }
  hipError_t hipMemPoolDestroy(hipMemPool_t mem_pool) { return MemPoolDestroy(mem_pool); }
  hipError_t hipMemPoolSetAttribute(hipMemPool_t mem_pool, hipMemPoolAttr attr, void* value) {
    return MemPoolSetAttribute(mem_pool, attr, value);
  }
  hipError_t hipMemPoolTrimTo(hipMemPool_t mem_pool, size_t min_bytes_to_hold) {
    return MemPoolTrimTo(mem_pool, min_bytes_to_hold);
  }
  hipError_t hipDeviceGetDefaultMemPool(hipMemPool_t* mem_pool, int device) {
    return DeviceGetDefaultMemPool(mem_pool, device);
  }
  hipError_t hipMallocFromPoolAsync(void** dev_ptr, size_t size, hipMemPool_t mem_pool,
                                    hipStream_t stream) {
    return MemAllocFromPoolAsync(dev_ptr, size, mem_pool, stream);
  }
  hipError_t hipFreeAsync(void* dev_ptr, hipStream_t stream) { return MemFreeAsync(dev_ptr, stream); }
  hipError_t hipMemsetD8(hipDeviceptr_t dest, unsigned char value, size_t count) {
    return Memset(dest, value, 1, count, nullptr, true);
  }
  hipError_t hipMemsetD16(hipDeviceptr_t dest, unsigned short value, size_t count) {
    return Memset(dest, value, 2, count, nullptr, true);
  }
  hipError_t hipMemsetD32(hipDeviceptr_t dest, int value, size_t count) {
    return Memset(dest, static_cast<uint32_t>(value), 4, count, nullptr, true);
  }
  hipError_t hipMemsetD8Async(hipDeviceptr_t dest, unsigned char value, size_t count,
                              hipStream_t stream) {
    return Memset(dest, value, 1, count, stream, false);
  }
  hipError_t hipMemsetD16Async(hipDeviceptr_t dest, unsigned short value, size_t count,
                               hipStream_t stream) {
    return Memset(dest, value, 2, count, stream, false);
  }
  hipError_t hipMemsetD32Async(hipDeviceptr_t dst, int value, size_t count, hipStream_t stream) {
    return Memset(dst, static_cast<uint32_t>(value), 4, count, stream, false);
  }
  hipError_t hipMemcpyHtoD(hipDeviceptr_t dst, void* src, size_t sizeBytes) {
    return Memcpy({DeviceRef(dst), MemoryRef::Host(src), sizeBytes}, nullptr, true);
  }
  hipError_t hipMemcpyDtoH(void* dst, hipDeviceptr_t src, size_t sizeBytes) {
    return Memcpy({MemoryRef::Host(dst), DeviceRef(src), sizeBytes}, nullptr, true);
  }
  hipError_t hipMemcpyDtoD(hipDeviceptr_t dst, hipDeviceptr_t src, size_t sizeBytes) {
    return Memcpy({DeviceRef(dst), DeviceRef(src), sizeBytes}, nullptr, true);
  }
  hipError_t hipMemcpyHtoDAsync(hipDeviceptr_t dst, void* src, size_t sizeBytes,
                                hipStream_t stream) {
    return Memcpy({DeviceRef(dst), MemoryRef::Host(src), sizeBytes}, stream, false);
  }
  hipError_t hipMemcpyDtoHAsync(void* dst, hipDeviceptr_t src, size_t sizeBytes,
                                hipStream_t stream) {
    return Memcpy({MemoryRef::Host(dst), DeviceRef(src), sizeBytes}, stream, false);
  }
  hipError_t hipMemcpyDtoDAsync(hipDeviceptr_t dst, hipDeviceptr_t src, size_t sizeBytes,
                                hipStream_t stream) {
    return Memcpy({DeviceRef(dst), DeviceRef(src), sizeBytes}, stream, false);
  }
  hipError_t hipModuleLoadDataEx(hipModule_t* module, const void* image, unsigned int numOptions,
                                 hipJitOption* options, void** optionValues) {
    return ModuleLoad(module, image, {options, numOptions}, optionValues);
  }
  hipError_t hipModuleGetFunction(hipFunction_t* function, hipModule_t module, const char* kname) {
    return ModuleGetFunction(function, module, kname);
  }
  hipError_t hipModuleUnload(hipModule_t module) { return ModuleUnload(module); }
  hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned int gridDimX, unsigned int gridDimY,
                                   unsigned int gridDimZ, unsigned int blockDimX,
                                   unsigned int blockDimY, unsigned int blockDimZ,
                                   unsigned int sharedMemBytes, hipStream_t stream,
                                   void** kernelParams, void** extra) {
    return LaunchKernel(f, {gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ},
                        sharedMemBytes, stream, kernelParams, extra);
  }
  hipError_t hipLaunchHostFunc(hipStream_t stream, hipHostFn_t fn, void* userData) {
    return LaunchHostFunc(stream, fn, userData);
  }
  hipError_t hipGraphCreate(hipGraph_t* pGraph, unsigned int flags) {
    return GraphCreate(pGraph, flags);
  }
  hipError_t hipGraphDestroy(hipGraph_t graph) { return GraphDestroy(graph); }
  hipError_t hipGraphAddKernelNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                   const hipGraphNode_t* pDependencies, size_t numDependencies,
                                   const hipKernelNodeParams* pNodeParams) {
    return AddKernelNode(pGraphNode, graph, pDependencies, numDependencies,
                         ReadKernelNode(pNodeParams));
  }
  hipError_t hipGraphAddMemsetNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                   const hipGraphNode_t* pDependencies, size_t numDependencies,
                                   const hipMemsetParams* pMemsetParams) {
    return AddMemsetNode(pGraphNode, graph, pDependencies, numDependencies, pMemsetParams);
  }
  hipError_t hipGraphAddMemcpyNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                   const hipGraphNode_t* pDependencies, size_t numDependencies,
                                   const hipMemcpy3DParms* pCopyParams);
  hipError_t hipGraphAddEmptyNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                  const hipGraphNode_t* pDependencies, size_t numDependencies) {
    return AddNode(pGraphNode, graph, pDependencies, numDependencies, GraphNodeParams{});
  }
  hipError_t hipGraphAddEventRecordNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                        const hipGraphNode_t* pDependencies, size_t numDependencies,
                                        hipEvent_t event) {
    return AddEventNode(pGraphNode, graph, pDependencies, numDependencies, event,
                        GraphNodeKind::kEventRecord);
  }
  hipError_t hipGraphAddEventWaitNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                      const hipGraphNode_t* pDependencies, size_t numDependencies,
                                      hipEvent_t event) {
    return AddEventNode(pGraphNode, graph, pDependencies, numDependencies, event,
                        GraphNodeKind::kEventWait);
  }
  hipError_t hipGraphAddChildGraphNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                       const hipGraphNode_t* pDependencies, size_t numDependencies,
                                       hipGraph_t childGraph) {
    return AddChildGraphNode(pGraphNode, graph, pDependencies, numDependencies, childGraph);
  }
  hipError_t hipGraphInstantiateWithFlags(hipGraphExec_t* pGraphExec, hipGraph_t graph,
                                          unsigned long long flags) {
    return GraphInstantiate(pGraphExec, graph, flags);
  }
  hipError_t hipGraphLaunch(hipGraphExec_t graphExec, hipStream_t stream) {
    return GraphLaunch(graphExec, stream);
  }
  hipError_t hipGraphExecDestroy(hipGraphExec_t graphExec) { return GraphExecDestroy(graphExec); }
  hipError_t hipGraphExecKernelNodeSetParams(hipGraphExec_t hGraphExec, hipGraphNode_t node,
                                             const hipKernelNodeParams* pNodeParams) {
    return GraphExecKernelNodeSetParams(hGraphExec, node, ReadKernelNode(pNodeParams));
  }
  const char* hipGetErrorName(hipError_t hip_error);
  const char* hipGetErrorString(hipError_t hipError);

 private:
  static KernelNode ReadKernelNode(const hipKernelNodeParams* params);
  bool IsDeviceAddress(const void* pointer);
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_HIP_HIP_FRONT_END_H_
