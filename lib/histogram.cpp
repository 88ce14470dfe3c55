#include "lib/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace tachyon {

uint64_t Histogram::bucket_low(size_t index) {
    if (index < (size_t{2} << kSubBucketBits)) return index;
    const size_t shift = (index >> kSubBucketBits) - 1;
    return static_cast<uint64_t>(index - (shift << kSubBucketBits)) << shift;
}

uint64_t Histogram::bucket_width(size_t index) {
    if (index < (size_t{2} << kSubBucketBits)) return 1;
    return uint64_t{1} << ((index >> kSubBucketBits) - 1);
}

double Histogram::mean() const {
    if (count_ == 0) return 0;
    return static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t Histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    if (!(p > 0)) return min_;  // also NaN
    if (p >= 100) return max_;
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    const double exact_rank = std::ceil(p / 100.0 * static_cast<double>(count_));
    const uint64_t rank = std::clamp<uint64_t>(static_cast<uint64_t>(exact_rank), 1, count_);
    if (rank == 1) return min_;  // the extremes are known exactly
    if (rank == count_) return max_;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            const uint64_t mid = bucket_low(i) + (bucket_width(i) - 1) / 2;
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;  // not reached: the counts add up to count_
}

void Histogram::merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

void Histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    sum_ = 0;
    min_ = UINT64_MAX;
    max_ = 0;
}

}  // namespace tachyon
