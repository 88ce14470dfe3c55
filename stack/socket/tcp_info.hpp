// TCP_INFO: what the TCP layer exposes about one connection, and its Linux struct tcp_info form.
#pragma once

#include <netinet/tcp.h>

#include <cstdint>

#include "lib/time.hpp"
#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/tcp/tcp_state.hpp"

namespace tachyon {

// The TCP layer's statistics (TcpConnStats) plus what the socket's buffers hold.
struct TcpInfo : TcpConnStats {
    uint32_t bytes_in_flight = 0;  // SND.NXT - SND.UNA
    uint32_t bytes_readable = 0;   // received, not yet read
    uint32_t bytes_unsent = 0;     // queued, not yet sent
};

// From the TCP layer's read-only view of a connection.
TcpInfo make_tcp_info(const TcpConnection& c);

// Linux's tcpi_state numbering (include/net/tcp_states.h).
uint8_t linux_tcp_state(TcpState s);

// Linux struct tcp_info (glibc's layout); fields Tachyon does not track are zero.
struct tcp_info to_linux(const TcpInfo& info);

}  // namespace tachyon
