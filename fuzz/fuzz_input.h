// A tiny reader that turns a fuzz input into choices: each call consumes bytes from the
// front and returns 0 once the input is exhausted, so every input decodes to something
// and a shorter input decodes to a prefix of the same choices.
#ifndef GPUHAL_FUZZ_FUZZ_INPUT_H_
#define GPUHAL_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>

namespace gpuhal::fuzzing {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return size_ == 0; }
  uint8_t U8() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  uint32_t U32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value |= uint32_t{U8()} << (8 * i);
    return value;
  }
  bool Bool() { return U8() & 1; }
  // In [0, bound); bound > 0.
  uint32_t Below(uint32_t bound) { return bound <= 256 ? U8() % bound : U32() % bound; }
  // Mostly small, sometimes anything: sizes and offsets that hit both the edges of small
  // buffers and overflow paths.
  uint64_t Size() {
    const uint8_t kind = U8() % 8;
    if (kind < 5) return U8();
    if (kind < 7) return U8() * 4ull;
    return (uint64_t{U32()} << 32) | U32();
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace gpuhal::fuzzing

#endif  // GPUHAL_FUZZ_FUZZ_INPUT_H_
