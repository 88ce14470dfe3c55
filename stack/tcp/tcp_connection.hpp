// One connection: its state, TCB, buffers, retransmission state and timers. Connections live in
// the ConnectionTable's fixed array, never move, and are reused through the free list.
#pragma once

#include <cstdint>

#include "lib/time.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/tcp/byte_ring.hpp"
#include "stack/tcp/receive_buffer.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/tcb.hpp"
#include "stack/tcp/tcp_config.hpp"
#include "stack/tcp/tcp_state.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

class TcpLayer;

inline constexpr uint32_t kNoIndex = UINT32_MAX;

// Which listener queue a passively opened child sits in until accept().
enum class ListenQueue : uint8_t { kNone, kSyn, kAccept };

struct TcpConnection {
    TcpConnection() = default;
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Identity and ownership.
    TcpLayer* layer = nullptr;
    uint32_t index = 0;
    uint32_t generation = 0;
    bool in_use = false;      // the slot is allocated
    bool in_table = false;    // reachable by its 4-tuple
    bool user_owned = false;  // a handle is out with the user (cleared by close/abort)
    bool passive = false;     // created by a listener (SYN-RECEIVED returns to LISTEN on reset)
    bool negotiated_wscale = false;  // both SYNs carried window scale (RFC 7323 2.2)

    TcpState state = TcpState::kClosed;
    TcpTuple tuple;
    TcpConnConfig config;
    Tcb tcb;
    int error = 0;  // errno to report: ECONNREFUSED, ECONNRESET, ETIMEDOUT

    // Send side: bytes from snd_buf_seq on, unacknowledged or not yet sent.
    ByteRing snd_buf;
    SeqNum snd_buf_seq;
    bool fin_queued = false;  // the user shut the sending direction; FIN follows the data
    // Retransmission cursor: after a timeout, sequence space [rtx_nxt, snd_nxt) is sent again
    // before new data (go-back-N). Equal to snd_nxt otherwise. The timeout resends only the
    // earliest segment (RFC 6298 5.4); each ACK that advances SND.UNA then lets rtx_budget
    // segments more go, so the repair grows with the ACK clock instead of bursting a whole window
    // into a path that just lost one (e.g. a neighbour being re-resolved). Congestion control
    // (issue 4) replaces the budget with cwnd.
    SeqNum rtx_nxt;
    uint32_t rtx_budget = 0;
    bool probe_pending = false;  // zero window: the next output may send one byte past it

    // Receive side.
    ReceiveBuffer rcv_buf;
    bool rcv_closed = false;  // the user closed: data arriving now is answered with RST
    bool rcv_fin = false;     // the peer's FIN was processed: end of stream after the buffer

    // RFC 6298 timing and Karn's rule.
    RttEstimator rtt;
    bool rtt_timing = false;
    SeqNum rtt_seq;
    Instant rtt_start;
    uint8_t retries = 0;  // consecutive timeouts without progress

    Timer rtx_timer;   // retransmission (SYN, SYN-ACK, data, FIN) and zero-window probe
    Timer wait_timer;  // TIME-WAIT 2MSL, orphaned FIN-WAIT-2

    // Listener linkage of a passively opened child (intrusive list, no allocation).
    uint32_t listener = kNoIndex;
    ListenQueue queue = ListenQueue::kNone;
    uint32_t q_prev = kNoIndex;
    uint32_t q_next = kNoIndex;

    TcpHandle handle() const { return {index, generation}; }
    // Sequence number just past the last byte of data the user queued.
    SeqNum snd_data_end() const { return snd_buf_seq + static_cast<uint32_t>(snd_buf.size()); }
    // The sequence number of our FIN (valid when fin_queued).
    SeqNum fin_seq() const { return snd_data_end(); }
    bool fin_sent() const { return fin_queued && tcb.snd_nxt > fin_seq(); }
    bool fin_acked() const { return fin_queued && tcb.snd_una > fin_seq(); }
};

}  // namespace tachyon
