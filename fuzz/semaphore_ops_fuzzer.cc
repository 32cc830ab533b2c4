// libFuzzer target: random sequences of semaphore operations on a simulated GPU device
// and on host semaphores: create, signal (valid or not), fail, query, host waits with
// short timeouts (single, all, any), and queue barriers and executions with random waits
// and signals. Nothing may crash, hang, leak or trip a sanitizer, and the target aborts
// when
//  - a semaphore's value goes down, or a failed semaphore stops reporting its failure;
//  - a host signal not above the current value of a semaphore only the host signals is
//    not OUT_OF_RANGE, or changes it;
//  - after every semaphore is failed, the device does not quiesce (pending, in-flight or
//    pooled objects left over), or host memory stays allocated once the device is gone.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "backends/gpu/gpu_device_diagnostics.h"
#include "fakes/drivers/fake_drivers.h"
#include "fuzz/fuzz_input.h"
#include "gpuhal/allocator.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "gpuhal/semaphore.h"

namespace gpuhal::fuzzing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "semaphore_ops_fuzzer: %s\n", message.c_str());
  std::abort();
}

DriverRegistry& Registry() {
  static DriverRegistry* registry = [] {
    auto* made = new DriverRegistry();
    if (!fake::RegisterFakeDrivers(*made).ok()) Die("cannot register the fake drivers");
    return made;
  }();
  return *registry;
}

struct Tracked {
  Ref<Semaphore> semaphore;
  bool host_only_signals = true;  // nothing but host Signal() has touched it
  bool failed = false;
  uint64_t last_value = 0;
  Status failure;
};

void Observe(Tracked& tracked, size_t index) {
  Result<uint64_t> value = tracked.semaphore->Query();
  if (!value.ok()) {
    if (tracked.failed && !(value.status() == tracked.failure)) {
      Die("semaphore " + std::to_string(index) + " changed its failure from " +
          tracked.failure.ToString() + " to " + value.status().ToString());
    }
    tracked.failed = true;
    tracked.failure = value.status();
    return;
  }
  if (tracked.failed) {
    Die("semaphore " + std::to_string(index) + " was failed and now reads " +
        std::to_string(*value));
  }
  if (*value < tracked.last_value) {
    Die("semaphore " + std::to_string(index) + " went from " +
        std::to_string(tracked.last_value) + " down to " + std::to_string(*value));
  }
  tracked.last_value = *value;
}

Timeout ShortTimeout(FuzzInput& in) {
  switch (in.U8() % 3) {
    case 0:
      return Timeout::Immediate();
    case 1:
      return Timeout::After(std::chrono::microseconds(50));
    default:
      return Timeout::After(std::chrono::microseconds(500));
  }
}

void RunInput(FuzzInput& in, CountingAllocator& allocator) {
  const char* uris[] = {"fake-cuda://0?schedule=deterministic&mode=graph",
                        "fake-hip://0?schedule=deterministic&mode=stream",
                        "fake-cuda://0?schedule=threaded&mode=stream&queues=2",
                        "fake-hip://0?schedule=threaded&mode=graph&queues=2"};
  Result<Ref<Device>> made = Registry().CreateDevice(uris[in.U8() % 4], allocator);
  if (!made.ok()) Die("CreateDevice: " + made.status().ToString());
  Ref<Device> device = *made;
  const uint32_t queues = device->params().queue_count;

  std::vector<Tracked> semaphores;
  auto pick = [&](FuzzInput& input) -> Tracked* {
    return semaphores.empty() ? nullptr : &semaphores[input.Below(semaphores.size())];
  };
  auto point = [&](FuzzInput& input) -> SemaphorePoint {
    Tracked* tracked = pick(input);
    return {tracked ? tracked->semaphore.get() : nullptr, input.U8() % 8u};
  };

  for (int step = 0; step < 64 && !in.empty(); ++step) {
    switch (in.U8() % 9) {
      case 0: {  // create
        if (semaphores.size() >= 6) break;
        const uint64_t initial = in.U8() % 4;
        Result<Ref<Semaphore>> semaphore =
            in.Bool() ? device->CreateSemaphore(initial) : CreateHostSemaphore(initial, allocator);
        if (!semaphore.ok()) Die("CreateSemaphore: " + semaphore.status().ToString());
        semaphores.push_back({*semaphore, true, false, initial, Status()});
        break;
      }
      case 1: {  // host signal, valid or not
        Tracked* tracked = pick(in);
        if (!tracked) break;
        Observe(*tracked, 0);
        const uint64_t before = tracked->last_value;
        const uint64_t value = in.U8() % 10;
        Status status = tracked->semaphore->Signal(value);
        if (tracked->host_only_signals && !tracked->failed && value <= before &&
            status.code() != StatusCode::kOutOfRange) {
          Die("Signal(" + std::to_string(value) + ") at value " + std::to_string(before) +
              " returned " + status.ToString() + ", not OUT_OF_RANGE");
        }
        if (tracked->failed && status.ok()) Die("Signal on a failed semaphore returned OK");
        break;
      }
      case 2: {  // fail
        Tracked* tracked = pick(in);
        if (tracked) tracked->semaphore->Fail(AbortedError("fuzz failure ", in.U8()));
        break;
      }
      case 3: {  // host wait, one semaphore
        Tracked* tracked = pick(in);
        if (tracked) tracked->semaphore->Wait(in.U8() % 8, ShortTimeout(in)).IgnoreError();
        break;
      }
      case 4: {  // host wait, several, all or any
        std::vector<SemaphorePoint> points;
        for (uint32_t i = in.U8() % 4; i > 0; --i) points.push_back(point(in));
        const WaitMode mode = in.Bool() ? WaitMode::kAll : WaitMode::kAny;
        Status status = device->WaitSemaphores(mode, points, ShortTimeout(in));
        bool has_null = points.empty();
        for (const SemaphorePoint& p : points) has_null |= p.semaphore == nullptr;
        if (has_null && status.code() != StatusCode::kInvalidArgument) {
          Die("WaitSemaphores with an empty list or a null semaphore returned " + status.ToString());
        }
        break;
      }
      case 5:    // queue barrier with random waits and signals
      case 6: {  // the same, on a specific queue
        std::vector<SemaphorePoint> waits, signals;
        for (uint32_t i = in.U8() % 3; i > 0; --i) {
          SemaphorePoint p = point(in);
          if (p.semaphore) waits.push_back(p);
        }
        for (uint32_t i = in.U8() % 3; i > 0; --i) {
          Tracked* tracked = pick(in);
          if (!tracked) break;
          tracked->host_only_signals = false;
          signals.push_back({tracked->semaphore.get(), 1 + in.U8() % 8u});
        }
        // A bit mask; sometimes naming no queue of the device at all.
        const QueueAffinity affinity = in.U8() % 2 ? kAnyQueue : in.Below(1u << (queues + 1));
        device->QueueBarrier(affinity, waits, signals).IgnoreError();
        break;
      }
      case 7:  // flush
        device->QueueFlush(kAnyQueue).IgnoreError();
        break;
      case 8:  // let time pass, so threaded devices make progress
        std::this_thread::sleep_for(std::chrono::microseconds(in.U8()));
        break;
    }
    for (size_t i = 0; i < semaphores.size(); ++i) Observe(semaphores[i], i);
  }

  // Fail everything: whatever is still pending must fail and everything must come back.
  for (Tracked& tracked : semaphores) tracked.semaphore->Fail(CancelledError("end of input"));
  gpu::GpuDeviceDiagnostics* diagnostics = gpu::DiagnosticsOf(*device);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  gpu::GpuDeviceCounts counts;
  for (;;) {
    counts = diagnostics->counts();
    if (counts.actions.pending_actions == 0 && counts.actions.live_actions == 0 &&
        counts.in_flight_actions == 0 && counts.acquired_events == 0 &&
        counts.announced_device_signals == 0) {
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Die("no quiescence 20 s after every semaphore failed: " +
          std::to_string(counts.actions.pending_actions) + " pending, " +
          std::to_string(counts.in_flight_actions) + " in flight, " +
          std::to_string(counts.acquired_events) + " events and " +
          std::to_string(counts.announced_device_signals) + " device-signal announcements held");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  semaphores.clear();
  device.reset();
}

}  // namespace
}  // namespace gpuhal::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gpuhal::fuzzing::FuzzInput in(data, size);
  gpuhal::CountingAllocator allocator;
  gpuhal::fuzzing::RunInput(in, allocator);
  if (allocator.live_bytes() != 0) {
    gpuhal::fuzzing::Die(std::to_string(allocator.live_bytes()) +
                         " bytes of host memory still allocated after the device was released");
  }
  return 0;
}
