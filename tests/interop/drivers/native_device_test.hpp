// What the native kernel-socket device tests (test_af_packet.cpp, test_af_xdp.cpp) share: a
// value-parameterised fixture on a fresh veth pair (netns_fixture.hpp) that opens the driver's
// device, and the checks both drivers must pass with the same steps. A driver plugs in by traits:
//
//   struct Traits {
//       using Config = AfPacketConfig;   // what open() takes
//       using Native = AfPacketDevice;   // the device type open() makes: fd(), pool()
//       using Param = TpacketVersion;    // the test parameter
//       static Config config(const VethNetns& net, Param p);  // a config for net.host_if()
//       static Result<std::unique_ptr<Device>> open(const Config& c);
//       static uint64_t rx_no_buffer(const Native& d);  // RX bursts cut short by an empty pool
//   };
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "drivers/decorators/pcap_writer.hpp"
#include "lib/result.hpp"
#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::test {

// The error code and message of a failed open (0 and "" when it succeeded): what a
// run_unprivileged() child reports.
std::pair<int, std::string> open_outcome(const Result<std::unique_ptr<Device>>& r);

// An open of an interface that does not exist fails with ENODEV and names the command to list them.
void expect_missing_interface_names_the_fix(const Result<std::unique_ptr<Device>>& r);

// Link status follows `net`'s host end going down and up again.
void expect_link_follows_interface(Device& dev, const VethNetns& net);

// For a device whose pool holds 4 buffers: 8 echo replies arrive, 4 are held, so the other 4 must
// wait in the RX ring (rx_no_buffer() counts the cut-short bursts) and arrive once the 4 are
// released; nothing is dropped.
void expect_frames_wait_for_buffers(DeviceUnderTest& t, const PacketPool& device_pool,
                                    const std::function<uint64_t()>& rx_no_buffer);

// Opens `spec` with a pcap capture into a temporary file, runs `use` on the opened device (the
// PcapWriter, whose inner() is the driver's device), closes it and returns what `tcpdump -nr`
// prints for `filter`; the file is removed.
std::string tcpdump_of_spec(const std::string& spec, const std::string& filter, const std::function<void(PcapWriter&)>& use);

template <typename Traits>
class NativeDeviceTest : public ::testing::TestWithParam<typename Traits::Param> {
protected:
    using Config = typename Traits::Config;
    using Native = typename Traits::Native;

    void SetUp() override {
        std::string error;
        net_ = VethNetns::create(error);
        ASSERT_TRUE(net_) << error;
    }

    Config config() const { return Traits::config(*net_, this->GetParam()); }

    // The device, or nullptr with a failure; the caller checks the pool and destroys it before the
    // fixture goes.
    std::unique_ptr<Device> open(const Config& c) {
        auto r = Traits::open(c);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
        if (!r.ok()) return nullptr;
        return std::move(r.value());
    }

    static Native& native(Device& d) { return dynamic_cast<Native&>(d); }

    // Opens a device with `c`, runs `body` on it and expects every RX buffer back in the device's
    // pool afterwards.
    void with_device(const Config& c, const std::function<void(DeviceUnderTest&, Native&)>& body) {
        auto dev = open(c);
        ASSERT_TRUE(dev);
        Native& n = native(*dev);
        DeviceUnderTest t{*dev, n.fd(), *net_, tx_pool_};
        body(t, n);
        EXPECT_EQ(n.pool().in_use(), 0u) << "RX buffers still held after the case";
    }

    // The cases both drivers pass with the same steps (the rest need a driver's own counters).
    void expect_echo_replies_carry_payload() {
        with_device(config(), [](DeviceUnderTest& t, Native&) {
            expect_echo_reply(t, 1, 56);
            expect_echo_reply(t, 2, 1472);  // a full 1500-byte IP packet
            expect_echo_reply(t, 3, 0);
        });
    }

    // `c` must give the RX ring room for the 1000 frames the kernel sends before we read.
    void expect_kernel_flood_received(const Config& c) {
        with_device(c, [](DeviceUnderTest& t, Native&) {
            expect_kernel_flood(t, 1000);
            EXPECT_GE(t.dev.stats().rx_packets, 1000u);
            EXPECT_EQ(t.dev.stats().rx_dropped, 0u);
        });
    }

    void expect_own_frames_not_received_on_device() {
        with_device(config(), [](DeviceUnderTest& t, Native&) { expect_own_frames_not_received(t); });
    }

    void expect_frames_wait_for_buffers_with_pool_of_4(Config c) {
        c.pool_size = 4;
        with_device(c, [](DeviceUnderTest& t, Native& n) {
            expect_frames_wait_for_buffers(t, n.pool(), [&n] { return Traits::rx_no_buffer(n); });
        });
    }

    void expect_link_follows_interface_once_open() {
        auto dev = open(config());
        ASSERT_TRUE(dev);
        expect_link_follows_interface(*dev, *net_);
    }

    std::unique_ptr<VethNetns> net_;
    PacketPool tx_pool_{64};
};

}  // namespace tachyon::test
