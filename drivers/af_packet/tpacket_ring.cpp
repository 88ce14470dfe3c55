#include "drivers/af_packet/tpacket_ring.hpp"

#include <linux/if_ether.h>

#include <cstring>

namespace tachyon {

namespace {

constexpr size_t kMacAddrsLen = 12;  // destination + source: the 802.1Q tag goes right after them
constexpr size_t kVlanTagLen = 4;

// A sockaddr_ll follows every RX slot header (at the aligned header length); its sll_pkttype
// tells our own transmissions apart.
template <typename Hdr>
uint8_t slot_pkttype(const Hdr* h) {
    const auto* sll = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<const std::byte*>(h) +
                                                          tpacket_align(sizeof(Hdr)));
    return sll->sll_pkttype;
}

}  // namespace

RxVerdict copy_rx_frame(const RxFrame& f, PacketPool& pool, Packet& out, RxCounters& c) {
    // PACKET_IGNORE_OUTGOING keeps our own frames out of the ring; this check covers kernels
    // without it (before 4.20).
    if (f.pkttype == PACKET_OUTGOING) {
        ++c.outgoing;
        return RxVerdict::kSkipped;
    }
    const bool tagged = (f.status & TP_STATUS_VLAN_VALID) != 0 && f.len >= kMacAddrsLen;
    const size_t total = f.len + (tagged ? kVlanTagLen : 0);
    if (f.snaplen < f.len) {
        ++c.truncated;
        return RxVerdict::kSkipped;
    }
    Packet p = pool.alloc();
    if (!p) {
        ++c.no_buffer;
        return RxVerdict::kNoBuffer;
    }
    std::byte* dst = p.append(total);
    if (dst == nullptr) {  // larger than a pool buffer: cannot happen when sized from the MTU
        ++c.truncated;
        return RxVerdict::kSkipped;
    }
    if (tagged) {
        const uint16_t tpid = (f.status & TP_STATUS_VLAN_TPID_VALID) != 0 ? f.vlan_tpid : ETH_P_8021Q;
        std::memcpy(dst, f.data, kMacAddrsLen);
        dst[12] = std::byte(tpid >> 8);
        dst[13] = std::byte(tpid & 0xff);
        dst[14] = std::byte(f.vlan_tci >> 8);
        dst[15] = std::byte(f.vlan_tci & 0xff);
        std::memcpy(dst + kMacAddrsLen + kVlanTagLen, f.data + kMacAddrsLen, f.len - kMacAddrsLen);
    } else {
        std::memcpy(dst, f.data, f.len);
    }
    // CSUMNOTREADY: a local sender left the L4 checksum to "hardware" (the field holds only the
    // pseudo-header sum); the data never crossed a wire, so the kernel itself would trust it.
    // CSUM_VALID: the receiving driver verified it. Either way the stack need not verify.
    if ((f.status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0) {
        p.meta().rx_flags |= PacketMeta::kRxL4CsumGood;
    }
    out = std::move(p);
    ++c.packets;
    c.bytes += total;
    return RxVerdict::kDelivered;
}

size_t RxRingV2::receive(std::span<Packet> out, PacketPool& pool, RxCounters& c) {
    size_t n = 0;
    while (n < out.size()) {
        tpacket2_hdr* h = frame(next_);
        const uint32_t status = load_status(h->tp_status);
        if ((status & TP_STATUS_USER) == 0) break;
        const RxFrame f{
            .data = reinterpret_cast<const std::byte*>(h) + h->tp_mac,
            .snaplen = h->tp_snaplen,
            .len = h->tp_len,
            .status = status,
            .vlan_tci = h->tp_vlan_tci,
            .vlan_tpid = h->tp_vlan_tpid,
            .pkttype = slot_pkttype(h),
        };
        const RxVerdict v = copy_rx_frame(f, pool, out[n], c);
        if (v == RxVerdict::kNoBuffer) break;  // leave the frame for a later burst
        if (v == RxVerdict::kDelivered) ++n;
        store_status(h->tp_status, TP_STATUS_KERNEL);
        if (++next_ == frame_count_) next_ = 0;
    }
    return n;
}

void RxRingV3::release_block() {
    store_status(block(current_)->hdr.bh1.block_status, TP_STATUS_KERNEL);
    holding_ = false;
    if (++current_ == block_count_) current_ = 0;
}

size_t RxRingV3::receive(std::span<Packet> out, PacketPool& pool, RxCounters& c) {
    size_t n = 0;
    while (n < out.size()) {
        if (!holding_) {
            tpacket_block_desc* b = block(current_);
            if ((load_status(b->hdr.bh1.block_status) & TP_STATUS_USER) == 0) break;
            holding_ = true;
            remaining_ = b->hdr.bh1.num_pkts;
            next_frame_ = reinterpret_cast<std::byte*>(b) + b->hdr.bh1.offset_to_first_pkt;
        }
        if (remaining_ == 0) {
            release_block();
            continue;
        }
        auto* h = reinterpret_cast<tpacket3_hdr*>(next_frame_);
        const RxFrame f{
            .data = next_frame_ + h->tp_mac,
            .snaplen = h->tp_snaplen,
            .len = h->tp_len,
            .status = h->tp_status,
            .vlan_tci = static_cast<uint16_t>(h->hv1.tp_vlan_tci),
            .vlan_tpid = static_cast<uint16_t>(h->hv1.tp_vlan_tpid),
            .pkttype = slot_pkttype(h),
        };
        const RxVerdict v = copy_rx_frame(f, pool, out[n], c);
        if (v == RxVerdict::kNoBuffer) break;
        if (v == RxVerdict::kDelivered) ++n;
        next_frame_ += h->tp_next_offset;
        --remaining_;
    }
    // Give a fully consumed block back now rather than on the next burst.
    if (holding_ && remaining_ == 0) release_block();
    return n;
}

template <typename Hdr>
bool TxRing<Hdr>::put(std::span<const std::byte> frame, uint64_t& wrong_format) {
    Hdr* h = slot(next_);
    const uint32_t status = load_status(h->tp_status);
    if (status == TP_STATUS_WRONG_FORMAT) {
        // Only without PACKET_LOSS (which the device sets); reclaim the slot rather than wedge.
        ++wrong_format;
    } else if (status != TP_STATUS_AVAILABLE) {
        return false;  // SEND_REQUEST or SENDING: the kernel has not finished with it
    }
    std::memcpy(reinterpret_cast<std::byte*>(h) + kDataOffset, frame.data(), frame.size());
    h->tp_len = static_cast<uint32_t>(frame.size());
    h->tp_snaplen = static_cast<uint32_t>(frame.size());
    if constexpr (requires { h->tp_next_offset; }) h->tp_next_offset = 0;  // V3: must be 0 on TX
    store_status(h->tp_status, TP_STATUS_SEND_REQUEST);
    if (++next_ == frame_count_) next_ = 0;
    return true;
}

template class TxRing<tpacket2_hdr>;
template class TxRing<tpacket3_hdr>;

}  // namespace tachyon
