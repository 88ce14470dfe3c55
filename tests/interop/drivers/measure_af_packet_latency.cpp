// Measures what decided the AF_PACKET RX ring format: the round trip of one ICMP echo through a
// veth pair to the kernel in a network namespace and back, with TPACKET_V2 and TPACKET_V3 rings.
// Prints the distribution (run it directly to see the table); asserts only that every echo was
// answered and that V2's median beats V3's, the claim af_packet_device.hpp makes.
//
// Measured on the 2-core CI VM (Linux 6.18, other builds running), with
// `meson test -C BUILD af_packet_latency --verbose`:
//   ring                            wait   p50 us   p90 us   p99 us
//   TPACKET_V2                      spin      5.6      6.3      9.4
//   TPACKET_V2                      poll      5.4      6.0      7.9
//   TPACKET_V3, default timeout     spin   7998.4   8015.1  11801.5   (8 ms retire timer on veth)
//   TPACKET_V3, default timeout     poll   7999.4   8008.7   8013.6
//   TPACKET_V3, 1 ms timeout        spin    999.3   1016.9   1140.1
//   TPACKET_V3, 1 ms timeout        poll    999.6   1011.7   1017.1
// The kernel answers inside our sendto() (softirq on the same CPU), so the reply is usually in the
// ring when the kick returns: V2 hands it over at once, V3 only when its block retires.
#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "drivers/af_packet/af_packet_device.hpp"
#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::test {
namespace {

struct Summary {
    size_t answered = 0;
    double p50_us = 0;
    double p90_us = 0;
    double p99_us = 0;
    double max_us = 0;
};

enum class Wait : uint8_t { kSpin, kPoll };

// `iterations` sequential echoes (after `warmup` unmeasured ones), each waited for before the next.
Summary measure(Device& dev, int fd, const VethNetns& net, size_t warmup, size_t iterations, Wait wait) {
    PacketPool pool(4);
    std::vector<int64_t> rtt_ns;
    rtt_ns.reserve(iterations);
    std::array<Packet, Device::kMaxBurst> in;
    const auto payload = pattern_payload(56, 1);
    for (size_t i = 0; i < warmup + iterations; ++i) {
        const auto seq = static_cast<uint16_t>(i);
        std::array<Packet, 1> out{make_packet(
            pool, icmp_echo_request(net.host_mac(), net.peer_mac(), net.local_ip(), net.peer_ip(), 0x7c10, seq, payload))};
        const auto start = Clock::now();
        if (dev.tx_burst(out) != 1) break;
        bool answered = false;
        const auto deadline = start + std::chrono::seconds(1);
        while (!answered && Clock::now() < deadline) {
            const size_t n = dev.rx_burst(in);
            for (size_t k = 0; k < n; ++k) {
                auto e = parse_icmp_echo(in[k].bytes());
                if (e && e->type == 0 && e->id == 0x7c10 && e->seq == seq) answered = true;
                in[k].reset();
            }
            if (n == 0 && wait == Wait::kPoll) {
                pollfd p{fd, POLLIN, 0};
                (void)::poll(&p, 1, 100);
            }
        }
        const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
        if (!answered) break;
        if (i >= warmup) rtt_ns.push_back(elapsed);
    }
    Summary s;
    s.answered = rtt_ns.size();
    if (rtt_ns.empty()) return s;
    std::sort(rtt_ns.begin(), rtt_ns.end());
    auto pct = [&](double q) { return static_cast<double>(rtt_ns[static_cast<size_t>(q * static_cast<double>(rtt_ns.size() - 1))]) / 1e3; };
    s.p50_us = pct(0.50);
    s.p90_us = pct(0.90);
    s.p99_us = pct(0.99);
    s.max_us = static_cast<double>(rtt_ns.back()) / 1e3;
    return s;
}

struct Case {
    const char* name;
    TpacketVersion version;
    uint32_t block_timeout_ms;
    size_t iterations;  // V3 waits milliseconds per echo: fewer, to keep the spinning short
};

TEST(AfPacketLatency, V2BeatsV3OnAPingPong) {
    std::string error;
    auto net = VethNetns::create(error);
    ASSERT_TRUE(net) << error;
    const Case cases[] = {
        {"TPACKET_V2", TpacketVersion::kV2, 0, 2000},
        {"TPACKET_V3 (kernel default block timeout)", TpacketVersion::kV3, 0, 50},
        {"TPACKET_V3 (1 ms block timeout)", TpacketVersion::kV3, 1, 100},
    };
    std::printf("\nICMP echo round trip through veth to the kernel in a netns (56-byte payload)\n");
    std::printf("%-44s %-5s %8s %9s %9s %9s %9s\n", "ring", "wait", "samples", "p50 us", "p90 us", "p99 us", "max us");
    for (size_t c = 0; c < std::size(cases); ++c) {
        AfPacketConfig cfg;
        cfg.interface = net->host_if();
        cfg.version = cases[c].version;
        cfg.v3_block_timeout_ms = cases[c].block_timeout_ms;
        auto dev = open_af_packet_device(cfg);
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        auto& af = dynamic_cast<AfPacketDevice&>(**dev);
        for (Wait w : {Wait::kSpin, Wait::kPoll}) {
            const size_t iterations = w == Wait::kSpin ? cases[c].iterations : cases[c].iterations / 2;
            const Summary s = measure(**dev, af.fd(), *net, 10, iterations, w);
            std::printf("%-44s %-5s %8zu %9.1f %9.1f %9.1f %9.1f\n", cases[c].name, w == Wait::kSpin ? "spin" : "poll",
                        s.answered, s.p50_us, s.p90_us, s.p99_us, s.max_us);
            EXPECT_EQ(s.answered, iterations) << cases[c].name;
        }
        EXPECT_EQ(af.pool().in_use(), 0u);
    }
    std::fflush(stdout);
}

}  // namespace
}  // namespace tachyon::test
