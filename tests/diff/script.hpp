// Runs a scenario against one Net and records every step as a line of text, with the backend's
// own handles, addresses and ports replaced by names that are the same on both backends
// (sockets s1, s2 ... in order of creation; ports P1, P2 ... in order of first appearance;
// hosts A and B). Two backends that behave the same produce the same trace.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/diff/net.hpp"

namespace tachyon::diff {

class Script {
public:
    explicit Script(Net& net) : net_(net) {}

    const std::vector<std::string>& trace() const { return trace_; }
    std::string text() const;
    Net& net() { return net_; }

    // Each call does the Net call, lets the network settle, records a line and returns what the
    // Net returned (socket calls: the script's socket number; errors: -errno).
    int socket(Host host, int type);
    int close(int s);
    int bind(int s, Where where, uint16_t port);
    int listen(int s, int backlog);
    int accept(int s);  // the new socket's number
    int connect(int s, Where where, uint16_t port);
    int disconnect(int s);
    long send(int s, std::string_view data, int flags = 0);
    int sendall(int s, std::string_view data);
    long recv(int s, size_t len, int flags = 0);
    long sendto(int s, std::string_view data, Where where, uint16_t port);
    long recvfrom(int s, size_t len, int flags = 0);
    int shutdown(int s, int how);
    int getsockname(int s);
    int getpeername(int s);
    int setsockopt(int s, int level, int name, int value, const char* what);
    int getsockopt(int s, int level, int name, const char* what);
    int set_linger(int s, bool on, int seconds);
    int get_linger(int s);
    int set_congestion(int s, std::string_view name);
    int settimeout(int s, std::optional<int> timeout_ms);
    int epoll_create(Host host);
    int epoll_ctl(int ep, int op, int s, uint32_t events);
    int epoll_wait(int ep, int timeout_ms);
    int epoll_close(int ep);

    // Non-blocking sends of 16 KiB chunks until the socket says EAGAIN; records how it ended,
    // not the byte count (the kernel's buffer accounting differs). Returns the bytes queued.
    size_t fill(int s);
    // Reads until n bytes arrived (each read waits per the socket's timeout); records whether
    // they all came and were in order.
    void drain(int s, size_t n);

    // The local port of socket s (recorded as a getsockname step).
    uint16_t port_of(int s);
    // A port on host h that nothing listens on: bound, read and closed again.
    uint16_t closed_port(Host h);
    void note(std::string_view text) { trace_.push_back("# " + std::string(text)); }

private:
    int handle(int s) const { return s >= 0 && static_cast<size_t>(s) < handles_.size() ? handles_[s] : -1; }
    std::string sock_name(int s) const { return "s" + std::to_string(s); }
    std::string sock_of_handle(int h) const;
    std::string port_name(uint16_t port);
    std::string endpoint(Where where, uint16_t port);
    std::string endpoint(const Endpoint& e) { return endpoint(e.where, e.port); }
    static std::string result(long r);
    void record(std::string line);

    Net& net_;
    std::vector<int> handles_;  // script socket number -> net handle
    std::vector<int> eps_;      // script epoll number -> net handle
    std::map<uint16_t, int> ports_;
    std::vector<std::string> trace_;
};

// EPOLLIN|EPOLLOUT|... for a mask.
std::string event_names(uint32_t events);
std::string errno_name(int e);

}  // namespace tachyon::diff
