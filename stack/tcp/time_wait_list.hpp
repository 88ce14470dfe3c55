// The orphaned connections in TIME-WAIT, oldest first: when the connection table is full, the
// oldest one gives its slot to a new connection instead of the new one being refused.
//
// Linux bounds TIME-WAIT the same way (net.ipv4.tcp_max_tw_buckets: past the limit a closing
// socket skips TIME-WAIT). Giving up the oldest instead of the newest keeps 2MSL protection for
// the connections that closed most recently, whose old duplicates are the likeliest to arrive.
// Intrusive (index links in the connection), so linking never allocates.
#pragma once

#include <cstdint>

#include "stack/tcp/connection_table.hpp"

namespace tachyon {

class TimeWaitList {
public:
    bool empty() const { return head_ == kNoIndex; }
    uint32_t size() const { return size_; }
    uint32_t front() const { return head_; }

    // Appends c (moving it to the back if already linked: its 2MSL restarted).
    void push_back(ConnectionTable& table, TcpConnection& c);
    // Unlinks c if it is linked.
    void remove(ConnectionTable& table, TcpConnection& c);

private:
    uint32_t head_ = kNoIndex;
    uint32_t tail_ = kNoIndex;
    uint32_t size_ = 0;
};

}  // namespace tachyon
