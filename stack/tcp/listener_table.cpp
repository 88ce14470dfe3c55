#include "stack/tcp/listener_table.hpp"

#include <bit>
#include <cassert>

namespace tachyon {

ListenerTable::ListenerTable(size_t capacity)
    : capacity_(capacity == 0 ? 1 : capacity), slots_(std::make_unique<TcpListener[]>(capacity_)) {
    free_.reserve(capacity_);
    for (size_t i = capacity_; i-- > 0;) {
        slots_[i].index = static_cast<uint32_t>(i);
        free_.push_back(static_cast<uint32_t>(i));
    }
    buckets_.assign(std::bit_ceil(capacity_ * 2), kNoIndex);
    mask_ = buckets_.size() - 1;
}

TcpListener* ListenerTable::allocate(TcpEndpoint local) {
    if (free_.empty() || port_taken(local.port)) return nullptr;
    TcpListener& l = slots_[free_.back()];
    free_.pop_back();
    if (++l.generation == 0) l.generation = 1;
    l.in_use = true;
    l.local = local;
    l.syn_queue = {};
    l.accept_queue = {};
    size_t i = bucket_of(local.port);
    while (buckets_[i] != kNoIndex) i = (i + 1) & mask_;
    buckets_[i] = l.index;
    return &l;
}

void ListenerTable::release(TcpListener& l) {
    assert(l.in_use && l.syn_queue.count == 0 && l.accept_queue.count == 0);
    size_t i = bucket_of(l.local.port);
    while (buckets_[i] != l.index) i = (i + 1) & mask_;
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; buckets_[j] != kNoIndex; j = (j + 1) & mask_) {
        const size_t home = bucket_of(slots_[buckets_[j]].local.port);
        const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!home_between) {
            buckets_[hole] = buckets_[j];
            hole = j;
        }
    }
    buckets_[hole] = kNoIndex;
    l.in_use = false;
    free_.push_back(l.index);
}

TcpListener* ListenerTable::get(TcpListenHandle h) {
    if (h.index >= capacity_) return nullptr;
    TcpListener& l = slots_[h.index];
    return l.in_use && l.generation == h.generation ? &l : nullptr;
}

TcpListener* ListenerTable::find_port(uint16_t port) {
    for (size_t i = bucket_of(port);; i = (i + 1) & mask_) {
        const uint32_t s = buckets_[i];
        if (s == kNoIndex) return nullptr;
        if (slots_[s].local.port == port) return &slots_[s];
    }
}

TcpListener* ListenerTable::find(Ipv4Address addr, uint16_t port) {
    TcpListener* l = find_port(port);
    if (l == nullptr) return nullptr;
    return l->local.addr.is_unspecified() || l->local.addr == addr ? l : nullptr;
}

void queue_push(ConnectionTable& t, ChildQueue& q, TcpConnection& c, ListenQueue which) {
    assert(c.queue == ListenQueue::kNone);
    c.queue = which;
    c.q_next = kNoIndex;
    c.q_prev = q.tail;
    if (q.tail != kNoIndex) {
        t.slot(q.tail).q_next = c.index;
    } else {
        q.head = c.index;
    }
    q.tail = c.index;
    ++q.count;
}

void queue_remove(ConnectionTable& t, ChildQueue& q, TcpConnection& c) {
    assert(c.queue != ListenQueue::kNone);
    if (c.q_prev != kNoIndex) {
        t.slot(c.q_prev).q_next = c.q_next;
    } else {
        q.head = c.q_next;
    }
    if (c.q_next != kNoIndex) {
        t.slot(c.q_next).q_prev = c.q_prev;
    } else {
        q.tail = c.q_prev;
    }
    c.q_prev = c.q_next = kNoIndex;
    c.queue = ListenQueue::kNone;
    --q.count;
}

TcpConnection* queue_front(ConnectionTable& t, ChildQueue& q) {
    return q.head == kNoIndex ? nullptr : &t.slot(q.head);
}

}  // namespace tachyon
