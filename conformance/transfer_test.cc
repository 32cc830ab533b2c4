// Transfer commands in both command buffer modes: fill with 1, 2 and 4-byte patterns,
// update, copy, barriers between them, on whole buffers, ranges and subspans, at aligned
// and unaligned offsets. Every result is compared byte for byte with a host model that
// also checks the bytes around each range were left alone.
#include <cstring>

#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

struct Region {
  size_t offset;
  size_t length;  // kWholeBuffer: to the end
};

class TransferTest : public ConformanceTest {
 protected:
  // Fills every region of a buffer pre-set to known bytes, in one command buffer, and
  // compares the whole buffer with the model.
  void CheckFills(std::vector<uint8_t> pattern, std::vector<Region> regions, size_t size) {
    std::vector<uint8_t> model = PatternBytes(size, 11);
    ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(model));
    ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
      for (const Region& region : regions) {
        GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({buffer.get(), region.offset, region.length},
                                                   pattern.data(), pattern.size()));
      }
      return OkStatus();
    }));
    for (const Region& region : regions) {
      const size_t length = region.length == kWholeBuffer ? size - region.offset : region.length;
      for (size_t i = 0; i < length; ++i) model[region.offset + i] = pattern[i % pattern.size()];
    }
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
    EXPECT_EQ(bytes, model);
  }
};
CTS_INSTANTIATE(TransferTest);

TEST_P(TransferTest, FillOneBytePatternAnyOffsetAndSize) {
  CheckFills({0x5A},
             {{0, 1}, {1, 1}, {3, 7}, {13, 255}, {301, 1023}, {1400, 2}, {4000, kWholeBuffer}},
             4096);
}

TEST_P(TransferTest, FillTwoBytePattern) {
  CheckFills({0x12, 0x34}, {{0, 2}, {2, 6}, {10, 14}, {30, 1026}, {1100, 2}, {4094, kWholeBuffer}},
             4096);
}

TEST_P(TransferTest, FillFourBytePattern) {
  CheckFills({0xDE, 0xAD, 0xBE, 0xEF},
             {{0, 4}, {4, 12}, {20, 1028}, {1100, 4}, {2000, 2048}, {4092, kWholeBuffer}}, 4096);
}

TEST_P(TransferTest, FillWholeBuffer) {
  CheckFills({0x01, 0x02, 0x03, 0x04}, {{0, kWholeBuffer}}, 1 << 20);
  CheckFills({0x77}, {{0, kWholeBuffer}}, 999);
}

TEST_P(TransferTest, FillSubspans) {
  constexpr size_t kSize = 1024;
  std::vector<uint8_t> model = PatternBytes(kSize, 12);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(model));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> aligned, buffer->Subspan(100, 200));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> odd, buffer->Subspan(501, 77));
  const uint8_t word[] = {1, 2, 3, 4};
  const uint8_t half[] = {9, 8};
  const uint8_t byte[] = {0x42};
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({aligned.get(), 8, 64}, word, 4));
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({aligned.get(), 100, kWholeBuffer}, half, 2));
    return commands.FillBuffer({odd.get(), 0, kWholeBuffer}, byte, 1);
  }));
  for (size_t i = 0; i < 64; ++i) model[108 + i] = word[i % 4];
  for (size_t i = 0; i < 100; ++i) model[200 + i] = half[i % 2];
  for (size_t i = 0; i < 77; ++i) model[501 + i] = byte[0];
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
  EXPECT_EQ(bytes, model);
  // Reads through the subspan see the same bytes at subspan-relative offsets.
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> through_view, ReadBytes(*aligned, 8, 64));
  EXPECT_EQ(through_view, std::vector<uint8_t>(model.begin() + 108, model.begin() + 172));
}

TEST_P(TransferTest, UpdateSizesAndUnalignedOffsets) {
  constexpr size_t kSize = 160 * 1024;
  std::vector<uint8_t> model = PatternBytes(kSize, 13);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(model));
  const Region regions[] = {{0, 1},      {1, 3},        {5, 4},        {11, 17},
                            {100, 1000}, {4097, 65536}, {kSize - 3, 3}};
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    uint32_t seed = 100;
    for (const Region& region : regions) {
      const std::vector<uint8_t> data = PatternBytes(region.length, seed++);
      GPUHAL_RETURN_IF_ERROR(
          commands.UpdateBuffer(data.data(), {buffer.get(), region.offset, region.length}));
    }
    return OkStatus();
  }));
  uint32_t seed = 100;
  for (const Region& region : regions) {
    const std::vector<uint8_t> data = PatternBytes(region.length, seed++);
    std::memcpy(model.data() + region.offset, data.data(), data.size());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
  EXPECT_EQ(bytes, model);
}

TEST_P(TransferTest, UpdateCapturesHostDataAtRecordTime) {
  std::vector<uint8_t> data = PatternBytes(333, 14);
  const std::vector<uint8_t> recorded = data;
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(data.size()));
  ASSERT_OK_AND_ASSIGN(
      Ref<CommandBuffer> update, Record([&](CommandBuffer& commands) {
        return commands.UpdateBuffer(data.data(), {buffer.get(), 0, data.size()});
      }));
  std::fill(data.begin(), data.end(), uint8_t{0xCC});  // after recording, before submitting
  data.clear();
  data.shrink_to_fit();
  ASSERT_OK(SubmitAndWait(*update));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
  EXPECT_EQ(bytes, recorded);
}

TEST_P(TransferTest, CopyRangesAtAnyAlignment) {
  constexpr size_t kSize = 16384;
  const std::vector<uint8_t> source_bytes = PatternBytes(kSize, 15);
  std::vector<uint8_t> model = PatternBytes(kSize, 16);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> source, NewBufferWith(source_bytes));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> target, NewBufferWith(model));
  struct Copy {
    size_t source_offset, target_offset, length;
  };
  const Copy copies[] = {{0, 0, 1},          {1, 3, 13},          {7, 100, 4095},
                         {4096, 5000, 3000}, {12000, 9000, 4096}, {kSize - 5, kSize - 5, 5}};
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    for (const Copy& copy : copies) {
      GPUHAL_RETURN_IF_ERROR(commands.CopyBuffer({source.get(), copy.source_offset, copy.length},
                                                 *target, copy.target_offset));
    }
    return OkStatus();
  }));
  for (const Copy& copy : copies) {
    std::memcpy(model.data() + copy.target_offset, source_bytes.data() + copy.source_offset,
                copy.length);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*target));
  EXPECT_EQ(bytes, model);
}

TEST_P(TransferTest, CopyBetweenSubspansOfOneAllocation) {
  std::vector<uint8_t> model = PatternBytes(4096, 17);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(model));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> low, buffer->Subspan(3, 1000));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> high, buffer->Subspan(2049, 2000));
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    return commands.CopyBuffer({low.get(), 10, 900}, *high, 77);
  }));
  std::memmove(model.data() + 2049 + 77, model.data() + 3 + 10, 900);
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*buffer));
  EXPECT_EQ(bytes, model);
}

TEST_P(TransferTest, LargeCopy) {
  const std::vector<uint8_t> source_bytes = PatternBytes(4 << 20, 18);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> source, NewBufferWith(source_bytes));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> target, NewBuffer(source_bytes.size()));
  ASSERT_OK(RunAndWait(
      [&](CommandBuffer& commands) { return commands.CopyBuffer({source.get()}, *target, 0); }));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> bytes, ReadBytes(*target));
  EXPECT_TRUE(bytes == source_bytes);
}

// Work after a barrier sees the results of work before it, in both modes (graph mode
// turns barriers into join nodes; stream mode relies on stream order).
TEST_P(TransferTest, BarriersOrderDependentCommands) {
  constexpr size_t kSize = 64 * 1024;
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> a, NewBuffer(kSize));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> b, NewBuffer(kSize));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> c, NewBuffer(kSize));
  const std::vector<uint8_t> update = PatternBytes(4096, 19);
  const uint32_t one = 0x01010101u, two = 0x02020202u;
  const MemoryBarrier transfer_barrier[] = {
      {AccessScope::kTransferWrite, AccessScope::kTransferRead | AccessScope::kTransferWrite}};
  auto barrier = [&](CommandBuffer& commands) {
    return commands.ExecutionBarrier(ExecutionStage::kTransfer, ExecutionStage::kTransfer,
                                     transfer_barrier, {});
  };
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({a.get()}, &one, 4));
    GPUHAL_RETURN_IF_ERROR(barrier(commands));
    GPUHAL_RETURN_IF_ERROR(commands.UpdateBuffer(update.data(), {a.get(), 1000, update.size()}));
    GPUHAL_RETURN_IF_ERROR(barrier(commands));
    GPUHAL_RETURN_IF_ERROR(commands.CopyBuffer({a.get()}, *b, 0));
    GPUHAL_RETURN_IF_ERROR(barrier(commands));
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({a.get()}, &two, 4));
    GPUHAL_RETURN_IF_ERROR(barrier(commands));
    return commands.CopyBuffer({a.get(), 0, kSize / 2}, *c, kSize / 2);
  }));
  std::vector<uint8_t> expected_b(kSize, 0x01);
  std::memcpy(expected_b.data() + 1000, update.data(), update.size());
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> a_bytes, ReadBytes(*a));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> b_bytes, ReadBytes(*b));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> c_bytes, ReadBytes(*c, kSize / 2));
  EXPECT_TRUE(a_bytes == std::vector<uint8_t>(kSize, 0x02));
  EXPECT_TRUE(b_bytes == expected_b);
  EXPECT_TRUE(c_bytes == std::vector<uint8_t>(kSize / 2, 0x02));
}

TEST_P(TransferTest, DebugGroupsAndDiscardDoNotChangeResults) {
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBuffer(1024));
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> scratch, NewBuffer(1024));
  const uint32_t value = 0x600DC0DEu;
  ASSERT_OK(RunAndWait([&](CommandBuffer& commands) {
    GPUHAL_RETURN_IF_ERROR(commands.BeginDebugGroup("outer", 0xFF0000FFu));
    GPUHAL_RETURN_IF_ERROR(commands.DiscardBuffer({scratch.get()}));
    GPUHAL_RETURN_IF_ERROR(commands.BeginDebugGroup("inner", 0x00FF00FFu));
    GPUHAL_RETURN_IF_ERROR(commands.FillBuffer({buffer.get()}, &value, 4));
    GPUHAL_RETURN_IF_ERROR(commands.EndDebugGroup());
    return commands.EndDebugGroup();
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*buffer));
  EXPECT_EQ(words, std::vector<uint32_t>(256, value));
}

TEST_P(TransferTest, HostWriteAndReadAtUnalignedOffsets) {
  std::vector<uint8_t> model = PatternBytes(777, 20);
  ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, NewBufferWith(model));
  const std::vector<uint8_t> patch = PatternBytes(31, 21);
  ASSERT_OK(device().WriteBuffer(std::as_bytes(std::span(patch)), *buffer, 333));
  std::memcpy(model.data() + 333, patch.data(), patch.size());
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> middle, ReadBytes(*buffer, 330, 40));
  EXPECT_EQ(middle, std::vector<uint8_t>(model.begin() + 330, model.begin() + 370));
  ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> all, ReadBytes(*buffer));
  EXPECT_EQ(all, model);
}

}  // namespace
}  // namespace gpuhal::conformance
