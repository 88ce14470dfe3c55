// TCP micro-benchmarks on fake IP hosts (no device, no Ethernet/IP): the cost of the TCP layer
// alone.
//   BM_HandshakeAndClose: open, three-way handshake, accept, close from both sides, TIME-WAIT
//     expiry (the timer wheel included) between two layers in one thread.
//   BM_ReceiveInOrderSegment: one in-order 1448-byte data segment into an established
//     connection, with its ACK generated and emitted and the data read by the application
//     (checksum trusted as with a device's RX offload; the segment copy into a packet included).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "stack/tcp/tcp_layer.hpp"
#include "tests/support/fake_ip_host.hpp"

namespace tachyon {
namespace {

constexpr Ipv4Address kA = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kB = Ipv4Address::from_octets(10, 0, 0, 2);

// Hands every segment one host sent to the other layer; returns how many.
size_t shuttle(test::FakeIpHost& from, TcpLayer& to) {
    size_t n = 0;
    while (!from.sent().empty()) {
        test::SentPacket s = std::move(from.sent().front());
        from.sent().pop_front();
        to.input(s.ip, std::move(s.pkt));
        ++n;
    }
    return n;
}

void BM_HandshakeAndClose(benchmark::State& state) {
    test::FakeIpHost ha(kA, 1, 64);
    test::FakeIpHost hb(kB, 2, 64);
    TcpConfig cfg;
    cfg.max_connections = 64;
    cfg.defaults.send_buffer = 16 * 1024;
    cfg.defaults.receive_buffer = 16 * 1024;
    TcpLayer a(ha, cfg);
    TcpLayer b(hb, cfg);
    auto l = b.listen({kB, 80}, 16);
    uint16_t port = 10000;
    for (auto _ : state) {
        auto c = a.open({kA, port}, {kB, 80});
        port = static_cast<uint16_t>(port == 60000 ? 10000 : port + 1);
        shuttle(ha, b);  // SYN
        shuttle(hb, a);  // SYN,ACK
        shuttle(ha, b);  // ACK
        auto s = b.accept(l.value());
        (void)a.close(c.value());
        shuttle(ha, b);  // FIN
        shuttle(hb, a);  // ACK
        (void)b.close(s.value());
        shuttle(hb, a);  // FIN
        shuttle(ha, b);  // ACK
        ha.advance(Duration::from_secs(61));  // TIME-WAIT ends
        hb.advance(Duration::from_secs(61));
        benchmark::DoNotOptimize(a.connections_in_use());
    }
    state.counters["conn/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HandshakeAndClose);

void BM_ReceiveInOrderSegment(benchmark::State& state) {
    test::FakeIpHost ha(kA, 1, 64);
    test::FakeIpHost hb(kB, 2, 64);
    TcpConfig cfg;
    cfg.max_connections = 4;
    TcpLayer a(ha, cfg);
    TcpLayer b(hb, cfg);
    auto l = b.listen({kB, 80}, 4);
    auto c = a.open({kA, 40000}, {kB, 80});
    shuttle(ha, b);
    shuttle(hb, a);
    shuttle(ha, b);
    const TcpHandle server = b.accept(l.value()).value();
    // One real data segment from A, kept as a template.
    std::vector<std::byte> data(1448, std::byte{0x61});
    (void)a.send(c.value(), data);
    test::SentPacket tmpl = std::move(ha.sent().front());
    ha.sent().pop_front();
    const std::vector<std::byte> bytes(tmpl.pkt.bytes().begin(), tmpl.pkt.bytes().end());
    TcpSegment view(tmpl.pkt.bytes());
    SeqNum seq = view.seq_number();
    PacketPool pool(64);
    std::vector<std::byte> sink(64 * 1024);
    for (auto _ : state) {
        Packet p = pool.alloc();
        std::byte* d = p.append(bytes.size());
        std::memcpy(d, bytes.data(), bytes.size());
        TcpSegment seg(p.bytes());
        seg.set_seq_number(seq);
        p.meta().rx_flags = PacketMeta::kRxL4CsumGood;
        b.input(tmpl.ip, std::move(p));
        seq += 1448;
        hb.sent().clear();  // the ACK
        benchmark::DoNotOptimize(b.receive(server, sink).value());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1448);
}
BENCHMARK(BM_ReceiveInOrderSegment);

}  // namespace
}  // namespace tachyon

BENCHMARK_MAIN();
