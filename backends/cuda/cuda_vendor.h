// CudaVendor: the single-source driver's view of the CUDA driver API (backends/gpu/vendor.h).
// Each member is one driver call, or a fixed short sequence of them, with its CUresult
// turned into a Status that names the call.
#ifndef GPUHAL_BACKENDS_CUDA_CUDA_VENDOR_H_
#define GPUHAL_BACKENDS_CUDA_CUDA_VENDOR_H_

#include <array>
#include <cstring>
#include <span>

#include "backends/cuda/cuda_library.h"
#include "backends/cuda/cuda_status.h"
#include "backends/cuda/cuda_symbols.h"
#include "backends/gpu/collective_api.h"
#include "backends/gpu/module_load_log.h"
#include "backends/gpu/vendor.h"

namespace gpuhal::cuda {

struct NcclTypes;

struct CudaVendor {
  static constexpr std::string_view kName = "cuda";
  using Symbols = CudaSymbols;
  using Library = CudaLibrary;
  using Context = CUcontext;
  using Stream = CUstream;
  using Event = CUevent;
  using Graph = CUgraph;
  using GraphExec = CUgraphExec;
  using GraphNode = CUgraphNode;
  using Module = CUmodule;
  using Function = CUfunction;
  using MemoryPool = CUmemoryPool;
  using HostFunction = CUhostFn;
  using DeviceAddress = gpu::DeviceAddress;
  // Channels and collectives go through NCCL (backends/gpu/collective_api.h). NcclTypes is
  // defined in backends/cuda/nccl_collective_api.h, which only the files that compile
  // channels include: nccl.h brings in the CUDA runtime headers, which cannot share a
  // translation unit with HIP's (the built-in driver registry includes both vendors).
  using Collectives = gpu::CollectiveApi<NcclTypes>;
  // Executable container targets this vendor loads, in order of preference.
  static constexpr std::array<std::string_view, 2> kExecutableTargets = {"cubin", "ptx"};

  const CudaSymbols* symbols = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  int ordinal = -1;  // the device's ordinal once Open; collectives name devices by it

  // Success is tested before the call's name becomes a string_view: its strlen cost more
  // than the test on every call of a submission.
  Status Check(CUresult result, const char* call) const {
    if (result == CUDA_SUCCESS) [[likely]] return OkStatus();
    return CudaResultToStatus(result, call, symbols);
  }

  // Devices and contexts --------------------------------------------------------------

  Status Initialize() const { return Check(symbols->cuInit(0), "cuInit"); }
  Result<int> DeviceCount() const {
    int count = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuDeviceGetCount(&count), "cuDeviceGetCount"));
    return count;
  }
  Result<gpu::DeviceDescription> Describe(int ordinal) const {
    CUdevice handle = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuDeviceGet(&handle, ordinal), "cuDeviceGet"));
    char name[256] = {};
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->cuDeviceGetName(name, sizeof(name) - 1, handle), "cuDeviceGetName"));
    size_t bytes = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuDeviceTotalMem(&bytes, handle), "cuDeviceTotalMem"));
    return gpu::DeviceDescription{name, bytes};
  }
  // Binds this vendor value to device `ordinal`, retaining its primary context.
  Status Open(int ordinal) {
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuDeviceGet(&device, ordinal), "cuDeviceGet"));
    this->ordinal = ordinal;
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain"));
    return MakeCurrent();
  }
  Status Close() {
    if (!context) return OkStatus();
    context = nullptr;
    return Check(symbols->cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
  }
  // CUDA binds contexts per thread: every thread that calls into the driver does this.
  // Asking first is cheaper than setting: cuCtxSetCurrent costs about 0.1 us even when
  // the context is current already, as it is on a thread that issues again and again
  // (gpuhal-bench BM_RawCallCost).
  Status MakeCurrent() const {
    CUcontext current = nullptr;
    if (symbols->cuCtxGetCurrent(&current) == CUDA_SUCCESS && current == context) {
      return OkStatus();
    }
    return Check(symbols->cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  // Streams and events ----------------------------------------------------------------

  Result<CUstream> CreateStream() const {
    CUstream stream = nullptr;
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate"));
    return stream;
  }
  Status DestroyStream(CUstream stream) const {
    return Check(symbols->cuStreamDestroy(stream), "cuStreamDestroy");
  }
  Status SynchronizeStream(CUstream stream) const {
    return Check(symbols->cuStreamSynchronize(stream), "cuStreamSynchronize");
  }
  Status StreamWaitEvent(CUstream stream, CUevent event) const {
    return Check(symbols->cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
  }
  // Timing is off: it makes record and synchronize slower and gpuhal never reads it.
  Result<CUevent> CreateEvent() const {
    CUevent event = nullptr;
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate"));
    return event;
  }
  Status DestroyEvent(CUevent event) const {
    return Check(symbols->cuEventDestroy(event), "cuEventDestroy");
  }
  Status RecordEvent(CUevent event, CUstream stream) const {
    return Check(symbols->cuEventRecord(event, stream), "cuEventRecord");
  }
  // True once the recorded work is done; false while it runs.
  Result<bool> QueryEvent(CUevent event) const {
    const CUresult result = symbols->cuEventQuery(event);
    if (result == CUDA_ERROR_NOT_READY) return false;
    GPUHAL_RETURN_IF_ERROR(Check(result, "cuEventQuery"));
    return true;
  }
  Status SynchronizeEvent(CUevent event) const {
    return Check(symbols->cuEventSynchronize(event), "cuEventSynchronize");
  }
  Status LaunchHostFunction(CUstream stream, CUhostFn function, void* user_data) const {
    return Check(symbols->cuLaunchHostFunc(stream, function, user_data), "cuLaunchHostFunc");
  }
  Status WaitValue32(CUstream stream, DeviceAddress address, uint32_t value) const {
    return Check(symbols->cuStreamWaitValue32(stream, address, value, CU_STREAM_WAIT_VALUE_GEQ),
                 "cuStreamWaitValue32");
  }
  Status WriteValue32(CUstream stream, DeviceAddress address, uint32_t value) const {
    return Check(symbols->cuStreamWriteValue32(stream, address, value, 0),
                 "cuStreamWriteValue32");
  }

  // Memory ----------------------------------------------------------------------------

  Result<DeviceAddress> Allocate(size_t size) const {
    CUdeviceptr address = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuMemAlloc(&address, size), "cuMemAlloc"));
    return DeviceAddress{address};
  }
  Status Free(DeviceAddress address) const {
    return Check(symbols->cuMemFree(address), "cuMemFree");
  }
  // Pinned host memory mapped into the device's address space.
  Result<void*> AllocateHost(size_t size) const {
    void* host = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(
        symbols->cuMemHostAlloc(&host, size, CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP),
        "cuMemHostAlloc"));
    return host;
  }
  Status FreeHost(void* host) const { return Check(symbols->cuMemFreeHost(host), "cuMemFreeHost"); }
  Result<DeviceAddress> DeviceAddressOfHost(void* host) const {
    CUdeviceptr address = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuMemHostGetDevicePointer(&address, host, 0),
                                 "cuMemHostGetDevicePointer"));
    return DeviceAddress{address};
  }
  Result<CUmemoryPool> DefaultMemoryPool() const {
    CUmemoryPool pool = nullptr;
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->cuDeviceGetDefaultMemPool(&pool, device), "cuDeviceGetDefaultMemPool"));
    return pool;
  }
  Result<DeviceAddress> AllocateAsync(CUmemoryPool pool, size_t size, CUstream stream) const {
    CUdeviceptr address = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuMemAllocFromPoolAsync(&address, size, pool, stream),
                                 "cuMemAllocFromPoolAsync"));
    return DeviceAddress{address};
  }
  Status FreeAsync(DeviceAddress address, CUstream stream) const {
    return Check(symbols->cuMemFreeAsync(address, stream), "cuMemFreeAsync");
  }

  // Transfers (count is in elements of pattern_length bytes).
  Status FillAsync(DeviceAddress target, uint32_t pattern, size_t pattern_length, size_t count,
                   CUstream stream) const {
    switch (pattern_length) {
      case 1:
        return Check(symbols->cuMemsetD8Async(target, static_cast<unsigned char>(pattern), count,
                                              stream),
                     "cuMemsetD8Async");
      case 2:
        return Check(symbols->cuMemsetD16Async(target, static_cast<unsigned short>(pattern),
                                               count, stream),
                     "cuMemsetD16Async");
      case 4:
        return Check(symbols->cuMemsetD32Async(target, pattern, count, stream),
                     "cuMemsetD32Async");
    }
    return InvalidArgumentError("fill pattern length ", pattern_length, " is not 1, 2 or 4");
  }
  Status CopyHostToDeviceAsync(DeviceAddress target, const void* source, size_t length,
                               CUstream stream) const {
    return Check(symbols->cuMemcpyHtoDAsync(target, source, length, stream), "cuMemcpyHtoDAsync");
  }
  Status CopyDeviceToHostAsync(void* target, DeviceAddress source, size_t length,
                               CUstream stream) const {
    return Check(symbols->cuMemcpyDtoHAsync(target, source, length, stream), "cuMemcpyDtoHAsync");
  }
  Status CopyDeviceToDeviceAsync(DeviceAddress target, DeviceAddress source, size_t length,
                                 CUstream stream) const {
    return Check(symbols->cuMemcpyDtoDAsync(target, source, length, stream), "cuMemcpyDtoDAsync");
  }

  // Modules and kernels ---------------------------------------------------------------

  Result<CUmodule> LoadModule(const void* image) const {
    CUmodule module = nullptr;
    char log[gpu::kModuleLoadLogBytes] = {};
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void* values[] = {log, reinterpret_cast<void*>(uintptr_t{sizeof(log)})};
    GPUHAL_RETURN_IF_ERROR(gpu::WithModuleLoadLog(
        Check(symbols->cuModuleLoadDataEx(&module, image, 2, options, values), "cuModuleLoadDataEx"),
        log));
    return module;
  }
  Result<CUfunction> GetFunction(CUmodule module, const char* name) const {
    CUfunction function = nullptr;
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->cuModuleGetFunction(&function, module, name), "cuModuleGetFunction"));
    return function;
  }
  Status UnloadModule(CUmodule module) const {
    return Check(symbols->cuModuleUnload(module), "cuModuleUnload");
  }
  Status Launch(CUfunction function, const gpu::KernelLaunch& launch, CUstream stream) const {
    return Check(symbols->cuLaunchKernel(function, launch.grid[0], launch.grid[1], launch.grid[2],
                                         launch.block[0], launch.block[1], launch.block[2],
                                         launch.shared_memory_bytes, stream, launch.arguments,
                                         nullptr),
                 "cuLaunchKernel");
  }

  // Graphs ----------------------------------------------------------------------------

  using Dependencies = std::span<const CUgraphNode>;

  Result<CUgraph> CreateGraph() const {
    CUgraph graph = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphCreate(&graph, 0), "cuGraphCreate"));
    return graph;
  }
  Status DestroyGraph(CUgraph graph) const {
    return Check(symbols->cuGraphDestroy(graph), "cuGraphDestroy");
  }
  static CUDA_KERNEL_NODE_PARAMS KernelNodeParams(CUfunction function,
                                                  const gpu::KernelLaunch& launch) {
    CUDA_KERNEL_NODE_PARAMS params;
    std::memset(&params, 0, sizeof(params));
    params.func = function;
    params.gridDimX = launch.grid[0];
    params.gridDimY = launch.grid[1];
    params.gridDimZ = launch.grid[2];
    params.blockDimX = launch.block[0];
    params.blockDimY = launch.block[1];
    params.blockDimZ = launch.block[2];
    params.sharedMemBytes = launch.shared_memory_bytes;
    params.kernelParams = launch.arguments;
    return params;
  }
  Result<CUgraphNode> AddKernelNode(CUgraph graph, Dependencies dependencies, CUfunction function,
                                    const gpu::KernelLaunch& launch) const {
    const CUDA_KERNEL_NODE_PARAMS params = KernelNodeParams(function, launch);
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphAddKernelNode(&node, graph, dependencies.data(),
                                                               dependencies.size(), &params),
                                 "cuGraphAddKernelNode"));
    return node;
  }
  Result<CUgraphNode> AddFillNode(CUgraph graph, Dependencies dependencies, DeviceAddress target,
                                  uint32_t pattern, size_t pattern_length, size_t count) const {
    CUDA_MEMSET_NODE_PARAMS params;
    std::memset(&params, 0, sizeof(params));
    params.dst = target;
    params.value = pattern;
    params.elementSize = static_cast<unsigned int>(pattern_length);
    params.width = count;
    params.height = 1;
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphAddMemsetNode(&node, graph, dependencies.data(),
                                                               dependencies.size(), &params,
                                                               context),
                                 "cuGraphAddMemsetNode"));
    return node;
  }
  // `source` is a host pointer for kHostToDevice, else a device address; likewise target.
  Result<CUgraphNode> AddCopyNode(CUgraph graph, Dependencies dependencies,
                                  gpu::CopyDirection direction, uint64_t target, uint64_t source,
                                  size_t length) const {
    CUDA_MEMCPY3D copy;
    std::memset(&copy, 0, sizeof(copy));
    if (direction == gpu::CopyDirection::kHostToDevice) {
      copy.srcMemoryType = CU_MEMORYTYPE_HOST;
      copy.srcHost = reinterpret_cast<const void*>(source);
    } else {
      copy.srcMemoryType = CU_MEMORYTYPE_DEVICE;
      copy.srcDevice = source;
    }
    if (direction == gpu::CopyDirection::kDeviceToHost) {
      copy.dstMemoryType = CU_MEMORYTYPE_HOST;
      copy.dstHost = reinterpret_cast<void*>(target);
    } else {
      copy.dstMemoryType = CU_MEMORYTYPE_DEVICE;
      copy.dstDevice = target;
    }
    copy.WidthInBytes = length;
    copy.Height = 1;
    copy.Depth = 1;
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphAddMemcpyNode(&node, graph, dependencies.data(),
                                                               dependencies.size(), &copy, context),
                                 "cuGraphAddMemcpyNode"));
    return node;
  }
  Result<CUgraphNode> AddEmptyNode(CUgraph graph, Dependencies dependencies) const {
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(
        symbols->cuGraphAddEmptyNode(&node, graph, dependencies.data(), dependencies.size()),
        "cuGraphAddEmptyNode"));
    return node;
  }
  Result<CUgraphNode> AddEventRecordNode(CUgraph graph, Dependencies dependencies,
                                         CUevent event) const {
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphAddEventRecordNode(
                                     &node, graph, dependencies.data(), dependencies.size(), event),
                                 "cuGraphAddEventRecordNode"));
    return node;
  }
  Result<CUgraphNode> AddEventWaitNode(CUgraph graph, Dependencies dependencies,
                                       CUevent event) const {
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphAddEventWaitNode(
                                     &node, graph, dependencies.data(), dependencies.size(), event),
                                 "cuGraphAddEventWaitNode"));
    return node;
  }
  Result<CUgraphNode> AddChildGraphNode(CUgraph graph, Dependencies dependencies,
                                        CUgraph child) const {
    CUgraphNode node = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphAddChildGraphNode(
                                     &node, graph, dependencies.data(), dependencies.size(), child),
                                 "cuGraphAddChildGraphNode"));
    return node;
  }
  Result<CUgraphExec> InstantiateGraph(CUgraph graph) const {
    CUgraphExec exec = nullptr;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->cuGraphInstantiateWithFlags(&exec, graph, 0),
                                 "cuGraphInstantiateWithFlags"));
    return exec;
  }
  Status LaunchGraph(CUgraphExec exec, CUstream stream) const {
    return Check(symbols->cuGraphLaunch(exec, stream), "cuGraphLaunch");
  }
  Status DestroyGraphExec(CUgraphExec exec) const {
    return Check(symbols->cuGraphExecDestroy(exec), "cuGraphExecDestroy");
  }
  Status UpdateKernelNode(CUgraphExec exec, CUgraphNode node, CUfunction function,
                          const gpu::KernelLaunch& launch) const {
    const CUDA_KERNEL_NODE_PARAMS params = KernelNodeParams(function, launch);
    return Check(symbols->cuGraphExecKernelNodeSetParams(exec, node, &params),
                 "cuGraphExecKernelNodeSetParams");
  }
};

static_assert(gpu::Vendor<CudaVendor>);

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_CUDA_VENDOR_H_
