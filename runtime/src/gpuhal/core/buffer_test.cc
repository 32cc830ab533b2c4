#include "gpuhal/buffer.h"

#include <gtest/gtest.h>

#include <cstring>

#include "gpuhal/core/heap_buffer.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

class BufferTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(allocator_.live_bytes(), 0u); }

  Ref<HeapBuffer> MakeBuffer(size_t length, MemoryType type = MemoryType::kHostLocal,
                             BufferUsage usage = BufferUsage::kDefault | BufferUsage::kMapping) {
    BufferParams params;
    params.type = type;
    params.usage = usage;
    auto buffer = HeapBuffer::Create(allocator_, params, length);
    EXPECT_OK(buffer) << buffer.status();
    return buffer.ok() ? *buffer : Ref<HeapBuffer>();
  }

  CountingAllocator allocator_;
};

TEST_F(BufferTest, HeapBufferReportsWhatWasAsked) {
  BufferParams params;
  params.type = MemoryType::kDeviceLocal;
  params.usage = BufferUsage::kTransfer;
  params.queue_affinity = 0b10;
  params.min_alignment = 256;
  auto buffer = HeapBuffer::Create(allocator_, params, 100);
  ASSERT_OK(buffer) << buffer.status();
  EXPECT_EQ((*buffer)->byte_length(), 100u);
  EXPECT_EQ((*buffer)->byte_offset(), 0u);
  EXPECT_EQ(&(*buffer)->allocated_buffer(), buffer->get());
  EXPECT_EQ((*buffer)->memory_type(), MemoryType::kDeviceLocal);
  EXPECT_EQ((*buffer)->allowed_usage(), BufferUsage::kTransfer);
  EXPECT_EQ((*buffer)->queue_affinity(), 0b10u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*buffer)->contents().data()) % 256, 0u);
  for (std::byte b : (*buffer)->contents()) EXPECT_EQ(b, std::byte{0});
  EXPECT_GT(allocator_.live_bytes(), 100u);
}

TEST_F(BufferTest, HeapBufferRejectsNonPowerOfTwoAlignment) {
  BufferParams params;
  params.min_alignment = 24;
  auto buffer = HeapBuffer::Create(allocator_, params, 16);
  EXPECT_EQ(buffer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(buffer.status().message().find("24"), std::string_view::npos);
}

TEST_F(BufferTest, HeapBufferReportsExhaustion) {
  allocator_.set_byte_limit(64);
  BufferParams params;
  auto buffer = HeapBuffer::Create(allocator_, params, 4096);
  EXPECT_EQ(buffer.status().code(), StatusCode::kResourceExhausted);
  allocator_.set_byte_limit(0);
}

TEST_F(BufferTest, ResolveRangeResolvesWholeBuffer) {
  auto buffer = MakeBuffer(128);
  auto length = buffer->ResolveRange(32, kWholeBuffer, "fill target");
  ASSERT_OK(length);
  EXPECT_EQ(*length, 96u);
  EXPECT_EQ(*buffer->ResolveRange(128, kWholeBuffer, "x"), 0u);
  EXPECT_EQ(*buffer->ResolveRange(0, 128, "x"), 128u);
  EXPECT_EQ(*buffer->ResolveRange(128, 0, "x"), 0u);
}

TEST_F(BufferTest, ResolveRangeNamesTheRangeThatDoesNotFit) {
  auto buffer = MakeBuffer(128);
  auto length = buffer->ResolveRange(96, 64, "fill target");
  EXPECT_EQ(length.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(length.status().message(),
            "fill target range [offset 96, length 64) exceeds buffer length 128");
  auto past_end = buffer->ResolveRange(129, kWholeBuffer, "copy source");
  EXPECT_EQ(past_end.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(past_end.status().message(), "copy source offset 129 exceeds buffer length 128");
}

TEST_F(BufferTest, ResolveRangeDoesNotOverflow) {
  auto buffer = MakeBuffer(128);
  // Each of these has offset + length wrap around in size_t arithmetic.
  EXPECT_EQ(buffer->ResolveRange(64, SIZE_MAX - 1, "x").status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(buffer->ResolveRange(SIZE_MAX - 1, 2, "x").status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(buffer->ResolveRange(1, SIZE_MAX - 1, "x").status().code(),
            StatusCode::kOutOfRange);
}

TEST_F(BufferTest, SubspanOfSubspanComposesOffsetsAndKeepsAllocationAlive) {
  auto buffer = MakeBuffer(256);
  std::memset(buffer->contents().data(), 0, 256);
  buffer->contents()[16 + 8] = std::byte{0x5A};
  auto outer = buffer->Subspan(16, 128);
  ASSERT_OK(outer) << outer.status();
  auto inner = (*outer)->Subspan(8, kWholeBuffer);
  ASSERT_OK(inner) << inner.status();
  EXPECT_EQ((*inner)->byte_offset(), 24u);
  EXPECT_EQ((*inner)->byte_length(), 120u);
  EXPECT_EQ(&(*inner)->allocated_buffer(), static_cast<Buffer*>(buffer.get()));
  EXPECT_EQ((*inner)->memory_type(), buffer->memory_type());
  EXPECT_EQ((*inner)->allowed_usage(), buffer->allowed_usage());

  Ref<Buffer> view = std::move(*inner);
  outer = Result<Ref<Buffer>>(Ref<Buffer>());
  Buffer* allocation = buffer.get();
  buffer.reset();
  EXPECT_EQ(allocation->ref_count_for_testing(), 1);  // held by the view only
  auto mapping = view->Map(MappingAccess::kRead, 0, 1);
  ASSERT_OK(mapping) << mapping.status();
  EXPECT_EQ(mapping->data()[0], std::byte{0x5A});
}

TEST_F(BufferTest, SubspanOutOfRange) {
  auto buffer = MakeBuffer(64);
  auto view = buffer->Subspan(32, 64);
  EXPECT_EQ(view.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(view.status().message().find("subspan"), std::string_view::npos);
  auto outer = buffer->Subspan(16, 16);
  ASSERT_OK(outer);
  // Relative to the view, not the allocation.
  EXPECT_EQ((*outer)->Subspan(8, 9).status().code(), StatusCode::kOutOfRange);
  EXPECT_OK((*outer)->Subspan(8, 8));
}

TEST_F(BufferTest, MapReadsAndWritesThroughSubspans) {
  auto buffer = MakeBuffer(64);
  auto view = buffer->Subspan(32, 32);
  ASSERT_OK(view);
  {
    auto mapping = (*view)->Map(MappingAccess::kWrite, 4, 8);
    ASSERT_OK(mapping) << mapping.status();
    EXPECT_EQ(mapping->data().size(), 8u);
    EXPECT_EQ(buffer->open_mapping_count(), 1);
    auto words = mapping->As<uint32_t>();
    ASSERT_EQ(words.size(), 2u);
    words[0] = 0x11223344;
    words[1] = 0x55667788;
  }
  EXPECT_EQ(buffer->open_mapping_count(), 0);
  uint32_t word = 0;
  std::memcpy(&word, buffer->contents().data() + 36, 4);
  EXPECT_EQ(word, 0x11223344u);
}

TEST_F(BufferTest, MapOfNonHostVisibleIsFailedPrecondition) {
  auto buffer = MakeBuffer(64, MemoryType::kDeviceLocal);
  auto mapping = buffer->Map(MappingAccess::kRead);
  EXPECT_EQ(mapping.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(mapping.status().message().find("host visible"), std::string_view::npos);
}

TEST_F(BufferTest, MapWithoutMappingUsageIsFailedPrecondition) {
  auto buffer = MakeBuffer(64, MemoryType::kHostLocal, BufferUsage::kDefault);
  auto mapping = buffer->Map(MappingAccess::kRead);
  EXPECT_EQ(mapping.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(mapping.status().message().find("kMapping"), std::string_view::npos);
}

TEST_F(BufferTest, MapRangeChecks) {
  auto buffer = MakeBuffer(64);
  EXPECT_EQ(buffer->Map(MappingAccess::kRead, 60, 8).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(buffer->Map(MappingAccess::kRead, 65).status().code(), StatusCode::kOutOfRange);
  auto tail = buffer->Map(MappingAccess::kRead, 60);
  ASSERT_OK(tail);
  EXPECT_EQ(tail->data().size(), 4u);
  auto view = buffer->Subspan(16, 16);
  ASSERT_OK(view);
  auto mapping = (*view)->Map(MappingAccess::kRead, 8, 16);
  EXPECT_EQ(mapping.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(mapping.status().message(),
            "mapping range [offset 8, length 16) exceeds buffer length 16");
}

TEST_F(BufferTest, MappedMemoryMovesAndUnmapsOnce) {
  auto buffer = MakeBuffer(64);
  auto mapping = buffer->Map(MappingAccess::kReadWrite);
  ASSERT_OK(mapping);
  MappedMemory moved = std::move(*mapping);
  EXPECT_EQ(buffer->open_mapping_count(), 1);
  EXPECT_EQ(moved.data().size(), 64u);
  MappedMemory assigned;
  assigned = std::move(moved);
  EXPECT_EQ(buffer->open_mapping_count(), 1);
  assigned.Unmap();
  EXPECT_EQ(buffer->open_mapping_count(), 0);
  EXPECT_TRUE(assigned.data().empty());
  assigned.Unmap();
  EXPECT_EQ(buffer->open_mapping_count(), 0);
}

TEST_F(BufferTest, MappingKeepsBufferAlive) {
  auto buffer = MakeBuffer(64);
  auto mapping = buffer->Map(MappingAccess::kWrite);
  ASSERT_OK(mapping);
  buffer.reset();
  mapping->data()[63] = std::byte{1};
  mapping->Unmap();
}

}  // namespace
}  // namespace gpuhal
