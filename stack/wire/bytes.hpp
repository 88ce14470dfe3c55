// Big-endian (network order) loads and stores at a byte pointer. memcpy keeps them free of alignment
// and aliasing assumptions; the compiler turns each into one load or store plus a byte swap. Callers
// have checked the bounds (a view's check()) before calling.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lib/ethernet_address.hpp"

namespace tachyon::wire {

inline uint16_t load_be16(const std::byte* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
    return v;
}

inline uint32_t load_be32(const std::byte* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
    return v;
}

inline void store_be16(std::byte* p, uint16_t v) {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
    std::memcpy(p, &v, sizeof v);
}

inline void store_be32(std::byte* p, uint32_t v) {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
    std::memcpy(p, &v, sizeof v);
}

inline uint8_t load_u8(const std::byte* p) { return static_cast<uint8_t>(*p); }
inline void store_u8(std::byte* p, uint8_t v) { *p = static_cast<std::byte>(v); }

inline EthernetAddress load_mac(const std::byte* p) {
    EthernetAddress a;
    std::memcpy(a.octets.data(), p, a.octets.size());
    return a;
}
inline void store_mac(std::byte* p, const EthernetAddress& a) { std::memcpy(p, a.octets.data(), a.octets.size()); }

// Folds a one's-complement sum to 16 bits without complementing it: what DPDK's
// rte_ipv4_phdr_cksum() stores in a TCP/UDP checksum field for TX checksum offload.
constexpr uint16_t fold_sum(uint32_t sum) {
    uint64_t s = sum;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(s);
}

}  // namespace tachyon::wire
