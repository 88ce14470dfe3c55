#include "drivers/decorators/pcap_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "tests/unit/drivers/test_util.hpp"

namespace tachyon {
namespace {

using test::bytes_of;
using test::frame_bytes;
using test::frame_id;
using test::make_frame;
using test::RecordingDevice;
using test::to_bytes;

// A path unique to this process and test, removed at the end of the test.
class TempPath {
public:
    TempPath() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = (std::filesystem::temp_directory_path() /
                 ("tachyon_" + std::to_string(::getpid()) + "_" + info->name() + ".pcap"))
                    .string();
        std::filesystem::remove(path_);
    }
    ~TempPath() { std::filesystem::remove(path_); }
    const std::string& str() const { return path_; }

private:
    std::string path_;
};

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
uint32_t le32(const std::vector<uint8_t>& f, size_t at) {
    return uint32_t{f.at(at)} | uint32_t{f.at(at + 1)} << 8 | uint32_t{f.at(at + 2)} << 16 |
           uint32_t{f.at(at + 3)} << 24;
}
uint16_t le16(const std::vector<uint8_t>& f, size_t at) {
    return static_cast<uint16_t>(f.at(at) | f.at(at + 1) << 8);
}

struct Record {
    uint32_t sec, frac, incl, orig;
    std::vector<std::byte> data;
};

// Parses the records after the 24-byte file header; fails the test on a torn record.
std::vector<Record> records_of(const std::vector<uint8_t>& f) {
    std::vector<Record> out;
    size_t at = PcapWriter::kFileHeaderLen;
    while (at < f.size()) {
        EXPECT_LE(at + 16, f.size());
        if (at + 16 > f.size()) break;
        Record r{le32(f, at), le32(f, at + 4), le32(f, at + 8), le32(f, at + 12), {}};
        at += 16;
        EXPECT_LE(at + r.incl, f.size());
        if (at + r.incl > f.size()) break;
        for (size_t i = 0; i < r.incl; ++i) r.data.push_back(static_cast<std::byte>(f[at + i]));
        at += r.incl;
        out.push_back(std::move(r));
    }
    return out;
}

class PcapWriterTest : public ::testing::Test {
protected:
    void TearDown() override { EXPECT_EQ(pool_.in_use(), 0u); }

    ManualClock clock_{Instant::from_ns(1'500'000'123)};
    PacketPool pool_{256};
    TempPath path_;
};

TEST_F(PcapWriterTest, WritesFileHeaderAndRecordsForBothDirections) {
    MemoryLink link;
    {
        auto w = PcapWriter::open(path_.str(), link.a(), clock_);
        ASSERT_TRUE(w.ok()) << w.error().message();
        PcapWriter& pcap = **w;
        EXPECT_EQ(pcap.name(), "pcap:memory:a");
        std::array<Packet, 2> out{make_frame(pool_, 1, 60), make_frame(pool_, 2, 1514)};
        ASSERT_EQ(pcap.tx_burst(out), 2u);

        clock_.advance(Duration::from_ms(1));
        std::array<Packet, 1> reply{make_frame(pool_, 3, 98)};
        ASSERT_EQ(link.b().tx_burst(reply), 1u);
        std::array<Packet, 4> in;
        ASSERT_EQ(pcap.rx_burst(in), 1u);
        EXPECT_EQ(frame_id(in[0]), 3u);
        ASSERT_TRUE(pcap.flush());
        EXPECT_EQ(pcap.pcap_stats().records, 3u);
        EXPECT_EQ(pcap.pcap_stats().write_errors, 0u);
        // The frames themselves went through untouched.
        std::array<Packet, 4> at_b;
        ASSERT_EQ(link.b().rx_burst(at_b), 2u);
        EXPECT_EQ(bytes_of(at_b[1]), frame_bytes(2, 1514));
    }
    const std::vector<uint8_t> f = read_file(path_.str());
    ASSERT_EQ(f.size(), 24u + 3 * 16 + 60 + 1514 + 98);
    EXPECT_EQ(le32(f, 0), 0xa1b23c4du);
    EXPECT_EQ(f[0], 0x4d) << "little-endian on every host";
    EXPECT_EQ(le16(f, 4), 2);
    EXPECT_EQ(le16(f, 6), 4);
    EXPECT_EQ(le32(f, 8), 0u);
    EXPECT_EQ(le32(f, 12), 0u);
    EXPECT_EQ(le32(f, 16), 65535u);
    EXPECT_EQ(le32(f, 20), 1u);  // LINKTYPE_ETHERNET

    const std::vector<Record> r = records_of(f);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].sec, 1u);
    EXPECT_EQ(r[0].frac, 500'000'123u);
    EXPECT_EQ(r[0].incl, 60u);
    EXPECT_EQ(r[0].orig, 60u);
    EXPECT_EQ(r[0].data, frame_bytes(1, 60));
    EXPECT_EQ(r[1].frac, 500'000'123u);
    EXPECT_EQ(r[1].incl, 1514u);
    EXPECT_EQ(r[1].data, frame_bytes(2, 1514));
    EXPECT_EQ(r[2].sec, 1u);
    EXPECT_EQ(r[2].frac, 501'000'123u);
    EXPECT_EQ(r[2].data, frame_bytes(3, 98));
}

TEST_F(PcapWriterTest, MicrosecondFormatWithEpochOffset) {
    RecordingDevice sink(clock_);
    {
        PcapOptions opt;
        opt.nanosecond = false;
        opt.epoch_offset = Duration::from_secs(1'700'000'000);
        auto w = PcapWriter::open(path_.str(), sink, clock_, opt);
        ASSERT_TRUE(w.ok());
        std::array<Packet, 1> out{make_frame(pool_, 1)};
        ASSERT_EQ((*w)->tx_burst(out), 1u);
    }
    const std::vector<uint8_t> f = read_file(path_.str());
    EXPECT_EQ(le32(f, 0), 0xa1b2c3d4u);
    const std::vector<Record> r = records_of(f);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].sec, 1'700'000'001u);
    EXPECT_EQ(r[0].frac, 500'000u);
}

TEST_F(PcapWriterTest, RecordsOnlyTheTxFramesTheInnerDeviceAccepted) {
    MemoryLinkConfig cfg;
    cfg.b.rx_queue_depth = 1;
    cfg.overflow = OverflowPolicy::kBackpressure;
    MemoryLink link(cfg);
    auto w = PcapWriter::open(path_.str(), link.a(), clock_);
    ASSERT_TRUE(w.ok());
    std::array<Packet, 3> out{make_frame(pool_, 0), make_frame(pool_, 1), make_frame(pool_, 2)};
    ASSERT_EQ((*w)->tx_burst(out), 1u);
    std::array<Packet, 1> in;
    ASSERT_EQ(link.b().rx_burst(in), 1u);
    in[0].reset();
    ASSERT_EQ((*w)->tx_burst(std::span<Packet>(out).subspan(1)), 1u);
    ASSERT_EQ(link.b().rx_burst(in), 1u);
    in[0].reset();
    out[2].reset();
    ASSERT_TRUE((*w)->flush());
    const std::vector<Record> r = records_of(read_file(path_.str()));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].data, frame_bytes(0));
    EXPECT_EQ(r[1].data, frame_bytes(1));
}

TEST_F(PcapWriterTest, RollsBackRefusedFramesAcrossBufferFlushes) {
    RecordingDevice sink(clock_);
    sink.accept_per_call = 2;
    PcapOptions opt;
    opt.snaplen = 1000;
    opt.buffer_bytes = 2000;  // three 500-byte frames' records per buffer
    auto w = PcapWriter::open(path_.str(), sink, clock_, opt);
    ASSERT_TRUE(w.ok());
    std::vector<Packet> out;
    for (uint32_t i = 0; i < 50; ++i) out.push_back(make_frame(pool_, i, 500));
    size_t sent = 0;
    while (sent < out.size()) {
        const size_t k = (*w)->tx_burst(std::span<Packet>(out).subspan(sent));
        ASSERT_EQ(k, 2u);
        sent += k;
    }
    ASSERT_TRUE((*w)->flush());
    const std::vector<Record> r = records_of(read_file(path_.str()));
    ASSERT_EQ(r.size(), 50u);
    for (uint32_t i = 0; i < 50; ++i) EXPECT_EQ(r[i].data, frame_bytes(i, 500)) << i;
    EXPECT_EQ((*w)->pcap_stats().records, 50u);
}

TEST_F(PcapWriterTest, SnaplenTruncatesLongFrames) {
    RecordingDevice sink(clock_);
    PcapOptions opt;
    opt.snaplen = 100;
    auto w = PcapWriter::open(path_.str(), sink, clock_, opt);
    ASSERT_TRUE(w.ok());
    std::array<Packet, 1> out{make_frame(pool_, 9, 300)};
    ASSERT_EQ((*w)->tx_burst(out), 1u);
    ASSERT_TRUE((*w)->flush());
    EXPECT_EQ((*w)->pcap_stats().truncated, 1u);
    const std::vector<uint8_t> f = read_file(path_.str());
    EXPECT_EQ(le32(f, 16), 100u);
    const std::vector<Record> r = records_of(f);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].incl, 100u);
    EXPECT_EQ(r[0].orig, 300u);
    const std::vector<std::byte> full = frame_bytes(9, 300);
    EXPECT_EQ(r[0].data, std::vector<std::byte>(full.begin(), full.begin() + 100));
}

TEST_F(PcapWriterTest, OpenFailsWhenTheFileCannotBeCreated) {
    RecordingDevice sink(clock_);
    auto w = PcapWriter::open("/nonexistent-tachyon-dir/x.pcap", sink, clock_);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.code(), ENOENT);
    EXPECT_NE(w.error().message().find("/nonexistent-tachyon-dir/x.pcap"), std::string::npos);
}

TEST_F(PcapWriterTest, OwnsItsInnerDeviceAndFlushesOnDestruction) {
    {
        auto w = PcapWriter::open(path_.str(), std::make_unique<RecordingDevice>(clock_), clock_);
        ASSERT_TRUE(w.ok());
        std::array<Packet, 2> out{make_frame(pool_, 1), make_frame(pool_, 2)};
        ASSERT_EQ((*w)->tx_burst(out), 2u);
        EXPECT_EQ(read_file(path_.str()).size(), 24u) << "records are buffered";
        EXPECT_EQ(static_cast<RecordingDevice&>((*w)->inner()).records.size(), 2u);
    }
    EXPECT_EQ(records_of(read_file(path_.str())).size(), 2u);
}

// --- tcpdump decodes what we write ---

uint16_t inet_checksum(const std::vector<std::byte>& b, size_t from, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += static_cast<uint32_t>(b[from + i]) << 8 | static_cast<uint32_t>(b[from + i + 1]);
    if (len % 2 != 0) sum += static_cast<uint32_t>(b[from + len - 1]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

void put16(std::vector<std::byte>& b, size_t at, uint16_t v) {
    b[at] = static_cast<std::byte>(v >> 8);
    b[at + 1] = static_cast<std::byte>(v);
}

// Who has 10.0.0.2? Tell 10.0.0.1 (RFC 826), from 02:00:00:00:00:01.
std::vector<std::byte> arp_request() {
    return to_bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,  //
                     0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,                               //
                     0x02, 0, 0, 0, 0, 0x01, 10, 0, 0, 1,                                    //
                     0, 0, 0, 0, 0, 0, 10, 0, 0, 2});
}

// ICMP echo request 10.0.0.1 -> 10.0.0.2, id 0x1234, seq 7, 8 bytes of payload.
std::vector<std::byte> icmp_echo_request() {
    std::vector<std::byte> f = to_bytes({
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,  // Ethernet
        0x45, 0x00, 0x00, 36, 0xab, 0xcd, 0x40, 0x00, 64, 1, 0, 0,    // IPv4, checksum below
        10, 0, 0, 1, 10, 0, 0, 2,                                     //
        8, 0, 0, 0, 0x12, 0x34, 0x00, 0x07,                           // ICMP echo, checksum below
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'});
    put16(f, 24, inet_checksum(f, 14, 20));
    put16(f, 36, inet_checksum(f, 34, 16));
    return f;
}

Packet packet_of(PacketPool& pool, const std::vector<std::byte>& bytes) {
    Packet p = pool.alloc();
    std::memcpy(p.append(bytes.size()), bytes.data(), bytes.size());
    return p;
}

std::string tcpdump_binary() {
    for (const char* p : {"/usr/bin/tcpdump", "/usr/sbin/tcpdump"}) {
        if (::access(p, X_OK) == 0) return p;
    }
    return {};
}

TEST_F(PcapWriterTest, TcpdumpDecodesArpAndIcmpEcho) {
    const std::string tcpdump = tcpdump_binary();
    if (tcpdump.empty()) GTEST_SKIP() << "tcpdump is not installed";
    RecordingDevice sink(clock_);
    {
        auto w = PcapWriter::open(path_.str(), sink, clock_);
        ASSERT_TRUE(w.ok());
        std::array<Packet, 2> out{packet_of(pool_, arp_request()),
                                  packet_of(pool_, icmp_echo_request())};
        ASSERT_EQ((*w)->tx_burst(out), 2u);
    }
    const std::string cmd =
        "TZ=UTC " + tcpdump + " --time-stamp-precision=nano -nn -r '" + path_.str() + "' 2>&1";
    std::FILE* pipe = ::popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    std::array<char, 512> chunk{};
    while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) {
        output += chunk.data();
    }
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("ARP, Request who-has 10.0.0.2 tell 10.0.0.1"), std::string::npos)
        << output;
    EXPECT_NE(output.find("IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 4660, seq 7, length 16"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("00:00:01.500000123"), std::string::npos)
        << "nanosecond timestamp: " << output;
}

}  // namespace
}  // namespace tachyon
