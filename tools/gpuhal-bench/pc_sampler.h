// A sampling profiler for one thread, for machines without perf: while running, a
// sampler thread signals the profiled thread every interval, and the handler records
// its program counter and the return addresses of up to kFrames callers (walking frame
// pointers: build with -fno-omit-frame-pointer). Addresses are written relative to the
// executable's load address, so that addr2line on the same binary names them.
#ifndef GPUHAL_TOOLS_GPUHAL_BENCH_PC_SAMPLER_H_
#define GPUHAL_TOOLS_GPUHAL_BENCH_PC_SAMPLER_H_

#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>

namespace gpuhal::bench {

class PcSampler {
 public:
  static constexpr int kFrames = 8;
  static constexpr size_t kCapacity = 1 << 18;

  struct Sample {
    uintptr_t addresses[kFrames + 1];
  };

  PcSampler() : samples_(new Sample[kCapacity]) {}

  // Samples the calling thread until Stop(), whenever set_active(true).
  void Start(std::chrono::microseconds interval) {
    Instance() = this;
    target_ = pthread_self();
    pthread_attr_t attributes;
    if (pthread_getattr_np(target_, &attributes) == 0) {
      void* stack = nullptr;
      size_t size = 0;
      pthread_attr_getstack(&attributes, &stack, &size);
      stack_top_ = reinterpret_cast<uintptr_t>(stack) + size;
      pthread_attr_destroy(&attributes);
    }
    struct sigaction action {};
    action.sa_sigaction = &OnSignal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPROF, &action, nullptr);
    running_.store(true);
    sampler_ = std::thread([this, interval] {
      while (running_.load()) {
        const auto due = std::chrono::steady_clock::now() + interval;
        while (std::chrono::steady_clock::now() < due) {
        }
        if (active_.load(std::memory_order_relaxed)) pthread_kill(target_, SIGPROF);
      }
    });
  }
  void Stop() {
    running_.store(false);
    sampler_.join();
    signal(SIGPROF, SIG_IGN);
  }

  // One line per sample: the addresses, innermost first, relative to the executable.
  void Write(const char* path) const {
    FILE* file = std::fopen(path, "w");
    if (!file) return;
    const uintptr_t base = ExecutableBase();
    const size_t count = count_.load() < kCapacity ? count_.load() : kCapacity;
    for (size_t i = 0; i < count; ++i) {
      for (uintptr_t address : samples_[i].addresses) {
        if (!address) break;
        std::fprintf(file, "%lx ", static_cast<unsigned long>(address - base));
      }
      std::fprintf(file, "\n");
    }
    // The executable mappings, so that addresses outside the executable can be told
    // apart by library: "# <start> <end> <path>", absolute.
    if (FILE* maps = std::fopen("/proc/self/maps", "r")) {
      char line[512];
      while (std::fgets(line, sizeof(line), maps)) {
        unsigned long start = 0, end = 0;
        char permissions[8] = {};
        char path[400] = {};
        if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %399s", &start, &end, permissions, path) >= 3 &&
            permissions[2] == 'x') {
          std::fprintf(file, "# %lx %lx %s\n", start - base, end - base, path);
        }
      }
      std::fclose(maps);
    }
    std::fclose(file);
  }
  size_t count() const { return count_.load(); }
  void set_active(bool active) { active_.store(active); }

 private:
  static PcSampler*& Instance() {
    static PcSampler* instance = nullptr;
    return instance;
  }

  static uintptr_t ExecutableBase() {
    uintptr_t base = 0;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
          *static_cast<uintptr_t*>(data) = info->dlpi_addr;
          return 1;  // the first entry is the executable
        },
        &base);
    return base;
  }

  static void OnSignal(int, siginfo_t*, void* context) {
    PcSampler* self = Instance();
    const size_t index = self->count_.fetch_add(1);
    if (index >= kCapacity) return;
    Sample& sample = self->samples_[index];
    const auto* uc = static_cast<const ucontext_t*>(context);
    sample.addresses[0] = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    // Outside the executable (the driver, libc) the frame pointer may be anything: a
    // frame is followed only while it lies on this thread's stack, above the stack
    // pointer and below the stack's top. Inside a leaf libc function it is usually
    // still the caller's, so its callers show (the caller itself does not).
    const uintptr_t stack_pointer = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
    uintptr_t frame = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
    int depth = 1;
    for (; depth <= kFrames; ++depth) {
      if (frame < stack_pointer || frame + 16 > self->stack_top_ || (frame & 7)) break;
      const auto* words = reinterpret_cast<const uintptr_t*>(frame);
      sample.addresses[depth] = words[1];
      if (words[0] <= frame) {
        ++depth;
        break;
      }
      frame = words[0];
    }
    if (depth <= kFrames) sample.addresses[depth] = 0;
  }

  pthread_t target_{};
  uintptr_t stack_top_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> active_{false};
  std::thread sampler_;
  std::atomic<size_t> count_{0};
  std::unique_ptr<Sample[]> samples_;
};

}  // namespace gpuhal::bench

#endif  // GPUHAL_TOOLS_GPUHAL_BENCH_PC_SAMPLER_H_
