// Error policy (see docs/engine.md#errors):
//  - what a user can cause or a system can refuse (not root, not enabled, a
//    bad pattern, a missing file) is a value: Result<T> carrying an Error;
//  - broken invariants and impossible states throw FatalError, caught once
//    in main, which prints it and exits 1.
// Error messages are one line, say what failed and keep errno's text.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace pooltag {

// Exit codes shared by every subcommand.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,
  kExitUsage = 2,
  kExitNotEnabled = 3,
};

struct Error {
  std::string message;
  int exit_code = kExitError;
};

inline Error error_from_errno(const std::string &what, int err = errno) {
  return Error{what + ": " + std::strerror(err)};
}

class FatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}       // NOLINT(implicit)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T &value() & { return checked(); }
  const T &value() const & { return const_cast<Result *>(this)->checked(); }
  T &&value() && { return std::move(checked()); }
  T *operator->() { return &checked(); }
  const T *operator->() const { return &const_cast<Result *>(this)->checked(); }
  T &operator*() { return checked(); }

  const Error &error() const {
    if (ok()) throw FatalError("Result::error() on a value");
    return std::get<Error>(v_);
  }

 private:
  T &checked() {
    if (!ok()) throw FatalError("unchecked error: " + std::get<Error>(v_).message);
    return std::get<T>(v_);
  }
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace pooltag
