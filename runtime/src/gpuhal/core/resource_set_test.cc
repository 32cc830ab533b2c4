#include "gpuhal/core/resource_set.h"

#include <gtest/gtest.h>

#include <vector>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

class Counted : public RefCounted {};

class ResourceSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = BlockPool::Create(allocator_, 256);
    ASSERT_OK(pool);
    pool_ = *pool;
  }
  void TearDown() override {
    pool_.reset();
    EXPECT_EQ(allocator_.live_bytes(), 0u);
  }

  CountingAllocator allocator_;
  Ref<BlockPool> pool_;
};

TEST_F(ResourceSetTest, RetainsUntilReset) {
  ResourceSet set(*pool_);
  Counted* object = NewRefCounted<Counted>(allocator_);
  ASSERT_OK(set.Insert(object));
  EXPECT_EQ(object->ref_count_for_testing(), 2);
  object->Release();  // the caller's reference
  EXPECT_EQ(object->ref_count_for_testing(), 1);
  set.Reset();  // frees the object; TearDown checks nothing leaked
  EXPECT_EQ(set.retained_count(), 0u);
}

TEST_F(ResourceSetTest, RepeatedInsertsAreDeduplicated) {
  ResourceSet set(*pool_);
  Ref<Counted> a = MakeRef<Counted>(allocator_);
  Ref<Counted> b = MakeRef<Counted>(allocator_);
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(set.Insert(a.get()));
    ASSERT_OK(set.Insert(b.get()));
  }
  EXPECT_EQ(set.retained_count(), 2u);
  EXPECT_EQ(a->ref_count_for_testing(), 2);
  EXPECT_EQ(b->ref_count_for_testing(), 2);
}

// Whatever their addresses: among 40 objects some pairs share a cache set (16 sets), and
// alternating such a pair must not retain either twice.
TEST_F(ResourceSetTest, EveryAlternatingPairIsDeduplicated) {
  std::vector<Ref<Counted>> objects;
  for (int i = 0; i < 40; ++i) objects.push_back(MakeRef<Counted>(allocator_));
  for (size_t i = 0; i < objects.size(); ++i) {
    for (size_t j = i + 1; j < objects.size(); ++j) {
      ResourceSet set(*pool_);
      for (int k = 0; k < 10; ++k) {
        ASSERT_OK(set.Insert(objects[i].get()));
        ASSERT_OK(set.Insert(objects[j].get()));
      }
      ASSERT_EQ(set.retained_count(), 2u) << "objects " << i << " and " << j;
    }
  }
}

TEST_F(ResourceSetTest, ClearReleasesEverythingAndKeepsOneBlock) {
  std::vector<Ref<Counted>> objects;
  for (int i = 0; i < 100; ++i) objects.push_back(MakeRef<Counted>(allocator_));
  {
    ResourceSet set(*pool_);
    for (auto& object : objects) ASSERT_OK(set.Insert(object.get()));
    ASSERT_GT(pool_->allocated_block_count(), 1u);
    set.Clear();
    EXPECT_EQ(set.retained_count(), 0u);
    for (auto& object : objects) EXPECT_EQ(object->ref_count_for_testing(), 1);
    EXPECT_EQ(pool_->free_block_count() + 1, pool_->allocated_block_count());
    // Inserting again uses the kept block, and the cache no longer names the released.
    ASSERT_OK(set.Insert(objects[0].get()));
    EXPECT_EQ(objects[0]->ref_count_for_testing(), 2);
    EXPECT_EQ(set.retained_count(), 1u);
  }
  for (auto& object : objects) EXPECT_EQ(object->ref_count_for_testing(), 1);
  EXPECT_EQ(pool_->free_block_count(), pool_->allocated_block_count());
}

// A small set clears only the cache sets its entries used; either way, nothing it
// released may be taken for already retained afterwards.
TEST_F(ResourceSetTest, AfterClearEverySmallSetsObjectIsRetainedAgain) {
  std::vector<Ref<Counted>> objects;
  for (int i = 0; i < 40; ++i) objects.push_back(MakeRef<Counted>(allocator_));
  ResourceSet set(*pool_);
  for (size_t count = 1; count <= 8; ++count) {
    for (size_t first = 0; first + count <= objects.size(); first += count) {
      for (size_t i = first; i < first + count; ++i) {
        ASSERT_OK(set.Insert(objects[i].get()));
        ASSERT_OK(set.Insert(objects[i].get()));  // a repeat, caught by the cache
      }
      ASSERT_EQ(set.retained_count(), count);
      set.Clear();
      for (size_t i = first; i < first + count; ++i) {
        ASSERT_EQ(objects[i]->ref_count_for_testing(), 1) << "object " << i;
      }
      // Each one retained again, as if never seen.
      for (size_t i = first; i < first + count; ++i) {
        ASSERT_OK(set.Insert(objects[i].get()));
        ASSERT_EQ(objects[i]->ref_count_for_testing(), 2) << "object " << i;
      }
      set.Clear();
    }
  }
}

TEST_F(ResourceSetTest, NullIsIgnored) {
  ResourceSet set(*pool_);
  EXPECT_OK(set.Insert(nullptr));
  EXPECT_EQ(set.retained_count(), 0u);
}

TEST_F(ResourceSetTest, ManyObjectsSpanChunksAndAllAreReleased) {
  std::vector<Ref<Counted>> objects;
  for (int i = 0; i < 500; ++i) objects.push_back(MakeRef<Counted>(allocator_));
  {
    ResourceSet set(*pool_);
    for (auto& object : objects) ASSERT_OK(set.Insert(object.get()));
    EXPECT_GE(set.retained_count(), 500u);
    EXPECT_GT(pool_->allocated_block_count(), 1u);  // 256-byte blocks hold 31 entries
    for (auto& object : objects) EXPECT_EQ(object->ref_count_for_testing(), 2);
  }
  for (auto& object : objects) EXPECT_EQ(object->ref_count_for_testing(), 1);
  EXPECT_EQ(pool_->free_block_count(), pool_->allocated_block_count());
}

TEST_F(ResourceSetTest, InsertAllAndReuseAfterReset) {
  ResourceSet set(*pool_);
  Ref<Counted> a = MakeRef<Counted>(allocator_);
  Ref<Counted> b = MakeRef<Counted>(allocator_);
  const RefCounted* both[] = {a.get(), nullptr, b.get()};
  ASSERT_OK(set.InsertAll(both));
  EXPECT_EQ(set.retained_count(), 2u);
  set.Reset();
  EXPECT_EQ(a->ref_count_for_testing(), 1);
  // The cache was cleared too: a re-insert after Reset retains again.
  ASSERT_OK(set.Insert(a.get()));
  EXPECT_EQ(a->ref_count_for_testing(), 2);
}

TEST_F(ResourceSetTest, ExhaustionIsResourceExhausted) {
  ResourceSet set(*pool_);
  Ref<Counted> a = MakeRef<Counted>(allocator_);
  allocator_.set_byte_limit(allocator_.live_bytes() + 16);
  Status status = set.Insert(a.get());
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(a->ref_count_for_testing(), 1);  // not retained on failure
  allocator_.set_byte_limit(0);
}

}  // namespace
}  // namespace gpuhal
