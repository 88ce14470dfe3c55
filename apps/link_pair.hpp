// Two Stacks on the two ends of a MemoryLink, in one thread, on a ManualClock that jumps from one
// event to the next (a frame falling due, a timer): simulated time, so a run is fast and replays
// exactly from its seed. Each end's TX goes through a seeded FaultInjector; end A can be captured
// to a pcap file (what A sends after the faults, and what A receives).
//
//   stack A -> FaultInjector -> [PcapWriter] -> link end a  <=>  link end b <- FaultInjector <- stack B
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "drivers/decorators/fault_injector.hpp"
#include "drivers/decorators/pcap_writer.hpp"
#include "drivers/memory/memory_link.hpp"
#include "lib/result.hpp"
#include "lib/time.hpp"
#include "stack/stack.hpp"

namespace tachyon::apps {

struct LinkPairConfig {
    uint64_t seed = 1;
    Ipv4Cidr address_a = *Ipv4Cidr::parse("10.0.0.1/24");
    Ipv4Cidr address_b = *Ipv4Cidr::parse("10.0.0.2/24");
    FaultConfig faults;   // both directions, each with its own seed derived from `seed`
    std::string pcap;     // empty: no capture
    size_t pool_size = 1024;
};

class LinkPair {
public:
    static Result<std::unique_ptr<LinkPair>> create(const LinkPairConfig& config);
    LinkPair(const LinkPair&) = delete;
    LinkPair& operator=(const LinkPair&) = delete;
    ~LinkPair();

    Stack& a() { return *a_; }
    Stack& b() { return *b_; }
    ManualClock& clock() { return clock_; }
    const FaultStats& faults_a() const { return inj_a_->fault_stats(); }
    const FaultStats& faults_b() const { return inj_b_->fault_stats(); }

    // Polls both stacks until neither has work now.
    void settle();
    // Runs (jumping the clock from event to event) until done() or `d` has passed; returns done().
    bool run_for(Duration d, const std::function<bool()>& done);
    // Lets everything in flight arrive and pending resolutions finish.
    void drain();

private:
    explicit LinkPair(const LinkPairConfig& config);
    std::optional<Instant> next_event();

    ManualClock clock_{Instant::from_ms(0)};
    PacketPool copy_pool_{256};  // duplicates made by the fault injectors
    std::unique_ptr<MemoryLink> link_;
    std::unique_ptr<PcapWriter> pcap_;
    std::unique_ptr<FaultInjector> inj_a_;
    std::unique_ptr<FaultInjector> inj_b_;
    std::unique_ptr<Stack> a_;
    std::unique_ptr<Stack> b_;
};

}  // namespace tachyon::apps
