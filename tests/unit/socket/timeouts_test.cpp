// SO_RCVTIMEO and SO_SNDTIMEO with Linux's semantics (a struct timeval; a blocking call that
// waits too long fails with EAGAIN, a send returns what it queued, connect says EINPROGRESS),
// and the IP-level options IP_TTL and IP_TOS. All waiting runs in virtual time.
#include <sys/time.h>

#include <cstring>

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

using Timeouts = SocketTest;

Result<void> set_timeval(Socket& s, int name, long sec, long usec) {
    const timeval tv{sec, usec};
    return s.try_setsockopt(SOL_SOCKET, name, std::as_bytes(std::span(&tv, 1)));
}

timeval get_timeval(const Socket& s, int name) {
    timeval tv{-1, -1};
    Result<size_t> n = s.try_getsockopt(SOL_SOCKET, name, std::as_writable_bytes(std::span(&tv, 1)));
    EXPECT_TRUE(n.ok() && *n == sizeof(timeval));
    return tv;
}

TEST_F(Timeouts, RcvtimeoBoundsABlockingRecv) {
    Conn k = connect_pair();
    EXPECT_EQ(get_timeval(k.s, SO_RCVTIMEO).tv_sec, 0);  // fresh: without limit
    ASSERT_TRUE(set_timeval(k.s, SO_RCVTIMEO, 1, 500'000).ok());
    const timeval tv = get_timeval(k.s, SO_RCVTIMEO);
    EXPECT_EQ(tv.tv_sec, 1);
    EXPECT_EQ(tv.tv_usec, 500'000);
    EXPECT_TRUE(k.s.getblocking());  // still a blocking socket: only the wait is bounded
    const Instant start = p().now();
    EXPECT_EQ(recv_string(k.s), errno_text(EAGAIN));
    EXPECT_EQ(p().now() - start, Duration::from_ms(1500));
    // Data arriving within the limit is returned as usual.
    ASSERT_TRUE(k.c.sendall(std::string_view("in time")).ok());
    EXPECT_EQ(recv_string(k.s), "in time");
    // MSG_WAITALL returns what arrived when the limit expires.
    ASSERT_TRUE(k.c.sendall(std::string_view("abc")).ok());
    std::string buf(10, '\0');
    const Instant wait_start = p().now();
    Result<size_t> n = k.s.recv(std::as_writable_bytes(std::span(buf.data(), buf.size())), MSG_WAITALL);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 3u);
    EXPECT_EQ(p().now() - wait_start, Duration::from_ms(1500));
    // Python's settimeout() takes precedence over it.
    k.s.settimeout(Duration::from_ms(200));
    const Instant py_start = p().now();
    EXPECT_EQ(recv_string(k.s), errno_text(EAGAIN));
    EXPECT_EQ(p().now() - py_start, Duration::from_ms(200));
    // Zero turns the limit off again: the socket blocks until data comes.
    k.s.settimeout(std::nullopt);
    ASSERT_TRUE(set_timeval(k.s, SO_RCVTIMEO, 0, 0).ok());
    EXPECT_EQ(get_timeval(k.s, SO_RCVTIMEO).tv_usec, 0);
}

TEST_F(Timeouts, RcvtimeoBoundsAcceptAndDatagrams) {
    Socket l = listener();
    ASSERT_TRUE(set_timeval(l, SO_RCVTIMEO, 0, 250'000).ok());
    Instant start = p().now();
    EXPECT_EQ(l.try_accept().code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_ms(250));
    Socket u = b().socket(AF_INET, SOCK_DGRAM);
    u.bind({Ipv4Address::any(), 7300});
    ASSERT_TRUE(set_timeval(u, SO_RCVTIMEO, 2, 0).ok());
    start = p().now();
    std::array<std::byte, 16> buf;
    EXPECT_EQ(u.recvfrom(buf).code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_secs(2));
    EXPECT_EQ(u.recv_datagram().code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_secs(4));
}

TEST_F(Timeouts, BadValuesAreRefusedAsLinuxDoes) {
    Socket s = a().socket();
    const int just_an_int = 1;  // shorter than a struct timeval
    EXPECT_EQ(s.try_setsockopt(SOL_SOCKET, SO_RCVTIMEO, std::as_bytes(std::span(&just_an_int, 1))).code(), EINVAL);
    EXPECT_EQ(set_timeval(s, SO_RCVTIMEO, 1, 1'000'000).code(), EDOM);
    EXPECT_EQ(set_timeval(s, SO_SNDTIMEO, 1, -1).code(), EDOM);
    // A negative time means "do not wait" (Linux stores 0 jiffies) and reads back as zero.
    Conn k = connect_pair();
    ASSERT_TRUE(set_timeval(k.s, SO_RCVTIMEO, -5, 0).ok());
    const timeval tv = get_timeval(k.s, SO_RCVTIMEO);
    EXPECT_EQ(tv.tv_sec, 0);
    EXPECT_EQ(tv.tv_usec, 0);
    const Instant start = p().now();
    EXPECT_EQ(recv_string(k.s), errno_text(EAGAIN));
    EXPECT_EQ(p().now(), start);
    // A short buffer gets the first bytes, as Linux copies min(len, sizeof(timeval)).
    std::array<std::byte, 4> small{};
    EXPECT_EQ(k.s.try_getsockopt(SOL_SOCKET, SO_SNDTIMEO, small).value(), 4u);
}

TEST_F(Timeouts, SndtimeoBoundsABlockingSend) {
    Conn k;
    k.l = listener();
    k.c = a().socket();
    k.c.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    k.c.connect(on_b(k.l));
    k.s = k.l.accept().socket;
    ASSERT_TRUE(set_timeval(k.c, SO_SNDTIMEO, 3, 0).ok());
    // Nobody reads at B: a blocking send queues what fits until the limit, then returns that
    // count (Linux tcp_sendmsg); the next one finds no room at all: EAGAIN.
    const std::string big(4 << 20, 'x');
    Instant start = p().now();
    Result<size_t> n = k.c.send(big);
    ASSERT_TRUE(n.ok());
    EXPECT_GT(*n, 0u);
    EXPECT_LT(*n, big.size());
    EXPECT_EQ(p().now() - start, Duration::from_secs(3));
    start = p().now();
    EXPECT_EQ(k.c.send(big).code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_secs(3));
    EXPECT_EQ(k.c.sendall(big).code(), EAGAIN);
    // What was queued arrives whole.
    k.s.settimeout(Duration::from_secs(1));
    size_t got = 0;
    std::string buf(65536, '\0');
    while (got < *n) {
        Result<size_t> r = k.s.recv(std::as_writable_bytes(std::span(buf.data(), buf.size())));
        ASSERT_TRUE(r.ok()) << r.code();
        got += *r;
    }
    EXPECT_EQ(got, *n);
}

TEST_F(Timeouts, SndtimeoBoundsConnectWithEinprogress) {
    Socket l = listener();
    EXPECT_EQ(a().socket().connect_ex(on_b(l)), 0);  // both stacks learn each other's MAC
    (void)l.accept();
    Socket c = a().socket();
    ASSERT_TRUE(set_timeval(c, SO_SNDTIMEO, 2, 0).ok());
    p().link().set_link_up(false);
    const Instant start = p().now();
    EXPECT_EQ(c.connect_ex(on_b(l)), EINPROGRESS);  // Linux: the attempt goes on
    EXPECT_EQ(p().now() - start, Duration::from_secs(2));
    // Again while it is in progress: another wait of at most 2 s, then EALREADY.
    EXPECT_EQ(c.connect_ex(on_b(l)), EALREADY);
    EXPECT_EQ(p().now() - start, Duration::from_secs(4));
    p().link().set_link_up(true);
    // The SYN goes again at 7 s (at 0, 1, 3, 7 s): the next wait ends at 6 s without it.
    EXPECT_EQ(c.connect_ex(on_b(l)), EALREADY);
    EXPECT_EQ(p().now() - start, Duration::from_secs(6));
    EXPECT_EQ(c.connect_ex(on_b(l)), 0);
    EXPECT_EQ(p().now() - start, Duration::from_secs(7));
    EXPECT_EQ(c.connect_ex(on_b(l)), EISCONN);
}

// ---- IP_TTL and IP_TOS ----

struct SeenIp {
    uint8_t ttl = 0;
    uint8_t tos = 0;
};

// The IPv4 header of the last frame waiting at `end` of the link (all of them are taken before
// its stack sees them): `expected` frames.
SeenIp header_at(MemoryDevice& end, size_t expected = 1) {
    std::array<Packet, 4> frames;
    const size_t n = end.rx_burst(frames);
    EXPECT_EQ(n, expected);
    SeenIp seen;
    if (n >= 1) {
        const Packet& last = frames[n - 1];
        const EthernetFrame eth(std::span<std::byte>(const_cast<std::byte*>(last.data()), last.size()));
        EXPECT_EQ(eth.check(), WireError::kNone);
        const Ipv4Packet ip(eth.payload());
        EXPECT_EQ(ip.check(), WireError::kNone);
        const Parsed<Ipv4Repr> r = Ipv4Repr::parse(ip);
        EXPECT_TRUE(r.ok());
        if (r.ok()) seen = SeenIp{r->ttl, r->dscp_ecn};
    }
    return seen;  // the frame goes back to its sender's pool here
}

class IpOptions : public SocketTest {
protected:
    IpOptions() = default;
    explicit IpOptions(const SocketPair::Options& o) : SocketTest(o) {}

    // Sends one datagram from s to B's port 7400 and reads the IPv4 header off the wire.
    SeenIp sent_header(Socket& s, bool zero_copy = false) {
        if (zero_copy) {
            Packet pkt = s.alloc_datagram().value();
            std::memcpy(pkt.append(2), "zc", 2);
            EXPECT_TRUE(s.send_datagram(std::move(pkt), SocketAddress{kIpB, 7400}).ok());
        } else {
            EXPECT_TRUE(s.sendto(bytes_of("ip"), {kIpB, 7400}).ok());
        }
        p().stack_a().flush();
        return header_at(p().link().b());  // B never sees it
    }
    // The same for the next segment of a connected TCP socket on A (from_a) or B: one byte of
    // data, which the peer gets from the retransmission (TCP_NODELAY: Nagle would hold a byte
    // behind the unacknowledged one).
    SeenIp segment_header(Socket& s, bool from_a) {
        s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
        EXPECT_EQ(s.send(bytes_of("t")).value(), 1u);
        (from_a ? p().stack_a() : p().stack_b()).flush();
        return header_at(from_a ? p().link().b() : p().link().a());
    }
    void warm_up() {
        Socket r = b().socket(AF_INET, SOCK_DGRAM);
        r.bind({Ipv4Address::any(), 7401});
        Socket s = a().socket(AF_INET, SOCK_DGRAM);
        ASSERT_TRUE(s.sendto(bytes_of("arp"), {kIpB, 7401}).ok());  // A learns B's MAC
        EXPECT_EQ(recv_string(r), "arp");
    }
};

TEST_F(IpOptions, TtlAndTosReachTheDatagramsSent) {
    warm_up();
    Socket s = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(s.getsockopt(IPPROTO_IP, IP_TTL), 64);  // net.ipv4.ip_default_ttl
    EXPECT_EQ(s.getsockopt(IPPROTO_IP, IP_TOS), 0);
    SeenIp seen = sent_header(s);
    EXPECT_EQ(seen.ttl, 64);
    EXPECT_EQ(seen.tos, 0);
    s.setsockopt(IPPROTO_IP, IP_TTL, 7);
    s.setsockopt(IPPROTO_IP, IP_TOS, 0xb8);  // DSCP EF
    EXPECT_EQ(s.getsockopt(IPPROTO_IP, IP_TTL), 7);
    EXPECT_EQ(s.getsockopt(IPPROTO_IP, IP_TOS), 0xb8);
    seen = sent_header(s);
    EXPECT_EQ(seen.ttl, 7);
    EXPECT_EQ(seen.tos, 0xb8);
    seen = sent_header(s, /*zero_copy=*/true);
    EXPECT_EQ(seen.ttl, 7);
    EXPECT_EQ(seen.tos, 0xb8);
    // -1 restores the default; out of range is EINVAL and changes nothing.
    s.setsockopt(IPPROTO_IP, IP_TTL, -1);
    EXPECT_EQ(s.getsockopt(IPPROTO_IP, IP_TTL), 64);
    EXPECT_EQ(s.try_setsockopt(IPPROTO_IP, IP_TTL, 0).code(), EINVAL);
    EXPECT_EQ(s.try_setsockopt(IPPROTO_IP, IP_TTL, 256).code(), EINVAL);
    EXPECT_EQ(s.try_setsockopt(IPPROTO_IP, IP_TTL, std::span<const std::byte>()).code(), EINVAL);
    EXPECT_EQ(sent_header(s).ttl, 64);
    // Linux reads one byte when fewer than an int are given, and answers one byte likewise.
    const uint8_t one = 9;
    ASSERT_TRUE(s.try_setsockopt(IPPROTO_IP, IP_TTL, std::as_bytes(std::span(&one, 1))).ok());
    std::array<std::byte, 1> out{};
    EXPECT_EQ(s.try_getsockopt(IPPROTO_IP, IP_TTL, out).value(), 1u);
    EXPECT_EQ(std::to_integer<int>(out[0]), 9);
    // Other IP-level names are not supported.
    EXPECT_EQ(s.try_setsockopt(IPPROTO_IP, IP_RECVTOS, 1).code(), ENOPROTOOPT);
    EXPECT_EQ(s.try_getsockopt(IPPROTO_IP, IP_MTU_DISCOVER).code(), ENOPROTOOPT);
}

// On a TCP socket the options reach the connection's segments at once (its cached headers are
// rebuilt), and a listener's reach the connections it accepts, as on Linux; the TOS byte loses its
// ECN bits (Linux keeps TCP's own there, and Tachyon negotiates no ECN).
TEST_F(IpOptions, StreamSocketsCarryThemOnTheirSegments) {
    Socket l = b().socket(AF_INET, SOCK_STREAM);
    l.bind({Ipv4Address::any(), 7500});
    l.setsockopt(IPPROTO_IP, IP_TTL, 9);
    l.setsockopt(IPPROTO_IP, IP_TOS, 0x2b);
    EXPECT_EQ(l.getsockopt(IPPROTO_IP, IP_TOS), 0x28);
    l.listen(4);
    Socket c = a().socket(AF_INET, SOCK_STREAM);
    EXPECT_EQ(c.getsockopt(IPPROTO_IP, IP_TTL), 64);
    c.connect({kIpB, 7500});
    Socket s = l.accept().socket;
    EXPECT_EQ(s.getsockopt(IPPROTO_IP, IP_TTL), 9);

    SeenIp seen = segment_header(c, true);
    EXPECT_EQ(seen.ttl, 64);
    EXPECT_EQ(seen.tos, 0);
    c.setsockopt(IPPROTO_IP, IP_TTL, 7);
    c.setsockopt(IPPROTO_IP, IP_TOS, 0xb9);  // DSCP EF with an ECN bit
    EXPECT_EQ(c.getsockopt(IPPROTO_IP, IP_TOS), 0xb8);
    seen = segment_header(c, true);
    EXPECT_EQ(seen.ttl, 7);
    EXPECT_EQ(seen.tos, 0xb8);
    seen = segment_header(s, false);
    EXPECT_EQ(seen.ttl, 9) << "the accepted connection has the listener's options";
    EXPECT_EQ(seen.tos, 0x28);
    c.setsockopt(IPPROTO_IP, IP_TTL, -1);
    EXPECT_EQ(segment_header(c, true).ttl, 64);
    p().settle();
    EXPECT_EQ(recv_string(s), "ttt") << "every byte read off the link arrived by retransmission";
}

// A socket without IP_TTL takes the stack's TTL (StackConfig::ttl), on UDP and TCP alike, and so
// do segments sent without a connection (a RST to a closed port).
class StackTtl : public IpOptions {
protected:
    StackTtl() : IpOptions(SocketPair::Options{.ttl = 33}) {}
};

TEST_F(StackTtl, SocketsWithoutTheirOwnTakeTheStacks) {
    warm_up();
    Socket u = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(u.getsockopt(IPPROTO_IP, IP_TTL), 33);
    EXPECT_EQ(sent_header(u).ttl, 33);
    Conn k = connect_pair();
    EXPECT_EQ(k.c.getsockopt(IPPROTO_IP, IP_TTL), 33);
    EXPECT_EQ(segment_header(k.c, true).ttl, 33);
    p().settle();
    EXPECT_EQ(recv_string(k.s), "t");
    // A SYN to a closed port on B: B's RST.
    Socket r = a().socket(AF_INET, SOCK_STREAM);
    r.setblocking(false);
    EXPECT_EQ(r.connect_ex({kIpB, 7999}), EINPROGRESS);
    p().stack_a().flush();
    p().stack_b().poll();  // the ACK of "t" its turn owed, then the RST
    EXPECT_EQ(b().tcp().counters().rst_sent, 1u);
    EXPECT_EQ(header_at(p().link().a(), 2).ttl, 33);
}

}  // namespace
}  // namespace tachyon::test
