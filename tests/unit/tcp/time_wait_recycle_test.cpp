// An orphan in TIME-WAIT leaves a compact record (time_wait_table.hpp) and frees its connection
// slot at once; the records are bounded as Linux bounds TIME-WAIT (tcp_max_tw_buckets): a full
// record table gives up the oldest instead of refusing. A TIME-WAIT connection the user still
// holds keeps its slot until it is closed.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

class TimeWaitRecycle : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.max_connections = 2;
        c.max_time_wait = 2;
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
    void expect_time_wait_ack() { expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2})); }
    void expect_no_tcb_rst() { expect(is_tcp({.flags = kRst, .seq = kClientIss + 2})); }
};

TEST_F(TimeWaitRecycle, AnOrphanInTimeWaitFreesItsSlotAtOnce) {
    const TcpHandle a = time_wait_from(40001);
    const TcpHandle b = time_wait_from(40002);
    EXPECT_EQ(tcp().connections_in_use(), 2u);  // held by the user: full connections
    ASSERT_TRUE(tcp().close(a).ok());
    ASSERT_TRUE(tcp().close(b).ok());
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(tcp().time_wait_records(), 2u);
    const TimeWaitRecord* r = tcp().find_time_wait({kLocalIp, 40001, kPeerIp, kPeerPort});
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->snd_nxt, SeqNum(kClientIss + 2));
    EXPECT_EQ(r->rcv_nxt, SeqNum(kPeerServerIss + 2));
    // Both slots take new connections while both records still guard their 2MSL.
    auto c = tcp().open({kLocalIp, 40003}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    auto d = tcp().open({kLocalIp, 40004}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(c.ok() && d.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    EXPECT_EQ(counters().time_wait_recycled, 0u);
    peer_retransmits_fin(40001);
    expect_time_wait_ack();
    peer_retransmits_fin(40002);
    expect_time_wait_ack();
    ASSERT_TRUE(tcp().abort(c.value()).ok());  // SYN-SENT: deleted without a RST (3.10.5)
    ASSERT_TRUE(tcp().abort(d.value()).ok());
}

TEST_F(TimeWaitRecycle, AFullRecordTableGivesUpTheOldest) {
    const TcpHandle a = time_wait_from(40001);
    ASSERT_TRUE(tcp().close(a).ok());
    host_.run_until(at_ms(10));
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(b).ok());
    const TcpHandle c = time_wait_from(40003);
    ASSERT_TRUE(tcp().close(c).ok());
    EXPECT_EQ(counters().time_wait_recycled, 1u);
    EXPECT_EQ(tcp().time_wait_records(), 2u);
    // a (the oldest) is gone: its peer's FIN finds no TCB and gets a RST (RFC 9293 3.10.7.1).
    peer_retransmits_fin(40001);
    expect_no_tcb_rst();
    // b and c still guard their 2MSL: the retransmitted FIN is acknowledged.
    peer_retransmits_fin(40002);
    expect_time_wait_ack();
    peer_retransmits_fin(40003);
    expect_time_wait_ack();
}

TEST_F(TimeWaitRecycle, ARestartOf2MslMakesTheRecordTheNewest) {
    const TcpHandle a = time_wait_from(40001);
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(a).ok());
    ASSERT_TRUE(tcp().close(b).ok());
    // a's FIN retransmission restarts its 2MSL: b is now the oldest and gives up its place.
    peer_retransmits_fin(40001);
    expect_time_wait_ack();
    const TcpHandle c = time_wait_from(40003);
    ASSERT_TRUE(tcp().close(c).ok());
    peer_retransmits_fin(40002);
    expect_no_tcb_rst();
    peer_retransmits_fin(40001);
    expect_time_wait_ack();
}

TEST_F(TimeWaitRecycle, TimeWaitTheUserStillHoldsKeepsItsSlot) {
    const TcpHandle a = time_wait_from(40001);
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(b).ok());  // only b is an orphan
    auto c = tcp().open({kLocalIp, 40003}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(c.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    EXPECT_EQ(tcp().state(a), TcpState::kTimeWait);
    // Now the table holds a (the user's) and c: no slot is left.
    auto d = tcp().open({kLocalIp, 40004}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.code(), ENOBUFS);
    EXPECT_EQ(counters().table_full, 1u);
    // a answers from its connection as b does from its record.
    peer_retransmits_fin(40001);
    expect_time_wait_ack();
    peer_retransmits_fin(40002);
    expect_time_wait_ack();
    ASSERT_TRUE(tcp().abort(c.value()).ok());  // SYN-SENT: deleted without a RST (3.10.5)
    ASSERT_TRUE(tcp().close(a).ok());
    EXPECT_EQ(tcp().time_wait_records(), 2u);
}

TEST_F(TimeWaitRecycle, ExpiryRemovesTheRecords) {
    const TcpHandle a = time_wait_from(40001);
    ASSERT_TRUE(tcp().close(a).ok());
    host_.run_until(at_ms(20));
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().close(b).ok());
    host_.run_until(at_ms(59'999));
    EXPECT_EQ(tcp().time_wait_records(), 2u);
    host_.run_until(at_ms(60'001));  // 2MSL over for a only
    EXPECT_EQ(counters().time_wait_expired, 1u);
    EXPECT_EQ(tcp().time_wait_records(), 1u);
    peer_retransmits_fin(40001);
    expect_no_tcb_rst();
    host_.run_until(at_ms(60'021));
    EXPECT_EQ(counters().time_wait_expired, 2u);
    EXPECT_EQ(tcp().time_wait_records(), 0u);
    EXPECT_EQ(counters().time_wait_recycled, 0u);
}

// The layer above is told, with its cookie, when a tuple is free again: at once for a connection
// that closes without TIME-WAIT, at the end of 2MSL, or when the record goes early (evicted,
// reset, reused).
TEST_F(TimeWaitRecycle, TheLayerAboveIsToldWhenEachTupleIsFree) {
    std::vector<uint32_t> told;
    tcp().set_released_hook([](void* ctx, uint32_t cookie) { static_cast<std::vector<uint32_t>*>(ctx)->push_back(cookie); },
                            &told);
    const TcpHandle a = time_wait_from(40001);
    ASSERT_TRUE(tcp().set_release_cookie(a, 1).ok());
    ASSERT_TRUE(tcp().close(a).ok());
    EXPECT_TRUE(told.empty());  // a waits out 2MSL as a record
    const TcpHandle b = time_wait_from(40002);
    ASSERT_TRUE(tcp().set_release_cookie(b, 2).ok());
    ASSERT_TRUE(tcp().close(b).ok());
    // A third record evicts the oldest, a.
    const TcpHandle c = time_wait_from(40003);
    ASSERT_TRUE(tcp().set_release_cookie(c, 3).ok());
    ASSERT_TRUE(tcp().close(c).ok());
    EXPECT_EQ(told, (std::vector<uint32_t>{1}));
    // An RST at RCV.NXT ends b's TIME-WAIT.
    send(seg({.flags = kRst, .seq = kPeerServerIss + 2, .dst_port = 40002}));
    EXPECT_EQ(told, (std::vector<uint32_t>{1, 2}));
    // A connection reset before any TIME-WAIT: its tuple is free when the user lets go of it.
    auto d = tcp().open({kLocalIp, 40004}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(d.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    ASSERT_TRUE(tcp().set_release_cookie(d.value(), 4).ok());
    ASSERT_TRUE(tcp().abort(d.value()).ok());
    EXPECT_EQ(told, (std::vector<uint32_t>{1, 2, 4}));
    host_.run_until(at_ms(60'001));  // c's 2MSL
    EXPECT_EQ(told, (std::vector<uint32_t>{1, 2, 4, 3}));
    tcp().set_released_hook(nullptr, nullptr);
}

// A connection the user closes while it is in TIME-WAIT keeps the deadline it had.
TEST_F(TimeWaitRecycle, ClosingLateKeepsTheDeadline) {
    const TcpHandle a = time_wait_from(40001);  // TIME-WAIT from 0 ms: until 60 s
    host_.run_until(at_ms(30'000));
    ASSERT_TRUE(tcp().close(a).ok());
    EXPECT_EQ(tcp().time_wait_records(), 1u);
    host_.run_until(at_ms(59'999));
    EXPECT_EQ(tcp().time_wait_records(), 1u);
    host_.run_until(at_ms(60'001));
    EXPECT_EQ(tcp().time_wait_records(), 0u);
    EXPECT_EQ(counters().time_wait_expired, 1u);
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
    EXPECT_EQ(tcp().time_wait_records(), 1u);
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
    EXPECT_EQ(tcp().time_wait_records(), 0u);
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
    EXPECT_EQ(tcp().time_wait_records(), 3u);

    // Every port's tuple is in TIME-WAIT and none is a second old yet.
    EXPECT_EQ(tcp().open({kLocalIp, 0}, {kPeerIp, kPeerPort}, conn_config(kClientIss)).code(), EADDRNOTAVAIL);
    // A second after the first one's last timestamp, the first port (the oldest) is taken again.
    host_.run_until(at_ms(1'050));
    auto h = tcp().open({kLocalIp, 0}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(tcp().connection(h.value())->tuple.local_port, ports[0]);
    EXPECT_EQ(counters().time_wait_reused, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    EXPECT_EQ(tcp().time_wait_records(), 2u);
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
