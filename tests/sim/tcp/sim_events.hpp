// The event loop both TCP simulations share (the seed sweep, sim_tcp_test.cpp, and the speed
// simulations, sim_world.hpp): two Stacks over the memory link, each side's transmissions held by
// a FaultInjector, on one ManualClock. When neither stack nor application has work left, the
// clock jumps to the next event; virtual time is free, so nothing waits in real time.
#pragma once

#include <algorithm>
#include <optional>

#include "drivers/decorators/fault_injector.hpp"
#include "drivers/memory/memory_link.hpp"
#include "lib/time.hpp"
#include "stack/stack.hpp"

namespace tachyon::sim {

// One side of a simulation as the loop sees it: its stack and the injector that holds its frames.
struct SimSide {
    Stack& stack;
    const FaultInjector& injector;
};

// A frame an injector released into the link during the other stack's poll waits there: the clock
// must not jump to the next timer before it is received (it did once: the frame then waited for
// whatever timer came next, and a seed's timing hung on unrelated ones).
inline bool frames_on_link(MemoryLink& link) { return link.a().rx_queued() + link.b().rx_queued() > 0; }

// Moves the clock to the earliest timer of either stack or frame release of either injector, at
// least 1 ns on; returns false when nothing is scheduled at all.
inline bool jump_to_next_event(ManualClock& clock, SimSide a, SimSide b) {
    std::optional<Instant> next;
    for (auto t : {a.stack.timers().next_deadline(), b.stack.timers().next_deadline(), a.injector.next_release(),
                   b.injector.next_release()}) {
        if (t && (!next || *t < next)) next = t;
    }
    if (!next) return false;
    clock.set(std::max(*next, clock.now() + Duration::from_ns(1)));
    return true;
}

// Before the stacks are destroyed (after a failed run too): frames still in flight belong to the
// stacks' pools, so both stacks poll, the clock moving 10 s at a time, until the injectors hold
// nothing and every packet buffer is back (bounded: 1000 rounds).
inline void drain_in_flight(ManualClock& clock, SimSide a, SimSide b) {
    for (int i = 0; i < 1000 && (a.injector.held() + b.injector.held() > 0 ||
                                 a.stack.pool().in_use() + b.stack.pool().in_use() > 0);
         ++i) {
        clock.advance(Duration::from_secs(10));
        a.stack.poll();
        b.stack.poll();
    }
}

// A simulation World's destructor (the seed sweep's and the speed simulations'; each has a
// clock, stacks a and b, layers tcp_a and tcp_b, and side_a()/side_b()): the TCP layers go
// first, detached so that frames still arriving do not reach a destroyed layer, then what is in
// flight drains and the stacks go; the devices and pools, members declared before, go after.
template <typename World>
void tear_down(World& w) {
    if (w.a) w.a->set_protocol_handler(IpProtocol::kTcp, nullptr);
    if (w.b) w.b->set_protocol_handler(IpProtocol::kTcp, nullptr);
    w.tcp_a.reset();
    w.tcp_b.reset();
    if (w.a && w.b) drain_in_flight(w.clock, w.side_a(), w.side_b());
    w.a.reset();
    w.b.reset();
}

}  // namespace tachyon::sim
