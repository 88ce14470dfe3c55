// The Internet checksum (RFC 1071). The fast version sums in the host's byte order and swaps once
// at the end (RFC 1071 section 2(B): the sum is byte-order independent): 64-bit words with
// end-around carry for short data, and on x86-64 32-bit words in 64-bit SIMD lanes (SSE2, or AVX2
// when the CPU has it) for the bulk of long data, so it touches each byte once.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tachyon {

// The one's-complement sum of data as big-endian 16-bit words (an odd last byte padded with zero),
// added to `initial`, not yet folded or complemented. Partial sums of consecutive pieces may be
// added together only where every piece but the last has even length.
uint32_t checksum_partial(std::span<const std::byte> data, uint32_t initial = 0);

// checksum_partial(data, 0) of a short buffer of fixed size N (a multiple of 4: an IPv4 header
// without options, a TCP header, both summed on every packet), inline: the call and the general
// loop cost more than these few additions. The result is the same value in the same
// representation (0 only for all-zero data).
template <size_t N>
inline uint32_t checksum_partial_fixed(const std::byte* p) {
    static_assert(N % 4 == 0 && N <= 64, "whole 32-bit words, few enough not to overflow");
    uint64_t sum = 0;
    for (size_t i = 0; i < N; i += 4) {
        uint32_t w;
        __builtin_memcpy(&w, p + i, sizeof w);
        sum += w;
    }
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    auto s = static_cast<uint16_t>(sum);
    if constexpr (std::endian::native == std::endian::little) s = static_cast<uint16_t>((s >> 8) | (s << 8));
    return s;
}

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

// The implementations behind checksum_partial (which picks the best one the CPU has), selectable so
// that tests check every one of them on any machine, and benchmarks compare them.
enum class ChecksumImpl { kAuto, kScalar, kSse2, kAvx2 };
bool checksum_impl_available(ChecksumImpl impl);
// checksum_partial computed by `impl`; an unavailable impl falls back to the automatic choice.
uint32_t checksum_partial_with(ChecksumImpl impl, std::span<const std::byte> data, uint32_t initial = 0);

}  // namespace tachyon
