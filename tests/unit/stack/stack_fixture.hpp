// A Stack on endpoint a of a MemoryLink; the test plays the peer on endpoint b with raw frames.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "lib/packet.hpp"
#include "lib/time.hpp"
#include "stack/stack.hpp"
#include "tests/unit/stack/frames.hpp"

namespace tachyon::test {

inline const EthernetAddress kOurMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
inline const EthernetAddress kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline const EthernetAddress kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}};
inline constexpr Ipv4Address kOurIp = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kPeerIp = Ipv4Address::from_octets(10, 0, 0, 2);
inline constexpr Ipv4Address kOtherIp = Ipv4Address::from_octets(10, 0, 0, 3);

class StackTest : public ::testing::Test {
protected:
    explicit StackTest(MemoryLinkConfig link_config = {}) : link_(link_config) {}

    void SetUp() override { make(config()); }

    void TearDown() override {
        if (!stack_) return;
        // Let pending resolutions give up, so that no packet waits in the ARP queue.
        for (int i = 0; i < 4; ++i) {
            (void)frames_out();
            advance(Duration::from_secs(1));
        }
        (void)frames_out();
        EXPECT_EQ(link_.a().rx_queued(), 0u);
        EXPECT_EQ(link_.b().rx_queued(), 0u);
        EXPECT_EQ(test_pool_.in_use(), 0u) << "the stack kept a test buffer";
        EXPECT_EQ(stack_->tx_queued(), 0u);
        destroy_stack_and_check();
    }

    // Closes every UDP socket the test left open, then checks the stack's pool.
    void destroy_stack_and_check() {
        for (UdpSocketId id : sockets_) (void)stack_->udp().close(id);
        sockets_.clear();
        EXPECT_EQ(stack_->reassembler().delivered(), 0u);
        EXPECT_EQ(stack_->pool().in_use(), 0u) << "a stack buffer leaked";
        stack_.reset();
    }

    virtual StackConfig config() {
        StackConfig c;
        c.clock = &clock_;
        c.address = Ipv4Cidr{kOurIp, 24};
        c.pool_size = 256;
        c.seed = 42;
        return c;
    }

    // A fresh stack; swallows its gratuitous ARP.
    void make(const StackConfig& c) {
        if (stack_) destroy_stack_and_check();
        auto s = Stack::create(link_.a(), c);
        ASSERT_TRUE(s.ok()) << s.error().message();
        stack_ = std::move(s.value());
        stack_->poll();
        announcement_ = frames_out();
    }

    // Hands a frame to the stack (from the peer) and polls once.
    void inject(std::span<const std::byte> frame, uint8_t rx_flags = 0) {
        Packet p = test_pool_.alloc();
        ASSERT_TRUE(p);
        std::byte* d = p.append(frame.size());
        ASSERT_NE(d, nullptr);
        if (!frame.empty()) std::memcpy(d, frame.data(), frame.size());
        p.meta().rx_flags = rx_flags;
        ASSERT_EQ(link_.b().tx_burst({&p, 1}), 1u);
        stack_->poll();
    }

    // Every frame the stack sent since the last call, taken apart.
    std::vector<Decoded> frames_out() {
        std::vector<Decoded> out;
        std::array<Packet, 32> burst;
        while (size_t n = link_.b().rx_burst(burst)) {
            for (size_t i = 0; i < n; ++i) {
                out.push_back(decode(to_bytes(burst[i].bytes())));
                burst[i].reset();
            }
        }
        return out;
    }

    void advance(Duration d) {
        clock_.advance(d);
        stack_->poll();
    }

    // The peer's frames to us.
    Bytes udp_frame(uint16_t sport, uint16_t dport, std::span<const std::byte> payload,
                    Ipv4Address dst = kOurIp) {
        const Bytes udp = udp_datagram(kPeerIp, dst, sport, dport, payload);
        return eth_frame(kOurMac, kPeerMac, 0x0800,
                         ipv4_packet({.src_addr = kPeerIp, .dst_addr = dst, .protocol = 17}, udp));
    }
    Bytes icmp_frame(const Icmpv4Repr& icmp) {
        return eth_frame(kOurMac, kPeerMac, 0x0800,
                         ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 1}, icmp_message(icmp)));
    }
    Bytes arp_frame(ArpOperation op, const EthernetAddress& sha, Ipv4Address spa, const EthernetAddress& tha,
                    Ipv4Address tpa, const EthernetAddress& eth_dst = EthernetAddress::broadcast()) {
        return eth_frame(eth_dst, sha, 0x0806, arp_packet({op, sha, spa, tha, tpa}));
    }
    // Teaches the stack the peer's MAC (an ARP request from the peer for our address).
    void learn_peer() {
        inject(arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOurIp));
        ASSERT_EQ(frames_out().size(), 1u);  // the reply
    }

    UdpSocketId bind(uint16_t port) {
        auto r = stack_->udp().bind({Ipv4Address::any(), port});
        EXPECT_TRUE(r.ok());
        if (r.ok()) sockets_.push_back(*r);
        return r.ok() ? *r : UdpSocketId{};
    }

    const StackCounters& counters() const { return stack_->counters(); }

    PacketPool test_pool_{256};
    ManualClock clock_{Instant::from_ms(1'000)};
    MemoryLink link_;
    std::unique_ptr<Stack> stack_;
    std::vector<Decoded> announcement_;
    std::vector<UdpSocketId> sockets_;
};

}  // namespace tachyon::test
