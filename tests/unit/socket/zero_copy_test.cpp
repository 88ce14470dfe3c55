// The zero-copy calls: recv_view / recv_release (bytes shown in place in the receive ring, the
// window opening on release), send_reserve / send_commit (written in place into the send ring),
// recv_datagram (the buffer a datagram arrived in), and their C forms. Every test ends with
// every packet buffer back in its pool (SocketTest's TearDown).
#include <sys/uio.h>

#include <cstring>

#include "stack/socket/tachyon.h"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/unit/socket/socket_test_util.hpp"

namespace tachyon::test {
namespace {

std::string pattern(size_t n, size_t from = 0) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (from + i) % 26);
    return s;
}

std::string joined(const RecvView& v) { return to_string(v.first) + to_string(v.second); }

// What one frame says as TCP: flags, ack and the window field; nullopt when not TCP.
struct SeenSegment {
    uint8_t flags = 0;
    uint16_t window = 0;
    size_t payload = 0;
};

std::optional<SeenSegment> as_tcp(const Packet& frame) {
    const EthernetFrame eth(std::span<std::byte>(const_cast<std::byte*>(frame.data()), frame.size()));
    if (eth.check() != WireError::kNone) return std::nullopt;
    const Ipv4Packet ip(eth.payload());
    if (ip.check() != WireError::kNone) return std::nullopt;
    const TcpSegment tcp(ip.payload());
    if (tcp.check() != WireError::kNone) return std::nullopt;
    return SeenSegment{tcp.flags(), tcp.window_len(), tcp.payload().size()};
}

class ZeroCopy : public SocketTest {
protected:
    ZeroCopy() = default;
    explicit ZeroCopy(const SocketPair::Options& o) : SocketTest(o) {}

    // A connection whose receiver (B) has a receive buffer of `rcvbuf` bytes.
    Conn small_window_pair(int rcvbuf) {
        Conn k;
        k.l = b().socket(AF_INET, SOCK_STREAM);
        k.l.setsockopt(SOL_SOCKET, SO_RCVBUF, rcvbuf);  // the ring gets rcvbuf (Linux doubles the report)
        k.l.bind({Ipv4Address::any(), 0});
        k.l.listen(4);
        k.c = a().socket(AF_INET, SOCK_STREAM);
        k.c.connect(on_b(k.l));
        k.s = k.l.accept().socket;
        return k;
    }

    // Frames stack B sent that wait at A: taken off the link, then handed on to A.
    std::vector<SeenSegment> frames_from_b() {
        p().stack_b().poll();  // B's application turn ends: what B owes goes out, the batch is flushed
        std::vector<SeenSegment> seen;
        std::array<Packet, 16> frames;
        const size_t n = p().link().a().rx_burst(frames);
        for (size_t i = 0; i < n; ++i) {
            if (auto s = as_tcp(frames[i])) seen.push_back(*s);
        }
        EXPECT_EQ(p().link().b().tx_burst(std::span(frames).first(n)), n);  // on to stack A
        return seen;
    }
};

// In-order data stays in the packets it came in while the ring is empty (TcpConfig::
// packets_read_in_place): the view is the packets' payload, each of which goes back to its pool
// (stack A's: the memory link hands frames over without copying) once released to its end.
TEST_F(ZeroCopy, DataThatFindsTheRingEmptyIsViewedInItsPackets) {
    Conn k = small_window_pair(64 * 1024);
    const BufferPool::Stats& held = b().tcp().buffer_stats();
    const std::string first = pattern(1000);
    ASSERT_TRUE(k.c.sendall(first).ok());
    p().settle();
    EXPECT_EQ(held.packets_held, 1u);
    EXPECT_EQ(held.in_use_bytes, 0u);  // no ring block: the bytes are in the packet
    const std::string second = pattern(500, 1000);
    ASSERT_TRUE(k.c.sendall(second).ok());
    p().settle();
    EXPECT_EQ(held.packets_held, 2u);  // the second segment is held behind the first
    EXPECT_EQ(held.in_use_bytes, 0u);
    const size_t a_buffers = p().stack_a().pool().in_use();
    Result<RecvView> v = k.s.recv_view();
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->first.size(), 1000u);
    EXPECT_EQ(v->second.size(), 500u);  // the second packet's payload
    EXPECT_EQ(joined(*v), first + second);
    ASSERT_TRUE(k.s.recv_release(400).ok());
    Result<RecvView> w = k.s.recv_view();
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->first.data(), v->first.data() + 400);  // the same packet, 400 bytes on
    EXPECT_EQ(joined(*w), first.substr(400) + second);
    EXPECT_EQ(p().stack_a().pool().in_use(), a_buffers);
    ASSERT_TRUE(k.s.recv_release(700).ok());  // past the first packet's end: it goes back to A's pool
    EXPECT_EQ(held.packets_held, 1u);
    EXPECT_EQ(p().stack_a().pool().in_use(), a_buffers - 1);
    EXPECT_EQ(recv_string(k.s), second.substr(100));
    EXPECT_EQ(held.packets_held, 0u);
    EXPECT_EQ(p().stack_a().pool().in_use(), a_buffers - 2);
}

// The ring's own layout: every segment copied into it (no packet kept).
class ZeroCopyRing : public ZeroCopy {
protected:
    ZeroCopyRing() : ZeroCopy(copy_every_segment()) {}
    static SocketPair::Options copy_every_segment() {
        SocketPair::Options o;
        o.layer.tcp.packets_read_in_place = 0;
        return o;
    }
};

TEST_F(ZeroCopyRing, ViewShowsTheBytesInPlaceAndReleaseOpensTheWindow) {
    constexpr int kBuf = 4096;
    Conn k = small_window_pair(kBuf);
    const std::string data = pattern(kBuf);
    ASSERT_TRUE(k.c.sendall(data).ok());
    p().settle();  // B's receive buffer is full: the window is closed
    Result<RecvView> v = k.s.recv_view();
    ASSERT_TRUE(v.ok()) << v.code();
    EXPECT_EQ(v->size(), static_cast<size_t>(kBuf));
    EXPECT_EQ(joined(*v), data);
    // Nothing is consumed by looking: the same bytes again, still readable, window still shut.
    Result<RecvView> again = k.s.recv_view(100);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->size(), 100u);
    EXPECT_EQ(again->first.data(), v->first.data());  // the very same memory: no copy
    EXPECT_NE(b().readiness(k.s.id()) & EPOLLIN, 0u);
    EXPECT_TRUE(frames_from_b().empty());
    // Releasing half a buffer moves the right edge by more than min(buffer / 2, MSS): a window
    // update goes out by the end of the application's turn (RFC 1122 4.2.3.3), as after recv().
    ASSERT_TRUE(k.s.recv_release(100).ok());
    Result<RecvView> rest = k.s.recv_view();
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(joined(*rest), data.substr(100));
    EXPECT_TRUE(frames_from_b().empty());  // 100 bytes: too small an opening to announce
    ASSERT_TRUE(k.s.recv_release(rest->size()).ok());
    const std::vector<SeenSegment> update = frames_from_b();
    ASSERT_EQ(update.size(), 1u);
    EXPECT_EQ(update[0].flags, tcp_flags::kAck);
    EXPECT_EQ(update[0].payload, 0u);
    EXPECT_EQ(update[0].window, kBuf);  // the whole buffer is free again (no window scaling needed)
    EXPECT_EQ(b().readiness(k.s.id()) & EPOLLIN, 0u);
    // The sender may go on: the next bytes arrive behind the released ones.
    const std::string more = pattern(1000, kBuf);
    ASSERT_TRUE(k.c.sendall(more).ok());
    EXPECT_EQ(recv_string(k.s), more);
}

TEST_F(ZeroCopyRing, AWrappedRingIsShownInTwoPieces) {
    constexpr int kBuf = 4096;
    Conn k = small_window_pair(kBuf);
    const std::string first = pattern(3000);
    ASSERT_TRUE(k.c.sendall(first).ok());
    p().settle();
    Result<RecvView> v = k.s.recv_view();
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(v->size(), 3000u);
    ASSERT_TRUE(k.s.recv_release(2000).ok());  // 1000 bytes stay, near the end of the ring
    const std::string second = pattern(3000, 3000);
    ASSERT_TRUE(k.c.sendall(second).ok());
    p().settle();
    Result<RecvView> w = k.s.recv_view();
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->size(), 4000u);
    EXPECT_FALSE(w->second.empty());  // the bytes wrap past the end of the storage
    EXPECT_EQ(joined(*w), first.substr(2000) + second);
    // A view of at most max bytes may end inside the first piece.
    Result<RecvView> part = k.s.recv_view(10);
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->first.size(), 10u);
    EXPECT_TRUE(part->second.empty());
    ASSERT_TRUE(k.s.recv_release(10).ok());
    EXPECT_EQ(recv_string(k.s), first.substr(2010) + second);  // recv() after a view, in order
}

TEST_F(ZeroCopy, ViewAnswersLikeRecv) {
    Conn k = connect_pair();
    k.s.setblocking(false);
    EXPECT_EQ(k.s.recv_view().code(), EAGAIN);
    EXPECT_EQ(k.s.recv_view(SIZE_MAX, MSG_PEEK).code(), EINVAL);
    EXPECT_EQ(k.s.recv_release(1).code(), EINVAL);  // no view handed out
    ASSERT_TRUE(k.c.sendall(std::string_view("hello")).ok());
    // Blocking: waits for data in virtual time.
    k.s.setblocking(true);
    Result<RecvView> v = k.s.recv_view();
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(joined(*v), "hello");
    EXPECT_EQ(k.s.recv_release(6).code(), EINVAL);  // more than the view holds
    ASSERT_TRUE(k.s.recv_release(5).ok());
    // A timeout expires as recv()'s does.
    k.s.settimeout(Duration::from_ms(300));
    const Instant start = p().now();
    EXPECT_EQ(k.s.recv_view().code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_ms(300));
    // The peer's orderly shutdown: an empty view, as recv() returning 0.
    k.c.shutdown(SHUT_WR);
    Result<RecvView> eof = k.s.recv_view();
    ASSERT_TRUE(eof.ok());
    EXPECT_TRUE(eof->empty());
    // Datagram sockets and listeners.
    Socket u = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(u.recv_view().code(), EOPNOTSUPP);
    EXPECT_EQ(k.l.recv_view().code(), ENOTCONN);
}

TEST_F(ZeroCopy, AfterAResetTheBytesComeFirstThenTheError) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("data")).ok());
    p().settle();
    k.c.set_linger({true, 0});
    ASSERT_TRUE(k.c.close().ok());
    p().settle();
    // As recv() (and Linux, whose tcp_reset keeps the receive queue): what arrived before the
    // reset is still shown, then the error.
    Result<RecvView> v = k.s.recv_view();
    ASSERT_TRUE(v.ok()) << v.code();
    EXPECT_EQ(joined(*v), "data");
    ASSERT_TRUE(k.s.recv_release(v->size()).ok());
    EXPECT_EQ(k.s.recv_view().code(), ECONNRESET);
    EXPECT_EQ(k.s.recv_release(1).code(), EINVAL);
}

TEST_F(ZeroCopy, ViewShowsPeekedBytesFirst) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("abcdef")).ok());
    EXPECT_EQ(recv_string(k.s, 3, MSG_PEEK), "abc");  // taken into the peek stash
    Result<RecvView> v = k.s.recv_view();
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(joined(*v), "abc");  // what MSG_PEEK took out of the connection comes first
    ASSERT_TRUE(k.s.recv_release(2).ok());
    EXPECT_EQ(recv_string(k.s), "cdef");
}

TEST_F(ZeroCopy, LeaseReleasesWhatItShowsWhenItEnds) {
    Conn k = connect_pair();
    ASSERT_TRUE(k.c.sendall(std::string_view("0123456789")).ok());
    {
        Result<RecvLease> lease = k.s.recv_lease();
        ASSERT_TRUE(lease.ok());
        EXPECT_EQ(lease->size(), 10u);
        lease->use(4);  // parsed 4 bytes; the rest is for later
    }
    {
        Result<RecvLease> lease = k.s.recv_lease();
        ASSERT_TRUE(lease.ok());
        EXPECT_EQ(to_string(lease->first()) + to_string(lease->second()), "456789");
    }
    k.s.setblocking(false);
    EXPECT_EQ(k.s.recv_view().code(), EAGAIN);  // the whole view was consumed
}

TEST_F(ZeroCopy, SendReserveWritesStraightIntoTheSendBuffer) {
    Conn k = connect_pair();
    Result<SendSpace> space = k.c.send_reserve(5000);
    ASSERT_TRUE(space.ok()) << space.code();
    ASSERT_EQ(space->size(), 5000u);
    const std::string data = pattern(5000);
    std::memcpy(space->first.data(), data.data(), space->first.size());
    std::memcpy(space->second.data(), data.data() + space->first.size(), space->second.size());
    EXPECT_EQ(k.c.send_commit(5001).code(), EINVAL);  // more than was reserved
    ASSERT_EQ(k.c.send_commit(5000).value(), 5000u);
    std::string got;
    k.s.settimeout(Duration::from_secs(1));
    while (got.size() < data.size()) {
        const std::string part = recv_string(k.s);
        ASSERT_EQ(part.front() == '<', false) << part;
        got += part;
    }
    EXPECT_EQ(got, data);
    // A commit of less sends less; the rest of the space is given back.
    space = k.c.send_reserve(100);
    ASSERT_TRUE(space.ok());
    std::memcpy(space->first.data(), "xyz", 3);
    ASSERT_EQ(k.c.send_commit(3).value(), 3u);
    EXPECT_EQ(recv_string(k.s), "xyz");
    // A send() in between makes the reservation stale: nothing is sent twice or garbled.
    space = k.c.send_reserve(10);
    ASSERT_TRUE(space.ok());
    ASSERT_TRUE(k.c.sendall(std::string_view("plain")).ok());
    EXPECT_EQ(k.c.send_commit(10).code(), EINVAL);
    EXPECT_EQ(recv_string(k.s), "plain");
    EXPECT_EQ(k.c.send_commit(0).value(), 0u);
    // Errors as send().
    EXPECT_EQ(k.c.send_reserve(0).code(), EINVAL);
    Socket u = a().socket(AF_INET, SOCK_DGRAM);
    EXPECT_EQ(u.send_reserve(10).code(), EOPNOTSUPP);
    k.c.shutdown(SHUT_WR);
    EXPECT_EQ(k.c.send_reserve(10).code(), EPIPE);
}

TEST_F(ZeroCopy, SendReserveWaitsForSpaceLikeSend) {
    Conn k;
    k.l = listener();
    k.c = a().socket(AF_INET, SOCK_STREAM);
    k.c.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    k.c.connect(on_b(k.l));
    k.s = k.l.accept().socket;
    // Fill the send buffer and the peer's window: nobody reads at B.
    k.c.setblocking(false);
    size_t queued = 0;
    bool waited = false;
    for (int i = 0; i < 1000; ++i) {
        Result<SendSpace> sp = k.c.send_reserve();
        if (!sp) {
            EXPECT_EQ(sp.code(), EAGAIN);
            if (waited) break;  // full even after every delayed ACK came
            waited = true;
            p().advance(Duration::from_secs(1));
            continue;
        }
        waited = false;
        const std::string d = pattern(sp->size(), queued);
        std::memcpy(sp->first.data(), d.data(), sp->first.size());
        std::memcpy(sp->second.data(), d.data() + sp->first.size(), sp->second.size());
        ASSERT_EQ(k.c.send_commit(sp->size()).value(), sp->size());
        queued += sp->size();
        p().settle();
    }
    EXPECT_GT(queued, 4096u);  // the buffer plus what the peer's window took
    // SO_SNDTIMEO bounds a blocking reserve.
    k.c.setblocking(true);
    const timeval tv{0, 250'000};
    ASSERT_TRUE(k.c.try_setsockopt(SOL_SOCKET, SO_SNDTIMEO, std::as_bytes(std::span(&tv, 1))).ok());
    const Instant start = p().now();
    EXPECT_EQ(k.c.send_reserve(10).code(), EAGAIN);
    EXPECT_EQ(p().now() - start, Duration::from_ms(250));
    // Every byte arrives in order once B reads.
    std::string got;
    k.s.settimeout(Duration::from_secs(5));
    while (got.size() < queued) {
        const std::string part = recv_string(k.s, 65536);
        ASSERT_NE(part.front(), '<') << part;
        got += part;
    }
    EXPECT_EQ(got, pattern(queued));
}

TEST_F(ZeroCopy, DatagramIsHandedOutInTheBufferItArrivedIn) {
    Socket r = b().socket(AF_INET, SOCK_DGRAM);
    r.bind({Ipv4Address::any(), 7100});
    Socket s = a().socket(AF_INET, SOCK_DGRAM);
    ASSERT_TRUE(s.sendto(bytes_of("first"), {kIpB, 7100}).ok());
    ASSERT_TRUE(s.sendto(bytes_of(""), {kIpB, 7100}).ok());
    p().settle();
    const size_t held_before = p().stack_b().pool().in_use();
    Result<ReceivedDatagram> d = r.recv_datagram();
    ASSERT_TRUE(d.ok()) << d.code();
    EXPECT_EQ(to_string(d->payload.bytes()), "first");
    EXPECT_EQ(d->from, (SocketAddress{kIpA, s.getsockname().port}));
    EXPECT_EQ(p().stack_b().pool().in_use(), held_before);  // the queued buffer itself, not a copy
    d->payload = Packet();
    EXPECT_EQ(p().stack_b().pool().in_use(), held_before - 1);  // back to the pool when dropped
    Result<ReceivedDatagram> empty = r.recv_datagram();
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(static_cast<bool>(empty->payload));  // a datagram without payload is a buffer
    EXPECT_EQ(empty->payload.size(), 0u);
    // Errors and waiting as recvfrom().
    EXPECT_EQ(r.recv_datagram(MSG_DONTWAIT).code(), EAGAIN);
    EXPECT_EQ(r.recv_datagram(MSG_PEEK).code(), EINVAL);
    r.settimeout(Duration::from_ms(200));
    EXPECT_EQ(r.recv_datagram().code(), EAGAIN);
    Socket t = a().socket();
    EXPECT_EQ(t.recv_datagram().code(), EOPNOTSUPP);
    // A connected socket only hears its peer; the others are dropped, buffers returned.
    Socket other = a().socket(AF_INET, SOCK_DGRAM);
    r.connect({kIpA, s.getsockname().port});
    ASSERT_TRUE(other.sendto(bytes_of("stranger"), {kIpB, 7100}).ok());
    ASSERT_TRUE(s.sendto(bytes_of("peer"), {kIpB, 7100}).ok());
    Result<ReceivedDatagram> from_peer = r.recv_datagram();
    ASSERT_TRUE(from_peer.ok());
    EXPECT_EQ(to_string(from_peer->payload.bytes()), "peer");
}

// The C forms, over the same pair of stacks.
class ZeroCopyC : public ZeroCopy {
protected:
    void TearDown() override {
        tcy_detach(tcy_stack_of(a()));
        tcy_detach(tcy_stack_of(b()));
        ZeroCopy::TearDown();
    }
};

TEST_F(ZeroCopyC, RecvAndSendInPlace) {
    tcy_use(tcy_stack_of(b()));
    int lfd = tcy_socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(lfd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ASSERT_EQ(tcy_bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(tcy_listen(lfd, 4), 0);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(tcy_getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    Socket c = a().socket();
    c.connect({kIpB, ntohs(addr.sin_port)});
    const int fd = tcy_accept(lfd, nullptr, nullptr);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(c.sendall(std::string_view("from C++")).ok());
    iovec iov[2];
    const ssize_t n = tcy_recv_zc(fd, iov, 64, 0);
    ASSERT_EQ(n, 8);
    EXPECT_EQ(std::string(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len), "from C++");
    EXPECT_EQ(iov[1].iov_len, 0u);
    EXPECT_EQ(tcy_recv_zc_done(fd, 9), -1);
    EXPECT_EQ(errno, EINVAL);
    ASSERT_EQ(tcy_recv_zc(fd, iov, 64, 0), 8);
    ASSERT_EQ(tcy_recv_zc_done(fd, 8), 0);
    EXPECT_EQ(tcy_recv_zc(fd, iov, 64, MSG_DONTWAIT), -1);
    EXPECT_EQ(errno, EAGAIN);
    // Send in place.
    const ssize_t room = tcy_send_zc(fd, iov, 6, 0);
    ASSERT_EQ(room, 6);
    const char* const msg = "from C";
    std::memcpy(iov[0].iov_base, msg, iov[0].iov_len);
    if (iov[1].iov_len != 0) std::memcpy(iov[1].iov_base, msg + iov[0].iov_len, iov[1].iov_len);
    ASSERT_EQ(tcy_send_zc_commit(fd, 6), 6);
    EXPECT_EQ(recv_string(c), "from C");
    EXPECT_EQ(tcy_close(fd), 0);
    EXPECT_EQ(tcy_close(lfd), 0);
}

TEST_F(ZeroCopyC, DatagramInPlace) {
    tcy_use(tcy_stack_of(b()));
    const int fd = tcy_socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(7200);
    ASSERT_EQ(tcy_bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    Socket s = a().socket(AF_INET, SOCK_DGRAM);
    ASSERT_TRUE(s.sendto(bytes_of("one"), {kIpB, 7200}).ok());
    ASSERT_TRUE(s.sendto(bytes_of("two!"), {kIpB, 7200}).ok());
    const void* data = nullptr;
    sockaddr_in from{};
    socklen_t from_len = sizeof(from);
    ASSERT_EQ(tcy_recvfrom_zc(fd, &data, 0, reinterpret_cast<sockaddr*>(&from), &from_len), 3);
    EXPECT_EQ(std::string(static_cast<const char*>(data), 3), "one");
    EXPECT_EQ(ntohs(from.sin_port), s.getsockname().port);
    const size_t held = p().stack_b().pool().in_use();
    ASSERT_EQ(tcy_recvfrom_zc(fd, &data, 0, nullptr, nullptr), 4);  // "one" went back first
    EXPECT_EQ(std::string(static_cast<const char*>(data), 4), "two!");
    EXPECT_EQ(p().stack_b().pool().in_use(), held - 1);
    ASSERT_EQ(tcy_recv_zc_done(fd, 0), 0);
    EXPECT_EQ(p().stack_b().pool().in_use(), held - 2);
    EXPECT_EQ(tcy_recvfrom_zc(fd, &data, MSG_DONTWAIT, nullptr, nullptr), -1);
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_EQ(tcy_close(fd), 0);
}

}  // namespace
}  // namespace tachyon::test
