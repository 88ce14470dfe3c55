// The checks of SEGMENT ARRIVES (RFC 9293 3.10.7.4) that read only a few receive-side fields:
// PAWS (RFC 7323 5.3), the acceptability test and trimming to the window (first step) and the
// TS.Recent update. Shared by connections (receiver.cpp, on the Tcb) and the compact records of
// TIME-WAIT (time_wait.cpp, on a TimeWaitRecord): both have ts_ok, ts_recent, ts_recent_age,
// rcv_nxt and last_ack_sent.
#pragma once

#include <algorithm>
#include <cstdint>

#include "lib/time.hpp"
#include "stack/tcp/rx_actions.hpp"
#include "stack/wire/tcp.hpp"

namespace tachyon::rx_checks {

// RFC 7323 5.5: TS.Recent older than 24 days is no longer a valid reference.
inline constexpr Duration kPawsIdle = Duration::from_secs(24 * 24 * 3600);

inline bool ts_before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

// RFC 7323 5.3 R1, before the sequence number test.
template <class State>
bool paws_rejects(const State& s, Instant now, const TcpRepr& seg) {
    if (!s.ts_ok || !seg.timestamp || seg.control == TcpControl::kRst) return false;
    if (now - s.ts_recent_age > kPawsIdle) return false;
    return ts_before(seg.timestamp->tsval, s.ts_recent);
}

// RFC 7323 5.3 R3 (4.3): remember the timestamp of a segment that is not beyond what we have
// acknowledged. A stale TS.Recent (5.5) is replaced unconditionally.
template <class State>
void update_ts_recent(State& s, Instant now, const TcpRepr& seg) {
    if (s.ts_ok && seg.timestamp && seg.seq_number <= s.last_ack_sent &&
        (!ts_before(seg.timestamp->tsval, s.ts_recent) || now - s.ts_recent_age > kPawsIdle)) {
        s.ts_recent = seg.timestamp->tsval;
        s.ts_recent_age = now;
    }
}

// The acceptability test (3.10.7.4 table) against RCV.NXT and RCV.WND.
inline bool sequence_acceptable(SeqNum nxt, uint32_t wnd, const TcpRepr& seg) {
    const uint32_t len = seg.segment_len();
    const SeqNum seq = seg.seq_number;
    if (len == 0) return wnd == 0 ? seq == nxt : seq_in_window(seq, nxt, nxt + wnd);
    // "special allowance should be made to accept valid ACKs, URGs, and RSTs": with a zero
    // window a segment at RCV.NXT is taken for its control information; its text is trimmed.
    if (wnd == 0) return seq == nxt;
    return seq_in_window(seq, nxt, nxt + wnd) || seq_in_window(seq + (len - 1), nxt, nxt + wnd);
}

// The part of an acceptable segment inside the window; a FIN survives only if all the data
// before it did. `cut` says that data beyond the right edge was dropped (to be acknowledged).
inline SegmentText trim_to_window(SeqNum nxt, uint32_t wnd, const TcpRepr& seg, bool& cut) {
    SeqNum data_seq = seg.control == TcpControl::kSyn ? seg.seq_number + 1 : seg.seq_number;
    std::span<const std::byte> data = seg.payload;
    bool fin = seg.control == TcpControl::kFin;
    if (data_seq < nxt) {
        const uint32_t old = static_cast<uint32_t>(nxt - data_seq);
        if (old > data.size()) fin = false;  // the FIN itself was already received
        data = data.subspan(std::min<size_t>(old, data.size()));
        data_seq = nxt;
    }
    const uint32_t room = static_cast<uint32_t>((nxt + wnd) - data_seq);
    cut = data.size() > room;
    if (cut) {
        data = data.first(room);
        fin = false;
    }
    return SegmentText{data_seq, data, fin};
}

}  // namespace tachyon::rx_checks
