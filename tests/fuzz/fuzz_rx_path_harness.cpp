#include "tests/fuzz/fuzz_rx_path_harness.hpp"

#include <cstdio>

#include "stack/tcp/tcp_state.hpp"
#include "tests/fuzz/rx_path_fuzz.hpp"

namespace tachyon::fuzz {

// Small bounds, so that inputs of a few frames reach them: pool exhaustion, full ARP and UDP
// queues, a full reassembly table, a full SYN queue.
StackConfig rx_stack_config() {
    StackConfig c;
    c.pool_size = 96;
    c.tx_queue_len = 64;
    c.arp.max_entries = 8;
    c.arp.max_pending_per_entry = 4;
    c.arp.max_pending_total = 16;
    c.reassembly.max_datagrams = 2;
    c.reassembly.max_bytes = 8 * 1024;
    c.udp.max_sockets = 4;
    c.udp.queue_len = 8;
    c.icmp.echo_reply_queue = 4;
    return c;
}

TcpConfig rx_tcp_config() {
    TcpConfig c;
    c.max_connections = 24;
    c.max_listeners = 4;
    c.max_backlog = 8;
    c.max_syn_backlog = 4;
    // Few retries, so that orphans give up within a few simulated minutes at the end.
    c.syn_retries = 3;
    c.synack_retries = 3;
    c.max_retries = 5;
    c.defaults.send_buffer = 16 * 1024;
    c.defaults.receive_buffer = 8 * 1024;  // a few segments fill the window
    return c;
}

RxPathFuzz::RxPathFuzz() : world_(rx_stack_config()), tcp_(world_.stack(), rx_tcp_config()) {
    world_.stack().set_protocol_handler(IpProtocol::kTcp, &tcp_);
    world_.on_sent = [this](const SentFrame& s) {
        if (!s.tcp) return;
        check_sent_data(*s.tcp);
        model_.observe(*s.tcp);
    };
    world_.on_step = [this] { check_step(); };
}

RxPathFuzz::~RxPathFuzz() {
    if (trace_enabled()) {
        const TcpCounters& c = tcp_.counters();
        const std::vector<uint64_t> v = counter_values(c);
        std::fprintf(stderr, "tcp counters (in declaration order):");
        for (uint64_t x : v) std::fprintf(stderr, " %llu", static_cast<unsigned long long>(x));
        std::fprintf(stderr, "\nconnections: %zu;", tcp_.connections_in_use());
        for (const App& a : apps_) std::fprintf(stderr, " %s", std::string(to_string(tcp_.state(a.handle))).c_str());
        std::fprintf(stderr, "\n");
    }
    world_.on_sent = nullptr;
    world_.on_step = nullptr;
    world_.stack().set_protocol_handler(IpProtocol::kTcp, nullptr);
}

void RxPathFuzz::check_step() {
    Verdict& v = verdict();
    tcp_counters_.update("tcp", counter_values(tcp_.counters()), v);
    v.require(tcp_.connections_in_use() <= tcp_.config().max_connections, "more connections than max_connections");
    v.require(tcp_.time_wait_records() <= tcp_.config().time_wait_capacity(), "more TIME-WAIT records than allowed");
    for (App& a : apps_) check_connection(a);
}

namespace {
// A sequence variable that must never move back; remembers the new value.
void forward_only(std::optional<SeqNum>& last, SeqNum now, const char* what, Verdict& v) {
    if (last && now < *last) v.fail(std::string(what) + " moved back");
    last = now;
}
}  // namespace

// Invariants of one connection the application holds (RFC 9293 3.3.1's sequence variables).
void RxPathFuzz::check_connection(App& a) {
    const TcpConnection* c = tcp_.connection(a.handle);
    if (c == nullptr) return;
    Verdict& v = verdict();
    const Tcb& t = c->tcb;
    const TcpConnConfig& cfg = c->config;
    v.require(static_cast<uint8_t>(c->state) <= static_cast<uint8_t>(TcpState::kTimeWait), "state out of range");
    v.require(tcp_.receive_available(a.handle) <= cfg.receive_buffer, "more readable bytes than the receive buffer");
    v.require(tcp_.send_space(a.handle) <= cfg.send_buffer, "more send space than the send buffer");
    if (!is_synchronized(c->state)) return;
    v.require(t.snd_una <= t.snd_nxt, "SND.UNA is after SND.NXT");
    // Unacknowledged: at most the send buffer plus SYN and FIN.
    v.require(t.snd_nxt - t.snd_una <= static_cast<int32_t>(cfg.send_buffer + 2), "more in flight than was sent");
    // No window check on RCV.NXT: like Linux, a segment that starts inside the window may be
    // taken whole when the buffer has room, beyond the edge last advertised.
    forward_only(a.snd_una, t.snd_una, "SND.UNA", v);
    forward_only(a.snd_nxt, t.snd_nxt, "SND.NXT", v);
    forward_only(a.rcv_nxt, t.rcv_nxt, "RCV.NXT", v);
}

// Data the stack sends, new or retransmitted, is what the application wrote at those sequence
// numbers (RST segments carry none here).
void RxPathFuzz::check_sent_data(const SentTcp& s) {
    const TcpRepr& t = s.tcp;
    if (t.payload.empty()) return;
    if (t.control == TcpControl::kRst) {
        verdict().fail("the stack sent an RST with data");
        return;
    }
    const uint32_t first = t.seq_number.raw() + (t.control == TcpControl::kSyn ? 1u : 0u);
    for (size_t i = 0; i < t.payload.size(); ++i) {
        if (t.payload[i] != sent_byte(t.src_port, first + static_cast<uint32_t>(i))) {
            verdict().fail("the stack sent a byte at seq " + std::to_string(first + i) +
                           " that the application did not write there");
            return;
        }
    }
}

void RxPathFuzz::teardown() {
    for (const App& a : apps_) (void)tcp_.abort(a.handle);
    (void)tcp_.close_listener(listener_);
    (void)world_.stack().udp().close(udp_);
    while (world_.stack().icmp().pop_echo_reply()) {
    }
    world_.settle();
    world_.finish([this] { return tcp_.connections_in_use() == 0; });
    verdict().locate("teardown (" + std::to_string(tcp_.connections_in_use()) + " connections left)");
    if (tcp_.connections_in_use() != 0) {
        verdict().fail(std::to_string(tcp_.connections_in_use()) + " connections never finished");
    }
}

std::string fuzz_rx_path(std::span<const uint8_t> data) {
    RxPathFuzz f;
    f.setup();
    if (f.verdict().ok()) f.run(data);
    if (f.verdict().ok()) f.teardown();
    return f.verdict().error();
}

}  // namespace tachyon::fuzz
