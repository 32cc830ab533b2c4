// A channel of the single-source GPU driver: one rank of an NCCL (CUDA) or RCCL (HIP)
// communicator, on one device.
//
// Failure. A channel fails for good in two ways:
//  - an NCCL call of a collective fails when it is issued: the communicator is aborted at
//    once, so that the peers' matching operations fail (NCCL reports a remote error to
//    them) instead of waiting forever for this rank;
//  - NCCL reports an asynchronous error after the work ran (ncclCommGetAsyncError: a peer
//    failed, ranks disagreed on an operation, a network error): the submission's
//    completion finds it and fails the submission's signal semaphores with it.
// Either way every later collective on the channel is refused with the first error.
//
// Destruction destroys the communicator when it is healthy and aborts it when it failed
// or NCCL reports an error (a peer died): ncclCommDestroy may wait on peers that will
// never answer, ncclCommAbort does not.
#ifndef GPUHAL_BACKENDS_GPU_GPU_CHANNEL_H_
#define GPUHAL_BACKENDS_GPU_GPU_CHANNEL_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "backends/gpu/device_collectives.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/channel.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

template <Vendor V>
class GpuChannel final : public Channel {
 public:
  using Api = typename V::Collectives;
  using Comm = typename Api::Comm;

  // Joins params.id as params.rank of params.count on the device of `collectives`.
  // Blocks until every participant has joined.
  static Result<Ref<Channel>> Create(Ref<DeviceCollectives<V>> collectives,
                                     const ChannelParams& params) {
    if (params.count < 1 || params.rank < 0 || params.rank >= params.count) {
      return InvalidArgumentError("CreateChannel: rank ", params.rank, " of ", params.count,
                                  " participants is not in [0, count) with count >= 1");
    }
    GPUHAL_RETURN_IF_ERROR(collectives->MakeCurrent());
    Comm comm{};
    Status status = collectives->api().InitRank(params.id, params.count, params.rank, &comm);
    if (!status.ok()) {
      return status.WithContext(StrCat("CreateChannel: joining as rank ", params.rank, " of ",
                                       params.count));
    }
    return Wrap(std::move(collectives), comm);
  }

  // One channel per entry of `devices`, rank i on devices[i], made in one call from this
  // thread (ncclCommInitAll). Not a group of per-rank initializations: one rank failing
  // to join (its device could not be made current, say) would leave the others waiting
  // for it at the group's end.
  static Result<std::vector<Ref<Channel>>> CreateGroup(
      std::span<const Ref<DeviceCollectives<V>>> devices) {
    if (devices.empty()) return InvalidArgumentError("CreateChannelGroup: no devices");
    const Api& api = devices[0]->api();
    const int32_t count = static_cast<int32_t>(devices.size());
    std::vector<int> ordinals;
    for (const Ref<DeviceCollectives<V>>& device : devices) {
      ordinals.push_back(device->vendor().ordinal);
    }
    std::vector<Comm> comms(devices.size(), Comm{});
    Status status = api.InitAll(ordinals, comms.data());
    std::vector<Ref<Channel>> channels;
    for (int32_t rank = 0; rank < count && status.ok(); ++rank) {
      Result<Ref<Channel>> channel = Wrap(devices[rank], std::exchange(comms[rank], Comm{}));
      if (!channel.ok()) {
        status = channel.status();
        break;
      }
      channels.push_back(*std::move(channel));
    }
    if (!status.ok()) {
      // Whatever was made cannot be used without its peers.
      for (int32_t rank = 0; rank < count; ++rank) {
        if (!comms[rank]) continue;
        devices[rank]->MakeCurrent().IgnoreError();
        api.Abort(comms[rank]).IgnoreError();
      }
      return status.WithContext("CreateChannelGroup");
    }
    return channels;
  }

  int32_t rank() const override { return rank_; }
  int32_t count() const override { return count_; }

  // Collective over the channel, like NCCL's split: every participant calls it. A
  // negative color joins no new channel and returns a null channel.
  Result<Ref<Channel>> Split(int32_t color, int32_t key) override {
    GPUHAL_RETURN_IF_ERROR(CheckUsable());
    GPUHAL_RETURN_IF_ERROR(collectives_->MakeCurrent());
    Result<Comm> split = collectives_->api().Split(comm_, color, key);
    if (!split.ok()) {
      return split.status().WithContext(StrCat("Split of channel rank ", rank_, " of ", count_));
    }
    if (!*split) return Ref<Channel>();
    return Wrap(collectives_, *split);
  }

  const V& vendor() const { return collectives_->vendor(); }
  DeviceCollectives<V>& collectives() const { return *collectives_; }
  const Api& api() const { return collectives_->api(); }
  Comm comm() const { return comm_; }

  // FAILED_PRECONDITION, naming the first error, once the channel has failed.
  Status CheckUsable() const {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (failure_.ok()) [[likely]] return OkStatus();
    return FailedPreconditionError("channel rank ", rank_, " of ", count_,
                                   " failed earlier and takes no more collectives (",
                                   failure_.ToString(),
                                   "); destroy it and create a new channel");
  }

  // An NCCL call on this channel failed while being issued (the caller holds the
  // device's collective lock): aborts the communicator so that the peers fail too.
  void FailAtIssue(const Status& status) {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (failure_.ok()) failure_ = status;
    if (aborted_) return;
    aborted_ = true;
    collectives_->MakeCurrent().IgnoreError();
    api().Abort(comm_).IgnoreError();
  }

  // After work on the channel ended: OK, or NCCL's asynchronous error with the channel
  // named. The first error sticks.
  Status CheckAsyncError() {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (!failure_.ok()) return failure_;
    Status async = api().AsyncError(comm_);
    if (async.ok()) return OkStatus();
    failure_ = async.WithContext(StrCat("collective on channel rank ", rank_, " of ", count_,
                                        " failed on the device"));
    return failure_;
  }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  // Takes `comm`: on failure it is aborted.
  static Result<Ref<Channel>> Wrap(Ref<DeviceCollectives<V>> collectives, Comm comm) {
    const Api& api = collectives->api();
    Result<int32_t> rank = api.UserRank(comm);
    Result<int32_t> count = rank.ok() ? api.Count(comm) : Result<int32_t>(rank.status());
    Ref<GpuChannel> channel;
    if (count.ok()) {
      Allocator& allocator = collectives->allocator();
      channel = MakeRef<GpuChannel>(allocator, collectives, comm, *rank, *count);
    }
    if (!channel) {
      api.Abort(comm).IgnoreError();
      if (!count.ok()) return count.status();
      return ResourceExhaustedError("channel: the host allocator could not provide ",
                                    sizeof(GpuChannel), " bytes");
    }
    return Ref<Channel>(std::move(channel));
  }

  GpuChannel(Ref<DeviceCollectives<V>> collectives, Comm comm, int32_t rank, int32_t count)
      : collectives_(std::move(collectives)), comm_(comm), rank_(rank), count_(count) {}

  ~GpuChannel() override {
    if (aborted_) return;
    collectives_->MakeCurrent().IgnoreError();
    const bool healthy = failure_.ok() && api().AsyncError(comm_).ok();
    // Nothing to report to: the channel is going either way.
    (healthy ? api().Destroy(comm_) : api().Abort(comm_)).IgnoreError();
  }

  Ref<DeviceCollectives<V>> collectives_;
  const Comm comm_;
  const int32_t rank_;
  const int32_t count_;

  mutable std::mutex state_mutex_;  // guards what follows
  Status failure_;
  bool aborted_ = false;
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_GPU_CHANNEL_H_
