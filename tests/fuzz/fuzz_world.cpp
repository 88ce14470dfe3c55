#include "tests/fuzz/fuzz_world.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace tachyon::fuzz {

void MonotonicCounters::update(const char* what, std::span<const uint64_t> now, Verdict& v) {
    if (last_.size() == now.size()) {
        for (size_t i = 0; i < now.size(); ++i) {
            if (now[i] < last_[i]) {
                v.fail(std::string(what) + " counter #" + std::to_string(i) + " went down from " +
                       std::to_string(last_[i]) + " to " + std::to_string(now[i]));
            }
        }
    }
    last_.assign(now.begin(), now.end());
}

Duration clock_step(uint8_t code) {
    static constexpr Duration kSteps[] = {
        Duration::zero(),        Duration::zero(),         Duration::zero(),       Duration::from_us(1),
        Duration::from_us(100),  Duration::from_ms(1),     Duration::from_ms(10),  Duration::from_ms(40),
        Duration::from_ms(200),  Duration::from_ms(500),   Duration::from_secs(1), Duration::from_secs(3),
        Duration::from_secs(10), Duration::from_secs(31),  Duration::from_secs(61), Duration::from_secs(130),
    };
    return kSteps[code % std::size(kSteps)];
}

StackWorld::StackWorld(StackConfig config, size_t peer_pool_size)
    : config_(std::move(config)), peer_pool_(std::make_unique<PacketPool>(peer_pool_size)) {
    config_.clock = &clock_;
    config_.address = Ipv4Cidr{kStackIp, 24};
    config_.gateway = kGatewayIp;
    config_.seed = 7;
    MemoryLinkConfig lc;
    lc.a.mac = kPeerMac;
    lc.b.mac = kStackMac;
    link_ = std::make_unique<MemoryLink>(lc);
    auto s = Stack::create(link_->b(), config_);
    if (!s.ok()) {
        // A harness bug, not a finding: say so loudly.
        std::fprintf(stderr, "fuzz: bad StackConfig: %s\n", s.error().message().c_str());
        std::abort();
    }
    stack_ = std::move(s.value());
    settle();  // the gratuitous ARP
}

bool trace_enabled() {
    static const bool on = std::getenv("TACHYON_FUZZ_TRACE") != nullptr;
    return on;
}

StackWorld::~StackWorld() {
    if (trace_enabled()) {
        std::fprintf(stderr, "stack counters:");
        stack_->counters().for_each([](const char* name, uint64_t v) {
            if (v != 0) std::fprintf(stderr, " %s=%llu", name, static_cast<unsigned long long>(v));
        });
        std::fprintf(stderr, "\nverdict: %s\n", verdict_.ok() ? "ok" : verdict_.error().c_str());
    }
    link_.reset();  // frames still queued go back to their pools
    // finish() reported a leak already; destroying a pool with buffers out would assert before
    // the verdict is printed, so the leaked objects are left alone.
    if (stack_->pool().in_use() != 0) {
        (void)stack_.release();
        (void)peer_pool_.release();
        return;
    }
    stack_.reset();
    if (peer_pool_->in_use() != 0) (void)peer_pool_.release();
}

void StackWorld::inject(std::span<const std::byte> frame, Duration step, uint8_t rx_flags) {
    Packet p = peer_pool_->alloc();
    if (!p) {
        verdict_.fail("the peer's pool ran out: the stack holds the peer's buffers");
        return;
    }
    const size_t n = std::min(frame.size(), p.tailroom());
    std::byte* d = p.append(n);
    if (n != 0) std::memcpy(d, frame.data(), n);
    p.meta().rx_flags = rx_flags;
    // The link drops runts and oversize frames itself (counted on the device).
    (void)link_->a().tx_burst({&p, 1});
    advance(step);
}

void StackWorld::advance(Duration step) {
    clock_.advance(step);
    settle();
}

void StackWorld::settle() {
    for (int i = 0; i < 64; ++i) {
        const bool worked = stack_->poll();
        drain_sent();
        if (arp_asked_) {
            answer_arp();
            continue;
        }
        if (!worked) break;
    }
    check_bounds();
    if (on_step) on_step();
}

void StackWorld::answer_arp() {
    arp_asked_ = false;
    Packet p = peer_pool_->alloc();
    if (!p) return;
    const Bytes reply = eth_frame(kStackMac, kPeerMac, 0x0806,
                                  arp_packet({ArpOperation::kReply, kPeerMac, kPeerIp, kStackMac, kStackIp}));
    std::memcpy(p.append(reply.size()), reply.data(), reply.size());
    (void)link_->a().tx_burst({&p, 1});
}

void StackWorld::drain_sent() {
    std::array<Packet, Device::kMaxBurst> burst;
    while (size_t n = link_->a().rx_burst(burst)) {
        for (size_t i = 0; i < n; ++i) {
            const SentFrame s = check_sent_frame(burst[i].bytes(), kStackMac, kStackIp, link_->b().caps().mtu);
            if (!s.error.empty()) {
                verdict_.fail(s.error);
            } else {
                if (peer_answers_arp && s.arp && s.arp->operation == ArpOperation::kRequest &&
                    s.arp->target_protocol_addr == kPeerIp) {
                    arp_asked_ = true;
                }
                if (on_sent) on_sent(s);
            }
            burst[i].reset();
        }
    }
}

void StackWorld::check_bounds() {
    const ArpCache& arp = stack_->arp().cache();
    verdict_.require(arp.size() <= config_.arp.max_entries, "ARP cache above max_entries");
    verdict_.require(arp.pending_total() <= config_.arp.max_pending_total, "ARP pending above max_pending_total");
    const Reassembler& r = stack_->reassembler();
    verdict_.require(r.assembling() + r.delivered() <= config_.reassembly.max_datagrams,
                     "reassembly slots above max_datagrams");
    verdict_.require(r.bytes_held() <= config_.reassembly.max_bytes, "reassembly bytes above max_bytes");
    std::vector<uint64_t> values;
    stack_->counters().for_each([&values](const char*, uint64_t v) { values.push_back(v); });
    stack_counters_.update("stack", values, verdict_);
    const DeviceStats d = link_->b().stats();
    const uint64_t dev[] = {d.rx_packets, d.rx_bytes, d.tx_packets, d.tx_bytes, d.rx_dropped, d.tx_dropped};
    device_counters_.update("device", dev, verdict_);
}

bool StackWorld::run_timers(const std::function<bool()>& done, int max_jumps) {
    for (int i = 0; i < max_jumps && !done(); ++i) {
        const std::optional<Instant> next = stack_->timers().next_deadline();
        if (!next) break;
        clock_.set(std::max(*next, clock_.now() + Duration::from_ns(1)));
        settle();
    }
    return done();
}

void StackWorld::finish(const std::function<bool()>& more_done) {
    const Reassembler& r = stack_->reassembler();
    auto done = [&] {
        return stack_->arp().cache().pending_total() == 0 && r.assembling() == 0 && (!more_done || more_done());
    };
    if (!run_timers(done, 1000)) {
        const std::optional<Instant> next = stack_->timers().next_deadline();
        verdict_.fail("work left after 1000 timer deadlines (" + std::to_string(stack_->arp().cache().pending_total()) +
                      " ARP pending, " + std::to_string(r.assembling()) + " datagrams assembling, " +
                      std::to_string(stack_->timers().armed_count()) + " timers armed, next in " +
                      (next ? std::to_string((*next - clock_.now()).ms()) + " ms" : std::string("never")) + ")");
    }
    drain_sent();
    verdict_.require(stack_->arp().cache().pending_total() == 0, "ARP packets still pending at the end");
    verdict_.require(r.assembling() == 0 && r.bytes_held() == 0, "reassembly still holds fragments at the end");
    verdict_.require(r.delivered() == 0, "a reassembled datagram was never released");
    verdict_.require(stack_->tx_queued() == 0, "frames left in the TX queue");
    verdict_.require(link_->b().rx_queued() == 0, "the stack left frames unread");
    verdict_.require(peer_pool_->in_use() == 0, "the stack kept a buffer of the peer's");
    if (stack_->pool().in_use() != 0) {
        verdict_.fail("stack pool: " + std::to_string(stack_->pool().in_use()) + " buffers still in use");
    }
}

}  // namespace tachyon::fuzz
