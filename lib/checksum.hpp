// The Internet checksum (RFC 1071). The fast version sums 64-bit words with end-around carry in the
// host's byte order and swaps once at the end (RFC 1071 section 2(B): the sum is byte-order
// independent), so it touches each byte once and runs at memory speed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tachyon {

// The one's-complement sum of data as big-endian 16-bit words (an odd last byte padded with zero),
// added to `initial`, not yet folded or complemented. Partial sums of consecutive pieces may be
// added together only where every piece but the last has even length.
uint32_t checksum_partial(std::span<const std::byte> data, uint32_t initial = 0);

// Folds a partial sum to 16 bits and complements it: the value to put in a checksum field.
constexpr uint16_t checksum_finish(uint32_t sum) {
    uint64_t s = sum;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s & 0xffff);
}

// Checksum of a whole buffer. Over data that includes a correct checksum field the result is 0.
inline uint16_t internet_checksum(std::span<const std::byte> data) {
    return checksum_finish(checksum_partial(data));
}

// The plain byte-pair loop of RFC 1071 section 4.1: the reference the fast version is tested against.
uint16_t internet_checksum_reference(std::span<const std::byte> data);

}  // namespace tachyon
