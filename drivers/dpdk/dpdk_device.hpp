// DPDK backend: one queue pair of any DPDK port (a PCI NIC or a vdev: net_tap, net_memif,
// net_af_packet, net_af_xdp, net_virtio_user ...) as a Device.
//
// RX is zero-copy: each received mbuf becomes a Packet whose PacketBuf lives in the mbuf's private
// area (see mbuf_packet.hpp); releasing the Packet frees the mbuf. alloc_tx() hands out mbufs the
// same way so the stack builds frames in place and tx_burst() passes them to the PMD as they are;
// a Packet from another owner (the stack's own pool) is copied into an mbuf. Checksum offloads are
// enabled where the PMD offers them and reported in caps(); a request the port cannot offload is
// computed in software, so the contract holds on every PMD.
//
// PMD notes (DPDK 22.11, tested in tests/interop/drivers/test_dpdk_*.cpp):
//  - net_tap: the kernel interface gets the port's MAC; give it another one (ip link set dev X
//    address ...) so that frames look as on a wire. TX/RX IPv4/TCP/UDP checksum offloads. The
//    missing multiq qdisc warning only disables rte_flow.
//  - net_memif: open the server before the client (a client that finds no server stays down); a
//    sender only progresses while the peer polls (the receiver posts the ring's buffers); the client
//    owns the shared memory, so frames still in its rings are lost when it closes.
//  - net_af_xdp: sent mbufs come back on completion (reclaim_tx()); at close the PMD keeps the mbufs
//    of its fill ring, so that device's mempool is kept (and reported) rather than freed.
//  - net_virtio_user + vhost-user: works with --no-huge (EAL memory is memfd-backed); TX TCP/UDP
//    checksum offload, no IPv4 header offload; sent mbufs are freed when virtio reuses descriptors.
//
// Not thread-safe: one thread drives one device (the stack's model). That thread should be an EAL
// lcore (the thread that opened the first device is, by default) so that mempool caches work; any
// other thread still works through the mempool's shared ring.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "drivers/dpdk/unmap_guard.hpp"
#include "lib/device.hpp"
#include "lib/result.hpp"

struct rte_mbuf;
struct rte_mempool;  // so that users of this header do not need DPDK's headers

namespace tachyon {

struct PortSetup;

struct DpdkConfig {
    // EAL arguments as DPDK users write them, without the program name, e.g.
    // {"--vdev=net_tap0,iface=tcy0"}. EAL is initialised by the first device of the process; later
    // devices may only add --vdev arguments (see eal.hpp).
    std::vector<std::string> eal_args;
    // Complete the EAL arguments with defaults for vdevs on small machines (see EalOptions::defaults).
    bool eal_defaults = true;

    // The port: by name (a vdev name like "net_tap0", a PCI address); when empty, the first --vdev of
    // eal_args, and without one, port_id.
    std::string port_name;
    uint16_t port_id = 0;

    uint16_t rx_queues = 1;  // queues configured on the port (RSS spreads flows when > 1)
    uint16_t tx_queues = 1;
    uint16_t rx_queue = 0;  // the queue pair this Device uses
    uint16_t tx_queue = 0;
    uint16_t rx_ring = 1024;  // descriptors per queue, adjusted to the PMD's limits
    uint16_t tx_ring = 1024;

    // Mbufs in the device's mempool; 0 sizes it: every RX and TX descriptor, a burst in each
    // direction, the per-lcore caches and `in_flight` packets the stack may hold at once (socket
    // queues, reassembly, pending ARP), rounded up to 2^n - 1 (the mempool's best size).
    uint32_t mbufs = 0;
    uint32_t in_flight = 4096;
    uint32_t mempool_cache = 256;

    uint16_t mtu = 1500;
    bool enable_offloads = true;  // RX/TX IPv4, TCP and UDP checksum offloads, where the PMD has them
    bool promiscuous = false;
    // The port links two processes of this host through memory (net_memif between two Tachyon
    // stacks), which cannot corrupt a frame: checksums are neither computed nor verified, as Linux
    // does over loopback (CHECKSUM_PARTIAL is trusted by the receiver). The device claims every
    // checksum offload, sends the fields as the stack leaves them (the pseudo-header sum for TCP and
    // UDP, zero for the IPv4 header) and reports every received frame's checksums as good. Both ends
    // must set it: a peer that verifies drops these frames (counted as bad checksums). Replaces the
    // port's own checksum offloads.
    bool trust_link = false;
};

// Checksum offloads enabled on the port: the PMD offers them and DpdkConfig::enable_offloads is set.
struct DpdkOffloads {
    bool rx_ip = false;
    bool rx_tcp = false;
    bool rx_udp = false;
    bool tx_ip = false;
    bool tx_tcp = false;
    bool tx_udp = false;
};

// Driver-level events beyond the port's own statistics.
struct DpdkCounters {
    uint64_t rx_linearised = 0;         // multi-segment frames copied into their first segment
    uint64_t rx_multiseg_dropped = 0;   // multi-segment frames that could not be linearised
    uint64_t rx_foreign_pool_dropped = 0;  // mbufs a PMD took from a pool without room for PacketBuf
    uint64_t tx_copied = 0;             // foreign packets copied into an mbuf
    uint64_t tx_no_mbuf = 0;            // copies that found the mempool empty (burst cut short)
    uint64_t tx_oversize_dropped = 0;   // foreign packets larger than an mbuf
    uint64_t tx_prepare_dropped = 0;    // packets rte_eth_tx_prepare rejected
    uint64_t tx_sw_checksum = 0;        // packets whose requested checksum the port cannot offload
    uint64_t tx_bad_offload_meta = 0;   // offload requests with l2_len/l3_len outside the data
    uint64_t alloc_tx_failed = 0;       // alloc_tx() with the mempool empty
};

class DpdkDevice final : public Device {
public:
    static Result<std::unique_ptr<DpdkDevice>> open(const DpdkConfig& config);
    ~DpdkDevice() override;  // stops and closes the port; a vdev is also removed
    DpdkDevice(const DpdkDevice&) = delete;
    DpdkDevice& operator=(const DpdkDevice&) = delete;

    size_t rx_burst(std::span<Packet> out) override;
    size_t tx_burst(std::span<Packet> pkts) override;
    Packet alloc_tx() override;
    DeviceCaps caps() const override { return caps_; }
    bool link_up() const override;
    DeviceStats stats() const override;
    std::string name() const override { return name_; }

    uint16_t port_id() const { return port_; }
    const std::string& driver_name() const { return driver_; }
    // Extended statistics as the PMD names them ("rx_good_packets", "tx_q0_bytes", ...).
    std::vector<std::pair<std::string, uint64_t>> xstats() const;
    DpdkCounters counters() const { return counters_; }
    void reset_stats();
    // Returns to the mempool the mbufs of sent packets that the PMD still holds until it sees their
    // completion (net_af_xdp, NICs): rte_eth_tx_done_cleanup, or an empty TX burst where the PMD has
    // no cleanup (it reaps completions on every burst). For an idle loop and for exact accounting.
    void reclaim_tx();
    // Mbufs taken from this device's mempool: RX descriptors, queued TX and the stack's packets.
    size_t mbufs_in_use() const;
    size_t mbufs_capacity() const;
    rte_mempool* mempool() const { return pool_; }
    std::string mempool_name() const;

    const DpdkOffloads& offloads() const { return offloads_; }

private:
    enum class Stage : uint8_t;
    explicit DpdkDevice(const PortSetup& setup);
    uint8_t rx_flags(const rte_mbuf* m) const;  // PacketMeta::rx_flags of a received mbuf
    Stage tx_stage(Packet& p, rte_mbuf*& m, bool& copied);
    size_t tx_chunk(std::span<Packet> pkts);

    uint16_t port_ = 0;
    uint16_t rxq_ = 0;
    uint16_t txq_ = 0;
    bool rx_csum_ = false;  // the port reports checksum verdicts in ol_flags
    bool tx_csum_ = false;  // some TX checksum offload is on: rte_eth_tx_prepare must see the burst
    bool trust_link_ = false;  // DpdkConfig::trust_link
    DpdkOffloads offloads_;
    rte_mempool* pool_ = nullptr;
    uint64_t owner_id_ = 0;
    bool is_vdev_ = false;
    DeviceCaps caps_;
    std::string name_;
    std::string driver_;
    // Marks this thread's bursts for the munmap guard (unmap_guard.hpp); watched on net_memif only,
    // the PMD that unmaps from EAL's interrupt thread.
    BurstSection bursts_;
    bool bursts_watched_ = false;
    DpdkCounters counters_;
};

// Whether a mempool of that name exists (a closed device's pool is freed once all its mbufs are back).
bool mempool_exists(const std::string& name);

// The Device factory used by device specs ("dpdk:<EAL arguments>").
Result<std::unique_ptr<Device>> open_dpdk_device(const DpdkConfig& config);

}  // namespace tachyon
