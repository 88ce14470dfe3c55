// fuzz_rx_path's starting position, the same for every input: the peer's handshakes and closes
// that leave the stack with a connection in each interesting state.
#include <string>

#include "stack/tcp/congestion_control.hpp"
#include "stack/tcp/tcp_state.hpp"
#include "tests/fuzz/rx_path_fuzz.hpp"

namespace tachyon::fuzz {

namespace {
constexpr uint16_t kWindow = 64240;
}

// Passive connections keep alive after a short idle time, so that an input with a few clock
// steps reaches the keepalive probes and their timeout.
TcpConnConfig RxPathFuzz::passive_config() const {
    TcpConnConfig c = tcp_.config().defaults;
    c.keepalive = true;
    c.keepalive_idle = Duration::from_secs(20);
    c.keepalive_interval = Duration::from_secs(5);
    c.keepalive_count = 3;
    return c;
}

// Active ones use the other congestion control and a user timeout, without Nagle.
TcpConnConfig RxPathFuzz::active_config() const {
    TcpConnConfig c = tcp_.config().defaults;
    c.congestion = find_congestion("reno");
    c.user_timeout = Duration::from_secs(15);
    c.nodelay = true;
    return c;
}

void RxPathFuzz::send(const TcpSpec& t, Flow* f, Duration step) {
    if (f != nullptr) model_.sending(*f, t);
    const Bytes seg = tcp_segment(t, kPeerIp, kStackIp);
    const Bytes ip = ipv4_packet({.src = kPeerIp, .dst = kStackIp, .protocol = 6}, seg);
    world_.inject(eth_frame(kStackMac, kPeerMac, 0x0800, ip), step);
}

// The next in-order segment of the peer on f, acknowledging everything the stack sent, with
// timestamps when the stack uses them.
void RxPathFuzz::peer_segment(Flow& f, uint8_t flags, size_t payload_len) {
    TcpRepr opts;
    if (f.stack_ts) opts.timestamp = TcpTimestamp{TcpPeerModel::tsval(world_.clock().now()), f.stack_tsval};
    const Bytes options = tcp_option_bytes(opts);
    Bytes payload(payload_len);
    fill_stream(payload, f.peer_port, f.peer_nxt);
    send({.src_port = f.peer_port,
          .dst_port = f.stack_port,
          .seq = f.peer_nxt,
          .ack = f.stack_nxt,
          .flags = flags,
          .window = kWindow,
          .options = options,
          .payload = payload},
         &f);
}

// SYN to the listener and, when `complete`, the ACK of the SYN-ACK.
Flow* RxPathFuzz::passive_open(uint16_t port, uint32_t isn, const Bytes& options, bool complete) {
    send({.src_port = port, .dst_port = kListenPort, .seq = isn, .flags = tcp_flags::kSyn, .window = kWindow,
          .options = options},
         nullptr);
    Flow* f = model_.find(port, kListenPort);
    if (f == nullptr) {
        verdict().fail("setup: no SYN-ACK from the listener for port " + std::to_string(port));
        return nullptr;
    }
    if (complete) peer_segment(*f, tcp_flags::kAck, 0);
    return f;
}

TcpHandle RxPathFuzz::accept_one() {
    auto h = tcp_.accept(listener_);
    if (!h.ok()) {
        verdict().fail("setup: accept failed with errno " + std::to_string(h.code()));
        return {};
    }
    add_handle(h.value());
    return h.value();
}

// An active open to the peer's `port`; when `answer`, the peer's SYN-ACK (with timestamps).
TcpHandle RxPathFuzz::active_open(uint16_t port, bool answer) {
    auto h = tcp_.open({kStackIp, 0}, {kPeerIp, port}, active_config());
    if (!h.ok()) {
        verdict().fail("setup: open failed with errno " + std::to_string(h.code()));
        return {};
    }
    add_handle(h.value());
    world_.settle();
    const auto t = tcp_.tuple(h.value());
    Flow* f = t ? model_.find(port, t->local_port) : nullptr;
    if (f == nullptr) {
        verdict().fail("setup: the active open sent no SYN");
        return h.value();
    }
    if (answer) {
        f->peer_nxt = 7'000'000;
        TcpRepr syn;
        syn.max_seg_size = 1460;
        syn.sack_permitted = true;
        syn.timestamp = TcpTimestamp{TcpPeerModel::tsval(world_.clock().now()), f->stack_tsval};
        syn.window_scale = 7;
        const Bytes options = tcp_option_bytes(syn);
        send({.src_port = port, .dst_port = f->stack_port, .seq = f->peer_nxt, .ack = f->stack_nxt,
              .flags = tcp_flags::kSyn | tcp_flags::kAck, .window = kWindow, .options = options},
             f);
    }
    return h.value();
}

void RxPathFuzz::expect_state(TcpHandle h, TcpState s, const char* what) {
    if (tcp_.state(h) != s) {
        verdict().fail(std::string("setup: ") + what + " is in " + std::string(to_string(tcp_.state(h))) +
                       ", not " + std::string(to_string(s)));
    }
}

void RxPathFuzz::setup() {
    // The peer asks for our MAC, which teaches the stack its own.
    world_.inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0806,
                            arp_packet({ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kStackIp})));
    auto l = tcp_.listen({kStackIp, kListenPort}, 8, passive_config());
    auto u = world_.stack().udp().bind({Ipv4Address::any(), kUdpPort});
    if (!l.ok() || !u.ok()) {
        verdict().fail("setup: listen or bind failed");
        return;
    }
    listener_ = l.value();
    udp_ = u.value();

    TcpRepr linux_syn;  // what a Linux SYN carries
    linux_syn.max_seg_size = 1460;
    linux_syn.sack_permitted = true;
    linux_syn.timestamp = TcpTimestamp{TcpPeerModel::tsval(world_.clock().now()), 0};
    linux_syn.window_scale = 7;
    const Bytes full = tcp_option_bytes(linux_syn);
    TcpRepr mss_syn;
    mss_syn.max_seg_size = 536;
    const Bytes mss_only = tcp_option_bytes(mss_syn);
    // ESTABLISHED with all options, 12000 bytes of ours in flight (enough for fast retransmit).
    if (passive_open(40001, 1'000'000, full, true) == nullptr) return;
    const TcpHandle established = accept_one();
    send_data(apps_.back(), 12000);
    world_.settle();
    // ESTABLISHED without options, 300 bytes of the peer's unread.
    Flow* f = passive_open(40002, 2'000'000, mss_only, true);
    if (f == nullptr) return;
    const TcpHandle unread = accept_one();
    peer_segment(*f, tcp_flags::kAck | tcp_flags::kPsh, 300);
    // FIN-WAIT-2: we closed our side, the peer acknowledged the FIN.
    if ((f = passive_open(40003, 3'000'000, full, true)) == nullptr) return;
    const TcpHandle fin_wait2 = accept_one();
    (void)tcp_.shutdown_write(fin_wait2);
    world_.settle();
    peer_segment(*f, tcp_flags::kAck, 0);
    // CLOSE-WAIT: the peer closed its side.
    if ((f = passive_open(40004, 4'000'000, mss_only, true)) == nullptr) return;
    const TcpHandle close_wait = accept_one();
    peer_segment(*f, tcp_flags::kFin | tcp_flags::kAck, 0);
    // LAST-ACK, orphaned: the peer closed, then we did.
    if ((f = passive_open(40005, 5'000'000, full, true)) == nullptr) return;
    const TcpHandle last_ack = accept_one();
    peer_segment(*f, tcp_flags::kFin | tcp_flags::kAck, 0);
    (void)tcp_.close(last_ack);
    world_.settle();
    // TIME-WAIT, orphaned: we closed first, the peer acknowledged and closed.
    if ((f = passive_open(40006, 6'000'000, full, true)) == nullptr) return;
    const TcpHandle time_wait = accept_one();
    (void)tcp_.close(time_wait);
    world_.settle();
    peer_segment(*f, tcp_flags::kFin | tcp_flags::kAck, 0);
    // SYN-RECEIVED, and an established child waiting in the accept queue.
    if (passive_open(40007, 7'000'000, full, false) == nullptr) return;
    if (passive_open(40008, 8'000'000, mss_only, true) == nullptr) return;
    // Active opens: one answered (ESTABLISHED), one not (SYN-SENT).
    const TcpHandle client = active_open(5000, true);
    const TcpHandle syn_sent = active_open(5001, false);

    expect_state(established, TcpState::kEstablished, "the established connection");
    expect_state(unread, TcpState::kEstablished, "the connection with unread data");
    expect_state(fin_wait2, TcpState::kFinWait2, "the half-closed connection");
    expect_state(close_wait, TcpState::kCloseWait, "the connection the peer closed");
    expect_state(client, TcpState::kEstablished, "the active open");
    expect_state(syn_sent, TcpState::kSynSent, "the unanswered active open");
    // The orphan in TIME-WAIT left its slot for a compact record.
    if (tcp_.connections_in_use() != 9 || tcp_.time_wait_records() != 1) {
        verdict().fail("setup: " + std::to_string(tcp_.connections_in_use()) + " connections and " +
                       std::to_string(tcp_.time_wait_records()) + " TIME-WAIT records, not 9 and 1");
    }
}

}  // namespace tachyon::fuzz
