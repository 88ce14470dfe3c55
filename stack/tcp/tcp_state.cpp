#include "stack/tcp/tcp_state.hpp"

namespace tachyon {

std::string_view to_string(TcpState s) {
    switch (s) {
        case TcpState::kClosed: return "CLOSED";
        case TcpState::kListen: return "LISTEN";
        case TcpState::kSynSent: return "SYN-SENT";
        case TcpState::kSynReceived: return "SYN-RECEIVED";
        case TcpState::kEstablished: return "ESTABLISHED";
        case TcpState::kFinWait1: return "FIN-WAIT-1";
        case TcpState::kFinWait2: return "FIN-WAIT-2";
        case TcpState::kCloseWait: return "CLOSE-WAIT";
        case TcpState::kClosing: return "CLOSING";
        case TcpState::kLastAck: return "LAST-ACK";
        case TcpState::kTimeWait: return "TIME-WAIT";
    }
    return "?";
}

}  // namespace tachyon
