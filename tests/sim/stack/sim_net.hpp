// Two Stacks over the memory link, each endpoint's TX through a seeded FaultInjector, on one
// ManualClock. run_until() polls both stacks to quiescence and then jumps the clock to the next
// event (a frame falling due, a timer), so simulated seconds cost microseconds.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "drivers/decorators/fault_injector.hpp"
#include "drivers/memory/memory_link.hpp"
#include "lib/time.hpp"
#include "stack/stack.hpp"

namespace tachyon::test {

inline constexpr Ipv4Address kAddrA = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kAddrB = Ipv4Address::from_octets(10, 0, 0, 2);

struct SimConfig {
    uint64_t seed = 1;
    FaultConfig faults;  // applied to both directions, each with its own seed
    size_t pool_size = 512;
};

class SimNet {
public:
    explicit SimNet(const SimConfig& config)
        : copy_pool_(256), link_(std::make_unique<MemoryLink>()) {
        FaultInjectorConfig fa{.tx = config.faults};
        fa.tx.seed = config.seed * 2 + 1;
        FaultInjectorConfig fb{.tx = config.faults};
        fb.tx.seed = config.seed * 2 + 2;
        dev_a_ = std::make_unique<FaultInjector>(link_->a(), clock_, &copy_pool_, fa);
        dev_b_ = std::make_unique<FaultInjector>(link_->b(), clock_, &copy_pool_, fb);
        a_ = make_stack(*dev_a_, kAddrA, config.seed * 2 + 1, config.pool_size);
        b_ = make_stack(*dev_b_, kAddrB, config.seed * 2 + 2, config.pool_size);
    }
    SimNet(const SimNet&) = delete;
    SimNet& operator=(const SimNet&) = delete;
    // Frames still in flight belong to the stacks' pools: the link and injectors go first.
    ~SimNet() {
        dev_a_.reset();
        dev_b_.reset();
        link_.reset();
    }

    Stack& a() { return *a_; }
    Stack& b() { return *b_; }
    FaultInjector& dev_a() { return *dev_a_; }
    FaultInjector& dev_b() { return *dev_b_; }
    MemoryLink& link() { return *link_; }
    ManualClock& clock() { return clock_; }
    PacketPool& copy_pool() { return copy_pool_; }

    // Polls both stacks until neither has work at the current instant and no frame waits in the
    // link (an injector may hand one over while the other stack polls).
    void settle() {
        for (int i = 0; i < 10'000; ++i) {
            const bool a = a_->poll();
            const bool b = b_->poll();
            if (!a && !b && link_->a().rx_queued() == 0 && link_->b().rx_queued() == 0) return;
        }
        ADD_FAILURE() << "the stacks never went idle";
    }

    // The earliest pending event: a frame due in an injector or a timer in a stack.
    std::optional<Instant> next_event() const {
        std::optional<Instant> next;
        auto take = [&next](std::optional<Instant> t) {
            if (t && (!next || *t < *next)) next = t;
        };
        take(dev_a_->next_release());
        take(dev_b_->next_release());
        take(a_->timers().next_deadline());
        take(b_->timers().next_deadline());
        return next;
    }

    // Runs until done() holds or the clock passes `deadline`; returns done().
    bool run_until(Instant deadline, const std::function<bool()>& done) {
        for (;;) {
            settle();
            if (done()) return true;
            // done() may have sent something (the test answering as an application): send it now.
            const bool a = a_->poll();
            const bool b = b_->poll();
            if (a || b) continue;
            std::optional<Instant> next = next_event();
            if (!next || *next > deadline) {
                if (clock_.now() >= deadline) return false;
                clock_.set(deadline);
                continue;
            }
            clock_.set(std::max(*next, clock_.now() + Duration::from_ns(1)));
        }
    }
    bool run_for(Duration d, const std::function<bool()>& done) { return run_until(clock_.now() + d, done); }

    // Runs until nothing is in flight and no ARP resolution is pending (their timers have run).
    void drain(Duration limit = Duration::from_secs(10)) {
        (void)run_for(limit, [&] {
            return dev_a_->held() == 0 && dev_b_->held() == 0 && link_->a().rx_queued() == 0 &&
                   link_->b().rx_queued() == 0 && a_->arp().cache().pending_total() == 0 &&
                   b_->arp().cache().pending_total() == 0 && a_->tx_queued() == 0 && b_->tx_queued() == 0;
        });
    }

private:
    std::unique_ptr<Stack> make_stack(Device& dev, Ipv4Address addr, uint64_t seed, size_t pool_size) {
        StackConfig c;
        c.clock = &clock_;
        c.address = Ipv4Cidr{addr, 24};
        c.seed = seed;
        c.pool_size = pool_size;
        auto s = Stack::create(dev, c);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
        return s.ok() ? std::move(s.value()) : nullptr;
    }

    ManualClock clock_{Instant::from_ms(1'000)};
    PacketPool copy_pool_;
    std::unique_ptr<MemoryLink> link_;
    std::unique_ptr<FaultInjector> dev_a_;
    std::unique_ptr<FaultInjector> dev_b_;
    std::unique_ptr<Stack> a_;
    std::unique_ptr<Stack> b_;
};

}  // namespace tachyon::test
