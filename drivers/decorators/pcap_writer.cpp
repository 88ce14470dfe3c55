#include "drivers/decorators/pcap_writer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

namespace tachyon {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

// The file is little-endian whatever the host, so a ManualClock capture is identical everywhere;
// readers detect the byte order from the magic.
std::byte* store_le16(std::byte* p, uint16_t v) {
    p[0] = static_cast<std::byte>(v);
    p[1] = static_cast<std::byte>(v >> 8);
    return p + 2;
}
std::byte* store_le32(std::byte* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
    return p + 4;
}

int errno_or(int fallback) { return errno != 0 ? errno : fallback; }

}  // namespace

PcapWriter::PcapWriter(std::string path, std::FILE* file, Device& inner, const Clock& clock,
                       const PcapOptions& options)
    : path_(std::move(path)),
      file_(file),
      inner_(&inner),
      clock_(clock),
      options_(options),
      // At least one full record plus the file header, so any single frame always fits.
      capacity_(std::max(options.buffer_bytes,
                         kFileHeaderLen + kRecordHeaderLen + size_t{options.snaplen})) {
    buffer_ = std::make_unique_for_overwrite<std::byte[]>(capacity_);
}

Result<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path, Device& inner,
                                                     const Clock& clock,
                                                     const PcapOptions& options) {
    return open_impl(path, inner, clock, options);
}

Result<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path,
                                                     std::unique_ptr<Device> inner,
                                                     const Clock& clock,
                                                     const PcapOptions& options) {
    if (!inner) return Result<std::unique_ptr<PcapWriter>>::fail(EINVAL, "pcap: no inner device");
    auto r = open_impl(path, *inner, clock, options);
    if (r) r.value()->owned_ = std::move(inner);
    return r;
}

Result<std::unique_ptr<PcapWriter>> PcapWriter::open_impl(const std::string& path, Device& inner,
                                                          const Clock& clock,
                                                          const PcapOptions& options) {
    using R = Result<std::unique_ptr<PcapWriter>>;
    if (options.snaplen == 0) return R::fail(EINVAL, "pcap: snaplen must be positive");
    errno = 0;
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return R::fail(errno_or(EIO), "cannot create pcap file " + path);
    // Our own buffer batches the records; a second stdio buffer would only add a copy.
    std::setvbuf(file, nullptr, _IONBF, 0);
    std::unique_ptr<PcapWriter> w(new PcapWriter(path, file, inner, clock, options));

    std::byte* p = w->buffer_.get();
    p = store_le32(p, options.nanosecond ? kMagicNanoseconds : kMagicMicroseconds);
    p = store_le16(p, kVersionMajor);
    p = store_le16(p, kVersionMinor);
    p = store_le32(p, 0);  // thiszone: timestamps are UTC (or the clock's own epoch)
    p = store_le32(p, 0);  // sigfigs
    p = store_le32(p, options.snaplen);
    store_le32(p, kLinktypeEthernet);
    w->used_ = kFileHeaderLen;
    errno = 0;
    if (!w->flush()) return R::fail(errno_or(EIO), "cannot write pcap file " + path);
    return R(std::move(w));
}

Duration PcapWriter::wall_clock_offset(const Clock& clock) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    const int64_t wall = static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
    return Duration::from_ns(wall - clock.now().ns());
}

PcapWriter::~PcapWriter() {
    flush();
    std::fclose(file_);
}

size_t PcapWriter::rx_burst(std::span<Packet> out) {
    const size_t n = inner_->rx_burst(out);
    if (!options_.capture_rx || n == 0) return n;
    uint64_t sec = 0;
    uint32_t frac = 0;
    timestamp(sec, frac);
    for (size_t i = 0; i < n; ++i) {
        ensure_room(record_len(out[i]));
        append_record(out[i], sec, frac);
        ++stats_.records;
    }
    return n;
}

size_t PcapWriter::tx_burst(std::span<Packet> pkts) {
    if (!options_.capture_tx) return inner_->tx_burst(pkts);
    uint64_t sec = 0;
    uint32_t frac = 0;
    timestamp(sec, frac);
    size_t done = 0;
    while (done < pkts.size()) {
        // The largest chunk (up to a burst) whose records fit the buffer together, so that the
        // records of refused frames can be rolled back; at least one frame always fits.
        size_t chunk = 0;
        size_t bytes = 0;
        while (done + chunk < pkts.size() && chunk < kMaxBurst) {
            const size_t r = record_len(pkts[done + chunk]);
            if (bytes + r > capacity_) break;
            bytes += r;
            ++chunk;
        }
        ensure_room(bytes);
        std::array<size_t, kMaxBurst + 1> ends{};
        ends[0] = used_;
        for (size_t i = 0; i < chunk; ++i) {
            append_record(pkts[done + i], sec, frac);
            ends[i + 1] = used_;
        }
        const size_t k = inner_->tx_burst(pkts.subspan(done, chunk));
        used_ = ends[k];
        stats_.records += k;
        done += k;
        if (k < chunk) break;
    }
    return done;
}

bool PcapWriter::flush() {
    bool ok = write_out();
    if (std::fflush(file_) != 0) {
        ++stats_.write_errors;
        ok = false;
    }
    return ok;
}

size_t PcapWriter::record_len(const Packet& pkt) const {
    return kRecordHeaderLen + std::min<size_t>(pkt.size(), options_.snaplen);
}

void PcapWriter::append_record(const Packet& pkt, uint64_t ts_sec, uint32_t ts_frac) {
    const size_t caplen = std::min<size_t>(pkt.size(), options_.snaplen);
    if (caplen < pkt.size()) ++stats_.truncated;
    std::byte* p = buffer_.get() + used_;
    // ts_sec is 32 bits in the classic format: it wraps in 2106.
    p = store_le32(p, static_cast<uint32_t>(ts_sec));
    p = store_le32(p, ts_frac);
    p = store_le32(p, static_cast<uint32_t>(caplen));
    p = store_le32(p, static_cast<uint32_t>(pkt.size()));
    if (caplen > 0) std::memcpy(p, pkt.data(), caplen);
    used_ += kRecordHeaderLen + caplen;
}

void PcapWriter::ensure_room(size_t n) {
    if (capacity_ - used_ < n) write_out();
}

bool PcapWriter::write_out() {
    if (used_ == 0) return true;
    const size_t n = used_;
    used_ = 0;
    if (std::fwrite(buffer_.get(), 1, n, file_) != n) {
        ++stats_.write_errors;
        return false;
    }
    stats_.bytes += n;
    return true;
}

void PcapWriter::timestamp(uint64_t& sec, uint32_t& frac) const {
    int64_t ns = clock_.now().ns() + options_.epoch_offset.ns();
    if (ns < 0) ns = 0;  // before the pcap epoch: not representable
    sec = static_cast<uint64_t>(ns / kNsPerSec);
    const auto sub = static_cast<uint32_t>(ns % kNsPerSec);
    frac = options_.nanosecond ? sub : sub / 1000;
}

}  // namespace tachyon
