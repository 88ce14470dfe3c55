// The congestion control algorithms alone: NewReno (RFC 5681 with RFC 3465) and CUBIC
// (RFC 9438) window evolution from ACK samples.
#include <gtest/gtest.h>

#include "stack/tcp/congestion_control.hpp"

namespace tachyon {
namespace {

constexpr uint32_t kMss = 1000;

struct Driver {
    const CongestionOps& ops;
    CcState s;
    Instant now = Instant::from_ms(0);

    explicit Driver(const CongestionOps& o, uint32_t cwnd_segments, bool hystart = true) : ops(o) {
        s.mss = kMss;
        s.cwnd = cwnd_segments * kMss;
        s.hystart = hystart;
        ops.init(s, now);
    }
    void ack(uint32_t bytes, Duration rtt = Duration::from_ms(100)) {
        AckSample a;
        a.now = now;
        a.acked = bytes;
        a.cwnd_limited = true;
        a.rtt = rtt;
        a.min_rtt = rtt;
        ops.on_ack(s, a);
    }
    void loss() {
        s.ssthresh = ops.ssthresh(s, s.cwnd, now);
        s.cwnd = s.ssthresh;
    }
    // One round trip of a full window acknowledged segment by segment.
    void round(Duration rtt = Duration::from_ms(100)) {
        const uint32_t segs = (s.cwnd + kMss - 1) / kMss;
        for (uint32_t i = 0; i < segs; ++i) {
            now = now + rtt / static_cast<int64_t>(segs);
            ack(kMss, rtt);
        }
    }
};

TEST(Congestion, RegistryFindsTheAlgorithmsByName) {
    EXPECT_STREQ(find_congestion("reno")->name, "reno");
    EXPECT_EQ(find_congestion("newreno"), find_congestion("reno"));
    EXPECT_STREQ(find_congestion("cubic")->name, "cubic");
    EXPECT_EQ(find_congestion("bbr"), nullptr);
}

TEST(Congestion, NewRenoSlowStartWithAbcThenOneSegmentPerRoundTrip) {
    Driver d(new_reno_ops(), 10, /*hystart=*/false);
    d.ack(kMss);
    EXPECT_EQ(d.s.cwnd, 11 * kMss);
    d.ack(5 * kMss);  // RFC 3465: at most L = 2 SMSS per ACK
    EXPECT_EQ(d.s.cwnd, 13 * kMss);
    d.loss();  // RFC 5681 (4): half the flight
    EXPECT_EQ(d.s.ssthresh, 6500u);
    EXPECT_EQ(d.s.cwnd, 6500u);
    d.round();
    EXPECT_EQ(d.s.cwnd, 7500u);
    d.round();
    EXPECT_EQ(d.s.cwnd, 8500u);
    // Not cwnd-limited (RFC 7661): no growth.
    AckSample idle;
    idle.acked = 10 * kMss;
    d.ops.on_ack(d.s, idle);
    EXPECT_EQ(d.s.cwnd, 8500u);
    // ssthresh never below 2 SMSS.
    EXPECT_EQ(d.ops.ssthresh(d.s, 1000, d.now), 2 * kMss);
}

// Under HyStart++ an ACK adds at most L = 8 SMSS (RFC 9406 4.3, a sender that does not pace):
// a stretch ACK of 8 segments grows cwnd as 8 ACKs of one would, one of 12 by 8.
TEST(Congestion, SlowStartUnderHyStartCountsUpToEightSegmentsPerAck) {
    for (const CongestionOps* ops : {&new_reno_ops(), &cubic_ops()}) {
        Driver d(*ops, 10);
        d.ack(8 * kMss);
        EXPECT_EQ(d.s.cwnd, 18 * kMss) << ops->name;
        d.ack(12 * kMss);
        EXPECT_EQ(d.s.cwnd, 26 * kMss) << ops->name;
    }
}

TEST(Congestion, CubicReducesByBetaAndReturnsToWmaxAfterK) {
    Driver d(cubic_ops(), 100);
    d.s.ssthresh = d.s.cwnd;  // in congestion avoidance
    d.loss();
    EXPECT_EQ(d.s.cwnd, 70 * kMss);  // beta_cubic = 0.7 (4.6)
    // K = cbrt(W_max (1 - beta) / C) = cbrt(75) = 4.22 s. W_cubic(t) = C (t - K)^3 + W_max, one
    // RTT (100 ms) ahead: concave up to W_max, flat around it, convex beyond.
    for (int i = 0; i < 20; ++i) d.round();  // t = 2.0 s: W(2.1) = 100 - 0.4 * 2.12^3 = 96.2
    EXPECT_GE(d.s.cwnd, 95 * kMss);
    EXPECT_LE(d.s.cwnd, 97 * kMss);
    for (int i = 0; i < 22; ++i) d.round();  // t = 4.2 s = K: W_max
    EXPECT_GE(d.s.cwnd, 99 * kMss);
    EXPECT_LE(d.s.cwnd, 101 * kMss);
    for (int i = 0; i < 30; ++i) d.round();  // t = 7.2 s: W(7.3) = 100 + 0.4 * 3.08^3 = 111.7
    EXPECT_GE(d.s.cwnd, 109 * kMss);
    EXPECT_LE(d.s.cwnd, 113 * kMss);
}

TEST(Congestion, CubicOutgrowsNewRenoAfterALossOnALongFatPath) {
    Driver cubic(cubic_ops(), 1000);
    Driver reno(new_reno_ops(), 1000);
    for (Driver* d : {&cubic, &reno}) {
        d->s.ssthresh = d->s.cwnd;
        d->loss();
        for (int i = 0; i < 100; ++i) d->round(Duration::from_ms(50));  // 5 s at RTT 50 ms
    }
    EXPECT_EQ(reno.s.cwnd, (500 + 100) * kMss);
    EXPECT_GT(cubic.s.cwnd, reno.s.cwnd + 150 * kMss);
}

TEST(Congestion, CubicFastConvergenceLowersWmax) {
    Driver d(cubic_ops(), 100);
    d.s.ssthresh = d.s.cwnd;
    d.loss();  // W_max 100
    d.loss();  // a second loss below W_max: W_max = cwnd (1 + beta) / 2 (4.7)
    EXPECT_EQ(d.s.cwnd, 49 * kMss);
}

}  // namespace
}  // namespace tachyon
