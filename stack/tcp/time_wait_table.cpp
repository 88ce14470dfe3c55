#include "stack/tcp/time_wait_table.hpp"

#include <bit>
#include <cassert>

namespace tachyon {

TimeWaitTable::TimeWaitTable(size_t capacity, uint64_t key0, uint64_t key1)
    : capacity_(capacity == 0 ? 1 : capacity),
      records_(std::make_unique<TimeWaitRecord[]>(capacity_)),
      key0_(key0),
      key1_(key1) {
    free_.reserve(capacity_);
    for (size_t i = capacity_; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
    heads_.assign(std::bit_ceil(capacity_), kNoIndex);
    mask_ = heads_.size() - 1;
}

uint32_t& TimeWaitTable::head_of(const TcpTuple& t) { return heads_[tuple_hash(t, key0_, key1_) & mask_]; }

TimeWaitRecord* TimeWaitTable::find(const TcpTuple& t) {
    if (size_ == 0) return nullptr;  // a server that never closes first: no hash at all
    for (uint32_t i = head_of(t); i != kNoIndex; i = records_[i].hash_next) {
        if (records_[i].tuple == t) return &records_[i];
    }
    return nullptr;
}

TimeWaitRecord& TimeWaitTable::insert(const TimeWaitRecord& r) {
    assert(!full() && find(r.tuple) == nullptr);
    const uint32_t index = free_.back();
    free_.pop_back();
    TimeWaitRecord& slot = records_[index];
    slot = r;
    uint32_t& head = head_of(slot.tuple);
    slot.hash_next = head;
    head = index;
    append_age(slot);
    ++size_;
    return slot;
}

void TimeWaitTable::remove(TimeWaitRecord& r) {
    for (uint32_t* link = &head_of(r.tuple); *link != kNoIndex; link = &records_[*link].hash_next) {
        if (*link == index_of(r)) {
            *link = r.hash_next;
            break;
        }
    }
    unlink_age(r);
    --size_;
    free_.push_back(index_of(r));
}

void TimeWaitTable::renew(TimeWaitRecord& r, Instant expires) {
    unlink_age(r);
    r.expires = expires;
    append_age(r);
}

void TimeWaitTable::unlink_age(TimeWaitRecord& r) {
    (r.older != kNoIndex ? records_[r.older].newer : oldest_) = r.newer;
    (r.newer != kNoIndex ? records_[r.newer].older : newest_) = r.older;
    r.older = r.newer = kNoIndex;
}

void TimeWaitTable::append_age(TimeWaitRecord& r) {
    r.older = newest_;
    r.newer = kNoIndex;
    (newest_ != kNoIndex ? records_[newest_].newer : oldest_) = index_of(r);
    newest_ = index_of(r);
}

}  // namespace tachyon
