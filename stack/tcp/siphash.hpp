// SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed hash behind RFC 6528 initial sequence
// numbers and the connection table's bucket index, so that neither can be predicted or flooded
// by a peer that does not know the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tachyon {

struct SipKey {
    uint64_t k0 = 0;
    uint64_t k1 = 0;
};

uint64_t siphash24(const SipKey& key, std::span<const std::byte> data);

}  // namespace tachyon
