#include "fakes/engine/collectives.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "fakes/engine/half.h"

namespace gpuhal::fake {
namespace {

// Element arithmetic. Integers wrap (computed unsigned) instead of overflowing; 16-bit
// floats are widened to float for each step and rounded back.
template <typename T>
struct Arith {
  static T Combine(T a, T b, ReduceOp op) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      switch (op) {
        case ReduceOp::kSum:
        case ReduceOp::kAvg: return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
        case ReduceOp::kProd: return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
        case ReduceOp::kMin: return std::min(a, b);
        case ReduceOp::kMax: return std::max(a, b);
      }
    } else {
      switch (op) {
        case ReduceOp::kSum:
        case ReduceOp::kAvg: return a + b;
        case ReduceOp::kProd: return a * b;
        case ReduceOp::kMin: return a < b ? a : b;
        case ReduceOp::kMax: return a > b ? a : b;
      }
    }
    return a;
  }
  static T Divide(T a, int n) { return static_cast<T>(a / static_cast<T>(n)); }
};

template <uint16_t (*FromFloat)(float), float (*ToFloat)(uint16_t)>
struct Arith16 {
  static uint16_t Combine(uint16_t a, uint16_t b, ReduceOp op) {
    return FromFloat(Arith<float>::Combine(ToFloat(a), ToFloat(b), op));
  }
  static uint16_t Divide(uint16_t a, int n) { return FromFloat(ToFloat(a) / n); }
};

// out[i] = in[0][i] op in[1][i] op ... in rank order.
template <typename T, typename A>
void ReduceTyped(const std::vector<const uint8_t*>& inputs, uint8_t* out, uint64_t count,
                 ReduceOp op) {
  for (uint64_t i = 0; i < count; ++i) {
    T acc;
    std::memcpy(&acc, inputs[0] + i * sizeof(T), sizeof(T));
    for (size_t r = 1; r < inputs.size(); ++r) {
      T value;
      std::memcpy(&value, inputs[r] + i * sizeof(T), sizeof(T));
      acc = A::Combine(acc, value, op);
    }
    if (op == ReduceOp::kAvg) acc = A::Divide(acc, static_cast<int>(inputs.size()));
    std::memcpy(out + i * sizeof(T), &acc, sizeof(T));
  }
}

void Reduce(DataType type, const std::vector<const uint8_t*>& inputs, uint8_t* out,
            uint64_t count, ReduceOp op) {
  switch (type) {
    case DataType::kInt8: return ReduceTyped<int8_t, Arith<int8_t>>(inputs, out, count, op);
    case DataType::kUint8: return ReduceTyped<uint8_t, Arith<uint8_t>>(inputs, out, count, op);
    case DataType::kInt32: return ReduceTyped<int32_t, Arith<int32_t>>(inputs, out, count, op);
    case DataType::kUint32:
      return ReduceTyped<uint32_t, Arith<uint32_t>>(inputs, out, count, op);
    case DataType::kInt64: return ReduceTyped<int64_t, Arith<int64_t>>(inputs, out, count, op);
    case DataType::kUint64:
      return ReduceTyped<uint64_t, Arith<uint64_t>>(inputs, out, count, op);
    case DataType::kFloat32: return ReduceTyped<float, Arith<float>>(inputs, out, count, op);
    case DataType::kFloat64: return ReduceTyped<double, Arith<double>>(inputs, out, count, op);
    case DataType::kFloat16:
      return ReduceTyped<uint16_t, Arith16<FloatToHalf, HalfToFloat>>(inputs, out, count, op);
    case DataType::kBfloat16:
      return ReduceTyped<uint16_t, Arith16<FloatToBfloat16, Bfloat16ToFloat>>(inputs, out,
                                                                              count, op);
  }
}

bool Fail(CollectiveInstance& instance, Error error, std::string message) {
  instance.error = error;
  instance.error_message = std::string(CollectiveName(instance.kind)) + ": " + message;
  return false;
}

// Snapshot of [address, address + bytes) so that outputs may alias inputs.
bool ReadInput(CollectiveInstance& instance, AddressSpace& memory, uint64_t address,
               uint64_t bytes, std::vector<uint8_t>& out) {
  std::string why;
  const uint8_t* source = memory.Translate(address, bytes, &why);
  if (source == nullptr && bytes != 0) return Fail(instance, Error::kIllegalAddress, why);
  out.assign(source, source + bytes);
  return true;
}

uint8_t* Output(CollectiveInstance& instance, AddressSpace& memory, uint64_t address,
                uint64_t bytes) {
  std::string why;
  uint8_t* target = memory.Translate(address, bytes, &why);
  if (target == nullptr && bytes != 0) Fail(instance, Error::kIllegalAddress, why);
  return target;
}

bool CheckAgreement(CollectiveInstance& instance) {
  const CollectiveArgs& first = instance.args[0];
  for (const CollectiveArgs& args : instance.args) {
    if (args.kind != first.kind || args.count != first.count || args.type != first.type ||
        args.op != first.op || args.root != first.root) {
      return Fail(instance, Error::kCollectiveMismatch, "ranks disagree on the operation");
    }
  }
  if (first.root < 0 || first.root >= static_cast<int>(instance.args.size()))
    return Fail(instance, Error::kCollectiveMismatch, "root out of range");
  return true;
}

}  // namespace

const char* CollectiveName(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce: return "all_reduce";
    case CollectiveKind::kAllGather: return "all_gather";
    case CollectiveKind::kReduceScatter: return "reduce_scatter";
    case CollectiveKind::kReduce: return "reduce";
    case CollectiveKind::kBroadcast: return "broadcast";
    case CollectiveKind::kSendRecv: return "send_recv";
  }
  return "collective";
}

void PerformCollective(CollectiveInstance& instance, AddressSpace& memory) {
  instance.performed = true;
  if (instance.error != Error::kOk) return;
  if (!CheckAgreement(instance)) return;
  const CollectiveArgs& a = instance.args[0];
  const int ranks = static_cast<int>(instance.args.size());
  const uint64_t element = DataTypeSize(a.type);
  const uint64_t bytes = a.count * element;
  std::vector<std::vector<uint8_t>> inputs(ranks);
  std::vector<const uint8_t*> pointers(ranks);

  switch (a.kind) {
    case CollectiveKind::kAllReduce:
    case CollectiveKind::kReduce: {
      for (int r = 0; r < ranks; ++r) {
        if (!ReadInput(instance, memory, instance.args[r].send, bytes, inputs[r])) return;
        pointers[r] = inputs[r].data();
      }
      std::vector<uint8_t> result(bytes);
      Reduce(a.type, pointers, result.data(), a.count, a.op);
      for (int r = 0; r < ranks; ++r) {
        if (a.kind == CollectiveKind::kReduce && r != a.root) continue;
        uint8_t* out = Output(instance, memory, instance.args[r].recv, bytes);
        if (out == nullptr && bytes) return;
        if (bytes) std::memcpy(out, result.data(), bytes);
      }
      return;
    }
    case CollectiveKind::kAllGather: {
      for (int r = 0; r < ranks; ++r)
        if (!ReadInput(instance, memory, instance.args[r].send, bytes, inputs[r])) return;
      for (int r = 0; r < ranks; ++r) {
        uint8_t* out = Output(instance, memory, instance.args[r].recv, bytes * ranks);
        if (out == nullptr && bytes) return;
        for (int source = 0; source < ranks && bytes; ++source)
          std::memcpy(out + source * bytes, inputs[source].data(), bytes);
      }
      return;
    }
    case CollectiveKind::kReduceScatter: {
      for (int r = 0; r < ranks; ++r)
        if (!ReadInput(instance, memory, instance.args[r].send, bytes * ranks, inputs[r]))
          return;
      std::vector<uint8_t> result(bytes);
      for (int r = 0; r < ranks; ++r) {
        for (int source = 0; source < ranks; ++source)
          pointers[source] = inputs[source].data() + r * bytes;
        Reduce(a.type, pointers, result.data(), a.count, a.op);
        uint8_t* out = Output(instance, memory, instance.args[r].recv, bytes);
        if (out == nullptr && bytes) return;
        if (bytes) std::memcpy(out, result.data(), bytes);
      }
      return;
    }
    case CollectiveKind::kBroadcast: {
      if (!ReadInput(instance, memory, instance.args[a.root].send, bytes, inputs[0])) return;
      for (int r = 0; r < ranks; ++r) {
        uint8_t* out = Output(instance, memory, instance.args[r].recv, bytes);
        if (out == nullptr && bytes) return;
        if (bytes) std::memcpy(out, inputs[0].data(), bytes);
      }
      return;
    }
    case CollectiveKind::kSendRecv: {
      if (!ReadInput(instance, memory, instance.args[0].send, bytes, inputs[0])) return;
      uint8_t* out = Output(instance, memory, instance.args[1].recv, bytes);
      if (out == nullptr && bytes) return;
      if (bytes) std::memcpy(out, inputs[0].data(), bytes);
      return;
    }
  }
}

}  // namespace gpuhal::fake
