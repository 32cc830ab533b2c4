// The operations a stream (or an executable graph node) carries, as plain values. One
// variant per stream slot keeps enqueue free of per-operation heap allocations for
// everything but graphs, collectives and kernels with large argument blocks.
#ifndef GPUHAL_FAKES_ENGINE_OPS_H_
#define GPUHAL_FAKES_ENGINE_OPS_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <variant>

#include "fakes/engine/kernel_registry.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

struct GraphLaunch;
struct CollectiveBatch;

// A kernel's packed argument values, copied out of the caller's kernelParams.
class ArgBlob {
 public:
  ArgBlob() = default;
  ArgBlob(const ArgBlob& other) { Assign(other.data(), other.size_); }
  ArgBlob& operator=(const ArgBlob& other) {
    if (this != &other) Assign(other.data(), other.size_);
    return *this;
  }
  ArgBlob(ArgBlob&&) noexcept = default;
  ArgBlob& operator=(ArgBlob&&) noexcept = default;

  // Packs args[i] (param_sizes[i] bytes each) at the registration's offsets.
  void Pack(const KernelInfo& kernel, void* const* args) {
    Reserve(kernel.args_bytes);
    for (size_t i = 0; i < kernel.param_sizes.size(); ++i)
      std::memcpy(mutable_data() + kernel.param_offsets[i], args[i], kernel.param_sizes[i]);
  }
  const uint8_t* data() const { return heap_ ? heap_.get() : inline_; }

 private:
  void Assign(const uint8_t* bytes, uint32_t size) {
    Reserve(size);
    if (size) std::memcpy(mutable_data(), bytes, size);
  }
  void Reserve(uint32_t size) {
    size_ = size;
    if (size > sizeof(inline_)) {
      heap_.reset(new uint8_t[size]);
    } else {
      heap_.reset();
    }
  }
  uint8_t* mutable_data() { return heap_ ? heap_.get() : inline_; }
  uint32_t size_ = 0;
  uint8_t inline_[48];
  std::unique_ptr<uint8_t[]> heap_;
};

struct KernelOp {
  const KernelInfo* kernel = nullptr;
  Dim3 grid, block;
  uint32_t shared_memory_bytes = 0;
  ArgBlob args;
};

struct HostFnOp {
  HostFn fn = nullptr;
  void* user_data = nullptr;
};

// "Everything enqueued on `stream` up to and including operation `seq`". stream == 0
// means nothing: the point of an event that was never recorded, complete at once.
struct StreamPoint {
  uint64_t stream = 0;
  uint64_t seq = 0;
};

struct EmptyOp {};
struct EventRecordOp {
  uint64_t event = 0;
  uint64_t record_serial = 0;  // the event's timestamp is set only by its latest record
};
struct EventWaitOp {
  StreamPoint target;  // captured when the wait was enqueued
};
struct WaitValueOp {
  uint64_t address = 0;
  uint32_t value = 0;
  WaitCondition condition = WaitCondition::kGeq;
};
struct WriteValueOp {
  uint64_t address = 0;
  uint32_t value = 0;
};
struct AllocAsyncOp {
  uint64_t address = 0;
};
struct FreeAsyncOp {
  uint64_t address = 0;
};
struct GraphLaunchOp {
  std::unique_ptr<GraphLaunch> launch;
};
struct CollectiveOp {
  std::unique_ptr<CollectiveBatch> batch;
};

using OpBody = std::variant<EmptyOp, MemsetParams, MemcpyParams, KernelOp, HostFnOp,
                            EventRecordOp, EventWaitOp, WaitValueOp, WriteValueOp, AllocAsyncOp,
                            FreeAsyncOp, GraphLaunchOp, CollectiveOp>;

struct Op {
  uint64_t seq = 0;
  OpBody body;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_OPS_H_
