// A systematic fault sweep. For fixed workloads (submissions with waits and signals,
// host reads and writes, queue allocation, collectives, opening a device) it first runs
// each workload once, counting the vendor calls it makes by entry point; then, for every
// entry point and every n up to kSweptCalls (and the last call), it runs the workload
// again on a fresh simulated GPU whose n-th call of that entry point fails, once with
// each of three error codes (out of memory, launch failed, invalid value). Every outcome
// must be a clean error or a correct result:
//   - no crash and no memory error (CI runs this under ASan + UBSan),
//   - results are right whenever every call said OK (workloads check every byte),
//   - nothing hangs: every host wait is bounded, and a watchdog ends a stuck case,
//   - afterwards the device is usable (a transfer and a submission work) or cleanly
//     failed (they return an error), and once it is destroyed every byte of host memory
//     it took is back (its own CountingAllocator; LeakSanitizer covers the rest).
// Each test prints how many (entry point, n, code) cases it ran. The counts vary a little
// from run to run: the completion threads' calls depend on timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "conformance/kernels/conformance_kernels.h"
#include "fakes/drivers/fake_drivers.h"
#include "gpuhal/gpuhal.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fault_sweep {
namespace {

using std::chrono::seconds;

// Calls swept per entry point: the first kSweptCalls (every call, for these workloads),
// and the last.
constexpr uint64_t kSweptCalls = 64;
// A bounded host wait: far longer than any workload needs on the simulated GPU.
constexpr auto kWait = seconds(10);
// A case taking longer than this is stuck (a wait inside gpuhal that is not bounded).
constexpr auto kStuck = seconds(120);

enum class Workload { kSubmit, kTransfer, kAlloca, kCollective, kOpen };

const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kSubmit: return "submit";
    case Workload::kTransfer: return "transfer";
    case Workload::kAlloca: return "alloca";
    case Workload::kCollective: return "collective";
    case Workload::kOpen: return "open";
  }
  return "?";
}

struct SweepConfig {
  const char* scheme;
  CommandBufferMode mode;
  Workload workload;
};

// What CTest prints after "GetParam() =".
void PrintTo(const SweepConfig& config, std::ostream* out) {
  *out << config.scheme << (config.mode == CommandBufferMode::kGraph ? " graph " : " stream ")
       << WorkloadName(config.workload);
}

std::string ConfigName(const ::testing::TestParamInfo<SweepConfig>& info) {
  std::string name = std::string(info.param.scheme) + "_" +
                     (info.param.mode == CommandBufferMode::kGraph ? "graph" : "stream") + "_" +
                     WorkloadName(info.param.workload);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// One failed call: the n-th call of `entry_point` returns `code`.
struct FaultCase {
  std::string entry_point;
  uint64_t nth_call = 0;
  int code = 0;
  const char* code_name = "";
};

// What one run of a workload found.
struct Outcome {
  Status status;                        // the first error a call returned, or OK
  std::vector<std::string> violations;  // wrong results, hangs, leaks
};

// A workload's devices, made from a registry whose fake drivers configure each simulated
// GPU they make (the fault rule, or call counting) before any call reaches it.
class Session {
 public:
  Session(const SweepConfig& config, std::function<void(fake::Engine&)> configure_engine,
          bool configure_at_open)
      : config_(config), configure_engine_(std::move(configure_engine)) {
    fake::FakeDriverOptions options;
    if (configure_at_open) options.configure_engine = configure_engine_;
    registry_.Register(fake::CreateFakeCudaDriver(options)).IgnoreError();
    registry_.Register(fake::CreateFakeHipDriver(options)).IgnoreError();
  }

  // The deterministic schedule reproduces a case exactly; collectives between devices
  // run on the threaded one, as the simulated NCCL's ranks meet on worker threads.
  std::string Uri(int ordinal, const std::string& extra = "") const {
    const char* schedule =
        config_.workload == Workload::kCollective ? "threaded" : "deterministic";
    std::string uri = std::string(config_.scheme) + "://" + std::to_string(ordinal) +
                      "?schedule=" + schedule + "&mode=" +
                      (config_.mode == CommandBufferMode::kGraph ? "graph" : "stream");
    if (!extra.empty()) uri += "&" + extra;
    return uri;
  }

  Result<Ref<Device>> Open(const std::string& uri) {
    return registry_.CreateDevice(uri, allocator_);
  }
  // After the devices are open: faults and counting start with the workload itself.
  void ConfigureNow(Device& device) {
    if (fake::Engine* engine = fake::SimulatedEngineOf(device)) configure_engine_(*engine);
  }

  CountingAllocator& allocator() { return allocator_; }
  CommandBufferMode mode() const { return config_.mode; }

 private:
  const SweepConfig config_;
  std::function<void(fake::Engine&)> configure_engine_;
  CountingAllocator allocator_;  // before the registry: devices hold the drivers' objects
  DriverRegistry registry_;
};

// Records the first error; with an error the workload stops.
#define SWEEP_TRY(outcome, expr)                                     \
  do {                                                               \
    const ::gpuhal::Status sweep_status_ = (expr);                   \
    if (!sweep_status_.ok()) {                                       \
      (outcome).status = sweep_status_.WithContext(#expr);           \
      return;                                                        \
    }                                                                \
  } while (false)
#define SWEEP_ASSIGN(outcome, lhs, expr)                                     \
  SWEEP_ASSIGN_IMPL_(outcome, GPUHAL_CONCAT_(sweep_result_, __LINE__), lhs, expr)
#define SWEEP_ASSIGN_IMPL_(outcome, result, lhs, expr)         \
  auto result = (expr);                                        \
  if (!result.ok()) {                                          \
    (outcome).status = result.status().WithContext(#expr);     \
    return;                                                    \
  }                                                            \
  lhs = std::move(result).value()

// A bounded wait: a deadline is a hang, not a clean error.
Status WaitAll(Device& device, std::vector<SemaphorePoint> points, Outcome& outcome,
               const char* what) {
  Status status = device.WaitSemaphores(WaitMode::kAll, points, Timeout::After(kWait));
  if (status.code() == StatusCode::kDeadlineExceeded) {
    outcome.violations.push_back(std::string("hang: ") + what + " not reached in " +
                                 std::to_string(kWait.count()) + " s");
  }
  return status;
}

std::vector<uint32_t> ReadWords(Device& device, Buffer& buffer, size_t count, Status& status) {
  std::vector<uint32_t> words(count);
  status = device.ReadBuffer(buffer, 0, std::as_writable_bytes(std::span(words)));
  return words;
}

Result<Ref<CommandBuffer>> NewCommandBuffer(Device& device, CommandBufferMode mode,
                                            CommandBufferUsage usage) {
  CommandBufferParams params;
  params.mode = mode;
  params.usage = usage;
  return device.CreateCommandBuffer(params);
}

// Two queues: a host gate releases a fill, copy and update on queue 0, whose signal a
// dispatch on queue 1 waits for on the GPU; a barrier back on queue 0 waits for that.
void RunSubmit(Session& session, Device& device, Outcome& outcome) {
  constexpr uint32_t kCount = 256;
  constexpr size_t kBytes = kCount * 4;
  const std::vector<uint8_t> container = kernels::BuildKernelContainer({"cts_add_one"});
  // cts_add_one: set 0 {0: in, 1: out}; one constant, the count.
  const DescriptorSetLayoutBinding set_bindings[] = {{0}, {1}};
  SWEEP_ASSIGN(outcome, Ref<DescriptorSetLayout> set,
               device.CreateDescriptorSetLayout(set_bindings));
  DescriptorSetLayout* sets[] = {set.get()};
  SWEEP_ASSIGN(outcome, Ref<PipelineLayout> layout, device.CreatePipelineLayout(sets, 1));
  PipelineLayout* layouts[] = {layout.get()};
  ExecutableParams executable_params;
  executable_params.container = container;
  executable_params.pipeline_layouts = layouts;
  SWEEP_ASSIGN(outcome, Ref<Executable> executable, device.LoadExecutable(executable_params));
  SWEEP_ASSIGN(outcome, Ref<Buffer> a, device.AllocateBuffer({}, kBytes));
  SWEEP_ASSIGN(outcome, Ref<Buffer> b, device.AllocateBuffer({}, kBytes));
  SWEEP_ASSIGN(outcome, Ref<Buffer> c, device.AllocateBuffer({}, kBytes));
  SWEEP_ASSIGN(outcome, Ref<Semaphore> gate, CreateHostSemaphore(0, session.allocator()));
  SWEEP_ASSIGN(outcome, Ref<Semaphore> produced, device.CreateSemaphore(0));
  SWEEP_ASSIGN(outcome, Ref<Semaphore> consumed, device.CreateSemaphore(0));

  SWEEP_ASSIGN(outcome, Ref<CommandBuffer> produce,
               NewCommandBuffer(device, session.mode(), CommandBufferUsage::kOneShot));
  const uint32_t pattern = 41;
  const uint32_t head[4] = {7, 8, 9, 10};
  SWEEP_TRY(outcome, produce->Begin());
  SWEEP_TRY(outcome, produce->FillBuffer({a.get(), 0, kBytes}, &pattern, 4));
  SWEEP_TRY(outcome, produce->ExecutionBarrier(ExecutionStage::kTransfer,
                                               ExecutionStage::kTransfer, {}, {}));
  SWEEP_TRY(outcome, produce->UpdateBuffer(head, {a.get(), 0, sizeof(head)}));
  SWEEP_TRY(outcome, produce->ExecutionBarrier(ExecutionStage::kTransfer,
                                               ExecutionStage::kTransfer, {}, {}));
  SWEEP_TRY(outcome, produce->CopyBuffer({a.get(), 0, kBytes}, *b, 0));
  SWEEP_TRY(outcome, produce->End());

  SWEEP_ASSIGN(outcome, Ref<CommandBuffer> consume,
               NewCommandBuffer(device, session.mode(), CommandBufferUsage::kReusable));
  const BufferBinding bindings[] = {{0, b.get()}, {1, c.get()}};
  const uint32_t count = kCount;
  SWEEP_TRY(outcome, consume->Begin());
  SWEEP_TRY(outcome, consume->PushDescriptorSet(*layout, 0, bindings));
  SWEEP_TRY(outcome, consume->PushConstants(*layout, 0,
                                            {reinterpret_cast<const uint8_t*>(&count), 4}));
  SWEEP_TRY(outcome, consume->Dispatch(*executable, 0, {kernels::WorkgroupsFor(kCount), 1, 1}));
  SWEEP_TRY(outcome, consume->End());

  CommandBuffer* produce_list[] = {produce.get()};
  CommandBuffer* consume_list[] = {consume.get()};
  const SemaphorePoint gate_open[] = {{gate.get(), 1}};
  const SemaphorePoint produced_1[] = {{produced.get(), 1}};
  const SemaphorePoint consumed_1[] = {{consumed.get(), 1}};
  const SemaphorePoint produced_2[] = {{produced.get(), 2}};
  SWEEP_TRY(outcome, device.QueueExecute(1, gate_open, produced_1, produce_list));
  SWEEP_TRY(outcome, device.QueueExecute(2, produced_1, consumed_1, consume_list));
  SWEEP_TRY(outcome, device.QueueBarrier(1, consumed_1, produced_2));
  SWEEP_TRY(outcome, gate->Signal(1));
  SWEEP_TRY(outcome, WaitAll(device, {{consumed.get(), 1}, {produced.get(), 2}}, outcome,
                             "the dispatch and the barrier after it"));
  Status read;
  const std::vector<uint32_t> words = ReadWords(device, *c, kCount, read);
  SWEEP_TRY(outcome, read);
  for (uint32_t i = 0; i < kCount; ++i) {
    const uint32_t expected = (i < 4 ? head[i] : pattern) + 1;
    if (words[i] != expected) {
      outcome.violations.push_back("wrong result: c[" + std::to_string(i) + "] = " +
                                   std::to_string(words[i]) + ", expected " +
                                   std::to_string(expected));
      return;
    }
  }
}

// Host transfers of two staging chunks (4 MiB each) and a mapped host-visible buffer.
void RunTransfer(Session& session, Device& device, Outcome& outcome) {
  constexpr size_t kBytes = (size_t{4} << 20) + 4096;
  std::vector<std::byte> written(kBytes), read(kBytes);
  for (size_t i = 0; i < kBytes; ++i) written[i] = std::byte(i * 7 + (i >> 12));
  SWEEP_ASSIGN(outcome, Ref<Buffer> buffer, device.AllocateBuffer({}, kBytes));
  SWEEP_TRY(outcome, device.WriteBuffer(written, *buffer, 0));
  SWEEP_TRY(outcome, device.ReadBuffer(*buffer, 0, read));
  if (read != written) outcome.violations.push_back("wrong result: the read-back differs");
  BufferParams host_params;
  host_params.type = MemoryType::kHostLocal;
  host_params.usage = BufferUsage::kDefault | BufferUsage::kMapping;
  SWEEP_ASSIGN(outcome, Ref<Buffer> host, device.AllocateBuffer(host_params, 256));
  SWEEP_TRY(outcome, device.WriteBuffer(std::span(written).first(256), *host, 0));
  SWEEP_ASSIGN(outcome, MappedMemory mapped, host->Map(MappingAccess::kRead));
  if (std::memcmp(mapped.data().data(), written.data(), 256) != 0) {
    outcome.violations.push_back("wrong result: the mapped host-visible buffer differs");
  }
}

// Three queue allocations in a chain of semaphores: each filled by a command buffer,
// read back, and deallocated in queue order.
void RunAlloca(Session& session, Device& device, Outcome& outcome) {
  SWEEP_ASSIGN(outcome, Ref<Semaphore> timeline, device.CreateSemaphore(0));
  uint64_t value = 0;
  for (uint32_t round = 1; round <= 3; ++round) {
    const SemaphorePoint after_previous[] = {{timeline.get(), value}};
    const SemaphorePoint allocated[] = {{timeline.get(), value + 1}};
    SWEEP_ASSIGN(outcome, Ref<Buffer> buffer,
                 device.QueueAlloca(kAnyQueue, after_previous, allocated, {}, 1024));
    SWEEP_ASSIGN(outcome, Ref<CommandBuffer> fill,
                 NewCommandBuffer(device, session.mode(), CommandBufferUsage::kOneShot));
    const uint32_t pattern = 0x100 * round;
    SWEEP_TRY(outcome, fill->Begin());
    SWEEP_TRY(outcome, fill->FillBuffer({buffer.get(), 0, 1024}, &pattern, 4));
    SWEEP_TRY(outcome, fill->End());
    CommandBuffer* list[] = {fill.get()};
    const SemaphorePoint filled[] = {{timeline.get(), value + 2}};
    SWEEP_TRY(outcome, device.QueueExecute(kAnyQueue, allocated, filled, list));
    SWEEP_TRY(outcome, WaitAll(device, {{timeline.get(), value + 2}}, outcome, "the fill"));
    Status read;
    const std::vector<uint32_t> words = ReadWords(device, *buffer, 256, read);
    SWEEP_TRY(outcome, read);
    if (std::any_of(words.begin(), words.end(), [&](uint32_t w) { return w != pattern; })) {
      outcome.violations.push_back("wrong result: queue allocation " + std::to_string(round));
      return;
    }
    const SemaphorePoint freed[] = {{timeline.get(), value + 3}};
    SWEEP_TRY(outcome, device.QueueDealloca(kAnyQueue, filled, freed, *buffer));
    value += 3;
  }
  SWEEP_TRY(outcome, WaitAll(device, {{timeline.get(), value}}, outcome, "the last dealloca"));
}

// Two devices of one simulated platform: an all-reduce in a command buffer on each.
void RunCollective(Session& session, std::vector<Ref<Device>>& devices, Outcome& outcome) {
  constexpr size_t kCount = 64;
  std::vector<Device*> members;
  for (Ref<Device>& device : devices) members.push_back(device.get());
  SWEEP_ASSIGN(outcome, std::vector<Ref<Channel>> channels,
               devices[0]->CreateChannelGroup(members));
  std::vector<Ref<Buffer>> buffers;
  std::vector<Ref<Semaphore>> done;
  std::vector<Ref<CommandBuffer>> commands;
  for (size_t rank = 0; rank < devices.size(); ++rank) {
    Device& device = *devices[rank];
    SWEEP_ASSIGN(outcome, Ref<Buffer> buffer, device.AllocateBuffer({}, kCount * 4));
    SWEEP_ASSIGN(outcome, Ref<Buffer> recv, device.AllocateBuffer({}, kCount * 4));
    std::vector<float> values(kCount, static_cast<float>(rank + 1));
    SWEEP_TRY(outcome, device.WriteBuffer(std::as_bytes(std::span(values)), *buffer, 0));
    SWEEP_ASSIGN(outcome, Ref<CommandBuffer> command_buffer,
                 NewCommandBuffer(device, session.mode(), CommandBufferUsage::kOneShot));
    SWEEP_TRY(outcome, command_buffer->Begin());
    SWEEP_TRY(outcome, command_buffer->Collective(
                           *channels[rank],
                           {CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kFloat32},
                           0, {buffer.get(), 0, kCount * 4}, {recv.get(), 0, kCount * 4},
                           kCount));
    SWEEP_TRY(outcome, command_buffer->End());
    SWEEP_ASSIGN(outcome, Ref<Semaphore> semaphore, device.CreateSemaphore(0));
    buffers.push_back(recv);
    commands.push_back(command_buffer);
    done.push_back(semaphore);
  }
  // Submitted from one thread, rank by rank: each rank's work runs on the device's own
  // stream, and the simulated NCCL completes the collective once every rank's is issued.
  for (size_t rank = 0; rank < devices.size(); ++rank) {
    CommandBuffer* list[] = {commands[rank].get()};
    const SemaphorePoint signal[] = {{done[rank].get(), 1}};
    SWEEP_TRY(outcome, devices[rank]->QueueExecute(kAnyQueue, {}, signal, list));
  }
  for (size_t rank = 0; rank < devices.size(); ++rank) {
    SWEEP_TRY(outcome, WaitAll(*devices[rank], {{done[rank].get(), 1}}, outcome,
                               "the all-reduce"));
    std::vector<float> values(kCount);
    SWEEP_TRY(outcome, devices[rank]->ReadBuffer(*buffers[rank], 0,
                                                 std::as_writable_bytes(std::span(values))));
    for (size_t i = 0; i < kCount; ++i) {
      if (values[i] != 3.0f) {
        outcome.violations.push_back("wrong result: rank " + std::to_string(rank) + " read " +
                                     std::to_string(values[i]) + " at " + std::to_string(i) +
                                     ", not the sum 3");
        return;
      }
    }
  }
}

// After the workload, with no fault left: a working device transfers and submits
// correctly; a failed one returns errors. Neither hangs.
void Probe(Session& session, Device& device, Outcome& outcome) {
  Result<Ref<Buffer>> buffer = device.AllocateBuffer({}, 256);
  if (!buffer.ok()) return;
  std::vector<std::byte> written(256, std::byte{0x5a}), read(256);
  if (!device.WriteBuffer(written, **buffer, 0).ok()) return;
  if (!device.ReadBuffer(**buffer, 0, read).ok()) return;
  if (read != written) {
    outcome.violations.push_back("after the workload: a transfer returned wrong bytes");
  }
  Result<Ref<Semaphore>> semaphore = device.CreateSemaphore(0);
  if (!semaphore.ok()) return;
  const SemaphorePoint signal[] = {{semaphore->get(), 1}};
  if (!device.QueueBarrier(kAnyQueue, {}, signal).ok()) return;
  WaitAll(device, {{semaphore->get(), 1}}, outcome, "a barrier after the workload")
      .IgnoreError();
}

// Runs one workload end to end: opens its devices, runs it, probes, and destroys the
// devices, checking that their host memory is back.
// `inspect(engine, device)` runs after the workload, before the probe.
Outcome RunCase(const SweepConfig& config, std::function<void(fake::Engine&)> configure,
                std::function<void(fake::Engine&, Device&)> inspect = {}) {
  Outcome outcome;
  const bool at_open = config.workload == Workload::kOpen;
  auto session = std::make_unique<Session>(config, configure, at_open);
  {
    std::vector<Ref<Device>> devices;
    auto open = [&](const std::string& uri) {
      Result<Ref<Device>> device = session->Open(uri);
      if (!device.ok()) {
        outcome.status = device.status().WithContext("CreateDevice(" + uri + ")");
        return false;
      }
      devices.push_back(*device);
      return true;
    };
    bool opened = true;
    if (config.workload == Workload::kCollective) {
      // One simulated platform per case: the name must not meet a live platform.
      static std::atomic<uint64_t> platforms{0};
      const std::string extra = "devices=2&platform=sweep" + std::to_string(platforms++);
      opened = open(session->Uri(0, extra)) && open(session->Uri(1, extra));
    } else {
      opened = open(session->Uri(0, "queues=2"));
    }
    if (opened) {
      if (!at_open) session->ConfigureNow(*devices[0]);
      switch (config.workload) {
        case Workload::kSubmit: RunSubmit(*session, *devices[0], outcome); break;
        case Workload::kTransfer: RunTransfer(*session, *devices[0], outcome); break;
        case Workload::kAlloca: RunAlloca(*session, *devices[0], outcome); break;
        case Workload::kCollective: RunCollective(*session, devices, outcome); break;
        case Workload::kOpen: RunTransfer(*session, *devices[0], outcome); break;
      }
      if (fake::Engine* engine = fake::SimulatedEngineOf(*devices[0])) {
        if (inspect) inspect(*engine, *devices[0]);
        engine->fault_injector().Clear();
      }
      for (Ref<Device>& device : devices) Probe(*session, *device, outcome);
    }
  }
  if (session->allocator().live_bytes() != 0) {
    outcome.violations.push_back("leak: " + std::to_string(session->allocator().live_bytes()) +
                                 " bytes of host memory still allocated after the devices went");
    // The allocator aborts when destroyed with live bytes: report instead.
    (void)session.release();
  }
  return outcome;
}

// Ends the process with the case named when a case is stuck.
class Watchdog {
 public:
  Watchdog() : thread_([this] { Watch(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  void Start(std::string name) {
    std::lock_guard<std::mutex> lock(mutex_);
    name_ = std::move(name);
    deadline_ = std::chrono::steady_clock::now() + kStuck;
    changed_.notify_all();
  }

 private:
  void Watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (changed_.wait_until(lock, deadline_) == std::cv_status::timeout && !stopping_ &&
          std::chrono::steady_clock::now() >= deadline_) {
        std::fprintf(stderr, "fault sweep: stuck for %lld s in case %s\n",
                     static_cast<long long>(kStuck.count()), name_.c_str());
        std::abort();
      }
    }
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string name_ = "(none)";
  std::chrono::steady_clock::time_point deadline_ =
      std::chrono::steady_clock::now() + std::chrono::hours(24);
  bool stopping_ = false;
  std::thread thread_;
};

class FaultSweepTest : public ::testing::TestWithParam<SweepConfig> {};

TEST_P(FaultSweepTest, EveryFailedCallIsACleanErrorOrACorrectResult) {
  const SweepConfig config = GetParam();
  // Fault-free, counting every call.
  std::map<std::string, uint64_t, std::less<>> counts;
  fake::FakeErrorCodes codes;
  const Outcome baseline = RunCase(
      config, [](fake::Engine& engine) { engine.fault_injector().EnableCallCounting(); },
      [&](fake::Engine& engine, Device& device) {
        counts = engine.fault_injector().CallCounts();
        codes = *fake::FakeErrorCodesOf(device);
      });
  ASSERT_OK(baseline.status) << baseline.status;
  ASSERT_TRUE(baseline.violations.empty()) << baseline.violations.front();
  ASSERT_FALSE(counts.empty());

  std::vector<FaultCase> cases;
  for (const auto& [entry_point, count] : counts) {
    for (uint64_t n = 1; n <= count; ++n) {
      if (n > kSweptCalls && n != count) continue;
      cases.push_back({entry_point, n, codes.out_of_memory, "out of memory"});
      cases.push_back({entry_point, n, codes.launch_failed, "launch failed"});
      cases.push_back({entry_point, n, codes.invalid_value, "invalid value"});
    }
  }
  static Watchdog watchdog;
  size_t clean_errors = 0;
  size_t failures = 0;
  for (const FaultCase& fault : cases) {
    const std::string name = ConfigName({config, 0}) + ": call " +
                             std::to_string(fault.nth_call) + " of " + fault.entry_point +
                             " fails with " + fault.code_name;
    watchdog.Start(name);
    const Outcome outcome = RunCase(config, [&](fake::Engine& engine) {
      fake::FaultRule rule;
      rule.entry_point = fault.entry_point;
      rule.error_code = fault.code;
      rule.nth_call = fault.nth_call;
      engine.fault_injector().AddRule(rule);
    });
    if (!outcome.status.ok()) ++clean_errors;
    for (const std::string& violation : outcome.violations) {
      ADD_FAILURE() << name << ": " << violation << " (the workload returned "
                    << outcome.status << ")";
      if (++failures >= 20) return;  // enough to act on
    }
  }
  watchdog.Start("(between tests)");
  std::printf("fault sweep %s: %zu cases (entry point, n, code) over %zu entry points: "
              "%zu clean errors, %zu correct results\n",
              ConfigName({config, 0}).c_str(), cases.size(), counts.size(), clean_errors,
              cases.size() - clean_errors);
}

std::vector<SweepConfig> AllConfigs() {
  std::vector<SweepConfig> configs;
  for (const char* scheme : {"fake-cuda", "fake-hip"}) {
    for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
      for (Workload workload : {Workload::kSubmit, Workload::kTransfer, Workload::kAlloca,
                                Workload::kCollective, Workload::kOpen}) {
        configs.push_back({scheme, mode, workload});
      }
    }
  }
  return configs;
}

INSTANTIATE_TEST_SUITE_P(Simulated, FaultSweepTest, ::testing::ValuesIn(AllConfigs()),
                         ConfigName);

}  // namespace
}  // namespace gpuhal::fault_sweep
