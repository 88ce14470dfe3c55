// GateDevice: a Device decorator that lets a test see every frame crossing the stack's device in
// both directions, and hold back received frames from the stack for a while (they are read from
// the inner device and queued, so the peer's view of the link does not change). The interop
// tests use it to make two FINs cross on the wire: the kernel's FIN is held while Tachyon sends
// its own, which is how a simultaneous close (RFC 9293 3.6, figure 13) is made deterministic.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <span>
#include <string>

#include "lib/device.hpp"
#include "lib/packet.hpp"

namespace tachyon::interop {

class GateDevice final : public Device {
public:
    // Called for each frame: tx true for frames offered to the inner device (a refused frame is
    // offered, and seen, again later), false for received frames as they arrive from the inner
    // device, held or not.
    using Observer = std::function<void(const Packet& frame, bool tx)>;
    static constexpr size_t kMaxHeld = 8192;  // frames beyond this stay in the inner device

    explicit GateDevice(Device& inner) : inner_(inner) {}

    size_t rx_burst(std::span<Packet> out) override;
    size_t tx_burst(std::span<Packet> pkts) override;
    Packet alloc_tx() override { return inner_.alloc_tx(); }
    DeviceCaps caps() const override { return inner_.caps(); }
    bool link_up() const override { return inner_.link_up(); }
    DeviceStats stats() const override { return inner_.stats(); }
    std::string name() const override { return "gate:" + inner_.name(); }

    // While holding, rx_burst returns nothing and queues what the inner device receives; the
    // queue is handed out first once released.
    void hold_rx(bool hold) { holding_ = hold; }
    // Reads the inner device into the queue (while holding): for waiting on a held frame.
    void pull();
    size_t held() const { return held_.size(); }
    void set_observer(Observer o) { observer_ = std::move(o); }
    // Releases held frames (before the stack that owns their pool goes away).
    void drop_held() { held_.clear(); }

private:
    Device& inner_;
    bool holding_ = false;
    std::deque<Packet> held_;
    Observer observer_;
};

}  // namespace tachyon::interop
