#include "stack/socket/port_table.hpp"

#include <cerrno>

namespace tachyon {

PortTable::PortTable(size_t capacity) : holders_(capacity == 0 ? 1 : capacity), heads_(65536, kNone) {
    free_.reserve(holders_.size());
    for (size_t i = holders_.size(); i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
}

// Linux inet_bind_conflict: SO_REUSEADDR on both sides lets a port be shared, but never with a
// listener.
bool PortTable::conflict(const Holder& existing, Ipv4Address addr, bool reuse) {
    if (!overlap(existing.addr, addr)) return false;
    return !(reuse && existing.reuse && !existing.listening);
}

Result<uint32_t> PortTable::insert(const Claim& c) {
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
    for (uint32_t i = heads_[c.port]; i != kNone; i = holders_[i].next) {
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
        if (port != 0 && heads_[port] == kNone) return port;
    }
    return std::nullopt;
}

bool PortTable::shareable_for_connect(uint16_t port) {
    for (uint32_t i = heads_[port]; i != kNone; i = holders_[i].next) {
        if (holders_[i].explicit_bind || holders_[i].listening) return false;
    }
    return true;
}

bool PortTable::listen_conflict(uint32_t h) {
    const Holder& self = holders_[h];
    for (uint32_t i = heads_[self.port]; i != kNone; i = holders_[i].next) {
        if (i != h && conflict(holders_[i], self.addr, self.reuse)) return true;
    }
    return false;
}

void PortTable::set_listening(uint32_t h, bool on) { holders_[h].listening = on; }

void PortTable::set_reuse(uint32_t h, bool on) { holders_[h].reuse = on; }

void PortTable::orphan(uint32_t h, Ipv4Address local) {
    Holder& holder = holders_[h];
    holder.listening = false;
    holder.addr = local;
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
    free_.push_back(h);
    --in_use_;
}

}  // namespace tachyon
