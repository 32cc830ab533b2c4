// IEEE binary16 and bfloat16 <-> float, round to nearest even, so collectives over 16-bit
// floats give the same bits on every host.
#ifndef GPUHAL_FAKES_ENGINE_HALF_H_
#define GPUHAL_FAKES_ENGINE_HALF_H_

#include <cstdint>

namespace gpuhal::fake {

float HalfToFloat(uint16_t half);
uint16_t FloatToHalf(float value);
float Bfloat16ToFloat(uint16_t value);
uint16_t FloatToBfloat16(float value);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_HALF_H_
