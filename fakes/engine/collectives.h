// NCCL-shaped collectives between ranks of one communicator, each rank a device of this
// process. Every rank's call joins a shared instance (matched by the rank's call count on
// that communicator, or per (sender, receiver) pair for send/recv); each rank's stream
// operation becomes ready only when all participants' streams have reached it. The first
// participant to run then moves the data for everyone, reducing in rank order 0, 1, 2, ...
// so results are bit-reproducible.
#ifndef GPUHAL_FAKES_ENGINE_COLLECTIVES_H_
#define GPUHAL_FAKES_ENGINE_COLLECTIVES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "fakes/engine/memory.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

enum class CollectiveKind : uint8_t {
  kAllReduce, kAllGather, kReduceScatter, kReduce, kBroadcast, kSendRecv,
};
const char* CollectiveName(CollectiveKind kind);

struct CollectiveArgs {
  CollectiveKind kind = CollectiveKind::kAllReduce;
  uint64_t send = 0;
  uint64_t recv = 0;
  uint64_t count = 0;  // NCCL's count: per-rank send count (all-gather), recv count (r-s)
  DataType type = DataType::kFloat32;
  ReduceOp op = ReduceOp::kSum;
  int root = 0;  // reduce/broadcast root
};

struct CollectiveInstance;

struct Comm {
  std::vector<int> devices;  // rank -> device
  bool aborted = false;
  Error async_error = Error::kOk;
  std::string async_error_message;
  std::vector<uint64_t> next_collective;  // per rank
  std::map<uint64_t, std::shared_ptr<CollectiveInstance>> open_collectives;
  std::vector<uint64_t> next_p2p;  // [sender * ranks + receiver], per side
  std::vector<uint64_t> next_p2p_recv;
  std::map<std::tuple<int, int, uint64_t>, std::shared_ptr<CollectiveInstance>> open_p2p;
  int rank_count() const { return static_cast<int>(devices.size()); }
};

struct CollectiveInstance {
  std::shared_ptr<Comm> comm;
  CollectiveKind kind = CollectiveKind::kAllReduce;
  std::vector<CollectiveArgs> args;  // per participant slot (rank; or 0 = sender, 1 = receiver)
  std::vector<bool> joined;
  std::vector<int> devices;  // per slot
  int joined_count = 0;
  int arrived_count = 0;
  bool performed = false;
  Error error = Error::kOk;
  std::string error_message;
  bool all_arrived() const { return arrived_count == static_cast<int>(args.size()); }
};

// What one rank's stream operation carries: its slot in one or more instances (several
// when the calls were batched by a group).
struct CollectiveBatch {
  std::vector<std::pair<std::shared_ptr<CollectiveInstance>, int>> parts;
};

// Moves and reduces the data of a fully arrived instance; on failure sets
// instance.error/error_message. Reads every input before writing any output, so in-place
// buffers work.
void PerformCollective(CollectiveInstance& instance, AddressSpace& memory);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_COLLECTIVES_H_
