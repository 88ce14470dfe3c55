#include "drivers/dpdk/dpdk_device.hpp"

#include <algorithm>
#include <cstring>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "drivers/dpdk/offload.hpp"
#include "drivers/dpdk/port_setup.hpp"
#include "drivers/dpdk/rte.hpp"

namespace tachyon {

enum class DpdkDevice::Stage : uint8_t {
    kReady,    // m is ready for the PMD
    kNoMbuf,   // no mbuf for a copy: stop the burst here, the caller keeps the packet
    kInvalid,  // cannot be sent (larger than an mbuf): dropped and counted
};

Result<std::unique_ptr<DpdkDevice>> DpdkDevice::open(const DpdkConfig& config) {
    if (Result<void> r = eal_init(EalOptions{config.eal_args, config.eal_defaults}); !r) return r.error();
    Result<uint16_t> port = find_port(config);
    if (!port) return port.error();
    Result<PortSetup> setup = setup_port(*port, config);
    if (!setup) return setup.error();
    return std::unique_ptr<DpdkDevice>(new DpdkDevice(*setup));
}

DpdkDevice::DpdkDevice(const PortSetup& s)
    : port_(s.port),
      rxq_(s.rx_queue),
      txq_(s.tx_queue),
      rx_csum_(s.offloads.rx_ip || s.offloads.rx_tcp || s.offloads.rx_udp),
      tx_csum_(s.offloads.tx_ip || s.offloads.tx_tcp || s.offloads.tx_udp),
      trust_link_(s.trust_link),
      offloads_(s.offloads),
      pool_(s.pool),
      owner_id_(s.owner_id),
      is_vdev_(s.is_vdev),
      caps_(s.caps),
      name_("dpdk:" + s.port_name),
      driver_(s.driver) {
    if (driver_ == "net_memif") bursts_watched_ = watch_bursts(bursts_);
}

DpdkDevice::~DpdkDevice() {
    if (bursts_watched_) unwatch_bursts(bursts_);
    PortSetup s;
    s.port = port_;
    s.port_name = name_;
    s.is_vdev = is_vdev_;
    s.pool = pool_;
    s.owner_id = owner_id_;
    teardown_port(s);
}

uint8_t DpdkDevice::rx_flags(const rte_mbuf* m) const {
    if (trust_link_) return PacketMeta::kRxIpCsumGood | PacketMeta::kRxL4CsumGood;
    return rx_csum_ ? rx_flags_from(m->ol_flags) : 0;
}

size_t DpdkDevice::rx_burst(std::span<Packet> out) {
    size_t filled = 0;
    while (filled < out.size()) {
        rte_mbuf* mbufs[kMaxBurst];
        const auto want = static_cast<uint16_t>(std::min(out.size() - filled, kMaxBurst));
        bursts_.enter();
        const uint16_t got = rte_eth_rx_burst(port_, rxq_, mbufs, want);
        bursts_.leave();
        for (uint16_t i = 0; i < got; ++i) {
            rte_mbuf* m = mbufs[i];
            if (m->priv_size < sizeof(PacketBuf)) [[unlikely]] {
                // Not from a Tachyon mempool (a PMD with buffers of its own): no room for the wrapper.
                rte_pktmbuf_free(m);
                ++counters_.rx_foreign_pool_dropped;
                continue;
            }
            if (m->nb_segs != 1) [[unlikely]] {
                // Not expected with one mbuf per MTU-sized frame, but a PMD may chain anyway.
                if (rte_pktmbuf_linearize(m) != 0) {
                    rte_pktmbuf_free(m);
                    ++counters_.rx_multiseg_dropped;
                    continue;
                }
                ++counters_.rx_linearised;
            }
            out[filled++] = wrap_mbuf(m, rx_flags(m));
        }
        if (got < want) break;
    }
    return filled;
}

// Turns one Packet into an mbuf for the PMD without taking it from the caller yet (ownership passes
// only for the packets the PMD accepts).
DpdkDevice::Stage DpdkDevice::tx_stage(Packet& p, rte_mbuf*& m, bool& copied) {
    PacketBuf* b = p.raw();
    if (is_mbuf_backed(b)) {
        m = sync_to_mbuf(b);
        copied = false;
    } else {
        m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr) [[unlikely]] {
            ++counters_.tx_no_mbuf;
            return Stage::kNoMbuf;
        }
        char* dst = rte_pktmbuf_append(m, static_cast<uint16_t>(std::min<size_t>(b->len, UINT16_MAX)));
        if (dst == nullptr || b->len > UINT16_MAX) [[unlikely]] {
            rte_pktmbuf_free(m);
            ++counters_.tx_oversize_dropped;
            return Stage::kInvalid;
        }
        std::memcpy(dst, p.data(), b->len);
        copied = true;
        ++counters_.tx_copied;
    }
    if (trust_link_) {
        m->ol_flags = 0;  // the fields go out as the stack left them: the peer does not verify them
        return Stage::kReady;
    }
    switch (apply_tx_offloads(m, b->meta, offloads_)) {
    case TxOffload::kSoftware: ++counters_.tx_sw_checksum; break;
    case TxOffload::kBadMeta: ++counters_.tx_bad_offload_meta; break;
    case TxOffload::kNone:
    case TxOffload::kHardware: break;
    }
    return Stage::kReady;
}

// Sends up to kMaxBurst packets; returns how many the device now owns (sent or dropped as invalid).
size_t DpdkDevice::tx_chunk(std::span<Packet> pkts) {
    rte_mbuf* mbufs[kMaxBurst];
    bool copied[kMaxBurst];
    const size_t n = std::min(pkts.size(), kMaxBurst);
    size_t ready = 0;
    Stage stop = Stage::kReady;
    for (; ready < n; ++ready) {
        stop = tx_stage(pkts[ready], mbufs[ready], copied[ready]);
        if (stop != Stage::kReady) break;
    }
    uint16_t valid = static_cast<uint16_t>(ready);
    bursts_.enter();
    if (tx_csum_ && valid > 0) {
        // Some PMDs need fix-ups for checksum offloads (rte_net_intel_cksum_prepare); a no-op for others.
        valid = rte_eth_tx_prepare(port_, txq_, mbufs, valid);
    }
    const uint16_t sent = rte_eth_tx_burst(port_, txq_, mbufs, valid);
    bursts_.leave();
    for (uint16_t i = 0; i < sent; ++i) {
        // The PMD frees the mbuf after sending it: an mbuf-backed handle just lets go, a copied
        // packet's own buffer is released now.
        if (copied[i]) {
            pkts[i].reset();
        } else {
            (void)pkts[i].into_raw();
        }
    }
    for (size_t i = sent; i < ready; ++i) {
        if (copied[i]) rte_pktmbuf_free(mbufs[i]);
    }
    if (sent < valid) return sent;
    // Everything before the first unsendable packet went out: drop that one so that the caller does not
    // retry it forever, and count why.
    if (valid < ready) {
        ++counters_.tx_prepare_dropped;
        pkts[valid].reset();
        return size_t{valid} + 1;
    }
    if (stop == Stage::kInvalid) {
        pkts[ready].reset();
        return ready + 1;
    }
    return sent;
}

size_t DpdkDevice::tx_burst(std::span<Packet> pkts) {
    size_t done = 0;
    while (done < pkts.size()) {
        const size_t want = std::min(pkts.size() - done, kMaxBurst);
        const size_t took = tx_chunk(pkts.subspan(done, want));
        done += took;
        if (took < want) break;
    }
    return done;
}

Packet DpdkDevice::alloc_tx() {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) [[unlikely]] {
        ++counters_.alloc_tx_failed;
        return Packet();
    }
    return wrap_mbuf(m);
}

bool DpdkDevice::link_up() const {
    rte_eth_link link{};
    return rte_eth_link_get_nowait(port_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

DeviceStats DpdkDevice::stats() const {
    DeviceStats out;
    rte_eth_stats st{};
    if (rte_eth_stats_get(port_, &st) == 0) {
        out.rx_packets = st.ipackets;
        out.rx_bytes = st.ibytes;
        out.tx_packets = st.opackets;
        out.tx_bytes = st.obytes;
        out.rx_dropped = st.imissed + st.ierrors + st.rx_nombuf;
        out.tx_dropped = st.oerrors;
    }
    out.rx_dropped += counters_.rx_multiseg_dropped + counters_.rx_foreign_pool_dropped;
    out.tx_dropped += counters_.tx_oversize_dropped + counters_.tx_prepare_dropped;
    return out;
}

std::vector<std::pair<std::string, uint64_t>> DpdkDevice::xstats() const {
    std::vector<std::pair<std::string, uint64_t>> out;
    int n = rte_eth_xstats_get_names(port_, nullptr, 0);
    if (n <= 0) return out;
    std::vector<rte_eth_xstat_name> names(static_cast<size_t>(n));
    std::vector<rte_eth_xstat> values(static_cast<size_t>(n));
    int got_names = rte_eth_xstats_get_names(port_, names.data(), static_cast<unsigned>(n));
    int got_values = rte_eth_xstats_get(port_, values.data(), static_cast<unsigned>(n));
    if (got_names <= 0 || got_values <= 0) return out;
    const size_t count = static_cast<size_t>(std::min({n, got_names, got_values}));
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const uint64_t id = values[i].id;
        if (id < static_cast<uint64_t>(got_names)) out.emplace_back(names[id].name, values[i].value);
    }
    return out;
}

void DpdkDevice::reset_stats() {
    rte_eth_stats_reset(port_);
    rte_eth_xstats_reset(port_);
    counters_ = DpdkCounters{};
}

void DpdkDevice::reclaim_tx() {
    bursts_.enter();
    if (rte_eth_tx_done_cleanup(port_, txq_, 0) < 0) (void)rte_eth_tx_burst(port_, txq_, nullptr, 0);
    bursts_.leave();
}

size_t DpdkDevice::mbufs_in_use() const { return rte_mempool_in_use_count(pool_); }

size_t DpdkDevice::mbufs_capacity() const { return pool_->size; }

std::string DpdkDevice::mempool_name() const { return pool_->name; }

bool mempool_exists(const std::string& name) { return rte_mempool_lookup(name.c_str()) != nullptr; }

Result<std::unique_ptr<Device>> open_dpdk_device(const DpdkConfig& config) {
    Result<std::unique_ptr<DpdkDevice>> dev = DpdkDevice::open(config);
    if (!dev) return dev.error();
    return std::unique_ptr<Device>(std::move(*dev));
}

}  // namespace tachyon
