// Checksum offload mapping between PacketMeta and the mbuf's ol_flags/l2_len/l3_len.
#pragma once

#include <cstdint>

#include "drivers/dpdk/dpdk_device.hpp"
#include "drivers/dpdk/rte.hpp"
#include "lib/packet.hpp"

namespace tachyon {


// PacketMeta rx flags from the PMD's verdict. *_CKSUM_NONE ("the checksum in the data is not correct
// but the integrity is verified", e.g. virtio from a local sender) counts as good: the stack must not
// verify it again.
inline uint8_t rx_flags_from(uint64_t ol_flags) {
    uint8_t f = 0;
    switch (ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
    case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
    case RTE_MBUF_F_RX_IP_CKSUM_NONE: f |= PacketMeta::kRxIpCsumGood; break;
    case RTE_MBUF_F_RX_IP_CKSUM_BAD: f |= PacketMeta::kRxIpCsumBad; break;
    default: break;
    }
    switch (ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
    case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
    case RTE_MBUF_F_RX_L4_CKSUM_NONE: f |= PacketMeta::kRxL4CsumGood; break;
    case RTE_MBUF_F_RX_L4_CKSUM_BAD: f |= PacketMeta::kRxL4CsumBad; break;
    default: break;
    }
    return f;
}

enum class TxOffload : uint8_t {
    kNone,      // no checksum requested
    kHardware,  // everything requested is left to the PMD
    kSoftware,  // at least one checksum was computed here: the port does not offer it
    kBadMeta,   // l2_len/l3_len do not fit the data: sent as is, the peer will drop it
};

// Prepares the mbuf for the checksums the stack asks for in meta.tx_flags (IPv4 only; the L4 checksum
// field already holds the pseudo-header sum, as DPDK requires). Requests the port cannot offload are
// computed in software, so the Device contract holds on every PMD.
TxOffload apply_tx_offloads(rte_mbuf* m, const PacketMeta& meta, const DpdkOffloads& port);

}  // namespace tachyon
