// The fast-path scenarios shared by bench_tcp (Google Benchmark, ns per operation) and
// fastpath_driver (a fixed number of operations, for `valgrind --tool=callgrind`: instructions per
// operation, bench/callgrind.sh):
//   RxAckFixture  one in-order 1448-byte data segment into an established connection, its ACK
//                 generated and emitted, the data read by the application (TCP layer alone, on fake
//                 IP hosts; checksum trusted as with a device's RX offload; the copy of the
//                 segment into a packet included); step_in_place() is the stack's own share:
//                 the segment already in the buffer as a NIC leaves it, read in place
//   LinkPair      two Stacks in one thread over the memory link (no faults): TCP, IPv4, Ethernet,
//                 the link's queues, on the TSC clock; ping_pong() is one 64-byte round trip,
//                 bulk_round() fills the send buffer, moves the frames and reads what arrived;
//                 connect_round() is one short connection (connect, 64-byte request and
//                 answer, close from both ends; the client's port comes back from TIME-WAIT
//                 after 1 ms, as in `tachyon perf --mode cps`); software checksums, or the
//                 link's virtual checksum offload.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "tests/support/fake_ip_host.hpp"

namespace tachyon::bench {

inline constexpr Ipv4Address kA = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kB = Ipv4Address::from_octets(10, 0, 0, 2);

// Ends the turn on one fake host (what its layer owes by then is sent) and hands every segment it
// sent to the other layer; returns how many.
inline size_t shuttle(test::FakeIpHost& from, TcpLayer& to) {
    from.end_turn();
    size_t n = 0;
    while (!from.sent().empty()) {
        test::SentPacket s = std::move(from.sent().front());
        from.sent().pop_front();
        to.input(s.ip, std::move(s.pkt));
        ++n;
    }
    return n;
}

class RxAckFixture {
public:
    RxAckFixture() : ha_(kA, 1, 64), hb_(kB, 2, 64), a_(ha_, config()), b_(hb_, config()), sink_(64 * 1024) {
        ha_.attach(&a_);
        hb_.attach(&b_);
        auto l = b_.listen({kB, 80}, 4);
        auto c = a_.open({kA, 40000}, {kB, 80});
        shuttle(ha_, b_);
        shuttle(hb_, a_);
        shuttle(ha_, b_);
        server_ = b_.accept(l.value()).value();
        // One real data segment from A, kept as a template.
        std::vector<std::byte> data(1448, std::byte{0x61});
        (void)a_.send(c.value(), data);
        test::SentPacket tmpl = std::move(ha_.sent().front());
        ha_.sent().pop_front();
        ip_ = tmpl.ip;
        bytes_.assign(tmpl.pkt.bytes().begin(), tmpl.pkt.bytes().end());
        seq_ = TcpSegment(tmpl.pkt.bytes()).seq_number();
        header_len_ = TcpSegment(tmpl.pkt.bytes()).header_len();
        // Every buffer of the pool holds the whole segment once, for step_in_place().
        std::vector<Packet> all;
        while (Packet p = pool_.alloc()) {
            std::memcpy(p.append(bytes_.size()), bytes_.data(), bytes_.size());
            all.push_back(std::move(p));
        }
    }

    // One poll step's work: the last turn's end (the window update owed since the last read goes
    // out), one segment in, its ACK out (both dropped), its data read; returns the bytes read.
    size_t step() {
        deliver(bytes_.size());
        return b_.receive(server_, sink_).value();
    }

    // The stack's own share of step(): the segment is already in a packet buffer, as a NIC's DMA
    // leaves it (each buffer holds it since the constructor; only the header is written, for the
    // sequence number), and the application reads in place (receive_peek, receive_consume) instead
    // of copying out. Returns the bytes consumed.
    size_t step_in_place() {
        deliver(header_len_);
        const size_t n = b_.receive_peek(server_, sink_.size()).value().size();
        (void)b_.receive_consume(server_, n);
        return n;
    }

private:
    static TcpConfig config() {
        TcpConfig cfg;
        cfg.max_connections = 4;
        return cfg;
    }

    // The turn's end, then the next segment in (its first `copy` bytes written into the buffer)
    // and its ACK, if any, dropped.
    void deliver(size_t copy) {
        hb_.end_turn();
        Packet p = pool_.alloc();
        std::byte* d = p.append(bytes_.size());
        std::memcpy(d, bytes_.data(), copy);
        TcpSegment seg(p.bytes());
        seg.set_seq_number(seq_);
        p.meta().rx_flags = PacketMeta::kRxL4CsumGood;
        b_.input(ip_, std::move(p));
        seq_ += 1448;
        hb_.sent().clear();
    }

    test::FakeIpHost ha_;
    test::FakeIpHost hb_;
    TcpLayer a_;
    TcpLayer b_;
    TcpHandle server_;
    Ipv4Repr ip_;
    std::vector<std::byte> bytes_;
    SeqNum seq_;
    size_t header_len_ = 0;
    PacketPool pool_{64};
    std::vector<std::byte> sink_;
};

class LinkPair {
public:
    // checksum_offload: the link's virtual offload (drivers/memory/memory_link.hpp), standing for
    // a NIC's; without it both stacks compute and verify every checksum in software.
    explicit LinkPair(const TcpConnConfig& conn, bool checksum_offload = false, size_t max_connections = 4)
        : link_(link_config(checksum_offload)) {
        StackConfig sa;
        sa.clock = &clock_;
        sa.address = Ipv4Cidr{kA, 24};
        sa.pool_size = 8192;
        sa.tx_queue_len = 4096;
        StackConfig sb = sa;
        sb.address = Ipv4Cidr{kB, 24};
        sb.seed = 2;
        auto ra = Stack::create(link_.a(), sa);
        auto rb = Stack::create(link_.b(), sb);
        if (!ra.ok() || !rb.ok()) {
            std::fprintf(stderr, "stack setup: %s\n", (!ra.ok() ? ra.error() : rb.error()).message().c_str());
            std::abort();
        }
        a_ = std::move(ra.value());
        b_ = std::move(rb.value());
        TcpConfig tc;
        tc.max_connections = max_connections;
        tc.defaults = conn;
        tc.time_wait_reuse_delay = Duration::from_ms(1);
        tcp_a_ = std::make_unique<TcpLayer>(*a_, tc);
        tcp_b_ = std::make_unique<TcpLayer>(*b_, tc);
        a_->set_protocol_handler(IpProtocol::kTcp, tcp_a_.get());
        b_->set_protocol_handler(IpProtocol::kTcp, tcp_b_.get());
        listener_ = tcp_b_->listen({kB, 80}, 64).value();
        a_->poll();
        ca_ = tcp_a_->open({}, {kB, 80}).value();
        cb_ = accept_one();
    }
    // Frames still queued in the link belong to the stacks' pools: drain them first.
    ~LinkPair() {
        a_->set_protocol_handler(IpProtocol::kTcp, nullptr);
        b_->set_protocol_handler(IpProtocol::kTcp, nullptr);
        tcp_a_.reset();
        tcp_b_.reset();
        for (int i = 0; i < 1000 && (a_->pool().in_use() + b_->pool().in_use()) > 0; ++i) poll();
        a_.reset();
        b_.reset();
    }
    LinkPair(const LinkPair&) = delete;
    LinkPair& operator=(const LinkPair&) = delete;

    static TcpConnConfig ping_pong_config() {
        TcpConnConfig conn;
        conn.nodelay = true;
        return conn;
    }
    static TcpConnConfig bulk_config() {
        TcpConnConfig conn;
        conn.send_buffer = conn.receive_buffer = 1 << 20;
        return conn;
    }

    void poll() {
        a_->poll();
        b_->poll();
    }

    // A 64-byte message A -> B and the same back (TCP_NODELAY).
    void ping_pong() {
        (void)tcp_a_->send(ca_, msg_);
        receive_exactly(*tcp_b_, cb_, msg_.size());
        (void)tcp_b_->send(cb_, msg_);
        receive_exactly(*tcp_a_, ca_, msg_.size());
    }

    // One short connection: A connects and sends 64 bytes once established, B accepts, answers
    // and A closes when the answer is in; B closes on the end of stream. A's end stays in
    // TIME-WAIT (reused 1 ms on).
    void connect_round() {
        const TcpHandle c = tcp_a_->open({}, {kB, 80}).value();
        while (tcp_a_->state(c) != TcpState::kEstablished) poll();
        (void)tcp_a_->send(c, msg_);
        const TcpHandle s = accept_one();
        receive_exactly(*tcp_b_, s, msg_.size());
        (void)tcp_b_->send(s, msg_);
        receive_exactly(*tcp_a_, c, msg_.size());
        (void)tcp_a_->close(c);
        for (;;) {  // B reads the end of stream (0 bytes) and closes
            poll();
            if (auto r = tcp_b_->receive(s, buf_); r.ok() && r.value() == 0) break;
        }
        (void)tcp_b_->close(s);
        while (tcp_b_->connections_in_use() > 1) poll();  // the listener stays
    }

    // One round of bulk transfer A -> B; returns the bytes B read.
    uint64_t bulk_round() {
        while (tcp_a_->send_space(ca_) > 0) {
            if (!tcp_a_->send(ca_, chunk_).ok()) break;
        }
        poll();
        uint64_t received = 0;
        for (;;) {
            auto r = tcp_b_->receive(cb_, sink_);
            if (!r.ok() || r.value() == 0) break;
            received += r.value();
        }
        return received;
    }

    // Segments both stacks sent (what one operation costs in packets).
    uint64_t segments_sent() const {
        return tcp_a_->counters().segments_sent + tcp_b_->counters().segments_sent;
    }
    uint64_t retransmit_timeouts() const { return tcp_a_->counters().retransmit_timeouts; }

private:
    TcpHandle accept_one() {
        for (int i = 0; i < 100000; ++i) {
            poll();
            if (auto r = tcp_b_->accept(listener_); r.ok()) return r.value();
        }
        std::fprintf(stderr, "LinkPair: no connection accepted\n");
        std::abort();
    }
    // Reads n bytes on h: what is there before polling again, as an application does when told
    // it is readable (another poll first would end its turn), then the sending stack's poll step
    // and the receiving one's (tcp's), so that what the sender queued reaches the receiver in the
    // same round (with A always first, a message from B to A took a second round of two steps).
    void receive_exactly(TcpLayer& tcp, TcpHandle h, size_t n) {
        Stack& receiver = &tcp == tcp_a_.get() ? *a_ : *b_;
        Stack& sender = &receiver == a_.get() ? *b_ : *a_;
        size_t got = 0;
        for (;;) {
            if (auto r = tcp.receive(h, buf_); r.ok()) got += r.value();
            if (got >= n) return;
            sender.poll();
            receiver.poll();
        }
    }

    static MemoryLinkConfig link_config(bool checksum_offload) {
        MemoryLinkConfig c;
        c.checksum_offload = checksum_offload;
        c.a.rx_queue_depth = 4096;
        c.b.rx_queue_depth = 4096;
        return c;
    }

    TscClock clock_;
    MemoryLink link_;
    std::unique_ptr<Stack> a_;
    std::unique_ptr<Stack> b_;
    std::unique_ptr<TcpLayer> tcp_a_;
    std::unique_ptr<TcpLayer> tcp_b_;
    TcpListenHandle listener_;
    TcpHandle ca_;
    TcpHandle cb_;
    std::vector<std::byte> msg_ = std::vector<std::byte>(64, std::byte{0x33});
    std::vector<std::byte> buf_ = std::vector<std::byte>(4096);
    std::vector<std::byte> chunk_ = std::vector<std::byte>(64 * 1024, std::byte{0x5a});
    std::vector<std::byte> sink_ = std::vector<std::byte>(256 * 1024);
};

}  // namespace tachyon::bench
