// Reading a fuzz input: a cursor that hands out integers and byte runs and reads zeros once the
// input is used up (so every input, however short, is a valid program), and the record splitter
// the stack targets use: each record is a 2-byte big-endian length followed by that many bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tachyon::fuzz {

class FuzzInput {
public:
    explicit FuzzInput(std::span<const uint8_t> data) : d_(data) {}

    bool empty() const { return pos_ >= d_.size(); }
    size_t remaining() const { return d_.size() - pos_; }

    uint8_t u8() { return empty() ? 0 : d_[pos_++]; }
    uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
    uint32_t u32() { return static_cast<uint32_t>(u16()) << 16 | u16(); }
    bool flag() { return (u8() & 1) != 0; }
    // Up to n bytes (fewer when the input runs out).
    std::span<const uint8_t> bytes(size_t n) {
        n = std::min(n, remaining());
        auto s = d_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    std::span<const uint8_t> rest() { return bytes(remaining()); }

private:
    std::span<const uint8_t> d_;
    size_t pos_ = 0;
};

// Splits an input into records: [len_hi][len_lo][len bytes]. A length running past the end takes
// what is left, so no input is rejected.
class RecordReader {
public:
    explicit RecordReader(std::span<const uint8_t> data) : in_(data) {}
    bool done() const { return in_.empty(); }
    std::span<const uint8_t> next() {
        const uint16_t len = in_.u16();
        return in_.bytes(len);
    }

private:
    FuzzInput in_;
};

// Picks element i % n of a small table (n > 0).
template <typename T, size_t N>
const T& pick(const T (&table)[N], uint8_t i) {
    return table[i % N];
}

}  // namespace tachyon::fuzz
