// The eleven states of the TCP connection state machine (RFC 9293 section 3.3.2, figure 5).
#pragma once

#include <cstdint>
#include <string_view>

namespace tachyon {

enum class TcpState : uint8_t {
    kClosed,
    kListen,
    kSynSent,
    kSynReceived,
    kEstablished,
    kFinWait1,
    kFinWait2,
    kCloseWait,
    kClosing,
    kLastAck,
    kTimeWait,
};

// The name exactly as RFC 9293 writes it: "SYN-RECEIVED", "FIN-WAIT-1", ...
std::string_view to_string(TcpState s);

// RFC 9293 3.3.2: the states after the handshake completed, where both sequence spaces are
// synchronized (RFC 5961's "synchronized states").
constexpr bool is_synchronized(TcpState s) {
    return s != TcpState::kClosed && s != TcpState::kListen && s != TcpState::kSynSent &&
           s != TcpState::kSynReceived;
}

// States that send data (and retransmit it): ours may still be unacknowledged.
constexpr bool sends_data(TcpState s) {
    return s == TcpState::kEstablished || s == TcpState::kCloseWait || s == TcpState::kFinWait1 ||
           s == TcpState::kClosing || s == TcpState::kLastAck;
}

// States in which our FIN has been queued or sent (the user closed the sending direction).
constexpr bool fin_requested_state(TcpState s) {
    return s == TcpState::kFinWait1 || s == TcpState::kFinWait2 || s == TcpState::kClosing ||
           s == TcpState::kLastAck || s == TcpState::kTimeWait;
}

// States in which the peer's FIN has been received (no more data will arrive).
constexpr bool fin_received_state(TcpState s) {
    return s == TcpState::kCloseWait || s == TcpState::kClosing || s == TcpState::kLastAck ||
           s == TcpState::kTimeWait;
}

}  // namespace tachyon
