// The CUDA side of the vendor-semantics tests (fakes/gpu/testing/vendor_semantics_tests.h): a
// small API whose every call goes through a fake CUDA platform's CUDA or NCCL table and
// returns the vendor's code as an int (0 is success). fakes/hip/hip_test_api.h is its twin
// (the CUDA and HIP headers cannot share a translation unit); what the two share, the
// platform and the collectives, is TestApiBase (fakes/gpu/testing/test_api_base.h).
#ifndef GPUHAL_FAKES_CUDA_CUDA_TEST_API_H_
#define GPUHAL_FAKES_CUDA_CUDA_TEST_API_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "backends/cuda/nccl_collective_api.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "fakes/gpu/testing/test_api_base.h"
#include "fakes/nccl/nccl_comm.h"
#include "gtest/gtest.h"

namespace gpuhal::fake::testing {

struct CudaApi : TestApiBase<FakeCudaPlatform, cuda::NcclTypes> {
  using Stream = CUstream;
  using Event = CUevent;
  using Graph = CUgraph;
  using GraphExec = CUgraphExec;
  using GraphNode = CUgraphNode;
  using Module = CUmodule;
  using Function = CUfunction;
  using HostFn = CUhostFn;
  static constexpr int kNotPermitted = CUDA_ERROR_NOT_PERMITTED;
  static constexpr int kIllegalAddress = CUDA_ERROR_ILLEGAL_ADDRESS;
  static constexpr int kLaunchFailed = CUDA_ERROR_LAUNCH_FAILED;
  static constexpr int kNotReady = CUDA_ERROR_NOT_READY;
  static constexpr int kOutOfMemory = CUDA_ERROR_OUT_OF_MEMORY;
  static constexpr int kInvalidHandle = CUDA_ERROR_INVALID_HANDLE;
  static constexpr int kInvalidValue = CUDA_ERROR_INVALID_VALUE;
  static constexpr int kDeinitialized = CUDA_ERROR_DEINITIALIZED;
  static constexpr const char* kAllocName = "cuMemAlloc";
  static constexpr const char* kStreamCreateName = "cuStreamCreate";
  static constexpr const char* kIllegalAddressName = "CUDA_ERROR_ILLEGAL_ADDRESS";

  const cuda::CudaSymbols* cu = nullptr;
  const cuda::NcclSymbols* nccl = nullptr;

  explicit CudaApi(const EngineOptions& options) : TestApiBase(options) {
    cu = &platform->cuda_symbols();
    nccl = collectives = &platform->nccl_symbols();
  }

  // Initializes the driver and makes `device` current on the calling thread.
  int Init(int device = 0) {
    if (int r = cu->cuInit(0)) return r;
    return SetDevice(device);
  }
  int SetDevice(int device) {
    CUcontext context = nullptr;
    if (int r = cu->cuDevicePrimaryCtxRetain(&context, device)) return r;
    return cu->cuCtxSetCurrent(context);
  }
  int CreateStream(Stream* stream) { return cu->cuStreamCreate(stream, CU_STREAM_NON_BLOCKING); }
  int DestroyStream(Stream stream) { return cu->cuStreamDestroy(stream); }
  int Sync(Stream stream) { return cu->cuStreamSynchronize(stream); }
  int Query(Stream stream) { return cu->cuStreamQuery(stream); }
  int CreateEvent(Event* event) { return cu->cuEventCreate(event, CU_EVENT_DISABLE_TIMING); }
  int DestroyEvent(Event event) { return cu->cuEventDestroy(event); }
  int Record(Event event, Stream stream) { return cu->cuEventRecord(event, stream); }
  int Wait(Stream stream, Event event) { return cu->cuStreamWaitEvent(stream, event, 0); }
  int QueryEvent(Event event) { return cu->cuEventQuery(event); }
  int SyncEvent(Event event) { return cu->cuEventSynchronize(event); }
  int Malloc(uint64_t* address, size_t bytes) {
    CUdeviceptr pointer = 0;
    int r = cu->cuMemAlloc(&pointer, bytes);
    *address = pointer;
    return r;
  }
  int Free(uint64_t address) { return cu->cuMemFree(address); }
  int HostAlloc(void** host, size_t bytes) {
    return cu->cuMemHostAlloc(host, bytes, CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP);
  }
  int FreeHost(void* host) { return cu->cuMemFreeHost(host); }
  int Memset8(uint64_t dst, uint8_t value, size_t count, Stream s) {
    return cu->cuMemsetD8Async(dst, value, count, s);
  }
  int Memset16(uint64_t dst, uint16_t value, size_t count, Stream s) {
    return cu->cuMemsetD16Async(dst, value, count, s);
  }
  int Memset32(uint64_t dst, uint32_t value, size_t count, Stream s) {
    return cu->cuMemsetD32Async(dst, value, count, s);
  }
  int Memset8Sync(uint64_t dst, uint8_t value, size_t count) {
    return cu->cuMemsetD8(dst, value, count);
  }
  int Memset16Sync(uint64_t dst, uint16_t value, size_t count) {
    return cu->cuMemsetD16(dst, value, count);
  }
  int Memset32Sync(uint64_t dst, uint32_t value, size_t count) {
    return cu->cuMemsetD32(dst, value, count);
  }
  int HtoD(uint64_t dst, const void* src, size_t bytes, Stream s) {
    return cu->cuMemcpyHtoDAsync(dst, src, bytes, s);
  }
  int DtoH(void* dst, uint64_t src, size_t bytes, Stream s) {
    return cu->cuMemcpyDtoHAsync(dst, src, bytes, s);
  }
  int DtoD(uint64_t dst, uint64_t src, size_t bytes, Stream s) {
    return cu->cuMemcpyDtoDAsync(dst, src, bytes, s);
  }
  int HtoDSync(uint64_t dst, const void* src, size_t bytes) {
    return cu->cuMemcpyHtoD(dst, src, bytes);
  }
  int DtoHSync(void* dst, uint64_t src, size_t bytes) { return cu->cuMemcpyDtoH(dst, src, bytes); }
  int DtoDSync(uint64_t dst, uint64_t src, size_t bytes) {
    return cu->cuMemcpyDtoD(dst, src, bytes);
  }
  int WaitValue(Stream s, uint64_t address, uint32_t value) {
    return cu->cuStreamWaitValue32(s, address, value, CU_STREAM_WAIT_VALUE_GEQ);
  }
  int HostFunction(Stream s, HostFn fn, void* user_data) {
    return cu->cuLaunchHostFunc(s, fn, user_data);
  }
  int AllocAsync(uint64_t* address, size_t bytes, Stream s) {
    CUmemoryPool pool = nullptr;
    if (int r = cu->cuDeviceGetDefaultMemPool(&pool, 0)) return r;
    CUdeviceptr pointer = 0;
    int r = cu->cuMemAllocFromPoolAsync(&pointer, bytes, pool, s);
    *address = pointer;
    return r;
  }
  int FreeAsync(uint64_t address, Stream s) { return cu->cuMemFreeAsync(address, s); }
  int LoadModule(const char* image, Module* module) {
    return cu->cuModuleLoadDataEx(module, image, 0, nullptr, nullptr);
  }
  int GetFunction(Module module, const char* name, Function* function) {
    return cu->cuModuleGetFunction(function, module, name);
  }
  int UnloadModule(Module module) { return cu->cuModuleUnload(module); }
  int Launch(Function f, Stream s, void** args, unsigned grid = 1) {
    return cu->cuLaunchKernel(f, grid, 1, 1, 1, 1, 1, 0, s, args, nullptr);
  }
  int CreateGraph(Graph* graph) { return cu->cuGraphCreate(graph, 0); }
  int DestroyGraph(Graph graph) { return cu->cuGraphDestroy(graph); }
  static CUDA_KERNEL_NODE_PARAMS KernelParams(Function f, void** args) {
    CUDA_KERNEL_NODE_PARAMS params;
    std::memset(&params, 0, sizeof(params));
    params.func = f;
    params.gridDimX = params.gridDimY = params.gridDimZ = 1;
    params.blockDimX = params.blockDimY = params.blockDimZ = 1;
    params.kernelParams = args;
    return params;
  }
  int AddKernelNode(Graph graph, std::vector<GraphNode> deps, Function f, void** args,
                    GraphNode* node) {
    CUDA_KERNEL_NODE_PARAMS params = KernelParams(f, args);
    return cu->cuGraphAddKernelNode(node, graph, deps.data(), deps.size(), &params);
  }
  int AddMemsetNode(Graph graph, std::vector<GraphNode> deps, uint64_t dst, uint32_t value,
                    unsigned element, size_t count, GraphNode* node) {
    CUDA_MEMSET_NODE_PARAMS params;
    std::memset(&params, 0, sizeof(params));
    params.dst = dst;
    params.value = value;
    params.elementSize = element;
    params.width = count;
    params.height = 1;
    CUcontext context = nullptr;
    cu->cuDevicePrimaryCtxRetain(&context, 0);
    return cu->cuGraphAddMemsetNode(node, graph, deps.data(), deps.size(), &params, context);
  }
  int AddCopyDtoHNode(Graph graph, std::vector<GraphNode> deps, void* dst, uint64_t src,
                      size_t bytes, GraphNode* node) {
    CUDA_MEMCPY3D copy;
    std::memset(&copy, 0, sizeof(copy));
    copy.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    copy.srcDevice = src;
    copy.dstMemoryType = CU_MEMORYTYPE_HOST;
    copy.dstHost = dst;
    copy.WidthInBytes = bytes;
    copy.Height = copy.Depth = 1;
    CUcontext context = nullptr;
    cu->cuDevicePrimaryCtxRetain(&context, 0);
    return cu->cuGraphAddMemcpyNode(node, graph, deps.data(), deps.size(), &copy, context);
  }
  int AddEmptyNode(Graph graph, std::vector<GraphNode> deps, GraphNode* node) {
    return cu->cuGraphAddEmptyNode(node, graph, deps.data(), deps.size());
  }
  int Instantiate(Graph graph, GraphExec* exec) {
    return cu->cuGraphInstantiateWithFlags(exec, graph, 0);
  }
  int LaunchGraph(GraphExec exec, Stream s) { return cu->cuGraphLaunch(exec, s); }
  int DestroyExec(GraphExec exec) { return cu->cuGraphExecDestroy(exec); }
  int SetExecKernel(GraphExec exec, GraphNode node, Function f, void** args) {
    CUDA_KERNEL_NODE_PARAMS params = KernelParams(f, args);
    return cu->cuGraphExecKernelNodeSetParams(exec, node, &params);
  }
  std::string ErrorName(int code) {
    const char* name = nullptr;
    cu->cuGetErrorName(static_cast<CUresult>(code), &name);
    return name ? name : "";
  }
};

}  // namespace gpuhal::fake::testing

#endif  // GPUHAL_FAKES_CUDA_CUDA_TEST_API_H_
