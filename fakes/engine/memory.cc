#include "fakes/engine/memory.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace gpuhal::fake {
namespace {

const char* StateName(Allocation::State state) {
  switch (state) {
    case Allocation::State::kPending: return "not yet allocated in stream order";
    case Allocation::State::kLive: return "live";
    case Allocation::State::kFreed: return "freed";
  }
  return "?";
}

std::string Describe(const char* what, uint64_t address, uint64_t bytes, const Allocation* a) {
  char buffer[256];
  if (a == nullptr) {
    std::snprintf(buffer, sizeof(buffer), "%s: access of %" PRIu64 " bytes at 0x%" PRIx64, what,
                  bytes, address);
  } else {
    std::snprintf(buffer, sizeof(buffer),
                  "%s: access of %" PRIu64 " bytes at 0x%" PRIx64 " in allocation 0x%" PRIx64
                  "+%" PRIu64 " (%s)",
                  what, bytes, address, a->base, a->size, StateName(a->state));
  }
  return buffer;
}

}  // namespace

AddressSpace::~AddressSpace() {
  for (auto& [base, allocation] : by_base_)
    if (allocation.owns_data) std::free(allocation.data);
}

uint64_t AddressSpace::Reserve(uint64_t size, uint64_t page_offset) {
  uint64_t base = next_address_ + page_offset;
  uint64_t end = base + size;
  next_address_ = ((end + kGuardBytes + kPage - 1) / kPage) * kPage;
  return base;
}

Error AddressSpace::Allocate(uint64_t size, AllocationKind kind, int device,
                             Allocation::State state, Allocation** out) {
  if (size == 0) return Error::kInvalidValue;
  if (size > (uint64_t{1} << 46)) return Error::kOutOfMemory;
  // calloc: large simulated allocations cost only the pages a test touches.
  auto* data = static_cast<uint8_t*>(std::calloc(1, size));
  if (data == nullptr) return Error::kOutOfMemory;
  uint64_t base = Reserve(size, 0);
  Allocation& a = by_base_[base];
  a = Allocation{base, size, data, kind, state, true, false, device, 0};
  if (kind == AllocationKind::kPinnedHost) by_host_[reinterpret_cast<uintptr_t>(data)] = &a;
  *out = &a;
  return Error::kOk;
}

Error AddressSpace::Register(void* host, uint64_t size, int device, Allocation** out) {
  if (host == nullptr || size == 0) return Error::kInvalidValue;
  if (FindHost(host) != nullptr ||
      FindHost(static_cast<const uint8_t*>(host) + size - 1) != nullptr) {
    return Error::kInvalidValue;  // overlaps an existing registration
  }
  uintptr_t host_address = reinterpret_cast<uintptr_t>(host);
  uint64_t base = Reserve(size, host_address % kPage);
  Allocation& a = by_base_[base];
  a = Allocation{base,  size,  static_cast<uint8_t*>(host), AllocationKind::kRegisteredHost,
                 Allocation::State::kLive, false, false, device, 0};
  by_host_[host_address] = &a;
  *out = &a;
  return Error::kOk;
}

void AddressSpace::Release(Allocation* allocation) {
  if (allocation->kind == AllocationKind::kPinnedHost ||
      allocation->kind == AllocationKind::kRegisteredHost) {
    by_host_.erase(reinterpret_cast<uintptr_t>(allocation->data));
  }
  if (allocation->owns_data) std::free(allocation->data);
  allocation->data = nullptr;
  allocation->owns_data = false;
  allocation->state = Allocation::State::kFreed;
  freed_bases_.push_back(allocation->base);
  if (freed_bases_.size() > kMaxFreedRecords) {
    auto it = by_base_.find(freed_bases_.front());
    if (last_hit_ == &it->second) last_hit_ = nullptr;
    by_base_.erase(it);
    freed_bases_.pop_front();
  }
}

Allocation* AddressSpace::FindContaining(uint64_t address) {
  if (last_hit_ && address - last_hit_->base < last_hit_->size) return last_hit_;
  auto it = by_base_.upper_bound(address);
  if (it == by_base_.begin()) return nullptr;
  --it;
  Allocation& a = it->second;
  if (address - a.base >= a.size) return nullptr;
  last_hit_ = &a;
  return &a;
}

Allocation* AddressSpace::FindByBase(uint64_t address) {
  auto it = by_base_.find(address);
  return it == by_base_.end() ? nullptr : &it->second;
}

Allocation* AddressSpace::FindHost(const void* host) {
  uintptr_t key = reinterpret_cast<uintptr_t>(host);
  auto it = by_host_.upper_bound(key);
  if (it == by_host_.begin()) return nullptr;
  --it;
  Allocation* a = it->second;
  return key - it->first < a->size ? a : nullptr;
}

uint8_t* AddressSpace::Translate(uint64_t address, uint64_t bytes, std::string* why) {
  Allocation* a = FindContaining(address);
  if (a == nullptr) {
    if (why) *why = Describe("unmapped address", address, bytes, nullptr);
    return nullptr;
  }
  if (a->state != Allocation::State::kLive) {
    if (why) {
      *why = Describe(a->state == Allocation::State::kFreed ? "use after free"
                                                            : "use before stream-ordered alloc",
                      address, bytes, a);
    }
    return nullptr;
  }
  uint64_t offset = address - a->base;
  if (bytes > a->size - offset) {
    if (why) *why = Describe("out of bounds", address, bytes, a);
    return nullptr;
  }
  return a->data + offset;
}

}  // namespace gpuhal::fake
