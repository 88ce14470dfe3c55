// Receive-path parse and transmit-path emit of an Ethernet/IPv4/TCP frame carrying timestamps and
// SACK blocks (an ACK during loss recovery), bare and with a full-size payload.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace tachyon {
namespace {

constexpr Ipv4Address kSrc = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kDst = Ipv4Address::from_octets(10, 0, 0, 2);

struct Frame {
    EthernetRepr eth;
    Ipv4Repr ip;
    TcpRepr tcp;
};

Frame make_frame(std::span<const std::byte> payload) {
    Frame f;
    f.eth = {EthernetAddress{{2, 0, 0, 0, 0, 2}}, EthernetAddress{{2, 0, 0, 0, 0, 1}},
             static_cast<uint16_t>(EtherType::kIpv4)};
    f.ip.src_addr = kSrc;
    f.ip.dst_addr = kDst;
    f.ip.protocol = static_cast<uint8_t>(IpProtocol::kTcp);
    f.ip.ident = 0x1234;
    f.tcp.src_port = 40000;
    f.tcp.dst_port = 80;
    f.tcp.seq_number = SeqNum(0x6d2c9a12);
    f.tcp.ack_number = SeqNum(0x1f0a3b02);
    f.tcp.window_len = 502;
    f.tcp.timestamp = TcpTimestamp{2882343486u, 1234567890u};
    f.tcp.sack_blocks[0] = {SeqNum(0x1f0a4000), SeqNum(0x1f0a4800)};
    f.tcp.sack_blocks[1] = {SeqNum(0x1f0a5000), SeqNum(0x1f0a5800)};
    f.tcp.sack_block_count = 2;
    f.tcp.payload = payload;
    f.ip.payload_len = static_cast<uint16_t>(f.tcp.buffer_len());
    return f;
}

size_t frame_len(const Frame& f) { return EthernetFrame::kHeaderLen + Ipv4Repr::buffer_len() + f.tcp.buffer_len(); }

bool emit_frame(const Frame& f, std::span<std::byte> buf, ChecksumMode mode) {
    EthernetFrame frame(buf);
    f.eth.emit(frame);
    Ipv4Packet ip(frame.payload());
    f.ip.emit(ip, mode);
    TcpSegment seg(ip.payload());
    f.tcp.emit(seg, f.ip.src_addr, f.ip.dst_addr, mode);
    return true;
}

// The receive path: every layer checked and parsed, as the stack does per frame.
bool parse_frame(std::span<std::byte> buf, ChecksumCheck check) {
    const EthernetFrame frame(buf);
    auto eth = EthernetRepr::parse(frame);
    benchmark::DoNotOptimize(eth);
    if (!eth) return false;
    const Ipv4Packet packet(frame.payload());
    auto ip = Ipv4Repr::parse(packet, check);
    benchmark::DoNotOptimize(ip);
    if (!ip) return false;
    auto tcp = TcpRepr::parse(TcpSegment(packet.payload()), ip->src_addr, ip->dst_addr, check);
    benchmark::DoNotOptimize(tcp);
    return tcp.ok();
}

void BM_Parse(benchmark::State& state, ChecksumCheck check) {
    std::vector<std::byte> payload(static_cast<size_t>(state.range(0)), std::byte{0x5a});
    const Frame f = make_frame(payload);
    std::vector<std::byte> buf(frame_len(f));
    emit_frame(f, buf, ChecksumMode::kCompute);
    for (auto _ : state) {
        benchmark::DoNotOptimize(buf.data());
        const bool ok = parse_frame(buf, check);
        if (!ok) state.SkipWithError("parse failed");
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}

void BM_Emit(benchmark::State& state, ChecksumMode mode) {
    std::vector<std::byte> buf(14 + 20 + 60 + static_cast<size_t>(state.range(0)));
    // The payload is already in place, as when the stack builds a segment in a TX buffer.
    const Frame probe = make_frame({});
    const size_t payload_at = 14 + 20 + probe.tcp.header_len();
    std::memset(buf.data() + payload_at, 0x5a, static_cast<size_t>(state.range(0)));
    const Frame f = make_frame(std::span(buf).subspan(payload_at, static_cast<size_t>(state.range(0))));
    for (auto _ : state) {
        emit_frame(f, buf, mode);
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame_len(f)));
}

BENCHMARK_CAPTURE(BM_Parse, verify, ChecksumCheck::kVerify)->Arg(0)->Arg(1448);
BENCHMARK_CAPTURE(BM_Parse, trusted, ChecksumCheck::kTrusted)->Arg(0)->Arg(1448);
BENCHMARK_CAPTURE(BM_Emit, compute, ChecksumMode::kCompute)->Arg(0)->Arg(1448);
BENCHMARK_CAPTURE(BM_Emit, offload, ChecksumMode::kOffload)->Arg(0)->Arg(1448);

}  // namespace
}  // namespace tachyon

BENCHMARK_MAIN();
