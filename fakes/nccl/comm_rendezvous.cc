#include "fakes/nccl/comm_rendezvous.h"

#include <algorithm>
#include <tuple>

namespace gpuhal::fake {

struct CommRendezvous::Meeting {
  struct Arrival {
    bool arrived = false;
    int device = 0;
    int color = 0;
    int key = 0;
  };
  std::vector<Arrival> arrivals;
  int arrived_count = 0;
  bool done = false;
  std::vector<Outcome> outcomes;
};

Error CommRendezvous::Arrive(const std::string& key, int rank_count, int rank, int device,
                             int color, int color_key, Ticket* ticket) {
  if (rank_count <= 0 || rank < 0 || rank >= rank_count) return Error::kInvalidValue;
  std::lock_guard lock(mu_);
  std::shared_ptr<Meeting>& meeting = open_[key];
  if (meeting == nullptr) {
    meeting = std::make_shared<Meeting>();
    meeting->arrivals.resize(rank_count);
  }
  if (static_cast<int>(meeting->arrivals.size()) != rank_count ||
      meeting->arrivals[rank].arrived) {
    return Error::kInvalidValue;
  }
  meeting->arrivals[rank] = {true, device, color, color_key};
  *ticket = Ticket{meeting, rank};
  if (++meeting->arrived_count < rank_count) return Error::kOk;

  // The last arrival forms the communicators for everyone.
  std::shared_ptr<Meeting> complete = std::move(meeting);
  open_.erase(key);
  complete->outcomes.resize(rank_count);
  std::map<int, std::vector<int>> members_by_color;
  for (int r = 0; r < rank_count; ++r) {
    if (complete->arrivals[r].color != kNoColor)
      members_by_color[complete->arrivals[r].color].push_back(r);
  }
  for (auto& [color, members] : members_by_color) {
    std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
      return std::tie(complete->arrivals[a].key, a) < std::tie(complete->arrivals[b].key, b);
    });
    std::vector<int> devices;
    for (int member : members) devices.push_back(complete->arrivals[member].device);
    CommId id;
    Error error = engine_.CreateComm(devices, &id);
    auto shared = error == Error::kOk ? std::make_shared<SharedComm>(engine_, id) : nullptr;
    for (size_t i = 0; i < members.size(); ++i) {
      complete->outcomes[members[i]] = Outcome{error, shared, static_cast<int>(i),
                                               static_cast<int>(members.size()),
                                               devices[i]};
    }
  }
  complete->done = true;
  arrived_cv_.notify_all();
  return Error::kOk;
}

CommRendezvous::Outcome CommRendezvous::Wait(const Ticket& ticket) {
  std::unique_lock lock(mu_);
  arrived_cv_.wait(lock, [&] { return ticket.meeting->done; });
  Outcome outcome = std::move(ticket.meeting->outcomes[ticket.rank]);
  return outcome;
}

void CommRendezvous::Abandon(const Ticket& ticket) {
  {
    std::lock_guard lock(mu_);
    Meeting& meeting = *ticket.meeting;
    if (meeting.done) return;
    for (auto it = open_.begin(); it != open_.end(); ++it) {
      if (it->second == ticket.meeting) {
        open_.erase(it);
        break;
      }
    }
    meeting.outcomes.assign(meeting.arrivals.size(), Outcome{Error::kAborted});
    meeting.done = true;
  }
  arrived_cv_.notify_all();
}

}  // namespace gpuhal::fake
