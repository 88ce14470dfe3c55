#include "stack/tcp/sack_scoreboard.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <type_traits>

namespace tachyon {

// Records are moved with memcpy and live in pool blocks (implicitly created objects).
static_assert(std::is_trivially_copyable_v<TxRecord> && std::is_trivially_destructible_v<TxRecord>);

void SackScoreboard::reset(size_t capacity) {
    drop_storage();
    capacity_ = capacity;
    head_ = 0;
    count_ = 0;
    sacked_ = lost_ = retrans_ = 0;
    sacked_segs_ = lost_segs_ = 0;
}

// Storage for more records: a first block of about 64 records, then doubling; the records held
// move in order to the front of the new block.
bool SackScoreboard::grow_storage() {
    const size_t want = std::max<size_t>(std::min(std::max<size_t>(phys_ * 2, 64), capacity_), count_ + 1);
    const size_t bytes = BufferPool::block_size(want * sizeof(TxRecord));
    auto* next = reinterpret_cast<TxRecord*>(take_block(pool_, bytes));
    if (next == nullptr) return false;
    const size_t first = std::min(count_, phys_ - head_);
    std::memcpy(static_cast<void*>(next), buf_ + head_, first * sizeof(TxRecord));
    std::memcpy(static_cast<void*>(next + first), buf_, (count_ - first) * sizeof(TxRecord));
    if (block_ != 0) give_block(pool_, reinterpret_cast<std::byte*>(buf_), block_);
    buf_ = next;
    block_ = bytes;
    phys_ = bytes / sizeof(TxRecord);
    head_ = 0;
    return true;
}

// Only with no record held (or all being forgotten): back to the inline records.
void SackScoreboard::drop_storage() {
    if (block_ == 0) return;
    give_block(pool_, reinterpret_cast<std::byte*>(buf_), block_);
    buf_ = inline_.data();
    phys_ = kInline;
    block_ = 0;
    head_ = 0;
}

void SackScoreboard::on_send(SeqNum seq, uint32_t len, Instant now, uint64_t delivered,
                             Instant delivered_time) {
    assert(count_ < phys_ && "full() must be asked before a segment is sent");
    if (count_ == 0) {
        rtx_hint_ = seq;
        lost_mark_ = seq;
    }
    TxRecord& r = buf_[wrap(head_ + count_)];
    r = TxRecord{seq, len, 0, now, delivered, delivered_time};
    ++count_;
}

size_t SackScoreboard::lower_bound(SeqNum seq) const {
    size_t lo = 0;
    size_t hi = count_;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (at(mid).end() > seq) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

void SackScoreboard::note_rate(const TxRecord& r, RateSource& rs) {
    if (r.has(TxRecord::kEverRetrans)) rs.retransmitted = true;
    if (!rs.valid || r.sent > rs.sent) {
        rs.valid = true;
        rs.prior_delivered = r.delivered;
        rs.prior_time = r.delivered_time;
        rs.sent = r.sent;
    }
}

void SackScoreboard::drop_counts(const TxRecord& r) {
    if (r.has(TxRecord::kSacked)) {
        sacked_ -= r.len;
        --sacked_segs_;
    }
    if (r.has(TxRecord::kLost)) {
        lost_ -= r.len;
        --lost_segs_;
    }
    if (r.has(TxRecord::kRetrans)) retrans_ -= r.len;
}

uint32_t SackScoreboard::acknowledge(SeqNum ack, RateSource& rs) {
    uint32_t bytes = 0;
    while (count_ > 0) {
        TxRecord& r = buf_[head_];
        if (r.seq >= ack) break;
        if (!r.has(TxRecord::kSacked)) note_rate(r, rs);
        if (r.end() <= ack) {
            if (!r.has(TxRecord::kSacked)) bytes += r.len;
            drop_counts(r);
            head_ = wrap(head_ + 1);
            --count_;
            continue;
        }
        // Part of the record acknowledged (the peer's window cut it): trim it, keep its counts
        // consistent by removing and re-adding them.
        const uint32_t cut = static_cast<uint32_t>(ack - r.seq);
        drop_counts(r);
        if (!r.has(TxRecord::kSacked)) bytes += cut;
        r.seq = ack;
        r.len -= cut;
        if (r.has(TxRecord::kSacked)) { sacked_ += r.len; ++sacked_segs_; }
        if (r.has(TxRecord::kLost)) { lost_ += r.len; ++lost_segs_; }
        if (r.has(TxRecord::kRetrans)) retrans_ += r.len;
        break;
    }
    if (rtx_hint_ < ack) rtx_hint_ = ack;
    if (lost_mark_ < ack) lost_mark_ = ack;
    if (count_ == 0) {
        drop_storage();  // nothing in flight: the storage goes back to the pool
        head_ = 0;
    }
    return bytes;
}

uint32_t SackScoreboard::sack(SeqNum left, SeqNum right, RateSource& rs) {
    uint32_t bytes = 0;
    for (size_t i = lower_bound(left); i < count_; ++i) {
        TxRecord& r = at(i);
        if (r.end() > right) break;
        if (r.seq < left || r.has(TxRecord::kSacked)) continue;
        note_rate(r, rs);
        if (r.has(TxRecord::kLost)) {
            lost_ -= r.len;
            --lost_segs_;
        }
        if (r.has(TxRecord::kRetrans)) retrans_ -= r.len;
        r.flags = static_cast<uint8_t>((r.flags & TxRecord::kEverRetrans) | TxRecord::kSacked);
        sacked_ += r.len;
        ++sacked_segs_;
        bytes += r.len;
        if (sacked_segs_ == 1 || r.end() > high_sacked_) high_sacked_ = r.end();
    }
    return bytes;
}

void SackScoreboard::set_lost(TxRecord& r) {
    r.flags |= TxRecord::kLost;
    lost_ += r.len;
    ++lost_segs_;
    if (r.seq < rtx_hint_) rtx_hint_ = r.seq;
}

bool SackScoreboard::mark_lost_rfc6675(uint32_t dupthresh, uint32_t mss) {
    if (sacked_segs_ == 0) return false;
    // From the highest SACKed record down: find the point below which enough is SACKed.
    size_t i = std::min(lower_bound(high_sacked_ - 1) + 1, count_);
    uint32_t bytes = 0;
    uint32_t segs = 0;
    const uint32_t byte_limit = (dupthresh - 1) * mss;
    while (i > 0) {
        --i;
        const TxRecord& r = at(i);
        if (r.seq < lost_mark_) return false;
        if (r.has(TxRecord::kSacked)) {
            bytes += r.len;
            ++segs;
            if (segs >= dupthresh || bytes > byte_limit) break;
        }
    }
    if (!(segs >= dupthresh || bytes > byte_limit)) return false;
    const SeqNum threshold = at(i).seq;
    bool marked = false;
    while (i > 0) {
        --i;
        TxRecord& r = at(i);
        if (r.seq < lost_mark_) break;
        if (!r.has(TxRecord::kSacked) && !r.has(TxRecord::kLost)) {
            set_lost(r);
            marked = true;
        }
    }
    lost_mark_ = threshold;
    return marked;
}

bool SackScoreboard::split(SeqNum seq) {
    const size_t index = lower_bound(seq);
    if (index >= count_ || !(at(index).seq < seq) || full()) return false;
    for (size_t i = count_; i > index + 1; --i) at(i) = at(i - 1);  // the later records move up one
    TxRecord& head = at(index);
    TxRecord& tail = at(index + 1);
    tail = head;
    tail.seq = seq;
    tail.len = static_cast<uint32_t>(head.end() - seq);
    head.len = static_cast<uint32_t>(seq - head.seq);
    ++count_;
    // The byte totals stay; a flag's segment count gains the second half.
    if (head.has(TxRecord::kSacked)) ++sacked_segs_;
    if (head.has(TxRecord::kLost)) ++lost_segs_;
    return true;
}

bool SackScoreboard::mark_lost_record(size_t index) {
    if (index >= count_) return false;
    TxRecord& r = at(index);
    if (r.has(TxRecord::kSacked) || (r.has(TxRecord::kLost) && !r.has(TxRecord::kRetrans))) return false;
    if (r.has(TxRecord::kRetrans)) {
        // A retransmission lost again: it leaves the flight and is due once more.
        retrans_ -= r.len;
        r.flags &= static_cast<uint8_t>(~TxRecord::kRetrans);
        if (r.seq < rtx_hint_) rtx_hint_ = r.seq;
        return true;
    }
    set_lost(r);
    return true;
}

void SackScoreboard::mark_all_lost() {
    for (size_t i = 0; i < count_; ++i) {
        TxRecord& r = at(i);
        if (r.has(TxRecord::kRetrans)) {
            retrans_ -= r.len;
            r.flags &= static_cast<uint8_t>(~TxRecord::kRetrans);
        }
        if (!r.has(TxRecord::kSacked) && !r.has(TxRecord::kLost)) set_lost(r);
    }
    if (count_ > 0) {
        rtx_hint_ = front().seq;
        lost_mark_ = at(count_ - 1).end();
    }
}

void SackScoreboard::clear_sacked() {
    for (size_t i = 0; i < count_; ++i) at(i).flags &= static_cast<uint8_t>(~TxRecord::kSacked);
    sacked_ = 0;
    sacked_segs_ = 0;
    if (count_ > 0) lost_mark_ = front().seq;
}

TxRecord* SackScoreboard::next_lost() {
    if (lost_segs_ == 0) return nullptr;  // the common case: nothing lost
    for (size_t i = lower_bound(rtx_hint_); i < count_; ++i) {
        TxRecord& r = at(i);
        if (r.has(TxRecord::kLost) && !r.has(TxRecord::kRetrans)) {
            rtx_hint_ = r.seq;
            return &r;
        }
    }
    if (count_ > 0) rtx_hint_ = at(count_ - 1).end();
    return nullptr;
}

void SackScoreboard::on_retransmit(TxRecord& r, Instant now, uint64_t delivered, Instant delivered_time) {
    r.flags |= TxRecord::kRetrans | TxRecord::kEverRetrans;
    retrans_ += r.len;
    r.sent = now;
    r.delivered = delivered;
    r.delivered_time = delivered_time;
}

}  // namespace tachyon
