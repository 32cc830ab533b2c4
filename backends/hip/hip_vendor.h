// HipVendor: the single-source driver's view of the HIP runtime API (backends/gpu/vendor.h).
// Each member is one HIP call, or a fixed short sequence of them, with its hipError_t
// turned into a Status that names the call. HIP has no explicit contexts: a device is
// made current per thread with hipSetDevice, which is what Context holds.
#ifndef GPUHAL_BACKENDS_HIP_HIP_VENDOR_H_
#define GPUHAL_BACKENDS_HIP_HIP_VENDOR_H_

#include <array>
#include <cstring>
#include <span>

#include "backends/gpu/collective_api.h"
#include "backends/gpu/module_load_log.h"
#include "backends/gpu/vendor.h"
#include "backends/hip/hip_library.h"
#include "backends/hip/hip_status.h"
#include "backends/hip/hip_symbols.h"

namespace gpuhal::hip {

struct RcclTypes;

struct HipVendor {
  static constexpr std::string_view kName = "hip";
  using Symbols = HipSymbols;
  using Library = HipLibrary;
  using Context = int;  // the device ordinal given to hipSetDevice
  using Stream = hipStream_t;
  using Event = hipEvent_t;
  using Graph = hipGraph_t;
  using GraphExec = hipGraphExec_t;
  using GraphNode = hipGraphNode_t;
  using Module = hipModule_t;
  using Function = hipFunction_t;
  using MemoryPool = hipMemPool_t;
  using HostFunction = hipHostFn_t;
  using DeviceAddress = gpu::DeviceAddress;
  // Channels and collectives go through RCCL (backends/gpu/collective_api.h). RcclTypes is
  // defined in backends/hip/rccl_collective_api.h, which only the files that compile
  // channels include: nccl.h brings in the CUDA runtime headers, which cannot share a
  // translation unit with HIP's (the built-in driver registry includes both vendors).
  using Collectives = gpu::CollectiveApi<RcclTypes>;
  // Executable container targets this vendor loads, in order of preference.
  static constexpr std::array<std::string_view, 1> kExecutableTargets = {"hsaco"};

  const HipSymbols* symbols = nullptr;
  hipDevice_t device = 0;
  int context = -1;
  int ordinal = -1;  // the device's ordinal once Open; collectives name devices by it

  // Success is tested before the call's name becomes a string_view (see CudaVendor::Check).
  Status Check(hipError_t result, const char* call) const {
    if (result == hipSuccess) [[likely]] return OkStatus();
    return HipErrorToStatus(result, call, symbols);
  }
  static void* Pointer(DeviceAddress address) { return reinterpret_cast<void*>(address); }
  static DeviceAddress Address(const void* pointer) {
    return reinterpret_cast<DeviceAddress>(pointer);
  }

  // Devices and contexts --------------------------------------------------------------

  Status Initialize() const { return Check(symbols->hipInit(0), "hipInit"); }
  Result<int> DeviceCount() const {
    int count = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGetDeviceCount(&count), "hipGetDeviceCount"));
    return count;
  }
  Result<gpu::DeviceDescription> Describe(int ordinal) const {
    hipDevice_t handle = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipDeviceGet(&handle, ordinal), "hipDeviceGet"));
    char name[256] = {};
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->hipDeviceGetName(name, sizeof(name) - 1, handle), "hipDeviceGetName"));
    size_t bytes = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipDeviceTotalMem(&bytes, handle), "hipDeviceTotalMem"));
    return gpu::DeviceDescription{name, bytes};
  }
  Status Open(int ordinal) {
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipDeviceGet(&device, ordinal), "hipDeviceGet"));
    this->ordinal = ordinal;
    context = ordinal;
    return MakeCurrent();
  }
  Status Close() {
    context = -1;
    return OkStatus();
  }
  // Asking first, as CudaVendor::MakeCurrent does: a thread that issues again and again
  // has the device current already.
  Status MakeCurrent() const {
    int current = -1;
    if (symbols->hipGetDevice(&current) == hipSuccess && current == context) return OkStatus();
    return Check(symbols->hipSetDevice(context), "hipSetDevice");
  }

  // Streams and events ----------------------------------------------------------------

  Result<hipStream_t> CreateStream() const {
    hipStream_t stream = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipStreamCreateWithFlags(&stream, hipStreamNonBlocking),
                                 "hipStreamCreateWithFlags"));
    return stream;
  }
  Status DestroyStream(hipStream_t stream) const {
    return Check(symbols->hipStreamDestroy(stream), "hipStreamDestroy");
  }
  Status SynchronizeStream(hipStream_t stream) const {
    return Check(symbols->hipStreamSynchronize(stream), "hipStreamSynchronize");
  }
  Status StreamWaitEvent(hipStream_t stream, hipEvent_t event) const {
    return Check(symbols->hipStreamWaitEvent(stream, event, 0), "hipStreamWaitEvent");
  }
  Result<hipEvent_t> CreateEvent() const {
    hipEvent_t event = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipEventCreateWithFlags(&event, hipEventDisableTiming),
                                 "hipEventCreateWithFlags"));
    return event;
  }
  Status DestroyEvent(hipEvent_t event) const {
    return Check(symbols->hipEventDestroy(event), "hipEventDestroy");
  }
  Status RecordEvent(hipEvent_t event, hipStream_t stream) const {
    return Check(symbols->hipEventRecord(event, stream), "hipEventRecord");
  }
  Result<bool> QueryEvent(hipEvent_t event) const {
    const hipError_t result = symbols->hipEventQuery(event);
    if (result == hipErrorNotReady) return false;
    GPUHAL_RETURN_IF_ERROR(Check(result, "hipEventQuery"));
    return true;
  }
  Status SynchronizeEvent(hipEvent_t event) const {
    return Check(symbols->hipEventSynchronize(event), "hipEventSynchronize");
  }
  Status LaunchHostFunction(hipStream_t stream, hipHostFn_t function, void* user_data) const {
    return Check(symbols->hipLaunchHostFunc(stream, function, user_data), "hipLaunchHostFunc");
  }
  Status WaitValue32(hipStream_t stream, DeviceAddress address, uint32_t value) const {
    return Check(symbols->hipStreamWaitValue32(stream, Pointer(address), value,
                                               hipStreamWaitValueGte, 0xffffffffu),
                 "hipStreamWaitValue32");
  }
  Status WriteValue32(hipStream_t stream, DeviceAddress address, uint32_t value) const {
    return Check(symbols->hipStreamWriteValue32(stream, Pointer(address), value, 0),
                 "hipStreamWriteValue32");
  }

  // Memory ----------------------------------------------------------------------------

  Result<DeviceAddress> Allocate(size_t size) const {
    void* pointer = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipMalloc(&pointer, size), "hipMalloc"));
    return Address(pointer);
  }
  Status Free(DeviceAddress address) const {
    return Check(symbols->hipFree(Pointer(address)), "hipFree");
  }
  Result<void*> AllocateHost(size_t size) const {
    void* host = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(
        symbols->hipHostMalloc(&host, size, hipHostMallocPortable | hipHostMallocMapped),
        "hipHostMalloc"));
    return host;
  }
  Status FreeHost(void* host) const { return Check(symbols->hipHostFree(host), "hipHostFree"); }
  Result<DeviceAddress> DeviceAddressOfHost(void* host) const {
    void* pointer = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipHostGetDevicePointer(&pointer, host, 0),
                                 "hipHostGetDevicePointer"));
    return Address(pointer);
  }
  Result<hipMemPool_t> DefaultMemoryPool() const {
    hipMemPool_t pool = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipDeviceGetDefaultMemPool(&pool, context),
                                 "hipDeviceGetDefaultMemPool"));
    return pool;
  }
  Result<DeviceAddress> AllocateAsync(hipMemPool_t pool, size_t size, hipStream_t stream) const {
    void* pointer = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipMallocFromPoolAsync(&pointer, size, pool, stream),
                                 "hipMallocFromPoolAsync"));
    return Address(pointer);
  }
  Status FreeAsync(DeviceAddress address, hipStream_t stream) const {
    return Check(symbols->hipFreeAsync(Pointer(address), stream), "hipFreeAsync");
  }

  Status FillAsync(DeviceAddress target, uint32_t pattern, size_t pattern_length, size_t count,
                   hipStream_t stream) const {
    switch (pattern_length) {
      case 1:
        return Check(symbols->hipMemsetD8Async(Pointer(target),
                                               static_cast<unsigned char>(pattern), count, stream),
                     "hipMemsetD8Async");
      case 2:
        return Check(symbols->hipMemsetD16Async(Pointer(target),
                                                static_cast<unsigned short>(pattern), count, stream),
                     "hipMemsetD16Async");
      case 4:
        return Check(symbols->hipMemsetD32Async(Pointer(target), static_cast<int>(pattern), count,
                                                stream),
                     "hipMemsetD32Async");
    }
    return InvalidArgumentError("fill pattern length ", pattern_length, " is not 1, 2 or 4");
  }
  Status CopyHostToDeviceAsync(DeviceAddress target, const void* source, size_t length,
                               hipStream_t stream) const {
    // HIP's signature takes a non-const source it never writes.
    return Check(symbols->hipMemcpyHtoDAsync(Pointer(target), const_cast<void*>(source), length,
                                             stream),
                 "hipMemcpyHtoDAsync");
  }
  Status CopyDeviceToHostAsync(void* target, DeviceAddress source, size_t length,
                               hipStream_t stream) const {
    return Check(symbols->hipMemcpyDtoHAsync(target, Pointer(source), length, stream),
                 "hipMemcpyDtoHAsync");
  }
  Status CopyDeviceToDeviceAsync(DeviceAddress target, DeviceAddress source, size_t length,
                                 hipStream_t stream) const {
    return Check(symbols->hipMemcpyDtoDAsync(Pointer(target), Pointer(source), length, stream),
                 "hipMemcpyDtoDAsync");
  }

  // Modules and kernels ---------------------------------------------------------------

  Result<hipModule_t> LoadModule(const void* image) const {
    hipModule_t module = nullptr;
    char log[gpu::kModuleLoadLogBytes] = {};
    hipJitOption options[] = {hipJitOptionErrorLogBuffer, hipJitOptionErrorLogBufferSizeBytes};
    void* values[] = {log, reinterpret_cast<void*>(uintptr_t{sizeof(log)})};
    GPUHAL_RETURN_IF_ERROR(gpu::WithModuleLoadLog(
        Check(symbols->hipModuleLoadDataEx(&module, image, 2, options, values),
              "hipModuleLoadDataEx"),
        log));
    return module;
  }
  Result<hipFunction_t> GetFunction(hipModule_t module, const char* name) const {
    hipFunction_t function = nullptr;
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->hipModuleGetFunction(&function, module, name), "hipModuleGetFunction"));
    return function;
  }
  Status UnloadModule(hipModule_t module) const {
    return Check(symbols->hipModuleUnload(module), "hipModuleUnload");
  }
  Status Launch(hipFunction_t function, const gpu::KernelLaunch& launch, hipStream_t stream) const {
    return Check(symbols->hipModuleLaunchKernel(function, launch.grid[0], launch.grid[1],
                                                launch.grid[2], launch.block[0], launch.block[1],
                                                launch.block[2], launch.shared_memory_bytes, stream,
                                                launch.arguments, nullptr),
                 "hipModuleLaunchKernel");
  }

  // Graphs ----------------------------------------------------------------------------

  using Dependencies = std::span<const hipGraphNode_t>;

  Result<hipGraph_t> CreateGraph() const {
    hipGraph_t graph = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphCreate(&graph, 0), "hipGraphCreate"));
    return graph;
  }
  Status DestroyGraph(hipGraph_t graph) const {
    return Check(symbols->hipGraphDestroy(graph), "hipGraphDestroy");
  }
  static hipKernelNodeParams KernelNodeParams(hipFunction_t function,
                                              const gpu::KernelLaunch& launch) {
    hipKernelNodeParams params{};  // every field the launch does not set is zero
    params.func = reinterpret_cast<void*>(function);
    params.gridDim = dim3(launch.grid[0], launch.grid[1], launch.grid[2]);
    params.blockDim = dim3(launch.block[0], launch.block[1], launch.block[2]);
    params.sharedMemBytes = launch.shared_memory_bytes;
    params.kernelParams = launch.arguments;
    return params;
  }
  Result<hipGraphNode_t> AddKernelNode(hipGraph_t graph, Dependencies dependencies,
                                       hipFunction_t function,
                                       const gpu::KernelLaunch& launch) const {
    const hipKernelNodeParams params = KernelNodeParams(function, launch);
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphAddKernelNode(&node, graph, dependencies.data(),
                                                                dependencies.size(), &params),
                                 "hipGraphAddKernelNode"));
    return node;
  }
  Result<hipGraphNode_t> AddFillNode(hipGraph_t graph, Dependencies dependencies,
                                     DeviceAddress target, uint32_t pattern, size_t pattern_length,
                                     size_t count) const {
    hipMemsetParams params;
    std::memset(&params, 0, sizeof(params));
    params.dst = Pointer(target);
    params.value = pattern;
    params.elementSize = static_cast<unsigned int>(pattern_length);
    params.width = count;
    params.height = 1;
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphAddMemsetNode(&node, graph, dependencies.data(),
                                                                dependencies.size(), &params),
                                 "hipGraphAddMemsetNode"));
    return node;
  }
  Result<hipGraphNode_t> AddCopyNode(hipGraph_t graph, Dependencies dependencies,
                                     gpu::CopyDirection direction, uint64_t target,
                                     uint64_t source, size_t length) const {
    hipMemcpy3DParms copy;
    std::memset(&copy, 0, sizeof(copy));
    copy.srcPtr = make_hipPitchedPtr(Pointer(source), length, length, 1);
    copy.dstPtr = make_hipPitchedPtr(Pointer(target), length, length, 1);
    copy.extent = make_hipExtent(length, 1, 1);
    switch (direction) {
      case gpu::CopyDirection::kHostToDevice: copy.kind = hipMemcpyHostToDevice; break;
      case gpu::CopyDirection::kDeviceToHost: copy.kind = hipMemcpyDeviceToHost; break;
      case gpu::CopyDirection::kDeviceToDevice: copy.kind = hipMemcpyDeviceToDevice; break;
    }
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphAddMemcpyNode(&node, graph, dependencies.data(),
                                                                dependencies.size(), &copy),
                                 "hipGraphAddMemcpyNode"));
    return node;
  }
  Result<hipGraphNode_t> AddEmptyNode(hipGraph_t graph, Dependencies dependencies) const {
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(
        symbols->hipGraphAddEmptyNode(&node, graph, dependencies.data(), dependencies.size()),
        "hipGraphAddEmptyNode"));
    return node;
  }
  Result<hipGraphNode_t> AddEventRecordNode(hipGraph_t graph, Dependencies dependencies,
                                            hipEvent_t event) const {
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphAddEventRecordNode(
                                     &node, graph, dependencies.data(), dependencies.size(), event),
                                 "hipGraphAddEventRecordNode"));
    return node;
  }
  Result<hipGraphNode_t> AddEventWaitNode(hipGraph_t graph, Dependencies dependencies,
                                          hipEvent_t event) const {
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphAddEventWaitNode(
                                     &node, graph, dependencies.data(), dependencies.size(), event),
                                 "hipGraphAddEventWaitNode"));
    return node;
  }
  Result<hipGraphNode_t> AddChildGraphNode(hipGraph_t graph, Dependencies dependencies,
                                           hipGraph_t child) const {
    hipGraphNode_t node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphAddChildGraphNode(
                                     &node, graph, dependencies.data(), dependencies.size(), child),
                                 "hipGraphAddChildGraphNode"));
    return node;
  }
  Result<hipGraphExec_t> InstantiateGraph(hipGraph_t graph) const {
    hipGraphExec_t exec = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->hipGraphInstantiateWithFlags(&exec, graph, 0),
                                 "hipGraphInstantiateWithFlags"));
    return exec;
  }
  Status LaunchGraph(hipGraphExec_t exec, hipStream_t stream) const {
    return Check(symbols->hipGraphLaunch(exec, stream), "hipGraphLaunch");
  }
  Status DestroyGraphExec(hipGraphExec_t exec) const {
    return Check(symbols->hipGraphExecDestroy(exec), "hipGraphExecDestroy");
  }
  Status UpdateKernelNode(hipGraphExec_t exec, hipGraphNode_t node, hipFunction_t function,
                          const gpu::KernelLaunch& launch) const {
    const hipKernelNodeParams params = KernelNodeParams(function, launch);
    return Check(symbols->hipGraphExecKernelNodeSetParams(exec, node, &params),
                 "hipGraphExecKernelNodeSetParams");
  }
};

static_assert(gpu::Vendor<HipVendor>);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_HIP_VENDOR_H_
