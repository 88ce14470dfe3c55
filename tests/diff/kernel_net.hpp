// The differential interface on Linux kernel sockets over loopback: real system calls, ephemeral
// ports, host A = 127.0.0.1 and host B = 127.0.0.2 (both on lo). Waits are bounded: a blocking
// call gives up after kBound (SO_RCVTIMEO/SO_SNDTIMEO), a timed one after its timeout (poll).
#pragma once

#include <map>

#include "tests/diff/net.hpp"

namespace tachyon::diff {

class KernelNet final : public Net {
public:
    static constexpr int kBoundMs = 5000;

    KernelNet();
    ~KernelNet() override;
    const char* name() const override { return "linux"; }

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

private:
    struct Sock {
        Host host = Host::kA;
        std::optional<int> timeout_ms;  // Python's settimeout
    };
    // Runs op (a system call returning -1/errno) as Python's sock_call does for a socket with a
    // timeout: retry after poll() until it stops saying EAGAIN or the timeout expires.
    template <typename Op>
    long timed(int s, bool writing, Op op);

    std::map<int, Sock> socks_;
    std::map<int, int> epolls_;  // fd -> 0
};

}  // namespace tachyon::diff
