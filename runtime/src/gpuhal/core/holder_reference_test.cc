// DropHolderReference returns what fetch_sub would and leaves the count where fetch_sub
// would, on the sole-holder path and the shared one alike.
#include "gpuhal/core/holder_reference.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace gpuhal {
namespace {

TEST(HolderReferenceTest, TheSoleHolderDropsTheLastReference) {
  std::atomic<int32_t> count{1};
  EXPECT_EQ(DropHolderReference(count), 1);
  EXPECT_EQ(count.load(), 0);
}

TEST(HolderReferenceTest, ASharedCountIsDecremented) {
  std::atomic<int32_t> count{3};
  EXPECT_EQ(DropHolderReference(count), 3);
  EXPECT_EQ(DropHolderReference(count), 2);
  EXPECT_EQ(DropHolderReference(count), 1);
  EXPECT_EQ(count.load(), 0);
}

TEST(HolderReferenceTest, AnOverReleaseShowsBelowOne) {
  std::atomic<int32_t> count{0};
  EXPECT_EQ(DropHolderReference(count), 0);
  EXPECT_EQ(count.load(), -1);
}

TEST(HolderReferenceTest, ExactlyOneOfManyConcurrentHoldersSeesTheLast) {
  constexpr int kHolders = 8;
  for (int round = 0; round < 200; ++round) {
    std::atomic<int32_t> count{kHolders};
    std::atomic<int> last_seen{0};
    std::vector<std::thread> holders;
    for (int i = 0; i < kHolders; ++i) {
      holders.emplace_back([&] {
        if (DropHolderReference(count) == 1) last_seen.fetch_add(1);
      });
    }
    for (std::thread& holder : holders) holder.join();
    ASSERT_EQ(last_seen.load(), 1);
    ASSERT_EQ(count.load(), 0);
  }
}

}  // namespace
}  // namespace gpuhal
