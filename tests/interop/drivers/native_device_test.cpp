#include "tests/interop/drivers/native_device_test.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <vector>

#include "drivers/spec/open_device.hpp"

namespace tachyon::test {

std::pair<int, std::string> open_outcome(const Result<std::unique_ptr<Device>>& r) {
    if (r.ok()) return {0, ""};
    return {r.code(), r.error().message()};
}

void expect_missing_interface_names_the_fix(const Result<std::unique_ptr<Device>>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ENODEV);
    EXPECT_NE(r.error().message().find("ip link show"), std::string::npos) << r.error().message();
}

void expect_link_follows_interface(Device& dev, const VethNetns& net) {
    EXPECT_TRUE(dev.link_up());
    ASSERT_TRUE(net.set_host_link(false));
    EXPECT_FALSE(dev.link_up());
    ASSERT_TRUE(net.set_host_link(true));
    EXPECT_TRUE(dev.link_up());
}

void expect_frames_wait_for_buffers(DeviceUnderTest& t, const PacketPool& device_pool,
                                    const std::function<uint64_t()>& rx_no_buffer) {
    constexpr uint16_t kId = 0x7c02;
    const VethNetns& net = t.net;
    std::array<Packet, 8> out;
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = make_packet(t.tx_pool, icmp_echo_request(net.host_mac(), net.peer_mac(), net.local_ip(), net.peer_ip(),
                                                          kId, static_cast<uint16_t>(i), {}));
    }
    ASSERT_EQ(transmit_all(t.dev, out), out.size());
    // Hold the pool's four buffers: the other four replies must wait in the ring.
    std::vector<Packet> held;
    std::array<Packet, Device::kMaxBurst> in;
    const auto end = Clock::now() + kDeadline;
    while (rx_no_buffer() == 0 && Clock::now() < end) {
        const size_t n = t.dev.rx_burst(in);
        for (size_t i = 0; i < n; ++i) held.push_back(std::move(in[i]));
        if (n == 0) wait_readable(t.fd);
    }
    EXPECT_EQ(held.size(), 4u);
    EXPECT_EQ(device_pool.in_use(), 4u);
    EXPECT_GE(rx_no_buffer(), 1u);
    EXPECT_EQ(t.dev.rx_burst(in), 0u) << "no buffer: nothing delivered";
    held.clear();
    size_t more = 0;
    EXPECT_TRUE(receive_until(t.dev, t.fd, [&](const Packet& p) {
        auto e = parse_icmp_echo(p.bytes());
        if (e && e->type == 0 && e->id == kId) ++more;
        return more == 4;
    })) << "the frames left in the ring arrive once buffers are free";
    EXPECT_EQ(t.dev.stats().rx_dropped, 0u);
}

std::string tcpdump_of_spec(const std::string& spec, const std::string& filter, const std::function<void(PcapWriter&)>& use) {
    char path[] = "/tmp/tcy-native-pcap-XXXXXX";
    const int tmp = ::mkstemp(path);
    EXPECT_GE(tmp, 0);
    if (tmp < 0) return {};
    ::close(tmp);
    {
        auto dev = open_device(spec, OpenOptions{.pcap_path = path});
        EXPECT_TRUE(dev.ok()) << dev.error().message();
        if (dev.ok()) use(dynamic_cast<PcapWriter&>(**dev));
    }
    std::string out;
    EXPECT_EQ(run_command({"tcpdump", "-nr", path, filter}, &out), 0) << out;
    ::unlink(path);
    return out;
}

}  // namespace tachyon::test
