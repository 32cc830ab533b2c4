// Host mapping of host-visible buffers: host writes the device then reads, device writes
// the host then reads, through whole mappings, ranges and subspans.
#include <cstring>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

class MappingTest : public ConformanceTest {
 protected:
  static BufferParams Mappable() {
    return {.type = MemoryType::kHostLocal, .usage = BufferUsage::kDefault | BufferUsage::kMapping};
  }
};
CTS_INSTANTIATE(MappingTest);

TEST_P(MappingTest, HostWritesAreSeenByDeviceCommands) {
  const std::vector<uint8_t> data = PatternBytes(3000, 1);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> staging, NewBuffer(data.size(), Mappable()));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> target, NewBuffer(data.size()));
  {
    ASSERT_OK_AND_ASSIGN(MappedMemory mapping, staging->Map(MappingAccess::kWrite));
    ASSERT_EQ(mapping.data().size(), data.size());
    std::memcpy(mapping.data().data(), data.data(), data.size());
  }  // unmapped here, before the device reads
  ASSERT_OK(RunAndWait(
      [&](CommandBuffer& commands) { return commands.CopyBuffer({staging.get()}, *target, 0); }));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*target));
  EXPECT_EQ(bytes, data);
}

TEST_P(MappingTest, DeviceWritesAreSeenThroughMappings) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> readback, NewBuffer(1024, Mappable()));
  const uint32_t value = 0x13572468u;
  const uint8_t byte = 0x99;
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({readback.get()}, &value, 4));
    // Commands between barriers may run concurrently (graph mode): order the overlap.
    const MemoryBarrier barrier[] = {{AccessScope::kTransferWrite, AccessScope::kTransferWrite}};
    GPUHAL_RETURN_IF_ERROR(commands.ExecutionBarrier(ExecutionStage::kTransfer,
                                                     ExecutionStage::kTransfer, barrier, {}));
    return commands.FillBuffer({readback.get(), 3, 5}, &byte, 1);
  }));
  std::vector<uint8_t> expected(1024);
  for (size_t i = 0; i < expected.size(); i += 4) std::memcpy(&expected[i], &value, 4);
  std::fill(expected.begin() + 3, expected.begin() + 8, byte);
  ASSERT_OK_AND_ASSIGN(MappedMemory whole, readback->Map(MappingAccess::kRead));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(),
                         reinterpret_cast<const uint8_t*>(whole.data().data())));
  ASSERT_OK_AND_ASSIGN(MappedMemory range, readback->Map(MappingAccess::kRead, 1, 9));
  ASSERT_EQ(range.data().size(), 9u);
  EXPECT_EQ(0, std::memcmp(range.data().data(), expected.data() + 1, 9));
}

TEST_P(MappingTest, SubspanMapsItsOwnBytes) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(512, Mappable()));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> view, buffer->Subspan(100, 50));
  {
    ASSERT_OK_AND_ASSIGN(MappedMemory mapping, view->Map(MappingAccess::kWrite, 10, 5));
    std::memset(mapping.data().data(), 0xAB, mapping.data().size());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer, 105, 20));
  std::vector<uint8_t> expected(20, 0);
  std::fill(expected.begin() + 5, expected.begin() + 10, uint8_t{0xAB});
  EXPECT_EQ(bytes, expected);
}

TEST_P(MappingTest, MappingRules) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> device_only, NewBuffer(64));
  EXPECT_THAT(device_only->Map(MappingAccess::kRead), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> no_mapping_usage,
                           NewBuffer(64, {.type = MemoryType::kHostLocal}));
  EXPECT_THAT(no_mapping_usage->Map(MappingAccess::kRead), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> mappable, NewBuffer(64, Mappable()));
  EXPECT_THAT(mappable->Map(MappingAccess::kRead, 60, 8), StatusIs(StatusCode::kOutOfRange));
}

}  // namespace
}  // namespace gpuhal::conformance
