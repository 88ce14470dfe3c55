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
        fack_ = seq;
    }
    TxRecord& r = buf_[wrap(head_ + count_)];
    r = TxRecord{seq, len, static_cast<uint32_t>(delivered), 0, now, delivered_time};
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

inline void SackScoreboard::note_delivered(const TxRecord& r, RateSource& rs) {
    const bool retransmitted = r.has(TxRecord::kEverRetrans);
    if (retransmitted) rs.retransmitted = true;
    if (!rs.valid) rs.first_sent = r.sent;
    if (!rs.valid || r.sent > rs.sent) {
        rs.valid = true;
        rs.prior_delivered = r.delivered;
        rs.prior_time = r.delivered_time;
        rs.sent = r.sent;
    }
    if (!retransmitted && r.end() < rs.prior_fack) rs.reordered = true;
    if (r.end() > fack_) fack_ = r.end();
    const bool trusted = !retransmitted || rs.now - r.sent >= rs.rack_min_rtt;
    if (trusted && (!rs.rack_valid || sent_after(r.sent, r.end(), rs.rack_sent, rs.rack_end))) {
        rs.rack_valid = true;
        rs.rack_sent = r.sent;
        rs.rack_end = r.end();
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
        if (!r.has(TxRecord::kSacked)) note_delivered(r, rs);
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
        note_delivered(r, rs);
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

SackScoreboard::RackVerdict SackScoreboard::mark_lost_rack(Instant now, Instant sent, SeqNum end,
                                                           Duration window) {
    RackVerdict v;
    for (size_t i = 0; i < count_; ++i) {
        TxRecord& r = at(i);
        if (sent_after(r.sent, r.end(), sent, end)) {
            // Records never retransmitted were sent in sequence order, and a retransmission
            // comes after its original: every record above this one was sent later still.
            if (!r.has(TxRecord::kEverRetrans)) break;
            continue;
        }
        if (r.has(TxRecord::kSacked) || (r.has(TxRecord::kLost) && !r.has(TxRecord::kRetrans))) continue;
        const Duration remaining = (r.sent + window) - now;
        if (remaining <= Duration::zero()) {
            if (mark_lost_record(i)) ++v.marked;
        } else if (remaining > v.wait) {
            v.wait = remaining;
        }
    }
    return v;
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
        // A retransmission lost again (or a loss probe's, whose record was not lost before): it
        // leaves the flight and is due once more.
        retrans_ -= r.len;
        r.flags &= static_cast<uint8_t>(~TxRecord::kRetrans);
        if (r.seq < rtx_hint_) rtx_hint_ = r.seq;
        if (r.has(TxRecord::kLost)) return true;
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
    if (count_ > 0) rtx_hint_ = front().seq;
}

void SackScoreboard::clear_sacked() {
    for (size_t i = 0; i < count_; ++i) at(i).flags &= static_cast<uint8_t>(~TxRecord::kSacked);
    sacked_ = 0;
    sacked_segs_ = 0;
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
