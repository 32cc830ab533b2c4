// Collective commands, batched: consecutive Collective commands of a command buffer are
// issued as one NCCL group (ncclGroupStart .. ncclGroupEnd), and a batch ends at any
// other command, barrier or the end of the recording.
//
// Why a group: NCCL matches point-to-point operations only within a group (a rank's
// send and its recv from the same peer must be in one group, or two ranks that both
// send first wait on each other forever), and a group launches its operations together,
// which costs one launch instead of one per operation.
//
// Why the batch ends at other commands: NCCL enqueues a group's work on the stream at
// ncclGroupEnd, so anything put on the stream while a group is open would run before
// the collectives recorded ahead of it.
//
// Graph mode records each batch as a segment of its own between graph segments
// (graph_command_buffer.h); stream mode keeps the open batch in the issuer and flushes
// it (stream_command_buffer.h). Both issue it with IssueCollectiveBatch, which also
// notes each channel in the submission's CollectiveChannelSet so that the submission's
// completion can ask NCCL for asynchronous errors.
//
// All-to-all is element_count elements split into one block per rank: block p of send
// goes to rank p and block p of recv comes from rank p. It is a grouped send and recv
// per peer; the rank's own block is a device copy after the group (NCCL has no
// send-to-self outside p2p groups on every version, and the copy is cheaper). send and
// recv must not overlap.
#ifndef GPUHAL_BACKENDS_GPU_COLLECTIVE_BATCH_H_
#define GPUHAL_BACKENDS_GPU_COLLECTIVE_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "backends/gpu/collective_api.h"
#include "backends/gpu/collective_channel_set.h"
#include "backends/gpu/command_operands.h"
#include "backends/gpu/gpu_channel.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/channel.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/core/arena.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// One Collective command with its operands resolved to device addresses. Lives in an
// arena; the channel is retained by whoever recorded the command.
template <Vendor V>
struct CollectiveCall {
  CollectiveCall* next = nullptr;
  GpuChannel<V>* channel = nullptr;
  CollectiveOp op;
  CollectiveParam param = 0;  // root (reduce, broadcast) or peer (send, recv)
  DeviceAddress send = 0;     // 0 where the kind does not read it on this rank
  DeviceAddress recv = 0;
  size_t element_count = 0;
};

// Consecutive collectives, in recording order.
template <Vendor V>
struct CollectiveBatch {
  CollectiveCall<V>* first = nullptr;
  CollectiveCall<V>* last = nullptr;
  size_t count = 0;

  bool empty() const { return first == nullptr; }
  void Append(CollectiveCall<V>* call) {
    call->next = nullptr;
    (last ? last->next : first) = call;
    last = call;
    ++count;
  }
};

inline const char* CollectiveCommandName(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce: return "all-reduce";
    case CollectiveKind::kAllGather: return "all-gather";
    case CollectiveKind::kReduceScatter: return "reduce-scatter";
    case CollectiveKind::kReduce: return "reduce";
    case CollectiveKind::kBroadcast: return "broadcast";
    case CollectiveKind::kSend: return "send";
    case CollectiveKind::kRecv: return "recv";
    case CollectiveKind::kAllToAll: return "all-to-all";
  }
  return "collective";
}

// Resolves a Collective command recorded on the device of `vendor`. The validating shim
// has checked ranges, roots and counts against the channel; this checks what only the
// driver knows: the channel is this device's, and NCCL can express the operation.
template <Vendor V>
Result<CollectiveCall<V>> ResolveCollective(const V& vendor, Channel& channel, CollectiveOp op,
                                            CollectiveParam param, BufferRange send,
                                            BufferRange recv, size_t element_count) {
  const char* name = CollectiveCommandName(op.kind);
  auto* gpu_channel = dynamic_cast<GpuChannel<V>*>(&channel);
  if (!gpu_channel || !IsSameDevice(gpu_channel->vendor(), vendor)) {
    return InvalidArgumentError("Collective ", name, ": the channel was not created by this ",
                                V::kName,
                                " device; create the channel on the device that records the "
                                "command");
  }
  if (NcclDataTypeValue(op.element_type) < 0) {
    return InvalidArgumentError("Collective ", name, ": element type ",
                                static_cast<int>(op.element_type), " has no NCCL data type");
  }
  const bool reduces = op.kind == CollectiveKind::kAllReduce ||
                       op.kind == CollectiveKind::kReduce ||
                       op.kind == CollectiveKind::kReduceScatter;
  if (reduces && NcclRedOpValue(op.reduction) < 0) {
    return InvalidArgumentError("Collective ", name, " needs a reduction op (sum, product, "
                                "minimum, maximum or average)");
  }
  if ((op.kind == CollectiveKind::kSend || op.kind == CollectiveKind::kRecv) &&
      static_cast<int64_t>(param) == gpu_channel->rank()) {
    return InvalidArgumentError("Collective ", name, ": peer ", param,
                                " is this participant itself; copy the buffer instead");
  }
  if (param > static_cast<CollectiveParam>(INT32_MAX)) {
    return OutOfRangeError("Collective ", name, ": rank ", param, " does not fit NCCL's int");
  }
  if (op.kind == CollectiveKind::kAllToAll && element_count % gpu_channel->count() != 0) {
    return InvalidArgumentError("Collective all-to-all: element_count ", element_count,
                                " is not divisible by the channel's ", gpu_channel->count(),
                                " participants");
  }
  CollectiveCall<V> call;
  call.channel = gpu_channel;
  call.op = op;
  call.param = param;
  call.element_count = element_count;
  // Buffers a rank does not use may be null (reduce's recv off the root, broadcast's
  // send off the root): NCCL ignores those pointers.
  if (send.buffer) {
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange range, ResolveDeviceRange(vendor, send, "Collective send"));
    call.send = range.address;
  }
  if (recv.buffer) {
    GPUHAL_ASSIGN_OR_RETURN(DeviceRange range, ResolveDeviceRange(vendor, recv, "Collective recv"));
    call.recv = range.address;
  }
  return call;
}

namespace collective_internal {

template <Vendor V>
Status IssueCall(const CollectiveCall<V>& call, typename V::Stream stream) {
  const auto& api = call.channel->api();
  const auto comm = call.channel->comm();
  const CollectiveOp& op = call.op;
  const size_t n = call.element_count;
  const int32_t rank_param = static_cast<int32_t>(call.param);
  switch (op.kind) {
    case CollectiveKind::kAllReduce:
      return api.AllReduce(call.send, call.recv, n, op.element_type, op.reduction, comm, stream);
    case CollectiveKind::kAllGather:
      return api.AllGather(call.send, call.recv, n, op.element_type, comm, stream);
    case CollectiveKind::kReduceScatter:
      return api.ReduceScatter(call.send, call.recv, n, op.element_type, op.reduction, comm,
                               stream);
    case CollectiveKind::kReduce:
      return api.Reduce(call.send, call.recv, n, op.element_type, op.reduction, rank_param, comm,
                        stream);
    case CollectiveKind::kBroadcast:
      return api.Broadcast(call.send, call.recv, n, op.element_type, rank_param, comm, stream);
    case CollectiveKind::kSend:
      return api.Send(call.send, n, op.element_type, rank_param, comm, stream);
    case CollectiveKind::kRecv:
      return api.Recv(call.recv, n, op.element_type, rank_param, comm, stream);
    case CollectiveKind::kAllToAll: {
      const int32_t ranks = call.channel->count();
      const size_t block = n / ranks;
      const size_t block_bytes = block * ElementTypeSize(op.element_type);
      for (int32_t peer = 0; peer < ranks; ++peer) {
        if (peer == call.channel->rank()) continue;
        GPUHAL_RETURN_IF_ERROR(
            api.Send(call.send + peer * block_bytes, block, op.element_type, peer, comm, stream));
        GPUHAL_RETURN_IF_ERROR(
            api.Recv(call.recv + peer * block_bytes, block, op.element_type, peer, comm, stream));
      }
      return OkStatus();
    }
  }
  return InvalidArgumentError("unknown collective kind ", static_cast<int>(op.kind));
}

}  // namespace collective_internal

// Puts `batch` on `stream` as one NCCL group, under the device's collective lock, and
// notes its channels in `used` (may be null). A channel whose call fails is aborted
// (gpu_channel.h), so its peers fail instead of waiting; if ncclGroupEnd itself fails,
// every channel of the batch is.
template <Vendor V>
Status IssueCollectiveBatch(const V& vendor, const CollectiveBatch<V>& batch,
                            typename V::Stream stream, CollectiveChannelSet<V>* used) {
  if (batch.empty()) return OkStatus();
  for (const CollectiveCall<V>* call = batch.first; call; call = call->next) {
    GPUHAL_RETURN_IF_ERROR(call->channel->CheckUsable());
    if (used) GPUHAL_RETURN_IF_ERROR(used->Add(call->channel));
  }
  DeviceCollectives<V>& collectives = batch.first->channel->collectives();
  const auto& api = collectives.api();
  std::lock_guard<std::mutex> lock(collectives.issue_mutex());
  GPUHAL_RETURN_IF_ERROR(vendor.MakeCurrent());
  GPUHAL_RETURN_IF_ERROR(api.GroupStart());
  Status status;
  const CollectiveCall<V>* failed = nullptr;
  for (const CollectiveCall<V>* call = batch.first; call; call = call->next) {
    status = collective_internal::IssueCall(*call, stream);
    if (!status.ok()) {
      failed = call;
      status = status.WithContext(StrCat("Collective ", CollectiveCommandName(call->op.kind),
                                         " on channel rank ", call->channel->rank(), " of ",
                                         call->channel->count()));
      break;
    }
  }
  Status ended = api.GroupEnd();
  if (!ended.ok()) {
    ended = ended.WithContext(StrCat("a batch of ", batch.count, " collectives"));
    for (const CollectiveCall<V>* call = batch.first; call; call = call->next) {
      call->channel->FailAtIssue(ended);
    }
    return status.ok() ? ended : status;
  }
  if (failed) {
    failed->channel->FailAtIssue(status);
    return status;
  }
  // Each all-to-all's own block, after the group so that it never runs between the
  // group's operations.
  for (const CollectiveCall<V>* call = batch.first; call; call = call->next) {
    if (call->op.kind != CollectiveKind::kAllToAll) continue;
    const size_t block_bytes = call->element_count / call->channel->count() *
                               ElementTypeSize(call->op.element_type);
    if (block_bytes == 0) continue;
    const DeviceAddress offset = static_cast<DeviceAddress>(call->channel->rank()) * block_bytes;
    GPUHAL_RETURN_IF_ERROR(vendor.CopyDeviceToDeviceAsync(call->recv + offset,
                                                          call->send + offset, block_bytes,
                                                          stream));
  }
  return OkStatus();
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COLLECTIVE_BATCH_H_
