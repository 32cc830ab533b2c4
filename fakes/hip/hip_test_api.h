// The HIP side of the vendor-semantics tests (fakes/gpu/testing/vendor_semantics_tests.h): a small
// API whose every call goes through a fake HIP platform's HIP or RCCL table and returns the
// vendor's code as an int (0 is success). Twin of fakes/cuda/cuda_test_api.h; what the two
// share, the platform and the collectives, is TestApiBase (fakes/gpu/testing/test_api_base.h).
#ifndef GPUHAL_FAKES_HIP_HIP_TEST_API_H_
#define GPUHAL_FAKES_HIP_HIP_TEST_API_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "backends/hip/rccl_collective_api.h"
#include "fakes/gpu/testing/test_api_base.h"
#include "fakes/hip/fake_hip_platform.h"
#include "fakes/nccl/rccl_comm.h"
#include "gtest/gtest.h"

namespace gpuhal::fake::testing {

struct HipApi : TestApiBase<FakeHipPlatform, hip::RcclTypes> {
  using Stream = hipStream_t;
  using Event = hipEvent_t;
  using Graph = hipGraph_t;
  using GraphExec = hipGraphExec_t;
  using GraphNode = hipGraphNode_t;
  using Module = hipModule_t;
  using Function = hipFunction_t;
  using HostFn = hipHostFn_t;
  static constexpr int kNotPermitted = hipErrorNotSupported;
  static constexpr int kIllegalAddress = hipErrorIllegalAddress;
  static constexpr int kLaunchFailed = hipErrorLaunchFailure;
  static constexpr int kNotReady = hipErrorNotReady;
  static constexpr int kOutOfMemory = hipErrorOutOfMemory;
  static constexpr int kInvalidHandle = hipErrorInvalidHandle;
  static constexpr int kInvalidValue = hipErrorInvalidValue;
  static constexpr int kDeinitialized = hipErrorDeinitialized;
  static constexpr const char* kAllocName = "hipMalloc";
  static constexpr const char* kStreamCreateName = "hipStreamCreateWithFlags";
  static constexpr const char* kIllegalAddressName = "hipErrorIllegalAddress";

  const hip::HipSymbols* h = nullptr;
  const hip::RcclSymbols* rccl = nullptr;

  explicit HipApi(const EngineOptions& options) : TestApiBase(options) {
    h = &platform->hip_symbols();
    rccl = collectives = &platform->rccl_symbols();
  }

  int Init(int device = 0) {
    if (int r = h->hipInit(0)) return r;
    return SetDevice(device);
  }
  int SetDevice(int device) { return h->hipSetDevice(device); }
  int CreateStream(Stream* stream) {
    return h->hipStreamCreateWithFlags(stream, hipStreamNonBlocking);
  }
  int DestroyStream(Stream stream) { return h->hipStreamDestroy(stream); }
  int Sync(Stream stream) { return h->hipStreamSynchronize(stream); }
  int Query(Stream stream) { return h->hipStreamQuery(stream); }
  int CreateEvent(Event* event) { return h->hipEventCreateWithFlags(event, hipEventDisableTiming); }
  int DestroyEvent(Event event) { return h->hipEventDestroy(event); }
  int Record(Event event, Stream stream) { return h->hipEventRecord(event, stream); }
  int Wait(Stream stream, Event event) { return h->hipStreamWaitEvent(stream, event, 0); }
  int QueryEvent(Event event) { return h->hipEventQuery(event); }
  int SyncEvent(Event event) { return h->hipEventSynchronize(event); }
  int Malloc(uint64_t* address, size_t bytes) {
    void* pointer = nullptr;
    int r = h->hipMalloc(&pointer, bytes);
    *address = reinterpret_cast<uintptr_t>(pointer);
    return r;
  }
  int Free(uint64_t address) { return h->hipFree(P(address)); }
  int HostAlloc(void** host, size_t bytes) {
    return h->hipHostMalloc(host, bytes, hipHostMallocPortable | hipHostMallocMapped);
  }
  int FreeHost(void* host) { return h->hipHostFree(host); }
  int Memset8(uint64_t dst, uint8_t value, size_t count, Stream s) {
    return h->hipMemsetD8Async(P(dst), value, count, s);
  }
  int Memset16(uint64_t dst, uint16_t value, size_t count, Stream s) {
    return h->hipMemsetD16Async(P(dst), value, count, s);
  }
  int Memset32(uint64_t dst, uint32_t value, size_t count, Stream s) {
    return h->hipMemsetD32Async(P(dst), static_cast<int>(value), count, s);
  }
  int Memset8Sync(uint64_t dst, uint8_t value, size_t count) {
    return h->hipMemsetD8(P(dst), value, count);
  }
  int Memset16Sync(uint64_t dst, uint16_t value, size_t count) {
    return h->hipMemsetD16(P(dst), value, count);
  }
  int Memset32Sync(uint64_t dst, uint32_t value, size_t count) {
    return h->hipMemsetD32(P(dst), static_cast<int>(value), count);
  }
  int HtoD(uint64_t dst, const void* src, size_t bytes, Stream s) {
    return h->hipMemcpyHtoDAsync(P(dst), const_cast<void*>(src), bytes, s);
  }
  int DtoH(void* dst, uint64_t src, size_t bytes, Stream s) {
    return h->hipMemcpyDtoHAsync(dst, P(src), bytes, s);
  }
  int DtoD(uint64_t dst, uint64_t src, size_t bytes, Stream s) {
    return h->hipMemcpyDtoDAsync(P(dst), P(src), bytes, s);
  }
  int HtoDSync(uint64_t dst, const void* src, size_t bytes) {
    return h->hipMemcpyHtoD(P(dst), const_cast<void*>(src), bytes);
  }
  int DtoHSync(void* dst, uint64_t src, size_t bytes) { return h->hipMemcpyDtoH(dst, P(src), bytes); }
  int DtoDSync(uint64_t dst, uint64_t src, size_t bytes) {
    return h->hipMemcpyDtoD(P(dst), P(src), bytes);
  }
  int WaitValue(Stream s, uint64_t address, uint32_t value) {
    return h->hipStreamWaitValue32(s, P(address), value, hipStreamWaitValueGte, 0xffffffffu);
  }
  int HostFunction(Stream s, HostFn fn, void* user_data) {
    return h->hipLaunchHostFunc(s, fn, user_data);
  }
  int AllocAsync(uint64_t* address, size_t bytes, Stream s) {
    hipMemPool_t pool = nullptr;
    if (int r = h->hipDeviceGetDefaultMemPool(&pool, 0)) return r;
    void* pointer = nullptr;
    int r = h->hipMallocFromPoolAsync(&pointer, bytes, pool, s);
    *address = reinterpret_cast<uintptr_t>(pointer);
    return r;
  }
  int FreeAsync(uint64_t address, Stream s) { return h->hipFreeAsync(P(address), s); }
  int LoadModule(const char* image, Module* module) {
    return h->hipModuleLoadDataEx(module, image, 0, nullptr, nullptr);
  }
  int GetFunction(Module module, const char* name, Function* function) {
    return h->hipModuleGetFunction(function, module, name);
  }
  int UnloadModule(Module module) { return h->hipModuleUnload(module); }
  int Launch(Function f, Stream s, void** args, unsigned grid = 1) {
    return h->hipModuleLaunchKernel(f, grid, 1, 1, 1, 1, 1, 0, s, args, nullptr);
  }
  int CreateGraph(Graph* graph) { return h->hipGraphCreate(graph, 0); }
  int DestroyGraph(Graph graph) { return h->hipGraphDestroy(graph); }
  static hipKernelNodeParams KernelParams(Function f, void** args) {
    hipKernelNodeParams params{};
    params.func = f;
    params.gridDim = dim3(1, 1, 1);
    params.blockDim = dim3(1, 1, 1);
    params.kernelParams = args;
    return params;
  }
  int AddKernelNode(Graph graph, std::vector<GraphNode> deps, Function f, void** args,
                    GraphNode* node) {
    hipKernelNodeParams params = KernelParams(f, args);
    return h->hipGraphAddKernelNode(node, graph, deps.data(), deps.size(), &params);
  }
  int AddMemsetNode(Graph graph, std::vector<GraphNode> deps, uint64_t dst, uint32_t value,
                    unsigned element, size_t count, GraphNode* node) {
    hipMemsetParams params;
    std::memset(&params, 0, sizeof(params));
    params.dst = P(dst);
    params.value = value;
    params.elementSize = element;
    params.width = count;
    params.height = 1;
    return h->hipGraphAddMemsetNode(node, graph, deps.data(), deps.size(), &params);
  }
  int AddCopyDtoHNode(Graph graph, std::vector<GraphNode> deps, void* dst, uint64_t src,
                      size_t bytes, GraphNode* node) {
    hipMemcpy3DParms copy;
    std::memset(&copy, 0, sizeof(copy));
    copy.srcPtr = make_hipPitchedPtr(P(src), bytes, bytes, 1);
    copy.dstPtr = make_hipPitchedPtr(dst, bytes, bytes, 1);
    copy.extent = make_hipExtent(bytes, 1, 1);
    copy.kind = hipMemcpyDeviceToHost;
    return h->hipGraphAddMemcpyNode(node, graph, deps.data(), deps.size(), &copy);
  }
  int AddEmptyNode(Graph graph, std::vector<GraphNode> deps, GraphNode* node) {
    return h->hipGraphAddEmptyNode(node, graph, deps.data(), deps.size());
  }
  int Instantiate(Graph graph, GraphExec* exec) {
    return h->hipGraphInstantiateWithFlags(exec, graph, 0);
  }
  int LaunchGraph(GraphExec exec, Stream s) { return h->hipGraphLaunch(exec, s); }
  int DestroyExec(GraphExec exec) { return h->hipGraphExecDestroy(exec); }
  int SetExecKernel(GraphExec exec, GraphNode node, Function f, void** args) {
    hipKernelNodeParams params = KernelParams(f, args);
    return h->hipGraphExecKernelNodeSetParams(exec, node, &params);
  }
  std::string ErrorName(int code) { return h->hipGetErrorName(static_cast<hipError_t>(code)); }
};

}  // namespace gpuhal::fake::testing

#endif  // GPUHAL_FAKES_HIP_HIP_TEST_API_H_
