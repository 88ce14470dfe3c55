// Malformed and unexpected input: every frame is dropped and counted under its reason, never a
// crash, never a reply, never a leaked buffer.
#include "lib/checksum.hpp"
#include "lib/random.hpp"
#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

class MalformedTest : public StackTest {
protected:
    // Sum of every drop counter that malformed input may hit.
    uint64_t drops() const {
        const StackCounters& c = counters();
        return c.eth_truncated + c.eth_not_for_us + c.eth_bad_ethertype + c.arp_bad + c.arp_unsupported +
               c.ip_bad_version + c.ip_bad_header + c.ip_bad_length + c.ip_bad_checksum + c.ip_bad_src +
               c.ip_not_for_us + c.icmp_bad + c.udp_bad_length + c.udp_bad_checksum + c.no_handler + c.frag_bad;
    }
    void expect_dropped(const Bytes& frame, uint64_t StackCounters::*counter, const char* what,
                        uint8_t rx_flags = 0) {
        SCOPED_TRACE(what);
        const uint64_t before = counters().*counter;
        const uint64_t all_before = drops();
        const size_t in_use_before = stack_->pool().in_use();
        inject(frame, rx_flags);
        EXPECT_EQ(counters().*counter, before + 1);
        EXPECT_EQ(drops(), all_before + 1) << "counted under more than one reason";
        EXPECT_TRUE(frames_out().empty());
        EXPECT_EQ(test_pool_.in_use(), 0u);
        EXPECT_EQ(stack_->pool().in_use(), in_use_before);
    }
    // Frames shorter than an Ethernet header never leave the memory link (it counts them as
    // runts); the stack's own count of them is tested with a device that delivers anything.
    void expect_runt_dropped_by_link(const Bytes& frame) {
        const uint64_t before = link_.b().drop_stats().tx_runt;
        inject(frame);
        EXPECT_EQ(link_.b().drop_stats().tx_runt, before + 1);
        EXPECT_EQ(test_pool_.in_use(), 0u);
    }
};

// A device whose RX queue the test fills directly, with frames of any length.
class ScriptedDevice final : public Device {
public:
    size_t rx_burst(std::span<Packet> out) override {
        size_t n = 0;
        while (n < out.size() && !rx.empty()) {
            out[n++] = std::move(rx.front());
            rx.erase(rx.begin());
        }
        return n;
    }
    size_t tx_burst(std::span<Packet> pkts) override {
        for (Packet& p : pkts) p.reset();
        return pkts.size();
    }
    DeviceCaps caps() const override { return DeviceCaps{.mac = kOurMac}; }
    std::string name() const override { return "scripted"; }
    std::vector<Packet> rx;
};

TEST_F(MalformedTest, RuntsAreCountedAsTruncated) {
    destroy_stack_and_check();
    ScriptedDevice dev;
    StackConfig c = config();
    {
        auto s = Stack::create(dev, c);
        ASSERT_TRUE(s.ok());
        const Bytes frame = udp_frame(4000, 5000, pattern_bytes(4));
        for (size_t n = 0; n < EthernetFrame::kHeaderLen; ++n) {
            Packet p = test_pool_.alloc();
            if (n != 0) std::memcpy(p.append(n), frame.data(), n);
            dev.rx.push_back(std::move(p));
        }
        (*s)->poll();
        EXPECT_EQ((*s)->counters().eth_truncated, EthernetFrame::kHeaderLen);
        EXPECT_EQ((*s)->counters().rx_frames, EthernetFrame::kHeaderLen);
        EXPECT_EQ(test_pool_.in_use(), 0u);
    }
    make(config());
}

TEST_F(MalformedTest, UdpFrameTruncatedAtEveryLength) {
    const UdpSocketId s = bind(5000);
    const Bytes frame = udp_frame(4000, 5000, pattern_bytes(20));
    for (size_t n = 0; n < frame.size(); ++n) {
        SCOPED_TRACE(n);
        const Bytes cut(frame.begin(), frame.begin() + static_cast<ptrdiff_t>(n));
        if (n < 14) {
            expect_runt_dropped_by_link(cut);
        } else {
            expect_dropped(cut, &StackCounters::ip_bad_length, "ipv4");
        }
    }
    EXPECT_EQ(stack_->udp().queued(s), 0u);
    inject(frame);  // the whole frame still works
    EXPECT_EQ(stack_->udp().queued(s), 1u);
}

TEST_F(MalformedTest, ArpFrameTruncatedAtEveryLength) {
    const Bytes frame = arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOurIp);
    for (size_t n = 0; n < frame.size(); ++n) {
        SCOPED_TRACE(n);
        const Bytes cut(frame.begin(), frame.begin() + static_cast<ptrdiff_t>(n));
        if (n < 14) {
            expect_runt_dropped_by_link(cut);
        } else {
            expect_dropped(cut, &StackCounters::arp_bad, "arp");
        }
    }
    EXPECT_EQ(stack_->arp().cache().size(), 0u);
    inject(frame);
    EXPECT_EQ(frames_out().size(), 1u);
}

TEST_F(MalformedTest, IcmpTruncatedAtEveryLength) {
    learn_peer();
    const Bytes msg = icmp_message({Icmpv4Type::kEchoRequest, 0, 1, 1, pattern_bytes(16)});
    for (size_t n = 0; n < msg.size(); ++n) {
        SCOPED_TRACE(n);
        const Bytes cut(msg.begin(), msg.begin() + static_cast<ptrdiff_t>(n));
        // A consistent IP header around a cut ICMP message: too short, or a bad checksum.
        expect_dropped(eth_frame(kOurMac, kPeerMac, 0x0800,
                                 ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 1}, cut)),
                       &StackCounters::icmp_bad, "icmp");
    }
}

TEST_F(MalformedTest, BadIpv4Headers) {
    const Bytes good = udp_frame(4000, 5000, pattern_bytes(8));
    auto with = [&](size_t offset, uint8_t value, bool fix_checksum = true) {
        Bytes f = good;
        f[14 + offset] = std::byte{value};
        if (fix_checksum) {
            // Over the 20 bytes we built (the checks reject a changed IHL before the checksum).
            Ipv4Packet ip(std::span<std::byte>(f).subspan(14));
            ip.set_header_checksum(0);
            ip.set_header_checksum(internet_checksum(std::span<const std::byte>(f).subspan(14, 20)));
        }
        return f;
    };
    expect_dropped(with(0, 0x65), &StackCounters::ip_bad_version, "version 6");
    expect_dropped(with(0, 0x44), &StackCounters::ip_bad_header, "IHL 4");
    expect_dropped(with(0, 0x4f), &StackCounters::ip_bad_header, "IHL past the buffer");
    expect_dropped(with(3, 19), &StackCounters::ip_bad_length, "total length below the header");
    expect_dropped(with(3, 200), &StackCounters::ip_bad_length, "total length past the frame");
    expect_dropped(with(10, 0x12, false), &StackCounters::ip_bad_checksum, "checksum");
    Bytes broadcast_src = good;
    {
        Ipv4Packet ip(std::span<std::byte>(broadcast_src).subspan(14));
        ip.set_src_addr(Ipv4Address::broadcast());
        ip.fill_checksum();
    }
    expect_dropped(broadcast_src, &StackCounters::ip_bad_src, "broadcast source");
    Bytes other_dst = good;
    {
        Ipv4Packet ip(std::span<std::byte>(other_dst).subspan(14));
        ip.set_dst_addr(kOtherIp);
        ip.fill_checksum();
    }
    expect_dropped(other_dst, &StackCounters::ip_not_for_us, "another host");
}

TEST_F(MalformedTest, DeviceChecksumVerdictsAreHonoured) {
    const UdpSocketId s = bind(5000);
    Bytes bad = udp_frame(4000, 5000, pattern_bytes(8));
    bad[14 + 10] ^= std::byte{0xff};  // IP checksum wrong ...
    inject(bad, PacketMeta::kRxIpCsumGood);  // ... but the device says it verified it
    EXPECT_EQ(stack_->udp().queued(s), 1u);
    expect_dropped(udp_frame(4000, 5000, pattern_bytes(8)), &StackCounters::ip_bad_checksum, "device: IP bad",
                   PacketMeta::kRxIpCsumBad);
    // Device verdicts on the UDP checksum.
    Bytes bad_udp = udp_frame(4000, 5000, pattern_bytes(8));
    bad_udp[14 + 20 + 8] ^= std::byte{0x01};
    inject(bad_udp, PacketMeta::kRxL4CsumGood);
    EXPECT_EQ(stack_->udp().queued(s), 2u);
    const uint64_t before = counters().udp_bad_checksum;
    inject(udp_frame(4000, 5000, pattern_bytes(8)), PacketMeta::kRxL4CsumBad);
    EXPECT_EQ(counters().udp_bad_checksum, before + 1);
}

TEST_F(MalformedTest, DeviceSaysIpBad) {
    const uint64_t before = counters().ip_bad_checksum;
    inject(udp_frame(4000, 5000, pattern_bytes(8)), PacketMeta::kRxIpCsumBad);
    EXPECT_EQ(counters().ip_bad_checksum, before + 1);
}

TEST_F(MalformedTest, BadUdp) {
    bind(5000);
    Bytes bad_sum = udp_frame(4000, 5000, pattern_bytes(8));
    bad_sum[14 + 20 + 8] ^= std::byte{0x01};
    expect_dropped(bad_sum, &StackCounters::udp_bad_checksum, "udp checksum");
    // UDP length field larger than the IP payload, and smaller than the header.
    Bytes long_len = udp_frame(4000, 5000, pattern_bytes(8));
    long_len[14 + 20 + 5] = std::byte{17};
    expect_dropped(long_len, &StackCounters::udp_bad_length, "udp length too big");
    Bytes short_len = udp_frame(4000, 5000, pattern_bytes(8));
    short_len[14 + 20 + 5] = std::byte{7};
    expect_dropped(short_len, &StackCounters::udp_bad_length, "udp length below 8");
    // IP payload too short for a UDP header.
    expect_dropped(eth_frame(kOurMac, kPeerMac, 0x0800,
                             ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 17}, pattern_bytes(5))),
                   &StackCounters::udp_bad_length, "udp header cut");
}

TEST_F(MalformedTest, BadIcmpChecksum) {
    Bytes f = icmp_frame({Icmpv4Type::kEchoRequest, 0, 1, 1, pattern_bytes(8)});
    f[14 + 20 + 2] ^= std::byte{0x01};
    expect_dropped(f, &StackCounters::icmp_bad, "icmp checksum");
}

TEST_F(MalformedTest, BadArp) {
    auto arp_with = [&](size_t offset, uint8_t value) {
        Bytes f = arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOurIp);
        f[14 + offset] = std::byte{value};
        return f;
    };
    expect_dropped(arp_with(4, 8), &StackCounters::arp_bad, "hardware size 8");
    expect_dropped(arp_with(5, 16), &StackCounters::arp_bad, "protocol size 16");
    expect_dropped(arp_with(1, 6), &StackCounters::arp_bad, "hardware type 6");
    expect_dropped(arp_with(2, 0x86), &StackCounters::arp_bad, "protocol type 0x86dd");
    expect_dropped(arp_with(7, 3), &StackCounters::arp_unsupported, "RARP opcode 3");
}

TEST_F(MalformedTest, EthernetLevel) {
    const Bytes good = udp_frame(4000, 5000, pattern_bytes(8));
    Bytes other_mac = good;
    std::copy(kOtherMac.octets.begin(), kOtherMac.octets.end(), reinterpret_cast<uint8_t*>(other_mac.data()));
    expect_dropped(other_mac, &StackCounters::eth_not_for_us, "another MAC");
    Bytes multicast = good;
    multicast[0] = std::byte{0x01};
    expect_dropped(multicast, &StackCounters::eth_not_for_us, "multicast MAC");
    Bytes ipv6 = good;
    ipv6[12] = std::byte{0x86};
    ipv6[13] = std::byte{0xdd};
    expect_dropped(ipv6, &StackCounters::eth_bad_ethertype, "IPv6");
    Bytes vlan = good;
    vlan[12] = std::byte{0x81};
    vlan[13] = std::byte{0x00};
    expect_dropped(vlan, &StackCounters::eth_bad_ethertype, "802.1Q");
}

TEST_F(MalformedTest, ProtocolsWithoutHandler) {
    expect_dropped(eth_frame(kOurMac, kPeerMac, 0x0800,
                             ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 6}, pattern_bytes(20))),
                   &StackCounters::no_handler, "TCP without handler");
    expect_dropped(eth_frame(kOurMac, kPeerMac, 0x0800,
                             ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 47}, pattern_bytes(20))),
                   &StackCounters::no_handler, "GRE");
}

// Random garbage after a valid Ethernet header: whatever happens is counted, nothing crashes.
TEST_F(MalformedTest, GarbageNeverCrashes) {
    learn_peer();
    bind(5000);
    Random rng(1234);
    for (int i = 0; i < 2000; ++i) {
        const Bytes good = (i % 3 == 0)   ? udp_frame(4000, 5000, pattern_bytes(rng.below(64)))
                           : (i % 3 == 1) ? icmp_frame({Icmpv4Type::kEchoRequest, 0, 1, 1, pattern_bytes(rng.below(64))})
                                          : arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOurIp);
        Bytes f = good;
        const size_t flips = 1 + rng.below(4);
        for (size_t k = 0; k < flips; ++k) f[14 + rng.below(f.size() - 14)] ^= std::byte{static_cast<uint8_t>(1 + rng.below(255))};
        f.resize(14 + rng.below(f.size() - 14 + 1));  // at least a header: the link drops runts
        inject(f);
        (void)frames_out();
        std::array<std::byte, 64> buf;
        while (stack_->udp().recv_from(sockets_[0], buf).ok()) {
        }
    }
    EXPECT_EQ(test_pool_.in_use(), 0u);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

}  // namespace
}  // namespace tachyon::test
