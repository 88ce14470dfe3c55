// The IpHost side of the Stack, as TCP sees it: protocol handlers, send_ipv4, TX checksum offload
// flags, the TX queue under device back-pressure, configuration validation.
#include "lib/checksum.hpp"
#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

struct RecordingHandler final : IpProtocolHandler {
    void input(const Ipv4Repr& ip, Packet pkt) override {
        last_ip = ip;
        last_bytes = to_bytes(pkt.bytes());
        ++calls;
    }
    void icmp_error(const IcmpError& error) override {
        last_error = error;
        last_error_transport = to_bytes(error.transport);
        ++errors;
    }
    Ipv4Repr last_ip;
    IcmpError last_error;
    Bytes last_error_transport;
    int errors = 0;
    Bytes last_bytes;
    int calls = 0;
};

using IpHostTest = StackTest;

TEST_F(IpHostTest, HandlerGetsTheTransportBytes) {
    RecordingHandler tcp;
    stack_->set_protocol_handler(IpProtocol::kTcp, &tcp);
    const Bytes segment = pattern_bytes(40);
    Bytes frame = eth_frame(kOurMac, kPeerMac, 0x0800,
                            ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 6, .ttl = 33}, segment));
    frame.resize(frame.size() + 6);  // padding
    inject(frame);
    ASSERT_EQ(tcp.calls, 1);
    EXPECT_EQ(tcp.last_bytes, segment);
    EXPECT_EQ(tcp.last_ip.src_addr, kPeerIp);
    EXPECT_EQ(tcp.last_ip.payload_len, 40u);
    EXPECT_EQ(tcp.last_ip.ttl, 33);
    // Not to a broadcast address.
    inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = Ipv4Address::broadcast(), .protocol = 6}, segment)));
    EXPECT_EQ(tcp.calls, 1);
    stack_->set_protocol_handler(IpProtocol::kTcp, nullptr);
    inject(frame);
    EXPECT_EQ(tcp.calls, 1);
    EXPECT_EQ(counters().no_handler, 1u);
}

// RFC 1122 3.2.2: an ICMP error goes to the protocol that sent the datagram it quotes, with what
// that protocol needs; one that quotes a datagram we did not send, a later fragment or less than
// 8 bytes of its transport header is dropped and counted.
TEST_F(IpHostTest, IcmpErrorsReachTheProtocolThatSentTheQuotedDatagram) {
    RecordingHandler tcp;
    stack_->set_protocol_handler(IpProtocol::kTcp, &tcp);
    const Ipv4Address far = Ipv4Address::from_octets(192, 0, 2, 9);
    const Bytes segment = pattern_bytes(20);
    const Bytes ours = ipv4_packet({.src_addr = kOurIp, .dst_addr = far, .protocol = 6, .ttl = 64}, segment);
    const auto quote = [](const Bytes& datagram, size_t len) { return Bytes(datagram.begin(), datagram.begin() + len); };
    const Bytes q = quote(ours, 28);  // the header and 8 bytes (RFC 792's minimum)
    inject(icmp_frame({.type = Icmpv4Type::kDstUnreachable, .code = 4, .data = q, .next_hop_mtu = 1280}));
    ASSERT_EQ(tcp.errors, 1);
    EXPECT_EQ(tcp.last_error.type, Icmpv4Type::kDstUnreachable);
    EXPECT_EQ(tcp.last_error.code, 4);
    EXPECT_TRUE(tcp.last_error.fragmentation_needed());
    EXPECT_EQ(tcp.last_error.next_hop_mtu, 1280);
    EXPECT_EQ(tcp.last_error.protocol, 6);
    EXPECT_EQ(tcp.last_error.local, kOurIp);
    EXPECT_EQ(tcp.last_error.remote, far);
    EXPECT_EQ(tcp.last_error_transport, Bytes(segment.begin(), segment.begin() + 8));
    inject(icmp_frame({.type = Icmpv4Type::kTimeExceeded, .code = 0, .data = ours}));
    ASSERT_EQ(tcp.errors, 2);
    EXPECT_EQ(tcp.last_error.type, Icmpv4Type::kTimeExceeded);
    EXPECT_EQ(tcp.last_error_transport, segment);  // as much as was quoted
    EXPECT_EQ(counters().icmp_time_exceeded_rx, 1u);

    // Not from us, a later fragment, too short a quote: none reaches TCP.
    const Bytes theirs = ipv4_packet({.src_addr = kPeerIp, .dst_addr = far, .protocol = 6}, segment);
    inject(icmp_frame({.type = Icmpv4Type::kDstUnreachable, .code = 3, .data = quote(theirs, 28)}));
    const Bytes fragment = ipv4_packet({.src_addr = kOurIp, .dst_addr = far, .protocol = 6, .fragment_offset = 1480}, segment);
    inject(icmp_frame({.type = Icmpv4Type::kDstUnreachable, .code = 3, .data = quote(fragment, 28)}));
    inject(icmp_frame({.type = Icmpv4Type::kDstUnreachable, .code = 3, .data = quote(ours, 27)}));
    EXPECT_EQ(tcp.errors, 2);
    EXPECT_EQ(counters().icmp_error_bad_quote, 3u);
    // A protocol nobody handles (SCTP).
    const Bytes sctp = ipv4_packet({.src_addr = kOurIp, .dst_addr = far, .protocol = 132}, segment);
    inject(icmp_frame({.type = Icmpv4Type::kDstUnreachable, .code = 3, .data = quote(sctp, 28)}));
    EXPECT_EQ(counters().icmp_error_no_handler, 1u);
    EXPECT_EQ(counters().icmp_unreachable_rx, 5u);
    EXPECT_TRUE(frames_out().empty());  // never an error about an error (RFC 1122 3.2.2)
    stack_->set_protocol_handler(IpProtocol::kTcp, nullptr);
}

TEST_F(IpHostTest, SendIpv4BuildsTheHeader) {
    learn_peer();
    IpHost& host = *stack_;
    Packet pkt = host.alloc_tx();
    ASSERT_TRUE(pkt);
    EXPECT_GE(pkt.headroom(), 34u);
    const Bytes segment = pattern_bytes(20);
    std::memcpy(pkt.append(segment.size()), segment.data(), segment.size());
    host.send_ipv4(std::move(pkt), Ipv4Repr{.dst_addr = kPeerIp, .protocol = 6, .ttl = 64}, nullptr);
    stack_->poll();
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].ip);
    EXPECT_TRUE(out[0].ip_checksum_ok);
    EXPECT_EQ(out[0].ip->src_addr, kOurIp);
    EXPECT_EQ(out[0].ip->protocol, 6);
    EXPECT_TRUE(out[0].ip->dont_fragment);
    EXPECT_EQ(out[0].ip->payload_len, 20u);
    EXPECT_EQ(to_bytes(out[0].l4), segment);
    EXPECT_EQ(host.l4_checksum_mode(), ChecksumMode::kCompute);
    EXPECT_EQ(host.mtu(), 1500);
    EXPECT_TRUE(host.is_local(kOurIp));
    EXPECT_FALSE(host.is_local(kPeerIp));
    EXPECT_EQ(host.now(), clock_.now());
}

TEST_F(IpHostTest, ConfigValidation) {
    StackConfig c = config();
    c.clock = nullptr;
    EXPECT_EQ(Stack::create(link_.a(), c).code(), EINVAL);
    c = config();
    c.gateway = Ipv4Address::from_octets(192, 168, 0, 1);
    EXPECT_EQ(Stack::create(link_.a(), c).code(), EINVAL);
    c = config();
    c.address = Ipv4Cidr{Ipv4Address::any(), 24};
    EXPECT_EQ(Stack::create(link_.a(), c).code(), EINVAL);
    c = config();
    c.udp.ephemeral_low = 5000;
    c.udp.ephemeral_high = 4000;
    EXPECT_EQ(Stack::create(link_.a(), c).code(), EINVAL);
}

// A device that claims checksum offloads, in front of the memory link.
class OffloadDevice final : public Device {
public:
    explicit OffloadDevice(Device& inner) : inner_(inner) {}
    size_t rx_burst(std::span<Packet> out) override { return inner_.rx_burst(out); }
    size_t tx_burst(std::span<Packet> pkts) override { return inner_.tx_burst(pkts); }
    DeviceCaps caps() const override {
        DeviceCaps c = inner_.caps();
        c.tx_ipv4_checksum = c.tx_l4_checksum = true;
        return c;
    }
    std::string name() const override { return "offload"; }

private:
    Device& inner_;
};

// The fixture's stack replaced by one on an OffloadDevice that knows the peer: the peer asked
// for us, the stack learnt it and queued its answer (the first frame on the link).
class OffloadTest : public IpHostTest {
protected:
    void SetUp() override {
        IpHostTest::SetUp();
        destroy_stack_and_check();
        StackConfig c = config();
        c.arp.announce_at_start = false;
        auto s = Stack::create(dev_, c);
        ASSERT_TRUE(s.ok());
        offload_stack_ = std::move(*s);
        Packet req = test_pool_.alloc();
        const Bytes arp = arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOurIp);
        std::memcpy(req.append(arp.size()), arp.data(), arp.size());
        ASSERT_EQ(link_.b().tx_burst({&req, 1}), 1u);
        offload_stack_->poll();
    }
    void TearDown() override {
        if (offload_stack_) {
            EXPECT_EQ(offload_stack_->pool().in_use(), 0u) << "a stack buffer leaked";
        }
        offload_stack_.reset();
        EXPECT_EQ(test_pool_.in_use(), 0u) << "the stack kept a test buffer";
    }

    OffloadDevice dev_{link_.a()};
    std::unique_ptr<Stack> offload_stack_;
};

TEST_F(OffloadTest, TxOffloadSetsFlagsAndLeavesSumsToTheDevice) {
    Stack& stack = *offload_stack_;
    EXPECT_EQ(stack.l4_checksum_mode(), ChecksumMode::kOffload);
    auto sock = stack.udp().bind({Ipv4Address::any(), 5000});
    ASSERT_TRUE(sock.ok());
    ASSERT_TRUE(stack.udp().send_to(*sock, {kPeerIp, 53}, pattern_bytes(10)).ok());
    stack.poll();
    // The packet itself: its meta travels with the buffer over the memory link.
    std::array<Packet, 32> burst;
    const size_t n = link_.b().rx_burst(burst);
    ASSERT_EQ(n, 2u);  // the ARP reply, then the datagram
    const Packet& p = burst[1];
    EXPECT_EQ(p.meta().tx_flags, PacketMeta::kTxIpCsum | PacketMeta::kTxUdpCsum);
    EXPECT_EQ(p.meta().l2_len, 14);
    EXPECT_EQ(p.meta().l3_len, 20);
    Ipv4Packet ip(p.bytes().subspan(14));
    EXPECT_EQ(ip.header_checksum(), 0);  // left to the device
    UdpDatagram udp(ip.payload());
    // The pseudo-header sum, folded, not complemented (what DPDK's offload expects).
    const auto pseudo = static_cast<uint16_t>(~checksum_finish(pseudo_header_sum(kOurIp, kPeerIp, 17, 18)));
    EXPECT_EQ(udp.checksum(), pseudo);
    EXPECT_EQ(burst[0].meta().tx_flags, 0);  // ARP: nothing to offload
    for (size_t i = 0; i < n; ++i) burst[i].reset();
    (void)stack.udp().close(*sock);
}

// Packets from a connection's RouteCache ask the device for the same offloads as the full path.
TEST_F(OffloadTest, CachedRouteKeepsTheOffloadRequests) {
    Stack& stack = *offload_stack_;
    IpHost& host = stack;
    RouteCache cache;
    for (int i = 0; i < 2; ++i) {  // the full path (filling the cache), then the cache
        Packet pkt = host.alloc_tx();
        ASSERT_TRUE(pkt);
        std::memset(pkt.append(20), 0, 20);
        host.send_ipv4(std::move(pkt), Ipv4Repr{.dst_addr = kPeerIp, .protocol = 6, .ttl = 64}, &cache);
    }
    EXPECT_NE(cache.generation, 0u);
    stack.poll();
    std::array<Packet, 32> burst;
    const size_t n = link_.b().rx_burst(burst);
    ASSERT_EQ(n, 3u);  // the ARP reply, then both packets
    for (size_t i = 1; i < n; ++i) {
        const Packet& p = burst[i];
        EXPECT_EQ(p.meta().tx_flags, PacketMeta::kTxIpCsum | PacketMeta::kTxTcpCsum) << i;
        EXPECT_EQ(p.meta().l2_len, 14) << i;
        EXPECT_EQ(p.meta().l3_len, 20) << i;
        Ipv4Packet ip(p.bytes().subspan(14));
        EXPECT_EQ(ip.header_checksum(), 0) << i;  // left to the device
        EXPECT_EQ(ip.total_len(), 40) << i;
    }
    for (size_t i = 0; i < n; ++i) burst[i].reset();
}

TEST_F(IpHostTest, FramesTheDeviceRefusesStayQueued) {
    destroy_stack_and_check();
    MemoryLinkConfig lc;
    lc.a.rx_queue_depth = 4;
    lc.b.rx_queue_depth = 4;
    lc.overflow = OverflowPolicy::kBackpressure;
    MemoryLink small(lc);
    StackConfig c = config();
    c.arp.announce_at_start = false;
    {
        auto s = Stack::create(small.a(), c);
        ASSERT_TRUE(s.ok());
        Stack& stack = **s;
        auto sock = stack.udp().bind({Ipv4Address::any(), 5000});
        ASSERT_TRUE(sock.ok());
        for (int i = 0; i < 10; ++i) {
            ASSERT_TRUE(stack.udp().send_to(*sock, {Ipv4Address::from_octets(10, 0, 0, 255), 9}, pattern_bytes(8)).ok());
        }
        stack.poll();
        EXPECT_EQ(small.b().rx_queued(), 4u);
        EXPECT_EQ(stack.tx_queued(), 6u);
        EXPECT_EQ(stack.counters().tx_frames, 4u);
        std::array<Packet, 32> burst;
        size_t got = 0;
        while (got < 10) {
            const size_t n = small.b().rx_burst(burst);
            for (size_t i = 0; i < n; ++i) burst[i].reset();
            got += n;
            if (n == 0 && !stack.poll()) break;
        }
        EXPECT_EQ(got, 10u);
        EXPECT_EQ(stack.tx_queued(), 0u);
        EXPECT_EQ(stack.counters().tx_frames, 10u);
        (void)stack.udp().close(*sock);
        EXPECT_EQ(stack.pool().in_use(), 0u);
    }
    make(config());
}

TEST_F(IpHostTest, TxQueueOverflowIsCounted) {
    destroy_stack_and_check();
    MemoryLinkConfig lc;
    lc.b.rx_queue_depth = 1;
    lc.overflow = OverflowPolicy::kBackpressure;
    MemoryLink small(lc);
    StackConfig c = config();
    c.arp.announce_at_start = false;
    c.tx_queue_len = 32;
    {
        auto s = Stack::create(small.a(), c);
        ASSERT_TRUE(s.ok());
        Stack& stack = **s;
        auto sock = stack.udp().bind({Ipv4Address::any(), 5000});
        ASSERT_TRUE(sock.ok());
        for (int i = 0; i < 40; ++i) {
            ASSERT_TRUE(stack.udp().send_to(*sock, {Ipv4Address::from_octets(10, 0, 0, 255), 9}, pattern_bytes(8)).ok());
        }
        // 1 taken by the device, 32 queued, the rest dropped.
        EXPECT_EQ(stack.counters().tx_queue_full, 40u - 32u - 1u);
        EXPECT_EQ(stack.tx_queued(), 32u);
        (void)stack.udp().close(*sock);
        std::array<Packet, 32> burst;
        EXPECT_EQ(small.b().rx_burst(burst), 1u);
        burst[0].reset();
    }
    make(config());
}

}  // namespace
}  // namespace tachyon::test
