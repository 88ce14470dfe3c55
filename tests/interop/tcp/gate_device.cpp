#include "tests/interop/tcp/gate_device.hpp"

#include <array>

namespace tachyon::interop {

void GateDevice::pull() {
    std::array<Packet, kMaxBurst> burst;
    while (held_.size() + kMaxBurst <= kMaxHeld) {
        const size_t n = inner_.rx_burst(burst);
        for (size_t i = 0; i < n; ++i) {
            if (observer_) observer_(burst[i], false);
            held_.push_back(std::move(burst[i]));
        }
        if (n < burst.size()) return;
    }
}

size_t GateDevice::rx_burst(std::span<Packet> out) {
    if (holding_) {
        pull();
        return 0;
    }
    size_t n = 0;
    while (n < out.size() && !held_.empty()) {
        out[n++] = std::move(held_.front());
        held_.pop_front();
    }
    if (n < out.size()) {
        const size_t m = inner_.rx_burst(out.subspan(n));
        if (observer_) {
            for (size_t i = n; i < n + m; ++i) observer_(out[i], false);
        }
        n += m;
    }
    return n;
}

size_t GateDevice::tx_burst(std::span<Packet> pkts) {
    // Observed before handing on, since the inner device may release the frames at once; a frame
    // it refuses is offered again later and then seen again.
    if (observer_) {
        for (const Packet& p : pkts) observer_(p, true);
    }
    return inner_.tx_burst(pkts);
}

}  // namespace tachyon::interop
