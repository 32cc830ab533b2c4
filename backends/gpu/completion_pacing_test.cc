// When completion threads observe sparsely: a rapid run of issues with no host waiter,
// and only for kRapidIssueGap after the last issue. Times are passed in, not slept.
#include "backends/gpu/completion_pacing.h"

#include <gtest/gtest.h>

#include <chrono>

#include "gpuhal/allocator.h"

namespace gpuhal::gpu {
namespace {

using Clock = CompletionPacing::Clock;

class CompletionPacingTest : public ::testing::Test {
 protected:
  CountingAllocator allocator_;
  Ref<CompletionPacing> pacing_ = *CompletionPacing::Create(allocator_);
};

TEST_F(CompletionPacingTest, EagerBeforeAnyIssueAndAfterASingleOne) {
  EXPECT_FALSE(pacing_->ObserveSparsely(Clock::now()));
  const Clock::time_point issued = pacing_->NoteIssue();
  // One issue is not a run: its completion is awaited eagerly.
  EXPECT_FALSE(pacing_->ObserveSparsely(issued));
}

TEST_F(CompletionPacingTest, SparseDuringARapidRunAndEagerOnceItEnds) {
  pacing_->NoteIssue();
  const Clock::time_point last = pacing_->NoteIssue();
  // Two issues microseconds apart (the test runs them back to back).
  EXPECT_TRUE(pacing_->ObserveSparsely(last));
  EXPECT_TRUE(pacing_->ObserveSparsely(last + CompletionPacing::kRapidIssueGap / 2));
  EXPECT_FALSE(pacing_->ObserveSparsely(last + CompletionPacing::kRapidIssueGap));
  EXPECT_FALSE(pacing_->ObserveSparsely(last + std::chrono::seconds(1)));
}

TEST_F(CompletionPacingTest, AHostWaiterMakesObservationEager) {
  pacing_->NoteIssue();
  const Clock::time_point last = pacing_->NoteIssue();
  {
    CompletionPacing::HostWait waiting(*pacing_);
    EXPECT_FALSE(pacing_->ObserveSparsely(last));
    {
      CompletionPacing::HostWait another(*pacing_);
      EXPECT_FALSE(pacing_->ObserveSparsely(last));
    }
    EXPECT_FALSE(pacing_->ObserveSparsely(last));
  }
  EXPECT_TRUE(pacing_->ObserveSparsely(last));
}

}  // namespace
}  // namespace gpuhal::gpu
