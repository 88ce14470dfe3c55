// NewReno's window (RFC 5681 section 3.1) with appropriate byte counting (RFC 3465): slow start
// grows cwnd by the bytes acknowledged (at most 2 SMSS per ACK), congestion avoidance by one SMSS
// per cwnd of bytes acknowledged. The initial slow start may end early by HyStart++ (RFC 9406).
// Recovery itself (RFC 6582) is the sender's.
#include <algorithm>

#include "stack/tcp/congestion/hystart.hpp"
#include "stack/tcp/congestion_control.hpp"

namespace tachyon {

namespace {

struct RenoState {
    HyStartPlusPlus hystart;
    uint32_t bytes_acked = 0;  // RFC 3465 2.1 in congestion avoidance
};
static_assert(sizeof(RenoState) <= sizeof(CcState::priv));

void reno_init(CcState& s, Instant) {
    RenoState& r = s.as<RenoState>();
    r = RenoState{};
    r.hystart.init(s);
}

void reno_on_ack(CcState& s, const AckSample& a) {
    if (!a.cwnd_limited) return;
    uint32_t acked = a.acked + a.sacked;
    RenoState& r = s.as<RenoState>();
    if (s.in_slow_start()) {
        acked = r.hystart.on_ack(s, a, acked);
        if (acked == 0) return;
    }
    r.bytes_acked += acked;
    if (r.bytes_acked >= s.cwnd) {
        r.bytes_acked -= s.cwnd;
        s.cwnd += s.mss;
    }
}

// RFC 5681 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
uint32_t reno_ssthresh(CcState& s, uint32_t in_flight, Instant) {
    RenoState& r = s.as<RenoState>();
    r.bytes_acked = 0;
    r.hystart.on_congestion();
    return std::max(in_flight / 2, 2 * s.mss);
}

void reno_nop(CcState&, Instant) {}

constexpr CongestionOps kNewReno{"reno", reno_init, reno_on_ack, reno_ssthresh, reno_nop, reno_nop, nullptr};

}  // namespace

uint32_t slow_start(CcState& s, uint32_t acked, uint32_t limit_segments) {
    const uint32_t room = s.ssthresh > s.cwnd ? s.ssthresh - s.cwnd : 0;
    const uint32_t grow = std::min({acked, limit_segments * s.mss, room});
    s.cwnd += grow;
    return s.cwnd >= s.ssthresh ? acked - grow : 0;
}

const CongestionOps& new_reno_ops() { return kNewReno; }

}  // namespace tachyon
