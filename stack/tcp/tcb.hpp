// The Transmission Control Block: the variables of RFC 9293 section 3.3.1 under their RFC names,
// plus what the options negotiated at the handshake add (RFC 7323, RFC 2018, RFC 5961).
#pragma once

#include <cstdint>

#include "lib/seq.hpp"
#include "lib/time.hpp"

namespace tachyon {

struct Tcb {
    // Send sequence variables.
    SeqNum snd_una;        // oldest unacknowledged sequence number
    SeqNum snd_nxt;        // next sequence number to send (never moves back: retransmissions
                           // are the scoreboard's records)
    uint32_t snd_wnd = 0;  // send window, already scaled
    SeqNum snd_wl1;        // segment sequence number used for the last window update
    SeqNum snd_wl2;        // segment acknowledgment number used for the last window update
    SeqNum iss;            // initial send sequence number
    uint32_t max_snd_wnd = 0;  // RFC 5961 5.2 MAX.SND.WND: largest window the peer offered

    // Receive sequence variables.
    SeqNum rcv_nxt;        // next sequence number expected
    uint32_t rcv_wnd = 0;  // receive window last advertised (scaled back to bytes)
    SeqNum irs;            // initial receive sequence number
    SeqNum rcv_adv;        // right edge of the window last advertised (RCV.NXT + RCV.WND)
    SeqNum last_ack_sent;  // RFC 7323 4.3 Last.ACK.sent

    // Negotiated at the handshake.
    uint16_t snd_mss = 536;  // payload bytes per segment we send (after options)
    uint16_t rcv_mss = 536;  // the MSS we announced
    uint8_t snd_wscale = 0;  // shift applied to the peer's window field (RFC 7323 2.2)
    uint8_t rcv_wscale = 0;  // shift applied to the window we send
    bool ts_ok = false;      // both sides sent timestamps (RFC 7323 3.2)
    bool sack_ok = false;    // both sides sent SACK-permitted (RFC 2018)
    // The option bytes every segment carries, which its MSS leaves out (RFC 9293 3.7.1): the
    // timestamps, NOP, NOP, kind 8 (RFC 7323 appendix A), once negotiated.
    uint16_t fixed_option_len() const { return ts_ok ? 12 : 0; }

    // RFC 7323 section 4/5: timestamps.
    uint32_t ts_recent = 0;   // TS.Recent
    Instant ts_recent_age;    // when TS.Recent was set (PAWS's 24-day rule, 5.5)
    uint32_t ts_offset = 0;   // added to our clock in TSval, per connection (as Linux)
    uint32_t isn_offset = 0;  // RFC 6528's F for this 4-tuple: ISS = M + isn_offset
};

}  // namespace tachyon
