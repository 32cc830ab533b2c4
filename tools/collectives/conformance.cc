#include "tools/collectives/conformance.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "gpuhal/core/json_escape.h"
#include "gpuhal/semaphore.h"
#include "tools/collectives/element_values.h"

namespace gpuhal::collectives {
namespace {

constexpr auto kSubmissionTimeout = std::chrono::seconds(120);

const char* TypeName(ElementType type) {
  switch (type) {
    case ElementType::kInt8: return "int8";
    case ElementType::kUint8: return "uint8";
    case ElementType::kInt32: return "int32";
    case ElementType::kUint32: return "uint32";
    case ElementType::kInt64: return "int64";
    case ElementType::kUint64: return "uint64";
    case ElementType::kFloat16: return "float16";
    case ElementType::kFloat32: return "float32";
    case ElementType::kFloat64: return "float64";
    case ElementType::kBFloat16: return "bfloat16";
  }
  return "unknown";
}
const char* ReductionName(ReductionOp op) {
  switch (op) {
    case ReductionOp::kSum: return "sum";
    case ReductionOp::kProduct: return "product";
    case ReductionOp::kMinimum: return "min";
    case ReductionOp::kMaximum: return "max";
    case ReductionOp::kAverage: return "average";
    case ReductionOp::kNone: break;
  }
  return "none";
}

// One rank's view of the run: its device, channel and command buffer mode.
class Rank {
 public:
  Rank(Device& device, Channel& channel, CommandBufferMode mode)
      : device_(device), channel_(channel), mode_(mode) {}

  int rank() const { return channel_.rank(); }
  int ranks() const { return channel_.count(); }
  Channel& channel() { return channel_; }

  Result<Ref<Buffer>> BufferWith(const std::vector<uint8_t>& bytes) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> buffer, device_.AllocateBuffer(BufferParams{}, bytes.size()));
    GPUHAL_RETURN_IF_ERROR(device_.WriteBuffer(std::as_bytes(std::span(bytes)), *buffer, 0));
    return buffer;
  }
  Result<Ref<Buffer>> Zeroed(size_t bytes) { return BufferWith(std::vector<uint8_t>(bytes, 0)); }
  Result<std::vector<double>> Read(ElementType type, Buffer& buffer) {
    std::vector<uint8_t> bytes(buffer.byte_length());
    GPUHAL_RETURN_IF_ERROR(device_.ReadBuffer(buffer, 0, std::as_writable_bytes(std::span(bytes))));
    return Decode(type, bytes);
  }

  // Records `record` into one command buffer, submits it and waits for it.
  Status Run(const std::function<Status(CommandBuffer&)>& record) {
    CommandBufferParams params;
    params.mode = mode_;
    GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands, device_.CreateCommandBuffer(params));
    GPUHAL_RETURN_IF_ERROR(commands->Begin());
    GPUHAL_RETURN_IF_ERROR(record(*commands));
    GPUHAL_RETURN_IF_ERROR(commands->End());
    GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> done, device_.CreateSemaphore(0));
    SemaphorePoint signal{done.get(), 1};
    CommandBuffer* list[] = {commands.get()};
    GPUHAL_RETURN_IF_ERROR(device_.QueueExecute(kAnyQueue, {}, {&signal, 1}, list));
    return done->Wait(1, Timeout::After(kSubmissionTimeout));
  }

 private:
  Device& device_;
  Channel& channel_;
  CommandBufferMode mode_;
};

Status ExpectEqual(const char* what, const std::vector<double>& actual,
                   const std::vector<double>& expected) {
  if (actual.size() != expected.size()) {
    return InternalError(what, ": read ", actual.size(), " elements, expected ", expected.size());
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != expected[i]) {
      return DataLossError(what, ": element ", i, " is ", actual[i], ", expected ", expected[i]);
    }
  }
  return OkStatus();
}

constexpr size_t kElements = 1000;

// The five reductions of one type, batched into one NCCL group.
Status AllReduceEveryReduction(Rank& r, ElementType type) {
  std::vector<Ref<Buffer>> sends, recvs;
  for (ReductionOp op : kAllReductions) {
    std::vector<double> input(kElements);
    for (size_t i = 0; i < kElements; ++i) input[i] = ReductionInput(op, r.rank(), r.ranks(), i);
    GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> send, r.BufferWith(Encode(type, input)));
    GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> recv, r.Zeroed(kElements * ElementTypeSize(type)));
    sends.push_back(send);
    recvs.push_back(recv);
  }
  GPUHAL_RETURN_IF_ERROR(r.Run([&](CommandBuffer& commands) -> Status {
    for (size_t o = 0; o < std::size(kAllReductions); ++o) {
      GPUHAL_RETURN_IF_ERROR(commands.Collective(
          r.channel(), {CollectiveKind::kAllReduce, kAllReductions[o], type}, 0,
          {sends[o].get(), 0, kWholeBuffer}, {recvs[o].get(), 0, kWholeBuffer}, kElements));
    }
    return OkStatus();
  }));
  for (size_t o = 0; o < std::size(kAllReductions); ++o) {
    std::vector<double> expected(kElements);
    for (size_t i = 0; i < kElements; ++i) expected[i] = Reduced(kAllReductions[o], r.ranks(), i);
    GPUHAL_ASSIGN_OR_RETURN(std::vector<double> actual, r.Read(type, *recvs[o]));
    GPUHAL_RETURN_IF_ERROR(ExpectEqual(ReductionName(kAllReductions[o]), actual, expected));
  }
  return OkStatus();
}

Status ReduceAndReduceScatter(Rank& r, ReductionOp op) {
  const ElementType type = ElementType::kFloat32;
  const int root = r.ranks() - 1;
  std::vector<double> input(kElements), scatter_input(kElements * r.ranks());
  for (size_t i = 0; i < kElements; ++i) input[i] = ReductionInput(op, r.rank(), r.ranks(), i);
  for (size_t i = 0; i < scatter_input.size(); ++i)
    scatter_input[i] = ReductionInput(op, r.rank(), r.ranks(), i);
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> reduce_send, r.BufferWith(Encode(type, input)));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> reduce_recv, r.Zeroed(kElements * 4));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> scatter_send, r.BufferWith(Encode(type, scatter_input)));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> scatter_recv, r.Zeroed(kElements * 4));
  GPUHAL_RETURN_IF_ERROR(r.Run([&](CommandBuffer& commands) -> Status {
    GPUHAL_RETURN_IF_ERROR(commands.Collective(
        r.channel(), {CollectiveKind::kReduce, op, type}, root,
        {reduce_send.get(), 0, kWholeBuffer}, {reduce_recv.get(), 0, kWholeBuffer}, kElements));
    return commands.Collective(r.channel(), {CollectiveKind::kReduceScatter, op, type}, 0,
                               {scatter_send.get(), 0, kWholeBuffer},
                               {scatter_recv.get(), 0, kWholeBuffer}, kElements);
  }));
  std::vector<double> expected(kElements);
  if (r.rank() == root) {
    for (size_t i = 0; i < kElements; ++i) expected[i] = Reduced(op, r.ranks(), i);
    GPUHAL_ASSIGN_OR_RETURN(std::vector<double> actual, r.Read(type, *reduce_recv));
    GPUHAL_RETURN_IF_ERROR(ExpectEqual("reduce", actual, expected));
  }
  for (size_t i = 0; i < kElements; ++i)
    expected[i] = Reduced(op, r.ranks(), r.rank() * kElements + i);
  GPUHAL_ASSIGN_OR_RETURN(std::vector<double> actual, r.Read(type, *scatter_recv));
  return ExpectEqual("reduce-scatter", actual, expected);
}

// All-gather, broadcast, all-to-all and a ring of send/recv, in one group.
Status DataMovement(Rank& r, ElementType type) {
  const size_t n = kElements;
  const size_t size = ElementTypeSize(type);
  const int rank = r.rank(), ranks = r.ranks();
  const int root = 1 % ranks;
  std::vector<double> mine(n), a2a(n * ranks);
  for (size_t i = 0; i < n; ++i) mine[i] = Tagged(rank, i);
  for (size_t i = 0; i < a2a.size(); ++i) a2a[i] = Tagged(rank, i);
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> gather_send, r.BufferWith(Encode(type, mine)));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> gather_recv, r.Zeroed(n * ranks * size));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> bcast,
                          rank == root ? r.BufferWith(Encode(type, mine)) : r.Zeroed(n * size));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> ring_send, r.BufferWith(Encode(type, mine)));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> ring_recv, r.Zeroed(n * size));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> a2a_send, r.BufferWith(Encode(type, a2a)));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> a2a_recv, r.Zeroed(n * ranks * size));
  const uint32_t next = static_cast<uint32_t>((rank + 1) % ranks);
  const uint32_t previous = static_cast<uint32_t>((rank + ranks - 1) % ranks);
  GPUHAL_RETURN_IF_ERROR(r.Run([&](CommandBuffer& commands) -> Status {
    Channel& channel = r.channel();
    GPUHAL_RETURN_IF_ERROR(commands.Collective(
        channel, {CollectiveKind::kAllGather, ReductionOp::kNone, type}, 0,
        {gather_send.get(), 0, kWholeBuffer}, {gather_recv.get(), 0, kWholeBuffer}, n));
    GPUHAL_RETURN_IF_ERROR(commands.Collective(
        channel, {CollectiveKind::kBroadcast, ReductionOp::kNone, type}, root,
        {bcast.get(), 0, kWholeBuffer}, {bcast.get(), 0, kWholeBuffer}, n));
    GPUHAL_RETURN_IF_ERROR(commands.Collective(
        channel, {CollectiveKind::kAllToAll, ReductionOp::kNone, type}, 0,
        {a2a_send.get(), 0, kWholeBuffer}, {a2a_recv.get(), 0, kWholeBuffer}, n * ranks));
    if (ranks == 1) return OkStatus();
    GPUHAL_RETURN_IF_ERROR(commands.Collective(
        channel, {CollectiveKind::kSend, ReductionOp::kNone, type}, next,
        {ring_send.get(), 0, kWholeBuffer}, {}, n));
    return commands.Collective(channel, {CollectiveKind::kRecv, ReductionOp::kNone, type},
                               previous, {}, {ring_recv.get(), 0, kWholeBuffer}, n);
  }));
  std::vector<double> gathered, broadcast(n), ring(n), all_to_all;
  for (int source = 0; source < ranks; ++source) {
    for (size_t i = 0; i < n; ++i) gathered.push_back(Tagged(source, i));
    for (size_t i = 0; i < n; ++i) all_to_all.push_back(Tagged(source, rank * n + i));
  }
  for (size_t i = 0; i < n; ++i) {
    broadcast[i] = Tagged(root, i);
    ring[i] = Tagged(static_cast<int>(previous), i);
  }
  GPUHAL_ASSIGN_OR_RETURN(std::vector<double> actual, r.Read(type, *gather_recv));
  GPUHAL_RETURN_IF_ERROR(ExpectEqual("all-gather", actual, gathered));
  GPUHAL_ASSIGN_OR_RETURN(actual, r.Read(type, *bcast));
  GPUHAL_RETURN_IF_ERROR(ExpectEqual("broadcast", actual, broadcast));
  GPUHAL_ASSIGN_OR_RETURN(actual, r.Read(type, *a2a_recv));
  GPUHAL_RETURN_IF_ERROR(ExpectEqual("all-to-all", actual, all_to_all));
  if (ranks == 1) return OkStatus();
  GPUHAL_ASSIGN_OR_RETURN(actual, r.Read(type, *ring_recv));
  return ExpectEqual("send/recv ring", actual, ring);
}

// fill ; all-reduce ; copy ; all-reduce ; barrier ; fill, in one command buffer: each
// batch must run after the command before it and before the one after it.
Status OrderingAroundOtherCommands(Rank& r) {
  const size_t n = kElements;
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> send, r.Zeroed(n * 4));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> mid, r.Zeroed(n * 4));
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> out, r.Zeroed(n * 4));
  const CollectiveOp sum{CollectiveKind::kAllReduce, ReductionOp::kSum, ElementType::kUint32};
  GPUHAL_RETURN_IF_ERROR(r.Run([&](CommandBuffer& commands) -> Status {
    const uint32_t value = static_cast<uint32_t>(r.rank() + 1);
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({send.get(), 0, kWholeBuffer}, &value, 4));
    GPUHAL_RETURN_IF_ERROR(commands.Collective(r.channel(), sum, 0, {send.get(), 0, kWholeBuffer},
                                               {mid.get(), 0, kWholeBuffer}, n));
    GPUHAL_RETURN_IF_ERROR(commands.CopyBuffer({mid.get(), 0, kWholeBuffer}, *out, 0));
    GPUHAL_RETURN_IF_ERROR(commands.Collective(r.channel(), sum, 0, {out.get(), 0, kWholeBuffer},
                                               {out.get(), 0, kWholeBuffer}, n));
    GPUHAL_RETURN_IF_ERROR(
        commands.ExecutionBarrier(ExecutionStage::kAll, ExecutionStage::kAll, {}, {}));
    const uint32_t zero = 0;
    return commands.FillBuffer({send.get(), 0, kWholeBuffer}, &zero, 4);
  }));
  const double total = r.ranks() * (r.ranks() + 1) / 2.0;
  GPUHAL_ASSIGN_OR_RETURN(std::vector<double> actual, r.Read(ElementType::kUint32, *mid));
  GPUHAL_RETURN_IF_ERROR(ExpectEqual("first all-reduce", actual, std::vector<double>(n, total)));
  GPUHAL_ASSIGN_OR_RETURN(actual, r.Read(ElementType::kUint32, *out));
  GPUHAL_RETURN_IF_ERROR(
      ExpectEqual("second all-reduce", actual, std::vector<double>(n, total * r.ranks())));
  GPUHAL_ASSIGN_OR_RETURN(actual, r.Read(ElementType::kUint32, *send));
  return ExpectEqual("final fill", actual, std::vector<double>(n, 0));
}

}  // namespace

std::vector<CaseResult> RunConformance(Device& device, Channel& channel, CommandBufferMode mode) {
  Rank r(device, channel, mode);
  const std::string prefix = mode == CommandBufferMode::kGraph ? "graph/" : "stream/";
  std::vector<CaseResult> results;
  for (ElementType type : kAllTypes) {
    results.push_back({prefix + "all-reduce/" + TypeName(type), AllReduceEveryReduction(r, type)});
  }
  for (ReductionOp op : kAllReductions) {
    results.push_back({prefix + "reduce+reduce-scatter/" + ReductionName(op),
                       ReduceAndReduceScatter(r, op)});
  }
  for (ElementType type : kAllTypes) {
    results.push_back(
        {prefix + "gather+broadcast+all-to-all+send/recv/" + TypeName(type), DataMovement(r, type)});
  }
  results.push_back({prefix + "ordering-around-fill-copy-barrier", OrderingAroundOtherCommands(r)});
  return results;
}

std::string CaseResultsJson(const std::vector<CaseResult>& results) {
  std::string json = "[";
  for (size_t i = 0; i < results.size(); ++i) {
    json += StrCat(i ? ",\n    " : "\n    ", "{\"name\": \"", results[i].name,
                   "\", \"ok\": ", results[i].status.ok() ? "true" : "false", ", \"message\": \"",
                   JsonEscaped(results[i].status.ok() ? "" : results[i].status.ToString()), "\"}");
  }
  return json + "\n  ]";
}

}  // namespace gpuhal::collectives
