#include "lib/checksum.hpp"

#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

#if defined(__x86_64__)
// The vector paths add the data as 32-bit words into 64-bit lanes: the low and the high half of
// every 64-bit lane separately (mask and shift, no shuffles), so a lane cannot overflow before 2^31
// such additions and no carries need handling inside the loop. A 32-bit word sum has the same
// one's-complement value as the sum of its 16-bit halves (2^16 = 1 mod 2^16 - 1).
// Inputs are taken in chunks of at most kVectorChunk bytes, far below the overflow bound.
constexpr size_t kVectorChunk = size_t{1} << 30;

// SSE2 is part of x86-64: always available. Consumes whole 32-byte blocks of [p, p + n).
uint64_t sum_sse2(const std::byte*& p, size_t& n) {
    const __m128i low32 = _mm_set1_epi64x(0xffffffff);
    __m128i a0 = _mm_setzero_si128();
    __m128i a1 = _mm_setzero_si128();
    while (n >= 32) {
        const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
        a0 = _mm_add_epi64(a0, _mm_and_si128(v0, low32));
        a1 = _mm_add_epi64(a1, _mm_srli_epi64(v0, 32));
        a0 = _mm_add_epi64(a0, _mm_and_si128(v1, low32));
        a1 = _mm_add_epi64(a1, _mm_srli_epi64(v1, 32));
        p += 32;
        n -= 32;
    }
    const __m128i a = _mm_add_epi64(a0, a1);
    const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(a));
    const uint64_t hi = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(a, a)));
    return add_carry(lo, hi);
}

// AVX2, when the CPU has it (chosen at run time): the same over 64-byte blocks.
__attribute__((target("avx2"))) uint64_t sum_avx2(const std::byte*& p, size_t& n) {
    const __m256i low32 = _mm256_set1_epi64x(0xffffffff);
    __m256i a0 = _mm256_setzero_si256();
    __m256i a1 = _mm256_setzero_si256();
    while (n >= 64) {
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
        a0 = _mm256_add_epi64(a0, _mm256_and_si256(v0, low32));
        a1 = _mm256_add_epi64(a1, _mm256_srli_epi64(v0, 32));
        a0 = _mm256_add_epi64(a0, _mm256_and_si256(v1, low32));
        a1 = _mm256_add_epi64(a1, _mm256_srli_epi64(v1, 32));
        p += 64;
        n -= 64;
    }
    const __m256i a = _mm256_add_epi64(a0, a1);
    const __m128i b = _mm_add_epi64(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(b));
    const uint64_t hi = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(b, b)));
    return add_carry(lo, hi);
}

bool detect_avx2() {
    __builtin_cpu_init();  // may run before the constructors that would otherwise initialise it
    return __builtin_cpu_supports("avx2");
}
const bool kHasAvx2 = detect_avx2();
// Dynamic initialisation; before it runs (a checksum from another file's static constructor) the
// zero value kAuto takes the SSE2 path in sum_vector(), which is always correct.
const ChecksumImpl kBest = kHasAvx2 ? ChecksumImpl::kAvx2 : ChecksumImpl::kSse2;

// Below this the scalar loop wins: the vector set-up and final reduction cost more than they save.
constexpr size_t kVectorMin = 128;

// Out of line (noinline): p and n stay in registers on the short path, which never takes their address.
[[gnu::noinline]] uint64_t sum_vector(const std::byte*& p, size_t& n, ChecksumImpl impl) {
    uint64_t sum = 0;
    if (impl == ChecksumImpl::kScalar) return sum;
    while (n >= kVectorMin) {
        size_t chunk = n < kVectorChunk ? n : kVectorChunk;
        const size_t before = chunk;
        sum = add_carry(sum, impl == ChecksumImpl::kAvx2 ? sum_avx2(p, chunk) : sum_sse2(p, chunk));
        n -= before - chunk;
    }
    return sum;
}
#else
constexpr ChecksumImpl kBest = ChecksumImpl::kScalar;
constexpr size_t kVectorMin = 128;
uint64_t sum_vector(const std::byte*&, size_t&, ChecksumImpl) { return 0; }
#endif

// Sum of data as host-order 16-bit words, folded to 16 bits.
inline uint16_t host_order_sum(const std::byte* data, size_t len, ChecksumImpl impl) {
    // The bulk of a long buffer, leaving under 128 bytes. Headers (20-60 bytes, most calls) skip
    // the out-of-line vector function altogether.
    uint64_t s0 = 0, s1 = 0;
    const std::byte* p = data;
    size_t n = len;
    if (len >= kVectorMin) {
        const std::byte* vp = data;
        size_t vn = len;
        s0 = sum_vector(vp, vn, impl);
        p = vp;
        n = vn;
    }
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
    // The last 0..7 bytes as 4-, 2- and 1-byte loads of constant size (a memcpy of variable size
    // would be a library call). Each load keeps its bytes in host order within 16-bit lanes, which
    // is all the one's-complement sum needs; the odd last byte fills the first byte of a zero-padded
    // host-order word, as RFC 1071 pads it.
    if (n & 4) {
        uint32_t v;
        std::memcpy(&v, p, 4);
        sum = add_carry(sum, v);
        p += 4;
    }
    if (n & 2) {
        uint16_t v;
        std::memcpy(&v, p, 2);
        sum = add_carry(sum, v);
        p += 2;
    }
    if (n & 1) {
        uint16_t v = 0;
        std::memcpy(&v, p, 1);
        sum = add_carry(sum, v);
    }
    // Fold 64 -> 16 bits.
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

inline uint32_t partial(std::span<const std::byte> data, uint32_t initial, ChecksumImpl impl) {
    uint16_t s = host_order_sum(data.data(), data.size(), impl);
    if constexpr (std::endian::native == std::endian::little) s = static_cast<uint16_t>((s >> 8) | (s << 8));
    uint64_t total = static_cast<uint64_t>(initial) + s;
    while (total >> 32) total = (total & 0xffffffff) + (total >> 32);
    return static_cast<uint32_t>(total);
}

}  // namespace

uint32_t checksum_partial(std::span<const std::byte> data, uint32_t initial) {
    return partial(data, initial, kBest);
}

bool checksum_impl_available(ChecksumImpl impl) {
    switch (impl) {
        case ChecksumImpl::kAuto:
        case ChecksumImpl::kScalar:
            return true;
#if defined(__x86_64__)
        case ChecksumImpl::kSse2:
            return true;
        case ChecksumImpl::kAvx2:
            return kHasAvx2;
#else
        case ChecksumImpl::kSse2:
        case ChecksumImpl::kAvx2:
            return false;
#endif
    }
    return false;
}

uint32_t checksum_partial_with(ChecksumImpl impl, std::span<const std::byte> data, uint32_t initial) {
    if (impl == ChecksumImpl::kAuto || !checksum_impl_available(impl)) impl = kBest;
    return partial(data, initial, impl);
}

uint16_t internet_checksum_reference(std::span<const std::byte> data) {
    uint64_t sum = 0;  // 64 bits: a 32-bit sum would overflow beyond 128 KiB of data
    size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += (static_cast<uint32_t>(data[i]) << 8) | static_cast<uint32_t>(data[i + 1]);
    }
    if (i < data.size()) sum += static_cast<uint32_t>(data[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

}  // namespace tachyon
