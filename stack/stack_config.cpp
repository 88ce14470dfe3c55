#include "stack/stack_config.hpp"

#include <cerrno>

namespace tachyon {

Result<void> StackConfig::validate() const {
    auto bad = [](const char* why) { return Result<void>::fail(EINVAL, why); };
    if (clock == nullptr) return bad("StackConfig::clock is required");
    if (address.address.is_unspecified() || address.address.is_multicast() || address.address.is_broadcast() ||
        address.prefix_len == 0) {
        return bad("StackConfig::address must be a unicast address with a prefix, e.g. 10.0.0.1/24");
    }
    if (gateway && (!address.contains(*gateway) || *gateway == address.address)) {
        return bad("StackConfig::gateway must be another address in the interface's subnet");
    }
    if (mac && !mac->is_unicast()) return bad("StackConfig::mac must be a unicast MAC address");
    if (pool_size == 0 || tx_queue_len == 0) return bad("pool_size and tx_queue_len must be positive");
    if (timer_tick <= Duration::zero()) return bad("timer_tick must be positive");
    if (ttl == 0) return bad("ttl must be positive (RFC 1122 3.2.1.7)");
    if (arp.max_entries == 0 || arp.max_requests == 0 || arp.retry_interval <= Duration::zero() ||
        arp.entry_lifetime <= Duration::zero()) {
        return bad("ArpConfig needs max_entries, max_requests, retry_interval and entry_lifetime > 0");
    }
    if (reassembly.timeout <= Duration::zero()) return bad("ReassemblyConfig::timeout must be positive");
    if (udp.queue_len == 0 || udp.ephemeral_low == 0 || udp.ephemeral_low > udp.ephemeral_high) {
        return bad("UdpConfig needs queue_len > 0 and 0 < ephemeral_low <= ephemeral_high");
    }
    return {};
}

}  // namespace tachyon
