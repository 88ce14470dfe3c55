// Configuration of the TCP layer and of each connection. Where an RFC leaves a choice the default
// is Linux's, so that the stack looks like Linux on the wire (DESIGN.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/time.hpp"

namespace tachyon {

struct CongestionOps;

struct TcpConnConfig {
    // Our MSS cap; the MSS option sent is min(mss, mtu - 40) (RFC 9293 3.7.1).
    uint16_t mss = 1460;
    // Byte rings of up to these sizes (SO_SNDBUF, SO_RCVBUF); the receive buffer bounds the window
    // and so the out-of-order bytes held. Storage is taken only while bytes are held, and kept
    // for TcpConfig::buffer_linger after (TcpConfig::buffer_cache_bytes).
    uint32_t send_buffer = 256 * 1024;
    uint32_t receive_buffer = 256 * 1024;
    bool window_scaling = true;  // RFC 7323 section 2
    bool timestamps = true;      // RFC 7323 section 3, with PAWS (section 5)
    bool sack_permitted = true;  // RFC 2018: SACK blocks sent and processed (RFC 6675 recovery)
    // Congestion control (congestion_control.hpp): nullptr takes CUBIC, Linux's
    // default; find_congestion("reno") / ("cubic") name the others.
    const CongestionOps* congestion = nullptr;
    // HyStart++ (RFC 9406) ends the initial slow start when the round trip grows, before the
    // bottleneck's queue overflows (Linux's CUBIC has its HyStart on by default too).
    bool hystart = true;
    // RFC 896 Nagle (Linux's Minshall variant: one small segment in flight); nodelay turns it off.
    bool nodelay = false;
    // Delayed ACKs (RFC 1122 4.2.3.2, RFC 5681 4.2): an ACK for at least every second full
    // segment, otherwise after delayed_ack_timeout; off: every segment is acknowledged at once.
    bool delayed_ack = true;
    // IPv4 header fields of the connection's packets (IP_TTL, IP_TOS): ttl 0 takes the stack's
    // (StackConfig::ttl); tos is the whole byte as sent (the socket layer clears its ECN bits).
    uint8_t ttl = 0;
    uint8_t tos = 0;
    Duration delayed_ack_timeout = Duration::from_ms(40);
    // Keepalive (RFC 1122 4.2.3.6), Linux's defaults: idle 2 h, interval 75 s, 9 probes.
    bool keepalive = false;
    Duration keepalive_idle = Duration::from_secs(7200);
    Duration keepalive_interval = Duration::from_secs(75);
    uint8_t keepalive_count = 9;
    // User timeout (RFC 5482 semantics, TCP_USER_TIMEOUT): give up with ETIMEDOUT once sent data
    // stays unacknowledged this long; zero: off (the retry limit applies).
    Duration user_timeout = Duration::zero();
    // A fixed initial send sequence number, used only when set: reproduces a trace (the golden
    // handshake) without touching the RFC 6528 generator every other connection uses.
    std::optional<uint32_t> isn;
};

struct TcpConfig {
    // Fixed capacities: the layer never allocates after construction except connection buffers.
    size_t max_connections = 1024;
    // Orphans in TIME-WAIT, held as compact records outside the connection table (Linux's
    // tcp_max_tw_buckets; past it the oldest gives way). 0: as many as max_connections.
    size_t max_time_wait = 0;
    size_t time_wait_capacity() const { return max_time_wait != 0 ? max_time_wait : max_connections; }
    size_t max_listeners = 64;
    uint32_t max_backlog = 1024;    // cap on listen()'s backlog (accept queue)
    uint32_t max_syn_backlog = 256;  // half-open (SYN-RECEIVED) children per listener
    // Connection buffers (send and receive rings, send records) come from one BufferPool per
    // layer while they hold something, so memory follows use, not max_connections x buffers.
    // Blocks given back are kept for reuse up to buffer_cache_bytes (a steady state does not
    // allocate); max_buffer_memory bounds the blocks in use (Linux's tcp_mem): past it a send
    // takes less (EAGAIN) and a segment is dropped unacknowledged, counted by the pool.
    size_t buffer_cache_bytes = size_t{16} << 20;
    size_t max_buffer_memory = SIZE_MAX;
    // A send or receive ring that empties keeps its block until the next sweep, at most this long
    // (a stream of messages takes and gives back no block per message; Linux likewise keeps a
    // socket's forward-allocated memory). Zero: the block goes back at once.
    Duration buffer_linger = Duration::from_ms(100);
    // In-order data that arrives while a connection's receive ring is empty stays in its packet
    // (queued behind the packets already kept), and the reader reads it there (one copy fewer;
    // DESIGN.md: receive hands out views of the received buffers). At most this many packets
    // are kept so at once, by all connections: they come from the driver's RX pool (DPDK's
    // DpdkConfig::in_flight, AF_PACKET's and AF_XDP's pool_size, 2,048 or more), which must keep
    // buffers to receive into; past it the payload is copied into the ring as before. Zero:
    // always copied.
    size_t packets_read_in_place = 512;

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
    // An active open may reuse the tuple of an orphan in TIME-WAIT with timestamps,
    // time_wait_reuse_delay after its peer's last timestamp (Linux net.ipv4.tcp_tw_reuse=1 and,
    // since 6.13, tcp_tw_reuse_delay; Linux's default 2 does it on loopback only). The delay is at
    // least 1 ms, one tick of the timestamp clock, so the new connection's TSval is higher.
    bool time_wait_reuse = true;
    Duration time_wait_reuse_delay = Duration::from_secs(1);
    // An orphaned connection (closed by the user) in FIN-WAIT-2 is reset after this (Linux
    // tcp_fin_timeout).
    Duration fin_wait2_timeout = Duration::from_secs(60);

    // RFC 5961 section 7: challenge ACKs per second, for the whole layer (Linux's default 1000).
    uint32_t challenge_ack_limit = 1000;

    // Ephemeral ports for active opens without a local port (Linux ip_local_port_range).
    uint16_t ephemeral_first = 32768;
    uint16_t ephemeral_last = 60999;

    // SYN cookies (RFC 4987) when a listener's SYN queue is full (Linux tcp_syncookies=1).
    bool syn_cookies = true;
    // Initial window in segments (RFC 6928: min(10 MSS, max(2 MSS, 14600 bytes))).
    uint32_t initial_window_segments = 10;
    // Duplicate ACKs that signal a loss without SACK (RFC 5681 3.2); with SACK, RACK's reordering
    // window is zero once this many segments are SACKed and no reordering was seen (RFC 8985 6.2).
    uint32_t dupthresh = 3;
    // The tail loss probe's timeout (RFC 8985 7.2) is 2 SRTT plus this much, or plus min_rto
    // (the worst-case delayed ACK) with one segment in flight: Linux's TCP_TIMEOUT_MIN (2 jiffies,
    // 2 ms at HZ=1000) and TCP_RTO_MIN.
    Duration loss_probe_slack = Duration::from_ms(2);
    // Segments ACKed at once at the start of a connection (Linux's quickack mode, at most 16).
    uint8_t quickacks = 16;
    // Header prediction (header_prediction.cpp): the next expected segment in ESTABLISHED skips
    // the tests whose answer is known. Off only to compare it with the full path.
    bool header_prediction = true;

    TcpConnConfig defaults;
};

}  // namespace tachyon
