// tcp_vhost_bridge: the host's side of the net_virtio_user link of test_tcp_dpdk_virtio
// (backend_dpdk_virtio.cpp), one process per test, started in the kernel's namespace:
//
//   ip netns exec NS tcp_vhost_bridge --socket PATH --tap IFACE --parent PID
//
// It serves the vhost-user socket PATH with net_vhost, makes the TAP interface IFACE (in NS, as
// it runs there) with net_tap, and switches frames between the two without copying them
// (tests/interop/drivers/dpdk_vhost_forwarder.hpp), backing off while idle. JSON lines on stdout,
// as the other peers of these tests speak:
//   {"event": "ready"}  both ports are open and the socket is listening
//   {"event": "done", "to_tap": N, "to_guest": N, "dropped_to_tap": N,
//                      "dropped_to_guest": N, "copied": N}  on SIGTERM, before exit
//   {"event": "error", "error": "..."}
// Exit status 0 after SIGTERM when no frame had to be copied between the ports. It never outlives
// the test: it dies with PID (PR_SET_PDEATHSIG), also when the test crashed or was killed, and the
// TAP interface with it; the test deletes the namespace and the socket file (or its next run does,
// see kernel_netns.hpp).
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/interop/drivers/dpdk_vhost_forwarder.hpp"
#include "tests/interop/tcp/peer_events.hpp"

namespace tachyon::interop {
namespace {

int fail(const std::string& what) {
    emit_error(what);
    return 1;
}

int run(int argc, char** argv) {
    std::string socket_path;
    std::string tap;
    long parent = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--socket") socket_path = argv[i + 1];
        if (key == "--tap") tap = argv[i + 1];
        if (key == "--parent") parent = std::strtol(argv[i + 1], nullptr, 10);
    }
    if (socket_path.empty() || tap.empty() || parent <= 0) {
        return fail("usage: tcp_vhost_bridge --socket PATH --tap IFACE --parent PID");
    }
    // Dies with the test. Checked after setting: the test may have died before.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return fail(std::string("prctl: ") + std::strerror(errno));
    if (::getppid() != static_cast<pid_t>(parent)) return fail("the test process is gone");
    stop_on_term();

    auto ports = test::open_vhost_tap_ports(socket_path, tap);
    if (!ports) return fail(ports.error().message());
    emit_event(R"({"event": "ready"})");

    test::VhostTapForwarder forwarder(*ports->vhost, *ports->tap);
    forwarder.run([] { return g_stop_requested != 0; });

    const auto& s = forwarder.stats();
    const uint64_t copied = ports->vhost->counters().tx_copied + ports->tap->counters().tx_copied;
    auto field = [](const char* name, uint64_t n) { return std::string(", \"") + name + "\": " + std::to_string(n); };
    emit_event(R"({"event": "done")" + field("to_tap", s.to_tap) + field("to_guest", s.to_guest) +
               field("dropped_to_tap", s.dropped_to_tap) + field("dropped_to_guest", s.dropped_to_guest) +
               field("copied", copied) + "}");
    return copied == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tachyon::interop

int main(int argc, char** argv) { return tachyon::interop::run(argc, argv); }
