// ARP (RFC 826) for the stack's one interface: answers requests for our address, learns by the RFC's
// merge rule, resolves next hops with retries while queueing the packets that wait for them, and
// announces our address at start (RFC 5227 section 2.3).
#pragma once

#include <optional>
#include <span>

#include "lib/packet.hpp"
#include "stack/arp_cache.hpp"
#include "stack/stack_core.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"

namespace tachyon {

class ArpLayer {
public:
    ArpLayer(StackCore& core, const ArpConfig& config);
    ArpLayer(const ArpLayer&) = delete;
    ArpLayer& operator=(const ArpLayer&) = delete;

    // An ARP packet: the payload of an Ethernet frame of type 0x0806.
    void input(std::span<std::byte> payload);
    // Gratuitous ARP: a request for our own address, broadcast.
    void announce();
    // Transmits an IPv4 packet (data at the IP header) to next_hop on the link: at once when its
    // MAC is known, else queued until it resolves (or dropped and counted when it does not).
    // Returns the MAC it went to at once (valid until the table changes), nullptr otherwise.
    const EthernetAddress* send_ipv4(Packet pkt, Ipv4Address next_hop);
    // The neighbour table's generation (ArpCache::generation()).
    uint32_t generation() const { return cache_.generation(); }
    // The MAC of a reachable neighbour.
    std::optional<EthernetAddress> lookup(Ipv4Address ip) const;
    const ArpCache& cache() const { return cache_; }

private:
    static void on_timer(Timer& timer, Instant now);
    void timer_fired(ArpEntry& e);
    bool sender_is_valid(const ArpRepr& arp);
    void confirm(ArpEntry& e, const EthernetAddress& mac);
    void merge(ArpEntry& e, const EthernetAddress& mac);
    void add_reachable(Ipv4Address ip, const EthernetAddress& mac);
    ArpEntry* make_entry(Ipv4Address ip);
    void enqueue(ArpEntry& e, Packet& pkt);
    void send_request(Ipv4Address target);
    void send_reply(const ArpRepr& request);
    void send_arp(const ArpRepr& arp, const EthernetAddress& dst);

    StackCore& core_;
    ArpConfig config_;
    ArpCache cache_;
};

}  // namespace tachyon
