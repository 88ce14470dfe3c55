// A full connection table takes the slot of the oldest orphan in TIME-WAIT (time_wait_list.hpp),
// as Linux bounds TIME-WAIT with tcp_max_tw_buckets, instead of refusing new connections for 2MSL;
// a TIME-WAIT connection the user still holds is never taken.
#include <gtest/gtest.h>

#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

class TimeWaitRecycle : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.max_connections = 2;
        return c;
    }

    // An active open from local port `port`, established, then closed by us first: TIME-WAIT.
    TcpHandle time_wait_from(uint16_t port) {
        const uint32_t iss = kClientIss;
        auto h = tcp().open({kLocalIp, port}, {kPeerIp, kPeerPort}, conn_config(iss));
        EXPECT_TRUE(h.ok());
        if (!h.ok()) return {};
        expect(is_tcp({.flags = kSyn, .seq = iss}));
        send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = iss + 1, .mss = 1460, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = iss + 1, .ack = kPeerServerIss + 1}));
        EXPECT_TRUE(tcp().shutdown_write(h.value()).ok());
        expect(is_tcp({.flags = kFin | kAck, .seq = iss + 1, .ack = kPeerServerIss + 1}));
        send(seg({.flags = kFin | kAck, .seq = kPeerServerIss + 1, .ack = iss + 2, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = iss + 2, .ack = kPeerServerIss + 2}));
        EXPECT_EQ(tcp().state(h.value()), TcpState::kTimeWait);
        return h.value();
    }

    // The peer retransmits its FIN on `port`: TIME-WAIT answers with an ACK, no TCB a RST.
    void peer_retransmits_fin(uint16_t port) {
        send(seg({.flags = kFin | kAck, .seq = kPeerServerIss + 1, .ack = kClientIss + 2, .dst_port = port}));
    }
};

TEST_F(TimeWaitRecycle, FullTableTakesTheOldestOrphanInTimeWait) {
    const TcpHandle a = time_wait_from(40001);
    host_.run_until(at_ms(10));
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(a).ok());
    ASSERT_TRUE(tcp().close(b).ok());
    EXPECT_EQ(tcp().connections_in_use(), 2u);

    auto c = tcp().open({kLocalIp, 40003}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(c.ok()) << c.error().message();
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    EXPECT_EQ(counters().time_wait_recycled, 1u);
    EXPECT_EQ(counters().table_full, 0u);
    EXPECT_EQ(tcp().connections_in_use(), 2u);

    // a (the oldest) is gone: its peer's FIN finds no TCB and gets a RST (RFC 9293 3.10.7.1).
    peer_retransmits_fin(40001);
    expect(is_tcp({.flags = kRst, .seq = kClientIss + 2}));
    // b still guards its 2MSL: the retransmitted FIN is acknowledged.
    peer_retransmits_fin(40002);
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
    ASSERT_TRUE(tcp().abort(c.value()).ok());  // SYN-SENT: deleted without a RST (3.10.5)
}

TEST_F(TimeWaitRecycle, ARestartOf2MslMakesTheConnectionTheNewest) {
    const TcpHandle a = time_wait_from(40001);
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(a).ok());
    ASSERT_TRUE(tcp().close(b).ok());
    // a's FIN retransmission restarts its 2MSL: b is now the oldest and gives up its slot.
    peer_retransmits_fin(40001);
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
    auto c = tcp().open({kLocalIp, 40003}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(c.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    peer_retransmits_fin(40002);
    expect(is_tcp({.flags = kRst, .seq = kClientIss + 2}));
    peer_retransmits_fin(40001);
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
    ASSERT_TRUE(tcp().abort(c.value()).ok());  // SYN-SENT: deleted without a RST (3.10.5)
}

TEST_F(TimeWaitRecycle, TimeWaitTheUserStillHoldsIsNeverTaken) {
    const TcpHandle a = time_wait_from(40001);
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(b).ok());  // only b is an orphan
    auto c = tcp().open({kLocalIp, 40003}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(c.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    EXPECT_EQ(tcp().state(a), TcpState::kTimeWait);
    // Now the table holds a (the user's) and c: nothing can be taken.
    auto d = tcp().open({kLocalIp, 40004}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.code(), ENOBUFS);
    EXPECT_EQ(counters().time_wait_recycled, 1u);
    EXPECT_EQ(counters().table_full, 1u);
    ASSERT_TRUE(tcp().abort(c.value()).ok());  // SYN-SENT: deleted without a RST (3.10.5)
    ASSERT_TRUE(tcp().close(a).ok());
}

TEST_F(TimeWaitRecycle, ExpiryUnlinksSoTheListNeverNamesAFreedSlot) {
    const TcpHandle a = time_wait_from(40001);
    ASSERT_TRUE(tcp().close(a).ok());
    host_.run_until(at_ms(60'001));  // 2MSL over: a is freed
    EXPECT_EQ(counters().time_wait_expired, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    auto c = tcp().open({kLocalIp, 40003}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    auto d = tcp().open({kLocalIp, 40004}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(c.ok() && d.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    EXPECT_EQ(counters().time_wait_recycled, 0u);
    EXPECT_EQ(tcp().open({kLocalIp, 40005}, {kPeerIp, kPeerPort}, conn_config(kClientIss)).code(), ENOBUFS);
    ASSERT_TRUE(tcp().abort(c.value()).ok());
    ASSERT_TRUE(tcp().abort(d.value()).ok());
}

// As Linux's tcp_tw_reuse: an active open takes the tuple of an orphan in TIME-WAIT once the peer's
// last timestamp is a second old, starting above the old sequence space.
class TimeWaitReuse : public TcpTest {
protected:
    // Active open from `port` (0: an ephemeral one, left in port_) with timestamps, closed by us
    // first: TIME-WAIT; returns our SND.NXT.
    uint32_t time_wait_with_timestamps(uint16_t port) {
        auto h = tcp().open({kLocalIp, port}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
        EXPECT_TRUE(h.ok()) << h.error().message();
        if (!h.ok()) return 0;
        port = port_ = tcp().connection(h.value())->tuple.local_port;
        Captured syn = expect(is_tcp({.flags = kSyn, .seq = kClientIss, .has_ts = true}));
        send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460,
                  .ts = TcpTimestamp{500, syn.tcp.timestamp->tsval}, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
        EXPECT_TRUE(tcp().close(h.value()).ok());
        expect(is_tcp({.flags = kFin | kAck, .seq = kClientIss + 1}));
        send(seg({.flags = kFin | kAck, .seq = kPeerServerIss + 1, .ack = kClientIss + 2,
                  .ts = TcpTimestamp{501, syn.tcp.timestamp->tsval}, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
        return kClientIss + 2;
    }

    uint16_t port_ = 0;
};

TEST_F(TimeWaitReuse, ActiveOpenTakesTheTupleASecondAfterThePeersLastTimestamp) {
    host_.run_until(at_ms(5));
    const uint32_t old_snd_nxt = time_wait_with_timestamps(40001);
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    // Within the second: the tuple is taken.
    host_.run_until(at_ms(900));
    TcpConnConfig cfg = conn_config(kClientIss);
    cfg.isn.reset();  // the RFC 6528 generator, which the floor then lifts
    EXPECT_EQ(tcp().open({kLocalIp, 40001}, {kPeerIp, kPeerPort}, cfg).code(), EADDRINUSE);
    host_.run_until(at_ms(1006));
    auto h = tcp().open({kLocalIp, 40001}, {kPeerIp, kPeerPort}, cfg);
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(counters().time_wait_reused, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    Captured syn = expect(is_tcp({.flags = kSyn, .has_ts = true}));
    EXPECT_GE(syn.tcp.seq_number - SeqNum(old_snd_nxt), 65535 + 2);
    ASSERT_TRUE(tcp().abort(h.value()).ok());
}

TEST_F(TimeWaitReuse, NotWithoutTimestamps) {
    auto h = tcp().open({kLocalIp, 40002}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    // The peer answers without timestamps: TIME-WAIT keeps its tuple for the whole 2MSL.
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460, .dst_port = 40002}));
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
    ASSERT_TRUE(tcp().close(h.value()).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kClientIss + 1}));
    send(seg({.flags = kFin | kAck, .seq = kPeerServerIss + 1, .ack = kClientIss + 2, .dst_port = 40002}));
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
    host_.run_until(at_ms(30'000));
    EXPECT_EQ(tcp().open({kLocalIp, 40002}, {kPeerIp, kPeerPort}, conn_config(kClientIss)).code(), EADDRINUSE);
    EXPECT_EQ(counters().time_wait_reused, 0u);
}

// RFC 6056 3.3.3: ephemeral ports for one destination are taken in turn, so when every port of
// the range is in TIME-WAIT the next open finds the oldest one, reusable after a second.
class EphemeralPortReuse : public TimeWaitReuse {
protected:
    TcpConfig config() const override {
        TcpConfig c = TimeWaitReuse::config();
        c.ephemeral_first = 40000;
        c.ephemeral_last = 40002;
        return c;
    }

};

TEST_F(EphemeralPortReuse, OpensWalkTheRangeAndReuseTheOldestTimeWait) {
    std::vector<uint16_t> ports;
    for (int i = 0; i < 3; ++i) {
        time_wait_with_timestamps(0);
        ports.push_back(port_);
        host_.run_until(at_ms(100 * (i + 1)));
    }
    // Three different ports, each the one after the last (wrapping in the range).
    for (int i = 1; i < 3; ++i) EXPECT_EQ(ports[i], 40000 + (ports[i - 1] - 40000 + 1) % 3) << i;
    EXPECT_EQ(tcp().connections_in_use(), 3u);

    // Every port's tuple is in TIME-WAIT and none is a second old yet.
    EXPECT_EQ(tcp().open({kLocalIp, 0}, {kPeerIp, kPeerPort}, conn_config(kClientIss)).code(), EADDRNOTAVAIL);
    // A second after the first one's last timestamp, the first port (the oldest) is taken again.
    host_.run_until(at_ms(1'050));
    auto h = tcp().open({kLocalIp, 0}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(tcp().connection(h.value())->tuple.local_port, ports[0]);
    EXPECT_EQ(counters().time_wait_reused, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 3u);
    Captured syn = expect(is_tcp({.flags = kSyn, .has_ts = true}));
    EXPECT_EQ(syn.tcp.src_port, ports[0]);
    ASSERT_TRUE(tcp().abort(h.value()).ok());
}

// Linux's tcp_tw_reuse_delay: the wait before reuse is configurable, down to 1 ms.
class TimeWaitReuseDelay : public TimeWaitReuse {
protected:
    TcpConfig config() const override {
        TcpConfig c = TimeWaitReuse::config();
        c.time_wait_reuse_delay = Duration::from_ms(10);
        return c;
    }
};

TEST_F(TimeWaitReuseDelay, TheTupleIsFreeOnceTheDelayPassed) {
    host_.run_until(at_ms(5));
    time_wait_with_timestamps(40001);
    host_.run_until(at_ms(14));
    EXPECT_EQ(tcp().open({kLocalIp, 40001}, {kPeerIp, kPeerPort}, conn_config(kClientIss)).code(), EADDRINUSE);
    host_.run_until(at_ms(15));
    auto h = tcp().open({kLocalIp, 40001}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(counters().time_wait_reused, 1u);
    Captured syn = expect(is_tcp({.flags = kSyn, .has_ts = true}));
    EXPECT_EQ(syn.tcp.dst_port, kPeerPort);
    ASSERT_TRUE(tcp().abort(h.value()).ok());
}

class TimeWaitReuseOff : public TimeWaitReuse {
protected:
    TcpConfig config() const override {
        TcpConfig c = TimeWaitReuse::config();
        c.time_wait_reuse = false;
        return c;
    }
};

TEST_F(TimeWaitReuseOff, TheTupleStaysTakenFor2Msl) {
    time_wait_with_timestamps(40001);
    host_.run_until(at_ms(30'000));
    EXPECT_EQ(tcp().open({kLocalIp, 40001}, {kPeerIp, kPeerPort}, conn_config(kClientIss)).code(), EADDRINUSE);
    EXPECT_EQ(counters().time_wait_reused, 0u);
}

}  // namespace
}  // namespace tachyon::test
