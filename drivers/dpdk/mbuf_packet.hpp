// A Packet that wraps an rte_mbuf without copying it.
//
// Layout of every mbuf in a Tachyon mempool (rte_pktmbuf_pool_create with priv_size):
//
//   | struct rte_mbuf (128 B) | private area: PacketBuf | headroom | data ... |
//                                                       ^ buf_addr  ^ buf_addr + data_off
//
// The PacketBuf lives in the mbuf's private area, so wrapping needs no allocation and the PacketBuf
// goes back to the mempool together with its mbuf. While the stack holds the Packet, PacketBuf
// head/len are authoritative; sync_to_mbuf() copies them into data_off/data_len before TX.
// Internal to drivers/dpdk and its tests.
#pragma once

#include <cassert>

#include "drivers/dpdk/rte.hpp"
#include "lib/packet.hpp"

namespace tachyon {

// Releases an mbuf-backed PacketBuf by freeing its mbuf into whatever mempool it came from, so one
// owner per process serves every DPDK device and a packet received on one port can be sent on another
// without a copy.
class MbufOwner final : public BufferOwner {
public:
    void release(PacketBuf* buf) noexcept override { rte_pktmbuf_free(static_cast<rte_mbuf*>(buf->opaque)); }
};

inline constinit MbufOwner g_mbuf_owner;

// The private-area size a mempool needs to hold a PacketBuf.
inline constexpr uint16_t kMbufPrivSize = static_cast<uint16_t>(RTE_ALIGN_CEIL(sizeof(PacketBuf), RTE_MBUF_PRIV_ALIGN));

inline PacketBuf* mbuf_packet_buf(rte_mbuf* m) {
    assert(m->priv_size >= sizeof(PacketBuf));
    return static_cast<PacketBuf*>(rte_mbuf_to_priv(m));
}

// Wraps a single-segment mbuf as a Packet; the Packet's release frees the mbuf.
inline Packet wrap_mbuf(rte_mbuf* m, uint8_t rx_flags = 0) {
    assert(m->nb_segs == 1);
    PacketBuf* b = mbuf_packet_buf(m);
    b->base = static_cast<std::byte*>(m->buf_addr);
    b->capacity = m->buf_len;
    b->head = m->data_off;
    b->len = m->data_len;
    b->meta = PacketMeta{};
    b->meta.rx_flags = rx_flags;
    b->owner = &g_mbuf_owner;
    b->opaque = m;
    return Packet(b);
}

inline bool is_mbuf_backed(const PacketBuf* b) { return b->owner == &g_mbuf_owner; }

inline rte_mbuf* mbuf_of(const Packet& p) {
    return p && is_mbuf_backed(p.raw()) ? static_cast<rte_mbuf*>(p.raw()->opaque) : nullptr;
}

// Makes the mbuf describe the PacketBuf's current data (the stack may have prepended headers or
// trimmed) so the PMD transmits exactly that.
inline rte_mbuf* sync_to_mbuf(PacketBuf* b) {
    auto* m = static_cast<rte_mbuf*>(b->opaque);
    m->data_off = static_cast<uint16_t>(b->head);
    m->data_len = static_cast<uint16_t>(b->len);
    m->pkt_len = b->len;
    return m;
}

}  // namespace tachyon
