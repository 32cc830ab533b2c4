// gpuhal-bench: what gpuhal costs over the driver it wraps.
//
// Every comparative benchmark times the gpuhal operation and the equivalent hand-written
// CUDA driver sequence (through the same CudaSymbols table gpuhal uses, loaded with
// LoadCudaLibrary) in the same process, interleaving the two sides iteration by
// iteration so that clock and thermal drift hit both alike. Each reports the median
// per-iteration figure of each side as counters: gpuhal_us, raw_us, ratio (gpuhal / raw)
// and target (the ratio it must stay within; docs/performance.md).
//
//   gpuhal-bench [--device_kind=auto|cuda|fake] [Google Benchmark flags]
//
// auto (the default) uses cuda://0 when libcuda.so.1 loads and sees a GPU, and the
// simulated GPU (fake-cuda://0) otherwise. On the simulated GPU only the gpuhal side
// runs, as a smoke test: no raw side, no ratios.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <condition_variable>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backends/cuda/cuda_library.h"
#include "backends/cuda/cuda_driver.h"
#include "backends/cuda/cuda_symbols.h"
#include "backends/gpu/gpu_device_diagnostics.h"
#include "fakes/cuda/fake_cuda_platform.h"
#include "gpuhal/gpuhal.h"
#include "gpuhal/kernel.h"
#include "tools/gpuhal-bench/bench_kernels.h"
#include "tools/gpuhal-bench/pc_sampler.h"

namespace {

using namespace gpuhal;
using Clock = std::chrono::steady_clock;

constexpr int kBatch = 1000;              // dispatches per command buffer, hops per chain
constexpr uint32_t kSpinNanoseconds = 20000;  // the "~20 us kernel"
// A deadline, so made fresh for every wait.
Timeout WaitTimeout() { return Timeout::After(std::chrono::seconds(30)); }

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

[[noreturn]] void Die(const char* what, const Status& status) {
  std::fprintf(stderr, "gpuhal-bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(2);
}
#define BENCH_CHECK(what, expr)                 \
  do {                                          \
    const ::gpuhal::Status bench_status_ = (expr); \
    if (!bench_status_.ok()) Die(what, bench_status_); \
  } while (false)
template <typename T>
T Take(const char* what, Result<T> result) {
  if (!result.ok()) Die(what, result.status());
  return std::move(result).value();
}

// The raw CUDA side ------------------------------------------------------------------------

struct RawCuda {
  Ref<cuda::CudaLibrary> library;
  const cuda::CudaSymbols* cu = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  CUfunction noop = nullptr;
  CUfunction spin = nullptr;
  CUstream stream_a = nullptr;
  CUstream stream_b = nullptr;
  CUevent events[2] = {nullptr, nullptr};
  // The chain's ping-pong events: without timing, as gpuhal creates its events (an event
  // that keeps timing costs about 1 us more per cuEventRecord on an H100 host).
  CUevent chain_events[2] = {nullptr, nullptr};
  CUdeviceptr buffer = 0;
  uint32_t* host_flag = nullptr;  // pinned, mapped: released by host writes
  CUdeviceptr device_flag = 0;
};

void Cu(CUresult result, const char* what) {
  if (result == CUDA_SUCCESS) return;
  std::fprintf(stderr, "gpuhal-bench: %s failed with CUresult %d\n", what, static_cast<int>(result));
  std::exit(2);
}

enum class DeviceKind { kAuto, kCuda, kFake };
DeviceKind g_device_kind = DeviceKind::kAuto;
RawCuda* g_raw = nullptr;  // null on the simulated GPU

// Opens the driver, or returns null when this machine has no usable CUDA GPU.
RawCuda* OpenRawCuda() {
  Result<Ref<cuda::CudaLibrary>> library = cuda::LoadCudaLibrary();
  if (!library.ok()) return nullptr;
  const cuda::CudaSymbols& cu = (*library)->symbols();
  int count = 0;
  if (cu.cuInit(0) != CUDA_SUCCESS || cu.cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    return nullptr;
  }
  auto* raw = new RawCuda;
  raw->library = *library;
  raw->cu = &raw->library->symbols();
  Cu(cu.cuDeviceGet(&raw->device, 0), "cuDeviceGet");
  Cu(cu.cuDevicePrimaryCtxRetain(&raw->context, raw->device), "cuDevicePrimaryCtxRetain");
  Cu(cu.cuCtxSetCurrent(raw->context), "cuCtxSetCurrent");
  const std::string ptx(bench::BenchKernelsPtx());
  Cu(cu.cuModuleLoadDataEx(&raw->module, ptx.c_str(), 0, nullptr, nullptr), "cuModuleLoadDataEx");
  Cu(cu.cuModuleGetFunction(&raw->noop, raw->module, "bench_noop"), "cuModuleGetFunction");
  Cu(cu.cuModuleGetFunction(&raw->spin, raw->module, "bench_spin"), "cuModuleGetFunction");
  // Non-blocking, as gpuhal creates its streams.
  Cu(cu.cuStreamCreate(&raw->stream_a, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  Cu(cu.cuStreamCreate(&raw->stream_b, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  // Default flags: cuEventSynchronize spins, the fastest host wait the driver has.
  for (CUevent& event : raw->events) Cu(cu.cuEventCreate(&event, CU_EVENT_DEFAULT), "cuEventCreate");
  for (CUevent& event : raw->chain_events) {
    Cu(cu.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  }
  Cu(cu.cuMemAlloc(&raw->buffer, 4096), "cuMemAlloc");
  void* flag = nullptr;
  Cu(cu.cuMemHostAlloc(&flag, 4096, CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE),
     "cuMemHostAlloc");
  raw->host_flag = static_cast<uint32_t*>(flag);
  *raw->host_flag = 0;
  Cu(cu.cuMemHostGetDevicePointer(&raw->device_flag, flag, 0), "cuMemHostGetDevicePointer");
  return raw;
}

void CloseRawCuda(RawCuda* raw) {
  if (!raw) return;
  const cuda::CudaSymbols& cu = *raw->cu;
  cu.cuCtxSetCurrent(raw->context);
  cu.cuStreamSynchronize(raw->stream_a);
  cu.cuStreamSynchronize(raw->stream_b);
  cu.cuMemFreeHost(raw->host_flag);
  cu.cuMemFree(raw->buffer);
  for (CUevent event : raw->events) cu.cuEventDestroy(event);
  for (CUevent event : raw->chain_events) cu.cuEventDestroy(event);
  cu.cuStreamDestroy(raw->stream_a);
  cu.cuStreamDestroy(raw->stream_b);
  cu.cuModuleUnload(raw->module);
  cu.cuDevicePrimaryCtxRelease(raw->device);
  delete raw;
}

// Launches bench_noop with the parameters a gpuhal dispatch of it passes.
struct NoopParams {
  CUdeviceptr buffer = 0;
  uint32_t value = 7;
  void* pointers[2] = {&buffer, &value};
};

// Through `cu`: the raw driver's table, or the traced benchmark's timed copy of it.
void RawLaunchNoop(const RawCuda& raw, CUstream stream, NoopParams& params,
                   const cuda::CudaSymbols* cu = nullptr) {
  Cu((cu ? cu : raw.cu)->cuLaunchKernel(raw.noop, 1, 1, 1, bench::kBenchBlockSize[0], 1, 1, 0, stream,
                            params.pointers, nullptr),
     "cuLaunchKernel");
}

// The gpuhal side ---------------------------------------------------------------------------

// A device with the benchmark kernels loaded and a buffer to bind.
struct Kit {
  Ref<Device> device;
  Ref<DescriptorSetLayout> set_layout;
  Ref<PipelineLayout> noop_layout;
  Ref<PipelineLayout> spin_layout;
  Ref<Executable> executable;
  Ref<Buffer> buffer;
};

std::string BenchDeviceUri(std::string_view query) {
  return std::string(g_raw ? "cuda://0?" : "fake-cuda://0?") + std::string(query);
}

Kit MakeKitOn(Ref<Device> device) {
  Kit kit;
  kit.device = std::move(device);
  const DescriptorSetLayoutBinding binding{0};
  kit.set_layout = Take("creating a set layout", kit.device->CreateDescriptorSetLayout({&binding, 1}));
  DescriptorSetLayout* sets[] = {kit.set_layout.get()};
  kit.noop_layout = Take("creating a pipeline layout", kit.device->CreatePipelineLayout(sets, 1));
  kit.spin_layout = Take("creating a pipeline layout", kit.device->CreatePipelineLayout({}, 1));
  const std::vector<uint8_t> container = bench::BuildBenchContainer();
  PipelineLayout* layouts[] = {kit.noop_layout.get(), kit.spin_layout.get()};
  ExecutableParams params;
  params.container = container;
  params.pipeline_layouts = layouts;
  kit.executable = Take("loading the benchmark kernels", kit.device->LoadExecutable(params));
  kit.buffer = Take("allocating a buffer", kit.device->AllocateBuffer(BufferParams{}, 4096));
  return kit;
}

Kit MakeKit(std::string_view query, Allocator& allocator = Allocator::System()) {
  return MakeKitOn(Take("creating the device", CreateDevice(BenchDeviceUri(query), allocator)));
}

Kit* g_stream_kit = nullptr;  // mode=stream, two queues
Kit* g_graph_kit = nullptr;   // mode=graph

Kit& StreamKit() {
  if (!g_stream_kit) g_stream_kit = new Kit(MakeKit("mode=stream&queues=2"));
  return *g_stream_kit;
}
Kit& GraphKit() {
  if (!g_graph_kit) g_graph_kit = new Kit(MakeKit("mode=graph"));
  return *g_graph_kit;
}

Status RecordNoops(CommandBuffer& commands, const Kit& kit, int count) {
  GPUHAL_RETURN_IF_ERROR(commands.Begin());
  const BufferBinding binding{0, kit.buffer.get()};
  GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(*kit.noop_layout, 0, {&binding, 1}));
  const uint32_t value = 7;
  GPUHAL_RETURN_IF_ERROR(commands.PushConstants(
      *kit.noop_layout, 0, {reinterpret_cast<const uint8_t*>(&value), sizeof(value)}));
  for (int i = 0; i < count; ++i) {
    GPUHAL_RETURN_IF_ERROR(commands.Dispatch(*kit.executable, bench::kNoopEntryPoint, {1, 1, 1}));
  }
  return commands.End();
}

Status RecordSpin(CommandBuffer& commands, const Kit& kit, uint32_t nanoseconds) {
  GPUHAL_RETURN_IF_ERROR(commands.Begin());
  GPUHAL_RETURN_IF_ERROR(commands.PushConstants(
      *kit.spin_layout, 0, {reinterpret_cast<const uint8_t*>(&nanoseconds), sizeof(nanoseconds)}));
  GPUHAL_RETURN_IF_ERROR(commands.Dispatch(*kit.executable, bench::kSpinEntryPoint, {1, 1, 1}));
  return commands.End();
}

// A reusable command buffer recorded by `record(CommandBuffer&)`.
template <typename Record>
Ref<CommandBuffer> Recorded(const Kit& kit, CommandBufferMode mode, Record&& record) {
  CommandBufferParams params;
  params.usage = CommandBufferUsage::kReusable;
  params.mode = mode;
  Ref<CommandBuffer> commands =
      Take("creating a command buffer", kit.device->CreateCommandBuffer(params));
  BENCH_CHECK("recording", record(*commands));
  return commands;
}

// A reusable command buffer of `count` bench_noop dispatches (RecordNoops).
Ref<CommandBuffer> RecordedNoops(const Kit& kit, CommandBufferMode mode, int count) {
  return Recorded(kit, mode, [&](CommandBuffer& c) { return RecordNoops(c, kit, count); });
}

Ref<Semaphore> NewSemaphore(const Kit& kit) {
  return Take("creating a semaphore", kit.device->CreateSemaphore(0));
}

// Reporting ---------------------------------------------------------------------------------

double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  auto middle = samples.begin() + samples.size() / 2;
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

// Per-iteration samples of both sides, in microseconds per unit (kernel, hop, wait...).
struct Samples {
  std::vector<double> gpuhal;
  std::vector<double> raw;
  std::vector<double> gpuhal_extra;  // a secondary gpuhal figure some benchmarks report
  std::vector<double> raw_extra;
};

void Report(benchmark::State& state, const Samples& samples, double target) {
  const double gpuhal_us = Median(samples.gpuhal);
  state.counters["gpuhal_us"] = gpuhal_us;
  if (samples.raw.empty()) return;
  const double raw_us = Median(samples.raw);
  state.counters["raw_us"] = raw_us;
  state.counters["ratio"] = raw_us > 0 ? gpuhal_us / raw_us : 0;
  if (target > 0) state.counters["target"] = target;
}

// 1. Stream-mode dispatch submission, per kernel ------------------------------------------

// gpuhal: one submission of a stream-mode command buffer holding kBatch dispatches (the
// replay issues each as a launch on the queue's stream). Raw: kBatch cuLaunchKernel calls
// and an event record. Timed: the submitting thread's time; completion is waited for
// outside the timed region.
void BM_StreamDispatch(benchmark::State& state) {
  Kit& kit = StreamKit();
  Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kStream, kBatch);
  Ref<Semaphore> done = NewSemaphore(kit);
  uint64_t value = 0;
  CommandBuffer* list[] = {commands.get()};
  NoopParams params;
  if (g_raw) params.buffer = g_raw->buffer;
  Samples samples;
  for (auto _ : state) {
    const SemaphorePoint signal{done.get(), ++value};
    const Clock::time_point start = Clock::now();
    BENCH_CHECK("QueueExecute", kit.device->QueueExecute(1, {}, {&signal, 1}, list));
    const Clock::duration submitted = Clock::now() - start;
    BENCH_CHECK("Wait", done->Wait(value, WaitTimeout()));
    state.SetIterationTime(std::chrono::duration<double>(submitted).count());
    samples.gpuhal.push_back(Micros(submitted) / kBatch);
    if (g_raw) {
      const Clock::time_point raw_start = Clock::now();
      for (int i = 0; i < kBatch; ++i) RawLaunchNoop(*g_raw, g_raw->stream_a, params);
      Cu(g_raw->cu->cuEventRecord(g_raw->events[0], g_raw->stream_a), "cuEventRecord");
      const Clock::duration raw_submitted = Clock::now() - raw_start;
      Cu(g_raw->cu->cuEventSynchronize(g_raw->events[0]), "cuEventSynchronize");
      samples.raw.push_back(Micros(raw_submitted) / kBatch);
    }
  }
  Report(state, samples, 1.10);
}

// 2. Graph command buffers ---------------------------------------------------------------

// A hand-built graph equivalent to a graph command buffer of `count` bench_noop
// dispatches with no barriers: independent kernel nodes.
CUgraph RawBuildGraph(const RawCuda& raw, NoopParams& params, int count) {
  CUgraph graph = nullptr;
  Cu(raw.cu->cuGraphCreate(&graph, 0), "cuGraphCreate");
  CUDA_KERNEL_NODE_PARAMS node{};
  node.func = raw.noop;
  node.gridDimX = node.gridDimY = node.gridDimZ = 1;
  node.blockDimX = bench::kBenchBlockSize[0];
  node.blockDimY = node.blockDimZ = 1;
  node.kernelParams = params.pointers;
  for (int i = 0; i < count; ++i) {
    CUgraphNode added = nullptr;
    Cu(raw.cu->cuGraphAddKernelNode(&added, graph, nullptr, 0, &node), "cuGraphAddKernelNode");
  }
  return graph;
}

// Replay: one submission of the recorded command buffer until the host sees it done,
// against cuGraphLaunch + cuEventRecord + cuEventSynchronize of the hand-built graph.
// The submitting call alone is reported too (submit_gpuhal_us, submit_raw_us).
void BM_GraphReplay(benchmark::State& state) {
  Kit& kit = GraphKit();
  Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kGraph, kBatch);
  Ref<Semaphore> done = NewSemaphore(kit);
  uint64_t value = 0;
  CommandBuffer* list[] = {commands.get()};
  NoopParams params;
  CUgraphExec exec = nullptr;
  if (g_raw) {
    params.buffer = g_raw->buffer;
    CUgraph graph = RawBuildGraph(*g_raw, params, kBatch);
    Cu(g_raw->cu->cuGraphInstantiateWithFlags(&exec, graph, 0), "cuGraphInstantiateWithFlags");
    Cu(g_raw->cu->cuGraphDestroy(graph), "cuGraphDestroy");
  }
  Samples samples;
  for (auto _ : state) {
    const SemaphorePoint signal{done.get(), ++value};
    const Clock::time_point start = Clock::now();
    BENCH_CHECK("QueueExecute", kit.device->QueueExecute(kAnyQueue, {}, {&signal, 1}, list));
    const Clock::time_point submitted = Clock::now();
    BENCH_CHECK("Wait", done->Wait(value, WaitTimeout()));
    const Clock::duration elapsed = Clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    samples.gpuhal.push_back(Micros(elapsed));
    samples.gpuhal_extra.push_back(Micros(submitted - start));
    if (g_raw) {
      const Clock::time_point raw_start = Clock::now();
      Cu(g_raw->cu->cuGraphLaunch(exec, g_raw->stream_a), "cuGraphLaunch");
      Cu(g_raw->cu->cuEventRecord(g_raw->events[0], g_raw->stream_a), "cuEventRecord");
      const Clock::time_point raw_submitted = Clock::now();
      Cu(g_raw->cu->cuEventSynchronize(g_raw->events[0]), "cuEventSynchronize");
      samples.raw.push_back(Micros(Clock::now() - raw_start));
      samples.raw_extra.push_back(Micros(raw_submitted - raw_start));
    }
  }
  if (exec) Cu(g_raw->cu->cuGraphExecDestroy(exec), "cuGraphExecDestroy");
  Report(state, samples, 1.05);
  state.counters["submit_gpuhal_us"] = Median(samples.gpuhal_extra);
  if (g_raw) state.counters["submit_raw_us"] = Median(samples.raw_extra);
}

// Record + End of a kBatch-dispatch graph command buffer (creation included), against
// cuGraphCreate + kBatch cuGraphAddKernelNode + instantiate + dropping the template, which
// is what End does. Destroying the results is not timed on either side.
void BM_GraphRecord(benchmark::State& state) {
  Kit& kit = GraphKit();
  NoopParams params;
  if (g_raw) params.buffer = g_raw->buffer;
  Samples samples;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kGraph, kBatch);
    const Clock::duration elapsed = Clock::now() - start;
    commands.reset();
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    samples.gpuhal.push_back(Micros(elapsed));
    if (g_raw) {
      const Clock::time_point raw_start = Clock::now();
      CUgraph graph = RawBuildGraph(*g_raw, params, kBatch);
      CUgraphExec exec = nullptr;
      Cu(g_raw->cu->cuGraphInstantiateWithFlags(&exec, graph, 0), "cuGraphInstantiateWithFlags");
      Cu(g_raw->cu->cuGraphDestroy(graph), "cuGraphDestroy");
      samples.raw.push_back(Micros(Clock::now() - raw_start));
      Cu(g_raw->cu->cuGraphExecDestroy(exec), "cuGraphExecDestroy");
    }
  }
  Report(state, samples, 1.25);
}

// 3. A chain of submissions, per hop -----------------------------------------------------

// gpuhal: kBatch submissions of a one-dispatch command buffer alternating between two
// queues, submission i waiting on (S, i) and signalling (S, i + 1), all submitted before
// the first has run; timed until the host sees the last value. Raw: the same dispatches
// alternating between two streams, each hop a cuEventRecord on one stream and a
// cuStreamWaitEvent on the other, until cuEventSynchronize of the last.
//
// Diagnostic variants (no target): /1 gives each hop its own semaphore, /2 runs on a
// device whose event pool keeps 4096 idle events instead of 32, /3 keeps the queues'
// completion threads from observing anything while the chain is being submitted (so the
// submitting thread runs alone, as the raw side's does). The submission loop alone is
// reported too (submit_gpuhal_us, submit_raw_us per hop).
Kit* g_large_event_pool_kit = nullptr;

// The raw chain: kBatch hops alternating between two streams, each waiting on the
// previous hop's event. Adds per-hop figures to samples.raw_extra (the submission loop)
// and samples.raw (until the last hop is done).
void RawPingPong(NoopParams& params, Samples& samples, const cuda::CudaSymbols* symbols = nullptr) {
  const cuda::CudaSymbols& cu = symbols ? *symbols : *g_raw->cu;
  CUstream streams[2] = {g_raw->stream_a, g_raw->stream_b};
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < kBatch; ++i) {
    CUstream stream = streams[i % 2];
    if (i > 0) {
      Cu(cu.cuStreamWaitEvent(stream, g_raw->chain_events[(i - 1) % 2], 0), "cuStreamWaitEvent");
    }
    RawLaunchNoop(*g_raw, stream, params, &cu);
    Cu(cu.cuEventRecord(g_raw->chain_events[i % 2], stream), "cuEventRecord");
  }
  samples.raw_extra.push_back(Micros(Clock::now() - start) / kBatch);
  Cu(cu.cuEventSynchronize(g_raw->chain_events[(kBatch - 1) % 2]), "cuEventSynchronize");
  samples.raw.push_back(Micros(Clock::now() - start) / kBatch);
}

void BM_SemaphoreChain(benchmark::State& state) {
  const int variant = static_cast<int>(state.range(0));
  if (variant == 2 && !g_large_event_pool_kit) {
    g_large_event_pool_kit = new Kit(MakeKit("mode=stream&queues=2&event_pool=4096"));
  }
  Kit& kit = variant == 2 ? *g_large_event_pool_kit : StreamKit();
  std::vector<Ref<Semaphore>> per_hop;
  if (variant == 1) {
    for (int i = 0; i <= kBatch; ++i) {
      per_hop.push_back(NewSemaphore(kit));
    }
  }
  Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kStream, 1);
  Ref<Semaphore> chain = NewSemaphore(kit);
  uint64_t value = 0;
  CommandBuffer* list[] = {commands.get()};
  NoopParams params;
  if (g_raw) params.buffer = g_raw->buffer;
  Samples samples;
  gpu::GpuDeviceDiagnostics* diagnostics = gpu::DiagnosticsOf(*kit.device);
  const bool pause_completions = variant == 3 && diagnostics;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    const uint64_t round = value;
    if (pause_completions) diagnostics->SetCompletionPausedForTesting(true);
    for (int i = 0; i < kBatch; ++i) {
      SemaphorePoint wait{chain.get(), value};
      SemaphorePoint signal{chain.get(), value + 1};
      if (variant == 1) {
        // Hop i (i > 0) waits on semaphore i reaching round + 1, which hop i - 1 signals.
        wait = {per_hop[i].get(), i == 0 ? 0 : round + 1};
        signal = {per_hop[i + 1].get(), round + 1};
      }
      BENCH_CHECK("QueueExecute", kit.device->QueueExecute(QueueAffinity{1} << (i % 2),
                                                           {&wait, 1}, {&signal, 1}, list));
      ++value;
    }
    samples.gpuhal_extra.push_back(Micros(Clock::now() - start) / kBatch);
    if (pause_completions) diagnostics->SetCompletionPausedForTesting(false);
    if (variant == 1) {
      // Open the next round: every hop's wait value moves up by one.
      BENCH_CHECK("Wait", per_hop[kBatch]->Wait(round + 1, WaitTimeout()));
      value = round + 1;
    } else {
      BENCH_CHECK("Wait", chain->Wait(value, WaitTimeout()));
    }
    const Clock::duration elapsed = Clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    samples.gpuhal.push_back(Micros(elapsed) / kBatch);
    if (g_raw) RawPingPong(params, samples);
  }
  Report(state, samples, variant == 0 ? 1.30 : 0);
  state.counters["submit_gpuhal_us"] = Median(samples.gpuhal_extra);
  if (g_raw) state.counters["submit_raw_us"] = Median(samples.raw_extra);
}

// The chain of BM_SemaphoreChain/0 on a device whose CUDA symbol table times every call
// the submitting thread makes (real GPU only; no target): per hop, the submission's
// wall time, the part of it spent inside the driver, and each driver function's calls
// and time, so the rest is gpuhal's own. The completion threads' calls are not timed.
// The raw ping-pong runs through the same timed table in the same iterations, so each
// driver function's cost on the two sides compares directly (raw_<name>_us).
namespace traced {

enum SymbolIndex : size_t {
#define GPUHAL_CUDA_SYMBOL(name, version) k_##name,
#include "backends/cuda/cuda_symbols.inc"
  kSymbolCount
};
struct CallStats {
  uint64_t calls = 0;
  double micros = 0;
};
CallStats g_stats[kSymbolCount];      // the gpuhal side's calls
CallStats g_raw_stats[kSymbolCount];  // the raw side's
// Raw variants: the ping-pong with a thread synchronizing each hop's event (as gpuhal's
// completion threads did before they paced themselves).
CallStats g_raw_observed_stats[kSymbolCount];
// And three untimed events in rotation, so that each is recorded on the two streams in
// turn, as events from gpuhal's per-device pool are.
CallStats g_raw_rotating_stats[kSymbolCount];
// And the two untimed events with the context made current before each hop, as gpuhal
// makes its device current before each issue.
CallStats g_raw_set_current_stats[kSymbolCount];
// Where the calling thread's calls are counted; null: not timed (every thread but the
// submitting one).
thread_local CallStats* t_stats = nullptr;

// Set by GPUHAL_BENCH_NULL_HOT_CALLS=1 (simulated GPU): the chain's per-hop calls return
// success without reaching the driver, so that what remains is gpuhal's own cost.
bool g_null_hot_calls = false;
constexpr bool IsHotCall(size_t index) {
  return index == k_cuLaunchKernel || index == k_cuStreamWaitEvent || index == k_cuEventRecord ||
         index == k_cuEventQuery || index == k_cuEventSynchronize || index == k_cuCtxSetCurrent ||
         index == k_cuCtxGetCurrent;
}

template <size_t Index, typename Function>
struct Timed;
template <size_t Index, typename R, typename... Args>
struct Timed<Index, R (*)(Args...)> {
  static inline R (*real)(Args...) = nullptr;
  static R Call(Args... args) {
    if constexpr (IsHotCall(Index)) {
      if (g_null_hot_calls) return R{};
    }
    CallStats* stats = t_stats;
    if (!stats) return real(args...);
    const Clock::time_point start = Clock::now();
    R result = real(args...);
    stats[Index].micros += Micros(Clock::now() - start);
    ++stats[Index].calls;
    return result;
  }
};

cuda::CudaSymbols g_table;
const cuda::CudaSymbols* g_table_source = nullptr;

// Built once per source table: devices made on it keep calling through it.
const cuda::CudaSymbols& TimedTable(const cuda::CudaSymbols& real) {
  if (g_table_source == &real) return g_table;
  g_table_source = &real;
  g_table = real;
#define GPUHAL_CUDA_SYMBOL(name, version)                                   \
  if (real.name) {                                                          \
    Timed<k_##name, decltype(real.name)>::real = real.name;                 \
    g_table.name = &Timed<k_##name, decltype(real.name)>::Call;             \
  }
#include "backends/cuda/cuda_symbols.inc"
  return g_table;
}

}  // namespace traced

void BM_SemaphoreChainTraced(benchmark::State& state) {
  static Kit* kit = nullptr;
  if (!kit) {
    gpu::GpuPlatform<cuda::CudaVendor> platform;
    if (g_raw) {
      platform.symbols = &traced::TimedTable(*g_raw->cu);
      platform.symbol_owner = g_raw->library;
    } else {
      // On the simulated GPU (threaded, as a GPU runs beside the host) gpuhal's own cost
      // per hop still shows, without a raw side.
      fake::EngineOptions options;
      options.mode = fake::SchedulingMode::kThreaded;
      Ref<fake::FakeCudaPlatform> fake_platform =
          Take("creating the simulated GPU", fake::FakeCudaPlatform::Create(options));
      platform.symbols = &traced::TimedTable(fake_platform->cuda_symbols());

      platform.symbol_owner = fake_platform;
      platform.simulated = true;
    }
    const char* null_hot_calls = std::getenv("GPUHAL_BENCH_NULL_HOT_CALLS");
    const bool null_hot =
        !g_raw && null_hot_calls && std::string_view(null_hot_calls) == "1";
    DeviceParams params;
    params.command_buffer_mode = CommandBufferMode::kStream;
    params.queue_count = 2;
    // Counting gpuhal's own instructions per hop (callgrind) slows the completion threads
    // far more than the submitting thread; a large pool keeps event creation, which they
    // would otherwise cause, out of the count.
    if (null_hot) params.event_pool_capacity = 4096;
    DeviceInfo info;
    info.uri = "cuda://0?mode=stream&queues=2 (timed symbol table)";
    info.driver = "cuda";
    kit = new Kit(MakeKitOn(Take("creating the traced device",
                                 cuda::CreateCudaDevice(platform, 0, params, info,
                                                        Allocator::System()))));
    // Only now: creating the device needs the real calls.
    traced::g_null_hot_calls = null_hot;
  }
  Ref<CommandBuffer> commands = RecordedNoops(*kit, CommandBufferMode::kStream, 1);
  Ref<Semaphore> chain = NewSemaphore(*kit);
  uint64_t value = 0;
  CommandBuffer* list[] = {commands.get()};
  for (traced::CallStats& stats : traced::g_stats) stats = {};
  for (traced::CallStats& stats : traced::g_raw_stats) stats = {};
  for (traced::CallStats& stats : traced::g_raw_observed_stats) stats = {};
  for (traced::CallStats& stats : traced::g_raw_rotating_stats) stats = {};
  for (traced::CallStats& stats : traced::g_raw_set_current_stats) stats = {};
  const cuda::CudaSymbols& cu = traced::g_table;
  CUstream streams[2] = {g_raw ? g_raw->stream_a : nullptr, g_raw ? g_raw->stream_b : nullptr};
  NoopParams params;
  if (g_raw) params.buffer = g_raw->buffer;
  double raw_micros = 0;
  double submit_micros = 0;
  std::vector<CUevent> hop_events(g_raw ? kBatch : 0);
  CUevent untimed[3] = {nullptr, nullptr, nullptr};
  if (g_raw) {
    for (CUevent& event : hop_events) Cu(g_raw->cu->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    for (CUevent& event : untimed) Cu(g_raw->cu->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  }
  uint64_t hops = 0;
  // /1: the queues' completion threads observe nothing while the chain is submitted, as
  // BM_SemaphoreChain/3.
  gpu::GpuDeviceDiagnostics* diagnostics = gpu::DiagnosticsOf(*kit->device);
  const bool pause_completions = state.range(0) == 1 && diagnostics;
  // GPUHAL_BENCH_PROFILE=<file>: samples the submitting thread's program counter while
  // it submits (pc_sampler.h) and writes the samples there.
  const char* profile_path = std::getenv("GPUHAL_BENCH_PROFILE");
  static bench::PcSampler* sampler = nullptr;
  if (profile_path && !sampler) {
    sampler = new bench::PcSampler;
    sampler->Start(std::chrono::microseconds(25));
  }
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    if (pause_completions) diagnostics->SetCompletionPausedForTesting(true);
    if (sampler) sampler->set_active(true);
    traced::t_stats = traced::g_stats;
    for (int i = 0; i < kBatch; ++i) {
      SemaphorePoint wait{chain.get(), value};
      SemaphorePoint signal{chain.get(), value + 1};
      BENCH_CHECK("QueueExecute", kit->device->QueueExecute(QueueAffinity{1} << (i % 2),
                                                            {&wait, 1}, {&signal, 1}, list));
      ++value;
    }
    traced::t_stats = nullptr;
    if (sampler) sampler->set_active(false);
    submit_micros += Micros(Clock::now() - start);
    if (pause_completions) diagnostics->SetCompletionPausedForTesting(false);
    hops += kBatch;
    BENCH_CHECK("Wait", chain->Wait(value, WaitTimeout()));
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());

    if (!g_raw) continue;
    Samples raw;
    traced::t_stats = traced::g_raw_stats;
    RawPingPong(params, raw, &cu);
    traced::t_stats = nullptr;
    raw_micros += raw.raw_extra.back() * kBatch;

    for (int variant = 1; variant < 4; ++variant) {
      const bool observed = variant == 1;
      const bool rotating = variant == 2;
      const bool set_current = variant == 3;
      std::atomic<int> recorded{0};
      std::thread observer;
      if (observed) {
        observer = std::thread([&] {
          Cu(cu.cuCtxSetCurrent(g_raw->context), "cuCtxSetCurrent");
          for (int i = 0; i < kBatch; ++i) {
            while (recorded.load(std::memory_order_acquire) <= i) std::this_thread::yield();
            Cu(g_raw->cu->cuEventSynchronize(hop_events[i]), "cuEventSynchronize");
          }
        });
      }
      traced::t_stats = observed   ? traced::g_raw_observed_stats
                        : rotating ? traced::g_raw_rotating_stats
                                   : traced::g_raw_set_current_stats;
      auto event_of_hop = [&](int i) {
        return observed ? hop_events[i] : rotating ? untimed[i % 3] : untimed[i % 2];
      };
      for (int i = 0; i < kBatch; ++i) {
        CUstream stream = streams[i % 2];
        if (set_current) Cu(cu.cuCtxSetCurrent(g_raw->context), "cuCtxSetCurrent");
        if (i > 0) Cu(cu.cuStreamWaitEvent(stream, event_of_hop(i - 1), 0), "cuStreamWaitEvent");
        Cu(cu.cuLaunchKernel(g_raw->noop, 1, 1, 1, bench::kBenchBlockSize[0], 1, 1, 0, stream,
                             params.pointers, nullptr),
           "cuLaunchKernel");
        Cu(cu.cuEventRecord(event_of_hop(i), stream), "cuEventRecord");
        recorded.store(i + 1, std::memory_order_release);
      }
      traced::t_stats = nullptr;
      if (observer.joinable()) observer.join();
      Cu(g_raw->cu->cuStreamSynchronize(streams[0]), "cuStreamSynchronize");
      Cu(g_raw->cu->cuStreamSynchronize(streams[1]), "cuStreamSynchronize");
    }
  }
  if (g_raw) {
    for (CUevent event : hop_events) g_raw->cu->cuEventDestroy(event);
    for (CUevent event : untimed) g_raw->cu->cuEventDestroy(event);
  }
  double driver_micros = 0;
  for (size_t i = 0; i < traced::kSymbolCount; ++i) {
    const traced::CallStats& stats = traced::g_stats[i];
    driver_micros += stats.micros;
    if (stats.calls == 0) continue;
    const std::string name(cuda::kCudaSymbolNames[i]);
    state.counters[name + "_per_hop"] = static_cast<double>(stats.calls) / hops;
    state.counters[name + "_us"] = stats.micros / stats.calls;
    const traced::CallStats& raw = traced::g_raw_stats[i];
    if (raw.calls > 0) state.counters["raw_" + name + "_us"] = raw.micros / raw.calls;
    const traced::CallStats& set_current_stats = traced::g_raw_set_current_stats[i];
    if (set_current_stats.calls > 0) {
      state.counters["raw_set_current_" + name + "_us"] =
          set_current_stats.micros / set_current_stats.calls;
    }
    const traced::CallStats& rotating_stats = traced::g_raw_rotating_stats[i];
    if (rotating_stats.calls > 0) {
      state.counters["raw_rotating_" + name + "_us"] = rotating_stats.micros / rotating_stats.calls;
    }
    const traced::CallStats& observed_stats = traced::g_raw_observed_stats[i];
    if (observed_stats.calls > 0) {
      state.counters["raw_observed_" + name + "_us"] = observed_stats.micros / observed_stats.calls;
    }
  }
  if (sampler) {
    sampler->Stop();
    sampler->Write(profile_path);
    state.counters["profile_samples"] = static_cast<double>(sampler->count());
    delete sampler;
    sampler = nullptr;
  }
  if (g_raw) state.counters["raw_submit_us"] = raw_micros / hops;
  state.counters["submit_us"] = submit_micros / hops;
  state.counters["in_driver_us"] = driver_micros / hops;
  state.counters["gpuhal_own_us"] = (submit_micros - driver_micros) / hops;
}

// Diagnostics of the chain on the raw driver alone (real GPU only; no target): what
// observing each hop's completion from another thread costs the submitting thread, by
// how the observer observes. The raw ping-pong runs through the timed table with the
// host pausing range(0) nanoseconds after each hop (as gpuhal's bookkeeping does between
// recording an event and the next hop's wait on it), observed as range(1) says:
enum class Observer {
  kNone = 0,
  kSynchronizeEach = 1,  // cuEventSynchronize of every hop's event (spins in the driver)
  kQueryEach = 2,        // cuEventQuery of every hop's event, yielding between queries
  kNewestSleeping = 3,   // cuEventQuery of the newest recorded event, sleeping 20 us between
  kHostMemory = 4,       // a cuStreamWriteValue32 after each hop, read from mapped memory
  kWriteOnly = 5,        // that write, with no observer
  kBlockingEvents = 6,   // kSynchronizeEach on events made with CU_EVENT_BLOCKING_SYNC
};
// Per call: wait_us, launch_us, record_us, write_us; hop_us: the whole chain per hop.
void BM_RawChainObservers(benchmark::State& state) {
  if (!g_raw) {
    state.SkipWithError("needs a CUDA GPU");
    return;
  }
  const auto gap = std::chrono::nanoseconds(state.range(0));
  const auto observer_kind = static_cast<Observer>(state.range(1));
  const bool write_value =
      observer_kind == Observer::kHostMemory || observer_kind == Observer::kWriteOnly;
  const cuda::CudaSymbols& cu = traced::TimedTable(*g_raw->cu);
  const cuda::CudaSymbols& untimed = *g_raw->cu;
  std::vector<CUevent> hop_events(kBatch);
  const unsigned event_flags =
      CU_EVENT_DISABLE_TIMING |
      (observer_kind == Observer::kBlockingEvents ? CU_EVENT_BLOCKING_SYNC : 0);
  for (CUevent& event : hop_events) Cu(untimed.cuEventCreate(&event, event_flags), "cuEventCreate");
  CUstream streams[2] = {g_raw->stream_a, g_raw->stream_b};
  // Past the word BM_WaitBeforeSignal uses, on a cache line of its own.
  uint32_t* counter = g_raw->host_flag + 64;
  const CUdeviceptr device_counter = g_raw->device_flag + 64 * sizeof(uint32_t);
  NoopParams params;
  params.buffer = g_raw->buffer;
  traced::CallStats stats[traced::kSymbolCount] = {};
  std::vector<double> hop_micros;
  uint32_t hop_number = 0;
  for (auto _ : state) {
    std::atomic<int> recorded{0};
    const uint32_t first_hop = hop_number;
    auto observe = [&] {
      Cu(untimed.cuCtxSetCurrent(g_raw->context), "cuCtxSetCurrent");
      for (int i = 0; i < kBatch; ++i) {
        while (recorded.load(std::memory_order_acquire) <= i) std::this_thread::yield();
        switch (observer_kind) {
          case Observer::kSynchronizeEach:
          case Observer::kBlockingEvents:
            Cu(untimed.cuEventSynchronize(hop_events[i]), "cuEventSynchronize");
            break;
          case Observer::kQueryEach:
            while (untimed.cuEventQuery(hop_events[i]) == CUDA_ERROR_NOT_READY) {
              std::this_thread::yield();
            }
            break;
          case Observer::kNewestSleeping: {
            // The newest recorded event covers every earlier hop (stream order, and each
            // hop waits on the one before).
            const int newest = recorded.load(std::memory_order_acquire) - 1;
            while (untimed.cuEventQuery(hop_events[newest]) == CUDA_ERROR_NOT_READY) {
              std::this_thread::sleep_for(std::chrono::microseconds(20));
            }
            i = newest;
            break;
          }
          case Observer::kHostMemory:
            while (std::atomic_ref<uint32_t>(*counter).load(std::memory_order_acquire) -
                       first_hop <= static_cast<uint32_t>(i)) {
            }
            break;
          case Observer::kNone:
          case Observer::kWriteOnly:
            return;
        }
      }
    };
    std::thread observer(observe);
    const Clock::time_point start = Clock::now();
    traced::t_stats = stats;
    for (int i = 0; i < kBatch; ++i) {
      CUstream stream = streams[i % 2];
      if (i > 0) Cu(cu.cuStreamWaitEvent(stream, hop_events[i - 1], 0), "cuStreamWaitEvent");
      Cu(cu.cuLaunchKernel(g_raw->noop, 1, 1, 1, bench::kBenchBlockSize[0], 1, 1, 0, stream,
                           params.pointers, nullptr),
         "cuLaunchKernel");
      Cu(cu.cuEventRecord(hop_events[i], stream), "cuEventRecord");
      ++hop_number;
      if (write_value) {
        Cu(cu.cuStreamWriteValue32(stream, device_counter, hop_number, 0), "cuStreamWriteValue32");
      }
      recorded.store(i + 1, std::memory_order_release);
      const Clock::time_point resume = Clock::now() + gap;
      while (Clock::now() < resume) {
      }
    }
    traced::t_stats = nullptr;
    Cu(untimed.cuEventSynchronize(hop_events[kBatch - 1]), "cuEventSynchronize");
    observer.join();
    const Clock::duration elapsed = Clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    hop_micros.push_back(Micros(elapsed) / kBatch);
    Cu(untimed.cuStreamSynchronize(streams[0]), "cuStreamSynchronize");
    Cu(untimed.cuStreamSynchronize(streams[1]), "cuStreamSynchronize");
  }
  for (CUevent event : hop_events) untimed.cuEventDestroy(event);
  auto per_call = [&](traced::SymbolIndex index) {
    return stats[index].calls ? stats[index].micros / stats[index].calls : 0.0;
  };
  state.counters["wait_us"] = per_call(traced::k_cuStreamWaitEvent);
  state.counters["launch_us"] = per_call(traced::k_cuLaunchKernel);
  state.counters["record_us"] = per_call(traced::k_cuEventRecord);
  state.counters["write_us"] = per_call(traced::k_cuStreamWriteValue32);
  state.counters["hop_us"] = Median(hop_micros);
}

// What single driver calls on gpuhal's paths cost here (real GPU only; no target), in
// microseconds per call: making the context current (and asking which is current, which
// is what an issue does first), creating and destroying an event, querying a completed
// event.
void BM_RawCallCost(benchmark::State& state) {
  if (!g_raw) {
    state.SkipWithError("needs a CUDA GPU");
    return;
  }
  const cuda::CudaSymbols& cu = *g_raw->cu;
  constexpr int kCalls = 1000;
  std::vector<double> set_current, get_current, create_destroy, query;
  CUevent done = nullptr;
  Cu(cu.cuEventCreate(&done, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  Cu(cu.cuEventRecord(done, g_raw->stream_a), "cuEventRecord");
  Cu(cu.cuEventSynchronize(done), "cuEventSynchronize");
  for (auto _ : state) {
    Clock::time_point start = Clock::now();
    for (int i = 0; i < kCalls; ++i) Cu(cu.cuCtxSetCurrent(g_raw->context), "cuCtxSetCurrent");
    set_current.push_back(Micros(Clock::now() - start) / kCalls);
    start = Clock::now();
    for (int i = 0; i < kCalls; ++i) {
      CUcontext current = nullptr;
      Cu(cu.cuCtxGetCurrent(&current), "cuCtxGetCurrent");
      benchmark::DoNotOptimize(current);
    }
    get_current.push_back(Micros(Clock::now() - start) / kCalls);
    start = Clock::now();
    for (int i = 0; i < kCalls; ++i) {
      CUevent event = nullptr;
      Cu(cu.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
      Cu(cu.cuEventDestroy(event), "cuEventDestroy");
    }
    create_destroy.push_back(Micros(Clock::now() - start) / kCalls);
    start = Clock::now();
    for (int i = 0; i < kCalls; ++i) Cu(cu.cuEventQuery(done), "cuEventQuery");
    query.push_back(Micros(Clock::now() - start) / kCalls);
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
  }
  cu.cuEventDestroy(done);
  state.counters["ctx_set_current_us"] = Median(set_current);
  state.counters["ctx_get_current_us"] = Median(get_current);
  state.counters["event_create_destroy_us"] = Median(create_destroy);
  state.counters["event_query_us"] = Median(query);
}

// 4. Host wait on a semaphore signalled by a ~20 us kernel ------------------------------

void BM_CompletionLatency(benchmark::State& state) {
  Kit& kit = StreamKit();
  Ref<CommandBuffer> commands = Recorded(kit, CommandBufferMode::kStream, [&](CommandBuffer& c) {
    return RecordSpin(c, kit, kSpinNanoseconds);
  });
  Ref<Semaphore> done = NewSemaphore(kit);
  uint64_t value = 0;
  CommandBuffer* list[] = {commands.get()};
  uint32_t spin_ns = kSpinNanoseconds;
  void* spin_params[] = {&spin_ns};
  Samples samples;
  for (auto _ : state) {
    const SemaphorePoint signal{done.get(), ++value};
    const Clock::time_point start = Clock::now();
    BENCH_CHECK("QueueExecute", kit.device->QueueExecute(1, {}, {&signal, 1}, list));
    BENCH_CHECK("Wait", done->Wait(value, WaitTimeout()));
    const Clock::duration elapsed = Clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    samples.gpuhal.push_back(Micros(elapsed));
    if (g_raw) {
      const cuda::CudaSymbols& cu = *g_raw->cu;
      const Clock::time_point raw_start = Clock::now();
      Cu(cu.cuLaunchKernel(g_raw->spin, 1, 1, 1, bench::kBenchBlockSize[0], 1, 1, 0,
                           g_raw->stream_a, spin_params, nullptr),
         "cuLaunchKernel");
      Cu(cu.cuEventRecord(g_raw->events[0], g_raw->stream_a), "cuEventRecord");
      Cu(cu.cuEventSynchronize(g_raw->events[0]), "cuEventSynchronize");
      samples.raw.push_back(Micros(Clock::now() - raw_start));
    }
  }
  Report(state, samples, 1.20);
}

// 5. Wait-before-signal release ----------------------------------------------------------

// gpuhal: a one-dispatch submission is held on a semaphore nobody has signalled; timed
// from the host signal until the host sees the submission's own signal. Raw: the stream
// is blocked on cuStreamWaitValue32 of mapped host memory ahead of the same dispatch and
// an event; timed from the host's write until cuEventSynchronize returns.
void BM_WaitBeforeSignal(benchmark::State& state) {
  Kit& kit = StreamKit();
  Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kStream, 1);
  Ref<Semaphore> gate = NewSemaphore(kit);
  Ref<Semaphore> done = NewSemaphore(kit);
  uint64_t value = 0;
  CommandBuffer* list[] = {commands.get()};
  NoopParams params;
  if (g_raw) params.buffer = g_raw->buffer;
  uint32_t raw_value = 0;
  Samples samples;
  for (auto _ : state) {
    ++value;
    const SemaphorePoint wait{gate.get(), value};
    const SemaphorePoint signal{done.get(), value};
    BENCH_CHECK("QueueExecute", kit.device->QueueExecute(1, {&wait, 1}, {&signal, 1}, list));
    const Clock::time_point start = Clock::now();
    BENCH_CHECK("Signal", gate->Signal(value));
    BENCH_CHECK("Wait", done->Wait(value, WaitTimeout()));
    const Clock::duration elapsed = Clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    samples.gpuhal.push_back(Micros(elapsed));
    if (g_raw) {
      const cuda::CudaSymbols& cu = *g_raw->cu;
      ++raw_value;
      Cu(cu.cuStreamWaitValue32(g_raw->stream_a, g_raw->device_flag, raw_value,
                                CU_STREAM_WAIT_VALUE_GEQ),
         "cuStreamWaitValue32");
      RawLaunchNoop(*g_raw, g_raw->stream_a, params);
      Cu(cu.cuEventRecord(g_raw->events[0], g_raw->stream_a), "cuEventRecord");
      // Let the stream reach the wait, as the gpuhal submission is already held.
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      const Clock::time_point raw_start = Clock::now();
      std::atomic_ref<uint32_t>(*g_raw->host_flag).store(raw_value, std::memory_order_release);
      Cu(cu.cuEventSynchronize(g_raw->events[0]), "cuEventSynchronize");
      samples.raw.push_back(Micros(Clock::now() - raw_start));
    }
  }
  Report(state, samples, 2.0);
}

// 6. Host signal to a host waiter on another thread --------------------------------------

// A waiter thread blocks in Semaphore::Wait; the timed span runs from just before the
// signalling call to the waiter's first instruction after its wait returns. For scale,
// the same hand-off through a std::mutex + std::condition_variable is reported as raw.
void BM_HostWake(benchmark::State& state) {
  Kit& kit = StreamKit();
  Ref<Semaphore> semaphore = NewSemaphore(kit);
  std::atomic<uint64_t> woken{0};
  std::atomic<int64_t> woke_at{0};
  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    for (uint64_t v = 1; !stop.load(); ++v) {
      if (!semaphore->Wait(v, WaitTimeout()).ok()) return;
      woke_at.store(Clock::now().time_since_epoch().count());
      woken.store(v);
    }
  });
  std::mutex mutex;
  std::condition_variable wake;
  uint64_t cv_value = 0;
  std::atomic<uint64_t> cv_woken{0};
  std::atomic<int64_t> cv_woke_at{0};
  std::thread cv_waiter([&] {
    for (uint64_t v = 1;; ++v) {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return cv_value >= v; });
      if (stop.load()) return;
      lock.unlock();
      cv_woke_at.store(Clock::now().time_since_epoch().count());
      cv_woken.store(v);
    }
  });
  uint64_t value = 0;
  Samples samples;
  for (auto _ : state) {
    ++value;
    // Let the waiter block first: the latency of a sleeping thread is what is measured.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    const int64_t start = Clock::now().time_since_epoch().count();
    BENCH_CHECK("Signal", semaphore->Signal(value));
    while (woken.load() != value) {
    }
    const double elapsed = Micros(Clock::duration(woke_at.load() - start));
    state.SetIterationTime(elapsed * 1e-6);
    samples.gpuhal.push_back(elapsed);

    std::this_thread::sleep_for(std::chrono::microseconds(200));
    const int64_t cv_start = Clock::now().time_since_epoch().count();
    {
      std::lock_guard<std::mutex> lock(mutex);
      cv_value = value;
    }
    wake.notify_one();
    while (cv_woken.load() != value) {
    }
    samples.raw.push_back(Micros(Clock::duration(cv_woke_at.load() - cv_start)));
  }
  stop.store(true);
  semaphore->Signal(value + 1).IgnoreError();
  waiter.join();
  {
    std::lock_guard<std::mutex> lock(mutex);
    cv_value = value + 1;
  }
  wake.notify_one();
  cv_waiter.join();
  Report(state, samples, 0);
}

// 7. Memory ------------------------------------------------------------------------------

// Host bytes (through the device's allocator) per semaphore, per pending submission and
// per recorded dispatch in each mode, each measured on a fresh device: arenas take
// blocks from a per-device pool that keeps freed blocks, so only a fresh pool shows what
// a new object costs. Graph mode counts only gpuhal's own host memory; the vendor's
// graph memory is the driver's.
void BM_Memory(benchmark::State& state) {
  constexpr int kCount = 1000;
  CountingAllocator counting;
  double per_semaphore = 0, per_pending = 0, per_stream_command = 0, per_graph_command = 0;
  double per_prepared_command = 0;
  for (auto _ : state) {
    {
      Kit kit = MakeKit("mode=stream", counting);
      std::vector<Ref<Semaphore>> semaphores;
      semaphores.reserve(kCount);
      const size_t before = counting.live_bytes();
      for (int i = 0; i < kCount; ++i) {
        semaphores.push_back(NewSemaphore(kit));
      }
      per_semaphore = double(counting.live_bytes() - before) / kCount;
    }
    {
      Kit kit = MakeKit("mode=stream", counting);
      Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kStream, 1);
      Ref<Semaphore> gate = NewSemaphore(kit);
      Ref<Semaphore> done = NewSemaphore(kit);
      CommandBuffer* list[] = {commands.get()};
      const SemaphorePoint wait{gate.get(), 1};
      const size_t before = counting.live_bytes();
      for (int i = 0; i < kCount; ++i) {
        const SemaphorePoint signal{done.get(), uint64_t(i) + 1};
        BENCH_CHECK("QueueExecute", kit.device->QueueExecute(1, {&wait, 1}, {&signal, 1}, list));
      }
      per_pending = double(counting.live_bytes() - before) / kCount;
      BENCH_CHECK("Signal", gate->Signal(1));
      BENCH_CHECK("Wait", done->Wait(kCount, WaitTimeout()));
    }
    for (CommandBufferMode mode : {CommandBufferMode::kStream, CommandBufferMode::kGraph}) {
      Kit kit = MakeKit(mode == CommandBufferMode::kStream ? "mode=stream" : "mode=graph", counting);
      CommandBufferParams params;
      params.mode = mode;
      Ref<CommandBuffer> commands = Take("creating", kit.device->CreateCommandBuffer(params));
      const size_t before = counting.live_bytes();
      BENCH_CHECK("recording", RecordNoops(*commands, kit, kCount));
      const double per_command = double(counting.live_bytes() - before) / kCount;
      (mode == CommandBufferMode::kStream ? per_stream_command : per_graph_command) = per_command;
    }
    {
      // A reusable stream-mode recording's first submission prepares its plan of calls
      // (stream_replay_plan.h), kept with the recording. A first submission of another
      // buffer takes the action, arena block and event that every submission reuses.
      Kit kit = MakeKit("mode=stream", counting);
      Ref<Semaphore> done = NewSemaphore(kit);
      Ref<CommandBuffer> warm_up = RecordedNoops(kit, CommandBufferMode::kStream, 1);
      Ref<CommandBuffer> commands = RecordedNoops(kit, CommandBufferMode::kStream, kCount);
      uint64_t value = 0;
      for (CommandBuffer* submitted : {warm_up.get(), commands.get()}) {
        const size_t before = counting.live_bytes();
        const SemaphorePoint signal{done.get(), ++value};
        BENCH_CHECK("QueueExecute", kit.device->QueueExecute(1, {}, {&signal, 1}, {&submitted, 1}));
        BENCH_CHECK("Wait", done->Wait(value, WaitTimeout()));
        per_prepared_command = double(counting.live_bytes() - before) / kCount;
      }
    }
    state.SetIterationTime(1e-3);
  }
  state.counters["bytes_per_semaphore"] = per_semaphore;
  state.counters["bytes_per_pending_submission"] = per_pending;
  state.counters["bytes_per_stream_dispatch"] = per_stream_command;
  state.counters["bytes_per_graph_dispatch"] = per_graph_command;
  state.counters["bytes_per_prepared_stream_dispatch"] = per_prepared_command;
}

// 8. The simulated GPU -------------------------------------------------------------------

// Operations per second of the simulated GPU in deterministic mode on the calling thread:
// kBatch kernel launches and one event record per batch, executed by a synchronize.
// A deterministic simulated GPU driven through its CUDA table, with device 0's primary
// context current on the calling thread.
struct SimulatedCuda {
  explicit SimulatedCuda(uint64_t memory_bytes = uint64_t{1} << 30) {
    fake::EngineOptions options;
    options.mode = fake::SchedulingMode::kDeterministic;
    options.device_memory_bytes = memory_bytes;
    platform = Take("creating the simulated GPU", fake::FakeCudaPlatform::Create(options));
    cu = &platform->cuda_symbols();
    Cu(cu->cuInit(0), "cuInit");
    Cu(cu->cuDeviceGet(&device, 0), "cuDeviceGet");
    Cu(cu->cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
    Cu(cu->cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }
  ~SimulatedCuda() { cu->cuDevicePrimaryCtxRelease(device); }

  Ref<fake::FakeCudaPlatform> platform;
  const cuda::CudaSymbols* cu = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
};

void BM_SimulatedOps(benchmark::State& state) {
  SimulatedCuda simulated;
  const cuda::CudaSymbols& cu = *simulated.cu;
  CUmodule module = nullptr;
  CUfunction noop = nullptr;
  CUstream stream = nullptr;
  CUevent event = nullptr;
  CUdeviceptr buffer = 0;
  const std::string ptx(bench::BenchKernelsPtx());
  Cu(cu.cuModuleLoadDataEx(&module, ptx.c_str(), 0, nullptr, nullptr), "cuModuleLoadDataEx");
  Cu(cu.cuModuleGetFunction(&noop, module, "bench_noop"), "cuModuleGetFunction");
  Cu(cu.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  Cu(cu.cuEventCreate(&event, CU_EVENT_DEFAULT), "cuEventCreate");
  Cu(cu.cuMemAlloc(&buffer, 4096), "cuMemAlloc");
  NoopParams params;
  params.buffer = buffer;
  int64_t operations = 0;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      Cu(cu.cuLaunchKernel(noop, 1, 1, 1, bench::kBenchBlockSize[0], 1, 1, 0, stream,
                           params.pointers, nullptr),
         "cuLaunchKernel");
    }
    Cu(cu.cuEventRecord(event, stream), "cuEventRecord");
    Cu(cu.cuStreamSynchronize(stream), "cuStreamSynchronize");
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
    operations += kBatch + 1;
  }
  state.SetItemsProcessed(operations);
  state.counters["ops_per_second"] =
      benchmark::Counter(double(operations), benchmark::Counter::kIsRate);
  state.counters["target_ops_per_second"] = 1e6;
  cu.cuMemFree(buffer);
  cu.cuEventDestroy(event);
  cu.cuStreamDestroy(stream);
  cu.cuModuleUnload(module);
}

// Host kernels (the dialect of gpuhal/kernel.h) executed per second by the simulated GPU
// on the calling thread: an elementwise kernel with no barrier, one launch of
// kKernelThreads threads per iteration.
GPUHAL_KERNEL(bench_scale_add, GPUHAL_BUFFER(const uint32_t) x, GPUHAL_BUFFER(uint32_t) y,
              uint32_t a, uint32_t count) {
  const uint32_t i = GPUHAL_GLOBAL_ID_X;
  if (i < count) y[i] = a * x[i] + y[i];
}

void BM_SimulatedKernelThreads(benchmark::State& state) {
  constexpr uint32_t kKernelThreads = 1u << 20;
  constexpr uint32_t kBlock = 256;
  static const bool published = [] {
    auto* library = new HostKernelLibrary("gpuhal_bench");  // lives as long as the process
    BENCH_CHECK("adding the host kernel", GPUHAL_ADD_TRANSLATION_UNIT_KERNELS(*library));
    BENCH_CHECK("publishing the host kernels", library->Publish());
    return true;
  }();
  (void)published;
  SimulatedCuda simulated(uint64_t{64} << 20);
  const cuda::CudaSymbols& cu = *simulated.cu;
  CUmodule module = nullptr;
  CUfunction kernel = nullptr;
  CUstream stream = nullptr;
  CUdeviceptr x = 0, y = 0;
  const char* image = "gpuhal-fake-module\nscope gpuhal_bench\nkernel bench_scale_add\n";
  Cu(cu.cuModuleLoadDataEx(&module, image, 0, nullptr, nullptr), "cuModuleLoadDataEx");
  Cu(cu.cuModuleGetFunction(&kernel, module, "bench_scale_add"), "cuModuleGetFunction");
  Cu(cu.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  Cu(cu.cuMemAlloc(&x, kKernelThreads * sizeof(uint32_t)), "cuMemAlloc");
  Cu(cu.cuMemAlloc(&y, kKernelThreads * sizeof(uint32_t)), "cuMemAlloc");
  uint32_t a = 3, count = kKernelThreads;
  void* arguments[] = {&x, &y, &a, &count};
  int64_t threads = 0;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    Cu(cu.cuLaunchKernel(kernel, kKernelThreads / kBlock, 1, 1, kBlock, 1, 1, 0, stream, arguments,
                         nullptr),
       "cuLaunchKernel");
    Cu(cu.cuStreamSynchronize(stream), "cuStreamSynchronize");
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
    threads += kKernelThreads;
  }
  state.SetItemsProcessed(threads);
  state.counters["threads_per_second"] =
      benchmark::Counter(double(threads), benchmark::Counter::kIsRate);
  state.counters["target_threads_per_second"] = 50e6;
  cu.cuMemFree(x);
  cu.cuMemFree(y);
  cu.cuStreamDestroy(stream);
  cu.cuModuleUnload(module);
}

// Idle CPU -------------------------------------------------------------------------------

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Process CPU time over ~1 s with both devices open (three queues, three completion
// threads) and nothing in flight: any thread that spins shows up here.
void BM_IdleCpu(benchmark::State& state) {
  StreamKit();
  GraphKit();
  double cpu_ms_per_s = 0;
  for (auto _ : state) {
    const double cpu_before = ProcessCpuSeconds();
    const Clock::time_point start = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    cpu_ms_per_s = (ProcessCpuSeconds() - cpu_before) * 1e3 / wall;
    state.SetIterationTime(wall);
  }
  state.counters["idle_cpu_ms_per_s"] = cpu_ms_per_s;
}

BENCHMARK(BM_IdleCpu)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamDispatch)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GraphReplay)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GraphRecord)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SemaphoreChain)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SemaphoreChainTraced)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RawChainObservers)
    ->Args({0, 0})->Args({2000, 0})->Args({5000, 0})->Args({0, 1})->Args({0, 2})->Args({0, 3})
    ->Args({0, 4})->Args({0, 5})->Args({0, 6})
    ->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RawCallCost)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CompletionLatency)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WaitBeforeSignal)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HostWake)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Memory)->UseManualTime()->Iterations(1);
BENCHMARK(BM_SimulatedOps)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SimulatedKernelThreads)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // Our own flag first; Google Benchmark sees the rest.
  std::vector<char*> arguments;
  for (int i = 0; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument.starts_with("--device_kind=")) {
      const std::string_view kind = argument.substr(std::strlen("--device_kind="));
      if (kind == "cuda") g_device_kind = DeviceKind::kCuda;
      else if (kind == "fake") g_device_kind = DeviceKind::kFake;
      else if (kind == "auto") g_device_kind = DeviceKind::kAuto;
      else {
        std::fprintf(stderr, "gpuhal-bench: --device_kind must be auto, cuda or fake\n");
        return 2;
      }
      continue;
    }
    arguments.push_back(argv[i]);
  }
  int argument_count = static_cast<int>(arguments.size());
  benchmark::Initialize(&argument_count, arguments.data());
  if (benchmark::ReportUnrecognizedArguments(argument_count, arguments.data())) return 2;

  if (g_device_kind != DeviceKind::kFake) g_raw = OpenRawCuda();
  if (!g_raw && g_device_kind == DeviceKind::kCuda) {
    std::fprintf(stderr, "gpuhal-bench: --device_kind=cuda but no CUDA GPU is usable here\n");
    return 2;
  }
  benchmark::AddCustomContext("gpuhal_device", BenchDeviceUri(""));
  if (g_raw) {
    char name[256] = {};
    g_raw->cu->cuDeviceGetName(name, sizeof(name), g_raw->device);
    int version = 0;
    g_raw->cu->cuDriverGetVersion(&version);
    benchmark::AddCustomContext("gpu", name);
    benchmark::AddCustomContext("cuda_driver_api_version", std::to_string(version));
  } else {
    benchmark::AddCustomContext("gpu", "simulated GPU (smoke run: gpuhal side only, no ratios)");
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete g_stream_kit;
  delete g_graph_kit;
  delete g_large_event_pool_kit;
  CloseRawCuda(g_raw);
  return 0;
}
