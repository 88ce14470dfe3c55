// Datagram sockets: autobind, connect as default destination and filter, MSG_PEEK, truncation,
// timeouts, errors.
#include <algorithm>
#include <cstring>
#include <vector>

#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

using UdpSocket = SocketTest;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

TEST_F(UdpSocket, SendtoAutobindsAndRecvfromTellsTheSender) {
    Socket u1 = b().socket(AF_INET, SOCK_DGRAM);
    u1.bind({kIpB, 5353});
    Socket u2 = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(u2.getsockname(), SocketAddress{});
    EXPECT_EQ(u2.sendto(bytes("hello"), {kIpB, 5353}).value(), 5u);
    const SocketAddress from = u2.getsockname();
    EXPECT_EQ(from.addr, Ipv4Address::any());
    EXPECT_NE(from.port, 0);
    std::array<std::byte, 16> buf;
    Result<Received> r = u1.recvfrom(buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->len, 5u);
    EXPECT_EQ(to_string(std::span(buf).first(5)), "hello");
    EXPECT_EQ(r->from, (SocketAddress{kIpA, from.port}));
}

TEST_F(UdpSocket, RecvWaitsAndTimesOut) {
    Socket u = b().socket(AF_INET, SOCK_DGRAM);
    u.bind({Ipv4Address::any(), 7000});
    u.settimeout(Duration::from_ms(300));
    std::array<std::byte, 16> buf;
    const Instant start = p().now();
    EXPECT_EQ(u.recv(buf).code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_ms(300));
    Socket unbound = b().socket(AF_INET, SOCK_DGRAM);
    unbound.settimeout(Duration::from_ms(10));
    EXPECT_EQ(unbound.recv(buf).code(), EAGAIN);  // no autobind on recv: nothing ever comes
}

TEST_F(UdpSocket, PeekTruncationAndEmptyDatagrams) {
    Socket u1 = b().socket(AF_INET, SOCK_DGRAM);
    u1.bind({Ipv4Address::any(), 7001});
    u1.setblocking(false);
    Socket u2 = a().socket(AF_INET, SOCK_DGRAM);
    ASSERT_TRUE(u2.sendto(bytes("abcdef"), {kIpB, 7001}).ok());
    ASSERT_TRUE(u2.sendto(bytes(""), {kIpB, 7001}).ok());
    p().settle();
    EXPECT_EQ(recv_string(u1, 3, MSG_PEEK), "abc");
    EXPECT_EQ(recv_string(u1, 10, MSG_PEEK), "abcdef");
    EXPECT_EQ(recv_string(u1, 4), "abcd");  // the rest of the datagram is dropped
    EXPECT_EQ(recv_string(u1, 10), "");     // the empty datagram
    EXPECT_EQ(recv_string(u1, 10), errno_text(EAGAIN));
}

TEST_F(UdpSocket, ConnectSetsDestinationAndFilter) {
    Socket u1 = b().socket(AF_INET, SOCK_DGRAM);
    u1.bind({Ipv4Address::any(), 7002});
    Socket friend_ = a().socket(AF_INET, SOCK_DGRAM);
    friend_.bind({Ipv4Address::any(), 7003});
    Socket stranger = a().socket(AF_INET, SOCK_DGRAM);
    u1.connect({kIpA, 7003});
    EXPECT_EQ(u1.getpeername(), (SocketAddress{kIpA, 7003}));
    EXPECT_EQ(u1.getsockname(), (SocketAddress{kIpB, 7002}));
    ASSERT_TRUE(stranger.sendto(bytes("no"), {kIpB, 7002}).ok());
    ASSERT_TRUE(friend_.sendto(bytes("yes"), {kIpB, 7002}).ok());
    EXPECT_EQ(recv_string(u1), "yes");
    EXPECT_EQ(u1.send(bytes("back")).value(), 4u);
    EXPECT_EQ(recv_string(friend_), "back");
    // connect(AF_UNSPEC) dissolves the association.
    EXPECT_EQ(b().disconnect(u1.id()), 0);
    EXPECT_EQ(u1.try_getpeername().code(), ENOTCONN);
    EXPECT_EQ(u1.send(bytes("x")).code(), EDESTADDRREQ);
}

TEST_F(UdpSocket, Errors) {
    Socket u = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(u.send(bytes("x")).code(), EDESTADDRREQ);
    EXPECT_EQ(u.sendto(bytes("x"), {kIpB, 0}).code(), EINVAL);
    EXPECT_EQ(u.sendto(bytes("x"), {Ipv4Address::from_octets(172, 16, 0, 1), 9}).code(), ENETUNREACH);
    EXPECT_EQ(u.connect_ex({Ipv4Address::from_octets(172, 16, 0, 1), 9}), ENETUNREACH);
    EXPECT_EQ(u.sendto(std::vector<std::byte>(70000), {kIpB, 9}).code(), EMSGSIZE);
    EXPECT_EQ(u.try_listen().code(), EOPNOTSUPP);
    EXPECT_EQ(u.try_accept().code(), EOPNOTSUPP);
    EXPECT_EQ(u.try_shutdown(SHUT_RD).code(), ENOTCONN);
    EXPECT_EQ(u.try_shutdown(3).code(), EINVAL);
    EXPECT_EQ(u.try_bind({Ipv4Address::any(), 7005}).code(), EINVAL);  // sendto bound it
    Socket w = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(w.try_bind({Ipv4Address::from_octets(10, 0, 0, 9), 0}).code(), EADDRNOTAVAIL);
    Socket v = a().socket(AF_INET, SOCK_DGRAM);
    v.bind({Ipv4Address::any(), 7004});
    EXPECT_EQ(w.try_bind({Ipv4Address::any(), 7004}).code(), EADDRINUSE);
    EXPECT_EQ(v.try_getsockopt(IPPROTO_TCP, TCP_NODELAY).code(), EOPNOTSUPP);
    EXPECT_EQ(v.getsockopt(SOL_SOCKET, SO_ERROR), 0);
}

// Linux's __udp4_lib_err: the port unreachable that B's stack answers a datagram to a closed port
// with is told to A's connected socket once, by its next receive or send or SO_ERROR, and makes it
// poll EPOLLERR; an unconnected socket, or one connected elsewhere, hears nothing.
TEST_F(UdpSocket, PortUnreachableReachesTheConnectedSocketOnce) {
    Socket connected = a().socket(AF_INET, SOCK_DGRAM);
    connected.setblocking(false);
    connected.connect({kIpB, 7010});  // nobody there
    Socket unconnected = a().socket(AF_INET, SOCK_DGRAM);
    unconnected.setblocking(false);
    Socket elsewhere = a().socket(AF_INET, SOCK_DGRAM);
    elsewhere.setblocking(false);
    elsewhere.connect({kIpB, 7011});
    ASSERT_TRUE(connected.send(bytes("anyone?")).ok());
    ASSERT_TRUE(unconnected.sendto(bytes("anyone?"), {kIpB, 7010}).ok());
    p().settle();
    EXPECT_EQ(p().stack_a().counters().udp_icmp_errors, 2u);
    EXPECT_NE(a().readiness(connected.id()) & EPOLLERR, 0u);
    std::array<std::byte, 16> buf;
    EXPECT_EQ(connected.recv(buf).code(), ECONNREFUSED);
    EXPECT_EQ(connected.recv(buf).code(), EAGAIN);  // reported once
    EXPECT_EQ(a().readiness(connected.id()) & EPOLLERR, 0u);
    EXPECT_EQ(unconnected.recv(buf).code(), EAGAIN);
    EXPECT_EQ(elsewhere.recv(buf).code(), EAGAIN);
    EXPECT_EQ(unconnected.getsockopt(SOL_SOCKET, SO_ERROR), 0);
    // The next error goes to send, then to SO_ERROR.
    ASSERT_TRUE(connected.send(bytes("again")).ok());
    p().settle();
    EXPECT_EQ(connected.send(bytes("again")).code(), ECONNREFUSED);
    ASSERT_TRUE(connected.send(bytes("again")).ok());
    p().settle();
    EXPECT_EQ(connected.getsockopt(SOL_SOCKET, SO_ERROR), ECONNREFUSED);
    EXPECT_EQ(connected.getsockopt(SOL_SOCKET, SO_ERROR), 0);
    // Once someone is there, datagrams flow.
    Socket server = b().socket(AF_INET, SOCK_DGRAM);
    server.bind({Ipv4Address::any(), 7010});
    ASSERT_TRUE(connected.send(bytes("hello")).ok());
    EXPECT_EQ(recv_string(server), "hello");
}

// A datagram over the MTU leaves in IPv4 fragments and the other stack puts it back together:
// the largest there is (65,507 bytes, 45 fragments) one way, 9,000 bytes the other.
TEST_F(UdpSocket, DatagramsOverTheMtuCrossInFragments) {
    Socket server = b().socket(AF_INET, SOCK_DGRAM);
    server.bind({Ipv4Address::any(), 7012});
    Socket client = a().socket(AF_INET, SOCK_DGRAM);
    client.connect({kIpB, 7012});
    std::vector<std::byte> big(UdpLayer::kMaxDatagramPayload);
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::byte>(i * 7 + i / 251);
    EXPECT_EQ(client.send(big).value(), big.size());
    EXPECT_EQ(client.sendto(std::vector<std::byte>(big.size() + 1), {kIpB, 7012}).code(), EMSGSIZE);
    std::vector<std::byte> buf(70000);
    Result<Received> r = server.recvfrom(buf);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->len, big.size());
    EXPECT_TRUE(std::equal(big.begin(), big.end(), buf.begin()));
    EXPECT_EQ(p().stack_a().counters().frag_tx, 45u);
    EXPECT_EQ(p().stack_b().counters().frag_reassembled, 1u);
    const std::vector<std::byte> reply(9000, std::byte{0x5a});
    ASSERT_TRUE(r->from);
    EXPECT_EQ(server.sendto(reply, *r->from).value(), reply.size());
    Result<Received> back = client.recvfrom(buf);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->len, reply.size());
    EXPECT_TRUE(std::equal(reply.begin(), reply.end(), buf.begin()));
}

TEST_F(UdpSocket, ShutdownEndsABlockingRead) {
    Socket u1 = b().socket(AF_INET, SOCK_DGRAM);
    u1.bind({Ipv4Address::any(), 7006});
    u1.connect({kIpA, 9});
    ASSERT_TRUE(u1.try_shutdown(SHUT_RD).ok());
    std::array<std::byte, 4> buf;
    EXPECT_EQ(u1.recv(buf).value(), 0u);                   // blocking: returns 0
    EXPECT_EQ(u1.recv(buf, MSG_DONTWAIT).code(), EAGAIN);  // non-blocking: EAGAIN (Linux)
    ASSERT_TRUE(u1.try_shutdown(SHUT_WR).ok());
    EXPECT_EQ(u1.send(bytes("x")).code(), EPIPE);
    EXPECT_EQ(b().readiness(u1.id()) & (EPOLLHUP | EPOLLRDHUP), static_cast<uint32_t>(EPOLLHUP | EPOLLRDHUP));
}

}  // namespace
}  // namespace tachyon::test

namespace tachyon::test {
namespace {

TEST_F(UdpSocket, ZeroCopySendHandsTheSameBufferToTheDevice) {
    Socket u1 = b().socket(AF_INET, SOCK_DGRAM);
    u1.bind({Ipv4Address::any(), 7010});
    Socket u2 = a().socket(AF_INET, SOCK_DGRAM);
    ASSERT_TRUE(u2.sendto(bytes("warm-up: ARP"), {kIpB, 7010}).ok());  // A learns B's MAC
    EXPECT_EQ(recv_string(u1), "warm-up: ARP");
    Result<Packet> buf = u2.alloc_datagram();
    ASSERT_TRUE(buf.ok());
    Packet pkt = std::move(buf).value();
    const std::string_view msg = "written in place";
    std::byte* d = pkt.append(msg.size());
    ASSERT_NE(d, nullptr);
    std::memcpy(d, msg.data(), msg.size());
    const PacketBuf* raw = pkt.raw();
    ASSERT_TRUE(u2.send_datagram(std::move(pkt), SocketAddress{kIpB, 7010}).ok());
    p().stack_a().flush();
    // The frame on the wire is the buffer the application wrote into.
    std::array<Packet, 4> frames;
    ASSERT_EQ(p().link().b().rx_burst(frames), 1u);
    EXPECT_EQ(frames[0].raw(), raw);
    ASSERT_EQ(p().link().a().tx_burst(std::span(frames).first(1)), 1u);  // on to stack B
    EXPECT_EQ(recv_string(u1), msg);
    // Errors as sendto().
    EXPECT_EQ(u2.send_datagram(Packet()).code(), EINVAL);
    Result<Packet> more = u2.alloc_datagram();
    ASSERT_TRUE(more.ok());
    EXPECT_EQ(u2.send_datagram(std::move(more).value()).code(), EDESTADDRREQ);
    Socket t = a().socket();
    EXPECT_EQ(t.alloc_datagram().code(), EOPNOTSUPP);
}

}  // namespace
}  // namespace tachyon::test
