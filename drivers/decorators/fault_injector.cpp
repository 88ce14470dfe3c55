#include "drivers/decorators/fault_injector.hpp"

#include <algorithm>
#include <utility>

namespace tachyon {

namespace {
// Random-stream families of the two directions (see FaultModel's `stream`).
constexpr uint64_t kTxStream = 0;
constexpr uint64_t kRxStream = 1;
}  // namespace

FaultInjector::FaultInjector(Device& inner, const Clock& clock, PacketPool* copy_pool,
                             const FaultInjectorConfig& config)
    : inner_(&inner), clock_(clock), tx_(config.tx, kTxStream, copy_pool) {
    if (config.rx) rx_.emplace(*config.rx, kRxStream, copy_pool);
}

FaultInjector::FaultInjector(std::unique_ptr<Device> inner, const Clock& clock,
                             PacketPool* copy_pool, const FaultInjectorConfig& config)
    : FaultInjector(*inner, clock, copy_pool, config) {
    owned_ = std::move(inner);
}

size_t FaultInjector::tx_burst(std::span<Packet> pkts) {
    const Instant now = clock_.now();
    // Frames already due go first: they were sent earlier.
    drain_tx(now);
    size_t n = 0;
    while (n < pkts.size() && tx_.can_admit()) {
        tx_.admit(std::move(pkts[n]), now);
        ++n;
    }
    tx_.count_refused(pkts.size() - n);
    drain_tx(now);
    return n;
}

size_t FaultInjector::rx_burst(std::span<Packet> out) {
    const Instant now = clock_.now();
    drain_tx(now);
    if (!rx_) return inner_->rx_burst(out);
    pull_rx(now);
    size_t n = 0;
    while (n < out.size()) {
        std::span<Packet> run = rx_->due_front(now, out.size() - n);
        if (run.empty()) break;
        for (Packet& p : run) out[n++] = std::move(p);
        rx_->consume(run.size());
    }
    return n;
}

size_t FaultInjector::flush() { return drain_tx(clock_.now()); }

std::optional<Instant> FaultInjector::next_release() const {
    std::optional<Instant> next = tx_.next_release();
    if (rx_) {
        const std::optional<Instant> r = rx_->next_release();
        if (r && (!next || *r < *next)) next = r;
    }
    return next;
}

size_t FaultInjector::drain_tx(Instant now) {
    tx_.expire(now);
    size_t total = 0;
    for (;;) {
        std::span<Packet> run = tx_.due_front(now, kMaxBurst);
        if (run.empty()) break;
        const size_t k = inner_->tx_burst(run);
        tx_.consume(k);
        total += k;
        if (k < run.size()) break;  // the inner device is full; the rest waits, in order
    }
    return total;
}

void FaultInjector::pull_rx(Instant now) {
    rx_->expire(now);
    const size_t want = std::min(rx_scratch_.size(), rx_->admissible());
    if (want == 0) return;  // hold queue full: frames wait in the inner device instead
    const size_t got = inner_->rx_burst(std::span<Packet>(rx_scratch_).first(want));
    for (size_t i = 0; i < got; ++i) rx_->admit(std::move(rx_scratch_[i]), now);
}

}  // namespace tachyon
