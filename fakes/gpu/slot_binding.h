// How plain function pointers find their engine. A vendor table holds C function
// pointers, which carry no state, yet several fake platforms (each with its own Engine)
// may live in one process. So there is a fixed number of slots per front-end type; a
// platform claims a free slot, binds its front end to it, and hands out the table whose
// functions were instantiated for that slot: Trampoline<FrontEnd, kSlot, member> reads
// slot kSlot and calls the member function of the same name on the bound front end.
//
// Vendor-neutral; it lives beside the CUDA front end only because every front end uses it.
#ifndef GPUHAL_FAKES_GPU_SLOT_BINDING_H_
#define GPUHAL_FAKES_GPU_SLOT_BINDING_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace gpuhal::fake {

// How many fake platforms of one kind may be alive at once.
inline constexpr int kFakePlatformSlotCount = 16;

// Slot ownership is per Owner type (a platform kind); each front end a platform binds gets
// the platform's slot index in its own SlotTable<FrontEnd>.
template <typename Owner>
class SlotClaims {
 public:
  // A free slot, now owned by the caller; -1 when all are taken.
  static int Claim() {
    for (int slot = 0; slot < kFakePlatformSlotCount; ++slot) {
      bool expected = false;
      if (claimed_[slot].compare_exchange_strong(expected, true, std::memory_order_acq_rel))
        return slot;
    }
    return -1;
  }
  static void Release(int slot) { claimed_[slot].store(false, std::memory_order_release); }

 private:
  static inline std::array<std::atomic<bool>, kFakePlatformSlotCount> claimed_{};
};

template <typename FrontEnd>
class SlotTable {
 public:
  static FrontEnd* Get(int slot) { return slots_[slot].load(std::memory_order_acquire); }
  static void Bind(int slot, FrontEnd* front_end) {
    slots_[slot].store(front_end, std::memory_order_release);
  }
  static void Unbind(int slot) { slots_[slot].store(nullptr, std::memory_order_release); }

 private:
  static inline std::array<std::atomic<FrontEnd*>, kFakePlatformSlotCount> slots_{};
};

// The position of `name` in a symbol list, at compile time.
template <size_t N>
constexpr size_t SymbolIndex(const std::string_view (&names)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return i;
  return N;
}

// FrontEnd provides:
//   using ErrorCode = <the vendor's result enum>;
//   static constexpr ErrorCode kUnbound;  // returned after the platform is gone
//   ErrorCode Preamble(size_t symbol_index);  // fault injection, host-function check
// Members returning something else (error-name lookups) skip the preamble.
template <typename FrontEnd, int kSlot, auto kMember, size_t kSymbolIndex>
struct Trampoline;

template <typename FrontEnd, int kSlot, typename R, typename... Args,
          R (FrontEnd::*kMember)(Args...), size_t kSymbolIndex>
struct Trampoline<FrontEnd, kSlot, kMember, kSymbolIndex> {
  static R Call(Args... args) {
    FrontEnd* front_end = SlotTable<FrontEnd>::Get(kSlot);
    if constexpr (std::is_same_v<R, typename FrontEnd::ErrorCode>) {
      if (front_end == nullptr) return FrontEnd::kUnbound;
      if (R injected = front_end->Preamble(kSymbolIndex); injected != R{}) return injected;
    } else {
      if (front_end == nullptr) return R{};
    }
    return (front_end->*kMember)(std::forward<Args>(args)...);
  }
};

// One table per slot: MakeTables(std::make_index_sequence<kFakePlatformSlotCount>{}) with
// `make_one` a template lambda [&]<int kSlot>() { return <table for kSlot>; }.
template <typename Table, typename MakeOne, size_t... kSlots>
std::array<Table, sizeof...(kSlots)> MakeSlotTables(MakeOne make_one,
                                                    std::index_sequence<kSlots...>) {
  return {make_one.template operator()<static_cast<int>(kSlots)>()...};
}

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_GPU_SLOT_BINDING_H_
