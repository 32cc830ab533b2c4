// The HIP runtime API over one simulated GPU engine: the HIP twin of CudaFrontEnd
// (fakes/cuda/cuda_front_end.h), with the same design. Each public member function has the
// name and exact signature of the HIP function it stands for; a slot's table is filled
// with trampolines to them (fakes/cuda/slot_binding.h). The trampoline first runs
// Preamble: injected faults (by vendor name), then hipErrorNotSupported inside a host
// function.
//
// Devices: each thread has its own current device per front end (hipSetDevice), device 0
// until set, as in HIP.
#ifndef GPUHAL_FAKES_HIP_HIP_FRONT_END_H_
#define GPUHAL_FAKES_HIP_HIP_FRONT_END_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "backends/hip/hip_symbols.h"
#include "fakes/cuda/owned_handles.h"
#include "fakes/engine/engine.h"
#include "fakes/hip/hip_handles.h"

namespace gpuhal::fake {

class HipFrontEnd {
 public:
  using ErrorCode = hipError_t;
  static constexpr hipError_t kUnbound = hipErrorDeinitialized;

  // `slot` keys the per-thread current device; `engine` must outlive this.
  HipFrontEnd(Engine& engine, int slot);
  ~HipFrontEnd();
  HipFrontEnd(const HipFrontEnd&) = delete;
  HipFrontEnd& operator=(const HipFrontEnd&) = delete;

  Engine& engine() { return engine_; }
  hipError_t Preamble(size_t symbol_index);

  // For the RCCL front end: the engine stream of `stream` (NULL: the device's NULL
  // stream), which must run on `device`.
  Error ResolveStreamOnDevice(hipStream_t stream, int device, StreamId* id);
  // For the RCCL front end: the calling thread's current device.
  Error CollectiveDevice(int* device);

  // ---- The runtime API (backends/hip/hip_symbols.inc) ----
  hipError_t hipInit(unsigned int flags);
  hipError_t hipDriverGetVersion(int* driverVersion);
  hipError_t hipGetDeviceCount(int* count);
  hipError_t hipDeviceGet(hipDevice_t* device, int ordinal);
  hipError_t hipDeviceGetName(char* name, int len, hipDevice_t device);
  hipError_t hipDeviceGetAttribute(int* pi, hipDeviceAttribute_t attr, int deviceId);
  hipError_t hipDeviceTotalMem(size_t* bytes, hipDevice_t device);
  hipError_t hipSetDevice(int deviceId);
  hipError_t hipGetDevice(int* deviceId);
  hipError_t hipStreamCreateWithFlags(hipStream_t* stream, unsigned int flags);
  hipError_t hipStreamDestroy(hipStream_t stream);
  hipError_t hipStreamSynchronize(hipStream_t stream);
  hipError_t hipStreamQuery(hipStream_t stream);
  hipError_t hipStreamWaitEvent(hipStream_t stream, hipEvent_t event, unsigned int flags);
  hipError_t hipStreamWaitValue32(hipStream_t stream, void* ptr, uint32_t value, unsigned int flags,
                                  uint32_t mask);
  hipError_t hipStreamWriteValue32(hipStream_t stream, void* ptr, uint32_t value,
                                   unsigned int flags);
  hipError_t hipEventCreateWithFlags(hipEvent_t* event, unsigned flags);
  hipError_t hipEventDestroy(hipEvent_t event);
  hipError_t hipEventRecord(hipEvent_t event, hipStream_t stream);
  hipError_t hipEventQuery(hipEvent_t event);
  hipError_t hipEventSynchronize(hipEvent_t event);
  hipError_t hipMalloc(void** ptr, size_t size);
  hipError_t hipFree(void* ptr);
  hipError_t hipHostMalloc(void** ptr, size_t size, unsigned int flags);
  hipError_t hipHostFree(void* ptr);
  hipError_t hipHostRegister(void* hostPtr, size_t sizeBytes, unsigned int flags);
  hipError_t hipHostUnregister(void* hostPtr);
  hipError_t hipHostGetDevicePointer(void** devPtr, void* hstPtr, unsigned int flags);
  hipError_t hipMemPoolCreate(hipMemPool_t* mem_pool, const hipMemPoolProps* pool_props);
  hipError_t hipMemPoolDestroy(hipMemPool_t mem_pool);
  hipError_t hipMemPoolSetAttribute(hipMemPool_t mem_pool, hipMemPoolAttr attr, void* value);
  hipError_t hipMemPoolTrimTo(hipMemPool_t mem_pool, size_t min_bytes_to_hold);
  hipError_t hipDeviceGetDefaultMemPool(hipMemPool_t* mem_pool, int device);
  hipError_t hipMallocFromPoolAsync(void** dev_ptr, size_t size, hipMemPool_t mem_pool,
                                    hipStream_t stream);
  hipError_t hipFreeAsync(void* dev_ptr, hipStream_t stream);
  hipError_t hipMemsetD8(hipDeviceptr_t dest, unsigned char value, size_t count);
  hipError_t hipMemsetD16(hipDeviceptr_t dest, unsigned short value, size_t count);
  hipError_t hipMemsetD32(hipDeviceptr_t dest, int value, size_t count);
  hipError_t hipMemsetD8Async(hipDeviceptr_t dest, unsigned char value, size_t count,
                              hipStream_t stream);
  hipError_t hipMemsetD16Async(hipDeviceptr_t dest, unsigned short value, size_t count,
                               hipStream_t stream);
  hipError_t hipMemsetD32Async(hipDeviceptr_t dst, int value, size_t count, hipStream_t stream);
  hipError_t hipMemcpyHtoD(hipDeviceptr_t dst, void* src, size_t sizeBytes);
  hipError_t hipMemcpyDtoH(void* dst, hipDeviceptr_t src, size_t sizeBytes);
  hipError_t hipMemcpyDtoD(hipDeviceptr_t dst, hipDeviceptr_t src, size_t sizeBytes);
  hipError_t hipMemcpyHtoDAsync(hipDeviceptr_t dst, void* src, size_t sizeBytes,
                                hipStream_t stream);
  hipError_t hipMemcpyDtoHAsync(void* dst, hipDeviceptr_t src, size_t sizeBytes,
                                hipStream_t stream);
  hipError_t hipMemcpyDtoDAsync(hipDeviceptr_t dst, hipDeviceptr_t src, size_t sizeBytes,
                                hipStream_t stream);
  hipError_t hipModuleLoadDataEx(hipModule_t* module, const void* image, unsigned int numOptions,
                                 hipJitOption* options, void** optionValues);
  hipError_t hipModuleGetFunction(hipFunction_t* function, hipModule_t module, const char* kname);
  hipError_t hipModuleUnload(hipModule_t module);
  hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned int gridDimX, unsigned int gridDimY,
                                   unsigned int gridDimZ, unsigned int blockDimX,
                                   unsigned int blockDimY, unsigned int blockDimZ,
                                   unsigned int sharedMemBytes, hipStream_t stream,
                                   void** kernelParams, void** extra);
  hipError_t hipLaunchHostFunc(hipStream_t stream, hipHostFn_t fn, void* userData);
  hipError_t hipGraphCreate(hipGraph_t* pGraph, unsigned int flags);
  hipError_t hipGraphDestroy(hipGraph_t graph);
  hipError_t hipGraphAddKernelNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                   const hipGraphNode_t* pDependencies, size_t numDependencies,
                                   const hipKernelNodeParams* pNodeParams);
  hipError_t hipGraphAddMemsetNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                   const hipGraphNode_t* pDependencies, size_t numDependencies,
                                   const hipMemsetParams* pMemsetParams);
  hipError_t hipGraphAddMemcpyNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                   const hipGraphNode_t* pDependencies, size_t numDependencies,
                                   const hipMemcpy3DParms* pCopyParams);
  hipError_t hipGraphAddEmptyNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                  const hipGraphNode_t* pDependencies, size_t numDependencies);
  hipError_t hipGraphAddEventRecordNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                        const hipGraphNode_t* pDependencies, size_t numDependencies,
                                        hipEvent_t event);
  hipError_t hipGraphAddEventWaitNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                      const hipGraphNode_t* pDependencies, size_t numDependencies,
                                      hipEvent_t event);
  hipError_t hipGraphAddChildGraphNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                       const hipGraphNode_t* pDependencies, size_t numDependencies,
                                       hipGraph_t childGraph);
  hipError_t hipGraphInstantiateWithFlags(hipGraphExec_t* pGraphExec, hipGraph_t graph,
                                          unsigned long long flags);
  hipError_t hipGraphLaunch(hipGraphExec_t graphExec, hipStream_t stream);
  hipError_t hipGraphExecDestroy(hipGraphExec_t graphExec);
  hipError_t hipGraphExecKernelNodeSetParams(hipGraphExec_t hGraphExec, hipGraphNode_t node,
                                             const hipKernelNodeParams* pNodeParams);
  const char* hipGetErrorName(hipError_t hip_error);
  const char* hipGetErrorString(hipError_t hipError);

 private:
  hipError_t CheckInitialized() const;
  hipError_t CheckDevice(int device) const;
  int CurrentDeviceIndex() const;
  // The current device, failing with its sticky fault like the real runtime.
  hipError_t CurrentDevice(int* device);
  hipError_t ResolveStream(hipStream_t stream, StreamId* id);
  ihipMemPoolHandle_t* FindPool(hipMemPool_t pool);
  hipError_t EnqueueMemset(hipDeviceptr_t dst, uint32_t value, uint8_t element_bytes,
                           size_t count, hipStream_t stream, bool synchronous);
  hipError_t EnqueueMemcpy(const MemcpyParams& params, hipStream_t stream, bool synchronous);
  hipError_t AddNode(hipGraphNode_t* node, hipGraph_t graph, const hipGraphNode_t* dependencies,
                     size_t dependency_count, const GraphNodeParams& params);
  hipError_t ToLaunchParams(const hipKernelNodeParams* params, LaunchParams* launch);
  MemoryRef ToMemoryRef(void* pointer, bool is_host);
  bool IsDeviceAddress(const void* pointer);

  Engine& engine_;
  const int slot_;
  const uint64_t serial_;  // distinguishes this front end from earlier ones in the slot
  std::atomic<bool> initialized_{false};
  std::mutex null_stream_mu_;
  std::vector<StreamId> null_streams_;                                // per device
  std::vector<std::unique_ptr<ihipMemPoolHandle_t>> default_pools_;  // per device
  OwnedHandles<ihipStream_t> streams_;
  OwnedHandles<ihipEvent_t> events_;
  OwnedHandles<ihipMemPoolHandle_t> pools_;
  OwnedHandles<ihipModule_t> modules_;
  OwnedHandles<ihipModuleSymbol_t> functions_;
  OwnedHandles<ihipGraph> graphs_;
  OwnedHandles<hipGraphNode> nodes_;
  OwnedHandles<hipGraphExec> execs_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_HIP_HIP_FRONT_END_H_
