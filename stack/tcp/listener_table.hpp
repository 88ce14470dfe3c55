// Listeners (passive OPEN, RFC 9293 3.10.1) with their two bounded queues: the SYN queue of
// half-open children in SYN-RECEIVED and the accept queue of established children waiting for
// accept(). Children are connections in the ConnectionTable linked into the queues intrusively, so
// queueing never allocates. Listeners are indexed by port (one listener per port).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/time.hpp"
#include "stack/tcp/connection_table.hpp"
#include "stack/tcp/tcp_config.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

struct ChildQueue {
    uint32_t head = kNoIndex;
    uint32_t tail = kNoIndex;
    uint32_t count = 0;
};

struct TcpListener {
    uint32_t index = 0;
    uint32_t generation = 0;
    bool in_use = false;
    TcpEndpoint local;  // addr 0.0.0.0 listens on every local address
    uint32_t backlog = 0;      // accept queue bound
    uint32_t syn_backlog = 0;  // SYN queue bound
    TcpConnConfig config;      // given to every child
    ChildQueue syn_queue;
    ChildQueue accept_queue;
    // SYN cookies were sent (at last_cookie): ACKs without a connection are checked for one.
    bool cookies_sent = false;
    Instant last_cookie;

    TcpListenHandle handle() const { return {index, generation}; }
};

class ListenerTable {
public:
    explicit ListenerTable(size_t capacity);

    TcpListener* allocate(TcpEndpoint local);  // nullptr when full; the port must be free
    void release(TcpListener& l);
    TcpListener* get(TcpListenHandle h);
    TcpListener& slot(uint32_t index) { return slots_[index]; }
    // The listener for a segment to addr:port, or nullptr.
    TcpListener* find(Ipv4Address addr, uint16_t port);
    bool port_taken(uint16_t port) { return find_port(port) != nullptr; }

private:
    TcpListener* find_port(uint16_t port);
    size_t bucket_of(uint16_t port) const { return (port * 0x9e3779b1u >> 7) & mask_; }

    size_t capacity_;
    std::unique_ptr<TcpListener[]> slots_;
    std::vector<uint32_t> free_;
    std::vector<uint32_t> buckets_;  // open addressing by port, as in ConnectionTable
    size_t mask_ = 0;
};

// Intrusive queue operations over the connections of a table.
void queue_push(ConnectionTable& t, ChildQueue& q, TcpConnection& c, ListenQueue which);
void queue_remove(ConnectionTable& t, ChildQueue& q, TcpConnection& c);
TcpConnection* queue_front(ConnectionTable& t, ChildQueue& q);

}  // namespace tachyon
