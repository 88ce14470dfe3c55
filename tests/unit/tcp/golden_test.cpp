// The handshake of the design card, byte for byte with injected ISNs: client SYN seq=100;
// server SYN seq=224, ACK 101; client ACK seq=101, ack=225. Two layers on two fake hosts; every
// segment is compared with hand-written bytes (options in Linux's order without timestamps:
// mss, nop, nop, sackOK, nop, wscale), the checksum computed by the RFC 1071 reference loop.
#include <gtest/gtest.h>

#include <vector>

#include "lib/checksum.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "tests/support/fake_ip_host.hpp"

namespace tachyon::test {
namespace {

constexpr Ipv4Address kClient = Ipv4Address::from_octets(10, 0, 0, 2);
constexpr Ipv4Address kServer = Ipv4Address::from_octets(10, 0, 0, 1);

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

// Fills the checksum field (bytes 16-17) the slow, obvious way.
void fill_checksum(std::vector<std::byte>& seg, Ipv4Address src, Ipv4Address dst) {
    std::vector<std::byte> buf;
    auto put32 = [&](uint32_t v) {
        for (int i = 3; i >= 0; --i) buf.push_back(static_cast<std::byte>(v >> (8 * i)));
    };
    put32(src.value);
    put32(dst.value);
    buf.push_back(std::byte{0});
    buf.push_back(std::byte{6});
    buf.push_back(static_cast<std::byte>(seg.size() >> 8));
    buf.push_back(static_cast<std::byte>(seg.size() & 0xff));
    seg[16] = seg[17] = std::byte{0};
    buf.insert(buf.end(), seg.begin(), seg.end());
    const uint16_t c = internet_checksum_reference(buf);
    seg[16] = static_cast<std::byte>(c >> 8);
    seg[17] = static_cast<std::byte>(c & 0xff);
}

TcpConfig golden_config(uint32_t isn) {
    TcpConfig c;
    c.max_connections = 4;
    c.defaults.timestamps = false;  // TSval depends on the clock and a keyed offset
    c.defaults.receive_buffer = 65535;
    c.defaults.isn = isn;
    return c;
}

// Ends the sender's turn (the client's ACK is owed by then) and moves the one segment `from` sent
// to `to`, checking its bytes first.
void deliver(FakeIpHost& from, TcpLayer& to, std::vector<std::byte> expected, const char* what) {
    from.end_turn();
    ASSERT_EQ(from.sent().size(), 1u) << what;
    SentPacket s = std::move(from.sent().front());
    from.sent().pop_front();
    fill_checksum(expected, s.ip.src_addr, s.ip.dst_addr);
    const std::span<std::byte> got = s.pkt.bytes();
    EXPECT_EQ(std::vector<std::byte>(got.begin(), got.end()), expected) << what;
    to.input(s.ip, std::move(s.pkt));
}

TEST(TcpGolden, DesignCardHandshakeByteExact) {
    FakeIpHost client_host(kClient, 1);
    FakeIpHost server_host(kServer, 2);
    {
        TcpLayer client(client_host, golden_config(100));
        TcpLayer server(server_host, golden_config(224));
        client_host.attach(&client);
        server_host.attach(&server);
        auto l = server.listen({kServer, 80}, 4);
        ASSERT_TRUE(l.ok());
        auto c = client.open({kClient, 40000}, {kServer, 80});
        ASSERT_TRUE(c.ok());

        deliver(client_host, server,
                bytes({0x9c, 0x40, 0x00, 0x50,  // ports 40000 -> 80
                       0x00, 0x00, 0x00, 0x64,  // seq 100
                       0x00, 0x00, 0x00, 0x00,  // no ack
                       0x80, 0x02, 0xff, 0xff,  // offset 8, SYN, window 65535
                       0x00, 0x00, 0x00, 0x00,  // checksum, urgent
                       0x02, 0x04, 0x05, 0xb4,  // mss 1460
                       0x01, 0x01, 0x04, 0x02,  // nop, nop, sackOK
                       0x01, 0x03, 0x03, 0x00}),  // nop, wscale 0
                "client SYN seq=100");
        deliver(server_host, client,
                bytes({0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x00, 0xe0,  // seq 224
                       0x00, 0x00, 0x00, 0x65,                          // ack 101
                       0x80, 0x12, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,  // SYN|ACK
                       0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x00}),
                "server SYN seq=224 ack=101");
        deliver(client_host, server,
                bytes({0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x65,  // seq 101
                       0x00, 0x00, 0x00, 0xe1,                          // ack 225
                       0x50, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00}),  // ACK
                "client ACK seq=101 ack=225");
        server_host.end_turn();
        EXPECT_TRUE(server_host.sent().empty());
        EXPECT_EQ(client.state(c.value()), TcpState::kEstablished);
        auto s = server.accept(l.value());
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(server.state(s.value()), TcpState::kEstablished);
    }
    client_host.sent().clear();
    server_host.sent().clear();
    EXPECT_EQ(client_host.pool().in_use(), 0u);
    EXPECT_EQ(server_host.pool().in_use(), 0u);
}

}  // namespace
}  // namespace tachyon::test
