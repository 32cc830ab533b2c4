// Bitwise operators for flag enums, opted into one enum at a time.
#ifndef GPUHAL_BITMASK_H_
#define GPUHAL_BITMASK_H_

#include <type_traits>

#define GPUHAL_BITMASK_OPERATORS(Enum)                                         \
  constexpr Enum operator|(Enum a, Enum b) {                                   \
    using U = std::underlying_type_t<Enum>;                                    \
    return static_cast<Enum>(static_cast<U>(a) | static_cast<U>(b));           \
  }                                                                            \
  constexpr Enum operator&(Enum a, Enum b) {                                   \
    using U = std::underlying_type_t<Enum>;                                    \
    return static_cast<Enum>(static_cast<U>(a) & static_cast<U>(b));           \
  }                                                                            \
  constexpr Enum operator~(Enum a) {                                           \
    using U = std::underlying_type_t<Enum>;                                    \
    return static_cast<Enum>(~static_cast<U>(a));                              \
  }                                                                            \
  constexpr Enum& operator|=(Enum& a, Enum b) { return a = a | b; }            \
  constexpr Enum& operator&=(Enum& a, Enum b) { return a = a & b; }            \
  /* True when every bit of `required` is set in `flags`. */                   \
  constexpr bool AllSet(Enum flags, Enum required) {                           \
    return (flags & required) == required;                                     \
  }                                                                            \
  constexpr bool AnySet(Enum flags, Enum bits) {                               \
    return static_cast<std::underlying_type_t<Enum>>(flags & bits) != 0;       \
  }

#endif  // GPUHAL_BITMASK_H_
