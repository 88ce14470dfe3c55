// The segment-level TCP fixture: one TcpLayer on a FakeIpHost (10.0.0.1), the test playing the
// peer (10.0.0.2). Each test reads like a packet trace:
//
//   send(seg({.flags = kSyn, .seq = 1000}), at_ms(0));
//   expect(is_tcp({.flags = kSyn | kAck, .seq = 5000, .ack = 1001}));
//   expect_nothing_until(at_ms(999));
//
// Each delivered segment is one poll step: the application's turn ends first (end_turn), and so
// it does when the test looks at what was sent: ACKs owed by the end of the turn appear then,
// unless something the test made the layer send in between carried them.
//
// TearDown checks that every captured segment was consumed and that no packet buffer leaked.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "stack/tcp/tcp_layer.hpp"
#include "tests/support/fake_ip_host.hpp"
#include "tests/support/tcp_segments.hpp"

namespace tachyon::test {

inline constexpr Ipv4Address kLocalIp = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kPeerIp = Ipv4Address::from_octets(10, 0, 0, 2);
inline constexpr uint16_t kLocalPort = 80;
inline constexpr uint16_t kPeerPort = 40000;

inline Instant at_ms(int64_t ms) { return Instant::from_ms(ms); }

inline std::span<const std::byte> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A segment the layer sent, parsed; the packet stays alive with it.
struct Captured {
    Packet pkt;
    TcpRepr tcp;
    Ipv4Repr ip;
    Instant at;
    bool valid = false;
    std::string data() const {
        return std::string(reinterpret_cast<const char*>(tcp.payload.data()), tcp.payload.size());
    }
};

class TcpFixture : public ::testing::Test {
protected:
    void SetUp() override {
        tcp_ = std::make_unique<TcpLayer>(host_, config());
        host_.attach(tcp_.get());
    }

    void TearDown() override {
        host_.end_turn();
        EXPECT_TRUE(host_.sent().empty()) << host_.sent().size() << " sent segment(s) not checked, first "
                                          << (host_.sent().empty() ? "" : peek_description());
        host_.sent().clear();
        host_.attach(nullptr);
        tcp_.reset();
        EXPECT_EQ(host_.pool().in_use(), 0u) << "a stack buffer leaked";
        EXPECT_EQ(peer_pool_.in_use(), 0u) << "a test buffer leaked";
    }

    // The layer's configuration; tests override it.
    virtual TcpConfig config() const {
        TcpConfig c;
        c.max_connections = 16;
        c.defaults.receive_buffer = 65535;
        c.defaults.send_buffer = 65536;
        return c;
    }

    // Delivers a segment from the peer (optionally after moving the clock to t).
    void send(const SegSpec& s, std::optional<Instant> t = std::nullopt) {
        host_.end_turn();
        if (t) host_.run_until(*t);
        send_in_turn(s);
    }
    // Delivers a segment without ending the application's turn first: the second segment of one
    // receive burst.
    void send_in_turn(const SegSpec& s) {
        Packet p = build_segment(peer_pool_, s, kPeerIp, kLocalIp, kPeerPort, kLocalPort);
        ASSERT_TRUE(p);
        Ipv4Repr ip;
        ip.src_addr = kPeerIp;
        ip.dst_addr = kLocalIp;
        ip.protocol = static_cast<uint8_t>(IpProtocol::kTcp);
        ip.payload_len = static_cast<uint16_t>(p.size());
        tcp_->input(ip, std::move(p));
    }
    static SegSpec seg(SegSpec s) { return s; }

    // The next segment the layer sent, which must match m.
    Captured expect(const TcpMatch& m) {
        Captured c = pop();
        if (!c.valid) {
            ADD_FAILURE() << "expected a segment, none was sent";
            return c;
        }
        EXPECT_TRUE(matches(c.tcp, m));
        return c;
    }
    // Like expect(), and the segment left at exactly time t (after running the clock to t).
    Captured expect_at(Instant t, const TcpMatch& m) {
        host_.run_until(t);
        Captured c = expect(m);
        if (c.valid) {
            EXPECT_EQ(c.at, t) << "sent at " << c.at.ns() << " ns";
        }
        return c;
    }
    void expect_nothing() {
        host_.end_turn();
        EXPECT_TRUE(host_.sent().empty()) << "unexpected " << peek_description();
        host_.sent().clear();
    }
    void expect_nothing_until(Instant t) {
        host_.run_until(t);
        expect_nothing();
    }

    Captured pop() {
        host_.end_turn();
        Captured c;
        if (host_.sent().empty()) return c;
        SentPacket s = std::move(host_.sent().front());
        host_.sent().pop_front();
        EXPECT_EQ(s.ip.src_addr, kLocalIp);
        EXPECT_EQ(s.ip.protocol, static_cast<uint8_t>(IpProtocol::kTcp));
        c.ip = s.ip;
        c.at = s.at;
        c.pkt = std::move(s.pkt);
        TcpSegment segment(c.pkt.bytes());
        auto parsed = TcpRepr::parse(segment, s.ip.src_addr, s.ip.dst_addr);
        EXPECT_TRUE(parsed.ok()) << "the layer sent a segment that does not parse: "
                                 << to_string(parsed.error());
        if (parsed.ok()) {
            c.tcp = parsed.value();
            c.valid = true;
        }
        return c;
    }

    std::string peek_description() {
        host_.end_turn();
        SentPacket& s = host_.sent().front();
        TcpSegment segment(s.pkt.bytes());
        auto parsed = TcpRepr::parse(segment, s.ip.src_addr, s.ip.dst_addr);
        return parsed.ok() ? describe(parsed.value()) : "<unparsable>";
    }

    TcpLayer& tcp() { return *tcp_; }
    const TcpCounters& counters() const { return tcp_->counters(); }

    FakeIpHost host_{kLocalIp, 7};
    PacketPool peer_pool_{64};
    std::unique_ptr<TcpLayer> tcp_;
};

}  // namespace tachyon::test
