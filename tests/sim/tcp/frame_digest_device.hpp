// A Device decorator for the simulation that fingerprints what a stack puts on the wire: every
// frame the device below takes, in order, folded into one 64-bit FNV-1a digest, and counted. Two
// runs of a seed that must behave alike (header prediction on and off) compare their digests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>

#include "lib/device.hpp"

namespace tachyon {

class FrameDigestDevice final : public Device {
public:
    explicit FrameDigestDevice(Device& inner) : inner_(inner) {}

    size_t rx_burst(std::span<Packet> out) override { return inner_.rx_burst(out); }
    size_t tx_burst(std::span<Packet> pkts) override {
        // Fingerprinted before the call: the device below takes ownership of what it accepts.
        uint64_t digests[kMaxBurst];
        const size_t n = std::min(pkts.size(), kMaxBurst);
        for (size_t i = 0; i < n; ++i) digests[i] = fnv1a(pkts[i].bytes());
        const size_t k = inner_.tx_burst(pkts.first(n));
        for (size_t i = 0; i < k; ++i) digest_ = (digest_ ^ digests[i]) * kPrime;
        frames_ += k;
        return k;
    }
    Packet alloc_tx() override { return inner_.alloc_tx(); }
    DeviceCaps caps() const override { return inner_.caps(); }
    std::string name() const override { return "digest:" + inner_.name(); }

    uint64_t digest() const { return digest_; }
    uint64_t frames() const { return frames_; }

private:
    static constexpr uint64_t kPrime = 0x100000001b3ull;
    static uint64_t fnv1a(std::span<const std::byte> b) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (const std::byte x : b) h = (h ^ static_cast<uint64_t>(x)) * kPrime;
        return h;
    }

    Device& inner_;
    uint64_t digest_ = 0xcbf29ce484222325ull;
    uint64_t frames_ = 0;
};

}  // namespace tachyon
