// Every connection of a layer: a fixed array of slots with a free list, and an open-addressing
// index by 4-tuple (linear probing, backward-shift deletion, at most half full), hashed with a
// secret key so that a peer cannot aim its tuples at one bucket. Lookup never scans the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

class ConnectionTable {
public:
    ConnectionTable(size_t capacity, uint64_t key0, uint64_t key1);

    size_t capacity() const { return capacity_; }
    size_t in_use() const { return in_use_; }

    // A fresh slot with a new generation, or nullptr when every slot is in use.
    TcpConnection* allocate();
    // Returns the slot to the free list; it must no longer be indexed.
    void release(TcpConnection& c);

    // The live connection a handle names, or nullptr when the handle is stale.
    TcpConnection* get(TcpHandle h);
    TcpConnection& slot(uint32_t index) { return slots_[index]; }

    // The index by tuple. insert() requires that the tuple is not present.
    TcpConnection* find(const TcpTuple& t);
    void insert(TcpConnection& c);
    void erase(TcpConnection& c);

private:
    size_t bucket_of(const TcpTuple& t) const;

    size_t capacity_;
    std::unique_ptr<TcpConnection[]> slots_;
    std::vector<uint32_t> free_;     // stack of free slot indices
    std::vector<uint32_t> buckets_;  // slot index or kNoIndex; size a power of two >= 2*capacity
    size_t mask_ = 0;
    size_t in_use_ = 0;
    uint64_t key0_;
    uint64_t key1_;
};

}  // namespace tachyon
