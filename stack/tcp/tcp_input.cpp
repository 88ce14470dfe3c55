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
    // TIME-WAIT is a connection still held by its user, or an orphan's compact record. A SYN
    // that reopens it ends the old incarnation, and the new one starts above its sequence space.
    if (TcpConnection* c = table_.find(t)) {
        if (c->state != TcpState::kTimeWait ||
            (l = time_wait_reopener(c->tcb.ts_ok, c->tcb.ts_recent, c->tcb.rcv_nxt, t, seg)) == nullptr) {
            rx_packet_ = &pkt;
            connection_input(*c, seg);
            rx_packet_ = nullptr;
            return;
        }
        iss_floor = iss_floor_after(c->tcb.snd_nxt);
        enter_closed(*c, 0);
        finish(*c);
    } else if (TimeWaitRecord* r = time_wait_.find(t)) {
        if ((l = time_wait_reopener(r->ts_ok, r->ts_recent, r->rcv_nxt, t, seg)) == nullptr) {
            time_wait_input(*r, seg);
            return;
        }
        iss_floor = iss_floor_after(r->snd_nxt);
        drop_time_wait(*r);
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
// sequence number is above RCV.NXT. Only a listener can take the new incarnation: without one
// the SYN is the TIME-WAIT's own business (a challenge ACK, RFC 9293 3.10.7.4 fourth step), as
// on Linux (tcp_v4_rcv: TCP_TW_SYN with no listener falls through to TCP_TW_ACK).
TcpListener* TcpLayer::time_wait_reopener(bool ts_ok, uint32_t ts_recent, SeqNum rcv_nxt, const TcpTuple& t,
                                          const TcpRepr& seg) {
    if (seg.control != TcpControl::kSyn || seg.ack_number) return nullptr;
    bool newer = seg.seq_number > rcv_nxt;
    if (ts_ok && seg.timestamp) {
        const int32_t d = static_cast<int32_t>(seg.timestamp->tsval - ts_recent);
        if (d != 0) newer = d > 0;  // equal timestamps: the sequence number decides
    }
    if (!newer) return nullptr;
    TcpListener* l = listeners_.find(t.local_addr, t.local_port);
    if (l != nullptr) ++counters_.time_wait_syn_accepted;
    return l;
}

void TcpLayer::connection_input(TcpConnection& c, const TcpRepr& seg) {
    c.last_rx = host_.now();  // keepalive idle time
    ++c.stats.segs_in;
    if (c.state == TcpState::kTimeWait) {
        time_wait_input(c, seg);
        finish(c);
        return;
    }
    if (c.state == TcpState::kEstablished && config_.header_prediction && predicted(c, seg)) {
        predicted_input(c, seg);
        return;  // still ESTABLISHED: nothing for finish()
    }
    const RxActions actions =
        c.state == TcpState::kSynSent ? syn_sent_arrives(c, seg) : segment_arrives(c, seg);
    dispatch(c, actions);
    finish(c);
}

}  // namespace tachyon
