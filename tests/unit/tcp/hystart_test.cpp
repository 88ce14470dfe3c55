// HyStart++ (RFC 9406) alone, inside NewReno and CUBIC, from synthetic ACK samples: a sender that
// keeps cwnd in flight, each ACK acknowledging one segment with a chosen RTT sample. A round is a
// flight: the ACKs of everything sent before it began (RFC 9406 4.2's windowEnd).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stack/tcp/congestion/hystart.hpp"
#include "stack/tcp/congestion_control.hpp"

namespace tachyon {
namespace {

constexpr uint32_t kMss = 1000;
constexpr Duration kBase = Duration::from_ms(100);
// RttThresh for a 100 ms round trip is 100 / 8 = 12.5 ms (inside 4-16 ms): 120 ms is a rise.
constexpr Duration kRisen = Duration::from_ms(120);
constexpr uint32_t kCssGrowth = kMss / kHyStartCssGrowthDivisor;  // what an ACK adds in CSS

struct Flight {
    const CongestionOps& ops;
    CcState s;
    Instant now = Instant::from_ms(0);
    SeqNum una{1};
    SeqNum nxt{1};
    std::vector<uint32_t> growth;  // cwnd added by each ACK, oldest first
    std::vector<uint32_t> cwnd_before;  // ... and cwnd before it

    Flight(const CongestionOps& o, bool hystart = true) : ops(o) {
        s.mss = kMss;
        s.cwnd = 10 * kMss;
        s.hystart = hystart;
        ops.init(s, now);
        nxt = una + s.cwnd;  // the initial window goes out
    }
    // The next ACK: one segment, `rtt` its sample (zero: none); then the window is filled again.
    void ack(Duration rtt) {
        now = now + Duration::from_ms(1);
        una = una + kMss;
        AckSample a;
        a.now = now;
        a.acked = kMss;
        a.in_flight = static_cast<uint32_t>(nxt - (una - kMss));
        a.cwnd_limited = true;
        a.rtt = rtt;
        a.min_rtt = kBase;
        a.snd_una = una;
        a.snd_nxt = nxt;
        const uint32_t before = s.cwnd;
        ops.on_ack(s, a);
        growth.push_back(s.cwnd - before);
        cwnd_before.push_back(before);
        nxt = seq_max(nxt, una + s.cwnd);
    }
    // One round trip: the ACKs of the flight out now, the first `samples` of them with an RTT
    // sample. Returns how many ACKs it took.
    uint32_t round(Duration rtt, uint32_t samples = UINT32_MAX) {
        const SeqNum end = nxt;
        uint32_t n = 0;
        for (; una < end; ++n) ack(n < samples ? rtt : Duration::zero());
        return n;
    }
    // Growth by the i-th ACK counted from the end (1: the last).
    uint32_t last(size_t i) const { return growth[growth.size() - i]; }
};

class HyStart : public ::testing::TestWithParam<const char*> {
protected:
    const CongestionOps& ops() const { return *find_congestion(GetParam()); }
};

// RFC 9406 4.2: from the 8th sample of a round whose minimum RTT is RttThresh above the last
// round's, Conservative Slow Start: each ACK adds a quarter of what it would, ssthresh stays.
TEST_P(HyStart, RisingRoundTripEntersConservativeSlowStart) {
    Flight f(ops());
    f.round(kBase);  // 10 -> 20 segments
    f.round(kBase);  // 20 -> 40
    EXPECT_EQ(f.s.cwnd, 40 * kMss);
    const size_t before = f.growth.size();
    f.round(kRisen);
    ASSERT_EQ(f.growth.size() - before, 40u);
    for (size_t i = before; i < before + 8; ++i) EXPECT_EQ(f.growth[i], kMss) << "ACK " << i - before;
    for (size_t i = before + 8; i < f.growth.size(); ++i) {
        EXPECT_EQ(f.growth[i], kCssGrowth) << "ACK " << i - before;
    }
    EXPECT_EQ(f.s.cwnd, 48 * kMss + 32 * kMss / 4);
    EXPECT_EQ(f.s.ssthresh, kInfiniteSsthresh);
}

// CSS_ROUNDS (5) rounds in CSS, the one it began in counted, end slow start: ssthresh = cwnd,
// then congestion avoidance grows far less than a round of CSS did.
TEST_P(HyStart, FiveRoundsOfConservativeSlowStartEndSlowStart) {
    Flight f(ops());
    f.round(kBase);
    f.round(kBase);
    f.round(kRisen);  // CSS from its 8th ACK, the first CSS round: 40 -> 56 segments
    EXPECT_EQ(f.s.cwnd, 56 * kMss);
    for (int i = 2; i <= 4; ++i) {
        f.round(kRisen);  // a quarter segment per ACK: 56 -> 70 -> 87.5 -> 109.5
        EXPECT_EQ(f.s.ssthresh, kInfiniteSsthresh) << "CSS round " << i;
    }
    EXPECT_EQ(f.s.cwnd, 109'500u);
    f.round(kRisen);  // the fifth (110 ACKs): 137, and slow start is over
    EXPECT_EQ(f.s.cwnd, 137 * kMss);
    EXPECT_EQ(f.s.ssthresh, f.s.cwnd);
    EXPECT_FALSE(f.s.in_slow_start());
    // Congestion avoidance: NewReno one segment per round; CUBIC's first epoch starts from cwnd
    // (no W_max yet, K = 0) and grows as little at first.
    const uint32_t exit_cwnd = f.s.cwnd;
    f.round(kRisen);
    f.round(kRisen);
    EXPECT_GT(f.s.cwnd, exit_cwnd);
    EXPECT_LE(f.s.cwnd, exit_cwnd + 2 * kMss);
    EXPECT_EQ(f.s.ssthresh, exit_cwnd);
}

// A round in CSS whose minimum RTT falls below the baseline it entered with (after 8 samples):
// the rise was jitter, slow start resumes with full growth.
TEST_P(HyStart, RoundTripFallingBackInCssResumesSlowStart) {
    Flight f(ops());
    f.round(kBase);
    f.round(kBase);
    f.round(kRisen);
    ASSERT_EQ(f.last(1), kCssGrowth);  // CSS
    const size_t before = f.growth.size();
    const uint32_t acks = f.round(kBase);
    // The 8th sample decides (after its ACK grew cwnd in CSS).
    for (size_t i = before; i < before + 8; ++i) EXPECT_EQ(f.growth[i], kCssGrowth) << "ACK " << i - before;
    for (size_t i = before + 8; i < before + acks; ++i) EXPECT_EQ(f.growth[i], kMss) << "ACK " << i - before;
    EXPECT_EQ(f.s.ssthresh, kInfiniteSsthresh);
    f.round(kBase);
    EXPECT_EQ(f.last(1), kMss);  // still slow start
}

// Fewer than N_RTT_SAMPLE samples in a round decide nothing, however high they are; the 8th does.
TEST_P(HyStart, FewerThanEightSamplesInARoundDoNotDecide) {
    Flight f(ops());
    f.round(kBase);
    f.round(kBase);
    f.round(kRisen, 7);
    EXPECT_EQ(f.last(1), kMss);  // slow start throughout
    f.round(kRisen * 2, 7);
    EXPECT_EQ(f.last(1), kMss);
    // The last round had 7 samples: its minimum (240 ms) is the next round's reference.
    f.round(kRisen * 4, 8);
    EXPECT_EQ(f.last(1), kCssGrowth);  // CSS from the 8th
}

// A loss ends HyStart++ for the connection: ssthresh from the algorithm, and the slow start that
// follows an RTO is plain slow start up to it, however the round trip grows.
TEST_P(HyStart, ALossEndsItForTheConnection) {
    Flight f(ops());
    f.round(kBase);
    f.round(kBase);
    f.round(kRisen);
    ASSERT_EQ(f.last(1), kCssGrowth);  // in CSS
    const uint32_t flight = static_cast<uint32_t>(f.nxt - f.una);
    f.s.ssthresh = f.ops.ssthresh(f.s, flight, f.now);
    EXPECT_LT(f.s.ssthresh, f.s.cwnd);  // NewReno's half the flight, CUBIC's 0.7 cwnd
    const uint32_t ssthresh = f.s.ssthresh;
    // An RTO: one segment, slow start back to ssthresh under a round trip that keeps rising.
    f.s.cwnd = kMss;
    f.ops.on_rto(f.s, f.now);
    f.nxt = f.una + kMss;
    const size_t before = f.growth.size();
    for (Duration rtt = kRisen; f.s.in_slow_start(); rtt = rtt * 2) f.round(rtt);
    for (size_t i = before; i < f.growth.size(); ++i) {
        if (f.cwnd_before[i] + kMss > ssthresh) break;  // the last slow-start ACK: up to ssthresh
        EXPECT_EQ(f.growth[i], kMss) << "ACK " << i - before;
    }
    EXPECT_EQ(f.s.ssthresh, ssthresh);
}

// The 4 ms floor of RttThresh: round trips of microseconds that triple are no signal.
TEST_P(HyStart, MicrosecondRoundTripsStayUnderTheFloor) {
    Flight f(ops());
    f.round(Duration::from_us(100));
    f.round(Duration::from_us(100));
    f.round(Duration::from_us(300));
    f.round(Duration::from_us(3000));
    EXPECT_EQ(f.last(1), kMss);
    EXPECT_EQ(f.s.ssthresh, kInfiniteSsthresh);
}

// TcpConnConfig::hystart off (CcState::hystart): slow start as RFC 5681, to the first loss.
TEST_P(HyStart, OffLeavesSlowStartAlone) {
    Flight f(ops(), false);
    f.round(kBase);
    f.round(kBase);
    f.round(kRisen);
    f.round(kRisen * 2);
    for (uint32_t g : f.growth) EXPECT_EQ(g, kMss);
    EXPECT_EQ(f.s.cwnd, 160 * kMss);
}

INSTANTIATE_TEST_SUITE_P(Congestion, HyStart, ::testing::Values("reno", "cubic"),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

}  // namespace
}  // namespace tachyon
