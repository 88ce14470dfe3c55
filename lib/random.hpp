// The stack's one source of randomness: xoshiro256** seeded through splitmix64. Deterministic for a
// given seed, so a failing simulation replays by its seed number. Not cryptographic: anything that
// must be unpredictable to an attacker (ISNs, SYN cookies) mixes a secret key drawn from it through a
// keyed hash instead of using its raw output.
#pragma once

#include <cstdint>

namespace tachyon {

class Random {
    __extension__ typedef unsigned __int128 u128;

public:
    explicit Random(uint64_t seed) {
        for (auto& s : s_) {
            seed += 0x9e3779b97f4a7c15ull;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            s = z ^ (z >> 31);
        }
    }

    uint64_t next_u64() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    uint32_t next_u32() { return static_cast<uint32_t>(next_u64() >> 32); }
    // Uniform in [0, n) by Lemire's multiply-shift (bias below 2^-32 for n < 2^32).
    uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<u128>(next_u64()) * n) >> 64); }
    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return unit() < p; }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4]{};
};

}  // namespace tachyon
