// A Device decorator for the simulation that gives ARP frames what Ethernet's FCS gives every
// frame on a real link: a checksum over the frame (an Internet checksum trailer after the ARP
// body, which ARP parsers ignore like padding), verified on receive. The fault injector's
// corruption stands for errors the FCS missed; IPv4, TCP and UDP carry their own checksums, ARP
// does not, and a corrupted ARP reply would teach the stack a wrong MAC address and black-hole the
// path, which is not what this simulation tests.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>

#include "lib/checksum.hpp"
#include "lib/device.hpp"

namespace tachyon {

class ArpFcsDevice final : public Device {
public:
    explicit ArpFcsDevice(Device& inner) : inner_(inner) {}

    size_t rx_burst(std::span<Packet> out) override {
        const size_t n = inner_.rx_burst(out);
        size_t kept = 0;
        for (size_t i = 0; i < n; ++i) {
            if (is_arp(out[i]) && !verify_and_strip(out[i])) {
                out[i].reset();
                ++dropped_;
                continue;
            }
            if (kept != i) out[kept] = std::move(out[i]);
            ++kept;
        }
        return kept;
    }
    size_t tx_burst(std::span<Packet> pkts) override {
        std::array<bool, kMaxBurst> added{};
        const size_t n = std::min(pkts.size(), kMaxBurst);
        for (size_t i = 0; i < n; ++i) {
            Packet& p = pkts[i];
            if (is_arp(p) && p.tailroom() >= 2) {
                const uint16_t c = internet_checksum(p.bytes());
                std::byte* t = p.append(2);
                t[0] = static_cast<std::byte>(c >> 8);
                t[1] = static_cast<std::byte>(c & 0xff);
                added[i] = true;
            }
        }
        const size_t k = inner_.tx_burst(pkts.first(n));
        // Frames the device left with the caller will come again: take the trailer back off.
        for (size_t i = k; i < n; ++i) {
            if (added[i]) pkts[i].truncate(pkts[i].size() - 2);
        }
        return k;
    }
    Packet alloc_tx() override { return inner_.alloc_tx(); }
    DeviceCaps caps() const override { return inner_.caps(); }
    std::string name() const override { return "arpfcs:" + inner_.name(); }
    uint64_t dropped() const { return dropped_; }

private:
    static bool is_arp(const Packet& p) {
        return p.size() >= 14 && p.data()[12] == std::byte{0x08} && p.data()[13] == std::byte{0x06};
    }
    // The checksum over frame + trailer is 0 when intact (even length: ARP frames are 42 bytes).
    static bool verify_and_strip(Packet& p) {
        if (p.size() < 16 || internet_checksum(p.bytes()) != 0) return false;
        p.truncate(p.size() - 2);
        return true;
    }

    Device& inner_;
    uint64_t dropped_ = 0;
};

}  // namespace tachyon
