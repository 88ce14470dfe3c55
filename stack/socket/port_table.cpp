#include "stack/socket/port_table.hpp"

#include <cerrno>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

PortTable::PortTable(size_t capacity, const TcpLayer* tcp)
    : tcp_(tcp), holders_(capacity == 0 ? 1 : capacity), heads_(65536, kNone) {
    free_.reserve(holders_.size());
    for (size_t i = holders_.size(); i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
}

// Linux inet_bind_conflict: SO_REUSEADDR on both sides lets a port be shared, but never with a
// listener.
bool PortTable::conflict(const Holder& existing, Ipv4Address addr, bool reuse) {
    if (!overlap(existing.addr, addr)) return false;
    return !(reuse && existing.reuse && !existing.listening);
}

bool PortTable::alive(const Holder& h) const {
    if (h.orphan == nullptr) return true;
    const TcpConnection& c = *h.orphan;
    if (c.in_use && c.generation == h.orphan_generation) return c.state != TcpState::kClosed;
    // Its TIME-WAIT record, not a later incarnation's on the same tuple.
    const TimeWaitRecord* r = tcp_ != nullptr ? tcp_->find_time_wait(h.orphan_tuple) : nullptr;
    return r != nullptr && r->origin_index == c.index && r->origin_generation == h.orphan_generation;
}

uint32_t PortTable::sweep(uint16_t port) {
    uint32_t i = heads_[port];
    while (i != kNone) {
        const uint32_t next = holders_[i].next;
        if (!alive(holders_[i])) release(i);
        i = next;
    }
    return heads_[port];
}

void PortTable::sweep_all() {
    for (uint32_t i = 0; i < holders_.size(); ++i) {
        if (holders_[i].used && !alive(holders_[i])) release(i);
    }
}

Result<uint32_t> PortTable::insert(const Claim& c) {
    if (free_.empty()) sweep_all();
    if (free_.empty()) return Result<uint32_t>::fail(ENOBUFS, "port table full");
    const uint32_t i = free_.back();
    free_.pop_back();
    Holder& h = holders_[i];
    h = Holder{};
    h.used = true;
    h.addr = c.addr;
    h.port = c.port;
    h.reuse = c.reuse;
    h.explicit_bind = c.explicit_bind;
    h.next = heads_[c.port];
    if (h.next != kNone) holders_[h.next].prev = i;
    heads_[c.port] = i;
    ++in_use_;
    return i;
}

Result<uint32_t> PortTable::bind(const Claim& c) {
    for (uint32_t i = sweep(c.port); i != kNone; i = holders_[i].next) {
        if (conflict(holders_[i], c.addr, c.reuse)) return Result<uint32_t>::fail(EADDRINUSE);
    }
    return insert(c);
}

Result<uint32_t> PortTable::add(const Claim& c) { return insert(c); }

std::optional<uint16_t> PortTable::free_port(uint16_t low, uint16_t high, Random& random) {
    if (high < low) return std::nullopt;
    const uint32_t count = uint32_t{high} - low + 1;
    const auto start = static_cast<uint32_t>(random.below(count));
    for (uint32_t k = 0; k < count; ++k) {
        const auto port = static_cast<uint16_t>(low + (start + k) % count);
        if (port != 0 && sweep(port) == kNone) return port;
    }
    return std::nullopt;
}

bool PortTable::shareable_for_connect(uint16_t port) {
    for (uint32_t i = sweep(port); i != kNone; i = holders_[i].next) {
        if (holders_[i].explicit_bind || holders_[i].listening) return false;
    }
    return true;
}

bool PortTable::listen_conflict(uint32_t h) {
    const Holder& self = holders_[h];
    for (uint32_t i = sweep(self.port); i != kNone; i = holders_[i].next) {
        if (i != h && conflict(holders_[i], self.addr, self.reuse)) return true;
    }
    return false;
}

void PortTable::set_listening(uint32_t h, bool on) { holders_[h].listening = on; }

void PortTable::set_reuse(uint32_t h, bool on) { holders_[h].reuse = on; }

void PortTable::orphan(uint32_t h, const TcpConnection* c) {
    if (c == nullptr || c->state == TcpState::kClosed) {
        release(h);
        return;
    }
    Holder& holder = holders_[h];
    holder.orphan = c;
    holder.orphan_generation = c->generation;
    holder.orphan_tuple = c->tuple;
    holder.listening = false;
    holder.addr = c->tuple.local_addr;
}

void PortTable::unlink(uint32_t h) {
    Holder& x = holders_[h];
    if (x.prev != kNone) {
        holders_[x.prev].next = x.next;
    } else {
        heads_[x.port] = x.next;
    }
    if (x.next != kNone) holders_[x.next].prev = x.prev;
    x.prev = x.next = kNone;
}

void PortTable::release(uint32_t h) {
    if (h >= holders_.size() || !holders_[h].used) return;
    unlink(h);
    holders_[h].used = false;
    holders_[h].orphan = nullptr;
    free_.push_back(h);
    --in_use_;
}

}  // namespace tachyon
