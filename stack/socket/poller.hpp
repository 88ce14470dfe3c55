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
// (Linux's SOCK_NOSPACE rule). A listener that still has queued connections after an accept()
// may be reported once more than epoll would.
//
// Cost: a wait looks only at the sockets on the ready list, as epoll does. The SocketLayer
// notifies the poller of every socket whose readiness may have changed (a segment or datagram
// for it, its connection closing on a time-out, any call on it), which puts it on the list; a
// level-triggered registration stays on the list while it reports something. So wait() costs
// O(sockets that changed or are ready), not O(registrations): 10,000 idle sockets cost nothing.
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
    ~Poller();

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
    // Registrations on the ready list now (to be looked at by the next wait).
    size_t ready_listed() const { return listed_; }
    // Readiness evaluations made by all waits so far: what waiting costs.
    uint64_t checks() const { return checks_; }

    // From the SocketLayer: the socket in slot `index` may have changed readiness. A closed
    // socket leaves the poller here.
    void notify(uint32_t index);

private:
    static constexpr uint32_t kNone = UINT32_MAX;

    // The ready list: a FIFO threaded through the socket slot indexes, so that joining and
    // leaving it are O(1) and a registration is on it at most once.
    struct Link {
        uint32_t prev = kNone;
        uint32_t next = kNone;
        bool listed = false;
    };

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
    void push_ready(uint32_t index);
    void unlink(uint32_t index);
    size_t collect(std::span<PollEvent> out);
    // Whether entry e has an event to report now; updates its edge-triggered snapshot.
    bool report(Entry& e, PollEvent& ev);

    SocketLayer& layer_;
    size_t capacity_;
    std::vector<Entry> entries_;      // dense: the registrations
    std::vector<uint32_t> by_index_;  // socket slot index -> position in entries_, kNone if absent
    std::vector<Link> links_;         // by socket slot index
    uint32_t head_ = kNone;           // the ready list, oldest first: nobody starves
    uint32_t tail_ = kNone;
    size_t listed_ = 0;
    uint64_t checks_ = 0;
};

}  // namespace tachyon
