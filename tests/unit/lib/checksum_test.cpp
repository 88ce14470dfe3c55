#include "lib/checksum.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <vector>

#include "lib/random.hpp"

namespace tachyon {
namespace {

std::vector<std::byte> random_bytes(size_t n, uint64_t seed) {
    Random rng(seed);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng.next_u32());
    return v;
}

template <size_t N>
std::array<std::byte, N> bytes(const uint8_t (&in)[N]) {
    std::array<std::byte, N> out{};
    for (size_t i = 0; i < N; ++i) out[i] = static_cast<std::byte>(in[i]);
    return out;
}

// Every implementation this CPU can run (SSE2 and AVX2 are x86-64 only; AVX2 needs the CPU flag).
std::vector<ChecksumImpl> impls() {
    std::vector<ChecksumImpl> v;
    for (ChecksumImpl i : {ChecksumImpl::kScalar, ChecksumImpl::kSse2, ChecksumImpl::kAvx2}) {
        if (checksum_impl_available(i)) v.push_back(i);
    }
    return v;
}

TEST(Checksum, FastMatchesReferenceForEveryLengthAndOffset) {
    constexpr size_t kMaxLen = 9000;
    constexpr size_t kOffsets = 8;
    const auto data = random_bytes(kMaxLen + kOffsets, 1);
    const auto all = impls();
    for (size_t off = 0; off < kOffsets; ++off) {
        for (size_t len = 0; len <= kMaxLen; ++len) {
            const std::span<const std::byte> s(data.data() + off, len);
            const uint16_t want = internet_checksum_reference(s);
            ASSERT_EQ(internet_checksum(s), want) << "len " << len << " off " << off;
            for (ChecksumImpl impl : all) {
                ASSERT_EQ(checksum_finish(checksum_partial_with(impl, s)), want)
                    << "impl " << static_cast<int>(impl) << " len " << len << " off " << off;
            }
        }
    }
}

TEST(Checksum, ImplementationsAvailable) {
    EXPECT_TRUE(checksum_impl_available(ChecksumImpl::kScalar));
    EXPECT_TRUE(checksum_impl_available(ChecksumImpl::kAuto));
#if defined(__x86_64__)
    EXPECT_TRUE(checksum_impl_available(ChecksumImpl::kSse2));
#endif
    // An unavailable choice falls back instead of failing.
    const auto data = random_bytes(1000, 4);
    for (ChecksumImpl i : {ChecksumImpl::kAuto, ChecksumImpl::kScalar, ChecksumImpl::kSse2, ChecksumImpl::kAvx2}) {
        EXPECT_EQ(checksum_finish(checksum_partial_with(i, data)), internet_checksum_reference(data));
    }
}

TEST(Checksum, AllOnesDataMatchesReference) {
    // Maximal words stress the end-around carry.
    const auto all = impls();
    for (size_t len = 0; len <= 2000; ++len) {
        const std::vector<std::byte> ff(len + 1, std::byte{0xff});
        const std::span<const std::byte> s(ff.data() + 1, len);
        const uint16_t want = internet_checksum_reference(s);
        ASSERT_EQ(internet_checksum(s), want) << "len " << len;
        for (ChecksumImpl impl : all) ASSERT_EQ(checksum_finish(checksum_partial_with(impl, s)), want) << "len " << len;
    }
}

TEST(Checksum, LargeBufferMatchesReference) {
    // 1 MiB of 0xff: many vector blocks of maximal words in every lane.
    const std::vector<std::byte> ff(1 << 20, std::byte{0xff});
    const uint16_t want = internet_checksum_reference(ff);
    for (ChecksumImpl impl : impls()) EXPECT_EQ(checksum_finish(checksum_partial_with(impl, ff)), want);
    const auto data = random_bytes((1 << 20) + 3, 5);
    for (ChecksumImpl impl : impls()) {
        EXPECT_EQ(checksum_finish(checksum_partial_with(impl, data)), internet_checksum_reference(data));
    }
}

TEST(Checksum, EmptyIsAllOnes) {
    EXPECT_EQ(internet_checksum({}), 0xffff);
    EXPECT_EQ(internet_checksum_reference({}), 0xffff);
    EXPECT_EQ(checksum_partial({}, 0x1234), 0x1234u);
}

TEST(Checksum, PartialOfSplitPiecesEqualsWhole) {
    const auto data = random_bytes(3001, 2);
    const std::span<const std::byte> all(data);
    const uint16_t whole = internet_checksum(all);
    Random rng(3);
    for (int i = 0; i < 2000; ++i) {
        size_t cut = rng.below(all.size() + 1) & ~size_t{1};  // even-length prefix
        const uint32_t first = checksum_partial(all.first(cut));
        EXPECT_EQ(checksum_finish(checksum_partial(all.subspan(cut), first)), whole) << "cut " << cut;
        // Three pieces, both leading ones even.
        size_t cut2 = cut + (rng.below(all.size() - cut + 1) & ~size_t{1});
        if (cut2 > all.size()) cut2 = cut;
        uint32_t sum = checksum_partial(all.first(cut));
        sum = checksum_partial(all.subspan(cut, cut2 - cut), sum);
        sum = checksum_partial(all.subspan(cut2), sum);
        EXPECT_EQ(checksum_finish(sum), whole) << "cuts " << cut << " " << cut2;
    }
}

TEST(Checksum, DataIncludingItsChecksumSumsToZero) {
    for (size_t len : {2u, 20u, 21u, 60u, 1500u, 1501u}) {
        auto data = random_bytes(len, len);
        data[0] = data[1] = std::byte{0};  // the checksum field
        const uint16_t c = internet_checksum(data);
        data[0] = static_cast<std::byte>(c >> 8);
        data[1] = static_cast<std::byte>(c & 0xff);
        EXPECT_EQ(internet_checksum(data), 0) << "len " << len;
        EXPECT_EQ(internet_checksum_reference(data), 0) << "len " << len;
    }
}

TEST(Checksum, Rfc1071Example) {
    // RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2; the checksum is its complement.
    const auto data = bytes({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
    EXPECT_EQ(checksum_finish(checksum_partial(data)), static_cast<uint16_t>(~0xddf2));
    EXPECT_EQ(checksum_partial(data) % 0xffff, 0xddf2u % 0xffff);
    EXPECT_EQ(internet_checksum_reference(data), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
    // A textbook IPv4 header whose checksum field holds b861.
    const auto hdr = bytes({0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
                            0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7});
    EXPECT_EQ(internet_checksum(hdr), 0);
    auto zeroed = hdr;
    zeroed[10] = zeroed[11] = std::byte{0};
    EXPECT_EQ(internet_checksum(zeroed), 0xb861);
}

TEST(Checksum, OddLastBytePaddedWithZero) {
    const auto odd = bytes({0x12, 0x34, 0x56});
    const auto even = bytes({0x12, 0x34, 0x56, 0x00});
    EXPECT_EQ(internet_checksum(odd), internet_checksum(even));
    EXPECT_EQ(internet_checksum(odd), static_cast<uint16_t>(~(0x1234 + 0x5600)));
}

TEST(Checksum, FinishFoldsLargeSums) {
    EXPECT_EQ(checksum_finish(0), 0xffff);
    EXPECT_EQ(checksum_finish(0xffff), 0);
    EXPECT_EQ(checksum_finish(0x1fffe), 0);             // 0xfffe + 1 = 0xffff
    EXPECT_EQ(checksum_finish(0xffffffff), 0);          // 0xffff + 0xffff = 0x1fffe -> 0xffff
    EXPECT_EQ(checksum_finish(0x00010000), 0xfffe);     // folds to 1
}

}  // namespace
}  // namespace tachyon
