#include "tests/fuzz/fuzz_ipv4_fragments_harness.hpp"

#include <array>
#include <cstring>

#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace tachyon::fuzz {

namespace {

constexpr uint16_t kPort = 9000;
constexpr uint16_t kFirstSrcPort = 1000;
constexpr size_t kDatagrams = 4;
constexpr Ipv4Address kOtherSrc = Ipv4Address::from_octets(10, 0, 0, 3);
constexpr uint8_t kProtocols[] = {17, 1, 6, 253};

// Few slots and bytes, so that a handful of fragments fills the reassembly table.
StackConfig fragments_config() {
    StackConfig c;
    c.pool_size = 64;
    c.reassembly.max_datagrams = 3;
    c.reassembly.max_bytes = 12 * 1024;
    c.udp.max_sockets = 2;
    c.udp.queue_len = 4;
    return c;
}

std::byte payload_byte(size_t k, size_t i) {
    return i == 0 ? static_cast<std::byte>(k) : static_cast<std::byte>((i * 7 + k * 31) ^ (i >> 8));
}

class FragmentFuzz {
public:
    FragmentFuzz() : world_(fragments_config()) {
        world_.inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0806,
                                arp_packet({ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kStackIp})));
        auto s = world_.stack().udp().bind({Ipv4Address::any(), kPort});
        if (!s.ok()) world_.verdict().fail("setup: bind failed");
        if (s.ok()) socket_ = s.value();
    }

    void define(FuzzInput& in) {
        for (size_t k = 0; k < kDatagrams; ++k) {
            Bytes payload(1 + in.u16() % 6000);
            for (size_t i = 0; i < payload.size(); ++i) payload[i] = payload_byte(k, i);
            const auto port = static_cast<uint16_t>(kFirstSrcPort + k);
            datagrams_[k][0] = udp_datagram(kPeerIp, kStackIp, port, kPort, payload);
            datagrams_[k][1] = udp_datagram(kOtherSrc, kStackIp, port, kPort, payload);
        }
    }

    void record(FuzzInput& in) {
        const uint8_t sel = in.u8();
        const uint16_t off = in.u16();
        const uint16_t len = in.u16();
        const uint8_t flags = in.u8();
        const Duration step = clock_step(in.u8());
        const uint8_t x = in.u8();
        if ((sel & 0x80) != 0) {
            read_socket();
            world_.advance(step);
            return;
        }
        const size_t k = sel % kDatagrams;
        const bool other_src = (flags & 0x08) != 0;
        const Bytes& d = datagrams_[k][other_src ? 1 : 0];
        const size_t offset = size_t{off & 0x1fffu} * 8;
        Bytes data(len % 1481);
        for (size_t i = 0; i < data.size(); ++i) {
            const size_t pos = offset + i;
            data[i] = pos < d.size() ? d[pos] : std::byte{0};
        }
        if ((flags & 0x04) != 0 && x != 0) {
            for (std::byte& b : data) b ^= static_cast<std::byte>(x);
            tainted_ = true;
        }
        Ipv4Spec ip;
        ip.src = other_src ? kOtherSrc : kPeerIp;
        ip.dst = kStackIp;
        ip.protocol = kProtocols[(sel >> 2) & 3];
        ip.ident = static_cast<uint16_t>(0x1000 + k + ((flags & 0x10) != 0 ? 0x100 : 0));
        ip.dont_fragment = (flags & 0x02) != 0;
        ip.more_fragments = (flags & 0x20) != 0 ? offset + data.size() < d.size() : (flags & 0x01) != 0;
        ip.fragment_offset = static_cast<uint16_t>(offset);
        ip.ttl = (flags & 0x40) != 0 ? 1 : 64;
        world_.inject(eth_frame(kStackMac, kPeerMac, 0x0800, ipv4_packet(ip, data)), step);
    }

    // Every datagram the socket got must be one of the four, whole and unchanged.
    void read_socket() {
        std::array<std::byte, 8192> buf;
        for (int i = 0; i < 8; ++i) {
            auto r = world_.stack().udp().recv_from(socket_, buf);
            if (!r.ok()) return;
            check_datagram(r.value(), std::span(buf).first(std::min(r.value().len, buf.size())));
        }
    }

    void check_datagram(const UdpReceived& got, std::span<const std::byte> data) {
        Verdict& v = world_.verdict();
        if (tainted_) return;  // a corrupted fragment may have passed the checksum by chance
        const size_t k = got.from.port - kFirstSrcPort;
        if (got.from.port < kFirstSrcPort || k >= kDatagrams) {
            v.fail("received a datagram from a port no datagram had");
            return;
        }
        const bool other = got.from.addr == kOtherSrc;
        v.require(other || got.from.addr == kPeerIp, "received a datagram from a foreign address");
        const Bytes& d = datagrams_[k][other ? 1 : 0];
        v.require(got.datagram_len == d.size() - 8, "reassembled datagram has the wrong length");
        v.require(data.size() == got.len && got.len <= got.datagram_len, "recv_from length out of range");
        for (size_t i = 0; i < data.size() && v.ok(); ++i) {
            v.require(data[i] == d[8 + i], "reassembled datagram differs from the one fragmented");
        }
    }

    void finish() {
        read_socket();
        (void)world_.stack().udp().close(socket_);
        world_.finish();
        const StackCounters& c = world_.stack().counters();
        world_.verdict().require(c.frag_reassembled <= c.frag_rx, "more datagrams reassembled than fragments");
    }

    Verdict& verdict() { return world_.verdict(); }

private:
    StackWorld world_;
    UdpSocketId socket_;
    std::array<std::array<Bytes, 2>, kDatagrams> datagrams_;  // from kPeerIp, from kOtherSrc
    bool tainted_ = false;
};

}  // namespace

std::string fuzz_ipv4_fragments(std::span<const uint8_t> data) {
    FragmentFuzz f;
    FuzzInput head(data.first(std::min<size_t>(data.size(), 8)));
    f.define(head);
    RecordReader records(data.subspan(std::min<size_t>(data.size(), 8)));
    for (int i = 0; i < 512 && !records.done() && f.verdict().ok(); ++i) {
        FuzzInput in(records.next());
        f.record(in);
        f.verdict().locate("record " + std::to_string(i));
    }
    if (f.verdict().ok()) f.finish();
    return f.verdict().error();
}

}  // namespace tachyon::fuzz
