// Why a header failed to parse. The stack counts drops by these reasons.
#pragma once

#include <cstdint>
#include <utility>

namespace tachyon {

enum class WireError : uint8_t {
    kNone = 0,
    kTruncated,        // buffer shorter than the header or than a length field says
    kBadVersion,       // IPv4 version != 4
    kBadHeaderLength,  // IHL < 5, TCP data offset < 5, or past the buffer
    kBadTotalLength,   // IPv4 total length / UDP length inconsistent with the buffer
    kBadChecksum,
    kBadOption,        // malformed TCP option (length 0/1, overlong, wrong length for its kind)
    kBadFlags,         // impossible TCP flag combination (SYN+RST, SYN+FIN)
    kBadAddress,       // e.g. ARP with wrong hardware/protocol sizes or types
    kUnsupported,      // well-formed but not something we handle (ARP opcode, ICMP type ...)
};

const char* to_string(WireError e);

// The outcome of parsing: a value, or the reason it failed. (std::expected is C++23.)
template <typename T>
class Parsed {
public:
    Parsed(T value) : value_(std::move(value)) {}                  // NOLINT: implicit by design
    Parsed(WireError error) : error_(error) {}                     // NOLINT: implicit by design
    bool ok() const { return error_ == WireError::kNone; }
    explicit operator bool() const { return ok(); }
    WireError error() const { return error_; }
    const T& value() const { return value_; }
    T& value() { return value_; }
    const T* operator->() const { return &value_; }
    const T& operator*() const { return value_; }

private:
    T value_{};
    WireError error_ = WireError::kNone;
};

}  // namespace tachyon
