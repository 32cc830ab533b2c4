// Vocabulary shared by every part of the simulated GPU engine: handles, error codes and
// small parameter structs. Nothing here names a vendor type; front ends translate.
#ifndef GPUHAL_FAKES_ENGINE_TYPES_H_
#define GPUHAL_FAKES_ENGINE_TYPES_H_

#include <cstdint>
#include <string_view>

#include "gpuhal/status.h"

namespace gpuhal::fake {

// One code per distinction a vendor front end must make when it picks its own error code.
enum class Error : uint8_t {
  kOk = 0,
  kInvalidValue,        // a bad argument (size 0, wrong width, bad rank, ...)
  kInvalidHandle,       // a destroyed or never-created stream/event/graph/pool/comm
  kOutOfMemory,         // the device byte limit would be exceeded
  kNotReady,            // a query found work still pending
  kIllegalAddress,      // sticky: a device access outside any live allocation
  kKernelFault,         // sticky: a kernel raised a fault (vendor "launch failed")
  kDeviceLost,          // sticky: the device was lost (injected)
  kNotFound,            // unknown kernel name / symbol
  kInvalidImage,        // a module image that does not parse
  kNotPermitted,        // e.g. a blocking call from inside a host function
  kAborted,             // a communicator was aborted
  kCollectiveMismatch,  // ranks disagree about a collective (type, count, dtype, root)
  kCollectiveFailed,    // another rank of the collective faulted
  kDeadlock,            // deterministic mode: a host wait can never finish
};

const char* ErrorName(Error error);
// For callers that want gpuhal::Status rather than the enum.
Status ToStatus(Error error, std::string_view context = {});

// Handles are generation-checked slot indices: a destroyed handle is reported as
// kInvalidHandle, never dereferenced. Zero is never a valid handle.
enum class StreamId : uint64_t { kNull = 0 };
enum class EventId : uint64_t { kNull = 0 };
enum class PoolId : uint64_t { kNull = 0 };
enum class GraphId : uint64_t { kNull = 0 };
enum class GraphExecId : uint64_t { kNull = 0 };
enum class CommId : uint64_t { kNull = 0 };
enum class ModuleId : uint64_t { kNull = 0 };
enum class KernelId : uint32_t { kNull = 0 };

enum class SchedulingMode : uint8_t {
  kDeterministic,  // nothing runs until the host drives; a seeded PRNG picks the order
  kThreaded,       // worker threads run ready work asynchronously
};

struct Dim3 {
  uint32_t x = 1, y = 1, z = 1;
  uint64_t volume() const { return uint64_t{x} * y * z; }
};

// The C function a host-function operation calls; the same shape as CUhostFn/hipHostFn_t.
using HostFn = void (*)(void* user_data);

// cuStreamWaitValue32 conditions.
enum class WaitCondition : uint8_t {
  kGeq,  // (int32)(*addr - value) >= 0, i.e. cyclic >=
  kEq,   // *addr == value
  kAnd,  // (*addr & value) != 0
  kNor,  // ~(*addr | value) != 0
};

// One end of a copy: a device address (checked) or a raw host pointer (the caller's).
struct MemoryRef {
  uint64_t device_address = 0;
  void* host = nullptr;
  static MemoryRef Device(uint64_t address) { return {address, nullptr}; }
  static MemoryRef Host(const void* pointer) { return {0, const_cast<void*>(pointer)}; }
  bool is_host() const { return host != nullptr; }
};

struct MemcpyParams {
  MemoryRef dst;
  MemoryRef src;
  uint64_t bytes = 0;
};

struct MemsetParams {
  uint64_t dst = 0;
  uint32_t value = 0;         // the low element_bytes bytes are the pattern
  uint8_t element_bytes = 1;  // 1, 2 or 4
  uint64_t count = 0;         // elements
};

// A kernel launch as a caller describes it. `args` is CUDA's kernelParams: args[i] points
// at the value of parameter i, whose size the kernel's registration declares. The engine
// copies the values during the call.
struct LaunchParams {
  KernelId kernel = KernelId::kNull;
  Dim3 grid;
  Dim3 block;
  uint32_t shared_memory_bytes = 0;
  void* const* args = nullptr;
};

enum class AllocationKind : uint8_t { kDevice, kPinnedHost, kRegisteredHost, kStreamOrdered };

struct AllocationInfo {
  uint64_t base = 0;
  uint64_t size = 0;
  int device = 0;
  AllocationKind kind = AllocationKind::kDevice;
  void* host = nullptr;  // for pinned/registered host memory: the host pointer of `base`
};

// Collective element types and reductions (NCCL's set).
enum class DataType : uint8_t {
  kInt8, kUint8, kInt32, kUint32, kInt64, kUint64, kFloat16, kFloat32, kFloat64, kBfloat16,
};
size_t DataTypeSize(DataType type);
enum class ReduceOp : uint8_t { kSum, kProd, kMin, kMax, kAvg };

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_TYPES_H_
