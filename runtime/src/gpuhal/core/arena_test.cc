#include "gpuhal/core/arena.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "gpuhal/core/block_pool.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

class ArenaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = BlockPool::Create(allocator_, 1024);
    ASSERT_OK(pool) << pool.status();
    pool_ = *pool;
  }
  void TearDown() override {
    pool_.reset();
    EXPECT_EQ(allocator_.live_bytes(), 0u);
  }

  CountingAllocator allocator_;
  Ref<BlockPool> pool_;
};

TEST_F(ArenaTest, BlockPoolRejectsTinyBlocks) {
  auto pool = BlockPool::Create(allocator_, BlockPool::kMinBlockSize - 1);
  EXPECT_EQ(pool.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pool.status().message().find("255"), std::string_view::npos);
  EXPECT_OK(BlockPool::Create(allocator_, BlockPool::kMinBlockSize));
}

TEST_F(ArenaTest, BlockPoolReusesReleasedBlocks) {
  PoolBlock* a = pool_->AcquireBlock();
  PoolBlock* b = pool_->AcquireBlock();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->capacity, 1024u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a->data()) % PoolBlock::kAlignment, 0u);
  EXPECT_EQ(pool_->allocated_block_count(), 2u);
  a->next = b;
  pool_->ReleaseBlocks(a);
  EXPECT_EQ(pool_->free_block_count(), 2u);
  const uint64_t allocations = allocator_.allocation_count();
  PoolBlock* c = pool_->AcquireBlock();
  PoolBlock* d = pool_->AcquireBlock();
  EXPECT_EQ(allocator_.allocation_count(), allocations);
  EXPECT_TRUE((c == a && d == b) || (c == b && d == a));
  EXPECT_EQ(c->next, nullptr);
  c->next = d;
  d->next = nullptr;
  pool_->ReleaseBlocks(c);
  pool_->Trim();
  EXPECT_EQ(pool_->free_block_count(), 0u);
  EXPECT_EQ(pool_->allocated_block_count(), 0u);
  EXPECT_EQ(allocator_.live_bytes() > 0, true);  // the pool object itself
}

TEST_F(ArenaTest, BlockPoolIsThreadSafe) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        PoolBlock* block = pool_->AcquireBlock();
        ASSERT_NE(block, nullptr);
        std::memset(block->data(), i, block->capacity);
        pool_->ReleaseBlocks(block);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(pool_->allocated_block_count(), 4u);
  EXPECT_EQ(pool_->free_block_count(), pool_->allocated_block_count());
}

TEST_F(ArenaTest, AllocationsAreAligned) {
  Arena arena(*pool_);
  for (size_t alignment : {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
    void* unaligned = arena.Allocate(3, 1);
    ASSERT_NE(unaligned, nullptr);
    void* p = arena.Allocate(24, alignment);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u) << alignment;
  }
  EXPECT_EQ(arena.Allocate(8, 3), nullptr);  // not a power of two
}

TEST_F(ArenaTest, AllocationsDoNotOverlapAndSpanBlocks) {
  Arena arena(*pool_);
  std::vector<uint8_t*> pieces;
  for (int i = 0; i < 100; ++i) {
    auto* piece = static_cast<uint8_t*>(arena.Allocate(100, 8));
    ASSERT_NE(piece, nullptr);
    std::memset(piece, i, 100);
    pieces.push_back(piece);
  }
  for (int i = 0; i < 100; ++i) {
    for (int j = 0; j < 100; ++j) ASSERT_EQ(pieces[i][j], i);
  }
  EXPECT_EQ(arena.bytes_allocated(), 10000u);
  EXPECT_GE(arena.block_count(), 10u);  // 1024-byte blocks hold 10 pieces each
}

TEST_F(ArenaTest, OversizedAllocationsGetTheirOwnBlock) {
  Arena arena(*pool_);
  void* small = arena.Allocate(16);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(arena.block_count(), 1u);
  auto* big = static_cast<std::byte*>(arena.Allocate(5000, 512));
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % 512, 0u);
  std::memset(big, 0xCD, 5000);
  EXPECT_EQ(arena.block_count(), 2u);
  // The current pooled block keeps bumping after the oversized one.
  auto* next = static_cast<std::byte*>(arena.Allocate(16));
  EXPECT_EQ(arena.block_count(), 2u);
  EXPECT_EQ(next, static_cast<std::byte*>(small) + 16);
  EXPECT_EQ(pool_->allocated_block_count(), 1u);
  arena.Reset();
  EXPECT_EQ(pool_->free_block_count(), 1u);  // the oversized block went to the allocator
}

TEST_F(ArenaTest, ExactlyOneBlockIsNotOversized) {
  Arena arena(*pool_);
  ASSERT_NE(arena.Allocate(1024, 16), nullptr);
  ASSERT_NE(arena.Allocate(1025, 16), nullptr);
  EXPECT_EQ(pool_->allocated_block_count(), 1u);
  EXPECT_EQ(arena.block_count(), 2u);
}

TEST_F(ArenaTest, ResetReturnsBlocksForReuse) {
  {
    Arena arena(*pool_);
    for (int i = 0; i < 20; ++i) ASSERT_NE(arena.Allocate(500), nullptr);
    const size_t blocks = pool_->allocated_block_count();
    arena.Reset();
    EXPECT_EQ(arena.bytes_allocated(), 0u);
    EXPECT_EQ(pool_->free_block_count(), blocks);
    const uint64_t allocations = allocator_.allocation_count();
    for (int i = 0; i < 20; ++i) ASSERT_NE(arena.Allocate(500), nullptr);
    EXPECT_EQ(allocator_.allocation_count(), allocations);
  }
  // Destruction returned everything too.
  EXPECT_EQ(pool_->free_block_count(), pool_->allocated_block_count());
}

TEST_F(ArenaTest, CopyCapturesSpansAndStrings) {
  Arena arena(*pool_);
  std::vector<uint32_t> source = {1, 2, 3};
  bool ok = false;
  std::span<uint32_t> copy = arena.Copy(std::span<const uint32_t>(source), ok);
  ASSERT_TRUE(ok);
  source[0] = 99;
  EXPECT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy[0], 1u);
  std::string label = "phase one";
  std::string_view copied = arena.Copy(std::string_view(label), ok);
  ASSERT_TRUE(ok);
  label[0] = 'X';
  EXPECT_EQ(copied, "phase one");
  EXPECT_TRUE(arena.Copy(std::span<const uint32_t>(), ok).empty());
  EXPECT_TRUE(ok);
}

TEST_F(ArenaTest, ExhaustionReturnsNull) {
  Arena arena(*pool_);
  allocator_.set_byte_limit(allocator_.live_bytes() + 100);
  EXPECT_EQ(arena.Allocate(16), nullptr);
  bool ok = true;
  const uint8_t bytes[4] = {};
  arena.Copy(std::span<const uint8_t>(bytes), ok);
  EXPECT_FALSE(ok);
  allocator_.set_byte_limit(0);
  EXPECT_NE(arena.Allocate(16), nullptr);
}

}  // namespace
}  // namespace gpuhal

namespace gpuhal {
namespace {

TEST_F(ArenaTest, ClearKeepsOnePooledBlockAndReturnsTheRest) {
  {
    Arena arena(*pool_);
    for (int i = 0; i < 3; ++i) ASSERT_NE(arena.Allocate(pool_->block_size() / 2 + 1), nullptr);
    ASSERT_NE(arena.Allocate(pool_->block_size() * 4), nullptr);  // oversized
    ASSERT_EQ(arena.block_count(), 4u);
    const size_t free_before = pool_->free_block_count();
    arena.Clear();
    EXPECT_EQ(arena.block_count(), 1u);
    EXPECT_EQ(arena.bytes_allocated(), 0u);
    EXPECT_EQ(pool_->free_block_count(), free_before + 2);
    // The kept block serves the next allocation without the pool.
    const size_t allocated = pool_->allocated_block_count();
    void* again = arena.Allocate(16);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(pool_->allocated_block_count(), allocated);
    EXPECT_EQ(pool_->free_block_count(), free_before + 2);
  }
  EXPECT_EQ(pool_->free_block_count(), pool_->allocated_block_count());
}

TEST_F(ArenaTest, ClearOfAnEmptyArenaHoldsNothing) {
  Arena arena(*pool_);
  arena.Clear();
  EXPECT_EQ(arena.block_count(), 0u);
  EXPECT_NE(arena.Allocate(8), nullptr);
}

}  // namespace
}  // namespace gpuhal
