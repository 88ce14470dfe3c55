#include "tests/interop/tcp/pcap_segments.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>

namespace tachyon::interop {

namespace {

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t{be16(p)} << 16 | be16(p + 2); }
uint32_t le32(const uint8_t* p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24; }

// End-around carry down to 16 bits (RFC 1071).
uint16_t fold16(uint32_t sum) {
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

// The 16-bit one's complement sum of big-endian words added to `sum`, folded; an odd last byte is
// padded.
uint16_t sum16(const uint8_t* p, size_t len, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < len; i += 2) sum += be16(p + i);
    if (len % 2 != 0) sum += uint32_t{p[len - 1]} << 8;
    return fold16(sum);
}

void check_sums(const uint8_t* ip, size_t ihl, size_t total, TcpSegment& s) {
    s.whole = true;
    s.ip_checksum = be16(ip + 10);
    s.ip_checksum_ok = sum16(ip, ihl) == 0xffff;
    const uint8_t* t = ip + ihl;
    const size_t tcp_len = total - ihl;
    // Pseudo-header (RFC 9293 3.1): source, destination, zero + protocol, TCP length.
    const uint32_t pseudo = uint32_t{sum16(ip + 12, 8)} + 6 + static_cast<uint32_t>(tcp_len);
    s.tcp_checksum_ok = sum16(t, tcp_len, pseudo) == 0xffff;
    s.tcp_checksum_partial = be16(t + 16) == fold16(pseudo);
}

// RFC 9293 3.1 / RFC 7323 / RFC 2018 options; stops at a malformed one (what was read stays).
void parse_options(const uint8_t* p, size_t len, TcpSegment& s) {
    size_t i = 0;
    while (i < len) {
        const uint8_t kind = p[i];
        if (kind == 0) return;  // end of option list
        if (kind == 1) {        // no-operation
            ++i;
            continue;
        }
        if (i + 1 >= len) return;
        const uint8_t olen = p[i + 1];
        if (olen < 2 || i + olen > len) return;
        const uint8_t* v = p + i + 2;
        if (kind == 2 && olen == 4) s.mss = be16(v);
        if (kind == 3 && olen == 3) s.wscale = v[0];
        if (kind == 4 && olen == 2) s.sack_permitted = true;
        if (kind == 5 && olen >= 10) s.sack_blocks = (olen - 2) / 8;
        if (kind == 8 && olen == 10) {
            s.tsval = be32(v);
            s.tsecr = be32(v + 4);
        }
        i += olen;
    }
}

std::optional<TcpSegment> decode(const uint8_t* f, size_t caplen, size_t index) {
    constexpr size_t kEth = 14;
    if (caplen < kEth + 20 || be16(f + 12) != 0x0800) return std::nullopt;
    const uint8_t* ip = f + kEth;
    const size_t ihl = (ip[0] & 0xf) * 4u;
    if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || caplen < kEth + ihl + 20) return std::nullopt;
    const size_t total = be16(ip + 2);
    const uint8_t* t = ip + ihl;
    const size_t doff = (t[12] >> 4) * 4u;
    if (doff < 20 || total < ihl + doff) return std::nullopt;
    TcpSegment s;
    s.index = index;
    s.src = {be32(ip + 12)};
    s.dst = {be32(ip + 16)};
    s.sport = be16(t);
    s.dport = be16(t + 2);
    s.seq = be32(t + 4);
    s.ack = be32(t + 8);
    s.flags = t[13];
    s.window = be16(t + 14);
    s.payload_len = static_cast<uint32_t>(total - ihl - doff);
    if (caplen >= kEth + ihl + doff) parse_options(t + 20, doff - 20, s);
    if (caplen >= kEth + total) check_sums(ip, ihl, total, s);
    return s;
}

}  // namespace

std::string TcpSegment::describe() const {
    char flagtext[8] = {};
    size_t n = 0;
    if (syn()) flagtext[n++] = 'S';
    if (fin()) flagtext[n++] = 'F';
    if (rst()) flagtext[n++] = 'R';
    if (flags & 0x08) flagtext[n++] = 'P';
    if (has_ack()) flagtext[n++] = '.';
    char buf[256];
    std::snprintf(buf, sizeof(buf), "#%zu %s:%u > %s:%u [%s] seq %u ack %u win %u len %u%s%s%s%s", index,
                  src.to_string().c_str(), sport, dst.to_string().c_str(), dport, flagtext, seq, ack, window,
                  payload_len, mss ? " mss" : "", wscale ? " ws" : "", sack_permitted ? " sackOK" : "",
                  tsval ? " ts" : "");
    return buf;
}

std::optional<Capture> read_capture(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path;
        return std::nullopt;
    }
    std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (file.size() < 24) {
        error = path + ": shorter than a pcap header";
        return std::nullopt;
    }
    const uint32_t magic = le32(file.data());
    if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
        error = path + ": not a little-endian classic pcap file";
        return std::nullopt;
    }
    if (le32(file.data() + 20) != 1) {
        error = path + ": link type is not Ethernet";
        return std::nullopt;
    }
    Capture c;
    size_t at = 24;
    while (at + 16 <= file.size()) {
        const size_t caplen = le32(file.data() + at + 8);
        if (at + 16 + caplen > file.size()) break;  // a record cut short at the end
        if (auto s = decode(file.data() + at + 16, caplen, c.records)) c.tcp.push_back(*s);
        ++c.records;
        at += 16 + caplen;
    }
    return c;
}

std::vector<TcpSegment> connection(const Capture& c, uint16_t port_a, uint16_t port_b) {
    std::vector<TcpSegment> out;
    for (const TcpSegment& s : c.tcp) {
        if ((s.sport == port_a && s.dport == port_b) || (s.sport == port_b && s.dport == port_a)) out.push_back(s);
    }
    return out;
}

}  // namespace tachyon::interop
