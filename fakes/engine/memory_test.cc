#include "fakes/engine/memory.h"

#include <cstring>
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

TEST(AddressSpaceTest, SyntheticAddressesWithGuardGapsAndChecks) {
  AddressSpace memory;
  Allocation* a;
  Allocation* b;
  ASSERT_OK(memory.Allocate(100, AllocationKind::kDevice, 0, Allocation::State::kLive, &a));
  ASSERT_OK(memory.Allocate(100, AllocationKind::kDevice, 0, Allocation::State::kLive, &b));
  EXPECT_GE(b->base, a->base + a->size + 4096);  // a guard gap between them
  EXPECT_NE(reinterpret_cast<uint64_t>(a->data), a->base);
  std::string why;
  EXPECT_NE(nullptr, memory.Translate(a->base, 100, &why));
  EXPECT_EQ(nullptr, memory.Translate(a->base + 1, 100, &why));
  EXPECT_NE(why.find("out of bounds"), std::string::npos) << why;
  EXPECT_EQ(nullptr, memory.Translate(a->base + a->size + 8, 4, &why));
  EXPECT_NE(why.find("unmapped"), std::string::npos) << why;
  memory.Release(a);
  EXPECT_EQ(nullptr, memory.Translate(a->base, 4, &why));
  EXPECT_NE(why.find("use after free"), std::string::npos) << why;
}

TEST(AddressSpaceTest, PendingAllocationIsNotAccessible) {
  AddressSpace memory;
  Allocation* a;
  ASSERT_OK(
      memory.Allocate(64, AllocationKind::kStreamOrdered, 0, Allocation::State::kPending, &a));
  std::string why;
  EXPECT_EQ(nullptr, memory.Translate(a->base, 4, &why));
  EXPECT_NE(why.find("before stream-ordered alloc"), std::string::npos) << why;
}

TEST(AddressSpaceTest, RegisteredHostKeepsPageOffset) {
  AddressSpace memory;
  std::vector<uint8_t> host(1000);
  Allocation* a;
  ASSERT_OK(memory.Register(host.data() + 3, 500, 0, &a));
  EXPECT_EQ(a->base % 4096, reinterpret_cast<uintptr_t>(host.data() + 3) % 4096);
  EXPECT_EQ(memory.FindHost(host.data() + 100), a);
  EXPECT_EQ(memory.Translate(a->base + 10, 4, nullptr), host.data() + 13);
  EXPECT_EQ(Error::kInvalidValue, memory.Register(host.data() + 5, 10, 0, &a));  // overlap
}

TEST(EngineMemoryTest, LimitAndUsage) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  ASSERT_OK(engine.SetDeviceMemoryLimit(0, 1000));
  uint64_t a, b;
  ASSERT_OK(engine.Allocate(0, 600, &a));
  EXPECT_EQ(Error::kOutOfMemory, engine.Allocate(0, 600, &b));
  ASSERT_OK(engine.Allocate(0, 400, &b));
  uint64_t used, limit;
  ASSERT_OK(engine.GetMemoryUsage(0, &used, &limit));
  EXPECT_EQ(used, 1000u);
  ASSERT_OK(engine.Free(a));
  EXPECT_EQ(Error::kInvalidValue, engine.Free(a));  // double free is reported
  ASSERT_OK(engine.Allocate(0, 600, &a));
  EXPECT_EQ(Error::kInvalidValue, engine.Allocate(0, 0, &b));
}

TEST(EngineMemoryTest, PinnedAndRegisteredHostMemoryHaveDeviceAddresses) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  void* pinned;
  uint64_t pinned_address;
  ASSERT_OK(engine.AllocateHost(0, 256, &pinned, &pinned_address));
  std::memset(pinned, 7, 256);
  uint8_t byte = 0;
  ASSERT_OK(engine.ReadMemory(pinned_address + 5, &byte, 1));
  EXPECT_EQ(byte, 7);
  uint64_t looked_up;
  ASSERT_OK(engine.HostDeviceAddress(static_cast<uint8_t*>(pinned) + 9, &looked_up));
  EXPECT_EQ(looked_up, pinned_address + 9);

  std::vector<uint32_t> host(64, 0);
  uint64_t registered;
  ASSERT_OK(engine.RegisterHost(0, host.data(), host.size() * 4, &registered));
  uint32_t value = 0xdeadbeef;
  ASSERT_OK(engine.WriteMemory(registered + 8, &value, 4));
  EXPECT_EQ(host[2], 0xdeadbeefu);
  AllocationInfo info;
  ASSERT_OK(engine.GetAllocationInfo(registered + 10, &info));
  EXPECT_EQ(info.base, registered);
  EXPECT_EQ(info.kind, AllocationKind::kRegisteredHost);
  ASSERT_OK(engine.UnregisterHost(host.data()));
  EXPECT_EQ(Error::kInvalidValue, engine.WriteMemory(registered, &value, 4));
  ASSERT_OK(engine.FreeHost(pinned));
  EXPECT_EQ(Error::kInvalidValue, engine.ReadMemory(pinned_address, &byte, 1));
}

}  // namespace
}  // namespace gpuhal::fake

namespace gpuhal::fake {
namespace {

TEST(AddressSpaceTest, OldFreedRecordsAreForgottenButStillFault) {
  AddressSpace memory;
  Allocation* first;
  ASSERT_OK(memory.Allocate(8, AllocationKind::kDevice, 0, Allocation::State::kLive, &first));
  uint64_t first_base = first->base;
  memory.Release(first);
  for (int i = 0; i < 70000; ++i) {
    Allocation* a;
    ASSERT_OK(memory.Allocate(8, AllocationKind::kDevice, 0, Allocation::State::kLive, &a));
    memory.Release(a);
  }
  std::string why;
  EXPECT_EQ(nullptr, memory.Translate(first_base, 4, &why));
  EXPECT_NE(why.find("unmapped"), std::string::npos) << why;
}

}  // namespace
}  // namespace gpuhal::fake
