// Keepalive beside the persist timer (idle_timers.cpp). Both count unanswered probes in
// probes_out; keepalive must leave the count alone while data waits for a zero window, or a
// dead peer holding the window shut would keep the connection for ever (regression of the fuzz
// input tests/fuzz/regressions/fuzz_rx_path/zero_window_orphan_probes_forever_with_keepalive).
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

constexpr uint32_t kRcv = kPeerIss + 1;
constexpr uint32_t kSnd = kServerIss + 1;

class KeepalivePersist : public TcpTest {
protected:
    // Consumes every zero-window probe sent so far; returns how many there were.
    size_t take_probes() {
        size_t n = 0;
        while (!host_.sent().empty()) {
            expect(is_tcp({.flags = kAck, .seq = kSnd - 1, .ack = kRcv, .len = 0}));
            ++n;
        }
        return n;
    }
};

TEST_F(KeepalivePersist, OrphanHeldAtZeroWindowTimesOutDespiteKeepalive) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_keepalive_idle(h, Duration::from_secs(1)).ok());
    ASSERT_TRUE(tcp().set_keepalive_interval(h, Duration::from_secs(1)).ok());
    ASSERT_TRUE(tcp().set_keepalive(h, true).ok());
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}));  // the peer shuts its window
    EXPECT_EQ(send_str(h, std::string(100, 'd')), 100u);
    expect_nothing();  // nothing may go: the window is zero
    ASSERT_TRUE(tcp().close(h).ok());  // orphan; its FIN waits behind the data
    expect_nothing();
    // The peer is gone: no probe is answered. Persist backs off to max_rto (120 s) and gives up
    // after max_retries (15) probes, within about 20 minutes; keepalive (every second: the
    // connection is idle as far as receiving goes) must not hold that off.
    size_t probes = 0;
    for (int s = 1; s <= 3600 && tcp().connections_in_use() > 0; ++s) {
        host_.run_until(at_ms(int64_t{s} * 1000));
        probes += take_probes();
    }
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(counters().connection_timeouts, 1u);
    EXPECT_EQ(probes, config().max_retries);
    EXPECT_EQ(counters().persist_probes, config().max_retries);
    EXPECT_EQ(counters().keepalive_probes, 0u);  // never idle: data was waiting
    EXPECT_EQ(counters().keepalive_timeouts, 0u);
    expect_nothing();
}

// The same with the user still holding the connection: ETIMEDOUT, reported to the user.
TEST_F(KeepalivePersist, ZeroWindowPeerThatNeverAnswersTimesOutDespiteKeepalive) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_keepalive_idle(h, Duration::from_secs(1)).ok());
    ASSERT_TRUE(tcp().set_keepalive_interval(h, Duration::from_secs(1)).ok());
    ASSERT_TRUE(tcp().set_keepalive(h, true).ok());
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}));
    EXPECT_EQ(send_str(h, "waiting"), 7u);
    for (int s = 1; s <= 3600 && tcp().state(h) != TcpState::kClosed; ++s) {
        host_.run_until(at_ms(int64_t{s} * 1000));
        take_probes();
    }
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), ETIMEDOUT);
    EXPECT_EQ(counters().connection_timeouts, 1u);
    ASSERT_TRUE(tcp().close(h).ok());
}

}  // namespace
}  // namespace tachyon::test
