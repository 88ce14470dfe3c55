// The two networks `tachyon perf` runs the same code over: Tachyon's stack (TachyonNet: Socket and
// Poller on a NetHost) and the kernel's sockets (KernelNet: file descriptors and epoll). Both have
// one shape, so the server and the client tests are templates written once, and `--kernel` gives
// a figure measured by the very same loop.
//
// Sockets are non-blocking; a call that would block returns EAGAIN and the caller takes a turn()
// (the run loop's idle strategy) before it tries again. KernelNet in backoff mode instead uses
// blocking sockets (bounded by SO_RCVTIMEO/SO_SNDTIMEO) and blocking epoll waits: the kernel's
// usual way to wait, so that "kernel, blocking" is a figure of its own next to "kernel, busy-poll".
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "apps/net_host.hpp"
#include "apps/net_options.hpp"
#include "lib/result.hpp"
#include "lib/time.hpp"
#include "stack/socket/poller.hpp"

namespace tachyon::apps::perf {

class TachyonNet {
public:
    using Sock = Socket;
    explicit TachyonNet(NetHost& host) : host_(host), poller_(host.sockets()) {}

    const char* name() const { return "tachyon"; }
    Result<Sock> listen(uint16_t port) { return host_.tcp_listen(port); }
    Result<Sock> accept(Sock& listener);
    Result<Sock> connect(SocketAddress to, Duration timeout);
    Result<Sock> connect_start(SocketAddress to);
    int connect_error(Sock& s) { return s.getsockopt(SOL_SOCKET, SO_ERROR); }
    Result<size_t> send(Sock& s, std::span<const std::byte> d) { return s.send(d, MSG_DONTWAIT); }
    Result<size_t> recv(Sock& s, std::span<std::byte> d) { return s.recv(d, MSG_DONTWAIT); }
    void close(Sock& s, bool abort);
    Result<void> watch(Sock& s, uint32_t events, uint64_t tag);
    size_t wait(std::span<PollEvent> out);
    void turn(bool work) { host_.turn(work); }
    Instant now() const { return host_.now(); }
    NetHost& host() { return host_; }

private:
    NetHost& host_;
    Poller poller_;
};

class KernelSocket {
public:
    KernelSocket() = default;
    explicit KernelSocket(int fd) : fd_(fd) {}
    KernelSocket(KernelSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    KernelSocket& operator=(KernelSocket&& o) noexcept;
    KernelSocket(const KernelSocket&) = delete;
    KernelSocket& operator=(const KernelSocket&) = delete;
    ~KernelSocket() { reset(); }
    int fd() const { return fd_; }
    void reset();

private:
    int fd_ = -1;
};

class KernelNet {
public:
    using Sock = KernelSocket;
    explicit KernelNet(IdleMode mode);
    ~KernelNet();
    KernelNet(const KernelNet&) = delete;
    KernelNet& operator=(const KernelNet&) = delete;

    const char* name() const { return mode_ == IdleMode::kBusy ? "kernel" : "kernel-blocking"; }
    // TCP_MAXSEG for the connections opened from now on (0: the route's, 65483 on loopback), so that
    // a loopback figure can be taken at the segment size of a 1500-byte-MTU device.
    void set_mss(int mss) { mss_ = mss; }
    Result<Sock> listen(uint16_t port);
    Result<Sock> accept(Sock& listener);
    Result<Sock> connect(SocketAddress to, Duration timeout);
    // Non-blocking in either mode: the connection completes in the background; watch for EPOLLOUT,
    // then connect_error() (SO_ERROR) says how it went.
    Result<Sock> connect_start(SocketAddress to);
    int connect_error(Sock& s);
    Result<size_t> send(Sock& s, std::span<const std::byte> d);
    Result<size_t> recv(Sock& s, std::span<std::byte> d);
    void close(Sock& s, bool abort);
    Result<void> watch(Sock& s, uint32_t events, uint64_t tag);
    size_t wait(std::span<PollEvent> out);
    // Busy: spin. Blocking: the waiting happened inside the calls.
    void turn(bool) {}
    Instant now() const { return clock_.now(); }

private:
    IdleMode mode_;
    int mss_ = 0;
    int epoll_fd_ = -1;
    TscClock clock_;
};

}  // namespace tachyon::apps::perf
