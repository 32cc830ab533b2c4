// The scheduler's PRNG. SplitMix64: tiny, fast, and its output is fixed by the seed on
// every platform, which is what makes a seeded schedule reproducible.
#ifndef GPUHAL_FAKES_ENGINE_PRNG_H_
#define GPUHAL_FAKES_ENGINE_PRNG_H_

#include <cstdint>

namespace gpuhal::fake {

class Prng {
 public:
  explicit Prng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); bound > 0.
  uint64_t Below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }
  // Uniform in [0, 1).
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_PRNG_H_
