#include "stack/arp_cache.hpp"

#include <algorithm>

namespace tachyon {

ArpCache::ArpCache(const ArpConfig& config, TimerWheel& timers, uint64_t hash_key,
                   Timer::Handler handler, void* owner)
    : config_(config),
      timers_(timers),
      hash_key_(hash_key),
      entries_(std::make_unique<ArpEntry[]>(std::max<size_t>(config.max_entries, 1))),
      pending_(config.max_pending_total) {
    config_.max_entries = std::max<size_t>(config.max_entries, 1);
    uint32_t bits = 1;
    while ((size_t{1} << bits) < 2 * config_.max_entries) ++bits;
    buckets_.assign(size_t{1} << bits, ArpEntry::kNone);
    bucket_shift_ = 64 - bits;
    for (size_t i = config_.max_entries; i-- > 0;) {
        ArpEntry& e = entries_[i];
        e.owner = owner;
        e.timer.set_handler(handler, &e);
        e.bucket_next = free_head_;
        free_head_ = static_cast<int32_t>(i);
    }
    for (size_t i = pending_.size(); i-- > 0;) {
        pending_[i].next = pending_free_;
        pending_free_ = static_cast<int32_t>(i);
    }
}

ArpCache::~ArpCache() {
    // Timers first: the wheel outlives this table but must not keep pointers into it.
    for (size_t i = 0; i < config_.max_entries; ++i) timers_.cancel(entries_[i].timer);
}

size_t ArpCache::bucket_of(Ipv4Address ip) const {
    return static_cast<size_t>(((ip.value ^ hash_key_) * 0x9e3779b97f4a7c15ull) >> bucket_shift_);
}

ArpEntry* ArpCache::find(Ipv4Address ip) {
    for (int32_t i = buckets_[bucket_of(ip)]; i != ArpEntry::kNone; i = entries_[i].bucket_next) {
        if (entries_[i].ip == ip) return &entries_[i];
    }
    return nullptr;
}

const ArpEntry* ArpCache::find(Ipv4Address ip) const {
    return const_cast<ArpCache*>(this)->find(ip);
}

ArpEntry* ArpCache::insert(Ipv4Address ip) {
    if (free_head_ == ArpEntry::kNone) return nullptr;
    const int32_t i = free_head_;
    ArpEntry& e = entries_[i];
    free_head_ = e.bucket_next;
    e.ip = ip;
    e.mac = EthernetAddress{};
    e.state = ArpEntry::State::kIncomplete;
    e.requests_sent = 0;
    e.pending_count = 0;
    e.pending_head = e.pending_tail = ArpEntry::kNone;
    const size_t b = bucket_of(ip);
    e.bucket_next = buckets_[b];
    buckets_[b] = i;
    lru_append(i);
    ++size_;
    return &e;
}

ArpEntry* ArpCache::oldest() { return lru_head_ == ArpEntry::kNone ? nullptr : &entries_[lru_head_]; }

size_t ArpCache::remove(ArpEntry& e) {
    timers_.cancel(e.timer);
    size_t released = 0;
    while (Packet p = pop_pending(e)) ++released;
    const int32_t i = index_of(e);
    unchain(i);
    lru_unlink(i);
    e.state = ArpEntry::State::kFree;
    changed();
    e.bucket_next = free_head_;
    free_head_ = i;
    --size_;
    return released;
}

void ArpCache::set_mac(ArpEntry& e, const EthernetAddress& mac) {
    if (e.mac == mac) return;
    e.mac = mac;
    changed();
}

void ArpCache::touch(ArpEntry& e) {
    const int32_t i = index_of(e);
    if (i == lru_tail_) return;
    lru_unlink(i);
    lru_append(i);
}

bool ArpCache::push_pending(ArpEntry& e, Packet& pkt, size_t& released) {
    released = 0;
    if (config_.max_pending_per_entry == 0) return false;
    if (e.pending_count >= config_.max_pending_per_entry) {
        pop_pending(e).reset();
        ++released;
    }
    if (pending_free_ == ArpEntry::kNone) return false;
    const int32_t s = pending_free_;
    pending_free_ = pending_[s].next;
    pending_[s].pkt = std::move(pkt);
    pending_[s].next = ArpEntry::kNone;
    if (e.pending_tail == ArpEntry::kNone) {
        e.pending_head = s;
    } else {
        pending_[e.pending_tail].next = s;
    }
    e.pending_tail = s;
    ++e.pending_count;
    ++pending_used_;
    return true;
}

Packet ArpCache::pop_pending(ArpEntry& e) {
    const int32_t s = e.pending_head;
    if (s == ArpEntry::kNone) return Packet();
    Packet pkt = std::move(pending_[s].pkt);
    e.pending_head = pending_[s].next;
    if (e.pending_head == ArpEntry::kNone) e.pending_tail = ArpEntry::kNone;
    pending_[s].next = pending_free_;
    pending_free_ = s;
    --e.pending_count;
    --pending_used_;
    return pkt;
}

void ArpCache::unchain(int32_t i) {
    int32_t* link = &buckets_[bucket_of(entries_[i].ip)];
    while (*link != i) link = &entries_[*link].bucket_next;
    *link = entries_[i].bucket_next;
    entries_[i].bucket_next = ArpEntry::kNone;
}

void ArpCache::lru_unlink(int32_t i) {
    ArpEntry& e = entries_[i];
    if (e.lru_prev == ArpEntry::kNone) lru_head_ = e.lru_next; else entries_[e.lru_prev].lru_next = e.lru_next;
    if (e.lru_next == ArpEntry::kNone) lru_tail_ = e.lru_prev; else entries_[e.lru_next].lru_prev = e.lru_prev;
    e.lru_prev = e.lru_next = ArpEntry::kNone;
}

void ArpCache::lru_append(int32_t i) {
    ArpEntry& e = entries_[i];
    e.lru_prev = lru_tail_;
    e.lru_next = ArpEntry::kNone;
    if (lru_tail_ == ArpEntry::kNone) lru_head_ = i; else entries_[lru_tail_].lru_next = i;
    lru_tail_ = i;
}

}  // namespace tachyon
