// Channels: groups of devices that run collectives together (NCCL on CUDA, RCCL on HIP).
#ifndef GPUHAL_CHANNEL_H_
#define GPUHAL_CHANNEL_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "gpuhal/buffer.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

// Opaque bytes that identify a channel. Made once (Device::CreateChannelId) and sent to
// every participant by whatever means the application likes: a file, a socket, MPI.
struct ChannelId {
  std::array<uint8_t, 128> bytes{};
};

struct ChannelParams {
  ChannelId id;
  int32_t rank = 0;   // this participant, in [0, count)
  int32_t count = 0;  // participants in all processes together
  QueueAffinity queue_affinity = kAnyQueue;
};

enum class CollectiveKind : uint8_t {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kReduce,
  kBroadcast,
  kSend,
  kRecv,
  kAllToAll,  // grouped sends and receives, one block per peer
};

enum class ReductionOp : uint8_t { kNone, kSum, kProduct, kMinimum, kMaximum, kAverage };

enum class ElementType : uint8_t {
  kInt8,
  kUint8,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kFloat16,
  kFloat32,
  kFloat64,
  kBFloat16,
};

constexpr size_t ElementTypeSize(ElementType type) {
  switch (type) {
    case ElementType::kInt8:
    case ElementType::kUint8: return 1;
    case ElementType::kFloat16:
    case ElementType::kBFloat16: return 2;
    case ElementType::kInt32:
    case ElementType::kUint32:
    case ElementType::kFloat32: return 4;
    case ElementType::kInt64:
    case ElementType::kUint64:
    case ElementType::kFloat64: return 8;
  }
  return 0;
}

struct CollectiveOp {
  CollectiveKind kind = CollectiveKind::kAllReduce;
  ReductionOp reduction = ReductionOp::kNone;
  ElementType element_type = ElementType::kFloat32;
};

class Channel : public RefCounted {
 public:
  virtual int32_t rank() const = 0;
  virtual int32_t count() const = 0;
  // Partitions the participants by `color`; ranks in the new channel follow `key`.
  // Every participant must call it (collectively), from its own thread when one process
  // drives several participants. A negative color joins no new channel: the result is
  // OK and null.
  virtual Result<Ref<Channel>> Split(int32_t color, int32_t key) = 0;

 protected:
  Channel() = default;
};

}  // namespace gpuhal

#endif  // GPUHAL_CHANNEL_H_
