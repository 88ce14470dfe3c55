// The differential interface on Tachyon: host A and host B are two stacks on the memory link
// (tests/unit/socket/socket_pair.hpp) driven in one thread on a ManualClock; every call goes
// through the C++ socket API (Socket, Poller). settle() lets both stacks finish their work
// without moving time, as the kernel's loopback does before a call returns.
#pragma once

#include <memory>
#include <vector>

#include "stack/socket/poller.hpp"
#include "stack/socket/socket.hpp"
#include "tests/diff/net.hpp"
#include "tests/unit/socket/socket_pair.hpp"

namespace tachyon::diff {

class TachyonNet final : public Net {
public:
    TachyonNet();
    ~TachyonNet() override;
    const char* name() const override { return "tachyon"; }

    int socket(Host host, int type) override;
    int close(int s) override;
    int bind(int s, Where where, uint16_t port) override;
    int listen(int s, int backlog) override;
    int accept(int s, Endpoint* peer) override;
    int connect(int s, Where where, uint16_t port) override;
    int disconnect(int s) override;
    long send(int s, std::string_view data, int flags) override;
    int sendall(int s, std::string_view data) override;
    long recv(int s, size_t len, int flags, std::string* out) override;
    long sendto(int s, std::string_view data, Where where, uint16_t port) override;
    long recvfrom(int s, size_t len, int flags, std::string* out, Endpoint* from) override;
    int shutdown(int s, int how) override;
    int getsockname(int s, Endpoint* out) override;
    int getpeername(int s, Endpoint* out) override;
    int setsockopt(int s, int level, int name, int value) override;
    int getsockopt(int s, int level, int name, int* value) override;
    int set_linger(int s, bool on, int seconds) override;
    int get_linger(int s, bool* on, int* seconds) override;
    int set_congestion(int s, std::string_view name) override;
    int settimeout(int s, std::optional<int> timeout_ms) override;
    int epoll_create(Host host) override;
    int epoll_ctl(int ep, int op, int s, uint32_t events) override;
    int epoll_wait(int ep, int timeout_ms, std::vector<NetEvent>* out) override;
    int epoll_close(int ep) override;
    void settle() override { pair_.settle(); }

    test::SocketPair& pair() { return pair_; }
    // Every socket closed, the network settled and TIME-WAIT over: the buffers in use.
    size_t drain();

private:
    struct Entry {
        Host host = Host::kA;
        Socket socket;
    };
    struct Ep {
        Host host = Host::kA;
        std::unique_ptr<Poller> poller;
    };

    SocketLayer& layer(Host h) { return h == Host::kA ? pair_.a() : pair_.b(); }
    Socket* get(int s);
    SocketAddress to_address(Where where, uint16_t port) const;
    Endpoint from_address(SocketAddress a) const;

    test::SocketPair pair_;
    std::vector<Entry> socks_;
    std::vector<Ep> eps_;
};

}  // namespace tachyon::diff
