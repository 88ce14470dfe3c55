#include "stack/socket/poller.hpp"

#include <algorithm>
#include <cerrno>

namespace tachyon {

namespace {

constexpr uint32_t kModeBits = EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP;

}  // namespace

Poller::Poller(SocketLayer& layer, size_t capacity)
    : layer_(layer),
      capacity_(capacity != 0 ? capacity : std::max<size_t>(layer.config().max_sockets, 1)),
      by_index_(std::max<size_t>(layer.config().max_sockets, 1), kNone),
      links_(by_index_.size()) {
    entries_.reserve(capacity_);
    layer_.attach(this);
}

Poller::~Poller() { layer_.detach(this); }

void Poller::push_ready(uint32_t index) {
    Link& l = links_[index];
    if (l.listed) return;
    l.listed = true;
    l.prev = tail_;
    l.next = kNone;
    if (tail_ != kNone) {
        links_[tail_].next = index;
    } else {
        head_ = index;
    }
    tail_ = index;
    ++listed_;
}

void Poller::unlink(uint32_t index) {
    Link& l = links_[index];
    if (!l.listed) return;
    if (l.prev != kNone) {
        links_[l.prev].next = l.next;
    } else {
        head_ = l.next;
    }
    if (l.next != kNone) {
        links_[l.next].prev = l.prev;
    } else {
        tail_ = l.prev;
    }
    l = Link{};
    --listed_;
}

void Poller::notify(uint32_t index) {
    if (index >= by_index_.size()) return;
    const uint32_t pos = by_index_[index];
    if (pos == kNone) return;
    if (!layer_.is_open(entries_[pos].id)) {
        remove_at(pos);  // closed sockets leave, as they leave an epoll set
        return;
    }
    push_ready(index);
}

Poller::Entry* Poller::find(SocketId id) {
    if (id.index >= by_index_.size()) return nullptr;
    const uint32_t pos = by_index_[id.index];
    if (pos == kNone || entries_[pos].id != id) return nullptr;
    return &entries_[pos];
}

void Poller::remove_at(size_t pos) {
    unlink(entries_[pos].id.index);
    by_index_[entries_[pos].id.index] = kNone;
    if (pos + 1 != entries_.size()) {
        entries_[pos] = entries_.back();
        by_index_[entries_[pos].id.index] = static_cast<uint32_t>(pos);
    }
    entries_.pop_back();
}

Result<void> Poller::add(SocketId id, uint32_t events, uint64_t data) {
    if (!layer_.is_open(id) || id.index >= by_index_.size()) return Result<void>::fail(EBADF);
    const uint32_t pos = by_index_[id.index];
    if (pos != kNone) {
        if (entries_[pos].id == id) return Result<void>::fail(EEXIST);
        remove_at(pos);  // a socket that closed; its slot now holds another one
    }
    if (entries_.size() >= capacity_) return Result<void>::fail(ENOSPC);
    Entry e;
    e.id = id;
    e.events = events;
    e.data = data;
    by_index_[id.index] = static_cast<uint32_t>(entries_.size());
    entries_.push_back(e);
    push_ready(id.index);  // what is ready now is reported by the next wait (ep_insert)
    return {};
}

Result<void> Poller::modify(SocketId id, uint32_t events, uint64_t data) {
    if (!layer_.is_open(id)) return Result<void>::fail(EBADF);
    Entry* e = find(id);
    if (e == nullptr) return Result<void>::fail(ENOENT);
    e->events = events;
    e->data = data;
    e->disabled = false;
    e->last = ReadyState{};  // as ep_modify: what is ready now is reported again
    push_ready(id.index);
    return {};
}

Result<void> Poller::remove(SocketId id) {
    if (!layer_.is_open(id)) return Result<void>::fail(EBADF);
    Entry* e = find(id);
    if (e == nullptr) return Result<void>::fail(ENOENT);
    remove_at(static_cast<size_t>(e - entries_.data()));
    return {};
}

bool Poller::report(Entry& e, PollEvent& ev) {
    const ReadyState now = layer_.ready_state(e.id);
    const uint32_t interest = (e.events & ~kModeBits) | EPOLLERR | EPOLLHUP;
    const uint32_t ready = now.mask & interest;
    bool fire = ready != 0 && !e.disabled;
    if (fire && (e.events & EPOLLET) != 0) {
        // What woke the socket since the previous wait, as the wake-up keys Linux passes to
        // ep_poll_callback: a bit that came on, data in, space freed after a full buffer; a
        // state change wakes every kind.
        uint32_t woke = now.mask & ~e.last.mask;
        if (now.rx_mark != e.last.rx_mark) woke |= EPOLLIN | EPOLLRDNORM;
        if (now.nospace && now.tx_mark != e.last.tx_mark) woke |= EPOLLOUT | EPOLLWRNORM;
        if (now.state != e.last.state) woke = ~0u;
        fire = (woke & interest) != 0;
    }
    e.last = now;
    if (!fire) return false;
    if ((ready & EPOLLOUT) != 0) layer_.clear_nospace(e.id);
    if ((e.events & EPOLLONESHOT) != 0) e.disabled = true;
    ev = PollEvent{ready, e.data};
    return true;
}

// Looks at each socket on the ready list once at most, oldest first. What is not reached (out is
// full) stays at the front for the next wait.
size_t Poller::collect(std::span<PollEvent> out) {
    size_t n = 0;
    for (size_t budget = listed_; budget > 0 && n < out.size() && head_ != kNone; --budget) {
        const uint32_t index = head_;
        unlink(index);
        const uint32_t pos = by_index_[index];
        if (pos == kNone) continue;
        Entry& e = entries_[pos];
        if (!layer_.is_open(e.id)) {
            remove_at(pos);
            continue;
        }
        ++checks_;
        if (!report(e, out[n])) continue;  // nothing to say: off the list until notified
        ++n;
        // Level-triggered: back on the list (at the end) while it reports something, as epoll
        // puts it back after each report; edge-triggered and one-shot wait for the next change.
        if ((e.events & (EPOLLET | EPOLLONESHOT)) == 0) push_ready(index);
    }
    return n;
}

Result<size_t> Poller::wait(std::span<PollEvent> out, Timeout timeout) {
    if (out.empty()) return Result<size_t>::fail(EINVAL);
    if (size_t n = collect(out)) return n;
    if (layer_.poll()) {
        if (size_t n = collect(out)) return n;
    }
    if (timeout && *timeout <= Duration::zero()) return size_t{0};
    const std::optional<Instant> deadline = layer_.deadline_after(timeout);
    while (layer_.drive(deadline)) {
        if (size_t n = collect(out)) return n;
    }
    return collect(out);
}

}  // namespace tachyon
