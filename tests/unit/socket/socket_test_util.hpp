// Shared pieces of the socket unit tests: a fixture with a SocketPair that checks, at the end,
// that every packet buffer went back to its pool, and small helpers.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "stack/socket/socket.hpp"
#include "tests/unit/socket/socket_pair.hpp"

namespace tachyon::test {

class SocketTest : public ::testing::Test {
protected:
    SocketTest() : SocketTest(SocketPair::Options{}) {}
    // A fixture that needs other options passes them up from its constructor (a virtual
    // function would not do: the base is constructed first).
    explicit SocketTest(const SocketPair::Options& o) : pair_(std::make_unique<SocketPair>(o)) {}

    void TearDown() override {
        // Sockets a test kept are closed by their destructors before this runs (they are
        // locals); connections finish, TIME-WAIT ends, and every buffer must be back.
        pair_->advance(Duration::from_secs(300));
        EXPECT_EQ(pair_->buffers_in_use(), 0u) << "a packet buffer leaked";
    }

    SocketPair& p() { return *pair_; }
    SocketLayer& a() { return pair_->a(); }
    SocketLayer& b() { return pair_->b(); }

    // A listener on B (port 0: ephemeral) and its address.
    Socket listener(int backlog = 8, uint16_t port = 0) {
        Socket l = b().socket(AF_INET, SOCK_STREAM);
        l.bind({Ipv4Address::any(), port});
        l.listen(backlog);
        return l;
    }
    static SocketAddress on_b(const Socket& l) { return {kIpB, l.getsockname().port}; }

    // A connected pair: client on A, accepted socket on B.
    struct Conn {
        Socket l;
        Socket c;
        Socket s;
    };
    Conn connect_pair() {
        Conn k;
        k.l = listener();
        k.c = a().socket(AF_INET, SOCK_STREAM);
        k.c.connect(on_b(k.l));
        k.s = k.l.accept().socket;
        return k;
    }

    // "<11>" for EAGAIN: what recv_string returns for an error.
    static std::string errno_text(int e) {
        std::string t = "<";
        t += std::to_string(e);
        t += '>';
        return t;
    }

    static std::string recv_string(Socket& s, size_t max = 4096, int flags = 0) {
        std::string buf(max, '\0');
        Result<size_t> r = s.recv(std::as_writable_bytes(std::span(buf.data(), buf.size())), flags);
        if (!r) return errno_text(r.code());
        buf.resize(*r);
        return buf;
    }

    std::unique_ptr<SocketPair> pair_;
};

}  // namespace tachyon::test
