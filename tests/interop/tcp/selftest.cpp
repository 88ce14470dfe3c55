// The interop tests' own tools, checked without root or network: SHA-256 against FIPS 180-4's
// examples, the peers' JSON lines, and the pcap reader and wire checks on hand-made frames.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tests/interop/tcp/child_process.hpp"
#include "tests/interop/tcp/pcap_segments.hpp"
#include "tests/interop/tcp/sha256.hpp"
#include "tests/interop/tcp/wire_checks.hpp"

namespace tachyon::interop {
namespace {

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

TEST(Sha256, FipsExamples) {
    EXPECT_EQ(Sha256::hex_of(bytes_of("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256::hex_of(bytes_of("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Sha256::hex_of(bytes_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, PiecewiseEqualsWhole) {
    std::string text(1000, '\0');
    for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 31 + 7);
    Sha256 pieces;
    for (size_t at = 0, step = 1; at < text.size(); at += step, step = step * 3 % 97 + 1) {
        pieces.update(bytes_of(text.substr(at, step)));
    }
    EXPECT_EQ(pieces.hex_digest(), Sha256::hex_of(bytes_of(text)));
    // One million 'a' (FIPS 180-4 example 3).
    Sha256 million;
    const std::string a(1000, 'a');
    for (int i = 0; i < 1000; ++i) million.update(bytes_of(a));
    EXPECT_EQ(million.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(JsonLine, FlatObjects) {
    auto j = JsonLine::parse(R"({"event": "done", "sent": 10485760, "ok": true, "msg": "a \"b\" c"})");
    ASSERT_TRUE(j);
    EXPECT_EQ(j->str("event"), "done");
    EXPECT_EQ(j->num("sent"), 10485760);
    EXPECT_EQ(j->num("ok"), 1);
    EXPECT_EQ(j->str("msg"), "a \"b\" c");
    EXPECT_FALSE(j->has("missing"));
    EXPECT_FALSE(JsonLine::parse("not json"));
    EXPECT_FALSE(JsonLine::parse(R"({"a": )"));
}

TEST(ChildProcess, LinesAndExitStatus) {
    std::string error;
    auto c = ChildProcess::spawn({"sh", "-c", "echo '{\"event\": \"one\"}'; echo junk; echo '{\"event\": \"two\"}'; exit 3"}, error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->wait(std::chrono::milliseconds(5000)), 3);
    auto e = c->take_event("two");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->str("event"), "two");
    EXPECT_FALSE(c->next_event());
}

// An Ethernet/IPv4/TCP frame with the given options bytes and payload length.
std::vector<uint8_t> frame(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                           uint8_t flags, uint16_t window, const std::vector<uint8_t>& options, size_t payload) {
    std::vector<uint8_t> f(14 + 20 + 20 + options.size() + payload, 0);
    f[12] = 0x08;
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    const size_t total = f.size() - 14;
    ip[2] = static_cast<uint8_t>(total >> 8);
    ip[3] = static_cast<uint8_t>(total);
    ip[9] = 6;
    for (int i = 0; i < 4; ++i) {
        ip[12 + i] = static_cast<uint8_t>(src >> (24 - 8 * i));
        ip[16 + i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
    }
    uint8_t* t = ip + 20;
    t[0] = static_cast<uint8_t>(sport >> 8);
    t[1] = static_cast<uint8_t>(sport);
    t[2] = static_cast<uint8_t>(dport >> 8);
    t[3] = static_cast<uint8_t>(dport);
    for (int i = 0; i < 4; ++i) {
        t[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
        t[8 + i] = static_cast<uint8_t>(ack >> (24 - 8 * i));
    }
    t[12] = static_cast<uint8_t>(((20 + options.size()) / 4) << 4);
    t[13] = flags;
    t[14] = static_cast<uint8_t>(window >> 8);
    t[15] = static_cast<uint8_t>(window);
    std::memcpy(t + 20, options.data(), options.size());
    return f;
}

void put_le32(std::vector<uint8_t>& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::string write_pcap(const std::vector<std::vector<uint8_t>>& frames, size_t snaplen) {
    std::vector<uint8_t> b;
    put_le32(b, 0xa1b23c4d);
    b.push_back(2), b.push_back(0), b.push_back(4), b.push_back(0);
    put_le32(b, 0);
    put_le32(b, 0);
    put_le32(b, static_cast<uint32_t>(snaplen));
    put_le32(b, 1);
    for (const auto& f : frames) {
        const size_t cap = std::min(f.size(), snaplen);
        put_le32(b, 0);
        put_le32(b, 0);
        put_le32(b, static_cast<uint32_t>(cap));
        put_le32(b, static_cast<uint32_t>(f.size()));
        b.insert(b.end(), f.begin(), f.begin() + static_cast<ptrdiff_t>(cap));
    }
    const std::string path = "/tmp/tcy-selftest-" + std::to_string(::getpid()) + ".pcap";
    FILE* fp = std::fopen(path.c_str(), "wb");
    std::fwrite(b.data(), 1, b.size(), fp);
    std::fclose(fp);
    return path;
}

constexpr uint32_t kT = 0x0a000002, kK = 0x0a000001;  // Tachyon and the kernel

std::vector<uint8_t> syn_options(uint16_t mss, uint8_t ws, uint32_t tsval, uint32_t tsecr) {
    // Linux's order: mss, sackOK, timestamps, nop, wscale.
    return {2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss), 4, 2, 8, 10,
            static_cast<uint8_t>(tsval >> 24), static_cast<uint8_t>(tsval >> 16), static_cast<uint8_t>(tsval >> 8),
            static_cast<uint8_t>(tsval), static_cast<uint8_t>(tsecr >> 24), static_cast<uint8_t>(tsecr >> 16),
            static_cast<uint8_t>(tsecr >> 8), static_cast<uint8_t>(tsecr), 1, 3, 3, ws};
}
std::vector<uint8_t> ts_options(uint32_t tsval, uint32_t tsecr) {
    return {1, 1, 8, 10, static_cast<uint8_t>(tsval >> 24), static_cast<uint8_t>(tsval >> 16),
            static_cast<uint8_t>(tsval >> 8), static_cast<uint8_t>(tsval), static_cast<uint8_t>(tsecr >> 24),
            static_cast<uint8_t>(tsecr >> 16), static_cast<uint8_t>(tsecr >> 8), static_cast<uint8_t>(tsecr)};
}

TEST(PcapSegments, DecodesOptionsFromATruncatedCapture) {
    const std::string path = write_pcap(
        {frame(kK, kT, 40000, 7000, 100, 0, 0x02, 64240, syn_options(1460, 7, 1000, 0), 0),
         frame(kT, kK, 7000, 40000, 500, 101, 0x12, 65535, syn_options(1460, 3, 77, 1000), 0),
         frame(kK, kT, 40000, 7000, 101, 501, 0x10, 502, ts_options(1001, 77), 1448)},
        128);
    std::string error;
    auto c = read_capture(path, error);
    ::unlink(path.c_str());
    ASSERT_TRUE(c) << error;
    ASSERT_EQ(c->tcp.size(), 3u);
    const TcpSegment& syn = c->tcp[0];
    EXPECT_TRUE(syn.syn() && !syn.has_ack());
    EXPECT_EQ(syn.mss, 1460);
    EXPECT_EQ(syn.wscale, 7);
    EXPECT_TRUE(syn.sack_permitted);
    EXPECT_EQ(syn.tsval, 1000u);
    EXPECT_EQ(c->tcp[2].payload_len, 1448u) << "payload length from the IP header, not the truncated record";
    EXPECT_EQ(c->tcp[2].tsecr, 77u);
    EXPECT_EQ(connection(*c, 7000, 40000).size(), 3u);
    EXPECT_EQ(connection(*c, 7000, 40001).size(), 0u);
}

TEST(WireChecks, OptionsVerdictCatchesAMissingTimestampAndABadEcho) {
    std::vector<TcpSegment> conn;
    auto seg = [&](uint32_t src, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len, std::optional<uint32_t> tsval,
                   uint32_t tsecr) {
        TcpSegment s;
        s.index = conn.size();
        s.src = {src};
        s.dst = {src == kT ? kK : kT};
        s.flags = flags;
        s.seq = seq;
        s.ack = ack;
        s.payload_len = len;
        s.window = 1000;
        s.tsval = tsval;
        if (tsval) s.tsecr = tsecr;
        if (flags & 0x02) {
            s.mss = 1460;
            s.wscale = 7;
            s.sack_permitted = true;
        }
        conn.push_back(s);
    };
    seg(kK, 0x02, 100, 0, 0, 1000, 0);
    seg(kT, 0x12, 500, 101, 0, 77, 1000);
    seg(kK, 0x10, 101, 501, 1448, 1001, 77);
    OptionsExpectation small;
    small.expect_large_windows = false;
    EXPECT_TRUE(check_options_in_effect(conn, {kT}, small).failures.empty());
    seg(kT, 0x10, 501, 1549, 0, std::nullopt, 0);  // no timestamps
    EXPECT_EQ(check_options_in_effect(conn, {kT}, small).failures.size(), 1u);
    conn.pop_back();
    seg(kT, 0x10, 501, 1549, 0, 78, 999);  // echoes a TSval the kernel never sent
    EXPECT_EQ(check_options_in_effect(conn, {kT}, small).failures.size(), 1u);
    EXPECT_FALSE(check_options_in_effect(conn, {kT}).failures.empty()) << "small windows fail the large-window check";
}

TEST(WireChecks, CloseTraceTellsCrossedFinsFromSequentialOnes) {
    TcpSegment t_fin, k_fin;
    t_fin.src = {kT};
    t_fin.flags = 0x11;
    t_fin.seq = 1000;
    t_fin.ack = 5000;  // does not cover the kernel's FIN at 5000
    k_fin.src = {kK};
    k_fin.flags = 0x11;
    k_fin.seq = 5000;
    k_fin.ack = 1000;
    EXPECT_TRUE(fin_sent_before_peer_fin(t_fin, k_fin));
    EXPECT_TRUE(fin_sent_before_peer_fin(k_fin, t_fin));
    k_fin.ack = 1001;  // the kernel had Tachyon's FIN already
    EXPECT_FALSE(fin_sent_before_peer_fin(k_fin, t_fin));
    TcpSegment ack = t_fin;
    ack.flags = 0x10;
    ack.seq = 1001;
    ack.ack = 5001;
    const CloseTrace trace = close_trace({t_fin, k_fin, ack}, {kT});
    EXPECT_TRUE(trace.tachyon_fin_acked);
    EXPECT_TRUE(trace.kernel_fin_acked);
}

}  // namespace
}  // namespace tachyon::interop
