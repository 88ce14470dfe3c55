// Orphaned connections in TIME-WAIT as compact records (Linux's inet_timewait_sock): what the
// 2MSL wait needs of a connection (its tuple, both sequence numbers, the timestamps and the window
// its ACKs carry) in 80 bytes instead of a 1.5 KB connection slot. An orphan's slot goes back to
// the table's free list while it is still in the cache, and a client cycling through thousands
// of ports keeps its TIME-WAIT working set small: the full slots it took over were the cold
// cache lines behind most of a short connection's last-level cache misses (README, cps).
//
// A fixed array with a free list, a keyed hash index (chained: deletion is O(chain)) and a list
// in expiry order, oldest first. Every record waits the same 2MSL, so appending keeps the order;
// one timer in the layer, armed for the front, expires them all (no wheel operation per record).
// When the array is full the oldest record gives its place (Linux bounds TIME-WAIT the same way,
// net.ipv4.tcp_max_tw_buckets): 2MSL protection is kept for the connections that closed most
// recently, whose old duplicates are the likeliest to arrive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/time.hpp"
#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

struct TimeWaitRecord {
    TcpTuple tuple;
    SeqNum snd_nxt;        // past our FIN: the SEQ of every ACK
    SeqNum ack_floor;      // SND.UNA - MAX.SND.WND: the lowest acceptable SEG.ACK (RFC 5961 5.2)
    SeqNum rcv_nxt;        // past the peer's FIN
    SeqNum last_ack_sent;  // RFC 7323 5.3 R3's bound for TS.Recent updates
    uint32_t rcv_wnd = 0;  // RCV.WND of the sequence test
    uint32_t ts_recent = 0;
    uint32_t ts_offset = 0;
    uint16_t window_field = 0;  // the window its ACKs advertise
    bool ts_ok = false;
    Instant ts_recent_age;
    Instant expires;
    uint32_t release_cookie = kNoIndex;  // the connection's (TcpLayer::set_release_cookie)
    uint32_t hash_next = kNoIndex;
    uint32_t older = kNoIndex;
    uint32_t newer = kNoIndex;
};

static_assert(sizeof(TimeWaitRecord) <= 80, "a TIME-WAIT record stays small: the point of having them");

class TimeWaitTable {
public:
    TimeWaitTable(size_t capacity, uint64_t key0, uint64_t key1);

    size_t capacity() const { return capacity_; }
    size_t size() const { return size_; }
    bool full() const { return size_ == capacity_; }
    // The oldest record (the first to expire), or nullptr.
    TimeWaitRecord* oldest() { return oldest_ == kNoIndex ? nullptr : &records_[oldest_]; }
    const TimeWaitRecord* newest() const { return newest_ == kNoIndex ? nullptr : &records_[newest_]; }

    TimeWaitRecord* find(const TcpTuple& t);
    // Stores r (its tuple not present, the table not full) as the newest record.
    TimeWaitRecord& insert(const TimeWaitRecord& r);
    void remove(TimeWaitRecord& r);
    // A restarted 2MSL wait: r becomes the newest, expiring at `expires`.
    void renew(TimeWaitRecord& r, Instant expires);

private:
    uint32_t& head_of(const TcpTuple& t);
    uint32_t index_of(const TimeWaitRecord& r) const { return static_cast<uint32_t>(&r - records_.get()); }
    void unlink_age(TimeWaitRecord& r);
    void append_age(TimeWaitRecord& r);

    size_t capacity_;
    std::unique_ptr<TimeWaitRecord[]> records_;
    std::vector<uint32_t> free_;   // stack of free record indices
    std::vector<uint32_t> heads_;  // chain heads, a power of two >= capacity
    size_t mask_ = 0;
    size_t size_ = 0;
    uint32_t oldest_ = kNoIndex;
    uint32_t newest_ = kNoIndex;
    uint64_t key0_;
    uint64_t key1_;
};

}  // namespace tachyon
