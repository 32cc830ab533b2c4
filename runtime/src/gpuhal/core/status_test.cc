#include "gpuhal/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace gpuhal {
namespace {

TEST(StatusTest, DefaultIsOkAndCarriesNoMessage) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, OkCodeDropsMessage) {
  Status status(StatusCode::kOk, "ignored");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
}

TEST(StatusTest, ErrorHelpersSetCodeAndFormatMessage) {
  Status status = InvalidArgumentError("pattern length ", 3, " is not 1, 2 or 4");
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(IsInvalidArgument(status));
  EXPECT_EQ(status.message(), "pattern length 3 is not 1, 2 or 4");
  EXPECT_EQ(status.ToString(), "INVALID_ARGUMENT: pattern length 3 is not 1, 2 or 4");
}

TEST(StatusTest, EveryCanonicalCodeHasItsName) {
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "CANCELLED");
  EXPECT_EQ(StatusCodeName(StatusCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(200)), "UNRECOGNIZED_STATUS_CODE");
}

TEST(StatusTest, CopiesCompareEqual) {
  Status a = NotFoundError("no driver for scheme 'vk'");
  Status b = a;
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == OkStatus());
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status status = UnavailableError("libcuda.so.1 not found").WithContext("creating cuda://0");
  EXPECT_TRUE(IsUnavailable(status));
  EXPECT_EQ(status.message(), "creating cuda://0: libcuda.so.1 not found");
  EXPECT_TRUE(OkStatus().WithContext("anything").ok());
}

Status FailIf(bool fail) {
  if (fail) return AbortedError("failed on request");
  return OkStatus();
}

Status UsesReturnIfError(bool fail, int* reached) {
  GPUHAL_RETURN_IF_ERROR(FailIf(fail));
  ++*reached;
  return OkStatus();
}

TEST(StatusTest, ReturnIfErrorPropagatesOnlyErrors) {
  int reached = 0;
  EXPECT_TRUE(UsesReturnIfError(false, &reached).ok());
  EXPECT_EQ(reached, 1);
  EXPECT_TRUE(IsAborted(UsesReturnIfError(true, &reached)));
  EXPECT_EQ(reached, 1);
}

Result<int> Half(int value) {
  if (value % 2) return InvalidArgumentError("odd value ", value);
  return value / 2;
}

Result<int> Quarter(int value) {
  GPUHAL_ASSIGN_OR_RETURN(int half, Half(value));
  GPUHAL_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = Half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  Result<int> bad = Half(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd value 3");
}

TEST(ResultTest, AssignOrReturnChains) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd value 3");
}

TEST(ResultTest, OkStatusWithoutValueBecomesInternalError) {
  Result<int> result{OkStatus()};
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(IsInternal(result.status()));
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
  ASSERT_TRUE(result.ok());
  std::unique_ptr<int> taken = std::move(result).value();
  EXPECT_EQ(*taken, 5);
  Result<std::unique_ptr<int>> moved = std::move(result);
  EXPECT_TRUE(moved.ok());
}

TEST(ResultTest, CopyAndAssign) {
  Result<std::string> a = std::string("abc");
  Result<std::string> b = a;
  EXPECT_EQ(*b, "abc");
  b = Result<std::string>(DataLossError("truncated"));
  EXPECT_FALSE(b.ok());
  b = a;
  EXPECT_EQ(*b, "abc");
}

}  // namespace
}  // namespace gpuhal
