// A log-linear latency histogram in the manner of HdrHistogram: values below 128 are counted
// exactly, and every power-of-two range [2^k, 2^(k+1)) above is split into 64 linear buckets, so a
// bucket is at most 1/64 of its values wide and a percentile reported at the bucket's midpoint is
// within 1/128 (0.8 %) of the true value. It covers the whole uint64_t range in 3776 counters
// (30 KiB), allocated once at construction; record() is a few instructions and never allocates.
// count, min, max and mean are exact. Not thread-safe: keep one per thread and merge().
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tachyon {

class Histogram {
public:
    static constexpr unsigned kSubBucketBits = 6;  // 64 linear buckets per power of two
    static constexpr size_t kBucketCount = (64 - kSubBucketBits + 1) << kSubBucketBits;  // 3776
    static constexpr double kMaxRelativeError = 1.0 / (2 << kSubBucketBits);     // 1/128

    Histogram() : counts_(kBucketCount, 0) {}

    void record(uint64_t value_ns) {
        ++counts_[bucket_of(value_ns)];
        ++count_;
        sum_ += value_ns;
        if (value_ns < min_) min_ = value_ns;
        if (value_ns > max_) max_ = value_ns;
    }

    uint64_t count() const { return count_; }
    uint64_t min() const { return count_ == 0 ? 0 : min_; }  // 0 when empty
    uint64_t max() const { return max_; }
    double mean() const;  // exact (from the exact sum); 0 when empty
    // The value at or below which p percent of the recorded values lie (nearest rank), within
    // kMaxRelativeError; p is clamped to [0, 100]; 0 when empty. percentile(0) is min(), 100 max().
    uint64_t percentile(double p) const;

    void merge(const Histogram& other);
    void reset();

    // Bucket layout, exposed for tests: index = 64 * (h - 6) + (v >> (h - 6)) with h = max(6,
    // floor(log2 v)), which is v itself below 128.
    static size_t bucket_of(uint64_t v) {
        const unsigned h = 63 - static_cast<unsigned>(std::countl_zero(v | (uint64_t{1} << kSubBucketBits)));
        const unsigned shift = h - kSubBucketBits;
        return (size_t{shift} << kSubBucketBits) + static_cast<size_t>(v >> shift);
    }
    static uint64_t bucket_low(size_t index);    // smallest value in the bucket
    static uint64_t bucket_width(size_t index);  // number of values in the bucket

private:
    __extension__ typedef unsigned __int128 u128;

    std::vector<uint64_t> counts_;
    uint64_t count_ = 0;
    u128 sum_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
};

}  // namespace tachyon
