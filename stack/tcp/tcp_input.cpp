// Segment input: parse, demultiplex by 4-tuple then by listening port, and the CLOSED state
// (RFC 9293 3.10.7.1). TIME-WAIT's acceptance of a new SYN (RFC 6191) is decided here, before the
// segment reaches the TIME-WAIT connection.
#include <cerrno>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

void TcpLayer::count_parse_error(WireError e) {
    switch (e) {
        case WireError::kBadChecksum: ++counters_.bad_checksum; break;
        case WireError::kBadOption: ++counters_.bad_option; break;
        case WireError::kBadFlags: ++counters_.bad_flags; break;
        default: ++counters_.bad_header; break;
    }
}

void TcpLayer::input(const Ipv4Repr& ip, Packet pkt) {
    ++counters_.segments_received;
    TcpSegment segment(pkt.bytes());
    if (const WireError e = segment.check(); e != WireError::kNone) {
        count_parse_error(e);
        return;
    }
    const uint8_t rx = pkt.meta().rx_flags;
    if ((rx & PacketMeta::kRxL4CsumBad) != 0) {
        ++counters_.bad_checksum;
        return;
    }
    const ChecksumCheck check =
        (rx & PacketMeta::kRxL4CsumGood) != 0 ? ChecksumCheck::kTrusted : ChecksumCheck::kVerify;
    const Parsed<TcpRepr> parsed = TcpRepr::parse(segment, ip.src_addr, ip.dst_addr, check);
    if (!parsed) {
        count_parse_error(parsed.error());
        return;
    }
    const TcpRepr& seg = parsed.value();
    // RFC 1122 4.2.3.10: a SYN (indeed any segment) to or from a broadcast or multicast address
    // is dropped, and nothing is ever answered to one.
    if (ip.src_addr.is_broadcast() || ip.src_addr.is_multicast() || ip.src_addr.is_unspecified() ||
        ip.dst_addr.is_broadcast() || ip.dst_addr.is_multicast() || seg.src_port == 0 ||
        seg.dst_port == 0) {
        ++counters_.bad_address;
        return;
    }
    const TcpTuple t{ip.dst_addr, seg.dst_port, ip.src_addr, seg.src_port};
    std::optional<SeqNum> iss_floor;
    TcpListener* l = nullptr;
    // TIME-WAIT is a connection still held by its user, or an orphan's compact record.
    TcpConnection* c = table_.find(t);
    TimeWaitRecord* r = c == nullptr ? time_wait_.find(t) : nullptr;
    if (c != nullptr || r != nullptr) {
        const bool reopens = c != nullptr ? c->state == TcpState::kTimeWait &&
                                                time_wait_accepts_syn(c->tcb.ts_ok, c->tcb.ts_recent, c->tcb.rcv_nxt, seg)
                                          : time_wait_accepts_syn(r->ts_ok, r->ts_recent, r->rcv_nxt, seg);
        // Only a listener can take the new incarnation: without one the SYN is the TIME-WAIT
        // connection's own business (a challenge ACK, RFC 9293 3.10.7.4 fourth step), as on
        // Linux (tcp_v4_rcv: TCP_TW_SYN with no listener falls through to TCP_TW_ACK).
        if (!reopens || (l = listeners_.find(ip.dst_addr, seg.dst_port)) == nullptr) {
            if (c != nullptr) {
                connection_input(*c, seg);
            } else {
                time_wait_input(*r, seg);
            }
            return;
        }
        // RFC 6191 / RFC 1122 4.2.2.13: the old incarnation ends; the new one starts above the
        // sequence space it used (Linux: its SND.NXT + 64 KiB + 2).
        ++counters_.time_wait_syn_accepted;
        if (c != nullptr) {
            iss_floor = c->tcb.snd_nxt + 65535 + 2;
            enter_closed(*c, 0);
            finish(*c);
        } else {
            iss_floor = r->snd_nxt + 65535 + 2;
            drop_time_wait(*r);
        }
    }
    if (l == nullptr) l = listeners_.find(ip.dst_addr, seg.dst_port);
    if (l != nullptr) {
        listen_input(*l, t, seg, iss_floor);
        return;
    }
    closed_input(t, seg);
}

// RFC 9293 3.10.7.1: no TCB. An incoming RST is discarded; anything else is answered with RST.
void TcpLayer::closed_input(const TcpTuple& t, const TcpRepr& seg) {
    ++counters_.no_connection;
    if (seg.control == TcpControl::kRst) return;
    if (seg.ack_number) {
        send_rst(t, {*seg.ack_number, std::nullopt});  // <SEQ=SEG.ACK><CTL=RST>
    } else {
        // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        send_rst(t, {SeqNum(0), seg.seq_number + seg.segment_len()});
    }
}

// RFC 6191 section 2: a SYN may reopen a connection in TIME-WAIT when it is provably new: its
// timestamp is newer than TS.Recent when both use timestamps, otherwise (RFC 1122 4.2.2.13) its
// sequence number is above RCV.NXT.
bool TcpLayer::time_wait_accepts_syn(bool ts_ok, uint32_t ts_recent, SeqNum rcv_nxt, const TcpRepr& seg) const {
    if (seg.control != TcpControl::kSyn || seg.ack_number) return false;
    if (ts_ok && seg.timestamp) {
        const int32_t d = static_cast<int32_t>(seg.timestamp->tsval - ts_recent);
        if (d > 0) return true;
        if (d < 0) return false;
        // Equal timestamps: fall back on the sequence number check.
    }
    return seg.seq_number > rcv_nxt;
}

void TcpLayer::connection_input(TcpConnection& c, const TcpRepr& seg) {
    c.last_rx = host_.now();  // keepalive idle time
    ++c.stats.segs_in;
    if (c.state == TcpState::kTimeWait) {
        time_wait_input(c, seg);
        finish(c);
        return;
    }
    const RxActions actions =
        c.state == TcpState::kSynSent ? syn_sent_arrives(c, seg) : segment_arrives(c, seg);
    dispatch(c, actions);
    finish(c);
}

}  // namespace tachyon
