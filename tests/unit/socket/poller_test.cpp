// The Poller's contract beyond what the differential tests compare with epoll: registration
// errors, closed sockets leaving, fairness when more sockets are ready than fit, timeouts in
// virtual time, and readiness of the states a kernel test cannot reach.
#include "stack/socket/poller.hpp"

#include <optional>
#include <vector>

#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

using PollerTest = SocketTest;

TEST_F(PollerTest, RegistrationErrors) {
    Poller poller(a(), 2);
    Socket s1 = a().socket();
    Socket s2 = a().socket();
    Socket s3 = a().socket();
    EXPECT_TRUE(poller.add(s1, EPOLLIN, 1).ok());
    EXPECT_EQ(poller.add(s1, EPOLLIN, 1).code(), EEXIST);
    EXPECT_EQ(poller.modify(s2, EPOLLIN, 2).code(), ENOENT);
    EXPECT_EQ(poller.remove(s2).code(), ENOENT);
    EXPECT_TRUE(poller.add(s2, EPOLLIN, 2).ok());
    EXPECT_EQ(poller.add(s3, EPOLLIN, 3).code(), ENOSPC);
    EXPECT_EQ(poller.size(), 2u);
    std::array<PollEvent, 4> ev;
    EXPECT_EQ(poller.wait(std::span(ev).first(0), Duration::zero()).code(), EINVAL);
    // A closed socket leaves by itself, and its slot's next socket is a new registration.
    const SocketId old = s1.id();
    ASSERT_TRUE(s1.close().ok());
    EXPECT_EQ(poller.remove(old).code(), EBADF);
    Socket again = a().socket();
    EXPECT_EQ(again.id().index, old.index);
    EXPECT_TRUE(poller.add(again, EPOLLOUT, 9).ok());
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 2u);  // s2 and again: OUT|HUP (fresh)
    Socket other = b().socket();
    EXPECT_EQ(poller.add(other, EPOLLIN, 1).code(), EINVAL);  // a socket of the other stack
}

TEST_F(PollerTest, WaitTimesOutInVirtualTime) {
    Socket l = listener();
    Poller poller(b());
    ASSERT_TRUE(poller.add(l, EPOLLIN, 7).ok());
    std::array<PollEvent, 4> ev;
    const Instant start = p().now();
    EXPECT_EQ(poller.wait(ev, Duration::from_ms(1500)).value(), 0u);
    EXPECT_EQ(p().now() - start, Duration::from_ms(1500));
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    EXPECT_EQ(p().now() - start, Duration::from_ms(1500));
    Socket c = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    EXPECT_EQ(c.connect_ex(on_b(l)), EINPROGRESS);
    ASSERT_EQ(poller.wait(ev, std::nullopt).value(), 1u);  // waits without limit
    EXPECT_EQ(ev[0].data, 7u);
    EXPECT_EQ(ev[0].events, static_cast<uint32_t>(EPOLLIN));  // filtered by the interest, as epoll
}

TEST_F(PollerTest, EveryReadySocketGetsItsTurn) {
    Poller poller(a());
    std::vector<Socket> socks;
    for (uint64_t i = 0; i < 5; ++i) {
        socks.push_back(a().socket(AF_INET, SOCK_DGRAM));
        ASSERT_TRUE(poller.add(socks.back(), EPOLLOUT, i).ok());
    }
    std::array<PollEvent, 2> ev;
    std::vector<int> seen(5, 0);
    for (int round = 0; round < 5; ++round) {
        ASSERT_EQ(poller.wait(ev, Duration::zero()).value(), 2u);
        for (const PollEvent& e : ev) ++seen[e.data];
    }
    for (int n : seen) EXPECT_EQ(n, 2);
}

TEST_F(PollerTest, ErrorAndHangUpAreAlwaysReported) {
    Conn k = connect_pair();
    Poller poller(a());
    ASSERT_TRUE(poller.add(k.c, 0, 1).ok());  // no interest at all
    std::array<PollEvent, 2> ev;
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    k.s.set_linger({true, 0});
    ASSERT_TRUE(k.s.close().ok());
    ASSERT_EQ(poller.wait(ev, Duration::from_secs(1)).value(), 1u);
    EXPECT_EQ(ev[0].events, static_cast<uint32_t>(EPOLLERR | EPOLLHUP));
    EXPECT_EQ(k.c.getsockopt(SOL_SOCKET, SO_ERROR), ECONNRESET);
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 1u);
    EXPECT_EQ(ev[0].events, static_cast<uint32_t>(EPOLLHUP));  // the error was read
}

TEST_F(PollerTest, ConnectTimeoutIsAnError) {
    Socket l = listener();
    Socket c = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    Poller poller(a());
    ASSERT_TRUE(poller.add(c, EPOLLOUT, 1).ok());
    p().link().set_link_up(false);
    EXPECT_EQ(c.connect_ex(on_b(l)), EINPROGRESS);
    std::array<PollEvent, 2> ev;
    ASSERT_EQ(poller.wait(ev, Duration::from_secs(200)).value(), 1u);
    EXPECT_EQ(ev[0].events & (EPOLLERR | EPOLLHUP | EPOLLOUT), static_cast<uint32_t>(EPOLLERR | EPOLLHUP | EPOLLOUT));
    EXPECT_EQ(c.getsockopt(SOL_SOCKET, SO_ERROR), ETIMEDOUT);
    p().link().set_link_up(true);
}

TEST_F(PollerTest, EdgeTriggeredWritableAfterAFullBuffer) {
    Conn k = connect_pair();
    Poller poller(a());
    ASSERT_TRUE(poller.add(k.c, EPOLLOUT | EPOLLET, 1).ok());
    std::array<PollEvent, 2> ev;
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 1u);  // ready when added
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    // Some data acknowledged without the buffer ever filling: no new edge (Linux only wakes a
    // writer after SOCK_NOSPACE).
    ASSERT_TRUE(k.c.sendall(std::string_view("small")).ok());
    EXPECT_EQ(poller.wait(ev, Duration::from_ms(100)).value(), 0u);
    // Fill it; once the reader drains, space frees: an edge.
    k.c.setblocking(false);
    const std::string chunk(64 * 1024, 'x');
    while (k.c.send(chunk).ok()) {
    }
    EXPECT_EQ(poller.wait(ev, Duration::zero()).value(), 0u);
    k.s.setblocking(false);
    std::string buf(64 * 1024, '\0');
    for (int i = 0; i < 100; ++i) {
        p().settle();
        while (k.s.recv(std::as_writable_bytes(std::span(buf.data(), buf.size()))).ok()) {
        }
    }
    ASSERT_EQ(poller.wait(ev, Duration::from_secs(1)).value(), 1u);
    EXPECT_NE(ev[0].events & EPOLLOUT, 0u);
}

// The pattern of a short-connection server (tachyon perf server under cps): each client
// connects, sends a request, reads the answer and closes; the server accepts, answers, and must
// then be told of the client's FIN, whatever socket slot the connection reuses.
TEST_F(PollerTest, EveryShortConnectionsEndIsReported) {
    Socket l = listener(64);
    l.setblocking(false);
    Poller poller(b());
    constexpr uint64_t kListen = 1000;
    ASSERT_TRUE(poller.add(l, EPOLLIN, kListen).ok());
    std::vector<std::optional<Socket>> served(16);
    size_t closed_on_eof = 0;
    std::array<PollEvent, 8> ev;
    // One turn of the server: accept, answer each request with itself, close on the client's FIN.
    const auto serve = [&] {
        const size_t n = poller.wait(ev, Duration::zero()).value();
        for (size_t e = 0; e < n; ++e) {
            if (ev[e].data == kListen) {
                for (auto acc = l.try_accept(); acc; acc = l.try_accept()) {
                    size_t slot = 0;
                    while (served[slot]) ++slot;
                    served[slot].emplace(std::move(acc->socket));
                    ASSERT_TRUE(poller.add(*served[slot], EPOLLIN | EPOLLRDHUP, slot).ok());
                }
                continue;
            }
            std::optional<Socket>& s = served[ev[e].data];
            if (!s) continue;
            const std::string got = recv_string(*s, 4096, MSG_DONTWAIT);
            if (got.empty()) {  // the client's FIN
                ASSERT_TRUE(s->close().ok());
                s.reset();
                ++closed_on_eof;
            } else if (got[0] != '<') {
                ASSERT_TRUE(s->send(got, MSG_DONTWAIT).ok());
            }
        }
        p().settle();
    };
    const std::string request(64, 'q');
    constexpr int kConnections = 200;
    for (int i = 0; i < kConnections; ++i) {
        Socket c = a().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
        ASSERT_EQ(c.connect_ex(on_b(l)), EINPROGRESS);
        std::string answer;
        bool sent = false;
        for (int step = 0; step < 1000 && answer.size() < request.size(); ++step) {
            if (!sent && c.send(request, MSG_DONTWAIT).ok()) sent = true;
            if (sent) {
                const std::string got = recv_string(c, 64 - answer.size(), MSG_DONTWAIT);
                if (got[0] != '<') answer += got;
            }
            serve();
        }
        ASSERT_EQ(answer, request) << "connection " << i;
        ASSERT_TRUE(c.close().ok());
    }
    // The last FINs arrive; every served socket is told and closed.
    for (int step = 0; step < 100 && closed_on_eof < kConnections; ++step) serve();
    EXPECT_EQ(closed_on_eof, static_cast<size_t>(kConnections));
}

}  // namespace
}  // namespace tachyon::test
