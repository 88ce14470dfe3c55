// Helpers shared by the TCP unit tests: connections brought to a known state with known
// sequence numbers, so that each test starts from a short, readable trace.
#pragma once

#include <cerrno>
#include <string>

#include "tests/support/tcp_fixture.hpp"

namespace tachyon::test {

// Sequence numbers used throughout: our ISN (passive 5000, active 100), the peer's (1000, 300).
inline constexpr uint32_t kServerIss = 5000;
inline constexpr uint32_t kPeerIss = 1000;
inline constexpr uint32_t kClientIss = 100;
inline constexpr uint32_t kPeerServerIss = 300;

class TcpTest : public TcpFixture {
protected:
    TcpConnConfig conn_config(uint32_t isn) const {
        TcpConnConfig c = config().defaults;
        c.isn = isn;
        return c;
    }

    TcpListenHandle listen(uint32_t backlog = 8) {
        auto l = tcp().listen({kLocalIp, kLocalPort}, backlog, conn_config(kServerIss));
        EXPECT_TRUE(l.ok());
        listener_ = l.ok() ? l.value() : TcpListenHandle{};
        return listener_;
    }

    // LISTEN -> SYN-RECEIVED -> ESTABLISHED with a peer that sends no options but MSS (so no
    // timestamps: segments are easy to spell); returns the accepted handle.
    TcpHandle accept_established(std::optional<TcpTimestamp> ts = std::nullopt) {
        listen();
        send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460, .ts = ts}));
        expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
        std::optional<TcpTimestamp> ack_ts;
        if (ts) ack_ts = TcpTimestamp{ts->tsval + 1, 0};
        send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1, .ts = ack_ts}));
        auto h = tcp().accept(listener_);
        EXPECT_TRUE(h.ok());
        if (!h.ok()) return {};
        EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
        return h.value();
    }

    // SYN-SENT -> ESTABLISHED; the peer answers SYN,ACK with MSS only.
    TcpHandle connect_established() {
        auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
        EXPECT_TRUE(h.ok());
        if (!h.ok()) return {};
        expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
        send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460}));
        expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
        EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
        return h.value();
    }

    std::string read_all(TcpHandle h) {
        std::string out;
        char buf[4096];
        for (;;) {
            auto n = tcp().receive(h, std::as_writable_bytes(std::span(buf)));
            if (!n.ok() || n.value() == 0) break;
            out.append(buf, n.value());
        }
        return out;
    }

    size_t send_str(TcpHandle h, const std::string& s) {
        auto n = tcp().send(h, as_bytes(s));
        EXPECT_TRUE(n.ok());
        return n.ok() ? n.value() : 0;
    }

    TcpListenHandle listener_;
};

}  // namespace tachyon::test
