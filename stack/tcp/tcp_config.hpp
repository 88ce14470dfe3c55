// Configuration of the TCP layer and of each connection. Where an RFC leaves a choice the default
// is Linux's, so that the stack looks like Linux on the wire (DESIGN.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/time.hpp"

namespace tachyon {

struct TcpConnConfig {
    // Our MSS cap; the MSS option sent is min(mss, mtu - 40) (RFC 9293 3.7.1).
    uint16_t mss = 1460;
    // Byte rings allocated when the connection is created; the receive buffer bounds the window.
    uint32_t send_buffer = 256 * 1024;
    uint32_t receive_buffer = 256 * 1024;
    bool window_scaling = true;  // RFC 7323 section 2
    bool timestamps = true;      // RFC 7323 section 3, with PAWS (section 5)
    bool sack_permitted = true;  // RFC 2018: offered and recorded; SACK blocks arrive with issue 4
    // A fixed initial send sequence number, used only when set: reproduces a trace (the golden
    // handshake) without touching the RFC 6528 generator every other connection uses.
    std::optional<uint32_t> isn;
};

struct TcpConfig {
    // Fixed capacities: the layer never allocates after construction except a connection's rings.
    size_t max_connections = 1024;
    size_t max_listeners = 64;
    uint32_t max_backlog = 1024;    // cap on listen()'s backlog (accept queue)
    uint32_t max_syn_backlog = 256;  // half-open (SYN-RECEIVED) children per listener

    // RFC 6298: initial RTO 1 s (2.1), minimum RTO (2.4; 200 ms as Linux), maximum (2.5).
    Duration initial_rto = Duration::from_secs(1);
    Duration min_rto = Duration::from_ms(200);
    Duration max_rto = Duration::from_secs(120);
    // Retransmissions before giving up with ETIMEDOUT (Linux tcp_syn_retries, tcp_synack_retries,
    // tcp_retries2).
    uint8_t syn_retries = 6;
    uint8_t synack_retries = 5;
    uint8_t max_retries = 15;

    // TIME-WAIT lasts 2*MSL (RFC 9293 3.4.2); Linux uses 60 s.
    Duration time_wait = Duration::from_secs(60);
    // An orphaned connection (closed by the user) in FIN-WAIT-2 is reset after this (Linux
    // tcp_fin_timeout).
    Duration fin_wait2_timeout = Duration::from_secs(60);

    // RFC 5961 section 7: challenge ACKs per second, for the whole layer (Linux's default 1000).
    uint32_t challenge_ack_limit = 1000;

    // Ephemeral ports for active opens without a local port (Linux ip_local_port_range).
    uint16_t ephemeral_first = 32768;
    uint16_t ephemeral_last = 60999;

    TcpConnConfig defaults;
};

}  // namespace tachyon
