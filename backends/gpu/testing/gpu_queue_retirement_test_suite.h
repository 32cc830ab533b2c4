// Retirement on GpuQueue itself, with interleavings set up on cue (GpuQueueTestPeer, and
// completion threads held inside their event queries by the simulated GPU's fault
// injector): what timing alone reaches once in thousands of runs, every run.
//   - Several submitting threads retire what the completion threads found done
//     (RetireCompletedInline) at once, each over the queues whose retire tokens it took:
//     none may hand over what another pass took.
//   - Actions a pass put back on the in-flight list (Reattach) must wake a completion
//     thread that went to sleep while the list was empty.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_GPU_QUEUE_RETIREMENT_TEST_SUITE_H_
#define GPUHAL_BACKENDS_GPU_TESTING_GPU_QUEUE_RETIREMENT_TEST_SUITE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends/gpu/testing/command_test_harness.h"
#include "backends/gpu/completion_pacing.h"
#include "backends/gpu/event_pool.h"
#include "backends/gpu/gpu_queue.h"
#include "backends/gpu/queue_action.h"
#include "backends/gpu/testing/gpu_queue_test_peer.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

template <typename V>
class GpuQueueRetirementTest : public ::testing::Test {
 protected:
  using Queue = GpuQueue<V>;
  using Action = QueueAction<V>;
  using Peer = GpuQueueTestPeer<V>;
  static constexpr auto kLongWait = std::chrono::seconds(20);

  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(gpu_, FakeGpu<V>::Create());
    ASSERT_OK_AND_ASSIGN(events_,
                         GpuEventPool<V>::Create(gpu_->allocator(), gpu_->binding(), 16));
    ASSERT_OK_AND_ASSIGN(pacing_, CompletionPacing::Create(gpu_->allocator()));
  }
  void TearDown() override {
    Unpark();
    if (gpu_) gpu_->engine().fault_injector().ReleaseHeldCalls();
    queues_.clear();  // each queue completes what is still in flight
    actions_.clear();
    events_.reset();
    pacing_.reset();
  }

  fake::FaultInjector& injector() { return gpu_->engine().fault_injector(); }
  // The vendor's event query, which a sparse observer calls first.
  static std::string EventQueryName() {
    return std::string(FakePlatform<V>::kName) == "FakeCuda" ? "cuEventQuery" : "hipEventQuery";
  }

  Queue& NewQueue() {
    Result<Ref<Queue>> queue =
        Queue::Create(gpu_->allocator(), gpu_->context(), gpu_->binding(), events_, pacing_,
                      static_cast<uint32_t>(queues_.size()), &OnComplete, this);
    EXPECT_OK(queue) << queue.status();
    queues_.push_back(*queue);
    return *queues_.back();
  }

  // Issues an empty action on `queue`; a parked one's completion handler waits for Unpark.
  Action& Issue(Queue& queue, bool park = false) {
    actions_.push_back(std::make_unique<Action>(gpu_->block_pool()));
    Action& action = *actions_.back();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Record& record = records_[&action];
      record.queue = queue.index();
      record.ordinal = issued_[queue.index()]++;
      record.park = park;
    }
    bool announced = false;
    EXPECT_OK(queue.Issue(action, announced));
    return action;
  }

  // What the completion handler saw of `action`.
  int handovers(Action& action) {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_[&action].handovers;
  }
  bool WaitUntilParked() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kLongWait, [&] { return parked_; });
  }
  void Unpark() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  bool WaitForHandovers(int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kLongWait, [&] { return handovers_ >= count; });
  }
  template <typename Done>
  static bool Eventually(Done&& done) {
    const auto deadline = std::chrono::steady_clock::now() + kLongWait;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return done();
  }

  // Each action handed over once, each queue's in issue order and one at a time.
  void ExpectEachHandedOverOnceInOrder() {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_FALSE(overlapped_) << "two completion handlers of one queue ran at once";
    for (const auto& [action, record] : records_) {
      EXPECT_EQ(record.handovers, 1) << "queue " << record.queue << " action " << record.ordinal;
    }
    for (const auto& [queue, ordinals] : handed_over_) {
      for (size_t i = 0; i < ordinals.size(); ++i) {
        EXPECT_EQ(ordinals[i], i) << "queue " << queue << " handed over out of issue order";
      }
    }
  }

  std::unique_ptr<FakeGpu<V>> gpu_;
  Ref<GpuEventPool<V>> events_;
  Ref<CompletionPacing> pacing_;

 private:
  struct Record {
    uint32_t queue = 0;
    uint32_t ordinal = 0;  // issue order on its queue
    bool park = false;
    int handovers = 0;
  };

  static void OnComplete(void* owner, Action& action, const Status& status) {
    static_cast<GpuQueueRetirementTest*>(owner)->Completed(action);
  }
  void Completed(Action& action) {
    std::unique_lock<std::mutex> lock(mutex_);
    Record& record = records_[&action];
    ++record.handovers;
    if (running_[record.queue]) overlapped_ = true;
    running_[record.queue] = true;
    handed_over_[record.queue].push_back(record.ordinal);
    if (record.park) {
      parked_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    }
    running_[record.queue] = false;
    // A second handover (the defect these tests catch) finds the event released.
    if (PooledEvent<V>* event = std::exchange(action.completion_event, nullptr)) event->Release();
    ++handovers_;
    changed_.notify_all();
  }

  std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  std::map<const Action*, Record> records_;
  std::map<uint32_t, uint32_t> issued_;
  std::map<uint32_t, bool> running_;
  std::map<uint32_t, std::vector<uint32_t>> handed_over_;
  bool overlapped_ = false;
  bool parked_ = false;
  bool released_ = false;
  int handovers_ = 0;

 protected:
  // Declared after the actions they hold, so destroyed first.
  std::vector<std::unique_ptr<Action>> actions_;
  std::vector<Ref<Queue>> queues_;
};

TYPED_TEST_SUITE_P(GpuQueueRetirementTest);

// Thread B retires queue 1's published actions and is still handing over the first when
// thread A retires over both queues: A takes queue 0's actions only. (A pass used to find
// B's remaining actions in per-queue fields and hand them over too, while B's first
// handler still ran, and to give back B's retire token.)
TYPED_TEST_P(GpuQueueRetirementTest, ConcurrentInlinePassesHandOverOnlyWhatEachTook) {
  using Queue = typename TestFixture::Queue;
  using Peer = typename TestFixture::Peer;
  this->pacing_->ForceSparseForTesting(true);
  // Completion threads observe sparsely and first query an event: held there, they
  // neither publish nor retire anything themselves.
  this->injector().HoldCalls(this->EventQueryName());
  Queue& q0 = this->NewQueue();
  Queue& q1 = this->NewQueue();
  auto& b1 = this->Issue(q1, /*park=*/true);
  auto& b2 = this->Issue(q1);
  auto& a3 = this->Issue(q0);
  ASSERT_TRUE(this->Eventually([&] { return this->injector().held_call_count() == 2; }));
  Peer::Publish(q1, b2.sequence);
  Peer::Publish(q0, a3.sequence);

  Queue* only_q1[] = {&q1};
  Queue* both[] = {&q0, &q1};
  std::thread b([&] { Queue::RetireCompletedInline(only_q1); });
  ASSERT_TRUE(this->WaitUntilParked());
  EXPECT_EQ(this->handovers(b1), 1);
  Queue::RetireCompletedInline(both);
  EXPECT_EQ(this->handovers(a3), 1);
  EXPECT_EQ(this->handovers(b2), 0) << "thread A handed over what thread B took";
  this->Unpark();
  b.join();
  EXPECT_EQ(this->handovers(b2), 1);
  this->ExpectEachHandedOverOnceInOrder();
  // Every retire token is back.
  for (Queue* queue : both) {
    ASSERT_TRUE(Peer::TryTakeRetireToken(*queue));
    Peer::ReturnRetireToken(*queue);
  }
}

// A pass took every in-flight action off a queue, the queue's completion thread went to
// sleep on the empty list, and the pass put the actions back: they must still be retired.
TYPED_TEST_P(GpuQueueRetirementTest, ReattachedActionsWakeASleepingCompletionThread) {
  using Peer = typename TestFixture::Peer;
  auto& queue = this->NewQueue();
  queue.SetCompletionPausedForTesting(true);
  this->Issue(queue);
  this->Issue(queue);
  ASSERT_TRUE(Peer::TryTakeRetireToken(queue));
  auto* taken = Peer::DetachAll(queue);
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(queue.in_flight_count(), 0u);
  queue.SetCompletionPausedForTesting(false);
  ASSERT_TRUE(this->Eventually([&] { return Peer::CompletionSleeping(queue); }));
  Peer::Reattach(queue, taken);
  Peer::ReturnRetireToken(queue);
  EXPECT_TRUE(this->WaitForHandovers(2)) << "the reattached actions stayed in flight";
  this->ExpectEachHandedOverOnceInOrder();
}

REGISTER_TYPED_TEST_SUITE_P(GpuQueueRetirementTest,
                            ConcurrentInlinePassesHandOverOnlyWhatEachTook,
                            ReattachedActionsWakeASleepingCompletionThread);

GPUHAL_VENDOR_TYPED_SUITE(GpuQueueRetirementTest);

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_GPU_QUEUE_RETIREMENT_TEST_SUITE_H_
