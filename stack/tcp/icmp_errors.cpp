// ICMP errors about our segments, as Linux's tcp_v4_err: RFC 5927's check that the quoted
// sequence number is in flight, path MTU discovery (RFC 1191 section 6.3: "fragmentation needed"
// lowers the connection's MSS and what it dropped goes again, cut to size), and RFC 1122 4.2.3.9
// for the rest: a connection being opened gives up with the error, an established one only keeps
// it to report if it later times out (routing may recover; Linux calls these soft errors).
#include <algorithm>

#include "stack/path_mtu_cache.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/wire/bytes.hpp"

namespace tachyon {

namespace {

constexpr uint32_t kIpAndTcpHeaders = 40;

}  // namespace

void TcpLayer::icmp_error(const IcmpError& e) {
    // The quoted header: source port, destination port, sequence number (RFC 9293 3.1).
    const std::byte* th = e.transport.data();
    const TcpTuple t{e.local, wire::load_be16(th), e.remote, wire::load_be16(th + 2)};
    const SeqNum seq(wire::load_be32(th + 4));
    TcpConnection* c = table_.find(t);
    if (c == nullptr || c->state == TcpState::kTimeWait || c->state == TcpState::kClosed) {
        ++counters_.icmp_no_connection;
        return;
    }
    if (c->passive && c->state == TcpState::kSynReceived) {
        // Our SYN,ACK. As Linux's tcp_req_err: only a host or network that is not there (or a
        // loop) drops the half-open child; for the rest the SYN,ACK retransmissions go on.
        if (seq != c->tcb.iss) {
            ++counters_.icmp_out_of_window;
            return;
        }
        ++counters_.icmp_errors;
        const bool gone = e.type == Icmpv4Type::kTimeExceeded ||
                          e.code == static_cast<uint8_t>(Icmpv4Unreachable::kNetUnreachable) ||
                          e.code == static_cast<uint8_t>(Icmpv4Unreachable::kHostUnreachable);
        if (gone) {
            ++counters_.icmp_aborts;
            enter_closed(*c, 0);
            finish(*c);
        }
        return;
    }
    // RFC 5927 section 4.1: an error about data not in flight is forged or stale.
    if (seq < c->tcb.snd_una || seq > c->tcb.snd_nxt) {
        ++counters_.icmp_out_of_window;
        return;
    }
    ++counters_.icmp_errors;
    if (e.fragmentation_needed()) {
        reduce_path_mtu(*c, e.next_hop_mtu);
        return;
    }
    if (c->state == TcpState::kSynSent || c->state == TcpState::kSynReceived) {
        // Linux aborts an opening connection on every error: connect() fails now with it
        // (ECONNREFUSED, EHOSTUNREACH, ...) rather than after the SYN retries time out.
        ++counters_.icmp_aborts;
        enter_closed(*c, icmp_error_meaning(e).error);
        finish(*c);
        return;
    }
    c->soft_error = static_cast<uint8_t>(icmp_error_meaning(e).error);
}

// RFC 1191 section 6.3, as Linux's tcp_v4_mtu_reduced and tcp_simple_retransmit: the host keeps
// the path's MTU for later connections (IpHost::lower_path_mtu), the MSS of every segment from now
// on fits it; segments in flight that do not are lost (the router dropped them) and are sent again
// at once, cut to the new size, without a congestion window reduction: nothing says the path is
// congested. The Loss state keeps the next ACKs from taking
// those losses for congestion and ends when everything sent before is acknowledged.
void TcpLayer::reduce_path_mtu(TcpConnection& c, uint16_t next_hop_mtu) {
    host_.lower_path_mtu(c.tuple.remote_addr, next_hop_mtu);
    const uint32_t mtu = PathMtuCache::clamp(next_hop_mtu);
    if (!is_synchronized(c.state)) return;  // no MSS yet: the handshake takes the path's
    const uint32_t mss = mtu - kIpAndTcpHeaders - c.tcb.fixed_option_len();
    if (mss >= c.tcb.snd_mss) return;  // RFC 1191: an MTU no smaller than ours says nothing new
    ++counters_.pmtu_reductions;
    c.tcb.snd_mss = static_cast<uint16_t>(mss);
    c.cc.mss = mss;
    bool lost = false;
    for (size_t i = 0; i < c.sb.size(); ++i) {
        const TxRecord& r = c.sb.at(i);
        const bool fin = c.fin_queued && r.end() == c.fin_seq() + 1;  // takes no room in the segment
        if (r.len - (fin ? 1u : 0u) > mss) lost |= c.sb.mark_lost_record(i);
    }
    if (!lost) return;
    if (c.recovery != RecoveryState::kLoss) {
        c.recovery = RecoveryState::kLoss;
        c.recover = c.tcb.snd_nxt;
    }
    output(c, false);
}

}  // namespace tachyon
