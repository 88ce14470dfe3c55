// The ARP table: a fixed number of entries allocated once, found through a chained hash of the IPv4
// address (seeded, so that the buckets cannot be aimed at), kept on an LRU list for eviction, each
// with a timer (retry while resolving, expiry once reachable) and a FIFO of packets waiting for the
// resolution. The pending packets live in one shared, fixed array of slots. No allocation after
// construction. Policy (when to request, what to count) is ArpLayer's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/ethernet_address.hpp"
#include "lib/packet.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/stack_config.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

struct ArpEntry {
    enum class State : uint8_t { kFree, kIncomplete, kReachable };
    static constexpr int32_t kNone = -1;

    Ipv4Address ip;
    EthernetAddress mac;
    State state = State::kFree;
    uint8_t requests_sent = 0;
    uint16_t pending_count = 0;
    int32_t pending_head = kNone;
    int32_t pending_tail = kNone;
    int32_t bucket_next = kNone;  // hash chain, or the free list while kFree
    int32_t lru_prev = kNone;
    int32_t lru_next = kNone;
    void* owner = nullptr;  // the ArpLayer, for the timer handler
    Timer timer;            // context: this entry
};

class ArpCache {
public:
    ArpCache(const ArpConfig& config, TimerWheel& timers, uint64_t hash_key, Timer::Handler handler,
             void* owner);
    ArpCache(const ArpCache&) = delete;
    ArpCache& operator=(const ArpCache&) = delete;
    ~ArpCache();

    ArpEntry* find(Ipv4Address ip);
    const ArpEntry* find(Ipv4Address ip) const;
    // A new entry in state kIncomplete (no timer armed); nullptr when the table is full.
    ArpEntry* insert(Ipv4Address ip);
    // The least recently used entry; nullptr when empty.
    ArpEntry* oldest();
    // Cancels the timer, releases the pending packets and frees the entry; returns how many
    // pending packets it released.
    size_t remove(ArpEntry& e);
    // Marks e as the most recently used.
    void touch(ArpEntry& e);
    // Sets e's MAC address.
    void set_mac(ArpEntry& e, const EthernetAddress& mac);
    // Changes whenever an entry goes or its MAC changes, never 0: what a RouteCache, filled from an
    // entry, is checked against.
    uint32_t generation() const { return generation_; }

    // Appends pkt (moved from) to e's queue. When e's queue is at its bound the oldest packet is
    // released to make room (as Linux does); when all slots are taken pkt is left untouched and the
    // call returns false. `released` counts packets released by the call.
    bool push_pending(ArpEntry& e, Packet& pkt, size_t& released);
    // The oldest pending packet of e, or an empty handle.
    Packet pop_pending(ArpEntry& e);

    size_t size() const { return size_; }
    size_t capacity() const { return config_.max_entries; }
    size_t pending_total() const { return pending_used_; }
    // Calls fn(const ArpEntry&) for every entry in use, oldest first.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (int32_t i = lru_head_; i != ArpEntry::kNone; i = entries_[i].lru_next) fn(entries_[i]);
    }

private:
    struct PendingSlot {
        Packet pkt;
        int32_t next = ArpEntry::kNone;
    };

    size_t bucket_of(Ipv4Address ip) const;
    int32_t index_of(const ArpEntry& e) const { return static_cast<int32_t>(&e - entries_.get()); }
    void lru_unlink(int32_t i);
    void lru_append(int32_t i);
    void unchain(int32_t i);
    void changed() { generation_ = generation_ == UINT32_MAX ? 1 : generation_ + 1; }

    ArpConfig config_;
    TimerWheel& timers_;
    uint64_t hash_key_;
    std::unique_ptr<ArpEntry[]> entries_;  // Timer is immovable: a fixed array, never resized
    std::vector<int32_t> buckets_;
    uint32_t bucket_shift_ = 0;
    int32_t free_head_ = ArpEntry::kNone;
    int32_t lru_head_ = ArpEntry::kNone;
    int32_t lru_tail_ = ArpEntry::kNone;
    size_t size_ = 0;
    uint32_t generation_ = 1;
    std::vector<PendingSlot> pending_;
    int32_t pending_free_ = ArpEntry::kNone;
    size_t pending_used_ = 0;
};

}  // namespace tachyon
