// The Poller's ready list: a wait looks only at sockets whose readiness may have changed (or that
// stay ready, level-triggered), never at idle registrations. Proved by counting the readiness
// evaluations (Poller::checks()) with 10,000 idle sockets beside one busy connection, and by the
// wake-ups that reach the list without any call on the socket: segments, datagrams, a
// connection completing at a listener, a connection failing on its timers.
#include "stack/socket/poller.hpp"

#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

constexpr size_t kIdle = 10'000;

class PollerScale : public SocketTest {
protected:
    PollerScale() {
        SocketPair::Options o;
        o.layer.max_sockets = kIdle + 64;
        pair_ = std::make_unique<SocketPair>(o);  // a socket table for 10,000 idle sockets
    }

    // Readiness evaluations per message exchange with `idle` idle registrations beside k.s.
    uint64_t checks_per_exchange(Conn& k, size_t idle, int rounds, std::vector<Socket>& keep);
};

uint64_t PollerScale::checks_per_exchange(Conn& k, size_t idle, int rounds, std::vector<Socket>& keep) {
    Poller poller(b(), idle + 8);
    for (size_t i = 0; i < idle; ++i) {
        keep.push_back(b().socket(AF_INET, SOCK_DGRAM));  // never bound: never readable
        EXPECT_TRUE(poller.add(keep.back(), EPOLLIN, 1000 + i).ok());
    }
    EXPECT_TRUE(poller.add(k.s, EPOLLIN, 7).ok());
    std::array<PollEvent, 8> ev;
    // The first wait looks at every new registration once (as ep_insert polls each file).
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    EXPECT_EQ(poller.ready_listed(), 0u);
    const uint64_t start = poller.checks();
    for (int i = 0; i < rounds; ++i) {
        EXPECT_TRUE(k.c.send(std::string_view("ping")).ok());
        Result<size_t> n = poller.wait(ev, Duration::from_secs(1));
        EXPECT_TRUE(n.ok() && *n == 1u);
        EXPECT_EQ(ev[0].data, 7u);
        EXPECT_EQ(recv_string(k.s, 16), "ping");
    }
    return (poller.checks() - start) / static_cast<uint64_t>(rounds);
}

TEST_F(PollerScale, WaitDoesNotLookAtIdleRegistrations) {
    Conn k = connect_pair();
    std::vector<Socket> keep;
    keep.reserve(kIdle + 16);
    const uint64_t few = checks_per_exchange(k, 10, 50, keep);
    const uint64_t many = checks_per_exchange(k, kIdle, 50, keep);
    // One exchange: the data socket is looked at when the segment marks it (and once more as a
    // level-triggered socket that was reported), whatever the number of idle registrations.
    EXPECT_LE(few, 3u);
    EXPECT_EQ(many, few);
}

TEST_F(PollerScale, SegmentsAndDatagramsWakeTheirSockets) {
    Poller poller(b());
    Socket l = listener();
    Socket u = b().socket(AF_INET, SOCK_DGRAM);
    u.bind({Ipv4Address::any(), 7500});
    ASSERT_TRUE(poller.add(l, EPOLLIN | EPOLLET, 1).ok());
    ASSERT_TRUE(poller.add(u, EPOLLIN | EPOLLET, 2).ok());
    std::array<PollEvent, 4> ev;
    ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    ASSERT_EQ(poller.ready_listed(), 0u);
    // A connection completing at the listener: the handshake's last ACK marks it.
    Socket c = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    EXPECT_EQ(c.connect_ex(on_b(l)), EINPROGRESS);
    p().settle();
    EXPECT_EQ(poller.ready_listed(), 1u);
    ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 1u);
    EXPECT_EQ(ev[0].data, 1u);
    // A datagram for the UDP socket: queued, and its socket marked.
    Socket s = a().socket(AF_INET, SOCK_DGRAM);
    ASSERT_TRUE(s.sendto(bytes_of("hi"), {kIpB, 7500}).ok());
    p().settle();
    EXPECT_EQ(poller.ready_listed(), 1u);
    ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 1u);
    EXPECT_EQ(ev[0].data, 2u);
    EXPECT_EQ(ev[0].events, static_cast<uint32_t>(EPOLLIN));
    // Edge-triggered: nothing new, nothing reported, nothing left on the list.
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    EXPECT_EQ(poller.ready_listed(), 0u);
    Socket accepted = l.accept().socket;
}

TEST_F(PollerScale, AConnectionFailingOnItsTimersWakesItsSocket) {
    Socket l = listener();
    EXPECT_EQ(a().socket().connect_ex(on_b(l)), 0);  // both stacks learn each other's MAC
    (void)l.accept();
    Poller poller(a());
    Socket c = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    p().link().set_link_up(false);
    EXPECT_EQ(c.connect_ex(on_b(l)), EINPROGRESS);
    ASSERT_TRUE(poller.add(c, EPOLLOUT, 9).ok());
    std::array<PollEvent, 4> ev;
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);  // handshaking: nothing to report
    EXPECT_EQ(poller.ready_listed(), 0u);
    // Only the SYN retransmission timer runs out; no segment and no call touch the socket.
    const Instant start = p().now();
    ASSERT_EQ(poller.wait(ev, std::nullopt).value(), 1u);
    EXPECT_EQ(p().now() - start, Duration::from_secs(127));
    EXPECT_EQ(ev[0].data, 9u);
    EXPECT_EQ(ev[0].events, static_cast<uint32_t>(EPOLLOUT | EPOLLERR | EPOLLHUP));
    EXPECT_EQ(c.try_getsockopt(SOL_SOCKET, SO_ERROR).value(), ETIMEDOUT);
    p().link().set_link_up(true);
}

TEST_F(PollerScale, LevelTriggeredStaysListedWhileReady) {
    Conn k = connect_pair();
    Poller poller(b());
    ASSERT_TRUE(poller.add(k.s, EPOLLIN, 3).ok());
    std::array<PollEvent, 4> ev;
    ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    ASSERT_TRUE(k.c.sendall(std::string_view("abc")).ok());
    p().settle();
    for (int i = 0; i < 3; ++i) {  // not read: reported at every wait
        ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 1u);
        EXPECT_EQ(poller.ready_listed(), 1u);
    }
    EXPECT_EQ(recv_string(k.s), "abc");
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    EXPECT_EQ(poller.ready_listed(), 0u);
    // A socket closed while listed leaves at once.
    ASSERT_TRUE(k.c.sendall(std::string_view("x")).ok());
    p().settle();  // the ACK of "abc" reaches A, and Nagle lets "x" go
    ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 1u);
    ASSERT_TRUE(k.s.close().ok());
    EXPECT_EQ(poller.size(), 0u);
    EXPECT_EQ(poller.ready_listed(), 0u);
}

}  // namespace
}  // namespace tachyon::test
