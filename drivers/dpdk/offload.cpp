#include "drivers/dpdk/offload.hpp"

#include <span>

#include "lib/checksum.hpp"

namespace tachyon {

namespace {

constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kIpv4TotalLenOffset = 2;
constexpr size_t kIpv4ChecksumOffset = 10;
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kUdpChecksumOffset = 6;
constexpr size_t kMaxL2Len = 127;  // widths of the mbuf's l2_len/l3_len bit-fields
constexpr size_t kMaxL3Len = 511;

uint16_t load_be16(const std::byte* p) {
    return static_cast<uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
}
void store_be16(std::byte* p, uint16_t v) {
    p[0] = static_cast<std::byte>(v >> 8);
    p[1] = static_cast<std::byte>(v & 0xff);
}

}  // namespace

TxOffload apply_tx_offloads(rte_mbuf* m, const PacketMeta& meta, const DpdkOffloads& port) {
    m->ol_flags = 0;
    const uint8_t want = meta.tx_flags;
    if (want == 0) return TxOffload::kNone;

    auto* data = rte_pktmbuf_mtod(m, std::byte*);
    const size_t len = m->data_len;
    const size_t l2 = meta.l2_len;
    const size_t l3 = meta.l3_len;
    if (l3 < kIpv4MinHeader || l2 + l3 > len || l2 > kMaxL2Len || l3 > kMaxL3Len) return TxOffload::kBadMeta;
    std::byte* ip = data + l2;
    const size_t ip_total = load_be16(ip + kIpv4TotalLenOffset);
    if (ip_total < l3 || l2 + ip_total > len) return TxOffload::kBadMeta;
    std::byte* l4 = ip + l3;
    const size_t l4_len = ip_total - l3;
    const bool tcp = (want & PacketMeta::kTxTcpCsum) != 0;
    const bool udp = (want & PacketMeta::kTxUdpCsum) != 0;
    if (tcp && udp) return TxOffload::kBadMeta;
    if ((tcp && l4_len < kTcpChecksumOffset + 2) || (udp && l4_len < kUdpChecksumOffset + 2)) {
        return TxOffload::kBadMeta;
    }

    bool software = false;
    uint64_t flags = 0;
    if (tcp || udp) {
        const bool hw = tcp ? port.tx_tcp : port.tx_udp;
        if (hw) {
            flags |= tcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
        } else {
            // The field holds the pseudo-header sum, so summing the segment with it in place gives the
            // full checksum (RFC 793 section 3.1, RFC 768).
            std::byte* field = l4 + (tcp ? kTcpChecksumOffset : kUdpChecksumOffset);
            uint16_t sum = internet_checksum({l4, l4_len});
            if (udp && sum == 0) sum = 0xffff;  // RFC 768: a zero checksum means "none"
            store_be16(field, sum);
            software = true;
        }
    }
    if ((want & PacketMeta::kTxIpCsum) != 0) {
        store_be16(ip + kIpv4ChecksumOffset, 0);  // DPDK: the PMD expects a zeroed field
        if (port.tx_ip) {
            flags |= RTE_MBUF_F_TX_IP_CKSUM;
        } else {
            store_be16(ip + kIpv4ChecksumOffset, internet_checksum({ip, l3}));
            software = true;
        }
    }
    if (flags != 0) {
        m->ol_flags = flags | RTE_MBUF_F_TX_IPV4;
        m->l2_len = static_cast<uint8_t>(l2);
        m->l3_len = static_cast<uint16_t>(l3);
    }
    return software ? TxOffload::kSoftware : TxOffload::kHardware;
}

}  // namespace tachyon
