// Resource bounds of the TCP layer (issue 9), each filled exactly to its limit: the next item is
// refused and counted under its reason, and it is taken again once room comes back. Connection
// buffer memory: taken only while a connection holds bytes (and one linger period after), none in
// TIME-WAIT, a configurable limit with recovery, and no allocation in a steady state.
//
// Knobs: TcpConfig::max_connections, max_syn_backlog, max_backlog (and listen()'s backlog),
// TcpConnConfig::receive_buffer (the window: out-of-order bytes), ReceiveBuffer::kMaxRanges,
// TcpConfig::max_buffer_memory, buffer_cache_bytes, buffer_linger.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

class TcpBounds : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.max_connections = 4;
        c.max_syn_backlog = 3;
        c.max_backlog = 2;
        c.syn_cookies = false;  // a full SYN queue drops (with cookies it answers statelessly)
        c.defaults.receive_buffer = 4096;
        c.defaults.send_buffer = 4096;
        return c;
    }

    void syn_from(uint16_t port) { send(seg({.flags = kSyn, .seq = kPeerIss, .src_port = port})); }
    void ack_from(uint16_t port) {
        send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1, .src_port = port}));
    }
    void expect_syn_ack_to(uint16_t port) {
        const Captured c = expect(is_tcp({.flags = kSyn | kAck, .ack = kPeerIss + 1}));
        if (c.valid) {
            EXPECT_EQ(c.tcp.dst_port, port);
        }
    }
    // The ACK the layer owes now or after its delayed-ACK timer.
    Captured expect_ack(uint32_t ack) {
        host_.advance(Duration::from_ms(100));
        return expect(is_tcp({.flags = kAck, .ack = ack}));
    }
    const BufferPool::Stats& buffers() { return tcp().buffer_stats(); }
};

TEST_F(TcpBounds, ConnectionTableFullRefusesActiveAndPassiveOpensAndRecovers) {
    TcpHandle h[4];
    for (uint16_t i = 0; i < 4; ++i) {
        auto r = tcp().open({kLocalIp, 0}, {kPeerIp, static_cast<uint16_t>(2000 + i)});
        ASSERT_TRUE(r.ok());
        h[i] = r.value();
        expect(is_tcp({.flags = kSyn}));
    }
    EXPECT_EQ(tcp().connections_in_use(), 4u);
    // The fifth: refused with ENOBUFS, counted.
    auto fifth = tcp().open({kLocalIp, 0}, {kPeerIp, 2004});
    ASSERT_FALSE(fifth.ok());
    EXPECT_EQ(fifth.code(), ENOBUFS);
    EXPECT_EQ(counters().table_full, 1u);
    // A SYN to a listener with room in its queues: no slot, dropped without reply, counted.
    listen();
    syn_from(1001);
    expect_nothing();
    EXPECT_EQ(counters().table_full, 2u);
    EXPECT_EQ(counters().syn_queue_full, 0u);
    // One slot comes back: the next open succeeds.
    ASSERT_TRUE(tcp().abort(h[0]).ok());  // SYN-SENT: no RST
    EXPECT_EQ(tcp().connections_in_use(), 3u);
    syn_from(1001);
    expect_syn_ack_to(1001);
    EXPECT_EQ(tcp().connections_in_use(), 4u);
    for (int i = 1; i < 4; ++i) ASSERT_TRUE(tcp().abort(h[i]).ok());
    ASSERT_TRUE(tcp().close_listener(listener_).ok());
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(TcpBounds, SynQueueFullDropsTheSynUntilAChildCompletes) {
    listen();
    for (uint16_t p = 1001; p <= 1003; ++p) {
        syn_from(p);
        expect_syn_ack_to(p);
    }
    syn_from(1004);  // the fourth half-open child: past max_syn_backlog 3
    expect_nothing();
    EXPECT_EQ(counters().syn_queue_full, 1u);
    EXPECT_EQ(counters().syn_cookies_sent, 0u);
    EXPECT_EQ(tcp().connections_in_use(), 3u);
    // A child completes and moves to the accept queue: the SYN queue has room again.
    ack_from(1001);
    syn_from(1004);  // the peer's retransmission
    expect_syn_ack_to(1004);
    EXPECT_EQ(counters().syn_queue_full, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 4u);
    ASSERT_TRUE(tcp().close_listener(listener_).ok());
    const Captured rst = expect(is_tcp({.flags = kRst}));  // the established child 1001 only
    EXPECT_EQ(rst.tcp.dst_port, 1001);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(TcpBounds, AcceptQueueIsTheClampedBacklogAndRefusesUntilAccept) {
    listen(1000);  // clamped to max_backlog 2
    for (uint16_t p = 1001; p <= 1002; ++p) {
        syn_from(p);
        expect_syn_ack_to(p);
        ack_from(p);
    }
    EXPECT_TRUE(tcp().accept_ready(listener_));
    syn_from(1003);  // the accept queue is full: dropped, the peer retries
    expect_nothing();
    EXPECT_EQ(counters().accept_queue_full, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 2u);
    auto a = tcp().accept(listener_);
    ASSERT_TRUE(a.ok());
    syn_from(1003);
    expect_syn_ack_to(1003);
    ack_from(1003);
    EXPECT_EQ(counters().accept_queue_full, 1u);
    ASSERT_TRUE(tcp().abort(a.value()).ok());
    expect(is_tcp({.flags = kRst}));
    ASSERT_TRUE(tcp().close_listener(listener_).ok());
    expect(is_tcp({.flags = kRst}));
    expect(is_tcp({.flags = kRst}));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

// Out-of-order bytes are bounded by the receive buffer (the window) and the range table.
TEST_F(TcpBounds, OutOfOrderBytesFillTheWindowExactlyAndNoMore) {
    const TcpHandle h = accept_established();
    const uint32_t nxt = kPeerIss + 1;
    // Bytes [1, 4096) past RCV.NXT: up to the right edge of the 4096-byte window, one hole first.
    for (uint32_t i = 0; i < 3; ++i) {
        send(seg({.seq = nxt + 1 + 1365 * i, .ack = kServerIss + 1, .data = std::string(1365, 'b')}));
        expect(is_tcp({.flags = kAck, .ack = nxt}));
    }
    EXPECT_EQ(tcp().connection(h)->rcv_buf.range_count(), 1u);
    EXPECT_EQ(counters().ooo_segments, 3u);
    EXPECT_EQ(counters().ooo_dropped, 0u);
    EXPECT_EQ(tcp().connection(h)->rcv_buf.storage_bytes(), 4096u);
    // One byte past the edge: not acceptable (RFC 9293 3.10.7.4 first step), an ACK, counted.
    send(seg({.seq = nxt + 4096, .ack = kServerIss + 1, .data = "c"}));
    expect(is_tcp({.flags = kAck, .ack = nxt}));
    EXPECT_EQ(counters().out_of_window, 1u);
    // The hole fills: all 4096 bytes in order, the window closed.
    send(seg({.seq = nxt, .ack = kServerIss + 1, .data = "a"}));
    expect(is_tcp({.flags = kAck, .ack = nxt + 4096, .window = 0}));
    EXPECT_EQ(read_all(h), "a" + std::string(4095, 'b'));
    expect(is_tcp({.flags = kAck, .ack = nxt + 4096, .window = 4096}));  // window update
    EXPECT_EQ(tcp().connection(h)->rcv_buf.storage_bytes(), 4096u);  // lingers ...
    host_.advance(config().buffer_linger);
    EXPECT_EQ(tcp().connection(h)->rcv_buf.storage_bytes(), 0u);  // ... until the sweep
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    // The byte refused before is taken now.
    send(seg({.seq = nxt + 4096, .ack = kServerIss + 1, .data = "c"}));
    expect_ack(nxt + 4097);
    EXPECT_EQ(read_all(h), "c");
    ASSERT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst}));
}

TEST_F(TcpBounds, OutOfOrderRangeTableHoldsKMaxRangesThenDrops) {
    const TcpHandle h = accept_established();
    const uint32_t nxt = kPeerIss + 1;
    for (uint32_t i = 0; i < ReceiveBuffer::kMaxRanges; ++i) {
        send(seg({.seq = nxt + 2 + 2 * i, .ack = kServerIss + 1, .data = "x"}));
        expect(is_tcp({.flags = kAck, .ack = nxt}));
    }
    EXPECT_EQ(tcp().connection(h)->rcv_buf.range_count(), ReceiveBuffer::kMaxRanges);
    EXPECT_EQ(counters().ooo_dropped, 0u);
    send(seg({.seq = nxt + 100, .ack = kServerIss + 1, .data = "y"}));  // a 17th disjoint range
    expect(is_tcp({.flags = kAck, .ack = nxt}));
    EXPECT_EQ(counters().ooo_dropped, 1u);
    // The gap fills: every range is taken in; the dropped byte's place is free again.
    const uint32_t end = nxt + 2 + 2 * ReceiveBuffer::kMaxRanges;
    send(seg({.seq = nxt, .ack = kServerIss + 1, .data = std::string(end - nxt, 'z')}));
    expect(is_tcp({.flags = kAck, .ack = end}));
    EXPECT_EQ(tcp().connection(h)->rcv_buf.range_count(), 0u);
    send(seg({.seq = nxt + 100, .ack = kServerIss + 1, .data = "y"}));
    expect(is_tcp({.flags = kAck, .ack = end}));
    EXPECT_EQ(tcp().connection(h)->rcv_buf.range_count(), 1u);
    EXPECT_EQ(counters().ooo_dropped, 1u);
    ASSERT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst}));
    EXPECT_EQ(buffers().in_use_bytes, 0u);
}

// Buffer memory follows use: nothing while idle, a block while bytes are held (and until the
// next linger sweep after), none in TIME-WAIT. In-order data that finds the ring empty stays in
// its packet (TcpConfig::packets_read_in_place): no block for it, one packet held.
TEST_F(TcpBounds, BufferMemoryIsTakenWhileBytesAreHeldAndNoneInTimeWait) {
    const TcpHandle h = accept_established();
    const uint32_t nxt = kPeerIss + 1;
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    send(seg({.seq = nxt, .ack = kServerIss + 1, .data = "hel"}));
    expect_ack(nxt + 3);
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    EXPECT_EQ(buffers().packets_held, 1u);
    send(seg({.seq = nxt + 5, .ack = kServerIss + 1, .data = "!"}));  // out of order: the ring
    expect_ack(nxt + 3);
    EXPECT_EQ(buffers().in_use_bytes, ByteRing::kMinBlock);
    send(seg({.seq = nxt + 3, .ack = kServerIss + 1, .data = "lo"}));  // into the ring, before "!"
    expect_ack(nxt + 6);
    EXPECT_EQ(buffers().packets_held, 1u);
    EXPECT_EQ(read_all(h), "hello!");
    EXPECT_EQ(buffers().packets_held, 0u);
    EXPECT_EQ(buffers().in_use_bytes, ByteRing::kMinBlock);  // lingers ...
    host_.advance(config().buffer_linger);
    EXPECT_EQ(buffers().in_use_bytes, 0u);  // ... until the sweep
    // Six small segments in flight: past the inline send records, a block for them too.
    ASSERT_TRUE(tcp().set_nodelay(h, true).ok());
    for (int i = 0; i < 6; ++i) {
        send_str(h, "abc");
        expect(is_tcp({.flags = kAck, .seq = kServerIss + 1 + 3 * i, .data = "abc"}));
    }
    const TcpConnection& c = *tcp().connection(h);
    EXPECT_EQ(c.sb.size(), 6u);
    EXPECT_GT(c.sb.storage_bytes(), 0u);
    EXPECT_EQ(buffers().in_use_bytes, ByteRing::kMinBlock + c.sb.storage_bytes());
    send(seg({.seq = nxt + 6, .ack = kServerIss + 19}));
    EXPECT_EQ(buffers().in_use_bytes, ByteRing::kMinBlock);  // the send records' block went back
    host_.advance(config().buffer_linger);
    EXPECT_EQ(buffers().in_use_bytes, 0u);  // and the send ring's after its linger
    // Close: FIN-WAIT-1, -2, TIME-WAIT; no buffer memory held meanwhile.
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kServerIss + 19}));
    send(seg({.flags = kFin | kAck, .seq = nxt + 6, .ack = kServerIss + 20}));
    expect(is_tcp({.flags = kAck, .ack = nxt + 7}));
    EXPECT_EQ(tcp().time_wait_records(), 1u);  // in TIME-WAIT, as a compact record
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    host_.advance(Duration::from_secs(61));
    EXPECT_EQ(tcp().time_wait_records(), 0u);
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    EXPECT_EQ(buffers().failures, 0u);
}

class TcpBufferLimit : public TcpBounds {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpBounds::config();
        c.max_buffer_memory = ByteRing::kMinBlock;  // one ring's first block
        c.packets_read_in_place = 0;  // the rings' memory: every segment goes into one
        return c;
    }
};

TEST_F(TcpBufferLimit, SendAndReceiveWaitForMemoryAndRecoverWhenItReturns) {
    const TcpHandle h = accept_established();
    const uint32_t nxt = kPeerIss + 1;
    send(seg({.seq = nxt, .ack = kServerIss + 1, .data = "hello"}));
    expect_ack(nxt + 5);
    EXPECT_EQ(buffers().in_use_bytes, ByteRing::kMinBlock);  // at the limit
    // No memory for the send ring: EAGAIN, counted by the pool.
    auto r = tcp().send(h, as_bytes("abc"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EAGAIN);
    EXPECT_EQ(buffers().failures, 1u);
    EXPECT_EQ(read_all(h), "hello");  // the receive ring's block goes back (memory is short: no linger)
    EXPECT_EQ(send_str(h, "abc"), 3u);
    expect(is_tcp({.flags = kAck, .seq = kServerIss + 1, .data = "abc"}));
    // In-order data with no memory to hold it: dropped unacknowledged (a duplicate ACK).
    send(seg({.seq = nxt + 5, .ack = kServerIss + 1, .data = "world"}));
    expect_ack(nxt + 5);
    EXPECT_EQ(buffers().failures, 2u);
    EXPECT_EQ(tcp().receive_available(h), 0u);
    // Our data is acknowledged: its block returns, and the retransmission is taken.
    send(seg({.seq = nxt + 5, .ack = kServerIss + 4}));
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    send(seg({.seq = nxt + 5, .ack = kServerIss + 4, .data = "world"}));
    expect_ack(nxt + 10);
    EXPECT_EQ(read_all(h), "world");
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    ASSERT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst}));
}

TEST_F(TcpBounds, SteadyRequestResponseDoesNotAllocate) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_delayed_ack(h, false).ok());  // each request is acknowledged at once
    uint32_t peer = kPeerIss + 1;
    uint32_t ours = kServerIss + 1;
    const std::string request(200, 'q');
    const std::string response(300, 'r');
    uint64_t allocs_after_first = 0;
    for (int i = 0; i < 100; ++i) {
        send(seg({.seq = peer, .ack = ours, .data = request}));
        peer += 200;
        expect(is_tcp({.flags = kAck, .ack = peer, .len = 0}));
        EXPECT_EQ(read_all(h), request);
        EXPECT_EQ(send_str(h, response), response.size());
        // Reading may first have moved the window's right edge far enough for an update.
        Captured c = pop();
        if (c.valid && c.tcp.payload.empty()) c = pop();
        ASSERT_TRUE(c.valid);
        EXPECT_TRUE(matches(c.tcp, is_tcp({.flags = kAck, .seq = ours, .ack = peer, .len = 300})));
        ours += 300;
        send(seg({.seq = peer, .ack = ours}));
        // Each request was read in its packet, which went back; the send ring is empty and its
        // block lingers (no clock moves here: no sweep).
        EXPECT_EQ(buffers().packets_held, 0u);
        EXPECT_EQ(buffers().in_use_bytes, ByteRing::kMinBlock);
        if (i == 0) allocs_after_first = buffers().heap_allocs;
    }
    EXPECT_GT(allocs_after_first, 0u);
    EXPECT_EQ(buffers().heap_allocs, allocs_after_first) << "blocks are reused from the cache";
    EXPECT_EQ(buffers().takes, 1u);  // one send block for all 100 exchanges
    EXPECT_EQ(buffers().packets_adopted, 100u);  // and no receive block at all
    host_.advance(config().buffer_linger);
    EXPECT_EQ(buffers().in_use_bytes, 0u);
    ASSERT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst}));
}

}  // namespace
}  // namespace tachyon::test
