// PcapWriter: a Device decorator that records every frame it sees, in both directions, to a classic
// libpcap file (LINKTYPE_ETHERNET) that tcpdump and Wireshark read.
//
// - TX: only the frames the inner device accepted are recorded (a refused frame is recorded when a
//   later call gets it through, so retries do not appear twice). Records are written before the
//   frames are handed on, since the inner device may release them at once, and rolled back for
//   the refused ones.
// - RX: frames are recorded after the inner device returns them.
// - Classic pcap has no direction field: RX and TX records are interleaved in the order seen.
// - Timestamps come from the injected Clock plus `epoch_offset`: with a ManualClock the file is
//   reproducible byte for byte. A TscClock counts from CLOCK_MONOTONIC's epoch (boot), so pass
//   epoch_offset = wall_clock_offset(clock) for wall-clock times; the offset is read once, and the
//   two clocks drift apart slowly over long captures.
// - Records go to an in-memory buffer written to the file when it fills, on flush() and on
//   destruction; no system call per frame. The file's bytes are little-endian on every host.
// - The inner device is referenced (it must outlive the writer) or owned, as the caller chooses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/result.hpp"
#include "lib/time.hpp"

namespace tachyon {

struct PcapOptions {
    bool nanosecond = true;     // magic 0xa1b23c4d (ns timestamps); false: 0xa1b2c3d4 (us)
    uint32_t snaplen = 65535;   // frames longer than this are truncated in the file
    Duration epoch_offset = Duration::zero();  // added to the clock's reading
    size_t buffer_bytes = 1 << 20;             // grown to hold at least one snaplen record
    bool capture_rx = true;
    bool capture_tx = true;
};

struct PcapStats {
    uint64_t records = 0;           // frames recorded
    uint64_t truncated = 0;         // ... of which longer than snaplen
    uint64_t bytes = 0;             // bytes handed to the file, headers included
    uint64_t write_errors = 0;      // failed writes; their buffered records are lost
};

class PcapWriter final : public Device {
public:
    static constexpr uint32_t kMagicMicroseconds = 0xa1b2c3d4;
    static constexpr uint32_t kMagicNanoseconds = 0xa1b23c4d;
    static constexpr uint16_t kVersionMajor = 2;
    static constexpr uint16_t kVersionMinor = 4;
    static constexpr uint32_t kLinktypeEthernet = 1;
    static constexpr size_t kFileHeaderLen = 24;
    static constexpr size_t kRecordHeaderLen = 16;

    // Creates (truncates) `path` and writes the file header. Fails with the errno of fopen/fwrite.
    static Result<std::unique_ptr<PcapWriter>> open(const std::string& path, Device& inner,
                                                    const Clock& clock,
                                                    const PcapOptions& options = {});
    static Result<std::unique_ptr<PcapWriter>> open(const std::string& path,
                                                    std::unique_ptr<Device> inner,
                                                    const Clock& clock,
                                                    const PcapOptions& options = {});
    // Wall-clock time minus clock.now(), read once: the epoch_offset that makes a monotonic
    // clock's timestamps wall-clock times. Setup only (a system call).
    static Duration wall_clock_offset(const Clock& clock);

    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    ~PcapWriter() override;

    size_t rx_burst(std::span<Packet> out) override;
    size_t tx_burst(std::span<Packet> pkts) override;
    Packet alloc_tx() override { return inner_->alloc_tx(); }
    DeviceCaps caps() const override { return inner_->caps(); }
    bool link_up() const override { return inner_->link_up(); }
    DeviceStats stats() const override { return inner_->stats(); }
    std::string name() const override { return "pcap:" + inner_->name(); }

    // Writes the buffered records to the file and flushes it; false (and counted) on a write error.
    bool flush();
    const PcapStats& pcap_stats() const { return stats_; }
    const std::string& path() const { return path_; }
    Device& inner() { return *inner_; }

private:
    PcapWriter(std::string path, std::FILE* file, Device& inner, const Clock& clock,
               const PcapOptions& options);
    static Result<std::unique_ptr<PcapWriter>> open_impl(const std::string& path, Device& inner,
                                                         const Clock& clock,
                                                         const PcapOptions& options);

    size_t record_len(const Packet& pkt) const;
    // Appends one record; the buffer must have room (ensure_room).
    void append_record(const Packet& pkt, uint64_t ts_sec, uint32_t ts_frac);
    // Makes room for `n` more bytes, writing the buffer out if needed.
    void ensure_room(size_t n);
    bool write_out();
    void timestamp(uint64_t& sec, uint32_t& frac) const;

    std::string path_;
    std::FILE* file_;
    std::unique_ptr<Device> owned_;
    Device* inner_;
    const Clock& clock_;
    PcapOptions options_;
    std::unique_ptr<std::byte[]> buffer_;  // allocated once at open
    size_t capacity_;
    size_t used_ = 0;  // bytes pending
    PcapStats stats_;
};

}  // namespace tachyon
