// The "memory" device spec: an in-process loopback over a MemoryLink, for tests and tools that need
// a device without a network. What it transmits it receives back (zero copy: the frames stay in
// the sender's pool, which must outlive the device).
#pragma once

#include <memory>
#include <string>

#include "drivers/memory/memory_link.hpp"
#include "lib/device.hpp"

namespace tachyon {

class MemoryLoopback final : public Device {
public:
    // trust_link: the link's checksum offload (MemoryLinkConfig::checksum_offload).
    explicit MemoryLoopback(bool trust_link = false);

    size_t rx_burst(std::span<Packet> out) override { return link_->b().rx_burst(out); }
    size_t tx_burst(std::span<Packet> pkts) override { return link_->a().tx_burst(pkts); }
    DeviceCaps caps() const override { return link_->a().caps(); }
    bool link_up() const override { return link_->link_up(); }
    DeviceStats stats() const override;
    std::string name() const override { return "memory"; }

private:
    std::unique_ptr<MemoryLink> link_;  // not movable: endpoints point at it
};

}  // namespace tachyon
