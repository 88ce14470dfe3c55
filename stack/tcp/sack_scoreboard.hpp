// The sender's record of every segment in flight: its sequence range, whether the peer SACKed it
// (RFC 2018), whether it is deemed lost (RACK, a partial ACK, an RTO) and whether it
// was retransmitted, with its send time (RACK, RFC 8985) and a delivery-rate snapshot.
// Records are contiguous in sequence space and kept in a ring: a few inline, and past those storage
// from the layer's BufferPool taken only while that many segments are in flight (doubling up to
// the capacity as the flight grows, given back when everything is acknowledged), so an idle or
// lightly used connection holds none; the byte totals (sacked, lost, retransmitted) are kept incrementally so
// "pipe" (RFC 6675 section 4) costs nothing per ACK.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>

#include "lib/seq.hpp"
#include "lib/time.hpp"
#include "stack/tcp/buffer_pool.hpp"

namespace tachyon {

struct TxRecord {
    static constexpr uint8_t kSacked = 1;
    static constexpr uint8_t kLost = 2;
    static constexpr uint8_t kRetrans = 4;      // retransmitted and still counted in flight
    static constexpr uint8_t kEverRetrans = 8;  // Karn: no RTT sample from it

    SeqNum seq;
    uint32_t len = 0;  // sequence space: payload, plus one for a FIN
    // The connection's delivered bytes when it was sent, modulo 2^32: only differences over one
    // rate sample are used. 32 bits keep a record at 32 bytes (two per cache line).
    uint32_t delivered = 0;
    uint8_t flags = 0;
    Instant sent;            // last transmission
    Instant delivered_time;  // ... and when the delivered count last grew

    SeqNum end() const { return seq + len; }
    bool has(uint8_t f) const { return (flags & f) != 0; }
};

// RACK's order of transmissions (RFC 8985 6.2, RACK_sent_after): by time, and among segments
// sent at the same instant by sequence.
inline bool sent_after(Instant t1, SeqNum end1, Instant t2, SeqNum end2) {
    return t1 > t2 || (t1 == t2 && end1 > end2);
}

// What the records one ACK acknowledged or SACKed say: for a delivery-rate sample, the most
// recently sent of them (draft-cheng-iccrg-delivery-rate-estimation 3.3); for RACK (RFC 8985
// 6.2), the most recently sent one that the ACK can be trusted to time, and whether one arrived
// out of order. The caller sets now, rack_min_rtt and prior_fack; the scoreboard fills the rest.
struct RateSource {
    Instant now;
    Duration rack_min_rtt;
    SeqNum prior_fack;  // the scoreboard's fack() before this ACK
    bool valid = false;
    bool retransmitted = false;  // some acknowledged record was retransmitted (Karn)
    uint32_t prior_delivered = 0;  // modulo 2^32, as TxRecord::delivered
    Instant prior_time;
    Instant sent;
    Instant first_sent;  // of the first record noted: the oldest one the cumulative ACK covers
    // RACK: a retransmitted record acknowledged sooner than rack_min_rtt after its retransmission
    // was most likely delivered by an earlier transmission, and does not count (6.2 step 2).
    bool rack_valid = false;
    Instant rack_sent;
    SeqNum rack_end;
    // A record never retransmitted was delivered below what earlier ACKs had already reported
    // delivered (RACK.fack): the network reordered it (6.2 step 3).
    bool reordered = false;
    bool dsack = false;  // set by the caller: the ACK carried a D-SACK (RFC 2883)
    Duration rtt;        // set by the caller: the ACK's RTT sample (zero: none)
};

class SackScoreboard {
public:
    static constexpr size_t kInline = 3;  // records held without pool storage

    SackScoreboard() = default;
    SackScoreboard(const SackScoreboard&) = delete;
    SackScoreboard& operator=(const SackScoreboard&) = delete;
    ~SackScoreboard() { drop_storage(); }

    // Where storage comes from (nullptr: the allocator). Only while no record is held.
    void set_pool(BufferPool* pool) { pool_ = pool; }
    // Forgets every record, gives the storage back; at most capacity records from now on.
    void reset(size_t capacity);

    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    // No room for another record: capacity reached, or no storage could be had for it (then the
    // sender waits, as for a full window). Grows the storage when it can.
    bool full() { return count_ >= capacity_ || (count_ == phys_ && !grow_storage()); }
    size_t capacity() const { return capacity_; }
    // Pool storage held now (0 while the records fit inline).
    size_t storage_bytes() const { return block_; }
    TxRecord& at(size_t i) { return buf_[wrap(head_ + i)]; }
    const TxRecord& at(size_t i) const { return buf_[wrap(head_ + i)]; }
    TxRecord& front() { return at(0); }

    uint32_t sacked_bytes() const { return sacked_; }
    uint32_t lost_bytes() const { return lost_; }
    uint32_t retrans_bytes() const { return retrans_; }
    uint32_t sacked_segments() const { return sacked_segs_; }
    uint32_t lost_segments() const { return lost_segs_; }
    SeqNum high_sacked() const { return high_sacked_; }  // valid when sacked_bytes() > 0
    // RACK.fack: the end of the highest record acknowledged or SACKed (valid once one was sent).
    SeqNum fack() const { return fack_; }

    // A new segment [seq, seq + len) was sent (contiguous with the last record).
    void on_send(SeqNum seq, uint32_t len, Instant now, uint64_t delivered, Instant delivered_time);
    // Cumulative ACK: drops (or trims) records below ack; returns the bytes they held.
    uint32_t acknowledge(SeqNum ack, RateSource& rs);
    // One SACK block; returns the bytes newly marked SACKed (whole records only).
    uint32_t sack(SeqNum left, SeqNum right, RateSource& rs);
    // RACK's loss detection (RFC 8985 6.2 step 5): a record neither SACKed nor waiting for its
    // retransmission, sent before the most recently delivered one (sent, end) and more than
    // `window` (RACK.rtt + RACK.reo_wnd) ago, is lost; a retransmission lost again is due once
    // more. Says how many it marked and how long until the last record it could not judge yet
    // would be lost (zero: none).
    struct RackVerdict {
        uint32_t marked = 0;
        Duration wait;
    };
    RackVerdict mark_lost_rack(Instant now, Instant sent, SeqNum end, Duration window);
    // A fast retransmit, NewReno's partial ACK (RFC 6582 3.2 step 5): this record is lost.
    bool mark_lost_record(size_t index);
    // RTO (RFC 5681 section 3.1, RFC 6675 5.1): everything not SACKed is lost, retransmissions
    // are no longer in flight. SACK information is kept, as Linux does.
    void mark_all_lost();
    // The peer discarded data it had SACKed (RFC 2018 section 8): forget every SACK.
    void clear_sacked();
    // Cuts the record holding seq in two at seq (both halves keep its flags and times), for a
    // retransmission that must be smaller than the segment was (the path's MTU fell). False when
    // seq starts no record's second part or no record more can be held.
    bool split(SeqNum seq);
    // The first record lost and not yet retransmitted, or nullptr.
    TxRecord* next_lost();
    void on_retransmit(TxRecord& r, Instant now, uint64_t delivered, Instant delivered_time);

private:
    size_t wrap(size_t i) const { return i >= phys_ ? i - phys_ : i; }
    bool grow_storage();
    void drop_storage();
    size_t lower_bound(SeqNum seq) const;  // first record with end() > seq
    void set_lost(TxRecord& r);
    void drop_counts(const TxRecord& r);
    void note_delivered(const TxRecord& r, RateSource& rs);

    BufferPool* pool_ = nullptr;
    std::array<TxRecord, kInline> inline_{};
    TxRecord* buf_ = inline_.data();
    size_t phys_ = kInline;  // records the storage holds
    size_t block_ = 0;       // pool storage in bytes (0: the inline records)
    size_t capacity_ = 0;  // records allowed
    size_t head_ = 0;
    size_t count_ = 0;
    uint32_t sacked_ = 0;
    uint32_t lost_ = 0;
    uint32_t retrans_ = 0;
    uint32_t sacked_segs_ = 0;
    uint32_t lost_segs_ = 0;
    SeqNum high_sacked_;
    SeqNum rtx_hint_;  // no record below it is lost and not retransmitted
    SeqNum fack_;
};

}  // namespace tachyon
