// The sender's side of an arriving ACK: the SACK scoreboard (RFC 2018), loss detection by RACK-TLP
// with SACK (RFC 8985, rack_tlp.cpp) or by duplicate ACKs without (RFC 5681 3.2), loss recovery
// by SACK (RFC 6675) or, without SACK, NewReno (RFC 6582), its window brought down to ssthresh
// by proportional rate reduction (RFC 6937), limited transmit (RFC 3042, which falls out of
// "pipe": each duplicate ACK takes a segment out of it) and the window growth the congestion
// control ops decide.
#include <algorithm>
#include <limits>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

void TcpLayer::init_congestion(TcpConnection& c) {
    c.cc_ops = c.config.congestion != nullptr ? c.config.congestion : &cubic_ops();
    c.cc.mss = c.tcb.snd_mss;
    c.cc.ssthresh = kInfiniteSsthresh;
    c.cc.hystart = c.config.hystart;
    // RFC 6928: min(10 MSS, max(2 MSS, 14600)); RFC 5681 3.1: one segment if the SYN or SYN,ACK
    // had to be retransmitted.
    const uint32_t mss = c.tcb.snd_mss;
    c.cc.cwnd = c.syn_rtx ? mss
                              : std::min(config_.initial_window_segments * mss, std::max(2 * mss, 14600u));
    c.cc_ops->init(c.cc, host_.now());
    c.recovery = RecoveryState::kOpen;
    c.recover = c.tcb.snd_una - 1;
    c.dupacks = 0;
    c.reno_dup_bytes = 0;
    c.force_rtx = false;
    c.snd_sml = c.tcb.snd_una;
    c.delivered_time = host_.now();
    c.stats.reordering = config_.dupthresh;
}

// RFC 2018 section 3 blocks, each checked against what we sent (RFC 6675 section 4 ignores a
// block that is not entirely between SND.UNA and SND.NXT). A first block below the cumulative
// ACK or inside the second is a D-SACK (RFC 2883 4): the peer had that data already, and RACK's
// reordering window grows (RFC 8985 6.2 step 4).
uint32_t TcpLayer::process_sack_blocks(TcpConnection& c, const TcpRepr& seg, RateSource& rs) {
    uint32_t newly = 0;
    const SeqNum ack = *seg.ack_number;
    uint8_t first = 0;
    const TcpSackBlock& b0 = seg.sack_blocks[0];
    const TcpSackBlock& b1 = seg.sack_blocks[1];
    if (b0.left < b0.right &&
        (b0.left < ack || (seg.sack_block_count > 1 && b1.left <= b0.left && b0.right <= b1.right))) {
        ++counters_.dsacks_received;
        ++c.stats.dsack_or_spurious;
        rs.dsack = true;
        first = 1;
    }
    for (uint8_t i = first; i < seg.sack_block_count; ++i) {
        const TcpSackBlock& b = seg.sack_blocks[i];
        if (!(b.left < b.right) || b.left < ack || b.left < c.tcb.snd_una || b.right > c.tcb.snd_nxt) {
            ++counters_.sack_blocks_ignored;
            continue;
        }
        newly += c.sb.sack(b.left, b.right, rs);
    }
    return newly;
}

void TcpLayer::sender_ack(TcpConnection& c, const TcpRepr& seg, SeqNum prior_una, uint32_t prior_in_flight,
                          uint32_t prior_wnd, RateSource& rs) {
    if (c.cc_ops == nullptr) return;  // not established yet
    const SeqNum ack = *seg.ack_number;
    const uint32_t acked = ack > prior_una ? static_cast<uint32_t>(ack - prior_una) : 0;
    uint32_t sacked = 0;
    if (c.tcb.sack_ok && seg.sack_block_count > 0) sacked = process_sack_blocks(c, seg, rs);
    if (acked + sacked > 0) {
        c.delivered += acked + sacked;
        c.delivered_time = host_.now();
    }
    const uint32_t flight = static_cast<uint32_t>(c.tcb.snd_nxt - prior_una);
    // RFC 5681 section 2 (DUPLICATE ACKNOWLEDGMENT): nothing new acknowledged, data outstanding,
    // no data or SYN/FIN, the same window; with SACK, an ACK that SACKs new data (RFC 6675 2).
    const bool dup = acked == 0 && flight > 0 && ack == prior_una &&
                     ((c.tcb.sack_ok && sacked > 0) ||
                      (seg.payload.empty() && seg.control == TcpControl::kNone && c.tcb.snd_wnd == prior_wnd));
    const bool was_recovering = c.recovery == RecoveryState::kRecovery;
    const uint32_t lost_before = c.sb.lost_segments();
    // What this ACK says left the network: without SACK a duplicate ACK stands for one segment.
    const uint32_t delivered = acked + sacked + (dup && !c.tcb.sack_ok ? c.cc.mss : 0);
    if (acked > 0) {
        // The peer discarded data it had SACKed if the ACK stops at a SACKed segment (RFC 2018 8).
        if (!c.sb.empty() && c.sb.front().has(TxRecord::kSacked) && c.sb.front().seq == ack) {
            ++counters_.sack_reneging;
            c.sb.clear_sacked();
            c.sb.mark_lost_record(0);
        }
        if (c.recovery != RecoveryState::kOpen && ack >= c.recover) {
            // Full ACK: recovery is over (RFC 6582 3.2 step 3, RFC 6675 section 5).
            if (c.recovery == RecoveryState::kRecovery) {
                c.cc.cwnd = std::max(c.cc.ssthresh, c.cc.mss);
                c.cc_ops->on_recovery_exit(c.cc, host_.now());
            }
            c.recovery = RecoveryState::kOpen;
            rack_recovery_done(c);
            c.reno_dup_bytes = 0;
        } else if (c.recovery == RecoveryState::kRecovery && !c.tcb.sack_ok) {
            // RFC 6582 3.2 step 4, partial ACK: the first unacknowledged segment is lost too.
            // One ACK covered the hole; the rest of what it acknowledged had been counted by
            // duplicate ACKs (Linux's tcp_remove_reno_sacks).
            const uint32_t beyond = acked > c.cc.mss ? acked - c.cc.mss : 0;
            c.reno_dup_bytes -= std::min(c.reno_dup_bytes, beyond);
            if (c.sb.mark_lost_record(0)) c.force_rtx = true;
            ++counters_.partial_acks;
        }
        c.dupacks = 0;
        if (c.recovery == RecoveryState::kOpen) c.reno_dup_bytes = 0;
    } else if (dup) {
        ++c.dupacks;
        ++counters_.dup_acks;
        if (!c.tcb.sack_ok) {
            // One segment left the network; never more than are outstanding and not lost.
            const uint32_t cap = flight > c.sb.lost_bytes() ? flight - c.sb.lost_bytes() : 0;
            c.reno_dup_bytes = std::min(c.reno_dup_bytes + c.cc.mss, cap);
        }
    }
    if (c.tlp_active) {
        const bool not_dup = acked > 0 || !seg.payload.empty() || c.tcb.snd_wnd != prior_wnd;
        tlp_ack(c, seg, acked, sacked, flight, not_dup, rs);
    }
    if (rs.dsack || c.rack_dsack_round_open) rack_dsack_round(c, rs.dsack);
    if (c.tcb.sack_ok && rack_update(c, rs) && !c.sb.empty()) rack_detect_loss(c);
    if (c.recovery == RecoveryState::kOpen && !c.sb.empty()) {
        // With SACK, RACK decided what is lost. Without, RFC 6582 section 4.1: duplicate ACKs of
        // exactly "recover" may come from the previous recovery's retransmissions and start none.
        const bool loss = c.tcb.sack_ok ? c.sb.lost_bytes() > 0
                                        : c.dupacks >= config_.dupthresh && c.tcb.snd_una != c.recover;
        if (loss) {
            enter_fast_recovery(c, flight);
            prr_ack(c, delivered, false, true);
            return;
        }
    }
    if (c.recovery == RecoveryState::kRecovery) {
        prr_ack(c, delivered, acked > 0, c.sb.lost_segments() > lost_before);
        return;
    }
    // The ACK that ends a recovery does not grow the window it just set (as Linux).
    if (!was_recovering && c.recovery != RecoveryState::kRecovery && acked + sacked > 0) {
        grow_cwnd(c, acked, sacked, prior_in_flight, rs);
    }
}

// RFC 5681 3.2 steps 2-3, RFC 6675 section 5 step 4, RFC 6582 3.2 step 2.
void TcpLayer::enter_fast_recovery(TcpConnection& c, uint32_t flight) {
    c.recovery = RecoveryState::kRecovery;
    c.recover = c.tcb.snd_nxt;
    c.prr_recover_fs = std::max(c.cc.cwnd, c.cc.mss);
    c.prr_delivered = 0;
    c.prr_out = 0;
    reduce_cwnd(c, flight);  // ssthresh; prr_ack sets cwnd from what each ACK delivers
    // Fast retransmit of the first unacknowledged segment; with SACK, of the first RACK found
    // lost (the first segment may be a retransmission still in time).
    if (!c.tcb.sack_ok) c.sb.mark_lost_record(0);
    c.force_rtx = true;
    ++c.stats.fast_recoveries;
    ++counters_.fast_retransmits;
}

// A loss seen: ssthresh from the congestion control, and cwnd down to it at once, without window
// inflation (pipe already discounts what duplicate ACKs and SACKs reported). It ends a loss
// probe's episode: the one reduction covers the loss the probe may have repaired (as Linux's
// tcp_init_cwnd_reduction).
void TcpLayer::reduce_cwnd(TcpConnection& c, uint32_t flight) {
    c.cc.ssthresh = c.cc_ops->ssthresh(c.cc, flight, host_.now());
    c.cc.cwnd = c.cc.ssthresh;
    c.tlp_active = false;
}

// RFC 6937 (Linux's tcp_cwnd_reduction) on each ACK in fast recovery: while more than ssthresh
// is in flight, send in proportion to what was delivered (ssthresh / RecoverFS of it), so that
// the window comes down to ssthresh by the end of the round trip instead of falling silent at
// once; below ssthresh, grow back towards it no faster than slow start (PRR-SSRB). At least
// one segment goes on the ACK that starts recovery (the fast retransmit). Expressed as cwnd =
// pipe + what may be sent now, for the send loops.
void TcpLayer::prr_ack(TcpConnection& c, uint32_t delivered, bool una_advanced, bool newly_lost) {
    c.prr_delivered += delivered;
    const uint32_t in_flight = pipe(c);
    const uint32_t ssthresh = c.cc.ssthresh;
    int64_t send;
    if (in_flight > ssthresh) {
        const uint64_t due = (static_cast<uint64_t>(ssthresh) * c.prr_delivered + c.prr_recover_fs - 1) /
                             c.prr_recover_fs;
        send = static_cast<int64_t>(due) - c.prr_out;
    } else {
        int64_t limit = std::max<int64_t>(static_cast<int64_t>(c.prr_delivered) - c.prr_out, delivered);
        if (una_advanced && !newly_lost) limit += c.cc.mss;
        send = std::min<int64_t>(ssthresh - in_flight, limit);
    }
    send = std::max<int64_t>(send, c.prr_out == 0 ? c.cc.mss : 0);
    // A long recovery's prr_delivered can outgrow RecoverFS many times over: cwnd saturates.
    c.cc.cwnd = static_cast<uint32_t>(
        std::min<int64_t>(in_flight + send, std::numeric_limits<uint32_t>::max()));
}

void TcpLayer::grow_cwnd(TcpConnection& c, uint32_t acked, uint32_t sacked, uint32_t prior_in_flight,
                         const RateSource& rs) {
    AckSample a;
    a.now = host_.now();
    a.acked = acked;
    a.sacked = sacked;
    a.in_flight = prior_in_flight;
    // RFC 7661: grow only a window that was used (slow start: half of it, as Linux).
    a.cwnd_limited = c.cwnd_limited || (c.cc.in_slow_start() ? prior_in_flight * 2 >= c.cc.cwnd
                                                              : prior_in_flight + c.cc.mss >= c.cc.cwnd);
    a.rtt = rs.rtt;
    a.min_rtt = c.min_rtt;
    if (rs.valid) {
        a.delivered = static_cast<uint32_t>(c.delivered) - rs.prior_delivered;  // modulo 2^32
        a.interval = a.now - rs.prior_time;
    }
    a.snd_una = c.tcb.snd_una;
    a.snd_nxt = c.tcb.snd_nxt;
    const uint32_t before = c.cc.cwnd;
    const uint32_t ssthresh_before = c.cc.ssthresh;
    c.cc_ops->on_ack(c.cc, a);
    // Only HyStart++ changes ssthresh in on_ack (congestion_control.hpp).
    if (c.cc.ssthresh != ssthresh_before) ++counters_.hystart_exits;
    // Bounded: the window never needs to exceed what the send buffer can put in flight.
    const uint32_t cap = std::max<uint32_t>(static_cast<uint32_t>(c.snd_buf.capacity()) * 2, before);
    if (c.cc.cwnd > cap) c.cc.cwnd = cap;
}

}  // namespace tachyon
