// An epoll-like poller over the sockets of one SocketLayer: add/modify/remove with EPOLL* event
// masks, level-triggered by default, EPOLLET (edge) and EPOLLONESHOT as Linux's epoll. wait()
// drives the stack while it waits, like every blocking call.
//
// Readiness follows Linux's tcp_poll: readable at data, at the peer's FIN (with EPOLLRDHUP) and
// at an error; a listening socket is readable when accept() is ready; a connect() that finished
// makes the socket writable, one that failed reports EPOLLERR (SO_ERROR tells why); EPOLLHUP
// when both directions are closed. EPOLLERR and EPOLLHUP are always reported, as in epoll.
//
// Edge-triggered registrations report the whole current mask when something new happened since
// the previous wait: a readiness bit came on, data or a FIN or a connection arrived, the
// connection changed state, or an acknowledgment freed space after a send found the buffer full
// (Linux's SOCK_NOSPACE rule). The TCP layer has no wake-up callbacks yet, so wait() checks each
// registration (O(registrations) per call, not O(ready) as epoll); a listener that still has
// queued connections after an accept() may be reported once more than epoll would.
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/result.hpp"
#include "stack/socket/socket.hpp"
#include "stack/socket/socket_layer.hpp"

namespace tachyon {

struct PollEvent {
    uint32_t events = 0;  // EPOLL* bits
    uint64_t data = 0;    // what add() or modify() was given
};

class Poller {
public:
    // capacity 0: as many registrations as the layer has sockets.
    explicit Poller(SocketLayer& layer, size_t capacity = 0);
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // epoll_ctl: EEXIST when already registered, ENOENT when not, EBADF for a closed socket,
    // ENOSPC when full. A closed socket leaves the poller by itself.
    Result<void> add(SocketId id, uint32_t events, uint64_t data);
    Result<void> modify(SocketId id, uint32_t events, uint64_t data);
    Result<void> remove(SocketId id);
    // By handle: EINVAL for a socket of another stack (a poller serves one).
    Result<void> add(const Socket& s, uint32_t events, uint64_t data) {
        return s.layer() == &layer_ ? add(s.id(), events, data) : Result<void>::fail(EINVAL);
    }
    Result<void> modify(const Socket& s, uint32_t events, uint64_t data) {
        return s.layer() == &layer_ ? modify(s.id(), events, data) : Result<void>::fail(EINVAL);
    }
    Result<void> remove(const Socket& s) { return s.layer() == &layer_ ? remove(s.id()) : Result<void>::fail(EINVAL); }

    // epoll_wait: up to out.size() events; waits at most timeout (nullopt: until an event;
    // zero: one step of the stack and no waiting). 0 when the timeout expired; EINVAL for an
    // empty span.
    Result<size_t> wait(std::span<PollEvent> out, Timeout timeout);

    size_t size() const { return entries_.size(); }
    SocketLayer& layer() { return layer_; }

private:
    static constexpr uint32_t kNone = UINT32_MAX;

    struct Entry {
        SocketId id;
        uint32_t events = 0;  // interest, with EPOLLET / EPOLLONESHOT
        uint64_t data = 0;
        bool used = false;
        bool disabled = false;  // EPOLLONESHOT fired; modify() re-arms
        ReadyState last;        // at the previous wait (edge-triggered)
    };

    Entry* find(SocketId id);
    void remove_at(size_t pos);
    size_t collect(std::span<PollEvent> out);
    // Whether entry e has an event to report now; updates its edge-triggered snapshot.
    bool report(Entry& e, PollEvent& ev);

    SocketLayer& layer_;
    size_t capacity_;
    std::vector<Entry> entries_;      // dense: the registrations
    std::vector<uint32_t> by_index_;  // socket slot index -> position in entries_, kNone if absent
    size_t cursor_ = 0;  // where the next collect() starts, so that no socket starves
};

}  // namespace tachyon
