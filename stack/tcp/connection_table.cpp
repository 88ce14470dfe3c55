#include "stack/tcp/connection_table.hpp"

#include <bit>
#include <cassert>

namespace tachyon {

ConnectionTable::ConnectionTable(size_t capacity, uint64_t key0, uint64_t key1)
    : capacity_(capacity == 0 ? 1 : capacity),
      slots_(std::make_unique<TcpConnection[]>(capacity_)),
      key0_(key0),
      key1_(key1) {
    free_.reserve(capacity_);
    for (size_t i = capacity_; i-- > 0;) {
        slots_[i].index = static_cast<uint32_t>(i);
        free_.push_back(static_cast<uint32_t>(i));
    }
    buckets_.assign(std::bit_ceil(capacity_ * 2), kNoIndex);
    mask_ = buckets_.size() - 1;
}

TcpConnection* ConnectionTable::allocate() {
    if (free_.empty()) return nullptr;
    TcpConnection& c = slots_[free_.back()];
    free_.pop_back();
    if (++c.generation == 0) c.generation = 1;  // 0 never names a live connection
    c.in_use = true;
    ++in_use_;
    return &c;
}

void ConnectionTable::release(TcpConnection& c) {
    assert(c.in_use && !c.in_table);
    c.in_use = false;
    c.user_owned = false;
    --in_use_;
    free_.push_back(c.index);
}

TcpConnection* ConnectionTable::get(TcpHandle h) {
    if (h.index >= capacity_) return nullptr;
    TcpConnection& c = slots_[h.index];
    if (!c.in_use || c.generation != h.generation) return nullptr;
    return &c;
}

size_t ConnectionTable::bucket_of(const TcpTuple& t) const {
    return static_cast<size_t>(tuple_hash(t, key0_, key1_)) & mask_;
}

TcpConnection* ConnectionTable::find(const TcpTuple& t) {
    for (size_t i = bucket_of(t);; i = (i + 1) & mask_) {
        const uint32_t s = buckets_[i];
        if (s == kNoIndex) return nullptr;
        if (slots_[s].tuple == t) return &slots_[s];
    }
}

void ConnectionTable::insert(TcpConnection& c) {
    assert(!c.in_table && find(c.tuple) == nullptr);
    size_t i = bucket_of(c.tuple);
    while (buckets_[i] != kNoIndex) i = (i + 1) & mask_;
    buckets_[i] = c.index;
    c.in_table = true;
}

void ConnectionTable::erase(TcpConnection& c) {
    if (!c.in_table) return;
    size_t i = bucket_of(c.tuple);
    while (buckets_[i] != c.index) i = (i + 1) & mask_;
    // Backward-shift deletion: move later entries of the probe run into the hole so that no
    // lookup stops early (no tombstones, so the table never degrades).
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; buckets_[j] != kNoIndex; j = (j + 1) & mask_) {
        const size_t home = bucket_of(slots_[buckets_[j]].tuple);
        // Move j into the hole unless its home lies cyclically in (hole, j].
        const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!home_between) {
            buckets_[hole] = buckets_[j];
            hole = j;
        }
    }
    buckets_[hole] = kNoIndex;
    c.in_table = false;
}

}  // namespace tachyon
