// One instance of the TCP/IP stack on one Device (one queue), driven by one thread: Ethernet, ARP,
// IPv4 with reassembly, ICMP and UDP here; TCP registers as the handler of protocol 6 through
// set_protocol_handler() and reaches the IP layer through the IpHost interface this class
// implements. poll() is one run-to-completion step (DESIGN.md "Execution model").
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "lib/device.hpp"
#include "lib/result.hpp"
#include "stack/arp.hpp"
#include "stack/counters.hpp"
#include "stack/icmp.hpp"
#include "stack/ip_host.hpp"
#include "stack/ipv4_input.hpp"
#include "stack/ipv4_output.hpp"
#include "stack/reassembly.hpp"
#include "stack/stack_config.hpp"
#include "stack/stack_core.hpp"
#include "stack/udp.hpp"

namespace tachyon {

class Stack final : public IpHost {
public:
    // Validates the configuration against the device (EINVAL with a message).
    static Result<std::unique_ptr<Stack>> create(Device& device, const StackConfig& config);
    // `config` must pass validate(); the device and the clock must outlive the stack, and every
    // Packet taken from it must be released before it is destroyed.
    Stack(Device& device, const StackConfig& config);
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;
    ~Stack();

    // Announces our address (gratuitous ARP). poll() calls it the first time if nobody did.
    void start();
    // One step: read the clock once, end the application's turn (IpProtocolHandler::end_turn)
    // and hand what it queued to the device, receive and process a burst of up to 32 frames, fire
    // due timers, hand the TX batch to the device. Returns whether it did any work.
    bool poll();
    // Hands queued frames to the device now; returns how many it took.
    size_t flush() { return core_.flush(); }
    // The transport for `protocol` (TCP: IpProtocol::kTcp); nullptr to unregister. ICMP and UDP
    // are the stack's own.
    void set_protocol_handler(IpProtocol protocol, IpProtocolHandler* handler);

    UdpLayer& udp() { return udp_; }
    IcmpLayer& icmp() { return icmp_; }
    const ArpLayer& arp() const { return arp_; }
    const Reassembler& reassembler() const { return reassembler_; }
    const StackCounters& counters() const { return core_.counters; }
    const PacketPool& pool() const { return core_.pool; }
    size_t tx_queued() const { return core_.tx.size(); }
    Ipv4Cidr address() const { return core_.cidr; }
    std::optional<Ipv4Address> gateway() const { return core_.gateway; }
    EthernetAddress mac() const { return core_.mac; }
    Device& device() { return core_.device; }

    // IpHost
    Random& random() override { return core_.random; }
    TimerWheel& timers() override { return core_.timers; }
    Packet alloc_tx() override { return core_.alloc_tx(); }
    void send_ipv4(Packet pkt, const Ipv4Repr& ip, RouteCache* route) override;
    ChecksumMode l4_checksum_mode() const override { return out_.l4_checksum_mode(); }
    std::optional<Ipv4Address> source_for(Ipv4Address dst) const override;
    bool is_local(Ipv4Address a) const override { return a == core_.cidr.address; }
    uint16_t mtu() const override { return out_.mtu(); }
    uint16_t path_mtu(Ipv4Address dst) const override { return out_.path_mtu(dst); }
    void lower_path_mtu(Ipv4Address dst, uint16_t mtu) override { core_.path_mtus.lower(dst, mtu, core_.now); }
    uint8_t default_ttl() const override { return core_.ttl; }

private:
    void input_frame(Packet frame);
    size_t receive_burst(std::span<Packet> burst);

    StackCore core_;
    Reassembler reassembler_;
    ArpLayer arp_;
    Ipv4Output out_;
    IcmpLayer icmp_;
    UdpLayer udp_;
    IpHandlerTable handlers_{};
    // The registered handlers of handlers_, for end_turn() on every poll without a 256-entry scan.
    std::vector<IpProtocolHandler*> transports_;
    Ipv4Input in_;
    bool announce_at_start_;
    bool started_ = false;
    // The receive burst lives here rather than on poll()'s stack: 32 handles built and destroyed
    // on every poll cost more than an idle poll's other work. Every slot is empty between polls
    // (input moves each frame out); a nested poll() (none today) would take a local array.
    std::array<Packet, Device::kMaxBurst> rx_burst_{};
    bool in_poll_ = false;
};

}  // namespace tachyon
