// CUBIC (RFC 9438): after a congestion event the window follows
//   W_cubic(t) = C * (t - K)^3 + W_max,  K = cbrt((W_max - cwnd_epoch) / C)      (4.2)
// in segments, with C = 0.4 and beta_cubic = 0.7, fast convergence (4.7) and the Reno-friendly
// region W_est (4.3) with alpha_cubic = 3 (1 - beta) / (1 + beta). Slow start is Reno's with ABC;
// the initial one may end early by HyStart++ (RFC 9406), with ssthresh = cwnd and no W_max yet
// (as Linux's CUBIC after a HyStart exit): the first epoch starts at the next ACK, from cwnd,
// convex at once (K = 0).
#include <algorithm>
#include <cmath>

#include "stack/tcp/congestion/hystart.hpp"
#include "stack/tcp/congestion_control.hpp"

namespace tachyon {

namespace {

constexpr double kC = 0.4;
constexpr double kBeta = 0.7;
constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

struct CubicState {
    HyStartPlusPlus hystart;
    double w_max = 0;       // segments, before the last reduction
    double w_last_max = 0;  // for fast convergence
    double k = 0;           // seconds
    double origin = 0;      // segments: W_max, or cwnd when above it at epoch start
    double w_est = 0;       // Reno-friendly estimate, segments
    double cwnd_frac = 0;   // fractional growth not yet applied, bytes
    Instant epoch;
    bool epoch_valid = false;
};
static_assert(sizeof(CubicState) <= sizeof(CcState::priv));

void cubic_init(CcState& s, Instant) {
    CubicState& c = s.as<CubicState>();
    c = CubicState{};
    c.hystart.init(s);
}

void cubic_on_ack(CcState& s, const AckSample& a) {
    if (!a.cwnd_limited) return;
    uint32_t acked = a.acked + a.sacked;
    CubicState& c = s.as<CubicState>();
    if (s.in_slow_start()) {
        acked = c.hystart.on_ack(s, a, acked);
        if (acked == 0) return;
    }
    const double mss = s.mss;
    const double cwnd = s.cwnd / mss;
    if (!c.epoch_valid) {
        c.epoch_valid = true;
        c.epoch = a.now;
        c.w_est = cwnd;
        if (cwnd < c.w_max) {
            c.k = std::cbrt((c.w_max - cwnd) / kC);
            c.origin = c.w_max;
        } else {
            c.k = 0;
            c.origin = cwnd;
        }
    }
    // 4.2: the target one RTT ahead, clamped to [cwnd, 1.5 cwnd].
    const double t = static_cast<double>((a.now - c.epoch).ns() + a.min_rtt.ns()) / 1e9;
    double target = c.origin + kC * std::pow(t - c.k, 3.0);
    target = std::clamp(target, cwnd, 1.5 * cwnd);
    // 4.3: W_est grows like Reno with alpha_cubic.
    c.w_est += kAlpha * (acked / mss) / cwnd;
    double grow_segments;
    if (c.w_est > target) {
        grow_segments = (c.w_est - cwnd) * (acked / mss) / cwnd;  // Reno-friendly region
    } else {
        grow_segments = (target - cwnd) * (acked / mss) / cwnd;  // concave / convex (4.4, 4.5)
    }
    c.cwnd_frac += std::max(0.0, grow_segments) * mss;
    if (c.cwnd_frac >= 1.0) {
        const auto whole = static_cast<uint32_t>(std::min(c.cwnd_frac, 1e9));
        s.cwnd += whole;
        c.cwnd_frac -= whole;
    }
}

// 4.6 multiplicative decrease and 4.7 fast convergence.
uint32_t cubic_ssthresh(CcState& s, uint32_t, Instant) {
    CubicState& c = s.as<CubicState>();
    c.hystart.on_congestion();
    const double cwnd = static_cast<double>(s.cwnd) / s.mss;
    c.w_max = cwnd < c.w_last_max ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
    c.w_last_max = cwnd;
    c.epoch_valid = false;
    c.cwnd_frac = 0;
    return std::max(static_cast<uint32_t>(s.cwnd * kBeta), 2 * s.mss);
}

void cubic_recovery_exit(CcState& s, Instant) { s.as<CubicState>().epoch_valid = false; }

// 4.8: after an RTO the epoch restarts from slow start; W_max keeps the reduction.
void cubic_on_rto(CcState& s, Instant) {
    CubicState& c = s.as<CubicState>();
    c.epoch_valid = false;
    c.cwnd_frac = 0;
}

constexpr CongestionOps kCubic{"cubic", cubic_init, cubic_on_ack, cubic_ssthresh, cubic_recovery_exit,
                               cubic_on_rto, nullptr};

}  // namespace

const CongestionOps& cubic_ops() { return kCubic; }

}  // namespace tachyon
