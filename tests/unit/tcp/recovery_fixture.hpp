// A connection established by a passive open whose peer offers SACK or not (no timestamps), for
// the loss recovery tests (recovery_test.cpp, rack_tlp_test.cpp): full segments queued, ACKs
// with SACK blocks injected.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {

inline constexpr uint32_t kRcv = kPeerIss + 1;
inline constexpr uint32_t kSnd = kServerIss + 1;
inline constexpr uint32_t kMss = 1460;
// Full segment n of what the server sends, counted from 1.
constexpr uint32_t seg_start(uint32_t n) { return kSnd + (n - 1) * kMss; }
constexpr uint32_t seg_end(uint32_t n) { return kSnd + n * kMss; }

using SackBlocks = std::vector<std::pair<uint32_t, uint32_t>>;
// The SACK blocks a captured segment carries, relative to the peer's first data byte (kRcv).
inline SackBlocks sack_blocks(const Captured& c) {
    SackBlocks v;
    for (uint8_t i = 0; i < c.tcp.sack_block_count; ++i) {
        v.emplace_back(c.tcp.sack_blocks[i].left.raw() - kRcv, c.tcp.sack_blocks[i].right.raw() - kRcv);
    }
    return v;
}

class RecoveryTest : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.defaults.send_buffer = 256 * 1024;
        c.defaults.receive_buffer = 65535;
        return c;
    }
    // Established with a peer offering SACK-permitted (or not), no timestamps; the handshake's
    // ACK comes `rtt` after the SYN,ACK (the first RTT sample).
    TcpHandle establish(bool sack, const char* cc = "reno", Duration rtt = Duration::zero()) {
        listen();
        send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460, .sack_ok = sack}));
        expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1, .sack_ok = sack}));
        host_.advance(rtt);
        send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1}));
        auto h = tcp().accept(listener_);
        EXPECT_TRUE(h.ok());
        EXPECT_TRUE(tcp().set_congestion(h.value(), cc).ok());
        return h.value();
    }
    // Queues n full segments and expects the ones the initial window lets out.
    void send_segments(TcpHandle h, uint32_t n, uint32_t expected) {
        send_str(h, std::string(n * kMss, 'x'));
        for (uint32_t i = 0; i < expected; ++i) expect(is_tcp({.seq = kSnd + i * kMss, .len = kMss}));
        expect_nothing();
    }
    void ack(uint32_t a, std::vector<std::pair<uint32_t, uint32_t>> sack = {}) {
        SegSpec s{.seq = kRcv, .ack = a};
        s.sack = std::move(sack);
        send(s);
    }
    const TcpConnection& conn(TcpHandle h) { return *tcp().connection(h); }
};

}  // namespace tachyon::test
