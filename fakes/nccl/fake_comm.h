// What an NCCL- or RCCL-shaped communicator handle holds: its rank in an engine
// communicator that all ranks share. The engine communicator lives until the last rank's
// handle is destroyed (ncclCommDestroy / ncclCommAbort), as in NCCL.
#ifndef GPUHAL_FAKES_NCCL_FAKE_COMM_H_
#define GPUHAL_FAKES_NCCL_FAKE_COMM_H_

#include <memory>

#include "fakes/engine/engine.h"

namespace gpuhal::fake {

class SharedComm {
 public:
  SharedComm(Engine& engine, CommId id) : engine_(engine), id_(id) {}
  ~SharedComm() { engine_.DestroyComm(id_); }
  SharedComm(const SharedComm&) = delete;
  SharedComm& operator=(const SharedComm&) = delete;
  CommId id() const { return id_; }

 private:
  Engine& engine_;
  const CommId id_;
};

// The base of the vendor's `struct ncclComm`, which the fakes define.
struct CommRank {
  std::shared_ptr<SharedComm> shared;  // null until a grouped init completes
  int rank = 0;
  int rank_count = 0;
  int device = 0;
  uint64_t splits = 0;  // ncclCommSplit calls so far: matches this rank's split with peers'
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_NCCL_FAKE_COMM_H_
