// The Tachyon side of a data exchange over one connected socket, in the same orders as the peers
// (kernel_peer.py, memif_peer.cpp), driven through the socket API: a non-blocking Socket and a
// Poller whose wait() runs the stack while nothing is ready.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stack/socket/socket.hpp"
#include "tests/interop/tcp/child_process.hpp"
#include "tests/interop/tcp/tachyon_node.hpp"

namespace tachyon::interop {

enum class Order {
    kBoth,            // send and shut down writing while receiving until end of stream
    kSendFirst,       // send, shut down writing, then receive until end of stream
    kRecvFirst,       // receive until end of stream, then send and shut down writing
    kCloseAfterSend,  // send, and return at once (the caller closes without reading)
};
const char* order_name(Order o);  // the peers' spelling: "both", "send-first", ...

struct ExchangeResult {
    bool ok = false;
    std::string error;  // what went wrong, with the progress made
    size_t sent = 0;
    size_t received = 0;
    std::string recv_sha;
};

ExchangeResult exchange(TachyonNode& node, Socket& s, std::span<const std::byte> data, Order order,
                        std::chrono::milliseconds timeout);

// n bytes from a seeded generator (never all-equal, so misplaced bytes change the digest).
std::vector<std::byte> test_data(size_t n, uint64_t seed);

// Drives the node until the peer prints event `name` (or "error", or exits); nullopt on timeout.
std::optional<JsonLine> await_event(TachyonNode& node, ChildProcess& peer, const std::string& name,
                                    std::chrono::milliseconds timeout);

}  // namespace tachyon::interop
