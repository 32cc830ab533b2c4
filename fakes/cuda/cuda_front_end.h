// The CUDA driver API over one simulated GPU engine. Each public member function has the
// name and exact signature of the driver function it stands for, so a slot's table can be
// filled with Trampoline<CudaFrontEnd, kSlot, &CudaFrontEnd::cuMemAlloc, ...>::Call
// (fakes/cuda/slot_binding.h); a missing member or a wrong signature fails to compile.
// Every member translates to engine calls one for one and maps engine errors with
// ToCudaResult. The trampoline first runs Preamble: injected faults (by vendor name), then
// CUDA_ERROR_NOT_PERMITTED inside a host function.
//
// Contexts: one primary context per device; each thread has its own current context per
// front end (cuCtxSetCurrent), and calls that need a device use it
// (CUDA_ERROR_INVALID_CONTEXT when there is none).
#ifndef GPUHAL_FAKES_CUDA_CUDA_FRONT_END_H_
#define GPUHAL_FAKES_CUDA_CUDA_FRONT_END_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "backends/cuda/cuda_symbols.h"
#include "fakes/cuda/cuda_handles.h"
#include "fakes/cuda/owned_handles.h"
#include "fakes/engine/engine.h"

namespace gpuhal::fake {

class CudaFrontEnd {
 public:
  using ErrorCode = CUresult;
  static constexpr CUresult kUnbound = CUDA_ERROR_DEINITIALIZED;

  // `slot` keys the per-thread current context; `engine` must outlive this.
  CudaFrontEnd(Engine& engine, int slot);
  ~CudaFrontEnd();
  CudaFrontEnd(const CudaFrontEnd&) = delete;
  CudaFrontEnd& operator=(const CudaFrontEnd&) = delete;

  Engine& engine() { return engine_; }
  CUresult Preamble(size_t symbol_index);

  // For the NCCL front end: the engine stream of `stream` (NULL: the device's primary
  // context's NULL stream), which must run on `device`.
  Error ResolveStreamOnDevice(CUstream stream, int device, StreamId* id);
  // For the NCCL front end: the calling thread's current device (0 without a context, as
  // the CUDA runtime's cudaGetDevice reports).
  Error CollectiveDevice(int* device);

  // ---- The driver API (backends/cuda/cuda_symbols.inc) ----
  CUresult cuInit(unsigned int Flags);
  CUresult cuDriverGetVersion(int* driverVersion);
  CUresult cuDeviceGetCount(int* count);
  CUresult cuDeviceGet(CUdevice_v1* device, int ordinal);
  CUresult cuDeviceGetName(char* name, int len, CUdevice_v1 dev);
  CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice_v1 dev);
  CUresult cuDeviceTotalMem(size_t* bytes, CUdevice_v1 dev);
  CUresult cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice_v1 dev);
  CUresult cuDevicePrimaryCtxRelease(CUdevice_v1 dev);
  CUresult cuCtxSetCurrent(CUcontext ctx);
  CUresult cuCtxGetCurrent(CUcontext* pctx);
  CUresult cuStreamCreate(CUstream* phStream, unsigned int Flags);
  CUresult cuStreamDestroy(CUstream hStream);
  CUresult cuStreamSynchronize(CUstream hStream);
  CUresult cuStreamQuery(CUstream hStream);
  CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags);
  CUresult cuStreamWaitValue32(CUstream stream, CUdeviceptr_v2 addr, cuuint32_t value,
                               unsigned int flags);
  CUresult cuStreamWriteValue32(CUstream stream, CUdeviceptr_v2 addr, cuuint32_t value,
                                unsigned int flags);
  CUresult cuEventCreate(CUevent* phEvent, unsigned int Flags);
  CUresult cuEventDestroy(CUevent hEvent);
  CUresult cuEventRecord(CUevent hEvent, CUstream hStream);
  CUresult cuEventQuery(CUevent hEvent);
  CUresult cuEventSynchronize(CUevent hEvent);
  CUresult cuMemAlloc(CUdeviceptr_v2* dptr, size_t bytesize);
  CUresult cuMemFree(CUdeviceptr_v2 dptr);
  CUresult cuMemHostAlloc(void** pp, size_t bytesize, unsigned int Flags);
  CUresult cuMemFreeHost(void* p);
  CUresult cuMemHostRegister(void* p, size_t bytesize, unsigned int Flags);
  CUresult cuMemHostUnregister(void* p);
  CUresult cuMemHostGetDevicePointer(CUdeviceptr_v2* pdptr, void* p, unsigned int Flags);
  CUresult cuMemPoolCreate(CUmemoryPool* pool, const CUmemPoolProps_v1* poolProps);
  CUresult cuMemPoolDestroy(CUmemoryPool pool);
  CUresult cuMemPoolSetAttribute(CUmemoryPool pool, CUmemPool_attribute attr, void* value);
  CUresult cuMemPoolTrimTo(CUmemoryPool pool, size_t minBytesToKeep);
  CUresult cuDeviceGetDefaultMemPool(CUmemoryPool* pool_out, CUdevice_v1 dev);
  CUresult cuMemAllocFromPoolAsync(CUdeviceptr_v2* dptr, size_t bytesize, CUmemoryPool pool,
                                   CUstream hStream);
  CUresult cuMemFreeAsync(CUdeviceptr_v2 dptr, CUstream hStream);
  CUresult cuMemsetD8(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N);
  CUresult cuMemsetD16(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N);
  CUresult cuMemsetD32(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N);
  CUresult cuMemsetD8Async(CUdeviceptr_v2 dstDevice, unsigned char uc, size_t N,
                           CUstream hStream);
  CUresult cuMemsetD16Async(CUdeviceptr_v2 dstDevice, unsigned short us, size_t N,
                            CUstream hStream);
  CUresult cuMemsetD32Async(CUdeviceptr_v2 dstDevice, unsigned int ui, size_t N,
                            CUstream hStream);
  CUresult cuMemcpyHtoD(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount);
  CUresult cuMemcpyDtoH(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount);
  CUresult cuMemcpyDtoD(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice, size_t ByteCount);
  CUresult cuMemcpyHtoDAsync(CUdeviceptr_v2 dstDevice, const void* srcHost, size_t ByteCount,
                             CUstream hStream);
  CUresult cuMemcpyDtoHAsync(void* dstHost, CUdeviceptr_v2 srcDevice, size_t ByteCount,
                             CUstream hStream);
  CUresult cuMemcpyDtoDAsync(CUdeviceptr_v2 dstDevice, CUdeviceptr_v2 srcDevice,
                             size_t ByteCount, CUstream hStream);
  CUresult cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int numOptions,
                              CUjit_option* options, void** optionValues);
  CUresult cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name);
  CUresult cuModuleUnload(CUmodule hmod);
  CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
                          unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
                          unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
                          void** kernelParams, void** extra);
  CUresult cuLaunchHostFunc(CUstream hStream, CUhostFn fn, void* userData);
  CUresult cuGraphCreate(CUgraph* phGraph, unsigned int flags);
  CUresult cuGraphDestroy(CUgraph hGraph);
  CUresult cuGraphAddKernelNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                const CUgraphNode* dependencies, size_t numDependencies,
                                const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams);
  CUresult cuGraphAddMemsetNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                const CUgraphNode* dependencies, size_t numDependencies,
                                const CUDA_MEMSET_NODE_PARAMS_v1* memsetParams, CUcontext ctx);
  CUresult cuGraphAddMemcpyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                const CUgraphNode* dependencies, size_t numDependencies,
                                const CUDA_MEMCPY3D_v2* copyParams, CUcontext ctx);
  CUresult cuGraphAddEmptyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                               const CUgraphNode* dependencies, size_t numDependencies);
  CUresult cuGraphAddEventRecordNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                     const CUgraphNode* dependencies, size_t numDependencies,
                                     CUevent event);
  CUresult cuGraphAddEventWaitNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                   const CUgraphNode* dependencies, size_t numDependencies,
                                   CUevent event);
  CUresult cuGraphAddChildGraphNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                    const CUgraphNode* dependencies, size_t numDependencies,
                                    CUgraph childGraph);
  CUresult cuGraphInstantiateWithFlags(CUgraphExec* phGraphExec, CUgraph hGraph,
                                       unsigned long long flags);
  CUresult cuGraphLaunch(CUgraphExec hGraph, CUstream hStream);
  CUresult cuGraphExecDestroy(CUgraphExec hGraphExec);
  CUresult cuGraphExecKernelNodeSetParams(CUgraphExec hGraphExec, CUgraphNode hNode,
                                          const CUDA_KERNEL_NODE_PARAMS_v2* nodeParams);
  CUresult cuGetErrorName(CUresult error, const char** pStr);
  CUresult cuGetErrorString(CUresult error, const char** pStr);

 private:
  CUresult CheckInitialized() const;
  CUresult CheckDevice(CUdevice_v1 dev) const;
  // The calling thread's current context of this front end, or null.
  CUctx_st* CurrentContext() const;
  // The current context's device, failing with its sticky fault like the real driver.
  CUresult CurrentDevice(int* device);
  CUresult ResolveStream(CUstream stream, StreamId* id);
  CUresult EnqueueMemset(CUdeviceptr_v2 dst, uint32_t value, uint8_t element_bytes,
                         size_t count, CUstream stream, bool synchronous);
  CUresult EnqueueMemcpy(const MemcpyParams& params, CUstream stream, bool synchronous);
  bool IsOwnContext(const CUctx_st* context) const;
  CUmemPoolHandle_st* FindPool(CUmemoryPool pool);
  CUresult AddNode(CUgraphNode* node, CUgraph graph, const CUgraphNode* dependencies,
                   size_t dependency_count, const GraphNodeParams& params);
  CUresult ToLaunchParams(const CUDA_KERNEL_NODE_PARAMS_v2* params, LaunchParams* launch);

  Engine& engine_;
  const int slot_;
  const uint64_t serial_;  // distinguishes this front end from earlier ones in the slot
  std::atomic<bool> initialized_{false};
  std::mutex context_mu_;  // guards CUctx_st::retain_count
  std::vector<std::unique_ptr<CUctx_st>> contexts_;                 // per device
  std::vector<std::unique_ptr<CUmemPoolHandle_st>> default_pools_;  // per device
  OwnedHandles<CUstream_st> streams_;
  OwnedHandles<CUevent_st> events_;
  OwnedHandles<CUmemPoolHandle_st> pools_;
  OwnedHandles<CUmod_st> modules_;
  OwnedHandles<CUfunc_st> functions_;
  OwnedHandles<CUgraph_st> graphs_;
  OwnedHandles<CUgraphNode_st> nodes_;
  OwnedHandles<CUgraphExec_st> execs_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_CUDA_CUDA_FRONT_END_H_
