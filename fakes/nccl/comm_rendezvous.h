// Where the ranks of ncclCommInitRank and ncclCommSplit meet. Each rank arrives with its
// device, color and key; when the last expected rank arrives, ranks are grouped by color
// (NCCL_SPLIT_NOCOLOR = -1 joins none), ordered by (key, arrival rank) within a group, and
// one engine communicator is created per group.
#ifndef GPUHAL_FAKES_NCCL_COMM_RENDEZVOUS_H_
#define GPUHAL_FAKES_NCCL_COMM_RENDEZVOUS_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/engine/engine.h"
#include "fakes/nccl/fake_comm.h"

namespace gpuhal::fake {

inline constexpr int kNoColor = -1;  // NCCL_SPLIT_NOCOLOR

class CommRendezvous {
 public:
  struct Outcome {
    Error error = Error::kOk;
    std::shared_ptr<SharedComm> shared;  // null for kNoColor
    int rank = 0;
    int rank_count = 0;
    int device = 0;
  };
  struct Meeting;
  // What an arrival waits on.
  struct Ticket {
    std::shared_ptr<Meeting> meeting;
    int rank = 0;
  };

  explicit CommRendezvous(Engine& engine) : engine_(engine) {}

  // Registers rank `rank` of `rank_count` at meeting `key`; never blocks.
  Error Arrive(const std::string& key, int rank_count, int rank, int device, int color,
               int color_key, Ticket* ticket);
  // Blocks until every rank of the ticket's meeting has arrived.
  Outcome Wait(const Ticket& ticket);
  // The ticket's rank gives up (its group failed to end): unless the meeting already
  // formed its communicators, it ends for every rank with kAborted, so that no rank
  // waits for one that will not come.
  void Abandon(const Ticket& ticket);

 private:
  Engine& engine_;
  std::mutex mu_;
  std::condition_variable arrived_cv_;
  std::map<std::string, std::shared_ptr<Meeting>> open_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_NCCL_COMM_RENDEZVOUS_H_
