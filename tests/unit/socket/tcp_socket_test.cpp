// Stream sockets over two stacks on the memory link, in virtual time: blocking and non-blocking
// calls, timeouts, connection failures, buffers, linger, options that reach the TCP layer.
#include <array>
#include <cstring>

#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

using TcpSocket = SocketTest;

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

TEST_F(TcpSocket, ConnectGivesUpAfterSynRetries) {
    Socket l = listener();
    Socket c = a().socket();
    p().link().set_link_up(false);
    const Instant start = p().now();
    EXPECT_EQ(c.connect_ex(on_b(l)), ETIMEDOUT);
    // Linux tcp_syn_retries 6: the SYN goes at 0, 1, 3, 7, 15, 31 and 63 s; ETIMEDOUT at 127 s.
    EXPECT_EQ(p().now() - start, Duration::from_secs(127));
    EXPECT_EQ(c.try_getpeername().code(), ENOTCONN);
    EXPECT_EQ(c.try_getsockopt(SOL_SOCKET, SO_ERROR).value(), 0);  // connect() reported it
    p().link().set_link_up(true);
    EXPECT_EQ(c.connect_ex(on_b(l)), 0);  // the socket can try again
}

TEST_F(TcpSocket, ConnectTimeoutLeavesTheAttemptRunning) {
    Socket l = listener();
    EXPECT_EQ(a().socket().connect_ex(on_b(l)), 0);  // both stacks learn each other's MAC
    (void)l.accept();
    Socket c = a().socket();
    c.settimeout(Duration::from_secs(2));
    p().link().set_link_up(false);
    const Instant start = p().now();
    EXPECT_EQ(c.connect_ex(on_b(l)), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_secs(2));
    EXPECT_EQ(c.connect_ex(on_b(l)), EALREADY);
    EXPECT_THROW(c.connect(on_b(l)), std::system_error);
    p().link().set_link_up(true);
    c.settimeout(std::nullopt);  // blocking: waits for the attempt in progress
    EXPECT_EQ(c.connect_ex(on_b(l)), 0);
    EXPECT_EQ(p().now() - start, Duration::from_secs(3));  // the SYN sent again at 1 + 2 s
    EXPECT_EQ(c.connect_ex(on_b(l)), EISCONN);
    c.settimeout(Duration::from_secs(1));
    Socket d = a().socket();
    d.settimeout(Duration::from_ms(100));
    p().link().set_link_up(false);
    EXPECT_THROW(d.connect(on_b(l)), SocketTimeout);
    p().link().set_link_up(true);
}

TEST_F(TcpSocket, NoRouteIsEnetunreach) {
    Socket c = a().socket();
    EXPECT_EQ(c.connect_ex({Ipv4Address::from_octets(192, 168, 7, 7), 80}), ENETUNREACH);
    EXPECT_EQ(c.connect_ex({kIpB, 9}), ECONNREFUSED);  // still usable
}

TEST_F(TcpSocket, EstablishedConnectionTimesOut) {
    Conn k = connect_pair();
    p().link().set_link_up(false);
    ASSERT_EQ(k.c.send(std::string_view("lost")).value(), 4u);
    const Instant start = p().now();
    std::array<std::byte, 8> buf;
    EXPECT_EQ(k.c.recv(buf).code(), ETIMEDOUT);  // tcp_retries2 15
    EXPECT_GT(p().now() - start, Duration::from_secs(100));
    EXPECT_EQ(k.c.recv(buf).value(), 0u);
    EXPECT_EQ(k.c.send(std::string_view("x")).code(), EPIPE);
    EXPECT_EQ(a().readiness(k.c.id()) & (EPOLLHUP | EPOLLERR), static_cast<uint32_t>(EPOLLHUP));
    p().link().set_link_up(true);
}

TEST_F(TcpSocket, SendallQueuesEverythingAndWaitallReadsIt) {
    Conn k = connect_pair();
    const std::string data = pattern(400 * 1024);  // fits the sender's and the receiver's buffers
    ASSERT_TRUE(k.c.sendall(data).ok());
    std::string got(data.size(), '\0');
    Result<size_t> n = k.s.recv(std::as_writable_bytes(std::span(got.data(), got.size())), MSG_WAITALL);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, data.size());
    EXPECT_TRUE(got == data);
}

TEST_F(TcpSocket, SendallTimeoutBoundsTheWholeCall) {
    Conn k = connect_pair();
    k.c.settimeout(Duration::from_secs(1));
    const Instant start = p().now();
    EXPECT_EQ(k.c.sendall(pattern(2 * 1024 * 1024)).code(), EAGAIN);  // nobody reads
    EXPECT_EQ(p().now() - start, Duration::from_secs(1));
}

TEST_F(TcpSocket, SendIsPartialWhenTheBufferFills) {
    Conn k = connect_pair();
    const std::string data = pattern(2 * 1024 * 1024);
    k.c.settimeout(Duration::from_ms(500));
    // Nobody reads: each send queues what fits after its wait, until nothing fits any more.
    size_t total = 0;
    bool partial = false;
    for (int i = 0; i < 10; ++i) {
        Result<size_t> n = k.c.send(std::string_view(data).substr(total));
        if (!n) {
            EXPECT_EQ(n.code(), EAGAIN);  // the timeout expired with the buffer full
            break;
        }
        partial |= *n < data.size() - total;
        total += *n;
    }
    EXPECT_TRUE(partial);
    EXPECT_GT(total, 0u);
    EXPECT_LT(total, data.size());
    k.c.setblocking(false);
    EXPECT_EQ(k.c.send(data).code(), EAGAIN);
    EXPECT_EQ(k.c.sendall(data).code(), EAGAIN);
    // The receiver reads everything that was queued, in order.
    k.s.settimeout(Duration::from_secs(1));
    size_t got = 0;
    bool in_order = true;
    std::string buf(64 * 1024, '\0');
    while (got < total) {
        Result<size_t> r = k.s.recv(std::as_writable_bytes(std::span(buf.data(), buf.size())));
        ASSERT_TRUE(r.ok()) << r.code();
        in_order &= std::memcmp(buf.data(), data.data() + got, *r) == 0;
        got += *r;
    }
    EXPECT_EQ(got, total);
    EXPECT_TRUE(in_order);
}

TEST_F(TcpSocket, WaitallWithTimeoutReturnsWhatArrived) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("abc")).ok());
    std::array<std::byte, 10> buf;
    k.s.settimeout(Duration::from_ms(100));
    Result<size_t> n = k.s.recv(buf, MSG_WAITALL);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 3u);
}

TEST_F(TcpSocket, LingerWaitsForTheFinToBeAcknowledged) {
    Conn k = connect_pair();
    k.c.set_linger({true, 5});
    EXPECT_EQ(k.c.linger(), (Linger{true, 5}));
    p().link().set_link_up(false);
    const Instant start = p().now();
    ASSERT_TRUE(k.c.close().ok());
    EXPECT_EQ(p().now() - start, Duration::from_secs(5));  // gave up: close() still succeeds
    p().link().set_link_up(true);
    EXPECT_EQ(recv_string(k.s), "");  // the FIN is retransmitted and arrives
    // Acknowledged at once: close() returns without waiting.
    Conn m = connect_pair();
    m.c.set_linger({true, 5});
    const Instant t = p().now();
    ASSERT_TRUE(m.c.close().ok());
    EXPECT_LT(p().now() - t, Duration::from_ms(10));
}

TEST_F(TcpSocket, LingerZeroAborts) {
    Conn k = connect_pair();
    k.c.set_linger({true, 0});
    ASSERT_TRUE(k.c.close().ok());
    p().settle();
    std::array<std::byte, 4> buf;
    EXPECT_EQ(k.s.recv(buf).code(), ECONNRESET);
}

TEST_F(TcpSocket, PeekedDataStillCountsAsUnreadAtClose) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("hello")).ok());
    EXPECT_EQ(recv_string(k.s, 2, MSG_PEEK), "he");
    EXPECT_EQ(recv_string(k.s, 10, MSG_PEEK), "hello");
    EXPECT_EQ(a().readiness(k.c.id()) & EPOLLIN, 0u);
    EXPECT_NE(b().readiness(k.s.id()) & EPOLLIN, 0u);  // peeked bytes are still readable
    ASSERT_TRUE(k.s.close().ok());                      // unread: RST, not FIN
    p().settle();
    std::array<std::byte, 4> buf;
    EXPECT_EQ(k.c.recv(buf).code(), ECONNRESET);
}

TEST_F(TcpSocket, RecvfromOnAStreamHasNoAddress) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("x")).ok());
    std::array<std::byte, 4> buf;
    Result<Received> r = k.s.recvfrom(buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->len, 1u);
    EXPECT_FALSE(r->from.has_value());
    // sendto on a connected stream ignores the address.
    EXPECT_EQ(k.s.sendto(std::as_bytes(std::span("y", 1)), {Ipv4Address::from_octets(1, 2, 3, 4), 5}).value(), 1u);
    EXPECT_EQ(recv_string(k.c), "y");
}

TEST_F(TcpSocket, TcpInfoReportsTheConnection) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("ping")).ok());
    EXPECT_EQ(recv_string(k.s), "ping");
    p().settle();
    const TcpInfo i = k.c.tcp_info();
    EXPECT_EQ(i.state, TcpState::kEstablished);
    EXPECT_TRUE(i.timestamps);
    EXPECT_TRUE(i.sack);
    EXPECT_TRUE(i.window_scale);
    EXPECT_EQ(i.snd_mss, 1460u - 12u);
    EXPECT_TRUE(i.rtt_valid);
    EXPECT_GE(i.rto, Duration::from_ms(200));
    EXPECT_EQ(i.bytes_in_flight, 0u);
    EXPECT_EQ(i.snd_cwnd, 10u);  // RFC 6928 initial window, still in slow start after 4 bytes
    EXPECT_STREQ(i.congestion, "cubic");
    EXPECT_EQ(i.bytes_acked, 5u);  // the SYN counts, as in Linux (ss shows bytes_acked:1 when idle)
    struct tcp_info raw {};
    Result<size_t> n = k.c.try_getsockopt(IPPROTO_TCP, TCP_INFO, std::as_writable_bytes(std::span(&raw, 1)));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, sizeof raw);
    EXPECT_EQ(raw.tcpi_state, 1);  // TCP_ESTABLISHED
    EXPECT_EQ(raw.tcpi_snd_mss, 1448u);
    EXPECT_EQ(raw.tcpi_options & 7, 7);
    EXPECT_EQ(raw.tcpi_rto, static_cast<uint32_t>(i.rto.us()));
    EXPECT_EQ(raw.tcpi_snd_cwnd, 10u);
    EXPECT_EQ(raw.tcpi_snd_ssthresh, i.snd_ssthresh);
    EXPECT_EQ(k.l.tcp_info().state, TcpState::kListen);
    EXPECT_EQ(a().socket().tcp_info().state, TcpState::kClosed);
}

TEST_F(TcpSocket, MaxsegAndRcvbufReachTheConnection) {
    Socket l = b().socket();
    l.setsockopt(SOL_SOCKET, SO_RCVBUF, 8192);
    l.bind({Ipv4Address::any(), 0});
    l.listen();
    Socket c = a().socket();
    c.setsockopt(IPPROTO_TCP, TCP_MAXSEG, 1000);
    c.connect(on_b(l));
    Accepted acc = l.accept();
    EXPECT_EQ(acc.socket.getsockopt(SOL_SOCKET, SO_RCVBUF), 16384);  // inherited, doubled
    // The server sends with the MSS the client announced (1000) less the timestamp option.
    EXPECT_EQ(acc.socket.getsockopt(IPPROTO_TCP, TCP_MAXSEG), 988);
    // The client sees the server's 8 KiB receive buffer as its window.
    EXPECT_EQ(c.tcp_info().snd_wnd, 8192u);
}

// A connect() that takes over a TIME-WAIT tuple (tcp_tw_reuse) ends the old incarnation, and
// with it the port holder its closed socket left: holders do not pile up on a reused port.
TEST(TcpSocketPorts, AReusedTimeWaitTupleReleasesTheOldPortHolder) {
    SocketPair::Options o;
    o.layer.tcp.ephemeral_first = 40000;
    o.layer.tcp.ephemeral_last = 40000;
    o.layer.tcp.time_wait_reuse_delay = Duration::from_ms(10);
    SocketPair p(o);
    {
        Socket l = p.b().socket();
        l.bind({Ipv4Address::any(), 81});
        l.listen();
        for (int i = 0; i < 5; ++i) {
            Socket c = p.a().socket();
            ASSERT_EQ(c.connect_ex({kIpB, 81}), 0) << i;
            Socket s = l.accept().socket;
            ASSERT_TRUE(c.close().ok());  // the client closes first: TIME-WAIT on A
            std::array<std::byte, 16> buf;
            const auto eof = s.recv(buf);  // end of stream
            ASSERT_TRUE(eof.ok());
            EXPECT_EQ(eof.value(), 0u);
            ASSERT_TRUE(s.close().ok());
            p.settle();
            EXPECT_EQ(p.a().ports_held(), 1u) << i;  // the TIME-WAIT record's
            EXPECT_EQ(p.a().tcp().time_wait_records(), 1u) << i;
            p.advance(Duration::from_ms(20));
        }
        EXPECT_EQ(p.a().tcp().counters().time_wait_reused, 4u);
    }
    p.advance(Duration::from_secs(61));
    EXPECT_EQ(p.a().ports_held(), 0u);
}

TEST(TcpSocketPorts, EphemeralPortsAreSharedByFourTuple) {
    SocketPair::Options o;
    o.layer.tcp.ephemeral_first = 40000;
    o.layer.tcp.ephemeral_last = 40000;
    SocketPair p(o);
    {
        Socket l1 = p.b().socket();
        l1.bind({Ipv4Address::any(), 81});
        l1.listen();
        Socket l2 = p.b().socket();
        l2.bind({Ipv4Address::any(), 82});
        l2.listen();
        Socket c1 = p.a().socket();
        EXPECT_EQ(c1.connect_ex({kIpB, 81}), 0);
        EXPECT_EQ(c1.getsockname(), (SocketAddress{kIpA, 40000}));
        Socket c2 = p.a().socket();
        EXPECT_EQ(c2.connect_ex({kIpB, 81}), EADDRNOTAVAIL);  // the only port, same 4-tuple
        EXPECT_EQ(c2.connect_ex({kIpB, 82}), 0);              // another peer: the port is shared
        EXPECT_EQ(c2.getsockname().port, 40000);
        Socket d = p.a().socket();
        EXPECT_EQ(d.try_bind({Ipv4Address::any(), 0}).code(), EADDRINUSE);  // bind(0) needs a free port
        EXPECT_EQ(d.try_bind({Ipv4Address::any(), 40000}).code(), EADDRINUSE);
        Socket e = p.a().socket();
        EXPECT_EQ(e.try_listen().code(), EAGAIN);  // nothing to autobind to
    }
    p.advance(Duration::from_secs(300));
    EXPECT_EQ(p.a().ports_held(), 0u);
    EXPECT_EQ(p.b().ports_held(), 0u);
    EXPECT_EQ(p.buffers_in_use(), 0u);
}

TEST_F(TcpSocket, TimeWaitHoldsThePortUntilItEnds) {
    Socket l = listener();
    const SocketAddress addr = on_b(l);
    Socket c = a().socket();
    c.connect(addr);
    Socket s = l.accept().socket;
    ASSERT_TRUE(s.close().ok());  // the server closes first: TIME-WAIT on B
    EXPECT_EQ(recv_string(c), "");
    ASSERT_TRUE(c.close().ok());
    ASSERT_TRUE(l.close().ok());
    p().settle();
    Socket n = b().socket();
    EXPECT_EQ(n.try_bind({Ipv4Address::any(), addr.port}).code(), EADDRINUSE);
    p().advance(Duration::from_secs(61));  // 2 MSL
    EXPECT_TRUE(n.try_bind({Ipv4Address::any(), addr.port}).ok());
}

TEST_F(TcpSocket, BlockingCallsKeepOtherConnectionsMoving) {
    Socket l = listener();
    Socket pending = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    EXPECT_EQ(pending.connect_ex(on_b(l)), EINPROGRESS);
    Conn k = connect_pair();
    // While this recv waits on stack A, the other handshake of stack A completes.
    k.c.settimeout(Duration::from_ms(50));
    std::array<std::byte, 4> buf;
    EXPECT_EQ(k.c.recv(buf).code(), EAGAIN);
    EXPECT_EQ(pending.connect_ex(on_b(l)), 0);
}

TEST_F(TcpSocket, LayerDestructionClosesWhatIsOpen) {
    Conn k = connect_pair();
    // Leave the sockets to the layers: the pair's destructor must close them cleanly.
    (void)k.c.release();
    (void)k.s.release();
    (void)k.l.release();
    EXPECT_EQ(a().open_sockets(), 1u);
    EXPECT_EQ(b().open_sockets(), 2u);
    pair_ = std::make_unique<SocketPair>();  // destroys the old pair with its open sockets
}

// SO_KEEPALIVE and TCP_KEEP* set on a live connection reach TCP: with the peer gone silent, the
// connection with keepalive fails with ETIMEDOUT after idle + count * interval, the one without
// stays ESTABLISHED.
TEST_F(TcpSocket, KeepaliveOptionsActOnALiveConnection) {
    Conn with = connect_pair();
    Conn without = connect_pair();
    with.c.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
    with.c.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, 10);
    with.c.setsockopt(IPPROTO_TCP, TCP_KEEPINTVL, 5);
    with.c.setsockopt(IPPROTO_TCP, TCP_KEEPCNT, 2);
    p().link().set_link_up(false);  // the peer goes silent
    p().advance(Duration::from_secs(9));
    EXPECT_EQ(with.c.tcp_info().state, TcpState::kEstablished);
    p().advance(Duration::from_secs(10 + 2 * 5));
    EXPECT_EQ(with.c.getsockopt(SOL_SOCKET, SO_ERROR), ETIMEDOUT);
    EXPECT_EQ(without.c.tcp_info().state, TcpState::kEstablished);
    p().link().set_link_up(true);
}


}  // namespace
}  // namespace tachyon::test
