#include "stack/stack.hpp"

#include <array>

namespace tachyon {

Result<std::unique_ptr<Stack>> Stack::create(Device& device, const StackConfig& config) {
    if (Result<void> ok = config.validate(); !ok) return ok.error();
    // RFC 791: every host must take a 68-byte datagram; below that not even ICMP errors fit.
    if (device.caps().mtu < 68) return Result<std::unique_ptr<Stack>>::fail(EINVAL, "device MTU below 68");
    if (!config.mac && !device.caps().mac.is_unicast()) {
        return Result<std::unique_ptr<Stack>>::fail(EINVAL, "device has no unicast MAC: set StackConfig::mac");
    }
    return std::make_unique<Stack>(device, config);
}

Stack::Stack(Device& device, const StackConfig& config)
    : IpHost(core_.now),  // the member's address: core_ is constructed next
      core_(device, config),
      reassembler_(core_, config.reassembly),
      arp_(core_, config.arp),
      out_(core_, arp_),
      icmp_(core_, out_, config.icmp),
      udp_(core_, out_, icmp_, config.udp),
      in_(core_, reassembler_, icmp_, udp_, handlers_),
      announce_at_start_(config.arp.announce_at_start) {
    core_.reassembly = &reassembler_;
    reassembler_.set_icmp(&icmp_);  // Time Exceeded on a reassembly timeout (RFC 1122 3.3.2)
}

Stack::~Stack() {
    // Frames the device never took go back to their owners before the pool goes.
    core_.tx.clear();
}

void Stack::start() {
    if (started_) return;
    started_ = true;
    core_.refresh_now();
    if (announce_at_start_) arp_.announce();
}

bool Stack::poll() {
    core_.refresh_now();
    if (!started_) start();
    // The application's turn is over: what it queued, and what the transports owed by now, leaves
    // before the next burst is processed (an answer does not wait behind the RX work).
    for (IpProtocolHandler* h : transports_) h->end_turn();
    size_t sent = core_.flush();
    size_t n;
    if (!in_poll_) {
        in_poll_ = true;
        n = receive_burst(rx_burst_);
        in_poll_ = false;
    } else {
        std::array<Packet, Device::kMaxBurst> nested;
        n = receive_burst(nested);
    }
    const size_t fired = core_.timers.advance(core_.now);
    sent += core_.flush();
    return n != 0 || fired != 0 || sent != 0;
}

size_t Stack::receive_burst(std::span<Packet> burst) {
    const size_t n = core_.device.rx_burst(burst);
    for (size_t i = 0; i < n; ++i) input_frame(std::move(burst[i]));
    return n;
}

void Stack::input_frame(Packet frame) {
    ++core_.counters.rx_frames;
    core_.counters.rx_bytes += frame.size();
    const EthernetFrame eth(frame.bytes());
    if (eth.check() != WireError::kNone) {
        ++core_.counters.eth_truncated;
        return;
    }
    const EthernetAddress dst = eth.dst_addr();
    if (dst != core_.mac && !dst.is_broadcast()) {
        ++core_.counters.eth_not_for_us;
        return;
    }
    switch (static_cast<EtherType>(eth.ethertype())) {
        case EtherType::kArp: arp_.input(eth.payload()); return;
        case EtherType::kIpv4:
            frame.trim_front(EthernetFrame::kHeaderLen);
            in_.input(std::move(frame));
            return;
        default: ++core_.counters.eth_bad_ethertype; return;
    }
}

void Stack::set_protocol_handler(IpProtocol protocol, IpProtocolHandler* handler) {
    handlers_[static_cast<uint8_t>(protocol)] = handler;
    transports_.clear();
    for (IpProtocolHandler* h : handlers_) {
        if (h != nullptr) transports_.push_back(h);
    }
}

void Stack::send_ipv4(Packet pkt, const Ipv4Repr& ip, RouteCache* route) {
    (void)out_.send(std::move(pkt), ip, route);
}

std::optional<Ipv4Address> Stack::source_for(Ipv4Address dst) const {
    if (!out_.route(dst)) return std::nullopt;
    return core_.cidr.address;
}

}  // namespace tachyon
