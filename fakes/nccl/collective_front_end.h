// The NCCL API over one simulated GPU engine, written once for NCCL (CUDA streams) and
// RCCL (HIP streams), which share names, values and semantics. As with the CUDA and HIP
// front ends, each member function has the vendor function's name and signature, and a
// slot's table is filled with trampolines to them (fakes/gpu/slot_binding.h).
//
// `Vendor` supplies the vendor's types:
//   Result, DataType, RedOp, Comm (a struct deriving CommRank), Stream, UniqueId, Config;
//   StreamFrontEnd, with
//     Error ResolveStreamOnDevice(Stream, int device, StreamId*)
//     Error CollectiveDevice(int* device)  // the calling thread's current device
//   static constexpr const std::string_view* kSymbolNames;  // the symbol list, in order
//   static constexpr int kVersionCode;
//
// Communicators: ncclCommInitAll creates one engine communicator at once. ncclCommInitRank
// and ncclCommSplit meet their peers in a CommRendezvous and block until all ranks have
// arrived, unless called inside ncclGroupStart/End: then the outermost ncclGroupEnd waits,
// so one thread may initialize every rank, as with NCCL.
#ifndef GPUHAL_FAKES_NCCL_COLLECTIVE_FRONT_END_H_
#define GPUHAL_FAKES_NCCL_COLLECTIVE_FRONT_END_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/gpu/owned_handles.h"
#include "fakes/engine/engine.h"
#include "fakes/nccl/collective_errors.h"
#include "fakes/nccl/comm_rendezvous.h"
#include "fakes/nccl/fake_comm.h"

namespace gpuhal::fake {

template <typename Vendor>
class CollectiveFrontEnd {
 public:
  using ErrorCode = typename Vendor::Result;
  using DataTypeCode = typename Vendor::DataType;
  using RedOpCode = typename Vendor::RedOp;
  using Comm = typename Vendor::Comm;
  using CommHandle = Comm*;
  using Stream = typename Vendor::Stream;
  using UniqueId = typename Vendor::UniqueId;
  using Config = typename Vendor::Config;
  static constexpr ErrorCode kUnbound = static_cast<ErrorCode>(CollectiveResult::kInternalError);

  CollectiveFrontEnd(Engine& engine, typename Vendor::StreamFrontEnd& streams)
      : engine_(engine), streams_(streams), rendezvous_(engine) {}
  ~CollectiveFrontEnd() = default;
  CollectiveFrontEnd(const CollectiveFrontEnd&) = delete;
  CollectiveFrontEnd& operator=(const CollectiveFrontEnd&) = delete;

  ErrorCode Preamble(size_t symbol_index) {
    FaultInjector& injector = engine_.fault_injector();
    if (!injector.empty()) {
      const std::string_view name = Vendor::kSymbolNames[symbol_index];
      if (std::optional<int> code = injector.Check(name)) {
        if (name == "ncclGroupEnd") AbandonGroup();
        return static_cast<ErrorCode>(*code);
      }
    }
    if (InsideHostFunction()) return Result(CollectiveResult::kInvalidUsage);
    return Result(CollectiveResult::kSuccess);
  }

  // ---- Versions and errors ----
  ErrorCode ncclGetVersion(int* version) {
    if (version == nullptr) return Result(CollectiveResult::kInvalidArgument);
    *version = Vendor::kVersionCode;
    return Result(CollectiveResult::kSuccess);
  }
  const char* ncclGetErrorString(ErrorCode result) {
    return CollectiveResultString(static_cast<int>(result));
  }

  // ---- Communicators ----
  ErrorCode ncclGetUniqueId(UniqueId* uniqueId) {
    if (uniqueId == nullptr) return Result(CollectiveResult::kInvalidArgument);
    std::memset(uniqueId, 0, sizeof(*uniqueId));
    const std::string id = "gpuhal-fake-comm-" + std::to_string(next_unique_id_.fetch_add(1));
    std::memcpy(reinterpret_cast<char*>(uniqueId), id.data(), id.size());
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode ncclCommInitRank(CommHandle* comm, int nranks, UniqueId commId, int rank) {
    if (comm == nullptr) return Result(CollectiveResult::kInvalidArgument);
    int device;
    if (Error error = streams_.CollectiveDevice(&device); error != Error::kOk)
      return Result(ToCollectiveResult(error));
    const char* bytes = reinterpret_cast<const char*>(&commId);
    std::string key = "init:" + std::string(bytes, sizeof(commId));
    return Join(key, nranks, rank, device, 0, rank, comm);
  }

  ErrorCode ncclCommInitAll(CommHandle* comm, int ndev, const int* devlist) {
    if (comm == nullptr || ndev <= 0) return Result(CollectiveResult::kInvalidArgument);
    std::vector<int> devices(ndev);
    for (int i = 0; i < ndev; ++i) devices[i] = devlist ? devlist[i] : i;
    CommId id;
    if (Error error = engine_.CreateComm(devices, &id); error != Error::kOk)
      return Result(ToCollectiveResult(error));
    auto shared = std::make_shared<SharedComm>(engine_, id);
    for (int i = 0; i < ndev; ++i) {
      auto handle = std::make_unique<Comm>();
      handle->shared = shared;
      handle->rank = i;
      handle->rank_count = ndev;
      handle->device = devices[i];
      comm[i] = comms_.Add(std::move(handle));
    }
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode ncclCommSplit(CommHandle comm, int color, int key, CommHandle* newcomm,
                          Config* config) {
    CommRank* parent;
    if (ErrorCode result = FindComm(comm, &parent); result != ErrorCode{}) return result;
    if (newcomm == nullptr || (color < 0 && color != kNoColor))
      return Result(CollectiveResult::kInvalidArgument);
    std::string meeting = "split:" + std::to_string(reinterpret_cast<uintptr_t>(
                                         parent->shared.get())) +
                          ":" + std::to_string(parent->splits++);
    return Join(meeting, parent->rank_count, parent->rank, parent->device, color, key, newcomm);
  }

  ErrorCode ncclCommDestroy(CommHandle comm) {
    std::unique_ptr<Comm> handle = comms_.Remove(comm);
    return handle ? Result(CollectiveResult::kSuccess)
                  : Result(CollectiveResult::kInvalidArgument);
  }

  ErrorCode ncclCommAbort(CommHandle comm) {
    std::unique_ptr<Comm> handle = comms_.Remove(comm);
    if (handle == nullptr) return Result(CollectiveResult::kInvalidArgument);
    if (handle->shared) engine_.AbortComm(handle->shared->id());
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode ncclCommGetAsyncError(CommHandle comm, ErrorCode* asyncError) {
    CommRank* rank;
    if (ErrorCode result = FindComm(comm, &rank); result != ErrorCode{}) return result;
    if (asyncError == nullptr) return Result(CollectiveResult::kInvalidArgument);
    Error error = engine_.CommAsyncError(rank->shared->id());
    if (error == Error::kOk) error = engine_.DeviceFault(rank->device);
    *asyncError = Result(ToCollectiveResult(error));
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode ncclCommCount(CommHandle comm, int* count) {
    CommRank* rank;
    if (ErrorCode result = FindComm(comm, &rank); result != ErrorCode{}) return result;
    if (count == nullptr) return Result(CollectiveResult::kInvalidArgument);
    *count = rank->rank_count;
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode ncclCommUserRank(CommHandle comm, int* rank) {
    CommRank* handle;
    if (ErrorCode result = FindComm(comm, &handle); result != ErrorCode{}) return result;
    if (rank == nullptr) return Result(CollectiveResult::kInvalidArgument);
    *rank = handle->rank;
    return Result(CollectiveResult::kSuccess);
  }

  // ---- Grouping ----
  ErrorCode ncclGroupStart() {
    ++t_group_depth;
    engine_.GroupStart();
    return Result(CollectiveResult::kSuccess);
  }

  // A failed ncclGroupEnd still ends the group: pending initializations get no
  // communicator, and pending collectives fail (Engine::AbandonGroup).
  void AbandonGroup() {
    if (t_group_depth == 0) return;
    if (--t_group_depth == 0) {
      std::vector<PendingInit> others;
      for (PendingInit& init : t_pending_inits) {
        if (init.front_end != this) {
          others.push_back(init);
          continue;
        }
        rendezvous_.Abandon(init.ticket);
        comms_.Remove(init.handle);
        *init.out = nullptr;
      }
      t_pending_inits = std::move(others);
    }
    engine_.AbandonGroup();
  }

  ErrorCode ncclGroupEnd() {
    if (t_group_depth == 0) return Result(CollectiveResult::kInvalidUsage);
    ErrorCode result = Result(CollectiveResult::kSuccess);
    if (--t_group_depth == 0) {
      std::vector<PendingInit> pending;
      std::vector<PendingInit> others;  // another platform's: finished by its own GroupEnd
      for (PendingInit& init : t_pending_inits)
        (init.front_end == this ? pending : others).push_back(init);
      t_pending_inits = std::move(others);
      for (PendingInit& init : pending) {
        ErrorCode finished = Finish(init.ticket, init.handle);
        if (finished != ErrorCode{} || init.handle->shared == nullptr) {
          comms_.Remove(init.handle);
          *init.out = nullptr;
        }
        if (result == ErrorCode{}) result = finished;
      }
    }
    Error error = engine_.GroupEnd();
    if (result == ErrorCode{}) result = Result(ToCollectiveResult(error));
    return result;
  }

  // ---- Collectives and point-to-point ----
  ErrorCode ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count,
                          DataTypeCode datatype, RedOpCode op, CommHandle comm, Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, &op, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(engine_.AllReduce(call.id, call.rank, Address(sendbuff),
                                                       Address(recvbuff), count, call.type,
                                                       call.op, call.stream)));
  }

  ErrorCode ncclAllGather(const void* sendbuff, void* recvbuff, size_t sendcount,
                          DataTypeCode datatype, CommHandle comm, Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, nullptr, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(engine_.AllGather(call.id, call.rank, Address(sendbuff),
                                                       Address(recvbuff), sendcount, call.type,
                                                       call.stream)));
  }

  ErrorCode ncclReduceScatter(const void* sendbuff, void* recvbuff, size_t recvcount,
                              DataTypeCode datatype, RedOpCode op, CommHandle comm,
                              Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, &op, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(
        engine_.ReduceScatter(call.id, call.rank, Address(sendbuff), Address(recvbuff),
                              recvcount, call.type, call.op, call.stream)));
  }

  ErrorCode ncclReduce(const void* sendbuff, void* recvbuff, size_t count, DataTypeCode datatype,
                       RedOpCode op, int root, CommHandle comm, Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, &op, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(engine_.Reduce(call.id, call.rank, Address(sendbuff),
                                                    Address(recvbuff), count, call.type, call.op,
                                                    root, call.stream)));
  }

  ErrorCode ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count,
                          DataTypeCode datatype, int root, CommHandle comm, Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, nullptr, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(engine_.Broadcast(call.id, call.rank, Address(sendbuff),
                                                       Address(recvbuff), count, call.type, root,
                                                       call.stream)));
  }

  ErrorCode ncclSend(const void* sendbuff, size_t count, DataTypeCode datatype, int peer,
                     CommHandle comm, Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, nullptr, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(engine_.Send(call.id, call.rank, Address(sendbuff), count,
                                                  call.type, peer, call.stream)));
  }

  ErrorCode ncclRecv(void* recvbuff, size_t count, DataTypeCode datatype, int peer,
                     CommHandle comm, Stream stream) {
    Call call;
    if (ErrorCode result = Prepare(comm, stream, datatype, nullptr, &call); result != ErrorCode{})
      return result;
    return Result(ToCollectiveResult(engine_.Recv(call.id, call.rank, Address(recvbuff), count,
                                                  call.type, peer, call.stream)));
  }

 private:
  struct Call {
    CommId id = CommId::kNull;
    int rank = 0;
    StreamId stream = StreamId::kNull;
    DataType type = DataType::kFloat32;
    ReduceOp op = ReduceOp::kSum;
  };
  struct PendingInit {
    CollectiveFrontEnd* front_end;
    CommRendezvous::Ticket ticket;
    Comm* handle;
    CommHandle* out;
  };

  static ErrorCode Result(CollectiveResult result) { return static_cast<ErrorCode>(result); }
  static uint64_t Address(const void* pointer) { return reinterpret_cast<uintptr_t>(pointer); }

  ErrorCode FindComm(CommHandle comm, CommRank** rank) {
    if (!comms_.Contains(comm)) return Result(CollectiveResult::kInvalidArgument);
    if (comm->shared == nullptr) return Result(CollectiveResult::kInvalidUsage);  // in a group
    *rank = comm;
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode Prepare(CommHandle comm, Stream stream, DataTypeCode datatype, const RedOpCode* op,
                    Call* call) {
    CommRank* rank;
    if (ErrorCode result = FindComm(comm, &rank); result != ErrorCode{}) return result;
    // NCCL's type and operation numbering, which the engine's enums follow up to bfloat16.
    const int type = static_cast<int>(datatype);
    if (type < 0 || type > static_cast<int>(DataType::kBfloat16))
      return Result(CollectiveResult::kInvalidArgument);
    call->type = static_cast<DataType>(type);
    if (op != nullptr) {
      switch (static_cast<int>(*op)) {
        case 0: call->op = ReduceOp::kSum; break;
        case 1: call->op = ReduceOp::kProd; break;
        case 2: call->op = ReduceOp::kMax; break;
        case 3: call->op = ReduceOp::kMin; break;
        case 4: call->op = ReduceOp::kAvg; break;
        default: return Result(CollectiveResult::kInvalidArgument);
      }
    }
    if (Error error = streams_.ResolveStreamOnDevice(stream, rank->device, &call->stream);
        error != Error::kOk) {
      return Result(ToCollectiveResult(error));
    }
    call->id = rank->shared->id();
    call->rank = rank->rank;
    return Result(CollectiveResult::kSuccess);
  }

  ErrorCode Join(const std::string& key, int rank_count, int rank, int device, int color,
                 int color_key, CommHandle* out) {
    CommRendezvous::Ticket ticket;
    if (Error error = rendezvous_.Arrive(key, rank_count, rank, device, color, color_key, &ticket);
        error != Error::kOk) {
      return Result(ToCollectiveResult(error));
    }
    auto handle = std::make_unique<Comm>();
    Comm* raw = handle.get();
    if (t_group_depth > 0) {
      // Completed by the outermost ncclGroupEnd; until then the handle is not usable.
      *out = comms_.Add(std::move(handle));
      t_pending_inits.push_back({this, ticket, raw, out});
      return Result(CollectiveResult::kSuccess);
    }
    *out = comms_.Add(std::move(handle));
    ErrorCode result = Finish(ticket, raw);
    if (result != ErrorCode{} || raw->shared == nullptr) {
      comms_.Remove(raw);  // failed, or NCCL_SPLIT_NOCOLOR: no communicator
      *out = nullptr;
    }
    return result;
  }

  ErrorCode Finish(const CommRendezvous::Ticket& ticket, Comm* handle) {
    CommRendezvous::Outcome outcome = rendezvous_.Wait(ticket);
    if (outcome.error != Error::kOk) return Result(ToCollectiveResult(outcome.error));
    handle->shared = std::move(outcome.shared);
    handle->rank = outcome.rank;
    handle->rank_count = outcome.rank_count;
    handle->device = outcome.device;
    return Result(CollectiveResult::kSuccess);
  }

  Engine& engine_;
  typename Vendor::StreamFrontEnd& streams_;
  CommRendezvous rendezvous_;
  OwnedHandles<Comm> comms_;
  std::atomic<uint64_t> next_unique_id_{1};

  static inline thread_local int t_group_depth = 0;
  static inline thread_local std::vector<PendingInit> t_pending_inits;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_NCCL_COLLECTIVE_FRONT_END_H_
