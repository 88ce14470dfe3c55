// The fuzzing peer's view of its TCP connections with the stack under test, learned from what the
// stack sends (its SYN-ACKs, ACKs, data) and from what the peer itself sent. It lets an input say
// "the next in-window segment on connection 3, acking everything, plus 1" in a few bytes, so the
// fuzzer reaches deep TCP states instead of guessing 32-bit sequence numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/time.hpp"
#include "tests/fuzz/fuzz_frames.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace tachyon::fuzz {

// The payload byte a peer sends at sequence number `seq` on the connection from `peer_port`: every
// byte the stack delivers must match it, whatever segmentation, overlap or reordering it went
// through.
inline std::byte stream_byte(uint16_t peer_port, uint32_t seq) {
    return static_cast<std::byte>(((seq * 0x9e3779b1u) >> 24) ^ peer_port ^ (peer_port >> 8));
}

// The byte the stack's application writes at sequence number `seq` of the connection on the
// stack's `stack_port`: every data byte the stack sends, first time or retransmitted, must be it.
inline std::byte sent_byte(uint16_t stack_port, uint32_t seq) {
    return static_cast<std::byte>(((seq * 0x85ebca6bu) >> 23) + stack_port);
}

struct Flow {
    uint16_t peer_port = 0;
    uint16_t stack_port = 0;
    uint32_t peer_nxt = 0;     // next sequence number the peer sends
    uint32_t stack_ack = 0;    // the last acknowledgment number the stack sent (its RCV.NXT)
    uint32_t stack_nxt = 0;    // just past the highest sequence number the stack sent
    uint32_t peer_acked = 0;   // the highest acknowledgment the peer sent
    uint32_t stack_tsval = 0;  // the stack's last TSval: the peer's TSecr
    bool stack_ts = false;     // the stack sends timestamps on this connection
};

class TcpPeerModel {
public:
    static constexpr size_t kMaxFlows = 32;

    // Flows never move (TcpChoice points at them): room for all of them up front.
    TcpPeerModel() { flows_.reserve(kMaxFlows); }

    // Learns from a segment the stack sent (to kPeerIp); a SYN from the stack starts a flow.
    void observe(const SentTcp& s);
    // Notes a segment the peer is about to send.
    void sending(Flow& f, const TcpSpec& t);

    Flow* find(uint16_t peer_port, uint16_t stack_port);
    Flow* add(uint16_t peer_port, uint16_t stack_port);  // null when kMaxFlows are known
    size_t size() const { return flows_.size(); }
    Flow& at(size_t i) { return flows_[i]; }

    // The peer's timestamp clock (RFC 7323 3.2): milliseconds, well away from the stack's.
    static uint32_t tsval(Instant now) { return static_cast<uint32_t>(now.ns() / 1'000'000) + 100'000; }

private:
    std::vector<Flow> flows_;
};

// A segment from the peer chosen by the input: which connection (selector % flows, or a new one
// for a selector >= 0xf0), flags, sequence and
// acknowledgment numbers relative to what the model knows, window, options (none, timestamps,
// chosen valid ones, or raw bytes), payload length (the bytes themselves are stream_byte()s) and
// urgent pointer.
struct TcpChoice {
    Flow* flow = nullptr;  // null: a new connection (not in the model)
    Ipv4Address src = {};
    TcpSpec spec;  // without options and payload, which full_spec() adds
    Bytes options;
    Bytes payload;
};
TcpChoice choose_tcp_segment(FuzzInput& in, TcpPeerModel& model, Instant now);
// The spec with options and payload pointing at the choice's own bytes.
TcpSpec full_spec(const TcpChoice& c);
// The Ethernet frame for a choice (checksums right), from the peer to the stack.
Bytes tcp_frame(const TcpChoice& c);
// Fills payload with the stream bytes from sequence number `first` on.
void fill_stream(Bytes& payload, uint16_t peer_port, uint32_t first);

}  // namespace tachyon::fuzz
