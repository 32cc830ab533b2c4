#include "fakes/differential/scenarios.h"

#include <array>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "backends/cuda/cuda_status.h"
#include "fakes/gpu/builtin_fake_kernels.h"

namespace gpuhal::fake::differential {
namespace {

// ---------------------------------------------------------------------------------------
// The kernel: PTX for the real driver (JIT-compiled, no nvcc at run time) and a fake
// kernel of the same name and parameters for the simulated GPU.

void StoreU32(KernelContext& context) {
  if (uint32_t* target = context.Pointer<uint32_t>(context.Arg<uint64_t>(0)))
    *target = context.Arg<uint32_t>(1);
}
const BuiltinFakeKernelRegistrar kStoreKernelRegistrar(kStoreKernelName, &StoreU32, {8, 4});

// ---------------------------------------------------------------------------------------
// Helpers. Every driver call goes through CHECK_CU, which turns a failure into a Status
// naming the call, so a scenario that diverges early says where.

#define CHECK_CU(call) GPUHAL_RETURN_IF_ERROR(::gpuhal::cuda::CudaCall(cu, cu.call, #call))

// Resources a scenario made, released on every path.
class Resources {
 public:
  explicit Resources(const cuda::CudaSymbols& cu) : cu_(cu) {}
  ~Resources() {
    for (CUstream stream : streams_) cu_.cuStreamSynchronize(stream);
    for (CUgraphExec exec : execs_) cu_.cuGraphExecDestroy(exec);
    for (CUgraph graph : graphs_) cu_.cuGraphDestroy(graph);
    for (CUevent event : events_) cu_.cuEventDestroy(event);
    for (CUstream stream : streams_) cu_.cuStreamDestroy(stream);
    for (CUdeviceptr pointer : device_) cu_.cuMemFree(pointer);
    for (void* host : host_) cu_.cuMemFreeHost(host);
    for (CUmodule module : modules_) cu_.cuModuleUnload(module);
  }
  Result<CUstream> Stream() {
    CUstream stream = nullptr;
    GPUHAL_RETURN_IF_ERROR(
        cuda::CudaCall(cu_, cu_.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate"));
    streams_.push_back(stream);
    return stream;
  }
  Result<CUevent> Event() {
    CUevent event = nullptr;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(
        cu_, cu_.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate"));
    events_.push_back(event);
    return event;
  }
  Result<CUdeviceptr> Device(size_t bytes) {
    CUdeviceptr pointer = 0;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(cu_, cu_.cuMemAlloc(&pointer, bytes), "cuMemAlloc"));
    device_.push_back(pointer);
    return pointer;
  }
  Result<uint8_t*> Pinned(size_t bytes) {
    void* host = nullptr;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(
        cu_, cu_.cuMemHostAlloc(&host, bytes, CU_MEMHOSTALLOC_PORTABLE), "cuMemHostAlloc"));
    host_.push_back(host);
    return static_cast<uint8_t*>(host);
  }
  Result<CUgraph> Graph() {
    CUgraph graph = nullptr;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(cu_, cu_.cuGraphCreate(&graph, 0), "cuGraphCreate"));
    graphs_.push_back(graph);
    return graph;
  }
  Result<CUgraphExec> Instantiate(CUgraph graph) {
    CUgraphExec exec = nullptr;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(cu_, cu_.cuGraphInstantiateWithFlags(&exec, graph, 0),
                                          "cuGraphInstantiateWithFlags"));
    execs_.push_back(exec);
    return exec;
  }
  Result<CUfunction> StoreKernel() {
    CUmodule module = nullptr;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(
        cu_, cu_.cuModuleLoadDataEx(&module, kStoreKernelPtx, 0, nullptr, nullptr),
        "cuModuleLoadDataEx"));
    modules_.push_back(module);
    CUfunction function = nullptr;
    GPUHAL_RETURN_IF_ERROR(cuda::CudaCall(
        cu_, cu_.cuModuleGetFunction(&function, module, kStoreKernelName), "cuModuleGetFunction"));
    return function;
  }

 private:
  const cuda::CudaSymbols& cu_;
  std::vector<CUstream> streams_;
  std::vector<CUevent> events_;
  std::vector<CUdeviceptr> device_;
  std::vector<void*> host_;
  std::vector<CUgraph> graphs_;
  std::vector<CUgraphExec> execs_;
  std::vector<CUmodule> modules_;
};

// Words (and result codes, which exceed a byte) are observed as 4 little-endian bytes.
void AppendWord(Observation& observation, uint32_t word) {
  uint8_t bytes[4];
  std::memcpy(bytes, &word, 4);
  observation.insert(observation.end(), bytes, bytes + 4);
}

void FillWords(uint8_t* bytes, size_t offset, uint32_t word, size_t count) {
  for (size_t i = 0; i < count; ++i) std::memcpy(bytes + offset + 4 * i, &word, 4);
}

CUcontext CurrentContextOfDevice0(const cuda::CudaSymbols& cu) {
  CUcontext context = nullptr;
  cu.cuDevicePrimaryCtxRetain(&context, 0);
  cu.cuDevicePrimaryCtxRelease(0);  // the suite holds a retain for the scenario's duration
  return context;
}

// ---------------------------------------------------------------------------------------
// Scenarios

// Fill, patch and read back on one stream: each operation sees the ones before it.
Result<Observation> StreamOrdering(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr buffer, resources.Device(256));
  std::array<uint8_t, 16> patch;
  for (int i = 0; i < 16; ++i) patch[i] = static_cast<uint8_t>(0xf0 + i);
  Observation out(256);
  CHECK_CU(cuMemsetD8Async(buffer, 0x11, 256, stream));
  CHECK_CU(cuMemcpyHtoDAsync(buffer + 100, patch.data(), patch.size(), stream));
  CHECK_CU(cuMemsetD32Async(buffer + 200, 0xcafef00d, 4, stream));
  CHECK_CU(cuMemsetD8Async(buffer + 104, 0x22, 3, stream));
  CHECK_CU(cuMemcpyDtoHAsync(out.data(), buffer, out.size(), stream));
  CHECK_CU(cuStreamSynchronize(stream));
  return out;
}
Observation StreamOrderingExpected() {
  Observation out(256, 0x11);
  for (int i = 0; i < 16; ++i) out[100 + i] = static_cast<uint8_t>(0xf0 + i);
  FillWords(out.data(), 200, 0xcafef00d, 4);
  for (int i = 0; i < 3; ++i) out[104 + i] = 0x22;
  return out;
}

// Producer/consumer on two streams, ordered only by events in both directions.
Result<Observation> CrossStreamEvents(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream producer, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUstream consumer, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUevent produced, resources.Event());
  GPUHAL_ASSIGN_OR_RETURN(CUevent consumed, resources.Event());
  constexpr size_t kBytes = 1 << 20;  // large enough that a missing wait would show
  constexpr int kRounds = 8;
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr source, resources.Device(kBytes));
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr copies, resources.Device(kBytes * kRounds));
  for (int round = 0; round < kRounds; ++round) {
    CHECK_CU(cuMemsetD8Async(source, static_cast<uint8_t>(0x40 + round), kBytes, producer));
    CHECK_CU(cuEventRecord(produced, producer));
    CHECK_CU(cuStreamWaitEvent(consumer, produced, 0));
    CHECK_CU(cuMemcpyDtoDAsync(copies + round * kBytes, source, kBytes, consumer));
    CHECK_CU(cuEventRecord(consumed, consumer));
    CHECK_CU(cuStreamWaitEvent(producer, consumed, 0));
  }
  CHECK_CU(cuStreamSynchronize(consumer));
  Observation out;
  std::vector<uint8_t> copy(kBytes);
  for (int round = 0; round < kRounds; ++round) {
    CHECK_CU(cuMemcpyDtoH(copy.data(), copies + round * kBytes, kBytes));
    // One byte per distinct value keeps the observation short and still exact.
    bool uniform = true;
    for (uint8_t byte : copy) uniform = uniform && byte == copy[0];
    out.push_back(copy[0]);
    out.push_back(uniform ? 1 : 0);
  }
  return out;
}
Observation CrossStreamEventsExpected() {
  Observation out;
  for (int round = 0; round < 8; ++round) {
    out.push_back(static_cast<uint8_t>(0x40 + round));
    out.push_back(1);
  }
  return out;
}

// A wait on an event nobody recorded completes at once; so does querying it.
Result<Observation> NeverRecordedEventWait(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUevent event, resources.Event());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr buffer, resources.Device(4));
  Observation out;
  AppendWord(out, cu.cuEventQuery(event));
  CHECK_CU(cuStreamWaitEvent(stream, event, 0));
  CHECK_CU(cuMemsetD32Async(buffer, 0x600df00d, 1, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  AppendWord(out, cu.cuEventSynchronize(event));
  uint32_t value = 0;
  CHECK_CU(cuMemcpyDtoH(&value, buffer, 4));
  AppendWord(out, value);
  return out;
}
Observation NeverRecordedEventWaitExpected() {
  Observation out;
  AppendWord(out, CUDA_SUCCESS);
  AppendWord(out, CUDA_SUCCESS);
  AppendWord(out, 0x600df00d);
  return out;
}

// fill(0x01) -> {fill first quarter 0x02, fill third quarter 0x03} -> copy out
Result<Observation> GraphDiamond(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr buffer, resources.Device(64));
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr copy, resources.Device(64));
  GPUHAL_ASSIGN_OR_RETURN(CUgraph graph, resources.Graph());
  CUcontext context = CurrentContextOfDevice0(cu);
  auto memset_params = [](CUdeviceptr dst, uint32_t value, unsigned element, size_t width) {
    CUDA_MEMSET_NODE_PARAMS params;
    std::memset(&params, 0, sizeof(params));
    params.dst = dst;
    params.value = value;
    params.elementSize = element;
    params.width = width;
    params.height = 1;
    return params;
  };
  CUgraphNode top, left, right, bottom;
  CUDA_MEMSET_NODE_PARAMS fill = memset_params(buffer, 0x01010101, 4, 16);
  CHECK_CU(cuGraphAddMemsetNode(&top, graph, nullptr, 0, &fill, context));
  CUDA_MEMSET_NODE_PARAMS first = memset_params(buffer, 0x02, 1, 16);
  CHECK_CU(cuGraphAddMemsetNode(&left, graph, &top, 1, &first, context));
  CUDA_MEMSET_NODE_PARAMS third = memset_params(buffer + 32, 0x0303, 2, 8);
  CHECK_CU(cuGraphAddMemsetNode(&right, graph, &top, 1, &third, context));
  CUDA_MEMCPY3D params;
  std::memset(&params, 0, sizeof(params));
  params.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  params.srcDevice = buffer;
  params.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  params.dstDevice = copy;
  params.WidthInBytes = 64;
  params.Height = 1;
  params.Depth = 1;
  CUgraphNode arms[] = {left, right};
  CHECK_CU(cuGraphAddMemcpyNode(&bottom, graph, arms, 2, &params, context));
  GPUHAL_ASSIGN_OR_RETURN(CUgraphExec exec, resources.Instantiate(graph));
  Observation out;
  for (int launch = 0; launch < 3; ++launch) {
    CHECK_CU(cuMemsetD8Async(copy, 0xee, 64, stream));
    CHECK_CU(cuGraphLaunch(exec, stream));
    Observation bytes(64);
    CHECK_CU(cuMemcpyDtoHAsync(bytes.data(), copy, 64, stream));
    CHECK_CU(cuStreamSynchronize(stream));
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}
Observation GraphDiamondExpected() {
  Observation one(64, 0x01);
  for (int i = 0; i < 16; ++i) one[i] = 0x02;
  for (int i = 32; i < 48; ++i) one[i] = 0x03;
  Observation out;
  for (int launch = 0; launch < 3; ++launch) out.insert(out.end(), one.begin(), one.end());
  return out;
}

// 8-, 16- and 32-bit fills at odd sizes and offsets, synchronous and on a stream.
Result<Observation> MemsetWidths(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr buffer, resources.Device(128));
  CHECK_CU(cuMemsetD8(buffer, 0, 128));
  CHECK_CU(cuMemsetD8Async(buffer + 1, 0xa5, 5, stream));
  CHECK_CU(cuMemsetD16Async(buffer + 10, 0xbeef, 7, stream));
  CHECK_CU(cuMemsetD32Async(buffer + 28, 0x01234567, 3, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  CHECK_CU(cuMemsetD16(buffer + 62, 0x7f80, 1));
  CHECK_CU(cuMemsetD32(buffer + 68, 0x89abcdef, 9));
  CHECK_CU(cuMemsetD8(buffer + 127, 0x5a, 1));
  Observation out(128);
  CHECK_CU(cuMemcpyDtoH(out.data(), buffer, out.size()));
  return out;
}
Observation MemsetWidthsExpected() {
  Observation out(128, 0);
  for (int i = 1; i < 6; ++i) out[i] = 0xa5;
  for (int i = 0; i < 7; ++i) {
    out[10 + 2 * i] = 0xef;
    out[11 + 2 * i] = 0xbe;
  }
  FillWords(out.data(), 28, 0x01234567, 3);
  out[62] = 0x80;
  out[63] = 0x7f;
  FillWords(out.data(), 68, 0x89abcdef, 9);
  out[127] = 0x5a;
  return out;
}

// Host to device, device to device and device to host, synchronous and on a stream.
Result<Observation> MemcpyDirections(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr a, resources.Device(300));
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr b, resources.Device(300));
  std::vector<uint8_t> source(300);
  for (int i = 0; i < 300; ++i) source[i] = static_cast<uint8_t>(i * 13 + 5);
  Observation out(300 + 77);
  CHECK_CU(cuMemcpyHtoD(a, source.data(), 300));
  CHECK_CU(cuMemcpyDtoD(b, a, 300));
  CHECK_CU(cuMemcpyDtoH(out.data(), b, 300));
  CHECK_CU(cuMemsetD8Async(a, 0, 300, stream));
  CHECK_CU(cuMemcpyHtoDAsync(a + 11, source.data() + 100, 77, stream));
  CHECK_CU(cuMemcpyDtoDAsync(b + 3, a + 11, 77, stream));
  CHECK_CU(cuMemcpyDtoHAsync(out.data() + 300, b + 3, 77, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  return out;
}
Observation MemcpyDirectionsExpected() {
  Observation out(300 + 77);
  for (int i = 0; i < 300; ++i) out[i] = static_cast<uint8_t>(i * 13 + 5);
  for (int i = 0; i < 77; ++i) out[300 + i] = static_cast<uint8_t>((100 + i) * 13 + 5);
  return out;
}

// A host function runs after the copy into pinned memory before it and before the copy out
// of pinned memory after it.
struct HostProbe {
  uint32_t* pinned;
  uint32_t seen;
};
void ReadThenWritePinned(void* user_data) {
  auto* probe = static_cast<HostProbe*>(user_data);
  probe->seen = probe->pinned[0];
  probe->pinned[1] = probe->seen + 1;
}
Result<Observation> HostFunctionOrdering(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(uint8_t * pinned_bytes, resources.Pinned(8));
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr device, resources.Device(8));
  auto* pinned = reinterpret_cast<uint32_t*>(pinned_bytes);
  pinned[0] = pinned[1] = 0;
  HostProbe probe{pinned, 0};
  CHECK_CU(cuMemsetD32Async(device, 0x1000, 1, stream));
  CHECK_CU(cuMemcpyDtoHAsync(pinned, device, 4, stream));
  CHECK_CU(cuLaunchHostFunc(stream, &ReadThenWritePinned, &probe));
  CHECK_CU(cuMemcpyHtoDAsync(device + 4, pinned + 1, 4, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  Observation out;
  AppendWord(out, probe.seen);
  uint32_t words[2];
  CHECK_CU(cuMemcpyDtoH(words, device, 8));
  AppendWord(out, words[0]);
  AppendWord(out, words[1]);
  return out;
}
Observation HostFunctionOrderingExpected() {
  Observation out;
  AppendWord(out, 0x1000);
  AppendWord(out, 0x1000);
  AppendWord(out, 0x1001);
  return out;
}

// Stream-ordered allocation: usable between its alloc and free on the stream.
Result<Observation> AsyncAllocFree(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  CUmemoryPool pool = nullptr;
  CHECK_CU(cuDeviceGetDefaultMemPool(&pool, 0));
  Observation out(1000);
  for (int round = 0; round < 3; ++round) {
    CUdeviceptr address = 0;
    CHECK_CU(cuMemAllocFromPoolAsync(&address, 1000, pool, stream));
    CHECK_CU(cuMemsetD8Async(address, static_cast<uint8_t>(0x70 + round), 1000, stream));
    CHECK_CU(cuMemcpyDtoHAsync(out.data(), address, 1000, stream));
    CHECK_CU(cuMemFreeAsync(address, stream));
  }
  CHECK_CU(cuStreamSynchronize(stream));
  return out;
}
Observation AsyncAllocFreeExpected() { return Observation(1000, 0x72); }

// cuStreamQuery reports work still queued behind a host function that waits on the host.
std::atomic<bool> g_gate_open{false};
void WaitForGate(void*) {
  while (!g_gate_open.load(std::memory_order_acquire)) std::this_thread::yield();
}
Result<Observation> StreamQueryBehindGate(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr buffer, resources.Device(4));
  GPUHAL_ASSIGN_OR_RETURN(CUevent event, resources.Event());
  g_gate_open.store(false);
  Observation out;
  CHECK_CU(cuLaunchHostFunc(stream, &WaitForGate, nullptr));
  CHECK_CU(cuMemsetD32Async(buffer, 7, 1, stream));
  CHECK_CU(cuEventRecord(event, stream));
  AppendWord(out, cu.cuStreamQuery(stream));
  AppendWord(out, cu.cuEventQuery(event));
  g_gate_open.store(true, std::memory_order_release);
  CHECK_CU(cuStreamSynchronize(stream));
  AppendWord(out, cu.cuStreamQuery(stream));
  AppendWord(out, cu.cuEventQuery(event));
  return out;
}
Observation StreamQueryBehindGateExpected() {
  Observation out;
  for (CUresult code : {CUDA_ERROR_NOT_READY, CUDA_ERROR_NOT_READY, CUDA_SUCCESS, CUDA_SUCCESS})
    AppendWord(out, code);
  return out;
}

// A kernel launched directly, and in a graph whose kernel node is updated after
// instantiation; the update affects the next launch only.
Result<Observation> KernelLaunchAndGraphUpdate(const cuda::CudaSymbols& cu) {
  Resources resources(cu);
  GPUHAL_ASSIGN_OR_RETURN(CUstream stream, resources.Stream());
  GPUHAL_ASSIGN_OR_RETURN(CUfunction store, resources.StoreKernel());
  GPUHAL_ASSIGN_OR_RETURN(CUdeviceptr buffer, resources.Device(8));
  CHECK_CU(cuMemsetD8(buffer, 0, 8));
  CUdeviceptr target = buffer;
  uint32_t value = 1234;
  void* args[] = {&target, &value};
  CHECK_CU(cuLaunchKernel(store, 1, 1, 1, 1, 1, 1, 0, stream, args, nullptr));
  value = 0;  // arguments are copied at launch
  CHECK_CU(cuStreamSynchronize(stream));
  Observation out;
  uint32_t word = 0;
  CHECK_CU(cuMemcpyDtoH(&word, buffer, 4));
  AppendWord(out, word);

  GPUHAL_ASSIGN_OR_RETURN(CUgraph graph, resources.Graph());
  CUDA_KERNEL_NODE_PARAMS params;
  std::memset(&params, 0, sizeof(params));
  params.func = store;
  params.gridDimX = params.gridDimY = params.gridDimZ = 1;
  params.blockDimX = params.blockDimY = params.blockDimZ = 1;
  params.kernelParams = args;
  target = buffer + 4;
  value = 10;
  CUgraphNode node;
  CHECK_CU(cuGraphAddKernelNode(&node, graph, nullptr, 0, &params));
  value = 11;  // the node keeps 10
  GPUHAL_ASSIGN_OR_RETURN(CUgraphExec exec, resources.Instantiate(graph));
  CHECK_CU(cuGraphLaunch(exec, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  CHECK_CU(cuMemcpyDtoH(&word, buffer + 4, 4));
  AppendWord(out, word);
  value = 12;
  CHECK_CU(cuGraphExecKernelNodeSetParams(exec, node, &params));
  CHECK_CU(cuGraphLaunch(exec, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  CHECK_CU(cuMemcpyDtoH(&word, buffer + 4, 4));
  AppendWord(out, word);
  return out;
}
Observation KernelLaunchAndGraphUpdateExpected() {
  Observation out;
  AppendWord(out, 1234);
  AppendWord(out, 10);
  AppendWord(out, 12);
  return out;
}

// The driver's names and texts for the codes gpuhal reports most.
Result<Observation> ErrorNames(const cuda::CudaSymbols& cu) {
  Observation out;
  for (CUresult code : {CUDA_SUCCESS, CUDA_ERROR_INVALID_VALUE, CUDA_ERROR_OUT_OF_MEMORY,
                        CUDA_ERROR_NOT_READY, CUDA_ERROR_ILLEGAL_ADDRESS,
                        CUDA_ERROR_LAUNCH_FAILED, CUDA_ERROR_NOT_PERMITTED}) {
    const char* name = nullptr;
    const char* text = nullptr;
    CHECK_CU(cuGetErrorName(code, &name));
    CHECK_CU(cuGetErrorString(code, &text));
    std::string line = std::string(name) + ": " + text + "\n";
    out.insert(out.end(), line.begin(), line.end());
  }
  return out;
}
Observation ErrorNamesExpected() {
  std::string text =
      "CUDA_SUCCESS: no error\n"
      "CUDA_ERROR_INVALID_VALUE: invalid argument\n"
      "CUDA_ERROR_OUT_OF_MEMORY: out of memory\n"
      "CUDA_ERROR_NOT_READY: device not ready\n"
      "CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access was encountered\n"
      "CUDA_ERROR_LAUNCH_FAILED: unspecified launch failure\n"
      "CUDA_ERROR_NOT_PERMITTED: operation not permitted\n";
  return Observation(text.begin(), text.end());
}

constexpr Scenario kScenarios[] = {
    {"StreamOrdering", &StreamOrdering, &StreamOrderingExpected},
    {"CrossStreamEvents", &CrossStreamEvents, &CrossStreamEventsExpected},
    {"NeverRecordedEventWait", &NeverRecordedEventWait, &NeverRecordedEventWaitExpected},
    {"GraphDiamond", &GraphDiamond, &GraphDiamondExpected},
    {"MemsetWidths", &MemsetWidths, &MemsetWidthsExpected},
    {"MemcpyDirections", &MemcpyDirections, &MemcpyDirectionsExpected},
    {"HostFunctionOrdering", &HostFunctionOrdering, &HostFunctionOrderingExpected},
    {"AsyncAllocFree", &AsyncAllocFree, &AsyncAllocFreeExpected},
    {"StreamQueryBehindGate", &StreamQueryBehindGate, &StreamQueryBehindGateExpected},
    {"KernelLaunchAndGraphUpdate", &KernelLaunchAndGraphUpdate,
     &KernelLaunchAndGraphUpdateExpected},
    {"ErrorNames", &ErrorNames, &ErrorNamesExpected},
};

}  // namespace

// sm_50 PTX, which every driver since CUDA 11 JIT-compiles for any newer GPU.
const char kStoreKernelPtx[] = R"(
.version 7.0
.target sm_50
.address_size 64

.visible .entry gpuhal_diff_store_u32(
	.param .u64 gpuhal_diff_store_u32_param_0,
	.param .u32 gpuhal_diff_store_u32_param_1
)
{
	.reg .b32 	%r<2>;
	.reg .b64 	%rd<3>;

	ld.param.u64 	%rd1, [gpuhal_diff_store_u32_param_0];
	ld.param.u32 	%r1, [gpuhal_diff_store_u32_param_1];
	cvta.to.global.u64 	%rd2, %rd1;
	st.global.u32 	[%rd2], %r1;
	ret;
}
)";

std::span<const Scenario> Scenarios() { return kScenarios; }

}  // namespace gpuhal::fake::differential
