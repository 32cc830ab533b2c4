// gpuhal-demo: a three-stage pipeline of dispatches ordered only by semaphores.
//
//   input --stage 1--> a --stage 2--> b --stage 3--> output      (stage: out = in * m + c)
//
// The stages are submitted last-first, before anything they wait on is signalled: stage 3
// waits on stage 2's semaphore, stage 2 on stage 1's, and stage 1 on a host semaphore that
// is signalled only after every stage is queued. The device must hold the work and
// release it in dependency order (device-to-device waits stay on the GPU). Then the
// output is read back and every element checked.
//
//   gpuhal-demo [--device URI] [--elements N]      (default device: default://)
//
// Exit status: 0 when every element matches, 1 on a mismatch, 2 on any other error.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "conformance/kernels/conformance_kernels.h"
#include "gpuhal/gpuhal.h"

namespace {

using namespace gpuhal;
using Millis = std::chrono::duration<double, std::milli>;

struct Stage {
  uint32_t multiplier;
  uint32_t addend;
};
constexpr Stage kStages[] = {{3, 1}, {5, 7}, {2, 3}};
constexpr int kStageCount = 3;

struct Options {
  std::string device_uri = "default://";
  uint32_t elements = 1u << 20;
};

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--device" && has_value) {
      options.device_uri = argv[++i];
    } else if (arg == "--elements" && has_value) {
      options.elements = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
      if (options.elements == 0) return false;
    } else {
      return false;
    }
  }
  return true;
}

uint32_t Expected(uint32_t input) {
  uint32_t value = input;
  for (const Stage& stage : kStages) value = value * stage.multiplier + stage.addend;
  return value;
}

double MiB(size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// Returns the process exit status.
int RunPipeline(const Options& options) {
  auto fail = [](const char* what, const Status& status) {
    std::fprintf(stderr, "gpuhal-demo: %s: %s\n", what, status.ToString().c_str());
    return 2;
  };
#define DEMO_TRY(what, expr)                                 \
  do {                                                       \
    const Status demo_status_ = (expr);                      \
    if (!demo_status_.ok()) return fail(what, demo_status_); \
  } while (false)
#define DEMO_ASSIGN(lhs, what, expr)                                    \
  auto GPUHAL_CONCAT_(demo_result_, __LINE__) = (expr);                 \
  if (!GPUHAL_CONCAT_(demo_result_, __LINE__).ok())                     \
    return fail(what, GPUHAL_CONCAT_(demo_result_, __LINE__).status()); \
  lhs = std::move(GPUHAL_CONCAT_(demo_result_, __LINE__)).value()

  DEMO_ASSIGN(Ref<Device> device, "creating the device", CreateDevice(options.device_uri));
  const DeviceInfo& info = device->info();
  std::printf("device   %s: %s (driver %s%s)\n", info.uri.c_str(), info.name.c_str(),
              info.driver.c_str(), info.simulated ? ", simulated" : "");

  // One executable with one entry point; each stage pushes its own constants.
  const kernels::KernelSpec& spec = *kernels::FindKernel("cts_stage");
  std::vector<Ref<DescriptorSetLayout>> set_layouts;
  std::vector<DescriptorSetLayout*> set_pointers;
  for (const DescriptorSetShape& set : spec.layout.sets) {
    std::vector<DescriptorSetLayoutBinding> bindings;
    for (const BindingShape& binding : set.bindings) bindings.push_back({binding.ordinal});
    DEMO_ASSIGN(Ref<DescriptorSetLayout> set_layout, "creating a set layout",
                device->CreateDescriptorSetLayout(bindings));
    set_pointers.push_back(set_layout.get());
    set_layouts.push_back(std::move(set_layout));
  }
  DEMO_ASSIGN(Ref<PipelineLayout> layout, "creating the pipeline layout",
              device->CreatePipelineLayout(set_pointers, spec.layout.push_constant_count));
  const std::vector<uint8_t> container = kernels::BuildKernelContainer({"cts_stage"});
  PipelineLayout* layouts[] = {layout.get()};
  ExecutableParams executable_params;
  executable_params.container = container;
  executable_params.pipeline_layouts = layouts;
  DEMO_ASSIGN(Ref<Executable> executable, "loading the stage kernel",
              device->LoadExecutable(executable_params));

  // Upload.
  const uint32_t count = options.elements;
  const size_t bytes = size_t{count} * sizeof(uint32_t);
  Ref<Buffer> buffers[kStageCount + 1];
  for (Ref<Buffer>& buffer : buffers) {
    DEMO_ASSIGN(buffer, "allocating a buffer", device->AllocateBuffer(BufferParams{}, bytes));
  }
  std::vector<uint32_t> host(count);
  for (uint32_t i = 0; i < count; ++i) host[i] = i;
  const auto upload_start = Clock::now();
  DEMO_TRY("uploading the input",
           device->WriteBuffer(std::as_bytes(std::span(host)), *buffers[0], 0));
  const Millis upload_time = Clock::now() - upload_start;
  std::printf("upload   %.1f MiB in %.2f ms\n", MiB(bytes), upload_time.count());

  // Record every stage.
  Ref<CommandBuffer> stage_commands[kStageCount];
  for (int s = 0; s < kStageCount; ++s) {
    DEMO_ASSIGN(stage_commands[s], "creating a command buffer",
                device->CreateCommandBuffer(CommandBufferParams{}));
    CommandBuffer& commands = *stage_commands[s];
    const BufferBinding bindings[] = {{0, buffers[s].get()}, {1, buffers[s + 1].get()}};
    const uint32_t constants[] = {kStages[s].multiplier, kStages[s].addend, count};
    DEMO_TRY("recording", commands.Begin());
    DEMO_TRY("recording", commands.PushDescriptorSet(*layout, 0, bindings));
    DEMO_TRY("recording",
             commands.PushConstants(
                 *layout, 0, {reinterpret_cast<const uint8_t*>(constants), sizeof(constants)}));
    DEMO_TRY("recording", commands.Dispatch(*executable, 0, {kernels::WorkgroupsFor(count), 1, 1}));
    DEMO_TRY("recording", commands.End());
  }

  // Submit last-first: each stage waits on a semaphore nobody has signalled yet.
  DEMO_ASSIGN(Ref<Semaphore> start, "creating a semaphore", CreateHostSemaphore(0));
  Ref<Semaphore> done[kStageCount];
  for (Ref<Semaphore>& semaphore : done) {
    DEMO_ASSIGN(semaphore, "creating a semaphore", device->CreateSemaphore(0));
  }
  Clock::time_point submitted[kStageCount];
  for (int s = kStageCount - 1; s >= 0; --s) {
    const SemaphorePoint wait =
        s == 0 ? SemaphorePoint{start.get(), 1} : SemaphorePoint{done[s - 1].get(), 1};
    const SemaphorePoint signal{done[s].get(), 1};
    CommandBuffer* list[] = {stage_commands[s].get()};
    submitted[s] = Clock::now();
    DEMO_TRY("submitting", device->QueueExecute(kAnyQueue, {&wait, 1}, {&signal, 1}, list));
  }
  std::printf("submit   stages 3, 2, 1 queued before any wait is signalled\n");

  // Release the pipeline and time each stage from the host: one waiter thread per stage
  // notes when its semaphore is reached, so a slow wake-up of one does not delay another.
  const Timeout timeout = Timeout::After(std::chrono::seconds(60));
  Clock::time_point completed[kStageCount];
  Status waited[kStageCount];
  std::vector<std::thread> waiters;
  for (int s = 0; s < kStageCount; ++s) {
    waiters.emplace_back([&, s] {
      waited[s] = done[s]->Wait(1, timeout);
      completed[s] = Clock::now();
    });
  }
  const auto released = Clock::now();
  const Status signalled = start->Signal(1);
  if (!signalled.ok()) {
    for (Ref<Semaphore>& semaphore : done) semaphore->Fail(CancelledError("start not signalled"));
  }
  for (std::thread& waiter : waiters) waiter.join();
  DEMO_TRY("signalling the start", signalled);
  for (int s = 0; s < kStageCount; ++s) DEMO_TRY("waiting for a stage", waited[s]);
  for (int s = 0; s < kStageCount; ++s) {
    const Millis since_submit = completed[s] - submitted[s];
    // From when its input was ready (the start signal, or the previous stage's end).
    const Clock::time_point ready = s == 0 ? released : std::max(released, completed[s - 1]);
    const Millis stage_time = std::max(Millis(0), Millis(completed[s] - ready));
    std::printf("stage %d  x*%u+%u  %8.2f ms  (submit to done %.2f ms)\n", s + 1,
                kStages[s].multiplier, kStages[s].addend, stage_time.count(), since_submit.count());
  }

  // Read back and check every element.
  std::vector<uint32_t> result(count);
  const auto readback_start = Clock::now();
  DEMO_TRY("reading back the output",
           device->ReadBuffer(*buffers[kStageCount], 0, std::as_writable_bytes(std::span(result))));
  const Millis readback_time = Clock::now() - readback_start;
  uint32_t mismatches = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (result[i] == Expected(i)) continue;
    if (mismatches < 5) {
      std::fprintf(stderr, "mismatch at %u: got %u, expected %u\n", i, result[i], Expected(i));
    }
    ++mismatches;
  }
  std::printf("readback %.1f MiB in %.2f ms\n", MiB(bytes), readback_time.count());
  if (mismatches != 0) {
    std::printf("FAILED   %u of %u elements differ\n", mismatches, count);
    return 1;
  }
  std::printf("OK       all %u elements match\n", count);
  return 0;
#undef DEMO_TRY
#undef DEMO_ASSIGN
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::fprintf(stderr, "usage: %s [--device URI] [--elements N]\n", argv[0]);
    return 2;
  }
  return RunPipeline(options);
}
