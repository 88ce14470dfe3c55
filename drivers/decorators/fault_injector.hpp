// FaultInjector: a Device decorator that applies a seeded FaultModel (loss, duplication,
// corruption, reordering, delay + jitter, rate limit; see fault_model.hpp) to the frames sent
// through any inner Device, on a clock the caller injects (a ManualClock in tests and simulation).
//
// Direction: faults apply to TX. RX frames pass straight through unless an RX FaultConfig is
// given; to fault both directions of a link one can also wrap both endpoints' TX.
//
// Held frames are handed to the inner device when due, on every tx_burst()/rx_burst() call and on
// flush(); next_release() tells a simulation how far to advance its manual clock. Frames the inner
// device refuses stay at the front of the hold queue and are retried (in order) on the next call.
// tx_burst() takes as many frames as the hold queue has room for and leaves the rest with the
// caller, so the injector is bounded and never drops for lack of room (the bottleneck queue of the
// rate limit does drop: that is the fault it models).
//
// Ownership: the injector either references the inner device (which must then outlive it) or owns
// it through a (non-null) unique_ptr. The copy pool, used for duplicates (null: duplicates are
// counted as failed), and every pool whose packets pass through must outlive the injector: held
// frames are released on destruction.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "drivers/decorators/fault_model.hpp"
#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/time.hpp"

namespace tachyon {

struct FaultInjectorConfig {
    FaultConfig tx;
    // Faults on received frames too, from their own random streams (independent of TX even with
    // the same seed). nullopt: RX passes straight through.
    std::optional<FaultConfig> rx;
};

class FaultInjector final : public Device {
public:
    FaultInjector(Device& inner, const Clock& clock, PacketPool* copy_pool,
                  const FaultInjectorConfig& config);
    FaultInjector(std::unique_ptr<Device> inner, const Clock& clock, PacketPool* copy_pool,
                  const FaultInjectorConfig& config);
    FaultInjector(const FaultInjector&) = delete;
    FaultInjector& operator=(const FaultInjector&) = delete;

    size_t rx_burst(std::span<Packet> out) override;
    size_t tx_burst(std::span<Packet> pkts) override;
    Packet alloc_tx() override { return inner_->alloc_tx(); }
    DeviceCaps caps() const override { return inner_->caps(); }
    bool link_up() const override { return inner_->link_up(); }
    // The inner device's counters; the faults are in fault_stats().
    DeviceStats stats() const override { return inner_->stats(); }
    std::string name() const override { return "fault:" + inner_->name(); }

    // Hands every due TX frame to the inner device; returns how many it took.
    size_t flush();
    // The earliest instant at which a flush() or rx_burst() may release something (a frame falls
    // due or a reorder-held frame's max hold ends); nullopt when nothing is held. May be <= now
    // when the inner device refused due frames.
    std::optional<Instant> next_release() const;

    const FaultStats& fault_stats() const { return tx_.stats(); }
    // All zero when RX faults are off.
    FaultStats rx_fault_stats() const { return rx_ ? rx_->stats() : FaultStats{}; }
    // Frames held in either direction.
    size_t held() const { return tx_.held() + (rx_ ? rx_->held() : 0); }
    Device& inner() { return *inner_; }

private:
    size_t drain_tx(Instant now);
    void pull_rx(Instant now);

    std::unique_ptr<Device> owned_;
    Device* inner_;
    const Clock& clock_;
    FaultModel tx_;
    std::optional<FaultModel> rx_;
    std::array<Packet, kMaxBurst> rx_scratch_;
};

}  // namespace tachyon
