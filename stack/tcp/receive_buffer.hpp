// The receive side of a connection: in-order bytes waiting for the user, and out-of-order bytes
// stored at their final place in the same ring (RFC 9293 3.10.7.4 seventh step: segments beyond
// RCV.NXT "may be held for later processing"). The out-of-order ranges are kept in a small fixed
// table, so reassembly is bounded in both memory and work; the ranges are what SACK blocks will
// report (issue 4). The ring takes storage only while it holds bytes, and for a short linger after
// (ByteRing, TcpConfig::buffer_linger): an idle connection's receive buffer costs nothing. No
// allocation per segment in a steady state.
// In-order data may stay in the packets it came in (adopt()) while the ring holds nothing: the
// reader reads them there, in order, and the first data that cannot be adopted goes into the
// ring, behind them, as does everything after it until the ring is empty again. The packets
// count against the window like the ring's bytes, so the wire sees no difference.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/packet.hpp"
#include "lib/packet_queue.hpp"
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

    ReceiveBuffer() = default;
    ReceiveBuffer(const ReceiveBuffer&) = delete;
    ReceiveBuffer& operator=(const ReceiveBuffer&) = delete;
    ~ReceiveBuffer() { drop_packets(); }

    // Where the ring's storage comes from (nullptr: the allocator); only while it holds none.
    // Only a buffer with a pool adopts packets (the pool bounds how many are held).
    void set_pool(BufferPool* pool) { ring_.set_pool(pool); }
    void set_linger(bool on) { ring_.set_linger(on); }  // ByteRing::set_linger
    bool idle_storage() const { return ring_.idle_storage(); }
    void trim() { ring_.trim(); }  // a lingering ring's storage goes back if it is still empty
    void reset(size_t capacity);
    void grow(size_t capacity) { ring_.grow(capacity); }
    size_t storage_bytes() const { return ring_.storage_bytes(); }

    size_t capacity() const { return ring_.capacity(); }
    // In-order bytes the user has not read yet.
    size_t readable() const { return packet_bytes() + ring_.size(); }
    // Free space past RCV.NXT: the receive window. Ring data lies behind the adopted packets', so
    // the ring can hold at most capacity() - packet_bytes().
    uint32_t window() const { return static_cast<uint32_t>(ring_.free() - packet_bytes()); }
    // Bytes still unread in adopted packets (read before the ring's).
    size_t packet_bytes() const { return held_bytes_; }

    struct InsertResult {
        uint32_t advanced = 0;  // how far RCV.NXT moves (this segment plus reassembled ranges)
        bool stored = true;     // false: dropped (out of order with the range table full, or no memory)
        bool no_memory = false; // dropped because the ring could not get storage (BufferPool limit)
    };
    // Stores data that starts at seq. The caller has trimmed it to [rcv_nxt, rcv_nxt + window()).
    InsertResult insert(SeqNum rcv_nxt, SeqNum seq, std::span<const std::byte> data);
    // Keeps pkt instead of copying data (in pkt's bytes, starting at rcv_nxt, within the window)
    // behind the packets already kept, when the ring holds nothing (no bytes, no out-of-order
    // range) and the pool allows another packet; pkt is then empty and the bytes are readable as
    // if inserted. False: nothing done, insert() them.
    bool adopt(std::span<const std::byte> data, Packet& pkt);

    // Copies up to dst.size() in-order bytes out; returns how many.
    size_t read(std::span<std::byte> dst);
    // Zero-copy reading: in-order bytes in place, at most len (len <= readable()): the first
    // adopted packet's, then the second's or the ring's. Fewer than len when packet ends or the
    // ring's wrap split them beyond two spans. Valid until the buffer changes (the next insert,
    // consume or clear); consume(n) then drops n of them, as read() does after copying.
    RingSpans<const std::byte> peek(size_t len) const;
    void consume(size_t n);
    // Drops every unread byte (used when the connection resets).
    void clear() { reset(ring_.capacity()); }

    size_t range_count() const { return range_count_; }
    std::span<const Range> ranges() const { return {ranges_.data(), range_count_}; }

private:
    bool add_range(SeqNum left, SeqNum right);
    uint32_t absorb_ranges(SeqNum rcv_nxt);
    void drop_held(size_t n);
    void drop_packets() noexcept;

    // The layout keeps a connection slot at 1,536 bytes: the range count and the held byte count
    // sit in the ring's tail padding, the queue (one pointer) in the 8 bytes the count took before.
    [[no_unique_address]] ByteRing ring_;
    uint8_t range_count_ = 0;
    uint32_t held_bytes_ = 0;  // unread bytes in held_
    std::array<Range, kMaxRanges> ranges_{};  // sorted by left, disjoint, not adjacent
    PacketQueue held_;  // adopted packets, each trimmed to its unread payload
};

}  // namespace tachyon
