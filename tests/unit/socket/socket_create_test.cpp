// socket(): families, types and protocols as Linux answers them; the bounded table; the handle's
// move semantics; timeouts and the throwing forms.
#include <sys/socket.h>

#include <stdexcept>

#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

using SocketCreate = SocketTest;

int socket_errno(SocketLayer& l, int family, int type, int protocol = 0) {
    Result<Socket> s = l.try_socket(family, type, protocol);
    return s.ok() ? 0 : s.code();
}

TEST_F(SocketCreate, FamiliesOtherThanInetAreNotSupported) {
    for (int family : {AF_UNIX, AF_INET6, AF_PACKET, AF_NETLINK, AF_UNSPEC, -1, 46, 1000}) {
        EXPECT_EQ(socket_errno(a(), family, SOCK_STREAM), EAFNOSUPPORT) << family;
    }
}

TEST_F(SocketCreate, TypesAndProtocolsAsLinux) {
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_STREAM), 0);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_STREAM, IPPROTO_TCP), 0);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_DGRAM), 0);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_DGRAM, IPPROTO_UDP), 0);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_STREAM, 132), EPROTONOSUPPORT);  // SCTP
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_RAW), EPROTONOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_SEQPACKET), ESOCKTNOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_RDM), ESOCKTNOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, SOCK_PACKET), ESOCKTNOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, 0), ESOCKTNOSUPPORT);
    EXPECT_EQ(socket_errno(a(), AF_INET, 11), EINVAL);
    EXPECT_EQ(socket_errno(a(), AF_INET, -1), EINVAL);
    EXPECT_EQ(a().open_sockets(), 0u);
}

TEST_F(SocketCreate, NonblockFlagAndDefaults) {
    Socket s = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_EQ(s.type(), SOCK_STREAM);
    EXPECT_EQ(s.family(), AF_INET);
    EXPECT_FALSE(s.getblocking());
    EXPECT_EQ(s.gettimeout(), Timeout{Duration::zero()});
    Socket d = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(d.type(), SOCK_DGRAM);
    EXPECT_TRUE(d.getblocking());
    EXPECT_EQ(d.gettimeout(), Timeout{});
}

TEST_F(SocketCreate, TimeoutCalls) {
    Socket s = a().socket();
    s.settimeout(Duration::from_ms(1500));
    EXPECT_EQ(s.gettimeout(), Timeout{Duration::from_ms(1500)});
    EXPECT_FALSE(s.getblocking());
    s.setblocking(true);
    EXPECT_EQ(s.gettimeout(), Timeout{});
    s.setblocking(false);
    EXPECT_EQ(s.gettimeout(), Timeout{Duration::zero()});
    EXPECT_THROW(s.settimeout(Duration::from_ms(-1)), std::invalid_argument);
    EXPECT_EQ(a().settimeout(s.id(), Duration::from_ms(-1)).code(), EINVAL);
}

TEST(SocketTable, FullTableIsEmfile) {
    SocketPair::Options o;
    o.layer.max_sockets = 3;
    SocketPair p(o);
    {
        Socket s1 = p.a().socket();
        Socket s2 = p.a().socket(AF_INET, SOCK_DGRAM);
        Socket s3 = p.a().socket();
        EXPECT_EQ(p.a().try_socket(AF_INET, SOCK_STREAM).code(), EMFILE);
        EXPECT_EQ(p.a().open_sockets(), 3u);
        s2 = Socket();  // move-assigning closes the old socket
        EXPECT_EQ(p.a().open_sockets(), 2u);
        Socket s4 = p.a().socket();
        EXPECT_TRUE(s4.is_open());
        // accept() needs a slot for the connection: EMFILE while the table is full, and the
        // connection stays queued until there is room.
        Socket l = p.b().socket();
        l.bind({Ipv4Address::any(), 80});
        l.listen(4);
        EXPECT_EQ(s1.connect_ex({kIpB, 80}), 0);
        Socket b2 = p.b().socket();
        Socket b3 = p.b().socket();
        EXPECT_EQ(l.try_accept().code(), EMFILE);
        EXPECT_TRUE(b3.close().ok());
        Result<Accepted> acc = l.try_accept();
        ASSERT_TRUE(acc.ok());
        EXPECT_EQ(acc->peer.addr, kIpA);
    }
    p.advance(Duration::from_secs(300));
    EXPECT_EQ(p.buffers_in_use(), 0u);
}

TEST_F(SocketCreate, StaleIdsAreEbadf) {
    Socket s = a().socket();
    const SocketId id = s.id();
    ASSERT_TRUE(s.close().ok());
    EXPECT_FALSE(s.is_open());
    EXPECT_TRUE(s.close().ok());  // idempotent
    EXPECT_EQ(a().close(id).code(), EBADF);
    EXPECT_EQ(a().bind(id, {}).code(), EBADF);
    EXPECT_EQ(a().connect(id, {kIpB, 1}), EBADF);
    EXPECT_EQ(a().readiness(id), static_cast<uint32_t>(POLLNVAL));
    Socket t = a().socket();  // reuses the slot with a new generation
    EXPECT_EQ(t.id().index, id.index);
    EXPECT_NE(t.id().generation, id.generation);
    EXPECT_EQ(a().getsockname(id).code(), EBADF);
    EXPECT_EQ(s.send(std::string_view("x")).code(), EBADF);
    EXPECT_EQ(s.recv({}).code(), EBADF);
    Socket moved = std::move(t);
    EXPECT_FALSE(t.is_open());  // NOLINT(bugprone-use-after-move): the moved-from handle is empty
    EXPECT_TRUE(moved.is_open());
    const SocketId kept = moved.release();
    EXPECT_FALSE(moved.is_open());
    EXPECT_TRUE(a().is_open(kept));
    EXPECT_TRUE(a().close(kept).ok());
}

TEST_F(SocketCreate, ThrowingFormsThrowSystemError) {
    Socket s = a().socket();
    try {
        (void)s.getpeername();
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENOTCONN);
    }
    try {
        s.bind({Ipv4Address::from_octets(10, 9, 9, 9), 0});
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EADDRNOTAVAIL);
    }
    try {
        s.connect({kIpB, 9});
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ECONNREFUSED);
    }
    EXPECT_THROW(s.setsockopt(SOL_SOCKET, 9999, 1), std::system_error);
    EXPECT_THROW((void)s.getsockopt(99, 1), std::system_error);
    EXPECT_THROW(s.shutdown(SHUT_RDWR), std::system_error);  // ENOTCONN
    Socket u = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_THROW(u.listen(), std::system_error);
    EXPECT_THROW((void)u.accept(), std::system_error);
    EXPECT_THROW((void)u.tcp_info(), std::system_error);
    Socket closed;
    EXPECT_THROW((void)closed.getsockname(), std::system_error);
}

TEST_F(SocketCreate, TimeoutsThrowSocketTimeout) {
    Socket l = listener();
    l.settimeout(Duration::from_ms(250));
    const Instant start = p().now();
    try {
        (void)l.accept();
        FAIL() << "no exception";
    } catch (const SocketTimeout& e) {
        EXPECT_EQ(e.code(), std::make_error_code(std::errc::timed_out));
        EXPECT_STREQ(e.what(), "timed out");
    }
    EXPECT_EQ(p().now() - start, Duration::from_ms(250));
    // Non-blocking: EAGAIN as std::system_error, not a timeout.
    l.setblocking(false);
    try {
        (void)l.accept();
        FAIL() << "no exception";
    } catch (const SocketTimeout&) {
        FAIL() << "a non-blocking call does not time out";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EAGAIN);
    }
}

}  // namespace
}  // namespace tachyon::test
