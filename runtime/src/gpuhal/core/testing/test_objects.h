// Minimal Event, Channel and Executable implementations for unit tests of code that only
// names these objects (records, retains, validates) and never runs them.
#ifndef GPUHAL_CORE_TESTING_TEST_OBJECTS_H_
#define GPUHAL_CORE_TESTING_TEST_OBJECTS_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "gpuhal/channel.h"
#include "gpuhal/event.h"
#include "gpuhal/executable.h"
#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::testing {

class TestEvent final : public Event {};

class TestChannel final : public Channel {
 public:
  TestChannel(int32_t rank, int32_t count) : rank_(rank), count_(count) {}
  int32_t rank() const override { return rank_; }
  int32_t count() const override { return count_; }
  Result<Ref<Channel>> Split(int32_t color, int32_t key) override {
    return UnimplementedError("TestChannel cannot split");
  }

 private:
  int32_t rank_;
  int32_t count_;
};

// Up to kMaxEntryPoints entry points, each with the same layout. Names must outlive it.
class TestExecutable final : public Executable {
 public:
  static constexpr uint32_t kMaxEntryPoints = 8;

  TestExecutable(std::initializer_list<std::string_view> names, PipelineLayout* layout)
      : layout_(layout) {
    for (std::string_view name : names) {
      if (count_ == kMaxEntryPoints) break;
      entry_points_[count_++] = EntryPointInfo{name, {1, 1, 1}, 0, layout};
    }
  }
  uint32_t entry_point_count() const override { return count_; }
  const EntryPointInfo& entry_point(uint32_t ordinal) const override {
    return entry_points_[ordinal];
  }

 private:
  Ref<PipelineLayout> layout_;
  std::array<EntryPointInfo, kMaxEntryPoints> entry_points_{};
  uint32_t count_ = 0;
};

}  // namespace gpuhal::testing

#endif  // GPUHAL_CORE_TESTING_TEST_OBJECTS_H_
