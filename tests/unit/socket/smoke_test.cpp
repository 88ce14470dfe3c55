#include <gtest/gtest.h>

#include <array>

#include "tests/unit/socket/socket_pair.hpp"

namespace tachyon::test {
namespace {

TEST(SocketSmoke, EchoOnce) {
    SocketPair p;
    {
        Socket srv = p.b().socket(AF_INET, SOCK_STREAM);
        srv.bind({Ipv4Address::any(), 7});
        srv.listen(4);
        Socket cli = p.a().socket(AF_INET, SOCK_STREAM);
        cli.connect({kIpB, 7});
        auto [conn, peer] = srv.accept();
        EXPECT_EQ(peer.addr, kIpA);
        ASSERT_TRUE(cli.sendall(std::string_view("hello")).ok());
        std::array<std::byte, 16> buf{};
        Result<size_t> n = conn.recv(buf);
        ASSERT_TRUE(n.ok()) << n.error().message();
        EXPECT_EQ(to_string(std::span(buf).first(*n)), "hello");
        ASSERT_TRUE(cli.close().ok());
        n = conn.recv(buf);
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(*n, 0u);
    }
    p.advance(Duration::from_secs(120));
    EXPECT_EQ(p.buffers_in_use(), 0u);
}

}  // namespace
}  // namespace tachyon::test
