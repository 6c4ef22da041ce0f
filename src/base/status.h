// Status and Result<T>: how operating errors travel in Paddock.
//
// Protocol outcomes (ZNONODE, ZBADVERSION, ...) are NOT Statuses: they are proto::Err values
// carried in replies. A Status says that something in the environment failed: a file could not
// be read, a config value is malformed, a socket could not be bound. It carries a message that
// names what failed, with context added while the error propagates up.
//
// Both types are small, [[nodiscard]] and thread-compatible (no shared state).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace paddock {

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  // REQUIRES: !ok().
  const std::string& message() const {
    PADDOCK_ASSERT(message_.has_value());
    return *message_;
  }
  // Prepends "context: " to the message of a failed status; an OK status stays OK.
  Status Wrap(const std::string& context) const {
    if (ok()) return *this;
    return Status(context + ": " + *message_);
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

// Either a value or a failed Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    PADDOCK_ASSERT(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  T& value() {
    PADDOCK_ASSERT(ok());
    return std::get<T>(v_);
  }
  const T& value() const {
    PADDOCK_ASSERT(ok());
    return std::get<T>(v_);
  }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The failure, or OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace paddock
