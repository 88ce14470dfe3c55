#include "lib/checksum.hpp"

#include <bit>
#include <cstring>

namespace tachyon {

namespace {

inline uint64_t add_carry(uint64_t sum, uint64_t x) {
    sum += x;
    return sum + (sum < x);  // end-around carry
}

inline uint64_t load64(const std::byte* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Sum of data as host-order 16-bit words, folded to 16 bits.
uint16_t host_order_sum(const std::byte* p, size_t n) {
    uint64_t s0 = 0, s1 = 0;
    // Two independent accumulators let the CPU run two add-with-carry chains in parallel.
    while (n >= 32) {
        s0 = add_carry(s0, load64(p));
        s1 = add_carry(s1, load64(p + 8));
        s0 = add_carry(s0, load64(p + 16));
        s1 = add_carry(s1, load64(p + 24));
        p += 32;
        n -= 32;
    }
    uint64_t sum = add_carry(s0, s1);
    while (n >= 8) {
        sum = add_carry(sum, load64(p));
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);  // the odd last byte lands where a zero-padded word would put it
    sum = add_carry(sum, tail);
    // Fold 64 -> 16 bits.
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

}  // namespace

uint32_t checksum_partial(std::span<const std::byte> data, uint32_t initial) {
    uint16_t s = host_order_sum(data.data(), data.size());
    if constexpr (std::endian::native == std::endian::little) s = static_cast<uint16_t>((s >> 8) | (s << 8));
    uint64_t total = static_cast<uint64_t>(initial) + s;
    while (total >> 32) total = (total & 0xffffffff) + (total >> 32);
    return static_cast<uint32_t>(total);
}

uint16_t internet_checksum_reference(std::span<const std::byte> data) {
    uint32_t sum = 0;
    size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += (static_cast<uint32_t>(data[i]) << 8) | static_cast<uint32_t>(data[i + 1]);
    }
    if (i < data.size()) sum += static_cast<uint32_t>(data[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

}  // namespace tachyon
