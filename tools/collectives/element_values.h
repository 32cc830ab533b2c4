// Host-side values of every collective element type (16-bit floats converted exactly, as
// the simulated GPU converts them), and the inputs and expected results of the
// conformance cases: small integers, exact in every type (including
// float16 and bfloat16), so results are compared exactly.
#ifndef GPUHAL_TOOLS_COLLECTIVES_ELEMENT_VALUES_H_
#define GPUHAL_TOOLS_COLLECTIVES_ELEMENT_VALUES_H_

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fakes/engine/half.h"
#include "gpuhal/channel.h"

namespace gpuhal::collectives {

inline constexpr ElementType kAllTypes[] = {
    ElementType::kInt8,    ElementType::kUint8,   ElementType::kInt32,   ElementType::kUint32,
    ElementType::kInt64,   ElementType::kUint64,  ElementType::kFloat16, ElementType::kFloat32,
    ElementType::kFloat64, ElementType::kBFloat16,
};
inline constexpr ReductionOp kAllReductions[] = {ReductionOp::kSum, ReductionOp::kProduct,
                                                 ReductionOp::kMinimum, ReductionOp::kMaximum,
                                                 ReductionOp::kAverage};

inline void StoreElement(ElementType type, double value, uint8_t* out) {
  auto store = [&](auto typed) { std::memcpy(out, &typed, sizeof(typed)); };
  switch (type) {
    case ElementType::kInt8: return store(static_cast<int8_t>(value));
    case ElementType::kUint8: return store(static_cast<uint8_t>(value));
    case ElementType::kInt32: return store(static_cast<int32_t>(value));
    case ElementType::kUint32: return store(static_cast<uint32_t>(value));
    case ElementType::kInt64: return store(static_cast<int64_t>(value));
    case ElementType::kUint64: return store(static_cast<uint64_t>(value));
    case ElementType::kFloat16: return store(fake::FloatToHalf(static_cast<float>(value)));
    case ElementType::kFloat32: return store(static_cast<float>(value));
    case ElementType::kFloat64: return store(value);
    case ElementType::kBFloat16: return store(fake::FloatToBfloat16(static_cast<float>(value)));
  }
}

inline double LoadElement(ElementType type, const uint8_t* in) {
  auto load = [&](auto typed) {
    std::memcpy(&typed, in, sizeof(typed));
    return typed;
  };
  switch (type) {
    case ElementType::kInt8: return load(int8_t{});
    case ElementType::kUint8: return load(uint8_t{});
    case ElementType::kInt32: return load(int32_t{});
    case ElementType::kUint32: return load(uint32_t{});
    case ElementType::kInt64: return static_cast<double>(load(int64_t{}));
    case ElementType::kUint64: return static_cast<double>(load(uint64_t{}));
    case ElementType::kFloat16: return fake::HalfToFloat(load(uint16_t{}));
    case ElementType::kFloat32: return load(float{});
    case ElementType::kFloat64: return load(double{});
    case ElementType::kBFloat16: return fake::Bfloat16ToFloat(load(uint16_t{}));
  }
  return 0;
}

inline std::vector<uint8_t> Encode(ElementType type, const std::vector<double>& values) {
  const size_t size = ElementTypeSize(type);
  std::vector<uint8_t> bytes(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) StoreElement(type, values[i], &bytes[i * size]);
  return bytes;
}
inline std::vector<double> Decode(ElementType type, const std::vector<uint8_t>& bytes) {
  const size_t size = ElementTypeSize(type);
  std::vector<double> values(bytes.size() / size);
  for (size_t i = 0; i < values.size(); ++i) values[i] = LoadElement(type, &bytes[i * size]);
  return values;
}

// Rank r's input for a reduction: chosen so that every result is a small exact integer in
// every type (no overflow for 8 ranks of int8; averages divide exactly).
inline double ReductionInput(ReductionOp op, int rank, int ranks, size_t i) {
  switch (op) {
    case ReductionOp::kProduct: return rank == static_cast<int>(i % ranks) ? 2 : 1;
    case ReductionOp::kAverage: {
      // Offsets +1/-1 in pairs (0 for an odd rank count's last rank) sum to zero.
      const bool unpaired = ranks % 2 == 1 && rank == ranks - 1;
      return static_cast<double>(i % 7) + 1 + (unpaired ? 0 : (rank % 2 == 0 ? 1 : -1));
    }
    default: return static_cast<double>((rank * 3 + i) % 11);
  }
}
inline double Reduced(ReductionOp op, int ranks, size_t i) {
  double result = ReductionInput(op, 0, ranks, i);
  for (int r = 1; r < ranks; ++r) {
    const double v = ReductionInput(op, r, ranks, i);
    switch (op) {
      case ReductionOp::kSum:
      case ReductionOp::kAverage: result += v; break;
      case ReductionOp::kProduct: result *= v; break;
      case ReductionOp::kMinimum: result = std::min(result, v); break;
      case ReductionOp::kMaximum: result = std::max(result, v); break;
      case ReductionOp::kNone: break;
    }
  }
  return op == ReductionOp::kAverage ? result / ranks : result;
}
// A value that identifies (rank, element) and fits every type.
inline double Tagged(int rank, size_t i) { return static_cast<double>((rank * 17 + i * 5) % 97); }

}  // namespace gpuhal::collectives

#endif  // GPUHAL_TOOLS_COLLECTIVES_ELEMENT_VALUES_H_
