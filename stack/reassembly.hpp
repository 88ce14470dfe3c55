// IPv4 fragment reassembly (RFC 791 section 3.2, RFC 815) with hard bounds: a fixed number of slots,
// each with its own 64 KiB buffer allocated up front, a cap on the bytes held by incomplete
// datagrams and a timeout. Fragment data is copied in, so the device's RX buffer is released at
// once. Received data is tracked in 8-byte blocks (the fragment unit): a fragment whose blocks are
// all present already is a duplicate and ignored; one that overlaps some present blocks drops the
// whole datagram (as Linux does since 4.19, and RFC 5722 requires for IPv6), which is
// deterministic whatever order fragments come in. The finished datagram is handed out as a Packet
// owned by this reassembler: its slot is busy until that Packet is released. A datagram that times
// out after its first fragment came is reported with ICMP Time Exceeded, code 1 (RFC 1122 3.3.2).
// Bounds (ReassemblyConfig): max_datagrams slots (a new datagram evicts the oldest), max_bytes
// held in all, and the timeout; each drop is counted (frag_dropped, frag_timeout).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "lib/packet.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/stack_core.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

class IcmpLayer;

class Reassembler final : public BufferOwner {
public:
    static constexpr size_t kMaxPayload = 65535 - 20;  // the datagram must fit one IPv4 header
    static constexpr size_t kHeadroom = 64;            // the IPv4 header we write, and more
    static constexpr size_t kBlock = 8;

    Reassembler(StackCore& core, const ReassemblyConfig& config);
    Reassembler(const Reassembler&) = delete;
    Reassembler& operator=(const Reassembler&) = delete;
    ~Reassembler();

    struct Datagram {
        Ipv4Repr ip;  // of the whole datagram: not a fragment, payload_len the total
        Packet pkt;   // data: the transport header onwards; a 20-byte IPv4 header just in front
    };
    // Adds one fragment (`ip` its header, `payload` its data, copied). Returns the datagram when
    // this fragment completes it; drops are counted.
    std::optional<Datagram> add(const Ipv4Repr& ip, std::span<const std::byte> payload);

    size_t assembling() const;  // datagrams in progress
    size_t delivered() const;   // finished datagrams whose Packet is still held
    size_t bytes_held() const { return bytes_held_; }
    // Where Time Exceeded goes on a timeout (nullptr: not sent). Set by the Stack.
    void set_icmp(IcmpLayer* icmp) { icmp_ = icmp; }

    void release(PacketBuf* buf) noexcept override;

private:
    static constexpr size_t kBlockWords = (kMaxPayload / kBlock + 64) / 64;
    enum class State : uint8_t { kFree, kAssembling, kDelivered };
    enum class Placed : uint8_t { kNew, kDuplicate, kOverlap };
    struct Slot {
        State state = State::kFree;
        Ipv4Repr first;  // the key fields, and TTL/DSCP once the first fragment arrived
        uint32_t total_len = 0;  // payload length, once the last fragment arrived; 0 unknown
        uint32_t max_end = 0;
        uint32_t blocks = 0;     // blocks received
        uint32_t bytes = 0;      // bytes held
        uint32_t first_len = 0;  // payload of the fragment at offset 0, once it came; 0 not yet
        Instant started;
        std::array<uint64_t, kBlockWords> bitmap{};
        std::unique_ptr<std::byte[]> storage;
        PacketBuf buf;
        Reassembler* owner = nullptr;
        Timer timer;
    };

    static bool same_datagram(const Slot& s, const Ipv4Repr& ip);
    static void on_timeout(Timer& timer, Instant now);
    Slot* find(const Ipv4Repr& ip);
    Slot* claim(const Ipv4Repr& ip);
    bool consistent(const Slot& s, const Ipv4Repr& ip, uint32_t end) const;
    Placed classify(const Slot& s, uint32_t offset, size_t len) const;
    void store(Slot& s, uint32_t offset, std::span<const std::byte> payload);
    Datagram finish(Slot& s);
    void drop(Slot& s);
    void time_exceeded(const Slot& s);

    StackCore& core_;
    ReassemblyConfig config_;
    std::unique_ptr<Slot[]> slots_;
    size_t bytes_held_ = 0;
    IcmpLayer* icmp_ = nullptr;
};

}  // namespace tachyon
