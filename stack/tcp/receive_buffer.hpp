// The receive side of a connection: in-order bytes waiting for the user, and out-of-order bytes
// stored at their final place in the same ring (RFC 9293 3.10.7.4 seventh step: segments beyond
// RCV.NXT "may be held for later processing"). The out-of-order ranges are kept in a small fixed
// table, so reassembly is bounded in both memory and work; the ranges are what SACK blocks will
// report (issue 4). The ring takes storage only while it holds bytes, and for a short linger after
// (ByteRing, TcpConfig::buffer_linger): an idle connection's receive buffer costs nothing. No
// allocation per segment in a steady state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/seq.hpp"
#include "stack/tcp/byte_ring.hpp"

namespace tachyon {

class ReceiveBuffer {
public:
    static constexpr size_t kMaxRanges = 16;

    struct Range {
        SeqNum left;   // first byte held
        SeqNum right;  // one past the last byte held
    };

    // Where the ring's storage comes from (nullptr: the allocator); only while it holds none.
    void set_pool(BufferPool* pool) { ring_.set_pool(pool); }
    void set_linger(bool on) { ring_.set_linger(on); }  // ByteRing::set_linger
    bool idle_storage() const { return ring_.idle_storage(); }
    void trim() { ring_.trim(); }  // a lingering ring's storage goes back if it is still empty
    void reset(size_t capacity);
    void grow(size_t capacity) { ring_.grow(capacity); }
    size_t storage_bytes() const { return ring_.storage_bytes(); }

    size_t capacity() const { return ring_.capacity(); }
    // In-order bytes the user has not read yet.
    size_t readable() const { return ring_.size(); }
    // Free space past RCV.NXT: the receive window.
    uint32_t window() const { return static_cast<uint32_t>(ring_.free()); }

    struct InsertResult {
        uint32_t advanced = 0;  // how far RCV.NXT moves (this segment plus reassembled ranges)
        bool stored = true;     // false: dropped (out of order with the range table full, or no memory)
        bool no_memory = false; // dropped because the ring could not get storage (BufferPool limit)
    };
    // Stores data that starts at seq. The caller has trimmed it to [rcv_nxt, rcv_nxt + window()).
    InsertResult insert(SeqNum rcv_nxt, SeqNum seq, std::span<const std::byte> data);

    // Copies up to dst.size() in-order bytes out; returns how many.
    size_t read(std::span<std::byte> dst);
    // Zero-copy reading: the first len in-order bytes in place (len <= readable()), valid until
    // the ring changes (the next insert, consume or clear); consume(n) then drops n of them, as
    // read() does after copying.
    RingSpans<const std::byte> peek(size_t len) const { return ring_.view(0, len); }
    void consume(size_t n) { ring_.consume(n); }
    // Drops every unread byte (used when the connection resets).
    void clear() { ring_.reset(ring_.capacity()); range_count_ = 0; }

    size_t range_count() const { return range_count_; }
    std::span<const Range> ranges() const { return {ranges_.data(), range_count_}; }

private:
    bool add_range(SeqNum left, SeqNum right);
    uint32_t absorb_ranges(SeqNum rcv_nxt);

    ByteRing ring_;
    std::array<Range, kMaxRanges> ranges_{};  // sorted by left, disjoint, not adjacent
    size_t range_count_ = 0;
};

}  // namespace tachyon
