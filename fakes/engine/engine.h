// The simulated GPU: several devices with checked synthetic memory, in-order streams,
// events, host functions, kernels from a registry, graphs, stream-ordered pools and
// collectives, scheduled either deterministically (seeded PRNG, virtual time, driven by
// the host) or by worker threads. It knows no vendor type: CUDA-, HIP- and NCCL-shaped
// front ends translate handles and error codes and call these methods one-for-one.
//
// Every method is thread-safe. Methods return Error::kOk or the reason for failure; sticky
// device faults (illegal address, kernel fault, device lost) are returned by every later
// call that touches the faulted device, as CUDA does after a failed launch.
#ifndef GPUHAL_FAKES_ENGINE_ENGINE_H_
#define GPUHAL_FAKES_ENGINE_ENGINE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "fakes/engine/collectives.h"
#include "fakes/engine/fault_injector.h"
#include "fakes/engine/graph.h"
#include "fakes/engine/handle_table.h"
#include "fakes/engine/kernel_registry.h"
#include "fakes/engine/memory.h"
#include "fakes/engine/prng.h"
#include "fakes/engine/trace.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

// True on a thread while it runs a host function (or graph host node). Front ends make
// every vendor call fail while it is set, as CUDA forbids API calls from host functions.
bool InsideHostFunction();

struct EngineOptions {
  int device_count = 1;
  uint64_t device_memory_bytes = uint64_t{1} << 30;  // per device
  SchedulingMode mode = SchedulingMode::kDeterministic;
  uint64_t seed = 0;       // deterministic mode: picks the interleaving
  int worker_threads = 4;  // threaded mode
  bool record_trace = false;
  // What kernels see as the warp (wavefront) size: the vendor's (32 CUDA, 64 HIP).
  uint32_t warp_size = 32;
  // Non-empty: the trace is recorded and written to this file when the engine is
  // destroyed (a write failure is reported on stderr, having no caller to return to).
  std::string trace_path;
  // Nonzero: every vendor call's timing is perturbed from the start with
  // CallJitter{.seed = jitter_seed} (fault_injector.h).
  uint64_t jitter_seed = 0;
};

struct Stream;
struct Event;
struct Pool;
struct Device;
struct Module;
struct ExecGraph;
struct CommRef;

class Engine {
 public:
  explicit Engine(const EngineOptions& options);
  ~Engine();  // stops workers; work still queued is dropped
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineOptions& options() const { return options_; }
  int device_count() const { return options_.device_count; }
  KernelRegistry& kernels() { return kernels_; }
  FaultInjector& fault_injector() { return fault_injector_; }

  // ---- Device memory (cuMemAlloc / cuMemFree / cuMemHostAlloc / cuMemHostRegister) ----
  Error Allocate(int device, uint64_t bytes, uint64_t* address);
  Error Free(uint64_t address);  // device, pinned-host or stream-ordered allocations
  Error AllocateHost(int device, uint64_t bytes, void** host, uint64_t* device_address);
  Error FreeHost(void* host);
  Error RegisterHost(int device, void* host, uint64_t bytes, uint64_t* device_address);
  Error UnregisterHost(void* host);
  // The device address of a host pointer inside pinned/registered memory.
  Error HostDeviceAddress(const void* host, uint64_t* device_address);
  Error GetAllocationInfo(uint64_t address, AllocationInfo* info);
  Error SetDeviceMemoryLimit(int device, uint64_t bytes);
  Error GetMemoryUsage(int device, uint64_t* used, uint64_t* limit);
  // Immediate, checked host access to device memory (not stream-ordered).
  Error ReadMemory(uint64_t address, void* out, uint64_t bytes);
  Error WriteMemory(uint64_t address, const void* data, uint64_t bytes);

  // ---- Streams ----
  Error CreateStream(int device, StreamId* stream);
  // Returns at once; work already enqueued still runs (as cuStreamDestroy).
  Error DestroyStream(StreamId stream);
  Error StreamDevice(StreamId stream, int* device);
  Error EnqueueMemset(StreamId stream, const MemsetParams& params);
  Error EnqueueMemcpy(StreamId stream, const MemcpyParams& params);
  Error EnqueueKernel(StreamId stream, const LaunchParams& params);
  Error EnqueueHostFunction(StreamId stream, HostFn fn, void* user_data);
  Error EnqueueWaitValue32(StreamId stream, uint64_t address, uint32_t value,
                           WaitCondition condition);
  Error EnqueueWriteValue32(StreamId stream, uint64_t address, uint32_t value);
  Error QueryStream(StreamId stream);        // kOk, kNotReady or a fault
  Error SynchronizeStream(StreamId stream);  // drives the simulation in deterministic mode
  Error SynchronizeDevice(int device);
  // The sticky fault of a device (kOk if none) and its description.
  Error DeviceFault(int device, std::string* message = nullptr);

  // ---- Events ----
  Error CreateEvent(EventId* event);
  Error DestroyEvent(EventId event);
  // Captures all work enqueued on `stream` so far; re-recording replaces the capture.
  Error RecordEvent(EventId event, StreamId stream);
  // Waits for the event's latest record as of this call; a never-recorded event (or one
  // recorded later) makes this wait complete at once, exactly like CUDA and HIP.
  Error StreamWaitEvent(StreamId stream, EventId event);
  Error QueryEvent(EventId event);  // kOk (done, or never recorded) or kNotReady
  Error SynchronizeEvent(EventId event);
  Error EventElapsedNs(EventId start, EventId end, uint64_t* nanoseconds);

  // ---- Stream-ordered memory pools (cuMemAllocAsync / cuMemFreeAsync / cuMemPool*) ----
  Error DefaultPool(int device, PoolId* pool);
  Error CreatePool(int device, PoolId* pool);
  Error DestroyPool(PoolId pool);
  // Bytes of freed memory a pool keeps reserved at synchronization points.
  Error SetPoolReleaseThreshold(PoolId pool, uint64_t bytes);
  Error TrimPool(PoolId pool, uint64_t min_bytes_to_keep);
  Error GetPoolUsage(PoolId pool, uint64_t* used, uint64_t* reserved);
  // The address is returned at once but valid only from this point in stream order;
  // pool == kNull means the device's default pool.
  Error AllocAsync(StreamId stream, PoolId pool, uint64_t bytes, uint64_t* address);
  Error FreeAsync(StreamId stream, uint64_t address);

  // ---- Modules (image format in kernel_registry.h) ----
  // On failure *why (if given) says what is wrong with the image.
  Error LoadModule(const char* image, ModuleId* module, std::string* why = nullptr);
  Error UnloadModule(ModuleId module);
  Error GetModuleFunction(ModuleId module, std::string_view name, KernelId* kernel);

  // ---- Graphs ----
  Error CreateGraph(GraphId* graph);
  Error DestroyGraph(GraphId graph);
  // `node` receives the node's index in the graph (0, 1, 2, ... in order of addition).
  Error AddGraphNode(GraphId graph, const GraphNodeParams& params,
                     std::span<const uint32_t> dependencies, uint32_t* node);
  Error SetGraphKernelNodeParams(GraphId graph, uint32_t node, const LaunchParams& params);
  Error GraphNodeCount(GraphId graph, uint32_t* count);
  Error InstantiateGraph(GraphId graph, GraphExecId* exec);
  Error DestroyGraphExec(GraphExecId exec);
  // Affects later launches only; launches in flight keep their snapshot.
  Error SetExecKernelNodeParams(GraphExecId exec, uint32_t node, const LaunchParams& params);
  Error LaunchGraph(GraphExecId exec, StreamId stream);

  // ---- Collectives ----
  // One communicator over `devices` (rank i on devices[i]), like ncclCommInitAll.
  Error CreateComm(std::span<const int> devices, CommId* comm);
  Error DestroyComm(CommId comm);
  Error CommRankCount(CommId comm, int* ranks);
  // Pending and later operations of the communicator fail with kAborted.
  Error AbortComm(CommId comm);
  Error CommAsyncError(CommId comm, std::string* message = nullptr);
  // Per host thread, nestable, as ncclGroupStart/End: operations issued inside are
  // enqueued at the outermost GroupEnd, one stream operation per stream.
  void GroupStart();
  Error GroupEnd();
  // An ncclGroupEnd that fails still ends the group (as NCCL's does): at the outermost,
  // what the group held is not enqueued, and the collectives it took part in fail for
  // every rank instead of waiting for this one.
  void AbandonGroup();
  Error AllReduce(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t count,
                  DataType type, ReduceOp op, StreamId stream);
  Error AllGather(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t send_count,
                  DataType type, StreamId stream);
  Error ReduceScatter(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t recv_count,
                      DataType type, ReduceOp op, StreamId stream);
  Error Reduce(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t count,
               DataType type, ReduceOp op, int root, StreamId stream);
  Error Broadcast(CommId comm, int rank, uint64_t send, uint64_t recv, uint64_t count,
                  DataType type, int root, StreamId stream);
  Error Send(CommId comm, int rank, uint64_t send, uint64_t count, DataType type, int peer,
             StreamId stream);
  Error Recv(CommId comm, int rank, uint64_t recv, uint64_t count, DataType type, int peer,
             StreamId stream);

  // ---- Scheduling ----
  // Deterministic mode: runs one ready operation (or graph node); false if none is ready.
  bool Step();
  // Runs until nothing is ready: kOk when no work is left, kDeadlock when work remains
  // that can never become ready. Threaded mode: waits until no work is left.
  Error RunUntilIdle();
  uint64_t PendingOperationCount();
  uint64_t NowNs();  // virtual time (deterministic) or steady-clock time since creation
  // Makes every later host function cost `virtual_ns` of virtual time and sleep `real_ns`.
  void SetHostFunctionCost(uint64_t virtual_ns, uint64_t real_ns);

  // ---- Faults ----
  // Every later operation on the device fails with kDeviceLost (sticky).
  Error InjectDeviceLost(int device);

  // ---- Traces ----
  std::string ChromeTraceJson();
  void ClearTrace();
  // Writes ChromeTraceJson() to `path`; false with *why (the system's reason) if it cannot.
  bool WriteTraceFile(const std::string& path, std::string* why);
  // Starts or stops recording; spans recorded so far stay.
  void SetTraceEnabled(bool enabled);
  bool trace_enabled();

 private:
  struct PendingGroupOp;
  // Implemented in engine.cc (API) and scheduler.cc (execution); all *Locked methods
  // expect mu_ held.
  Stream* LiveStreamLocked(StreamId id);
  Event* LiveEventLocked(EventId id);
  Error DeviceErrorLocked(int device) const;
  Error CheckStreamLocked(StreamId id, Stream** stream);
  void EnqueueLocked(Stream& stream, OpBody&& body);
  void RecordFaultLocked(int device, Error error, std::string message);
  bool PointCompleteLocked(const StreamPoint& point);
  bool EventCompleteLocked(const Event& event);
  void TrimPoolsLocked(int device);
  void ReleasePoolBytesLocked(Pool& pool, uint64_t bytes);
  Error FreeLocked(uint64_t address);
  Error EnqueueCollective(CommId comm, int rank, const CollectiveArgs& args, int peer,
                          StreamId stream);

  template <typename Predicate>
  Error WaitLocked(std::unique_lock<std::mutex>& lock, Predicate done);
  bool RunOneLocked(std::unique_lock<std::mutex>& lock);
  bool IsReadyLocked(Stream& stream);
  bool GraphNodeRunnableLocked(GraphLaunch& launch, uint32_t node);
  void OnBecameHeadLocked(Stream& stream);
  void ExecuteHeadLocked(std::unique_lock<std::mutex>& lock, Stream& stream);
  void RunGraphStepLocked(std::unique_lock<std::mutex>& lock, Stream& stream,
                          GraphLaunch& launch);
  // Runs a non-blocking operation body; returns its modelled duration in ns.
  uint64_t RunBodyLocked(Stream& stream, const OpBody& body);
  uint64_t RunGraphNodeLocked(Stream& stream, const ExecNode& node);
  void RunMemsetLocked(Stream& stream, const MemsetParams& params);
  void RunMemcpyLocked(Stream& stream, const MemcpyParams& params);
  void RunKernelLocked(Stream& stream, const KernelOp& kernel);
  void RunCollectiveLocked(Stream& stream, CollectiveBatch& batch);
  void FailCollectiveLocked(CollectiveBatch& batch, Error error, const std::string& message);
  void RunHostFunction(std::unique_lock<std::mutex>& lock, Stream& stream, HostFnOp host);
  void CompleteHeadLocked(Stream& stream);
  uint64_t ClockNs();
  void AddTraceLocked(const char* name, const Stream& stream, uint64_t start, uint64_t end);
  void WorkerLoop();

  const EngineOptions options_;
  KernelRegistry kernels_;
  FaultInjector fault_injector_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // workers: new work may be ready
  std::condition_variable done_cv_;  // host waiters: something completed
  int host_waiters_ = 0;
  int busy_streams_ = 0;  // streams whose head runs with mu_ released
  int idle_workers_ = 0;
  bool stopping_ = false;

  AddressSpace memory_;
  std::vector<std::unique_ptr<Device>> devices_;
  HandleTable<Stream> streams_;
  HandleTable<Event> events_;
  HandleTable<Pool> pools_;
  HandleTable<GraphTemplate> graphs_;
  HandleTable<ExecGraph> execs_;
  HandleTable<CommRef> comms_;
  HandleTable<Module> modules_;
  std::vector<Stream*> active_;  // streams with queued work, in a deterministic order
  std::vector<Stream*> ready_scratch_;
  std::vector<uint32_t> node_scratch_;
  uint64_t pending_ops_ = 0;
  uint64_t next_stream_ordinal_ = 1;
  uint64_t virtual_now_ns_ = 0;
  uint64_t host_fn_virtual_ns_ = 2000;
  uint64_t host_fn_real_ns_ = 0;
  Prng prng_;
  TraceRecorder trace_;
  std::chrono::steady_clock::time_point epoch_;
  std::vector<std::thread> workers_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_ENGINE_H_
