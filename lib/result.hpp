// Result<T>: a value or an errno-style error. API misuse and setup failures are reported through it;
// the library never throws on the fast path and never terminates the process.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace tachyon {

struct Error {
    int code = 0;        // an errno value (EINVAL, EADDRINUSE, ...)
    std::string detail;  // a human-readable message with a hint; empty on hot paths (no allocation)

    std::string message() const;  // "strerror(code): detail"
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}                  // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}              // NOLINT: implicit by design
    static Result fail(int code, std::string detail = {}) { return Result(Error{code, std::move(detail)}); }

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    const Error& error() const { return std::get<1>(v_); }
    int code() const { return ok() ? 0 : error().code; }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
    static Result fail(int code, std::string detail = {}) { return Result(Error{code, std::move(detail)}); }

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }
    int code() const { return ok_ ? 0 : error_.code; }

private:
    Error error_;
    bool ok_ = true;
};

}  // namespace tachyon
