// The mmap'ed TPACKET rings of one AF_PACKET socket: an RX ring (TPACKET_V2 frames or TPACKET_V3
// blocks) and a TX ring, walked in order like a NIC's descriptor rings.
//
// The slot headers are the kernel's ABI (linux/if_packet.h) and are read through its structs; the
// frames themselves are only ever copied as bytes. Ownership of a slot moves between kernel and
// user through its status word: loads are acquire and stores release, which pairs with the
// kernel's smp_wmb()/smp_rmb() around the same word.
//
// RX copies every frame out of the ring into a Packet from the device's pool instead of wrapping
// the slot: the kernel reuses slots strictly in ring order, so one slot held by the stack (a TCP
// segment waiting in an out-of-order queue, a receive buffer the application has not read) would
// stop the whole ring behind it. The copy (~20-100 ns for 64-1500 bytes) frees the slot at once.
#pragma once

#include <linux/if_packet.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/packet.hpp"

namespace tachyon {

constexpr size_t tpacket_align(size_t n) { return (n + TPACKET_ALIGNMENT - 1) & ~size_t{TPACKET_ALIGNMENT - 1}; }

// Layout of one ring as PACKET_RX_RING/PACKET_TX_RING take it. Blocks are contiguous in the
// mapping, and frame_size divides block_size, so frame i sits at i * frame_size.
struct RingGeometry {
    uint32_t frame_size = 0;
    uint32_t block_size = 0;
    uint32_t block_count = 0;
    uint32_t frame_count() const { return block_count * (block_size / frame_size); }
    size_t bytes() const { return static_cast<size_t>(block_size) * block_count; }
};

// What RX counts beyond packets and bytes.
struct RxCounters {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t truncated = 0;  // frame longer than its ring slot (e.g. a GSO frame): dropped
    uint64_t outgoing = 0;   // our own transmission looped back: skipped
    uint64_t no_buffer = 0;  // bursts cut short by an empty pool (the frame stays in the ring)
};

// One received frame as the ring describes it.
struct RxFrame {
    const std::byte* data = nullptr;  // the Ethernet header
    uint32_t snaplen = 0;             // bytes present in the slot
    uint32_t len = 0;                 // bytes on the wire (minus a VLAN tag the kernel stripped)
    uint32_t status = 0;              // TP_STATUS_* flags
    uint16_t vlan_tci = 0;
    uint16_t vlan_tpid = 0;
    uint8_t pkttype = 0;  // PACKET_HOST, PACKET_OUTGOING, ...
};

enum class RxVerdict : uint8_t { kDelivered, kSkipped, kNoBuffer };

// Copies `f` into a packet from `pool`, re-inserting the 802.1Q tag the kernel moved into the
// slot header, and sets the checksum verdict the kernel knows.
RxVerdict copy_rx_frame(const RxFrame& f, PacketPool& pool, Packet& out, RxCounters& c);

inline uint32_t load_status(uint32_t& word) {
    return std::atomic_ref<uint32_t>(word).load(std::memory_order_acquire);
}
inline void store_status(uint32_t& word, uint32_t v) {
    std::atomic_ref<uint32_t>(word).store(v, std::memory_order_release);
}

// TPACKET_V2 RX: fixed-size frames, each handed back to the kernel as soon as it is copied, so a
// frame is visible to user space the moment the kernel has written it.
class RxRingV2 {
public:
    static constexpr int kVersion = TPACKET_V2;
    RxRingV2(std::byte* base, const RingGeometry& g)
        : base_(base), frame_size_(g.frame_size), frame_count_(g.frame_count()) {}

    size_t receive(std::span<Packet> out, PacketPool& pool, RxCounters& c);

private:
    tpacket2_hdr* frame(uint32_t i) const {
        return reinterpret_cast<tpacket2_hdr*>(base_ + static_cast<size_t>(i) * frame_size_);
    }

    std::byte* base_;
    uint32_t frame_size_;
    uint32_t frame_count_;
    uint32_t next_ = 0;
};

// TPACKET_V3 RX: variable-size frames packed into blocks. The kernel hands a block over only when
// it is full or its retire timer (tp_retire_blk_tov) fires, so a lone frame waits for the timer.
// Consumption may stop mid-block (burst full, pool empty) and resumes there.
class RxRingV3 {
public:
    static constexpr int kVersion = TPACKET_V3;
    RxRingV3(std::byte* base, const RingGeometry& g)
        : base_(base), block_size_(g.block_size), block_count_(g.block_count) {}

    size_t receive(std::span<Packet> out, PacketPool& pool, RxCounters& c);

private:
    tpacket_block_desc* block(uint32_t i) const {
        return reinterpret_cast<tpacket_block_desc*>(base_ + static_cast<size_t>(i) * block_size_);
    }
    void release_block();

    std::byte* base_;
    uint32_t block_size_;
    uint32_t block_count_;
    uint32_t current_ = 0;
    bool holding_ = false;     // current_ is ours (TP_STATUS_USER) and partly consumed
    uint32_t remaining_ = 0;   // frames left in the held block
    std::byte* next_frame_ = nullptr;
};

// The TX ring, in the slot header of the socket's version (tpacket2_hdr or tpacket3_hdr: V3 TX
// uses fixed frames like V2). The kernel expects the frame right after the aligned header.
template <typename Hdr>
class TxRing {
public:
    static constexpr size_t kDataOffset = tpacket_align(sizeof(Hdr));

    TxRing(std::byte* base, const RingGeometry& g)
        : base_(base), frame_size_(g.frame_size), frame_count_(g.frame_count()) {}

    size_t max_frame_len() const { return frame_size_ - kDataOffset; }

    // Copies `frame` into the next free slot and marks it for sending; false when the ring is
    // full (the kernel still owns the next slot). frame.size() <= max_frame_len().
    bool put(std::span<const std::byte> frame, uint64_t& wrong_format);

private:
    Hdr* slot(uint32_t i) const {
        return reinterpret_cast<Hdr*>(base_ + static_cast<size_t>(i) * frame_size_);
    }

    std::byte* base_;
    uint32_t frame_size_;
    uint32_t frame_count_;
    uint32_t next_ = 0;
};

extern template class TxRing<tpacket2_hdr>;
extern template class TxRing<tpacket3_hdr>;

}  // namespace tachyon
