#include "drivers/dpdk/port_setup.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstring>
#include <thread>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "drivers/dpdk/rte.hpp"

namespace tachyon {

namespace {

constexpr uint64_t kRxChecksums =
    RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
constexpr uint64_t kTxChecksums =
    RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
constexpr uint64_t kRssTypes = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
// A full-size frame with two VLAN tags and the FCS fits one mbuf, so RX needs no chaining.
constexpr uint32_t kFrameOverhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;

int log_type() {
    static const int type = rte_log_register_type_and_pick_level("tachyon.dpdk", RTE_LOG_INFO);
    return type < 0 ? RTE_LOGTYPE_USER1 : type;
}

std::string port_name_of(uint16_t port) {
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    if (rte_eth_dev_get_name_by_port(port, name) != 0) return "port " + std::to_string(port);
    return name;
}

// Every probed port, including those another device already owns (RTE_ETH_FOREACH_DEV skips them).
std::string available_ports() {
    std::string out;
    for (uint64_t p = rte_eth_find_next(0); p < RTE_MAX_ETHPORTS; p = rte_eth_find_next(static_cast<uint16_t>(p + 1))) {
        const auto port = static_cast<uint16_t>(p);
        if (!out.empty()) out += ", ";
        rte_eth_dev_owner owner{};
        const bool in_use = rte_eth_dev_owner_get(port, &owner) == 0 && owner.id != RTE_ETH_DEV_NO_OWNER;
        out += port_name_of(port) + " (" + std::to_string(port) + (in_use ? ", in use)" : ")");
    }
    return out.empty() ? "none" : out;
}

std::string no_port_hint() {
    return "; hint: EAL probed no usable port: pass a vdev (e.g. --vdev=net_tap0,iface=tcy0) or bind a "
           "NIC to vfio-pci and allow it with -a <PCI address>";
}

// Waits until EAL's interrupt thread has run a callback queued now, i.e. finished what it was doing;
// twice, since events that became ready meanwhile may be ordered after the first barrier.
void drain_interrupt_thread() {
    for (int round = 0; round < 2; ++round) {
        std::atomic<bool> ran{false};
        auto cb = [](void* arg) { static_cast<std::atomic<bool>*>(arg)->store(true, std::memory_order_release); };
        if (rte_eal_alarm_set(1, cb, &ran) != 0) return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!ran.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        if (!ran.load(std::memory_order_acquire)) {
            rte_eal_alarm_cancel(cb, &ran);  // waits for a callback already running
            return;
        }
    }
}

template <typename T = PortSetup>
Result<T> port_error(int code, uint16_t port, std::string what) {
    return Result<T>::fail(code, port_name_of(port) + ": " + what);
}

uint32_t round_to_pow2_minus_1(uint32_t n) { return std::bit_ceil(n + 1) - 1; }

// Undoes a half-finished setup_port: whatever is recorded in it is released.
struct SetupGuard {
    PortSetup& s;
    bool configured = false;
    bool done = false;
    ~SetupGuard() {
        if (done) return;
        if (configured) {
            // Queues may hold mbufs of the pool: only closing the port releases them.
            teardown_port(s);
            return;
        }
        if (s.pool != nullptr) rte_mempool_free(s.pool);
        if (s.owner_id != 0) rte_eth_dev_owner_unset(s.port, s.owner_id);
    }
};

Result<rte_eth_dev_info> device_info(uint16_t port) {
    rte_eth_dev_info info{};
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) return port_error<rte_eth_dev_info>(-rc, port, "rte_eth_dev_info_get failed");
    return info;
}

Result<void> check_queues(uint16_t port, const DpdkConfig& c, const rte_eth_dev_info& info) {
    if (c.rx_queues == 0 || c.tx_queues == 0 || c.rx_queue >= c.rx_queues || c.tx_queue >= c.tx_queues) {
        return port_error<void>(EINVAL, port, "queue index outside the configured queues");
    }
    if (c.rx_queues > info.max_rx_queues || c.tx_queues > info.max_tx_queues) {
        return port_error<void>(EINVAL, port,
                                "the PMD supports at most " + std::to_string(info.max_rx_queues) + " RX and " +
                                    std::to_string(info.max_tx_queues) + " TX queues");
    }
    return {};
}

Result<void> take_ownership(PortSetup& s) {
    int rc = rte_eth_dev_owner_new(&s.owner_id);
    if (rc != 0) return port_error<void>(-rc, s.port, "rte_eth_dev_owner_new failed");
    rte_eth_dev_owner owner{};
    owner.id = s.owner_id;
    std::snprintf(owner.name, sizeof(owner.name), "tachyon");
    rc = rte_eth_dev_owner_set(s.port, &owner);
    if (rc != 0) {
        s.owner_id = 0;
        return port_error<void>(EBUSY, s.port, "the port is already in use by another device of this process");
    }
    return {};
}

rte_eth_conf port_conf(const DpdkConfig& c, const rte_eth_dev_info& info, DpdkOffloads& enabled) {
    rte_eth_conf conf{};
    if (c.enable_offloads && !c.trust_link) {
        conf.rxmode.offloads = kRxChecksums & info.rx_offload_capa;
        conf.txmode.offloads = kTxChecksums & info.tx_offload_capa;
    }
    enabled.rx_ip = (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
    enabled.rx_tcp = (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0;
    enabled.rx_udp = (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) != 0;
    enabled.tx_ip = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
    enabled.tx_tcp = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0;
    enabled.tx_udp = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
    if (c.mtu >= info.min_mtu && c.mtu <= info.max_mtu) conf.rxmode.mtu = c.mtu;
    if (c.rx_queues > 1 && (info.flow_type_rss_offloads & kRssTypes) != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = kRssTypes & info.flow_type_rss_offloads;
    }
    return conf;
}

Result<rte_mempool*> create_pool(uint16_t port, const DpdkConfig& c, uint16_t rx_descs, uint16_t tx_descs,
                                 int socket) {
    static std::atomic<uint32_t> sequence{0};
    uint32_t cache = std::min<uint32_t>(c.mempool_cache, RTE_MEMPOOL_CACHE_MAX_SIZE);
    uint32_t n = mempool_size(c, rx_descs, tx_descs, cache, rte_lcore_count());
    cache = std::min<uint32_t>(cache, n * 2 / 3);  // rte_mempool_create's limit: 1.5 * cache <= n
    uint32_t data_room = std::max<uint32_t>(RTE_MBUF_DEFAULT_BUF_SIZE, RTE_PKTMBUF_HEADROOM + c.mtu + kFrameOverhead);
    if (data_room > UINT16_MAX) return port_error<rte_mempool*>(EINVAL, port, "MTU too large for one mbuf");

    char name[RTE_MEMPOOL_NAMESIZE];
    std::snprintf(name, sizeof(name), "tcy_p%u_%u", port, sequence.fetch_add(1));
    rte_mempool* pool = rte_pktmbuf_pool_create(name, n, cache, kMbufPrivSize, static_cast<uint16_t>(data_room),
                                                socket);
    if (pool == nullptr) {
        int err = rte_errno;
        return port_error<rte_mempool*>(
            err, port,
            "rte_pktmbuf_pool_create(" + std::to_string(n) + " mbufs of " + std::to_string(data_room) +
                " bytes) failed; hint: give EAL more memory (-m, hugepages) or lower DpdkConfig::mbufs/in_flight");
    }
    return pool;
}

Result<void> setup_queues(PortSetup& s, const DpdkConfig& c, const rte_eth_dev_info& info,
                          const rte_eth_conf& conf, uint16_t rx_descs, uint16_t tx_descs, int socket) {
    rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    for (uint16_t q = 0; q < c.rx_queues; ++q) {
        int rc = rte_eth_rx_queue_setup(s.port, q, rx_descs, static_cast<unsigned>(socket), &rxconf, s.pool);
        if (rc != 0) return port_error<void>(-rc, s.port, "rte_eth_rx_queue_setup(" + std::to_string(q) + ") failed");
    }
    rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    for (uint16_t q = 0; q < c.tx_queues; ++q) {
        int rc = rte_eth_tx_queue_setup(s.port, q, tx_descs, static_cast<unsigned>(socket), &txconf);
        if (rc != 0) return port_error<void>(-rc, s.port, "rte_eth_tx_queue_setup(" + std::to_string(q) + ") failed");
    }
    return {};
}

void fill_caps(PortSetup& s, const DpdkConfig& c) {
    rte_ether_addr mac{};
    if (rte_eth_macaddr_get(s.port, &mac) == 0) std::memcpy(s.caps.mac.octets.data(), mac.addr_bytes, 6);
    uint16_t mtu = 0;
    s.caps.mtu = rte_eth_dev_get_mtu(s.port, &mtu) == 0 && mtu != 0 ? mtu : c.mtu;
    s.caps.rx_queues = c.rx_queues;
    s.caps.tx_queues = c.tx_queues;
    // One flag covers TCP and UDP in the Device contract: claim it only when the port does both.
    // Per-packet verdicts are reported either way (PacketMeta::rx_flags).
    s.caps.rx_ipv4_checksum = s.offloads.rx_ip;
    s.caps.rx_l4_checksum = s.offloads.rx_tcp && s.offloads.rx_udp;
    s.caps.tx_ipv4_checksum = s.offloads.tx_ip;
    s.caps.tx_l4_checksum = s.offloads.tx_tcp && s.offloads.tx_udp;
    if (c.trust_link) {
        s.trust_link = true;
        s.caps.rx_ipv4_checksum = s.caps.rx_l4_checksum = s.caps.tx_ipv4_checksum = s.caps.tx_l4_checksum = true;
    }
}

}  // namespace

uint32_t mempool_size(const DpdkConfig& c, uint32_t rx_descs, uint32_t tx_descs, uint32_t cache,
                      uint32_t lcores) {
    if (c.mbufs != 0) return c.mbufs;
    uint64_t n = uint64_t{rx_descs} * c.rx_queues + uint64_t{tx_descs} * c.tx_queues + 2 * Device::kMaxBurst +
                 uint64_t{cache} * (lcores + 1) + c.in_flight;
    return round_to_pow2_minus_1(static_cast<uint32_t>(std::min<uint64_t>(n, UINT32_MAX / 2)));
}

Result<uint16_t> find_port(const DpdkConfig& c) {
    std::string name = c.port_name;
    if (name.empty()) {
        std::vector<std::string> vdevs = eal_vdev_names(c.eal_args);
        if (!vdevs.empty()) name = vdevs.front();
    }
    if (!name.empty()) {
        uint16_t port = 0;
        if (rte_eth_dev_get_port_by_name(name.c_str(), &port) != 0) {
            return Result<uint16_t>::fail(ENODEV, "no DPDK port named " + name + " (ports: " + available_ports() + ")" +
                                                      (rte_eth_dev_count_total() == 0 ? no_port_hint() : ""));
        }
        return port;
    }
    if (!rte_eth_dev_is_valid_port(c.port_id)) {
        return Result<uint16_t>::fail(ENODEV, "no DPDK port " + std::to_string(c.port_id) + " (ports: " +
                                                  available_ports() + ")" +
                                                  (rte_eth_dev_count_total() == 0 ? no_port_hint() : ""));
    }
    return c.port_id;
}

Result<PortSetup> setup_port(uint16_t port, const DpdkConfig& c) {
    PortSetup s;
    s.port = port;
    s.rx_queue = c.rx_queue;
    s.tx_queue = c.tx_queue;
    s.port_name = port_name_of(port);
    SetupGuard guard{s};

    Result<rte_eth_dev_info> info = device_info(port);
    if (!info) return info.error();
    s.driver = info->driver_name != nullptr ? info->driver_name : "";
    const rte_bus* bus = info->device != nullptr ? rte_dev_bus(info->device) : nullptr;
    s.is_vdev = bus != nullptr && std::strcmp(rte_bus_name(bus), "vdev") == 0;
    if (Result<void> r = check_queues(port, c, *info); !r) return r.error();
    if (Result<void> r = take_ownership(s); !r) return r.error();

    rte_eth_conf conf = port_conf(c, *info, s.offloads);
    int rc = rte_eth_dev_configure(port, c.rx_queues, c.tx_queues, &conf);
    if (rc != 0) return port_error(-rc, port, "rte_eth_dev_configure failed");
    uint16_t rx_descs = c.rx_ring;
    uint16_t tx_descs = c.tx_ring;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_descs, &tx_descs);
    if (rc != 0) return port_error(-rc, port, "rte_eth_dev_adjust_nb_rx_tx_desc failed");

    int socket = rte_eth_dev_socket_id(port);
    if (socket < 0) socket = static_cast<int>(rte_socket_id());
    Result<rte_mempool*> pool = create_pool(port, c, rx_descs, tx_descs, socket);
    if (!pool) return pool.error();
    s.pool = *pool;

    guard.configured = true;
    if (Result<void> r = setup_queues(s, c, *info, conf, rx_descs, tx_descs, socket); !r) return r.error();
    rc = rte_eth_dev_start(port);
    if (rc != 0) return port_error(-rc, port, "rte_eth_dev_start failed");
    if (c.promiscuous) {
        rc = rte_eth_promiscuous_enable(port);
        if (rc != 0) return port_error(-rc, port, "rte_eth_promiscuous_enable failed");
    }
    fill_caps(s, c);
    guard.done = true;
    return s;
}

void teardown_port(const PortSetup& s) {
    rte_device* dev = nullptr;
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(s.port, &info) == 0) dev = info.device;
    rte_eth_dev_stop(s.port);
    // Some PMDs (net_memif, net_virtio_user) tear connections down in EAL's interrupt thread as well,
    // reacting to the peer or to the stop; closing the port while that runs frees memory under it.
    // Let the interrupt thread drain between the steps.
    drain_interrupt_thread();
    if (s.owner_id != 0) rte_eth_dev_owner_unset(s.port, s.owner_id);
    // Close frees the mbufs in the PMD's rings; a vdev is removed too, so that opening the same vdev
    // again probes it afresh (a PCI device stays bound to its driver).
    rte_eth_dev_close(s.port);
    drain_interrupt_thread();
    if (s.is_vdev && dev != nullptr) rte_dev_remove(dev);
    drain_interrupt_thread();
    if (s.pool == nullptr) return;
    unsigned in_use = rte_mempool_in_use_count(s.pool);
    if (in_use == 0) {
        rte_mempool_free(s.pool);
        return;
    }
    // Packets from this pool outlived the device; freeing the pool now would corrupt memory when they
    // are released, so it stays (a leak the log reports) -- the same rule as PacketPool's lifetime.
    rte_log(RTE_LOG_WARNING, static_cast<uint32_t>(log_type()),
            "tachyon: %s closed with %u mbufs still held; mempool %s not freed\n", s.port_name.c_str(), in_use,
            s.pool->name);
}

}  // namespace tachyon
