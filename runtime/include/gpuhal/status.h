// Status and Result<T>: how every fallible gpuhal call reports what went wrong.
//
// A Status is a canonical code plus a message written for the person reading it: which
// argument, which limit, which symbol, which file. The OK status carries no allocation,
// so returning OkStatus() from a hot path costs a null pointer.
#ifndef GPUHAL_STATUS_H_
#define GPUHAL_STATUS_H_

#include <cstdint>
#include <memory>
#include <new>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace gpuhal {

// Canonical codes, numbered as in absl::StatusCode and google.rpc.Code.
enum class StatusCode : uint8_t {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT" for kInvalidArgument, and so on.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string_view message);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  std::string_view message() const {
    return rep_ ? std::string_view(rep_->message) : std::string_view();
  }
  // "INVALID_ARGUMENT: fill pattern length 3 is not 1, 2 or 4"; "OK" when ok().
  std::string ToString() const;

  // Returns a status with the same code and `context` prefixed to the message, so that
  // a caller can say what it was doing when a callee failed. OK stays OK.
  Status WithContext(std::string_view context) const;

  // Marks a status as deliberately dropped.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  // Immutable once built, so copies share it.
  std::shared_ptr<const Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

inline Status OkStatus() { return Status(); }

// StrCat("buffer of ", n, " bytes") : the message builder used with the error helpers.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream out;
  ((out << args), ...);
  return std::move(out).str();
}

#define GPUHAL_STATUS_HELPER_(Name, Code)                         \
  template <typename... Args>                                     \
  Status Name##Error(const Args&... args) {                       \
    return Status(StatusCode::Code, StrCat(args...));             \
  }                                                               \
  inline bool Is##Name(const Status& s) { return s.code() == StatusCode::Code; }
GPUHAL_STATUS_HELPER_(Cancelled, kCancelled)
GPUHAL_STATUS_HELPER_(Unknown, kUnknown)
GPUHAL_STATUS_HELPER_(InvalidArgument, kInvalidArgument)
GPUHAL_STATUS_HELPER_(DeadlineExceeded, kDeadlineExceeded)
GPUHAL_STATUS_HELPER_(NotFound, kNotFound)
GPUHAL_STATUS_HELPER_(AlreadyExists, kAlreadyExists)
GPUHAL_STATUS_HELPER_(PermissionDenied, kPermissionDenied)
GPUHAL_STATUS_HELPER_(ResourceExhausted, kResourceExhausted)
GPUHAL_STATUS_HELPER_(FailedPrecondition, kFailedPrecondition)
GPUHAL_STATUS_HELPER_(Aborted, kAborted)
GPUHAL_STATUS_HELPER_(OutOfRange, kOutOfRange)
GPUHAL_STATUS_HELPER_(Unimplemented, kUnimplemented)
GPUHAL_STATUS_HELPER_(Internal, kInternal)
GPUHAL_STATUS_HELPER_(Unavailable, kUnavailable)
GPUHAL_STATUS_HELPER_(DataLoss, kDataLoss)
GPUHAL_STATUS_HELPER_(Unauthenticated, kUnauthenticated)
#undef GPUHAL_STATUS_HELPER_

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported; use Result<T*>");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "Result<Status> is meaningless");

 public:
  // Implicit from a value or from an error status, so `return value;` and
  // `return InvalidArgumentError(...);` both work.
  Result(const T& value) : has_value_(true) { new (&storage_) T(value); }
  Result(T&& value) : has_value_(true) { new (&storage_) T(std::move(value)); }
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : has_value_(true) {
    new (&storage_) T(std::forward<U>(value));
  }
  Result(Status status) : status_(std::move(status)) {
    if (status_.ok()) {
      status_ = InternalError("Result<T> constructed from an OK status without a value");
    }
  }

  Result(const Result& other) : status_(other.status_), has_value_(other.has_value_) {
    if (has_value_) new (&storage_) T(*other);
  }
  Result(Result&& other) noexcept(std::is_nothrow_move_constructible_v<T>)
      : status_(std::move(other.status_)), has_value_(other.has_value_) {
    if (has_value_) new (&storage_) T(std::move(*other));
  }
  Result& operator=(Result other) {
    Reset();
    status_ = std::move(other.status_);
    has_value_ = other.has_value_;
    if (has_value_) new (&storage_) T(std::move(*other));
    return *this;
  }
  ~Result() { Reset(); }

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }

  T& value() & { return *ptr(); }
  const T& value() const& { return *ptr(); }
  T&& value() && { return std::move(*ptr()); }
  T& operator*() & { return *ptr(); }
  const T& operator*() const& { return *ptr(); }
  T&& operator*() && { return std::move(*ptr()); }
  T* operator->() { return ptr(); }
  const T* operator->() const { return ptr(); }

 private:
  T* ptr() { return std::launder(reinterpret_cast<T*>(&storage_)); }
  const T* ptr() const { return std::launder(reinterpret_cast<const T*>(&storage_)); }
  void Reset() {
    if (has_value_) ptr()->~T();
    has_value_ = false;
  }

  Status status_;
  bool has_value_ = false;
  alignas(T) unsigned char storage_[sizeof(T)];
};

namespace status_internal {
inline const Status& AsStatus(const Status& status) { return status; }
template <typename T>
const Status& AsStatus(const Result<T>& result) { return result.status(); }
}  // namespace status_internal

#define GPUHAL_CONCAT_INNER_(a, b) a##b
#define GPUHAL_CONCAT_(a, b) GPUHAL_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (a Status or Result) is an error.
#define GPUHAL_RETURN_IF_ERROR(expr)                                              \
  do {                                                                            \
    const auto& gpuhal_status_or_ = (expr);                                       \
    if (!gpuhal_status_or_.ok()) [[unlikely]]                                     \
      return ::gpuhal::status_internal::AsStatus(gpuhal_status_or_);              \
  } while (false)

// GPUHAL_ASSIGN_OR_RETURN(auto buffer, device.AllocateBuffer(...));
#define GPUHAL_ASSIGN_OR_RETURN(lhs, expr) \
  GPUHAL_ASSIGN_OR_RETURN_IMPL_(GPUHAL_CONCAT_(gpuhal_result_, __LINE__), lhs, expr)
#define GPUHAL_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                  \
  if (!result.ok()) [[unlikely]] return result.status(); \
  lhs = std::move(result).value()

}  // namespace gpuhal

#endif  // GPUHAL_STATUS_H_
