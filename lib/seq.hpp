// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 section 3.4). The ordering is
// only meaningful for numbers less than 2^31 apart, which the window sizes guarantee; there is no
// operator<=> because the relation is not a total order.
#pragma once

#include <cstdint>

namespace tachyon {

class SeqNum {
public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(uint32_t v) : v_(v) {}
    constexpr uint32_t raw() const { return v_; }

    constexpr SeqNum operator+(uint32_t n) const { return SeqNum(v_ + n); }
    constexpr SeqNum operator-(uint32_t n) const { return SeqNum(v_ - n); }
    constexpr SeqNum& operator+=(uint32_t n) { v_ += n; return *this; }
    constexpr SeqNum& operator-=(uint32_t n) { v_ -= n; return *this; }
    // Signed distance this - o: positive when this is after o.
    constexpr int32_t operator-(SeqNum o) const { return static_cast<int32_t>(v_ - o.v_); }

    constexpr bool operator==(const SeqNum&) const = default;
    constexpr bool operator<(SeqNum o) const { return (*this - o) < 0; }
    constexpr bool operator<=(SeqNum o) const { return (*this - o) <= 0; }
    constexpr bool operator>(SeqNum o) const { return (*this - o) > 0; }
    constexpr bool operator>=(SeqNum o) const { return (*this - o) >= 0; }

private:
    uint32_t v_ = 0;
};

constexpr SeqNum seq_max(SeqNum a, SeqNum b) { return a < b ? b : a; }
constexpr SeqNum seq_min(SeqNum a, SeqNum b) { return a < b ? a : b; }

// lo <= s < hi in sequence space (RFC 9293's "lo =< s < hi").
constexpr bool seq_in_window(SeqNum s, SeqNum lo, SeqNum hi) { return lo <= s && s < hi; }

}  // namespace tachyon
