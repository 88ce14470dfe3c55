// What SEGMENT ARRIVES decided to send. The receiver only updates the TCB and fills this in; the
// layer's dispatch step emits it (smoltcp's process/dispatch split), so the receiver never builds
// packets and the replies are easy to test and to batch.
#pragma once

#include <optional>
#include <span>

#include "lib/seq.hpp"

namespace tachyon {

// A reset answering a segment (RFC 9293 3.10.7.1): <SEQ=seq><CTL=RST>, or with ack
// <SEQ=seq><ACK=ack><CTL=RST,ACK>.
struct ResetReply {
    SeqNum seq;
    std::optional<SeqNum> ack;
};

struct RxActions {
    std::optional<ResetReply> reset;
    bool ack = false;            // acknowledge RCV.NXT (on a data segment if one goes out)
    bool challenge_ack = false;  // RFC 5961: an ACK subject to the rate limit (section 7)
    bool syn_ack = false;        // (re)send our SYN,ACK
    bool delayed_ack = false;    // acknowledge within the delayed-ACK timeout (unless ack)
    // Acknowledge by the end of the application's turn (unless ack): a segment the application
    // sends meanwhile carries the ACK (TcpLayer::end_turn).
    bool ack_by_turn_end = false;
};

// The part of a segment inside the receive window after the first step trimmed it.
struct SegmentText {
    SeqNum seq;
    std::span<const std::byte> data;
    bool fin = false;
};

}  // namespace tachyon
