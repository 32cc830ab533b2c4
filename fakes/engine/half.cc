#include "fakes/engine/half.h"

#include <bit>
#include <cmath>

namespace gpuhal::fake {

float HalfToFloat(uint16_t half) {
  uint32_t sign = uint32_t{half & 0x8000u} << 16;
  uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t FloatToHalf(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t magnitude_bits = bits & 0x7fffffffu;
  if (magnitude_bits >= 0x7f800000u) {  // inf or NaN
    return sign | 0x7c00 | (magnitude_bits > 0x7f800000u ? 0x200 : 0);
  }
  if (magnitude_bits >= 0x477ff000u) return sign | 0x7c00;  // rounds past 65504
  if (magnitude_bits < 0x38800000u) {  // subnormal half (or zero): scale into integer units
    float magnitude = std::bit_cast<float>(magnitude_bits);
    float scaled = std::nearbyint(std::ldexp(magnitude, 24));  // default mode: to even
    return sign | static_cast<uint16_t>(scaled);
  }
  uint32_t exponent = (magnitude_bits >> 23) - 112;
  uint32_t mantissa = magnitude_bits & 0x7fffff;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1))) ++half;
  return sign | static_cast<uint16_t>(half);
}

float Bfloat16ToFloat(uint16_t value) {
  return std::bit_cast<float>(uint32_t{value} << 16);
}

uint16_t FloatToBfloat16(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

}  // namespace gpuhal::fake
