// Two Stacks in one thread over the memory link, each side's transmissions through a seeded
// FaultInjector (delay, rate limit, loss ...) and a DropDevice that drops chosen large frames, on
// one ManualClock; the event loop (sim_events.hpp) advances the clock to the next timer or frame
// release when no work is left. Used by the performance simulations (sim_speed_test.cpp).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "drivers/decorators/fault_injector.hpp"
#include "drivers/memory/memory_link.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "tests/sim/tcp/sim_events.hpp"

namespace tachyon::sim {

inline constexpr Ipv4Address kAddrA = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kAddrB = Ipv4Address::from_octets(10, 0, 0, 2);

// Drops the n-th large frame (data segments: over 1000 bytes) for every n in `drops`, 1-based.
class DropDevice final : public Device {
public:
    explicit DropDevice(Device& inner) : inner_(inner) {}
    size_t rx_burst(std::span<Packet> out) override { return inner_.rx_burst(out); }
    size_t tx_burst(std::span<Packet> pkts) override {
        size_t taken = 0;
        for (Packet& p : pkts) {
            if (p.size() > 1000 && drops.count(large_ + 1) != 0) {
                ++large_;
                ++dropped;
                p.reset();
                ++taken;
                continue;
            }
            if (p.size() > 1000) ++large_;
            if (inner_.tx_burst({&p, 1}) == 0) {
                if (p.size() > 1000) --large_;  // it comes again
                break;
            }
            ++taken;
        }
        return taken;
    }
    Packet alloc_tx() override { return inner_.alloc_tx(); }
    DeviceCaps caps() const override { return inner_.caps(); }
    std::string name() const override { return "drop:" + inner_.name(); }

    std::set<uint64_t> drops;
    uint64_t dropped = 0;

private:
    Device& inner_;
    uint64_t large_ = 0;
};

struct WorldConfig {
    FaultConfig a_to_b;
    FaultConfig b_to_a;
    TcpConfig tcp;
    size_t pool_size = 8192;
    size_t rx_queue_depth = 8192;
};

struct World {
    ManualClock clock{Instant::from_ms(1)};
    PacketPool dup_pool{64};
    MemoryLink link;
    FaultInjector dev_a;
    FaultInjector dev_b;
    DropDevice drop_a{dev_a};
    DropDevice drop_b{dev_b};
    std::unique_ptr<Stack> a;
    std::unique_ptr<Stack> b;
    std::unique_ptr<TcpLayer> tcp_a;
    std::unique_ptr<TcpLayer> tcp_b;

    static MemoryLinkConfig link_config(const WorldConfig& c) {
        MemoryLinkConfig l;
        l.a.rx_queue_depth = c.rx_queue_depth;
        l.b.rx_queue_depth = c.rx_queue_depth;
        return l;
    }

    explicit World(const WorldConfig& c)
        : link(link_config(c)),
          dev_a(link.a(), clock, &dup_pool, FaultInjectorConfig{.tx = c.a_to_b}),
          dev_b(link.b(), clock, &dup_pool, FaultInjectorConfig{.tx = c.b_to_a}) {
        StackConfig ca;
        ca.clock = &clock;
        ca.address = Ipv4Cidr{kAddrA, 24};
        ca.seed = 11;
        ca.pool_size = c.pool_size;
        ca.tx_queue_len = 4096;
        StackConfig cb = ca;
        cb.address = Ipv4Cidr{kAddrB, 24};
        cb.seed = 12;
        auto sa = Stack::create(drop_a, ca);
        auto sb = Stack::create(drop_b, cb);
        if (!sa.ok() || !sb.ok()) return;
        a = std::move(sa.value());
        b = std::move(sb.value());
        tcp_a = std::make_unique<TcpLayer>(*a, c.tcp);
        tcp_b = std::make_unique<TcpLayer>(*b, c.tcp);
        a->set_protocol_handler(IpProtocol::kTcp, tcp_a.get());
        b->set_protocol_handler(IpProtocol::kTcp, tcp_b.get());
    }

    ~World() { tear_down(*this); }

    bool ok() const { return tcp_a && tcp_b; }
    SimSide side_a() { return {*a, dev_a}; }
    SimSide side_b() { return {*b, dev_b}; }

    // One step: poll both stacks; with nothing to do, the clock jumps to the next event.
    // Returns false when nothing is scheduled at all.
    bool step(bool app_work) {
        bool work = a->poll();
        work = b->poll() || work;
        if (work || app_work || frames_on_link(link)) return true;
        return jump_to_next_event(clock, side_a(), side_b());
    }
};

}  // namespace tachyon::sim
