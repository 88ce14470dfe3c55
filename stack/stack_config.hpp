// Configuration of one Stack. Defaults follow Linux where it has an equivalent knob.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/ethernet_address.hpp"
#include "lib/result.hpp"
#include "lib/time.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

struct ArpConfig {
    // Reachable entries are forgotten this long after they were last confirmed by an ARP packet
    // (Linux: base_reachable_time 30 s, randomised to 15..45 s, plus gc_staletime 60 s).
    Duration entry_lifetime = Duration::from_secs(60);
    Duration retry_interval = Duration::from_secs(1);  // Linux retrans_time
    uint8_t max_requests = 3;                          // Linux mcast_solicit
    size_t max_entries = 256;
    // Packets waiting for one neighbour: a whole datagram in fragments (Ipv4Output::kMaxFragments)
    // waits whole (Linux queues 208 KiB per neighbour, unres_qlen_bytes).
    size_t max_pending_per_entry = 64;
    size_t max_pending_total = 256;
    bool announce_at_start = true;  // gratuitous ARP (RFC 5227 section 2.3 announcement)
};

struct ReassemblyConfig {
    size_t max_datagrams = 8;          // each slot holds one datagram of up to 64 KiB
    size_t max_bytes = 256 * 1024;     // fragment bytes held by incomplete datagrams (all slots)
    Duration timeout = Duration::from_secs(30);  // Linux ipfrag_time
};

struct IcmpConfig {
    // Token bucket for ICMP errors (not echo replies), like Linux's icmp_msgs_per_sec and
    // icmp_msgs_burst. errors_per_sec 0: no limit.
    uint32_t errors_per_sec = 1000;
    uint32_t errors_burst = 50;
    size_t echo_reply_queue = 64;  // echo replies kept for the application (send_ping)
};

struct UdpConfig {
    size_t max_sockets = 64;
    size_t queue_len = 64;  // datagrams queued per socket before drops
    uint16_t ephemeral_low = 32768;  // Linux ip_local_port_range
    uint16_t ephemeral_high = 60999;
};

struct StackConfig {
    const Clock* clock = nullptr;  // required; must outlive the stack
    std::optional<EthernetAddress> mac;  // default: the device's
    Ipv4Cidr address;
    std::optional<Ipv4Address> gateway;  // must lie in the address's subnet
    size_t pool_size = 4096;             // stack-owned packet buffers
    size_t tx_queue_len = 1024;          // frames waiting for the device (rounded up to 2^n, at most 2^24)
    uint64_t seed = 1;                   // the stack's one Random
    uint8_t ttl = 64;                    // Linux ip_default_ttl
    Duration timer_tick = Duration::from_us(100);
    ArpConfig arp;
    ReassemblyConfig reassembly;
    IcmpConfig icmp;
    UdpConfig udp;

    // EINVAL with a message when the configuration cannot work.
    Result<void> validate() const;
};

}  // namespace tachyon
