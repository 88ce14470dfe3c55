#include "tests/fuzz/fuzz_arp_harness.hpp"

#include <vector>

#include "tests/fuzz/arp_template.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace tachyon::fuzz {

namespace {

// Fewer entries and pending slots than the neighbours the input can name.
StackConfig arp_config() {
    StackConfig c;
    c.pool_size = 48;
    c.arp.max_entries = 4;
    c.arp.max_pending_per_entry = 2;
    c.arp.max_pending_total = 5;
    c.arp.max_requests = 3;
    c.arp.retry_interval = Duration::from_secs(1);
    c.arp.entry_lifetime = Duration::from_secs(20);
    c.udp.max_sockets = 2;
    return c;
}

class ArpFuzz {
public:
    ArpFuzz() : world_(arp_config()) {
        world_.peer_answers_arp = false;  // the input decides every reply
        world_.on_step = [this] { check_cache(); };
        auto s = world_.stack().udp().bind({Ipv4Address::any(), 7});
        if (!s.ok()) world_.verdict().fail("setup: bind failed");
        if (s.ok()) socket_ = s.value();
    }
    ~ArpFuzz() { world_.on_step = nullptr; }

    void record(FuzzInput& in) {
        const uint8_t kind = in.u8();
        const Duration step = clock_step(in.u8());
        switch (kind % 5) {
            case 0:
            case 1: world_.inject(choose_arp_frame(in), step); break;
            case 2: {
                const uint8_t where = in.u8();
                const uint32_t raw = in.u32();
                const uint16_t len = in.u16();
                static const std::vector<std::byte> kZeros(1472);
                (void)world_.stack().udp().send_to(socket_, {choose_address(where, raw), 9},
                                                   std::span(kZeros).first(len % kZeros.size()));
                world_.advance(step);
                break;
            }
            case 4: {
                // Raw bytes as the ARP packet, to us or broadcast.
                const bool to_us = (in.u8() & 1) != 0;
                world_.inject(eth_frame(to_us ? kStackMac : EthernetAddress::broadcast(), kPeerMac, 0x0806,
                                        as_bytes(in.rest())),
                              step);
                break;
            }
            default: {
                // An echo request from a neighbour we may not know: the reply waits for ARP.
                const uint8_t who = in.u8();
                const Ipv4Address src = choose_address(who, in.u32());
                const EthernetAddress mac = choose_mac(in.u8(), in.u32());
                Icmpv4Repr echo;
                echo.ident = 1;
                echo.seq_no = who;
                const Bytes ip = ipv4_packet({.src = src, .dst = kStackIp, .protocol = 1}, icmp_message(echo));
                world_.inject(eth_frame(kStackMac, mac, 0x0800, ip), step);
                break;
            }
        }
    }

    void finish() {
        (void)world_.stack().udp().close(socket_);
        world_.finish();
    }

    Verdict& verdict() { return world_.verdict(); }

private:
    // What the cache may hold (RFC 826 learning, with the address checks Linux makes).
    void check_cache() {
        Verdict& v = world_.verdict();
        const ArpCache& cache = world_.stack().arp().cache();
        const Ipv4Cidr net = world_.stack().address();
        size_t pending = 0;
        size_t entries = 0;
        cache.for_each([&](const ArpEntry& e) {
            ++entries;
            pending += e.pending_count;
            v.require(e.state != ArpEntry::State::kFree, "a free entry in the cache's list");
            v.require(net.contains(e.ip) && e.ip != net.address && e.ip != net.subnet_broadcast(),
                      "cache entry for an address that is not a neighbour");
            v.require(e.pending_count <= world_.config().arp.max_pending_per_entry,
                      "more pending packets on an entry than max_pending_per_entry");
            if (e.state == ArpEntry::State::kReachable) {
                v.require(e.mac.is_unicast() && !e.mac.is_zero() && e.mac != kStackMac,
                          "reachable entry with a MAC that is not a neighbour's");
                v.require(e.pending_count == 0, "packets pending on a resolved entry");
            }
        });
        v.require(entries == cache.size(), "cache size() differs from its entries");
        v.require(pending == cache.pending_total(), "pending_total() differs from the entries' packets");
    }

    StackWorld world_;
    UdpSocketId socket_;
};

}  // namespace

std::string fuzz_arp(std::span<const uint8_t> data) {
    ArpFuzz f;
    RecordReader records(data);
    for (int i = 0; i < 512 && !records.done() && f.verdict().ok(); ++i) {
        FuzzInput in(records.next());
        f.record(in);
        f.verdict().locate("record " + std::to_string(i));
    }
    if (f.verdict().ok()) f.finish();
    return f.verdict().error();
}

}  // namespace tachyon::fuzz
