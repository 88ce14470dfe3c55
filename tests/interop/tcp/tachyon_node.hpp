// One Tachyon endpoint of an interop test: a Stack and its SocketLayer on a real device, on the
// real clock (the peer is a real kernel or process), with the device wrapped as
//
//   Stack -> GateDevice -> [FaultInjector] -> [PcapWriter] -> the backend's device
//
// so the capture shows what crossed the wire (after injected TX loss, before injected RX faults).
// The stack runs in the test's own thread: blocking socket calls and Poller::wait drive it, and
// the test's loops call step(). When idle it waits in poll() on the device's descriptor (AF_PACKET,
// AF_XDP) for at most 1 ms, or sleeps 50 us (DPDK, which offers no descriptor), never past the
// next timer: this 2-core machine must keep a core for the kernel peer.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "drivers/decorators/fault_injector.hpp"
#include "drivers/decorators/pcap_writer.hpp"
#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/time.hpp"
#include "stack/socket/socket.hpp"
#include "stack/socket/socket_layer.hpp"
#include "stack/stack.hpp"
#include "tests/interop/tcp/gate_device.hpp"

namespace tachyon::interop {

using namespace std::chrono_literals;
using WallClock = std::chrono::steady_clock;

struct NodeOptions {
    Ipv4Cidr address;
    std::string pcap_path;                     // empty: no capture
    std::optional<FaultInjectorConfig> faults;  // on the real clock
    int wait_fd = -1;                          // polled while idle; -1: short sleeps
    uint64_t seed = 1;
    std::optional<Ipv4Address> gateway;        // for hosts beyond the link (StackConfig::gateway)
};

class TachyonNode {
public:
    // nullptr with `error` set when the stack cannot be made on this device, which must outlive
    // the node.
    static std::unique_ptr<TachyonNode> create(Device& device, const NodeOptions& options, std::string& error);
    TachyonNode(const TachyonNode&) = delete;
    TachyonNode& operator=(const TachyonNode&) = delete;
    ~TachyonNode();

    Stack& stack() { return *stack_; }
    SocketLayer& sockets() { return *sockets_; }
    GateDevice& gate() { return *gate_; }
    FaultInjector* faults() { return faults_.get(); }
    const Clock& clock() const { return clock_; }
    Ipv4Address address() const { return options_.address.address; }

    // One step of the stack; idles (bounded, see above) when it had nothing to do.
    void step();
    // Steps until done() or the timeout (real time); returns done().
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
    // Writes the capture's buffered records to its file.
    void flush_pcap();

    // Closes the socket layer (aborting what is left), hands every queued and held frame on, and
    // returns how many of the stack pool's buffers are still in use (0 when nothing leaked). The
    // node is only good for destruction afterwards.
    size_t shut_down();

private:
    explicit TachyonNode(const NodeOptions& options) : options_(options) {}
    void idle(const IdleWait& wait);

    NodeOptions options_;
    TscClock clock_;
    std::unique_ptr<PcapWriter> pcap_;
    PacketPool copy_pool_{512};  // duplicates made by the fault injector
    std::unique_ptr<FaultInjector> faults_;
    std::unique_ptr<GateDevice> gate_;
    std::unique_ptr<Stack> stack_;
    std::unique_ptr<SocketLayer> sockets_;
};

}  // namespace tachyon::interop
