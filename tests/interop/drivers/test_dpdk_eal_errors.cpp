// rte_eal_init failures as a user meets them: a Result error that quotes EAL and says what to do.
// Its own executable, since a process's first EAL initialisation is what fails here.
#include <gtest/gtest.h>

#include "drivers/dpdk/dpdk_device.hpp"
#include "drivers/dpdk/eal.hpp"

namespace tachyon {
namespace {

TEST(DpdkEalErrors, IncompatibleOptionsFailWithAHintAndARetrySaysWhy) {
    DpdkConfig bad;
    bad.eal_args = {"--vdev=net_null0", "--no-huge", "-m", "256", "--in-memory"};
    auto dev = DpdkDevice::open(bad);
    ASSERT_FALSE(dev.ok());
    EXPECT_EQ(dev.code(), EINVAL);
    const std::string& d = dev.error().detail;
    EXPECT_NE(d.find("rte_eal_init(--vdev=net_null0 --no-huge -m 256 --in-memory"), std::string::npos) << d;
    EXPECT_NE(d.find("not compatible with --in-memory"), std::string::npos) << "quotes EAL: " << d;
    EXPECT_NE(d.find("hint: "), std::string::npos) << d;
    EXPECT_NE(d.find("--no-shconf"), std::string::npos) << d;
    EXPECT_FALSE(eal_initialised());

    // DPDK keeps state from the failed attempt, so a retry would fail confusingly: the first error
    // is reported again, saying so.
    DpdkConfig good;
    good.eal_args = {"--vdev=net_null0"};
    auto again = DpdkDevice::open(good);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.code(), EINVAL);
    EXPECT_NE(again.error().detail.find("EAL failed earlier in this process"), std::string::npos) << again.error().detail;
    EXPECT_NE(again.error().detail.find("not compatible with --in-memory"), std::string::npos) << again.error().detail;
}

}  // namespace
}  // namespace tachyon
