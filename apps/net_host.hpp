// What every networked subcommand runs on: the device its spec names (with the pcap capture), one
// Stack with its SocketLayer on a TscClock, the thread pinned to --core, and the run loop: poll
// the stack, let the command do its work, publish counters for `tachyon stat` every ~100 ms, and
// idle (busy-poll or back off) when nothing happened. SIGINT and SIGTERM end the loop, so that
// the device is closed (a DPDK TAP interface disappears) and --stats printed on the way out.
//
// Blocking socket calls made by a command drive the same stack with the same idle strategy (the
// socket layer's idle hook).
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/idle.hpp"
#include "apps/net_options.hpp"
#include "apps/stat_shm.hpp"
#include "lib/device.hpp"
#include "lib/result.hpp"
#include "lib/time.hpp"
#include "stack/socket/socket.hpp"
#include "stack/socket/socket_layer.hpp"
#include "stack/stack.hpp"

namespace tachyon::apps {

struct HostConfig {
    size_t pool_size = 4096;
    SocketLayerConfig sockets;
};

class NetHost {
public:
    // `tool` names the command in messages and in `tachyon stat`. Errors carry a message with a
    // hint (those of open_device() for the device).
    static Result<std::unique_ptr<NetHost>> open(const NetOptions& options, const std::string& tool,
                                                 const HostConfig& config = {});
    NetHost(const NetHost&) = delete;
    NetHost& operator=(const NetHost&) = delete;
    // Prints the counters when --stats was given, removes the stat file, closes the device.
    ~NetHost();

    Stack& stack() { return *stack_; }
    SocketLayer& sockets() { return *sockets_; }
    const Clock& clock() const { return clock_; }
    Instant now() const { return clock_.now(); }
    Idler& idler() { return idler_; }
    const NetOptions& options() const { return options_; }

    // The run loop: until stop is requested, poll the stack, call work() (returns whether it did
    // anything), publish, idle.
    template <typename Work>
    void run(Work&& work) {
        while (!stop_requested()) turn(work());
    }
    // One turn's bookkeeping after the command's work: polls the stack once more if the command
    // did nothing, publishes when due, idles. For loops of their own.
    void turn(bool work) {
        work |= stack_->poll();
        if (stack_->now() >= next_publish_) publish();
        idler_.after_poll(work);
    }

    // Sockets with the errors a user can act on spelled out (port in use, refused, timed out).
    // Non-blocking listeners and UDP sockets for the Poller; a connected socket that blocks with
    // `timeout` (the connect waits at most that long; zero: a non-blocking socket, returned with
    // its connection in progress).
    Result<Socket> tcp_listen(uint16_t port, int backlog = 1024);
    Result<Socket> udp_bind(uint16_t port);
    Result<Socket> tcp_connect(SocketAddress to, Duration timeout);

    // Shows the socket in the connection table of `tachyon stat` until it is closed.
    void track(const Socket& s);

    // Publishes a snapshot now (also at exit); the run loop does it every ~100 ms.
    void publish();
    void snapshot(StatSnapshot& out);
    void print_stats(std::FILE* out);

    // SIGINT/SIGTERM received (or request_stop()).
    static bool stop_requested();
    static void request_stop();
    static void install_signal_handlers();

private:
    NetHost(const NetOptions& options, const std::string& tool);
    void idle_hook(const IdleWait& w);

    NetOptions options_;
    std::string tool_;
    TscClock clock_;
    Idler idler_;
    std::unique_ptr<Device> device_;
    std::unique_ptr<Stack> stack_;
    std::unique_ptr<SocketLayer> sockets_;
    std::unique_ptr<StatPublisher> publisher_;
    std::unique_ptr<StatSnapshot> scratch_;
    std::vector<SocketId> tracked_;
    Instant next_publish_;
    int64_t started_unix_ns_ = 0;
    Instant started_;
    uint64_t snapshots_ = 0;
    uint64_t last_activity_ = 0;  // frames seen at the previous idle hook call
};

// "tachyon <tool>: <message>" on stderr; returns the exit status for setup errors (2).
int report_error(const std::string& tool, const Error& e);

}  // namespace tachyon::apps
