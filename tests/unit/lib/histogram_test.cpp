#include "lib/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "lib/random.hpp"

namespace tachyon {
namespace {

// Nearest-rank percentile of sorted data: the same definition the histogram promises.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, double p) {
    if (p <= 0) return sorted.front();
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

// Log-normal latencies around 20 us with a long tail, plus a few tiny and a few huge values.
std::vector<uint64_t> latencies(size_t n, uint64_t seed) {
    Random rng(seed);
    std::vector<uint64_t> v;
    v.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const double u1 = 1.0 - rng.unit(), u2 = rng.unit();
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
        v.push_back(static_cast<uint64_t>(std::exp(std::log(20'000.0) + 1.2 * z)));
    }
    for (uint64_t x : {0ull, 1ull, 63ull, 127ull, 128ull, 5'000'000'000ull}) v.push_back(x);
    return v;
}

void expect_close(uint64_t got, uint64_t want, double p) {
    const double tol = std::max(1.0, static_cast<double>(want) * 0.01);
    EXPECT_LE(std::fabs(static_cast<double>(got) - static_cast<double>(want)), tol)
        << "p" << p << ": got " << got << " want " << want;
}

TEST(Histogram, PercentilesWithinOnePercentOfExact) {
    auto data = latencies(200'000, 1);
    Histogram h;
    for (uint64_t x : data) h.record(x);
    std::sort(data.begin(), data.end());
    for (double p : {0.0, 0.001, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
        expect_close(h.percentile(p), exact_percentile(data, p), p);
    }
    EXPECT_EQ(h.count(), data.size());
    EXPECT_EQ(h.min(), data.front());
    EXPECT_EQ(h.max(), data.back());
    EXPECT_EQ(h.percentile(0), data.front());
    EXPECT_EQ(h.percentile(100), data.back());
    long double sum = 0;
    for (uint64_t x : data) sum += x;
    EXPECT_NEAR(h.mean(), static_cast<double>(sum / data.size()), 1e-6 * h.mean());
}

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (uint64_t v = 0; v < 128; ++v) h.record(v);
    for (int p = 1; p <= 100; ++p) {
        EXPECT_EQ(h.percentile(p), static_cast<uint64_t>(std::ceil(p / 100.0 * 128)) - 1) << p;
    }
}

TEST(Histogram, MinMaxExactAndEmptyIsZero) {
    Histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
    EXPECT_EQ(h.percentile(50), 0u);
    h.record(123'457);
    h.record(987'654'321);
    EXPECT_EQ(h.min(), 123'457u);
    EXPECT_EQ(h.max(), 987'654'321u);
    EXPECT_EQ(h.percentile(50), 123'457u);  // clamped to the exact extremes
    EXPECT_EQ(h.percentile(99.9), 987'654'321u);
    h.record(UINT64_MAX);
    EXPECT_EQ(h.max(), UINT64_MAX);
    EXPECT_EQ(h.percentile(100), UINT64_MAX);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
    const auto a = latencies(50'000, 2), b = latencies(30'000, 3);
    Histogram ha, hb, all;
    for (uint64_t x : a) ha.record(x), all.record(x);
    for (uint64_t x : b) hb.record(x), all.record(x);
    ha.merge(hb);
    EXPECT_EQ(ha.count(), all.count());
    EXPECT_EQ(ha.min(), all.min());
    EXPECT_EQ(ha.max(), all.max());
    EXPECT_DOUBLE_EQ(ha.mean(), all.mean());
    for (double p : {1.0, 50.0, 99.0, 99.9}) EXPECT_EQ(ha.percentile(p), all.percentile(p));
    Histogram empty;
    ha.merge(empty);
    EXPECT_EQ(ha.min(), all.min());
    empty.merge(hb);
    EXPECT_EQ(empty.min(), hb.min());
    EXPECT_EQ(empty.count(), hb.count());
}

TEST(Histogram, Reset) {
    Histogram h;
    h.record(5);
    h.record(500);
    h.reset();
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    h.record(7);
    EXPECT_EQ(h.min(), 7u);
    EXPECT_EQ(h.percentile(50), 7u);
}

TEST(Histogram, BucketLayoutIsContiguousAndFine) {
    EXPECT_EQ(Histogram::bucket_of(UINT64_MAX), Histogram::kBucketCount - 1);
    uint64_t expect_low = 0;
    for (size_t i = 0; i < Histogram::kBucketCount; ++i) {
        const uint64_t low = Histogram::bucket_low(i), width = Histogram::bucket_width(i);
        ASSERT_EQ(low, expect_low) << i;  // buckets tile the whole range without gaps
        ASSERT_EQ(Histogram::bucket_of(low), i);
        ASSERT_EQ(Histogram::bucket_of(low + (width - 1)), i);
        if (low >= 128) {
            ASSERT_LE(static_cast<double>(width) / static_cast<double>(low), 1.0 / 64);
        }
        expect_low = low + width;  // wraps to 0 after the last bucket
    }
    EXPECT_EQ(expect_low, 0u);
}

}  // namespace
}  // namespace tachyon
