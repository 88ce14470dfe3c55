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
    // Active open from `port` with timestamps, closed by us first: TIME-WAIT; returns our SND.NXT.
    uint32_t time_wait_with_timestamps(uint16_t port) {
        auto h = tcp().open({kLocalIp, port}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
        EXPECT_TRUE(h.ok());
        Captured syn = expect(is_tcp({.flags = kSyn, .seq = kClientIss, .has_ts = true}));
        send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460,
                  .ts = TcpTimestamp{500, syn.tcp.timestamp->tsval}, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
        EXPECT_TRUE(tcp().close(h.value()).ok());
        expect(is_tcp({.flags = kFin | kAck, .seq = kClientIss + 1}));
        send(seg({.flags = kFin | kAck, .seq = kPeerServerIss + 1, .ack = kClientIss + 2,
                  .ts = TcpTimestamp{501, syn.tcp.timestamp->tsval}, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
        EXPECT_EQ(tcp().connections_in_use(), 1u);
        return kClientIss + 2;
    }
};

TEST_F(TimeWaitReuse, ActiveOpenTakesTheTupleASecondAfterThePeersLastTimestamp) {
    host_.run_until(at_ms(5));
    const uint32_t old_snd_nxt = time_wait_with_timestamps(40001);
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
