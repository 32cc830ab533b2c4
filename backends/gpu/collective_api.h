// The NCCL API as the driver calls it, written once for NCCL (CUDA) and RCCL (HIP).
//
// RCCL keeps NCCL's function names, enum values and semantics; only the handle and
// stream types differ (and live in different headers, which cannot share a translation
// unit). So the calls are written here once, as a template over a `Types` struct that
// each backend supplies (backends/cuda/nccl_collective_api.h,
// backends/hip/rccl_collective_api.h):
//
//   static constexpr std::string_view kLibraryName;   // "NCCL" / "RCCL", for messages
//   using Symbols, Comm, UniqueId, ResultCode, DataType, RedOp, Stream;
//   static Status ToStatus(const Symbols&, ResultCode, std::string_view call);
//
// Like a Vendor, a CollectiveApi decides nothing: each member is one library call with
// its result turned into a Status that names the call.
#ifndef GPUHAL_BACKENDS_GPU_COLLECTIVE_API_H_
#define GPUHAL_BACKENDS_GPU_COLLECTIVE_API_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "gpuhal/channel.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// NCCL's numbering, which RCCL keeps: ncclInt8 .. ncclBfloat16 and ncclSum .. ncclAvg.
constexpr int NcclDataTypeValue(ElementType type) {
  switch (type) {
    case ElementType::kInt8: return 0;
    case ElementType::kUint8: return 1;
    case ElementType::kInt32: return 2;
    case ElementType::kUint32: return 3;
    case ElementType::kInt64: return 4;
    case ElementType::kUint64: return 5;
    case ElementType::kFloat16: return 6;
    case ElementType::kFloat32: return 7;
    case ElementType::kFloat64: return 8;
    case ElementType::kBFloat16: return 9;
  }
  return -1;
}
constexpr int NcclRedOpValue(ReductionOp op) {
  switch (op) {
    case ReductionOp::kSum: return 0;
    case ReductionOp::kProduct: return 1;
    case ReductionOp::kMaximum: return 2;
    case ReductionOp::kMinimum: return 3;
    case ReductionOp::kAverage: return 4;
    case ReductionOp::kNone: break;
  }
  return -1;
}

template <typename Types>
struct CollectiveApi {
  using Symbols = typename Types::Symbols;
  using Comm = typename Types::Comm;
  using Stream = typename Types::Stream;
  using ResultCode = typename Types::ResultCode;
  static constexpr std::string_view kLibraryName = Types::kLibraryName;
  static_assert(sizeof(typename Types::UniqueId) == sizeof(ChannelId{}.bytes),
                "a ChannelId carries the library's unique id byte for byte");

  const Symbols* symbols = nullptr;

  Status Check(ResultCode result, std::string_view call) const {
    return Types::ToStatus(*symbols, result, call);
  }
  static bool IsSuccess(ResultCode result) { return static_cast<int>(result) == 0; }
  static typename Types::DataType DataType(ElementType type) {
    return static_cast<typename Types::DataType>(NcclDataTypeValue(type));
  }
  static typename Types::RedOp RedOp(ReductionOp op) {
    return static_cast<typename Types::RedOp>(NcclRedOpValue(op));
  }

  // Communicators ---------------------------------------------------------------------

  Result<ChannelId> CreateUniqueId() const {
    typename Types::UniqueId id;
    std::memset(&id, 0, sizeof(id));
    GPUHAL_RETURN_IF_ERROR(Check(symbols->ncclGetUniqueId(&id), "ncclGetUniqueId"));
    ChannelId channel_id;
    std::memcpy(channel_id.bytes.data(), &id, sizeof(id));
    return channel_id;
  }
  // Uses the calling thread's current device. Blocks until all ranks have joined, unless
  // called between GroupStart and GroupEnd: then GroupEnd blocks, and the library may
  // write `*comm` until then, so it must stay valid.
  Status InitRank(const ChannelId& channel_id, int32_t count, int32_t rank, Comm* comm) const {
    typename Types::UniqueId id;
    std::memcpy(&id, channel_id.bytes.data(), sizeof(id));
    return Check(symbols->ncclCommInitRank(comm, count, id, rank), "ncclCommInitRank");
  }
  // One communicator per device of this process, rank i on the device of ordinal
  // ordinals[i], made in one call: the library sets each device itself, and a failure
  // leaves no rank waiting for another.
  Status InitAll(std::span<const int> ordinals, Comm* comms) const {
    return Check(symbols->ncclCommInitAll(comms, static_cast<int>(ordinals.size()),
                                          ordinals.data()),
                 "ncclCommInitAll");
  }
  // A null result: this rank passed a negative color and joins no new communicator.
  Result<Comm> Split(Comm comm, int32_t color, int32_t key) const {
    Comm split{};
    GPUHAL_RETURN_IF_ERROR(Check(symbols->ncclCommSplit(comm, color < 0 ? -1 : color, key,
                                                        &split, nullptr),
                                 "ncclCommSplit"));
    return split;
  }
  Status Destroy(Comm comm) const { return Check(symbols->ncclCommDestroy(comm), "ncclCommDestroy"); }
  Status Abort(Comm comm) const { return Check(symbols->ncclCommAbort(comm), "ncclCommAbort"); }
  // OK while the communicator is healthy; otherwise the library's asynchronous error
  // (a peer that failed, a mismatch between ranks, a network error), named.
  Status AsyncError(Comm comm) const {
    ResultCode async{};
    GPUHAL_RETURN_IF_ERROR(
        Check(symbols->ncclCommGetAsyncError(comm, &async), "ncclCommGetAsyncError"));
    if (IsSuccess(async)) return OkStatus();
    return Check(async, "ncclCommGetAsyncError reports");
  }
  Result<int32_t> Count(Comm comm) const {
    int count = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->ncclCommCount(comm, &count), "ncclCommCount"));
    return count;
  }
  Result<int32_t> UserRank(Comm comm) const {
    int rank = 0;
    GPUHAL_RETURN_IF_ERROR(Check(symbols->ncclCommUserRank(comm, &rank), "ncclCommUserRank"));
    return rank;
  }

  // Groups ----------------------------------------------------------------------------

  Status GroupStart() const { return Check(symbols->ncclGroupStart(), "ncclGroupStart"); }
  Status GroupEnd() const { return Check(symbols->ncclGroupEnd(), "ncclGroupEnd"); }

  // Collectives (counts in elements, as NCCL takes them) -------------------------------

  static const void* In(uint64_t address) { return reinterpret_cast<const void*>(address); }
  static void* Out(uint64_t address) { return reinterpret_cast<void*>(address); }

  Status AllReduce(uint64_t send, uint64_t recv, size_t count, ElementType type, ReductionOp op,
                   Comm comm, Stream stream) const {
    return Check(symbols->ncclAllReduce(In(send), Out(recv), count, DataType(type), RedOp(op),
                                        comm, stream),
                 "ncclAllReduce");
  }
  Status AllGather(uint64_t send, uint64_t recv, size_t send_count, ElementType type, Comm comm,
                   Stream stream) const {
    return Check(symbols->ncclAllGather(In(send), Out(recv), send_count, DataType(type), comm,
                                        stream),
                 "ncclAllGather");
  }
  Status ReduceScatter(uint64_t send, uint64_t recv, size_t recv_count, ElementType type,
                       ReductionOp op, Comm comm, Stream stream) const {
    return Check(symbols->ncclReduceScatter(In(send), Out(recv), recv_count, DataType(type),
                                            RedOp(op), comm, stream),
                 "ncclReduceScatter");
  }
  Status Reduce(uint64_t send, uint64_t recv, size_t count, ElementType type, ReductionOp op,
                int32_t root, Comm comm, Stream stream) const {
    return Check(symbols->ncclReduce(In(send), Out(recv), count, DataType(type), RedOp(op), root,
                                     comm, stream),
                 "ncclReduce");
  }
  Status Broadcast(uint64_t send, uint64_t recv, size_t count, ElementType type, int32_t root,
                   Comm comm, Stream stream) const {
    return Check(symbols->ncclBroadcast(In(send), Out(recv), count, DataType(type), root, comm,
                                        stream),
                 "ncclBroadcast");
  }
  Status Send(uint64_t send, size_t count, ElementType type, int32_t peer, Comm comm,
              Stream stream) const {
    return Check(symbols->ncclSend(In(send), count, DataType(type), peer, comm, stream),
                 "ncclSend");
  }
  Status Recv(uint64_t recv, size_t count, ElementType type, int32_t peer, Comm comm,
              Stream stream) const {
    return Check(symbols->ncclRecv(Out(recv), count, DataType(type), peer, comm, stream),
                 "ncclRecv");
  }
};

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_COLLECTIVE_API_H_
