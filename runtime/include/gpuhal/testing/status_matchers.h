// GoogleTest support for gpuhal's Status and Result<T>, for gpuhal's own tests and for
// applications' (include it only from tests: it needs GoogleTest and GoogleMock).
//
//   ASSERT_OK(device->WriteBuffer(bytes, *buffer, 0));
//   ASSERT_OK_AND_ASSIGN(Ref<Buffer> buffer, device->AllocateBuffer({}, 4096));
//   EXPECT_THAT(semaphore->Signal(1), StatusIs(StatusCode::kOutOfRange));
//   EXPECT_THAT(device->QueueExecute(...), StatusIs(StatusCode::kInvalidArgument,
//                                                   HasSubstr("another")));
//
// Every macro evaluates its expression once, and a failure prints the whole status (code
// and message). They take a Status, a Result<T>, or any type with a ToStatus(x) function
// found by argument-dependent lookup.
#ifndef GPUHAL_TESTING_STATUS_MATCHERS_H_
#define GPUHAL_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>

#include "gpuhal/status.h"

namespace gpuhal {

// How GoogleTest prints a Result<T>: its status.
template <typename T>
void PrintTo(const Result<T>& result, std::ostream* os) {
  *os << (result.ok() ? std::string("OK (a value)") : result.status().ToString());
}

namespace testing {

inline Status ToStatus(const Status& status) { return status; }
template <typename T>
Status ToStatus(const Result<T>& result) {
  return result.ok() ? OkStatus() : result.status();
}

namespace status_matchers_internal {

template <typename T>
Status AsStatus(const T& value) {
  using gpuhal::testing::ToStatus;
  return ToStatus(value);
}

class IsOkMatcher {
 public:
  template <typename T>
  bool MatchAndExplain(const T& value, ::testing::MatchResultListener* listener) const {
    const Status status = AsStatus(value);
    if (!status.ok()) *listener << "whose status is " << status;
    return status.ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

template <typename MessageMatcher>
class StatusIsMatcher {
 public:
  StatusIsMatcher(StatusCode code, MessageMatcher message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const T& value, ::testing::MatchResultListener* listener) const {
    const Status status = AsStatus(value);
    *listener << "whose status is " << status;
    return status.code() == code_ &&
           ::testing::Matches(message_)(std::string(status.message()));
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has status code " << StatusCodeName(code_) << " and a message that ";
    ::testing::SafeMatcherCast<const std::string&>(message_).DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not have status code " << StatusCodeName(code_) << " with such a message";
  }

 private:
  StatusCode code_;
  MessageMatcher message_;
};

}  // namespace status_matchers_internal

// Matches an OK Status, or a Result<T> that holds a value.
inline ::testing::PolymorphicMatcher<status_matchers_internal::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(status_matchers_internal::IsOkMatcher());
}

// Matches a Status (or a Result<T>'s) with `code`, and a message `message` matches.
template <typename MessageMatcher>
auto StatusIs(StatusCode code, MessageMatcher message) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher<MessageMatcher>(code, std::move(message)));
}
inline auto StatusIs(StatusCode code) { return StatusIs(code, ::testing::_); }

}  // namespace testing
}  // namespace gpuhal

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::gpuhal::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::gpuhal::testing::IsOk())
// Declares `lhs` (e.g. `Ref<Buffer> buffer`) from a Result<T>'s value, asserting it holds
// one.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  GPUHAL_ASSERT_OK_AND_ASSIGN_IMPL_(GPUHAL_CONCAT_(gpuhal_test_result_, __LINE__), lhs, expr)
#define GPUHAL_ASSERT_OK_AND_ASSIGN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                      \
  ASSERT_OK(result);                                         \
  lhs = std::move(result).value()

#endif  // GPUHAL_TESTING_STATUS_MATCHERS_H_
