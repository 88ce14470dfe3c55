// The small socket interface the differential scenarios are written against, once. Two
// implementations answer it: Linux kernel sockets over loopback (real system calls; host A is
// 127.0.0.1, host B 127.0.0.2) and Tachyon (two stacks on the memory link: 10.0.0.1, 10.0.0.2).
// Every call answers as a system call does: a value >= 0, or -errno.
//
// Blocking follows Python's socket object: settimeout(None) blocks (the kernel side bounds the
// wait with SO_RCVTIMEO/SO_SNDTIMEO so that a wrong expectation fails instead of hanging),
// settimeout(0) is non-blocking, settimeout(t) waits at most t and then answers -EAGAIN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tachyon::diff {

enum class Host : uint8_t { kA, kB };
// An address as a scenario names it; each implementation maps it to its own.
enum class Where : uint8_t { kAny, kA, kB, kForeign, kOther };

struct Endpoint {
    Where where = Where::kOther;
    uint16_t port = 0;
};

struct NetEvent {
    int sock = -1;  // the handle given to epoll_ctl
    uint32_t events = 0;
};

class Net {
public:
    virtual ~Net() = default;
    virtual const char* name() const = 0;

    virtual int socket(Host host, int type) = 0;
    virtual int close(int s) = 0;
    virtual int bind(int s, Where where, uint16_t port) = 0;
    virtual int listen(int s, int backlog) = 0;
    virtual int accept(int s, Endpoint* peer) = 0;
    // connect_ex(): 0 or -errno.
    virtual int connect(int s, Where where, uint16_t port) = 0;
    // connect() with AF_UNSPEC: 0 or -errno.
    virtual int disconnect(int s) = 0;
    virtual long send(int s, std::string_view data, int flags) = 0;
    virtual int sendall(int s, std::string_view data) = 0;
    virtual long recv(int s, size_t len, int flags, std::string* out) = 0;
    virtual long sendto(int s, std::string_view data, Where where, uint16_t port) = 0;
    virtual long recvfrom(int s, size_t len, int flags, std::string* out, Endpoint* from) = 0;
    virtual int shutdown(int s, int how) = 0;
    virtual int getsockname(int s, Endpoint* out) = 0;
    virtual int getpeername(int s, Endpoint* out) = 0;
    virtual int setsockopt(int s, int level, int name, int value) = 0;
    virtual int getsockopt(int s, int level, int name, int* value) = 0;
    virtual int set_linger(int s, bool on, int seconds) = 0;
    virtual int get_linger(int s, bool* on, int* seconds) = 0;
    virtual int set_congestion(int s, std::string_view name) = 0;
    // Python's settimeout: nullopt blocks, 0 is non-blocking.
    virtual int settimeout(int s, std::optional<int> timeout_ms) = 0;

    virtual int epoll_create(Host host) = 0;
    virtual int epoll_ctl(int ep, int op, int s, uint32_t events) = 0;
    virtual int epoll_wait(int ep, int timeout_ms, std::vector<NetEvent>* out) = 0;
    virtual int epoll_close(int ep) = 0;

    // Lets the network finish what the last call set off, without letting time pass (the
    // kernel's loopback has already done so when the call returns).
    virtual void settle() {}
};

}  // namespace tachyon::diff
